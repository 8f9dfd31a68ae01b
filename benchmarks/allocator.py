"""Allocator speed on fixed workloads: prints a table (and optionally writes CSV). Not a test.

    .venv/bin/python benchmarks/allocator.py [--repeat 7] [--csv out.csv]

Workloads (seeded, from ``sim.allocation.examples``):
  isan-levels   1 region + 5 province groups + 20 provinces + 100 zones = 126 units, 5 segments
  isan-mentors  the same plus 2,678 mentor funds = 2,804 units
Each is timed end to end (validate + diagnose + build + solve + duals + explained result) on the
fast path (numpy -> highspy) and through PuLP, with the phases beside; plus a warm re-solve
after a budget change, the MIP with every zone "choose", and a robust CVaR over 20 curve sets.
Goals: isan-levels fast <= 50 ms, isan-mentors fast <= 300 ms.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

import numpy as np
import pandas as pd

from sim.allocation import solve, solve_robust
from sim.allocation.examples import isan_like_problem
from sim.allocation.explain import build_result
from sim.allocation.model_highs import FastModel
from sim.allocation.model_pulp import PulpModel
from sim.allocation.problem import diagnose, prepare

GOALS_MS = {("isan-levels", "fast"): 50.0, ("isan-mentors", "fast"): 300.0}


def workloads() -> dict:
    return {
        "isan-levels": isan_like_problem(2023, provinces=20, zones_per_province=5, segments=5),
        "isan-mentors": isan_like_problem(
            2023, provinces=20, zones_per_province=5, mentors=2678, segments=5
        ),
    }


def fast_phases(problem) -> dict[str, float]:
    t0 = time.perf_counter()
    prep = prepare(problem)
    diagnose(prep)
    t1 = time.perf_counter()
    model = FastModel(prep)
    t2 = time.perf_counter()
    model.solve()
    t3 = time.perf_counter()
    return {"validate": t1 - t0, "build": t2 - t1, "solve+duals": t3 - t2, "total": t3 - t0}


def pulp_phases(problem) -> dict[str, float]:
    t0 = time.perf_counter()
    prep = prepare(problem)
    diagnose(prep)
    t1 = time.perf_counter()
    model = PulpModel(prep)
    t2 = time.perf_counter()
    model.run()
    rows, q = model.duals()
    build_result(
        prep,
        model.money_above_overhead(),
        prep.funded_fixed,
        rows,
        q,
        solver="",
        status="",
        seconds=0,
    )
    t4 = time.perf_counter()
    return {"validate": t1 - t0, "build": t2 - t1, "solve+duals": t4 - t2, "total": t4 - t0}


def resolve_phase(problem) -> dict[str, float]:
    model = FastModel(problem)
    model.solve()
    model.set_budget(problem.budget_thb * 1.05)
    t0 = time.perf_counter()
    model.solve()
    return {"total": time.perf_counter() - t0}


def timed(fn, repeat: int) -> dict[str, float]:
    runs = [fn() for _ in range(repeat)]
    return {k: 1000 * statistics.median(r[k] for r in runs) for k in runs[0]} | {
        "min": 1000 * min(r["total"] for r in runs)
    }


def once(fn) -> dict[str, float]:
    t0 = time.perf_counter()
    fn()
    return {"total": time.perf_counter() - t0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--csv", help="also write the table here")
    args = parser.parse_args()

    solve(isan_like_problem(0, provinces=2, zones_per_province=2))  # warm imports and HiGHS
    rows = []
    for name, problem in workloads().items():
        n = len(problem.units)
        cases = [
            ("fast", lambda p=problem: fast_phases(p)),
            ("pulp", lambda p=problem: pulp_phases(p)),
            ("fast re-solve (budget +5%)", lambda p=problem: resolve_phase(p)),
        ]
        if name == "isan-levels":
            units = problem.units.assign(
                funded=np.where(problem.units["level"] == "zone", "choose", "yes")
            )
            mip = dataclasses.replace(problem, units=units, spend_all=False, equity_ratio=None)
            cases.append(
                ("fast MIP (zones choose)", lambda p=mip: once(lambda: solve(p, mip=True)))
            )
            rng = np.random.default_rng(1)
            sets = [
                (problem.breakpoints_thb, problem.slopes * rng.lognormal(0, 0.5, (n, 1)))
                for _ in range(20)
            ]
            cases.append(
                (
                    "robust CVaR, 20 curve sets",
                    lambda p=problem, s=sets: once(lambda: solve_robust(p, s)),
                )
            )
        for path, fn in cases:
            repeat = (
                args.repeat
                if path in ("fast", "pulp", "fast re-solve (budget +5%)")
                else max(1, args.repeat // 3)
            )
            t = timed(fn, repeat)
            goal = GOALS_MS.get((name, path))
            rows.append(
                {
                    "workload": name,
                    "units": n,
                    "path": path,
                    "validate_ms": t.get("validate"),
                    "build_ms": t.get("build"),
                    "solve_duals_ms": t.get("solve+duals"),
                    "total_ms": t["total"],
                    "min_ms": t["min"],
                    "goal_ms": goal,
                    "meets_goal": None if goal is None else t["total"] <= goal,
                }
            )
    table = pd.DataFrame(rows)
    with pd.option_context(
        "display.width", 160, "display.max_columns", 20, "display.float_format", "{:.1f}".format
    ):
        print(table.to_string(index=False))
    if args.csv:
        table.to_csv(args.csv, index=False)


if __name__ == "__main__":
    main()
