"""Targeting is information, not magic (MODEL.md section 5.4).

A unit spends its effort where it expects the most effect. It does not know a place's need
v (people the place would gain at full development effect); it sees a noisy signal of it and
knows how noisy its own view is. So it does two things, both here:

1. **It forms the posterior mean of each place's need** (`posterior_mean_need`). The effect
   a unit expects from effort x in place i is v_i (1 - exp(-(x + b_i)/scale)), linear in v_i,
   so the posterior mean E[v_i | signal] is all a unit needs from its view: nothing else about
   the noise enters its best split. A unit with a noisier view shrinks harder towards the
   typical need, and so spreads its effort more evenly, without any tuning exponent.
2. **It splits its effort to maximise the expected effect** (`water_fill`): the marginal
   value of effort is equalised across the places it funds, under the concave effect curve,
   taking the effort other levels already put there (b) as given.

Between units of one level, `split_by_marginal_value` gives each unit the money at which the
units' marginal values are equal: the same as one water-fill over the whole level. With it,
how the level is cut into units does not matter (partition invariance); with a fixed formula
(e.g. per sub-district) a coarser unit can move effort between the areas a finer partition
keeps apart, so it may do better, never worse (merging never hurts). `compare_partitions`
reports that gain. These laws hold on the units' own objective and are tested in
tests/test_targeting_laws.py.

Pure numpy, no model state: everything is arrays over places (sub-districts) with a group
label per place (the unit covering it, -1 = none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.model.fill_kernel import fill_sorted

# A need below this share of the largest need is "no value" (e.g. a place where development
# changes nothing, up to rounding): its posterior is 0 and it does not enter the prior fit,
# where log(1e-300) would stretch the estimated spread of need without telling anything.
NO_VALUE_SHARE = 1e-12


@dataclass(frozen=True)
class LognormalPrior:
    """Prior of log need across a group of places: mean and variance of log v."""

    log_mean: float
    log_var: float


def lognormal_prior(signal: np.ndarray, sigma: float) -> LognormalPrior | None:
    """Empirical-Bayes prior of log need from a level's signals over a group of places.

    With o = v exp(sigma z - sigma^2/2) and log v ~ N(mu, tau^2), log o ~ N(mu - sigma^2/2,
    tau^2 + sigma^2), so mu = mean(log o) + sigma^2/2 and tau^2 = var(log o) - sigma^2 (at
    least 0: signals that vary less than the noise alone would say nothing separates places).
    None when fewer than two places have value (nothing to fit).
    """
    signal = np.asarray(signal, float)
    positive = signal[_has_value(signal)]
    if positive.size < 2:
        return None
    logs = np.log(positive)
    return LognormalPrior(float(logs.mean() + sigma**2 / 2), float(max(logs.var() - sigma**2, 0.0)))


def _has_value(signal: np.ndarray) -> np.ndarray:
    top = float(signal.max(initial=0.0))
    return (signal > 0) & (signal > NO_VALUE_SHARE * top) & np.isfinite(signal)


def posterior_mean_need(signal: np.ndarray, sigma: float, prior: LognormalPrior | None = None,
                        strata: np.ndarray | None = None) -> np.ndarray:
    """E[v | o] for each place: the need a unit expects, knowing its noise law.

    `signal` o = v exp(sigma z - sigma^2/2) (mean-one lognormal error, z standard normal) and
    `sigma` its log-sd. With the lognormal prior log v ~ N(mu, tau^2) (by default estimated
    from the same signals, `lognormal_prior`), log v given o is normal with

        variance  s^2 = tau^2 sigma^2 / (tau^2 + sigma^2)
        mean      m   = (tau^2 (log o + sigma^2/2) + sigma^2 mu) / (tau^2 + sigma^2)

    and E[v | o] = exp(m + s^2/2): the signal pulled towards the typical need, the harder
    the noisier the view. sigma = 0 returns the signal itself. A zero signal can only come
    from a place with no value (the error multiplies), so its posterior is 0.

    With `strata` (a label per place) the prior is fitted within each stratum, a fixed grouping
    of places that is not the units (the engine uses provinces). Fitted that way, or over all
    places, the prior never depends on how places are cut into units, so neither does a
    place's posterior; fitted per province, nothing that happens in one province moves the view
    of another (common random numbers stay local), and zones, which nest in provinces, share
    their province's prior.
    """
    signal = np.asarray(signal, float)
    if strata is not None:
        strata = np.asarray(strata)
        if prior is None and np.isfinite(signal).all():
            return _posterior_by_stratum(signal, sigma, strata)
        out = np.zeros(signal.shape)
        for label in np.unique(strata):
            mine = strata == label
            out[mine] = posterior_mean_need(signal[mine], sigma, prior)
        return out
    if prior is None and np.isfinite(signal).all():  # the same arithmetic as per stratum
        return _posterior_by_stratum(signal, sigma, np.zeros(signal.shape, np.int64))
    out = np.zeros(signal.shape)
    has = _has_value(signal)
    if sigma <= 0:
        out[has] = signal[has]
        return out
    if prior is None:
        prior = lognormal_prior(signal, sigma)
    if prior is None:  # one place with value: no population to shrink towards
        out[has] = signal[has]
        return out
    tau2, s2 = prior.log_var, sigma**2
    y = np.log(signal[has]) + s2 / 2
    mean = (tau2 * y + s2 * prior.log_mean) / (tau2 + s2)
    var = tau2 * s2 / (tau2 + s2)
    out[has] = np.exp(mean + var / 2)
    return out


def _posterior_by_stratum(signal: np.ndarray, sigma: float, strata: np.ndarray) -> np.ndarray:
    """`posterior_mean_need` with a prior fitted within each stratum, all strata at once (the
    same arithmetic as one call per stratum: the largest signal, the places with value, the mean
    and variance of their logs, per stratum)."""
    _, label = np.unique(strata, return_inverse=True)
    label = label.ravel()
    n_strata = int(label.max(initial=-1)) + 1
    top = np.zeros(n_strata)
    np.maximum.at(top, label, signal)
    has = (signal > 0) & (signal > NO_VALUE_SHARE * top[label])
    out = np.zeros(signal.shape)
    if sigma <= 0:
        out[has] = signal[has]
        return out
    where = np.flatnonzero(has)
    g = label[where]
    count = np.bincount(g, minlength=n_strata)
    logs = np.log(signal[where])
    mean = np.bincount(g, weights=logs, minlength=n_strata) / np.maximum(count, 1)
    var = np.bincount(g, weights=(logs - mean[g]) ** 2, minlength=n_strata) / np.maximum(count, 1)
    s2 = sigma**2
    tau2 = np.maximum(var - s2, 0.0)[g]
    mu = (mean + s2 / 2)[g]
    post_mean = (tau2 * (logs + s2 / 2) + s2 * mu) / (tau2 + s2)
    post_var = tau2 * s2 / (tau2 + s2)
    fitted = count[g] >= 2  # else one place with value: no population to shrink towards
    out[where] = np.where(fitted, np.exp(post_mean + post_var / 2), signal[where])
    return out


def order_within_groups(t: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Positions sorted by group, and within a group by t from highest to lowest (ties in their
    original order): exactly ``np.lexsort((-t, groups))``, as two stable sorts, the second a
    radix sort of small group numbers — about twice as fast on a region's places, and every
    water-filling of the allocator's curves starts with one."""
    first = np.argsort(-t, kind="stable")
    g = groups[first]
    if g.size and 0 <= g.min() and g.max() < 2**15:
        g = g.astype(np.int16)  # numpy sorts 16-bit integers stably by radix
    return first[np.argsort(g, kind="stable")]


