"""Random numbers laid out for common random numbers.

Every random draw in a run is addressed by *what* it is for, not by *when* it happens:

    (run key, process, sub-district code, calendar month, slot, counter) -> uniform in (0, 1)

The uniform is a hash of that address (SplitMix64's finaliser applied to a mixed key, a
counter-based generator in the spirit of Random123). Each (process, sub-district, month,
slot) therefore owns an endless private stream. A binomial or Poisson sampler may use as
many uniforms from its stream as its algorithm needs without shifting anyone else's draws,
which numpy's vectorised samplers cannot promise. Two scenarios that differ only in one
province's budget get bit-identical draws — and so identical paths — everywhere else.

The samplers are exact: inversion for small means, Hörmann's transformed rejection
(BTRS for the binomial, PTRS for the Poisson, as in numpy and JAX) for large ones, and
inversion from the mode for the hypergeometric that splits a count over cells
(`split_cells`: its cost grows with the number of cells, not of people).
"""

from __future__ import annotations

import math
from enum import IntEnum

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


class Process(IntEnum):
    """Which part of the model a stream belongs to (part of every draw's address)."""

    START = 1
    GRADUATE = 2
    DEATH = 3
    DEATH_SPLIT = 4
    LEAVE = 5
    LEAVE_SPLIT = 6
    JOIN = 7
    AGEING = 8
    TENURE = 9
    BIRTH = 10
    HOSPITAL = 11
    EDUCATION = 12
    DISABILITY = 13
    DISASTER = 14
    FOUNDING = 20
    REVIVAL = 21
    TARGETING = 22
    LOCAL_GOV = 23
    PROGRAMME = 24
    DORMANT_START = 25
    CALIBRATION = 30


@njit(inline="always", cache=True)
def mix(z):
    """SplitMix64 finaliser: a bijective avalanche on 64 bits."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(inline="always", cache=True)
def subkey(key, part):
    """Key of a sub-stream: `part` (an int) appended to the address."""
    return mix(key ^ mix(np.uint64(part) + _GOLDEN))


@njit(inline="always", cache=True)
def fund_month_key(run_key, code, month):
    """Key shared by all of one sub-district's draws in one calendar month."""
    return subkey(subkey(run_key, code), month)


@njit(inline="always", cache=True)
def draw_key(fund_month, process, slot):
    """Key of the stream for one process and slot (slot < 4096) within a fund-month."""
    return mix(fund_month ^ mix(np.uint64(process * 4096 + slot) + _GOLDEN))


@njit(inline="always", cache=True)
def stream_key(run_key, process, code, month, slot):
    """Key of the stream for one (process, sub-district code, calendar month, slot)."""
    return draw_key(fund_month_key(run_key, code, month), process, slot)


@njit(inline="always", cache=True)
def uniform(key, counter):
    """The counter-th uniform of a stream, in the open interval (0, 1)."""
    z = mix(key + np.uint64(counter + 1) * _GOLDEN)
    return (float(z >> _S11) + 0.5) * _INV53


