"""`welfare-sim plot`: draw the figures of a results folder."""

from __future__ import annotations

import argparse
from typing import Any

HELP = 'draw the figures of a results folder'


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("results_dir", help="a folder written by run, compare or sweep")
    p.add_argument("--lang", choices=["en", "th"], default="en", help="language of the figures")
    p.add_argument("--out", default=None, help="folder for the figures (default RESULTS_DIR/figures)")


def main(args: Any) -> int:
    """`welfare-sim plot RESULTS_DIR [--lang en|th] [--out DIR]`."""
    from sim.studies.figures import plot_results_dir
    for path in plot_results_dir(args.results_dir, lang=args.lang, out=args.out):
        print(f"wrote {path}")
    return 0
