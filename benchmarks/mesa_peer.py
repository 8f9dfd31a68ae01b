"""A Mesa peer of the engine: a much simpler fund process, for context only.

2,500 fund agents for 240 months; each agent-month is one binomial draw (members who leave,
then the same number join back with a fixed small surplus) and one line of money. This is
far less than the engine does per fund-month (about 30 exact draws over age, tenure and the
waiting ring, benefits, caps and insolvency), so the figure is a floor for a plain
object-per-agent Mesa model, not a like-for-like race. Every agent is a fund, so the
fund-months counted are agents x months.

    python benchmarks/mesa_peer.py [--agents 2500] [--months 240] [--repeats 3]

Needs the benchmark extra: ``pip install -e .[bench]`` (mesa pinned).
"""

from __future__ import annotations

import argparse
import json
import time


def build_model(agents: int, seed: int = 1):
    import mesa

    class Fund(mesa.Agent):
        def __init__(self, model, members: int):
            super().__init__(model)
            self.members = members
            self.reserves_thb = 2700.0 * members

        def step(self) -> None:
            left = int(self.model.rng.binomial(self.members, 0.004))
            self.members += int(left * 1.01) - left
            self.reserves_thb += 30.0 * self.members - 25.0 * self.members

    class FundModel(mesa.Model):
        def __init__(self, n: int, seed: int):
            super().__init__(seed=seed)
            for m in self.rng.integers(300, 2000, size=n):
                Fund(self, int(m))

        def step(self) -> None:
            self.agents.do("step")

    return FundModel(agents, seed)


def run(agents: int = 2500, months: int = 240, repeats: int = 3) -> dict:
    """Best-of-`repeats` wall seconds for `agents` x `months` and the resulting fund-months/s."""
    import mesa

    times = []
    for r in range(repeats):
        model = build_model(agents, seed=r + 1)
        t = time.perf_counter()
        for _ in range(months):
            model.step()
        times.append(time.perf_counter() - t)
    best = min(times)
    return {"mesa_version": mesa.__version__, "agents": agents, "months": months, "seconds": best,
            "fund_months": agents * months, "fund_months_per_second": agents * months / best,
            "fund_months_counted": "agents (every agent is a fund)"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=2500)
    parser.add_argument("--months", type=int, default=240)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(run(args.agents, args.months, args.repeats)))


if __name__ == "__main__":
    main()
