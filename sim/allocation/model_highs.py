"""The fast path: the same LP as ``model_pulp`` built straight into HiGHS from numpy arrays.

The engine re-solves the allocation every simulated year (closed loop), so this path skips
PuLP's per-variable Python objects. Columns and rows are laid out exactly as PuLP lays them out
(segments unit by unit, then the funding binaries, then the equity total ``T``; rows in
:func:`~sim.allocation.explain.core_rows` order, then the MIP links), so both paths give the
same answer and the same duals. :class:`FastModel` keeps the HiGHS instance so that a changed
budget or changed curves only change bounds and costs, and HiGHS restarts from its last basis.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from sim.allocation.explain import build_result
from sim.allocation.highs_arrays import (
    INF,
    SOLVER,
    Infeasible,
    build_arrays,
    check_status,
    load,
    new_highs,
    read_duals,
    seg_values,
    unit_prices,
)
from sim.allocation.infeasibility import infeasible_error
from sim.allocation.problem import AllocationProblem, Prepared, conflict_error, diagnose, prepare
from sim.allocation.result import AllocationResult
from sim.errors import SimError


class FastModel:
    """An allocation LP held in HiGHS for cheap re-solves with a new budget or new curves.

    The funded set must be fixed (``funded`` yes/no); for ``choose`` units use
    :func:`sim.allocation.solve` with ``mip=True``.
    """

    def __init__(self, problem: AllocationProblem | Prepared):
        self.prep = problem if isinstance(problem, Prepared) else prepare(problem)
        if self.prep.choose.any():
            uid = self.prep.unit_ids[self.prep.choose][0]
            raise SimError(
                f"unit {uid} has funded='choose': use solve(..., mip=True)", where="allocation"
            )
        self.arrays = build_arrays(self.prep)
        self.h = new_highs()
        load(self.h, self.arrays)
        self._budget_row = self.arrays.row_names.index("budget")

    def set_budget(self, budget_thb: float) -> None:
        """Change the budget; only the budget row's bounds move."""
        budget = float(budget_thb)
        if not np.isfinite(budget) or budget < 0:
            raise SimError(
                f"budget_thb must be a finite number >= 0, got {budget_thb}",
                where="allocation problem",
            )
        problem = dataclasses.replace(self.prep.problem, budget_thb=budget)
        self.prep = dataclasses.replace(self.prep, problem=problem, budget=budget)
        rest = budget - self.prep.overhead[self.prep.funded_fixed].sum()
        lb = rest if self.prep.spend_all else -INF
        self.h.changeRowBounds(self._budget_row, lb, rest)
        self.arrays.row_lb[self._budget_row], self.arrays.row_ub[self._budget_row] = lb, rest

    def set_curves(self, breakpoints_thb: np.ndarray, slopes: np.ndarray) -> None:
        """Change the gain curves (same number of segments); only costs and bounds move."""
        fresh = self.prep.with_curves(breakpoints_thb, slopes)
        if fresh.seg_len.shape != self.prep.seg_len.shape:
            raise SimError(
                "set_curves needs the same number of segments per unit; build a new model",
                where="allocation",
            )
        self.prep = fresh
        active = self.arrays.seg_cols >= 0
        cols = self.arrays.seg_cols[active].astype(np.int32)
        self.arrays.cost[cols] = self.prep.seg_value[active]
        self.arrays.col_ub[cols] = self.prep.seg_len[active]
        self.h.changeColsCost(len(cols), cols, self.arrays.cost[cols])
        self.h.changeColsBounds(len(cols), cols, self.arrays.col_lb[cols], self.arrays.col_ub[cols])

    def solve(self, *, check: bool = True) -> AllocationResult:
        """Solve (warm-started after a change) and explain the answer.

        Raises ``SimError`` naming the conflicting constraints when the problem is infeasible;
        ``check=False`` skips the plain-conflict arithmetic when the caller has just done it.
        """
        start = time.perf_counter()
        conflicts = diagnose(self.prep) if check else []
        if conflicts:
            raise conflict_error(conflicts)
        self.h.run()
        try:
            status = check_status(self.h)
        except Infeasible:
            raise infeasible_error(self.prep) from None
        col_value = np.asarray(self.h.getSolution().col_value, dtype=float)
        pi = read_duals(self.h, self.arrays)
        row_price = dict(zip(self.arrays.row_names, pi, strict=True))
        return build_result(
            self.prep,
            seg_values(self.arrays, col_value),
            self.prep.funded_fixed,
            row_price,
            unit_prices(self.arrays, pi),
            solver=SOLVER,
            status=status,
            seconds=time.perf_counter() - start,
        )


def solve_lp(prep: Prepared) -> AllocationResult:
    """Build and solve the LP for a fixed funded set."""
    start = time.perf_counter()
    result = FastModel(prep).solve(check=False)
    result.solve_seconds = time.perf_counter() - start
    return result


def mip_funded(prep: Prepared, mip_gap: float = 1e-9, start: np.ndarray | None = None) -> np.ndarray:
    """Which units the mixed-integer model funds (fixed units as given), to relative gap `mip_gap`.

    `start` (per unit, True = funded) is a funded set to start from: HiGHS completes it into a
    first solution (the LP over the money given that set) and searches from there without its
    presolve, which on these small models costs more than it saves (Isan's closed-loop MIP, 66
    binaries: 0.45 s without a start, 0.15 s from the settling passes' funded set, the same optimum).
    """
    arr = build_arrays(prep, mip=True)
    h = new_highs()
    load(h, arr, mip=True, mip_gap=mip_gap)
    if start is not None:
        choose = arr.y_cols >= 0
        cols = arr.y_cols[choose].astype(np.int32)
        h.setOptionValue("presolve", "off")
        h.setSolution(len(cols), cols, np.asarray(start, bool)[choose].astype(float))
    h.run()
    check_status(h)
    col_value = np.asarray(h.getSolution().col_value, dtype=float)
    funded = prep.funded_fixed.copy()
    choose = arr.y_cols >= 0
    funded[choose] = col_value[arr.y_cols[choose]] > 0.5
    return funded
