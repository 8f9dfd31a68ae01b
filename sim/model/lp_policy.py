"""The `lp` policy: each simulated year the allocator decides from the current state.

A unit's value curve is the expected gain in people protected at the end of next year as a
function of the money it gets above its overhead, estimated from the simulated state:

    gain_u(x) = sum over its sub-districts i of  G_i(S(o_i + y_ui(eff_u * x))) - G_i(S(o_i))

where

- G_i(E) is the expected number of people protected in sub-district i at the end of the year
  when development reaches strength E there (`development.YearOutlook`: the model's own
  yearly and monthly rules in expectation, channel by channel — founding, revival,
  governance and matching, generosity, joining and leaving, the protection threshold);
- S(e) = 1 - exp(-e / scale) turns effort into strength, as in the engine;
- o_i is the effort sub-district i already gets from the *other* units (the province and the
  region when u is a zone, the zone and the region when u is a province, ...). Effects
  saturate in the total effort a place receives, so a unit's money is worth little where the
  others already saturate it; ignoring o_i made every unit look several times more valuable
  than it is where all levels chase the same few large needs;
- eff_u is the unit's efficiency (a zone's grows with its capacity; provinces and the region
  lose the share they spend training funded zones) and y_ui(e) the effort sub-district i gets
  when the unit places effort e as the engine does: water-filling on the unit's posterior
  means of need from its own noisy view, on top of o (`development.spread_effort`), so the
  curve is the unit's own optimum at every x, not a fixed share scaled up. The year's actual
  view is not known in advance, so the curve is averaged over `policy.lp.forecast_draws`
  stratified draws of a *forecast* noise stream (never the one the year will use).

The other units' effort needs their money. When it is known (the check against the
simulation evaluates the curves at a given allocation) it is used directly. When the LP itself
decides (`settle`), it solves from three starts — an even guess and the two practices (all
province-plus-zone money through provinces, all through zones) — each `policy.lp.effort_passes`
times, every pass reading the others' effort from the previous solution, and keeps the
solution that protects most people by a joint evaluation of the whole allocation
(`expected_protected`): the joint problem is not concave, so the passes can settle in
different places. Units are treated as separable given the others' effort, which keeps each
pass an LP (at a settled allocation a unit's curve slope is exactly the joint value's
derivative in its money); the curve is sampled at `policy.lp.breakpoints` points and replaced
by its least concave majorant so the LP sees a concave curve. Zones also earn the discounted
value of the capacity they build (`policy.lp.capacity_value_per_thb`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from sim.allocation import AllocationProblem, solve
from sim.inputs.parameters import ParameterSet
from sim.model.development import (
    LEVELS,
    SPREAD_LEVELS,
    YearOutlook,
    effort_per_thb,
    needs_seen,
    spread_effort,
    units_zone_index,
)
from sim.model.rng import Process, uniforms
from sim.model.targeting import water_fill_many

STRENGTH_GRID = 64  # points of G_i(E) on [0, 1]: numerical resolution of the interpolation only
FORECAST_SLOT = 16  # first slot of the forecast streams (the year's own view uses slots 0-4)


def response(ctx, reference: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(grid of strength, G_i at each) for the year's state and parameters.

    `reference` is the strength the year's allocation is expected to bring everywhere: the
    matching pot is shared, so how far it stretches depends on everyone's effort (see
    `YearOutlook`). Cached on the context for the same state, parameters and reference.
    """
    reference = np.zeros(ctx.state.n) if reference is None else np.asarray(reference, float)
    cached = getattr(ctx, "_response", None)
    if (cached is not None and cached[0] is ctx.params and cached[1] is ctx.state
            and np.array_equal(cached[2], reference)):
        return cached[3], cached[4]
    grid = np.linspace(0.0, 1.0, STRENGTH_GRID + 1)
    outlook = YearOutlook(ctx.state, ctx.params, ctx.tables, reference)
    table = np.stack([outlook.protected(e) for e in grid], axis=1)
    ctx._response = (ctx.params, ctx.state, reference, grid, table)
    return grid, table


