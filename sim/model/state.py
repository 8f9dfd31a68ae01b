"""The agents' state: one per sub-district, held as arrays (MODEL.md section 3).

A run starts from the calibrated history's funds (2023 by default, `sim.model.history_start`),
from a synthetic region drawn here (about 75% of Isan's sub-districts with a fund, members and
reserves per member drawn around `start.members_mean` and `start.reserves_per_member_thb`, each
fund held at the coverage the closed form `membership.equilibrium_coverage` says its place keeps
— about 500 members per Isan fund, which the engine then grows for years — and a spread of
generosity and reserves so that some funds start weak or dormant), or from a user's fund registry. Every random choice here is drawn from the run's counter-based streams keyed by
sub-district code, so two scenarios with the same seed start from the same funds.

The starting state carries its recent history (last year's members, years of falling
membership, years of low reserves), drawn from each fund's own dynamics, so the status rule
classifies the start exactly as it classifies every later year (`_recent_history`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special, stats

from sim.inputs.parameters import ParameterSet
from sim.model import membership
from sim.model.benefits import N_AGE, N_TENURE, TENURE_WIDTH_YEARS, benefit_tables
from sim.model.demography import growth_by_subdistrict
from sim.model.rng import Process, uniforms
from sim.model.saving import compliance_target, draw_schedule, paid_per_member_year
from sim.world.population import largest_remainder_rows

# status codes
NO_FUND, STRONG, NORMAL, WEAK, DORMANT = 0, 1, 2, 3, 4
STATUS_NAMES = ("none", "strong", "normal", "weak", "dormant")
# programme groups of the March 2023 workshop [S0]
CONTINUING, NEWLY_MATCHED, NORMAL_OPERATION, NOT_MATCHED = 0, 1, 2, 3
PROGRAMME_NAMES = ("continuing_2022", "newly_matched_2023", "normal_operation", "not_matched")
TENURE_EDGES_YEARS = np.concatenate([[0.0], np.cumsum(TENURE_WIDTH_YEARS[:-1])])  # 0,1,3,5,10,20


@dataclass
class FundState:
    """Everything that changes over a run, one row per sub-district. Money in satang."""

    codes: np.ndarray  # int64 sub-district codes (stream addresses)
    founded: np.ndarray  # bool
    founded_year: np.ndarray  # int64, -1 where no fund
    active: np.ndarray  # bool: founded and not dormant
    members: np.ndarray  # int64 (n, age, tenure): past the waiting period
    waiting: np.ndarray  # int64 (n, waiting months, age): ring buffer by join month
    population: np.ndarray  # int64 (n, age)
    base_population: np.ndarray  # int64 (n, age) at the start year
    reserves: np.ndarray  # int64 satang
    governance: np.ndarray  # float in [0, 1]
    generosity: np.ndarray  # float, benefit level relative to the standard package
    programme_group: np.ndarray  # int8
    local_support: np.ndarray  # bool: the local government contributes
    status: np.ndarray  # int8
    low_ratio_years: np.ndarray = field(default=None)  # consecutive years below dormant ratio
    falling_years: np.ndarray = field(default=None)  # consecutive years of falling membership
    members_last_year: np.ndarray = field(default=None)
    contributions_last_year: np.ndarray = field(default=None)  # satang
    reserve_ratio: np.ndarray = field(default=None)
    contribution_thb: np.ndarray = field(default=None)  # float: the fund's schedule, THB per member-year
    compliance: np.ndarray = field(default=None)  # float in [0, 1]: share of members paying on time
    reliable_years: np.ndarray = field(default=None)  # int: years active since founding or revival (trust)
    population_exact: np.ndarray = field(default=None)  # float (n, age): the living population unrounded
    population_growth: np.ndarray = field(default=None)  # float: the place's yearly registry trend

    def __post_init__(self) -> None:
        n = self.codes.shape[0]
        for name, dtype in (
            ("low_ratio_years", np.int64),
            ("falling_years", np.int64),
            ("members_last_year", np.int64),
            ("contributions_last_year", np.int64),
            ("reliable_years", np.int64),
            ("population_growth", np.float64),
        ):
            if getattr(self, name) is None:
                setattr(self, name, np.zeros(n, dtype))
        if self.reserve_ratio is None:
            self.reserve_ratio = np.zeros(n)
        if self.contribution_thb is None:
            self.contribution_thb = np.full(n, 365.0)
        if self.compliance is None:
            self.compliance = np.ones(n)
        if self.population_exact is None:
            self.population_exact = np.asarray(self.population, float).copy()

    @property
    def n(self) -> int:
        return int(self.codes.shape[0])

    def eligible_members(self) -> np.ndarray:
        return self.members.sum(axis=(1, 2))

    def waiting_members(self) -> np.ndarray:
        return self.waiting.sum(axis=(1, 2))

    def total_members(self) -> np.ndarray:
        return self.eligible_members() + self.waiting_members()

    def members_by_age(self) -> np.ndarray:
        return self.members.sum(axis=2) + self.waiting.sum(axis=1)

    def non_members(self) -> np.ndarray:
        return np.maximum(self.population - self.members_by_age(), 0)

    def copy(self) -> FundState:
        return FundState(**{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in self.__dict__.items()})


def largest_remainder(weights: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Integer split of `totals` (per row) in proportion to `weights` (rows), exact sums.

    The world's rounding (:func:`sim.world.population.largest_remainder_rows`) with the
    engine's rule for a row of zero weights: one unit to each of its first columns.
    """
    return largest_remainder_rows(weights, totals, zero_rows="first")


