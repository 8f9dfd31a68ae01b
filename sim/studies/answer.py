"""The province-versus-zone answer: the zone-share curve, its optimum, the break-even, over time.

The question is what shifting the development budget from province to zone level does, so
the family of policies is **the province practice with zones added**: `province_2021` (region
10%, three mentor funds per province 10%, the rest to provinces) with every zone eligible and
a share *s* of the province-plus-zone money sent through zones. At s = 0 this is exactly
`province_2021` (zones get no money and are not funded), the reference every command uses;
`zone_all_2023` differs from the s = 0.6 point only by its mentor share (0 instead of 10%).

Each piece is a sweep on common random numbers (replicate k draws the same numbers at every
point, so differences between zone shares are paired), measured by the one headline
(person-years protected, discounted: :mod:`sim.model.metrics`):

1. **Zone-share curve** — the headline over the horizon against s, crossed with the zone
   size (hence the number of zones and total zone overhead) and the noise of the zones' view
   of need; and the same curve **against the horizon** (every year from 1 to the last), with
   the year the yearly difference turns positive and the payback year.
2. **Optimum** — for each setting, the best *s*, its paired gain over s = 0 with a 95%
   interval, and whether the optimum is interior, at a corner, or absent.
3. **Break-even frontier** — for each zone overhead, the largest zone noise at which *some*
   share s > 0 still beats s = 0 (the whole range of s, not only s = 1): how much better
   zones must see need before any shift to zones pays. Province noise is held at its default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.experiments import Levels, Sweep, load_results
from sim.experiments.compare import REFERENCE, from_year_on, level_beliefs
from sim.model.metrics import HEADLINE

REPO = Path(__file__).resolve().parents[2]
METRIC = HEADLINE
ZONES_ADDED = (("policy.kind", "zone_share"), ("policy.funded_zones", "all"))
"""What turns the province practice into the zone-share family (s = 0 is the practice itself)."""


@dataclass(frozen=True)
class AnswerConfig:
    """Size of the study: the full one for results/answer, a quick one for tests."""

    base: str = str(REPO / "scenarios" / f"{REFERENCE}.toml")
    years: int = 20
    replicates: int = 3
    shares: tuple[float, ...] = (0.0, 0.5, 1.0)
    zone_sizes: tuple[int, ...] = (25, 40)
    zone_noises: tuple[float, ...] = (0.3, 0.8)
    overheads: tuple[float, ...] = (60_000.0, 240_000.0)
    frontier_noises: tuple[float, ...] = (0.3, 0.8)
    frontier_shares: tuple[float, ...] = (0.0, 1.0)
    frontier_replicates: int = 2
    region: tuple[str, ...] | None = None
    budget_thb: float | None = None
    overrides: tuple[tuple[str, object], ...] = ()


def _base(cfg: AnswerConfig) -> dict:
    base: dict = {"extends": cfg.base, "name": "zone_answer", "run": {"years": cfg.years}, **dict(ZONES_ADDED)}
    if cfg.region is not None:
        base["run"]["region"] = list(cfg.region)
    if cfg.budget_thb is not None:  # the budget of the run's own region, as it is (budget.scope)
        base["budget.development_thb_per_year"] = cfg.budget_thb
        base["budget.scope"] = "run"
    for path, value in cfg.overrides:
        base[path] = value
    return base


def _seed(cfg: AnswerConfig) -> int:
    from sim.inputs.scenario import scenario_from_dict

    return int(scenario_from_dict(_base(cfg)).seed)


def curve_sweep(cfg: AnswerConfig, name: str = "zone_share_curve") -> Sweep:
    return Sweep(
        name,
        _base(cfg),
        # the zone share varies fastest, so every setting's curve fills in together
        [Levels("zones.target_size", list(cfg.zone_sizes)), Levels("targeting.noise.zone", list(cfg.zone_noises)),
         Levels("policy.zone_share", list(cfg.shares))],
        design="full_factorial",
        replicates=cfg.replicates,
        seed=_seed(cfg),
    )


def frontier_sweep(cfg: AnswerConfig, name: str = "break_even") -> Sweep:
    return Sweep(
        name,
        _base(cfg),
        [Levels("units.overhead_thb.zone", list(cfg.overheads)), Levels("targeting.noise.zone", list(cfg.frontier_noises)),
         Levels("policy.zone_share", list(cfg.frontier_shares))],
        design="full_factorial",
        replicates=cfg.frontier_replicates,
        seed=_seed(cfg),
    )


def _all_years(results) -> pd.DataFrame:
    frame = results.to_df("summary")
    if "replicate" not in frame.columns:
        frame = frame.merge(results.runs[["run_id", "replicate"]], on="run_id", how="left")
    return frame


def _final(results, metric: str = METRIC) -> pd.DataFrame:
    frame = _all_years(results)
    return frame[frame["year"] == frame["year"].max()]


def curve_by_horizon(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The curve against the horizon: for every year, each share's paired difference to s = 0
    in the headline over the horizon ending that year (cumulative) and in that year alone."""
    start = int(frame["year"].min())
    parts = []
    for year, g in frame.groupby("year", sort=True):
        cumulative = paired_vs(g, by, metric=HEADLINE)
        yearly = paired_vs(g, by, metric="people_protected")
        keys = [*by, "policy.zone_share"]
        merged = cumulative.merge(yearly[[*keys, "diff_vs_ref", "ci_low", "ci_high"]], on=keys,
                                  suffixes=("", "_yearly"))
        parts.append(merged.assign(year=int(year), horizon_years=int(year) - start + 1))
    return pd.concat(parts, ignore_index=True)


