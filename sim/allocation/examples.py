"""Seeded synthetic allocation problems shaped like Isan, for tests, benchmarks and notebooks.

Not data: the amounts are plausible orders of magnitude (75 million THB a year, zone overheads
of a few hundred thousand baht), the curves random but concave. The engine builds the real ones
from the simulated state.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.allocation.problem import AllocationProblem

OVERHEAD_THB = {
    "region": 2_000_000,
    "province_group": 400_000,
    "province": 800_000,
    "zone": 250_000,
    "mentor": 5_000,
}


def random_curves(
    rng: np.random.Generator, overhead: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Concave curves: k segments whose lengths scale with the unit's overhead."""
    n = len(overhead)
    lengths = rng.uniform(0.3, 1.5, size=(n, k)) * np.maximum(overhead, 20_000)[:, None]
    breakpoints = np.cumsum(lengths, axis=1)
    first = rng.lognormal(np.log(2e-3), 0.6, size=n)
    decay = np.cumprod(rng.uniform(0.35, 0.95, size=(n, k)), axis=1) / 0.95
    slopes = first[:, None] * np.minimum(decay, 1.0)
    return breakpoints, np.minimum.accumulate(slopes, axis=1)


def isan_like_problem(
    seed: int = 0,
    *,
    provinces: int = 20,
    zones_per_province: int = 5,
    mentors: int = 0,
    segments: int = 5,
    budget_thb: float | None = None,
    zone_share_min: float | None = 0.4,
    equity_ratio: tuple[float, float] | None = (0.6, 1.8),
    capacity_value: bool = True,
) -> AllocationProblem:
    """1 region, 5 province groups, ``provinces`` provinces, their zones and mentor funds.

    Without ``budget_thb``: 75 million THB, or less when the instance is too small to absorb it
    (overheads plus a sixth of the room above them).
    """
    rng = np.random.default_rng(seed)
    codes = [str(30 + i) for i in range(provinces)]
    province_pop = rng.lognormal(np.log(1.1e6), 0.4, size=provinces)
    rows = [("R", "region", None, province_pop.sum())]
    rows += [(f"G{g + 1}", "province_group", None, province_pop.sum() / 5) for g in range(5)]
    rows += [(f"P{c}", "province", c, pop) for c, pop in zip(codes, province_pop, strict=True)]
    for c, pop in zip(codes, province_pop, strict=True):
        split = rng.dirichlet(np.full(zones_per_province, 5.0)) * pop
        rows += [(f"Z{c}-{j + 1:02d}", "zone", c, split[j]) for j in range(zones_per_province)]
    where = rng.integers(0, provinces, size=mentors)
    rows += [
        (f"M{j + 1:04d}", "mentor", codes[where[j]], rng.uniform(3_000, 15_000))
        for j in range(mentors)
    ]
    units = pd.DataFrame(rows, columns=["unit_id", "level", "province_code", "population"])
    units["name_en"] = units["unit_id"]
    units["name_th"] = "หน่วย " + units["unit_id"]
    overhead = units["level"].map(OVERHEAD_THB).to_numpy(float) * rng.uniform(0.8, 1.2, len(units))
    units["overhead_thb"] = overhead
    units["cap_thb"] = overhead * rng.uniform(4.0, 10.0, len(units))
    units["funded"] = "yes"
    is_zone = (units["level"] == "zone").to_numpy()
    units["capacity_value_per_thb"] = (
        np.where(is_zone, rng.uniform(0, 2e-4, len(units)), 0.0) if capacity_value else 0.0
    )
    breakpoints, slopes = random_curves(rng, overhead, segments)
    if budget_thb is None:
        room = units["cap_thb"].sum() - overhead.sum()
        budget_thb = min(75_000_000.0, round(overhead.sum() + room / 6, -3))
    return AllocationProblem(
        units=units,
        breakpoints_thb=breakpoints,
        slopes=slopes,
        budget_thb=budget_thb,
        level_share_min={"zone": zone_share_min} if zone_share_min else {},
        equity_ratio=equity_ratio,
    )
