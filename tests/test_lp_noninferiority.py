"""The closed-loop allocator is never worse than the rules it replaces — a smaller-region version
of the committed check (results/checks/lp_noninferiority/, benchmarks/lp_noninferiority.py).

Two provinces (Maha Sarakham, Kalasin: 10 zones), four years, common random numbers: for each
of province_2021, zone_pilot_2022, zone_all_2023 and the best fixed zone share (chosen on other
seeds), the paired 95% lower bound of (lp_optimal - rule) on the headline is at least -delta,
delta = 1% of the rule's gain over a zero-budget twin. The allocator runs with fewer forecast
draws than the shipped default to keep the test short (about 20 seconds on one core).
"""

from __future__ import annotations

from sim.studies.noninferiority import BEST, RULES, noninferiority

REGION = ["44", "46"]


def test_lp_optimal_is_not_worse_than_any_rule_in_a_smaller_region():
    res = noninferiority(years=4, replicates=5, select_replicates=2, region=REGION, workers=1,
                         lp_overrides={"policy.lp.forecast_draws": 8})
    table = res.table.set_index("rule")
    assert len(table) == len(RULES) + 1 and any(r.startswith(BEST) for r in table.index)
    assert (table["rule_gain_over_zero_budget"] > 0).all()  # every rule's money does something
    failing = table[~table["passes"]]
    assert failing.empty, table[["difference", "ci_low", "ci_high", "delta"]].to_string()