@njit(cache=True)
def binomial(key, n, p):
    """Exact Binomial(n, p) from stream `key`."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    if p > 0.5:
        return n - binomial(key ^ np.uint64(0x5555555555555555), n, 1.0 - p)
    if n * p < 10.0:
        return _binomial_inversion(key, n, p, math.log1p(-p))
    return _binomial_btrs(key, n, p)


@njit(cache=True, inline="always")
def binomial_lq(key, n, p, log_q):
    """Binomial(n, p) with log(1 - p) given (`log_q`, precomputed once per band): the same
    draws as :func:`binomial`, one logarithm fewer per call."""
    if n <= 0 or p <= 0.0:
        return 0
    if p > 0.5 or n * p >= 10.0:
        return binomial(key, n, p)
    return _binomial_inversion(key, n, p, log_q)


@njit(cache=True)
def _binomial_inversion(key, n, p, log_q):
    """Inversion for n p < 10, p <= 1/2; the guard against rounding (a bound past which the
    search restarts with the next uniform) is computed only when the search gets that far."""
    q = 1.0 - p
    s = p / q
    a = (n + 1) * s
    qn = math.exp(n * log_q)
    cheap = min(float(n), n * p + 10.0)  # the bound below is never smaller than this
    bound = -1
    c = 0
    while True:
        u = uniform(key, c)
        c += 1
        x = 0
        px = qn
        while u > px:
            x += 1
            if x > cheap:
                if bound < 0:
                    bound = min(n, int(n * p + 10.0 * math.sqrt(n * p * q + 1.0)))
                if x > bound:
                    break
            u -= px
            px *= a / x - s
        if bound < 0 or x <= bound:
            return x


@njit(cache=True)
def _binomial_btrs(key, n, p):
    c = 0
    # BTRS (Hörmann 1993), as used by JAX and TensorFlow
    spq = math.sqrt(n * p * (1.0 - p))
    b = 1.15 + 2.53 * spq
    a = -0.0873 + 0.0248 * b + 0.01 * p
    cc = n * p + 0.5
    v_r = 0.92 - 4.2 / b
    alpha = (2.83 + 5.1 / b) * spq
    lpq = math.log(p / (1.0 - p))
    m = math.floor((n + 1) * p)
    h = math.lgamma(m + 1.0) + math.lgamma(n - m + 1.0)
    while True:
        u = uniform(key, c) - 0.5
        v = uniform(key, c + 1)
        c += 2
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + cc)
        if k < 0 or k > n:
            continue
        if us >= 0.07 and v <= v_r:
            return int(k)
        lv = math.log(v * alpha / (a / (us * us) + b))
        if lv <= h - math.lgamma(k + 1.0) - math.lgamma(n - k + 1.0) + (k - m) * lpq:
            return int(k)


@njit(cache=True)
def poisson(key, lam):
    """Exact Poisson(lam) from stream `key`."""
    if lam <= 0.0:
        return 0
    c = 0
    if lam < 10.0:
        u = uniform(key, 0)
        x = 0
        p = math.exp(-lam)
        s = p
        while u > s and x < 10000:
            x += 1
            p *= lam / x
            s += p
        return x
    # PTRS (Hörmann 1993), as in numpy
    slam = math.sqrt(lam)
    loglam = math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        u = uniform(key, c) - 0.5
        v = uniform(key, c + 1)
        c += 2
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return int(k)
        if k < 0 or (us < 0.013 and v > us):
            continue
        if (math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b)) <= (
            -lam + k * loglam - math.lgamma(k + 1.0)
        ):
            return int(k)


@njit(cache=True, inline="always")
def split_without_replacement(key, k, sizes, out):
    """Choose `k` individuals uniformly without replacement from cells of `sizes`.

    Writes how many were taken from each cell into `out` (same length). This is the
    multivariate hypergeometric draw that turns "k members of this age band died" into
    "which tenure cells they were in", exactly as if individuals had been picked.
    """
    total = 0
    for j in range(sizes.shape[0]):
        out[j] = 0
        total += sizes[j]
    if k <= 0:
        return
    if k >= total:
        for j in range(sizes.shape[0]):
            out[j] = sizes[j]
        return
    remaining = total
    for i in range(k):
        r = int(uniform(key, i) * remaining)
        acc = 0
        for j in range(sizes.shape[0]):
            acc += sizes[j] - out[j]
            if r < acc:
                out[j] += 1
                break
        remaining -= 1


@njit(cache=True)
def hypergeometric(key, k, good, total):
    """Exact Hypergeometric: how many of `good` marked among `total` are in a sample of `k`
    drawn without replacement. Inversion from the mode outwards (cost grows with the standard
    deviation, not with k); the smaller of the sample and its complement, and of the marked
    and the unmarked, is drawn, so the searched range stays short."""
    if k <= 0 or good <= 0:
        return 0
    if k >= total:
        return good
    if good >= total:
        return k
    if 2 * k > total:  # the complement: marked ones left out of a sample of total - k
        return good - hypergeometric(key ^ np.uint64(0x3333333333333333), total - k, good, total)
    if 2 * good > total:  # count the unmarked instead
        return k - hypergeometric(key ^ np.uint64(0x6666666666666666), k, total - good, total)
    bad = total - good
    hi = min(k, good)
    if k <= 16:  # P(0) as a short product, then up from 0
        p0 = 1.0
        for j in range(k):
            p0 *= (bad - j) / (total - j)
        c = 0
        while True:
            u = uniform(key, c)
            c += 1
            x = 0
            px = p0
            while u > px and x < hi:
                u -= px
                px *= (good - x) * (k - x) / ((x + 1.0) * (bad - k + x + 1.0))
                x += 1
            if u <= px:
                return x
    # from the mode, alternately down and up
    m = int((k + 1.0) * (good + 1.0) / (total + 2.0))
    lo = max(0, k - bad)
    m = min(max(m, lo), hi)
    log_pm = (math.lgamma(good + 1.0) - math.lgamma(m + 1.0) - math.lgamma(good - m + 1.0)
              + math.lgamma(bad + 1.0) - math.lgamma(k - m + 1.0) - math.lgamma(bad - k + m + 1.0)
              - math.lgamma(total + 1.0) + math.lgamma(k + 1.0) + math.lgamma(total - k + 1.0))
    pm = math.exp(log_pm)
    c = 0
    while True:
        u = uniform(key, c)
        c += 1
        if u <= pm:
            return m
        u -= pm
        down, up = m, m
        p_down, p_up = pm, pm
        while down > lo or up < hi:
            if down > lo:
                p_down *= down * (bad - k + down) / ((good - down + 1.0) * (k - down + 1.0))
                down -= 1
                if u <= p_down:
                    return down
                u -= p_down
            if up < hi:
                p_up *= (good - up) * (k - up) / ((up + 1.0) * (bad - k + up + 1.0))
                up += 1
                if u <= p_up:
                    return up
                u -= p_up


@njit(cache=True, inline="always")
def split_cells(key, k, sizes, out):
    """Choose `k` individuals uniformly without replacement from cells of `sizes`; write how
    many were taken from each cell into `out`, and return the number of draws made.

    The same multivariate hypergeometric law as :func:`split_without_replacement`, but its cost
    grows with the number of cells, not of people: cell by cell, the number taken from it given
    what is left is one hypergeometric draw (none once all `k` are placed, none for the last
    cell that still has people). Where fewer individuals are taken than there are cells to
    decide, it picks them one by one instead (one uniform each), whichever is fewer draws.
    """
    n_cells = sizes.shape[0]
    total = 0
    last = -1
    filled = 0
    for j in range(n_cells):
        out[j] = 0
        if sizes[j] > 0:
            total += sizes[j]
            last = j
            filled += 1
    if k <= 0:
        return 0
    if k >= total:
        for j in range(n_cells):
            out[j] = sizes[j]
        return 0
    if k < filled - 1:
        split_without_replacement(key, k, sizes, out)
        return k
    draws = 0
    left = total
    for j in range(n_cells):
        if k == 0:
            break
        size = sizes[j]
        if size == 0:
            continue
        if j == last:
            out[j] = k
            break
        x = hypergeometric(mix(key ^ np.uint64(j + 1)), k, size, left)
        draws += 1
        out[j] = x
        k -= x
        left -= size
    return draws


@njit(cache=True)
def fill_uniforms(run_key, process, codes, month, slot, out):
    """One uniform per sub-district (address: process, code, month, slot) into `out`."""
    for i in range(codes.shape[0]):
        out[i] = uniform(stream_key(run_key, process, codes[i], month, slot), 0)


def run_key(seed: int, replicate: int) -> np.uint64:
    """The 64-bit key of replicate `replicate` of a run seeded with `seed`.

    Derived through numpy's SeedSequence so that replicate k's key is the same whether it
    runs alone or among N, and the same at every point of a sweep.
    """
    ss = np.random.SeedSequence(int(seed), spawn_key=(int(replicate),))
    return np.uint64(ss.generate_state(1, dtype=np.uint64)[0])


def uniforms(key: np.uint64, process: int, codes: np.ndarray, month: int, slot: int = 0) -> np.ndarray:
    """Vector of uniforms, one per sub-district code, for a yearly or start-up draw."""
    out = np.empty(codes.shape[0], dtype=np.float64)
    fill_uniforms(np.uint64(key), np.uint64(process), codes.astype(np.int64), np.int64(month), np.int64(slot), out)
    return out