def sorted_places(need: np.ndarray, base: np.ndarray, scale: float, groups: np.ndarray, pos: np.ndarray):
    """(groups, positions, t) of the places `pos`, sorted by group and within it by
    t = scale ln m - b from the highest: the order every water-filling walks down."""
    idx = np.flatnonzero(pos)
    t = scale * np.log(need[idx]) - base[idx]
    order = order_within_groups(t, groups[idx])
    return groups[idx][order], idx[order], t[order]


def _fill_order(need: np.ndarray, base: np.ndarray, scale: float, groups: np.ndarray, pos: np.ndarray):
    """What water-filling needs that does not depend on the budgets: places of value sorted by
    t = scale ln m - b within their group, and the running sums that say how far down each
    group's list a budget reaches."""
    g, where, ts = sorted_places(need, base, scale, groups, pos)
    start = np.concatenate((np.zeros(1, np.int64), np.flatnonzero(np.diff(g)) + 1))
    length = np.diff(np.append(start, g.size))
    first = np.repeat(start, length)
    rank = np.arange(g.size) - first + 1
    rel = ts - ts[first]  # <= 0, relative to the group's best place (keeps sums small)
    c = np.cumsum(rel)
    within = c - np.repeat(np.concatenate(([0.0], c))[start], length)
    return g, where, start, length, rank, rel, within


