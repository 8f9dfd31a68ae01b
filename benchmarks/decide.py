"""Benchmark the decision study: minutes per 100 worlds, and what the shipped study costs.

A script with fixed workloads that prints a table (and can write it as CSV); not a timed test.
It runs a few worlds of the shipped study file (scenarios/studies/decide.toml: its region,
horizon and policies) on local worker processes, the rule policies (with the zero-budget
twin) and the allocator policies separately, and reports for each:

  s/run           median seconds per run inside a worker (wall) and its CPU seconds (the
                  median: a worker's first run also imports the package and loads the
                  compiled monthly step)
  min/100 worlds  minutes per 100 worlds on the given workers, as measured (wall, including
                  starting the workers), and as an idle machine would do it (CPU seconds /
                  workers)
  shipped         the shipped size (size.worlds x replicates, the allocator on
                  size.allocator_worlds worlds): projected minutes on these workers and on a
                  64-worker Dask cluster (CPU seconds / 64, but never less than the longest
                  single run, plus a minute for workers to start and compile)

The allocator is slow, so by default it is measured over a shorter horizon
(--allocator-years) and scaled to the study's years in proportion (its cost per year is
roughly constant). The machine's load average is printed: on a shared machine the wall-clock
figures are pessimistic and the CPU-based ones are the idle-machine estimate.

    python benchmarks/decide.py                          # 2 worlds of rules, 1 of the allocator
    python benchmarks/decide.py --worlds 4 --allocator-worlds 2 --csv decide_bench.csv
    python benchmarks/decide.py --quick                  # the quick configuration, seconds
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.studies.decision import Decision, read_study  # noqa: E402

CLUSTER_WORKERS = 64
CLUSTER_STARTUP_S = 60.0  # workers import the package and compile the monthly step once


def _phase(cfg, workers: int, label: str) -> dict:
    """Run `cfg` into a temporary folder; wall time and the per-run seconds of its runs."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        decision = Decision(cfg).run(out, workers=workers, progress=False)
        wall = time.perf_counter() - start
        runs = decision._results().runs
        cpu = decision._results().summary.groupby("run_id")["cpu_seconds"].first()
        runs = runs.assign(cpu_seconds=runs["run_id"].map(cpu))
    return {"label": label, "wall": wall, "runs": runs}


