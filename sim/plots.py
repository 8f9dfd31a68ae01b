"""Figures for policymakers, researchers and planners, in English or Thai.

Every figure says what it shows without the code beside it: a title, labelled axes with
units, and a caption naming the data source (the simulation, its scenario and replicates,
the parameter file). Uncertainty is always drawn — bands across replicates, 95% intervals of
paired differences — because a single line would overstate what the model knows.

Figures are built on :class:`matplotlib.figure.Figure` without pyplot, so the CLI and sweeps
never accumulate open figures; a notebook shows a returned figure with ``display(fig)`` (or as
a cell's last value). :func:`save_figure` writes PNG and SVG.
"""

from __future__ import annotations

import json
import math
import textwrap
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.errors import SimError
from sim.fonts import apply_font, font_context
from sim.labels import (
    format_metric,
    format_number,
    format_year,
    level_label,
    metric_better,
    metric_kind,
    metric_name,
    metric_unit,
    parameter_label,
    province_code,
    province_name,
    scenario_label,
    source_caption,
    text,
)

__all__ = [
    "ISAN_TILES",
    "by_province",
    "cli_figures",
    "cli_plot",
    "plot_allocation",
    "plot_comparison",
    "plot_differences",
    "plot_fan",
    "plot_heatmap",
    "plot_results_dir",
    "plot_sobol",
    "plot_tile_map",
    "plot_zone_share_curve",
    "save_figure",
]

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
STATUS_METRICS = ("funds_strong", "funds_normal", "funds_weak", "funds_dormant")
FUNDS_BY_STATUS = "funds_by_status"
FAN_METRICS = ("people_protected", "coverage", FUNDS_BY_STATUS)
DIFFERENCE_METRICS = ("people_protected", "members", "coverage", "funds_active", "funds_weak",
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

    PNG for slides and the README, SVG for print and for editing labels by hand.
    """
    path = Path(path)
    stem = path.with_suffix("") if path.suffix.lower() in (".png", ".svg", ".pdf") else path
    try:
        stem.parent.mkdir(parents=True, exist_ok=True)
        written = []
        for fmt in formats:
            target = stem.with_name(f"{stem.name}.{fmt}")
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


def _colors(groups: Sequence) -> dict:
    return {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}


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


# --- fans over time --------------------------------------------------------------------------


def _fan(ax, frame: pd.DataFrame, metric: str, groups: list, by: str | None, colors: dict) -> None:
    for g in groups:
        sub = frame if g is None else frame[frame[by] == g]
        q = sub.groupby("year")[metric].quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
        years = q.index.to_numpy(float)
        color = colors[g]
        ax.fill_between(years, q[0.05], q[0.95], color=color, alpha=0.12, linewidth=0)
        ax.fill_between(years, q[0.25], q[0.75], color=color, alpha=0.28, linewidth=0)
        ax.plot(years, q[0.5], color=color, linewidth=1.8, marker="o", markersize=3)


def plot_fan(summary: pd.DataFrame, metric: str, by: str | None = "scenario", lang: str = "en", *,
             order: Sequence[str] | None = None, name: str | None = None,
             title: str | None = None, caption: str | None = None) -> Figure:
    """Fan chart over time: median and the middle 50% and 90% of replicates, per scenario.

    `metric` is a summary column (people_protected, coverage, …) or "funds_by_status" for
    small multiples of strong / normal / weak / dormant funds. `by` names the grouping column
    (one fan per value); a summary without it (a single run) gets one fan named `name`.
    """
    with font_context(lang) as lang:
        frame = summary
        if by and by in frame.columns:
            frame = frame[frame[by] != ZERO_BUDGET]
        metrics = list(STATUS_METRICS) if metric == FUNDS_BY_STATUS else [metric]
        _check_columns(frame, ["year", *metrics], "summary")
        if frame.empty:
            raise SimError("the summary has no rows to plot", where="summary")
        groups = _group_order(frame, by, order)
        colors = _colors(groups)
        if metric == FUNDS_BY_STATUS:
            fig, body = _new_figure(9.5, 6.8)
            axes = body.subplots(2, 2, sharex=True).ravel()
            for ax, m in zip(axes, metrics, strict=True):
                _fan(ax, frame, m, groups, by, colors)
                ax.set_title(metric_name(m, lang), fontsize=10)
                ax.set_ylabel(metric_unit(m, lang))
                _value_axis(ax.yaxis, m, lang)
                _year_axis(ax, lang)
                _style(ax)
            for ax in axes[:2]:
                ax.set_xlabel("")
            heading = title or text("funds_by_status", lang)
        else:
            fig, body = _new_figure(8.0, 5.2)
            ax = body.subplots()
            _fan(ax, frame, metric, groups, by, colors)
            ax.set_ylabel(_axis_label(metric, lang))
            _value_axis(ax.yaxis, metric, lang)
            _year_axis(ax, lang)
            _style(ax)
            heading = title or text("over_time", lang, metric=metric_name(metric, lang))
        body.suptitle(heading, fontsize=13)
        labels = [scenario_label(g if g is not None else (name or "scenario"), lang) for g in groups]
        handles = [Line2D([], [], color=colors[g], linewidth=2) for g in groups]
        handles += [Patch(color="#777777", alpha=0.45), Patch(color="#777777", alpha=0.18)]
        labels += [text("band50", lang), text("band90", lang)]
        body.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 3),
                   fontsize=8.5, frameon=False)
        if caption is None:
            names = [g for g in groups if g is not None] or [name or "–"]
            reps = int(frame.groupby(by)["replicate"].nunique().max()) if (
                by in frame.columns and "replicate" in frame.columns) else (
                int(frame["replicate"].nunique()) if "replicate" in frame.columns else None)
            caption = source_caption(lang, scenarios=names, replicates=reps) + "\n" + text("fan_note", lang)
        return _finish(fig, lang, caption)


# --- comparison ------------------------------------------------------------------------------


def plot_differences(differences: pd.DataFrame, lang: str = "en", *,
                     metrics: Sequence[str] | None = None, order: Sequence[str] | None = None,
                     caption: str | None = None) -> Figure:
    """Dot-and-whisker chart of paired differences (scenario − baseline) with 95% CIs.

    One small panel per metric, because the metrics have different units; a hollow dot marks
    a difference whose interval includes zero (no clear difference).
    """
    with font_context(lang) as lang:
        _check_columns(differences, ["scenario", "baseline", "metric", "difference", "ci_low",
                                     "ci_high"], "differences")
        if differences.empty:
            raise SimError("no paired differences to plot", where="differences")
        wanted = list(metrics) if metrics else [m for m in DIFFERENCE_METRICS
                                                if m in set(differences["metric"])]
        wanted = wanted or list(dict.fromkeys(differences["metric"]))
        baseline = str(differences["baseline"].iloc[0])
        scenarios = _group_order(differences, "scenario", order)
        colors = _colors([baseline, *scenarios])
        ncols = min(3, len(wanted))
        nrows = math.ceil(len(wanted) / ncols)
        fig, body = _new_figure(3.6 * ncols + 1.6, 1.0 + 0.45 * len(scenarios) * nrows + 1.2 * nrows)
        axes = np.atleast_1d(body.subplots(nrows, ncols, sharey=True, squeeze=False)).ravel()
        ys = np.arange(len(scenarios))[::-1]
        for ax, metric in zip(axes, wanted, strict=False):
            rows = differences[differences["metric"] == metric].set_index("scenario")
            for y, s in zip(ys, scenarios, strict=True):
                if s not in rows.index:
                    continue
                r = rows.loc[s]
                low, high, mid = float(r["ci_low"]), float(r["ci_high"]), float(r["difference"])
                clear = low > 0 or high < 0
                if np.isfinite(low) and np.isfinite(high):
                    ax.plot([low, high], [y, y], color=colors[s], linewidth=2)
                ax.plot([mid], [y], marker="o", markersize=7, color=colors[s],
                        markerfacecolor=colors[s] if clear else "white", markeredgewidth=1.6)
            ax.axvline(0, color="#555555", linewidth=0.8, linestyle="--")
            ax.set_title(metric_name(metric, lang), fontsize=9.5)
            ax.set_xlabel(_unit_text(metric, lang, difference=True), fontsize=8.5)
            ax.xaxis.set_major_formatter(_value_formatter(metric, lang))
            ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
            ax.spines[["top", "right"]].set_visible(False)
            ax.grid(True, axis="x", color="#dddddd", linewidth=0.6)
            ax.set_axisbelow(True)
            ax.tick_params(labelsize=8)
        for ax in axes[len(wanted):]:
            ax.set_visible(False)
        axes[0].set_yticks(ys, [scenario_label(s, lang) for s in scenarios])
        axes[0].set_ylim(-0.7, len(scenarios) - 0.3)
        year = differences["year"].iloc[0] if "year" in differences.columns else None
        body.suptitle(text("differences_title", lang, base=scenario_label(baseline, lang),
                          year=format_year(year, lang) if year is not None else ""), fontsize=12)
        if caption is None:
            reps = int(differences["replicates"].max()) if "replicates" in differences.columns else None
            extra = text("common_random", lang)
            caption = (source_caption(lang, scenarios=[baseline, *scenarios], replicates=reps, extra=extra)
                       + "\n" + text("differences_note", lang))
        return _finish(fig, lang, caption)


def plot_comparison(comparison: Any, out_dir: str | Path, lang: str = "en") -> list[Path]:
    """The figures of a scenario comparison, written to `out_dir` (PNG and SVG).

    Fans over time of people protected, coverage and funds by status, and the paired
    differences with 95% intervals. Returns the paths written (the CLI prints them).
    """
    out = Path(out_dir)
    names = list(getattr(comparison, "names", []) or [])
    suffix = "" if lang == "en" else f"_{lang}"
    written: list[Path] = []
    for metric in FAN_METRICS:
        fig = plot_fan(comparison.summary, metric, by="scenario", lang=lang, order=names)
        written += save_figure(fig, out / f"compare_{metric}{suffix}")
    if comparison.differences is not None and not comparison.differences.empty:
        fig = plot_differences(comparison.differences, lang, order=names[1:] or None)
        written += save_figure(fig, out / f"compare_differences{suffix}")
    return written


# --- tile map --------------------------------------------------------------------------------


def by_province(fund_years: pd.DataFrame, metric: str = "coverage", year: int | None = None) -> pd.Series:
    """A per-province value from the fund-year table (mean over replicates), for the tile map.

    metric: coverage (members / population), members, weak_or_dormant_share (of founded
    funds), reserves_per_member_thb.
    """
    _check_columns(fund_years, ["province_code", "replicate", "members_end", "population"], "fund_years")
    rows, _ = _final_year(fund_years, year)
    g = rows.groupby(["replicate", "province_code"])
    if metric == "coverage":
        value = g["members_end"].sum() / g["population"].sum().clip(lower=1)
    elif metric == "members":
        value = g["members_end"].sum().astype(float)
    elif metric == "weak_or_dormant_share":
        bad = rows["status"].isin(["weak", "dormant"]) & rows["founded"]
        value = bad.groupby([rows["replicate"], rows["province_code"]]).sum() / g["founded"].sum().clip(lower=1)
    elif metric == "reserves_per_member_thb":
        value = g["reserves_end_thb"].sum() / g["members_end"].sum().clip(lower=1)
    else:
        raise SimError(f"unknown province metric {metric!r}; choose coverage, members, "
                       "weak_or_dormant_share or reserves_per_member_thb", where="metric")
    out = value.groupby(level="province_code").mean()
    out.index = [province_code(c) for c in out.index]
    out.name = metric
    return out


def _text_color(rgba) -> str:
    r, g, b = rgba[:3]
    return "black" if (0.299 * r + 0.587 * g + 0.114 * b) > 0.55 else "white"


def plot_tile_map(values_by_province_code: Mapping[Any, float] | pd.Series, title: str, *,
                  metric: str | None = None, lang: str = "en", cmap: str = "viridis",
                  label: str | None = None, caption: str | None = None) -> Figure:
    """Isan as a tile map: one square per province, roughly where it lies, coloured by value.

    Provinces without a value are drawn grey ("no data") so a subset of provinces still shows
    where it sits in the region. `metric` (a metric name) sets the colour-bar title and the
    number format; `label` overrides the colour-bar title.
    """
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    with font_context(lang) as lang:
        items = values_by_province_code.items() if hasattr(values_by_province_code, "items") else []
        values: dict[str, float] = {}
        for code, value in items:
            key = province_code(code)
            if key not in ISAN_TILES:
                raise SimError(f"province {key} is not in Isan; the tile map covers the 20 Isan "
                               "provinces (codes 30-49)", where="tile map")
            values[key] = float(value)
        finite = [v for v in values.values() if np.isfinite(v)]
        if not finite:
            raise SimError("no values to map", where="tile map")
        low, high = min(finite), max(finite)
        if high - low < 1e-12:
            low, high = low - 0.5 * abs(low or 1), high + 0.5 * abs(high or 1)
        norm = Normalize(low, high)
        colormap = colormaps[cmap]
        kind = metric_kind(metric) if metric else "ratio"
        fig, body = _new_figure(7.6, 7.2)
        ax = body.subplots()
        for code, (col, row) in ISAN_TILES.items():
            value = values.get(code, float("nan"))
            has = np.isfinite(value)
            face = colormap(norm(value)) if has else (0.92, 0.92, 0.92, 1.0)
            ax.add_patch(Rectangle((col - 0.46, -row - 0.46), 0.92, 0.92, facecolor=face,
                                   edgecolor="white", linewidth=1.5, hatch=None if has else "///"))
            color = _text_color(face) if has else "#555555"
            name = province_name(code, lang)
            # Thai has no spaces between syllables to break at: never wrap a Thai name
            wrapped = "\n".join(textwrap.wrap(name, 11)) if lang == "en" else name
            ax.text(col, -row + 0.12, wrapped, ha="center", va="center",
                    fontsize=7.2 if len(name) <= 12 else 6.4, color=color)
            shown = format_number(value, kind, lang, compact=True) if has else text("no_data", lang)
            if kind == "thb" and has:
                shown = format_number(value, "count", lang)
            ax.text(col, -row - 0.25, shown, ha="center", va="center", fontsize=8.2 if has else 7,
                    color=color,
                    fontweight="bold" if lang == "en" else "normal")
        ax.set_xlim(-0.6, 5.6)
        ax.set_ylim(-4.6, 0.6)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.annotate("N", xy=(5.3, 0.45), xytext=(5.3, -0.05), ha="center", fontsize=9,
                    arrowprops={"arrowstyle": "-|>", "color": "#444444"}, color="#444444")
        bar = body.colorbar(ScalarMappable(norm, colormap), ax=ax, shrink=0.7, pad=0.02)
        if kind == "share":
            digits = 0 if high - low >= 0.1 else 1
            bar.formatter = FuncFormatter(lambda v, _: f"{v * 100:.{digits}f}%")
        elif kind == "thb":
            bar.formatter = FuncFormatter(lambda v, _: f"{v:,.0f}")
        bar.update_ticks()
        bar.set_label(label or (_axis_label(metric, lang) if metric else ""))
        body.suptitle(title, fontsize=13)
        if caption is None:
            caption = source_caption(lang)
        return _finish(fig, lang, caption + "\n" + text("tile_note", lang))


# --- sweeps ----------------------------------------------------------------------------------


def plot_zone_share_curve(results_or_frame: Any, metric: str = "people_protected", *,
                          year: int | None = None, lang: str = "en", paired: bool = True,
                          caption: str | None = None) -> Figure:
    """The metric against the zone share s: mean with a 95% band over replicates.

    With common random numbers (every point of a sweep uses the same replicate seeds) the
    difference from the lowest s, replicate by replicate, is much less noisy than the level;
    `paired` adds that as a second panel, so an interior optimum can be told from noise.
    """
    with font_context(lang) as lang:
        frame, scenario = _sweep_frame(results_or_frame)
        _check_columns(frame, [ZONE_SHARE, metric], "sweep results")
        rows, chosen = _final_year(frame, year)
        rows = rows.copy()
        shares = rows[ZONE_SHARE].astype(float)
        if shares.nunique() > 25:  # a sampled design: bin s to read a curve
            shares = (shares * 20).round() / 20
        rows["_s"] = shares
        stats = []
        for s, sub in rows.groupby("_s"):
            mean, half = _t_interval(sub[metric].to_numpy())
            stats.append((float(s), mean, half, len(sub)))
        table = pd.DataFrame(stats, columns=["s", "mean", "half", "n"]).sort_values("s")
        # a pair: the same replicate (seed) and the same other swept parameters (dotted paths)
        keys = ["replicate"] + [c for c in rows.columns if "." in c and c != ZONE_SHARE]
        has_pairs = (paired and "replicate" in rows.columns and rows["replicate"].nunique() >= 2
                     and len(table) >= 2 and rows.groupby(["_s", *keys]).size().max() == 1)
        fig, body = _new_figure(10.5 if has_pairs else 7.5, 5.0)
        axes = body.subplots(1, 2 if has_pairs else 1, squeeze=False).ravel()
        ax = axes[0]
        color = PALETTE[0]
        ax.scatter(rows["_s"], rows[metric], s=10, color="#999999", alpha=0.6,
                   label=text("replicate_values", lang), zorder=2)
        band = table["half"].fillna(0)
        ax.fill_between(table["s"], table["mean"] - band, table["mean"] + band, color=color,
                        alpha=0.22, linewidth=0, label=text("ci95", lang))
        ax.plot(table["s"], table["mean"], color=color, marker="o", linewidth=2,
                label=text("mean", lang), zorder=3)
        better = metric_better(metric)
        if better and len(table) >= 2:
            best = table.loc[table["mean"].idxmax() if better > 0 else table["mean"].idxmin()]
            ax.axvline(best["s"], color="#555555", linestyle=":", linewidth=1)
            at_right = best["s"] > (table["s"].min() + table["s"].max()) / 2
            ax.annotate(text("highest" if better > 0 else "lowest", lang, s=f"{best['s']:.2f}"),
                        xy=(best["s"], best["mean"]), xytext=(-6 if at_right else 6, 10),
                        textcoords="offset points", ha="right" if at_right else "left",
                        fontsize=8.5, color="#333333")
        ax.set_xlabel(text("zone_share", lang))
        ax.set_ylabel(_axis_label(metric, lang))
        ax.yaxis.set_major_formatter(_value_formatter(metric, lang))
        ax.legend(fontsize=8, loc="best", framealpha=0.9, edgecolor="none")
        _style(ax)
        if has_pairs:
            base_s = float(table["s"].min())
            wide = rows.pivot_table(index=keys, columns="_s", values=metric)
            diff = wide.sub(wide[base_s], axis=0)
            d_stats = [(float(s), *_t_interval(diff[s].dropna().to_numpy())) for s in diff.columns]
            d = pd.DataFrame(d_stats, columns=["s", "mean", "half"]).sort_values("s")
            ax2 = axes[1]
            ax2.fill_between(d["s"], d["mean"] - d["half"].fillna(0), d["mean"] + d["half"].fillna(0),
                             color=PALETTE[2], alpha=0.22, linewidth=0, label=text("ci95", lang))
            ax2.plot(d["s"], d["mean"], color=PALETTE[2], marker="o", linewidth=2,
                     label=text("mean", lang))
            ax2.axhline(0, color="#555555", linewidth=0.8, linestyle="--")
            ax2.set_xlabel(text("zone_share", lang))
            ax2.set_ylabel(_axis_label(metric, lang, difference=True))
            ax2.yaxis.set_major_formatter(_value_formatter(metric, lang))
            ax2.set_title(text("paired_difference", lang, s=f"{base_s:g}"), fontsize=10)
            ax2.legend(fontsize=8, loc="best", framealpha=0.9, edgecolor="none")
            _style(ax2)
        body.suptitle(text("zone_share_title", lang, metric=metric_name(metric, lang),
                          year=format_year(chosen, lang) if chosen is not None else ""), fontsize=13)
        if caption is None:
            reps = int(rows.groupby("_s").size().max())
            caption = (source_caption(lang, scenarios=[scenario] if scenario else None, replicates=reps,
                                      extra=text("common_random", lang))
                       + "\n" + text("zone_share_note", lang))
        return _finish(fig, lang, caption)


def _level_text(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def plot_heatmap(frame: Any, x: str, y: str, metric: str = "people_protected", *,
                 year: int | None = None, lang: str = "en", cmap: str = "viridis",
                 caption: str | None = None) -> Figure:
    """A metric over two swept parameters: the mean over replicates in each cell."""
    with font_context(lang) as lang:
        data, scenario = _sweep_frame(frame)
        _check_columns(data, [x, y, metric], "sweep results")
        if x == y:
            raise SimError("x and y must be different parameters", where="heat map")
        rows, chosen = _final_year(data, year)
        grid = rows.pivot_table(index=y, columns=x, values=metric, aggfunc="mean").sort_index()
        grid = grid.reindex(sorted(grid.columns), axis=1)
        counts = rows.groupby([y, x]).size()
        fig, body = _new_figure(max(6.5, 1.0 * grid.shape[1] + 3.5), max(4.8, 0.7 * grid.shape[0] + 2.6))
        ax = body.subplots()
        image = ax.imshow(grid.to_numpy(float), origin="lower", aspect="auto", cmap=cmap)
        ax.set_xticks(range(grid.shape[1]), [_level_text(float(v)) for v in grid.columns])
        ax.set_yticks(range(grid.shape[0]), [_level_text(float(v)) for v in grid.index])
        ax.set_xlabel(parameter_label(x, lang))
        ax.set_ylabel(parameter_label(y, lang))
        from matplotlib import colormaps
        from matplotlib.colors import Normalize

        values = grid.to_numpy(float)
        finite = values[np.isfinite(values)]
        norm = Normalize(finite.min(), finite.max()) if finite.size else Normalize(0, 1)
        if grid.size <= 150:
            for i in range(grid.shape[0]):
                for j in range(grid.shape[1]):
                    v = values[i, j]
                    if np.isfinite(v):
                        face = colormaps[cmap](norm(v))
                        ax.text(j, i, format_metric(v, metric, lang, compact=True), ha="center",
                                va="center", fontsize=8, color=_text_color(face))
        bar = body.colorbar(image, ax=ax, shrink=0.85)
        bar.set_label(_axis_label(metric, lang))
        bar.formatter = _value_formatter(metric, lang)
        bar.update_ticks()
        body.suptitle(text("heatmap_title", lang, metric=metric_name(metric, lang),
                          year=format_year(chosen, lang) if chosen is not None else ""), fontsize=12)
        if caption is None:
            caption = source_caption(lang, scenarios=[scenario] if scenario else None,
                                     replicates=int(counts.max()) if len(counts) else None)
        return _finish(fig, lang, caption)


def plot_sobol(indices: pd.DataFrame, *, lang: str = "en", title: str | None = None,
               scenario: str | None = None, caption: str | None = None) -> Figure:
    """Sensitivity indices as bars with their confidence intervals.

    Sobol tables (S1, ST) give two bars per parameter; Morris tables (mu_star) one. Indices
    flagged unreliable (too small a sample, or an interval wider than the index) are hatched
    and said so in the caption, so a quick design is not read as an answer.
    """
    with font_context(lang) as lang:
        _check_columns(indices, ["parameter", "index", "value", "conf"], "indices")
        kinds = [k for k in ("S1", "ST") if k in set(indices["index"])] or (
            ["mu_star"] if "mu_star" in set(indices["index"]) else [])
        if not kinds:
            raise SimError("no S1, ST or mu_star indices to plot", where="indices")
        table = indices[indices["index"].isin(kinds)]
        params = list(dict.fromkeys(table["parameter"]))
        reliable = table["reliable"] if "reliable" in table.columns else pd.Series(True, index=table.index)
        fig, body = _new_figure(8.5, 1.6 + 0.55 * len(params) * len(kinds) + 1.0)
        ax = body.subplots()
        height = 0.8 / len(kinds)
        names = {"S1": text("s1", lang), "ST": text("st", lang), "mu_star": text("mu_star", lang)}
        for k, kind in enumerate(kinds):
            rows = table[table["index"] == kind].set_index("parameter").reindex(params)
            ok = reliable.loc[table["index"] == kind].to_numpy() if len(rows) else []
            pos = np.arange(len(params))[::-1] + (k - (len(kinds) - 1) / 2) * height * -1
            conf = rows["conf"].to_numpy(float)
            bars = ax.barh(pos, rows["value"].to_numpy(float), height=height * 0.9,
                           color=PALETTE[k], xerr=np.where(np.isfinite(conf), conf, 0),
                           error_kw={"ecolor": "#333333", "capsize": 3, "linewidth": 1},
                           label=names[kind])
            for bar, good in zip(bars, ok, strict=False):
                if not good:
                    bar.set_hatch("///")
                    bar.set_alpha(0.55)
        ax.axvline(0, color="#555555", linewidth=0.8)
        names_shown = [parameter_label(p, lang) for p in params]
        if lang == "en":  # Thai has no spaces between words to wrap at
            names_shown = ["\n".join(textwrap.wrap(n, 30)) for n in names_shown]
        ax.set_yticks(np.arange(len(params))[::-1], names_shown)
        ax.set_xlabel(text("sensitivity_index", lang))
        ax.legend(frameon=False, fontsize=9, loc="lower right")
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(True, axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        metric = str(indices["metric"].iloc[0]) if "metric" in indices.columns else ""
        year = indices["year"].iloc[0] if "year" in indices.columns else None
        shown = metric_name(metric, lang) if metric else ""
        heading = title or text("sobol_title", lang, metric=shown.lower() if lang == "en" else shown)
        if year is not None and pd.notna(year):
            heading += f" ({format_year(year, lang, prefix=True)})"
        body.suptitle(heading, fontsize=12)
        if caption is None:
            caption = source_caption(lang, scenarios=[scenario] if scenario else None,
                                     extra="SALib")
            if not bool(np.all(reliable.to_numpy())):
                caption += "\n" + text("unreliable", lang)
            caption += "\n" + text("whiskers", lang)
        return _finish(fig, lang, caption)


# --- allocation ------------------------------------------------------------------------------


def plot_allocation(result: Any, rule: pd.Series | None = None, *, lang: str = "en",
                    year: int | None = None, scenario: str | None = None, title: str | None = None,
                    caption: str | None = None) -> Figure:
    """Recommended allocation by province and by zone, beside the 2023 rule if given.

    Top: each province's money (its committee, its zones, its mentor funds stacked), the
    recommendation left and the rule right (hatched). Bottom: each zone, recommendation and
    rule joined by a line, so the zones the optimiser favours stand out.
    """
    with font_context(lang) as lang:
        units = getattr(result, "units", None)
        if units is None:
            raise SimError("this allocation result carries no units table", where="allocation")
        units = units.set_index("unit_id")
        rec = result.amounts_thb.reindex(units.index).fillna(0.0)
        rul = None if rule is None else pd.Series(rule).reindex(units.index).fillna(0.0)
        level = units["level"]
        local = units[level.isin(["province", "zone", "mentor"])]
        provinces = sorted({province_code(c) for c in local["province_code"].dropna()})
        fig, body = _new_figure(max(8.5, 0.55 * len(provinces) + 4), 8.6)
        ax1, ax2 = body.subplots(2, 1, height_ratios=[1.1, 1])
        stack_levels = [lv for lv in ("province", "zone", "mentor") if (level == lv).any()]
        level_colors = {"province": PALETTE[0], "zone": PALETTE[1], "mentor": PALETTE[2]}
        series = [("rec", rec)] + ([("rule", rul)] if rul is not None else [])
        width = 0.38 if rul is not None else 0.6
        x = np.arange(len(provinces))
        codes = local["province_code"].map(province_code)
        for k, (which, amounts) in enumerate(series):
            offset = (k - (len(series) - 1) / 2) * width
            bottom = np.zeros(len(provinces))
            for lv in stack_levels:
                part = amounts[local.index][local["level"] == lv].groupby(codes[local["level"] == lv]).sum()
                vals = part.reindex(provinces).fillna(0.0).to_numpy() / 1e6
                ax1.bar(x + offset, vals, width * 0.95, bottom=bottom, color=level_colors[lv],
                        alpha=1.0 if which == "rec" else 0.55, hatch=None if which == "rec" else "//",
                        edgecolor="white" if which == "rec" else "#333333", linewidth=0.4)
                bottom += vals
        ax1.set_xticks(x, [province_name(c, lang) for c in provinces], rotation=35 if len(provinces) > 4 else 0,
                       ha="right" if len(provinces) > 4 else "center", fontsize=8.5)
        ax1.set_ylabel(text("allocation_mthb", lang))
        ax1.set_title(text("by_province", lang), fontsize=10)
        _style(ax1)
        handles = [Patch(color=level_colors[lv], label=level_label(lv, lang)) for lv in stack_levels]
        handles.append(Patch(facecolor="#bbbbbb", edgecolor="#555555", label=text("recommended", lang)))
        if rul is not None:
            handles.append(Patch(facecolor="#dddddd", edgecolor="#333333", hatch="//",
                                 label=text("rule_2023", lang)))
        ax1.legend(handles=handles, fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        if len(provinces) < 4:
            ax1.set_xlim(-1.2, len(provinces) + 0.2)
        zones = units[level == "zone"].copy()
        zones["province"] = zones["province_code"].map(province_code)
        zones = zones.sort_values(["province", "zone_id" if "zone_id" in zones.columns else "province"])
        zx = np.arange(len(zones))
        z_rec = rec[zones.index].to_numpy() / 1e6
        z_rule = np.zeros(0)
        if rul is not None:
            z_rule = rul[zones.index].to_numpy() / 1e6
            ax2.vlines(zx, np.minimum(z_rec, z_rule), np.maximum(z_rec, z_rule), color="#aaaaaa", linewidth=1)
            ax2.scatter(zx, z_rule, marker="D", s=22, facecolor="white", edgecolor=PALETTE[3],
                        label=text("rule_2023", lang), zorder=3)
        ax2.scatter(zx, z_rec, marker="o", s=26, color=PALETTE[1], label=text("recommended", lang), zorder=4)
        bounds = zones.groupby("province", sort=False).size().cumsum().to_numpy()
        starts = np.concatenate([[0], bounds[:-1]])
        for start in starts[1:]:
            ax2.axvline(start - 0.5, color="#cccccc", linewidth=0.8)
        zone_provinces = zones["province"].unique()
        centres = (starts + bounds - 1) / 2
        if len(zones) <= 40:  # few zones: their ids below, province names above
            ax2.set_xticks(zx, zones.index.tolist(), rotation=90, fontsize=7)
            for p, c in zip(zone_provinces, centres, strict=True):
                ax2.text(c, 1.0, province_name(p, lang), transform=ax2.get_xaxis_transform(),
                         ha="center", va="bottom", fontsize=7.5)
        else:  # many zones: one tick per province
            crowded = len(zone_provinces) > 4
            ax2.set_xticks(centres, [province_name(p, lang) for p in zone_provinces],
                           rotation=35 if crowded else 0, ha="right" if crowded else "center", fontsize=8.5)
        top = max(z_rec.max(initial=0), z_rule.max(initial=0))
        ax2.set_ylim(0, top * 1.12 or 1)
        ax2.set_xlim(-0.7, len(zones) - 0.3)
        ax2.set_xlabel(level_label("zone", lang))
        ax2.set_ylabel(text("allocation_mthb", lang))
        ax2.set_title(text("by_zone", lang), fontsize=10, pad=16 if len(zones) <= 40 else 6)
        ax2.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        _style(ax2)
        region_units = units.index[level.isin(["region", "province_group"])]
        rec_region = float(rec[region_units].sum())
        if year is None:
            year = getattr(result, "year", None)
        year_text = ""
        if year is not None:
            year_text = (" for " if lang == "en" else " ปี ") + format_year(year, lang)
        if title is None:
            title = text("allocation_title" if rul is not None else "allocation_title_plain", lang,
                         year=year_text)
        body.suptitle(title, fontsize=13)
        region_text = (text("region_line", lang, rec=format_number(rec_region, "thb", lang, compact=True),
                            rule=format_number(float(rul[region_units].sum()), "thb", lang, compact=True))
                       if rul is not None else
                       text("region_line_plain", lang, rec=format_number(rec_region, "thb", lang, compact=True)))
        if caption is None:
            budget = getattr(result, "budget_thb", float("nan"))
            what = (f"budget {format_number(budget, 'thb', lang, compact=True)}" if lang == "en"
                    else f"งบประมาณ {format_number(budget, 'thb', lang, compact=True)}")
            caption = source_caption(lang, scenarios=[scenario] if scenario else None,
                                     extra=text("allocation_source", lang, what=what))
        return _finish(fig, lang, region_text + "\n" + caption)


# --- results folders and the CLI -------------------------------------------------------------


def _manifest_name(folder: Path) -> str | None:
    path = folder / "manifest.json"
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    scenario = data.get("scenario")
    return scenario.get("name") if isinstance(scenario, dict) else None


def _comparison_from_csv(folder: Path):
    from sim.compare import Comparison

    try:
        summary = pd.read_csv(folder / "summaries.csv")
        diff_path = folder / "paired_differences.csv"
        differences = pd.read_csv(diff_path) if diff_path.exists() else pd.DataFrame()
        cost_path = folder / "cost_effectiveness.csv"
        cost = pd.read_csv(cost_path) if cost_path.exists() else pd.DataFrame()
    except (OSError, ValueError) as err:
        raise SimError(f"cannot read the comparison: {err}", path=str(folder)) from None
    visible = [s for s in dict.fromkeys(summary["scenario"]) if s != ZERO_BUDGET]
    baseline = str(differences["baseline"].iloc[0]) if not differences.empty else visible[0]
    names = [baseline] + [s for s in visible if s != baseline]
    return Comparison(summary=summary, differences=differences, cost=cost, baseline=baseline, names=names)


def _plot_run(folder: Path, out: Path, lang: str, suffix: str) -> list[Path]:
    summary = pd.read_parquet(folder / "summary.parquet")
    name = _manifest_name(folder) or folder.name
    written: list[Path] = []
    for metric in FAN_METRICS:
        fig = plot_fan(summary, metric, by=None, lang=lang, name=name)
        written += save_figure(fig, out / f"run_{metric}{suffix}")
    fund_path = folder / "fund_years.parquet"
    if fund_path.exists():
        fund_years = pd.read_parquet(fund_path, columns=["replicate", "year", "province_code", "members_end",
                                                         "population"])
        values = by_province(fund_years, "coverage")
        if set(values.index) <= set(ISAN_TILES):
            year = int(fund_years["year"].max())
            title = (f"{metric_name('coverage', lang).split(' (')[0]} {format_year(year, lang, prefix=True)}")
            reps = int(fund_years["replicate"].nunique())
            fig = plot_tile_map(values, title, metric="coverage", lang=lang,
                                caption=source_caption(lang, scenarios=[name], replicates=reps))
            written += save_figure(fig, out / f"tile_map_coverage{suffix}")
    return written


def _plot_sweep(folder: Path, out: Path, lang: str, suffix: str,
                metric: str = "people_protected") -> list[Path]:
    from sim.experiments import load_results

    results = load_results(folder)
    if results.finished == 0:
        raise SimError("the sweep has no finished runs yet", path=str(folder))
    params = [p["path"] for p in results.definition["parameters"]]
    kind = results.definition["design"]["kind"]
    frame = results.to_df()
    written: list[Path] = []
    if ZONE_SHARE in params and metric in frame.columns:
        fig = plot_zone_share_curve(frame.assign(scenario=results.runs["scenario"].iloc[0]), metric, lang=lang)
        written += save_figure(fig, out / f"zone_share_curve{suffix}")
    numeric = [p for p in params if pd.api.types.is_numeric_dtype(frame[p]) and frame[p].nunique() >= 2]
    if kind == "full_factorial" and len(numeric) >= 2:
        x, y = (numeric[0], numeric[1])
        fig = plot_heatmap(frame, x, y, metric, lang=lang)
        written += save_figure(fig, out / f"heatmap{suffix}")
    if kind in ("sobol", "morris") and results.finished == results.total_runs:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("always")
            indices = results.analyze(metric)
        fig = plot_sobol(indices, lang=lang, scenario=str(results.runs["scenario"].iloc[0]))
        written += save_figure(fig, out / f"sensitivity{suffix}")
    if not written:
        raise SimError("nothing to draw for this sweep: it varies no zone share, has fewer than two "
                       "numeric parameters, and is not a sobol or morris design", path=str(folder))
    return written


def plot_results_dir(results_dir: str | Path, lang: str = "en", out: str | Path | None = None) -> list[Path]:
    """Draw the figures that match what a results folder holds; return the files written.

    A run folder (summary.parquet): fans over time and, with fund_years, a tile map of
    coverage. A comparison folder (summaries.csv): fans and paired differences. A sweep
    folder (sweep.json): the zone-share curve, a heat map, sensitivity indices.
    Figures go to `out` (default RESULTS_DIR/figures).
    """
    folder = Path(results_dir)
    if not folder.is_dir():
        raise SimError("no such results folder", path=str(folder))
    target = Path(out) if out is not None else folder / "figures"
    suffix = "" if lang == "en" else f"_{lang}"
    if (folder / "sweep.json").exists():
        return _plot_sweep(folder, target, lang, suffix)
    if (folder / "summaries.csv").exists():
        return plot_comparison(_comparison_from_csv(folder), target, lang=lang)
    if (folder / "summary.parquet").exists():
        return _plot_run(folder, target, lang, suffix)
    raise SimError("no results here: expected summary.parquet (a run), summaries.csv (a comparison) "
                   "or sweep.json (a sweep)", path=str(folder))


def cli_plot(args: Any) -> int:
    """`welfare-sim plot RESULTS_DIR [--lang en|th] [--out DIR]`."""
    for path in plot_results_dir(args.results_dir, lang=args.lang, out=args.out):
        print(f"wrote {path}")
    return 0


def cli_figures(args: Any) -> int:
    """`welfare-sim figures`: regenerate the README figures from a small but real run.

    Isan, five years: CODI's three practices compared on common random numbers, coverage by
    province in the final year, and a zone-share sweep. A few minutes on two cores.
    """
    import sys
    import tempfile

    from sim.compare import compare
    from sim.engine import simulate
    from sim.experiments import Levels, Sweep
    from sim.outputs import prepare_out_dir
    from sim.scenario import find_scenario, load_scenario

    def given(name: str, default: int) -> int:  # not `or`: --years 0 is an error, not the default
        value = getattr(args, name, None)
        return int(default if value is None else value)

    years, replicates, workers = given("years", 5), given("replicates", 5), given("workers", 2)
    lang = getattr(args, "lang", None) or "en"
    for flag, value, least in (("--years", years, 1), ("--replicates", replicates, 2), ("--workers", workers, 1)):
        if value < least:
            raise SimError(f"{flag} must be at least {least}, got {value}")
    if years > 100:
        raise SimError(f"--years must be at most 100, got {years}")
    out = prepare_out_dir(getattr(args, "out", None) or Path("results") / "figures")
    started = time.perf_counter()
    written = []
    names = ["province_2021", "zone_pilot_2022", "zone_all_2023"]
    scenarios = [load_scenario(find_scenario(n)).with_overrides({}, years=years) for n in names]
    print(f"comparing {', '.join(names)}: Isan, {years} years, {replicates} replicates", file=sys.stderr)
    comparison = compare(scenarios, replicates, workers=workers)
    fig = plot_fan(comparison.summary, "people_protected", lang=lang, order=names)
    written += save_figure(fig, out / "compare_people_protected", formats=("png",), dpi=100)

    print("coverage by province (one run of zone_all_2023)", file=sys.stderr)
    run = simulate(scenarios[-1], 0, outputs=("fund_years",))
    year = int(run.fund_years["year"].max())
    values = by_province(run.fund_years, "coverage")
    title = (f"{metric_name('coverage', lang).split(' (')[0]} {format_year(year, lang, prefix=True)}: "
             f"{scenario_label(names[-1], lang)}")
    fig = plot_tile_map(values, title, metric="coverage", lang=lang,
                        caption=source_caption(lang, scenarios=[names[-1]], replicates=1))
    written += save_figure(fig, out / "tile_map_coverage", formats=("png",), dpi=100)

    levels = tuple(round(float(s), 2) for s in np.linspace(0, 1, 6))
    print(f"zone-share sweep: s in {levels}, {replicates} replicates", file=sys.stderr)
    sweep = Sweep("zone_share_figure", find_scenario("zone_all_2023").resolve(),
                  [Levels(ZONE_SHARE, levels), Levels("run.years", (years,))], replicates=replicates)
    with tempfile.TemporaryDirectory(prefix="welfare-sim-figures-") as tmp:
        results = sweep.run(Path(tmp) / "sweep", workers=workers, progress=False)
        fig = plot_zone_share_curve(results, "people_protected", lang=lang)
        written += save_figure(fig, out / "zone_share_curve", formats=("png",), dpi=100)
    for path in written:
        print(f"wrote {path}")
    print(f"done in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0

