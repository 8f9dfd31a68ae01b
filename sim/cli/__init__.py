"""Command line: `welfare-sim COMMAND ...` (also `python -m sim`) — the top layer.

One module per command, each with ``HELP``, ``add_arguments(parser)`` and ``main(args)``.
This package is the only place that parses argv or prints for the terminal; it may import
every layer below. Each command imports the package's heavy modules inside ``main`` so
that ``welfare-sim --help`` stays fast. User errors (:class:`SimError`) are printed as one
line on stderr with exit status 1, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import shlex
import sys
from collections.abc import Sequence

from sim import __version__
from sim.errors import SimError

# The order in which `welfare-sim --help` lists them: from inputs to studies.
COMMANDS = ("params", "validate", "run", "compare", "allocate", "sweep", "answer", "plot", "figures",
            "calibrate", "sensitivity", "decide", "refit-value")


class _Parser(argparse.ArgumentParser):
    """argparse, except that a usage mistake is one line like every other error."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def command_module(name: str):
    return importlib.import_module(f"sim.cli.{name.replace('-', '_')}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="welfare-sim",
        description="Simulate Thailand's community welfare funds and the development budget "
        "that grows them (province and zone level).",
    )
    parser.add_argument("--version", action="version", version=f"welfare-sim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = command_module(name)
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse already printed a one-line usage error (_Parser)
        return 0 if exit_.code in (0, None) else 1
    if not args.command:
        parser.print_help()
        return 0
    words = list(sys.argv[1:] if argv is None else argv)
    args.command_line = " ".join(["welfare-sim", *(shlex.quote(w) for w in words)])  # for manifests
    try:
        return int(command_module(args.command).main(args) or 0)
    except SimError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
