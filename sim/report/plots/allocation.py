"""Figures of an allocation: who gets what, beside the scenario's rule."""


from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.errors import SimError
from sim.report.fonts import font_context
from sim.report.labels import (
    format_number,
    format_year,
    level_label,
    province_code,
    province_name,
    source_caption,
    text,
)
from sim.report.plots.base import PALETTE, _finish, _new_figure, _style

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


