"""The Isan tile map: a value per province on a hand-placed grid (the package has no coordinates)."""


from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter

from sim.errors import SimError
from sim.report.fonts import font_context
from sim.report.labels import (
    format_number,
    metric_kind,
    province_code,
    province_name,
    source_caption,
    text,
)
from sim.report.plots.base import (
    ISAN_TILES,
    _axis_label,
    _check_columns,
    _final_year,
    _finish,
    _new_figure,
)

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


