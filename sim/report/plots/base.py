"""Shared pieces of every figure: the figure frame, captions, axes, colours, and checks."""


from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.errors import SimError
from sim.report.fonts import apply_font
from sim.report.labels import (
    format_year,
    metric_kind,
    metric_name,
    metric_unit,
    text,
)

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
STATUS_METRICS = ("funds_strong", "funds_normal", "funds_weak", "funds_dormant")
FUNDS_BY_STATUS = "funds_by_status"
FAN_METRICS = ("people_protected", "coverage", FUNDS_BY_STATUS)
DIFFERENCE_METRICS = ("person_years_protected", "people_protected", "members", "coverage", "funds_active", "funds_weak",
                      "funds_dormant", "median_reserve_ratio", "insolvency_events",
                      "coverage_gini_province")
ZERO_BUDGET = "__zero_budget__"
ZONE_SHARE = "policy.zone_share"
CAPTION_SIZE = 7.5

# Isan tile map: (column, row) with row 0 at the top (north). Hand-placed from each
# province's rough position: Nong Khai and Bueng Kan on the Mekong in the north, Loei in the
# west, Nakhon Phanom and Mukdahan on the Mekong in the east, Ubon in the south-east,
# Nakhon Ratchasima in the south-west.
ISAN_TILES: dict[str, tuple[int, int]] = {
    "43": (2, 0), "38": (3, 0),
    "42": (0, 1), "39": (1, 1), "41": (2, 1), "47": (3, 1), "48": (4, 1),
    "36": (1, 2), "40": (2, 2), "46": (3, 2), "49": (4, 2),
    "30": (1, 3), "44": (2, 3), "45": (3, 3), "35": (4, 3), "37": (5, 3),
    "31": (2, 4), "32": (3, 4), "33": (4, 4), "34": (5, 4),
}


# --- helpers ---------------------------------------------------------------------------------


def _new_figure(width: float, height: float) -> tuple[Figure, Any]:
    """A figure with a body (axes, title, legend) and a foot for the caption.

    Two sub-figures keep the caption out of the way of legends and axis labels whatever the
    layout engine does with them; `_finish` sizes the foot to the caption.
    """
    fig = Figure(figsize=(width, height), layout="constrained")
    body, _foot = fig.subfigures(2, 1, height_ratios=[1, 0.1])
    return fig, body


def _caption(fig: Figure, caption: str) -> None:
    """Write the caption in the figure's foot, sized to its number of lines."""
    width, height = fig.get_size_inches()
    chars = max(40, int(width * 17))
    lines = []
    for paragraph in caption.split("\n"):
        lines += textwrap.wrap(paragraph, chars) or [""]
    body, foot = fig.subfigs
    foot.text(0.01, 0.92, "\n".join(lines), ha="left", va="top", fontsize=CAPTION_SIZE,
              color="#444444")
    foot_height = min(0.4 * height, 0.08 + 0.15 * len(lines))
    spec = getattr(body, "_subplotspec", None)  # not public API: keep the default split without it
    if spec is not None:
        spec.get_gridspec().set_height_ratios([height - foot_height, foot_height])


def _finish(fig: Figure, lang: str, caption: str) -> Figure:
    """Caption, then fonts fixed on every text (see sim.fonts.apply_font)."""
    _caption(fig, caption)
    apply_font(fig, lang)
    return fig


def save_figure(fig: Figure, path: str | Path, formats: Sequence[str] = ("png", "svg"),
                dpi: int = 150) -> list[Path]:
    """Write `fig` as PATH.png and PATH.svg (the suffix of `path`, if any, is replaced).

    PNG for slides and the README, SVG for print and for editing labels by hand. Both are the
    same bytes for the same figure (no date, fixed SVG ids), so regenerating a committed figure
    changes its file only when the figure changes.
    """
    path = Path(path)
    stem = path.with_suffix("") if path.suffix.lower() in (".png", ".svg", ".pdf") else path
    try:
        stem.parent.mkdir(parents=True, exist_ok=True)
        written = []
        for fmt in formats:
            target = stem.with_name(f"{stem.name}.{fmt}")
            if fmt == "svg":
                with rc_context({"svg.hashsalt": "welfare-sim"}):
                    fig.savefig(target, dpi=dpi, facecolor="white", metadata={"Date": None})
            else:
                fig.savefig(target, dpi=dpi, facecolor="white")
            written.append(target)
    except OSError as err:
        raise SimError(f"cannot write the figure: {err.strerror or err}", path=str(path)) from None
    return written


def _unit_text(metric: str, lang: str, *, difference: bool = False) -> str:
    """The unit as the axis draws it: millions of baht, percent or percentage points."""
    unit = metric_unit(metric, lang)
    kind = metric_kind(metric)
    if kind == "thb":
        unit = unit.replace("THB", "million THB") if lang == "en" else unit.replace("บาท", "ล้านบาท")
    if kind == "share":
        unit = ("percentage points" if lang == "en" else "จุดร้อยละ") if difference else "%"
    return unit


