"""The compiled value curves (`curve_kernel.level_gains`) against their numpy statement.

A unit's gain at each point of its curve is its water-filled effort (`targeting.water_fill_many`,
the engine's own placement rule at K efforts at once) read through the response table and summed
over its places; the compiled sweep must give the same numbers on a real year's units, needs,
others' effort and table, for every level and for mentors sharing a zone.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import lp_policy as lp
from sim.model.development import SPREAD_LEVELS
from sim.model.engine import Simulation
from sim.model.targeting import water_fill_many


def numpy_gain(G, places, owner, need, other, budgets, scale):
    """The statement: water_fill_many per unit, G read before and after, summed by unit."""
    n_units, k = budgets.shape
    gain = np.zeros((n_units, k))
    present, local = np.unique(owner, return_inverse=True)
    placed = water_fill_many(need, budgets[present], other, scale, local)
    before = lp._interp(G, places, 1 - np.exp(-other / scale))
    contrib = lp._interp(G, places, 1 - np.exp(-(other[:, None] + placed) / scale)) - before[:, None]
    for j, u in enumerate(present):
        gain[u] = contrib[local == j].sum(axis=0)
    return gain


@pytest.fixture(scope="module")
def year(small_scenario):
    scenario = small_scenario(region=("34", "37"), years=1, overrides={
        "policy.kind": "lp", "policy.lp.forecast_draws": 2, "policy.lp.effort_passes": 1})
    sim = Simulation(scenario, 0, outputs=("summary",))
    return sim.prepare_year()


def test_the_compiled_curves_are_the_water_filled_gains(year):
    ctx = year
    units, scale = ctx.units, ctx.params["effects.scale_thb"]
    money = lp.even_guess(ctx, lp._problem(ctx, None).units["funded"].to_numpy())
    eff = lp.effective_efficiency(ctx, lp.funded_zones_of(ctx, money))
    x = np.maximum(units.table["cap_thb"].to_numpy(float) - units.table["overhead_thb"].to_numpy(float), 1.0)[
        :, None] * (np.arange(1, 9) / 8) ** 2
    _, G = lp.response(ctx)
    checked = 0
    for seen in lp.forecast_views(ctx, 2):
        parts = lp.effort_by_level(ctx, money, seen, eff)
        total = sum(parts.values())
        for lv in SPREAD_LEVELS:
            ok = np.flatnonzero(units.cover[lv] >= 0)
            if not ok.size:
                continue
            args = (G, ok, units.cover[lv][ok], seen[lv][ok], total[ok] - parts[lv][ok], eff[:, None] * x, scale)
            fast, slow = lp.level_gain(*args), numpy_gain(*args)
            np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-9 * np.abs(slow).max())
            assert np.abs(slow).max() > 0
            checked += 1
    assert checked >= 6


def test_a_unit_that_sees_no_need_spreads_its_effort_evenly(year):
    ctx = year
    units, scale = ctx.units, ctx.params["effects.scale_thb"]
    _, G = lp.response(ctx)
    ok = np.flatnonzero(units.cover["province"] >= 0)
    owner = units.cover["province"][ok]
    need = np.where(owner == owner[0], 0.0, 1.0 + np.arange(ok.size) % 7)  # the first province sees none
    other = np.full(ok.size, 1000.0)
    budgets = np.tile(np.array([[0.0, 5e4, 2e5]]), (len(units.table), 1))
    fast = lp.level_gain(G, ok, owner, need, other, budgets, scale)
    slow = numpy_gain(G, ok, owner, need, other, budgets, scale)
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-12)
    assert fast[owner[0], 2] > fast[owner[0], 1] > 0 and fast[owner[0], 0] == 0


def python_concave_slopes(x, gain):
    """The least concave majorant's slopes in plain Python (the statement the kernel compiles)."""
    n, k = x.shape
    slopes = np.zeros_like(gain)
    for u in range(n):
        px, py = np.concatenate([[0.0], x[u]]), np.concatenate([[0.0], gain[u]])
        hull = [0]
        for j in range(1, k + 1):
            while len(hull) >= 2 and ((py[hull[-1]] - py[hull[-2]]) * (px[j] - px[hull[-2]])
                                      <= (py[j] - py[hull[-2]]) * (px[hull[-1]] - px[hull[-2]])):
                hull.pop()
            hull.append(j)
        for a, b in zip(hull[:-1], hull[1:], strict=False):
            slopes[u, a:b] = (py[b] - py[a]) / max(px[b] - px[a], 1e-9)
    return np.maximum(slopes, 0.0)


def test_the_compiled_majorant_is_the_python_hull_to_the_last_bit():
    rng = np.random.default_rng(3)
    x = np.cumsum(rng.uniform(1e3, 5e4, (300, 12)), axis=1)
    gain = np.cumsum(rng.normal(0.5, 1.0, (300, 12)), axis=1)  # convex stretches, dips, negatives
    gain[:50] = np.sqrt(x[:50])  # already concave
    slopes = lp.concave_slopes(x, gain)
    np.testing.assert_array_equal(slopes, python_concave_slopes(x, gain))
    assert (np.diff(slopes, axis=1) <= 1e-12).all() and (slopes >= 0).all()
    np.testing.assert_array_equal(slopes[:50] > 0, True)
