"""Does the LP's view of money agree with the simulation it summarises?

For a set of units, the LP's marginal value (the slope of the unit's value curve at the money
it gets under the scenario's policy) is set against a finite difference of the engine: the
same year simulated twice on common random numbers, once as the policy decided and once with
`delta` more baht for that unit, the difference in people protected at the end of the year
divided by `delta`, averaged over replicates. The rank correlation across units says whether
the allocator ranks units as the simulation does.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
from scipy import stats

from sim.engine import Simulation
from sim.lp_policy import unit_curves


def protected(sim: Simulation) -> float:
    s = sim.state
    ok = s.active & (s.reserve_ratio >= sim.params["status.weak_ratio"])
    return float(s.eligible_members()[ok].sum())


def slope_at(x: np.ndarray, slopes: np.ndarray, above: float) -> float:
    """Slope of a piecewise-linear curve (segment ends `x`) at `above` baht past overhead."""
    k = int(np.searchsorted(x, above, side="right"))
    return float(slopes[min(k, len(slopes) - 1)]) if above < x[-1] else 0.0


def lp_vs_simulation(scenario, *, year: int | None = None, replicates: int = 6, delta_thb: float = 1_000_000.0,
                     levels=("region", "province", "zone"), max_units: int = 40) -> pd.DataFrame:
    """One row per unit: LP marginal value and simulated marginal value (people per THB)."""
    year = scenario.start_year if year is None else year
    rows: dict[str, dict] = {}
    for r in range(replicates):
        sim = Simulation(scenario, r, outputs=())
        sim.advance_to(year)
        ctx = sim.prepare_year()
        money = sim.decide(ctx)
        x, slopes = unit_curves(ctx, 48)  # fine curve: the marginal value at the policy's money
        table = ctx.units.table
        over = table["overhead_thb"].to_numpy(float)
        chosen = np.flatnonzero(table["level"].isin(levels).to_numpy() & (money >= over) & (money > 0))[:max_units]
        base = copy.deepcopy(sim)
        base.run_year(ctx, money)
        p0 = protected(base)
        for u in chosen:
            bumped = copy.deepcopy(sim)
            extra = money.copy()
            extra[u] += delta_thb
            bumped.run_year(ctx, extra)
            uid = table["unit_id"].iat[u]
            row = rows.setdefault(uid, {"unit_id": uid, "level": table["level"].iat[u], "lp": [], "sim": []})
            row["lp"].append(slope_at(x[u], slopes[u], money[u] - over[u]))
            row["sim"].append((protected(bumped) - p0) / delta_thb)
    out = pd.DataFrame(
        [{"unit_id": v["unit_id"], "level": v["level"], "lp_marginal_value": float(np.mean(v["lp"])),
          "sim_marginal_value": float(np.mean(v["sim"])),
          "sim_se": float(np.std(v["sim"], ddof=1) / np.sqrt(len(v["sim"]))) if len(v["sim"]) > 1 else np.nan}
         for v in rows.values()]
    )
    return out


def rank_agreement(table: pd.DataFrame) -> float:
    """Spearman rank correlation of LP and simulated marginal values across units."""
    rho = stats.spearmanr(table["lp_marginal_value"], table["sim_marginal_value"]).statistic
    return float(rho)
