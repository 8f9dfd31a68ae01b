"""Is the closed-loop allocator never worse than the rules it replaces? (issue 14, item 4)

For each rule — the province practice `province_2021`, the 2022 pilot `zone_pilot_2022`, every
zone `zone_all_2023`, and the best fixed zone share (the `zone_all_2023` policy at the share s
that did best on *separate* seeds, so the choice is not fitted to the noise it is judged on) —
the headline (discounted person-years protected over the run) of `lp_optimal` minus the rule's
is taken replicate by replicate on common random numbers. The allocator is non-inferior to the
rule when the lower end of the paired two-sided 95% t-interval (a one-sided 97.5% bound) is at
least -delta, delta = 1% of the rule's own gain over a twin with no development budget (same
random numbers). Every run of a comparison shares the seed; replicate k is the same world.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.experiments.compare import ZERO_BUDGET, _t_interval, compare
from sim.model.metrics import HEADLINE

RULES = ("province_2021", "zone_pilot_2022", "zone_all_2023")
SHARES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
BEST = "best_zone_share"
LP = "lp_optimal"


@dataclass
class NonInferiority:
    table: pd.DataFrame  # per rule: difference, ci, delta, pass
    summary: pd.DataFrame  # every run's yearly summary (compare's)
    selection: pd.DataFrame  # the zone-share choice on separate seeds
    best_share: float
    horizon: pd.DataFrame  # lp - rule against the horizon


def _load(name: str, years: int, region, overrides: dict | None = None, new_name: str | None = None):
    from sim.inputs.scenario import find_scenario, load_scenario

    scenario = load_scenario(find_scenario(name))
    run = {"years": years}
    if region is not None:
        run["region"] = region
    if new_name:
        run["name"] = new_name
    return scenario.with_overrides(overrides or {}, **run)


def best_zone_share(years: int, replicates: int, seed: int, *, region=None, workers: int = 1, overrides=None):
    """(share, table): the fixed zone share with the largest mean headline on seeds `seed`."""
    scenarios = [_load("zone_all_2023", years, region, {"policy.zone_share": s, **(overrides or {})},
                       f"zone_share_{s:.1f}") for s in SHARES]
    result = compare(scenarios, replicates, seed=seed, workers=workers, zero_budget_twin=False)
    final = result.summary[result.summary["year"] == result.summary["year"].max()]
    means = final.groupby("scenario")[HEADLINE].mean()
    table = pd.DataFrame({"zone_share": SHARES, "mean_headline": [means[f"zone_share_{s:.1f}"] for s in SHARES]})
    return float(table.loc[table["mean_headline"].idxmax(), "zone_share"]), table


def noninferiority(*, years: int = 10, replicates: int = 20, select_replicates: int = 4, region=None,
                   workers: int = 2, lp_overrides: dict | None = None, rule_overrides: dict | None = None,
                   seed: int | None = None, margin: float = 0.01, level: float = 0.95) -> NonInferiority:
    """Run the check (see the module doc). `lp_overrides` change the allocator's settings,
    `rule_overrides` every scenario's (e.g. a smaller budget for a smaller region)."""
    lp = _load(LP, years, region, {**(rule_overrides or {}), **(lp_overrides or {})})
    seed = int(lp.seed if seed is None else seed)
    share, selection = best_zone_share(years, select_replicates, seed + 7919, region=region, workers=workers,
                                       overrides=rule_overrides)
    rules = [_load(name, years, region, rule_overrides) for name in RULES]
    rules.append(_load("zone_all_2023", years, region, {**(rule_overrides or {}), "policy.zone_share": share},
                       BEST))
    result = compare([lp, *rules], replicates, seed=seed, workers=workers, zero_budget_twin=True)
    summary = result.summary
    final = summary[summary["year"] == summary["year"].max()].set_index(["scenario", "replicate"])[HEADLINE]
    zero = final.loc[ZERO_BUDGET]
    rows = []
    for rule in [*RULES, BEST]:
        d = (final.loc[LP] - final.loc[rule]).to_numpy(float)
        mean, low, high = _t_interval(d, level)
        gain = float((final.loc[rule] - zero).mean())
        delta = margin * gain
        rows.append({"rule": rule if rule != BEST else f"{BEST} (s = {share:.1f})", "lp_mean": float(final.loc[LP].mean()),
                     "rule_mean": float(final.loc[rule].mean()), "difference": mean, "ci_low": low, "ci_high": high,
                     "rule_gain_over_zero_budget": gain, "delta": delta, "passes": bool(low >= -delta),
                     "replicates": int(d.size)})
    horizon = []
    for rule in [*RULES, BEST]:
        for year, at in summary.groupby("year"):
            at = at.set_index(["scenario", "replicate"])
            d = (at.loc[LP, HEADLINE] - at.loc[rule, HEADLINE]).to_numpy(float)
            y = (at.loc[LP, "people_protected"] - at.loc[rule, "people_protected"]).to_numpy(float)
            mean, low, high = _t_interval(d, level)
            horizon.append({"rule": rule, "year": int(year), "cumulative_difference": mean, "cumulative_ci_low": low,
                            "cumulative_ci_high": high, "yearly_difference": float(y.mean())})
    return NonInferiority(table=pd.DataFrame(rows), summary=summary, selection=selection, best_share=share,
                          horizon=pd.DataFrame(horizon))


def level_money(summary: pd.DataFrame) -> pd.DataFrame:
    """Mean development money, overhead and effort per scenario and year (THB)."""
    cols = ["dev_budget_thb", "dev_overhead_thb", "dev_effort_thb", "people_protected", "funds_active", "members"]
    return summary.groupby(["scenario", "year"])[cols].mean().reset_index()


def verdict(table: pd.DataFrame) -> str:
    failed = table[~table["passes"]]
    if failed.empty:
        return "The allocator is non-inferior to every rule (each lower bound is at least -delta)."
    names = ", ".join(failed["rule"])
    return f"The allocator is NOT shown non-inferior to: {names}."


def worst_gap(horizon: pd.DataFrame) -> pd.DataFrame:
    """Per rule: the year where lp - rule (cumulative) is lowest, and the final difference."""
    rows = []
    for rule, part in horizon.groupby("rule", sort=False):
        i = part["cumulative_difference"].idxmin()
        rows.append({"rule": rule, "lowest_year": int(part.loc[i, "year"]),
                     "lowest_cumulative": float(part.loc[i, "cumulative_difference"]),
                     "final_cumulative": float(part["cumulative_difference"].iloc[-1]),
                     "first_yearly_positive": next((int(r.year) for r in part.itertuples() if r.yearly_difference > 0),
                                                   None)})
    return pd.DataFrame(rows)