def _listed_governance(governance, status_given, founded, members, waiting, reserves, generosity, u6,
                       params: ParameterSet) -> np.ndarray:
    """Governance drawn consistent with a registry's status (the same uniform, so the same seed
    gives the same funds): a fund listed strong at or above status.strong_governance, as the
    status rule asks of a strong fund; a fund listed normal whose listed reserves hold
    status.strong_ratio years of its benefits below it (else its money would make it strong).
    The rule's check and its other routes are in sim.model.listed.
    """
    mean, conc = params["start.governance_mean"], params["start.governance_concentration"]
    a, b = mean * conc, (1 - mean) * conc
    good = params["status.strong_governance"]
    below = stats.beta.cdf(good, a, b)
    per_year = benefit_tables(params).per_member_year_thb
    benefits = (np.einsum("iat,at->i", members, per_year) + np.einsum("isa,a->i", waiting, per_year[:, 0])) * generosity
    rich = reserves / 100.0 >= params["status.strong_ratio"] * benefits
    strong = founded & (status_given == "strong")
    normal_rich = founded & (status_given == "normal") & rich & (below > 0)
    governance = np.where(strong, np.maximum(stats.beta.ppf(below + u6 * (1 - below), a, b), good), governance)
    return np.where(normal_rich, np.minimum(stats.beta.ppf(u6 * below, a, b), np.nextafter(good, 0)), governance)