def water_fill(need: np.ndarray, budget: np.ndarray, base_effort: np.ndarray | float, scale: float,
               groups: np.ndarray) -> np.ndarray:
    """Each group's effort split over its places to maximise the expected effect.

    Group g spends `budget[g]` over the places i with `groups[i] == g` (-1 = no group) to
    maximise sum m_i (1 - exp(-(x_i + b_i)/scale)) with x >= 0, sum x_i = budget[g], where
    m = `need` (posterior means) and b = `base_effort` (what other levels already put there,
    taken as given). The marginal value (m_i/scale) exp(-(x_i + b_i)/scale) is equal to a
    level lambda_g in every place that gets effort and at most lambda_g elsewhere:

        x_i = max(0, t_i - eta_g),   t_i = scale ln m_i - b_i,   eta_g = scale ln(scale lambda_g)

    eta_g solves sum_i max(0, t_i - eta_g) = budget[g], found exactly for all groups at once
    by sorting t within groups (the classic water-filling: the k places with the highest t are
    funded where sum_{j<=k} (t_j - t_k) < budget). A group whose places all have zero need
    has nothing to gain anywhere; it spreads its effort evenly so that every group's effort
    is placed. Each group's effort is conserved exactly (up to rounding).
    Returns effort per place.
    """
    need = np.asarray(need, float)
    groups = np.asarray(groups, np.int64)
    budget = np.asarray(budget, float)
    n = need.size
    covered = groups >= 0
    if not covered.any() or budget.size == 0:
        return np.zeros(n)
    base = np.broadcast_to(np.asarray(base_effort, float), (n,))
    pos = covered & (need > 0) & (budget[np.where(covered, groups, 0)] > 0)
    return fill_sorted(n, groups, budget, *sorted_places(need, base, scale, groups, pos))


def water_fill_numpy(need: np.ndarray, budget: np.ndarray, base_effort: np.ndarray | float, scale: float,
                     groups: np.ndarray) -> np.ndarray:
    """`water_fill` in numpy: the readable statement of the arithmetic `fill_kernel.fill_sorted`
    compiles (tests compare the two bit for bit)."""
    need = np.asarray(need, float)
    groups = np.asarray(groups, np.int64)
    budget = np.asarray(budget, float)
    n = need.size
    base = np.broadcast_to(np.asarray(base_effort, float), (n,))
    x = np.zeros(n)
    covered = groups >= 0
    if not covered.any() or budget.size == 0:
        return x
    pos = covered & (need > 0) & (budget[np.where(covered, groups, 0)] > 0)
    idx = np.flatnonzero(pos)
    if idx.size:
        g, where, start, length, rank, rel, within = _fill_order(need, base, scale, groups, pos)
        e = budget[g]
        funded = (within - rank * rel) < e  # true on a prefix of each group
        k = np.bincount(np.repeat(np.arange(start.size), length), weights=funded, minlength=start.size).astype(np.int64)
        last = start + np.maximum(k, 1) - 1
        eta = (within[last] - e[last]) / np.maximum(k, 1)
        x[where] = np.maximum(rel - np.repeat(eta, length), 0.0)
    # groups with effort but no place of value: spread evenly
    gsafe = np.where(covered, groups, 0)
    has_need = np.bincount(groups[pos], minlength=budget.size) > 0 if idx.size else np.zeros(budget.size, bool)
    flat = covered & ~has_need[gsafe] & (budget[gsafe] > 0)
    if flat.any():
        count = np.bincount(groups[flat], minlength=budget.size)
        x[flat] = budget[groups[flat]] / count[groups[flat]]
    # exact conservation of each group's effort
    total = np.bincount(groups[covered], weights=x[covered], minlength=budget.size)
    factor = np.where(total > 0, budget / np.where(total > 0, total, 1.0), 0.0)
    x[covered] *= factor[groups[covered]]
    return x


