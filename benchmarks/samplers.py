"""What one random draw costs: the counter-based samplers of `sim.model.rng`, in nanoseconds.

Each sampler is called two million times in a compiled loop on its own stream keys, with the
sizes the monthly step meets (a cell of 100 members at a monthly leaving probability, a group
of 300 over BTRS's threshold, a split of a few events over cells, a claims count). Together with
`benchmarks/draw_budget.py` (draws per fund-month) it says what the monthly step must cost:
draws x nanoseconds per draw, before any loop overhead.

    python benchmarks/samplers.py [--calls 2000000]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from numba import njit

from sim.model.rng import binomial_lq, hypergeometric, mix, poisson, uniform


@njit(cache=True)
def _uniforms(calls):
    s = 0.0
    for i in range(calls):
        s += uniform(mix(np.uint64(i)), 0)
    return s


@njit(cache=True)
def _binomials(calls, n, p):
    lq = math.log1p(-p)
    s = 0
    for i in range(calls):
        s += binomial_lq(mix(np.uint64(i)), n, p, lq)
    return s


@njit(cache=True)
def _hypergeometrics(calls, k, good, total):
    s = 0
    for i in range(calls):
        s += hypergeometric(mix(np.uint64(i)), k, good, total)
    return s


@njit(cache=True)
def _poissons(calls, lam):
    s = 0
    for i in range(calls):
        s += poisson(mix(np.uint64(i)), lam)
    return s


CASES = (
    ("uniform", _uniforms, ()),
    ("binomial, inversion (n 100, p 0.003)", _binomials, (100, 0.003)),
    ("binomial, inversion (n 100, p 0.03)", _binomials, (100, 0.03)),
    ("binomial, BTRS (n 300, p 0.05)", _binomials, (300, 0.05)),
    ("hypergeometric (3 of 300, 60 marked)", _hypergeometrics, (3, 60, 300)),
    ("hypergeometric (8 of 300, 60 marked)", _hypergeometrics, (8, 60, 300)),
    ("Poisson, inversion (2)", _poissons, (2.0,)),
    ("Poisson, PTRS (30)", _poissons, (30.0,)),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2_000_000)
    args = parser.parse_args()
    print(f"{'sampler':<40}{'ns per call':>12}")
    for name, fn, extra in CASES:
        fn(1000, *extra)  # compile
        start = time.perf_counter()
        fn(args.calls, *extra)
        print(f"{name:<40}{(time.perf_counter() - start) / args.calls * 1e9:>12.1f}")


if __name__ == "__main__":
    main()
