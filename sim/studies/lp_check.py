"""Does the LP's view of money agree with the simulation it summarises?

For a set of units, the LP's marginal value of `delta` more baht — read off the unit's value
curve (`lp_policy.unit_curves`, with the other units' effort at the policy's allocation) as
the curve's gain from the money the unit gets under the scenario's policy to that money plus
`delta`, divided by `delta` — is set against a finite difference of the engine: the same year
simulated twice on common random numbers, once as the policy decided and once with `delta`
more baht for that unit, the difference in people protected at the end of the year divided by
`delta`, averaged over many draws of the year. The rank correlation across units says whether
the allocator ranks units as the simulation does.

The world is held fixed (one starting state, one allocation) and only what the year leaves to
chance is drawn again: the LP's curves are an expectation for *that* state, so this is the
quantity they claim to predict. Averaging over different worlds instead blurs every unit
toward the same mean (a zone's funds differ from world to world) and leaves the ranking to
noise. The LP side is the curve's secant over the same step the simulation takes, not its
slope at the policy's money: effects saturate, a 300,000-baht step moves a zone far along its
curve, and a slope would be compared with something the simulation never measured (both are
reported).

Over a horizon (`policy.lp.horizon_years` H > 1, the allocator's default) the LP's curves are
in discounted person-years over H years (:mod:`sim.model.state_value`), and so is the
simulated side: after the year with and without the step, both copies run on for H - 1 more
years under the scenario's own policy on the same random numbers, and the difference is the
discounted sum of people protected, (1 + r)^-j in year j after the decision.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
from scipy import stats

from sim.model.development import observation_noise
from sim.model.engine import Simulation
from sim.model.lp_policy import curve_value, unit_curves
from sim.model.state_value import people_protected


def protected(sim: Simulation) -> float:
    """People protected now, as the engine's summary and the headline count them."""
    return float(people_protected(sim.state, sim.params, sim.tables).sum())


def person_years_ahead(sim: Simulation, years: int) -> float:
    """People protected at the end of the year just run plus, discounted, in each of the next
    `years - 1` years, the simulation running on under its own policy."""
    rate = float(sim.params["metrics.discount_rate"])
    total = protected(sim)
    for j in range(1, int(years)):
        ctx = sim.prepare_year()
        sim.run_year(ctx, sim.decide(ctx))
        total += (1.0 + rate) ** -j * protected(sim)
    return total


def slope_at(x: np.ndarray, slopes: np.ndarray, above: float) -> float:
    """Slope of a piecewise-linear curve (segment ends `x`) at `above` baht past overhead."""
    k = int(np.searchsorted(x, above, side="right"))
    return float(slopes[min(k, len(slopes) - 1)]) if above < x[-1] else 0.0


def _fork(sim: Simulation) -> Simulation:
    """A copy of the simulation that can run the year without touching the original."""
    twin = copy.copy(sim)
    twin.state = sim.state.copy()
    twin.dev = copy.deepcopy(sim.dev)
    twin.summaries, twin.fund_rows, twin.unit_rows = [], [], []
    return twin


def draw_key(seed: int, world: int, draw: int) -> np.uint64:
    """Key of the year's draw `draw` in world `world` (a stream no run of the scenario uses)."""
    ss = np.random.SeedSequence(int(seed), spawn_key=(int(world), 1, int(draw)))
    return np.uint64(ss.generate_state(1, dtype=np.uint64)[0])


def world_at(scenario, world: int, year: int):
    """(simulation, year context, the policy's money) at the start of `year` in world `world`."""
    sim = Simulation(scenario, world, outputs=())
    sim.advance_to(year)
    ctx = sim.prepare_year()
    return sim, ctx, sim.decide(ctx)


def chosen_units(ctx, money: np.ndarray, levels, max_units: int) -> np.ndarray:
    """Units of the given levels that the policy funds (money at least their overhead)."""
    table = ctx.units.table
    over = table["overhead_thb"].to_numpy(float)
    return np.flatnonzero(table["level"].isin(levels).to_numpy() & (money >= over) & (money > 0))[:max_units]


