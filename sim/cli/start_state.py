"""`welfare-sim start-state`: the funds of 2023 as the calibrated history leaves them."""

from __future__ import annotations

import argparse
import os

HELP = "run the calibrated history (scenarios/history_2010.toml) to 2023 and keep its funds as the 2023 start"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--replicates", type=int, default=3,
                   help="history replicates kept (default 3; run replicate r starts from r mod R)")
    p.add_argument("--workers", type=int, default=max(1, min(2, os.cpu_count() or 1)), help="local processes")
    p.add_argument("--region", default=None,
                   help="comma-separated province codes, to try it out (default: the whole country)")
    p.add_argument("--out", default=None,
                   help="file to write (default sim/data/start_2023.npz, the one runs starting in 2023 read)")


def main(args) -> int:
    from pathlib import Path

    from sim.errors import SimError
    from sim.model.history_start import START_FILE
    from sim.studies.start_state import make_start_state, write_start_state

    if args.replicates < 1:
        raise SimError(f"--replicates must be at least 1 (got {args.replicates})")
    out = Path(args.out) if args.out else START_FILE
    if not out.parent.is_dir():
        raise SimError("no such folder", path=str(out.parent))
    region = [c.strip() for c in args.region.split(",")] if args.region else None
    data = make_start_state(args.replicates, args.workers, region)
    path, manifest, summary = write_start_state(data, getattr(args, "command_line", "welfare-sim start-state"), out)
    for row in summary["replicates"]:
        for name in ("national", "isan"):
            s = row[name]
            shares = ", ".join(f"{k} {v:.0%}" for k, v in s["status_shares"].items())
            print(f"replicate {row['replicate']}, {name}: {s['funds']:,} funds of {s['subdistricts']:,} sub-districts, "
                  f"{s['members_per_fund']:,.0f} members and {s['money_per_member_thb']:,.0f} baht per member "
                  f"per fund; {shares}")
    print(f"wrote {path} and {manifest}")
    return 0
