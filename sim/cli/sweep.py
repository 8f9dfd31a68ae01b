"""`welfare-sim sweep`: run a parameter sweep (local processes, or a Dask cluster); resumes if re-run."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

HELP = 'run a parameter sweep (local processes, or a Dask cluster); resumes if re-run'


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="sweep file (TOML)")
    p.add_argument("--out", default=None, help="output folder (default results/SWEEP_NAME); re-running resumes")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: all cores)")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786")
    p.add_argument("--limit", type=int, default=None, help="run only the first N points (all their replicates)")


def main(args: Any) -> int:
    """`welfare-sim sweep FILE --out DIR [--workers N] [--scheduler ADDR] [--limit N]`.

    Returns the exit status: 0 when done, 130 when interrupted (finished runs are kept).
    """
    from sim.experiments.executors import SweepInterrupted
    from sim.experiments.sweep import Sweep, _format_seconds, engine_validator
    from sim.experiments.worker import DEFAULT_MODEL
    sweep = Sweep.from_file(args.file)
    model = getattr(args, "model", None) or DEFAULT_MODEL
    validate = engine_validator(sweep.base) if model == DEFAULT_MODEL else None
    if validate is not None:  # the engine's paths only mean something to the engine
        sweep.check(validate)
    out = Path(args.out) if getattr(args, "out", None) else Path("results") / sweep.name
    notes: tuple[str, ...] = ()
    if validate is not None:  # what the base scenario's inputs leave to the model, said after the run
        from sim.inputs.scenario import as_scenario
        from sim.world.scenario_inputs import input_notes
        notes = input_notes(as_scenario(sweep.base))
    workers = getattr(args, "workers", None)
    if workers is None:  # not `or`: --workers 0 is an error, not "all cores"
        workers = os.cpu_count() or 1
    try:
        results = sweep.run(
            out,
            workers=workers,
            scheduler=getattr(args, "scheduler", None),
            limit=getattr(args, "limit", None),
            model=model,
            progress=getattr(args, "progress", None),
        )
    except SweepInterrupted:
        return 130
    for note in notes:  # one line each, as `run` prints them
        print(f"note: {note}", file=sys.stderr)
    tables = ", ".join(f"{t}/" for t in ("runs", *sweep.outputs))
    runs = "run" if results.total_runs == 1 else "runs"
    now = f"{results.ran} run now" if results.ran else "all were already finished, none run now"
    print(
        f"sweep {sweep.name}: {results.finished} of {results.total_runs} {runs} finished "
        f"({now}, {_format_seconds(results.elapsed_seconds)})\n"
        f"results in {out}: {tables} (Parquet, one file per run)\n"
        f"read them with: sim.experiments.load_results({str(out)!r})"
    )
    return 0
