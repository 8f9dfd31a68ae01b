"""The decision study's report: tables, figures in English and Thai, decision.md, manifest.json.

``decision.md`` is written from the numbers (nothing in it is typed by hand), so a re-run
rewrites it; the manifest names the command that made the folder, the package and model
versions and a hash of the parameter defaults (:mod:`sim.report.manifest`), so the tests
notice when the committed study has gone stale.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import SimError

__all__ = ["write_report"]

REPORT = "decision.md"
REPO = Path(__file__).resolve().parents[2]  # manifests name study files relative to it


def _fmt(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{float(value):,.{digits}f}"


def _pct(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{100 * float(value):.{digits}f}%"


def _num(value: float) -> str:
    """A band's end as a reader writes it: 120,000 or 0.15."""
    v = float(value)
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def _table(frame: pd.DataFrame) -> list[str]:
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    rows = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return [head, rule, *rows]


def _label(path: str) -> str:
    from sim.report.labels import parameter_label

    name = parameter_label(path, "en")
    return name if name == path else f"{name} (`{path}`)"


def _box_sentence(part: pd.DataFrame, units: dict[str, str]) -> str:
    limits = []
    for r in part[part["restricted"]].itertuples(index=False):
        unit = units.get(r.coefficient, "")
        lo_hit = bool(r.low_is_bound)
        hi_hit = bool(r.high_is_bound)
        if lo_hit and not hi_hit:
            limits.append(f"{_label(r.coefficient)} below {r.high:,.4g} {unit}".rstrip())
        elif hi_hit and not lo_hit:
            limits.append(f"{_label(r.coefficient)} above {r.low:,.4g} {unit}".rstrip())
        else:
            limits.append(f"{_label(r.coefficient)} between {r.low:,.4g} and {r.high:,.4g} {unit}".rstrip())
    return " and ".join(limits) if limits else "no restriction"


