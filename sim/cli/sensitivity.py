"""`welfare-sim sensitivity`: which assumptions drive the zone-versus-province answer (Morris, then Sobol)."""

from __future__ import annotations

import argparse
import os
import tempfile
from typing import Any

from sim.errors import SimError

HELP = 'which assumptions drive the zone-versus-province answer (Morris, then Sobol)'


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default=None, help="output folder (default results/sensitivity); re-running resumes")
    p.add_argument("--quick", action="store_true", help="a small version (two provinces, few parameters) to try it out")
    p.add_argument("--workers", type=int, default=max(1, min(2, os.cpu_count() or 1)), help="local processes")


def main(args: Any) -> int:
    """`welfare-sim sensitivity [--out DIR] [--quick] [--workers N]`."""
    from sim.studies.sensitivity import StudyConfig, run_study
    workers = getattr(args, "workers", None) or max(1, min(2, os.cpu_count() or 1))
    cfg = StudyConfig.quick(workers) if args.quick else StudyConfig(workers=workers)
    out = args.out or (tempfile.mkdtemp(prefix="welfare-sim-sensitivity-quick-") if args.quick else "results/sensitivity")
    try:
        result = run_study(cfg, out)
        from sim.report.manifest import write_results_manifest

        write_results_manifest(out, getattr(args, "command_line", "welfare-sim sensitivity"))
    except SimError:
        raise
    top = result["ranking"].head(5)
    print("most influential (Morris mu*): " + "; ".join(f"{r.parameter} {r.mu_star:,.0f}" for r in top.itertuples()))
    print(f"see {out}/sensitivity.md")
    return 0
