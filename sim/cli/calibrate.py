"""`welfare-sim calibrate`: fit uncertain parameters to the national record; Isan 2023 held out."""

from __future__ import annotations

import argparse
import os
from typing import Any

HELP = 'fit uncertain parameters to the national record; Isan 2023 held out'


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default=None, help="output folder (default results/calibration)")
    p.add_argument("--quick", action="store_true", help="a small version (two provinces, few evaluations) to try it out")
    p.add_argument("--workers", type=int, default=max(1, min(2, os.cpu_count() or 1)), help="local processes")


def main(args: Any) -> int:
    """`welfare-sim calibrate [--out DIR] [--quick] [--workers N]`."""
    from sim.studies.calibration import CalibrationConfig, calibrate
    workers = getattr(args, "workers", None) or max(1, min(2, os.cpu_count() or 1))
    cfg = CalibrationConfig.quick(workers) if args.quick else CalibrationConfig(workers=workers)
    out = args.out or ("results/calibration_quick" if args.quick else "results/calibration")
    result = calibrate(cfg, out)
    s = result["summary"]
    hold = s["holdout"]
    print(f"loss {s['loss_check']:.2f} ({s['inside_in_loss']} of {s['targets_in_loss']} targets inside their band); "
          f"held-out Isan 2023: {hold['simulated_funds']:,.0f} funds vs 2,000+ -> "
          f"{'PASS' if hold['passed'] else 'FAIL'}; see {out}/calibration.md")
    return 0
