"""The province-versus-zone answer: the zone-share sweep, its optimum and the break-even.

Three pieces, each a sweep on common random numbers (replicate k draws the same numbers at
every point, so differences between zone shares are paired):

1. **Zone-share curve** — people protected in the final year against the zones' share *s* of
   province-plus-zone money, s = 0, 0.1, …, 1, crossed with the zone size (hence the number
   of zones and total zone overhead) and the noise of the zones' view of need.
2. **Optimum** — for each setting, the best *s*, its paired gain over s = 0 with a 95%
   interval, and whether the optimum is interior (strictly between 0 and 1 and better than
   both ends with confidence), at a corner, or absent (no s > 0 beats provinces).
3. **Break-even frontier** — for each zone overhead, the largest zone noise at which moving
   the money to zones still pays (s = 1 against s = 0): how much better zones must see need
   before any shift to zones pays. Province noise is held at its default, so the advantage
   needed is `province noise − zone noise at break-even`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.experiments import Levels, Sweep, load_results

REPO = Path(__file__).resolve().parents[2]
METRIC = "people_protected"


@dataclass(frozen=True)
class AnswerConfig:
    """Size of the study: the full one for results/answer, a quick one for tests."""

    base: str = str(REPO / "scenarios" / "zone_all_2023.toml")
    years: int = 4
    replicates: int = 30
    shares: tuple[float, ...] = tuple(round(x, 1) for x in np.linspace(0, 1, 11))
    zone_sizes: tuple[int, ...] = (15, 25, 40)
    zone_noises: tuple[float, ...] = (0.3, 0.6)
    overheads: tuple[float, ...] = (60_000.0, 120_000.0, 240_000.0, 480_000.0)
    frontier_noises: tuple[float, ...] = (0.2, 0.4, 0.6, 0.8, 1.0)
    frontier_replicates: int = 15
    region: tuple[str, ...] | None = None
    budget_thb: float | None = None
    overrides: tuple[tuple[str, object], ...] = ()


def _base(cfg: AnswerConfig) -> dict:
    base: dict = {"extends": cfg.base, "name": "zone_answer", "run": {"years": cfg.years}}
    if cfg.region is not None:
        base["run"]["region"] = list(cfg.region)
    if cfg.budget_thb is not None:
        base["budget.development_thb_per_year"] = cfg.budget_thb
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
         Levels("policy.zone_share", [0.0, 1.0])],
        design="full_factorial",
        replicates=cfg.frontier_replicates,
        seed=_seed(cfg),
    )


def _final(results, metric: str = METRIC) -> pd.DataFrame:
    frame = results.to_df("summary")
    if "replicate" not in frame.columns:
        frame = frame.merge(results.runs[["run_id", "replicate"]], on="run_id", how="left")
    return frame[frame["year"] == frame["year"].max()]


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
    """Per zone overhead: the zone noise at which s = 1 stops beating s = 0 (interpolated)."""
    diff = paired_vs(frame, ["units.overhead_thb.zone", "targeting.noise.zone"])
    diff = diff[np.isclose(diff["policy.zone_share"], 1.0)]
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
    curve_res = curve_sweep(cfg).run(out / "sweep_curve", workers=workers, progress=progress)
    frontier_res = frontier_sweep(cfg).run(out / "sweep_break_even", workers=workers, progress=progress)
    curve = paired_vs(_final(curve_res), ["zones.target_size", "targeting.noise.zone"])
    optimum = classify_optimum(curve, ["zones.target_size", "targeting.noise.zone"])
    from sim.inputs.scenario import scenario_from_dict

    province_noise = float(scenario_from_dict(_base(cfg)).params["targeting.noise.province"])
    frontier = break_even_frontier(_final(frontier_res), province_noise)
    curve.to_csv(out / "zone_share_curve.csv", index=False)
    optimum.to_csv(out / "optimum.csv", index=False)
    frontier.to_csv(out / "break_even.csv", index=False)
    text = answer_text(cfg, optimum, frontier)
    (out / "answer.md").write_text(text)
    (out / "config.json").write_text(json.dumps(cfg.__dict__, indent=2, default=str))
    return {"curve": curve, "optimum": optimum, "frontier": frontier, "text": text}


def answer_text(cfg: AnswerConfig, optimum: pd.DataFrame, frontier: pd.DataFrame) -> str:
    lines = ["# Province or zone? What the simulation says", "",
             f"Setting: {Path(cfg.base).stem}, {cfg.years} years, {cfg.replicates} replicates per point on common "
             f"random numbers; people protected in the final year; differences are paired against s = 0 "
             f"(the province practice) with 95% intervals.", "", "## Best zone share", ""]
    for r in optimum.itertuples(index=False):
        size, noise = r[0], r[1]
        lines.append(f"- zones of ~{size} sub-districts, zone noise {noise}: best s = {r.best_share:.1f}, "
                     f"{r.gain_vs_provinces:+,.0f} people protected vs provinces (95% CI {r.ci_low:+,.0f} to "
                     f"{r.ci_high:+,.0f}) — {r.optimum}")
    lines += ["", "## Break-even: how much better must zones see need?", ""]
    for r in frontier.itertuples(index=False):
        if np.isfinite(r.break_even_zone_noise):
            lines.append(f"- zone overhead {r.zone_overhead_thb:,.0f} THB/year: zones pay while their noise is below "
                         f"{r.break_even_zone_noise:.2f} (province {r.province_noise:.2f}), i.e. they must see need "
                         f"{r.advantage_needed:.2f} log-points better")
        else:
            lines.append(f"- zone overhead {r.zone_overhead_thb:,.0f} THB/year: {r.note}")
    return "\n".join(lines) + "\n"


def load_answer(out: str | Path) -> dict:
    out = Path(out)
    return {name: pd.read_csv(out / f"{name}.csv") for name in ("zone_share_curve", "optimum", "break_even")
            if (out / f"{name}.csv").exists()} | {"results": load_results(out / "sweep_curve")}
