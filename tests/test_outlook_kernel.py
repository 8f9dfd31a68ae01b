"""The compiled one-year projection is the numpy statement of it, to rounding."""

from __future__ import annotations

import numpy as np
import pytest

from sim.inputs.scenario import load_scenario, find_scenario
from sim.model.development import YearOutlook
from sim.model.engine import Simulation

pytestmark = pytest.mark.usefixtures("one_numba_thread")


@pytest.fixture(scope="module")
def outlook():
    scenario = load_scenario(find_scenario("zone_all_2023")).with_overrides({}, years=1, region=("33", "37"))
    sim = Simulation(scenario, 0, outputs=("summary",))
    return YearOutlook(sim.state, sim.params, sim.tables)


@pytest.mark.parametrize("strength", [0.0, 0.37, 1.0])
def test_compiled_projection_equals_the_numpy_statement(outlook, monkeypatch, strength):
    """Every part (active funds, dormant funds revived, places founding) and the recorded
    details, with and without development, equal to 1e-9 relative."""
    compiled = outlook.parts(strength)
    outlook.record = True
    compiled_detail = dict(outlook.parts(strength) and outlook.detail)
    outlook.record = False
    monkeypatch.setattr(YearOutlook, "_year", YearOutlook._year_reference)
    reference = outlook.parts(strength)
    outlook.record = True
    reference_detail = dict(outlook.parts(strength) and outlook.detail)
    outlook.record = False
    assert outlook.active_rows.size and outlook.dormant_rows.size and outlook.new_rows.size
    for part in ("active", "revived", "founded"):
        assert np.abs(compiled[part]).sum() > 0
        np.testing.assert_allclose(compiled[part], reference[part], rtol=1e-9, atol=1e-9, err_msg=part)
    for key in ("ratio", "sd", "reserves_end", "next_year", "claims", "income", "eligible_end"):
        np.testing.assert_allclose(compiled_detail[key], reference_detail[key], rtol=1e-9, atol=1e-6, err_msg=key)
