"""Why no allocation exists: plain conflicts first, then constraint groups found by relaxing.

``diagnose`` catches what arithmetic shows (overheads above the budget, shares that cannot add
up). What it misses — say an equity floor for a province whose caps cannot reach it while the
budget must be spent — is found by re-solving a feasibility version of the model with one
group of constraints dropped at a time, then one row at a time inside a group that mattered.
"""

from __future__ import annotations

from itertools import combinations

import highspy
import numpy as np

from sim.allocation.highs_arrays import INF, LpArrays, build_arrays, load, new_highs
from sim.allocation.problem import Prepared, conflict_error, diagnose
from sim.errors import SimError

GROUPS = ("budget", "level_share", "equity", "cap")
_DESCRIBE = {
    "budget": "the budget constraint",
    "level_share": "the level-share constraints",
    "equity": "the equity constraints",
    "cap": "the units' caps",
}
MAX_ROWS_NAMED = 60


def _feasible(
    arr: LpArrays, mip: bool, groups: tuple[str, ...] = (), rows: tuple[int, ...] = ()
) -> bool:
    row_lb, row_ub, col_ub = arr.row_lb.copy(), arr.row_ub.copy(), arr.col_ub.copy()
    drop = [r for r, g in enumerate(arr.row_groups) if g in groups] + list(rows)
    row_lb[drop], row_ub[drop] = -INF, INF
    if "cap" in groups:
        tails = arr.seg_cols[:, -1]
        col_ub[tails[tails >= 0]] = INF
    relaxed = LpArrays(
        np.zeros_like(arr.cost),
        arr.col_lb,
        col_ub,
        arr.integer,
        arr.a,
        row_lb,
        row_ub,
        arr.row_names,
        arr.row_groups,
        arr.seg_cols,
        arr.y_cols,
    )
    h = new_highs()
    load(h, relaxed, mip=mip)
    h.run()
    return h.getModelStatus() == highspy.HighsModelStatus.kOptimal


def infeasible_error(prep: Prepared, *, mip: bool = False) -> SimError:
    """A one-line SimError saying which constraints conflict (never a bare solver status)."""
    conflicts = diagnose(prep)
    if conflicts:
        return conflict_error(conflicts)
    mip = mip and bool(prep.choose.any())
    arr = build_arrays(prep, mip=mip)
    present = [g for g in GROUPS if g == "cap" or g in arr.row_groups]
    for size in (1, 2):
        culprits = [c for c in combinations(present, size) if _feasible(arr, mip, c)]
        if culprits:
            break
    else:
        return SimError(
            "no allocation is possible: no plain conflict found and dropping any one or two constraint groups "
            f"({', '.join(present)}) does not help; check funded units, caps and shares together",
            where="allocation problem",
        )
    parts = []
    for groups in culprits:
        text = " together with ".join(_DESCRIBE[g] for g in groups)
        if len(groups) == 1 and groups[0] != "cap":
            rows = [r for r, g in enumerate(arr.row_groups) if g == groups[0]]
            if 1 < len(rows) <= MAX_ROWS_NAMED:
                named = [arr.row_names[r] for r in rows if _feasible(arr, mip, rows=(r,))]
                if named:
                    text += f" (dropping any one of {', '.join(named)} is enough)"
        parts.append(text)
    return SimError(
        "no allocation is possible: no plain conflict found, but no allocation meets all constraints at once; "
        f"it becomes feasible without {'; or without '.join(parts)}",
        where="allocation problem",
    )
