"""The allocator's entry point: check, solve (LP or MIP) on either path, explain."""

from __future__ import annotations

import time

import numpy as np

from sim.allocation import model_highs, model_pulp
from sim.allocation.highs_arrays import Infeasible
from sim.allocation.infeasibility import infeasible_error
from sim.allocation.problem import AllocationProblem, conflict_error, diagnose, prepare
from sim.allocation.result import AllocationResult
from sim.errors import SimError

METHODS = {"fast": model_highs, "pulp": model_pulp}


def solve(
    problem: AllocationProblem, *, method: str = "fast", mip: bool = False, mip_gap: float = 1e-9,
    start_funded: np.ndarray | None = None,
) -> AllocationResult:
    """Allocate the budget: ``method`` "fast" (numpy -> highspy) or "pulp" (PuLP -> HiGHS).

    With ``mip=True`` units marked ``funded="choose"`` are funded or not by a mixed-integer
    model (paying their overhead if funded); the duals reported are those of the LP with the
    funded set fixed at the MIP's optimum (``mip_gap``: the relative gap the mixed-integer search
    stops at; 1e-9 proves the optimum for auditors, the closed-loop policy uses a looser one;
    ``start_funded``, per row of ``problem.units``, a funded set the search starts from).
    Plain conflicts are reported before solving.
    """
    if method not in METHODS:
        raise SimError(f"unknown method {method!r}; use fast or pulp", where="allocation")
    start = time.perf_counter()
    prep = prepare(problem)
    conflicts = diagnose(prep)
    if conflicts:
        raise conflict_error(conflicts)
    module = METHODS[method]
    decided = bool(prep.choose.any())
    if decided:
        if not mip:
            uid = prep.unit_ids[prep.choose][0]
            raise SimError(
                f"unit {uid} (and {int(prep.choose.sum()) - 1} others) has funded='choose'; "
                "pass mip=True to let the model decide",
                where="allocation problem",
            )
        try:
            begin = None if start_funded is None else np.asarray(start_funded, bool) & (prep.choose | prep.funded_fixed)
            funded = module.mip_funded(prep, mip_gap, begin)
        except Infeasible:
            raise infeasible_error(prep, mip=True) from None
        prep = prep.with_funded(funded)
    try:
        result = module.solve_lp(prep)
    except Infeasible:
        raise infeasible_error(prep) from None
    result.solve_seconds = time.perf_counter() - start
    if decided:
        result.status = "optimal (MIP; duals of the LP with the funded set fixed)"
    return result
