"""`welfare-sim validate`: check scenario and sweep files without running them."""

from __future__ import annotations

import argparse
from typing import Any

from sim.errors import SimError

HELP = 'check scenario and sweep files without running them'


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", help="scenario or sweep files (TOML)")


def main(args: Any) -> int:
    """`welfare-sim validate FILE...`: one line per file, ``ok  FILE`` or ``error: FILE: …``.

    A sweep file (it has ``base`` or ``[[parameters]]``) is checked as `welfare-sim sweep`
    checks it before running: its keys, its base scenario, every parameter path and level.
    Exit status 0 only if every file is valid, so it can guard a shared scenario folder in CI.
    """
    from sim.experiments.sweepfile import is_sweep_file
    from sim.inputs.scenario import load_scenario
    from sim.world.scenario_inputs import check_inputs
    failed = 0
    for file in args.files:
        if is_sweep_file(file):
            failed += _validate_sweep(file)
            continue
        try:
            scenario = load_scenario(file)
            try:  # every input file the scenario names, read and checked as `run` reads it
                check_inputs(scenario)
            except SimError as err:
                raise SimError(f"[inputs]: {err}", path=file) from None
        except SimError as err:
            failed += 1
            message = str(err)
            if not message.startswith(f"{file}: "):
                message = f"{file}: via extends: {message}"
            print(f"error: {message}", flush=True)
        except Exception as err:  # a bug, but validate must still report every file
            failed += 1
            print(
                f"error: {file}: unexpected {type(err).__name__}: {err} (please report)", flush=True
            )
        else:
            print(f"ok  {file}", flush=True)
    return 1 if failed else 0


def _validate_sweep(file: str) -> int:
    """Check one sweep file and print its line; 1 if it has a problem."""
    from sim.experiments.sweep import Sweep, engine_validator
    from sim.inputs.scenario import as_scenario
    from sim.world.scenario_inputs import check_inputs

    try:
        sweep = Sweep.from_file(file)
        sweep.check(engine_validator(sweep.base))
        try:  # the base's input files, read and checked as its runs read them
            check_inputs(as_scenario(sweep.base))
        except SimError as err:
            raise SimError(f"base [inputs]: {err}", path=file) from None
    except SimError as err:
        message = str(err)
        if not message.startswith(f"{file}: "):
            message = f"{file}: via base: {message}"
        print(f"error: {message}", flush=True)
        return 1
    except Exception as err:  # a bug, but validate must still report every file
        print(f"error: {file}: unexpected {type(err).__name__}: {err} (please report)", flush=True)
        return 1
    runs = "run" if sweep.n_runs == 1 else "runs"
    print(f"ok  {file} (sweep: {sweep.n_points} points × {sweep.replicates} replicates = "
          f"{sweep.n_runs} {runs})", flush=True)
    return 0
