"""The fast path (numpy -> highspy) against the PuLP path, and cheap re-solves."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.allocation import FastModel, solve
from sim.allocation.examples import isan_like_problem, random_curves
from sim.errors import SimError


def random_problem(seed: int):
    rng = np.random.default_rng(seed)
    problem = isan_like_problem(
        seed,
        provinces=int(rng.integers(2, 6)),
        zones_per_province=int(rng.integers(1, 5)),
        mentors=int(rng.integers(0, 9)),
        segments=int(rng.integers(1, 6)),
        zone_share_min=float(rng.choice([0.0, rng.uniform(0.1, 0.6)])) or None,
        equity_ratio=(float(rng.uniform(0.3, 0.9)), float(rng.uniform(1.1, 2.5)))
        if rng.random() < 0.7
        else None,
    )
    units = problem.units
    overheads, caps = units["overhead_thb"].sum(), units["cap_thb"].sum()
    budget = float(rng.uniform(overheads * 1.05, overheads + 0.6 * (caps - overheads)))
    shares_max = {"province": float(rng.uniform(0.3, 0.9))} if rng.random() < 0.3 else {}
    return dataclasses.replace(
        problem, budget_thb=budget, spend_all=bool(rng.random() < 0.6), level_share_max=shares_max
    )


def assert_same(fast, slow):
    assert fast.objective == pytest.approx(slow.objective, rel=1e-6)
    scale = fast.amounts_thb.sum() + 1.0
    np.testing.assert_allclose(fast.amounts_thb, slow.amounts_thb, atol=1e-6 * scale)
    assert list(fast.constraints["name"]) == list(slow.constraints["name"])
    assert list(fast.constraints["binding"]) == list(slow.constraints["binding"])
    prices_fast = fast.constraints["shadow_price"].to_numpy()
    prices_slow = slow.constraints["shadow_price"].to_numpy()
    np.testing.assert_allclose(
        prices_fast, prices_slow, rtol=1e-6, atol=1e-6 * np.abs(prices_slow).max() + 1e-12
    )
    np.testing.assert_allclose(fast.unit_marginal_value, slow.unit_marginal_value, rtol=1e-9)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1))
def test_fast_and_pulp_paths_agree_on_random_instances(seed):
    problem = random_problem(seed)
    try:
        fast = solve(problem, method="fast")
    except SimError as err:
        with pytest.raises(SimError) as slow_err:
            solve(problem, method="pulp")
        assert str(slow_err.value) == str(err)
        return
    assert_same(fast, solve(problem, method="pulp"))


@pytest.mark.parametrize("seed", [11, 12])
def test_fast_and_pulp_agree_on_the_mip(seed):
    problem = random_problem(seed)
    units = problem.units.assign(funded=np.where(problem.units["level"] == "zone", "choose", "yes"))
    problem = dataclasses.replace(
        problem, units=units, spend_all=False, equity_ratio=None, level_share_min={}
    )
    fast, slow = solve(problem, mip=True), solve(problem, method="pulp", mip=True)
    assert fast.funded.equals(slow.funded)
    assert_same(fast, slow)


def test_resolving_with_a_new_budget_matches_a_fresh_solve():
    problem = isan_like_problem(7)
    model = FastModel(problem)
    first = model.solve()
    model.set_budget(82_000_000)
    again = model.solve()
    fresh = solve(dataclasses.replace(problem, budget_thb=82_000_000))
    assert again.objective > first.objective
    assert_same(again, fresh)
    assert again.budget_thb == 82_000_000


def test_resolving_with_new_curves_matches_a_fresh_solve():
    problem = isan_like_problem(8)
    model = FastModel(problem)
    model.solve()
    rng = np.random.default_rng(1)
    breakpoints, slopes = random_curves(
        rng, problem.units["overhead_thb"].to_numpy(), problem.slopes.shape[1]
    )
    model.set_curves(breakpoints, slopes)
    again = model.solve()
    assert_same(
        again, solve(dataclasses.replace(problem, breakpoints_thb=breakpoints, slopes=slopes))
    )
    with pytest.raises(SimError, match="same number of segments"):
        model.set_curves(breakpoints[:, :2], slopes[:, :2])


def test_a_budget_too_small_after_a_change_is_explained():
    model = FastModel(isan_like_problem(9))
    model.set_budget(1_000_000)
    with pytest.raises(SimError, match="overheads sum to"):
        model.solve()
