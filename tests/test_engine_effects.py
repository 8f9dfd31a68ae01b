"""Development budget does something, and the model produces a real spread of fund situations
(MODEL.md sections 5 and 8).

Scenario comparisons are paired: the same replicate (same run key) with budget x 1.0 and
x 1.5, so the difference is the budget's effect on common random numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.inputs.scenario import scenario_from_dict
from sim.model.benefits import benefit_tables
from sim.model.engine import geography_for, run_scenario, simulate
from sim.model.rng import run_key
from sim.model.state import DORMANT, WEAK, synthetic_state
from sim.model.yearly import end_year
from sim.world.population import ISAN_PROVINCE_CODES, province_populations

REGION = ["49", "37"]
YEARS = 4
REPLICATES = 12
CHANNELS = ("effects.governance_gain", "effects.outreach_join_boost", "effects.founding_hazard",
            "effects.revival_hazard", "effects.generosity_restrain")


def regional_budget(region) -> float:
    """Isan's 75 million baht a year, scaled to the region's share of Isan's population."""
    isan = sum(province_populations(ISAN_PROVINCE_CODES).values())
    return 75e6 * sum(province_populations(region).values()) / isan


LEVERS = {  # what each channel moves first (summed over the run's years)
    "effects.governance_gain": "funds_strong",
    "effects.outreach_join_boost": "members",
    "effects.founding_hazard": "funds_founded",
    "effects.revival_hazard": "funds_revived",
    "effects.generosity_restrain": "reserves_thb",
}
ROOM = {  # where a channel has too little to act on with the defaults, give it some
    "effects.revival_hazard": {"start.share_dormant": 0.4},  # ~1 dormant fund in these provinces
}


def paired_runs(scn, replicates: int = REPLICATES) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """(summary with budget x1.0, summary with x1.5) for each replicate, on common random numbers."""
    pairs = []
    for r in range(replicates):
        low = simulate(scn, r, outputs=("summary",), budget_multiplier=1.0).summary
        high = simulate(scn, r, outputs=("summary",), budget_multiplier=1.5).summary
        assert high["dev_budget_thb"].iloc[-1] == pytest.approx(1.5 * low["dev_budget_thb"].iloc[-1], rel=1e-12)
        pairs.append((low, high))
    return pairs


def paired_effect(pairs, metric: str = "people_protected", over: str = "final year") -> dict:
    """x1.5 minus x1.0 of `metric` in the final year (or summed over the years), with a 95% CI."""
    pick = (lambda f: f[metric].iloc[-1]) if over == "final year" else (lambda f: f[metric].sum())
    d = np.array([float(pick(high) - pick(low)) for low, high in pairs])
    mean = d.mean()
    half = stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size) if d.std() > 0 else 0.0
    return {"mean": mean, "low": mean - half, "high": mean + half, "positive_pairs": int((d > 0).sum())}


def base_scenario():
    return scenario_from_dict({
        "name": "effects",
        "run": {"region": REGION, "years": YEARS, "replicates": REPLICATES, "seed": 11},
        "budget": {"development_thb_per_year": regional_budget(REGION), "scope": "run"},
        "start": {"from_history": False},  # the synthetic start's dormant funds give revival something to act on
    })


