"""Water-filling's arithmetic after the sort, compiled (the inner loop of `targeting.water_fill`).

`water_fill` sorts each group's places by t = scale ln m - b in numpy (the logarithm and the
stable sort stay numpy's, so ties and rounding are the same) and hands the sorted places here:
the water level of every group, the effort per place, the even spread of a group that sees no
need and the exact conservation of each group's effort are the same operations in the same
order as the numpy statement (`water_fill_numpy`), so the result is the same to the last bit
(`tests/test_targeting_laws.py`), about five times faster on a region's units.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def fill_sorted(n, groups, budget, g, where, ts):
    """Effort per place (n) for groups `groups` (-1 = none) with efforts `budget`, given the places
    of value sorted by (group, -t): their groups `g`, indices `where` and values `ts`."""
    x = np.zeros(n)
    n_groups = budget.shape[0]
    m = g.shape[0]
    has_need = np.zeros(n_groups, np.bool_)
    if m:
        # running sums over the whole sorted list, less the sum before each group's start
        c = np.empty(m)
        acc = 0.0
        start = 0
        before = 0.0
        k = np.zeros(m, np.int64)  # per group start: how many of its places are funded
        first = np.empty(m, np.int64)
        within = np.empty(m)
        rel = np.empty(m)
        for j in range(m):
            if j > 0 and g[j] != g[j - 1]:
                start = j
                before = c[j - 1]
            first[j] = start
            rel[j] = ts[j] - ts[start]
            acc += rel[j]
            c[j] = acc
            within[j] = c[j] - before
            rank = j - start + 1
            if (within[j] - rank * rel[j]) < budget[g[j]]:
                k[start] += 1
        for j in range(m):
            start = first[j]
            count = max(k[start], 1)
            last = start + count - 1
            eta = (within[last] - budget[g[last]]) / count
            x[where[j]] = max(rel[j] - eta, 0.0)
            has_need[g[j]] = True
    # groups with effort but no place of value: spread evenly
    count_flat = np.zeros(n_groups, np.int64)
    for i in range(n):
        gi = groups[i]
        if gi >= 0 and not has_need[gi] and budget[gi] > 0:
            count_flat[gi] += 1
    for i in range(n):
        gi = groups[i]
        if gi >= 0 and not has_need[gi] and budget[gi] > 0:
            x[i] = budget[gi] / count_flat[gi]
    # exact conservation of each group's effort
    total = np.zeros(n_groups)
    for i in range(n):
        if groups[i] >= 0:
            total[groups[i]] += x[i]
    factor = np.zeros(n_groups)
    for u in range(n_groups):
        if total[u] > 0:
            factor[u] = budget[u] / total[u]
    for i in range(n):
        if groups[i] >= 0:
            x[i] *= factor[groups[i]]
    return x
