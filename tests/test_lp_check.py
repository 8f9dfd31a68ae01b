"""The LP's view of money agrees with the simulation (MODEL.md section 6): fast versions.

Two checks on a small region (Maha Sarakham and Kalasin, about 270 sub-districts, 10 zones)
with a budget scaled to it:

- the one-year outlook (`development.YearOutlook`) that the targeting and the LP's curves
  read predicts the simulated response of people protected to a known strength of
  development effect, paired on common random numbers;
- the LP's marginal values (the curve's gain over a 300,000-baht step, with the other
  units' effort at the policy's allocation) rank units as the simulated finite differences
  do. The full-size check is `benchmarks/lp_vs_simulation.py` (results/checks/).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import sim.model.engine as engine
from sim.inputs.scenario import scenario_from_dict
from sim.model.development import YearOutlook
from sim.model.engine import Simulation
from sim.model.metrics import protection_weight
from sim.model.rng import run_key
from sim.model.yearly import expected_benefits_thb
from sim.studies.lp_check import lp_vs_simulation, rank_agreement
from sim.world.population import ISAN_PROVINCE_CODES, province_populations

REGION = ["44", "46"]
DRAWS = 200
DELTA_THB = 300_000.0
RANK_THRESHOLD = 0.7


def regional_budget(region) -> float:
    """Isan's 75 million baht a year, scaled to the region's share of Isan's population."""
    isan = sum(province_populations(ISAN_PROVINCE_CODES).values())
    return 75e6 * sum(province_populations(region).values()) / isan


def small_region(**policy):
    """The one-year check (the curves and the simulated difference over one year; the
    multi-year one is committed by benchmarks/lp_vs_simulation.py)."""
    return scenario_from_dict({"run": {"region": REGION, "years": 2},
                               "budget": {"development_thb_per_year": regional_budget(REGION), "scope": "run"},
                               "policy": {"zone_share": 0.5, "lp": {"horizon_years": 1}, **policy}})


def protected_now(sim: Simulation) -> float:
    """People protected as the headline counts them (sim.model.metrics.protection_weight): eligible
    members of active funds holding metrics.protected_ratio years of the standard package,
    weighted by min(generosity, 1)."""
    s = sim.state
    standard = expected_benefits_thb(s, sim.params, sim.tables, 1.0)
    weight = protection_weight(s.active, s.reserves / 100.0, standard, s.generosity, sim.params["metrics.protected_ratio"])
    return float(s.eligible_members() @ weight)


@pytest.mark.parametrize("from_history", [False, True], ids=["synthetic start", "history start"])
def test_outlook_predicts_the_simulated_response_to_full_effect(monkeypatch, from_history):
    """E = 1 against E = 0 everywhere, paired: the outlook's gain within 10% of the engine's."""
    scn = small_region().with_overrides({"start.from_history": from_history})
    sim = Simulation(scn, 0, outputs=())
    ctx = sim.prepare_year()
    money = sim.decide(ctx)
    n = sim.state.n
    outlook = YearOutlook(sim.state, sim.params, sim.tables)
    predicted = outlook.protected(np.ones(n)).sum() - outlook.protected(np.zeros(n)).sum()
    gains = []
    for j in range(10):
        ends = []
        for strength in (np.zeros(n), np.ones(n)):
            twin = copy.copy(sim)
            twin.state, twin.dev, twin.key = sim.state.copy(), copy.deepcopy(sim.dev), run_key(4242, j)
            monkeypatch.setattr(engine, "effect_strength", lambda effort, params, s=strength: s)
            twin.run_year(ctx, money)
            ends.append(protected_now(twin))
        gains.append(ends[1] - ends[0])
    simulated = float(np.mean(gains))
    se = float(np.std(gains, ddof=1) / np.sqrt(len(gains)))
    assert simulated > 10 * se  # development does something, clearly
    assert predicted == pytest.approx(simulated, rel=0.10), (predicted, simulated, se)


def test_lp_marginal_values_rank_units_like_the_simulation():
    table = lp_vs_simulation(small_region(), replicates=DRAWS, delta_thb=DELTA_THB)
    assert set(table["level"]) == {"province", "zone"}  # the region's share is below its overhead
    assert len(table) >= 10
    assert (table["replicates"] == DRAWS).all()
    rho = rank_agreement(table)
    assert rho >= RANK_THRESHOLD, table.to_string()
    # the level agrees too, not only the order: LP / simulated total within a factor 1.25
    ratio = table["lp_marginal_value"].sum() / table["sim_marginal_value"].sum()
    assert 0.8 <= ratio <= 1.25, ratio
    # the simulated side is resolved: its standard errors are small against the spread of units
    assert table["sim_se"].median() < 0.5 * table["sim_marginal_value"].std()