def test_more_budget_protects_more_people_per_channel(record_property):
    """+50% budget: more people protected with every channel on; and each channel alone moves
    what it acts on (stronger funds, members, funds founded, funds revived, reserves) — every
    one of them, so a channel that has gone dead cannot hide behind the others."""
    base = base_scenario()
    rows = {"all channels": paired_effect(paired_runs(base))}
    levers = {}
    for channel in CHANNELS:
        pairs = paired_runs(base.with_overrides({**{c: 0.0 for c in CHANNELS if c != channel},
                                                 **ROOM.get(channel, {})}))
        name = channel.split(".")[1]
        rows[f"only {name}"] = paired_effect(pairs)
        levers[f"{name}: {LEVERS[channel]}"] = paired_effect(pairs, LEVERS[channel], over="sum over years")
    frame = pd.DataFrame(rows).T[["mean", "low", "high", "positive_pairs"]]
    text = frame.to_string(float_format=lambda x: f"{x:,.1f}")
    lever_text = pd.DataFrame(levers).T[["mean", "low", "high", "positive_pairs"]].to_string(
        float_format=lambda x: f"{x:,.1f}")
    print(f"\n+50% development budget: paired effect on people protected in {base.end_year} "
          f"({', '.join(REGION)}, {YEARS} years, {REPLICATES} replicates, 95% t-interval)\n{text}\n"
          f"each channel alone, on what it acts on (sum over the years):\n{lever_text}")
    record_property("budget_effect_by_channel", text + "\n" + lever_text)
    everything = rows["all channels"]
    assert everything["low"] > 0, f"the +50% budget effect's 95% interval does not lie above zero:\n{text}"
    for channel in CHANNELS:  # every channel, not any
        lever = levers[f"{channel.split('.')[1]}: {LEVERS[channel]}"]
        assert lever["mean"] > 0 and lever["positive_pairs"] >= 1, (
            f"{channel} alone: +50% budget does not move {LEVERS[channel]}:\n{lever_text}")
        # never significantly fewer, except restraining generosity: it trades benefits paid (the
        # weight min(generosity, 1) of a member of a fund paying under the standard package) for
        # reserves, so alone its effect on people protected may be either sign (issue 13 model:
        # -36, 95% CI -123 to +52; model 5's fit, generosity drift 0.040 instead of 0.008: -108,
        # -150 to -67, reserves up) — its lever, reserves, is asserted above
        if channel != "effects.generosity_restrain":
            assert rows[f"only {channel.split('.')[1]}"]["high"] >= 0, f"{channel} alone protects fewer:\n{text}"
    # switching every channel off leaves nothing for the budget to do: the difference is exactly zero
    none = paired_effect(paired_runs(base.with_overrides({c: 0.0 for c in CHANNELS}), replicates=3))
    assert none["mean"] == 0 and none["low"] == 0 and none["high"] == 0


def test_spread_of_fund_situations_with_defaults():
    """The synthetic start's defaults on a few provinces: strong, normal, weak and dormant funds at
    the start and over time, and funds that run out of money in some month."""
    region = ["49", "37", "35", "33", "41"]
    scn = scenario_from_dict({"name": "spread", "run": {"region": region, "years": 6, "replicates": 4, "seed": 1},
                           "start": {"from_history": False}})
    geo = geography_for(scn)
    tables = benefit_tables(scn.params)
    for r in range(2):
        state = synthetic_state(geo, scn.params, scn.start_year, run_key(scn.seed, r))
        end_year(state, scn.params, tables, state.contributions_last_year)
        funds = state.founded.sum()
        weak, dormant = (state.status == WEAK).sum(), (state.status == DORMANT).sum()
        # MODEL.md's "about a fifth" is not met yet: about half start weak, most of them by
        # members falling two years running (the xfail in tests/test_statuses.py says why)
        assert 0.1 < weak / funds < 0.7, "a real share of funds should start weak"
        assert 0 < dormant / funds < 0.15
        assert (state.reserve_ratio[state.active] < 1).any() and (state.reserve_ratio[state.active] >= 3).any()
    result = run_scenario(scn, 4, outputs=("summary", "fund_years"))
    summary = result.summary
    for column in ("funds_strong", "funds_normal", "funds_weak", "funds_dormant"):
        assert (summary[column] > 0).mean() > 0.75, f"{column} should be present in most years"
    assert summary["insolvency_events"].sum() >= 1, "no fund ever ran out of money"
    assert (summary["funds_active"] < summary["funds_founded"]).any()
    fy = result.fund_years
    insolvent = fy[fy["insolvency_events"] > 0]
    assert (insolvent["claims_unpaid_thb"] > 0).all()
    assert (insolvent["status"] == "dormant").all()
    # the reserve ratio of founded funds spans weak to very strong
    ratio = fy.loc[fy["founded"], "reserve_ratio"]
    assert (ratio < 1).mean() > 0.01 and (ratio >= 3).mean() > 0.25
