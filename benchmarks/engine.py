"""Engine speed against the goals of issue 15, with the machine's load beside every figure.

Prints three tables (and optionally writes them as CSV):

1. **Goals** — measured value, goal, met? — for a 20-year Isan replicate (summary table only)
   on one and on two threads, the whole country (7,436 sub-districts) on one thread with its
   peak memory, and the `lp` policy's seconds per simulated year on Isan (its whole year:
   outlook, curves, solves, then the twelve months).
2. **Context** — fund-months per second of the engine and of a Mesa peer model of a much
   simpler fund process (benchmarks/mesa_peer.py: 2,500 agents x 240 months, one binomial per
   agent-month), each with the count of fund-months it uses: the engine's counted both ways
   (sub-districts x months, and founded funds x months: the kernel skips places without a
   fund), Mesa's agents x months (every agent is a fund).
3. **Profile** of one Isan replicate on one thread by phase — monthly step, yearly rules,
   development (units, the outlook that values effort, targeting), policy (the allocation; the
   LP under `lp`), outputs — from cProfile with the process's CPU clock, and the kernel's
   random draws per founded fund-month, counted by the kernel itself in its debug build
   (WELFARE_SIM_COUNT_DRAWS=1, compiled fresh and never cached); and the `lp` policy's
   decision by phase (the year's outlook table, forecast views, placing effort, the curves'
   compiled sweeps, LP solves, the MIP), per simulated year.

Every workload runs in a fresh process (a warm-up replicate first, so compilation is not
timed); the figure is the minimum over repeats, wall clock, with the CPU time beside it. On a
loaded machine the wall clock of a one-thread run is stretched by the load; the CPU time is
closer to what a quiet machine shows. The goals are stated for a quiet 2-core machine.

    python benchmarks/engine.py [--repeats 3] [--skip-mesa] [--skip-lp] [--skip-draws] [--csv out]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"isan": 2678, "national": 7436}

WORKLOAD = r"""
import json, resource, time
import numba
numba.set_num_threads({threads})
from sim.inputs.scenario import scenario_from_dict
from sim.model.engine import Simulation, simulate
s = scenario_from_dict({{"run": {{"region": "{region}", "years": {years}}}, "policy": {{"kind": "{policy}"}}}})
simulate(s.with_overrides({{}}, years=1), 0, outputs=("summary",))   # compile, warm caches
walls, cpus, founded = [], [], 0
for r in range({repeats}):
    sim = Simulation(s, r + 1, outputs=("summary",))
    t, c = time.perf_counter(), time.process_time()
    months = 0
    while sim.year < sim.end:
        ctx = sim.prepare_year()
        sim.run_year(ctx, sim.decide(ctx))
        months += int(sim.state.founded.sum()) * 12
    sim.result()
    walls.append(time.perf_counter() - t)
    cpus.append(time.process_time() - c)
    founded = months
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": min(walls), "cpu_seconds": min(cpus), "peak_mb": peak, "founded_fund_months": founded}}))
"""

PROFILE = r"""
import cProfile, json, pstats, time
import numba
numba.set_num_threads(1)
from sim.inputs.scenario import scenario_from_dict
from sim.model.engine import simulate
s = scenario_from_dict({{"run": {{"region": "isan", "years": {years}}}, "policy": {{"kind": "{policy}"}}}})
simulate(s.with_overrides({{}}, years=1), 0, outputs=("summary",))
prof = cProfile.Profile(time.process_time)
prof.runcall(simulate, s, 7, outputs=("summary",))
stats = pstats.Stats(prof).stats
def cum(*names):
    return sum(v[3] for (path, _line, fn), v in stats.items() if fn in names and "/sim/" in path)
total = cum("simulate")
phases = {{
    "monthly": cum("month_step", "_add_founders"),
    "yearly": cum("begin_year", "end_year", "advance_population", "record_reliable_year", "join_rate",
                  "reach_of", "dropout_monthly", "paid_per_member_month", "synthetic_state"),
    "policy": cum("decide"),
    "outputs": cum("_summary_row", "_fund_rows", "_unit_rows", "result"),
}}
phases["development"] = max(total - sum(phases.values()), 0.0)
phases["total"] = total
print(json.dumps(phases))
"""

LP_PROFILE = r"""
import cProfile, json, pstats, time
import numba
numba.set_num_threads(1)
from sim.inputs.scenario import scenario_from_dict
from sim.model.engine import Simulation, simulate
s = scenario_from_dict({{"run": {{"region": "isan", "years": {years}}}, "policy": {{"kind": "lp"}}}})
simulate(s.with_overrides({{}}, years=1), 0, outputs=("summary",))
sim = Simulation(s, 1, outputs=("summary",))
prof = cProfile.Profile(time.process_time)
while sim.year < sim.end:
    ctx = sim.prepare_year()
    money = prof.runcall(sim.decide, ctx)
    sim.run_year(ctx, money)
