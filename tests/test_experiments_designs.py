"""Designs: sizes, bounds, determinism, and the shapes SALib's analyses expect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.errors import SimError
from sim.experiments import (
    DesignSpec,
    IntRange,
    Levels,
    Range,
    full_factorial,
    latin_hypercube,
    make_design,
    morris,
    sobol,
)
from sim.experiments.designs import design_size

PARAMS = [
    Range("policy.zone_share", 0.0, 1.0),
    IntRange("zones.target_size", 15, 40),
    Levels("targeting.mode", ("need", "equal", "per_capita")),
]


def test_full_factorial_is_the_product_first_parameter_slowest():
    points = full_factorial(
        [Levels("a", (1, 2, 3)), Levels("b", ("x", "y")), Range("c", 0.0, 1.0, levels=3)]
    )
    assert len(points) == 3 * 2 * 3
    assert list(points.columns) == ["point_id", "a", "b", "c"]
    assert points["point_id"].tolist() == list(range(18))
    assert points["a"].tolist() == [1] * 6 + [2] * 6 + [3] * 6
    assert points["c"].tolist()[:3] == [0.0, 0.5, 1.0]
    assert not points.duplicated(["a", "b", "c"]).any()
    assert points["a"].dtype == np.int64 and points["c"].dtype == np.float64


def test_full_factorial_ranges_need_levels_which_the_design_can_default():
    with pytest.raises(SimError, match="needs `levels = n`"):
        full_factorial([Range("a", 0.0, 1.0)])
    points = full_factorial([Range("a", 0.0, 1.0), Levels("b", (True, False))], levels=5)
    assert sorted(points["a"].unique()) == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_int_range_factorial_takes_every_integer_or_an_even_subset():
    assert full_factorial([IntRange("n", 3, 6)])["n"].tolist() == [3, 4, 5, 6]
    assert full_factorial([IntRange("n", 15, 40, levels=3)])["n"].tolist() == [15, 28, 40]


@pytest.mark.parametrize("n", [1, 7, 64])
def test_latin_hypercube_size_bounds_and_strata(n):
    points = latin_hypercube(PARAMS, samples=n, seed=3)
    assert len(points) == n and points["point_id"].tolist() == list(range(n))
    assert points["policy.zone_share"].between(0.0, 1.0).all()
    assert points["zones.target_size"].between(15, 40).all()
    assert points["zones.target_size"].dtype == np.int64
    assert set(points["targeting.mode"]) <= {"need", "equal", "per_capita"}
    strata = np.floor(points["policy.zone_share"].to_numpy() * n).astype(int)
    assert sorted(strata) == list(range(n))  # one point per stratum: a Latin hypercube


def test_designs_are_deterministic_in_the_seed():
    a = latin_hypercube(PARAMS, 16, seed=1)
    pd.testing.assert_frame_equal(a, latin_hypercube(PARAMS, 16, seed=1))
    assert not a.equals(latin_hypercube(PARAMS, 16, seed=2))
    pd.testing.assert_frame_equal(sobol(PARAMS, 8, seed=5), sobol(PARAMS, 8, seed=5))
    pd.testing.assert_frame_equal(morris(PARAMS, 4, seed=5), morris(PARAMS, 4, seed=5))


def test_sobol_shapes_follow_saltelli():
    d = len(PARAMS)
    assert len(sobol(PARAMS, 16, seed=0)) == 16 * (d + 2)
    assert len(sobol(PARAMS, 16, seed=0, second_order=True)) == 16 * (2 * d + 2)
    points = sobol(PARAMS, 16, seed=0)
    assert points["policy.zone_share"].between(0, 1).all()
    assert design_size(PARAMS, DesignSpec("sobol", samples=16)) == 16 * (d + 2)


def test_morris_trajectories_change_one_parameter_per_step_on_the_grid():
    params = [Range("a", 10.0, 20.0), Range("b", -1.0, 1.0), Range("c", 0.0, 3.0)]
    points, unit = make_design(params, DesignSpec("morris", samples=6, grid_levels=4), seed=7)
    assert len(points) == 6 * (3 + 1) and unit.shape == (24, 3)
    assert set(np.round(unit.ravel() * 3, 9)) <= {0.0, 1.0, 2.0, 3.0}  # a 4-level grid
    for t in range(6):
        block = unit[t * 4 : (t + 1) * 4]
        changed = (np.abs(np.diff(block, axis=0)) > 1e-12).sum(axis=1)
        assert changed.tolist() == [1, 1, 1]
    assert points["a"].between(10, 20).all() and points["b"].between(-1, 1).all()


def test_levels_are_sampled_evenly_and_only_from_the_list():
    points = latin_hypercube([Levels("k", (2, 5, 9))], samples=300, seed=0)
    counts = points["k"].value_counts()
    assert set(counts.index) == {2, 5, 9}
    assert counts.min() == 100  # a Latin hypercube splits the unit interval exactly


def test_make_design_uses_the_spec_seed_before_the_sweep_seed():
    spec = DesignSpec("latin_hypercube", samples=8, seed=42)
    a, _ = make_design(PARAMS, spec, seed=1)
    b, _ = make_design(PARAMS, spec, seed=2)
    pd.testing.assert_frame_equal(a, b)
    factorial, unit = make_design([Levels("a", (1, 2))], DesignSpec(), seed=0)
    assert unit is None and len(factorial) == 2


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Range("a", 1.0, 0.5), "low .* must be below high"),
        (lambda: IntRange("a", 3, 3), "must be below high"),
        (lambda: IntRange("a", 1.5, 3), "must be an integer"),
        (lambda: Levels("a", ()), "must not be empty"),
        (lambda: Levels("a", (1, "x")), "all numbers, all strings or all booleans"),
        (lambda: Levels("a", (1, 1)), "duplicates"),
        (lambda: Range("seed", 0.0, 1.0), "reserved"),
        (lambda: Range("policy zone", 0.0, 1.0), "dotted names"),
        (lambda: DesignSpec("sobel", samples=8), "unknown design kind"),
        (lambda: DesignSpec("latin_hypercube"), "needs `samples`"),
        (lambda: DesignSpec("full_factorial", samples=4), "does not apply"),
        (lambda: DesignSpec("morris", samples=4, grid_levels=3), "even integer"),
    ],
)
def test_bad_declarations_are_user_errors(make, message):
    with pytest.raises(SimError, match=message):
        make()
