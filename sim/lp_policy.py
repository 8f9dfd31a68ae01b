"""The `lp` policy: each simulated year the allocator decides from the current state.

A unit's value curve is the expected gain in people protected next year as a function of the
money it gets above its overhead, estimated from the simulated state:

    gain_u(x) = sum over its sub-districts i of  v_i * (1 - exp(-eff_u * x * w_ui / scale))

where v_i is the people-protected value of full development effect in sub-district i (the
same `real_value` the simulation targets), eff_u the unit's efficiency (a zone's grows with
its capacity; provinces and the region lose the share they spend training funded zones),
w_ui the share of the unit's effort sub-district i would get by the unit's own view of need
(drawn from a *forecast* noise stream, not the one the year will use), and scale the effect
scale. Units are treated as separable (overlaps between a province and its zones are
ignored), which keeps the problem an LP; the curve is sampled at `policy.lp.breakpoints`
points to make it piecewise linear and concave. Zones also earn the discounted value of the
capacity they build (`policy.lp.capacity_value_per_thb`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.allocation import AllocationProblem, solve
from sim.development import (
    observation_noise,
    spread_weights,
    unit_efficiency,
    units_zone_index,
)
from sim.parameters import ParameterSet


def unit_curves(ctx, n_segments: int):
    """Breakpoints (THB above overhead) and slopes (people per THB) for every unit."""
    units, params = ctx.units, ctx.params
    table = units.table
    noise = observation_noise(ctx.key, ctx.state.codes, ctx.year, params, forecast=True)
    weights = spread_weights(units, ctx.value, noise, params)
    eff = unit_efficiency(units, ctx.dev, params)
    level = table["level"].to_numpy()
    if ctx.zone_ok.any():
        train = params["units.zone_capacity.building_share"]
        eff = np.where(np.isin(level, ("region", "province_group", "province")), eff * (1 - train), eff)
    cap_above = np.maximum(table["cap_thb"].to_numpy(float) - table["overhead_thb"].to_numpy(float), 1.0)
    grid = (np.arange(1, n_segments + 1) / n_segments) ** 2  # denser where the curve bends most
    x = cap_above[:, None] * grid[None, :]  # (units, K)
    scale = params["effects.scale_thb"]
    gain = np.zeros_like(x)
    value = ctx.value
    for lv in ("region", "province_group", "province", "zone"):
        part = units.cover[lv]
        ok = np.flatnonzero(part >= 0)
        if ok.size == 0:
            continue
        r = part[ok]
        effort = eff[r, None] * x[r] * weights[lv][ok, None]
        contrib = value[ok, None] * (1 - np.exp(-effort / scale))
        for k in range(n_segments):
            gain[:, k] += np.bincount(r, weights=contrib[:, k], minlength=len(table))
    mentors = units.rows("mentor")
    if mentors.size:
        zpos = units_zone_index(units)
        for j, row in enumerate(mentors):
            members = np.flatnonzero(zpos == units.mentor_zone[j])
            effort = eff[row] * x[row][None, :] * weights["mentor"][members, None]
            gain[row] = (value[members, None] * (1 - np.exp(-effort / scale))).sum(axis=0)
    prev_x = np.concatenate([np.zeros((len(table), 1)), x[:, :-1]], axis=1)
    prev_g = np.concatenate([np.zeros((len(table), 1)), gain[:, :-1]], axis=1)
    slopes = (gain - prev_g) / np.maximum(x - prev_x, 1e-9)
    slopes = np.maximum(np.minimum.accumulate(slopes, axis=1), 0.0)  # guard rounding: concave, >= 0
    return x, slopes


def build_problem(ctx) -> AllocationProblem:
    """The year's allocation problem from the simulated state."""
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
    x, slopes = unit_curves(ctx, int(params["policy.lp.breakpoints"]))
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
    """Money per unit row for this year, decided by the LP on the fast (HiGHS) path."""
    problem = build_problem(ctx)
    result = solve(problem, method="fast", mip=bool(ctx.params["policy.lp.mip"]))
    amounts = pd.Series(result.amounts_thb).reindex(ctx.units.table["unit_id"]).fillna(0.0)
    return amounts.to_numpy(float)
