"""An individual-level reference of ONE welfare fund, month by month (MODEL.md sections 3-4).

The engine (``sim.model.monthly.month_step``) keeps cohort counts: members by (age band, tenure
band) and a ring buffer of waiting members by join month, with binomial/Poisson draws per
cohort. This module simulates the same fund with every member as an individual -- age band,
tenure band, the month they joined (so the waiting period is exact), their hospital benefit
already used this calendar year -- and draws every event per person with plain numpy. If the
cohort engine is right, both give the same *distribution* of outcomes; the tests compare
them over hundreds of seeds.

The rates are derived here from the parameter set, independently of ``sim.model.engine``:

* monthly event probability from a yearly rate r (per person-year): 1 - exp(-r / 12);
* ageing: a member leaves an age band of width w years with probability 1 - exp(-1/(12 w))
  per month (the last band is open);
* tenure: the first band (<1 year) is entered after the waiting period, so the member
  spends 12 - waiting months in it (probability 1 - exp(-1/(12 - waiting)) per month); the
  other bands like ageing, by their width;
* hospital stays: Poisson(admissions / 12) per member-month, nights 1 + Poisson(mean - 1),
  pay min(nights x per-night, per-stay cap), then the per-year cap applied EXACTLY per member
  (the engine uses an expected factor instead, see ``sim/benefits.py``);
* funeral benefit by tenure band: min(base + per-year x years(band), cap).

Same monthly order as the engine: graduation, deaths, leaving, claims (active funds only),
joining (active funds only), ageing (eligible members only: waiting members do not change
band while they wait, exactly as in the engine), money in satang with the same rounding.
A fund that cannot pay the month's claims pays what it has and goes dormant.

``waiting="random"`` is the deliberately WRONG variant the tests must detect: each waiting
member graduates with probability 1 / waiting_months per month instead of exactly after
waiting_months.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

N_AGE = 7
N_TENURE = 6
AGE_WIDTH = np.array([15.0, 10.0, 20.0, 15.0, 10.0, 10.0, np.inf])
TENURE_WIDTH = np.array([1.0, 2.0, 2.0, 5.0, 10.0, np.inf])


def _rnd(x: float) -> int:
    """Round half up to whole satang (the engine's rule)."""
    return int(math.floor(x + 0.5))


@dataclass(frozen=True)
class Rates:
    """Everything the reference needs, derived from a parameter set."""

    waiting_months: int
    death_p: np.ndarray  # (age,) monthly
    birth_rate: np.ndarray  # (age,) per member-month (Poisson mean)
    admit_rate: np.ndarray  # (age,) per member-month (Poisson mean)
    nights_mean: np.ndarray  # (age,)
    per_night: float
    stay_cap: float
    year_cap: float
    age_move: np.ndarray  # (age,)
    tenure_move: np.ndarray  # (tenure,)
    join_age_factor: np.ndarray
    newborn_enrolment: float  # share of eligible members' newborns who join at birth
    funeral: np.ndarray  # (tenure,) THB
    tenure_years: np.ndarray  # (tenure,)
    old_age_monthly: float
    old_age_min_tenure: int
    education_rate: float
    education_thb: float
    disability_rate: float
    disability_thb: float
    disaster_rate: float
    disaster_thb: float
    birth_thb: float
    contribution_monthly: float  # the standard schedule per month (a fund may pay another)
    entrance_fee: float
    other_ratio: float
    admin_share: float
    interest_monthly: float
    refund_factor: float  # refund share x never-claimed share: refund per year of membership per THB saved a year
    central_on: bool
    central_share: float
    central_monthly: float
    central_first_age: int

    @classmethod
    def from_params(cls, p) -> Rates:
        w = int(p["finance.waiting_months"])
        yearly_death = np.asarray(p["demography.death_rate_per_1000"]) * p["demography.death_rate_multiplier"] / 1000
        age_move = np.array([1 - math.exp(-1 / (12 * x)) if np.isfinite(x) else 0.0 for x in AGE_WIDTH])
        tenure_move = np.array([1 - math.exp(-1 / (12 * x)) if np.isfinite(x) else 0.0 for x in TENURE_WIDTH])
        tenure_move[0] = 1 - math.exp(-1 / (12 - w)) if w < 12 else 1.0
        years = np.asarray(p["benefits.funeral.tenure_years_by_band"], float)
        funeral = np.minimum(p["benefits.funeral.base_thb"] + p["benefits.funeral.per_year_thb"] * years,
                             p["benefits.funeral.cap_thb"])
        contribution = p["contribution.member_thb_per_year"]
        return cls(
            waiting_months=w,
            death_p=1 - np.exp(-yearly_death / 12),
            birth_rate=np.asarray(p["demography.birth_rate_per_1000"]) / 12000,
            admit_rate=np.asarray(p["demography.admissions_per_1000"]) / 12000,
            nights_mean=np.asarray(p["demography.nights_per_stay"], float),
            per_night=float(p["benefits.hospital.per_night_thb"]),
            stay_cap=float(p["benefits.hospital.per_stay_cap_thb"]),
            year_cap=float(p["benefits.hospital.per_year_cap_thb"]),
            age_move=age_move,
            tenure_move=tenure_move,
            join_age_factor=np.asarray(p["membership.join_age_factor"], float),
            newborn_enrolment=float(p["membership.newborn_enrolment"]),
            funeral=funeral,
            tenure_years=years,
            old_age_monthly=p["benefits.old_age.thb_per_year"] / 12,
            old_age_min_tenure=int(p["benefits.old_age.min_tenure_band"]),
            education_rate=p["benefits.education.rate_per_1000"] / 12000,
            education_thb=float(p["benefits.education.thb"]),
            disability_rate=p["benefits.disability.rate_per_1000"] / 12000,
            disability_thb=float(p["benefits.disability.thb"]),
            disaster_rate=p["benefits.disaster.rate_per_1000"] / 12000,
            disaster_thb=float(p["benefits.disaster.thb"]),
            birth_thb=float(p["benefits.birth_thb"]),
            contribution_monthly=contribution / 12,
            entrance_fee=float(p["contribution.entrance_fee_thb"]),
            other_ratio=float(p["contribution.other_income_ratio"]),
            admin_share=float(p["finance.admin_cost_share"]),
            interest_monthly=(1 + p["finance.interest_rate_real"]) ** (1 / 12) - 1,
            refund_factor=p["contribution.refund_share"] * p["contribution.never_claimed_share"],
            central_on=bool(p["benefits.central_fund.enabled"]),
            central_share=float(p["benefits.central_fund.share_of_nonmember_elderly"]),
            central_monthly=p["benefits.central_fund.thb_per_year"] / 12,
            central_first_age=int(p["benefits.central_fund.first_age_band"]),
        )


@dataclass
class FundSetup:
    """A starting state of one fund, in the engine's layout (so both start identically).

    ``waiting[s, a]`` is the engine's ring buffer: members of age band a waiting in slot s;
    slot s holds the members who joined in a month m with m % waiting_months == s, and they
    become eligible at the first month index m' >= start_month with m' % waiting_months == s.
    """

    members: np.ndarray  # (age, tenure) eligible members
    waiting: np.ndarray  # (waiting_months, age)
    population: np.ndarray  # (age,)
    reserves_satang: int
    generosity: float = 1.0
    join_rate: float = 0.0  # yearly join hazard before saturation (engine's join_rate)
    dropout: float | np.ndarray = 0.0  # monthly probability of leaving, one or by tenure band (engine's dropout)
    reach: float = 0.6  # share of residents the fund can reach (engine's reach)
    contribution_monthly: float | None = None  # THB a member pays a month (default: the standard schedule)
    active: bool = True
    start_month: int = 2023 * 12  # month index (year * 12 + month) of the first month
    months: int = 24


@dataclass
class Outcome:
    """What both models report after the last month (money in satang)."""

    members_end: int = 0
    eligible_end: int = 0
    joined: int = 0
    left: int = 0
    deaths: int = 0
    funeral: int = 0
    hospital: int = 0
    benefits: int = 0
    reserves_end: int = 0
    contributions: int = 0
    refunds: int = 0
    claims_unpaid: int = 0
    dormant_month: int = -1  # months elapsed when the fund went dormant (1-based), -1 = never
    member_months: int = 0  # eligible member-months exposed to claims (active months)
    eligible_by_month: list = field(default_factory=list)


def simulate_fund(setup: FundSetup, rates: Rates, rng: np.random.Generator, waiting: str = "exact") -> Outcome:
    """Run one fund with individual members for ``setup.months`` months."""
    if waiting not in ("exact", "random"):
        raise ValueError(waiting)
    n_wait = rates.waiting_months
    m0 = setup.start_month
    # individuals: age band, tenure band (-1 while waiting), month of graduation, month joined
    ages, tens, grads, joins = [], [], [], []
    for a in range(N_AGE):
        for t in range(N_TENURE):
            k = int(setup.members[a, t])
            ages += [a] * k
            tens += [t] * k
            grads += [-1] * k
            joins += [-10**6] * k
    for s in range(setup.waiting.shape[0]):
        grad = m0 + (s - m0) % n_wait  # first month index >= m0 with index % n_wait == s
        for a in range(N_AGE):
            k = int(setup.waiting[s, a])
            ages += [a] * k
            tens += [-1] * k
            grads += [grad] * k
            joins += [grad - n_wait] * k
    age = np.array(ages, np.int64)
    dropout = np.broadcast_to(np.asarray(setup.dropout, float), (N_TENURE,))
    paid_monthly = rates.contribution_monthly if setup.contribution_monthly is None else setup.contribution_monthly
    refund_per_year = rates.refund_factor * paid_monthly * 12.0
    ten = np.array(tens, np.int64)
    grad = np.array(grads, np.int64)
    joined_at = np.array(joins, np.int64)
    used = np.zeros(age.size)  # hospital benefit used this calendar year (THB, before generosity)
    population = np.asarray(setup.population, np.int64)
    reserves = int(setup.reserves_satang)
    active = bool(setup.active)
    gen = setup.generosity
    out = Outcome()

    def keep(mask):
        nonlocal age, ten, grad, joined_at, used
        age, ten, grad, joined_at, used = age[mask], ten[mask], grad[mask], joined_at[mask], used[mask]

    for step in range(setup.months):
        m = m0 + step
        if m % 12 == 0:
            used[:] = 0.0  # a new calendar year: every member's yearly hospital allowance is fresh
        # 1. graduation from the waiting period
        waiting_now = ten < 0
        if waiting == "exact":
            done = waiting_now & (grad == m)
        else:  # the WRONG variant: waiting as a random monthly rate
            done = waiting_now & (rng.random(age.size) < 1.0 / n_wait)
        ten[done] = 0
        grad[done] = -1
        # 2. deaths (every member; only eligible ones trigger the funeral benefit)
        dies = rng.random(age.size) < rates.death_p[age]
        eligible = ten >= 0
        funeral_due = float(rates.funeral[ten[dies & eligible]].sum())
        out.deaths += int(dies.sum())
        keep(~dies)
        # 3. leaving, with the refund of a never-claimed share of contributions
        leaves = rng.random(age.size) < dropout[np.maximum(ten, 0)]  # waiting members: band 0's rate
        eligible = ten >= 0
        refund_due = float((refund_per_year * rates.tenure_years[ten[leaves & eligible]]).sum())
        refund_due += float((refund_per_year * (m - joined_at[leaves & ~eligible]) / 12.0).sum())
        out.left += int(leaves.sum())
        keep(~leaves)
        eligible = ten >= 0
        # 4. claims by eligible members (active funds only)
        birth_due = hospital_due = old_age_due = education_due = disability_due = disaster_due = central_due = 0.0
        newborns = 0
        if active:
            e_age = age[eligible]
            out.member_months += int(e_age.size)
            newborns = int(rng.poisson(rates.birth_rate[e_age]).sum())
            birth_due = newborns * rates.birth_thb * gen
            stays = rng.poisson(rates.admit_rate[e_age])
            who = np.flatnonzero(eligible)
            paid = 0.0
            for j in np.flatnonzero(stays):
                i = who[j]
                for _ in range(int(stays[j])):
                    nights = 1 + rng.poisson(max(rates.nights_mean[age[i]] - 1.0, 0.0))
                    pay = min(nights * rates.per_night, rates.stay_cap)
                    pay = min(pay, max(rates.year_cap - used[i], 0.0))  # exact per-year cap
                    used[i] += pay
                    paid += pay
            hospital_due = paid * gen
            old = (e_age >= 4) & (ten[eligible] >= rates.old_age_min_tenure)
            old_age_due = int(old.sum()) * rates.old_age_monthly * gen
            young = e_age <= 1
            education_due = rng.poisson(rates.education_rate, int(young.sum())).sum() * rates.education_thb * gen
            disability_due = rng.poisson(rates.disability_rate, e_age.size).sum() * rates.disability_thb * gen
            disaster_due = rng.poisson(rates.disaster_rate, e_age.size).sum() * rates.disaster_thb * gen
            funeral_due *= gen
            if rates.central_on:
                by_age = np.bincount(age, minlength=N_AGE)
                first = rates.central_first_age
                nonmember_old = int(np.maximum(population[first:] - by_age[first:], 0).sum())
                central_due = math.floor(rates.central_share * nonmember_old) * rates.central_monthly
        else:
            funeral_due = 0.0
        # 5. joining (active funds only), person by person: members' newborns, then non-members
        joins_now = 0
        if active:
            new_ages = []
            if newborns:
                kids = int((rng.random(newborns) < rates.newborn_enrolment).sum())
                room = int(population[0] - np.bincount(age, minlength=N_AGE)[0])
                new_ages += [0] * min(kids, max(room, 0))
            by_age = np.bincount(np.concatenate([age, np.array(new_ages, np.int64)]), minlength=N_AGE)
            pop_total = int(population.sum())
            size = age.size + len(new_ages)
            saturation = max(0.0, 1.0 - (size / pop_total) / setup.reach) if pop_total > 0 and setup.reach > 0 else 0.0
            if saturation > 0 and setup.join_rate > 0:
                for a in range(N_AGE):
                    nonmember = int(population[a] - by_age[a])
                    if nonmember <= 0:
                        continue
                    h = 1.0 - math.exp(-setup.join_rate * rates.join_age_factor[a] * saturation / 12.0)
                    k = int((rng.random(nonmember) < h).sum())
                    new_ages += [a] * k
            joins_now = len(new_ages)
            if joins_now:
                age = np.concatenate([age, np.array(new_ages, np.int64)])
                ten = np.concatenate([ten, np.full(joins_now, -1, np.int64)])
                grad = np.concatenate([grad, np.full(joins_now, m + n_wait, np.int64)])
                joined_at = np.concatenate([joined_at, np.full(joins_now, m, np.int64)])
                used = np.concatenate([used, np.zeros(joins_now)])
            out.joined += joins_now
        # 6. ageing of eligible members, between age bands and between tenure bands
        eligible = ten >= 0
        move = eligible & (rng.random(age.size) < rates.age_move[age])
        age[move] += 1
        move = eligible & (rng.random(age.size) < rates.tenure_move[np.maximum(ten, 0)])
        ten[move] += 1
        # 7. money, in satang, in the engine's order
        if active:
            contrib = _rnd(age.size * paid_monthly * 100.0)
            fees = _rnd(joins_now * rates.entrance_fee * 100.0)
            other = _rnd(contrib * rates.other_ratio)
            interest = _rnd(max(reserves, 0) * rates.interest_monthly)
            income = contrib + fees + other + interest
            admin = _rnd(income * rates.admin_share)
            reserves += income - admin
            out.contributions += contrib
            refund = min(_rnd(refund_due * 100.0), reserves)
            reserves -= refund
            out.refunds += refund
            dues = [_rnd(x * 100.0) for x in (birth_due, hospital_due, funeral_due, old_age_due, education_due,
                                              disability_due, disaster_due, central_due)]
            due = sum(dues)
            if due <= reserves:
                reserves -= due
                out.benefits += due
                out.hospital += dues[1]
                out.funeral += dues[2]
            else:
                have = max(reserves, 0)
                frac = have / due
                parts = [math.floor(x * frac) for x in dues]
                parts[2] = have - (sum(parts) - parts[2])  # the funeral takes the remainder
                out.benefits += have
                out.hospital += parts[1]
                out.funeral += parts[2]
                out.claims_unpaid += due - have
                reserves -= have
                active = False
                out.dormant_month = step + 1
        else:
            reserves += _rnd(max(reserves, 0) * rates.interest_monthly)
        out.eligible_by_month.append(int((ten >= 0).sum()))
    out.members_end = int(age.size)
    out.eligible_end = int((ten >= 0).sum())
    out.reserves_end = reserves
    return out
