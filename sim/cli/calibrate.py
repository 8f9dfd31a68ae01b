"""`welfare-sim calibrate`: fit uncertain parameters to the national record; Isan 2023 held out."""

from __future__ import annotations

import argparse
import os
import tempfile
from typing import Any

HELP = 'fit uncertain parameters to the national record; Isan 2023 held out'


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default=None, help="output folder (default results/calibration)")
    p.add_argument("--quick", action="store_true", help="a small version (two provinces, few evaluations) to try it out")
    p.add_argument("--write-defaults", action="store_true",
                   help="write the fitted values back: model defaults into sim/data/parameters.toml, the set-up "
                        "budget into scenarios/history_2010.toml (with --from, from a finished calibration folder)")
    p.add_argument("--from", dest="from_folder", default=None,
                   help="with --write-defaults: take the fit from this calibration folder instead of running one")
    p.add_argument("--workers", type=int, default=max(1, min(2, os.cpu_count() or 1)), help="local processes")


def main(args: Any) -> int:
    """`welfare-sim calibrate [--out DIR] [--quick] [--workers N]`."""
    from sim.studies.calibration import CalibrationConfig, calibrate
    if getattr(args, "from_folder", None):
        if not args.write_defaults:
            from sim.errors import SimError
            raise SimError("--from needs --write-defaults (it writes a finished fit into the defaults)")
        from sim.studies.fitted_defaults import write_from_results
        for line in write_from_results(args.from_folder):
            print(f"wrote {line}")
        return 0
    workers = getattr(args, "workers", None) or max(1, min(2, os.cpu_count() or 1))
    cfg = CalibrationConfig.quick(workers) if args.quick else CalibrationConfig(workers=workers)
    out = args.out or (tempfile.mkdtemp(prefix="welfare-sim-calibration-quick-") if args.quick else "results/calibration")
    result = calibrate(cfg, out)
    from sim.report.manifest import write_results_manifest

    if args.write_defaults and not args.quick:  # before the manifest: it records the defaults as written
        from sim.studies.fitted_defaults import write_fitted_values
        for line in write_fitted_values(result["summary"]["fitted"]):
            print(f"wrote {line}")
    write_results_manifest(out, getattr(args, "command_line", "welfare-sim calibrate"))
    s = result["summary"]
    hold = s["holdout"]
    print(f"loss {s['loss_check']:.2f} ({s['inside_in_loss']} of {s['targets_in_loss']} targets inside their band); "
          f"held-out Isan 2023: {hold['simulated_funds']:,.0f} funds vs 2,000+ -> "
          f"{'PASS' if hold['passed'] else 'FAIL'}; see {out}/calibration.md")
    return 0
