"""Robust allocation (CVaR, max-min) over sampled curve sets, beside the plain mean allocation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sim.allocation import solve, solve_robust
from sim.allocation.examples import isan_like_problem
from sim.allocation.robust import cvar
from sim.errors import SimError


def risky_and_safe(k: int = 10):
    """Zone "risky" is worth 3/baht in 8 of 10 draws and nothing in 2; "steady" 1.5 always."""
    units = pd.DataFrame(
        {
            "unit_id": ["risky", "steady"],
            "level": "zone",
            "province_code": "30",
            "population": 1000.0,
            "overhead_thb": 100.0,
            "cap_thb": 5000.0,
        }
    )
    breakpoints = np.array([[1000.0, 3000.0], [1000.0, 3000.0]])
    base = np.array([[3.0, 2.0], [1.5, 1.0]])
    problem = dataclasses.replace(_problem(units, breakpoints, base), budget_thb=2200.0)
    sets = []
    for s in range(k):
        slopes = base.copy()
        if s < 2:
            slopes[0] = 0.0
        sets.append((breakpoints, slopes))
    return problem, sets


def _problem(units, breakpoints, slopes):
    from sim.allocation import AllocationProblem

    return AllocationProblem(
        units=units, breakpoints_thb=breakpoints, slopes=slopes, budget_thb=1.0
    )


def test_cvar_of_equal_scenarios_counts_the_worst_share():
    assert cvar(np.array([5.0, 1.0, 3.0, 2.0, 4.0]), 0.4) == pytest.approx(1.5)
    assert cvar(np.array([5.0, 1.0, 3.0, 2.0, 4.0]), 0.3) == pytest.approx((1.0 + 0.5 * 2.0) / 1.5)
    assert cvar(np.arange(10.0), 1.0) == pytest.approx(4.5)


@pytest.mark.parametrize("method", ["cvar", "maxmin"])
def test_robust_allocation_differs_materially_from_the_mean(method):
    problem, sets = risky_and_safe()
    result = solve_robust(problem, sets, alpha=0.2, method=method)
    mean, robust = result.mean.amounts_thb, result.robust.amounts_thb
    # the mean fills "risky" (2.4 and 1.6 per baht on average) first
    assert mean.to_dict() == pytest.approx({"risky": 2100.0, "steady": 100.0})
    # guarding the two bad draws moves money to "steady"
    assert robust["steady"] - mean["steady"] > 500.0
    table = result.table
    assert list(table.index) == ["mean allocation", f"{method} allocation"]
    assert table.loc["mean allocation", "mean"] > table.loc[f"{method} allocation", "mean"]
    assert (
        table.loc[f"{method} allocation", "cvar_0.2"]
        > table.loc["mean allocation", "cvar_0.2"] + 100
    )
    assert table.loc[f"{method} allocation", "mean_given_up"] > 0
    assert table.loc["mean allocation", "cvar_0.2_given_up"] > 0
    assert result.scenario_values.shape == (10, 2)


def test_mean_allocation_is_the_plain_lp_on_averaged_curves():
    problem, sets = risky_and_safe()
    result = solve_robust(problem, sets)
    average = dataclasses.replace(problem, slopes=np.mean([s for _, s in sets], axis=0))
    plain = solve(average)
    np.testing.assert_allclose(result.mean.amounts_thb, plain.amounts_thb, atol=1e-6)
    assert result.mean.objective == pytest.approx(plain.objective)


def test_cvar_objective_is_the_cvar_of_its_allocation_and_beats_the_mean_allocation():
    problem = isan_like_problem(3, provinces=5, zones_per_province=3)
    rng = np.random.default_rng(0)
    n = len(problem.units)
    sets = [
        (problem.breakpoints_thb, problem.slopes * rng.lognormal(0, 0.7, size=(n, 1)))
        for _ in range(12)
    ]
    result = solve_robust(problem, sets, alpha=0.25)
    values = result.scenario_values
    assert result.robust.objective == pytest.approx(
        cvar(values["cvar allocation"].to_numpy(), 0.25), rel=1e-7
    )
    assert (
        result.table.loc["cvar allocation", "cvar_0.25"]
        >= result.table.loc["mean allocation", "cvar_0.25"] - 1e-6
    )
    assert (
        result.table.loc["mean allocation", "mean"]
        >= result.table.loc["cvar allocation", "mean"] - 1e-6
    )
    assert result.robust.amounts_thb.sum() == pytest.approx(problem.budget_thb)
    # the budget's shadow price is in CVaR per baht, and matches a re-solve with more budget
    h = 1000.0
    more = solve_robust(
        dataclasses.replace(problem, budget_thb=problem.budget_thb + h), sets, alpha=0.25
    )
    price = result.robust.constraints.set_index("name").loc["budget", "shadow_price"]
    assert price == pytest.approx((more.robust.objective - result.robust.objective) / h, rel=1e-3)


def test_robust_rejects_bad_inputs():
    problem, sets = risky_and_safe()
    with pytest.raises(SimError, match="alpha"):
        solve_robust(problem, sets, alpha=0.0)
    with pytest.raises(SimError, match="curve set 1"):
        solve_robust(problem, [sets[0], (sets[1][0], sets[1][1][:, ::-1])])
    with pytest.raises(SimError, match="unknown robust method"):
        solve_robust(problem, sets, method="mean")
