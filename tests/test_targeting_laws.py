"""Targeting by information only: the laws of MODEL.md section 5.4 on the units' own objective.

Deterministic (fixed seeds, derandomised hypothesis), not on noisy simulation outcomes. The
setting of the laws: one shared signal (every unit sees the same posterior means), overheads
0, equal efficiency, full zone capacity and no capacity-building or mentor money — here simply
units with efficiency 1 and no overhead, spending on the places they cover.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from sim.model.targeting import (
    compare_partitions,
    effect_gain,
    level_objective,
    lognormal_prior,
    place_in_order,
    posterior_mean_need,
    split_by_marginal_value,
    water_fill,
)

LAWS = settings(derandomize=True, max_examples=150, deadline=None)


def shared_view(rng, n, sigma=0.8, zero_share=0.1):
    """Posterior means from one signal of lognormal needs, some places with no value."""
    need = np.exp(rng.normal(0.0, 1.0, n)) * (rng.random(n) >= zero_share)
    signal = need * np.exp(sigma * rng.normal(size=n) - sigma**2 / 2)
    return posterior_mean_need(signal, sigma)


def random_partition(rng, n, k):
    """k units covering n places (every unit at least one place when k <= n)."""
    labels = np.concatenate([np.arange(min(k, n)), rng.integers(0, min(k, n), max(n - k, 0))])
    return rng.permutation(labels)


# ------------------------------------------------------------------ water-filling


@pytest.mark.parametrize("seed", range(12))
def test_water_fill_matches_a_numerical_optimiser(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 8))
    need = np.exp(rng.normal(0, 1, n)) * (rng.random(n) > 0.15)
    base = rng.uniform(0, 2, n) * (rng.random(n) > 0.3)
    scale, budget = rng.uniform(0.5, 3), rng.uniform(0.01, 8)
    x = water_fill(need, np.array([budget]), base, scale, np.zeros(n, int))
    assert x.sum() == pytest.approx(budget, rel=1e-12)
    assert (x >= 0).all()
    objective = lambda y: -effect_gain(need, y, base, scale).sum()  # noqa: E731
    best = minimize(objective, np.full(n, budget / n), method="SLSQP", bounds=[(0, None)] * n,
                    constraints=[{"type": "eq", "fun": lambda y: y.sum() - budget}],
                    options={"ftol": 1e-15, "maxiter": 2000})
    assert -objective(x) >= -best.fun - 1e-10  # at least as good as the optimiser
    assert -objective(x) == pytest.approx(-best.fun, rel=1e-7)


@pytest.mark.parametrize("seed", range(4))
def test_water_fill_matches_a_fine_grid_for_two_places(seed):
    rng = np.random.default_rng(100 + seed)
    need, base = np.exp(rng.normal(0, 1, 2)), rng.uniform(0, 1, 2)
    scale, budget = 1.0, rng.uniform(0.1, 4)
    x = water_fill(need, np.array([budget]), base, scale, np.zeros(2, int))
    grid = np.linspace(0, budget, 200_001)
    values = effect_gain(need[0], grid, base[0], scale) + effect_gain(need[1], budget - grid, base[1], scale)
    assert effect_gain(need, x, base, scale).sum() >= values.max() - 1e-12


@LAWS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 60), k=st.integers(1, 8))
def test_water_fill_over_many_groups_is_each_group_alone(seed, n, k):
    rng = np.random.default_rng(seed)
    need = shared_view(rng, n)
    base = rng.uniform(0, 2, n) * (rng.random(n) > 0.5)
    groups = random_partition(rng, n, k)
    groups[rng.random(n) < 0.1] = -1  # places no unit of this level covers
    budget = rng.uniform(0, 5, k) * (rng.random(k) > 0.1)
    x = water_fill(need, budget, base, 1.5, groups)
    assert (x[groups < 0] == 0).all() and (x >= 0).all()
    for g in range(k):
        mine = groups == g
        alone = water_fill(need[mine], budget[g:g + 1], base[mine], 1.5, np.zeros(mine.sum(), int))
        np.testing.assert_allclose(x[mine], alone, rtol=1e-9, atol=1e-12)
        if mine.any():  # each unit's effort is placed exactly
            assert x[mine].sum() == pytest.approx(budget[g], rel=1e-12, abs=1e-15)


def test_a_unit_with_no_place_of_value_spreads_evenly():
    x = water_fill(np.zeros(4), np.array([2.0]), 0.0, 1.0, np.zeros(4, int))
    np.testing.assert_allclose(x, 0.5)


def test_marginal_values_are_equal_where_effort_goes():
    rng = np.random.default_rng(7)
    need, base, scale = np.exp(rng.normal(0, 1, 30)), rng.uniform(0, 1, 30), 0.7
    x = water_fill(need, np.array([6.0]), base, scale, np.zeros(30, int))
    marginal = need / scale * np.exp(-(x + base) / scale)
    level = marginal[x > 0]
    np.testing.assert_allclose(level, level[0], rtol=1e-9)
    assert (marginal[x == 0] <= level[0] * (1 + 1e-9)).all()


def test_levels_placed_in_order_take_what_is_there_as_given():
    rng = np.random.default_rng(3)
    need = shared_view(rng, 40)
    province, zone = np.repeat([0, 1], 20), np.repeat(np.arange(4), 10)
    placed = place_in_order([(need, province, np.array([3.0, 1.0])), (need, zone, np.full(4, 0.5))], 1.0)
    assert placed[0].sum() == pytest.approx(4.0) and placed[1].sum() == pytest.approx(2.0)
    np.testing.assert_allclose(placed[1], water_fill(need, np.full(4, 0.5), placed[0], 1.0, zone))


# ------------------------------------------------------------------ the posterior mean


def test_posterior_mean_is_unbiased_and_calibrated_on_a_large_sample():
    rng = np.random.default_rng(11)
    n, sigma = 400_000, 0.8
    need = np.exp(rng.normal(1.0, 0.9, n))
    signal = need * np.exp(sigma * rng.normal(size=n) - sigma**2 / 2)
    post = posterior_mean_need(signal, sigma)
    assert post.mean() == pytest.approx(need.mean(), rel=0.01)
    prior = lognormal_prior(signal, sigma)
    assert prior.log_mean == pytest.approx(1.0, abs=0.01) and prior.log_var == pytest.approx(0.81, abs=0.02)
    # E[need | posterior] = posterior: in each decile of the posterior, the truth averages to it
    decile = np.digitize(post, np.quantile(post, np.linspace(0, 1, 11))[1:-1])
    for d in range(10):
        assert need[decile == d].mean() == pytest.approx(post[decile == d].mean(), rel=0.03)


def test_posterior_mean_shrinks_towards_the_typical_need_more_when_noisier():
    rng = np.random.default_rng(12)
    need = np.exp(rng.normal(0.0, 1.0, 5000))
    z = rng.normal(size=5000)
    spread = []
    for sigma in (0.3, 0.8, 1.2):
        signal = need * np.exp(sigma * z - sigma**2 / 2)
        post = posterior_mean_need(signal, sigma)
        # monotone in the signal, and pulled in: less spread in logs than the signal
        order = np.argsort(signal)
        assert (np.diff(post[order]) >= 0).all()
        assert np.log(post).std() < np.log(signal).std()
        spread.append(np.log(post).std())
    assert spread[0] > spread[1] > spread[2]


def test_posterior_mean_without_noise_is_the_signal_and_zero_is_zero():
    rng = np.random.default_rng(13)
    need = np.exp(rng.normal(0, 1, 1000))
    need[:50] = 0.0
    np.testing.assert_array_equal(posterior_mean_need(need, 0.0), need)
    np.testing.assert_allclose(posterior_mean_need(need, 1e-6), need, rtol=1e-5)
    noisy = posterior_mean_need(need * np.exp(0.8 * rng.normal(size=1000)), 0.8)
    assert (noisy[:50] == 0).all() and (noisy[50:] > 0).all() and np.isfinite(noisy).all()
    # rounding-level needs are "no value": they neither get a posterior nor stretch the prior
    tiny = need.copy()
    tiny[:50] = 1e-300
    np.testing.assert_array_equal(posterior_mean_need(tiny, 0.8)[:50], 0.0)
    np.testing.assert_allclose(posterior_mean_need(tiny, 0.8)[50:], posterior_mean_need(need, 0.8)[50:])
    assert (posterior_mean_need(np.zeros(5), 0.8) == 0).all()
    assert posterior_mean_need(np.array([0.0, 2.0]), 0.8)[1] == 2.0  # one place: nothing to shrink to


def test_posterior_with_a_prior_per_province_is_each_province_alone_and_stays_local():
    """The engine fits the prior per province: a place's posterior is its province's own, and
    a change in one province never moves another's view (common random numbers stay local)."""
    rng = np.random.default_rng(14)
    signal = np.exp(rng.normal(0, 1, 300)) * (rng.random(300) > 0.1)
    province = np.repeat([0, 1, 2], 100)
    post = posterior_mean_need(signal, 0.8, strata=province)
    for p in range(3):
        mine = province == p
        np.testing.assert_array_equal(post[mine], posterior_mean_need(signal[mine], 0.8))
    changed = signal.copy()
    changed[:100] *= rng.uniform(0.1, 10, 100)
    np.testing.assert_array_equal(posterior_mean_need(changed, 0.8, strata=province)[100:], post[100:])


