"""What matters most for the decision: Morris screening, then Sobol indices on the top few.

The headline of the decision is the paired difference in the one headline (person-years
protected over the study's horizon, discounted: :mod:`sim.model.metrics`) between every zone funded (``zone_all_2023``) and the province practice (``province_2021``),
both run on the same random numbers. :func:`paired_difference` is that difference as a model
function for the sweep machinery (``RunSpec -> {"summary": DataFrame}``), so the study runs on
local processes or a Dask cluster like any sweep, and resumes when re-run.

Which parameters, over which band (:func:`study_parameters`):

- every numeric parameter whose default is assumed (status "assumed") and, with the same rule,
  those fitted to the national record (status "fitted": the record pins them only in
  combination, see results/calibration);
- the band is the default +-50%, clipped to the parameter's allowed range (many allowed ranges
  are only sanity bounds, e.g. 0 to 10,000 million baht for the budget); a default of 0 gets
  the lower quarter of its range; a few parameters get a written exception
  (:data:`BAND_EXCEPTIONS`);
- a list by band (e.g. admissions by age) enters as one multiplier of its default shape
  (path ``<parameter>_scale``, 0.5 to 1.5);
- left out, each with its reason (:data:`EXCLUDED`): the policy itself (what the two scenarios
  set), options that are off in both scenarios, compositions.

The study runs on a few Isan provinces for twenty years, the answer's horizon
(:class:`StudyConfig`; zone capacity pays late, so a short horizon screens a different
question), with the development budget scaled by their share of Isan's sub-districts so each
place gets the money it would get in an Isan run.
"""

from __future__ import annotations

import json
import math
import time
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.model.metrics import HEADLINE

__all__ = [
    "BAND_EXCEPTIONS",
    "EXCLUDED",
    "StudyConfig",
    "StudyParameter",
    "paired_difference",
    "run_study",
    "study_band",
    "study_parameters",
]

REPO = Path(__file__).resolve().parents[2]
ISAN_SUBDISTRICTS = 2678
METRIC = f"{HEADLINE}_diff"
DIFF_METRICS = (HEADLINE, "people_protected", "members", "funds_active", "coverage")
STUDIED_STATUSES = ("assumed", "fitted")
BAND_SHARE = 0.5
SCALE_SUFFIX = "_scale"

BAND_EXCEPTIONS: dict[str, tuple[float, float, str]] = {
    "targeting.noise.zone": (
        0.15, 0.9,
        "from half the default to above the provinces' 0.8: zones may see need no better than "
        "provinces (scenarios/zones_see_no_better.toml); +-50% would assume the answer"),
    "start.founded_year_last": (2011, 2015, "a year: 2013 +- 2 (a share of a year number means nothing)"),
    "zones.pilot_per_province": (0, 2, "a small count: 0 to 2 pilot zones per province"),
}
EXCLUDED: dict[str, str] = {
    "policy.": "the decision itself: set by the two scenarios compared",
    "benefits.central_fund.": "the central-fund option is off in both scenarios, so its amounts cannot matter",
    "units.overhead_thb.province_group": "province groups get no money in either scenario (policy.province_group_share = 0)",
    "units.efficiency.province_group": "province groups get no money in either scenario (policy.province_group_share = 0)",
    "targeting.noise.province_group": "province groups get no money in either scenario (policy.province_group_share = 0)",
    "membership.join_age_factor": "a common multiplier of it is membership.join_rate; its shape is not studied",
    "start.programme_group_shares": "a composition (shares summing to 1), not a magnitude",
    "start.": "the 2023 start is the calibrated history's funds (start.from_history): the synthetic start's "
              "parameters do not act on it",
}


@dataclass(frozen=True)
class StudyParameter:
    """A parameter of the study: the path the sweep sets, its band and why that band."""

    path: str
    parameter: str
    kind: str
    status: str
    default: Any
    low: float
    high: float
    reason: str


def _excluded(path: str) -> str | None:
    for key, reason in EXCLUDED.items():
        if path == key or (key.endswith(".") and path.startswith(key)):
            return reason
    return None


