"""`welfare-sim figures`: regenerate the README figures under results/figures/."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from sim.errors import SimError

HELP = 'regenerate the README figures under results/figures/'


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="results/figures", help="folder for the figures (default results/figures)")
    p.add_argument("--lang", choices=["en", "th"], default="en", help="language of the figures")
    p.add_argument("--years", type=int, default=20, help="years simulated (default 20, the shipped horizon)")
    p.add_argument("--replicates", type=int, default=5, help="replicates per scenario and sweep point (default 5)")
    p.add_argument("--workers", type=int, default=max(1, min(2, os.cpu_count() or 1)), help="local processes")


def main(args: Any) -> int:
    """`welfare-sim figures`: regenerate the README figures from a small but real run.

    Isan, twenty years: CODI's three practices compared on common random numbers, coverage by
    province in the final year, and a zone-share sweep. A few minutes on two cores.
    """
    import sys


    def given(name: str, default: int) -> int:  # not `or`: --years 0 is an error, not the default
        value = getattr(args, name, None)
        return int(default if value is None else value)

    years, replicates, workers = given("years", 20), given("replicates", 5), given("workers", 2)
    lang = getattr(args, "lang", None) or "en"
    for flag, value, least in (("--years", years, 1), ("--replicates", replicates, 2), ("--workers", workers, 1)):
        if value < least:
            raise SimError(f"{flag} must be at least {least}, got {value}")
    if years > 100:
        raise SimError(f"--years must be at most 100, got {years}")
    from sim.studies.figures import readme_figures

    written = readme_figures(getattr(args, "out", None) or Path("results") / "figures", years=years,
                             replicates=replicates, workers=workers, lang=lang,
                             log=lambda message: print(message, file=sys.stderr))
    from sim.report.manifest import write_results_manifest

    write_results_manifest(getattr(args, "out", None) or Path("results") / "figures", getattr(args, "command_line", "welfare-sim figures"))
    for path in written:
        print(f"wrote {path}")
    return 0
