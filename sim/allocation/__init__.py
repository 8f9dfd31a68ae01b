"""The LP allocator: next year's development budget across region, provinces, zones and funds.

    problem (AllocationProblem) -> diagnose -> solve (fast numpy->HiGHS path | PuLP path, LP or
    MIP) -> AllocationResult (amounts, binding constraints, shadow prices) -> export

The LP as a library: it knows nothing of the model and may import only :mod:`sim.errors`
(the closed-loop policy in :mod:`sim.model.lp_policy` builds the curves and calls it).

Shadow prices follow one convention everywhere: the value of one more baht of a constraint's
right-hand side (see :class:`AllocationResult`). ``solve_robust`` guards bad cases over sampled
curve sets (CVaR or max-min, still an LP) and sets it beside the plain mean allocation.
"""

from sim.allocation.export import allocation_to_frames, write_allocation, write_lp
from sim.allocation.model_highs import FastModel
from sim.allocation.problem import LEVELS, AllocationProblem, diagnose
from sim.allocation.result import AllocationResult
from sim.allocation.robust import RobustResult, solve_robust
from sim.allocation.solve import solve

__all__ = [
    "LEVELS",
    "AllocationProblem",
    "AllocationResult",
    "FastModel",
    "RobustResult",
    "allocation_to_frames",
    "diagnose",
    "solve",
    "solve_robust",
    "write_allocation",
    "write_lp",
]