def study_band(definition, value: Any) -> tuple[float, float, str]:
    """The band of one parameter: +-50% of `value` clipped to the allowed range, or its exception.

    Lists get a multiplier band (0.5-1.5, narrowed so every element stays in range).
    """
    path = definition.path
    lo, hi = float(definition.low), float(definition.high)
    if path in BAND_EXCEPTIONS:
        low, high, reason = BAND_EXCEPTIONS[path]
        return float(low), float(high), reason
    if definition.kind == "list":
        values = np.asarray(value, dtype=float)
        top = values.max() if values.max() > 0 else 1.0
        low = max(1 - BAND_SHARE, (lo / values[values > 0].min()) if (values > 0).any() and lo > 0 else 0.0)
        high = min(1 + BAND_SHARE, hi / top)
        return float(low), float(high), "multiplier of the default shape, 0.5-1.5 (clipped to the allowed range)"
    d = float(value)
    if d > 0:
        low, high = max(lo, d * (1 - BAND_SHARE)), min(hi, d * (1 + BAND_SHARE))
        clipped = low == lo or high == hi
        reason = "default +-50%" + (f", clipped to the allowed range {lo:g}-{hi:g}" if clipped else "")
    elif d == 0:
        low, high = lo, lo + 0.25 * (hi - lo)
        reason = "default 0: the lower quarter of the allowed range"
    else:
        low, high = max(lo, d * (1 + BAND_SHARE)), min(hi, d * (1 - BAND_SHARE))
        reason = "default +-50% (negative), clipped to the allowed range"
    if definition.kind == "int":
        low, high = int(round(low)), int(round(high))
        if low >= high:
            low, high = max(int(lo), int(d) - 1), min(int(hi), int(d) + 1)
            reason = "a small count: the default +-1"
    return low, high, reason


def study_parameters(params=None, statuses: tuple[str, ...] = STUDIED_STATUSES,
                     only: tuple[str, ...] | None = None) -> tuple[list[StudyParameter], pd.DataFrame]:
    """The study's parameters with their bands, and a table of every candidate (kept or not)."""
    from sim.inputs.parameters import default_parameters

    params = params or default_parameters()
    kept: list[StudyParameter] = []
    rows = []
    for path, d in params.definitions.items():
        if d.status not in statuses:
            continue
        reason_out = None
        if d.kind not in ("int", "float", "list"):
            reason_out = "not numeric"
        else:
            reason_out = _excluded(path)
        if only is not None and path not in only and reason_out is None:
            reason_out = "not in the quick study"
        if reason_out is not None:
            rows.append({"parameter": path, "status": d.status, "default": str(d.value), "included": False,
                         "sweep_path": "", "low": np.nan, "high": np.nan, "reason": reason_out})
            continue
        low, high, reason = study_band(d, params[path])
        sweep_path = path + SCALE_SUFFIX if d.kind == "list" else path
        default = 1.0 if d.kind == "list" else params[path]
        p = StudyParameter(sweep_path, path, d.kind, d.status, default, low, high, reason)
        kept.append(p)
        rows.append({"parameter": path, "status": d.status, "default": str(d.value), "included": True,
                     "sweep_path": sweep_path, "low": low, "high": high, "reason": reason})
    return kept, pd.DataFrame(rows)


def _declaration(p: StudyParameter):
    from sim.experiments import IntRange, Range

    if p.kind == "int":
        return IntRange(p.path, int(p.low), int(p.high))
    return Range(p.path, float(p.low), float(p.high))


# ------------------------------------------------------------------------ the model function


@lru_cache(maxsize=4)
def _scenario(path: str):
    from sim.inputs.scenario import load_scenario

    return load_scenario(path)


def _overrides(raw: Mapping[str, Any], scenario, budget_scale: float) -> dict[str, Any]:
    """Sweep values as engine overrides: list multipliers applied, budget scaled to the region."""
    out: dict[str, Any] = {}
    for path, value in raw.items():
        if path.endswith(SCALE_SUFFIX) and path[: -len(SCALE_SUFFIX)] in scenario.params.definitions:
            target = path[: -len(SCALE_SUFFIX)]
            out[target] = [float(x) * float(value) for x in scenario.params[target]]
        else:
            out[path] = value
    budget = "budget.development_thb_per_year"
    out[budget] = float(out.get(budget, scenario.params[budget])) * budget_scale
    out["budget.scope"] = "run"  # scaled to the region here, not again by the engine
    return out


