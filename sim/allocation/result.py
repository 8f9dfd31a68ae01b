"""The allocator's answer: money per unit and why, in one object both solver paths return."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd


@dataclass
class AllocationResult:
    """An optimal allocation, explained.

    Sign convention for every ``shadow_price`` (and ``unit_marginal_value``): *the value of one
    more baht* — the increase of the optimal objective per one-baht increase of the constraint's
    right-hand side. For the budget that is the objective gained per extra baht of budget; for a
    minimum (``>=``) that binds it is usually negative (asking for more costs value); for a cap
    that binds it is >= 0. Every right-hand side is in baht (a level share's is the share times
    the total), so all prices are "objective per baht".

    ``unit_marginal_value`` is the value of one more baht given to that unit on top of its
    optimal amount: the slope of its curve (plus capacity value and weighted goals) on the
    segment the next baht would fill; 0 at the cap (money beyond absorptive capacity buys
    nothing) and 0 for unfunded units (a baht below overhead buys nothing).
    """

    amounts_thb: pd.Series
    funded: pd.Series
    objective: float
    gain_people: float
    constraints: pd.DataFrame
    unit_marginal_value: pd.Series
    solver: str
    status: str
    solve_seconds: float
    objective_terms: dict[str, float] = field(default_factory=dict)
    units: pd.DataFrame | None = None
    budget_thb: float = math.nan

    @property
    def binding(self) -> pd.DataFrame:
        """The constraints that bind, steepest shadow price first."""
        rows = self.constraints[self.constraints["binding"]]
        return rows.reindex(rows["shadow_price"].abs().sort_values(ascending=False).index)

    def by_level(self) -> pd.Series:
        """Money per level (region, province, zone ...), in baht."""
        if self.units is None:
            raise ValueError("result has no units table")
        level = self.units.set_index("unit_id")["level"]
        return self.amounts_thb.groupby(level.reindex(self.amounts_thb.index)).sum()

    def __repr__(self) -> str:
        spent = float(self.amounts_thb.sum())
        return (
            f"AllocationResult({self.status}, objective={self.objective:.6g}, "
            f"gain_people={self.gain_people:.6g}, spent={spent:,.0f} THB, "
            f"funded={int(self.funded.sum())}/{len(self.funded)}, "
            f"binding={int(self.constraints['binding'].sum())}, solver={self.solver}, "
            f"{1000 * self.solve_seconds:.1f} ms)"
        )
