"""Where the monthly step's random draws go: expected draws per founded fund-month, by process.

The monthly step (`sim.model.monthly.month_step`) draws each process that shares one rate once
for its group of cells when few events are expected (then splits them over the cells,
`rng.split_cells`), else once per cell (`_draw_cells`). This script applies those same rules to
the funds of a run after a few simulated years and prints the expected number of sampler calls
per founded fund-month for each process — the budget issue 15 asks to cut, and why it cannot be
cut much without fewer cells or fewer band moves (see docs/wip/README.md). The debug build
(`WELFARE_SIM_COUNT_DRAWS=1`, `benchmarks/engine.py`) counts the total the engine really makes.

    python benchmarks/draw_budget.py [--scenario zone_all_2023] [--years 3] [--sample 10]
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy import stats

from sim.inputs.scenario import find_scenario, load_scenario
from sim.model import membership
from sim.model.engine import Simulation
from sim.model.monthly import GROUP_DRAW_BELOW


def group_cost(sizes: np.ndarray, p: float) -> float:
    """Expected sampler calls of `_draw_cells` for cells `sizes` at probability `p`."""
    sizes = sizes[sizes > 0]
    tot = int(sizes.sum())
    if tot == 0 or p <= 0:
        return 0.0
    if tot * p < GROUP_DRAW_BELOW:
        ks = np.arange(0, 64)
        pk = stats.binom.pmf(ks, tot, p)
        filled = sizes.size
        split = np.where(ks == 0, 0, np.where(ks >= tot, 0, np.minimum(ks, filled - 1)))
        return 1.0 + float((pk * split).sum())
    return float(sizes.size)


def budget(sim: Simulation, sample: int) -> dict[str, float]:
    st, params = sim.state, sim.params
    death_p, birth_rate, admit_rate, age_move_p, tenure_move_p = sim.consts.args[:5]
    stay_probs = sim.consts.args[7]
    drop = membership.dropout_monthly(st, params)
    funds = np.flatnonzero(st.founded)[::sample]
    acc = dict.fromkeys(("leaving", "tenure moves", "ageing", "deaths", "joining", "claims"), 0.0)
    for i in funds:
        m, w = st.members[i], st.waiting[i]
        for a in range(m.shape[0]):
            acc["deaths"] += group_cost(np.concatenate([m[a], w[:, a]]), death_p[a])
        for t in range(m.shape[1]):
            g = np.concatenate([m[:, 0], w.sum(axis=0)]) if t == 0 else m[:, t]
            acc["leaving"] += group_cost(g, drop[i, t])
        for a in range(m.shape[0] - 1):
            acc["ageing"] += group_cost(m[a], age_move_p[a])
        for t in range(m.shape[1] - 1):
            acc["tenure moves"] += group_cost(m[:, t], tenure_move_p[t])
        if st.active[i]:
            by_age = m.sum(axis=1) + w.sum(axis=0)
            acc["joining"] += float((st.population[i] > by_age).sum())
            e = m.sum(axis=1)
            acc["claims"] += float((e @ birth_rate > 0) + ((e * admit_rate) @ stay_probs > 0).sum() + 3)
    return {k: v / max(funds.size, 1) for k, v in acc.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="zone_all_2023")
    parser.add_argument("--years", type=int, default=3, help="simulated years before the count")
    parser.add_argument("--sample", type=int, default=10, help="every n-th founded fund")
    args = parser.parse_args()
    scenario = load_scenario(find_scenario(args.scenario)).with_overrides({}, years=args.years + 1)
    sim = Simulation(scenario, 0, outputs=())
    for _ in range(args.years):
        ctx = sim.prepare_year()
        sim.run_year(ctx, sim.decide(ctx))
    rows = budget(sim, args.sample)
    print(f"{args.scenario}, {sim.geo.region}, after {args.years} simulated years "
          f"(group draw below {GROUP_DRAW_BELOW:g} expected events):")
    print(f"{'process':<14}{'draws per founded fund-month':>30}")
    for name, value in sorted(rows.items(), key=lambda kv: -kv[1]):
        print(f"{name:<14}{value:>30.1f}")
    print(f"{'total':<14}{sum(rows.values()):>30.1f}")


if __name__ == "__main__":
    main()