def paired_difference(spec) -> dict[str, pd.DataFrame]:
    """One run of the study: both scenarios on the same seed, one row per year with the difference.

    `spec.base` holds `treatment` and `control` (scenario paths), `run` (region, years, seed)
    and `budget_scale` (the region's share of Isan's sub-districts). Replicate k draws exactly
    what replicate k of `welfare-sim run` draws for each scenario.
    """
    from sim.model.engine import simulate

    base = dict(spec.base)
    run = base["run"]
    region = run["region"] if isinstance(run["region"], str) else tuple(run["region"])
    seed = spec.base_seed if getattr(spec, "base_seed", None) is not None else spec.seed
    summaries = {}
    for role in ("treatment", "control"):
        scenario = _scenario(str(base[role]))
        overrides = _overrides(spec.overrides, scenario, float(base.get("budget_scale", 1.0)))
        scenario = scenario.with_overrides(overrides, region=region, years=int(run["years"]))
        summaries[role] = simulate(scenario, spec.replicate, seed=seed, outputs=("summary",)).summary.set_index("year")
    z, p = summaries["treatment"], summaries["control"]
    out = pd.DataFrame({"year": z.index.to_numpy()})
    for m in DIFF_METRICS:
        out[f"{m}_zone"] = z[m].to_numpy()
        out[f"{m}_province"] = p[m].to_numpy()
        out[f"{m}_diff"] = z[m].to_numpy() - p[m].to_numpy()
    return {"summary": out}


# ----------------------------------------------------------------------------- the study


@dataclass(frozen=True)
class StudyConfig:
    """Size of the study: the committed one (default) or a quick one."""

    treatment: str = str(REPO / "scenarios" / "zone_all_2023.toml")
    control: str = str(REPO / "scenarios" / "province_2021.toml")
    region: tuple[str, ...] = ("35", "42", "49")  # Yasothon, Loei, Mukdahan: three province clusters
    years: int = 20  # the answer's horizon (sim.studies.answer)
    morris_trajectories: int = 20
    morris_grid_levels: int = 4
    sobol_top: int = 8
    sobol_samples: int = 128  # N = 32 left every index's interval wider than the index
    headline_replicates: int = 8
    seed: int = 20230329
    workers: int = 2
    only: tuple[str, ...] | None = None

    @classmethod
    def quick(cls, workers: int = 2) -> StudyConfig:
        return cls(region=("37", "49"), years=3, morris_trajectories=2, sobol_top=3, sobol_samples=4,
                   headline_replicates=2, workers=workers,
                   only=("targeting.noise.zone", "targeting.noise.province", "units.overhead_thb.zone",
                         "units.zone_capacity.growth", "units.zone_capacity.start", "effects.scale_thb",
                         "governance.turnover", "membership.join_rate"))


@lru_cache(maxsize=4)
def _subdistricts(region: tuple[str, ...]) -> int:
    from sim.world.geography import build_geography

    return len(build_geography(list(region)).subdistricts)


def study_base(cfg: StudyConfig) -> dict[str, Any]:
    n = _subdistricts(tuple(cfg.region))
    return {"name": "zone_all_2023_vs_province_2021", "treatment": cfg.treatment, "control": cfg.control,
            "run": {"region": list(cfg.region), "years": cfg.years, "seed": cfg.seed},
            "budget_scale": n / ISAN_SUBDISTRICTS, "subdistricts": n}


def _runs_folder(out: Path) -> Path:
    runs = out / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    ignore = runs / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# raw sweep runs (Parquet, one file per run): re-created by welfare-sim sensitivity\n*\n")
    return runs


