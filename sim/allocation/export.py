"""Files a planner or auditor opens: the allocation as XLSX/CSV, the model as LP/MPS.

The workbook (``.xlsx``) is what a planning meeting reads:

* sheet 1, *summary*: the caller's plain-words summary (what to do, which constraints bind,
  what one more million baht would buy; :mod:`sim.studies.recommend` writes it in Thai or
  English), the money by level against the rule, and the run's details (scenario, year,
  budget, objective, solver, version);
* sheet 2, *allocation*: one row per unit, grouped by level; the header row frozen with the
  level, province and name columns, filters on, then a totals row per level and a grand total
  (equal to the budget when the budget binds) below the filtered range;
* sheet 3, *constraints*: every constraint with its slack, whether it binds and its shadow
  price per million baht.

Amounts are rounded to whole baht so that they add up exactly (largest remainders: the grand
total is the budget rounded to the baht) and written as numbers with a thousands-separator
number format, never as text. Headers come from ``labels`` (a mapping of keys to display text,
e.g. :func:`sim.report.labels.export_labels`); without it the keys themselves are shown.

The CSV (``FILE.csv``, ``FILE_constraints.csv``) is the same tables for programs: the keys as
column names on line 1, UTF-8 with a byte-order mark so Excel shows Thai names correctly, and
the metadata (header, summary, totals by level, column labels) in ``FILE_meta.json``.

Spreadsheet safety: any text cell that begins with ``= + - @``, a tab or a carriage return is
written with a leading apostrophe, so a unit name or scenario label can never run as a formula
(CSV/formula injection). Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.allocation.model_pulp import PulpModel
from sim.allocation.problem import LEVELS, AllocationProblem, prepare
from sim.allocation.result import AllocationResult
from sim.errors import SimError

UNIT_COLUMNS = [
    "level",
    "unit_id",
    "name_th",
    "name_en",
    "province_code",
    "province_th",
    "province_en",
    "funded",
    "population",
    "amount_thb",
    "rule_thb",
    "difference_thb",
    "per_capita_thb",
    "floor_thb",
    "cap_thb",
    "floor_binds",
    "cap_binds",
    "marginal_value",
    "people_per_million_thb",
]
"""Columns of the units table (CSV and :func:`allocation_to_frames`). ``marginal_value`` is
the value of one more baht in that unit (objective per baht); ``people_per_million_thb`` the
same per million baht. ``rule_thb`` and ``difference_thb`` are empty without a rule."""

CONSTRAINT_COLUMNS = [
    "name",
    "group",
    "sense",
    "unit_id",
    "lhs",
    "rhs",
    "slack",
    "binding",
    "shadow_price",
    "shadow_price_per_million",
]

SUMMARY_STYLES = ("title", "heading", "text", "item")
"""Kinds of summary line: a title, a section heading, a paragraph, an indented item."""

# Number formats: whole baht with thousands separators, and the few non-money kinds.
THB_FORMAT = "#,##0"
PEOPLE_FORMAT = "#,##0"
PER_CAPITA_FORMAT = "#,##0.00"
PER_MILLION_FORMAT = "#,##0.0"
SHARE_FORMAT = "0.0%"

_RISKY = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: object) -> object:
    """Text that a spreadsheet shows as text: a leading apostrophe before a formula trigger."""
    if isinstance(value, str) and value.startswith(_RISKY):
        return "'" + value
    return value


def _package_version() -> str:
    from sim import __version__

    return __version__


def whole_baht(amounts: pd.Series | np.ndarray, total: float | None = None) -> np.ndarray:
    """Amounts rounded to whole baht that add up to ``total`` rounded to the baht.

    Largest remainders: every amount is floored and the baht still missing go to the largest
    fractions, so no amount moves by a baht or more and the rounded total is exact. ``total``
    defaults to the sum of the amounts; it is never rounded above itself (a budget of
    1,000.6 THB gives 1,000 baht, not 1,001).
    """
    values = np.nan_to_num(np.asarray(amounts, dtype=float), nan=0.0)
    if values.size == 0:
        return np.zeros(0, dtype=np.int64)
    total = float(values.sum()) if total is None else float(total)
    target = round(total)
    if target > total + 1e-6:
        target = math.floor(total)
    floors = np.floor(values + 1e-9)
    missing = int(target - floors.sum())
    if missing > 0:
        order = np.argsort(-(values - floors), kind="stable")
        floors[order[: min(missing, values.size)]] += 1
    elif missing < 0:
        order = np.argsort(values - floors, kind="stable")
        positive = order[floors[order] >= 1][: -missing]
        floors[positive] -= 1
    return floors.astype(np.int64)


def _province_names(units: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Province code -> (Thai, English) name, from the province-level units' names."""
    rows = units[units["level"] == "province"]
    return {
        str(code): (str(th) or str(code), str(en) or str(code))
        for code, th, en in zip(rows["province_code"], rows["name_th"], rows["name_en"], strict=True)
        if code is not None
    }