def simulated_differences(scenario, world: int, draws, *, year: int, delta_thb: float, levels, max_units: int,
                          horizon_years: int = 1) -> list[dict]:
    """Per draw of the year and chosen unit: (discounted person-years over `horizon_years`)
    protected with `delta` more baht, minus without."""
    sim, ctx, money = world_at(scenario, world, year)
    units = chosen_units(ctx, money, levels, max_units)
    ids = ctx.units.table["unit_id"].to_numpy()
    rows = []
    for j in draws:
        year_sim = _fork(sim)
        year_sim.key = draw_key(sim.seed, world, j)
        year_sim._noise = observation_noise(year_sim.key, sim.state.codes, sim.year, sim.params)
        base = _fork(year_sim)
        base.run_year(ctx, money)
        p0 = person_years_ahead(base, horizon_years)
        for u in units:
            bumped = _fork(year_sim)
            extra = money.copy()
            extra[u] += delta_thb
            bumped.run_year(ctx, extra)
            rows.append({"world": world, "draw": int(j), "unit_id": ids[u],
                         "difference": person_years_ahead(bumped, horizon_years) - p0})
    return rows


def _draws_job(args) -> list[dict]:
    scenario, world, draws, kwargs = args
    try:
        import numba

        numba.set_num_threads(1)
    except (ImportError, ValueError):
        pass
    return simulated_differences(scenario, world, draws, **kwargs)


def lp_vs_simulation(scenario, *, year: int | None = None, replicates: int = 6, delta_thb: float = 1_000_000.0,
                     levels=("region", "province", "zone"), max_units: int = 40, world: int = 0, workers: int = 1,
                     segments: int = 48, per_draw: bool = False) -> pd.DataFrame:
    """One row per unit: LP and simulated marginal value of `delta_thb` more baht (people per THB).

    The world (starting state, replicate `world` of the scenario, run with its own policy up
    to `year`) and the policy's allocation are fixed; the LP's curves are read there, with
    the other units' effort at the policy's allocation. The simulation then runs the year
    `replicates` times on fresh draws of everything the year leaves to chance — each level's
    actual view of need, founding and revival, joining, leaving, deaths and claims — each
    draw twice on common random numbers (as allocated, and with `delta_thb` more for the
    unit), and with the scenario's `policy.lp.horizon_years` H > 1 on for H - 1 more years
    (the LP's curves are then in discounted person-years over H years, and so is the
    difference).

    Columns: `lp_marginal_value` (the LP curve's gain over the step, per baht), `lp_slope` (its
    slope at the policy's money), `sim_marginal_value` and `sim_se` (mean and standard error
    over draws of the simulated finite difference per baht), `replicates`, `money_thb`.
    `per_draw=True` returns the draw-level differences (people) instead.
    """
    year = scenario.start_year if year is None else year
    sim, ctx, money = world_at(scenario, world, year)
    units = chosen_units(ctx, money, levels, max_units)
    x, slopes = unit_curves(ctx, segments, money)  # fine curve, others' effort at the policy's money
    table = ctx.units.table
    over = table["overhead_thb"].to_numpy(float)
    lp_rows = []
    for u in units:
        above = money[u] - over[u]
        gain = curve_value(x[u], slopes[u], above + delta_thb) - curve_value(x[u], slopes[u], above)
        lp_rows.append({"unit_id": table["unit_id"].iat[u], "level": table["level"].iat[u],
                        "lp_marginal_value": gain / delta_thb, "lp_slope": slope_at(x[u], slopes[u], above),
                        "money_thb": float(money[u])})
    kwargs = dict(year=year, delta_thb=float(delta_thb), levels=tuple(levels), max_units=max_units,
                  horizon_years=int(ctx.params["policy.lp.horizon_years"]))
    chunks = [list(c) for c in np.array_split(np.arange(replicates), max(min(workers, replicates), 1)) if len(c)]
    if workers > 1 and len(chunks) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawned, not forked: this process may already run the compiled (OpenMP) monthly step
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            parts = list(pool.map(_draws_job, [(scenario, world, c, kwargs) for c in chunks]))
    else:
        parts = [simulated_differences(scenario, world, range(replicates), **kwargs)]
    draws = pd.DataFrame([row for part in parts for row in part])
    if per_draw:
        return draws
    per_baht = draws.assign(v=draws["difference"] / delta_thb).groupby("unit_id")["v"]
    out = pd.DataFrame(lp_rows)
    out["sim_marginal_value"] = out["unit_id"].map(per_baht.mean())
    out["sim_se"] = out["unit_id"].map(per_baht.std() / np.sqrt(per_baht.size()))
    out["replicates"] = out["unit_id"].map(per_baht.size())
    return out[["unit_id", "level", "lp_marginal_value", "sim_marginal_value", "sim_se", "lp_slope", "money_thb",
                "replicates"]]


def rank_agreement(table: pd.DataFrame) -> float:
    """Spearman rank correlation of LP and simulated marginal values across units."""
    rho = stats.spearmanr(table["lp_marginal_value"], table["sim_marginal_value"]).statistic
    return float(rho)
