"""The `lp` allocator over a rolling horizon (issue 14): zone
capacity valued once per funded zone, a switching cost, every kind of unit the rules fund, the
full objective, the robust allocation's bands, other goals from the scenario file, and the
mixed-integer choice of zones with its reasons.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.allocation import solve
from sim.model import lp_policy as lp
from sim.model.engine import Simulation

FAST = {"policy.kind": "lp", "policy.lp.forecast_draws": 4, "policy.lp.effort_passes": 1, "policy.lp.breakpoints": 6,
        "budget.scope": "run", "budget.development_thb_per_year": 6e6}  # the region's overhead is 2 million


@pytest.fixture(scope="module")
def year(small_scenario):
    """The first year of an `lp` run in one province (Amnat Charoen, 56 sub-districts)."""
    scenario = small_scenario(region=("37",), years=1, overrides=FAST)
    sim = Simulation(scenario, 0, outputs=("summary",))
    return sim, sim.prepare_year()


# --- zone capacity once, switching, every kind of unit, goals --------------------------------

def test_capacity_is_a_value_of_funding_a_zone_not_of_each_baht(year):
    _, ctx = year
    money = lp.even_guess(ctx, lp._problem(ctx, None).units["funded"].to_numpy())
    problem = lp._problem(ctx, money)
    units = problem.units.set_index("unit_id")
    zones = units["level"] == "zone"
    assert (units["capacity_value_per_thb"] == 0).all()
    assert (units.loc[zones, "capacity_value"] >= 0).all() and (units.loc[zones, "capacity_value"] > 0).any()
    assert (units.loc[~zones, "capacity_value"] == 0).all()
    np.testing.assert_allclose(units["funding_value"], units["capacity_value"] + units["switching_value"]
                               + units["training_value"])
    assert (units["training_value"] <= 0).all() and (units.loc[~zones, "training_value"] == 0).all()
    one_year = lp._problem(dataclasses.replace(ctx, params=ctx.params.with_overrides(
        {"policy.lp.horizon_years": 1})), money)
    assert (one_year.units["capacity_value"] == 0).all()


def test_capacity_is_worth_only_what_the_zone_would_net_over_money_elsewhere(year):
    """The later money a higher capacity would use is charged at the value of a baht: the dearer
    a baht, the less capacity is worth, and nothing once no zone would be worth funding later."""
    _, ctx = year
    money = lp.even_guess(ctx, lp._problem(ctx, None).units["funded"].to_numpy())
    x, slopes = lp.unit_curves(ctx, 6, money, draws=2)
    zones = ctx.units.zone_rows
    free = lp.capacity_values(ctx, x, slopes, money, 0.0)[zones]
    priced = lp.capacity_values(ctx, x, slopes, money, float(np.median(slopes[zones, 0])))[zones]
    dear = lp.capacity_values(ctx, x, slopes, money, float(slopes[zones].max()) * 10)[zones]
    assert (free > 0).all() and (priced <= free + 1e-9).all()
    np.testing.assert_array_equal(dear, 0.0)


def test_the_horizon_ends_with_the_run(small_scenario):
    """A run tells its policy the years it has left; the lp policy plans no further."""
    scenario = small_scenario(region=("37",), years=3, overrides=FAST)
    sim = Simulation(scenario, 0, outputs=())
    sim.advance_to(sim.end - 1)
    ctx = sim.prepare_year()
    seen = []
    original = lp.settle

    def spy(c):
        seen.append(int(c.params["policy.lp.horizon_years"]))
        return original(c)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(lp, "settle", spy)
        sim.decide(ctx)
    assert seen == [1]
    assert int(ctx.params["policy.lp.horizon_years"]) == 5  # the run's own parameters are untouched


def test_switching_cost_keeps_last_years_zones(year):
    _, ctx = year
    params = ctx.params.with_overrides({"policy.lp.mip": True})
    mip_ctx = dataclasses.replace(ctx, params=params)
    money = lp.even_guess(mip_ctx, lp._problem(mip_ctx, None).units["funded"].to_numpy())
    first = solve(lp._problem(mip_ctx, money), mip=True)
    last = np.zeros(ctx.units.zone_rows.size, bool)
    last[0] = True
    mip_ctx.dev = dataclasses.replace(ctx.dev)
    mip_ctx.dev.lp_funded_last = last
    problem = lp._problem(mip_ctx, money, previous=first)
    switching = problem.units.set_index("unit_id")["switching_value"]
    zone_ids = ctx.units.table["unit_id"].to_numpy()[ctx.units.zone_rows]
    price = lp.value_per_baht(first)
    assert price > 0
    expected = params["policy.lp.switching_cost_thb"] * price
    assert switching[zone_ids[0]] == pytest.approx(expected)
    np.testing.assert_allclose(switching[zone_ids[1:]].to_numpy(), -expected)


def test_the_lp_may_fund_mentor_funds_when_the_scenarios_share_is_zero(year):
    _, ctx = year
    assert ctx.params["policy.mentor_share"] == 0
    mentors = ctx.units.rows("mentor")
    assert mentors.size > 0
    funded = lp._problem(ctx, None).units["funded"].to_numpy()
    assert (funded[mentors] == "choose").all()


def test_other_goals_are_reachable_from_the_scenario_file(small_scenario):
    scenario = small_scenario(region=("37",), years=1,
                              overrides={**FAST, "policy": {"lp": {"extra_goals": {"funds_founded": 500.0}}}})
    assert scenario.params["policy.lp.extra_goals.funds_founded"] == 500.0
    sim = Simulation(scenario, 0, outputs=())
    ctx = sim.prepare_year()
    money = lp.even_guess(ctx, lp._problem(ctx, None).units["funded"].to_numpy())
    problem = lp._problem(ctx, money)
    assert set(problem.extra_goals) == {"funds_founded"}
    rates, weight = problem.extra_goals["funds_founded"]
    assert weight == 500.0 and (rates >= 0).all() and rates.sum() > 0


# --- the full objective, the zone choice, the robust bands ------------------------------------

def test_the_start_is_picked_on_the_full_objective(year, monkeypatch):
    _, ctx = year
    ctx = dataclasses.replace(ctx, params=ctx.params.with_overrides({"policy.lp.effort_passes": 2}))
    seen = []
    original = lp.full_objective

    def spy(c, money, problem, draws=None):
        value = original(c, money, problem, draws)
        seen.append(value)
        return value

    monkeypatch.setattr(lp, "full_objective", spy)
    problem, result = lp.settle(ctx)
    assert len(seen) == 4  # three starts and the final re-solve
    kept = original(ctx, lp._amounts(ctx, result), problem, draws=2)
    assert kept == pytest.approx(max(seen), rel=1e-9)


def test_zone_choices_say_why(year):
    _, ctx = year
    mip_ctx = dataclasses.replace(ctx, params=ctx.params.with_overrides({"policy.lp.mip": True}))
    problem, result = lp.settle(mip_ctx)
    table = lp.zone_choices(mip_ctx, problem, result)
    assert len(table) == ctx.units.zone_rows.size
    funded = result.funded.reindex(table["unit_id"]).to_numpy(bool)
    np.testing.assert_array_equal(table["funded"].to_numpy(bool), funded)
    for row in table.itertuples():
        assert row.reason.startswith("funded" if row.funded else "left out")
        assert "net of overhead" in row.reason and "capacity" in row.reason
    np.testing.assert_allclose(table["total"], table["net_of_overhead"] + table["capacity_value"]
                               + table["switching_value"] + table["training_value"])


def test_robust_sets_come_from_the_bands_and_read_the_settled_allocation(year):
    _, ctx = year
    sets = lp.band_parameter_sets(ctx.params, 5, seed=3)
    assert len(sets) == 5 and "effects.scale_thb" in sets[0] and "targeting.noise.zone" in sets[0]
    for overrides in sets:
        for path, value in overrides.items():
            low, high = ctx.params.definitions[path].band
            assert low <= value <= high, path
    problem = lp._problem(ctx, lp.even_guess(ctx, lp._problem(ctx, None).units["funded"].to_numpy()))
    fixed, curves = lp.robust_curve_sets(ctx, problem, 3, seed=1)
    assert set(fixed.units["funded"]) <= {"yes", "no"} and len(curves) == 3
    assert all(bp.shape == problem.breakpoints_thb.shape for bp, _ in curves)

