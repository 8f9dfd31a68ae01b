"""Scenario comparison on common random numbers, with paired differences and intervals.

Every scenario runs with the same base seed, so replicate k of each scenario draws the same
random numbers for every sub-district whose inputs did not change. The difference between
two scenarios in replicate k then measures the policy, not the noise; the mean of those
paired differences gets a t-interval over replicates.

Cost-effectiveness compares each scenario with a twin that has no development budget, run on
the same random numbers: development baht per extra person-year protected.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from sim.errors import SimError

HEADLINE = ("people_protected", "members", "coverage", "funds_active", "funds_weak", "funds_dormant",
            "insolvency_events", "median_reserve_ratio", "coverage_gini_province")
ZERO_BUDGET = "__zero_budget__"


def _one_run(args) -> pd.DataFrame:
    scenario, replicate, seed, budget_multiplier = args
    from sim.model.engine import simulate

    _single_thread()
    res = simulate(scenario, replicate, seed=seed, outputs=("summary",), budget_multiplier=budget_multiplier)
    return res.summary


def _single_thread() -> None:
    try:
        import numba

        numba.set_num_threads(1)
    except (ImportError, ValueError):
        pass


def paired_differences(summary: pd.DataFrame, baseline: str, metrics=HEADLINE, year: int | None = None,
                       level: float = 0.95) -> pd.DataFrame:
    """Mean difference (scenario − baseline) per metric with a t-interval over replicates."""
    year = int(summary["year"].max()) if year is None else year
    final = summary[summary["year"] == year].set_index(["scenario", "replicate"])
    rows = []
    base = final.loc[baseline]
    for name in final.index.get_level_values(0).unique():
        if name == baseline:
            continue
        other = final.loc[name]
        common = base.index.intersection(other.index)
        for metric in metrics:
            d = (other.loc[common, metric] - base.loc[common, metric]).to_numpy(float)
            n = d.size
            mean = float(d.mean()) if n else float("nan")
            se = float(d.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
            half = float(stats.t.ppf(0.5 + level / 2, n - 1) * se) if n > 1 else float("nan")
            rows.append({"scenario": name, "baseline": baseline, "metric": metric, "year": year,
                         "baseline_mean": float(base.loc[common, metric].mean()),
                         "scenario_mean": float(other.loc[common, metric].mean()),
                         "difference": mean, "ci_low": mean - half, "ci_high": mean + half, "replicates": n})
    return pd.DataFrame(rows)


def cost_effectiveness(summary: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Development baht per extra person-year protected, against the zero-budget twin."""
    if ZERO_BUDGET not in set(summary["scenario"]):
        return pd.DataFrame()
    py = summary.groupby(["scenario", "replicate"]).agg(person_years=("people_protected", "sum"),
                                                        budget=("dev_budget_thb", "sum"))
    twin = py.loc[ZERO_BUDGET]
    rows = []
    for name in py.index.get_level_values(0).unique():
        if name == ZERO_BUDGET:
            continue
        s = py.loc[name]
        extra = (s["person_years"] - twin["person_years"]).to_numpy(float)
        n = extra.size
        mean = extra.mean()
        half = stats.t.ppf(0.5 + level / 2, n - 1) * extra.std(ddof=1) / np.sqrt(n) if n > 1 else float("nan")
        budget = float(s["budget"].mean())
        rows.append({"scenario": name, "extra_person_years": mean, "extra_ci_low": mean - half,
                     "extra_ci_high": mean + half, "dev_budget_thb": budget,
                     "thb_per_extra_person_year": budget / mean if mean > 0 else float("inf")})
    return pd.DataFrame(rows)


@dataclass
class Comparison:
    """Result of comparing scenarios: per-replicate summaries and paired differences."""

    summary: pd.DataFrame
    differences: pd.DataFrame
    cost: pd.DataFrame
    baseline: str
    names: list[str] = field(default_factory=list)

    def answer(self) -> str:
        """The comparison in plain words, computed from the numbers."""
        d = self.differences[self.differences["metric"] == "people_protected"]
        year = int(self.summary["year"].max())
        base_mean = float(self.summary[(self.summary.scenario == self.baseline) & (self.summary.year == year)]
                          ["people_protected"].mean())
        lines = [f"People protected in {year} (members past the waiting period in active funds with at least "
                 f"one year of benefits in reserve): {self.baseline} {base_mean:,.0f}."]
        for row in d.itertuples():
            sign = "more" if row.difference >= 0 else "fewer"
            certain = ("the 95% interval excludes zero" if (row.ci_low > 0 or row.ci_high < 0)
                       else "the 95% interval includes zero: no clear difference")
            lines.append(f"  {row.scenario}: {abs(row.difference):,.0f} {sign} than {self.baseline} "
                         f"(95% CI {row.ci_low:+,.0f} to {row.ci_high:+,.0f}; {certain}).")
        if not d.empty:
            best = d.loc[d["difference"].idxmax()]
            if best["difference"] > 0 and best["ci_low"] > 0:
                lines.append(f"Best of the compared practices: {best['scenario']}.")
            else:
                lines.append(f"No practice beats {self.baseline} with confidence on this horizon.")
        if not self.cost.empty:
            for row in self.cost.itertuples():
                lines.append(f"  {row.scenario}: {row.thb_per_extra_person_year:,.0f} THB of development budget "
                             f"per extra person-year protected (vs no development budget).")
        return "\n".join(lines)


def compare(scenarios, replicates: int, *, seed: int | None = None, workers: int = 1,
            zero_budget_twin: bool = True, progress: bool = False) -> Comparison:
    """Run every scenario with the same seed and replicates; pair them by replicate."""
    seed = int(scenarios[0].seed if seed is None else seed)
    jobs = [(s, r, seed, 1.0) for s in scenarios for r in range(replicates)]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise SimError(f"scenario names must differ, got {', '.join(names)}", where="compare")
    labels = [s.name for s in scenarios for _ in range(replicates)]
    if zero_budget_twin:
        jobs += [(scenarios[0], r, seed, 0.0) for r in range(replicates)]
        labels += [ZERO_BUDGET] * replicates
    results = _map(_one_run, jobs, workers, progress)
    parts = []
    for label, frame in zip(labels, results, strict=False):
        frame = frame.copy()
        frame.insert(0, "scenario", label)
        parts.append(frame)
    summary = pd.concat(parts, ignore_index=True)
    visible = summary[summary["scenario"] != ZERO_BUDGET]
    return Comparison(summary=summary, differences=paired_differences(visible, names[0]),
                      cost=cost_effectiveness(summary), baseline=names[0], names=names)


def _map(fn, jobs, workers: int, progress: bool):
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), unit="run", desc="compare")
    out = []
    if workers <= 1:
        for job in jobs:
            out.append(fn(job))
            if bar:
                bar.update()
    else:
        env = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")}
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            # spawn, not fork: forking a Jupyter kernel or a threaded numba runtime can hang
            with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
                for frame in pool.map(fn, jobs):
                    out.append(frame)
                    if bar:
                        bar.update()
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    if bar:
        bar.close()
    return out