def _interp(table: np.ndarray, rows: np.ndarray, strength: np.ndarray) -> np.ndarray:
    """G at `strength` (rows x K) for sub-districts `rows`, linear between grid points."""
    k = table.shape[1] - 1
    pos = np.clip(strength, 0.0, 1.0) * k
    idx = np.minimum(pos.astype(np.int64), k - 1)
    frac = pos - idx
    r = rows[:, None] if strength.ndim == 2 else rows
    return table[r, idx] * (1 - frac) + table[r, idx + 1] * frac


def forecast_noise(ctx, draws: int) -> list[dict[str, np.ndarray]]:
    """`draws` views of need per level, from the forecast stream, stratified per sub-district.

    Each level's error for each sub-district is lognormal (mean 1, log-sd the level's
    `targeting.noise`), as in the engine. The draws are a Latin hypercube: for every level and
    sub-district the `draws` normal scores fall one in each of `draws` equal-probability
    strata, in a random order, so the average over draws converges much faster than over
    independent draws (a unit whose value hangs on whether its view favours one large fund is
    otherwise a lottery at any affordable number of draws).
    """
    codes, month = ctx.state.codes, ctx.year * 12
    views = [dict() for _ in range(draws)]
    for slot, level in enumerate(LEVELS):
        sigma = ctx.params[f"targeting.noise.{level}"]
        base = FORECAST_SLOT + 2 * draws * slot
        u = np.stack([uniforms(ctx.key, Process.TARGETING, codes, month, base + d) for d in range(draws)])
        order = np.stack([uniforms(ctx.key, Process.TARGETING, codes, month, base + draws + d) for d in range(draws)])
        stratum = np.argsort(np.argsort(order, axis=0), axis=0)
        z = special.ndtri((stratum + u) / draws)
        for d in range(draws):
            views[d][level] = np.exp(sigma * z[d] - sigma**2 / 2)
    return views


def effective_efficiency(ctx, funded_zone: np.ndarray | None = None) -> np.ndarray:
    """Effort per baht above overhead, after the share provinces and region spend training zones.

    With `funded_zone` (per zone: money at least its overhead) the training share applies
    exactly where the engine applies it (a province with a funded zone, a province group with
    one in its provinces, the region if any); without it, wherever zones may be funded.
    """
    return effort_per_thb(ctx.units, ctx.dev, ctx.params, ctx.zone_ok if funded_zone is None else funded_zone)


def effort_by_level(ctx, money: np.ndarray, seen: dict[str, np.ndarray], eff: np.ndarray) -> dict[str, np.ndarray]:
    """Effort per sub-district from each level (and per mentor row), for money per unit row,
    placed as the engine places it (`development.spread_effort`, levels' posterior means
    `seen`); the mentors of a zone share their pooled placement in proportion to their effort."""
    table = ctx.units.table
    over = table["overhead_thb"].to_numpy(float)
    cap_above = table["cap_thb"].to_numpy(float) - over
    effort = np.clip(money - over, 0.0, cap_above) * eff
    placed = spread_effort(effort, ctx.units, seen, ctx.params)
    out = {lv: placed[lv] for lv in SPREAD_LEVELS}
    mentors = ctx.units.rows("mentor")
    if mentors.size:
        zpos = units_zone_index(ctx.units)
        pooled = np.bincount(ctx.units.mentor_zone, weights=effort[mentors], minlength=ctx.units.zone_rows.size)
        for j, row in enumerate(mentors):
            z = ctx.units.mentor_zone[j]
            share = effort[row] / pooled[z] if pooled[z] > 0 else 0.0
            out[f"mentor:{row}"] = np.where(zpos == z, placed["mentor"] * share, 0.0)
    return out


