"""Allocation policies: who gets the year's development budget (MODEL.md section 6).

- `rule`: fixed shares per level — the pre-2022 practice of region, provinces and a few
  strong (mentor) funds — and within a level a formula (equal, per sub-district, per
  capita, by need, or by marginal value: the units' marginal values made equal, so that
  how a level is cut into units does not change what its money achieves).
- `zone_share`: the zones' share *s* of the money that goes to province and zone level
  together; region, province-group and mentor shares are fixed by the scenario. s = 0 is
  the province practice, s = 1 all of it through zones.
- `lp`: the linear-programming allocator chooses the split each year from the simulated
  state (closed loop), see :mod:`sim.allocation`.

`rule` and `zone_share` share the level arithmetic: `rule` reads `policy.zone_share` as
one more fixed level share, `zone_share` is the same split named by the swept quantity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.errors import SimError
from sim.inputs.parameters import ParameterSet
from sim.model.development import LEVELS, Units, effort_per_thb, needs_seen, units_zone_index
from sim.model.targeting import split_by_marginal_value, water_fill


def funded_zones(geography, params: ParameterSet) -> np.ndarray:
    """Which zones may receive money this year (all, the 2022 pilots, or none)."""
    which = params["policy.funded_zones"]
    n = len(geography.zones)
    if which == "all":
        return np.ones(n, dtype=bool)
    if which == "pilot":
        return geography.zones["pilot_2022"].to_numpy(bool)
    return np.zeros(n, dtype=bool)


def level_amounts(params: ParameterSet, budget: float, units: Units, zone_ok: np.ndarray) -> dict[str, float]:
    """Split the budget between levels. Money for a level with no units falls to provinces."""
    has = {lv: units.rows(lv).size > 0 for lv in ("province_group", "mentor")}
    region = params["policy.region_share"] * budget
    group = params["policy.province_group_share"] * budget if has["province_group"] else 0.0
    mentor = params["policy.mentor_share"] * budget if has["mentor"] else 0.0
    if region + group + mentor > budget * (1 + 1e-9):
        raise SimError(
            f"policy shares add up to more than the budget: region {params['policy.region_share']:.2f} + "
            f"province groups {params['policy.province_group_share']:.2f} + mentors {params['policy.mentor_share']:.2f} > 1"
        )
    rest = budget - region - group - mentor
    s = params["policy.zone_share"] if zone_ok.any() else 0.0
    return {"region": region, "province_group": group, "mentor": mentor, "zone": s * rest, "province": (1 - s) * rest}


def within_level(amount: float, rows: np.ndarray, units: Units, formula: str, seen_value: np.ndarray | None) -> np.ndarray:
    """Split one level's money among its units by the scenario's formula."""
    if rows.size == 0 or amount <= 0:
        return np.zeros(rows.size)
    t = units.table.iloc[rows]
    if formula == "equal":
        w = np.ones(rows.size)
    elif formula == "per_subdistrict":
        w = t["n_subdistricts"].to_numpy(float)
    elif formula == "per_capita":
        w = t["population"].to_numpy(float)
    elif formula == "by_need":
        w = seen_value[rows] if seen_value is not None else t["n_subdistricts"].to_numpy(float)
    elif formula == "by_marginal_value":  # needs the units' view: allocate_by_levels does it
        raise SimError("the by_marginal_value split is made by allocate_by_levels, which needs the units' view of need")
    else:  # validated by the parameter file's choices
        raise SimError(f"unknown within-level formula {formula!r}")
    w = np.maximum(w, 0)
    if w.sum() <= 0:
        w = np.ones(rows.size)
    return amount * w / w.sum()


@dataclass
class MarginalView:
    """What the `by_marginal_value` split reads: each level's posterior means of need per
    sub-district (`development.needs_seen`), each unit's effort per baht above overhead
    (`development.effort_per_thb`) and the effect scale (THB)."""

    seen: dict[str, np.ndarray]
    efficiency: np.ndarray
    scale_thb: float


def marginal_view(ctx, noise: dict[str, np.ndarray]) -> MarginalView | None:
    """The view the `by_marginal_value` split needs, from a year's context and the levels'
    noisy views (None for any other formula: nothing to compute)."""
    if ctx.params["policy.within_level"] != "by_marginal_value":
        return None
    return MarginalView(needs_seen(ctx.value, noise, ctx.params, ctx.units.cover["province"]),
                        effort_per_thb(ctx.units, ctx.dev, ctx.params, ctx.zone_ok),
                        float(ctx.params["effects.scale_thb"]))


def by_marginal_value(amounts: dict[str, float], units: Units, zone_ok: np.ndarray, view: MarginalView) -> np.ndarray:
    """Each level's money split between its units so that their marginal values are equal.

    Levels are taken in the order the engine places their effort (region, province groups,
    provinces, zones, mentors); each level's split reads its own posterior means and takes the
    effort the levels before it will place as given (`targeting.split_by_marginal_value`:
    overhead first, then money where a baht adds most, up to each unit's absorptive capacity).
    Within one level this is the split that one unit covering the whole level would make, so
    with zero overheads and caps that do not bind every partition of the level does equally
    well. Mentors of one zone pool their effort over the zone, so money is split between the
    zones' mentor pools and, within a pool, pro rata to the mentors' capacity.
    """
    table = units.table
    over = table["overhead_thb"].to_numpy(float)
    cap = table["cap_thb"].to_numpy(float) - over
    money = np.zeros(len(table))
    placed = np.zeros(units.cover["region"].shape[0])
    for level in LEVELS:
        rows = units.zone_rows[zone_ok] if level == "zone" else units.rows(level)
        amount = amounts.get(level, 0.0)
        if rows.size == 0 or amount <= 0:
            continue
        if level == "mentor":  # pools: one per zone with mentors
            zones_with, pool = np.unique(units.mentor_zone, return_inverse=True)
            index = np.full(units.zone_rows.size, -1)
            index[zones_with] = np.arange(zones_with.size)
            zpos = units_zone_index(units)
            groups = np.where(zpos >= 0, index[np.maximum(zpos, 0)], -1)
        else:
            index = np.full(len(table), -1)
            index[rows] = np.arange(rows.size)
            part = units.cover[level]
            groups = np.where(part >= 0, index[np.maximum(part, 0)], -1)
            pool = np.arange(rows.size)
        n_pools = int(pool.max()) + 1
        pool_cap = np.bincount(pool, weights=cap[rows], minlength=n_pools)
        pool_over = np.bincount(pool, weights=over[rows], minlength=n_pools)
        pool_eff = np.bincount(pool, weights=view.efficiency[rows], minlength=n_pools) / np.bincount(pool, minlength=n_pools)
        pool_money = split_by_marginal_value(amount, view.seen[level], placed, view.scale_thb, groups, pool_eff,
                                             pool_cap, pool_over)
        above = pool_money - pool_over
        share_cap = np.where(pool_cap[pool] > 0, cap[rows] / np.where(pool_cap[pool] > 0, pool_cap[pool], 1.0),
                             1.0 / np.bincount(pool)[pool])
        share_over = np.where(pool_over[pool] > 0, over[rows] / np.where(pool_over[pool] > 0, pool_over[pool], 1.0),
                              1.0 / np.bincount(pool)[pool])
        money[rows] = np.where(above[pool] >= 0, over[rows] + above[pool] * share_cap, pool_money[pool] * share_over)
        effort = np.clip(pool_money - pool_over, 0.0, pool_cap) * pool_eff
        placed = placed + water_fill(view.seen[level], effort, placed, view.scale_thb, groups)
    return money


def allocate_by_levels(params: ParameterSet, budget: float, units: Units, zone_ok: np.ndarray,
                       unit_value_seen: np.ndarray | None = None, marginal: MarginalView | None = None) -> np.ndarray:
    """`rule` and `zone_share`: money per unit row of `units.table`.

    `unit_value_seen` is what the by-need formula reads (the region's view of each unit's
    need), `marginal` what the by-marginal-value split reads (`marginal_view`).
    """
    money = np.zeros(len(units.table))
    amounts = level_amounts(params, budget, units, zone_ok)
    formula = params["policy.within_level"]
    if formula == "by_marginal_value":
        if marginal is None:
            raise SimError("policy.within_level = 'by_marginal_value' needs the units' view of need (marginal_view)")
        return by_marginal_value(amounts, units, zone_ok, marginal)
    for level, amount in amounts.items():
        rows = units.rows(level)
        if level == "zone":
            rows = units.zone_rows[zone_ok]
        money[rows] = within_level(amount, rows, units, formula, unit_value_seen)
    return money


def unit_value_seen_by_region(units: Units, value: np.ndarray, region_noise: np.ndarray) -> np.ndarray:
    """The need of each unit's area as the region sees it (for the by-need formula)."""
    seen = np.zeros(len(units.table))
    for _level, part in units.cover.items():
        ok = part >= 0
        seen += np.bincount(part[ok], weights=(value * region_noise)[ok], minlength=len(units.table))
    return seen


def allocation_frame(units: Units, money: np.ndarray) -> pd.DataFrame:
    out = units.table[["unit_id", "level", "province_code"]].copy()
    out["allocation_thb"] = money
    return out