def run_study(cfg: StudyConfig, out: str | Path, progress: bool = True) -> dict[str, Any]:
    """Headline at the defaults, Morris over every studied parameter, Sobol on the top few."""
    from sim.experiments import DesignSpec, Levels, Sweep, UnstableIndicesWarning

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    runs = _runs_folder(out)
    model = "sim.studies.sensitivity:paired_difference"
    base = study_base(cfg)
    scale_isan = ISAN_SUBDISTRICTS / base["subdistricts"]
    kept, bands = study_parameters(only=cfg.only)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()

    def say(message: str) -> None:
        if progress:
            print(f"[{time.perf_counter() - t0:6.0f}s] {message}", flush=True)

    # the headline at the defaults, with its interval over replicates
    headline_sweep = Sweep("headline", base, [Levels("budget.development_thb_per_year", (75e6,))],
                           replicates=cfg.headline_replicates, seed=cfg.seed)
    res = headline_sweep.run(runs / "headline", workers=cfg.workers, model=model, progress=False, restart_stale=True)
    final = res.summary[res.summary["year"] == res.summary["year"].max()]
    headline = _headline(final, scale_isan)
    timings["headline_seconds"] = time.perf_counter() - t0
    say(f"headline at the defaults: {headline['difference']:+,.0f} discounted person-years protected "
        f"(95% CI {headline['ci_low']:+,.0f} to {headline['ci_high']:+,.0f}) in {base['subdistricts']} sub-districts")

    t1 = time.perf_counter()
    declarations = [_declaration(p) for p in kept]
    morris_sweep = Sweep("morris", base, declarations,
                         design=DesignSpec("morris", samples=cfg.morris_trajectories,
                                           grid_levels=cfg.morris_grid_levels),
                         replicates=1, seed=cfg.seed)
    say(f"Morris: {len(kept)} parameters x {cfg.morris_trajectories} trajectories = {morris_sweep.n_runs} runs")
    bar = None if progress else False  # a bar in a terminal or notebook, none in logs
    morris_res = morris_sweep.run(runs / "morris", workers=cfg.workers, model=model, progress=bar, restart_stale=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UnstableIndicesWarning)
        morris = morris_res.analyze(METRIC)
    morris_warnings = [str(w.message) for w in caught]
    timings["morris_seconds"] = time.perf_counter() - t1
    star = morris[morris["index"] == "mu_star"].sort_values("value", ascending=False)
    top = list(star["parameter"].head(cfg.sobol_top))
    say("Morris top: " + ", ".join(top))

    t2 = time.perf_counter()
    by_path = {p.path: p for p in kept}
    sobol_sweep = Sweep("sobol", base, [_declaration(by_path[p]) for p in top],
                        design=DesignSpec("sobol", samples=cfg.sobol_samples), replicates=1, seed=cfg.seed)
    say(f"Sobol: {len(top)} parameters, N = {cfg.sobol_samples}: {sobol_sweep.n_runs} runs")
    sobol_res = sobol_sweep.run(runs / "sobol", workers=cfg.workers, model=model, progress=bar, restart_stale=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UnstableIndicesWarning)
        sobol = sobol_res.analyze(METRIC)
    sobol_warnings = [str(w.message) for w in caught]
    timings["sobol_seconds"] = time.perf_counter() - t2
    timings["total_seconds"] = time.perf_counter() - t0

    ranking = _ranking(morris, sobol, kept)
    floor = morris_noise_floor(headline["replicate_sd"], cfg.morris_grid_levels)
    ranking["above_noise"] = ranking["mu_star"] > floor
    summary = {
        "metric": METRIC,
        "headline": headline,
        "config": asdict(cfg),
        "subdistricts": base["subdistricts"],
        "budget_scale": base["budget_scale"],
        "parameters_studied": len(kept),
        "parameters_excluded": int((~bands["included"]).sum()),
        "morris_runs": morris_sweep.n_runs,
        "sobol_runs": sobol_sweep.n_runs,
        "sobol_parameters": top,
        "morris_noise_floor": floor,
        "warnings": {"morris": morris_warnings, "sobol": sobol_warnings},
        "timings": timings,
        "run_seconds": {name: float(r.runs["wall_seconds"].sum())
                        for name, r in (("headline", res), ("morris", morris_res), ("sobol", sobol_res))},
    }
    bands.to_csv(out / "bands.csv", index=False)
    morris.to_csv(out / "morris_indices.csv", index=False)
    sobol.to_csv(out / "sobol_indices.csv", index=False)
    ranking.to_csv(out / "ranking.csv", index=False)
    pd.DataFrame([headline]).to_csv(out / "headline.csv", index=False)
    (out / "sensitivity.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    figures = _figures(morris, sobol, out, base, cfg)
    (out / "sensitivity.md").write_text(_markdown(summary, ranking, bands))
    say(f"written to {out} ({', '.join(f.name for f in figures)})")
    return {"summary": summary, "ranking": ranking, "morris": morris, "sobol": sobol, "bands": bands}


def _headline(final: pd.DataFrame, scale_isan: float, level: float = 0.95) -> dict[str, Any]:
    from scipy import stats

    d = final[METRIC].to_numpy(float)
    n = d.size
    mean = float(d.mean())
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * d.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    return {"metric": METRIC, "year": int(final["year"].max()), "replicates": n, "difference": mean,
            "replicate_sd": float(d.std(ddof=1)) if n > 1 else float("nan"),
            "ci_low": mean - half, "ci_high": mean + half,
            "zone_mean": float(final[f"{HEADLINE}_zone"].mean()),
            "province_mean": float(final[f"{HEADLINE}_province"].mean()),
            "difference_scaled_to_isan": mean * scale_isan,
            "ci_low_scaled_to_isan": (mean - half) * scale_isan, "ci_high_scaled_to_isan": (mean + half) * scale_isan}


def morris_noise_floor(replicate_sd: float, grid_levels: int) -> float:
    """mu* that run-to-run noise alone would give: E|e| for an elementary effect of pure noise.

    Two independent runs differ by sqrt(2) x the replicate sd; a Morris step is
    grid_levels / (2 (grid_levels - 1)) of the band, and E|N(0, s)| = s sqrt(2 / pi). With
    common random numbers neighbouring points share their draws, so this is an upper bound:
    parameters below it cannot be told from noise, those well above it can.
    """
    step = grid_levels / (2 * (grid_levels - 1))
    return float(math.sqrt(2 / math.pi) * math.sqrt(2) * replicate_sd / step)


def _ranking(morris: pd.DataFrame, sobol: pd.DataFrame, kept: list[StudyParameter]) -> pd.DataFrame:
    from sim.report.labels import parameter_label

    wide = morris.pivot_table(index="parameter", columns="index", values="value", aggfunc="first")
    conf = morris[morris["index"] == "mu_star"].set_index("parameter")
    frame = pd.DataFrame({"parameter": wide.index, "mu_star": wide["mu_star"].to_numpy(),
                          "mu_star_conf": conf.loc[wide.index, "conf"].to_numpy(),
                          "mu": wide["mu"].to_numpy(), "sigma": wide["sigma"].to_numpy(),
                          "morris_reliable": conf.loc[wide.index, "reliable"].to_numpy()})
    for index in ("S1", "ST"):
        part = sobol[sobol["index"] == index].set_index("parameter")
        frame[index] = frame["parameter"].map(part["value"])
        frame[f"{index}_conf"] = frame["parameter"].map(part["conf"])
        frame[f"{index}_reliable"] = frame["parameter"].map(part["reliable"])
    by_path = {p.path: p for p in kept}
    frame["label"] = [parameter_label(by_path[p].parameter) for p in frame["parameter"]]
    frame["status"] = [by_path[p].status for p in frame["parameter"]]
    frame["default"] = [str(by_path[p].default) for p in frame["parameter"]]
    frame["band_low"] = [by_path[p].low for p in frame["parameter"]]
    frame["band_high"] = [by_path[p].high for p in frame["parameter"]]
    frame["band_reason"] = [by_path[p].reason for p in frame["parameter"]]
    frame = frame.sort_values("mu_star", ascending=False, kind="stable").reset_index(drop=True)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return frame


def _figures(morris: pd.DataFrame, sobol: pd.DataFrame, out: Path, base: dict, cfg: StudyConfig) -> list[Path]:
    from sim.report.labels import source_caption
    from sim.report.plots import plot_sobol, save_figure

    written = []
    star = morris[morris["index"] == "mu_star"].sort_values("value", ascending=False)
    shown = morris[morris["parameter"].isin(list(star["parameter"].head(20)))]
    order = list(star["parameter"].head(20))
    shown = shown.set_index("parameter").loc[order].reset_index()
    last = int(morris["year"].max()) if "year" in morris.columns else None
    horizon = f", {last - cfg.years + 1}-{last}" if last is not None else ""
    shown, sobol = shown.drop(columns="year", errors="ignore"), sobol.drop(columns="year", errors="ignore")
    where = f"{len(cfg.region)} Isan provinces ({', '.join(cfg.region)}), {base['subdistricts']} sub-districts"
    caption = source_caption(scenarios=["zone_all_2023", "province_2021"], replicates=1,
                             extra=f"{where}; Morris r = {cfg.morris_trajectories}, SALib")
    fig = plot_sobol(shown, title="Morris screening, top 20: what moves discounted person-years protected\n"
                     f"(every zone funded − province practice{horizon})", caption=caption)
    written += save_figure(fig, out / "morris")
    caption = source_caption(scenarios=["zone_all_2023", "province_2021"], replicates=1,
                             extra=f"{where}; Sobol N = {cfg.sobol_samples}, SALib")
    if not bool(sobol["reliable"].all()):
        caption += "\nHatched: unreliable (sample too small or interval wider than the index)."
    fig = plot_sobol(sobol, title=f"Sobol indices, top {len(set(sobol['parameter']))} from Morris: person-years protected\n"
                     f"(every zone funded − province practice{horizon})", caption=caption)
    written += save_figure(fig, out / "sobol")
    return written


def _markdown(summary: Mapping, ranking: pd.DataFrame, bands: pd.DataFrame) -> str:
    h = summary["headline"]
    cfg = summary["config"]
    lines = [
        "# What matters most for the province-versus-zone answer",
        "",
        "Written by `welfare-sim sensitivity` (sim/studies/sensitivity.py).",
        "",
        f"Headline: person-years protected {h['year'] - cfg['years'] + 1}-{h['year']}, discounted as in every command (sim.model.metrics), every zone funded (zone_all_2023) minus the province "
        f"practice (province_2021), paired on common random numbers, in {summary['subdistricts']} sub-districts "
        f"of {len(cfg['region'])} Isan provinces ({', '.join(cfg['region'])}), {cfg['years']} years, budget scaled "
        f"to their share of Isan's ({summary['budget_scale']:.3f} x 75 million THB).",
        "",
        f"At the defaults: {h['difference']:+,.0f} person-years (95% CI {h['ci_low']:+,.0f} to {h['ci_high']:+,.0f}, "
        f"{h['replicates']} replicates); x {1 / summary['budget_scale']:.1f} for all of Isan: about "
        f"{h['difference_scaled_to_isan']:+,.0f} (scaled linearly from three provinces: the size of the "
        "screened difference, not the answer, which is `welfare-sim answer` on all of Isan, results/answer).",
        "",
        f"Morris: {summary['parameters_studied']} parameters (status assumed or fitted; "
        f"{summary['parameters_excluded']} candidates left out with a reason in bands.csv), "
        f"r = {cfg['morris_trajectories']} trajectories, {summary['morris_runs']} paired runs. "
        f"Sobol (first and total order): the top {len(summary['sobol_parameters'])} by mu*, N = {cfg['sobol_samples']}, "
        f"{summary['sobol_runs']} paired runs.",
        "",
    ]
    for kind in ("morris", "sobol"):
        for w in summary["warnings"][kind]:
            lines.append(f"> Warning ({kind}): {w}")
    floor = summary["morris_noise_floor"]
    above = ranking[ranking["above_noise"]]
    lines += ["", f"Noise floor: run-to-run noise alone would give mu* of about {floor:,.0f} (replicate sd of the "
              f"difference {h['replicate_sd']:,.0f}, without the help of common random numbers, so an upper bound). "
              f"{len(above)} parameters are above it: " + ", ".join(f"`{p}`" for p in above["parameter"]) + ".",
              "", "## Ranking (top 20 by Morris mu*, discounted person-years per whole band)", "",
              "| rank | parameter | status | band | mu* (± 95%) | sigma | above noise | S1 | ST |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in ranking.head(20).itertuples():
        s1 = f"{r.S1:.2f} ± {r.S1_conf:.2f}" if pd.notna(r.S1) else ""
        st = f"{r.ST:.2f} ± {r.ST_conf:.2f}" if pd.notna(r.ST) else ""
        lines.append(f"| {r.rank} | `{r.parameter}` | {r.status} | {r.band_low:.3g}-{r.band_high:.3g} | "
                     f"{r.mu_star:,.0f} ± {r.mu_star_conf:,.0f} | {r.sigma:,.0f} | {'yes' if r.above_noise else 'no'} | "
                     f"{s1} | {st} |")
    t = summary["timings"]
    busy = summary["run_seconds"]
    lines += ["", f"Run time of this call: {t['total_seconds'] / 60:.1f} minutes (headline {t['headline_seconds'] / 60:.1f}, "
              f"Morris {t['morris_seconds'] / 60:.1f}, Sobol {t['sobol_seconds'] / 60:.1f}) with "
              f"{cfg['workers']} worker processes; runs already finished by an earlier call are reused. "
              f"Time spent in runs, summed over workers and calls: {sum(busy.values()) / 60:.1f} minutes "
              f"(Morris {busy['morris'] / 60:.1f}, Sobol {busy['sobol'] / 60:.1f}).", "",
              "Files: ranking.csv (every parameter), morris_indices.csv, sobol_indices.csv, bands.csv (every "
              "candidate with its band or why it was left out), headline.csv, morris.png, sobol.png.", ""]
    return "\n".join(lines)