def water_fill_many(need: np.ndarray, budgets: np.ndarray, base_effort: np.ndarray | float, scale: float,
                    groups: np.ndarray) -> np.ndarray:
    """`water_fill` at K efforts per group at once (a unit's value curve): `budgets` is
    (groups, K), the result (places, K), column k the split of column k's efforts."""
    need = np.asarray(need, float)
    budgets = np.asarray(budgets, float)
    n_groups, k = budgets.shape
    groups = np.asarray(groups, np.int64)
    n = need.size
    base = np.broadcast_to(np.asarray(base_effort, float), need.shape)
    x = np.zeros((k, n))
    covered = groups >= 0
    if not covered.any() or n_groups == 0:
        return x.T
    gsafe = np.where(covered, groups, 0)
    # the order of places does not depend on the budgets: sorted once for all K columns
    has_budget = (budgets > 0).any(axis=1)
    pos = covered & (need > 0) & has_budget[gsafe]
    has_need = np.zeros(n_groups, bool)
    if pos.any():
        g, where, start, length, rank, rel, within = _fill_order(need, base, scale, groups, pos)
        e = budgets[g].T  # (K, places in order)
        funded = (within - rank * rel)[None, :] < e
        count = np.add.reduceat(funded, start, axis=1).astype(np.int64)
        last = start[None, :] + np.maximum(count, 1) - 1
        rows = np.arange(k)[:, None]
        eta = (within[last] - e[rows, last]) / np.maximum(count, 1)
        fill = np.maximum(rel[None, :] - np.repeat(eta, length, axis=1), 0.0)
        x[:, where] = np.where(e > 0, fill, 0.0)
        has_need[g] = True
    # groups with effort but no place of value: spread evenly
    flat = covered & ~has_need[gsafe]
    if flat.any():
        count = np.bincount(groups[flat], minlength=n_groups)
        x[:, flat] = budgets[groups[flat]].T / count[groups[flat]]
    # exact conservation of each group's effort
    cov = np.flatnonzero(covered)
    total = np.zeros((k, n_groups))
    for j in range(k):
        total[j] = np.bincount(groups[cov], weights=x[j, cov], minlength=n_groups)
    factor = np.where(total > 0, budgets.T / np.where(total > 0, total, 1.0), 0.0)
    x[:, cov] *= factor[:, groups[cov]]
    return x.T


def effect_gain(need: np.ndarray, effort: np.ndarray, base_effort: np.ndarray | float, scale: float) -> np.ndarray:
    """m_i (exp(-b_i/scale) - exp(-(x_i + b_i)/scale)) per place: the expected effect of effort
    x on top of b (the units' own objective, measured from the effect b alone brings)."""
    need = np.asarray(need, float)
    base = np.asarray(base_effort, float)
    return need * np.exp(-base / scale) * -np.expm1(-np.asarray(effort, float) / scale)


def _spread_leftover(money: np.ndarray, room: np.ndarray, amount: float) -> np.ndarray:
    """Add `amount` to `money`: pro rata to the `room` under the caps (evenly to uncapped
    units), and what no room takes evenly (above the caps, wasted either way), so that the
    level's money is always all given out."""
    free = np.maximum(room, 0.0)
    if amount <= 0:
        return money
    if np.isinf(free).any():  # uncapped units take it evenly
        return money + amount * np.isinf(free) / np.isinf(free).sum()
    if free.sum() > 0:
        add = np.minimum(amount * free / free.sum(), free)
        money = money + add
        amount -= add.sum()
    if amount > 0:
        money = money + amount / money.size
    return money