def allocation_to_frames(
    result: AllocationResult, rule_thb: pd.Series | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """One row per unit, one row per constraint, and a header (budget, objective, version ...).

    Amounts (and the rule's, when ``rule_thb`` gives one per unit id) are whole baht that add
    up exactly (:func:`whole_baht`); per-capita money is computed from the rounded amounts.
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
    ids = result.amounts_thb.index
    spent = float(result.amounts_thb.sum())
    amount = whole_baht(result.amounts_thb, min(spent, result.budget_thb)
                        if math.isfinite(result.budget_thb) else spent)
    if rule_thb is not None:
        rule_series = pd.Series(rule_thb, dtype=float).reindex(ids).fillna(0.0)
        rule = whole_baht(rule_series).astype(float)
        difference = amount - rule
    else:
        rule = difference = np.full(len(ids), np.nan)
    population = units["population"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_capita = np.where(population > 0, amount / population, np.nan)
    names = _province_names(result.units)
    codes = units["province_code"].to_numpy(object)
    marginal = result.unit_marginal_value.reindex(ids).to_numpy(float)
    frame = pd.DataFrame(
        {
            "level": units["level"].to_numpy(),
            "unit_id": ids.to_numpy(),
            "name_th": units["name_th"].to_numpy(),
            "name_en": units["name_en"].to_numpy(),
            "province_code": codes,
            "province_th": [names.get(str(c), (str(c), ""))[0] if c is not None else None for c in codes],
            "province_en": [names.get(str(c), ("", str(c)))[1] if c is not None else None for c in codes],
            "funded": result.funded.reindex(ids).to_numpy(bool),
            "population": population,
            "amount_thb": amount,
            "rule_thb": rule,
            "difference_thb": difference,
            "per_capita_thb": per_capita,
            "floor_thb": np.round(units["overhead_thb"].to_numpy(float)),
            "cap_thb": np.round(units["cap_thb"].to_numpy(float)),
            "floor_binds": [uid in floor_binds for uid in ids],
            "cap_binds": [uid in cap_binds for uid in ids],
            "marginal_value": marginal,
            "people_per_million_thb": marginal * 1e6,
        },
        columns=UNIT_COLUMNS,
    )
    constraints = result.constraints.copy()
    constraints["shadow_price_per_million"] = constraints["shadow_price"] * 1e6
    header = {
        "scenario": None,
        "year": None,
        "budget_thb": result.budget_thb,
        "spent_thb": int(amount.sum()),
        "objective": result.objective,
        "gain_people": result.gain_people,
        **{f"objective_{k}": v for k, v in result.objective_terms.items()},
        "solver": result.solver,
        "status": result.status,
        "solve_seconds": result.solve_seconds,
        "shadow_price_convention": "value of one more baht of the right-hand side",
        "package_version": _package_version(),
    }
    return frame, constraints, header


def level_totals(units: pd.DataFrame, budget_thb: float | None = None) -> pd.DataFrame:
    """Money per level (levels in :data:`LEVELS` order, only those present) and their share.

    Columns: amount_thb, rule_thb, difference_thb (whole baht), units, funded, share (of the
    total allocated, or of ``budget_thb`` when given).
    """
    present = [lv for lv in LEVELS if lv in set(units["level"])]
    grouped = units.groupby("level")
    table = pd.DataFrame(
        {
            "amount_thb": grouped["amount_thb"].sum(),
            "rule_thb": grouped["rule_thb"].sum(min_count=1),
            "difference_thb": grouped["difference_thb"].sum(min_count=1),
            "units": grouped.size(),
            "funded": grouped["funded"].sum(),
        }
    ).reindex(present)
    whole = float(budget_thb) if budget_thb else float(table["amount_thb"].sum())
    table["share"] = table["amount_thb"] / whole if whole > 0 else np.nan
    table.index.name = "level"
    return table


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


def _json_value(value: object) -> object:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if value is not None and not isinstance(value, (str, int, float, bool, list, dict)):
        return str(value)
    return value


def _safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(safe_text)
    return out


class _Words:
    """Display text for keys: ``labels[key]``, else a fallback (the key itself)."""

    def __init__(self, labels: Mapping[str, str] | None):
        self.labels = dict(labels or {})

    def __call__(self, key: str, default: str | None = None) -> str:
        return self.labels.get(key, key if default is None else default)

    def level(self, level: str) -> str:
        return self("level:" + level, level)

    def yes_no(self, flag: object) -> str:
        return self("word:yes", "yes") if bool(flag) else self("word:no", "no")


def _normalise_summary(summary: Sequence | None) -> list[tuple[str, str]]:
    lines = []
    for item in summary or ():
        style, text = ("text", item) if isinstance(item, str) else item
        if style not in SUMMARY_STYLES:
            raise SimError(f"unknown summary line style {style!r}", where="allocation export")
        lines.append((style, str(text)))
    return lines


def _meta(header: dict, summary: list[tuple[str, str]], totals: pd.DataFrame, labels: _Words,
          files: list[Path]) -> dict:
    return {
        "header": {k: _json_value(v) for k, v in header.items()},
        "summary": [{"style": style, "text": text} for style, text in summary],
        "totals_by_level": [
            {k: _json_value(v) for k, v in row.items()}
            for row in totals.reset_index().to_dict("records")
        ],
        "files": [p.name for p in files],
        "column_labels": {c: labels(c) for c in UNIT_COLUMNS + CONSTRAINT_COLUMNS if c in labels.labels},
    }


def _write_csv(units: pd.DataFrame, cons: pd.DataFrame, header: dict, path: Path,
               summary: list[tuple[str, str]], labels: _Words) -> list[Path]:
    cons_path = path.with_name(path.stem + "_constraints.csv")
    meta_path = path.with_name(path.stem + "_meta.json")
    for frame, where in ((units, path), (cons, cons_path)):
        with open(where, "w", encoding="utf-8-sig", newline="") as f:  # BOM: Excel reads UTF-8
            _safe_frame(frame).to_csv(f, index=False, quoting=csv.QUOTE_NONNUMERIC)
    totals = level_totals(units, header.get("budget_thb"))
    meta = _meta(header, summary, totals, labels, [path, cons_path])
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return [path, cons_path, meta_path]


# --- the workbook ---------------------------------------------------------------------------

# The allocation sheet: (key, number format or None). Names come first in the reader's language.
_ALLOCATION_SHEET = [
    ("level", None),
    ("province", None),
    ("name", None),
    ("unit_id", None),
    ("name_other", None),
    ("funded", None),
    ("amount_thb", THB_FORMAT),
    ("rule_thb", THB_FORMAT),
    ("difference_thb", THB_FORMAT),
    ("per_capita_thb", PER_CAPITA_FORMAT),
    ("population", PEOPLE_FORMAT),
    ("floor_thb", THB_FORMAT),
    ("cap_thb", THB_FORMAT),
    ("floor_binds", None),
    ("cap_binds", None),
    ("people_per_million_thb", PER_MILLION_FORMAT),
]
_FROZEN_COLUMNS = 3  # level, province, name stay in view when scrolling right
_CONSTRAINT_SHEET = [
    ("name", None),
    ("group", None),
    ("sense", None),
    ("unit_id", None),
    ("unit_name", None),
    ("lhs", THB_FORMAT),
    ("rhs", THB_FORMAT),
    ("slack", THB_FORMAT),
    ("binding", None),
    ("shadow_price_per_million", PER_MILLION_FORMAT),
]
_SENSES = {">=": "at least", "<=": "at most", "=": "exactly"}
_MONEY_TOTALS = ("amount_thb", "rule_thb", "difference_thb")
# Thai vowel and tone marks sit above or below a consonant and take no width of their own.
_THAI_MARKS = frozenset([0x0E31, *range(0x0E34, 0x0E3B), *range(0x0E47, 0x0E4F)])


def _width(value: object, fmt: str | None) -> int:
    """Characters a cell needs as shown (formatted numbers, text without combining marks)."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return 5
    if isinstance(value, (int, float)) and fmt:
        decimals = len(fmt.split(".")[1]) if "." in fmt else 0
        return len(f"{value:,.{decimals}f}") + (1 if "%" in fmt else 0)
    return sum(1 for ch in str(value) if ord(ch) not in _THAI_MARKS)


def _set_widths(ws, widths: list[int], *, low: int = 8, high: int = 48) -> None:
    from openpyxl.utils import get_column_letter

    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(low, min(high, w + 2))


def _text_cells(ws) -> None:
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula


def _table(ws, columns: list[tuple[str, str | None]], headers: list[str], rows: list[list]) -> list[int]:
    """Header row 1 (bold, wrapped, frozen, filtered) and the rows below; returns widths."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws.append([_plain(h) for h in headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in rows:
        ws.append([_plain(v) for v in row])
    widths = []
    for j, (_, fmt) in enumerate(columns, start=1):
        values = [ws.cell(row=i, column=j).value for i in range(2, len(rows) + 2)]
        if fmt:
            for i in range(2, len(rows) + 2):
                ws.cell(row=i, column=j).number_format = fmt
        longest_value = max((_width(v, fmt) for v in values), default=0)
        # a header may wrap onto up to three lines; its longest word must fit
        header = str(headers[j - 1])
        longest_word = max((_width(w, None) for w in header.split()), default=0)
        widths.append(max(longest_value, longest_word, min(_width(header, None), 14),
                          math.ceil(_width(header, None) / 3)))
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    ws.row_dimensions[1].height = 48
    return widths


def _unit_rows(units: pd.DataFrame, lang_first: str) -> pd.DataFrame:
    other = "en" if lang_first == "th" else "th"
    order = {lv: i for i, lv in enumerate(LEVELS)}
    sheet = units.assign(
        _order=units["level"].map(order).fillna(len(LEVELS)),
        _code=units["province_code"].fillna(""),
    ).sort_values(["_order", "_code", "unit_id"], kind="stable")
    sheet = sheet.assign(
        name=sheet[f"name_{lang_first}"],
        name_other=sheet[f"name_{other}"],
        province=sheet[f"province_{lang_first}"],
    )
    return sheet


# Summary sheet: text spans columns A:E; the by-level table and the details sit in them.
_SUMMARY_WIDTHS = {"A": 34, "B": 17, "C": 17, "D": 17, "E": 17}
_DETAILS_FIRST = ("scenario", "scenario_title", "allocation", "year", "year_be", "budget_thb", "spent_thb",
                  "gain_people", "objective", "objective_people_protected", "objective_capacity_value",
                  "rule", "rule_gain_people", "state", "replicate", "seed", "policy_until_then")


def _lines(text: str, width: float, per_unit: float = 1.0) -> int:
    """Lines a wrapped text takes in a cell `width` units wide (a unit is a digit's width; a
    line holds about `per_unit` characters per unit of proportional text)."""
    per_line = max(width * per_unit, 1)
    return sum(max(1, math.ceil(_width(part, None) / per_line)) for part in str(text).split("\n"))


def _page(ws, *, landscape: bool, title_rows: str | None = None) -> None:
    """Printing: fit the columns to the page width, repeat the header row on every page."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows


def _write_summary_sheet(ws, summary, totals: pd.DataFrame, header: dict, words: _Words,
                         has_rule: bool, lang: str) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side

    line_height = 18.0 if lang == "th" else 15.0  # points per line at 11 pt (Thai is taller)
    per_unit = 1.0 if lang == "th" else 1.15  # characters per width unit (Latin text is narrower)
    span = sum(_SUMMARY_WIDTHS.values())
    for letter, width in _SUMMARY_WIDTHS.items():
        ws.column_dimensions[letter].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    row = 0
    for style, text in summary:
        row += 1
        cell = ws.cell(row=row, column=1, value=_plain(text))
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(_SUMMARY_WIDTHS))
        size, indent = {"title": (14, 0), "heading": (12, 0), "item": (11, 2)}.get(style, (11, 0))
        cell.alignment = Alignment(wrap_text=True, vertical="bottom" if style == "heading" else "top",
                                   indent=indent)
        if style in ("title", "heading"):
            cell.font = Font(bold=True, size=size)
        lines = _lines(text, (span - 2 * indent) * 11 / size, per_unit)
        extra = 10 if style == "heading" and row > 1 else 2  # space above a section
        ws.row_dimensions[row].height = lines * line_height * size / 11 + extra

    row += 2
    ws.cell(row=row, column=1, value=_plain(words("heading:by_level", "money by level"))).font = Font(bold=True, size=12)
    row += 1
    cols = ["level", "amount_thb"] + (["rule_thb", "difference_thb"] if has_rule else []) + ["share"]
    formats = {"amount_thb": THB_FORMAT, "rule_thb": THB_FORMAT, "difference_thb": THB_FORMAT,
               "share": SHARE_FORMAT}
    heads = [words(col if col != "share" else "share_of_budget") for col in cols]
    for j, head in enumerate(heads, start=1):
        cell = ws.cell(row=row, column=j, value=_plain(head))
        cell.font = Font(bold=True)
        cell.alignment = wrap
    ws.row_dimensions[row].height = max(_lines(h, 17, per_unit) for h in heads) * line_height + 2
    for level, values in totals.iterrows():
        row += 1
        ws.cell(row=row, column=1, value=_plain(words.level(level)))
        for j, col in enumerate(cols[1:], start=2):
            cell = ws.cell(row=row, column=j, value=_plain(values[col]))
            cell.number_format = formats[col]
    row += 1
    grand = totals[["amount_thb", "rule_thb", "difference_thb"]].sum(min_count=1)
    line = Side(style="thin")
    ws.cell(row=row, column=1, value=_plain(words("word:grand_total", "grand total")))
    share_total = totals["share"].sum()
    for j, col in enumerate(cols[1:], start=2):
        value = share_total if col == "share" else grand[col]
        cell = ws.cell(row=row, column=j, value=_plain(value))
        cell.number_format = formats[col]
    for j in range(1, len(cols) + 1):
        ws.cell(row=row, column=j).font = Font(bold=True)
        ws.cell(row=row, column=j).border = Border(top=line)

    row += 2
    ws.cell(row=row, column=1, value=_plain(words("heading:details", "details"))).font = Font(bold=True, size=12)
    keys = [k for k in _DETAILS_FIRST if k in header] + [k for k in header if k not in _DETAILS_FIRST]
    for key in keys:
        value = header[key]
        row += 1
        label = words("meta:" + key, key)
        ws.cell(row=row, column=1, value=_plain(label)).alignment = wrap
        cell = ws.cell(row=row, column=2, value=_plain(value))
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=len(_SUMMARY_WIDTHS))
        cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
        if key.endswith("_thb") and isinstance(value, (int, float)):
            cell.number_format = THB_FORMAT
        elif key in ("year", "year_be", "seed", "replicate"):
            cell.number_format = "0"
        elif key == "solve_seconds":
            cell.number_format = "0.000"
        elif isinstance(value, float):
            cell.number_format = PEOPLE_FORMAT  # objective, gains: people protected
        lines = max(_lines(label, _SUMMARY_WIDTHS["A"], per_unit),
                    _lines(value if isinstance(value, str) else "", span - _SUMMARY_WIDTHS["A"], per_unit))
        ws.row_dimensions[row].height = lines * line_height + 2
    ws.sheet_view.showGridLines = False
    _page(ws, landscape=False)


