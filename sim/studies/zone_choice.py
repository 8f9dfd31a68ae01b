"""Fewer, better-funded zones: what the allocator's mixed-integer choice funds, and why (issue 14 item 5).

From the simulated state at the start of a year, the allocator is solved twice: funding every
zone the scenario funds (the 2023 practice: 106 zones in Isan, each paying its overhead), and
choosing which zones to fund (`policy.lp.mip`), where a zone is funded when the value of its
money net of overhead (what the same money would buy elsewhere at the year's value of a baht),
plus the value of the capacity that funding builds, plus the switching value (keeping a zone
funded last year, or not starting a new one), is worth it. The table says, zone by zone, which
way the choice went and for what reason (`lp_policy.zone_choices`); the summary sets the two
plans side by side on the allocator's full objective (discounted person-years over its horizon).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from sim.model import lp_policy


def zone_choice(scenario, year: int, *, replicate: int = 0) -> tuple[pd.DataFrame, dict]:
    """(per-zone table, summary) for `year`, the scenario's own policy run until then."""
    from sim.studies.recommend import situation

    _, ctx = situation(scenario, year, replicate=replicate)
    plans = {}
    for name, mip in (("every zone", False), ("chosen zones", True)):
        c = dataclasses.replace(ctx, params=ctx.params.with_overrides({"policy.lp.mip": mip}, origin=name),
                                zone_ok=np.ones_like(ctx.zone_ok))
        problem, result = lp_policy.settle(c)
        plans[name] = (c, problem, result, lp_policy._amounts(c, result))
    c, problem, result, _ = plans["chosen zones"]
    table = lp_policy.zone_choices(c, problem, result)
    # both plans on the same objective: the choice's (its capacity and switching values per funded zone)
    plans = {name: (c_, p_, r_, m_, lp_policy.full_objective(c, m_, problem)) for name, (c_, p_, r_, m_) in plans.items()}
    zones = ctx.units.zone_rows
    summary = {"year": year, "zones": int(zones.size)}
    for name, (c, _, _, m, v) in plans.items():
        funded = lp_policy.funded_zones_of(c, m)
        summary[name] = {"zones_funded": int(funded.sum()), "zone_money_thb": float(m[zones].sum()),
                         "money_per_funded_zone_thb": float(m[zones][funded].mean()) if funded.any() else 0.0,
                         "full_objective": float(v)}
    summary["difference"] = summary["chosen zones"]["full_objective"] - summary["every zone"]["full_objective"]
    return table, summary


def markdown(table: pd.DataFrame, summary: dict, scenario_name: str, most: int = 12) -> str:
    a, b = summary["every zone"], summary["chosen zones"]
    lines = [
        f"# Fewer, better-funded zones: the allocator's choice for {summary['year']} ({scenario_name})",
        "",
        "| plan | zones funded | zone money (THB) | per funded zone (THB) | objective (person-years over the horizon) |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| every zone funded | {a['zones_funded']} of {summary['zones']} | {a['zone_money_thb']:,.0f} | "
        f"{a['money_per_funded_zone_thb']:,.0f} | {a['full_objective']:,.0f} |",
        f"| zones chosen (mixed-integer) | {b['zones_funded']} of {summary['zones']} | {b['zone_money_thb']:,.0f} | "
        f"{b['money_per_funded_zone_thb']:,.0f} | {b['full_objective']:,.0f} |",
        "",
        f"Choosing the zones changes the objective by {summary['difference']:+,.0f} person-years.",
        "",
        "Zone by zone (person-years over the horizon; a zone left out is read at the money a funded zone gets on "
        "average). `net of overhead` = the value of its money on its curve minus what the same money, overhead "
        "included, buys elsewhere at the year's value of a baht; `capacity` = the value of the capacity funding "
        "builds, counted once; `switching` = keeping a zone funded last year (+) or starting a new one (-); "
        "`training` = the province and region effort that funding it would newly divert to training zones (-).",
        "",
        "| zone | funded | last year | k | money (THB) | net of overhead | capacity | switching | training | total |",
        "| --- | :---: | :---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    shown = pd.concat([table[table["funded"]].head(most), table[~table["funded"]].head(most)])
    for r in shown.itertuples():
        lines.append(f"| {r.unit_id} {r.name_en} | {'yes' if r.funded else 'no'} | "
                     f"{'yes' if r.funded_last_year else 'no'} | {r.capacity_k:.2f} | {r.money_thb:,.0f} | "
                     f"{r.net_of_overhead:+,.0f} | {r.capacity_value:+,.0f} | {r.switching_value:+,.0f} | "
                     f"{getattr(r, 'training_value', 0.0):+,.0f} | {r.total:+,.0f} |")
    lines += ["", f"({len(table)} zones in all; every row with its reason in words: `zone_choice.csv`.)"]
    return "\n".join(lines) + "\n"
