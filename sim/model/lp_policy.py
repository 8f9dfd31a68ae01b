"""The `lp` policy: each simulated year the allocator decides from the current state.

It maximises the headline of MODEL.md section 7 — person-years protected, discounted by
(1 + r)^-(t - t0) — over a rolling horizon of `policy.lp.horizon_years` years (default 5),
re-planned every year; in a run, never past the run's last year (`within_run`). A unit's
value curve is the expected gain in discounted person-years over the horizon as a function of
the money it gets above its overhead, estimated from the simulated state:

    gain_u(x) = sum over its sub-districts i of  G_i(S(o_i + y_ui(eff_u * x))) - G_i(S(o_i))

where

- G_i(E) is the expected number of people protected in sub-district i at the end of the year
  when development reaches strength E there (`development.YearOutlook`: the model's own
  yearly and monthly rules in expectation, channel by channel — founding, revival,
  governance and matching, generosity, joining and leaving, the protection threshold), plus
  the value of the fund state the year leaves there over the rest of the horizon, discounted
  (`state_value.HorizonOutlook`: a value of a fund's state — members past the wait, reserve
  ratio, governance, founded or not, dormant — fitted on the engine's own futures and shipped
  in sim/data/state_value.json; `welfare-sim refit-value` re-estimates it), tabulated once a
  year at 65 strengths (`year_tables`) and read between them by every curve and evaluation;
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
value of the capacity they build, once per funded zone (below).

What is decided once per unit, not per baht (`_problem`):

- **zone capacity** grows with being funded, not with each baht, so its value is a fixed value
  of funding a zone (`capacity_values`): the discounted value, over the rest of the horizon,
  of what the zone's higher capacity would net in later years in which it is worth funding —
  its best value of money at the higher efficiency *less the same money, its overhead and its
  training at the year's value of a baht* —, counted once in the mixed-integer model (not in
  the state value, which is a value of the funds). Valuing the extra effort as free (the
  zone's curve at the higher efficiency minus at the lower, at money it would get anyway)
  made every zone look worth funding at bare overhead and cost the allocator most of its
  standing against the province practice (issue 14);
- **training**: a province (province group, region) with a funded zone spends
  `units.zone_capacity.building_share` of its effort training its zones. Funding the first
  zone a trainer trains diverts that effort: the money it stands for, at the year's value of a
  baht, is charged to the zone (`training_value`, part of its funding value; the joint
  evaluation `expected_protected` already carries it);
- **switching**: with the mixed-integer choice of zones (`policy.lp.mip`), starting or
  stopping a zone costs `policy.lp.switching_cost_thb` valued at the year's value of a baht,
  so zones are not dropped and re-founded from year to year while their capacity decays;
- **every kind of unit the rules fund** may be funded: the region, mentor funds and province
  groups are a funded-or-not choice of the mixed-integer model (their overhead paid if funded)
  even when the scenario's own shares give them nothing;
- **other goals** (`policy.lp.extra_goals.*`: members, funds founded, funds revived) enter
  with their weights, 0 by default.

The starts are compared on this full objective (`full_objective`: the joint value of the
allocation over the horizon, the capacity and switching values of the zones it funds and the
weighted goals); the passes from each start read curves from a quarter of the forecast draws
and the best start is re-solved once with all of them. `zone_choices` explains the
mixed-integer choice zone by zone.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy import special

from sim.allocation import AllocationProblem, solve
from sim.inputs.parameters import ParameterSet
from sim.model.curve_kernel import level_gains, majorant_slopes
from sim.model.development import (
    LEVELS,
    SPREAD_LEVELS,
    effort_per_thb,
    needs_seen,
    spread_effort,
    unit_efficiency,
    units_zone_index,
)
from sim.model.rng import Process, uniforms
from sim.model.state_value import outlook as horizon_outlook
from sim.model.targeting import sorted_places, water_fill_many

STRENGTH_GRID = 64  # points of G_i(E) on [0, 1]: numerical resolution of the interpolation only
MIP_GAP = 1e-4  # relative gap of the policy's final yearly mixed-integer solve (auditors' solves: 1e-9)
COARSE_MIP_GAP = 1e-3  # the same for the settling passes
FORECAST_SLOT = 16  # first slot of the forecast streams (the year's own view uses slots 0-4)


def response(ctx) -> tuple[np.ndarray, np.ndarray]:
    """(grid of strength, G_i at each): the year's expected people protected per sub-district at
    each strength of development, with the matching pot's externality charged (`YearOutlook.
    protected`). Computed once a year (`year_tables`) and read by every curve of the year."""
    grid, with_pot, _ = year_tables(ctx)
    return grid, with_pot


def year_tables(ctx) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(grid, G with the pot's externality, G without it) for the year's state and parameters,
    each (sub-districts, STRENGTH_GRID + 1); cached on the context for the same state and
    parameters.

    The matching pot is shared, so how far it stretches depends on everyone's effort (see
    `YearOutlook`): the tables are read at the strength the even guess (`year_reference`) brings.
    Across the allocations the LP reaches from its starts the pot's scale moves by about 0.05%
    (Isan, 2023-2024: 0.38138-0.38158), far below what would change a curve, so the year's
    outlook is computed once (it was once per pass and per evaluation, a third of the policy's
    time).
    """
    cached = getattr(ctx, "_response", None)
    if cached is not None and cached[0] is ctx.params and cached[1] is ctx.state:
        return cached[2]
    grid = np.linspace(0.0, 1.0, STRENGTH_GRID + 1)
    outlook = horizon_outlook(ctx.state, ctx.params, ctx.tables, year_reference(ctx))
    parts = outlook.parts_many(grid)
    pot = parts.pop("pot")
    without = sum(parts.values()).T
    tables = (grid, without + pot.T, without)
    ctx._response = (ctx.params, ctx.state, tables)
    return tables


def year_reference(ctx) -> np.ndarray:
    """The strength of development the year's allocation is expected to bring per sub-district,
    read at the even guess (`even_guess`: every funded unit at the same share of its absorptive
    capacity) and averaged over the settling passes' forecast views."""
    funded = _problem(ctx, None).units["funded"].to_numpy()
    money = even_guess(ctx, funded)
    eff = effective_efficiency(ctx, funded_zones_of(ctx, money))
    scale = ctx.params["effects.scale_thb"]
    views = forecast_views(ctx, coarse_draws(ctx))
    return np.mean([1 - np.exp(-sum(effort_by_level(ctx, money, seen, eff).values()) / scale) for seen in views],
                   axis=0)


def coarse_draws(ctx) -> int:
    """Forecast views of the settling passes' curves: a quarter of `policy.lp.forecast_draws`."""
    return max(int(ctx.params["policy.lp.forecast_draws"]) // 4, 1)


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


def forecast_views(ctx, draws: int) -> list[dict[str, np.ndarray]]:
    """Each level's posterior means of need (`development.needs_seen`) under each of `draws`
    forecast views (`forecast_noise`). They depend on the year's state and need, not on the
    money, so they are computed once a year per number of draws and shared by every curve,
    pass, start and evaluation of the year (cached on the context; read, never changed)."""
    cache = getattr(ctx, "_views", None)
    if cache is None or cache[0] is not ctx.params or cache[1] is not ctx.value or cache[2] is not ctx.state:
        cache = (ctx.params, ctx.value, ctx.state, {})
        ctx._views = cache
    views = cache[3]
    if draws not in views:
        province = ctx.units.cover["province"]
        views[draws] = [needs_seen(ctx.value, noise, ctx.params, province) for noise in forecast_noise(ctx, draws)]
    return views[draws]


def effective_efficiency(ctx, funded_zone: np.ndarray | None = None) -> np.ndarray:
    """Effort per baht above overhead, after the share provinces and region spend training zones.

    With `funded_zone` (per zone: money at least its overhead) the training share applies
    exactly where the engine applies it (a province with a funded zone, a province group with
    one in its provinces, the region if any); without it, wherever zones may be funded.
    """
    return effort_per_thb(ctx.units, ctx.dev, ctx.params, ctx.zone_ok if funded_zone is None else funded_zone)


def effort_by_level(ctx, money: np.ndarray, seen: dict[str, np.ndarray], eff: np.ndarray) -> dict[str, np.ndarray]:
    """Effort per sub-district from each level (the mentors of all zones under "mentor"), for
    money per unit row, placed as the engine places it (`development.spread_effort`, levels'
    posterior means `seen`). The mentors of a zone pool their effort over it; each one's part of
    the pooled placement is its share of the pool (`mentor_shares`)."""
    placed = spread_effort(field_effort(ctx, money, eff), ctx.units, seen, ctx.params)
    return {lv: placed[lv] for lv in (*SPREAD_LEVELS, "mentor")}


def field_effort(ctx, money: np.ndarray, eff: np.ndarray) -> np.ndarray:
    """Effort per unit row: its money above overhead, up to its cap, times its efficiency."""
    table = ctx.units.table
    over = table["overhead_thb"].to_numpy(float)
    cap_above = table["cap_thb"].to_numpy(float) - over
    return np.clip(money - over, 0.0, cap_above) * eff


def mentor_shares(ctx, money: np.ndarray, eff: np.ndarray) -> np.ndarray:
    """Per mentor row (in `units.rows("mentor")` order): its share of its zone's pooled mentor effort."""
    units = ctx.units
    effort = field_effort(ctx, money, eff)[units.rows("mentor")]
    pooled = np.bincount(units.mentor_zone, weights=effort, minlength=units.zone_rows.size)[units.mentor_zone]
    return np.where(pooled > 0, effort / np.where(pooled > 0, pooled, 1.0), 0.0)


def unit_curves(ctx, n_segments: int, money: np.ndarray | None = None, *, raw: bool = False,
                draws: int | None = None):
    """Breakpoints (THB above overhead) and slopes (people per THB) for every unit.

    `money` (per unit row) is the allocation the other units' effort is taken from; without it
    an even guess (`even_guess`: every funded unit at the same share of its absorptive
    capacity). With `raw` the slopes are the sampled curve's own (possibly not concave);
    otherwise its least concave majorant, as the LP needs. `draws` forecast views of need
    (default `policy.lp.forecast_draws`).
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
    draws = max(int(params["policy.lp.forecast_draws"]) if draws is None else int(draws), 1)
    gain = np.zeros_like(x)
    mentors = units.rows("mentor")
    zpos = units_zone_index(units) if mentors.size else None
    if mentors.size:  # every mentor's places, one after another (mentors of a zone share them)
        served = [np.flatnonzero(zpos == units.mentor_zone[j]) for j in range(mentors.size)]
        m_places = np.concatenate(served)
        m_group = np.repeat(np.arange(mentors.size), [s.size for s in served])
    shares = mentor_shares(ctx, money, eff) if mentors.size else None
    views = []
    for seen in forecast_views(ctx, draws):
        parts = effort_by_level(ctx, money, seen, eff)
        total = sum(parts.values())
        views.append((seen, parts, total))
    _, G = response(ctx)
    budgets = eff[:, None] * x  # each unit's effort at each point of its curve
    for seen, parts, total in views:
        for lv in SPREAD_LEVELS:
            part = units.cover[lv]
            ok = np.flatnonzero(part >= 0)
            if ok.size == 0:
                continue
            gain += level_gain(G, ok, part[ok], seen[lv][ok], total[ok] - parts[lv][ok], budgets, scale) / draws
        if mentors.size:  # each mentor alone on top of everyone else's effort, all mentors at once
            own = parts["mentor"][m_places] * shares[m_group]
            gain[mentors] += level_gain(G, m_places, m_group, seen["mentor"][m_places], total[m_places] - own,
                                        budgets[mentors], scale) / draws
    if raw:
        prev_x = np.concatenate([np.zeros((n_units, 1)), x[:, :-1]], axis=1)
        prev_g = np.concatenate([np.zeros((n_units, 1)), gain[:, :-1]], axis=1)
        return x, (gain - prev_g) / np.maximum(x - prev_x, 1e-9)
    return x, concave_slopes(x, gain)


def level_gain(G: np.ndarray, places: np.ndarray, owner: np.ndarray, need: np.ndarray, other: np.ndarray,
               budgets: np.ndarray, scale: float) -> np.ndarray:
    """(units, K): what each unit's effort at each point of its curve adds to G over its places.

    `places` (sub-districts, repeated where several units of the list serve one), `owner` the
    unit of each (an index into the rows of `budgets`), `need` the unit's posterior mean there,
    `other` the effort the other units put there. Each unit water-fills its effort on top of
    `other` (`targeting.water_fill`) and the gain is read through the response table G
    (`curve_kernel.level_gains`); a unit that sees no need anywhere spreads its effort evenly,
    as the engine does.
    """
    n_units = budgets.shape[0]
    before = _interp(G, places, 1 - np.exp(-other / scale))
    pos = need > 0
    sorted_owner, where, t = sorted_places(need, other, scale, owner, pos)
    bounds = np.searchsorted(sorted_owner, np.arange(n_units + 1))
    gain = level_gains(G, places[where], t, other[where], before[where], bounds,
                       np.ascontiguousarray(budgets, float), float(scale))
    flat = (np.bincount(owner, minlength=n_units) > 0) & (np.bincount(owner[pos], minlength=n_units) == 0)
    for u in np.flatnonzero(flat):  # no place of value: effort spread evenly over the unit's places
        mine = owner == u
        even = other[mine][:, None] + budgets[u][None, :] / mine.sum()
        gain[u] += (_interp(G, places[mine], 1 - np.exp(-even / scale)) - before[mine][:, None]).sum(axis=0)
    return gain


def concave_slopes(x: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """Slopes on segments ending at `x` of the least concave majorant of (0, 0), (x_k, gain_k).

    A unit whose curve is convex at first (a threshold the money must pass before people are
    protected) gets the chord over the convex stretch, the LP's standard relaxation; slopes
    are then non-increasing and clipped at zero (`curve_kernel.majorant_slopes`, compiled).
    """
    return np.maximum(majorant_slopes(np.ascontiguousarray(x, float), np.ascontiguousarray(gain, float)), 0.0)


def curve_value(x: np.ndarray, slopes: np.ndarray, above: float) -> float:
    """People the piecewise-linear curve (segment ends `x`, `slopes`) gives at `above` baht."""
    starts = np.concatenate([[0.0], x[:-1]])
    return float((slopes * np.clip(above - starts, 0.0, x - starts)).sum())


def expected_protected(ctx, money: np.ndarray, draws: int | None = None) -> float:
    """Expected people protected at the end of the year under a whole allocation, plus the
    value of the fund state it leaves over the rest of the horizon (discounted person-years).

    Every unit's effort is spread by the same forecast views of need the curves use, added up
    per sub-district (so the saturation between levels is exact, not linearised), turned into
    strength and read through the year's outlook without the pot's externality (`year_tables`:
    the pot's scale is the year's; linear between its strengths, within 1e-5 of projecting
    each view afresh); averaged over the views. This is the joint value the separable curves
    approximate; the LP uses it to choose between the allocations its passes reach from
    different starts.
    """
    units, params = ctx.units, ctx.params
    over = units.table["overhead_thb"].to_numpy(float)
    zone_over = over[units.zone_rows]
    funded_zone = (money[units.zone_rows] > 0) & (money[units.zone_rows] >= zone_over - 1e-9)
    eff = effective_efficiency(ctx, funded_zone)
    scale = params["effects.scale_thb"]
    n_views = int(params["policy.lp.forecast_draws"]) if draws is None else int(draws)
    _, _, G = year_tables(ctx)
    places = np.arange(ctx.state.n)
    total = 0.0
    views = forecast_views(ctx, max(n_views, 1))
    for seen in views:
        strength = 1 - np.exp(-sum(effort_by_level(ctx, money, seen, eff).values()) / scale)
        total += float(_interp(G, places, strength).sum())
    return total / len(views)


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
    previous pass's solution with curves from a quarter of the forecast draws and the units
    that are a funded-or-not choice held as the start funds them (a plain LP). The joint
    problem is not concave (effects saturate in the sum of every level's effort), so passes
    from different starts can settle in different places; they are compared on the full
    objective (`full_objective`), and the best is solved once more with curves from all the
    draws and the mixed-integer choice of which units to fund; of the two the one with the
    larger full objective is kept (the mixed-integer search starts from the best start's funded
    set). With one pass only the even guess is solved, with all the draws and the choice.
    """
    params = ctx.params
    funded = _problem(ctx, None).units["funded"].to_numpy()
    mip = _needs_mip(funded)
    passes = max(int(params["policy.lp.effort_passes"]), 1)
    draws = max(int(params["policy.lp.forecast_draws"]), 1)
    if passes == 1:
        problem = _problem(ctx, even_guess(ctx, funded))
        return problem, solve(problem, method="fast", mip=mip, mip_gap=MIP_GAP)
    coarse = coarse_draws(ctx)
    views = max(draws // 2, 1)  # forecast views of the joint evaluation (common to every candidate)
    candidates = []
    for money in [even_guess(ctx, funded), *rule_starts(ctx)]:
        result, held = None, money
        for _ in range(passes):
            problem = _problem(ctx, money, draws=coarse, previous=result, hold=held)
            result = solve(problem, method="fast")
            money = _amounts(ctx, result)
        candidates.append((full_objective(ctx, money, problem, draws=views), problem, result, money))
    value, problem, result, money = max(candidates, key=lambda c: c[0])
    final = _problem(ctx, money, previous=result)
    over = final.units["overhead_thb"].to_numpy(float)
    final_result = solve(final, method="fast", mip=mip, mip_gap=MIP_GAP,
                         start_funded=(money > 0) & (money >= over - 1e-9))  # the best start's funded set
    if full_objective(ctx, _amounts(ctx, final_result), final, draws=views) >= value:
        return final, final_result
    return problem, result


def _needs_mip(funded: np.ndarray) -> bool:
    return bool((np.asarray(funded) == "choose").any())


def _amounts(ctx, result) -> np.ndarray:
    return pd.Series(result.amounts_thb).reindex(ctx.units.table["unit_id"]).fillna(0.0).to_numpy(float)


def funded_zones_of(ctx, money: np.ndarray) -> np.ndarray:
    """Per zone: the money reaches its overhead (the engine's test of a funded zone)."""
    zones = ctx.units.zone_rows
    over = ctx.units.table["overhead_thb"].to_numpy(float)[zones]
    return (money[zones] > 0) & (money[zones] >= over - 1e-9)


def last_funded_zones(ctx) -> np.ndarray:
    """Which zones were funded last year: the `lp` policy's own last decision, or before its first
    year the zones with years of funding behind them (the 2022 pilots in a run from 2023)."""
    last = getattr(ctx.dev, "lp_funded_last", None)
    if last is not None and len(last) == ctx.units.zone_rows.size:
        return np.asarray(last, bool)
    return np.asarray(ctx.dev.zone_years_funded) > 0


def zone_training(ctx, money: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per zone, if it is funded at `money`: (capacity-building THB it receives, THB of its
    trainers' money whose effort its training takes, THB of trainers' money whose effort
    funding it would newly divert this year).

    A region, province group or province with a funded zone among its targets spends
    `units.zone_capacity.building_share` of its effort training them, shared equally
    (`development.capacity_building`). A zone not funded at `money` is counted as one more
    funded zone. The second figure is that share of each trainer's money above overhead,
    divided among its funded zones (a zone's part of a cost its trainers bear while any is
    funded); the third counts a trainer only when no zone it trains is funded at `money` — the
    curves read at `money` already carry the diversion of a trainer that trains one.
    """
    p, units = ctx.params, ctx.units
    zones = units.zone_rows
    share = float(p["units.zone_capacity.building_share"])
    building = np.zeros(zones.size)
    cost = np.zeros(zones.size)
    first = np.zeros(zones.size)
    if share <= 0 or zones.size == 0:
        return building, cost, first
    table = units.table
    over = table["overhead_thb"].to_numpy(float)
    above = np.clip(money - over, 0.0, table["cap_thb"].to_numpy(float) - over)
    effort = above * unit_efficiency(units, ctx.dev, p)
    funded = funded_zones_of(ctx, money)
    rows, targets = ctx.units.trainer_targets()
    for i, r in enumerate(rows):
        n = targets[i] & funded
        count = n.sum() + (~funded).astype(float)  # this zone among the funded ones
        building += np.where(targets[i], share * effort[r] / np.maximum(count, 1.0), 0.0)
        cost += np.where(targets[i], share * above[r] / np.maximum(count, 1.0), 0.0)
        if not n.any():
            first += np.where(targets[i], share * above[r], 0.0)
    return building, cost, first


def best_net(x: np.ndarray, slopes: np.ndarray, a: float, price: float, room: float) -> float:
    """max over money m in [0, room] of curve(a m) - price m: the most a unit's money above
    overhead nets when every baht buys `a` times the effort the curve was read at (segments
    ends `x`, non-increasing `slopes`) and each baht is worth `price` elsewhere."""
    starts = np.concatenate([[0.0], x[:-1]])
    ends = np.minimum(x, a * room)
    length = np.maximum(ends - starts, 0.0) / max(a, 1e-12)  # money on each segment
    return float((np.maximum(a * slopes - price, 0.0) * length).sum())


def capacity_values(ctx, x: np.ndarray, slopes: np.ndarray, money: np.ndarray, price: float = 0.0) -> np.ndarray:
    """Per unit row: the value of funding a zone this year through the capacity it builds.

    Funded this year, a zone's capacity k rises to
    k_f = k + (1 - k)(1 - (1 - growth)(1 - training)), training = 1 - exp(-b /
    `units.zone_capacity.building_thb`) with b the capacity-building its trainers give it
    (`zone_training`); unfunded, it decays to k_u = k (1 - decay)
    (`development.update_zone_capacity`). Efficiency is floor + (1 - floor) k (relative to
    today's: a_f, a_u). The gap is worth something only in a later year in which the zone is
    funded, and then only what its money nets over the same money elsewhere: in year j
    (j = 1 .. H - 1) the zone's best net value of funding at relative efficiency a,

        N(a) = max(0, max_m [curve(a m) - price m] - price (overhead + training cost))

    (curve: the zone's curve this year, in discounted person-years over the horizon; price:
    the year's value of a baht; training cost: the trainers' money whose effort its training
    takes, `zone_training`), with a_f's lead narrowing by (1 - growth)(1 - training) a year,
    discounted (1 + r)^-j and times (H - j) / H, the part of that year's effort's H-year value
    inside this year's horizon. A zone that would not be worth funding later even at the
    higher capacity has no capacity value; the money the capacity would later use, and the
    overhead and training it would cost, are charged at the value of a baht, not assumed free.
    0 for every other unit and with a one-year horizon.
    """
    p = ctx.params
    out = np.zeros(len(ctx.units.table))
    horizon = int(p["policy.lp.horizon_years"])
    zones = ctx.units.zone_rows
    if horizon <= 1 or zones.size == 0:
        return out
    k = np.asarray(ctx.dev.zone_capacity, float)
    growth, decay, floor = (float(p[f"units.zone_capacity.{n}"]) for n in ("growth", "decay", "floor"))
    building, training_cost, _ = zone_training(ctx, money)
    training = 1 - np.exp(-building / float(p["units.zone_capacity.building_thb"]))
    gain = 1 - (1 - growth) * (1 - training)
    k_f = k + (1 - k) * gain
    k_u = k * (1 - decay)
    phi = floor + (1 - floor) * k
    a_f = (floor + (1 - floor) * k_f) / np.maximum(phi, 1e-9)
    a_u = (floor + (1 - floor) * k_u) / np.maximum(phi, 1e-9)
    narrow = (1 - growth) * (1 - training)
    over = ctx.units.table["overhead_thb"].to_numpy(float)[zones]
    room = np.maximum(ctx.units.table["cap_thb"].to_numpy(float)[zones] - over, 0.0)
    rate = float(p["metrics.discount_rate"])
    for z, row in enumerate(zones):
        fixed = price * (over[z] + training_cost[z])
        total = 0.0
        for j in range(1, horizon):
            a = a_u[z] + (a_f[z] - a_u[z]) * narrow[z] ** (j - 1)
            with_ = max(best_net(x[row], slopes[row], a, price, room[z]) - fixed, 0.0)
            without = max(best_net(x[row], slopes[row], a_u[z], price, room[z]) - fixed, 0.0)
            total += (1 + rate) ** -j * (horizon - j) / horizon * (with_ - without)
        out[row] = total
    return out


def price_at(x: np.ndarray, slopes: np.ndarray, money: np.ndarray, over: np.ndarray) -> float:
    """A value of a baht read from the curves at an allocation (before any solve has priced the
    budget): the money-weighted median of the funded units' marginal values at their money."""
    above = money - over
    ok = (money > 0) & (above > 0)
    if not ok.any():
        return 0.0
    marginal = []
    for r in np.flatnonzero(ok):
        kk = int(np.searchsorted(x[r], above[r], side="right"))
        marginal.append(float(slopes[r, min(kk, slopes.shape[1] - 1)]) if above[r] < x[r, -1] else 0.0)
    marginal = np.asarray(marginal)
    w = above[ok]
    order = np.argsort(marginal)
    cum = np.cumsum(w[order])
    return float(marginal[order][np.searchsorted(cum, cum[-1] / 2)])


def value_per_baht(result) -> float:
    """The year's value of one more baht: the budget's shadow price (objective per baht)."""
    if result is None:
        return 0.0
    budget = result.constraints[result.constraints["name"] == "budget"]
    price = float(budget["shadow_price"].iloc[0]) if len(budget) else 0.0
    if price <= 0 and result.budget_thb > 0:
        price = max(result.gain_people, 0.0) / result.budget_thb
    return max(price, 0.0)


GOALS = ("members", "funds_founded", "funds_revived")


def goal_rates(ctx, money: np.ndarray, draws: int | None = None) -> dict[str, np.ndarray]:
    """Per unit row and baht above overhead: expected extra members, funds founded and dormant
    funds revived, as the secant of the unit's effect over its whole room (for the weighted
    `policy.lp.extra_goals`). Founding and revival hazards are linear in strength (yearly
    rules); joining is the yearly join hazard before saturation times the outreach boost."""
    p, units, s = ctx.params, ctx.units, ctx.state
    scale = p["effects.scale_thb"]
    per_strength = {
        "funds_founded": np.where(~s.founded, (1 - p["founding.baseline_hazard"]) * p["effects.founding_hazard"], 0.0),
        "funds_revived": np.where(s.founded & ~s.active,
                                  (1 - p["status.revival_hazard"]) * p["effects.revival_hazard"], 0.0),
        "members": np.where(s.active, s.non_members().sum(axis=1) * ctx.join_rate * p["effects.outreach_join_boost"],
                            0.0),
    }
    table = units.table
    n_units = len(table)
    over = table["overhead_thb"].to_numpy(float)
    room = np.maximum(table["cap_thb"].to_numpy(float) - over, 1.0)
    eff = effective_efficiency(ctx, funded_zones_of(ctx, money))
    out = {g: np.zeros(n_units) for g in GOALS}
    views = forecast_views(ctx, max(int(p["policy.lp.forecast_draws"]) if draws is None else int(draws), 1))
    for seen in views:
        parts = effort_by_level(ctx, money, seen, eff)
        total = sum(parts.values())
        for lv in SPREAD_LEVELS:
            part = units.cover[lv]
            ok = np.flatnonzero(part >= 0)
            if ok.size == 0:
                continue
            r = part[ok]
            other = total[ok] - parts[lv][ok]
            units_here, local = np.unique(r, return_inverse=True)
            placed = water_fill_many(seen[lv][ok], (eff[units_here] * room[units_here])[:, None], other, scale,
                                     local)[:, 0]
            rise = np.exp(-other / scale) - np.exp(-(other + placed) / scale)
            for g in GOALS:
                out[g] += np.bincount(r, weights=per_strength[g][ok] * rise, minlength=n_units) / len(views)
    return {g: v / room for g, v in out.items()}


def _problem(ctx, money: np.ndarray | None, *, draws: int | None = None, previous=None,
             hold: np.ndarray | None = None) -> AllocationProblem:
    """The problem with curves read at `money` (None: units only, curves without others' effort).

    With `hold` (money per unit row) the units that are a choice are funded exactly where
    `hold` reaches their overhead: a plain LP, for the settling passes.

    `previous` is the last pass's result: the value of a baht it reveals prices the switching
    cost. Zones follow the scenario (`policy.funded_zones`) unless `policy.lp.mip` lets the
    mixed-integer model choose them; the region, mentor funds and province groups are always a
    choice (the rules fund them; the allocator may, paying the overhead).
    """
    params: ParameterSet = ctx.params
    table = ctx.units.table.copy()
    level = table["level"].to_numpy()
    funded = np.full(len(table), "yes", dtype=object)
    zone_pos = np.full(len(table), -1)
    zone_pos[ctx.units.zone_rows] = np.arange(ctx.units.zone_rows.size)
    is_zone = level == "zone"
    funded[is_zone] = np.where(ctx.zone_ok[zone_pos[is_zone]], "yes", "no")
    funded[np.isin(level, ("region", "mentor", "province_group"))] = "choose"
    if params["policy.lp.mip"]:
        funded[is_zone & (funded == "yes")] = "choose"
    if hold is not None:
        over = table["overhead_thb"].to_numpy(float)
        chosen = funded == "choose"
        funded[chosen] = np.where((hold[chosen] > 0) & (hold[chosen] >= over[chosen] - 1e-9), "yes", "no")
    table["funded"] = funded
    table["capacity_value_per_thb"] = 0.0  # capacity is valued per funded zone (funding_value), not per baht
    table["funding_value"] = 0.0
    goals = {}
    if money is None:  # only the units are needed (to read which are funded)
        x = np.ones((len(table), 1))
        slopes = np.zeros((len(table), 1))
    else:
        x, slopes = unit_curves(ctx, int(params["policy.lp.breakpoints"]), money, draws=draws)
        over = table["overhead_thb"].to_numpy(float)
        price = value_per_baht(previous) if previous is not None else price_at(x, slopes, money, over)
        capacity = capacity_values(ctx, x, slopes, money, price)
        training = np.zeros(len(table))
        training[ctx.units.zone_rows] = price * zone_training(ctx, money)[2]
        switching = np.zeros(len(table))
        cost = float(params["policy.lp.switching_cost_thb"]) * price
        if cost > 0 and is_zone.any():
            was = last_funded_zones(ctx)
            switching[ctx.units.zone_rows] = np.where(was, cost, -cost)
            switchable = is_zone & bool(params["policy.lp.mip"]) & (zone_pos >= 0)
            switchable[is_zone] &= ctx.zone_ok[zone_pos[is_zone]]
            switching[~switchable] = 0.0  # zones the scenario funds for certain have nothing to switch
        table["capacity_value"] = capacity
        table["switching_value"] = switching
        table["training_value"] = -training
        table["funding_value"] = capacity + switching - training
        weights = {g: float(params[f"policy.lp.extra_goals.{g}"]) for g in GOALS}
        if any(w > 0 for w in weights.values()):
            rates = goal_rates(ctx, money, draws)
            goals = {g: (rates[g], w) for g, w in weights.items() if w > 0}
    share_min = {}
    if params["policy.lp.min_zone_share"] > 0 and ctx.zone_ok.any():
        share_min["zone"] = float(params["policy.lp.min_zone_share"])
    columns = ["unit_id", "level", "province_code", "name_th", "name_en", "population", "overhead_thb", "cap_thb",
               "funded", "capacity_value_per_thb", "funding_value"]
    return AllocationProblem(
        units=table[columns + [c for c in ("capacity_value", "switching_value", "training_value") if c in table]],
        breakpoints_thb=x,
        slopes=slopes,
        budget_thb=float(ctx.budget_thb),
        spend_all=False,
        level_share_min=share_min,
        equity_ratio=(float(params["policy.lp.equity_low"]), float(params["policy.lp.equity_high"])),
        extra_goals=goals,
    )


def full_objective(ctx, money: np.ndarray, problem: AllocationProblem, draws: int | None = None) -> float:
    """The allocator's whole objective for an allocation, evaluated jointly: expected discounted
    person-years over the horizon (`expected_protected`), plus the fixed values of funding of
    the units it funds (zone capacity, switching) and the weighted goals of its money. The
    effort trainers divert to the zones it funds is inside the joint evaluation (not added again
    from the problem's `training_value`)."""
    table = problem.units
    over = table["overhead_thb"].to_numpy(float)
    cap = table["cap_thb"].to_numpy(float)
    funded = (money > 0) & (money >= over - 1e-9)
    fixed = table["funding_value"].to_numpy(float)
    if "training_value" in table:
        fixed = fixed - table["training_value"].to_numpy(float)
    value = expected_protected(ctx, money, draws) + float(fixed[funded].sum())
    above = np.clip(money - over, 0.0, cap - over)
    for rates, weight in (problem.extra_goals or {}).values():
        value += weight * float(rates @ above)
    return value


def zone_choices(ctx, problem: AllocationProblem, result) -> pd.DataFrame:
    """Why each zone is funded or left out this year: one row per zone, best case first.

    Columns: whether it is funded (and was last year), its capacity k, the money it gets, the
    value of that money on its curve (discounted person-years over the horizon), what the same
    money is worth elsewhere at the year's value of a baht (the budget's shadow price, overhead
    included), their difference — the value of funding it net of overhead —, its capacity and
    switching values, the effort its trainers (province, region) would newly divert to training
    it (negative; `zone_training`), the total, and a reason in words. A zone left out is read at
    the money a funded zone gets on average (its share of its room); its total is what funding
    it would add.
    """
    table = problem.units.reset_index(drop=True)
    rows = ctx.units.zone_rows
    if rows.size == 0:
        return pd.DataFrame()
    money = _amounts(ctx, result)
    over = table["overhead_thb"].to_numpy(float)
    room = np.maximum(table["cap_thb"].to_numpy(float) - over, 0.0)
    price = value_per_baht(result)
    funded = funded_zones_of(ctx, money)
    above = np.clip(money[rows] - over[rows], 0.0, room[rows])
    fill = float(np.mean(above[funded] / np.maximum(room[rows][funded], 1.0))) if funded.any() else 0.5
    read_at = np.where(funded, above, fill * room[rows])
    x, slopes = problem.breakpoints_thb, problem.slopes
    value = np.array([curve_value(x[r], slopes[r], a) for r, a in zip(rows, read_at, strict=True)])
    elsewhere = price * (over[rows] + read_at)
    capacity = table.get("capacity_value", pd.Series(0.0, index=table.index)).to_numpy(float)[rows]
    switching = table.get("switching_value", pd.Series(0.0, index=table.index)).to_numpy(float)[rows]
    training = table.get("training_value", pd.Series(0.0, index=table.index)).to_numpy(float)[rows]
    net = value - elsewhere
    total = net + capacity + switching + training
    last = last_funded_zones(ctx)
    reasons = []
    for f, n, c, s, tr, t in zip(funded, net, capacity, switching, training, total, strict=True):
        parts = [f"value of its money net of overhead {n:+,.0f}", f"capacity {c:+,.0f}"]
        if s:
            parts.append(f"{'keeping' if s > 0 else 'starting'} it {s:+,.0f}")
        if tr:
            parts.append(f"its trainers' effort {tr:+,.0f}")
        verdict = "funded" if f else "left out"
        why = "its total is positive" if t > 0 else "its total is negative"
        if f and t <= 0:
            why = "fixed by the scenario or needed by a constraint (equity, zone share)"
        if not f and t > 0:
            why = "a constraint or the budget leaves no room for it"
        reasons.append(f"{verdict}: {'; '.join(parts)} person-years — {why}")
    frame = pd.DataFrame({
        "unit_id": table["unit_id"].to_numpy()[rows],
        "province_code": table["province_code"].to_numpy()[rows],
        "name_en": table["name_en"].to_numpy()[rows],
        "funded": funded,
        "funded_last_year": last,
        "capacity_k": np.asarray(ctx.dev.zone_capacity, float),
        "money_thb": money[rows],
        "read_at_thb": over[rows] + read_at,
        "value_person_years": value,
        "same_money_elsewhere": elsewhere,
        "net_of_overhead": net,
        "capacity_value": capacity,
        "switching_value": switching,
        "training_value": training,
        "total": total,
        "reason": reasons,
    })
    return frame.sort_values(["funded", "total"], ascending=[False, False], kind="stable").reset_index(drop=True)


def within_run(ctx):
    """The context with the horizon cut at the end of the run when the run is near its end.

    The headline a run is judged on (MODEL.md section 7) sums people protected over the run's
    years only; a horizon reaching past the run's last year would trade people protected inside
    it for value after it, which the headline never counts. A run tells its policy how many
    years it has left (`YearContext.years_left`, this year included); the horizon used is
    min(`policy.lp.horizon_years`, years left). Without it (the `allocate` command, the checks)
    the horizon is the parameter's.
    """
    left = getattr(ctx, "years_left", None)
    horizon = int(ctx.params["policy.lp.horizon_years"])
    if left is None or left >= horizon:
        return ctx
    params = ctx.params.with_overrides({"policy.lp.horizon_years": max(int(left), 1)},
                                       origin="the run's years left")
    return dataclasses.replace(ctx, params=params)


def lp_allocation(ctx) -> np.ndarray:
    """Money per unit row for this year, decided by the LP on the fast (HiGHS) path.

    With no budget there is nothing to decide (a zero-budget twin): no unit gets money. The
    zones it funds are remembered (on the development state) for next year's switching cost.
    """
    if ctx.budget_thb <= 0:
        return np.zeros(len(ctx.units.table))
    ctx = within_run(ctx)
    money = _amounts(ctx, settle(ctx)[1])
    ctx.dev.lp_funded_last = funded_zones_of(ctx, money)
    return money


# ------------------------------------------------------------------ robust allocation
ROBUST_PREFIXES = ("effects.", "targeting.noise.", "units.efficiency.", "units.zone_capacity.")
"""The coefficients the value curves read whose plausible band the parameter file states (zone
capacity's starting values excepted: they matter only before the first year)."""


def band_parameter_sets(params: ParameterSet, k: int, *, seed: int = 0, prefixes=ROBUST_PREFIXES) -> list[dict]:
    """K parameter sets, a Latin hypercube over the `band` of every banded coefficient the
    curves read (uniform within each band, independently, as section 9 treats them)."""
    from scipy.stats import qmc

    paths = sorted(p for p, d in params.definitions.items()
                   if d.band is not None and p.startswith(tuple(prefixes)) and ".start" not in p)
    if not paths or k < 1:
        return []
    draws = qmc.LatinHypercube(d=len(paths), seed=seed).random(k)
    sets = []
    for row in draws:
        overrides = {}
        for path, u in zip(paths, row, strict=True):
            low, high = params.definitions[path].band
            value = low + u * (high - low)
            overrides[path] = int(round(value)) if params.definitions[path].kind == "int" else float(value)
        sets.append(overrides)
    return sets


def robust_curve_sets(ctx, problem: AllocationProblem, k: int, *, seed: int = 0):
    """(problem with its funded set fixed, K curve sets) for `allocation.solve_robust`.

    The plain problem is solved first (mixed-integer where units are a choice); its funded set
    is fixed (the robust model is an LP) and the curves of each of the K parameter sets drawn
    from the bands (`band_parameter_sets`) are read at the allocation it settled on — the
    other units' effort as that allocation places it — with the value of effort re-derived
    under that set's coefficients.
    """

    from sim.model.development import real_value

    funded_mode = problem.units["funded"].to_numpy()
    plain = solve(problem, method="fast", mip=_needs_mip(funded_mode), mip_gap=MIP_GAP)
    funded = plain.funded.reindex(problem.units["unit_id"].astype(str)).fillna(False).to_numpy(bool)
    fixed = dataclasses.replace(problem, units=problem.units.assign(funded=np.where(funded, "yes", "no")))
    money = _amounts(ctx, plain)
    n_segments = problem.breakpoints_thb.shape[1]
    sets = []
    for overrides in band_parameter_sets(ctx.params, k, seed=seed):
        params_k = ctx.params.with_overrides(overrides, origin="a parameter set drawn from the bands")
        ctx_k = dataclasses.replace(ctx, params=params_k, value=real_value(ctx.state, params_k, ctx.tables))
        sets.append(unit_curves(ctx_k, n_segments, money))
    return fixed, sets