def write_report(decision, out: str | Path, *, command: str | None = None,
                 langs: Sequence[str] = ("en", "th")) -> dict[str, Path]:
    """Write the study's tables, figures, decision.md and manifest.json into `out`."""
    from sim.report.manifest import write_results_manifest
    from sim.report.plots import save_figure
    from sim.report.plots.decision import plot_evppi, plot_frontier, plot_regret

    cfg = decision.config
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    started = time.perf_counter()

    def csv(name: str, frame: pd.DataFrame) -> None:
        path = out / f"{name}.csv"
        frame.to_csv(path, index=False)
        written[name] = path

    csv("priors", decision.priors())
    csv("policies", decision.policies())
    csv("worlds", decision.worlds())
    outcomes = decision.outcomes()
    csv("outcomes", outcomes)
    regret = decision.regret()
    regret_all = [regret.assign(comparison="every world, rules")]
    if cfg.n_allocator_worlds:
        regret_all.append(decision.regret(allocator=True).assign(comparison="allocator worlds, every policy"))
    csv("regret", pd.concat(regret_all, ignore_index=True))
    robustness = decision.robustness()
    csv("robustness", robustness)
    wins = decision.zones_win()
    csv("zones_win", wins)
    notes: list[str] = []
    try:
        boxes = decision.discover()
        box_note = boxes.attrs.get("note", "")
    except SimError as err:  # the EMA Workbench is an optional extra
        boxes, box_note = pd.DataFrame(), str(err)
        notes.append(str(err))
    csv("prim_boxes", boxes)
    evppi = decision.evppi()
    csv("evppi", evppi)

    figures: list[Path] = []
    rule_names = [p.name for p in cfg.rule_policies]
    for lang in langs:
        suffix = "" if lang == "en" else f"_{lang}"
        fig = plot_regret(regret, lang=lang, order=rule_names, replicates=cfg.replicates)
        figures += save_figure(fig, out / f"regret{suffix}")
        if cfg.n_allocator_worlds:
            alloc = decision.regret(allocator=True)
            if not alloc.empty:
                fig = plot_regret(alloc, lang=lang, order=[p.name for p in cfg.policies], replicates=cfg.replicates)
                figures += save_figure(fig, out / f"regret_allocator{suffix}")
        figures += save_figure(plot_evppi(evppi, lang=lang), out / f"evppi{suffix}")
        try:
            frontier = decision.frontier()
            fig = plot_frontier(frontier, boxes if len(boxes) else None, lang=lang, margin=cfg.margin)
            figures += save_figure(fig, out / f"frontier{suffix}")
        except SimError as err:
            if lang == langs[0]:
                notes.append(f"no frontier map: {err}")
    for f in figures:
        written[f.name] = f

    command = command or f"welfare-sim decide --out {out}"
    text = _markdown(decision, outcomes, robustness, wins, boxes, box_note, evppi, notes, command)
    (out / REPORT).write_text(text, encoding="utf-8")
    written[REPORT] = out / REPORT
    runs = decision._results().runs
    seconds = runs.groupby(runs["policy"].map(lambda p: _group(cfg, p)))["wall_seconds"].agg(["count", "sum", "mean"])
    extra = {
        "study_file": _shown(cfg.source) if cfg.source else None,
        "study": {"name": cfg.name, "quick": cfg.quick, "worlds": cfg.worlds, "replicates": cfg.replicates,
                  "allocator_worlds": cfg.n_allocator_worlds, "seed": cfg.seed,
                  "region": cfg.region if isinstance(cfg.region, str) else list(cfg.region),
                  "start_year": cfg.start_year, "years": cfg.years, "policies": [p.name for p in cfg.policies],
                  "coefficients": {c.path: [c.low, c.high] for c in cfg.coefficients},
                  "beliefs": cfg.beliefs, "margin": cfg.margin},
        "runs": int(len(runs)),
        "run_seconds": {g: {"runs": int(r["count"]), "total": float(r["sum"]), "mean": float(r["mean"])}
                        for g, r in seconds.iterrows()},
        "elapsed_seconds": decision.elapsed_seconds,
        "report_seconds": time.perf_counter() - started,
        "files": sorted(p.name for p in written.values()),
    }
    written["manifest"] = write_results_manifest(out, command, **json.loads(json.dumps(extra, default=str)))
    return written


def _crn_effect(level_se: float, difference_se: float) -> str:
    """What common random numbers did to the noise of differences, in words, from the numbers."""
    if not (np.isfinite(level_se) and np.isfinite(difference_se)) or level_se <= 0:
        return ""
    independent = np.sqrt(2.0) * level_se  # two independent means
    if difference_se < 0.7 * independent:
        return (f" ({difference_se / independent:.0%} of what independent draws would give: common random "
                "numbers make the policies' errors in a world move together)")
    return " (common random numbers do not make the differences much less noisy here)"


def _group(cfg, policy: str) -> str:
    for p in cfg.policies:
        if p.name == policy:
            return "allocator" if p.group == "allocator" else "rules"
    return "rules"  # the zero-budget twin runs with the rules