# ------------------------------------------------------------------ the two laws


@LAWS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 60), k=st.integers(2, 8), merge=st.integers(1, 4),
       budget=st.floats(0.0, 50.0), cap_per_place=st.sampled_from([0.3, 1.0, np.inf]))
def test_merging_never_hurts(seed, n, k, merge, budget, cap_per_place):
    """A unit covering several smaller units' areas, given their money together (caps add),
    reaches at least their combined objective — whatever the money each small unit had."""
    rng = np.random.default_rng(seed)
    need = shared_view(rng, n)
    base = rng.uniform(0, 1, n) * (rng.random(n) > 0.5)
    fine = random_partition(rng, n, k)
    n_fine = int(fine.max()) + 1
    to_coarse = rng.integers(0, merge, n_fine)
    coarse = to_coarse[fine]
    money = budget * rng.dirichlet(np.ones(n_fine))
    cap = cap_per_place * np.bincount(fine, minlength=n_fine)
    fine_value = level_objective(need, base, 1.0, fine, money, 1.0, cap)
    merged_money = np.bincount(to_coarse, weights=money, minlength=merge)
    merged_cap = np.bincount(to_coarse, weights=cap, minlength=merge) if np.isfinite(cap_per_place) else np.inf
    coarse_value = level_objective(need, base, 1.0, coarse, merged_money, 1.0, merged_cap)
    assert coarse_value >= fine_value * (1 - 1e-12) - 1e-12


