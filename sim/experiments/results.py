"""Reading a sweep's folder back: runs, tables, one tidy frame, sensitivity indices.

Only finished runs (those with a runs row) are read, so results can be looked at while a
sweep is still writing, or after it was interrupted.
"""

from __future__ import annotations

import warnings
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import SimError
from sim.experiments import sensitivity, store
from sim.experiments.designs import MORRIS, SOBOL, DesignSpec, parameter_from_dict

ORDER = ["point_id", "replicate"]


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty or not set(ORDER) <= set(frame.columns):
        return frame.reset_index(drop=True)
    return frame.sort_values(ORDER, kind="stable").reset_index(drop=True)


class Results:
    """A sweep's results on disk, loaded lazily table by table.

    `runs`: one row per finished run (seed, parameter values, timings); `summary`: the
    model's summary rows of every finished run; `table(name)` for other outputs.
    """

    def __init__(self, out: str | Path):
        self.out = Path(out)
        manifest = store.read_manifest(self.out)
        if manifest is None:
            raise SimError("no sweep here (sweep.json missing)", path=str(self.out))
        self.manifest: dict[str, Any] = manifest
        self.ran: int | None = None  # runs done by the `Sweep.run` call that returned this
        self.elapsed_seconds: float | None = None

    @property
    def definition(self) -> dict[str, Any]:
        return self.manifest["definition"]

    @property
    def total_runs(self) -> int:
        return len(self.manifest["points"]) * int(self.definition["replicates"])

    @property
    def finished(self) -> int:
        return len(store.finished_run_ids(self.out))

    @cached_property
    def runs(self) -> pd.DataFrame:
        ids = store.finished_run_ids(self.out)
        return _sorted(store.read_tables([store.runs_file(self.out, r) for r in ids]))

    @cached_property
    def summary(self) -> pd.DataFrame:
        return self.table("summary")

    def table(self, name: str) -> pd.DataFrame:
        """One output table of every finished run, in run order."""
        outputs = self.definition.get("outputs", [])
        if name not in outputs:
            raise SimError(
                f"this sweep did not write {name!r} (outputs: {', '.join(outputs)})",
                path=str(self.out),
            )
        ids = store.finished_run_ids(self.out)
        return _sorted(store.read_tables([store.table_file(self.out, name, r) for r in ids]))

    def points(self) -> pd.DataFrame:
        """The design: one row per point with its parameter values."""
        return pd.DataFrame(self.manifest["points"])

    def to_df(self, table: str = "summary") -> pd.DataFrame:
        """One tidy frame: the table's rows with each run's seed and parameter values."""
        frame = self.table(table)
        if frame.empty:
            return frame
        keep = ["run_id", "seed", *(p["path"] for p in self.definition["parameters"])]
        return frame.merge(self.runs[keep], on="run_id", how="left", validate="many_to_one")

    def analyze(
        self,
        metric: str,
        year: int | None = None,
        *,
        conf_level: float = 0.95,
        seed: int | None = 0,
    ) -> pd.DataFrame:
        """Sensitivity indices of `metric` (summary column) at `year` (default the last).

        Morris indices for a morris design, Sobol indices for a sobol design; the metric is
        averaged over replicates per point first.
        """
        spec = DesignSpec(**self.definition["design"])
        if spec.kind not in (MORRIS, SOBOL):
            raise SimError(
                f"sensitivity analysis needs a morris or sobol design, not {spec.kind}",
                where="analyze",
            )
        parameters = [parameter_from_dict(p) for p in self.definition["parameters"]]
        means = sensitivity.point_means(self.summary, metric, year)
        y = sensitivity.check_complete(means, len(self.manifest["points"]))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", sensitivity.UnstableIndicesWarning)
            if spec.kind == MORRIS:
                table = sensitivity.morris_indices(
                    parameters,
                    np.asarray(self.manifest["unit"]),
                    y,
                    grid_levels=spec.grid_levels,
                    metric=metric,
                    conf_level=conf_level,
                    seed=seed,
                )
            else:
                table = sensitivity.sobol_indices(
                    parameters,
                    y,
                    samples=spec.samples,
                    second_order=spec.second_order,
                    metric=metric,
                    conf_level=conf_level,
                    seed=seed,
                )
        for warning in caught:  # point at the notebook line that asked, not at this file
            warnings.warn(warning.message, warning.category, stacklevel=2)
        chosen = year
        if chosen is None and "year" in self.summary.columns:
            chosen = int(self.summary["year"].max())
        table.insert(1, "year", chosen)
        return table

    def __repr__(self) -> str:
        d = self.definition
        design = d["design"]["kind"]
        outputs = ", ".join(d.get("outputs", [])) or "none"
        return (
            f"Results({str(self.out)!r})\n"
            f"  sweep     {d['name']} ({design}, {_count(len(self.manifest['points']), 'point')} × "
            f"{_count(d['replicates'], 'replicate')})\n"
            f"  finished  {self.finished} of {_count(self.total_runs, 'run')}\n"
            f"  tables    runs, {outputs}"
        )


def _count(n: int, noun: str) -> str:
    """'1 run', '3 runs'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def load_results(out: str | Path) -> Results:
    """Open a sweep's output folder (finished runs only, read on first use)."""
    return Results(out)
