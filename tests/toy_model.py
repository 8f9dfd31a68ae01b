"""Toy model functions for testing the experiment machinery without the engine.

Each takes a RunSpec and returns tables, like `sim.model.engine:run_spec` will. The base scenario
is a dict that steers the toy:

    sleep         seconds to sleep per run (default 0)
    work          batches of 100,000 normal draws per run, CPU time (default 0)
    calls_dir     write one file per model call there (to count calls per run)
    fail_once_on  run_id that raises the first time it runs (needs marker_dir)
    marker_dir    folder for the fail-once marker
    years         number of simulated years (default 5)
"""

from __future__ import annotations

import math
import os
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments import RunSpec


def _steer(spec: RunSpec) -> dict:
    base = spec.base if isinstance(spec.base, dict) else {}
    if base.get("calls_dir"):
        Path(base["calls_dir"], f"{spec.run_id}.{uuid.uuid4().hex[:8]}").touch()
    if base.get("fail_once_on") == spec.run_id:
        marker = Path(base["marker_dir"], f"failed-{spec.run_id}")
        if not marker.exists():
            marker.touch()
            raise RuntimeError(f"toy model fails once on {spec.run_id}")
    return base


def run(spec: RunSpec) -> dict[str, pd.DataFrame]:
    """A noisy toy: people_protected = 1000 + 100·a + 10·b + noise, over a few years."""
    base = _steer(spec)
    rng = np.random.default_rng(spec.seed)
    for _ in range(int(base.get("work", 0))):
        rng.standard_normal(100_000).sum()
    if base.get("sleep"):
        time.sleep(float(base["sleep"]))
    a = float(spec.overrides.get("toy.a", 0.0))
    b = float(spec.overrides.get("toy.b", 0.0))
    years = np.arange(2023, 2023 + int(base.get("years", 5)))
    noise = rng.normal(0.0, 5.0, size=len(years))
    summary = pd.DataFrame(
        {
            "year": years,
            "people_protected": 1000 + 100 * a + 10 * b + noise + np.arange(len(years)),
            "draw": noise,
            "funds_active": rng.integers(100, 200, size=len(years)),
        }
    )
    tables = {"summary": summary}
    if "fund_years" in spec.outputs:
        funds = np.repeat(np.arange(4), len(years))
        tables["fund_years"] = pd.DataFrame(
            {
                "fund": funds,
                "year": np.tile(years, 4),
                "reserves_thb": rng.gamma(2.0, 1000.0, size=len(funds)),
            }
        )
    return tables


def linear(spec: RunSpec) -> dict[str, pd.DataFrame]:
    """y = 4·x1 + x2 (x3 unused): Morris must rank x1 first, then x2, then x3."""
    _steer(spec)
    x = spec.overrides
    y = 4 * x["x1"] + x["x2"]
    return {"summary": pd.DataFrame({"year": [2023], "y": [y]})}


def ishigami(spec: RunSpec) -> dict[str, pd.DataFrame]:
    """The Ishigami function (a=7, b=0.1) on x1, x2, x3 in [-π, π]: known Sobol indices."""
    x1, x2, x3 = (spec.overrides[k] for k in ("x1", "x2", "x3"))
    y = math.sin(x1) + 7 * math.sin(x2) ** 2 + 0.1 * x3**4 * math.sin(x1)
    return {"summary": pd.DataFrame({"year": [2023], "y": [y]})}


def not_tables(spec: RunSpec) -> list:
    """A broken model: returns a list instead of a dict of tables."""
    return [spec.run_id]


def slow(spec: RunSpec) -> dict[str, pd.DataFrame]:
    """Like `run` but slow enough to interrupt: sleeps TOY_SLOW_SECONDS (default 0.3)."""
    time.sleep(float(os.environ.get("TOY_SLOW_SECONDS", "0.3")))
    return run(spec)


def gated(spec: RunSpec) -> dict[str, pd.DataFrame]:
    """Like `run`, but the runs of every point after the first wait until the file TOY_GATE
    exists: an interruption then finds exactly the first point's runs finished, however
    loaded the machine is (a test waits for that state, not for a time)."""
    gate = os.environ.get("TOY_GATE")
    if gate and spec.point_id > 0:
        while not os.path.exists(gate):
            time.sleep(0.02)
    return run(spec)


def threads(spec: RunSpec) -> dict[str, pd.DataFrame]:
    """Reports the BLAS/OpenMP threads the worker allows (1 in a sweep's process pool)."""
    from threadpoolctl import threadpool_info

    pools = [pool["num_threads"] for pool in threadpool_info()] or [1]
    return {
        "summary": pd.DataFrame(
            {
                "year": [2023],
                "blas_threads": [max(pools)],
                "omp_env": [os.environ.get("OMP_NUM_THREADS", "")],
            }
        )
    }


def with_replicate(spec: RunSpec) -> dict[str, pd.DataFrame]:
    """Like the engine: the summary carries its own `replicate` column."""
    summary = run(spec)["summary"]
    summary.insert(0, "replicate", spec.replicate)
    return {"summary": summary}


def wrong_replicate(spec: RunSpec) -> dict[str, pd.DataFrame]:
    summary = run(spec)["summary"]
    summary.insert(0, "replicate", spec.replicate + 1)
    return {"summary": summary}


def ragged(spec: RunSpec) -> dict[str, pd.DataFrame]:
    """Tables whose columns differ between runs: integer here, float there, extra elsewhere."""
    summary = pd.DataFrame({"year": [2023], "x": [spec.point_id]})
    if spec.point_id == 1:
        summary["x"] = 1.5
    if spec.point_id == 2:
        summary["only_some"] = "yes"
    return {"summary": summary}


def slow_starting_worker() -> None:
    """A pool initializer that holds a worker in its start-up until the file TOY_GATE exists,
    after writing TOY_STARTED: a test presses Ctrl-C in exactly that state (a worker that has
    started but not yet run `init_worker`), then opens the gate."""
    from sim.experiments.worker import init_worker

    Path(os.environ["TOY_STARTED"]).write_text("started")
    while not os.path.exists(os.environ["TOY_GATE"]):
        time.sleep(0.02)
    init_worker()
