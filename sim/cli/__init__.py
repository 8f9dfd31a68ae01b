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
import io
import os
import shlex
import sys
from collections.abc import Sequence

from sim import __version__
from sim.errors import SimError

# The order in which `welfare-sim --help` lists them: from inputs to studies.
COMMANDS = ("params", "validate", "run", "compare", "allocate", "sweep", "answer", "plot", "figures",
            "calibrate", "start-state", "sensitivity", "decide", "refit-value")


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
        # help= is %-formatted by argparse, description= is not: "95%% CI" must reach both as "95% CI"
        p = sub.add_parser(name, help=module.HELP, description=module.HELP.replace("%%", "%"))
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
    workers = getattr(args, "workers", None)  # every command that runs in parallel has --workers
    if workers is not None and workers < 1:
        print(f"error: welfare-sim {args.command}: --workers: must be a positive integer, got {workers}",
              file=sys.stderr)
        return 1
    try:
        return int(command_module(args.command).main(args) or 0)
    except SimError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader left early (`welfare-sim params | head`): stop quietly
        _drop_stdout()
        return 141  # 128 + SIGPIPE, what a shell reports for a writer whose pipe closed


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass  # not a real file (a test's capture): nothing will be flushed to the pipe


if __name__ == "__main__":
    raise SystemExit(main())
