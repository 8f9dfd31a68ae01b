"""Calibration against the national record, with Isan 2023 held out (MODEL.md section 8).

The record (FACTS.md section 3.1) is a handful of national figures: funds, members and fund
money in January 2010, August 2013 and about 2024, and "more than 6,000 funds" about 2020.
The targets and their bands live in ``sim/data/calibration_targets.toml``, written down before
any fit. This module

1. simulates the national history from 2010 (``scenarios/history_2010.toml``, which holds every
   setting of the history: this module swaps in only the values it fits and, for the search, a
   sample of provinces) and reads funds, members and money at each record's date;
2. scores a run by a simulated-moments loss: the sum of squared log errors, each scaled by its
   target's band (a target at the edge of its band adds 1);
3. fits a few uncertain parameters (:data:`FIT_PARAMETERS`) by a Latin-hypercube screen
   followed by Nelder-Mead from the best point, every evaluation on the same random numbers;
4. asks what the record can identify: the linearised sensitivity of the scaled residuals to
   each fitted parameter, to the founding effect of development work, and to the
   zone-versus-province coefficients (zone noise, zone overhead, zone capacity), and the
   implied uncertainty of each (the band of each target read as one standard deviation);
5. checks the fit on the whole country with several replicates, and reports the held-out Isan
   count of March 2023 (2,000+ funds [S0]) pass or fail.

Search on a sub-sample. A national 15-year run takes several seconds, so the search runs on a
deterministic quarter of the country, every fourth province in code order (20 provinces,
1,985 of 7,436 sub-districts, 27% of the population), with the development budget scaled by
its share of sub-districts and the counts scaled back up to national totals. A province's
places, people and random streams do not depend on which other provinces are in a run
(sim.geography), so the sub-sample is the national run restricted to those provinces, up to
the budget's rounding. The fitted point is then checked on the whole country.

History settings (not fitted, each from the record or from the repository's own scenarios) are
in the history file, with their sources: the policy is the province practice until 2021, the
zone pilot in 2022 and every zone from 2023 [S0]; the mean fund size gives the recorded 349
members per fund at the start [S7]; the regular development budget is 228 million baht a year
nationally from 2014 [S9]. Founding grew +17% a year in 2010-2013 and under 1% a year after: the
2009 programme that set up about 2,000 more funds [S2] is represented by a larger set-up budget
in 2010-2013 (the file's ``budget.development_thb_per_year`` until its 2014 schedule entry), a
history input that is fitted and written back into the file, not a model default. The file's
budget belongs to the whole country (``budget.scope = "national"``), so a sample of provinces
gets its share of sub-districts. Run as shipped, the file reproduces the committed national check.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import time
import tomllib
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import SimError

__all__ = [
    "FIT_PARAMETERS",
    "HISTORY_FILE",
    "IDENTIFIABILITY_PARAMETERS",
    "SETUP_BUDGET",
    "TARGETS_FILE",
    "CalibrationConfig",
    "FitParameter",
    "Holdout",
    "Target",
    "calibrate",
    "holdout_check",
    "load_calibration",
    "load_targets",
    "loss",
    "plot_history_fit",
    "residual_table",
    "run_history",
    "scaled_residual",
    "simulated_at_targets",
]

REPO = Path(__file__).resolve().parents[2]
TARGETS_FILE = Path(__file__).resolve().parents[1] / "data" / "calibration_targets.toml"
METRICS = ("funds", "members", "money_thb", "members_per_fund", "money_per_member_thb")
STOCKS = ("funds", "members", "money_thb")
NATIONAL_SUBDISTRICTS = 7436
ISAN_CODES = tuple(str(c) for c in range(30, 50))
SETUP_BUDGET = "history.setup_budget_thb"
SETUP_BUDGET_PATH = "budget.development_thb_per_year"  # where the history file holds it
HISTORY_FILE = REPO / "scenarios" / "history_2010.toml"

# ----------------------------------------------------------------------------- the targets


@dataclass(frozen=True)
class Target:
    """One recorded figure with the band it is allowed to miss by."""

    name: str
    metric: str
    date: float
    label: str
    value: float
    low: float
    high: float
    source: str
    in_loss: bool
    reason: str


@dataclass(frozen=True)
class Holdout:
    """The held-out check: at least `at_least` funds in Isan at `date`."""

    name: str
    metric: str
    region: str
    date: float
    label: str
    at_least: float
    subdistricts: int
    source: str
    reason: str


def load_targets(path: str | Path = TARGETS_FILE) -> tuple[list[Target], Holdout]:
    """The targets and the hold-out, checked: known metrics, bands around values, cited tags."""
    from sim.inputs.references import cited_tags, references

    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise SimError(f"cannot read the calibration targets: {err}", path=str(path)) from None
    refs = references()
    targets = []
    for i, raw in enumerate(data.get("target", [])):
        where = f"target {i + 1} ({raw.get('name', '?')})"
        try:
            t = Target(**{k: raw[k] for k in Target.__dataclass_fields__})
        except KeyError as err:
            raise SimError(f"missing {err.args[0]}", path=str(path), where=where) from None
        t = replace(t, date=float(t.date), value=float(t.value), low=float(t.low), high=float(t.high))
        if t.metric not in METRICS:
            raise SimError(f"unknown metric {t.metric!r} ({', '.join(METRICS)})", path=str(path), where=where)
        if not 0 < t.low < t.value < t.high:
            raise SimError("the band must satisfy 0 < low < value < high", path=str(path), where=where)
        tags = cited_tags(t.source)
        if not tags or any(tag not in refs for tag in tags):
            raise SimError(f"source {t.source!r} must cite known tags", path=str(path), where=where)
        if not t.reason.strip():
            raise SimError("empty reason", path=str(path), where=where)
        targets.append(t)
    names = [t.name for t in targets]
    if len(set(names)) != len(names):
        raise SimError("target names must be unique", path=str(path))
    raw = data.get("holdout")
    if raw is None:
        raise SimError("missing [holdout]", path=str(path))
    holdout = Holdout(**{k: raw[k] for k in Holdout.__dataclass_fields__})
    return targets, replace(holdout, date=float(holdout.date), at_least=float(holdout.at_least))


# ---------------------------------------------------------------------------------- the loss


def scaled_residual(simulated: Any, value: Any, low: Any, high: Any) -> np.ndarray:
    """log(simulated / value) in units of the band: +-1 at the band's edges, 0 on the value.

    The band may be asymmetric: above the value the unit is log(high / value), below it
    log(value / low). A non-positive or missing simulated value is infinitely far.
    """
    sim = np.asarray(simulated, dtype=float)
    value, low, high = (np.asarray(x, dtype=float) for x in (value, low, high))
    with np.errstate(divide="ignore", invalid="ignore"):
        err = np.log(np.where(sim > 0, sim, np.nan) / value)
        unit = np.where(err >= 0, np.log(high / value), np.log(value / low))
        out = err / unit
    return np.where(np.isfinite(out), out, np.inf)


def loss(simulated: Mapping[str, float], targets: Sequence[Target]) -> float:
    """Sum of squared band-scaled residuals over the targets in the loss."""
    total = 0.0
    for t in targets:
        if t.in_loss:
            r = float(scaled_residual(simulated[t.name], t.value, t.low, t.high))
            total += r * r
    return total


# ---------------------------------------------------------------------- what is fitted


@dataclass(frozen=True)
class FitParameter:
    """A fitted parameter and its search interval (log scale for rates spanning decades)."""

    path: str
    low: float
    high: float
    log: bool
    description: str

    def to_unit(self, value: float) -> float:
        if self.log:
            return (math.log(value) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        return (value - self.low) / (self.high - self.low)

    def from_unit(self, u: float) -> float:
        u = min(max(float(u), 0.0), 1.0)
        if self.log:
            return math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        return self.low + u * (self.high - self.low)

    @property
    def history_only(self) -> bool:
        return self.path.startswith("history.")


FIT_PARAMETERS: tuple[FitParameter, ...] = (
    FitParameter(SETUP_BUDGET, 1.0e8, 3.0e9, True,
                 "national development budget in 2010-2013, the set-up push of the 2009 programme [S2] "
                 "(history input, not a model default)"),
    FitParameter("founding.baseline_hazard", 0.0, 0.05, False,
                 "founding hazard without development work (the whole allowed range)"),
    FitParameter("membership.join_rate", 0.005, 0.2, True, "base yearly join hazard"),
    FitParameter("membership.dropout_rate", 0.02, 0.5, True,
                 "yearly dropout of a first-year member of an untrusted fund (less with tenure and trust)"),
    FitParameter("governance.generosity_drift", 0.0, 0.5, False,
                 "rise of benefit levels at zero governance (the whole allowed range)"),
)

# Not fitted, but asked: can the record say anything about them?
IDENTIFIABILITY_PARAMETERS: tuple[str, ...] = (
    "effects.founding_hazard",
    "targeting.noise.zone",
    "targeting.noise.province",
    "units.overhead_thb.zone",
    "units.zone_capacity.growth",
    "units.zone_capacity.start",
)


@dataclass(frozen=True)
class CalibrationConfig:
    """The size of the study: `full` for results/calibration, `quick` to try it out.

    `sample_every` picks every n-th province in code order for the search (1 = national);
    `provinces` names them instead. `check_national` re-runs the fitted point on the whole
    country with `check_replicates` replicates; without it the check uses the search sample.
    """

    base: str = str(HISTORY_FILE)
    years: int | None = None  # None: the history file's (2010-2024: the record's last figures are c. 2024)
    sample_every: int = 4
    provinces: tuple[str, ...] | None = None
    search_replicates: tuple[int, ...] = (0,)
    screen_points: int = 20
    max_evaluations: int = 80
    identifiability_step: float = 0.1
    check_national: bool = True
    check_replicates: int = 3
    workers: int = 2
    design_seed: int = 20100111  # the date of the first record [S7]
    fit: tuple[str, ...] = tuple(p.path for p in FIT_PARAMETERS)
    identifiability: tuple[str, ...] = IDENTIFIABILITY_PARAMETERS
    targets_file: str = str(TARGETS_FILE)

    @classmethod
    def quick(cls, workers: int = 2) -> CalibrationConfig:
        return cls(provinces=("37", "49"), screen_points=4, max_evaluations=8, check_national=False,
                   check_replicates=1, workers=workers, identifiability=("targeting.noise.zone",))

    def region(self) -> str | tuple[str, ...]:
        if self.provinces is not None:
            return tuple(self.provinces)
        if self.sample_every <= 1:
            return "national"
        return tuple(all_province_codes()[:: self.sample_every])

    def fit_parameters(self) -> list[FitParameter]:
        by_path = {p.path: p for p in FIT_PARAMETERS}
        return [by_path[p] for p in self.fit]


@lru_cache(maxsize=1)
def all_province_codes() -> tuple[str, ...]:
    import geothai

    return tuple(sorted(p.code for p in geothai.provinces()))


@lru_cache(maxsize=8)
def _region_counts(region: str | tuple[str, ...]) -> tuple[int, int, np.ndarray]:
    """Sub-districts in the region, those in Isan, and the Isan mask (geography order)."""
    from sim.world.geography import build_geography

    geo = build_geography(region if isinstance(region, str) else list(region))
    isan = geo.subdistricts["province_code"].isin(ISAN_CODES).to_numpy()
    return len(geo.subdistricts), int(isan.sum()), isan


def start_members_mean(base_params, start_year: int, members_per_fund: float) -> float:
    """The mean fund size that gives `members_per_fund` at the start (the record: 349 [S7]).

    The synthetic start makes young funds smaller (sim.model.state.young_fund_factor). With
    funds founded evenly from founded_year_first to founded_year_last, the recorded members per
    fund need a mean of that / (average factor). The history file states the result; a test
    checks it against this.
    """
    from sim.model.state import young_fund_factor

    first, last = int(base_params["start.founded_year_first"]), int(base_params["start.founded_year_last"])
    ages = np.maximum(start_year - np.arange(first, last + 1), 0)
    return round(members_per_fund / float(young_fund_factor(ages, base_params).mean()), 1)


@lru_cache(maxsize=4)
def _base_scenario(path: str):
    from sim.inputs.scenario import load_scenario

    return load_scenario(path)


def history_years(cfg: CalibrationConfig) -> int:
    """Years of the history run: the config's, else the history file's."""
    return int(_base_scenario(cfg.base).years if cfg.years is None else cfg.years)


def history_scenario(values: Mapping[str, float], cfg: CalibrationConfig, region,
                     extra: Mapping[str, Any] | None = None):
    """The history run: the history file as it is, with the `values` being fitted (the set-up
    budget is the file's budget.development_thb_per_year), `extra` and the run's `region`.

    Everything else — start, policy, schedule, budget scope, seed — is the file's, so the file
    run as shipped is this run at the committed values. Schedule entries beyond a shorter
    history (a quick configuration) are left out.
    """
    from sim.inputs.scenario import scenario_from_dict

    base = _base_scenario(cfg.base)
    years = history_years(cfg)
    values = dict(values)
    if SETUP_BUDGET in values:
        values[SETUP_BUDGET_PATH] = float(values.pop(SETUP_BUDGET))
    schedule = [{"year": year, **changes} for year, changes in sorted(base.schedule.items())
                if year < base.start_year + years]
    data: dict[str, Any] = {
        "name": "history_calibration",
        "run": {"region": region if isinstance(region, str) else list(region), "start_year": base.start_year,
                "years": years, "replicates": base.replicates, "seed": base.seed},
        **({"inputs": {k: str(v) for k, v in base.inputs.items()}} if base.inputs else {}),
        **dict(base.overrides),
        **values,
        **dict(extra or {}),
        "schedule": schedule,
    }
    return scenario_from_dict(data, origin=f"calibration ({Path(cfg.base).name})")


def run_history(values: Mapping[str, float], cfg: CalibrationConfig, replicate: int = 0, *,
                national: bool = False, extra: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """One replicate of the history: funds, members and money on 1 January of each year.

    Counts of a sub-sample are scaled to national totals by its share of sub-districts
    (Isan counts by its share of Isan's); `t` is the decimal year of each state.
    """
    from sim.model.engine import Simulation

    region = "national" if national else cfg.region()
    n, n_isan, isan = _region_counts(region)
    scale = NATIONAL_SUBDISTRICTS / n
    isan_scale = 2678 / n_isan if n_isan else float("nan")
    scenario = history_scenario(values, cfg, region, extra)
    sim = Simulation(scenario, replicate, outputs=())
    rows = []

    def record() -> None:
        st = sim.state
        founded = st.founded
        rows.append({"t": float(sim.year), "replicate": replicate,
                     "funds": founded.sum() * scale,
                     "funds_active": st.active.sum() * scale,
                     "members": st.total_members().sum() * scale,
                     "money_thb": st.reserves.sum() / 100.0 * scale,
                     "isan_funds": founded[isan].sum() * isan_scale if n_isan else float("nan"),
                     "isan_funds_active": st.active[isan].sum() * isan_scale if n_isan else float("nan")})

    record()
    while sim.year < sim.end:
        ctx = sim.prepare_year()
        sim.run_year(ctx, sim.decide(ctx))
        record()
    frame = pd.DataFrame(rows)
    frame["sample_share"] = 1.0 / scale
    return frame


def _interpolate(traj: pd.DataFrame, column: str, date: float) -> float:
    """Log-linear interpolation between yearly states (linear if a value is not positive)."""
    t = traj["t"].to_numpy(float)
    y = traj[column].to_numpy(float)
    if date < t[0] or date > t[-1]:
        raise SimError(f"the run covers {t[0]:.0f}-{t[-1]:.0f}, not the record's date {date}")
    if np.all(y > 0):
        return float(np.exp(np.interp(date, t, np.log(y))))
    return float(np.interp(date, t, y))


def simulated_at_targets(traj: pd.DataFrame, targets: Sequence[Target]) -> dict[str, float]:
    """Each target's metric read from one trajectory at the record's date."""
    out = {}
    for t in targets:
        stocks = {m: _interpolate(traj, m, t.date) for m in STOCKS}
        if t.metric == "members_per_fund":
            out[t.name] = stocks["members"] / stocks["funds"]
        elif t.metric == "money_per_member_thb":
            out[t.name] = stocks["money_thb"] / stocks["members"]
        else:
            out[t.name] = stocks[t.metric]
    return out


def _mean_simulated(trajectories: Sequence[pd.DataFrame], targets: Sequence[Target]) -> dict[str, float]:
    per = [simulated_at_targets(tr, targets) for tr in trajectories]
    return {t.name: float(np.mean([p[t.name] for p in per])) for t in targets}


def residual_table(trajectories: Sequence[pd.DataFrame], targets: Sequence[Target]) -> pd.DataFrame:
    """Simulated (mean over replicates, min, max) against recorded, with band and verdict."""
    per = [simulated_at_targets(tr, targets) for tr in trajectories]
    rows = []
    for t in targets:
        values = np.array([p[t.name] for p in per])
        mean = float(values.mean())
        r = float(scaled_residual(mean, t.value, t.low, t.high))
        rows.append({"target": t.name, "label": t.label, "metric": t.metric, "date": t.date,
                     "source": t.source, "recorded": t.value, "band_low": t.low, "band_high": t.high,
                     "simulated": mean, "simulated_min": float(values.min()), "simulated_max": float(values.max()),
                     "replicates": len(values), "ratio": mean / t.value, "scaled_residual": r,
                     "inside": bool(t.low <= mean <= t.high), "in_loss": t.in_loss,
                     "loss_term": r * r if t.in_loss else 0.0})
    return pd.DataFrame(rows)


def holdout_check(trajectories: Sequence[pd.DataFrame], holdout: Holdout) -> dict[str, Any]:
    """The Isan count at the hold-out date, per replicate and on average, and the verdict."""
    founded = [_interpolate(tr, "isan_funds", holdout.date) for tr in trajectories]
    active = [_interpolate(tr, "isan_funds_active", holdout.date) for tr in trajectories]
    mean = float(np.mean(founded))
    return {"name": holdout.name, "label": holdout.label, "date": holdout.date, "source": holdout.source,
            "at_least": holdout.at_least, "subdistricts": holdout.subdistricts,
            "simulated_funds": mean, "simulated_min": float(np.min(founded)),
            "simulated_max": float(np.max(founded)), "simulated_active": float(np.mean(active)),
            "share_of_subdistricts": mean / holdout.subdistricts, "replicates": len(founded),
            "passed": bool(mean >= holdout.at_least)}


# ------------------------------------------------------------------------- parallel runs


def _init_worker() -> None:
    from sim.experiments.worker import init_worker

    init_worker()
    try:
        import numba

        numba.set_num_threads(1)
    except (ImportError, ValueError):
        pass


def _job(args) -> pd.DataFrame:
    values, cfg, replicate, national, extra = args
    return run_history(values, cfg, replicate, national=national, extra=extra)


class _Runner:
    """Runs history jobs here (workers=1) or in a small pool of spawned processes."""

    def __init__(self, workers: int):
        self.workers = max(1, int(workers))
        self.pool = None
        if self.workers > 1:
            ctx = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_init_worker)

    def map(self, jobs: list[tuple]) -> list[pd.DataFrame]:
        if self.pool is None or len(jobs) == 1:
            return [_job(j) for j in jobs]
        return list(self.pool.map(_job, jobs))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


# ----------------------------------------------------------------------------- the fit


@dataclass
class _Search:
    cfg: CalibrationConfig
    targets: list[Target]
    runner: _Runner
    params: list[FitParameter]
    log: list[dict] = field(default_factory=list)
    cache: dict[tuple, float] = field(default_factory=dict)

    def values(self, u: Sequence[float]) -> dict[str, float]:
        return {p.path: p.from_unit(x) for p, x in zip(self.params, u, strict=True)}

    def evaluate_many(self, units: Sequence[Sequence[float]], stage: str) -> list[float]:
        keys = [tuple(round(float(x), 9) for x in u) for u in units]
        todo = [k for k in dict.fromkeys(keys) if k not in self.cache]
        jobs = [(self.values(k), self.cfg, r, False, None) for k in todo for r in self.cfg.search_replicates]
        results = self.runner.map(jobs)
        n_rep = len(self.cfg.search_replicates)
        for i, k in enumerate(todo):
            trajs = results[i * n_rep:(i + 1) * n_rep]
            sim = _mean_simulated(trajs, self.targets)
            value = loss(sim, self.targets)
            self.cache[k] = value
            self.log.append({"evaluation": len(self.log) + 1, "stage": stage, "loss": value,
                             **self.values(k), **{f"sim_{n}": v for n, v in sim.items()}})
        return [self.cache[k] for k in keys]

    def __call__(self, u: np.ndarray) -> float:
        return self.evaluate_many([u], "nelder-mead")[0]


def _round_sig(x: float, digits: int = 3) -> float:
    if x == 0 or not math.isfinite(x):
        return float(x)
    return float(round(x, digits - 1 - int(math.floor(math.log10(abs(x))))))


def fit(cfg: CalibrationConfig, targets: list[Target], runner: _Runner,
        start: Mapping[str, float]) -> tuple[dict[str, float], _Search, Any]:
    """Latin-hypercube screen, then Nelder-Mead from the best point (unit cube, bounded)."""
    from scipy import optimize
    from scipy.stats import qmc

    params = cfg.fit_parameters()
    search = _Search(cfg, targets, runner, params)
    x_start = np.array([p.to_unit(start[p.path]) for p in params])
    screen = qmc.LatinHypercube(d=len(params), seed=cfg.design_seed).random(cfg.screen_points)
    units = [x_start, *screen]
    losses = search.evaluate_many(units, "screen")
    x0 = np.asarray(units[int(np.argmin(losses))], float)
    step = 0.1
    simplex = [x0]
    for j in range(len(params)):
        x = x0.copy()
        x[j] = x[j] + step if x[j] + step <= 1 else x[j] - step
        simplex.append(x)
    result = optimize.minimize(
        search, x0, method="Nelder-Mead", bounds=[(0.0, 1.0)] * len(params),
        options={"initial_simplex": np.array(simplex), "maxfev": cfg.max_evaluations,
                 "xatol": 0.005, "fatol": 0.01},
    )
    best = min(search.cache, key=search.cache.get)
    fitted = {p.path: _round_sig(p.from_unit(x)) for p, x in zip(params, best, strict=True)}
    return fitted, search, result


# ------------------------------------------------------------------------ identifiability


def _band_of(path: str, params) -> tuple[float, float]:
    from sim.studies.sensitivity import study_band

    low, high, _ = study_band(params.definitions[path], params[path])
    return float(low), float(high)


def identifiability(cfg: CalibrationConfig, targets: list[Target], runner: _Runner,
                    fitted: Mapping[str, float], search: _Search) -> tuple[pd.DataFrame, dict]:
    """What the record says about each parameter, from the linearised residuals.

    Each parameter is moved by +-`identifiability_step` of its interval (fitted: the search
    interval; others: the sensitivity study's band) on the same random numbers. J[:, j] is
    the change of the band-scaled residuals per whole interval. Reading each band as one
    standard deviation, (J'J)^-1 over the fitted parameters (plus the parameter itself when it
    is not fitted) gives each parameter's uncertainty as a share of its interval.
    """
    from sim.inputs.parameters import default_parameters

    defaults = default_parameters()
    params = cfg.fit_parameters()
    in_loss = [t for t in targets if t.in_loss]
    h = cfg.identifiability_step
    columns: list[dict] = []
    jobs = []
    for p in params:
        u = p.to_unit(fitted[p.path])
        lo_u, hi_u = max(0.0, u - h), min(1.0, u + h)
        lo_v, hi_v = dict(fitted), dict(fitted)
        lo_v[p.path], hi_v[p.path] = p.from_unit(lo_u), p.from_unit(hi_u)
        columns.append({"parameter": p.path, "fitted": True, "interval_low": p.low, "interval_high": p.high,
                        "value": fitted[p.path], "du": hi_u - lo_u, "log_scale": p.log})
        jobs += [(lo_v, None), (hi_v, None)]
    for path in cfg.identifiability:
        low, high = _band_of(path, defaults)
        d = float(defaults[path])
        u = (d - low) / (high - low)
        lo_u, hi_u = max(0.0, u - h), min(1.0, u + h)
        kind = defaults.definitions[path].kind
        lo_x, hi_x = low + lo_u * (high - low), low + hi_u * (high - low)
        if kind == "int":
            lo_x, hi_x = round(lo_x), round(hi_x)
        columns.append({"parameter": path, "fitted": False, "interval_low": low, "interval_high": high,
                        "value": d, "du": (hi_x - lo_x) / (high - low), "log_scale": False})
        jobs += [(dict(fitted), {path: lo_x}), (dict(fitted), {path: hi_x})]
    runs = [(v, cfg, r, False, extra) for v, extra in jobs for r in cfg.search_replicates]
    results = runner.map(runs)
    n_rep = len(cfg.search_replicates)
    residuals = []
    for i in range(len(jobs)):
        sim = _mean_simulated(results[i * n_rep:(i + 1) * n_rep], in_loss)
        residuals.append(np.array([float(scaled_residual(sim[t.name], t.value, t.low, t.high)) for t in in_loss]))
        search.log.append({"evaluation": len(search.log) + 1, "stage": "identifiability", "loss": loss(sim, in_loss),
                           **jobs[i][0], **(jobs[i][1] or {}), **{f"sim_{n}": v for n, v in sim.items()}})
    J = np.column_stack([(residuals[2 * j + 1] - residuals[2 * j]) / max(c["du"], 1e-12)
                         for j, c in enumerate(columns)])
    n_fit = len(params)
    rows = []
    for j, c in enumerate(columns):
        col = J[:, j]
        sensitivity = float(np.linalg.norm(col))
        top = int(np.argmax(np.abs(col))) if sensitivity > 0 else 0
        idx = list(range(n_fit)) if c["fitted"] else [*range(n_fit), j]
        sub = J[:, idx]
        cov = np.linalg.pinv(sub.T @ sub)
        k = idx.index(j)
        sd = float(math.sqrt(max(cov[k, k], 0.0)))
        d = np.sqrt(np.clip(np.diag(cov), 1e-300, None))
        corr = cov / np.outer(d, d)
        partner, rho = "", 0.0
        for m, other in enumerate(idx):
            if other != j and abs(corr[k, m]) > abs(rho):
                partner, rho = columns[other]["parameter"], float(corr[k, m])
        if sensitivity < 0.25:  # no information: its uncertainty is the whole interval and more
            sd, partner, rho = float("inf"), "", 0.0
            verdict = "not identifiable: the record hardly moves across the whole interval"
        elif sd > 0.5:
            verdict = f"not identifiable: only a combination with {partner} is pinned" if abs(rho) > 0.8 \
                else "not identifiable: the record leaves it anywhere in its interval"
        elif sd > 0.2:
            verdict = "weakly identified" + (f" (trades off with {partner})" if abs(rho) > 0.8 else "")
        else:
            verdict = "identified"
        rows.append({**{k2: v for k2, v in c.items() if k2 != "du"}, "sensitivity": sensitivity,
                     "most_affected_target": in_loss[top].name if sensitivity > 0 else "",
                     "sd_share_of_interval": sd, "most_correlated_with": partner, "correlation": rho,
                     "verdict": verdict})
    table = pd.DataFrame(rows)
    Jf = J[:, :n_fit]
    norms = np.linalg.norm(Jf, axis=0)
    ok = norms > 0
    normed = Jf[:, ok] / norms[ok]
    eig = np.linalg.eigvalsh(normed.T @ normed) if ok.any() else np.array([0.0])
    gamma = float(1 / math.sqrt(max(eig.min(), 1e-300)))
    info = {"collinearity_index_fitted": gamma,
            "targets_in_loss": [t.name for t in in_loss],
            "note": "collinearity index (Brun et al. 2001) of the fitted set: above 10-15 the set cannot "
                    "be identified together"}
    return table, info


# ------------------------------------------------------------------------------ the study


def current_values(cfg: CalibrationConfig) -> dict[str, float]:
    """The starting point of the fit: the parameter file's defaults and the history file's
    set-up budget."""
    from sim.inputs.parameters import default_parameters

    p = default_parameters()
    setup = float(_base_scenario(cfg.base).params[SETUP_BUDGET_PATH])
    return {path: (setup if path == SETUP_BUDGET else float(p[path])) for path in cfg.fit}


def history_settings(cfg: CalibrationConfig, fitted: Mapping[str, float] | None = None) -> dict[str, Any]:
    """What the history file sets (for the report): run, overrides and schedule, with the fitted
    set-up budget in its place (the value written back into the file)."""
    base = _base_scenario(cfg.base)
    path = Path(cfg.base).resolve()
    try:
        shown = str(path.relative_to(REPO))
    except ValueError:
        shown = str(path)
    return {"file": shown, "start_year": base.start_year, "years": history_years(cfg), "seed": base.seed,
            "overrides": {k: (float(fitted[SETUP_BUDGET]) if fitted and k == SETUP_BUDGET_PATH and SETUP_BUDGET in fitted
                              else v) for k, v in base.overrides.items()},
            "schedule": [{"year": y, **c} for y, c in sorted(base.schedule.items())]}


def calibrate(cfg: CalibrationConfig, out: str | Path, progress: bool = True) -> dict[str, Any]:
    """Fit, identifiability, national check and hold-out; writes everything under `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    targets, holdout = load_targets(cfg.targets_file)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()

    def say(message: str) -> None:
        if progress:
            print(f"[{time.perf_counter() - t0:6.0f}s] {message}", flush=True)

    start = current_values(cfg)
    runner = _Runner(cfg.workers)
    try:
        region = cfg.region()
        say(f"search on {region if isinstance(region, str) else f'{len(region)} provinces'}: "
            f"{cfg.screen_points} screen points + Nelder-Mead (at most {cfg.max_evaluations} evaluations)")
        fitted, search, result = fit(cfg, targets, runner, start)
        timings["search_seconds"] = time.perf_counter() - t0
        say(f"fitted after {len(search.log)} evaluations: " + ", ".join(f"{k} = {v:g}" for k, v in fitted.items()))
        t1 = time.perf_counter()
        search_trajs = runner.map([(fitted, cfg, r, False, None) for r in cfg.search_replicates])
        ident, ident_info = identifiability(cfg, targets, runner, fitted, search)
        timings["identifiability_seconds"] = time.perf_counter() - t1
        say("identifiability done")
        t2 = time.perf_counter()
        national = cfg.check_national
        reps = list(range(cfg.check_replicates))
        # the starting values on the same replicates, so the two losses compare like with like
        jobs = [(fitted, cfg, r, national, None) for r in reps] + [(start, cfg, r, national, None) for r in reps]
        check = runner.map(jobs)
        timings["check_seconds"] = time.perf_counter() - t2
        say("check runs done")
    finally:
        runner.close()
    fitted_trajs, start_trajs = check[:len(reps)], check[len(reps):]
    residuals = residual_table(fitted_trajs, targets)
    search_residuals = residual_table(search_trajs, targets)
    start_residuals = residual_table(start_trajs, targets)
    hold = holdout_check(fitted_trajs, holdout)
    hold_start = holdout_check(start_trajs, holdout)
    timings["total_seconds"] = time.perf_counter() - t0

    params = cfg.fit_parameters()
    ident_by = ident.set_index("parameter")
    fitted_rows = [{"parameter": p.path, "kind": "history input" if p.history_only else "model default",
                    "start_value": start[p.path], "fitted_value": fitted[p.path],
                    "search_low": p.low, "search_high": p.high, "log_scale": p.log,
                    "sd_share_of_interval": float(ident_by.at[p.path, "sd_share_of_interval"]),
                    "verdict": ident_by.at[p.path, "verdict"], "description": p.description} for p in params]
    fitted_frame = pd.DataFrame(fitted_rows)
    trajectory = pd.concat([tr.assign(run="fitted") for tr in fitted_trajs]
                           + [tr.assign(run="start") for tr in start_trajs], ignore_index=True)
    search_frame = pd.DataFrame(search.log)
    summary = {
        "loss_search": float(loss(_mean_simulated(search_trajs, targets), targets)),
        "loss_check": float(residuals["loss_term"].sum()),
        "loss_start_check": float(start_residuals["loss_term"].sum()),
        "targets_in_loss": int(residuals["in_loss"].sum()),
        "inside_in_loss": int(residuals.loc[residuals["in_loss"], "inside"].sum()),
        "inside_all": int(residuals["inside"].sum()),
        "targets_all": len(residuals),
        "fitted": fitted,
        "start": start,
        "holdout": hold,
        "holdout_start": hold_start,
        "identifiability": ident_info,
        "evaluations": len(search.log),
        "nelder_mead": {"message": str(result.message), "nfev": int(result.nfev), "success": bool(result.success)},
        "config": {**asdict(cfg), "search_region": cfg.region(), "check_region": "national" if cfg.check_national
                   else cfg.region()},
        "history_settings": history_settings(cfg, fitted),
        "timings": timings,
    }
    fitted_frame.to_csv(out / "fitted_parameters.csv", index=False)
    residuals.to_csv(out / "residuals.csv", index=False)
    search_residuals.to_csv(out / "residuals_search_sample.csv", index=False)
    start_residuals.to_csv(out / "residuals_start.csv", index=False)
    ident.to_csv(out / "identifiability.csv", index=False)
    trajectory.to_csv(out / "trajectory.csv", index=False)
    search_frame.to_csv(out / "search.csv", index=False)
    pd.DataFrame([hold, {**hold_start, "name": hold_start["name"] + "_start"}]).to_csv(out / "holdout.csv", index=False)
    (out / "calibration.json").write_text(json.dumps(summary, indent=2, default=_json_default) + "\n")
    from sim.report.plots import save_figure

    fig = plot_history_fit(trajectory, targets, holdout)
    save_figure(fig, out / "history_fit")
    (out / "calibration.md").write_text(report_markdown(summary, fitted_frame, residuals, ident, targets))
    say(f"written to {out}")
    return {"summary": summary, "fitted": fitted_frame, "residuals": residuals, "identifiability": ident,
            "trajectory": trajectory, "search": search_frame, "holdout": hold}


def _json_default(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, Path):
        return str(x)
    if isinstance(x, tuple):
        return list(x)
    raise TypeError(type(x).__name__)


def load_calibration(out: str | Path = REPO / "results" / "calibration") -> dict[str, Any] | None:
    """The committed (or any) calibration results, or None if the folder has none."""
    out = Path(out)
    if not (out / "calibration.json").is_file():
        return None
    return {
        "summary": json.loads((out / "calibration.json").read_text()),
        "fitted": pd.read_csv(out / "fitted_parameters.csv"),
        "residuals": pd.read_csv(out / "residuals.csv"),
        "residuals_search": pd.read_csv(out / "residuals_search_sample.csv"),
        "identifiability": pd.read_csv(out / "identifiability.csv"),
        "trajectory": pd.read_csv(out / "trajectory.csv"),
        "holdout": pd.read_csv(out / "holdout.csv"),
        "search": pd.read_csv(out / "search.csv"),
    }


# ------------------------------------------------------------------------------ reporting


def _fmt(x: float) -> str:
    if abs(x) >= 1e6:
        return f"{x / 1e6:,.1f} M"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def report_markdown(summary: Mapping, fitted: pd.DataFrame, residuals: pd.DataFrame, ident: pd.DataFrame,
                    targets: Sequence[Target]) -> str:
    cfg = summary["config"]
    region = cfg["search_region"]
    where = "the whole country" if region == "national" else f"{len(region)} provinces ({', '.join(region)})"
    hold = summary["holdout"]
    lines = [
        "# Calibration to the national record",
        "",
        "Written by `welfare-sim calibrate` (sim/calibration.py). Targets and bands: "
        "`sim/data/calibration_targets.toml`, fixed before the fit.",
        "",
        f"- Search: Latin-hypercube screen ({cfg['screen_points']} points + the starting values), then "
        f"Nelder-Mead ({summary['nelder_mead']['nfev']} evaluations, {summary['nelder_mead']['message']}), "
        f"on {where}, replicate(s) {cfg['search_replicates']}, common random numbers throughout.",
        f"- Check: {'the whole country' if cfg['check_national'] else 'the search sample'}, "
        f"{cfg['check_replicates']} replicate(s) at the fitted values.",
        f"- Loss (sum of squared band-scaled log errors over {summary['targets_in_loss']} targets): "
        f"{summary['loss_check']:.2f} at the fit, {summary['loss_start_check']:.2f} at the starting values; "
        f"{summary['inside_in_loss']} of {summary['targets_in_loss']} targets in the loss inside their band "
        f"({summary['inside_all']} of {summary['targets_all']} with the reported ratios).",
        "",
        "## Fitted values",
        "",
        "| parameter | kind | start | fitted | search interval | uncertainty (share of interval, 1 sd) | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in fitted.itertuples():
        lines.append(f"| `{r.parameter}` | {r.kind} | {r.start_value:.4g} | {r.fitted_value:.4g} | "
                     f"{r.search_low:.3g}-{r.search_high:.3g}{' (log)' if r.log_scale else ''} | "
                     f"{r.sd_share_of_interval:.2f} | {r.verdict} |")
    by_path = {p.path: p for p in FIT_PARAMETERS}
    for r in fitted.itertuples():
        p = by_path.get(r.parameter)
        if p is not None and min(abs(p.to_unit(r.fitted_value)), abs(1 - p.to_unit(r.fitted_value))) < 0.01:
            lines += ["", f"`{r.parameter}` ended at the edge of its search interval ({r.fitted_value:.4g}): the loss "
                      "is flat or still falling beyond it, so the value is a bound, not an estimate."]
    lines += ["", "## Residuals", "",
              "| target | date | source | recorded | band | simulated (min-max) | scaled residual | inside | in loss |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in residuals.itertuples():
        lines.append(f"| {r.label} | {r.date:.2f} | {r.source} | {_fmt(r.recorded)} | {_fmt(r.band_low)}-{_fmt(r.band_high)} | "
                     f"{_fmt(r.simulated)} ({_fmt(r.simulated_min)}-{_fmt(r.simulated_max)}) | {r.scaled_residual:+.2f} | "
                     f"{'yes' if r.inside else 'NO'} | {'yes' if r.in_loss else 'reported'} |")
    lines += ["", "## Held-out check: Isan, March 2023", "",
              f"Simulated funds in Isan: {hold['simulated_funds']:,.0f} (replicates {hold['simulated_min']:,.0f}-"
              f"{hold['simulated_max']:,.0f}; {hold['simulated_active']:,.0f} active), "
              f"{hold['share_of_subdistricts']:.0%} of {hold['subdistricts']:,} sub-districts, against the "
              f"record's 2,000+ {hold['source']}: **{'PASS' if hold['passed'] else 'FAIL'}**. "
              f"At the starting values: {summary['holdout_start']['simulated_funds']:,.0f}.",
              "", "## What the record can and cannot identify", "",
              f"Collinearity index of the fitted set: {summary['identifiability']['collinearity_index_fitted']:.1f} "
              "(above 10-15 the set cannot be identified together). Sensitivity = change of the band-scaled "
              "residuals (norm) when the parameter moves across its whole interval; uncertainty = 1 sd as a "
              "share of the interval, reading each band as one standard deviation.", "",
              "| parameter | fitted | interval | sensitivity | uncertainty | most correlated with | verdict |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in ident.itertuples():
        partner = f"{r.most_correlated_with} ({r.correlation:+.2f})" if isinstance(r.most_correlated_with, str) and r.most_correlated_with else ""
        lines.append(f"| `{r.parameter}` | {'yes' if r.fitted else 'no'} | {r.interval_low:.3g}-{r.interval_high:.3g} | "
                     f"{r.sensitivity:.2f} | {r.sd_share_of_interval:.2f} | {partner} | {r.verdict} |")
    settings = summary["history_settings"]
    lines += ["", "## History settings (not fitted)", "",
              f"Every setting of the history is in `{settings['file']}` (with its sources); the calibration swaps in "
              f"only the fitted values (the set-up budget is the file's `{SETUP_BUDGET_PATH}` until its "
              "first schedule entry) and, for the search, a sample of provinces. The file run as shipped is the "
              f"national check above (seed {settings['seed']}, replicates 0-{max(cfg['check_replicates'] - 1, 0)}).", "",
              f"- run: {settings['start_year']}, {settings['years']} years",
              *(f"- `{k}` = {v}" for k, v in settings["overrides"].items()),
              *(f"- from {e['year']}: " + ", ".join(f"`{k}` = {v}" for k, v in e.items() if k != "year")
                for e in settings["schedule"]),
              "- counts of the search sample are scaled to national totals by its share of sub-districts.",
              "", f"Run time: {summary['timings']['total_seconds'] / 60:.1f} minutes "
              f"(search {summary['timings']['search_seconds'] / 60:.1f}, identifiability "
              f"{summary['timings']['identifiability_seconds'] / 60:.1f}, check {summary['timings']['check_seconds'] / 60:.1f}).",
              ""]
    return "\n".join(lines)


def plot_history_fit(trajectory: pd.DataFrame, targets: Sequence[Target], holdout: Holdout, lang: str = "en"):
    """Simulated history (fitted and starting values) against the record with its bands."""
    from matplotlib.figure import Figure

    from sim.report.fonts import apply_font, font_context

    th = lang == "th"
    panels = [("funds", "กองทุน" if th else "Funds (sub-districts with a fund)", 1.0),
              ("members", "สมาชิก (ล้านคน)" if th else "Members (million)", 1e6),
              ("money_thb", "เงินกองทุน (ล้านบาท)" if th else "Fund money (million THB)", 1e6),
              ("isan_funds", "กองทุนในภาคอีสาน" if th else "Isan funds (held out)", 1.0)]
    offset = 543 if th else 0
    with font_context(lang) as lang:
        fig = Figure(figsize=(11, 7.8), layout="constrained")
        body, foot = fig.subfigures(2, 1, height_ratios=[1, 0.05])
        axes = body.subplots(2, 2).ravel()
        colors = {"fitted": "#0072B2", "start": "#999999"}
        names = {"fitted": "ค่าที่ปรับเทียบ" if th else "fitted values",
                 "start": "ค่าเริ่มต้น" if th else "starting values"}
        for ax, (metric, title, unit) in zip(axes, panels, strict=True):
            for run, frame in trajectory.groupby("run", sort=False):
                for k, (_, rep) in enumerate(frame.groupby("replicate")):
                    ax.plot(rep["t"] + offset, rep[metric] / unit, color=colors.get(run, "#333333"),
                            linewidth=1.6 if run == "fitted" else 1.2,
                            linestyle="-" if run == "fitted" else "--", alpha=0.9,
                            label=names.get(run, run) if k == 0 else None)
            for t in targets:
                if t.metric != metric:
                    continue
                y, lo, hi = t.value / unit, t.low / unit, t.high / unit
                ax.errorbar([t.date + offset], [y], yerr=[[y - lo], [hi - y]], fmt="o" if t.in_loss else "s",
                            color="#D55E00", mfc="#D55E00" if t.in_loss else "white", capsize=4, zorder=5)
            if metric == "isan_funds":
                ax.axhline(holdout.at_least, color="#D55E00", linestyle=":", linewidth=1.2)
                ax.axhline(holdout.subdistricts, color="#555555", linestyle=":", linewidth=0.8)
                ax.plot([holdout.date + offset], [holdout.at_least], marker="^", color="#D55E00", markersize=9,
                        zorder=5)
                ax.text(2010.2 + offset, holdout.at_least * 0.98, ("2,000+ [S0] (ไม่ใช้ปรับเทียบ)" if th
                                                                   else "2,000+ funds, March 2023 [S0] (held out)"),
                        va="top", fontsize=8, color="#D55E00")
                ax.text(2010.2 + offset, holdout.subdistricts, "2,678 ตำบล" if th else "2,678 sub-districts",
                        va="bottom", fontsize=8, color="#555555")
            ax.set_title(title, fontsize=11)
            ax.set_xlabel("พ.ศ." if th else "year")
            ax.grid(True, color="#dddddd", linewidth=0.6)
            ax.spines[["top", "right"]].set_visible(False)
            ax.set_ylim(bottom=0)
        axes[0].plot([], [], "o", color="#D55E00", label="บันทึก ± ช่วงที่ยอมรับ" if th else "record with its band (in the loss)")
        axes[0].plot([], [], "s", color="#D55E00", mfc="white", label="อัตราส่วน (รายงาน)" if th else "ratio (reported only)")
        axes[0].legend(frameon=False, fontsize=8, loc="lower right")
        body.suptitle("ประวัติที่จำลองเทียบกับบันทึกระดับประเทศ" if th else
                      "Simulated national history against the record (FACTS.md 3.1)", fontsize=12)
        foot.text(0.01, 0.5, ("แหล่งข้อมูล: [S4] [S7] [S8] [S36], [S0]; sim/calibration.py" if th else
                             "Record: [S7] Jan 2010, [S4] Aug 2013, [S36] c. 2020, [S8] c. 2024; Isan [S0] held out. "
                             "Lines: simulated replicates (history_2010 with the history settings of sim/calibration.py)."),
                  fontsize=7.5, color="#444444", ha="left", va="center")
        apply_font(fig, lang)
    return fig


# ---------------------------------------------------------------------------------- CLI
