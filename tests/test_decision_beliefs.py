"""The allocator plans with the planner's beliefs, never with the world's true coefficients.

In the decision study every world draws the unmeasured coefficients from their bands; the
closed-loop allocator must plan with the nominal beliefs in all of them, or it would look
robust by construction (sim.model.beliefs).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.beliefs import planning_context
from sim.model.engine import Simulation

NOMINAL = {"units.overhead_thb.zone": 120_000.0, "targeting.noise.zone": 0.3,
           "units.zone_capacity.growth": 0.3}
LP_FAST = {"policy.kind": "lp", "policy.lp.forecast_draws": 4, "policy.lp.effort_passes": 1}


def first_year_plan(small_scenario, beliefs, **world) -> tuple[np.ndarray, object]:
    scenario = small_scenario(region=("33",), years=1, overrides={**LP_FAST, **world})
    sim = Simulation(scenario, 0, outputs=("summary",), beliefs=beliefs)
    ctx = sim.prepare_year()
    return sim.decide(ctx), ctx


@pytest.fixture(scope="module")
def plans(small_scenario):
    true_world = {"units.overhead_thb.zone": 280_000.0, "targeting.noise.zone": 0.8,
                  "units.zone_capacity.growth": 0.1}
    return {
        ("nominal world", "beliefs"): first_year_plan(small_scenario, NOMINAL)[0],
        ("other world", "beliefs"): first_year_plan(small_scenario, NOMINAL, **true_world)[0],
        ("other world", "truth"): first_year_plan(small_scenario, None, **true_world)[0],
    }


def test_a_worlds_true_zone_overhead_does_not_change_the_allocators_plan(plans):
    np.testing.assert_allclose(plans[("other world", "beliefs")], plans[("nominal world", "beliefs")])


def test_without_beliefs_the_allocator_plans_with_the_truth(plans):
    """The test above has teeth: planning with the world's coefficients changes the plan."""
    assert not np.allclose(plans[("other world", "truth")], plans[("nominal world", "beliefs")])


def test_the_planning_view_swaps_only_what_the_beliefs_touch(small_scenario):
    _, ctx = first_year_plan(small_scenario, None, **{"units.overhead_thb.zone": 280_000.0})
    assert planning_context(ctx, None) is ctx and planning_context(ctx, {}) is ctx
    seen = planning_context(ctx, NOMINAL)
    zones = ctx.units.zone_rows
    assert (seen.units.table["overhead_thb"].to_numpy()[zones] == 120_000.0).all()
    assert (ctx.units.table["overhead_thb"].to_numpy()[zones] == 280_000.0).all()  # the real ones unchanged
    assert list(seen.units.table["unit_id"]) == list(ctx.units.table["unit_id"])
    assert seen.state is ctx.state and seen.dev is ctx.dev and seen.budget_thb == ctx.budget_thb
    assert seen.params["targeting.noise.zone"] == 0.3 and ctx.params["targeting.noise.zone"] == 0.3
