"""The cohort engine against an individual-level reference (MODEL.md section 3 and 8).

``sim.model.monthly.month_step`` is driven directly for one fund from a fixed starting state, once
per replicate; ``tests/reference_model.py`` simulates the same fund with every member as an
individual. Over 600 replicates each, two-sample Kolmogorov-Smirnov tests compare members at
the end, deaths, eligible members at the end, benefits paid, funeral benefits, reserves and
the month the fund went dormant, in three situations:

* ``mature``     a typical fund (tenure mix, waiting ring, joining towards its reach, members'
                 newborns enrolled, leaving that falls with tenure, with refunds, a schedule
                 below the standard, the central-fund option on);
* ``insolvent``  an over-generous old fund that runs out of money around month 10-16 and
                 then sits dormant (pays nothing, still loses members);
* ``joiners``    a fund whose members mostly joined in the last two months, so the exact
                 waiting period matters.

Family-wise error 1% (Bonferroni over 3 x 7 tests); seeds are fixed, so the outcome is
reproducible, never flaky. The deliberately wrong reference (waiting as a random monthly
rate) must be rejected by the same comparison.

Hospital parameters for this comparison make the per-year cap unreachable (10,000 baht a
year against 600 a stay: 17 stays in a year would be needed), because the engine applies the
per-year cap as an expected factor (sim/benefits.py) while the reference applies it to each
member exactly. That approximation is checked separately, on mean hospital benefit per fund
year with the sourced, binding cap.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from reference_model import FundSetup, Rates, simulate_fund
from scipy import stats

from sim.inputs.parameters import default_parameters
from sim.model.benefits import benefit_tables
from sim.model.engine import MonthlyConstants
from sim.model.monthly import BENEFIT_FLOWS as BENEFITS
from sim.model.monthly import DIED, FUNERAL, HOSPITAL, N_FLOWS, month_step
from sim.model.rng import run_key

N_SEEDS = 600
MONTHS = 24
START = 2023 * 12  # January 2023: calendar years (hospital caps) start at month 0 and 12
STATS = ("members_end", "deaths", "eligible_end", "benefits", "funeral", "reserves_end", "dormant_month")
SETUPS = ("mature", "insolvent", "joiners")
ALPHA = 0.01
THRESHOLD = ALPHA / (len(SETUPS) * len(STATS))  # Bonferroni

PARAMS = default_parameters().with_overrides({
    "benefits.hospital.per_year_cap_thb": 10000.0,  # unreachable: see the module docstring
    "benefits.old_age.thb_per_year": 1200.0,
    "contribution.refund_share": 0.5,
    "benefits.central_fund.enabled": True,
})
POP = np.array([1500, 1000, 2000, 1800, 900, 500, 250])


def cohort(by_age, tenure_share) -> np.ndarray:
    """Members (age, tenure) with each age band split over tenure bands by `tenure_share`."""
    out = np.zeros((7, 6), np.int64)
    for a, n in enumerate(by_age):
        cells = np.floor(n * np.asarray(tenure_share)).astype(np.int64)
        cells[int(np.argmax(tenure_share))] += n - cells.sum()
        out[a] = cells
    return out


def setup(name: str) -> FundSetup:
    if name == "mature":
        return FundSetup(members=cohort([150, 100, 200, 180, 140, 90, 40], [0.1, 0.2, 0.2, 0.25, 0.2, 0.05]),
                         waiting=np.full((6, 7), 3), population=POP, reserves_satang=150_000_000,
                         generosity=1.2, join_rate=0.15, dropout=np.array([0.008, 0.006, 0.004, 0.003, 0.002, 0.001]),
                         reach=0.5, contribution_monthly=20.0, start_month=START, months=MONTHS)
    if name == "insolvent":
        return FundSetup(members=cohort([20, 20, 60, 100, 150, 150, 120], [0, 0, 0.1, 0.3, 0.5, 0.1]),
                         waiting=np.zeros((6, 7), np.int64), population=np.array([800, 600, 1200, 1000, 400, 300, 200]),
                         reserves_satang=150_000_000, generosity=2.0, join_rate=0.05, dropout=0.004,
                         start_month=START, months=MONTHS)
    if name == "joiners":
        waiting = np.zeros((6, 7), np.int64)
        for back in (1, 2):  # joined one and two months before the start
            waiting[(START - back) % 6] = [60, 60, 150, 180, 100, 40, 10]
        return FundSetup(members=cohort([40, 30, 80, 70, 50, 20, 10], [0.1, 0.2, 0.2, 0.25, 0.2, 0.05]),
                         waiting=waiting, population=POP, reserves_satang=200_000_000, generosity=1.0,
                         join_rate=0.05, dropout=0.003, start_month=START, months=MONTHS)
    raise KeyError(name)


def engine_runs(fund: FundSetup, params, n: int, key_seed: int) -> dict[str, np.ndarray]:
    """`n` independent replicates of one fund through the compiled monthly step.

    Replicate j is row j of one call, with its own stream address: draws are keyed by
    (run key, sub-district code, month, process), so distinct codes under one run key are
    independent streams exactly like distinct run keys.
    """
    consts = MonthlyConstants.build(params, benefit_tables(params)).args
    key = run_key(key_seed, 0)
    codes = 100000 + np.arange(n, dtype=np.int64)
    founded = np.ones(n, bool)
    active = np.full(n, fund.active)
    members = np.repeat(fund.members[None].astype(np.int64), n, axis=0)
    waiting = np.repeat(fund.waiting[None].astype(np.int64), n, axis=0)
    population = np.repeat(np.asarray(fund.population, np.int64)[None], n, axis=0)
    reserves = np.full(n, fund.reserves_satang, np.int64)
    generosity = np.full(n, float(fund.generosity))
    join_rate = np.full(n, float(fund.join_rate))
    reach = np.full(n, float(fund.reach))
    dropout = np.repeat(np.broadcast_to(np.asarray(fund.dropout, float), (6,))[None], n, axis=0).copy()
    monthly = params["contribution.member_thb_per_year"] / 12 if fund.contribution_monthly is None else fund.contribution_monthly
    paid = np.full(n, float(monthly))
    flows = np.zeros((n, N_FLOWS), np.int64)
    dormant = np.full(n, -1)
    for step in range(fund.months):
        month_step(key, fund.start_month + step, codes, founded, active, members, waiting, population, reserves,
                   generosity, join_rate, reach, dropout, paid, flows, *consts)
        dormant[(dormant < 0) & ~active & fund.active] = step + 1
    return {
        "members_end": members.sum(axis=(1, 2)) + waiting.sum(axis=(1, 2)),
        "eligible_end": members.sum(axis=(1, 2)),
        "deaths": flows[:, DIED].copy(),
        "benefits": flows[:, list(BENEFITS)].sum(axis=1),
        "funeral": flows[:, FUNERAL].copy(),
        "hospital": flows[:, HOSPITAL].copy(),
        "reserves_end": reserves.copy(),
        "dormant_month": np.where(dormant < 0, fund.months + 1, dormant),
    }


def reference_runs(fund: FundSetup, params, n: int, seed: int, waiting: str = "exact") -> dict[str, np.ndarray]:
    rates = Rates.from_params(params)
    outs = [simulate_fund(fund, rates, np.random.default_rng([seed, j]), waiting=waiting) for j in range(n)]
    get = lambda k: np.array([getattr(o, k) for o in outs], dtype=np.int64)  # noqa: E731
    dormant = get("dormant_month")
    return {
        "members_end": get("members_end"), "eligible_end": get("eligible_end"), "deaths": get("deaths"),
        "benefits": get("benefits"), "funeral": get("funeral"), "hospital": get("hospital"),
        "reserves_end": get("reserves_end"), "dormant_month": np.where(dormant < 0, fund.months + 1, dormant),
    }


@cache
def engine_samples(name: str) -> dict[str, np.ndarray]:
    return engine_runs(setup(name), PARAMS, N_SEEDS, key_seed=20240917 + SETUPS.index(name))


def p_values(a: dict, b: dict) -> dict[str, float]:
    return {k: float(stats.ks_2samp(a[k], b[k], method="asymp").pvalue) for k in STATS}


def table(pvals: dict[str, dict[str, float]]) -> str:
    lines = [f"{'setup':10s} " + " ".join(f"{k:>13s}" for k in STATS)]
    for name, row in pvals.items():
        lines.append(f"{name:10s} " + " ".join(f"{row[k]:13.3g}" for k in STATS))
    return "\n".join(lines)


def test_starting_states_match_between_models():
    """Month 0 of both models is the same fund: nobody moves before the first month runs."""
    for name in SETUPS:
        fund = setup(name)
        zero = FundSetup(**{**fund.__dict__, "months": 0})
        out = simulate_fund(zero, Rates.from_params(PARAMS), np.random.default_rng(0))
        assert out.members_end == fund.members.sum() + fund.waiting.sum()
        assert out.eligible_end == fund.members.sum()
        assert out.reserves_end == fund.reserves_satang


def test_cohort_engine_matches_individual_reference(record_property):
    pvals, samples = {}, {}
    for i, name in enumerate(SETUPS):
        eng = engine_samples(name)
        ref = reference_runs(setup(name), PARAMS, N_SEEDS, seed=1000 + i)
        pvals[name] = p_values(eng, ref)
        samples[name] = (eng, ref)
    print("\nKS p-values, cohort engine vs individual reference:\n" + table(pvals))
    record_property("ks_p_values", table(pvals))
    # the situations are what they claim to be (else the comparison proves little)
    eng, ref = samples["insolvent"]
    for s in (eng, ref):
        assert (s["dormant_month"] <= MONTHS).mean() > 0.95
        assert np.unique(s["dormant_month"]).size >= 4  # a real spread of dormancy months
        assert s["reserves_end"].max() < 100 * 100  # dormant with (almost) nothing left
    eng, ref = samples["mature"]
    assert (eng["dormant_month"] > MONTHS).all() and (ref["dormant_month"] > MONTHS).all()
    worst = min(p for row in pvals.values() for p in row.values())
    assert worst > THRESHOLD, f"cohort engine differs from the individual reference:\n{table(pvals)}"


def test_wrong_waiting_variant_is_detected(record_property):
    """Waiting as a random monthly rate (not exactly 6 months) must fail the same comparison."""
    pvals = {}
    for i, name in enumerate(SETUPS):
        wrong = reference_runs(setup(name), PARAMS, N_SEEDS, seed=2000 + i, waiting="random")
        pvals[name] = p_values(engine_samples(name), wrong)
    print("\nKS p-values, cohort engine vs WRONG reference (random waiting):\n" + table(pvals))
    record_property("ks_p_values_wrong_variant", table(pvals))
    worst = min(p for row in pvals.values() for p in row.values())
    assert worst < THRESHOLD, f"the wrong waiting rule was not detected:\n{table(pvals)}"
    assert pvals["joiners"]["eligible_end"] < THRESHOLD


# --------------------------------------------- the per-year hospital cap as an expected factor


def hospital_setup() -> FundSetup:
    """A large fund over one calendar year: hospital claims dominate the comparison."""
    return FundSetup(members=cohort([400, 300, 700, 700, 500, 300, 100], [0.1, 0.2, 0.2, 0.25, 0.2, 0.05]),
                     waiting=np.zeros((6, 7), np.int64), population=POP * 3, reserves_satang=10**10,
                     generosity=1.0, join_rate=0.0, dropout=0.003, start_month=START, months=12)


def hospital_means(params, n_engine=600, n_reference=150) -> tuple[float, float, float]:
    fund = hospital_setup()
    eng = engine_runs(fund, params, n_engine, key_seed=4242)["hospital"].astype(float)
    ref = reference_runs(fund, params, n_reference, seed=4343)["hospital"].astype(float)
    se = np.sqrt(eng.var(ddof=1) / eng.size + ref.var(ddof=1) / ref.size)
    return eng.mean(), ref.mean(), se


def cap_params(per_night, per_stay, per_year):
    return default_parameters().with_overrides({
        "benefits.hospital.per_night_thb": per_night, "benefits.hospital.per_stay_cap_thb": per_stay,
        "benefits.hospital.per_year_cap_thb": per_year})


def test_per_year_cap_expected_factor_matches_exact_cap():
    """With the sourced caps (200 a night, 600 a stay, 1,000 a year, which binds for about 2%
    of the money) the engine's expected factor gives the exact-cap mean hospital benefit per
    fund-year within 1.5% (and within 4 standard errors)."""
    params = cap_params(200.0, 600.0, 1000.0)
    factor = benefit_tables(params).year_cap_factor
    assert factor.min() < 0.97  # the cap really binds for the old
    eng, ref, se = hospital_means(params)
    uncapped_eng = engine_runs(hospital_setup(), cap_params(200.0, 600.0, 10000.0), 600, key_seed=4242)["hospital"].mean()
    print(f"\nhospital THB per fund-year: engine {eng / 100:,.0f}, exact reference {ref / 100:,.0f}, "
          f"no year cap {uncapped_eng / 100:,.0f}")
    assert abs(eng - ref) < max(4 * se, 0.015 * ref)
    assert abs(eng - ref) < 0.015 * ref
    assert uncapped_eng > eng  # the cap costs something


@pytest.mark.parametrize("per_night, per_stay", [(250.0, 600.0), (300.0, 100.0)])
def test_per_year_cap_factor_when_stay_cap_is_not_a_multiple_of_a_night(per_night, per_stay):
    """Caps that are not multiples of a night are priced on a finer grid (was a bug)."""
    params = cap_params(per_night, per_stay, 1000.0)
    eng, ref, se = hospital_means(params, n_reference=60)
    assert abs(eng - ref) < max(4 * se, 0.015 * ref)
