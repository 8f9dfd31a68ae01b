"""Sensitivity analysis of any metric of a sweep (SALib): which parameters matter, how much.

Works on plain arrays and frames, so it can be checked against functions with known answers
(Ishigami, linear models) without running a sweep. Results are tidy tables, one row per
parameter and index, with a `reliable` flag: indices from too small a sample (Sobol N < 64,
Morris < 10 trajectories), or whose confidence half-width is wider than the index itself, are
flagged and warned about rather than silently reported. A floor on the half-width (0.1 for
Sobol, 5% of the largest mu_star for Morris) keeps a parameter that truly does nothing from
being flagged merely because its index is zero.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.errors import SimError
from sim.experiments.designs import Parameter, unit_problem

MIN_SOBOL_SAMPLES = 64
MIN_MORRIS_TRAJECTORIES = 10
SOBOL_CI_FLOOR = 0.1  # a CI half-width below this is tight enough to rank, whatever the index
MORRIS_CI_FLOOR = 0.05  # as a share of the largest mu_star
COLUMNS = ["metric", "parameter", "index", "value", "conf", "reliable", "note"]


class UnstableIndicesWarning(UserWarning):
    """The sample is too small for the sensitivity indices to be trusted."""


def point_means(summary: pd.DataFrame, metric: str, year: int | None = None) -> pd.Series:
    """The metric per point, averaged over replicates (at `year`, default the last year).

    Averaging first keeps the analysis about the parameters; the replicates' noise only
    widens the confidence intervals a little.
    """
    if metric not in summary.columns:
        options = ", ".join(
            c for c in summary.columns if c not in ("run_id", "point_id", "replicate")
        )
        raise SimError(f"no metric {metric!r} in the results; available: {options}", where="metric")
    frame = summary
    if "year" in frame.columns:
        chosen = int(frame["year"].max()) if year is None else year
        frame = frame[frame["year"] == chosen]
        if frame.empty:
            raise SimError(f"no rows for year {year}", where="year")
    elif year is not None:
        raise SimError("the results have no 'year' column", where="year")
    return frame.groupby("point_id")[metric].mean().sort_index()


def _flag(values: pd.DataFrame, small: str | None, floor: float) -> pd.DataFrame:
    wide = (
        values["conf"].notna() & (values["conf"] > values["value"].abs()) & (values["conf"] > floor)
    )
    notes = []
    for is_wide in wide:
        parts = [small] if small else []
        if is_wide:
            parts.append("confidence interval wider than the index")
        notes.append("; ".join(parts))
    values["reliable"] = [not n for n in notes]
    values["note"] = notes
    return values


def _warn(table: pd.DataFrame, what: str) -> None:
    bad = table[~table["reliable"]]
    if bad.empty:
        return
    pairs = list(zip(bad["parameter"], bad["index"], strict=True))
    shown = ", ".join(f"{p} {i}" for p, i in pairs[:6]) + (" …" if len(pairs) > 6 else "")
    reasons = sorted(set("; ".join(bad["note"]).split("; ")))
    warnings.warn(
        f"{what}: indices may be unstable ({'; '.join(reasons)}): {shown}; use a larger sample",
        UnstableIndicesWarning,
        stacklevel=3,
    )


def morris_indices(
    parameters: Sequence[Parameter],
    unit: np.ndarray,
    y: np.ndarray,
    *,
    grid_levels: int = 4,
    metric: str = "y",
    conf_level: float = 0.95,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Morris screening: mu, mu_star (with confidence) and sigma per parameter.

    Effects are per unit step of each parameter's range (so whole ranges are compared),
    computed from the unit coordinates of the design.
    """
    from SALib.analyze import morris

    problem = unit_problem(parameters)
    y = np.asarray(y, dtype=float)
    trajectories = len(y) // (len(parameters) + 1)
    si = morris.analyze(
        problem,
        np.asarray(unit, dtype=float),
        y,
        num_levels=grid_levels,
        conf_level=conf_level,
        seed=seed,
    )
    rows = []
    for j, p in enumerate(parameters):
        rows.append((metric, p.path, "mu_star", si["mu_star"][j], si["mu_star_conf"][j]))
        rows.append((metric, p.path, "mu", si["mu"][j], np.nan))
        rows.append((metric, p.path, "sigma", si["sigma"][j], np.nan))
    table = pd.DataFrame(rows, columns=COLUMNS[:5]).astype({"value": float, "conf": float})
    small = (
        f"{trajectories} trajectories < {MIN_MORRIS_TRAJECTORIES}"
        if trajectories < MIN_MORRIS_TRAJECTORIES
        else None
    )
    floor = MORRIS_CI_FLOOR * float(np.nanmax(np.abs(si["mu_star"])) or 1.0)
    table = _flag(table, small, floor)
    # mu and sigma inherit the reliability of the parameter's mu_star
    star = table[table["index"] == "mu_star"].set_index("parameter")
    table["reliable"] = table["parameter"].map(star["reliable"])
    table["note"] = table["parameter"].map(star["note"])
    _warn(table[table["index"] == "mu_star"], "Morris")
    return table.reset_index(drop=True)


def sobol_indices(
    parameters: Sequence[Parameter],
    y: np.ndarray,
    *,
    samples: int,
    second_order: bool = False,
    metric: str = "y",
    conf_level: float = 0.95,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Sobol first-order (S1) and total-order (ST) indices with confidence half-widths."""
    from SALib.analyze import sobol

    problem = unit_problem(parameters)
    y = np.asarray(y, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # constant outputs: NaN indices below
        si = sobol.analyze(  # SALib tests `if seed:`, so a seed of 0 would leave the
            problem,  # bootstrap intervals unseeded: shift it so every integer seeds them
            y,
            calc_second_order=second_order,
            conf_level=conf_level,
            seed=None if seed is None else int(seed) + 1,
        )
    rows = []
    for j, p in enumerate(parameters):
        rows.append((metric, p.path, "S1", si["S1"][j], si["S1_conf"][j]))
        rows.append((metric, p.path, "ST", si["ST"][j], si["ST_conf"][j]))
    if second_order:
        for j, a in enumerate(parameters):
            for k in range(j + 1, len(parameters)):
                rows.append(
                    (
                        metric,
                        f"{a.path} × {parameters[k].path}",
                        "S2",
                        si["S2"][j, k],
                        si["S2_conf"][j, k],
                    )
                )
    table = pd.DataFrame(rows, columns=COLUMNS[:5]).astype({"value": float, "conf": float})
    small = (
        f"N={samples} < {MIN_SOBOL_SAMPLES} base samples" if samples < MIN_SOBOL_SAMPLES else None
    )
    table = _flag(table, small, SOBOL_CI_FLOOR)
    _warn(table[table["index"] != "S2"], "Sobol")
    return table


def check_complete(means: pd.Series, n_points: int) -> np.ndarray:
    """The per-point values in design order; every point must have results."""
    missing = n_points - means.index.isin(range(n_points)).sum()
    if missing or len(means) != n_points:
        raise SimError(
            f"sensitivity analysis needs every point of the design: {len(means)} of {n_points} "
            "points have results (run the sweep without --limit, or resume it)",
            where="analyze",
        )
    return means.to_numpy(dtype=float)
