"""Figures of sweeps: the zone-share curve, heat maps over two parameters, sensitivity indices."""


from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.errors import SimError
from sim.report.fonts import font_context
from sim.report.labels import (
    format_metric,
    format_year,
    metric_better,
    metric_name,
    parameter_label,
    source_caption,
    text,
)
from sim.report.plots.base import (
    PALETTE,
    ZONE_SHARE,
    _axis_label,
    _check_columns,
    _final_year,
    _finish,
    _new_figure,
    _style,
    _sweep_frame,
    _t_interval,
    _value_formatter,
    scenario_color,
)
from sim.report.plots.maps import _text_color

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
        color = scenario_color(scenario) or PALETTE[0]
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


