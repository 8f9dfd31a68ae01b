"""Laws of the engine (MODEL.md sections 4.8, 7 and 8): conservation, determinism, common
random numbers and closed forms.

Each test runs small regions (one or two provinces, or five for the founding count) for one to
three years, so the whole file takes seconds.
"""

from __future__ import annotations

import dataclasses
import math

import numba
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sim.errors import SimError
from sim.inputs.parameters import ParameterSet, default_parameters
from sim.model.benefits import benefit_tables
from sim.model.engine import INFLOW_COLUMNS, OUTFLOW_COLUMNS, geography_for, run_scenario, simulate
from sim.model.monthly import BENEFIT_FLOWS, CENTRAL_FUND, FLOW_NAMES
from sim.model.rng import run_key
from sim.model.state import synthetic_state
from sim.model.yearly import end_year

DEFS = default_parameters().definitions
BENEFIT_COLUMNS = tuple(
    f"{FLOW_NAMES[f]}_thb" if f != CENTRAL_FUND else "central_fund_thb" for f in BENEFIT_FLOWS
)
MONEY_COLUMNS = ("reserves_start_thb", "reserves_end_thb", *INFLOW_COLUMNS, *OUTFLOW_COLUMNS,
                 *BENEFIT_COLUMNS, "claims_unpaid_thb")
COUNT_COLUMNS = ("members_start", "joined", "left", "died", "members_end", "members_eligible",
                 "population", "insolvency_events", "non_members_helped")


