"""The engine behind a sweep: replicate k of a sweep point equals replicate k of a plain run."""

import pandas as pd
import pytest

from sim.experiments import Levels, Sweep
from sim.inputs.scenario import scenario_from_dict
from sim.model.engine import simulate

BASE = {"run": {"region": ["49"], "years": 2, "seed": 777}, "budget": {"development_thb_per_year": 3e6, "scope": "run"}}


@pytest.mark.timeout(300)
def test_sweep_point_equals_plain_run(tmp_path):
    sweep = Sweep("engine_check", BASE, [Levels("policy.zone_share", [0.0, 1.0])], replicates=2, seed=777)
    results = sweep.run(tmp_path / "out", workers=1, progress=False)
    frame = results.to_df("summary")
    got = frame[(frame["policy.zone_share"] == 1.0) & (frame["replicate"] == 1)].sort_values("year")
    plain = simulate(scenario_from_dict(BASE).with_overrides({"policy.zone_share": 1.0}), 1, outputs=("summary",))
    cols = ["year", "people_protected", "members", "reserves_thb", "funds_active"]
    pd.testing.assert_frame_equal(got[cols].reset_index(drop=True), plain.summary[cols].reset_index(drop=True),
                                  check_dtype=False)
