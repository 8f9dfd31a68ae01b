"""`welfare-sim decide`: which practice is robust across plausible worlds, where zones win, what to measure."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from sim.errors import SimError

HELP = "which practice is robust across plausible worlds, where zones win, and what to measure first"
QUICK_PREFIX = "welfare-sim-decide-quick-"


def quick_out() -> Path:
    """A fresh temporary folder for a quick run (never results/, never yesterday's runs)."""
    return Path(tempfile.mkdtemp(prefix=QUICK_PREFIX))


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--file", default=None,
                   help="study file (default scenarios/studies/decide.toml: coefficients, policies, size)")
    p.add_argument("--worlds", type=int, default=None, help="worlds in the Latin hypercube (default: the file's)")
    p.add_argument("--replicates", type=int, default=None, help="replicates per world and policy (default: the file's)")
    p.add_argument("--allocator-worlds", type=int, default=None,
                   help="worlds the allocator policies run in (the first N; default: the file's)")
    p.add_argument("--out", default=None, help="output folder (default results/decision; with --quick a new "
                   f"temporary folder, {tempfile.gettempdir()}/{QUICK_PREFIX}...); re-running the same study resumes")
    p.add_argument("--workers", type=int, default=max(1, min(2, os.cpu_count() or 1)), help="local processes")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address (tcp://host:8786) to run on a cluster")
    p.add_argument("--quick", action="store_true",
                   help="one province, two years, a handful of worlds: a smoke test under a minute")


def main(args: Any) -> int:
    """`welfare-sim decide [--worlds N] [--replicates R] [--out DIR] [--workers N] [--scheduler ADDRESS] [--quick]`."""
    from sim.studies.decision import Decision, format_minutes

    for flag in ("worlds", "replicates", "workers"):
        value = getattr(args, flag, None)
        if value is not None and value < 1:
            raise SimError(f"--{flag} must be at least 1, got {value}")
    decision = Decision.from_file(args.file, quick=args.quick, worlds=args.worlds, replicates=args.replicates,
                                  allocator_worlds=args.allocator_worlds)
    out = Path(args.out) if args.out else (quick_out() if args.quick else Path("results") / "decision")
    cfg, runs = decision.config, decision.config.n_runs
    print(f"decide: {cfg.worlds} worlds x {len(cfg.rule_policies)} policies + twin x {cfg.replicates} replicates "
          f"({runs['rules']} runs), allocator in {cfg.n_allocator_worlds} worlds ({runs['allocator']} runs) -> {out}",
          file=sys.stderr)
    decision.run(out, workers=args.workers, scheduler=args.scheduler, progress=None if sys.stderr.isatty() else False)
    command = _command(args)
    written = decision.report(out, command=command)
    robust = decision.robustness()
    rules = robust[robust["comparison"] == robust["comparison"].iloc[0]]
    print(f"\nregret across {int(rules['worlds'].max())} worlds (discounted person-years protected):")
    shown = rules[["policy", "max_regret", "p90_regret", "mean_regret", "share_within_margin"]].copy()
    for column in ("max_regret", "p90_regret", "mean_regret"):
        shown[column] = shown[column].map(lambda v: f"{v:,.0f}")
    shown["share_within_margin"] = shown["share_within_margin"].map(lambda v: f"{v:.0%}")
    print(shown.rename(columns={"share_within_margin": f"within {cfg.margin:.0%}"}).to_string(index=False))
    print()
    for line in decision.preferred():
        print("- " + line.replace("**", "").replace("`", ""))
    wins = decision.zones_win()
    print(f"\nzones win in {int(wins['zones_win'].sum())} of {len(wins)} worlds")
    evppi = decision.evppi()
    top = evppi.head(3)
    print("measure first (EVPPI, person-years): " + "; ".join(
        f"{r.coefficient} {r.evppi:,.0f} [{r.ci_low:,.0f}-{r.ci_high:,.0f}]" for r in top.itertuples()))
    elapsed = decision.elapsed_seconds or 0.0
    print(f"\n{len(written)} files in {out} (see {out / 'decision.md'}); runs took {format_minutes(elapsed)}")
    return 0


def _command(args: Any) -> str:
    """The command line that recreates this folder (stored in the manifest)."""
    parts = ["welfare-sim", "decide"]
    for flag in ("file", "worlds", "replicates", "allocator_worlds", "out"):
        value = getattr(args, flag, None)
        if value is not None:
            parts += [f"--{flag.replace('_', '-')}", str(value)]
    if args.quick:
        parts.append("--quick")
    return " ".join(parts)
