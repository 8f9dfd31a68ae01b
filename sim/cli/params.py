"""`welfare-sim params`: list every parameter with value, unit, range and source."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sim.errors import SimError

HELP = 'list every parameter with value, unit, range, plausible band and source'


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--filter", default=None, help="show only parameters whose path contains this text")
    p.add_argument("--status", choices=["sourced", "derived", "assumed", "fitted", "general knowledge"],
                   default=None, help="show only parameters with this status")
    p.add_argument("--format", choices=["table", "csv"], default="table")


def main(args: Any) -> int:
    """`welfare-sim params [--filter TEXT] [--status S] [--format table|csv]`: the parameter list.

    Shows value, range, plausible band, source and unit of each parameter so a policymaker can
    see what a run assumes without opening the TOML file (the CSV adds why each band is that
    wide).
    """
    import csv

    from sim.inputs.parameters import _suggest, _table, default_parameters, format_value
    params = default_parameters()
    text = (getattr(args, "filter", None) or "").lower()
    status = getattr(args, "status", None)
    selected = [
        d
        for path, d in params.definitions.items()
        if text in path.lower() and (status is None or d.status == status)
    ]
    if not selected:
        words = {part for path in params.definitions for part in [path, *path.split(".")]}
        hint = _suggest(text, words) if text else ""
        raise SimError(f"no parameter matches {text!r}{hint}", where="params --filter")
    if getattr(args, "format", "table") == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(
            ["path", "value", "unit", "low", "high", "choices", "source", "status", "description",
             "band_low", "band_high", "band_reason"]
        )
        for d in selected:
            value = params[d.path]
            writer.writerow(
                [
                    d.path,
                    format_value(value).strip('"'),
                    d.unit,
                    "" if d.low is None else format_value(d.low),
                    "" if d.high is None else format_value(d.high),
                    " ".join(d.choices or ()),
                    d.source,
                    d.status,
                    d.description,
                    "" if d.band is None else format_value(d.band[0]),
                    "" if d.band is None else format_value(d.band[1]),
                    d.band_reason,
                ]
            )
        return 0
    rows = [
        [d.path, format_value(params[d.path]), d.range_text(), d.band_text(), d.source, d.unit]
        for d in selected
    ]
    print(_table(rows, ["path", "value", "range", "band", "source", "unit"]))
    return 0