def split_by_marginal_value(amount: float, need: np.ndarray, base_effort: np.ndarray | float, scale: float,
                            groups: np.ndarray, efficiency: np.ndarray, cap: np.ndarray,
                            overhead: np.ndarray | None = None, *, iterations: int = 200) -> np.ndarray:
    """A level's money split between its units so that their marginal values are equal.

    Unit u (places with `groups == u`) turns money above its `overhead[u]` into effort at
    `efficiency[u]` per baht, up to `cap[u]` baht above overhead (absorptive capacity). Its
    value of money is the water-filled effect over its places (`water_fill`), so its marginal
    value of a baht is efficiency_u x lambda_u. The split here equalises that across units
    (units at their cap may have more): the optimum of the whole level, i.e. the same as one
    water-fill over all its places when efficiencies are equal and caps do not bind. Overheads
    are paid first, to every unit (a unit in the level is funded); with zero overheads the
    split is exactly the level's optimum. Found by bisection on the common marginal value
    per baht mu, vectorised over places: a place's money at mu is
    max(0, (scale ln(e_u m_i / (scale mu)) - b_i) / e_u), a unit's the sum, up to its cap.
    Money that no unit can use (all at cap, or no need anywhere) is spread pro rata to the
    room under the caps, then evenly, so the level's money is always all given out.
    Returns money per unit (THB), summing to `amount`.
    """
    need = np.asarray(need, float)
    groups = np.asarray(groups, np.int64)
    eff = np.asarray(efficiency, float)
    cap = np.asarray(cap, float)
    n_units = eff.size
    over = np.zeros(n_units) if overhead is None else np.asarray(overhead, float)
    base = np.broadcast_to(np.asarray(base_effort, float), need.shape)
    if n_units == 0 or amount <= 0:
        return np.zeros(n_units)
    if amount <= over.sum():
        return amount * over / over.sum() if over.sum() > 0 else np.full(n_units, amount / n_units)
    rest = amount - over.sum()
    covered = groups >= 0
    useful = covered & (need > 0)
    useful[useful] &= eff[groups[useful]] > 0
    idx = np.flatnonzero(useful)
    money = np.zeros(n_units)
    if idx.size:
        u = groups[idx]
        e = eff[u]
        log_top = np.log(e * need[idx] / scale)  # log marginal value per baht at no money and no base
        b = base[idx]
        # log mu at which place i starts to get money: log_top - b/scale
        start = log_top - b / scale

        def units_money(log_mu):
            y = np.maximum((scale * (log_top - log_mu) - b) / e, 0.0)
            return np.minimum(np.bincount(u, weights=y, minlength=n_units), cap)

        has = np.bincount(u, minlength=n_units) > 0
        if cap[has].sum() <= rest:  # every unit with something to gain at its cap
            money = np.where(has, cap, 0.0)
        else:
            hi = float(start.max())  # no money at all
            lo = hi - 1.0
            while units_money(lo).sum() < rest:
                lo = hi - 2 * (hi - lo)
            for _ in range(iterations):
                mid = 0.5 * (lo + hi)
                if units_money(mid).sum() < rest:
                    hi = mid
                else:
                    lo = mid
                if hi - lo <= 1e-15 * max(1.0, abs(hi)):
                    break
            m_lo, m_hi = units_money(lo), units_money(hi)  # sums: >= rest, < rest
            s_lo, s_hi = m_lo.sum(), m_hi.sum()
            w = (rest - s_hi) / (s_lo - s_hi) if s_lo > s_hi else 1.0
            money = m_hi + w * (m_lo - m_hi)
    money = _spread_leftover(money, cap - money, rest - money.sum())
    return over + money


