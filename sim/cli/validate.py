"""`welfare-sim validate`: check scenario files without running them."""

from __future__ import annotations

import argparse
from typing import Any

from sim.errors import SimError

HELP = 'check scenario files without running them'


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", help="scenario TOML files")


def main(args: Any) -> int:
    """`welfare-sim validate FILE...`: one line per file, ``ok  FILE`` or ``error: FILE: …``.

    Exit status 0 only if every file is valid, so it can guard a shared scenario folder in CI.
    """
    from sim.inputs.scenario import load_scenario
    failed = 0
    for file in args.files:
        try:
            load_scenario(file)
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
