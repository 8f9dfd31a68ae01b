"""The LP allocator on cases with known answers: closed forms, shadow prices, infeasibility."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from sim.allocation import AllocationProblem, FastModel, diagnose, solve
from sim.allocation.examples import isan_like_problem
from sim.errors import SimError

METHODS = ["fast", "pulp"]


def units_frame(rows: list[dict]) -> pd.DataFrame:
    defaults = {
        "province_code": None,
        "population": 1000.0,
        "overhead_thb": 0.0,
        "cap_thb": math.inf,
    }
    return pd.DataFrame([{**defaults, **row} for row in rows])


def linear_problem(rows: list[dict], slopes: list[float], budget: float, **kw) -> AllocationProblem:
    """One linear segment per unit, running to the cap."""
    n = len(rows)
    return AllocationProblem(
        units=units_frame(rows),
        breakpoints_thb=np.full((n, 1), np.inf),
        slopes=np.array(slopes, dtype=float)[:, None],
        budget_thb=budget,
        **kw,
    )


def price(result, name: str) -> float:
    return float(result.constraints.set_index("name").loc[name, "shadow_price"])


def row(result, name: str) -> pd.Series:
    return result.constraints.set_index("name").loc[name]


def two_zones(**kw) -> AllocationProblem:
    rows = [
        {
            "unit_id": "A",
            "level": "zone",
            "province_code": "30",
            "overhead_thb": 100.0,
            **kw.pop("a", {}),
        },
        {
            "unit_id": "B",
            "level": "zone",
            "province_code": "30",
            "overhead_thb": 100.0,
            **kw.pop("b", {}),
        },
    ]
    return linear_problem(rows, [2.0, 1.0], kw.pop("budget", 1000.0), **kw)


@pytest.mark.parametrize("method", METHODS)
def test_all_money_above_floors_goes_to_the_steeper_unit(method):
    result = solve(two_zones(), method=method)
    assert result.amounts_thb["A"] == pytest.approx(900.0)
    assert result.amounts_thb["B"] == pytest.approx(100.0)
    assert result.objective == pytest.approx(2.0 * 800)
    assert result.gain_people == pytest.approx(1600.0)
    assert price(result, "budget") == pytest.approx(2.0)
    assert row(result, "floor_B")["binding"]
    assert price(result, "floor_B") == pytest.approx(-1.0)  # a forced baht to B costs 2, yields 1
    assert result.unit_marginal_value["A"] == pytest.approx(2.0)
    assert result.unit_marginal_value["B"] == pytest.approx(1.0)


@pytest.mark.parametrize("method", METHODS)
def test_cap_binds_and_its_shadow_price_is_the_slope_difference(method):
    problem = two_zones(a={"cap_thb": 500.0})
    result = solve(problem, method=method)
    assert result.amounts_thb.to_dict() == pytest.approx({"A": 500.0, "B": 500.0})
    cap = row(result, "cap_A")
    assert cap["binding"] and cap["slack"] == pytest.approx(0.0)
    assert cap["shadow_price"] == pytest.approx(1.0)
    assert price(result, "budget") == pytest.approx(1.0)
    assert result.unit_marginal_value["A"] == 0.0  # past absorptive capacity a baht buys nothing
    wider = dataclasses.replace(problem, units=problem.units.assign(cap_thb=[510.0, math.inf]))
    assert (solve(wider).objective - result.objective) / 10 == pytest.approx(cap["shadow_price"])


def test_units_with_fewer_segments_can_be_padded_and_tail_money_counts():
    problem = AllocationProblem(
        units=units_frame(
            [
                {"unit_id": "A", "level": "zone", "province_code": "30", "cap_thb": 1000.0},
                {"unit_id": "B", "level": "zone", "province_code": "30", "cap_thb": 1000.0},
            ]
        ),
        breakpoints_thb=np.array([[100.0, 100.0], [200.0, 400.0]]),
        slopes=np.array([[3.0, 3.0], [2.0, 1.0]]),
        budget_thb=1500.0,
    )
    result = solve(problem)
    assert result.gain_people == pytest.approx(3 * 100 + 2 * 200 + 1 * 200)
    assert result.amounts_thb.sum() == pytest.approx(1500.0)  # spend_all: the slope-0 tails absorb
    assert price(result, "budget") == pytest.approx(0.0)


def random_units_problem(seed: int, **kw) -> AllocationProblem:
    return isan_like_problem(
        seed, provinces=4, zones_per_province=3, mentors=kw.pop("mentors", 6), **kw
    )


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_unit_ends_with_money_strictly_between_zero_and_its_overhead(method, seed):
    problem = random_units_problem(seed)
    rng = np.random.default_rng(seed)
    units = problem.units.copy()
    units["funded"] = rng.choice(["yes", "no", "choose"], size=len(units), p=[0.5, 0.2, 0.3])
    units.loc[units["level"] == "zone", "funded"] = "choose"
    problem = dataclasses.replace(
        problem, units=units, budget_thb=20_000_000, equity_ratio=None, level_share_min={}
    )
    for mip, frame in (
        (False, units.assign(funded=units["funded"].replace("choose", "yes"))),
        (True, units),
    ):
        result = solve(dataclasses.replace(problem, units=frame), method=method, mip=mip)
        amount = result.amounts_thb.to_numpy()
        overhead = frame["overhead_thb"].to_numpy()
        assert np.all((amount == 0) | (amount >= overhead - 1e-6))
        assert np.all(amount[result.funded.to_numpy()] >= overhead[result.funded.to_numpy()] - 1e-6)
        assert np.all(amount[~result.funded.to_numpy()] == 0)
        assert not result.funded[(frame["funded"] == "no").to_numpy()].any()


@pytest.mark.parametrize("method", METHODS)
def test_mip_skips_a_unit_whose_overhead_is_not_worth_it(method):
    rows = [
        {
            "unit_id": "good",
            "level": "zone",
            "province_code": "30",
            "overhead_thb": 100.0,
            "funded": "choose",
            "cap_thb": 5000.0,
        },
        {
            "unit_id": "costly",
            "level": "zone",
            "province_code": "30",
            "overhead_thb": 1000.0,
            "funded": "choose",
            "cap_thb": 5000.0,
        },
    ]
    problem = linear_problem(rows, [1.0, 1.2], 1500.0, spend_all=False)
    result = solve(problem, method=method, mip=True)
    assert result.funded.to_dict() == {"good": True, "costly": False}
    assert result.amounts_thb.to_dict() == pytest.approx({"good": 1500.0, "costly": 0.0})
    assert result.objective == pytest.approx(1400.0)
    assert "MIP" in result.status
    with pytest.raises(SimError, match="mip=True"):
        solve(problem, method=method)
    # with a bigger budget the costly unit's steeper slope pays for its overhead
    bigger = solve(dataclasses.replace(problem, budget_thb=9000.0), method=method, mip=True)
    assert bigger.funded.all()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", [3, 4])
def test_budget_shadow_price_equals_finite_difference(method, seed):
    problem = random_units_problem(seed, budget_thb=30_000_000)
    result = solve(problem, method=method)
    h = 50.0
    up = solve(dataclasses.replace(problem, budget_thb=problem.budget_thb + h)).objective
    down = solve(dataclasses.replace(problem, budget_thb=problem.budget_thb - h)).objective
    assert price(result, "budget") > 0
    assert price(result, "budget") == pytest.approx((up - down) / (2 * h), rel=1e-5)


def test_mip_budget_shadow_price_is_that_of_the_fixed_lp():
    problem = random_units_problem(5, budget_thb=25_000_000, equity_ratio=None)
    units = problem.units.assign(
        funded=np.where(problem.units["level"] == "mentor", "choose", "yes")
    )
    problem = dataclasses.replace(problem, units=units)
    result = solve(problem, mip=True)
    fixed = dataclasses.replace(
        problem, units=units.assign(funded=np.where(result.funded, "yes", "no"))
    )
    h = 50.0
    up = solve(dataclasses.replace(fixed, budget_thb=problem.budget_thb + h)).objective
    down = solve(dataclasses.replace(fixed, budget_thb=problem.budget_thb - h)).objective
    assert price(result, "budget") == pytest.approx((up - down) / (2 * h), rel=1e-5)


@pytest.mark.parametrize("method", METHODS)
def test_level_share_minimum_binds_with_the_closed_form_prices(method):
    rows = [
        {"unit_id": "Z", "level": "zone", "province_code": "30"},
        {"unit_id": "P", "level": "province", "province_code": "30"},
    ]
    problem = linear_problem(rows, [1.0, 2.0], 1000.0, level_share_min={"zone": 0.6})
    result = solve(problem, method=method)
    assert result.amounts_thb.to_dict() == pytest.approx({"Z": 600.0, "P": 400.0})
    share = row(result, "share_min_zone")
    assert share["binding"] and share["rhs"] == pytest.approx(600.0)
    assert share["shadow_price"] == pytest.approx(-1.0)
    # one more baht of budget: 0.6 of it must go to the zone
    assert price(result, "budget") == pytest.approx(0.6 * 1 + 0.4 * 2)
    assert result.by_level().to_dict() == pytest.approx({"province": 400.0, "zone": 600.0})


@pytest.mark.parametrize("method", METHODS)
def test_equity_binds_for_the_richest_and_poorest_province(method):
    rows = [
        {"unit_id": f"Z{p}", "level": "zone", "province_code": str(p), "population": 1000.0}
        for p in (30, 31, 32)
    ] + [{"unit_id": "R", "level": "region", "overhead_thb": 60.0, "population": 3000.0}]
    problem = linear_problem(rows, [3.0, 2.0, 1.0, 0.0], 660.0, equity_ratio=(0.5, 1.5))
    result = solve(problem, method=method)
    assert result.amounts_thb.to_dict() == pytest.approx(
        {"Z30": 300.0, "Z31": 200.0, "Z32": 100.0, "R": 60.0}
    )
    assert row(result, "equity_high_30")["binding"] and row(result, "equity_low_32")["binding"]
    assert not row(result, "equity_low_31")["binding"]
    assert price(result, "equity_high_30") == pytest.approx(1.0)
    assert price(result, "equity_low_32") == pytest.approx(-1.0)
    assert price(result, "budget") == pytest.approx(0.5 * 3 + 1 / 3 * 2 + 1 / 6 * 1)


def test_capacity_value_and_weighted_goals_move_money():
    rows = [
        {"unit_id": "Z", "level": "zone", "province_code": "30", "capacity_value_per_thb": 0.0},
        {"unit_id": "P", "level": "province", "province_code": "30"},
    ]
    base = linear_problem(rows, [1.0, 1.5], 1000.0)
    assert solve(base).amounts_thb["Z"] == pytest.approx(0.0)
    capacity = dataclasses.replace(base, units=base.units.assign(capacity_value_per_thb=[1.0, 0.0]))
    moved = solve(capacity)
    assert moved.amounts_thb["Z"] == pytest.approx(1000.0)
    assert moved.gain_people == pytest.approx(1000.0) and moved.objective == pytest.approx(2000.0)
    members = np.array([0.01, 0.0])
    unweighted = solve(dataclasses.replace(base, extra_goals={"members": (members, 0.0)}))
    assert unweighted.amounts_thb["Z"] == pytest.approx(0.0)
    assert unweighted.objective_terms["goal:members"] == pytest.approx(0.0)
    weighted = solve(dataclasses.replace(base, extra_goals={"members": (members, 100.0)}))
    assert weighted.amounts_thb["Z"] == pytest.approx(1000.0)
    assert weighted.objective_terms["goal:members"] == pytest.approx(10.0)


def test_spend_at_most_leaves_money_unspent_when_nothing_is_worth_it():
    rows = [
        {
            "unit_id": "Z",
            "level": "zone",
            "province_code": "30",
            "overhead_thb": 10.0,
            "cap_thb": 300.0,
        }
    ]
    result = solve(linear_problem(rows, [1.0], 1000.0, spend_all=False))
    assert result.amounts_thb["Z"] == pytest.approx(300.0)
    assert not row(result, "budget")["binding"] and price(result, "budget") == pytest.approx(0.0)


# --- impossible inputs ------------------------------------------------------------------


def overhead_problem() -> AllocationProblem:
    rows = [
        {"unit_id": f"Z{i}", "level": "zone", "province_code": "30", "overhead_thb": 600_000.0}
        for i in range(100)
    ]
    rows += [
        {
            "unit_id": f"P{i}",
            "level": "province",
            "province_code": str(30 + i),
            "overhead_thb": 1_060_000.0,
        }
        for i in range(20)
    ]
    return linear_problem(rows, [1.0] * 120, 75_000_000.0)


def test_overheads_above_the_budget_are_named_with_amounts():
    problem = overhead_problem()
    conflicts = diagnose(problem)
    assert conflicts == [
        "infeasible budget: funded units' overheads sum to 81,200,000 THB but the budget is "
        "75,000,000 THB (province overheads 21,200,000; zone overheads 60,000,000)"
    ]
    with pytest.raises(SimError, match=r"81,200,000 THB but the budget is 75,000,000") as err:
        solve(problem)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"level_share_min": {"zone": 0.7, "province": 0.4}},
            r"minimum shares sum to 110% \(zone 70%, province 40%\)",
        ),
        (
            {"level_share_max": {"zone": 0.3, "province": 0.5}},
            r"maximum shares of the levels present sum to 80%",
        ),
        (
            {"level_share_min": {"zone": 0.5}, "level_share_max": {"zone": 0.4}},
            r"zone: minimum 50% is above maximum 40%",
        ),
        ({"level_share_min": {"mentor": 0.1}}, r"no mentor unit can be funded"),
        ({"equity_ratio": (1.2, 2.0)}, r"low 1.2 is above 1"),
        ({"equity_ratio": (0.5, 0.9)}, r"high 0.9 is below 1"),
    ],
)
def test_contradictory_shares_and_equity_are_named(change, expected):
    problem = dataclasses.replace(overhead_problem(), budget_thb=100_000_000.0, **change)
    with pytest.raises(SimError, match=expected):
        solve(problem)


def test_level_minimum_above_its_caps_and_cap_below_floor_are_named():
    problem = dataclasses.replace(
        overhead_problem(), budget_thb=100_000_000.0, level_share_min={"province": 0.5}
    )
    units = problem.units.copy()
    units.loc[units["level"] == "province", "cap_thb"] = 2_000_000.0
    units.loc[0, "cap_thb"] = 500_000.0
    messages = diagnose(dataclasses.replace(problem, units=units))
    assert any(
        "at least 50% of the budget (50,000,000 THB) must go to level province but its units' caps "
        "sum to 40,000,000 THB" in m
        for m in messages
    )
    assert any(
        "unit Z0 has cap 500,000 THB below its overhead (its floor) 600,000 THB" in m
        for m in messages
    )


def test_infeasibility_the_arithmetic_misses_is_traced_to_a_constraint_group():
    rows = [
        {"unit_id": f"Z{p}", "level": "zone", "province_code": str(p), "population": 1000.0}
        for p in (30, 31, 32)
    ]
    problem = linear_problem(rows, [1.0, 1.0, 1.0], 1000.0, equity_ratio=(0.8, 1.5))
    problem.units.loc[0, "cap_thb"] = 100.0  # province 30 cannot take its 0.8 x 1/3 share
    assert diagnose(problem) == []
    with pytest.raises(
        SimError,
        match=r"feasible without .*the equity constraints \(dropping any one of equity_low_30 is enough\)",
    ) as err:
        solve(problem, method="pulp")
    assert "\n" not in str(err.value)
    with pytest.raises(SimError, match=r"equity_low_30"):
        FastModel(problem).solve()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"slopes": np.array([[1.0, 2.0], [1.0, 1.0]])}, "concave"),
        ({"slopes": np.array([[1.0, np.nan], [1.0, 1.0]])}, "NaN"),
        ({"breakpoints_thb": np.array([[10.0, 5.0], [1.0, 2.0]])}, "non-decreasing"),
        ({"breakpoints_thb": np.ones((3, 2))}, "shape"),
        ({"budget_thb": -1.0}, "budget_thb"),
        ({"level_share_min": {"zones": 0.4}}, "unknown level"),
        (
            {
                "units": units_frame(
                    [
                        {"unit_id": "A", "level": "zone"},
                        {"unit_id": "B", "level": "zone", "province_code": "30"},
                    ]
                )
            },
            "needs a province_code",
        ),
    ],
)
def test_malformed_input_raises_simerror(change, expected):
    problem = AllocationProblem(
        units=units_frame(
            [
                {"unit_id": "A", "level": "zone", "province_code": "30"},
                {"unit_id": "B", "level": "zone", "province_code": "30"},
            ]
        ),
        breakpoints_thb=np.array([[10.0, 20.0], [10.0, 20.0]]),
        slopes=np.array([[2.0, 1.0], [2.0, 1.0]]),
        budget_thb=100.0,
    )
    with pytest.raises(SimError, match=expected):
        solve(dataclasses.replace(problem, **change))


def test_unknown_method_is_a_simerror():
    with pytest.raises(SimError, match="unknown method"):
        solve(two_zones(), method="cbc")