def time_shape_by_share(horizon: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per setting and share s > 0: the year the yearly difference to s = 0 turns positive for
    good, and the payback year of the cumulative difference (on the mean and on the 95% low end)."""
    rows = []
    for key, g in horizon[horizon["policy.zone_share"] > 0].groupby([*by, "policy.zone_share"], sort=True):
        g = g.sort_values("year")
        years = g["year"].to_numpy()
        rows.append({**dict(zip([*by, "policy.zone_share"], key, strict=True)),
                     "turns_positive_year": from_year_on(years, g["diff_vs_ref_yearly"].to_numpy() > 0),
                     "payback_year": from_year_on(years, g["diff_vs_ref"].to_numpy() > 0),
                     "payback_year_confident": from_year_on(years, g["ci_low"].to_numpy() > 0)})
    return pd.DataFrame(rows)


def paired_vs(frame: pd.DataFrame, by: list[str], share_col: str = "policy.zone_share", reference: float = 0.0,
              metric: str = METRIC) -> pd.DataFrame:
    """Mean metric per share and its paired difference to the reference share, per setting."""
    rows = []
    for key, g in frame.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        ref = g[np.isclose(g[share_col], reference)].set_index("replicate")[metric]
        for s, h in g.groupby(share_col, sort=True):
            v = h.set_index("replicate")[metric]
            common = v.index.intersection(ref.index)
            d = (v.loc[common] - ref.loc[common]).to_numpy(float)
            n = d.size
            half = stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
            rows.append({**dict(zip(by, key, strict=True)), share_col: s, "mean": float(v.mean()),
                         "diff_vs_ref": float(d.mean()) if n else np.nan, "ci_low": d.mean() - half,
                         "ci_high": d.mean() + half, "replicates": n})
    return pd.DataFrame(rows)


def classify_optimum(curve: pd.DataFrame, by: list[str], share_col: str = "policy.zone_share") -> pd.DataFrame:
    """Best share per setting and whether the optimum is interior, a corner, or absent."""
    rows = []
    for key, g in curve.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        g = g.sort_values(share_col)
        best = g.loc[g["mean"].idxmax()]
        s_best = float(best[share_col])
        ends = g[np.isclose(g[share_col], 1.0)]
        beats_zero = bool(best["ci_low"] > 0) if s_best > 0 else False
        if s_best == 0 or not beats_zero:
            kind = "none: no zone share beats the province practice with confidence"
        elif s_best < 1:
            # interior if it also beats s = 1 by more than s = 1's own uncertainty
            end_mean = float(ends["mean"].iloc[0]) if len(ends) else np.nan
            end_half = float((ends["ci_high"] - ends["ci_low"]).iloc[0] / 2) if len(ends) else np.nan
            kind = "interior" if best["mean"] - end_mean > end_half else "flat near s = 1 (interior not distinct)"
        else:
            kind = "corner: all of it through zones"
        rows.append({**dict(zip(by, key, strict=True)), "best_share": s_best, "best_mean": float(best["mean"]),
                     "gain_vs_provinces": float(best["diff_vs_ref"]), "ci_low": float(best["ci_low"]),
                     "ci_high": float(best["ci_high"]), "optimum": kind})
    return pd.DataFrame(rows)


def break_even_frontier(frame: pd.DataFrame, province_noise: float) -> pd.DataFrame:
    """Per zone overhead: the zone noise at which the best share s > 0 stops beating s = 0
    (interpolated), over every share tested, not only s = 1."""
    diff = paired_vs(frame, ["units.overhead_thb.zone", "targeting.noise.zone"])
    diff = diff[diff["policy.zone_share"] > 0]
    diff = diff.loc[diff.groupby(["units.overhead_thb.zone", "targeting.noise.zone"])["diff_vs_ref"].idxmax()]
    rows = []
    for overhead, g in diff.groupby("units.overhead_thb.zone"):
        g = g.sort_values("targeting.noise.zone")
        x = g["targeting.noise.zone"].to_numpy(float)
        y = g["diff_vs_ref"].to_numpy(float)
        crossing = np.nan
        if (y > 0).all():
            note = f"zones pay at every noise tested (up to {x.max():.2f})"
        elif (y <= 0).all():
            note = f"zones never pay, even with noise {x.min():.2f}"
        else:
            i = int(np.flatnonzero((y[:-1] > 0) & (y[1:] <= 0))[0]) if ((y[:-1] > 0) & (y[1:] <= 0)).any() else None
            if i is None:
                note = "no single crossing (noisy)"
            else:
                crossing = x[i] + (x[i + 1] - x[i]) * y[i] / (y[i] - y[i + 1])
                note = "zones pay while their noise is below this"
        rows.append({"zone_overhead_thb": overhead, "break_even_zone_noise": crossing,
                     "province_noise": province_noise,
                     "advantage_needed": province_noise - crossing if np.isfinite(crossing) else np.nan,
                     "note": note})
    return pd.DataFrame(rows)


def run_answer(cfg: AnswerConfig, out: str | Path, *, workers: int = 2, progress: bool | None = None) -> dict:
    """Run (or resume) both sweeps and write the answer tables and text to `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    curve_res = curve_sweep(cfg).run(out / "sweep_curve", workers=workers, progress=progress, restart_stale=True)
    frontier_res = frontier_sweep(cfg).run(out / "sweep_break_even", workers=workers, progress=progress,
                                           restart_stale=True)
    by = ["zones.target_size", "targeting.noise.zone"]
    curve = paired_vs(_final(curve_res), by)
    optimum = classify_optimum(curve, by)
    horizon = curve_by_horizon(_all_years(curve_res), by)
    shape = time_shape_by_share(horizon, by)
    from sim.inputs.scenario import scenario_from_dict

    province_noise = float(scenario_from_dict(_base(cfg)).params["targeting.noise.province"])
    frontier = break_even_frontier(_final(frontier_res), province_noise)
    curve.to_csv(out / "zone_share_curve.csv", index=False)
    horizon.to_csv(out / "curve_by_horizon.csv", index=False)
    shape.to_csv(out / "time_shape.csv", index=False)
    optimum.to_csv(out / "optimum.csv", index=False)
    frontier.to_csv(out / "break_even.csv", index=False)
    text = answer_text(cfg, optimum, frontier, horizon, shape)
    (out / "answer.md").write_text(text)
    (out / "config.json").write_text(json.dumps(cfg.__dict__, indent=2, default=str))
    return {"curve": curve, "optimum": optimum, "frontier": frontier, "horizon": horizon, "shape": shape,
            "text": text}


def answer_text(cfg: AnswerConfig, optimum: pd.DataFrame, frontier: pd.DataFrame, horizon: pd.DataFrame,
                shape: pd.DataFrame) -> str:
    """The answer in words, every number from the tables."""
    from sim.inputs.scenario import scenario_from_dict

    params = scenario_from_dict(_base(cfg)).params
    rate = params["metrics.discount_rate"]
    beliefs = level_beliefs(params)
    lines = ["# Province or zone? What the simulation says", "",
             f"Policy family: the province practice (`{REFERENCE}`) with every zone eligible and a share s of the "
             f"province-plus-zone money through zones; s = 0 is `{REFERENCE}` itself, the reference of every "
             f"command. `zone_all_2023` is the s = 0.6 point without mentor funds (mentor share 0 instead of 10%).",
             "",
             f"Headline: person-years protected over {cfg.years} years, discounted {rate:.0%} a year; "
             f"{cfg.replicates} replicates per point on common random numbers; differences paired against s = 0 "
             f"with 95% intervals. Beliefs the answer rests on (parameter defaults; zone noise is also varied below): {beliefs}.", "",
             "## Best zone share over the whole horizon", ""]
    for r in optimum.itertuples(index=False):
        size, noise = r[0], r[1]
        lines.append(f"- zones of ~{size} sub-districts, zone noise {noise}: best s = {r.best_share:.1f}, "
                     f"{r.gain_vs_provinces:+,.0f} person-years vs provinces (95% CI {r.ci_low:+,.0f} to "
                     f"{r.ci_high:+,.0f}) — {r.optimum}")
    lines += ["", "## Against the horizon (all through zones, s = 1, against s = 0)", ""]
    full = horizon[np.isclose(horizon["policy.zone_share"], 1.0)]
    marks = sorted({h for h in (1, 5, 10, 20) if h <= cfg.years} | {cfg.years})
    by = ["zones.target_size", "targeting.noise.zone"]
    for key, g in full.groupby(by, sort=True):
        g = g.set_index("horizon_years")
        cells = "; ".join(f"{h} y {g.loc[h, 'diff_vs_ref']:+,.0f} ({g.loc[h, 'ci_low']:+,.0f} to "
                          f"{g.loc[h, 'ci_high']:+,.0f})" for h in marks if h in g.index)
        s = shape[(shape[by[0]] == key[0]) & (shape[by[1]] == key[1]) & np.isclose(shape["policy.zone_share"], 1.0)]
        turn = s["turns_positive_year"].iloc[0] if len(s) else None
        pay = s["payback_year"].iloc[0] if len(s) else None
        lines.append(f"- zones of ~{key[0]}, zone noise {key[1]}: {cells}; yearly difference positive "
                     f"{'from ' + str(int(turn)) if pd.notna(turn) else 'never within the horizon'}, payback year "
                     f"{int(pay) if pd.notna(pay) else 'none within the horizon'}")
    lines += ["", "## Break-even: how much better must zones see need?", ""]
    for r in frontier.itertuples(index=False):
        if np.isfinite(r.break_even_zone_noise):
            lines.append(f"- zone overhead {r.zone_overhead_thb:,.0f} THB/year: some zone share pays while zone noise "
                         f"is below {r.break_even_zone_noise:.2f} (province {r.province_noise:.2f}), i.e. zones must "
                         f"see need {r.advantage_needed:.2f} log-points better")
        else:
            lines.append(f"- zone overhead {r.zone_overhead_thb:,.0f} THB/year: {r.note}")
    return "\n".join(lines) + "\n"


def load_answer(out: str | Path) -> dict:
    out = Path(out)
    return {name: pd.read_csv(out / f"{name}.csv") for name in ("zone_share_curve", "optimum", "break_even")
            if (out / f"{name}.csv").exists()} | {"results": load_results(out / "sweep_curve")}