def measure(args: argparse.Namespace) -> list[dict]:
    shipped = read_study(args.file, quick=args.quick)
    rules_cfg = dataclasses.replace(shipped, worlds=args.worlds, allocator_worlds=0)
    allocator = tuple(p for p in shipped.policies if p.group == "allocator")
    years = args.allocator_years if args.allocator_years else shipped.years
    years = min(years, shipped.years)
    alloc_cfg = dataclasses.replace(shipped, worlds=args.allocator_worlds, allocator_worlds=args.allocator_worlds,
                                    policies=allocator, years=years)
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", file=sys.stderr)
    rows = []
    rules = _phase(rules_cfg, args.workers, "rules")
    r = rules["runs"]
    # the median run: the first run in each worker also imports and loads the compiled step
    per_world_cpu = r["cpu_seconds"].median() * len(r) / args.worlds
    per_world_wall = rules["wall"] / args.worlds
    rows.append({"policies": f"rules ({len(shipped.rule_policies)} + twin)", "measured_worlds": args.worlds,
                 "runs": len(r), "years": shipped.years, "s_per_run": r["wall_seconds"].median(),
                 "cpu_s_per_run": r["cpu_seconds"].median(),
                 "min_per_100_worlds": per_world_wall * 100 / 60,
                 "min_per_100_worlds_idle": per_world_cpu * 100 / args.workers / 60,
                 "shipped_worlds": shipped.worlds, "cpu_s_per_world": per_world_cpu,
                 "longest_run_cpu_s": r["cpu_seconds"].max(), "wall_per_world": per_world_wall})
    if allocator and args.allocator_worlds:
        alloc = _phase(alloc_cfg, args.workers, "allocator")
        a = alloc["runs"]
        a_alloc = a[a["policy"].isin([p.name for p in allocator])]
        scale = shipped.years / years
        twin_cpu = a.loc[~a.index.isin(a_alloc.index), "cpu_seconds"].sum()
        twin_share = twin_cpu / max(a["cpu_seconds"].sum(), 1e-9)
        per_world_cpu = a_alloc["cpu_seconds"].median() * len(a_alloc) / args.allocator_worlds * scale
        per_world_wall = alloc["wall"] * (1 - twin_share) / args.allocator_worlds * scale
        rows.append({"policies": f"allocator ({len(allocator)})", "measured_worlds": args.allocator_worlds,
                     "runs": len(a_alloc), "years": f"{years} (x{scale:g})",
                     "s_per_run": a_alloc["wall_seconds"].median() * scale,
                     "cpu_s_per_run": a_alloc["cpu_seconds"].median() * scale,
                     "min_per_100_worlds": per_world_wall * 100 / 60,
                     "min_per_100_worlds_idle": per_world_cpu * 100 / args.workers / 60,
                     "shipped_worlds": shipped.n_allocator_worlds, "cpu_s_per_world": per_world_cpu,
                     "longest_run_cpu_s": a_alloc["cpu_seconds"].max() * scale, "wall_per_world": per_world_wall})
    print(f"load average after: {os.getloadavg()[0]:.1f}", file=sys.stderr)
    total_cpu = sum(row["cpu_s_per_world"] * row["shipped_worlds"] for row in rows)
    total_wall = sum(row["wall_per_world"] * row["shipped_worlds"] for row in rows)
    longest = max(row["longest_run_cpu_s"] for row in rows)
    for row in rows:
        row["shipped_min_workers"] = row["wall_per_world"] * row["shipped_worlds"] / 60
        row["shipped_min_idle"] = row["cpu_s_per_world"] * row["shipped_worlds"] / args.workers / 60
    rows.append({"policies": "shipped study", "measured_worlds": "", "runs": shipped.n_runs["total"],
                 "years": shipped.years, "shipped_worlds": f"{shipped.worlds} x {shipped.replicates} rep",
                 "shipped_min_workers": total_wall / 60, "shipped_min_idle": total_cpu / args.workers / 60,
                 "cluster_min": (max(total_cpu / CLUSTER_WORKERS, longest) + CLUSTER_STARTUP_S) / 60})
    return rows


COLUMNS = [("policies", "policies", "{}"), ("measured_worlds", "worlds run", "{}"), ("runs", "runs", "{}"),
           ("years", "years", "{}"), ("s_per_run", "s/run", "{:.1f}"), ("cpu_s_per_run", "cpu s/run", "{:.1f}"),
           ("min_per_100_worlds", "min/100 worlds", "{:.1f}"),
           ("min_per_100_worlds_idle", "min/100 worlds idle", "{:.1f}"),
           ("shipped_worlds", "shipped worlds", "{}"), ("shipped_min_workers", "shipped min", "{:.0f}"),
           ("shipped_min_idle", "shipped min idle", "{:.0f}"), ("cluster_min", f"{CLUSTER_WORKERS}-worker Dask min",
                                                               "{:.1f}")]


def print_table(rows: list[dict], workers: int) -> None:
    header = [title for _, title, _ in COLUMNS]
    cells = [[fmt.format(row[key]) if key in row and row[key] != "" else "" for key, _, fmt in COLUMNS]
             for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]
    print(f"decision study on {workers} workers ('idle': CPU seconds / workers, as an idle machine would run it)")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for c in cells:
        print("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", default=None, help="study file (default scenarios/studies/decide.toml)")
    parser.add_argument("--worlds", type=int, default=2, help="worlds of rule policies to run")
    parser.add_argument("--allocator-worlds", type=int, default=1, help="worlds of allocator policies to run")
    parser.add_argument("--allocator-years", type=int, default=4,
                        help="horizon of the allocator runs, scaled to the study's (0: the study's own)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="the study file's quick configuration")
    parser.add_argument("--csv", default=None, help="also write the table here")
    args = parser.parse_args()
    rows = measure(args)
    print_table(rows, args.workers)
    if args.csv:
        keys = list(dict.fromkeys(k for row in rows for k in row))
        with open(args.csv, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=keys)
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