def _write_xlsx(units: pd.DataFrame, cons: pd.DataFrame, header: dict, path: Path,
                summary: list[tuple[str, str]], words: _Words, lang: str) -> list[Path]:
    from openpyxl import Workbook
    from openpyxl.styles import Border, Font, Side
    from openpyxl.utils import get_column_letter

    has_rule = units["rule_thb"].notna().any()
    budget = header.get("budget_thb")
    totals = level_totals(units, budget)
    book = Workbook()
    summary_ws = book.active
    summary_ws.title = _sheet_name(words("sheet:summary", "summary"))
    _write_summary_sheet(summary_ws, summary, totals, header, words, has_rule, lang)

    # allocation: one row per unit, then totals per level and the grand total
    ws = book.create_sheet(_sheet_name(words("sheet:allocation", "allocation")))
    columns = [(k, f) for k, f in _ALLOCATION_SHEET if has_rule or k not in ("rule_thb", "difference_thb")]
    sheet = _unit_rows(units, lang)
    rows = []
    flags = ("funded", "floor_binds", "cap_binds")
    for rec in sheet.to_dict("records"):
        rows.append([
            words.level(rec[k]) if k == "level" else words.yes_no(rec[k]) if k in flags else rec[k]
            for k, _ in columns
        ])
    headers = [words(k) for k, _ in columns]
    widths = _table(ws, columns, headers, rows)
    ws.freeze_panes = ws.cell(row=2, column=_FROZEN_COLUMNS + 1).coordinate
    bold = Font(bold=True)
    line = Side(style="thin")
    keys = [k for k, _ in columns]
    row = len(rows) + 2  # one blank row between the table (and its filter) and the totals
    for level, values in totals.iterrows():
        row += 1
        label = words("word:total_level", "total: {level}").format(level=words.level(level))
        ws.cell(row=row, column=1, value=_plain(label)).font = bold
        for key in _MONEY_TOTALS:
            if key in keys:
                cell = ws.cell(row=row, column=keys.index(key) + 1, value=_plain(values[key]))
                cell.number_format = THB_FORMAT
                cell.font = bold
        widths[0] = max(widths[0], min(_width(label, None), 30))
    row += 1
    label = words("word:grand_total", "grand total")
    if budget is not None and math.isfinite(float(budget)):
        label = words("word:grand_total_budget", "grand total (budget {budget})").format(
            budget=f"{float(budget):,.0f}")
    ws.cell(row=row, column=1, value=_plain(label))
    for key in _MONEY_TOTALS:
        if key in keys:
            ws.cell(row=row, column=keys.index(key) + 1, value=_plain(units[key].sum(min_count=1)))
    for j in range(1, len(columns) + 1):
        cell = ws.cell(row=row, column=j)
        cell.font = bold
        cell.border = Border(top=line, bottom=Side(style="double"))
        if keys[j - 1] in _MONEY_TOTALS:
            cell.number_format = THB_FORMAT
    _set_widths(ws, widths)
    ws.column_dimensions[get_column_letter(1)].width = max(ws.column_dimensions["A"].width, 14)
    _page(ws, landscape=True, title_rows="1:1")

    # constraints: every row, with a unit's name beside its id
    ws = book.create_sheet(_sheet_name(words("sheet:constraints", "constraints")))
    name_col = f"name_{lang}"
    unit_names = dict(zip(units["unit_id"], units[name_col], strict=True))
    rows = []
    for rec in cons.to_dict("records"):
        uid = rec.get("unit_id")
        uid = None if uid is None or (isinstance(uid, float) and math.isnan(uid)) else uid
        rows.append([
            words("group:" + str(rec["group"]), rec["group"]) if k == "group"
            else words("sense:" + str(rec[k]), _SENSES.get(rec[k], rec[k])) if k == "sense"
            else words.yes_no(rec[k]) if k == "binding"
            else unit_names.get(uid) if k == "unit_name"
            else uid if k == "unit_id"
            else rec[k]
            for k, _ in _CONSTRAINT_SHEET
        ])
    headers = [words("constraint_" + k if k in ("name", "unit_name") else k) for k, _ in _CONSTRAINT_SHEET]
    widths = _table(ws, _CONSTRAINT_SHEET, headers, rows)
    ws.freeze_panes = "B2"
    _set_widths(ws, widths)
    _page(ws, landscape=True, title_rows="1:1")

    for sheet_ws in book.worksheets:
        _text_cells(sheet_ws)
    book.save(path)
    return [path]


