"""A level's value curves in one compiled loop (the inner loop of `lp_policy.unit_curves`).

For every unit of a level and each of its K amounts of effort, the unit places the effort over
its sub-districts by water-filling on its posterior means of need on top of the others' effort
(`targeting.water_fill`), and its gain is what that placement adds to the expected people
protected there, read through the year's response table G (`lp_policy.response`):

    gain_u(e) = sum_i G_i(S(o_i + x_i(e))) - G_i(S(o_i)),   S(e) = 1 - exp(-e / scale)

The water level of each unit is found by one sweep down its places sorted by
t = scale ln m - o (the amounts rise, so each one's funded prefix extends the last one's), and
only the funded prefix is read through G: no (places x K) arrays. The numpy statement of the
same arithmetic is `targeting.water_fill_many` followed by the interpolation of G
(`tests/test_lp_curves.py` compares the two).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def _read(table, row, strength):
    """G of sub-district `row` at `strength`, linear between the table's grid points."""
    k = table.shape[1] - 1
    pos = min(max(strength, 0.0), 1.0) * k
    idx = min(int(pos), k - 1)
    frac = pos - idx
    return table[row, idx] * (1.0 - frac) + table[row, idx + 1] * frac


@njit(cache=True)
def level_gains(table, rows, t, other, before, bounds, budgets, scale):
    """(units, K) gains of the units whose places are `rows[bounds[u]:bounds[u + 1]]`.

    Each unit's places are sorted by `t` (scale ln need - other effort) from highest, with
    need > 0; `rows` their rows of `table`, `other` the effort the other units put there and
    `before` G there at that effort alone (all aligned with `t`); `budgets` (units, K) the
    unit's effort at each point of its curve, rising along the row. A unit with no place in the
    list gains nothing.
    """
    n_units, k_points = budgets.shape
    out = np.zeros((n_units, k_points))
    for u in range(n_units):
        a, b = bounds[u], bounds[u + 1]
        if b <= a:
            continue
        top = t[a]
        count = 0
        within = 0.0  # sum of (t_j - top) over the funded prefix
        for k in range(k_points):
            e = budgets[u, k]
            if e <= 0.0:
                continue
            while a + count < b:
                rel = t[a + count] - top
                if within + rel - (count + 1) * rel < e:
                    within += rel
                    count += 1
                else:
                    break
            eta = (within - e) / count
            gain = 0.0
            for j in range(count):
                x = (t[a + j] - top) - eta
                if x <= 0.0:
                    continue
                i = a + j
                gain += _read(table, rows[i], 1.0 - math.exp(-(other[i] + x) / scale)) - before[i]
            out[u, k] = gain
    return out


@njit(cache=True)
def majorant_slopes(x, gain):
    """Per row: slopes on the segments ending at x[u] of the least concave majorant of the points
    (0, 0), (x[u, k], gain[u, k]) (an upper hull, by one pass with a stack), not yet clipped."""
    n, k = x.shape
    slopes = np.zeros((n, k))
    px = np.zeros(k + 1)
    py = np.zeros(k + 1)
    hull = np.zeros(k + 1, np.int64)
    for u in range(n):
        for j in range(k):
            px[j + 1] = x[u, j]
            py[j + 1] = gain[u, j]
        top = 1  # hull[0] = 0
        hull[0] = 0
        for j in range(1, k + 1):
            while top >= 2:
                a, b = hull[top - 2], hull[top - 1]
                # drop b if it lies on or below the chord from a to j
                if (py[b] - py[a]) * (px[j] - px[a]) <= (py[j] - py[a]) * (px[b] - px[a]):
                    top -= 1
                else:
                    break
            hull[top] = j
            top += 1
        for h in range(top - 1):
            a, b = hull[h], hull[h + 1]
            s = (py[b] - py[a]) / max(px[b] - px[a], 1e-9)
            for j in range(a, b):
                slopes[u, j] = s
    return slopes
