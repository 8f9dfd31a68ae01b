"""Allocation policies: who gets the year's development budget (MODEL.md section 6).

- `rule`: fixed shares per level — the pre-2022 practice of region, provinces and a few
  strong (mentor) funds — and within a level a formula (equal, per sub-district, per
  capita, by need).
- `zone_share`: the zones' share *s* of the money that goes to province and zone level
  together; region, province-group and mentor shares are fixed by the scenario. s = 0 is
  the province practice, s = 1 all of it through zones.
- `lp`: the linear-programming allocator chooses the split each year from the simulated
  state (closed loop), see :mod:`sim.allocation`.

`rule` and `zone_share` share the level arithmetic: `rule` reads `policy.zone_share` as
one more fixed level share, `zone_share` is the same split named by the swept quantity.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.errors import SimError
from sim.inputs.parameters import ParameterSet
from sim.model.development import Units


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
    else:  # validated by the parameter file's choices
        raise SimError(f"unknown within-level formula {formula!r}")
    w = np.maximum(w, 0)
    if w.sum() <= 0:
        w = np.ones(rows.size)
    return amount * w / w.sum()


def allocate_by_levels(params: ParameterSet, budget: float, units: Units, zone_ok: np.ndarray,
                       unit_value_seen: np.ndarray | None = None) -> np.ndarray:
    """`rule` and `zone_share`: money per unit row of `units.table`."""
    money = np.zeros(len(units.table))
    amounts = level_amounts(params, budget, units, zone_ok)
    formula = params["policy.within_level"]
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
