"""Runs and their seeds: a run is one (point, replicate) pair of a sweep.

Common random numbers: replicate k gets the same seed at every point, so the difference
between two points measures the parameters, not the noise (the engine then derives every
sub-district's stream from that seed, Starsim-style). The seed depends only on the base seed
and k, so replicate k is the same whether it runs alone or among N replicates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

# A model is any importable function from a run to its tables ("summary", "fund_years", ...).
ModelFn = Callable[["RunSpec"], dict[str, pd.DataFrame]]


@dataclass(frozen=True)
class RunSpec:
    """Everything a worker needs to do one run; small and picklable.

    `base` is the base scenario: an absolute path (workers must see the same file system) or
    an already-parsed dict. `overrides` maps parameter paths to this point's values.
    """

    run_id: str
    point_id: int
    replicate: int
    seed: int
    overrides: dict[str, Any] = field(default_factory=dict)
    base: str | dict[str, Any] = ""
    outputs: tuple[str, ...] = ("summary",)
    base_seed: int | None = None  # the sweep's seed: lets a model derive replicate k's streams itself


def make_run_id(point_id: int, replicate: int) -> str:
    """Deterministic, sortable name of a run, e.g. ``p00012-r003``."""
    return f"p{point_id:05d}-r{replicate:03d}"


def replicate_seed(base_seed: int, replicate: int) -> int:
    """Seed of replicate `replicate`: the same at every point, whatever else runs.

    Equal to ``SeedSequence(base_seed).spawn(k + 1)[k]``'s first 63 bits, so it fits a signed
    64-bit column and can seed ``numpy.random.default_rng`` or a new SeedSequence.
    """
    sequence = np.random.SeedSequence(base_seed, spawn_key=(replicate,))
    return int(sequence.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def _native(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def iter_runs(
    points: pd.DataFrame,
    replicates: int,
    base_seed: int,
    base: str | dict[str, Any],
    outputs: tuple[str, ...],
    limit: int | None = None,
) -> Iterator[RunSpec]:
    """Runs in a fixed order (point by point, replicates within a point), lazily.

    `limit` keeps only the first `limit` points, with all their replicates.
    """
    seeds = [replicate_seed(base_seed, k) for k in range(replicates)]
    paths = [c for c in points.columns if c != "point_id"]
    rows = points if limit is None else points.iloc[:limit]
    for row in rows.itertuples(index=False, name=None):
        values = dict(zip(points.columns, row, strict=True))
        point_id = int(values["point_id"])
        overrides = {p: _native(values[p]) for p in paths}
        for k in range(replicates):
            yield RunSpec(make_run_id(point_id, k), point_id, k, seeds[k], overrides, base, outputs, base_seed)
