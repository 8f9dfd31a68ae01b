"""Figures over time: fans across replicates, paired differences, a whole comparison."""


from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from sim.errors import SimError
from sim.report.fonts import font_context
from sim.report.labels import (
    format_year,
    metric_name,
    metric_unit,
    scenario_label,
    source_caption,
    text,
)
from sim.report.plots.base import (
    DIFFERENCE_METRICS,
    FAN_METRICS,
    FUNDS_BY_STATUS,
    STATUS_METRICS,
    ZERO_BUDGET,
    _axis_label,
    _check_columns,
    _colors,
    _finish,
    _group_order,
    _new_figure,
    _style,
    _unit_text,
    _value_axis,
    _value_formatter,
    _year_axis,
    save_figure,
)

# --- fans over time --------------------------------------------------------------------------


MIN_BAND_REPLICATES = 5
"""Fewer replicates than this draw no 50%/90% bands (two values make no 90% band): each
replicate is drawn as a thin line instead, and the caption says so."""


def _fan(ax, frame: pd.DataFrame, metric: str, groups: list, by: str | None, colors: dict,
         bands: bool = True) -> None:
    for g in groups:
        sub = frame if g is None else frame[frame[by] == g]
        q = sub.groupby("year")[metric].quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
        years = q.index.to_numpy(float)
        color = colors[g]
        if bands:
            ax.fill_between(years, q[0.05], q[0.95], color=color, alpha=0.12, linewidth=0)
            ax.fill_between(years, q[0.25], q[0.75], color=color, alpha=0.28, linewidth=0)
        elif "replicate" in sub.columns:
            for _, one in sub.groupby("replicate"):
                one = one.sort_values("year")
                ax.plot(one["year"].to_numpy(float), one[metric], color=color, linewidth=0.7, alpha=0.55)
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
        fewest = int(frame.groupby(by)["replicate"].nunique().min()) if (
            by in frame.columns and "replicate" in frame.columns) else (
            int(frame["replicate"].nunique()) if "replicate" in frame.columns else None)
        bands = fewest is None or fewest >= MIN_BAND_REPLICATES
        if metric == FUNDS_BY_STATUS:
            fig, body = _new_figure(9.5, 6.8)
            axes = body.subplots(2, 2, sharex=True).ravel()
            for ax, m in zip(axes, metrics, strict=True):
                _fan(ax, frame, m, groups, by, colors, bands)
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
            _fan(ax, frame, metric, groups, by, colors, bands)
            ax.set_ylabel(_axis_label(metric, lang))
            _value_axis(ax.yaxis, metric, lang)
            _year_axis(ax, lang)
            _style(ax)
            heading = title or text("over_time", lang, metric=metric_name(metric, lang))
        body.suptitle(heading, fontsize=13)
        labels = [scenario_label(g if g is not None else (name or "scenario"), lang) for g in groups]
        handles = [Line2D([], [], color=colors[g], linewidth=2) for g in groups]
        if bands:
            handles += [Patch(color="#777777", alpha=0.45), Patch(color="#777777", alpha=0.18)]
            labels += [text("band50", lang), text("band90", lang)]
        else:
            handles.append(Line2D([], [], color="#777777", linewidth=0.7, alpha=0.55))
            labels.append(text("replicate_values", lang))
        body.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 3),
                   fontsize=8.5, frameon=False)
        if caption is None:
            names = [g for g in groups if g is not None] or [name or "–"]
            reps = int(frame.groupby(by)["replicate"].nunique().max()) if (
                by in frame.columns and "replicate" in frame.columns) else (
                int(frame["replicate"].nunique()) if "replicate" in frame.columns else None)
            note = (text("fan_note", lang) if bands
                    else text("fan_note_few", lang, n=fewest, least=MIN_BAND_REPLICATES))
            caption = source_caption(lang, scenarios=names, replicates=reps) + "\n" + note
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
    horizon = getattr(comparison, "horizon", None)
    if horizon is not None and not horizon.empty and horizon["year"].nunique() > 1:
        fig = plot_horizon(horizon, lang, order=names[1:] or None)
        written += save_figure(fig, out / f"compare_horizon{suffix}")
    return written




def plot_horizon(horizon: pd.DataFrame, lang: str = "en", *, order: Sequence[str] | None = None,
                 caption: str | None = None) -> Figure:
    """Each scenario's paired difference from the baseline against the horizon: the headline
    over the horizon ending each year (left) and that year's people protected (right).

    The headline's sign can depend on how long one looks; this figure shows where it turns.
    """
    with font_context(lang) as lang:
        _check_columns(horizon, ["scenario", "baseline", "year", "cumulative_difference", "cumulative_ci_low",
                                 "cumulative_ci_high", "yearly_difference", "yearly_ci_low", "yearly_ci_high"],
                       "horizon differences")
        if horizon.empty:
            raise SimError("no differences against the horizon to plot", where="horizon")
        baseline = str(horizon["baseline"].iloc[0])
        scenarios = _group_order(horizon, "scenario", order)
        colors = _colors([baseline, *scenarios])
        fig, body = _new_figure(10.5, 4.6)
        axes = body.subplots(1, 2)
        for ax, prefix, metric, title in ((axes[0], "cumulative", "person_years_protected", "horizon_cumulative"),
                                          (axes[1], "yearly", "people_protected", "horizon_yearly")):
            for s in scenarios:
                rows = horizon[horizon["scenario"] == s].sort_values("year")
                years = rows["year"].to_numpy()
                ax.fill_between(years, rows[f"{prefix}_ci_low"], rows[f"{prefix}_ci_high"], color=colors[s],
                                alpha=0.18, linewidth=0)
                ax.plot(years, rows[f"{prefix}_difference"], color=colors[s], linewidth=2,
                        label=scenario_label(s, lang))
            ax.axhline(0, color="#555555", linewidth=0.8, linestyle="--")
            ax.set_title(text(title, lang), fontsize=9.5)
            ax.set_xlabel(text("horizon_axis", lang), fontsize=8.5)
            ax.set_ylabel(_unit_text(metric, lang, difference=True), fontsize=8.5)
            ax.yaxis.set_major_formatter(_value_formatter(metric, lang))
            _year_axis(ax, lang)
            _style(ax)
        axes[0].legend(fontsize=8, frameon=False)
        body.suptitle(text("horizon_title", lang, base=scenario_label(baseline, lang)), fontsize=12)
        if caption is None:
            extra = text("common_random", lang)
            caption = source_caption(lang, scenarios=[baseline, *scenarios], extra=extra) + "\n" + text(
                "horizon_note", lang)
        return _finish(fig, lang, caption)