def split_within(weights: np.ndarray, totals: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Integer split of `totals` (rows) in proportion to `weights`, no part above its `caps`.

    Parts that would exceed their cap are held at it and the rest is split again over the
    parts with room, so each row adds up to its total whenever its caps allow (a registry's
    members by age band within the band's people); a row whose caps cannot hold its total
    raises ValueError rather than losing members.
    """
    caps = np.asarray(caps, np.int64)
    left = np.asarray(totals, np.int64).copy()
    if (caps.sum(axis=1) < left).any():
        raise ValueError("split_within: a row's caps are smaller than its total")
    out = np.zeros(caps.shape, np.int64)
    for _ in range(caps.shape[1] + 1):
        rows = left > 0
        if not rows.any():
            break
        room = caps[rows] - out[rows]
        w = np.where(room > 0, np.asarray(weights, float)[rows], 0.0)
        empty = w.sum(axis=1) <= 0
        w[empty] = room[empty]
        part = np.minimum(largest_remainder(w, left[rows]), room)
        out[rows] += part
        left[rows] -= part.sum(axis=1)
    return out


def tenure_band(years: np.ndarray) -> np.ndarray:
    return np.searchsorted(TENURE_EDGES_YEARS, years, side="right") - 1


def _members_by_tenure(total: np.ndarray, founded_year: np.ndarray, start_year: int,
                       params: ParameterSet) -> np.ndarray:
    """Tenure mix of a fund's members from its age: recent joiners outnumber old ones
    (start.tenure_decay_per_year), the founding year's cohort weighs start.founder_weight."""
    n = total.shape[0]
    out = np.zeros((n, N_TENURE))
    decay, founders = params["start.tenure_decay_per_year"], params["start.founder_weight"]
    for offset in range(0, 40):
        join_year = start_year - 1 - offset
        weight = np.where(founded_year <= join_year, np.exp(-decay * offset), 0.0)
        weight = np.where(founded_year == join_year, weight * founders, weight)  # founding members
        band = min(int(tenure_band(np.array([offset + 0.5]))[0]), N_TENURE - 1)
        out[:, band] += weight
    empty = out.sum(axis=1) == 0
    out[empty, 0] = 1.0
    return out


def synthetic_state(
    geography, params: ParameterSet, start_year: int, key: np.uint64, registry: pd.DataFrame | None = None
) -> FundState:
    """The starting state: a synthetic region matching the record, or a user's registry."""
    sub = geography.subdistricts
    codes = sub["subdistrict_code"].astype(np.int64).to_numpy()
    n = codes.shape[0]
    population = np.asarray(geography.population_by_age, dtype=np.int64).copy()
    pop_total = population.sum(axis=1)
    month0 = start_year * 12

    def u(slot: int) -> np.ndarray:
        return uniforms(key, Process.START, codes, month0, slot)

    # where funds are, and since when
    if registry is None:
        founded = u(0) < params["start.share_founded"]
        first, last = int(params["start.founded_year_first"]), int(params["start.founded_year_last"])
        last = min(last, start_year - 1)
        first = min(first, last)
        later = (u(1) < params["start.share_founded_later"]) & (last + 1 <= start_year - 1)
        early_year = first + np.floor(u(2) * (last - first + 1)).astype(np.int64)
        late_year = last + 1 + np.floor(u(3) * max(start_year - 1 - last, 1)).astype(np.int64)
        founded_year = np.where(later, late_year, early_year)
        founded_year = np.where(founded, founded_year, -1)
        # members: lognormal around the mean, smaller in young funds
        sigma = params["start.members_sigma"]
        z = special.ndtri(u(4))
        size = params["start.members_mean"] * np.exp(sigma * z - sigma**2 / 2)
        age_years = np.maximum(start_year - founded_year, 0)
        size *= young_fund_factor(age_years, params)
        members_total = np.where(founded, np.maximum(np.rint(size), params["start.min_members"]), 0).astype(np.int64)
        members_total = np.minimum(members_total, (params["start.max_coverage"] * pop_total).astype(np.int64))
        # ... and no larger than its place keeps under the model's own yearly rules (its
        # equilibrium coverage at its governance, record and tenure mix), else it would start
        # out shrinking for years (falling members, weak) because of how it was drawn
        if params["start.cap_at_equilibrium"]:
            cap = np.floor(_equilibrium_start(founded, founded_year, age_years, start_year, u, params) * pop_total)
            members_total = np.where(founded, np.minimum(members_total, np.maximum(cap, params["start.min_members"])),
                                     0).astype(np.int64)
        member_age = None
        reserves_given = None
        status_given = None
    else:
        reg = registry.set_index("subdistrict_code").reindex(sub["subdistrict_code"].astype(str))
        founded = reg["members"].notna().to_numpy()
        founded_year = np.where(founded, reg["founded_year"].fillna(-1).to_numpy(), -1).astype(np.int64)
        members_total = reg["members"].fillna(0).to_numpy().astype(np.int64)
        band_cols = [c for c in reg.columns if c.startswith("members_") and c != "members_total"]
        member_age = reg[band_cols].to_numpy(float) if len(band_cols) == N_AGE else None
        reserves_given = reg["reserves_thb"].to_numpy(float) if "reserves_thb" in reg else None
        status_given = reg["status"].to_numpy(object) if "status" in reg else None

    # age mix of members: the regional member mix tilted by the local population mix
    pop_share = population / np.maximum(pop_total[:, None], 1)
    regional = population.sum(axis=0) / max(population.sum(), 1)
    weights = params["start.member_age_share"][None, :] * pop_share / np.maximum(regional[None, :], 1e-12)
    if registry is None:
        by_age = largest_remainder(weights, members_total)
    else:  # the registry's members, all of them: split within each age band's people
        by_age = split_within(weights, members_total, population)
    if member_age is not None:
        given = ~np.isnan(member_age).any(axis=1)
        by_age[given] = member_age[given].astype(np.int64)
    by_age = np.minimum(by_age, population)  # synthetic funds only: a registry's always fit (world layer)
    members_total = by_age.sum(axis=1)

    # waiting members: the last months' joiners at a mature fund's pace
    n_wait = int(params["finance.waiting_months"])
    recent = np.rint(by_age * params["start.recent_join_share"] * n_wait / 12.0).astype(np.int64)
    recent = np.minimum(recent, by_age)
    eligible_by_age = by_age - recent
    waiting = np.zeros((n, n_wait, N_AGE), np.int64)
    per_slot = largest_remainder(np.ones((n * N_AGE, n_wait)), recent.reshape(-1)).reshape(n, N_AGE, n_wait)
    waiting[:] = per_slot.transpose(0, 2, 1)

    # tenure of eligible members
    tenure_w = _members_by_tenure(members_total, founded_year, start_year, params)
    members = np.zeros((n, N_AGE, N_TENURE), np.int64)
    for a in range(N_AGE):
        members[:, a, :] = largest_remainder(tenure_w, eligible_by_age[:, a])

    # money, governance, generosity
    s_r = params["start.reserves_sigma"]
    rho = params["start.generosity_reserves_correlation"]
    z_gen = special.ndtri(u(7))
    z_res = -rho * z_gen + np.sqrt(1 - rho**2) * special.ndtri(u(5))
    per_member = params["start.reserves_per_member_thb"] * np.exp(s_r * z_res - s_r**2 / 2)
    reserves_thb = per_member * members_total
    if reserves_given is not None:
        reserves_thb = np.where(np.isnan(reserves_given), reserves_thb, reserves_given)
    reserves = np.where(founded, np.rint(reserves_thb * 100), 0).astype(np.int64)
    mean, conc = params["start.governance_mean"], params["start.governance_concentration"]
    governance = stats.beta.ppf(u(6), mean * conc, (1 - mean) * conc)
    s_g = params["start.generosity_sigma"]
    generosity = np.clip(np.exp(s_g * z_gen - s_g**2 / 2), params["benefits.generosity_floor"],
                         params["benefits.generosity_cap"])

    if status_given is not None:  # governance as the status rule asks of a listed strong or normal fund
        governance = _listed_governance(governance, status_given, founded, members, waiting, reserves, generosity,
                                        u(6), params)

    # dormant funds are those whose money ran out: the start.share_dormant with the shortest
    # reserves draw (so mostly the over-generous ones); their history is set in _recent_history
    if registry is None:
        dormant = founded & (z_res < special.ndtri(params["start.share_dormant"]))
    else:  # a registry's funds are dormant when it lists them so, nothing drawn on top
        dormant = founded & (status_given == "dormant")
    active = founded & ~dormant

    shares = np.asarray(params["start.programme_group_shares"], float)
    cum = np.cumsum(shares / shares.sum())
    group = np.searchsorted(cum, u(9), side="right").astype(np.int8)
    group = np.minimum(group, NOT_MATCHED).astype(np.int8)
    group[~founded] = NOT_MATCHED
    local_support = u(10) < params["local_gov.share_of_funds"]
    # saving: each place's schedule (the one its fund uses, or will when founded); a registry's
    # own schedules (contribution_thb_per_year) where it gives them
    schedule = draw_schedule(u(14), u(15), params)
    if registry is not None and "contribution_thb_per_year" in reg:
        given = reg["contribution_thb_per_year"].to_numpy(float)
        schedule = np.where(np.isnan(given), schedule, given)

    status = np.where(~founded, NO_FUND, np.where(dormant, DORMANT, NORMAL)).astype(np.int8)
    members[~founded] = 0
    waiting[~founded] = 0
    state = FundState(
        codes=codes,
        founded=founded.astype(bool),
        founded_year=founded_year.astype(np.int64),
        active=active.astype(bool),
        members=members,
        waiting=waiting,
        population=population.copy(),
        base_population=population.copy(),
        reserves=reserves,
        governance=np.asarray(governance, float),
        generosity=np.asarray(generosity, float),
        programme_group=group,
        local_support=local_support.astype(bool),
        status=status,
        contribution_thb=np.asarray(schedule, float),
        compliance=compliance_target(governance, params),
        reliable_years=np.where(active, np.maximum(start_year - founded_year, 0), 0).astype(np.int64),
        population_growth=growth_by_subdistrict(sub["province_code"], params),
    )
    _recent_history(state, params, start_year, u, dormant, reserves_given)
    paid = paid_per_member_year(state)
    state.contributions_last_year = np.where(active, np.rint(state.total_members() * paid * 100), 0).astype(np.int64)
    return state


def _equilibrium_start(founded, founded_year, age_years, start_year: int, u, params: ParameterSet) -> np.ndarray:
    """Each synthetic fund's equilibrium coverage (sim.model.membership.equilibrium_coverage) at
    the governance and local support it is about to be drawn (the same uniforms), its years of
    payouts, and the tenure mix and waiting members the start gives it."""
    mean, conc = params["start.governance_mean"], params["start.governance_concentration"]
    g = stats.beta.ppf(u(6), mean * conc, (1 - mean) * conc)
    local = u(10) < params["local_gov.share_of_funds"]
    floor = params["membership.trust_floor"]
    rate = params["membership.join_rate"] * (floor + (1 - floor) * g) * np.where(
        local, 1 + params["membership.local_support_boost"], 1.0)
    ones = np.ones(g.shape, bool)
    tenure = _members_by_tenure(ones.astype(np.int64), founded_year, start_year, params)
    tenure = tenure / np.maximum(tenure.sum(axis=1, keepdims=True), 1e-300)
    d = membership.dropout_yearly(g, age_years, ones, ones, params)
    waiting = min(params["start.recent_join_share"] * params["finance.waiting_months"] / 12.0, 1.0)
    leave = (1 - waiting) * (tenure * d).sum(axis=1) + waiting * d[:, 0]
    reach = membership.reach(g, age_years, params)
    return np.where(founded, membership.equilibrium_coverage(rate, reach, leave, params), 0.0)


def young_fund_factor(age_years: np.ndarray, params: ParameterSet) -> np.ndarray:
    """Size of a synthetic fund of this age relative to a mature one: young funds are smaller,
    from start.young_fund_size_floor at founding to full size at start.young_fund_ramp_years."""
    floor = params["start.young_fund_size_floor"]
    return np.minimum(1.0, floor + (1.0 - floor) * np.asarray(age_years, float) / params["start.young_fund_ramp_years"])


# ------------------------------------------------------------------ rates and recent history


def join_rate(state: FundState, params: ParameterSet, outreach: np.ndarray) -> np.ndarray:
    """Yearly join hazard before saturation: trust, outreach and local support."""
    floor = params["membership.trust_floor"]
    trust = floor + (1 - floor) * state.governance
    local = np.where(state.local_support, 1 + params["membership.local_support_boost"], 1.0)
    return params["membership.join_rate"] * trust * local * (1 + outreach)


def dropout_monthly(state: FundState, params: ParameterSet) -> np.ndarray:
    """Monthly dropout per fund and tenure band (sim.model.membership: trust and tenure)."""
    return membership.dropout_monthly(state, params)


def expected_member_growth(state: FundState, params: ParameterSet) -> tuple[np.ndarray, np.ndarray]:
    """Each fund's expected relative change of members over a year at today's rates, and its sd.

    The monthly step's rules as yearly expected counts: members' newborns enrolled, joining from
    the non-members (trust,
    local support, saturation towards the fund's reach; active funds only), dropout by tenure
    band (higher with weak governance, much higher in dormant funds, lower with trust and
    tenure; sim.model.membership) and deaths by age band. The sd
    is that of the counts (Poisson), relative to the members: about 2% a year for a fund of
    700 members, 3% for 300.
    """
    members = state.total_members().astype(float)
    pop_total = state.population.sum(axis=1).astype(float)
    reach = np.maximum(membership.reach_of(state, params), 1e-9)
    saturation = np.maximum(0.0, 1.0 - members / np.maximum(pop_total, 1.0) / reach)
    rate = join_rate(state, params, np.zeros(state.n)) * saturation
    age_factor = np.asarray(params["membership.join_age_factor"], float)
    joins = (state.non_members() * (1.0 - np.exp(-rate[:, None] * age_factor[None, :]))).sum(axis=1)
    births = state.members.sum(axis=2) @ (np.asarray(params["demography.birth_rate_per_1000"], float) / 1000)
    newborns = np.minimum(births * params["membership.newborn_enrolment"], state.non_members()[:, 0])
    joins = np.where(state.active, joins + newborns, 0.0)
    yearly = membership.dropout_yearly(state.governance, state.reliable_years, state.founded, state.active, params)
    leave = np.einsum("iat,it->i", state.members, yearly) + state.waiting_members() * yearly[:, 0]
    death = np.asarray(params["demography.death_rate_per_1000"], float) * params["demography.death_rate_multiplier"] / 1000
    deaths = state.members_by_age() @ (1.0 - np.exp(-death))
    size = np.maximum(members, 1.0)
    return (joins - leave - deaths) / size, np.sqrt(joins + leave + deaths) / size


def _recent_history(state: FundState, params: ParameterSet, start_year: int, u, dormant: np.ndarray,
                    reserves_given: np.ndarray | None) -> None:
    """The two years before the start, so the start classifies like every later year.

    The engine classifies the starting state with the yearly rule (`yearly.end_year`), which
    compares members with last year's and counts years of falling members and of low reserves.
    Those come from each fund's own dynamics, not from a blank slate:

    - members a year ago: today's members undone by one year of the fund's expected change
      plus the noise of the counts (`expected_member_growth`), so a fund shrinking under the
      model's rules was shrinking last year too, and one growing was growing; whether members
      also fell the year before is drawn the same way. A fund has a year of history only if it
      existed for that whole year (funds founded last year have none);
    - dormant funds went dormant by the rule: reserves below `status.dormant_ratio` of a
      year's expected benefits (a registry's reserves are kept as given) for two years running;
      an active fund below that line crossed it only last year, else it would be dormant.
    """
    founded = state.founded
    growth, sd = expected_member_growth(state, params)
    change_last = np.maximum(growth + sd * special.ndtri(u(11)), -0.9)
    change_before = growth + sd * special.ndtri(u(12))
    members = state.total_members()
    had_last = founded & (state.founded_year <= start_year - 2)
    had_before = founded & (state.founded_year <= start_year - 3)
    state.members_last_year = np.where(had_last, np.rint(members / (1.0 + change_last)), members).astype(np.int64)
    fell_before = had_before & (change_before < -params["status.falling_threshold"])
    state.falling_years = fell_before.astype(np.int64)
    # dormant: money below the dormant line (a uniform share of it), one year counted before the start
    tables = benefit_tables(params)
    standard = np.einsum("iat,at->i", state.members, tables.per_member_year_thb)
    standard += np.einsum("isa,a->i", state.waiting, tables.per_member_year_thb[:, 0])
    line = params["status.dormant_ratio"] * standard * state.generosity * 100.0
    cap = np.floor(u(13) * line).astype(np.int64)
    given = np.zeros(state.n, bool) if reserves_given is None else ~np.isnan(reserves_given)
    drained = dormant & ~given
    state.reserves = np.where(drained, np.minimum(state.reserves, cap), state.reserves)
    state.low_ratio_years = np.where(dormant, 1, 0).astype(np.int64)
