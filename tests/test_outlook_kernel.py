"""The compiled one-year projection is the numpy statement of it, to rounding."""

from __future__ import annotations

import numpy as np
import pytest

from sim.inputs.scenario import find_scenario, load_scenario
from sim.model.development import YearOutlook
from sim.model.engine import Simulation

pytestmark = pytest.mark.usefixtures("one_numba_thread")


@pytest.fixture(scope="module")
def outlook():
    scenario = load_scenario(find_scenario("zone_all_2023")).with_overrides(
        {"start.from_history": False}, years=1, region=("33", "37"))  # the synthetic start has dormant funds
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


def test_many_strengths_at_once_equal_one_at_a_time(outlook):
    """`parts_many` projects K strengths in one pass over K x n rows (the LP's response grid):
    each strength's parts are exactly those of `parts` at that strength alone, scalar grids and
    per-place strengths alike, so the stacking cannot mix rows of different strengths."""
    rng = np.random.default_rng(5)
    per_place = rng.uniform(0.0, 1.0, (3, outlook.n))
    for strengths in (np.array([0.0, 0.25, 1.0]), per_place):
        many = outlook.parts_many(strengths)
        for k, s in enumerate(strengths):
            one = outlook.parts(np.broadcast_to(s, (outlook.n,)).copy() + 0.0)
            for part in ("active", "revived", "founded", "pot"):
                np.testing.assert_array_equal(many[part][k], one[part], err_msg=f"{part} at strength {k}")
    table = outlook.protected_many(per_place)
    assert table.shape == (outlook.n, 3)
    np.testing.assert_array_equal(table[:, 1], outlook.protected(per_place[1]))
    assert not np.array_equal(table[:, 0], table[:, 2])  # different strengths, different outlooks


def test_the_tenure_averaged_dropout_is_the_numpy_statement_to_the_last_bit():
    from sim.model.outlook_kernel import tenure_dropout

    rng = np.random.default_rng(5)
    mixes = rng.poisson(3.0, (12, 40, 6)).astype(float)
    mixes[:, 3] = 0.0  # a fund with no eligible members
    rows = np.tile(np.arange(40), 3)
    q_t = rng.uniform(0.01, 0.3, (rows.size, 6))
    expected = np.zeros(rows.size)
    for mix in mixes:
        mix = mix[rows]
        expected += (mix * q_t).sum(axis=1) / np.maximum(mix.sum(axis=1), 1e-300)
    np.testing.assert_array_equal(tenure_dropout(mixes, rows, q_t), expected)