@LAWS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 60), budget=st.floats(0.0, 50.0),
       k1=st.integers(1, 10), k2=st.integers(1, 10))
def test_with_money_split_by_marginal_value_every_partition_does_equally_well(seed, n, budget, k1, k2):
    rng = np.random.default_rng(seed)
    need = shared_view(rng, n)
    base = rng.uniform(0, 1, n) * (rng.random(n) > 0.5)
    values = []
    for k in (1, k1, k2):
        groups = random_partition(rng, n, k)
        n_units = int(groups.max()) + 1
        eff, cap = np.ones(n_units), np.full(n_units, np.inf)
        money = split_by_marginal_value(budget, need, base, 1.0, groups, eff, cap)
        assert money.sum() == pytest.approx(budget, rel=1e-12, abs=1e-12)
        values.append(level_objective(need, base, 1.0, groups, money, eff, cap))
    assert values[1] == pytest.approx(values[0], rel=1e-9, abs=1e-12)
    assert values[2] == pytest.approx(values[0], rel=1e-9, abs=1e-12)


@LAWS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(4, 60), k=st.integers(2, 8), budget=st.floats(0.1, 50.0))
def test_marginal_value_split_with_caps_that_do_not_bind_is_invariant_and_with_caps_that_bind_never_better(
        seed, n, k, budget):
    rng = np.random.default_rng(seed)
    need = shared_view(rng, n)
    fine = random_partition(rng, n, k)
    whole = np.zeros(n, int)
    # caps the whole level's water-fill stays within in every fine unit's area: invariance holds
    x = water_fill(need, np.array([budget]), 0.0, 1.0, whole)
    loose = np.bincount(fine, weights=x, minlength=k) * (1 + 1e-6) + 1e-9
    report = compare_partitions(need, 0.0, 1.0, budget, fine, whole, split="by_marginal_value")
    money = split_by_marginal_value(budget, need, 0.0, 1.0, fine, np.ones(k), loose)
    assert level_objective(need, 0.0, 1.0, fine, money, 1.0, loose) == pytest.approx(report.coarse, rel=1e-9)
    # tight caps: the finer units are more constrained, never better off
    tight = np.bincount(fine, minlength=k) * budget / n * 0.5
    money = split_by_marginal_value(budget, need, 0.0, 1.0, fine, np.ones(k), tight)
    assert money.sum() == pytest.approx(budget)
    assert level_objective(need, 0.0, 1.0, fine, money, 1.0, tight) <= report.coarse * (1 + 1e-12) + 1e-12


