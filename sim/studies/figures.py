"""Figures from results folders, and the README figures made from a small but real run.

This is a study, not a drawing module: it reads what `run`, `compare` and `sweep` wrote (or
runs a comparison and a sweep for the README) and hands the data to :mod:`sim.report.plots`.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import SimError
from sim.model.metrics import HEADLINE
from sim.report.labels import format_year, metric_name, scenario_label, source_caption
from sim.report.plots import (
    FAN_METRICS,
    ISAN_TILES,
    ZERO_BUDGET,
    ZONE_SHARE,
    by_province,
    plot_comparison,
    plot_fan,
    plot_heatmap,
    plot_horizon,
    plot_sobol,
    plot_tile_map,
    plot_zone_share_curve,
    save_figure,
)

README_SCENARIOS = ("province_2021", "zone_pilot_2022", "zone_all_2023")


def _manifest_name(folder: Path) -> str | None:
    path = folder / "manifest.json"
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    scenario = data.get("scenario")
    return scenario.get("name") if isinstance(scenario, dict) else None


def _comparison_from_csv(folder: Path):
    from sim.experiments.compare import Comparison

    try:
        summary = pd.read_csv(folder / "summaries.csv")
        diff_path = folder / "paired_differences.csv"
        differences = pd.read_csv(diff_path) if diff_path.exists() else pd.DataFrame()
        cost_path = folder / "cost_effectiveness.csv"
        cost = pd.read_csv(cost_path) if cost_path.exists() else pd.DataFrame()
        horizon_path = folder / "horizon_differences.csv"
        horizon = pd.read_csv(horizon_path) if horizon_path.exists() else pd.DataFrame()
    except (OSError, ValueError) as err:
        raise SimError(f"cannot read the comparison: {err}", path=str(folder)) from None
    visible = [s for s in dict.fromkeys(summary["scenario"]) if s != ZERO_BUDGET]
    baseline = str(differences["baseline"].iloc[0]) if not differences.empty else visible[0]
    names = [baseline] + [s for s in visible if s != baseline]
    return Comparison(summary=summary, differences=differences, cost=cost, baseline=baseline, names=names,
                      horizon=horizon)


def _plot_run(folder: Path, out: Path, lang: str, suffix: str) -> list[Path]:
    summary = pd.read_parquet(folder / "summary.parquet")
    name = _manifest_name(folder) or folder.name
    written: list[Path] = []
    for metric in FAN_METRICS:
        fig = plot_fan(summary, metric, by=None, lang=lang, name=name)
        written += save_figure(fig, out / f"run_{metric}{suffix}")
    fund_path = folder / "fund_years.parquet"
    if fund_path.exists():
        fund_years = pd.read_parquet(fund_path, columns=["replicate", "year", "province_code", "members_end",
                                                         "population"])
        values = by_province(fund_years, "coverage")
        if set(values.index) <= set(ISAN_TILES):
            year = int(fund_years["year"].max())
            title = (f"{metric_name('coverage', lang).split(' (')[0]} {format_year(year, lang, prefix=True)}")
            reps = int(fund_years["replicate"].nunique())
            fig = plot_tile_map(values, title, metric="coverage", lang=lang,
                                caption=source_caption(lang, scenarios=[name], replicates=reps))
            written += save_figure(fig, out / f"tile_map_coverage{suffix}")
    return written


def _plot_sweep(folder: Path, out: Path, lang: str, suffix: str,
                metric: str = HEADLINE) -> list[Path]:
    from sim.experiments import load_results

    results = load_results(folder)
    if results.finished == 0:
        raise SimError("the sweep has no finished runs yet", path=str(folder))
    params = [p["path"] for p in results.definition["parameters"]]
    kind = results.definition["design"]["kind"]
    frame = results.to_df()
    written: list[Path] = []
    if ZONE_SHARE in params and metric in frame.columns:
        fig = plot_zone_share_curve(frame.assign(scenario=results.runs["scenario"].iloc[0]), metric, lang=lang)
        written += save_figure(fig, out / f"zone_share_curve{suffix}")
    numeric = [p for p in params if pd.api.types.is_numeric_dtype(frame[p]) and frame[p].nunique() >= 2]
    if kind == "full_factorial" and len(numeric) >= 2:
        x, y = (numeric[0], numeric[1])
        fig = plot_heatmap(frame, x, y, metric, lang=lang)
        written += save_figure(fig, out / f"heatmap{suffix}")
    if kind in ("sobol", "morris") and results.finished == results.total_runs:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("always")
            indices = results.analyze(metric)
        fig = plot_sobol(indices, lang=lang, scenario=str(results.runs["scenario"].iloc[0]))
        written += save_figure(fig, out / f"sensitivity{suffix}")
    if not written:
        raise SimError("nothing to draw for this sweep: it varies no zone share, has fewer than two "
                       "numeric parameters, and is not a sobol or morris design", path=str(folder))
    return written


def plot_results_dir(results_dir: str | Path, lang: str = "en", out: str | Path | None = None) -> list[Path]:
    """Draw the figures that match what a results folder holds; return the files written.

    A run folder (summary.parquet): fans over time and, with fund_years, a tile map of
    coverage. A comparison folder (summaries.csv): fans and paired differences. A sweep
    folder (sweep.json): the zone-share curve, a heat map, sensitivity indices.
    Figures go to `out` (default RESULTS_DIR/figures).
    """
    folder = Path(results_dir)
    if not folder.is_dir():
        raise SimError("no such results folder", path=str(folder))
    target = Path(out) if out is not None else folder / "figures"
    suffix = "" if lang == "en" else f"_{lang}"
    if (folder / "sweep.json").exists():
        kind, draw = "sweep", lambda: _plot_sweep(folder, target, lang, suffix)
    elif (folder / "summaries.csv").exists():
        kind, draw = "comparison", lambda: plot_comparison(_comparison_from_csv(folder), target, lang=lang)
    elif (folder / "summary.parquet").exists():
        kind, draw = "run", lambda: _plot_run(folder, target, lang, suffix)
    else:
        raise SimError("no results here: expected summary.parquet (a run), summaries.csv (a comparison) "
                       "or sweep.json (a sweep)", path=str(folder))
    try:
        return draw()
    except SimError as err:
        if err.path:
            raise
        raise SimError(f"cannot draw this {kind}'s figures: {err}", path=str(folder)) from None
    except (OSError, ValueError, KeyError, IndexError, TypeError) as err:
        # a file cut short, emptied, edited by hand or of another version (pyarrow's errors are
        # ValueError or OSError): say which folder, and how to get a whole one again
        what = " ".join(str(err).split())[:200] or type(err).__name__
        name = f"missing column {what}" if isinstance(err, KeyError) else what
        raise SimError(f"cannot read this {kind}'s results ({type(err).__name__}: {name}); a file is "
                       "damaged or incomplete: run the command that wrote the folder again",
                       path=str(folder)) from None


def readme_figures(out: str | Path = "results/figures", *, years: int = 20, replicates: int = 5, workers: int = 2,
                   lang: str = "en", log: Callable[[str], None] = lambda message: None) -> list[Path]:
    """Regenerate the README figures: Isan, CODI's three practices compared on common random
    numbers, coverage by province in the final year, and a zone-share sweep. A few minutes on
    two cores. Returns the files written; `log` receives progress lines.
    """
    from sim.experiments import Levels, Sweep
    from sim.experiments.compare import REFERENCE, compare
    from sim.inputs.scenario import find_scenario, load_scenario
    from sim.model.engine import simulate
    from sim.report.outputs import prepare_out_dir
    from sim.studies.answer import ZONES_ADDED

    out = prepare_out_dir(out)
    started = time.perf_counter()
    written = []
    names = list(README_SCENARIOS)
    scenarios = [load_scenario(find_scenario(n)).with_overrides({}, years=years) for n in names]
    log(f"comparing {', '.join(names)}: Isan, {years} years, {replicates} replicates")
    comparison = compare(scenarios, replicates, workers=workers)
    fig = plot_horizon(comparison.horizon, lang=lang, order=names[1:])
    written += save_figure(fig, out / "compare_horizon", formats=("png",), dpi=100)
    fig = plot_fan(comparison.summary, "people_protected", lang=lang, order=names)
    written += save_figure(fig, out / "compare_people_protected", formats=("png",), dpi=100)

    log("coverage by province (one run of zone_all_2023)")
    run = simulate(scenarios[-1], 0, outputs=("fund_years",))
    year = int(run.fund_years["year"].max())
    values = by_province(run.fund_years, "coverage")
    title = (f"{metric_name('coverage', lang).split(' (')[0]} {format_year(year, lang, prefix=True)}: "
             f"{scenario_label(names[-1], lang)}")
    fig = plot_tile_map(values, title, metric="coverage", lang=lang,
                        caption=source_caption(lang, scenarios=[names[-1]], replicates=1))
    written += save_figure(fig, out / "tile_map_coverage", formats=("png",), dpi=100)

    levels = tuple(round(float(s), 2) for s in np.linspace(0, 1, 6))
    log(f"zone-share sweep: s in {levels}, {replicates} replicates")
    # the answer's family: the province practice with zones added, so s = 0 is `province_2021`
    base = {"extends": str(find_scenario(REFERENCE).resolve()), "name": f"{REFERENCE}_with_zones",
            **dict(ZONES_ADDED)}
    sweep = Sweep("zone_share_figure", base, [Levels(ZONE_SHARE, levels), Levels("run.years", (years,))],
                  replicates=replicates)
    with tempfile.TemporaryDirectory(prefix="welfare-sim-figures-") as tmp:
        results = sweep.run(Path(tmp) / "sweep", workers=workers, progress=False)
        fig = plot_zone_share_curve(results, HEADLINE, lang=lang)
        written += save_figure(fig, out / "zone_share_curve", formats=("png",), dpi=100)
    log(f"done in {time.perf_counter() - started:.0f} s")
    return written