def _markdown(decision, outcomes, robustness, wins, boxes, box_note, evppi, notes, command) -> str:
    cfg = decision.config
    head = decision.headline
    titles = {p.name: p.title for p in cfg.policies}
    region = cfg.region if isinstance(cfg.region, str) else "provinces " + ", ".join(cfg.region)
    runs = cfg.n_runs
    lines = [
        f"# {cfg.title or 'Which practice is robust, and what to measure'}",
        "",
        f"Written by `{command}` from the numbers in this folder (welfare-sim decide; study file "
        f"`{Path(cfg.source).name if cfg.source else '-'}`){' — a QUICK run: a smoke test, not a result' if cfg.quick else ''}.",
        "",
        f"**The question.** Which way of spending the development budget holds up whatever the "
        f"unmeasured coefficients turn out to be? {cfg.worlds} plausible worlds, each a draw of "
        f"{len(cfg.coefficients)} coefficients; {len(cfg.rule_policies)} policies and a zero-budget twin "
        f"in every world ({runs['rules']:,} runs) and the allocator in the first {cfg.n_allocator_worlds} "
        f"worlds ({runs['allocator']:,} runs); {cfg.replicates} replicates each, on common random numbers. "
        f"Region {region}, {cfg.start_year}-{cfg.start_year + cfg.years - 1}, seed {cfg.seed}.",
        "",
        "**The headline** is discounted person-years protected over the horizon (people protected "
        "summed over the years, each discounted to the first year). **Regret** of a policy in a "
        "world: its gap to that world's best policy. **The margin**: "
        f"{cfg.margin:.0%} of the best policy's gain over the zero-budget twin in that world.",
        "",
        "## Priors: what the worlds draw",
        "",
        "Each coefficient is drawn **independently and uniformly** from its band (a Latin hypercube). "
        "The bands are beliefs, written with their reasons in `sim/data/parameters.toml`; the "
        "answers below are conditional on them. The planner (the allocator, any split by need) plans "
        "with the planner's value in every world, never the world's own; the budget it knows.",
        "",
    ]
    pri = decision.priors()
    lines += _table(pd.DataFrame({
        "coefficient": [_label(c) for c in pri["coefficient"]],
        "band (uniform)": [f"{_num(lo)} – {_num(hi)}" for lo, hi in zip(pri["low"], pri["high"], strict=True)],
        "planner's value": [_num(v) for v in pri["planner_value"]],
        "unit": pri["unit"], "why this band": pri["why"]}))
    lines += ["", "## Policies", ""]
    pol = decision.policies()
    lines += _table(pol[["policy", "group", "worlds", "title"]])

    # outcomes at a glance
    rules = [p.name for p in cfg.rule_policies]
    glance = outcomes[outcomes["policy"].isin(rules)].groupby("policy", sort=False).agg(
        headline=(f"{head}_mean", "mean"), gain=(f"{head}_gain", "mean"),
        vs_ref=(f"{head}_vs_reference", "mean"), coverage=("coverage_mean", "mean"),
        dormant=("funds_dormant_mean", "mean"), gini=("coverage_gini_province_mean", "mean")).reindex(rules)
    lines += ["", "## Outcomes, averaged over the worlds", "",
              f"Final year {cfg.start_year + cfg.years - 1} for coverage, dormant funds and the Gini of coverage "
              "across provinces; the headline is the whole horizon's.", ""]
    lines += _table(pd.DataFrame({
        "policy": glance.index, "person-years protected": [_fmt(v) for v in glance["headline"]],
        "gain over no budget": [_fmt(v) for v in glance["gain"]],
        f"vs {cfg.reference}": [_fmt(v) for v in glance["vs_ref"]],
        "coverage": [_pct(v, 2) for v in glance["coverage"]],
        "funds dormant": [_fmt(v, 1) for v in glance["dormant"]], "Gini (provinces)": [_fmt(v, 3) for v in glance["gini"]]}))

    # robustness
    lines += ["", "## Which practice is robust", ""]
    lines += [f"- {s}" for s in decision.preferred()]
    lines += [""]
    for comparison, part in robustness.groupby("comparison", sort=False):
        lines += [f"**{comparison}** ({int(part['worlds'].max())} worlds; person-years):", ""]
        lines += _table(pd.DataFrame({
            "policy": part["policy"], "max regret": [_fmt(v) for v in part["max_regret"]],
            "max, % of gain": [_pct(v, 1) for v in part["max_regret_share"]],
            "90th pct": [_fmt(v) for v in part["p90_regret"]], "mean": [_fmt(v) for v in part["mean_regret"]],
            "best in": [_pct(v) for v in part["share_best"]],
            f"within {cfg.margin:.0%}": [_pct(v) for v in part["share_within_margin"]],
            "max regret, noise removed": [_fmt(v) for v in part.get("max_regret_corrected", pd.Series(np.nan, index=part.index))]}))
        lines += [""]
    rob = robustness[robustness["comparison"] == robustness["comparison"].iloc[0]]
    if rob["bias_max_regret"].notna().any():
        lines += [
            "**Regret from replicate means is biased upward.** The best of several noisy means lies, on "
            "average, above the best true mean, so every gap to it is too large. With "
            f"{cfg.replicates} replicates the standard error of a policy's mean in a world is about "
            f"{_fmt(rob['replicate_se'].median())} person-years and that of the difference between two "
            f"policies, of which regret is made, about {_fmt(rob['difference_se'].median())}"
            f"{_crn_effect(rob['replicate_se'].median(), rob['difference_se'].median())}. A "
            "parametric bootstrap (the replicate means perturbed by the replicates' own noise, regret "
            f"recomputed) puts the bias of the mean regret at {_fmt(rob['bias_mean_regret'].min())} to "
            f"{_fmt(rob['bias_mean_regret'].max())} person-years and of the maximum regret at "
            f"{_fmt(rob['bias_max_regret'].min())} to {_fmt(rob['bias_max_regret'].max())}, depending on the "
            "policy; the column \"noise removed\" subtracts it. That plug-in estimate understates the bias "
            "where policies are truly close; the mean regret's bias cannot exceed "
            f"{_fmt(rob['bias_mean_regret_bound'].iloc[0])} person-years (all policies tied).", ""]
    else:
        lines += ["Regret from replicate means is biased upward (the best of noisy means is too high); with a "
                  "single replicate the bias cannot be estimated.", ""]

    # where zones win
    n_win, n = int(wins["zones_win"].sum()), len(wins)
    lines += ["## Where zones win", "",
              f"Zones win in a world when the best zone-funding policy "
              f"({', '.join(p.name for p in cfg.group('zones'))}) beats `{cfg.reference}` by more than the "
              f"margin, on paired replicate means. **Zones win in {n_win} of {n} worlds ({n_win / max(n, 1):.0%}).** "
              f"The median advantage of the best zone policy is {_fmt(wins['advantage'].median())} person-years "
              f"(its standard error about {_fmt(wins['advantage_se'].median())}); it is the best of several "
              "policies, which flatters zones slightly.", ""]
    if len(boxes):
        units = {c.path: c.unit for c in cfg.coefficients}
        bounds = {c.path: (c.low, c.high) for c in cfg.coefficients}
        b = boxes.copy()
        span = b["coefficient"].map(lambda c: bounds[c][1] - bounds[c][0])
        b["low_is_bound"] = (b["low"] - b["coefficient"].map(lambda c: bounds[c][0])).abs() <= 1e-6 * span
        b["high_is_bound"] = (b["high"] - b["coefficient"].map(lambda c: bounds[c][1])).abs() <= 1e-6 * span
        lines += ["PRIM (EMA Workbench) describes those worlds as boxes on the coefficients:", ""]
        for k, part in b.groupby("box"):
            r = part.iloc[0]
            restricted = part[part["restricted"]]
            again = ", ".join(f"{c.split('.')[-1]} {_pct(s)}" for c, s in
                              zip(restricted["coefficient"], restricted["restricted_share"], strict=True))
            dense = "" if r["dense_enough"] else f" (below the density target {cfg.prim_min_density:.0%})"
            lines.append(
                f"- **Box {k}: {_box_sentence(part, units)}.** It holds {_pct(r['coverage'])} of the worlds where "
                f"zones win (coverage) and zones win in {_pct(r['density'])} of the worlds inside it "
                f"(density{dense}); {_pct(r['mass'])} of all worlds. Stability: on random halves of the worlds "
                f"PRIM restricts the same coefficients in {again} of runs, and its box overlaps this one by "
                f"{_pct(r['stability'])} (median Jaccard).")
        lines += ["", f"({box_note})", ""]
    else:
        lines += [f"No PRIM box: {box_note}.", ""]
    lines += ["The map (`frontier.png`) shows the worlds over the two coefficients worth most to measure, "
              "with the smoothed frontier where the zones' advantage, averaged over the other coefficients, "
              "crosses the margin.", ""]

    # what to measure
    ev = evppi.reset_index(drop=True)
    lines += ["## What to measure first", "",
              "The expected value of partial perfect information (EVPPI) of a coefficient: how many "
              "person-years the expected-value choice among the rule policies would gain, on average, if "
              "the coefficient were known exactly before choosing (per-coefficient P-spline regression, "
              "bootstrap interval over worlds; \"half band\": the same on the worlds in the middle half of "
              "its band).", ""]
    if len(ev):
        top = ev.iloc[0]
        choice = ev.attrs.get("ev_choice")
        evpi = ev.attrs.get("evpi")
        gain_share = top.get("share_of_gain", np.nan)
        if top["evppi"] > 0 and np.isfinite(top["ci_low"]) and top["ci_low"] > 0:
            lines.append(f"**Measure {_label(top['coefficient'])} first**: knowing it would raise the expected "
                         f"headline by {_fmt(top['evppi'])} person-years (95% interval {_fmt(top['ci_low'])} "
                         f"to {_fmt(top['ci_high'])}), {_pct(gain_share, 1)} of the development budget's mean "
                         "gain.")
        else:
            lines.append(f"No single measurement clearly pays: the largest EVPPI ({_label(top['coefficient'])}, "
                         f"{_fmt(top['evppi'])} person-years) has an interval reaching "
                         f"{_fmt(top['ci_low'])}.")
        if choice:
            lines.append(f"Without any measurement the expected-value choice is `{choice}` "
                         f"({titles.get(choice, choice)}). Perfect information on every coefficient at once "
                         f"would be worth at most {_fmt(evpi)} person-years (from the world means, noise "
                         "included, so an upper bound).")
        lines += [""]
        lines += _table(pd.DataFrame({
            "rank": ev["rank"], "coefficient": [_label(c) for c in ev["coefficient"]],
            "EVPPI": [_fmt(v) for v in ev["evppi"]],
            "95% interval": [f"{_fmt(a)} – {_fmt(b)}" for a, b in zip(ev["ci_low"], ev["ci_high"], strict=True)],
            "half band": [_fmt(v) for v in ev["evppi_half_band"]],
            "% of gain": [_pct(v, 2) for v in ev.get("share_of_gain", pd.Series(np.nan, index=ev.index))]}))
    lines += ["", "## Caveats", "",
              "- The bands are beliefs; a coefficient outside its band is a world this study did not look at.",
              "- Regret and EVPPI from replicate means carry noise (see above); the best-of-zones advantage "
              "flatters zones slightly.",
              f"- The allocator ran in {cfg.n_allocator_worlds} of {cfg.worlds} worlds (it costs many times a "
              "rule run); its comparison is on those worlds only.",
              "- Policies plan with the planner's values of the coefficients; the worlds run on their own.",
              ""]
    if notes:
        lines += ["## Notes", "", *[f"- {n}" for n in notes], ""]
    lines += ["## Files", "",
              "`priors.csv`, `policies.csv`, `worlds.csv` (the hypercube), `outcomes.csv` (per world and policy: "
              "means, standard errors, paired differences), `regret.csv`, `robustness.csv`, `zones_win.csv`, "
              "`prim_boxes.csv`, `evppi.csv`; figures `regret`, `regret_allocator`, `evppi`, `frontier` "
              "(PNG and SVG; `_th` in Thai); `manifest.json`. Raw runs in `runs/` (not committed; the command "
              "above recreates and resumes them).", ""]
    return "\n".join(lines)


def _shown(path) -> str:
    """A study file's path as the manifest shows it: relative to the repository when inside it
    (the same on every machine), else as given."""
    try:
        return str(Path(path).resolve().relative_to(REPO))
    except ValueError:
        return str(path)