def test_marginal_value_split_pays_overheads_first_and_honours_caps():
    need = np.array([1.0, 1.0, 5.0, 5.0])
    groups = np.array([0, 0, 1, 1])
    money = split_by_marginal_value(10.0, need, 0.0, 1.0, groups, np.ones(2), np.array([100.0, 2.0]),
                                    np.array([1.0, 1.0]))
    assert money.sum() == pytest.approx(10.0)
    assert money[1] == pytest.approx(3.0)  # overhead + its cap: the rest goes where there is room
    # a level poorer than its overheads pays them pro rata
    np.testing.assert_allclose(split_by_marginal_value(1.0, need, 0.0, 1.0, groups, np.ones(2), np.ones(2),
                                                       np.array([1.0, 3.0])), [0.25, 0.75])


@LAWS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 60), k=st.integers(2, 10), budget=st.floats(0.0, 50.0))
def test_with_a_per_subdistrict_split_the_coarser_gain_is_at_least_zero_and_reported(seed, n, k, budget):
    rng = np.random.default_rng(seed)
    need = shared_view(rng, n)
    base = rng.uniform(0, 1, n) * (rng.random(n) > 0.5)
    fine = random_partition(rng, n, k)
    coarse = rng.integers(0, 2, k)[fine]
    report = compare_partitions(need, base, 1.0, budget, fine, coarse, split="per_subdistrict", cap_per_place=2.0)
    assert report.gain >= -1e-12 * max(abs(report.fine), 1.0)
    assert report.gain == pytest.approx(report.coarse - report.fine)


def test_the_per_subdistrict_gain_is_real_when_need_is_uneven_between_units():
    """Two units, one covering the places of high need: per sub-district gives them the same
    money, so the merged unit does better and says by how much; by marginal value, no gain."""
    need = np.array([10.0, 10.0, 0.1, 0.1])
    fine, coarse = np.array([0, 0, 1, 1]), np.zeros(4, int)
    per_place = compare_partitions(need, 0.0, 1.0, 4.0, fine, coarse, split="per_subdistrict")
    marginal = compare_partitions(need, 0.0, 1.0, 4.0, fine, coarse, split="by_marginal_value")
    assert per_place.gain > 0.01 * per_place.fine
    assert per_place.relative_gain == pytest.approx(per_place.gain / per_place.fine)
    assert marginal.gain == pytest.approx(0.0, abs=1e-9 * marginal.coarse)


def test_the_compiled_water_fill_is_the_numpy_statement_to_the_last_bit():
    """`water_fill` (sorted in numpy, filled by `fill_kernel.fill_sorted`) against its numpy
    statement on random cases with ties, places of no need, groups that see no need at all,
    groups with no effort and places outside every group."""
    from sim.model.targeting import water_fill, water_fill_numpy

    rng = np.random.default_rng(11)
    for case in range(200):
        n, n_groups = int(rng.integers(1, 300)), int(rng.integers(1, 12))
        groups = rng.integers(-1, n_groups, n)
        need = np.round(rng.lognormal(0, 1, n), int(rng.integers(0, 3)))  # rounding makes ties
        need[rng.random(n) < 0.2] = 0.0
        need[groups == case % n_groups] = 0.0 if case % 3 == 0 else need[groups == case % n_groups]
        budget = rng.exponential(5e4, n_groups) * (rng.random(n_groups) < 0.85)
        base = rng.exponential(2e4, n) * (rng.random() < 0.7)
        fast = water_fill(need, budget, base, 30_000.0, groups)
        slow = water_fill_numpy(need, budget, base, 30_000.0, groups)
        np.testing.assert_array_equal(fast, slow)
        assert fast.sum() > 0 or budget[np.unique(groups[groups >= 0])].sum() == 0


def test_places_are_ordered_within_groups_exactly_as_lexsort_orders_them():
    """`order_within_groups` (two stable sorts, the second by radix) is ``np.lexsort((-t, g))``:
    ties in t keep their original order, whatever the number or range of the groups."""
    from sim.model.targeting import order_within_groups

    rng = np.random.default_rng(5)
    for case in range(300):
        n = int(rng.integers(0, 400))
        high = [1, 3, 120, 40_000][case % 4]  # the last is beyond 16-bit group numbers
        groups = rng.integers(-1 if case % 5 == 0 else 0, high, n)
        t = np.round(rng.normal(0, 1e4, n), int(rng.integers(-4, 2)))  # rounding makes ties
        np.testing.assert_array_equal(order_within_groups(t, groups), np.lexsort((-t, groups)))