stats = pstats.Stats(prof).stats
def cum(*names):
    return sum(v[3] for (path, _line, fn), v in stats.items() if fn in names and "/sim/" in path)
total = cum("decide")
phases = {{
    "outlook table": cum("year_tables"),
    "forecast views": cum("forecast_views"),
    "placing effort": cum("effort_by_level"),
    "curve sweeps": cum("level_gain"),
    "LP solves": cum("solve_lp"),
    "MIP": cum("mip_funded"),
}}
phases["rest"] = max(total - sum(phases.values()), 0.0)
phases["total"] = total
print(json.dumps({{k: v / {years} for k, v in phases.items()}}))
"""

DRAWS = r"""
import json
import numba
numba.set_num_threads(1)
import sim.model.engine as engine
from sim.inputs.scenario import scenario_from_dict
counted = {{"draws": 0, "founded_fund_months": 0, "counted": True}}
step = engine.month_step
def counting(*args):
    out = step(*args)
    if out is None:
        counted["counted"] = False
    else:
        counted["draws"] += int(out)
    counted["founded_fund_months"] += int(args[3].sum())
    return out
engine.month_step = counting
s = scenario_from_dict({{"run": {{"region": "isan", "years": {years}}}, "policy": {{"kind": "zone_share"}}}})
engine.simulate(s, 3, outputs=("summary",))
print(json.dumps(counted))
"""


def _python(code: str, env: dict | None = None, timeout: int = 3600) -> dict:
    full_env = {**os.environ, **(env or {})}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT,
                         env=full_env, timeout=timeout)
    return json.loads(out.stdout.strip().splitlines()[-1])


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (5-min {five:.1f}) on {os.cpu_count()} cores"


def run(region: str, years: int, threads: int, repeats: int, policy: str = "zone_share") -> dict:
    before = load()
    r = _python(WORKLOAD.format(region=region, years=years, threads=threads, repeats=repeats, policy=policy))
    r["load"] = f"{before} -> {load()}"
    return r


def goals(args) -> list[dict]:
    rows = []
    isan1 = run("isan", 20, 1, args.repeats)
    rows.append({"goal": "Isan 20 y, summary, 1 thread (s)", "measured": isan1["seconds"],
                 "cpu": isan1["cpu_seconds"], "target": 0.7, "load": isan1["load"], "_run": isan1})
    isan2 = run("isan", 20, 2, args.repeats)
    rows.append({"goal": "Isan 20 y, summary, 2 threads (s)", "measured": isan2["seconds"],
                 "cpu": isan2["cpu_seconds"], "target": 0.4, "load": isan2["load"], "_run": isan2})
    nat = run("national", 20, 1, max(args.repeats - 1, 1))
    rows.append({"goal": "National 20 y, 1 thread (s)", "measured": nat["seconds"], "cpu": nat["cpu_seconds"],
                 "target": 2.0, "load": nat["load"], "_run": nat})
    rows.append({"goal": "National peak memory (MB)", "measured": nat["peak_mb"], "cpu": float("nan"),
                 "target": 1024.0, "load": nat["load"]})
    if not args.skip_lp:
        years = args.lp_years
        lp = run("isan", years, 1, 1, policy="lp")
        rows.append({"goal": f"lp policy, Isan, s per simulated year ({years} y)", "measured": lp["seconds"] / years,
                     "cpu": lp["cpu_seconds"] / years, "target": 0.5, "load": lp["load"]})
    for row in rows:
        row["met"] = "yes" if row["measured"] <= row["target"] else "no"
    return rows


def context(args, isan_run: dict) -> list[dict]:
    months = 20 * 12
    rows = [
        {"model": "welfare-sim engine, Isan 20 y, 1 thread", "fund_months": SIZES["isan"] * months,
         "counted_as": "sub-districts x months", "seconds": isan_run["seconds"]},
        {"model": "welfare-sim engine, Isan 20 y, 1 thread", "fund_months": isan_run["founded_fund_months"],
         "counted_as": "founded funds x months", "seconds": isan_run["seconds"]},
    ]
    if not args.skip_mesa:
        before = load()
        sys.path.insert(0, str(ROOT / "benchmarks"))
        try:
            import mesa_peer

            peer = mesa_peer.run(2500, months, args.repeats)
            rows.append({"model": f"Mesa {peer['mesa_version']} peer (1 binomial per agent-month)",
                         "fund_months": peer["fund_months"], "counted_as": "agents x months (every agent a fund)",
                         "seconds": peer["seconds"]})
        except ImportError:
            print("(mesa is not installed: pip install -e .[bench] for the peer model)")
        rows[-1]["load"] = f"{before} -> {load()}"
    for row in rows:
        row["fund_months_per_second"] = row["fund_months"] / row["seconds"]
        row.setdefault("load", isan_run["load"])
    return rows


def profile(args) -> dict:
    before = load()
    phases = _python(PROFILE.format(years=20, policy="zone_share"))
    phases["load"] = f"{before} -> {load()}"
    if not args.skip_lp:
        phases["lp"] = _python(LP_PROFILE.format(years=args.lp_years))
    if not args.skip_draws:
        counted = _python(DRAWS.format(years=args.draw_years), env={"WELFARE_SIM_COUNT_DRAWS": "1"})
        phases["draws_per_founded_fund_month"] = (counted["draws"] / max(counted["founded_fund_months"], 1)
                                                  if counted["counted"] else float("nan"))
    return phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--lp-years", type=int, default=2, help="simulated years of the lp workload")
    parser.add_argument("--draw-years", type=int, default=3, help="simulated years of the draw count")
    parser.add_argument("--skip-mesa", action="store_true")
    parser.add_argument("--skip-lp", action="store_true")
    parser.add_argument("--skip-draws", action="store_true")
    parser.add_argument("--csv", default=None, help="prefix: writes <prefix>_goals.csv, _context.csv, _profile.csv")
    args = parser.parse_args()
    t0 = time.perf_counter()
    goal_rows = goals(args)
    print("\nGoals (issue 15; a quiet 2-core machine is assumed by the goals; load = 1-minute load average)")
    print(f"{'goal':<46}{'measured':>10}{'cpu s':>8}{'goal':>8}{'met':>5}   load")
    for r in goal_rows:
        print(f"{r['goal']:<46}{r['measured']:>10.2f}{r['cpu']:>8.2f}{r['target']:>8.2f}{r['met']:>5}   {r['load']}")
    context_rows = context(args, goal_rows[0]["_run"])
    print("\nContext: fund-months per second (each side's count of fund-months stated)")
    print(f"{'model':<52}{'fund-months':>12}{'counted as':>40}{'s':>7}{'fund-months/s':>15}")
    for r in context_rows:
        print(f"{r['model']:<52}{r['fund_months']:>12,}{r['counted_as']:>40}{r['seconds']:>7.2f}"
              f"{r['fund_months_per_second']:>15,.0f}")
    phases = profile(args)
    print(f"\nProfile, Isan 20 y, zone_share, 1 thread, CPU seconds by phase (load {phases['load']})")
    for name in ("monthly", "yearly", "development", "policy", "outputs", "total"):
        share = phases[name] / phases["total"] if phases["total"] else 0.0
        print(f"  {name:<12}{phases[name]:>7.2f} s {share:>6.0%}")
    if "lp" in phases:
        lp = phases["lp"]
        print("\nProfile of the lp policy's decision, Isan, 1 thread, CPU seconds per simulated year "
              "(the outlook table counts the placing and views of its reference strength)")
        for name, value in lp.items():
            print(f"  {name:<16}{value:>7.2f} s")
    if "draws_per_founded_fund_month" in phases:
        print(f"  random draws per founded fund-month (counted by the kernel's debug build): "
              f"{phases['draws_per_founded_fund_month']:.1f}")
    print(f"\n(benchmark wall time {time.perf_counter() - t0:.0f} s)")
    if args.csv:
        import csv

        profile_row = {k: v for k, v in phases.items() if k != "lp"}
        profile_row.update({f"lp {k}": v for k, v in phases.get("lp", {}).items()})
        for name, rows in (("goals", [{k: v for k, v in r.items() if k != "_run"} for r in goal_rows]),
                           ("context", context_rows), ("profile", [profile_row])):
            with open(f"{args.csv}_{name}.csv", "w", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)


if __name__ == "__main__":
    main()
