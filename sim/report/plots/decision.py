"""Figures of the decision study: regret per policy, what to measure first, where zones win.

Each draws what :mod:`sim.studies.decision` computed (it runs nothing): the regret of every
policy across the worlds, the expected value of partial perfect information of each
coefficient, and the map over the two coefficients worth most to measure with the worlds
where zones win, the smoothed frontier and PRIM's boxes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter

from sim.errors import SimError
from sim.report.fonts import font_context
from sim.report.labels import parameter_label, scenario_label, source_caption, text
from sim.report.plots.base import PALETTE, _check_columns, _finish, _new_figure, _style

__all__ = ["plot_evppi", "plot_frontier", "plot_regret"]

# matplotlib 3.10 renamed boxplot's vert=False to orientation="horizontal" (vert goes in 3.13)
_HORIZONTAL = ({"orientation": "horizontal"} if tuple(int(p) for p in mpl.__version__.split(".")[:2]) >= (3, 10)
               else {"vert": False})


def _wrap(label: str, lang: str, width: int = 28) -> str:
    return "\n".join(textwrap.wrap(label, width)) if lang == "en" else label  # Thai has no spaces to wrap at


def _number(value: float) -> str:
    v = abs(value)
    if v >= 1e6:
        return f"{value / 1e6:,.1f}M"
    if v >= 1e3:
        return f"{value / 1e3:,.0f}k"
    if v >= 10:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def plot_regret(regret: pd.DataFrame, *, lang: str = "en", order: Sequence[str] | None = None,
                replicates: int | None = None, caption: str | None = None) -> Figure:
    """Each policy's regret across the worlds as a share of the best policy's gain over no
    budget: a box of the middle half, whiskers to the 5th and 95th percentiles, the 90th
    percentile and the maximum marked (the robustness criteria)."""
    with font_context(lang) as lang:
        _check_columns(regret, ["world", "policy", "regret_share_of_gain"], "regret table")
        names = list(order) if order is not None else list(dict.fromkeys(regret["policy"]))
        data = [regret.loc[regret["policy"] == n, "regret_share_of_gain"].dropna().to_numpy(float) * 100
                for n in names]
        fig, body = _new_figure(8.5, 1.8 + 0.5 * len(names) + 1.0)
        ax = body.subplots()
        pos = np.arange(len(names))[::-1]
        ax.boxplot(data, positions=pos, **_HORIZONTAL, widths=0.55, whis=(5, 95), showfliers=False,
                   patch_artist=True, boxprops={"facecolor": "#cfe3f3", "edgecolor": PALETTE[0]},
                   medianprops={"color": PALETTE[0]}, whiskerprops={"color": "#555555"},
                   capprops={"color": "#555555"})
        for p, d in zip(pos, data, strict=True):
            if d.size:
                ax.scatter([np.quantile(d, 0.9)], [p], marker="D", s=28, color=PALETTE[1], zorder=3)
                ax.scatter([d.max()], [p], marker="x", s=36, color=PALETTE[3], zorder=3)
        ax.set_yticks(pos, [_wrap(scenario_label(n, lang), lang) for n in names])
        ax.set_xlabel(text("regret_axis", lang))
        ax.axvline(0, color="#555555", linewidth=0.8)
        _style(ax)
        ax.grid(True, axis="x", color="#dddddd", linewidth=0.6)
        worlds = int(regret["world"].nunique())
        body.suptitle(text("regret_title", lang, n=worlds), fontsize=12)
        if caption is None:
            caption = source_caption(lang, replicates=replicates, extra=text("common_random", lang))
            caption += "\n" + text("regret_note", lang)
        return _finish(fig, lang, caption)


def plot_evppi(evppi: pd.DataFrame, *, lang: str = "en", top: int | None = None,
               caption: str | None = None) -> Figure:
    """EVPPI of each coefficient (person-years), largest first, with its bootstrap interval and
    its value when the coefficient's band is halved."""
    with font_context(lang) as lang:
        _check_columns(evppi, ["coefficient", "evppi", "ci_low", "ci_high"], "EVPPI table")
        table = evppi.sort_values("evppi", ascending=False)
        if top is not None:
            table = table.head(top)
        n = len(table)
        if n == 0:
            raise SimError("no EVPPI to plot", where="evppi")
        fig, body = _new_figure(8.5, 1.6 + 0.45 * n + 1.0)
        ax = body.subplots()
        pos = np.arange(n)[::-1]
        value = table["evppi"].to_numpy(float)
        low = np.clip(value - table["ci_low"].to_numpy(float), 0, None)
        high = np.clip(table["ci_high"].to_numpy(float) - value, 0, None)
        err = np.vstack([np.nan_to_num(low), np.nan_to_num(high)])
        ax.barh(pos, value, height=0.6, color=PALETTE[2], xerr=err,
                error_kw={"ecolor": "#333333", "capsize": 3, "linewidth": 1})
        if "evppi_half_band" in table.columns:
            half = table["evppi_half_band"].to_numpy(float)
            ok = np.isfinite(half)
            ax.scatter(half[ok], pos[ok], s=30, facecolors="white", edgecolors="#333333", zorder=3)
        ax.set_yticks(pos, [_wrap(parameter_label(c, lang), lang, 34) for c in table["coefficient"]])
        ax.set_xlabel(text("evppi_axis", lang))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _number(v)))
        ax.axvline(0, color="#555555", linewidth=0.8)
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(True, axis="x", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        body.suptitle(text("evppi_title", lang), fontsize=12)
        if caption is None:
            worlds = int(table["worlds"].max()) if "worlds" in table.columns else None
            extra = text("worlds", lang, n=worlds) if worlds else None
            caption = source_caption(lang, extra=extra) + "\n" + text("evppi_note", lang)
        return _finish(fig, lang, caption)


def plot_frontier(frontier: dict, boxes: pd.DataFrame | None = None, *, lang: str = "en",
                  margin: float = 0.02, caption: str | None = None) -> Figure:
    """The worlds over two coefficients, marked by whether zones win, with the smoothed
    frontier (the zero line of the advantage over the margin) and PRIM's boxes projected on
    these two coefficients."""
    with font_context(lang) as lang:
        points = frontier["points"]
        xname, yname = frontier["x"], frontier["y"]
        fig, body = _new_figure(7.5, 6.6)
        ax = body.subplots()
        surface = np.asarray(frontier["surface"], float)
        gx, gy = frontier["grid_x"], frontier["grid_y"]
        span = np.nanmax(np.abs(surface)) if np.isfinite(surface).any() else 1.0
        levels = span * (np.arange(-6, 7) / 6.0)  # symmetric, the middle one exactly 0 (a clean tick)
        filled = ax.contourf(gx, gy, surface, levels=levels, cmap="RdBu", alpha=0.3)
        bar = fig.colorbar(filled, ax=ax, shrink=0.8, pad=0.02, format=FuncFormatter(lambda v, _: _number(v)))
        bar.set_label(text("advantage_axis", lang), fontsize=9)
        if np.nanmin(surface) < 0 < np.nanmax(surface):
            ax.contour(gx, gy, surface, levels=[0.0], colors="#222222", linewidths=2)
            ax.plot([], [], color="#222222", linewidth=2, label=text("frontier", lang))
        win = points["zones_win"].to_numpy(bool)
        ax.scatter(points.loc[win, "x"], points.loc[win, "y"], s=26, color=PALETTE[0], marker="o",
                   label=text("zones_win", lang), zorder=3)
        ax.scatter(points.loc[~win, "x"], points.loc[~win, "y"], s=30, color=PALETTE[3], marker="x",
                   label=text("zones_do_not_win", lang), zorder=3)
        if boxes is not None and len(boxes):
            for k, part in boxes.groupby("box"):
                lims = part.set_index("coefficient")
                if xname not in lims.index or yname not in lims.index:
                    continue
                x0, x1 = lims.loc[xname, ["low", "high"]].astype(float)
                y0, y1 = lims.loc[yname, ["low", "high"]].astype(float)
                color = PALETTE[(int(k) + 3) % len(PALETTE)]
                ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor=color,
                                       linewidth=2, linestyle="--", label=text("prim_box", lang, k=int(k))))
        ax.set_xlim(*frontier["x_bounds"])
        ax.set_ylim(*frontier["y_bounds"])
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _number(v)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _number(v)))
        ax.set_xlabel(_wrap(parameter_label(xname, lang), lang, 60))
        ax.set_ylabel(_wrap(parameter_label(yname, lang), lang, 40))
        ax.legend(frameon=True, framealpha=0.85, fontsize=8, loc="best")
        ax.spines[["top", "right"]].set_visible(False)
        body.suptitle(text("frontier_title", lang), fontsize=12)
        if caption is None:
            caption = source_caption(lang, extra=text("worlds", lang, n=len(points)))
            caption += "\n" + text("frontier_note", lang, margin=f"{margin:.0%}")
        return _finish(fig, lang, caption)