def level_objective(need: np.ndarray, base_effort: np.ndarray | float, scale: float, groups: np.ndarray,
                    money: np.ndarray, efficiency: np.ndarray | float = 1.0, cap: np.ndarray | float = np.inf,
                    overhead: np.ndarray | float = 0.0) -> float:
    """The level's own objective: the expected effect of its units' water-filled effort, given
    money per unit (overhead paid first, then effort up to the cap times efficiency)."""
    money = np.asarray(money, float)
    n_units = money.size
    eff = np.broadcast_to(np.asarray(efficiency, float), (n_units,))
    cap = np.broadcast_to(np.asarray(cap, float), (n_units,))
    over = np.broadcast_to(np.asarray(overhead, float), (n_units,))
    effort = np.clip(money - over, 0.0, cap) * eff
    x = water_fill(need, effort, base_effort, scale, groups)
    covered = np.asarray(groups) >= 0
    return float(effect_gain(need, x, base_effort, scale)[covered].sum())


def per_place_split(amount: float, groups: np.ndarray, n_units: int) -> np.ndarray:
    """The per-sub-district formula: a level's money in proportion to the places each unit covers."""
    count = np.bincount(np.asarray(groups)[np.asarray(groups) >= 0], minlength=n_units).astype(float)
    return amount * count / count.sum() if count.sum() > 0 else np.zeros(n_units)


@dataclass(frozen=True)
class PartitionComparison:
    """The level's objective under two partitions of the same places, with the same money."""

    split: str
    fine: float  # objective reached by the finer partition
    coarse: float  # objective reached by the coarser partition
    gain: float  # coarse - fine: what merging units is worth under this split

    @property
    def relative_gain(self) -> float:
        return self.gain / abs(self.fine) if self.fine else 0.0


def coarse_labels(fine_groups: np.ndarray, fine_to_coarse: np.ndarray) -> np.ndarray:
    """Coarse unit of each place from the fine unit's coarse unit (-1 stays -1)."""
    fine_groups = np.asarray(fine_groups, np.int64)
    return np.where(fine_groups >= 0, np.asarray(fine_to_coarse)[np.maximum(fine_groups, 0)], -1)


def compare_partitions(need: np.ndarray, base_effort: np.ndarray | float, scale: float, amount: float,
                       fine_groups: np.ndarray, coarse_groups: np.ndarray, *, split: str = "per_subdistrict",
                       efficiency: float = 1.0, cap_per_place: float = np.inf) -> PartitionComparison:
    """How much a coarser partition of a level reaches beyond a finer one, with the same money.

    Both partitions get `amount`, split between their units by `split` ("per_subdistrict" or
    "by_marginal_value"); units have no overhead, equal `efficiency` and caps of
    `cap_per_place` per place they cover (so caps add when units merge). Under
    "by_marginal_value" the gain is 0 where caps do not bind (partition invariance); under
    "per_subdistrict" it is at least 0 (merging never hurts) and is what the coarse units'
    freedom to move effort between the fine units' areas is worth: reported, not hidden.
    """
    results = []
    for groups in (fine_groups, coarse_groups):
        groups = np.asarray(groups, np.int64)
        n_units = int(groups.max(initial=-1)) + 1
        count = np.bincount(groups[groups >= 0], minlength=n_units).astype(float)
        cap = cap_per_place * count
        eff = np.full(n_units, efficiency)
        if split == "per_subdistrict":
            money = per_place_split(amount, groups, n_units)
        elif split == "by_marginal_value":
            money = split_by_marginal_value(amount, need, base_effort, scale, groups, eff, cap)
        else:
            raise ValueError(f"unknown split {split!r}")
        results.append(level_objective(need, base_effort, scale, groups, money, eff, cap))
    return PartitionComparison(split, results[0], results[1], results[1] - results[0])


def place_in_order(levels: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], scale: float,
                   base_effort: np.ndarray | None = None) -> list[np.ndarray]:
    """Levels place their effort one after another, each taking what is already there as given.

    `levels` is a sequence of (need, groups, effort per group) — each level's own posterior
    means, its units' cover of the places and its units' effort. Level j water-fills on top of
    `base_effort` plus the effort levels 0..j-1 placed. Returns each level's effort per place.
    """
    placed = []
    n = levels[0][0].size if levels else 0
    so_far = np.zeros(n) if base_effort is None else np.asarray(base_effort, float).copy()
    for need, groups, effort in levels:
        x = water_fill(need, effort, so_far, scale, groups)
        placed.append(x)
        so_far = so_far + x
    return placed
