"""Files a planner or auditor opens: the allocation as CSV/XLSX, the model as LP/MPS.

Spreadsheet safety: any text cell that begins with ``= + - @``, a tab or a carriage return is
written with a leading apostrophe, so a unit name or scenario label can never run as a formula
(CSV/formula injection). Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.allocation.model_pulp import PulpModel
from sim.allocation.problem import AllocationProblem, prepare
from sim.allocation.result import AllocationResult
from sim.errors import SimError

UNIT_COLUMNS = [
    "level",
    "unit_id",
    "name_th",
    "name_en",
    "province_code",
    "funded",
    "amount_thb",
    "per_capita_thb",
    "floor_thb",
    "cap_thb",
    "floor_binds",
    "cap_binds",
    "marginal_value",
]
_RISKY = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: object) -> object:
    """Text that a spreadsheet shows as text: a leading apostrophe before a formula trigger."""
    if isinstance(value, str) and value.startswith(_RISKY):
        return "'" + value
    return value


def _package_version() -> str:
    from sim import __version__

    return __version__


def allocation_to_frames(result: AllocationResult) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """One row per unit, one row per constraint, and a header (budget, objective, version ...).

    The header has ``scenario`` and ``year`` set to None: the caller (the CLI) knows them.
    """
    if result.units is None:
        raise SimError(
            "this allocation result carries no units table to export", where="allocation"
        )
    units = result.units.set_index("unit_id").reindex(result.amounts_thb.index)
    cons = result.constraints
    binds = cons[cons["binding"] & cons["group"].isin(["floor", "cap"])]
    floor_binds = set(binds.loc[binds["group"] == "floor", "unit_id"])
    cap_binds = set(binds.loc[binds["group"] == "cap", "unit_id"])
    amount = result.amounts_thb
    population = units["population"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_capita = np.where(population > 0, amount.to_numpy() / population, np.nan)
    ids = amount.index
    frame = pd.DataFrame(
        {
            "level": units["level"].to_numpy(),
            "unit_id": ids.to_numpy(),
            "name_th": units["name_th"].to_numpy(),
            "name_en": units["name_en"].to_numpy(),
            "province_code": units["province_code"].to_numpy(),
            "funded": result.funded.to_numpy(),
            "amount_thb": amount.to_numpy(),
            "per_capita_thb": per_capita,
            "floor_thb": units["overhead_thb"].to_numpy(float),
            "cap_thb": units["cap_thb"].to_numpy(float),
            "floor_binds": [uid in floor_binds for uid in ids],
            "cap_binds": [uid in cap_binds for uid in ids],
            "marginal_value": result.unit_marginal_value.to_numpy(),
        },
        columns=UNIT_COLUMNS,
    )
    header = {
        "scenario": None,
        "year": None,
        "budget_thb": result.budget_thb,
        "spent_thb": float(amount.sum()),
        "objective": result.objective,
        "gain_people": result.gain_people,
        **{f"objective_{k}": v for k, v in result.objective_terms.items()},
        "solver": result.solver,
        "status": result.status,
        "solve_seconds": result.solve_seconds,
        "shadow_price_convention": "value of one more baht of the right-hand side",
        "package_version": _package_version(),
    }
    return frame, result.constraints.copy(), header


def _plain(value: object) -> object:
    """A cell value openpyxl writes faithfully: text made safe, NaN empty, inf as text."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
    if value is not None and not isinstance(value, (str, int, float, bool)):
        value = str(value)
    return safe_text(value)


def _safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(safe_text)
    return out


def _header_text(value: object) -> str:
    """A header value on one comment line."""
    value = _plain(value)
    return "" if value is None else " ".join(str(value).split())


def _write_csv(units: pd.DataFrame, cons: pd.DataFrame, header: dict, path: Path) -> list[Path]:
    cons_path = path.with_name(path.stem + "_constraints.csv")
    lines = "".join(f"# {k}: {_header_text(v)}\n" for k, v in header.items())
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(lines)
        _safe_frame(units).to_csv(f, index=False, quoting=csv.QUOTE_NONNUMERIC)
    with open(cons_path, "w", encoding="utf-8", newline="") as f:
        f.write(lines)
        _safe_frame(cons).to_csv(f, index=False, quoting=csv.QUOTE_NONNUMERIC)
    return [path, cons_path]


def _write_xlsx(units: pd.DataFrame, cons: pd.DataFrame, header: dict, path: Path) -> list[Path]:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    for sheet, frame in (("allocation", units), ("constraints", cons)):
        ws = book.active if sheet == "allocation" else book.create_sheet(sheet)
        ws.title = sheet
        for key, value in header.items():
            ws.append([key, _plain(value)])
        ws.append([])
        ws.append(list(frame.columns))
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False):
            ws.append([_plain(v) for v in row])
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula
    book.save(path)
    return [path]


def write_allocation(
    result: AllocationResult, path: str | Path, *, header: dict | None = None
) -> list[Path]:
    """Write the allocation to ``.csv`` (FILE and FILE_constraints.csv) or ``.xlsx``.

    ``header`` (e.g. ``{"scenario": ..., "year": ...}``) is merged over the default header of
    :func:`allocation_to_frames`; CSV files carry it as ``# key: value`` lines (read back with
    ``pd.read_csv(path, comment="#")``), XLSX sheets as a block above the table. Returns the
    paths written.
    """
    path = Path(path)
    units, cons, base = allocation_to_frames(result)
    base.update(header or {})
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _write_csv(units, cons, base, path)
    if suffix == ".xlsx":
        return _write_xlsx(units, cons, base, path)
    raise SimError(
        f"cannot write an allocation as {suffix or 'a file without suffix'}; use .csv or .xlsx",
        path=str(path),
    )


def write_lp(problem: AllocationProblem, path: str | Path, *, mip: bool = False) -> Path:
    """Write the PuLP model as ``.lp`` or ``.mps`` (objective sense kept) for auditors."""
    path = Path(path)
    model = PulpModel(prepare(problem), mip=mip)
    suffix = path.suffix.lower()
    if suffix == ".lp":
        model.prob.writeLP(str(path))
    elif suffix == ".mps":
        model.prob.writeMPS(str(path), with_objsense=True)
    else:
        raise SimError(
            f"cannot write a model as {suffix or 'a file without suffix'}; use .lp or .mps",
            path=str(path),
        )
    return path