def unit_curves(ctx, n_segments: int, money: np.ndarray | None = None, *, raw: bool = False):
    """Breakpoints (THB above overhead) and slopes (people per THB) for every unit.

    `money` (per unit row) is the allocation the other units' effort is taken from; without it
    an even guess (`even_guess`: every funded unit at the same share of its absorptive
    capacity). With `raw` the slopes are the sampled curve's own (possibly not concave);
    otherwise its least concave majorant, as the LP needs.
    """
    units, params = ctx.units, ctx.params
    if money is None:
        money = even_guess(ctx, _problem(ctx, None).units["funded"].to_numpy())
    table = units.table
    n_units = len(table)
    scale = params["effects.scale_thb"]
    over = table["overhead_thb"].to_numpy(float)
    cap_above = np.maximum(table["cap_thb"].to_numpy(float) - over, 1.0)
    steps = (np.arange(1, n_segments + 1) / n_segments) ** 2  # denser where the curve bends most
    x = cap_above[:, None] * steps[None, :]  # (units, K)
    zone_over = over[units.zone_rows]
    funded_zone = (money[units.zone_rows] > 0) & (money[units.zone_rows] >= zone_over - 1e-9)
    eff = effective_efficiency(ctx, funded_zone)
    draws = max(int(params["policy.lp.forecast_draws"]), 1)
    gain = np.zeros_like(x)
    mentors = units.rows("mentor")
    zpos = units_zone_index(units) if mentors.size else None
    views = []
    for noise in forecast_noise(ctx, draws):
        seen = needs_seen(ctx.value, noise, params, ctx.units.cover["province"])
        parts = effort_by_level(ctx, money, seen, eff)
        total = sum(parts.values())
        views.append((seen, parts, total))
    reference = np.mean([1 - np.exp(-total / scale) for _, _, total in views], axis=0)
    _, G = response(ctx, reference)
    for seen, parts, total in views:
        for lv in SPREAD_LEVELS:
            part = units.cover[lv]
            ok = np.flatnonzero(part >= 0)
            if ok.size == 0:
                continue
            r = part[ok]
            other = total[ok] - parts[lv][ok]
            before = _interp(G, ok, 1 - np.exp(-other / scale))
            units_here, local = np.unique(r, return_inverse=True)
            placed = water_fill_many(seen[lv][ok], eff[units_here, None] * x[units_here], other, scale, local)
            effort = other[:, None] + placed
            contrib = _interp(G, ok, 1 - np.exp(-effort / scale)) - before[:, None]
            for k in range(n_segments):
                gain[:, k] += np.bincount(r, weights=contrib[:, k], minlength=n_units) / draws
        for j, row in enumerate(mentors):
            members = np.flatnonzero(zpos == units.mentor_zone[j])
            other = total[members] - parts[f"mentor:{row}"][members]
            before = _interp(G, members, 1 - np.exp(-other / scale))
            placed = water_fill_many(seen["mentor"][members], eff[row] * x[row][None, :], other, scale,
                                     np.zeros(members.size, np.int64))
            effort = other[:, None] + placed
            gain[row] += (_interp(G, members, 1 - np.exp(-effort / scale)) - before[:, None]).sum(axis=0) / draws
    if raw:
        prev_x = np.concatenate([np.zeros((n_units, 1)), x[:, :-1]], axis=1)
        prev_g = np.concatenate([np.zeros((n_units, 1)), gain[:, :-1]], axis=1)
        return x, (gain - prev_g) / np.maximum(x - prev_x, 1e-9)
    return x, concave_slopes(x, gain)


