"""A value of being funded, earned once per funded unit (`funding_value`), in the mixed-integer
allocation model: what the allocator's fixed value of funding a zone (its capacity) and its
switching cost ride on. Both solver paths, and the policy's looser MIP gap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.allocation import AllocationProblem, solve


def test_a_funding_value_buys_a_unit_in_the_mixed_integer_model():
    """Worth it once funded, whatever the money: the MIP pays the overhead for it; both paths."""
    units = pd.DataFrame({"unit_id": ["A", "B"], "level": ["zone", "zone"], "province_code": ["30", "30"],
                          "population": [1.0, 1.0], "overhead_thb": [10.0, 10.0], "cap_thb": [50.0, 50.0],
                          "funded": ["choose", "choose"], "funding_value": [5.0, -1.0]})
    problem = AllocationProblem(units=units, breakpoints_thb=np.array([[40.0], [40.0]]),
                                slopes=np.array([[0.0], [0.01]]), budget_thb=30.0, spend_all=False)
    for method in ("fast", "pulp"):
        result = solve(problem, method=method, mip=True)
        assert result.funded.to_dict() == {"A": True, "B": False}, method
        assert result.objective == pytest.approx(5.0)
        assert result.objective_terms["funding_value"] == pytest.approx(5.0)


def test_the_mip_gap_is_a_setting_and_the_default_proves_the_optimum():
    units = pd.DataFrame({"unit_id": list("ABC"), "level": ["zone"] * 3, "province_code": ["30"] * 3,
                          "population": [1.0] * 3, "overhead_thb": [10.0] * 3, "cap_thb": [50.0] * 3,
                          "funded": ["choose"] * 3, "funding_value": [0.3, 0.2, 0.1]})
    problem = AllocationProblem(units=units, breakpoints_thb=np.full((3, 1), 40.0),
                                slopes=np.array([[0.01], [0.011], [0.012]]), budget_thb=60.0, spend_all=False)
    exact = solve(problem, mip=True)
    loose = solve(problem, mip=True, mip_gap=1e-3)
    assert loose.objective == pytest.approx(exact.objective, rel=1e-3)
    assert exact.funded.sum() >= 1
