"""Benchmark the sweep machinery: parallel speed-up and the parent's memory as runs grow.

Fixed workloads, a printed table, optional CSV (a script anyone can rerun, not a timed test):

  speed    a 200-run sweep (20 points × 10 replicates) with 1 worker (in-process) and 2
           worker processes (pool start-up included); the speed-up is the ratio of wall
           times, best of --repeat.
  memory   100 and 1,000-run sweeps with 2 workers, each in a fresh process, reporting that
           process's peak RSS (getrusage): results stream to disk, so it should stay flat.

    python benchmarks/sweep.py                        # the toy model in tests/toy_model.py
    python benchmarks/sweep.py --model sim.engine:run_spec \\
        --base scenarios/zone_all_2023.toml --param policy.zone_share --fixed run.years=2 \\
        --memory-runs 100,300
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the default toy model; spawned workers inherit this

from sim.experiments import Levels, Sweep  # noqa: E402

TOY_MODEL = "toy_model:run"


def build_sweep(args: argparse.Namespace, runs: int, work: int) -> Sweep:
    """`runs` runs: points × 10 replicates over --param (evenly spaced in [--low, --high])."""
    replicates = 10
    points = max(1, runs // replicates)
    step = (args.high - args.low) / max(points - 1, 1)
    parameters = [Levels(args.param, tuple(round(args.low + i * step, 12) for i in range(points)))]
    for item in args.fixed:
        path, _, text = item.partition("=")
        value = json.loads(text) if text[:1] in "-0123456789[{tf" else text
        parameters.append(Levels(path, (value,)))
    base = args.base if args.base else {"seed": 1, "work": work}
    return Sweep(f"bench_{runs}", base, parameters, replicates=replicates)


def speed(args: argparse.Namespace) -> list[dict]:
    rows = []
    for workers in (1, 2):
        sweep = build_sweep(args, args.speed_runs, args.work)
        times = []
        for _ in range(args.repeat):  # best of a few: the machine may be busy with other work
            with tempfile.TemporaryDirectory() as out:
                start = time.perf_counter()
                results = sweep.run(out, workers=workers, model=args.model, progress=False)
                times.append(time.perf_counter() - start)
                assert results.finished == sweep.n_runs
        seconds = min(times)
        rows.append(
            {
                "workload": "speed",
                "runs": sweep.n_runs,
                "workers": workers,
                "seconds": round(seconds, 2),
                "runs_per_s": round(sweep.n_runs / seconds, 1),
            }
        )
    rows[1]["speed_up"] = round(rows[0]["seconds"] / rows[1]["seconds"], 2)
    return rows


def memory_child(args: argparse.Namespace) -> None:
    """In a fresh process: one sweep of --child-runs runs, then report peak RSS as JSON."""
    sweep = build_sweep(args, args.child_runs, work=0)
    sweep.design()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        results = sweep.run(out, workers=2, model=args.model, progress=False)
        seconds = time.perf_counter() - start
        assert results.finished == sweep.n_runs
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        json.dumps(
            {
                "workload": "memory",
                "runs": sweep.n_runs,
                "workers": 2,
                "seconds": round(seconds, 2),
                "runs_per_s": round(sweep.n_runs / seconds, 1),
                "parent_peak_rss_mib": round(peak / 1024, 1),
                "rss_growth_mib": round((peak - before) / 1024, 1),
            }
        )
    )


def memory(args: argparse.Namespace) -> list[dict]:
    rows = []
    for runs in args.memory_runs:
        command = [
            sys.executable,
            __file__,
            "--child-runs",
            str(runs),
            "--model",
            args.model,
            "--param",
            args.param,
            "--low",
            str(args.low),
            "--high",
            str(args.high),
        ]
        if args.base:
            command += ["--base", args.base]
        for item in args.fixed:
            command += ["--fixed", item]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return rows


def print_table(rows: list[dict]) -> None:
    columns = [
        "workload",
        "runs",
        "workers",
        "seconds",
        "runs_per_s",
        "speed_up",
        "parent_peak_rss_mib",
        "rss_growth_mib",
    ]
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    print("  ".join(c.rjust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(str(row.get(c, "")).rjust(widths[c]) for c in columns))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model", default=TOY_MODEL, help="module:function (default: the toy model)"
    )
    parser.add_argument("--base", default=None, help="base scenario file (default: the toy's dict)")
    parser.add_argument("--param", default="toy.a", help="parameter path to vary")
    parser.add_argument("--low", type=float, default=0.0)
    parser.add_argument("--high", type=float, default=1.0)
    parser.add_argument(
        "--fixed",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="a parameter held at one value in every run (repeatable)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="speed runs per setting (best kept)")
    parser.add_argument(
        "--work", type=int, default=20, help="toy model CPU work per run (batches of 100,000 draws)"
    )
    parser.add_argument("--speed-runs", type=int, default=200)
    parser.add_argument(
        "--memory-runs", default="100,1000", type=lambda s: [int(x) for x in s.split(",") if x]
    )
    parser.add_argument("--csv", default=None, help="also write the table to this CSV file")
    parser.add_argument("--child-runs", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_runs:
        memory_child(args)
        return
    rows = speed(args) + memory(args)
    print_table(rows)
    if args.csv:
        with open(args.csv, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=sorted({k for r in rows for k in r}))
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
