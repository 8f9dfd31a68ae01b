"""`welfare-sim refit-value`: re-estimate the value of a fund's state the allocator reads."""

from __future__ import annotations

import argparse
import os

HELP = "re-estimate the value of a fund's state (the LP's multi-year objective) on simulated futures"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--years", type=int, default=14, help="years of each fitting run (default 14)")
    p.add_argument("--lead", type=int, default=9, help="years ahead fitted (default 9: horizons up to 10 years)")
    p.add_argument("--replicates", type=int, default=2, help="replicates per practice (default 2)")
    p.add_argument("--region", default=None, help="comma-separated province codes (default: the scenarios' Isan)")
    p.add_argument("--workers", type=int, default=max(1, min(2, os.cpu_count() or 1)), help="local processes")
    p.add_argument("--out", default=None,
                   help="file to write (default sim/data/state_value.json, the one the allocator reads)")


def main(args) -> int:
    from pathlib import Path

    from sim.errors import SimError
    from sim.model.state_value import DATA_FILE, FEATURES
    from sim.studies.refit_value import fit_state_value, write_state_value

    if args.lead < 1 or args.years <= args.lead:
        raise SimError(f"--years ({args.years}) must exceed --lead ({args.lead}), which must be at least 1")
    region = [c.strip() for c in args.region.split(",")] if args.region else None
    sv = fit_state_value(years=args.years, lead=args.lead, replicates=args.replicates, region=region,
                         workers=args.workers)
    out = Path(args.out) if args.out else DATA_FILE
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True)
    path, manifest = write_state_value(sv, getattr(args, "command_line", "welfare-sim refit-value"), out)
    print(f"state value fitted on {sum(sv.fit['rows_by_lead'][:1])} fund-years (lead 1); R^2 by lead: "
          + ", ".join(f"{r:.2f}" for r in sv.fit["r2_by_lead"]))
    horizon = min(5, sv.max_lead + 1)
    weights = sv.weights(horizon, 0.03)
    print(f"value of the state over a {horizon}-year horizon (3% discount), per unit of each feature: "
          + ", ".join(f"{f} {w:.2f}" for f, w in zip(FEATURES, weights, strict=True)))
    print(f"wrote {path} and {manifest}")
    return 0