def satang(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A THB column back in whole satang (the engine keeps money as integer satang)."""
    values = frame[column].to_numpy(float) * 100.0
    out = np.rint(values)
    assert np.all(np.abs(values - out) < 1e-3), f"{column} is not a whole number of satang"
    return out.astype(np.int64)


# ----------------------------------------------------------------------------- checks


def assert_conserved(fy: pd.DataFrame) -> None:
    """Money, members and benefits balance exactly in every fund-year row (and between years)."""
    inflow = sum(satang(fy, c) for c in INFLOW_COLUMNS)
    outflow = sum(satang(fy, c) for c in OUTFLOW_COLUMNS)
    gap = satang(fy, "reserves_end_thb") - (satang(fy, "reserves_start_thb") + inflow - outflow)
    bad = np.flatnonzero(gap != 0)
    assert bad.size == 0, f"money not conserved in {bad.size} rows, e.g.\n{fy.iloc[bad[:3]].T}"
    members = fy["members_start"] + fy["joined"] - fy["left"] - fy["died"]
    bad = np.flatnonzero(fy["members_end"].to_numpy() != members.to_numpy())
    assert bad.size == 0, f"members not conserved in {bad.size} rows, e.g.\n{fy.iloc[bad[:3]].T}"
    parts = sum(satang(fy, c) for c in BENEFIT_COLUMNS)
    bad = np.flatnonzero(satang(fy, "benefits_paid_thb") != parts)
    assert bad.size == 0, f"benefits_paid is not the sum of the benefit columns in {bad.size} rows"
    # nothing appears or vanishes between one year's end and the next year's start
    keys = ["replicate", "subdistrict_code"]
    ordered = fy.sort_values([*keys, "year"])
    nxt = ordered.groupby(keys).shift(-1)
    has_next = nxt["year"].notna().to_numpy()
    assert np.array_equal(satang(ordered, "reserves_end_thb")[has_next],
                          np.rint(nxt["reserves_start_thb"].to_numpy(float)[has_next] * 100).astype(np.int64))
    assert np.array_equal(ordered["members_end"].to_numpy()[has_next],
                          nxt["members_start"].to_numpy()[has_next].astype(np.int64))
    # a place without a fund holds no members and no money, and moves none
    none = ~fy["founded"].to_numpy(bool)
    for column in (*COUNT_COLUMNS[:-3], *MONEY_COLUMNS):
        if column in ("population",):
            continue
        assert (fy.loc[none, column] == 0).all(), f"{column} is not zero where no fund exists"
    assert (fy.loc[none, "status"] == "none").all()
    assert (fy.loc[none, "founded_year"] == -1).all()
    assert (fy.loc[~none, "founded_year"] >= 1990).all()


def assert_sane(result, params) -> None:
    """No NaN, inf or negative count or money anywhere in the outputs (documented exceptions)."""
    fy, summary, units = result.fund_years, result.summary, result.unit_years
    for column in (*COUNT_COLUMNS, *MONEY_COLUMNS, "reserve_ratio", "dev_effort_thb", "governance",
                   "generosity"):
        values = fy[column].to_numpy(float)
        assert np.all(np.isfinite(values)), f"fund_years.{column} has NaN/inf"
        assert np.all(values >= 0), f"fund_years.{column} is negative: {values.min()}"
    assert (fy["members_eligible"] <= fy["members_end"]).all()
    assert fy["governance"].between(0, 1).all()
    founded = fy["founded"].to_numpy(bool)
    gen = fy.loc[founded, "generosity"]
    assert gen.between(params["benefits.generosity_floor"] - 1e-12, params["benefits.generosity_cap"] + 1e-12).all()
    numeric = summary.select_dtypes("number")
    for column in numeric.columns:
        values = numeric[column].to_numpy(float)
        if column == "survival_5y_new_funds":
            # NaN by definition while no fund founded during the run is five years old
            start = int(summary["year"].min())
            young = summary["year"].to_numpy() - 5 < start
            assert np.all(np.isnan(values[young]))
            values = values[~young & ~np.isnan(values)]
        if column == "median_reserve_ratio":
            assert np.all(np.isnan(values) == (summary["funds_founded"].to_numpy() == 0))
            values = values[~np.isnan(values)]
        if column == "alloc_per_capita_max_min":
            # inf by definition when some province receives no money at all
            local = units[units["level"].isin(["province", "zone", "mentor"])]
            per_year = local.groupby(["year", "province_code"])["allocation_thb"].sum().unstack()
            zero = (per_year.reindex(columns=sorted(fy["province_code"].unique()), fill_value=0.0) <= 0).any(axis=1)
            is_inf = np.isinf(values)
            assert np.array_equal(is_inf, zero.reindex(summary["year"]).to_numpy()), column
            values = values[~is_inf]
        assert np.all(np.isfinite(values)), f"summary.{column} has NaN/inf"
        assert np.all(values >= 0), f"summary.{column} is negative"
    for column in ("allocation_thb", "overhead_thb", "effort_thb"):
        values = units[column].to_numpy(float)
        assert np.all(np.isfinite(values)) and np.all(values >= -1e-9), f"unit_years.{column}"
    zones = units["level"] == "zone"
    assert units.loc[zones, "capacity"].between(0, 1).all()
    assert units.loc[~zones, "capacity"].isna().all()
    assert (units["overhead_thb"] <= units["allocation_thb"] + 1e-6).all()


# ----------------------------------------------------------------- a. conservation


def test_conservation_defaults_two_provinces_three_years(small_scenario):
    s = small_scenario(region=("49", "37"), years=3, **{"contribution.refund_share": 0.6,
                                                  "benefits.central_fund.enabled": True})
    result = run_scenario(s, 2)
    fy = result.fund_years
    assert_conserved(fy)
    assert_sane(result, s.params)
    # the laws are not vacuous: money and members really move in these runs
    founded = fy[fy["founded"]]
    for column in ("joined", "left", "died", "non_members_helped"):
        assert founded[column].sum() > 0, column
    for column in (*INFLOW_COLUMNS, *OUTFLOW_COLUMNS, *BENEFIT_COLUMNS):
        assert founded[column].sum() > 0, column


def test_conservation_through_insolvency_and_dormancy(small_scenario):
    """Funds that run out of money mid-month pay pro rata and go dormant: still exact."""
    s = small_scenario(region=("49",), years=3, **{
        "start.reserves_per_member_thb": 50.0, "start.reserves_sigma": 0.5, "start.generosity_sigma": 0.0,
        "matching.pot_ratio": 0.0, "local_gov.share_of_funds": 0.0, "benefits.old_age.thb_per_year": 1200.0,
        "governance.generosity_drift": 0.5, "benefits.central_fund.enabled": True,
        "contribution.refund_share": 1.0, "status.revival_hazard": 0.5})
    result = run_scenario(s, 2)
    fy = result.fund_years
    assert fy["insolvency_events"].sum() > 5
    assert fy["claims_unpaid_thb"].sum() > 0
    assert result.summary["funds_revived"].sum() > 0
    assert_conserved(fy)
    assert_sane(result, s.params)


NUMERIC = sorted(p for p, d in DEFS.items() if d.kind in ("int", "float", "list") and not p.startswith("policy.lp."))
CHOICES = {"policy.kind": ["rule", "zone_share"], "policy.within_level": list(DEFS["policy.within_level"].choices),
           "policy.funded_zones": list(DEFS["policy.funded_zones"].choices)}


def value_strategy(path: str):
    d = DEFS[path]
    floats = st.floats(d.low, d.high, allow_nan=False, allow_infinity=False)
    if d.kind == "int":
        return st.integers(int(math.ceil(d.low)), int(math.floor(d.high)))
    if d.kind == "float":
        return floats
    return st.lists(floats, min_size=d.length, max_size=d.length)


@st.composite
def parameter_draws(draw):
    paths = draw(st.lists(st.sampled_from(NUMERIC), min_size=8, max_size=12, unique=True))
    values = {p: draw(value_strategy(p)) for p in paths}
    for path, choices in CHOICES.items():
        if draw(st.booleans()):
            values[path] = draw(st.sampled_from(choices))
    values["benefits.central_fund.enabled"] = draw(st.booleans())
    values["contribution.refund_share"] = draw(st.one_of(st.just(0.0), st.floats(0.0, 1.0)))
    return values


def repaired(values: dict, start_year: int) -> dict:
    """Make a random draw satisfy the rules that link parameters (each value stays in range)."""
    v = dict(values)
    p = default_parameters()
    get = lambda k: v.get(k, p[k])  # noqa: E731
    shares = [get(k) for k in ("policy.region_share", "policy.province_group_share", "policy.mentor_share")]
    if sum(shares) > 1:
        for k, x in zip(("policy.region_share", "policy.province_group_share", "policy.mentor_share"), shares,
                        strict=True):
            v[k] = x / sum(shares) * 0.999
    if get("membership.reach_new") > get("membership.reach_max"):
        v["membership.reach_max"] = get("membership.reach_new")
    dormant, weak, strong = (get(k) for k in ("status.dormant_ratio", "status.weak_ratio", "status.strong_ratio"))
    if not dormant <= weak <= strong:
        v["status.weak_ratio"] = weak = max(weak, dormant)
        v["status.strong_ratio"] = max(strong, weak)
    last = min(int(get("start.founded_year_last")), start_year - 1)
    v["start.founded_year_last"] = last
    v["start.founded_year_first"] = min(int(get("start.founded_year_first")), last)
    for k in ("population.age_share", "start.member_age_share", "start.programme_group_shares"):
        if k in v and not any(x > 0 for x in v[k]):
            v[k] = [1.0] + list(v[k][1:])
    # population age shares the 60+ rescaling cannot handle (see the xfail test below)
    shares = np.asarray(get("population.age_share"), float)
    shares = shares / shares.sum()
    old, mid = shares[4:].sum(), shares[2:4].sum()
    if old <= 0 or mid <= 0 or mid + old < get("population.share_60_plus"):
        v["population.age_share"] = list(p.default("population.age_share"))
    return v


def at_bound(which: str) -> dict:
    """Every numeric parameter at its low (or high) end, the central fund on."""
    values = {}
    for path in NUMERIC:
        d = DEFS[path]
        v = d.low if which == "low" else d.high
        values[path] = [float(v)] * d.length if d.kind == "list" else (int(v) if d.kind == "int" else float(v))
    values["benefits.central_fund.enabled"] = True
    return values


@example(values=at_bound("low"), years=3, seed=3, province="49")
@example(values=at_bound("high"), years=3, seed=3, province="37")
@settings(max_examples=15, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(values=parameter_draws(), years=st.integers(2, 3), seed=st.integers(0, 2**31),
       province=st.sampled_from(["49", "37"]))
def test_conservation_for_random_parameters(values, years, seed, province, small_scenario):
    """Exact conservation and sane outputs anywhere in the declared parameter space."""
    base = small_scenario(region=(province,), years=years, seed=seed)
    s = base.with_overrides(repaired(values, base.start_year))
    result = simulate(s, seed % 7)
    assert_conserved(result.fund_years)
    assert_sane(result, s.params)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("shares", [[0.2, 0.2, 0.3, 0.3, 0.0, 0.0, 0.0], [0.5, 0.3, 0.0, 0.0, 0.1, 0.05, 0.05],
                                    [0.5, 0.44, 0.02, 0.02, 0.01, 0.005, 0.005]])
def test_population_age_shares_in_range_run_or_are_rejected_when_loaded(shares, small_scenario):
    base = small_scenario(region=("49",), years=1)
    try:
        s = base.with_overrides({"population.age_share": shares})
    except SimError as err:
        assert "population.age_share" in str(err)
        return
    result = simulate(s, 0)
    assert result.summary["population"].iloc[0] > 0


# ------------------------------------------------------------------- b. determinism


def sorted_tables(result) -> dict[str, pd.DataFrame]:
    keys = {"summary": ["replicate", "year"], "fund_years": ["replicate", "year", "subdistrict_code"],
            "unit_years": ["replicate", "year", "unit_id"]}
    out = {}
    for name, frame in result.tables().items():
        frame = frame.drop(columns=[c for c in frame.columns if "seconds" in c or "time" in c])
        out[name] = frame.sort_values(keys[name]).reset_index(drop=True)
    return out


def assert_same_tables(a, b) -> None:
    ta, tb = sorted_tables(a), sorted_tables(b)
    assert ta.keys() == tb.keys()
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True)


def test_same_seed_same_tables_different_seed_different_tables(small_scenario):
    s = small_scenario(region=("49",), years=2, seed=123)
    a, b = simulate(s, 0), simulate(s, 0)
    assert_same_tables(a, b)
    assert a.manifest["seed"] == b.manifest["seed"] == 123
    c = simulate(s, 0, seed=124)
    d = simulate(s, 1)
    for other in (c, d):
        fa, fo = a.fund_years, other.fund_years
        differs = (fa["members_end"].to_numpy() != fo["members_end"].to_numpy()).mean()
        assert differs > 0.5, "another seed or replicate should change most funds"
        assert not a.summary["people_protected"].equals(other.summary["people_protected"])


def test_results_do_not_depend_on_the_number_of_threads(small_scenario):
    s = small_scenario(region=("49", "37"), years=2, seed=8)
    one = simulate(s, 0)
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    try:
        many = simulate(s, 0)
    finally:
        numba.set_num_threads(1)
    assert_same_tables(one, many)


def test_replicate_is_the_same_alone_or_among_many(small_scenario):
    s = small_scenario(region=("37",), years=2, seed=99)
    together = run_scenario(s, 4)
    assert sorted(together.summary["replicate"].unique()) == [0, 1, 2, 3]
    for k in (0, 3):
        alone = simulate(s, k)
        for name, frame in sorted_tables(alone).items():
            part = sorted_tables(together)[name]
            part = part[part["replicate"] == k].reset_index(drop=True)
            pd.testing.assert_frame_equal(frame, part, check_exact=True)


# -------------------------------------------------------- c. common random numbers layout


def test_crn_other_province_bit_identical(small_scenario):
    """Extra money for one province changes nothing, bit for bit, in the other province."""
    s = small_scenario(region=("49", "37"), years=3, seed=5, **{
        "policy.region_share": 0.0, "policy.province_group_share": 0.0, "matching.pot_ratio": 1.0,
        # few enough funds matched that requests and start-up grants stay inside the pot; every
        # fund eligible for development, so extra money reaches (nearly) every place it covers
        # (and few enough funds founded: the model-4 fit's founding hazard, 0.046, fills the pot)
        "start.governance_mean": 0.4, "development.not_matched_access": 1.0, "founding.baseline_hazard": 0.02})
    base = simulate(s, 0)
    more = simulate(s, 0, unit_money_delta={"P49": 5e6})
    # the change reached the province: its unit got the money and turned it into effort
    uy = more.unit_years.set_index(["year", "unit_id"])
    ub = base.unit_years.set_index(["year", "unit_id"])
    assert (uy.xs("P49", level="unit_id")["allocation_thb"] - ub.xs("P49", level="unit_id")["allocation_thb"]
            == 5e6).all()
    # the matching pot never binds (else funds would be coupled through its pro-rata scale)
    for result in (base, more):
        fy = result.fund_years.sort_values(["subdistrict_code", "year"]).reset_index(drop=True)
        assert set(fy.loc[fy["startup_grant_thb"] > 0, "startup_grant_thb"]) <= {70000.0}
        # every matched fund gets its full request (scale 1): min(last year's money, 365 a member)
        previous = fy.groupby("subdistrict_code")["contributions_thb"].shift(1)
        rows = previous.notna() & (fy["matching_thb"] > 0)
        request = np.minimum(satang(fy[rows].assign(prev=previous[rows]), "prev"),
                             fy.loc[rows, "members_start"].to_numpy(np.int64) * 36500)
        assert rows.sum() > 50
        assert np.array_equal(satang(fy[rows], "matching_thb"), request)
    fa, fb = base.fund_years, more.fund_years
    other_a = fa[fa["province_code"] == "37"].reset_index(drop=True)
    other_b = fb[fb["province_code"] == "37"].reset_index(drop=True)
    assert len(other_a) > 100
    pd.testing.assert_frame_equal(other_a, other_b, check_exact=True)
    changed_a = fa[fa["province_code"] == "49"].reset_index(drop=True)
    changed_b = fb[fb["province_code"] == "49"].reset_index(drop=True)
    # water-filling leaves some places at zero effort in both runs; where either run places effort,
    # the extra money changes it, and the province's effort rises in total
    placed = (changed_a["dev_effort_thb"] > 0) | (changed_b["dev_effort_thb"] > 0)
    assert (changed_a.loc[placed, "dev_effort_thb"] != changed_b.loc[placed, "dev_effort_thb"]).mean() > 0.9
    assert changed_b["dev_effort_thb"].sum() > changed_a["dev_effort_thb"].sum()
    later = changed_a["year"] > changed_a["year"].min()
    moved = (changed_a.loc[later, "members_end"] != changed_b.loc[later, "members_end"]).mean()
    assert moved > 0.3, "more development effort should change membership paths in the province"


# -------------------------------------------------------------------- d. closed forms


def widened(scn, overrides: dict):
    """`scn` with values outside the declared ranges (zero rates the scenario files forbid).

    The declarations of just these parameters are widened to include the values; everything
    else is validated as usual.
    """
    defs = dict(default_parameters().definitions)
    for path, value in overrides.items():
        d = defs[path]
        if d.low is not None:
            arr = np.atleast_1d(np.asarray(value, float))
            defs[path] = dataclasses.replace(d, low=min(d.low, float(arr.min())), high=max(d.high, float(arr.max())))
    params = ParameterSet(defs).with_overrides({**scn.overrides, **overrides})
    return dataclasses.replace(scn, params=params, overrides={**scn.overrides, **overrides})


ZERO_RATES = {
    "demography.death_rate_per_1000": [0.0] * 7,
    "demography.birth_rate_per_1000": [0.0] * 7,
    "demography.admissions_per_1000": [0.0] * 7,
    "membership.join_rate": 0.0,
    "membership.dropout_rate": 0.0,
    "benefits.education.rate_per_1000": 0.0,
    "benefits.disability.rate_per_1000": 0.0,
    "benefits.disaster.rate_per_1000": 0.0,
    "benefits.old_age.thb_per_year": 0.0,
    "benefits.central_fund.enabled": False,
    "founding.baseline_hazard": 0.0,
    "effects.founding_hazard": 0.0,
    "status.revival_hazard": 0.0,
    "effects.revival_hazard": 0.0,
    # money: known rates, every active fund matched and paid by its local government
    "contribution.member_thb_per_year": 400.0,
    "contribution.low_schedule_share": 0.0,  # every fund on the standard schedule, all members paying
    "contribution.compliance_at_zero_governance": 1.0,
    "contribution.compliance_at_full_governance": 1.0,
    "contribution.other_income_ratio": 0.1,
    "finance.admin_cost_share": 0.1,
    "finance.interest_rate_real": 0.03,
    "matching.pot_ratio": 1.0,
    "matching.ratio": 1.0,
    "matching.cap_thb_per_member": 365.0,
    "matching.governance_threshold": 0.0,
    "start.programme_group_shares": [1.0, 0.0, 0.0, 0.0],
    "local_gov.share_of_funds": 1.0,
    "local_gov.thb_per_member": 67.0,
}


def test_closed_form_reserves_with_all_event_rates_zero(small_scenario):
    years = 2
    s = widened(small_scenario(region=("49",), years=years, seed=7), ZERO_RATES)
    fy = simulate(s, 0).fund_years.sort_values(["subdistrict_code", "year"]).reset_index(drop=True)
    assert_conserved(fy)
    funds = fy[fy["founded"]]
    assert funds["subdistrict_code"].nunique() > 30
    # no events at all: members stay, no benefits, no fees, nobody founded or revived
    assert (funds["members_end"] == funds["members_start"]).all()
    for column in ("joined", "left", "died", "benefits_paid_thb", "entrance_fees_thb", "refunds_thb",
                   "startup_grant_thb", "insolvency_events"):
        assert (funds[column] == 0).all(), column
    a, i_m = 0.1, 1.03 ** (1 / 12) - 1
    members = funds["members_start"].to_numpy(np.int64)
    active = (funds["status"] != "dormant").to_numpy()
    assert active.sum() > 20 and (~active).sum() >= 1  # both branches are tested
    c = members * 400.0 / 12 * 100  # satang per month, exact real number
    o = 0.1 * c
    # grants, exactly: matching hits the 365-baht cap, local government 67 baht a member
    match = np.where(active, members * 36500, 0)
    local = np.where(active, members * 6700, 0)
    assert np.array_equal(satang(funds, "matching_thb"), match)
    assert np.array_equal(satang(funds, "local_gov_thb"), local)
    assert np.array_equal(satang(funds, "contributions_thb"),
                          np.where(active, 12 * np.floor(c + 0.5).astype(np.int64), 0))
    # reserves: R' = R q + (1 - a)(c + o) each month, q = 1 + (1 - a) i, after the year's grants
    grants = match + local
    r0 = satang(funds, "reserves_start_thb") + grants - np.rint(grants * a).astype(np.int64)
    q = 1 + (1 - a) * i_m
    expected = np.where(active, r0 * q**12 + (1 - a) * (c + o) * (q**12 - 1) / (q - 1),
                        satang(funds, "reserves_start_thb") * (1 + i_m) ** 12)
    error = satang(funds, "reserves_end_thb") - expected
    print(f"closed form: largest error {np.abs(error).max():.2f} satang over {len(funds)} fund-years")
    assert np.abs(error).max() <= 2 * 12, f"closed form off by {np.abs(error).max()} satang"
    # the same over both years from the first year's start (year 2 matches 12 months of 400 THB)
    first = funds.groupby("subdistrict_code").head(1)
    last = funds.groupby("subdistrict_code").tail(1)
    m = first["members_start"].to_numpy(np.int64)
    act = (last["status"] != "dormant").to_numpy()
    cc = m * 400.0 / 12 * 100
    g = m * (36500 + 6700)
    r = satang(first, "reserves_start_thb").astype(float)
    for _ in range(years):
        r = np.where(act, (r + g - np.rint(g * a)) * q**12 + (1 - a) * 1.1 * cc * (q**12 - 1) / (q - 1),
                     r * (1 + i_m) ** 12)
    error = satang(last, "reserves_end_thb") - r
    assert np.abs(error).max() <= 2 * 12 * years


@pytest.mark.parametrize("region", [("49", "37", "35", "33", "41")])
def test_founding_and_revival_at_baseline_hazard_without_budget(region, small_scenario):
    """Zero development budget: founding (revival) is Binomial(unfounded (dormant), baseline)."""
    hazard, revival, replicates = 0.05, 0.3, 30
    s = small_scenario(region=region, years=1, seed=31, **{
        "budget.development_thb_per_year": 0.0, "founding.baseline_hazard": hazard,
        "status.revival_hazard": revival, "start.share_dormant": 0.2})
    result = run_scenario(s, replicates, outputs=("summary", "fund_years", "unit_years"))
    assert (result.unit_years["allocation_thb"] == 0).all() and (result.unit_years["effort_thb"] == 0).all()
    assert (result.fund_years["dev_effort_thb"] == 0).all()
    fy = result.fund_years
    year = s.start_year
    new = (fy["founded_year"] == year).groupby(fy["replicate"]).sum().to_numpy()
    unfounded = ((~fy["founded"]) | (fy["founded_year"] == year)).groupby(fy["replicate"]).sum().to_numpy()
    # dormant funds at the start, from the starting state the run itself builds
    geo = geography_for(s)
    tables = benefit_tables(s.params)
    dormant = []
    for r in range(replicates):
        state = synthetic_state(geo, s.params, year, run_key(s.seed, r))
        end_year(state, s.params, tables, state.contributions_last_year)
        dormant.append(int((state.founded & ~state.active).sum()))
    dormant = np.array(dormant)
    revived = result.summary.sort_values("replicate")["funds_revived"].to_numpy()
    for observed, n, p in ((new, unfounded, hazard), (revived, dormant, revival)):
        expected = n * p
        se = math.sqrt((n * p * (1 - p)).sum()) / replicates
        assert expected.mean() > 3  # enough events for the check to have power
        z = (observed.mean() - expected.mean()) / se
        assert abs(z) < 3, f"mean {observed.mean():.2f} vs closed form {expected.mean():.2f} (z = {z:.2f})"
        assert (observed <= n).all()
