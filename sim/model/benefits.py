"""Benefit rules turned into the tables the monthly step uses.

Everything here is derived once per run from the parameters: the funeral benefit by tenure
band, the hospital benefit's per-stay and per-year caps, and the expected benefits of a
member-year (for the reserve ratio that classifies funds).

The per-year hospital cap (1,000 baht per member per year [S23]) depends on a member's
earlier stays that year, which a cohort model does not track. It is applied as a factor on
each stay equal to E[min(year's stays, cap)] / E[year's stays] for a member of that age
band with Poisson admissions — exact in expectation for members present all year, and
computed exactly by convolution on the per-night grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from sim.inputs.parameters import ParameterSet

N_AGE = 7
N_TENURE = 6
AGE_WIDTH_YEARS = np.array([15.0, 10.0, 20.0, 15.0, 10.0, 10.0, np.inf])
TENURE_WIDTH_YEARS = np.array([1.0, 2.0, 2.0, 5.0, 10.0, np.inf])
YOUNG_BANDS = (0, 1)  # 0-14 and 15-24: scholarships
OLD_BANDS = (4, 5, 6)  # 60+


@dataclass(frozen=True)
class BenefitTables:
    """Per-run constants of the benefit rules (THB, per member, at generosity 1)."""

    funeral_thb: np.ndarray  # (tenure,) THB per death of an eligible member
    stay_probs: np.ndarray  # (age, K) probability a stay falls in pay category k
    stay_pay_thb: np.ndarray  # (K,) THB paid for a stay in category k (per-stay cap applied)
    year_cap_factor: np.ndarray  # (age,) share of stay pay kept under the per-year cap
    per_member_year_thb: np.ndarray  # (age, tenure) expected benefits per member-year
    old_age_monthly_thb: float
    old_age_min_tenure: int


def funeral_by_tenure(params: ParameterSet) -> np.ndarray:
    years = params["benefits.funeral.tenure_years_by_band"]
    amount = params["benefits.funeral.base_thb"] + params["benefits.funeral.per_year_thb"] * years
    return np.minimum(amount, params["benefits.funeral.cap_thb"])


def stay_tables(params: ParameterSet) -> tuple[np.ndarray, np.ndarray]:
    """Pay categories of a hospital stay: 1, 2, ... nights until the per-stay cap binds.

    Nights per stay are 1 + Poisson(mean - 1). Category k (k = 1..K-1) is a stay of k
    nights; the last category is every stay long enough to reach the per-stay cap.
    """
    per_night = params["benefits.hospital.per_night_thb"]
    cap = params["benefits.hospital.per_stay_cap_thb"]
    k_cap = max(1, int(np.ceil(cap / per_night - 1e-9)))
    nights = np.arange(1, k_cap + 1)
    pay = np.minimum(nights * per_night, cap)
    mean_nights = params["demography.nights_per_stay"]
    probs = np.zeros((N_AGE, k_cap))
    for a in range(N_AGE):
        pmf = stats.poisson.pmf(nights[:-1] - 1, max(mean_nights[a] - 1.0, 1e-9))
        probs[a, :-1] = pmf
        probs[a, -1] = max(0.0, 1.0 - pmf.sum())
    return probs, pay


def year_cap_factors(params: ParameterSet, probs: np.ndarray, pay: np.ndarray) -> np.ndarray:
    """E[min(sum of a year's stay pay, cap)] / E[sum] for each age band (Poisson admissions).

    Computed exactly by convolution on a grid of the greatest common divisor of the per-night
    amount and the two caps (whole baht), so caps that are not multiples of a night are exact.
    """
    cap = params["benefits.hospital.per_year_cap_thb"]
    rate = params["demography.admissions_per_1000"] / 1000.0
    amounts = [int(round(a)) for a in (params["benefits.hospital.per_night_thb"], params["benefits.hospital.per_stay_cap_thb"], cap)]
    step = max(int(np.gcd.reduce([a for a in amounts if a > 0] or [1])), 1)
    grid = int(np.ceil(cap / step))  # amounts in grid units, capped at the yearly cap
    units = np.minimum(np.rint(pay / step).astype(int), grid)
    total = np.minimum(np.arange(grid + 1) * step, cap)
    factors = np.ones(N_AGE)
    for a in range(N_AGE):
        expected_uncapped = rate[a] * float(probs[a] @ pay)
        if expected_uncapped <= 0:
            continue
        one = np.zeros(grid + 1)
        np.add.at(one, units, probs[a])
        dist = np.zeros(grid + 1)
        dist[0] = 1.0  # distribution of the capped running total after n stays
        expected_capped = 0.0
        n_max = int(stats.poisson.ppf(1 - 1e-12, rate[a])) + 2
        for n in range(1, n_max + 1):
            full = np.convolve(dist, one)
            dist = full[: grid + 1].copy()
            dist[grid] += full[grid + 1 :].sum()
            expected_capped += stats.poisson.pmf(n, rate[a]) * float(dist @ total)
        factors[a] = expected_capped / expected_uncapped
    return factors


def benefit_tables(params: ParameterSet) -> BenefitTables:
    funeral = funeral_by_tenure(params)
    probs, pay = stay_tables(params)
    cap_factor = year_cap_factors(params, probs, pay)
    deaths = params["demography.death_rate_per_1000"] * params["demography.death_rate_multiplier"] / 1000
    admissions = params["demography.admissions_per_1000"] / 1000
    births = params["demography.birth_rate_per_1000"] / 1000
    per_age = (
        admissions * (probs @ pay) * cap_factor
        + births * params["benefits.birth_thb"]
        + params["benefits.disability.rate_per_1000"] / 1000 * params["benefits.disability.thb"]
        + params["benefits.disaster.rate_per_1000"] / 1000 * params["benefits.disaster.thb"]
    )
    per_age[list(YOUNG_BANDS)] += params["benefits.education.rate_per_1000"] / 1000 * params["benefits.education.thb"]
    per_cell = per_age[:, None] + deaths[:, None] * funeral[None, :]
    min_tenure = int(params["benefits.old_age.min_tenure_band"])
    per_cell[list(OLD_BANDS), min_tenure:] += params["benefits.old_age.thb_per_year"]
    return BenefitTables(
        funeral_thb=funeral,
        stay_probs=probs,
        stay_pay_thb=pay.astype(float),
        year_cap_factor=cap_factor,
        per_member_year_thb=per_cell,
        old_age_monthly_thb=params["benefits.old_age.thb_per_year"] / 12.0,
        old_age_min_tenure=min_tenure,
    )