def _axis_label(metric: str, lang: str, *, difference: bool = False) -> str:
    """Axis title: the metric's name with its unit as drawn."""
    name = metric_name(metric, lang)
    if metric_kind(metric) == "share":
        name = name.split(" (")[0]
    unit = _unit_text(metric, lang, difference=difference)
    return f"{name} ({unit})" if unit else name


def _tick(value: float) -> str:
    """A tick label: thousands separators for big numbers, three significant digits else."""
    if abs(value) < 1e-12:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _value_formatter(metric: str, lang: str) -> FuncFormatter:
    """Ticks in the unit the axis title names (percent, millions of baht, plain numbers)."""
    kind = metric_kind(metric)
    if kind == "share":
        return FuncFormatter(lambda v, _: _tick(v * 100))
    if kind == "thb":
        return FuncFormatter(lambda v, _: _tick(v / 1e6))
    return FuncFormatter(lambda v, _: _tick(v))


def _value_axis(axis, metric: str, lang: str) -> None:
    """Tick labels in the metric's unit; whole numbers only for counts."""
    axis.set_major_formatter(_value_formatter(metric, lang))
    if metric_kind(metric) == "count":
        axis.set_major_locator(MaxNLocator(integer=True, nbins="auto"))


def _year_axis(ax, lang: str) -> None:
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_year(v, lang)))
    ax.set_xlabel(text("year", lang))


def _style(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(True, axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def _group_order(frame: pd.DataFrame, by: str | None, order: Sequence[str] | None) -> list:
    if by is None or by not in frame.columns:
        return [None]
    present = list(dict.fromkeys(frame[by].tolist()))
    if order:
        return [g for g in order if g in present] + [g for g in present if g not in order]
    return present


SCENARIO_COLORS = {
    "province_2021": PALETTE[0],
    "zone_pilot_2022": PALETTE[1],
    "zone_all_2023": PALETTE[2],
    "lp_optimal": PALETTE[3],
    "codi_2022_2024": PALETTE[4],
    "history_2010": PALETTE[5],
    "baseline": "#666666",
    "zones_capped": "#8C6D31",
    "zones_see_no_better": "#7F7F7F",
}
"""A fixed colour per shipped scenario, so a scenario looks the same in every figure whatever
else is drawn beside it; other names take the palette's colours not used by these."""


def scenario_color(name: Any) -> str | None:
    """The fixed colour of a shipped scenario's name, else None."""
    return SCENARIO_COLORS.get(str(name)) if name is not None else None


def _colors(groups: Sequence) -> dict:
    """A colour per group: the shipped scenarios' own, then the palette's in order (skipping
    colours a shipped scenario in this figure already has)."""
    fixed = {g: scenario_color(g) for g in groups if scenario_color(g) is not None}
    free = [c for c in PALETTE if c not in fixed.values()] or list(PALETTE)
    out, k = {}, 0
    for g in groups:
        if g in fixed:
            out[g] = fixed[g]
        else:
            out[g] = free[k % len(free)]
            k += 1
    return out


def _check_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        shown = ", ".join(c for c in frame.columns if c not in ("run_id", "point_id", "replicate"))
        raise SimError(f"{what} has no column {missing[0]!r} (columns: {shown})", where=what)


def _t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Mean and half-width of the t-interval (NaN half-width below two values)."""
    from scipy import stats

    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return float("nan"), float("nan")
    mean = float(v.mean())
    if v.size < 2:
        return mean, float("nan")
    half = float(stats.t.ppf(0.5 + level / 2, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size))
    return mean, half


def _final_year(frame: pd.DataFrame, year: int | None) -> tuple[pd.DataFrame, int | None]:
    if "year" not in frame.columns:
        return frame, None
    chosen = int(frame["year"].max()) if year is None else int(year)
    rows = frame[frame["year"] == chosen]
    if rows.empty:
        raise SimError(f"no rows for year {chosen}; years present: "
                       f"{int(frame['year'].min())}-{int(frame['year'].max())}", where="year")
    return rows, chosen


def _sweep_frame(results_or_frame: Any) -> tuple[pd.DataFrame, str | None]:
    """A tidy sweep frame (summary rows with parameter columns) and the sweep's scenario."""
    if hasattr(results_or_frame, "to_df"):
        frame = results_or_frame.to_df()
        scenario = None
        runs = getattr(results_or_frame, "runs", None)
        if isinstance(runs, pd.DataFrame) and "scenario" in runs.columns and len(runs):
            scenario = str(runs["scenario"].iloc[0])
        if frame.empty:
            raise SimError("the sweep has no finished runs yet", where="results")
        return frame, scenario
    if not isinstance(results_or_frame, pd.DataFrame):
        raise SimError("expected sweep Results or a DataFrame", where="results")
    frame = results_or_frame
    scenario = str(frame["scenario"].iloc[0]) if "scenario" in frame.columns and len(frame) else None
    return frame, scenario


