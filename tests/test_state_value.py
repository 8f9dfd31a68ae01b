"""The value of a fund's state the allocator reads over its horizon (sim/model/state_value.py):
the shipped fit is current, its weights discount each year ahead, its features count what the
engine counts, the horizon outlook reduces to the one-year outlook at H = 1 and adds what effort
leaves behind at H = 5, and `welfare-sim refit-value` writes a fit with its manifest.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.model.development import YearOutlook
from sim.model.engine import Simulation
from sim.model.state_value import (
    DATA_FILE,
    FEATURES,
    MANIFEST_FILE,
    HorizonOutlook,
    StateValue,
    fund_features,
    load_state_value,
)
from sim.model.version import MODEL_VERSION

SMALL = {"policy.kind": "lp", "budget.scope": "run", "budget.development_thb_per_year": 6e6}


@pytest.fixture(scope="module")
def year(small_scenario):
    """The start of a run in one province (Amnat Charoen, 56 sub-districts)."""
    scenario = small_scenario(region=("37",), years=1, overrides=SMALL)
    sim = Simulation(scenario, 0, outputs=("summary",))
    return sim, sim.prepare_year()


def test_the_shipped_state_value_is_current():
    """Fitted at the current model version and parameter defaults, with the command to redo it."""
    from sim.report.manifest import stale_reasons

    sv = load_state_value()
    assert sv.features == FEATURES and np.isfinite(sv.coefficients).all() and sv.max_lead >= 4
    manifest = json.loads(MANIFEST_FILE.read_text(encoding="utf-8"))
    assert manifest["command"].startswith("welfare-sim refit-value"), manifest["command"]
    assert manifest["model_version"] == MODEL_VERSION
    reasons = stale_reasons(manifest)
    assert not reasons, f"{DATA_FILE.name} is stale ({'; '.join(reasons)}): rerun `{manifest['command']}`"
    assert min(sv.fit["r2_by_lead"][:4]) > 0.5  # the state explains most of a fund's next years


def test_weights_discount_each_year_ahead():
    sv = StateValue(coefficients=np.ones((3, len(FEATURES))))
    np.testing.assert_allclose(sv.weights(1, 0.03), 0.0)
    np.testing.assert_allclose(sv.weights(3, 0.0), 2.0)
    np.testing.assert_allclose(sv.weights(4, 0.1), 1 / 1.1 + 1 / 1.1**2 + 1 / 1.1**3)
    with pytest.raises(Exception, match="refit"):
        sv.weights(5, 0.03)


def test_features_count_the_engines_people_protected(year):
    sim, _ = year
    x = fund_features(sim.state, sim.params, sim.tables)
    assert x.shape == (sim.state.n, len(FEATURES)) and (x >= 0).all()
    summary = Simulation(sim.scenario, 0, outputs=("summary",))
    summary.run_year(summary.prepare_year(), np.zeros(len(year[1].units.table)))
    counted = fund_features(summary.state, summary.params, summary.tables)[:, 0].sum()
    assert counted == pytest.approx(summary.summaries[-1]["people_protected"])


def test_a_one_year_horizon_is_the_one_year_outlook(year):
    sim, ctx = year
    params = ctx.params.with_overrides({"policy.lp.horizon_years": 1})
    one = YearOutlook(ctx.state, params, ctx.tables)
    same = HorizonOutlook(ctx.state, params, ctx.tables)
    for e in (0.0, 0.3, 1.0):
        np.testing.assert_allclose(same.protected(e), one.protected(e))


def test_the_horizon_values_what_effort_leaves_behind(year):
    """Over five years full development effort is worth more than in the year alone, in the
    active funds, the revived and the founded ones alike."""
    _, ctx = year
    one = YearOutlook(ctx.state, ctx.params, ctx.tables)
    five = HorizonOutlook(ctx.state, ctx.params, ctx.tables)
    gain_one = one.protected(1.0) - one.protected(0.0)
    gain_five = five.protected(1.0) - five.protected(0.0)
    assert gain_five.sum() > 1.5 * gain_one.sum() > 0
    assert (five.protected(0.0) >= one.protected(0.0) - 1e-6).mean() > 0.9



def test_refit_value_command_writes_a_fit_and_its_manifest(tmp_path):
    from sim.cli import main

    out = tmp_path / "fit" / "value.json"
    assert main(["refit-value", "--years", "3", "--lead", "2", "--replicates", "1", "--region", "37",
                 "--workers", "1", "--out", str(out)]) == 0
    sv = load_state_value(out)
    assert sv.max_lead == 2 and np.isfinite(sv.coefficients).all()
    manifest = json.loads((tmp_path / "fit" / "value.manifest.json").read_text(encoding="utf-8"))
    assert manifest["command"].startswith("welfare-sim refit-value") and manifest["model_version"] == MODEL_VERSION
    assert main(["refit-value", "--years", "2", "--lead", "2"]) == 1  # years must exceed the lead
