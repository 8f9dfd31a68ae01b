"""The province-versus-zone answer can say either: an interior optimum, or no zone share pays.

Two documented parameter sets (scenarios/zones_capped.toml and zones_see_no_better.toml) on a
two-province region with a budget scaled to it, on common random numbers.
"""

import numpy as np
import pandas as pd
import pytest

from sim.studies.answer import (
    METRIC,
    REPO,
    ZONES_ADDED,
    AnswerConfig,
    _final,
    break_even_frontier,
    classify_optimum,
    curve_sweep,
    paired_vs,
)

BY = ["zones.target_size", "targeting.noise.zone"]


def curve_for(base: str, zone_noise: float, tmp_path):
    cfg = AnswerConfig(base=str(REPO / "scenarios" / f"{base}.toml"), years=4, replicates=5,
                       shares=(0.0, 0.4, 0.7, 1.0), zone_sizes=(25,), zone_noises=(zone_noise,),
                       region=("44", "45"), budget_thb=8.5e6)
    results = curve_sweep(cfg, base).run(tmp_path / base, workers=2, progress=False)
    curve = paired_vs(_final(results), BY)
    return curve, classify_optimum(curve, BY)


@pytest.mark.timeout(600)
def test_interior_optimum_when_zones_cannot_absorb_much(tmp_path):
    curve, optimum = curve_for("zones_capped", 0.3, tmp_path)
    row = optimum.iloc[0]
    assert 0 < row["best_share"] < 1, curve
    assert row["optimum"] == "interior", curve
    assert row["ci_low"] > 0  # better than the province practice with confidence


@pytest.mark.timeout(600)
def test_no_zone_share_pays_when_zones_see_no_better(tmp_path):
    curve, optimum = curve_for("zones_see_no_better", 0.8, tmp_path)
    assert optimum.iloc[0]["optimum"].startswith("none"), curve
    shifted = curve[curve["policy.zone_share"] > 0]
    assert (shifted["ci_high"] < 0).any()  # some shift to zones is worse with confidence


def synthetic(diff_by_noise: dict[float, float], overhead: float = 120_000.0) -> pd.DataFrame:
    rows = []
    for noise, diff in diff_by_noise.items():
        for rep in range(4):
            base = 1000.0 + rep
            rows.append({"units.overhead_thb.zone": overhead, "targeting.noise.zone": noise,
                         "policy.zone_share": 0.0, "replicate": rep, METRIC: base})
            rows.append({"units.overhead_thb.zone": overhead, "targeting.noise.zone": noise,
                         "policy.zone_share": 1.0, "replicate": rep, METRIC: base + diff})
    return pd.DataFrame(rows)


def test_break_even_interpolates_the_crossing():
    frontier = break_even_frontier(synthetic({0.2: 30.0, 0.4: 10.0, 0.6: -10.0, 0.8: -30.0}), province_noise=0.8)
    assert frontier["break_even_zone_noise"].iloc[0] == pytest.approx(0.5)
    assert frontier["advantage_needed"].iloc[0] == pytest.approx(0.3)


def test_break_even_says_when_zones_always_or_never_pay():
    always = break_even_frontier(synthetic({0.2: 5.0, 0.8: 1.0}), province_noise=0.8)
    never = break_even_frontier(synthetic({0.2: -5.0, 0.8: -9.0}), province_noise=0.8)
    assert np.isnan(always["break_even_zone_noise"].iloc[0]) and "every noise" in always["note"].iloc[0]
    assert np.isnan(never["break_even_zone_noise"].iloc[0]) and "never pay" in never["note"].iloc[0]


def test_share_zero_of_the_curve_is_the_province_practice_exactly():
    """One vocabulary: the curve's s = 0 and `province_2021` are the same policy, bit for bit."""
    from sim.inputs.scenario import find_scenario, load_scenario
    from sim.model.engine import simulate

    practice = load_scenario(find_scenario("province_2021")).with_overrides({}, years=3, region=["44", "45"])
    family = practice.with_overrides({**dict(ZONES_ADDED), "policy.zone_share": 0.0})
    shifted = practice.with_overrides({**dict(ZONES_ADDED), "policy.zone_share": 0.5})
    a, b, c = (simulate(s, 0, outputs=("summary",)).summary for s in (practice, family, shifted))
    pd.testing.assert_frame_equal(a, b)
    assert not a[METRIC].equals(c[METRIC])  # and the family does move with s
