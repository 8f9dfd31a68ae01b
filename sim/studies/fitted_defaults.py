"""Write a calibration's fitted values back where they live, so the fit is the default.

`welfare-sim calibrate --write-defaults` (or `write_fitted_values` on a finished
``results/calibration/calibration.json``) puts each fitted **model default** into
``sim/data/parameters.toml`` (the ``value = ...`` line of its table, nothing else of the file
touched: comments, sources and bands stay) and the fitted **history input** (the 2010-2013
set-up budget) into the history file's ``[budget] development_thb_per_year``. Done by hand
before, which is how a committed fit and the defaults drift apart; the manifest then records
the defaults hash after the write, so ``tests/test_calibration.py`` can re-run the search
sample at the defaults and find the committed residuals.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

from sim.errors import SimError
from sim.inputs.parameters import default_parameters, default_parameters_path
from sim.studies.calibration import HISTORY_FILE, SETUP_BUDGET

PARAMETERS_FILE = default_parameters_path()


def _format(value: float) -> str:
    """Four significant figures (the fit's precision is far coarser), integers with separators."""
    if abs(value) >= 1e5:
        return f"{int(round(value, -4)):_}"
    return f"{float(f'{value:.4g}')!r}"


def write_model_default(path: str, value: float, file: Path = PARAMETERS_FILE) -> None:
    """Replace the `value = ...` line of the table `[path]` in the parameter file."""
    text = file.read_text(encoding="utf-8")
    header = re.search(rf"^\[{re.escape(path)}\]\s*$", text, flags=re.M)
    if header is None:
        raise SimError(f"{file}: no table [{path}] to write the fitted value into")
    line = re.compile(r"^value\s*=.*$", flags=re.M).search(text, header.end())
    following = re.compile(r"^\[", flags=re.M).search(text, header.end())
    if line is None or (following is not None and line.start() > following.start()):
        raise SimError(f"{file}: table [{path}] has no `value = ...` line")
    file.write_text(text[:line.start()] + f"value = {_format(value)}" + text[line.end():], encoding="utf-8")


def write_history_budget(value: float, file: Path = HISTORY_FILE) -> None:
    """Replace the history file's `[budget] development_thb_per_year` (keeping its comment)."""
    text = file.read_text(encoding="utf-8")
    budget = re.search(r"^\[budget\]\s*$", text, flags=re.M)
    if budget is None:
        raise SimError(f"{file}: no [budget] table for the fitted set-up budget")
    line = re.compile(r"^development_thb_per_year\s*=\s*[0-9_.eE+]+", flags=re.M).search(text, budget.end())
    if line is None:
        raise SimError(f"{file}: [budget] has no development_thb_per_year to replace")
    new = f"development_thb_per_year = {int(round(value, -5)):_}"
    file.write_text(text[:line.start()] + new + text[line.end():], encoding="utf-8")


def write_fitted_values(fitted: Mapping[str, float]) -> list[str]:
    """Write every fitted value; returns one line per value written, for the user."""
    lines = []
    for path, value in fitted.items():
        if path == SETUP_BUDGET:
            write_history_budget(value)
            lines.append(f"{HISTORY_FILE.name}: budget.development_thb_per_year = {value:,.0f}")
        else:
            write_model_default(path, value)
            lines.append(f"{PARAMETERS_FILE.name}: {path} = {_format(value)}")
    default_parameters.cache_clear()  # this process reads (and hashes) the new defaults from here on
    return lines


def write_from_results(folder: str | Path) -> list[str]:
    """The fitted values of a finished calibration folder, written back."""
    file = Path(folder) / "calibration.json"
    try:
        fitted = json.loads(file.read_text(encoding="utf-8"))["fitted"]
    except FileNotFoundError:
        raise SimError("no calibration.json here: give the folder a finished `welfare-sim calibrate` wrote",
                       path=str(folder)) from None
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise SimError(f"not a finished calibration ({type(err).__name__}: {err})", path=str(file)) from None
    return write_fitted_values(fitted)
