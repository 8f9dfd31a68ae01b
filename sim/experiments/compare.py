"""Scenario comparison on common random numbers, with paired differences and intervals.

Every scenario runs with the same base seed, so replicate k of each scenario draws the same
random numbers for every sub-district whose inputs did not change. The difference between
two scenarios in replicate k then measures the policy, not the noise; the mean of those
paired differences gets a t-interval over replicates.

The headline is the one :mod:`sim.model.metrics` defines: person-years protected over the
horizon, discounted. Because its sign can depend on the horizon, every comparison also gives
the difference **against the horizon** (each year from the first to the last), the year the
yearly difference in people protected turns positive for good, and the **payback year** from
which the cumulative difference stays positive.

Cost-effectiveness compares each scenario with a twin that has no development budget, run on
the same random numbers: development baht (discounted like the outcome) per extra discounted
person-year protected.
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
from sim.model.metrics import HEADLINE, discount_factor

METRICS = (HEADLINE, "people_protected", "benefits_paid_thb", "members", "coverage", "funds_active",
           "funds_weak", "funds_dormant", "insolvency_events", "median_reserve_ratio", "coverage_gini_province")
"""What paired differences are reported for; the headline first."""
ZERO_BUDGET = "__zero_budget__"
REFERENCE = "province_2021"
"""The province practice every command measures against (the zone-share curve's s = 0 is the
same policy: `province_2021` with zones at zero money)."""


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


def _t_interval(d: np.ndarray, level: float) -> tuple[float, float, float]:
    """Mean and the t-interval's low and high ends of paired differences `d`."""
    n = d.size
    mean = float(d.mean()) if n else float("nan")
    if n < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * d.std(ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half


def paired_differences(summary: pd.DataFrame, baseline: str, metrics=METRICS, year: int | None = None,
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
            mean, low, high = _t_interval(d, level)
            rows.append({"scenario": name, "baseline": baseline, "metric": metric, "year": year,
                         "baseline_mean": float(base.loc[common, metric].mean()),
                         "scenario_mean": float(other.loc[common, metric].mean()),
                         "difference": mean, "ci_low": low, "ci_high": high, "replicates": d.size})
    return pd.DataFrame(rows)


def horizon_differences(summary: pd.DataFrame, baseline: str, level: float = 0.95) -> pd.DataFrame:
    """Paired differences against the horizon: for every year, the headline over the horizon
    ending that year (cumulative, discounted) and that year's people protected (yearly)."""
    rows = []
    start = int(summary["year"].min())
    for year in sorted(summary["year"].unique()):
        at = summary[summary["year"] == year].set_index(["scenario", "replicate"])
        base = at.loc[baseline]
        for name in at.index.get_level_values(0).unique():
            if name == baseline:
                continue
            other = at.loc[name]
            common = base.index.intersection(other.index)
            row = {"scenario": name, "baseline": baseline, "year": int(year), "horizon_years": int(year) - start + 1}
            for column, prefix in ((HEADLINE, "cumulative"), ("people_protected", "yearly")):
                d = (other.loc[common, column] - base.loc[common, column]).to_numpy(float)
                mean, low, high = _t_interval(d, level)
                row |= {f"{prefix}_difference": mean, f"{prefix}_ci_low": low, f"{prefix}_ci_high": high}
            rows.append(row)
    return pd.DataFrame(rows)


def from_year_on(years: np.ndarray, positive: np.ndarray) -> int | None:
    """The first year from which `positive` holds in every later year (None if not at the end)."""
    if positive.size == 0 or not positive[-1]:
        return None
    last_false = np.flatnonzero(~positive)
    return int(years[last_false[-1] + 1]) if last_false.size else int(years[0])


def time_shape(horizon: pd.DataFrame) -> pd.DataFrame:
    """Per scenario: the year the yearly difference turns positive (and stays so), the payback
    year of the cumulative difference, each on the mean and on the 95% interval's low end."""
    rows = []
    for name, part in horizon.groupby("scenario", sort=False):
        part = part.sort_values("year")
        years = part["year"].to_numpy()
        rows.append({
            "scenario": name, "baseline": part["baseline"].iloc[0],
            "turns_positive_year": from_year_on(years, part["yearly_difference"].to_numpy() > 0),
            "payback_year": from_year_on(years, part["cumulative_difference"].to_numpy() > 0),
            "payback_year_confident": from_year_on(years, part["cumulative_ci_low"].to_numpy() > 0),
            "final_year": int(years[-1]),
        })
    return pd.DataFrame(rows)


def cost_effectiveness(summary: pd.DataFrame, discount_rate: float, level: float = 0.95) -> pd.DataFrame:
    """Development baht per extra person-year protected, against the zero-budget twin; baht
    are discounted at the headline's rate so that both sides of the ratio are alike."""
    if ZERO_BUDGET not in set(summary["scenario"]):
        return pd.DataFrame()
    final = int(summary["year"].max())
    frame = summary.assign(budget=summary["dev_budget_thb"] * discount_factor(summary["year"], int(summary["year"].min()),
                                                                               discount_rate))
    py = frame.groupby(["scenario", "replicate"]).agg(budget=("budget", "sum"))
    py["person_years"] = frame[frame["year"] == final].set_index(["scenario", "replicate"])[HEADLINE]
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
    """Result of comparing scenarios: per-replicate summaries, paired differences at the final
    year, differences against the horizon and their time shape, and cost-effectiveness."""

    summary: pd.DataFrame
    differences: pd.DataFrame
    cost: pd.DataFrame
    baseline: str
    names: list[str] = field(default_factory=list)
    horizon: pd.DataFrame = field(default_factory=pd.DataFrame)
    shape: pd.DataFrame = field(default_factory=pd.DataFrame)
    discount_rate: float = float("nan")
    beliefs: str = ""

    def answer(self) -> str:
        """The comparison in plain words, computed from the numbers."""
        d = self.differences[self.differences["metric"] == HEADLINE]
        visible = self.summary[self.summary["scenario"] != ZERO_BUDGET]
        first, year = int(visible["year"].min()), int(visible["year"].max())
        base = visible[(visible.scenario == self.baseline) & (visible.year == year)]
        rate = "" if np.isnan(self.discount_rate) else f", discounted {self.discount_rate:.0%} a year"
        reference = " (the province practice)" if self.baseline == REFERENCE else ""
        span = str(year) if first == year else f"{first}-{year}"  # one year is printed once
        lines = [f"Headline: person-years protected {span}{rate} — members past the waiting period "
                 f"in active funds holding at least the protected ratio of the standard benefit package, "
                 f"summed over the years.",
                 f"Reference{reference}: {self.baseline}, {float(base[HEADLINE].mean()):,.0f} person-years "
                 f"({float(base['people_protected'].mean()):,.0f} people protected in {year})."]
        if self.beliefs:
            lines.append(f"Beliefs the answer rests on (assumed, not measured): {self.beliefs}.")
        shape = self.shape.set_index("scenario") if not self.shape.empty else None
        for row in d.itertuples():
            sign = "more" if row.difference >= 0 else "fewer"
            certain = ("the 95% interval excludes zero" if (row.ci_low > 0 or row.ci_high < 0)
                       else "the 95% interval includes zero: no clear difference")
            lines.append(f"  {row.scenario}: {abs(row.difference):,.0f} person-years {sign} than {self.baseline} "
                         f"(95% CI {row.ci_low:+,.0f} to {row.ci_high:+,.0f}; {certain}).")
            if shape is not None and row.scenario in shape.index:
                s = shape.loc[row.scenario]
                turn = "never within the horizon" if pd.isna(s.turns_positive_year) else f"from {int(s.turns_positive_year)}"
                pay = "none within the horizon" if pd.isna(s.payback_year) else f"{int(s.payback_year)}"
                lines.append(f"      yearly difference positive {turn}; payback year of the cumulative "
                             f"difference: {pay}.")
            if not self.horizon.empty:
                h = self.horizon[self.horizon["scenario"] == row.scenario].set_index("horizon_years")
                marks = sorted({k for k in (1, 5, 10, 20) if k in h.index} | {int(h.index.max())})
                if marks:
                    lines.append("      against the horizon: " + "; ".join(
                        f"{k} y {h.loc[k, 'cumulative_difference']:+,.0f}" for k in marks) + " person-years.")
        if not d.empty:
            best = d.loc[d["difference"].idxmax()]
            if best["difference"] > 0 and best["ci_low"] > 0:
                lines.append(f"Best of the compared practices over {year - first + 1} years: {best['scenario']}.")
            else:
                lines.append(f"No practice beats {self.baseline} with confidence over {year - first + 1} years.")
        if not self.cost.empty:
            for row in self.cost.itertuples():
                lines.append(f"  {row.scenario}: {row.thb_per_extra_person_year:,.0f} THB of development budget "
                             f"per extra person-year protected (vs no development budget, both discounted).")
        return "\n".join(lines)


def compare(scenarios, replicates: int, *, seed: int | None = None, workers: int = 1,
            zero_budget_twin: bool = True, progress: bool | None = False) -> Comparison:
    """Run every scenario with the same seed and replicates; pair them by replicate.

    `scenarios` are Scenario objects, shipped scenarios' names or file paths; the first is the
    baseline.
    """
    from sim.inputs.scenario import as_scenario

    scenarios = [as_scenario(s) for s in scenarios]
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
    rate = float(scenarios[0].params["metrics.discount_rate"])
    horizon = horizon_differences(visible, names[0])
    return Comparison(summary=summary, differences=paired_differences(visible, names[0]),
                      cost=cost_effectiveness(summary, rate), baseline=names[0], names=names,
                      horizon=horizon, shape=time_shape(horizon), discount_rate=rate,
                      beliefs=level_beliefs(scenarios[0].params))


def level_beliefs(params) -> str:
    """The named beliefs about province and zone level that a comparison is conditional on."""
    return (f"zones see need with noise {params['targeting.noise.zone']:.2f} against the provinces' "
            f"{params['targeting.noise.province']:.2f} (log-sd); efficiency zone "
            f"{params['units.efficiency.zone']:.2f}, province {params['units.efficiency.province']:.2f}; "
            f"overhead zone {params['units.overhead_thb.zone']:,.0f} THB/year, province "
            f"{params['units.overhead_thb.province']:,.0f}; zone capacity starts at "
            f"{params['units.zone_capacity.start']:.2f}")


def _map(fn, jobs, workers: int, progress: bool | None):
    from sim.progress import progress_bar

    bar = progress_bar(len(jobs), desc="compare", unit="run", progress=progress)
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
