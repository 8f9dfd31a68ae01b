"""Next year's recommended allocation, for planners: who gets what, which rules bind, and
what one more baht is worth.

The state the recommendation starts from is the simulated one: the scenario's own policy is
run up to the start of the requested year in one replicate (the header says which). The
allocation problem is then built from that state exactly as the closed-loop `lp` policy
builds it (see :mod:`sim.model.lp_policy`) and solved by HiGHS.

`--robust K` samples K sets of the uncertain effect and targeting parameters, builds the
value curves under each, and maximises the CVaR of the gain (still an LP); the plain mean
allocation is reported beside it with what each gives up in the other's case.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim import __version__
from sim.allocation import AllocationResult, solve, solve_robust
from sim.errors import SimError
from sim.model.engine import Simulation
from sim.model.lp_policy import build_problem, unit_curves

# Uncertain coefficients sampled by --robust: multiplicative spread around the default.
ROBUST_PARAMETERS = (
    "effects.scale_thb",
    "effects.governance_gain",
    "effects.outreach_join_boost",
    "effects.founding_hazard",
    "effects.revival_hazard",
    "targeting.noise.zone",
    "targeting.noise.province",
    "targeting.noise.region",
)


def situation(scenario, year: int, *, replicate: int = 0, budget_thb: float | None = None):
    """The simulated situation at the start of `year` (scenario policy until then)."""
    if year < scenario.start_year:
        raise SimError(f"--year {year} is before the scenario starts ({scenario.start_year})")
    if year > scenario.start_year + 50:
        raise SimError(f"--year {year} is more than 50 years after the scenario starts ({scenario.start_year})")
    if budget_thb is not None and (not np.isfinite(budget_thb) or budget_thb < 0):
        raise SimError(f"--budget must be a non-negative number of baht, got {budget_thb}")
    if replicate < 0:
        raise SimError(f"--replicate must be 0 or more, got {replicate}")
    sim = Simulation(scenario, replicate, outputs=())
    sim.advance_to(year)
    ctx = sim.prepare_year()
    if budget_thb is not None:
        ctx.budget_thb = float(budget_thb)
    return sim, ctx


def recommend(scenario, year: int, *, replicate: int = 0, budget_thb: float | None = None,
              mip: bool | None = None):
    """(problem, result, header) for the year's recommended allocation."""
    sim, ctx = situation(scenario, year, replicate=replicate, budget_thb=budget_thb)
    if mip is not None:
        ctx.params = ctx.params.with_overrides({"policy.lp.mip": bool(mip)}, origin="--mip")
    problem = build_problem(ctx)
    result = solve(problem, method="fast", mip=bool(ctx.params["policy.lp.mip"]))
    header = {
        "scenario": scenario.name,
        "year": year,
        "year_be": year + 543,
        "budget_thb": ctx.budget_thb,
        "objective_people_protected": result.objective,
        "state": f"simulated replicate {replicate} at the start of {year} (seed {sim.seed}), "
                 f"scenario policy '{scenario.params['policy.kind']}' until then",
        "package_version": __version__,
    }
    return problem, result, header, ctx


def robust_recommendation(scenario, ctx, problem, k: int, *, alpha: float = 0.2, seed: int = 0):
    """Robust (CVaR) allocation over K sampled parameter sets, beside the plain mean one."""
    if k < 2:
        raise SimError(f"--robust needs at least 2 parameter sets, got {k}")
    sampler = qmc.LatinHypercube(d=len(ROBUST_PARAMETERS), seed=seed)
    draws = sampler.random(k)
    base = ctx.params
    curve_sets = []
    for row in draws:
        overrides = {}
        for path, u in zip(ROBUST_PARAMETERS, row, strict=True):
            d = base.definitions[path]
            value = float(base[path]) * (0.5 + u)  # +-50% around the default
            overrides[path] = float(np.clip(value, d.low, d.high))
        ctx_k = _with_params(ctx, base.with_overrides(overrides, origin="--robust"))
        curve_sets.append(unit_curves(ctx_k, int(base["policy.lp.breakpoints"])))
    return solve_robust(problem, curve_sets, alpha=alpha, method="cvar")


def _with_params(ctx, params):
    from dataclasses import replace

    from sim.model.development import real_value

    new = replace(ctx, params=params)
    new.value = real_value(ctx.state, params, ctx.tables, ctx.join_rate)
    return new


def explain(result: AllocationResult, header: dict) -> str:
    """Plain words for the terminal: totals by level, binding rules, value of one more baht."""
    lines = [f"Recommended allocation for {header['year']} (B.E. {header['year_be']}), budget "
             f"{header['budget_thb']:,.0f} THB — {header['state']}."]
    by_level = result.amounts_thb.groupby(result.units.set_index("unit_id").loc[result.amounts_thb.index, "level"]).sum()
    for level, amount in by_level.items():
        if amount > 0:
            lines.append(f"  {level:<15}{amount:>16,.0f} THB  ({amount / max(header['budget_thb'], 1):.0%})")
    lines.append(f"Expected gain: {result.gain_people:,.0f} people protected (objective {result.objective:,.1f}).")
    cons = result.constraints
    binding = cons[cons["binding"] & ~cons["group"].isin(["floor", "cap"])]
    for row in binding.itertuples():
        lines.append(f"  binding: {row.name} — one more baht here is worth {row.shadow_price:.6f} people")
    caps = int((cons["binding"] & (cons["group"] == "cap")).sum())
    floors = int((cons["binding"] & (cons["group"] == "floor")).sum())
    lines.append(f"  {floors} units held at their floor (overhead), {caps} at their cap (absorptive capacity).")
    return "\n".join(lines)


def rule_allocation(ctx) -> pd.Series:
    """What the scenario's rule (zone_share policy) would give each unit, for comparison."""
    from sim.model.policies import allocate_by_levels

    money = allocate_by_levels(ctx.params, ctx.budget_thb, ctx.units, ctx.zone_ok, None)
    return pd.Series(money, index=ctx.units.table["unit_id"].to_numpy())
