"""Funds as they really differ (issue 13): saving, reach and dropout, founding size, a living
population, and the constants that became parameters.

Named parameter sets (documented here, run on one or two provinces so the file takes seconds).
The failure sets share few reserves (about two years of the standard package), no drift of
benefits and committees that keep the benefit level they have (no restraint), so that saving
and benefits alone decide:

- ``SAVES_TOO_LITTLE``: every fund asks 10 baht a month (120 a year) and pays the standard
  package (generosity 1, no drift): modest benefits that its saving cannot carry;
- ``PROMISES_TOO_MUCH``: every fund asks the standard baht a day but pays twice the standard
  package and its committee does not rein it in: generous benefits that ordinary saving cannot
  carry (paying beyond capacity [S0]);
- ``SOUND``: the standard baht a day and the standard package, the control of both;
- ``WELL_GOVERNED``: committees that stay about as well run as a fund can be (governance about
  0.95-0.99, little turnover, strong self-renewal), for funds that cover 95% of their place.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.inputs.parameters import default_parameters
from sim.model import membership, saving
from sim.model.benefits import benefit_tables
from sim.model.engine import Simulation, simulate
from sim.model.state import NORMAL
from sim.model.yearly import end_year

FEW_RESERVES = {  # about two years of the standard package in hand, so failure shows within a decade
    "start.reserves_per_member_thb": 500.0, "start.reserves_sigma": 0.3, "start.share_dormant": 0.02,
    "start.generosity_sigma": 0.0, "governance.generosity_drift": 0.0, "governance.generosity_restrain": 0.0,
    "start.governance_mean": 0.7,
    "local_gov.share_of_funds": 0.0, "budget.development_thb_per_year": 0.0,
}
SAVES_TOO_LITTLE = {**FEW_RESERVES, "contribution.low_schedule_share": 1.0,
                    "contribution.low_schedule_min_thb_per_year": 120.0,
                    "contribution.low_schedule_max_thb_per_year": 120.0}
PROMISES_TOO_MUCH = {**FEW_RESERVES, "contribution.low_schedule_share": 0.0, "benefits.generosity_cap": 2.0}
SOUND = {**FEW_RESERVES, "contribution.low_schedule_share": 0.0}
WELL_GOVERNED = {"start.governance_mean": 0.95, "start.governance_concentration": 60.0,
                 "governance.turnover": 0.01, "governance.self_renewal": 0.5}


def _failed_share(small_scenario, values: dict, *, generosity: float | None = None, years: int = 8) -> float:
    """Share of the starting funds that failed by their money after `years`: dormant, or holding
    less than status.weak_ratio years of benefits (same seed for every set)."""
    s = small_scenario(region=("49", "37"), years=years, seed=13, **{k.replace(".", "__"): v for k, v in values.items()})
    sim = Simulation(s, 0, outputs=("fund_years",))
    if generosity is not None:
        sim.state.generosity[sim.state.founded] = generosity
    start = sim.state.founded.copy()
    while sim.year < sim.end:
        ctx = sim.prepare_year()
        sim.run_year(ctx, sim.decide(ctx))
    st = sim.state
    failed = (st.status == 4) | (st.reserve_ratio < sim.params["status.weak_ratio"])
    return float(failed[start].mean())


def test_both_routes_to_failure(small_scenario):
    """Saving too little for modest benefits fails as surely as generous benefits on ordinary
    saving; the same funds with ordinary saving and benefits mostly stand."""
    sound = _failed_share(small_scenario, SOUND, generosity=1.0)
    too_little = _failed_share(small_scenario, SAVES_TOO_LITTLE, generosity=1.0)
    too_much = _failed_share(small_scenario, PROMISES_TOO_MUCH, generosity=2.0)
    print(f"\nfailed by their money after 8 years: sound {sound:.0%}, saves too little {too_little:.0%}, "
          f"promises too much {too_much:.0%}")
    assert sound < 0.25
    assert too_little > 0.8 and too_much > 0.8
    assert too_little > sound + 0.4 and too_much > sound + 0.4


def test_the_matching_grant_and_money_see_real_contributions(small_scenario):
    """Contributions are members x schedule x compliance; the grant asks that, capped per member."""
    s = small_scenario(region=("49",), years=2, seed=5, **{"contribution.low_schedule_share": 0.5,
                                                          "matching.pot_ratio": 1.0, "matching.ratio": 0.5})
    sim = Simulation(s, 0)
    st = sim.state
    paid = saving.paid_per_member_year(st)
    assert np.unique(np.round(st.contribution_thb[st.founded])).size > 5  # funds differ
    assert (paid[st.founded] < 365.0).mean() > 0.5
    expected = np.where(st.active, np.rint(st.total_members() * paid * 100), 0)
    np.testing.assert_array_equal(st.contributions_last_year, expected)
    fy = simulate(s, 0).fund_years
    second = fy[(fy["year"] == s.start_year + 1) & (fy["matching_thb"] > 0)].set_index("subdistrict_code")
    first = fy[fy["year"] == s.start_year].set_index("subdistrict_code")
    prev = first.loc[second.index, "contributions_thb"]
    cap = second["members_start"] * 365.0
    np.testing.assert_allclose(second["matching_thb"], np.minimum(0.5 * prev, cap), atol=0.011)  # pot never binds
    assert (second["matching_thb"] < cap - 1).mean() > 0.5  # most are asked below the cap


def test_compliance_follows_governance():
    p = default_parameters()
    g = np.array([0.0, 0.5, 1.0])
    target = saving.compliance_target(g, p)
    assert target[0] == pytest.approx(p["contribution.compliance_at_zero_governance"])
    assert target[2] == pytest.approx(p["contribution.compliance_at_full_governance"])
    c = np.full(3, 0.2)
    for _ in range(30):
        c = saving.next_compliance(c, g, p)
    np.testing.assert_allclose(c, target, atol=1e-6)
    assert saving.thb_per_year([1, 30, 100], ["day", "month", "year"]).tolist() == [365.0, 360.0, 100.0]


# ------------------------------------------------------------------------ reach and dropout


def test_reach_and_dropout_follow_trust_and_tenure():
    p = default_parameters()
    g = np.array([0.2, 0.97, 0.97])
    years = np.array([15, 0, 15])
    reach = membership.reach(g, years, p)
    assert reach[1] == pytest.approx(p["membership.reach_new"])
    assert reach[2] > 0.93 and reach[0] < reach[2]
    d = membership.dropout_yearly(g, years, np.ones(3, bool), np.ones(3, bool), p)
    assert d.shape == (3, 6)
    assert (np.diff(d, axis=1) <= 0).all()  # long-standing members leave less
    assert d[2, 0] < 0.25 * d[1, 0]  # trusted funds keep their members
    dormant = membership.dropout_yearly(g, years, np.ones(3, bool), np.zeros(3, bool), p)
    assert (dormant > d).all()


def _trusted_start(sim: Simulation, coverage: float = 0.95) -> np.ndarray:
    """Every place holds a mature, well-funded fund covering `coverage` of each age band."""
    st, p = sim.state, sim.params
    rows = np.flatnonzero(st.population.sum(axis=1) > 200)
    mix = np.array([0.03, 0.06, 0.08, 0.23, 0.45, 0.15])
    st.founded[rows] = True
    st.active[rows] = True
    st.founded_year[rows] = sim.start - 18
    st.status[rows] = NORMAL
    st.reliable_years[rows] = 18
    by_age = np.floor(coverage * st.population[rows]).astype(np.int64)
    cells = np.floor(by_age[:, :, None] * mix[None, None, :]).astype(np.int64)
    cells[:, :, 4] += by_age - cells.sum(axis=2)
    st.members[rows] = cells
    st.waiting[rows] = 0
    st.generosity[rows] = 1.0
    st.compliance[rows] = saving.compliance_target(st.governance[rows], p)
    tables = benefit_tables(p)
    yearly = np.einsum("iat,at->i", st.members[rows], tables.per_member_year_thb)
    st.reserves[rows] = np.rint(5 * yearly * 100).astype(np.int64)
    st.members_last_year[rows] = st.total_members()[rows]
    st.low_ratio_years[rows] = 0
    st.falling_years[rows] = 0
    st.contributions_last_year = np.rint(st.total_members() * saving.paid_per_member_year(st) * 100).astype(np.int64)
    end_year(st, p, tables, st.contributions_last_year)
    return rows


def test_a_well_governed_fund_at_95_percent_stays_above_85_for_ten_years(small_scenario):
    s = small_scenario(region=("49",), years=10, seed=21, **{k.replace(".", "__"): v for k, v in WELL_GOVERNED.items()})
    sim = Simulation(s, 0, outputs=())
    rows = _trusted_start(sim)
    assert rows.size > 30
    path = []
    while sim.year < sim.end:
        ctx = sim.prepare_year()
        sim.run_year(ctx, sim.decide(ctx))
        st = sim.state
        path.append(np.median(st.total_members()[rows] / st.population[rows].sum(axis=1)))
    print("\nmedian coverage by year: " + ", ".join(f"{c:.3f}" for c in path))
    assert min(path) > 0.85
    assert (sim.state.population >= sim.state.members_by_age()).all()


# --------------------------------------------------------------------------- founding size


def test_founding_size_is_a_share_of_the_place():
    p = default_parameters()
    pop = np.array([500.0, 5000.0, 20000.0])
    u = np.full(3, 0.5)
    size = membership.founding_members(pop, u, p)
    np.testing.assert_array_equal(size, np.rint(p["founding.member_share_median"] * pop))
    assert (membership.founding_members(pop, np.full(3, 0.999999), p) <= p["start.max_coverage"] * pop).all()
    assert (membership.founding_members(pop, np.full(3, 1e-9), p) >= p["start.min_members"]).all()
    mean = membership.expected_founding_members(pop, p)
    assert (mean > size).all()  # the lognormal's mean lies above its median


# ------------------------------------------------------------------------ living population


def test_population_ages_dies_is_born_into_and_follows_the_trend(small_scenario):
    s = small_scenario(region=("45", "49"), years=5, seed=3)
    fy = simulate(s, 0, members_by_band=True).fund_years
    total = fy.groupby(["year", "province_code"])["population"].sum().unstack()
    start = fy[fy["year"] == s.start_year].groupby("province_code")["population_start"].sum()
    growth = (total.iloc[-1] / start) ** (1 / 5) - 1
    assert growth["45"] == pytest.approx(-0.00448, abs=3e-4)  # Roi Et, its own sourced trend [S46]
    assert growth["49"] == pytest.approx(s.params["population.growth_per_year"], abs=3e-4)
    bands = [c for c in fy.columns if c.startswith("members_") and c[8].isdigit()]
    assert bands
    # never fewer people than members, in any band
    sim = Simulation(s, 0, outputs=())
    while sim.year < sim.end:
        ctx = sim.prepare_year()
        sim.run_year(ctx, sim.decide(ctx))
        assert (sim.state.population >= sim.state.members_by_age()).all()
    pop0 = Simulation(s, 0, outputs=()).state.population.sum(axis=0)
    pop5 = sim.state.population.sum(axis=0)
    assert pop5[4:].sum() / pop5.sum() > pop0[4:].sum() / pop0.sum()  # the population ages


# ------------------------------------------------------------------------ smaller model gaps


def test_programme_group_governs_development_eligibility(small_scenario):
    """Funds outside the matching programme get development.not_matched_access of the effect: at
    0 their governance moves exactly as with no budget at all, while other funds gain."""
    s = small_scenario(region=("49", "37"), years=1, seed=8, **{"development.not_matched_access": 0.0})
    with_budget = Simulation(s, 0, outputs=())
    without = Simulation(s.with_overrides({"budget.development_thb_per_year": 0.0}), 0, outputs=())
    for sim in (with_budget, without):
        ctx = sim.prepare_year()
        sim.run_year(ctx, sim.decide(ctx))
    st0 = Simulation(s, 0, outputs=()).state
    outside = st0.founded & (st0.programme_group == 3)
    inside = st0.founded & (st0.programme_group != 3)
    assert outside.sum() > 5
    np.testing.assert_array_equal(with_budget.state.governance[outside], without.state.governance[outside])
    assert (with_budget.state.governance[inside] > without.state.governance[inside]).sum() >= 5


def test_fund_years_record_money_and_the_state_before_the_year(small_scenario):
    from sim.studies.did import START, _outcomes, did_table

    s = small_scenario(region=("49",), years=2, seed=4).with_overrides({}, start_year=2022)
    result = simulate(s, 0)
    fy, uy = result.fund_years, result.unit_years
    # development money per sub-district adds up to the money allocated, every year
    np.testing.assert_allclose(fy.groupby("year")["dev_money_thb"].sum(), uy.groupby("year")["allocation_thb"].sum())
    assert (fy["dev_money_thb"] >= 0).all() and ((fy["dev_money_thb"] > 0) | (fy["dev_effort_thb"] == 0)).all()
    # the state before the first year is the starting state, not the end of the first year
    start = Simulation(s, 0, outputs=()).state
    first = fy[fy["year"] == s.start_year]
    np.testing.assert_array_equal(first["governance_start"].to_numpy(), start.governance)
    np.testing.assert_array_equal(first["reserve_ratio_start"].to_numpy(), start.reserve_ratio)
    assert not np.array_equal(first["governance"].to_numpy(), start.governance)
    before = _outcomes(first, START)
    founded = start.founded
    assert before["governance"] == pytest.approx(start.governance[founded].mean())
    table = did_table(fy, fy["zone_id"].unique()[:2], before_year=s.start_year, after_year=s.start_year + 1)
    assert set(table["outcome"]) >= {"coverage", "governance"}
    # a zone's recorded capacity is the one that produced its effort (the start's in year one)
    from sim.model.development import initial_development_state

    dev = initial_development_state(Simulation(s, 0, outputs=()).geo, s.params, s.start_year)
    zones = uy[(uy["level"] == "zone") & (uy["year"] == s.start_year)]
    np.testing.assert_allclose(zones["capacity"].to_numpy(), dev.zone_capacity)


def test_a_registry_gives_each_fund_its_schedule(tmp_path, small_scenario):
    from sim.errors import SimError
    from sim.world.geography import build_geography
    from sim.world.registry import load_registry

    good = tmp_path / "registry.csv"
    good.write_text("subdistrict_code,founded_year,members,contribution_thb,contribution_per\n"
                    "490101,2010,500,1,day\n490102,2011,300,20,month\n490103,2012,200,,\n", encoding="utf-8")
    reg = load_registry(good, build_geography(["49"])).set_index("subdistrict_code")
    assert reg.loc["490101", "contribution_thb_per_year"] == 365.0
    assert reg.loc["490102", "contribution_thb_per_year"] == 240.0
    assert np.isnan(reg.loc["490103", "contribution_thb_per_year"])
    s = small_scenario(region=("49",), years=1, inputs={"fund_registry": good})
    st = Simulation(s, 0, outputs=()).state
    codes = st.codes.astype(str)
    assert st.contribution_thb[codes == "490102"][0] == 240.0
    bad = tmp_path / "bad.csv"
    bad.write_text("subdistrict_code,founded_year,members,contribution_thb,contribution_per\n"
                   "490101,2010,500,1,fortnight\n490102,2011,300,-5,month\n", encoding="utf-8")
    with pytest.raises(SimError) as err:
        load_registry(bad, build_geography(["49"]))
    assert "line 2: 'fortnight'" in str(err.value) and "line 3: '-5'" in str(err.value)