def _sheet_name(text: str) -> str:
    """A valid sheet title: at most 31 characters, none of []:*?/\\."""
    clean = "".join("_" if ch in '[]:*?/\\' else ch for ch in str(text)).strip("'")
    return (clean or "sheet")[:31]


def write_allocation(
    result: AllocationResult,
    path: str | Path,
    *,
    header: dict | None = None,
    rule_thb: pd.Series | None = None,
    labels: Mapping[str, str] | None = None,
    summary: Sequence[str | tuple[str, str]] | None = None,
    lang: str = "en",
) -> list[Path]:
    """Write the allocation as ``.xlsx`` (summary, allocation, constraints sheets) or ``.csv``.

    ``header`` (e.g. ``{"scenario": ..., "year": ...}``) is merged over the default header of
    :func:`allocation_to_frames`. ``rule_thb`` (money per unit id under the scenario's rule)
    adds the rule's allocation and the difference from it. ``labels`` maps keys to display
    text (column keys, ``level:zone``, ``group:cap``, ``sheet:summary``, ``word:yes``,
    ``meta:budget_thb`` ...); ``summary`` is the first sheet's text, plain strings or
    ``(style, text)`` with a style of :data:`SUMMARY_STYLES`; ``lang`` ("en" or "th") picks
    which name column comes first. A CSV writes FILE.csv, FILE_constraints.csv and
    FILE_meta.json (header, summary, totals by level, column labels). Returns the paths
    written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise SimError(
            f"cannot write an allocation as {suffix or 'a file without suffix'}; use .csv or .xlsx",
            path=str(path),
        )
    if lang not in ("en", "th"):
        raise SimError(f"unknown language {lang!r}; choose en or th", where="allocation export")
    units, cons, base = allocation_to_frames(result, rule_thb)
    base.update(header or {})
    words = _Words(labels)
    lines = _normalise_summary(summary)
    if suffix == ".csv":
        return _write_csv(units, cons, base, path, lines, words)
    return _write_xlsx(units, cons, base, path, lines, words, lang)


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
