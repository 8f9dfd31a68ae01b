"""Command line: `welfare-sim COMMAND ...` (also `python -m sim`).

Each command is a thin shell over a function in the package, imported only when the
command runs so that `welfare-sim --help` stays fast. User errors (:class:`SimError`) are
printed as one line on stderr with exit status 1, never as a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from sim import __version__
from sim.errors import SimError

Command = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], str]] = {}


def command(name: str, help: str, target: str):
    """Register a sub-command: `target` is "module:function" taking the parsed args."""

    def register(add_arguments: Callable[[argparse.ArgumentParser], None]):
        COMMANDS[name] = (help, add_arguments, target)
        return add_arguments

    return register


# --- commands -------------------------------------------------------------------------------
# Keep each block small: arguments here, behaviour in the module named by `target`.


@command("params", "list every parameter with value, unit, range and source", "sim.parameters:cli_params")
def _params(p: argparse.ArgumentParser) -> None:
    p.add_argument("--filter", default=None, help="show only parameters whose path contains this text")
    p.add_argument("--status", choices=["sourced", "derived", "assumed", "fitted", "general knowledge"],
                   default=None, help="show only parameters with this status")
    p.add_argument("--format", choices=["table", "csv"], default="table")


@command("validate", "check scenario files without running them", "sim.scenario:cli_validate")
def _validate(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", help="scenario TOML files")


@command("run", "run a scenario and write its tables (Parquet) and manifest", "sim.outputs:cli_run")
def _run(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario file, or the name of a shipped scenario (e.g. zone_all_2023)")
    p.add_argument("--out", default=None, help="output folder (default results/SCENARIO_NAME)")
    p.add_argument("--replicates", type=int, default=None, help="number of replicates (default: the scenario's)")
    p.add_argument("--seed", type=int, default=None, help="base seed (default: the scenario's)")
    p.add_argument("--years", type=int, default=None, help="override the horizon in years")
    p.add_argument("--members-by-band", action="store_true", help="add members by age band to fund_years")
    p.add_argument("--no-funds", action="store_true", help="skip the per-fund table (smaller output)")


@command("compare", "compare scenarios on common random numbers (paired differences, 95%% CI)", "sim.compare:cli_compare")
def _compare(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenarios", nargs="+", help="scenario files or names; the first is the baseline")
    p.add_argument("--replicates", type=int, default=10, help="replicates per scenario (default 10)")
    p.add_argument("--out", default=None, help="output folder (default results/compare_A_vs_B...)")
    p.add_argument("--seed", type=int, default=None, help="common base seed (default: the first scenario's)")
    p.add_argument("--years", type=int, default=None, help="override the horizon in years")
    p.add_argument("--workers", type=int, default=max(1, min(2, os.cpu_count() or 1)), help="local processes")
    p.add_argument("--lang", choices=["en", "th"], default="en", help="language of figures")


@command("allocate", "recommend next year's allocation (LP) and export it for planners", "sim.allocate:cli_allocate")
def _allocate(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", help="scenario file or name")
    p.add_argument("--year", type=int, default=None, help="year to allocate (default: the scenario's start year)")
    p.add_argument("--out", required=True, help="FILE.xlsx or FILE.csv (constraints go to FILE_constraints.csv)")
    p.add_argument("--budget", type=float, default=None, help="override the year's budget (THB) for what-if questions")
    p.add_argument("--lp", default=None, help="also write the model for auditors (MODEL.lp or MODEL.mps)")
    p.add_argument("--replicate", type=int, default=0, help="simulated replicate whose state is used (default 0)")
    p.add_argument("--mip", action="store_true", help="let a mixed-integer model choose which units to fund")
    p.add_argument("--robust", type=int, default=0, metavar="K", help="also a CVaR-robust allocation over K parameter sets")


@command("sweep", "run a parameter sweep (local processes, or a Dask cluster); resumes if re-run", "sim.experiments.sweep:cli_sweep")
def _sweep(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="sweep file (TOML)")
    p.add_argument("--out", default=None, help="output folder (default results/SWEEP_NAME); re-running resumes")
    p.add_argument("--workers", type=int, default=None, help="local worker processes (default: all cores)")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786")
    p.add_argument("--limit", type=int, default=None, help="run only the first N points (all their replicates)")


@command("answer", "the province-versus-zone answer: zone-share sweep, optimum, break-even frontier", "sim.zone_answer:cli_answer")
def _answer(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="results/answer", help="output folder (default results/answer); re-running resumes")
    p.add_argument("--workers", type=int, default=max(1, min(2, os.cpu_count() or 1)), help="local processes")
    p.add_argument("--quick", action="store_true", help="a small version (two provinces, few replicates) to try it out")


@command("plot", "draw the figures of a results folder", "sim.plots:cli_plot")
def _plot(p: argparse.ArgumentParser) -> None:
    p.add_argument("results_dir", help="a folder written by run, compare or sweep")
    p.add_argument("--lang", choices=["en", "th"], default="en", help="language of the figures")
    p.add_argument("--out", default=None, help="folder for the figures (default RESULTS_DIR/figures)")


@command("figures", "regenerate the README figures under results/figures/", "sim.plots:cli_figures")
def _figures(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="results/figures", help="folder for the figures (default results/figures)")
    p.add_argument("--lang", choices=["en", "th"], default="en", help="language of the figures")
    p.add_argument("--years", type=int, default=5, help="years simulated (default 5)")
    p.add_argument("--replicates", type=int, default=5, help="replicates per scenario and sweep point (default 5)")
    p.add_argument("--workers", type=int, default=max(1, min(2, os.cpu_count() or 1)), help="local processes")


@command("calibrate", "fit uncertain parameters to the national record; Isan 2023 held out", "sim.calibration:cli_calibrate")
def _calibrate(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default=None, help="output folder (default results/calibration)")
    p.add_argument("--quick", action="store_true", help="a small version (two provinces, few evaluations) to try it out")
    p.add_argument("--workers", type=int, default=max(1, min(2, os.cpu_count() or 1)), help="local processes")


@command("sensitivity", "which assumptions drive the zone-versus-province answer (Morris, then Sobol)", "sim.sensitivity_study:cli_sensitivity")
def _sensitivity(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default=None, help="output folder (default results/sensitivity); re-running resumes")
    p.add_argument("--quick", action="store_true", help="a small version (two provinces, few parameters) to try it out")
    p.add_argument("--workers", type=int, default=max(1, min(2, os.cpu_count() or 1)), help="local processes")


# --- entry point ----------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse, except that a usage mistake is one line like every other error."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="welfare-sim",
        description="Simulate Thailand's community welfare funds and the development budget "
        "that grows them (province and zone level).",
    )
    parser.add_argument("--version", action="version", version=f"welfare-sim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, add_arguments, _target) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        add_arguments(p)
    return parser


def _resolve(target: str) -> Command:
    import importlib

    module_name, func_name = target.split(":")
    return getattr(importlib.import_module(module_name), func_name)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse already printed a one-line usage error (_Parser)
        return 0 if exit_.code in (0, None) else 1
    if not args.command:
        parser.print_help()
        return 0
    try:
        return int(_resolve(COMMANDS[args.command][2])(args) or 0)
    except SimError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