def concave_slopes(x: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """Slopes on segments ending at `x` of the least concave majorant of (0, 0), (x_k, gain_k).

    A unit whose curve is convex at first (a threshold the money must pass before people are
    protected) gets the chord over the convex stretch, the LP's standard relaxation; slopes
    are then non-increasing and clipped at zero.
    """
    n, k = x.shape
    slopes = np.zeros_like(gain)
    for u in range(n):
        px = np.concatenate([[0.0], x[u]])
        py = np.concatenate([[0.0], gain[u]])
        hull = [0]
        for j in range(1, k + 1):
            while len(hull) >= 2:
                a, b = hull[-2], hull[-1]
                # drop b if it lies on or below the chord from a to j
                if (py[b] - py[a]) * (px[j] - px[a]) <= (py[j] - py[a]) * (px[b] - px[a]):
                    hull.pop()
                else:
                    break
            hull.append(j)
        for a, b in zip(hull[:-1], hull[1:], strict=False):
            s = (py[b] - py[a]) / max(px[b] - px[a], 1e-9)
            slopes[u, a:b] = s
    return np.maximum(slopes, 0.0)


def curve_value(x: np.ndarray, slopes: np.ndarray, above: float) -> float:
    """People the piecewise-linear curve (segment ends `x`, `slopes`) gives at `above` baht."""
    starts = np.concatenate([[0.0], x[:-1]])
    return float((slopes * np.clip(above - starts, 0.0, x - starts)).sum())


def expected_protected(ctx, money: np.ndarray) -> float:
    """Expected people protected at the end of the year under a whole allocation.

    Every unit's effort is spread by the same forecast views of need the curves use, added up
    per sub-district (so the saturation between levels is exact, not linearised), turned into
    strength and read through the one-year outlook at this allocation's own pot scale;
    averaged over the views. This is the joint value the separable curves approximate; the
    LP uses it to choose between the allocations its passes reach from different starts.
    """
    units, params = ctx.units, ctx.params
    over = units.table["overhead_thb"].to_numpy(float)
    zone_over = over[units.zone_rows]
    funded_zone = (money[units.zone_rows] > 0) & (money[units.zone_rows] >= zone_over - 1e-9)
    eff = effective_efficiency(ctx, funded_zone)
    scale = params["effects.scale_thb"]
    strengths = []
    for noise in forecast_noise(ctx, max(int(params["policy.lp.forecast_draws"]), 1)):
        seen = needs_seen(ctx.value, noise, params, ctx.units.cover["province"])
        strengths.append(1 - np.exp(-sum(effort_by_level(ctx, money, seen, eff).values()) / scale))
    outlook = YearOutlook(ctx.state, params, ctx.tables, np.mean(strengths, axis=0))
    return float(np.mean([outlook.protected(e, pot_externality=False).sum() for e in strengths]))


def rule_starts(ctx) -> list[np.ndarray]:
    """The two practices as starting allocations: all province-plus-zone money through
    provinces (zone share 0) and all through zones (zone share 1), other levels' shares as the
    scenario sets them."""
    from sim.model.policies import allocate_by_levels, marginal_view

    starts = []
    view = marginal_view(ctx, forecast_noise(ctx, 1)[0])  # by_marginal_value reads a view: a forecast one
    for share in (0.0, 1.0):
        params = ctx.params.with_overrides({"policy.zone_share": share}, origin="lp start")
        starts.append(allocate_by_levels(params, ctx.budget_thb, ctx.units, ctx.zone_ok, marginal=view))
    return starts


def even_guess(ctx, funded: np.ndarray) -> np.ndarray:
    """Money per unit row if every funded unit got the same share of its absorptive capacity."""
    cap = ctx.units.table["cap_thb"].to_numpy(float)
    over = ctx.units.table["overhead_thb"].to_numpy(float)
    ok = funded != "no"
    if not ok.any():
        return np.zeros(len(cap))
    spare = max(ctx.budget_thb - over[ok].sum(), 0.0)
    share = min(spare / max((cap - over)[ok].sum(), 1.0), 1.0)
    return np.where(ok, over + share * (cap - over), 0.0)


def build_problem(ctx, money: np.ndarray | None = None) -> AllocationProblem:
    """The year's allocation problem from the simulated state.

    `money` is the allocation the other units' effort is read from (see the module doc). By
    default the LP finds it itself (`settle`): the problem returned is the one whose solution
    the `lp` policy allocates.
    """
    if money is None:
        return settle(ctx)[0]
    return _problem(ctx, money)


def settle(ctx):
    """(problem, result): the LP read at the others' effort it settles on.

    From each of three starts — an even guess and the two practices (`rule_starts`) — the LP
    is solved `policy.lp.effort_passes` times, each pass reading the others' effort from the
    previous pass's solution. The joint problem is not concave (effects saturate in the sum of
    every level's effort), so passes from different starts can settle in different places;
    the solution with the most people protected by the joint evaluation
    (`expected_protected`) is kept. With one pass only the even guess is solved.
    """
    funded = _problem(ctx, None).units["funded"].to_numpy()
    passes = max(int(ctx.params["policy.lp.effort_passes"]), 1)
    mip = bool(ctx.params["policy.lp.mip"])
    starts = [even_guess(ctx, funded)] + (rule_starts(ctx) if passes > 1 else [])
    best, best_value = None, -np.inf
    for money in starts:
        for _ in range(passes):
            problem = _problem(ctx, money)
            result = solve(problem, method="fast", mip=mip)
            money = _amounts(ctx, result)
        value = expected_protected(ctx, money) if len(starts) > 1 else 0.0
        if value > best_value:
            best, best_value = (problem, result), value
    return best


def _amounts(ctx, result) -> np.ndarray:
    return pd.Series(result.amounts_thb).reindex(ctx.units.table["unit_id"]).fillna(0.0).to_numpy(float)


def _problem(ctx, money: np.ndarray | None) -> AllocationProblem:
    """The problem with curves read at `money` (None: units only, curves without others' effort)."""
    params: ParameterSet = ctx.params
    table = ctx.units.table.copy()
    level = table["level"].to_numpy()
    funded = np.full(len(table), "yes", dtype=object)
    zone_pos = np.full(len(table), -1)
    zone_pos[ctx.units.zone_rows] = np.arange(ctx.units.zone_rows.size)
    is_zone = level == "zone"
    funded[is_zone] = np.where(ctx.zone_ok[zone_pos[is_zone]], "yes", "no")
    if params["policy.province_group_share"] <= 0:
        funded[level == "province_group"] = "no"
    if params["policy.mentor_share"] <= 0:
        funded[level == "mentor"] = "no"
    if params["policy.lp.mip"]:
        choose = np.isin(level, ("zone", "mentor", "province_group")) & (funded == "yes")
        funded[choose] = "choose"
    table["funded"] = funded
    table["capacity_value_per_thb"] = np.where(is_zone, params["policy.lp.capacity_value_per_thb"], 0.0)
    if money is None:  # only the units are needed (to read which are funded)
        x = np.ones((len(table), 1))
        slopes = np.zeros((len(table), 1))
    else:
        x, slopes = unit_curves(ctx, int(params["policy.lp.breakpoints"]), money)
    share_min = {}
    if params["policy.lp.min_zone_share"] > 0 and ctx.zone_ok.any():
        share_min["zone"] = float(params["policy.lp.min_zone_share"])
    return AllocationProblem(
        units=table[["unit_id", "level", "province_code", "name_th", "name_en", "population", "overhead_thb",
                     "cap_thb", "funded", "capacity_value_per_thb"]],
        breakpoints_thb=x,
        slopes=slopes,
        budget_thb=float(ctx.budget_thb),
        spend_all=False,
        level_share_min=share_min,
        equity_ratio=(float(params["policy.lp.equity_low"]), float(params["policy.lp.equity_high"])),
    )


def lp_allocation(ctx) -> np.ndarray:
    """Money per unit row for this year, decided by the LP on the fast (HiGHS) path.

    With no budget there is nothing to decide (a zero-budget twin): no unit gets money.
    """
    if ctx.budget_thb <= 0:
        return np.zeros(len(ctx.units.table))
    return _amounts(ctx, settle(ctx)[1])
