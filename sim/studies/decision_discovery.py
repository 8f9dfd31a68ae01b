"""Scenario discovery: in which worlds do zones win, described as boxes on the coefficients.

**Zones win** in a world when the best zone-funding policy's paired replicate mean on the
headline beats the province practice by more than the margin (2% of the best policy's gain
over the zero-budget twin): a difference a policymaker would not call a tie. Taking the best of
several zone policies favours zones a little (the best of noisy means), so the advantage's
standard error is reported beside it.

The worlds where zones win are then described by PRIM (the Patient Rule Induction Method,
from the EMA Workbench, ``ema_workbench.analysis.prim``): boxes such as "zone overhead below X
and zone noise below Y" chosen for **coverage** (the share of all zone-winning worlds inside
the box) and **density** (the share of worlds inside the box where zones win). A box from one
sample of worlds may be an accident of that sample, so its **stability** is measured by a
bootstrap of our own around PRIM (seeded, so the tables repeat): PRIM is re-run on random
halves of the worlds, and the report gives how often each coefficient is restricted again and
how much the re-found box overlaps the original (Jaccard index of the worlds inside).

:func:`frontier_surface` draws the map over two coefficients: the advantage smoothed over the
others (a Gaussian kernel average, bandwidth by leave-one-out cross-validation) whose zero
line is the frontier between "zones win" and "zones do not win".
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd

from sim.errors import SimError

__all__ = ["frontier_surface", "prim_boxes", "zones_win"]


def zones_win(values: pd.DataFrame, zone_names: list[str], rule_names: list[str], *, reference: str,
              twin: str, margin: float, metric: str) -> pd.DataFrame:
    """Per world: the best zone policy, its paired advantage over `reference` (replicate mean
    and standard error), the best rule policy's gain over `twin`, the margin in person-years,
    and whether zones win (advantage above the margin)."""
    wide = values.pivot_table(index=["world", "replicate"], columns="policy", values=metric)
    needed = [n for n in zone_names + [reference, twin] if n in wide.columns]
    wide = wide.dropna(subset=needed)
    means = wide.groupby(level="world").mean()
    zones = [n for n in zone_names if n in means.columns]
    rules = [n for n in rule_names if n in means.columns]
    if not zones or reference not in means.columns:
        raise SimError("no zone policy or no reference among the finished runs", where="zones_win")
    best_zone = means[zones].idxmax(axis=1)
    advantage = means[zones].max(axis=1) - means[reference]
    se = []
    for world, name in best_zone.items():
        d = (wide.loc[world, name] - wide.loc[world, reference]).to_numpy(float)
        se.append(float(d.std(ddof=1) / np.sqrt(d.size)) if d.size > 1 else np.nan)
    gain = means[rules].max(axis=1) - means[twin] if twin in means.columns else pd.Series(np.nan, index=means.index)
    threshold = margin * gain.abs()
    out = pd.DataFrame({"world": means.index.astype(np.int64), "best_zone_policy": best_zone.to_numpy(),
                        "advantage": advantage.to_numpy(float), "advantage_se": se,
                        "best_gain_over_twin": gain.to_numpy(float), "threshold": threshold.to_numpy(float)})
    out["zones_win"] = out["advantage"] > out["threshold"]
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------------- PRIM


def _prim():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import prim
    except ImportError:
        raise SimError("scenario discovery needs the EMA Workbench: pip install 'welfare-sim[decide]' "
                       "(ema-workbench>=2.5.3,<3)") from None
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return prim


def _choose(box, min_density: float) -> tuple[int, bool]:
    """The step of a peeling trajectory to keep: the most coverage among steps at least
    `min_density` dense (fewest restricted coefficients on ties); else the densest step."""
    traj = box.peeling_trajectory
    ok = traj[traj["density"] >= min_density - 1e-12]
    if len(ok):
        best = ok.sort_values(["coverage", "res_dim", "density"], ascending=[False, True, False]).index[0]
        return int(best), True
    return int(traj["density"].idxmax()), False


def _limits(box, i: int, columns: list[str]) -> dict[str, tuple[float, float]]:
    lims = box.box_lims[i]
    return {c: (float(lims[c].iloc[0]), float(lims[c].iloc[1])) for c in columns}


def _find(prim, x: pd.DataFrame, y: np.ndarray, min_density: float, max_boxes: int) -> list[dict]:
    """PRIM boxes one after another (each on the worlds outside the boxes before it)."""
    threshold = max(float(y.mean()) + 1e-9, 0.5 * min_density) if y.any() else 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        finder = prim.Prim(x.reset_index(drop=True), y.astype(int), threshold=threshold, peel_alpha=0.05,
                           paste_alpha=0.05, mass_min=0.05)
        boxes = []
        for _ in range(max_boxes):
            box = finder.find_box()
            if box is None or len(box.peeling_trajectory) <= 1:
                break
            i, dense = _choose(box, min_density)
            box.select(i)
            traj = box.peeling_trajectory.loc[i]
            if traj["coverage"] < 0.05:
                break
            boxes.append({"limits": _limits(box, i, list(x.columns)), "coverage": float(traj["coverage"]),
                          "density": float(traj["density"]), "mass": float(traj["mass"]),
                          "worlds": int(traj["n"]), "dense_enough": dense})
    return boxes


def _inside(x: pd.DataFrame, limits: dict[str, tuple[float, float]]) -> np.ndarray:
    ok = np.ones(len(x), dtype=bool)
    for c, (lo, hi) in limits.items():
        v = x[c].to_numpy(float)
        ok &= (v >= lo - 1e-12) & (v <= hi + 1e-12)
    return ok


def _restricted(limits: dict[str, tuple[float, float]], bounds: dict[str, tuple[float, float]]) -> dict[str, bool]:
    out = {}
    for c, (lo, hi) in limits.items():
        b_lo, b_hi = bounds[c]
        tol = 1e-9 * max(abs(b_hi - b_lo), 1.0)
        out[c] = bool(lo > b_lo + tol or hi < b_hi - tol)
    return out


def prim_boxes(x: pd.DataFrame, y: np.ndarray, *, min_density: float = 0.8, max_boxes: int = 2,
               resamples: int = 50, seed: int = 0, bounds: dict[str, tuple[float, float]] | None = None
               ) -> pd.DataFrame:
    """PRIM boxes where `y` (zones win) holds, one row per box and coefficient.

    Columns: box, coefficient, low, high, restricted, restricted_share (of resamples whose
    matching box restricts it too), coverage, density, mass, worlds, dense_enough (the box
    reaches `min_density`), stability (median Jaccard overlap of the re-found box with this
    one over the resamples). When zones win in every world or in none there is nothing to
    describe: the table is empty and ``attrs["note"]`` says why.
    """
    y = np.asarray(y, dtype=bool)
    columns = list(x.columns)
    empty = pd.DataFrame(columns=["box", "coefficient", "low", "high", "restricted", "restricted_share",
                                  "coverage", "density", "mass", "worlds", "dense_enough", "stability"])
    if y.all() or not y.any():
        empty.attrs["note"] = (f"zones win in {'every' if y.all() else 'no'} world ({y.size} worlds): "
                               "there is no boundary for PRIM to find")
        return empty
    if len(y) < 8:
        empty.attrs["note"] = f"only {len(y)} worlds: too few for PRIM"
        return empty
    prim = _prim()
    x = x.astype(float).reset_index(drop=True)
    full = {c: (float(x[c].min()), float(x[c].max())) for c in columns}
    bounds = {c: tuple(map(float, (bounds or full).get(c, full[c]))) for c in columns}
    boxes = _find(prim, x, y, min_density, max_boxes)
    if not boxes:
        empty.attrs["note"] = "PRIM found no box denser than the worlds as a whole"
        return empty
    members = [_inside(x, b["limits"]) for b in boxes]
    rng = np.random.default_rng(seed)
    overlap = [[] for _ in boxes]
    again = [dict.fromkeys(columns, 0) for _ in boxes]
    done = 0
    for _ in range(resamples):
        half = np.sort(rng.choice(len(x), size=len(x) // 2, replace=False))
        if y[half].all() or not y[half].any():
            continue
        found = _find(prim, x.iloc[half], y[half], min_density, max_boxes)
        done += 1
        for k, member in enumerate(members):
            best, best_j = None, 0.0
            for b in found:
                other = _inside(x, b["limits"])
                union = (member | other).sum()
                jac = float((member & other).sum() / union) if union else 0.0
                if best is None or jac > best_j:
                    best, best_j = b, jac
            overlap[k].append(best_j)
            if best is not None:
                for c, r in _restricted(best["limits"], full).items():
                    again[k][c] += int(r)
    rows = []
    for k, b in enumerate(boxes):
        restricted = _restricted(b["limits"], full)
        for c in columns:
            lo, hi = b["limits"][c]
            rows.append({"box": k + 1, "coefficient": c, "low": max(lo, bounds[c][0]), "high": min(hi, bounds[c][1]),
                         "restricted": restricted[c],
                         "restricted_share": again[k][c] / done if done else np.nan,
                         "coverage": b["coverage"], "density": b["density"], "mass": b["mass"],
                         "worlds": b["worlds"], "dense_enough": b["dense_enough"],
                         "stability": float(np.median(overlap[k])) if overlap[k] else np.nan})
    table = pd.DataFrame(rows)
    table.attrs["note"] = (f"{len(boxes)} box(es) from {len(y)} worlds ({int(y.sum())} where zones win); "
                           f"stability from {done} PRIM runs on random halves of the worlds")
    return table


# ------------------------------------------------------------------------------ the map


def _kernel_smooth(unit: np.ndarray, score: np.ndarray, grid: np.ndarray, bandwidth: float) -> np.ndarray:
    d2 = ((grid[:, None, :] - unit[None, :, :]) ** 2).sum(axis=2)
    w = np.exp(-0.5 * d2 / bandwidth**2)
    return (w @ score) / np.maximum(w.sum(axis=1), 1e-300)


def _loo_error(unit: np.ndarray, score: np.ndarray, bandwidth: float) -> float:
    d2 = ((unit[:, None, :] - unit[None, :, :]) ** 2).sum(axis=2)
    w = np.exp(-0.5 * d2 / bandwidth**2)
    np.fill_diagonal(w, 0.0)
    fit = (w @ score) / np.maximum(w.sum(axis=1), 1e-300)
    return float(np.mean((fit - score) ** 2))


def frontier_surface(x2: pd.DataFrame, score: np.ndarray, win: np.ndarray, *,
                     bounds: dict[str, tuple[float, float]] | None = None, size: int = 60) -> dict:
    """The zone advantage minus the margin, smoothed over the two coefficients of `x2`.

    Returns the axes' names and bounds, a `size` x `size` grid of the smoothed surface (rows:
    second coefficient), the bandwidth (in shares of each band) and the worlds as points. The
    surface's zero line is the frontier: on average over the other coefficients, zones win
    where it is positive.
    """
    names = list(x2.columns)
    if len(names) != 2:
        raise SimError(f"the map needs two coefficients, got {names}")
    bounds = bounds or {}
    lims = [tuple(map(float, bounds.get(c, (x2[c].min(), x2[c].max())))) for c in names]
    values = x2.to_numpy(float)
    unit = np.column_stack([(values[:, k] - lims[k][0]) / max(lims[k][1] - lims[k][0], 1e-300) for k in range(2)])
    score = np.asarray(score, float)
    ok = np.isfinite(score)
    candidates = (0.06, 0.09, 0.12, 0.16, 0.22, 0.3, 0.4)
    bandwidth = min(candidates, key=lambda h: _loo_error(unit[ok], score[ok], h)) if ok.sum() >= 5 else 0.3
    gx, gy = np.linspace(0, 1, size), np.linspace(0, 1, size)
    mesh = np.column_stack([np.tile(gx, size), np.repeat(gy, size)])
    surface = _kernel_smooth(unit[ok], score[ok], mesh, bandwidth).reshape(size, size)
    return {"x": names[0], "y": names[1], "x_bounds": lims[0], "y_bounds": lims[1],
            "grid_x": lims[0][0] + gx * (lims[0][1] - lims[0][0]),
            "grid_y": lims[1][0] + gy * (lims[1][1] - lims[1][0]),
            "surface": surface, "bandwidth": float(bandwidth),
            "points": pd.DataFrame({"x": values[:, 0], "y": values[:, 1], "zones_win": np.asarray(win, bool),
                                    "score": score})}
