"""Robust allocation: guard the bad cases over K sampled curve sets, still one LP.

Each scenario ``s`` (e.g. one parameter draw of the engine) gives every unit its own concave
curve, so the value of an allocation is ``g_s(z) = sum_u f_us(z_u)``. The models share the
money above overhead ``z_u`` (one column per unit, tied to each scenario's segments by
``z_u = sum_k x_suk``) and the budget, share and equity rows of the plain model, and differ in
the objective:

* ``mean``: ``max (1/K) sum_s g_s`` — the plain sample-mean allocation (averaged curves);
* ``cvar``: Rockafellar–Uryasev, ``max eta - 1/(alpha K) sum_s w_s`` with
  ``w_s >= eta - g_s``, ``w_s >= 0``: the mean of the worst ``alpha`` share of scenarios;
* ``maxmin``: ``max t`` with ``t <= g_s``: the worst scenario.

Values are the objective (people protected plus capacity value and weighted goals), which is
the gain in people protected when those terms are zero. Shadow prices of the robust result are
in units of its own objective (e.g. CVaR gained per extra baht of budget); a unit's marginal
value is its scenario slopes weighted by the LP's scenario weights (the duals of the tail
rows: 1/(alpha K) on the worst scenarios for CVaR, the binding worst case for max-min).
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from sim.allocation.explain import build_result, curve_value, right_slope, value_sign
from sim.allocation.highs_arrays import (
    INF,
    SOLVER,
    Infeasible,
    build_arrays,
    check_status,
    load,
    new_highs,
)
from sim.allocation.infeasibility import infeasible_error
from sim.allocation.problem import AllocationProblem, Prepared, conflict_error, diagnose, prepare
from sim.allocation.result import AllocationResult
from sim.errors import SimError

METHODS = ("cvar", "maxmin")


@dataclass
class RobustResult:
    """The robust allocation beside the plain mean allocation, and what each gives up."""

    robust: AllocationResult
    mean: AllocationResult
    method: str
    alpha: float
    scenario_values: pd.DataFrame  # one row per scenario, one column per allocation
    table: pd.DataFrame  # per allocation: mean, CVaR and worst value, and what it gives up

    def __repr__(self) -> str:
        return f"RobustResult(method={self.method}, alpha={self.alpha})\n{self.table.to_string()}"


def cvar(values: np.ndarray, alpha: float) -> float:
    """Mean of the worst ``alpha`` share of equally likely scenario values (fractional at the edge)."""
    v = np.sort(np.asarray(values, dtype=float))
    m = alpha * len(v)
    whole = int(math.floor(m + 1e-12))
    total = v[:whole].sum() + (m - whole) * (v[whole] if whole < len(v) else 0.0)
    return float(total / m)


def _scenarios(prep: Prepared, curve_sets: list) -> list[Prepared]:
    if len(curve_sets) < 1:
        raise SimError("robust allocation needs at least one curve set", where="allocation problem")
    out = []
    for s, pair in enumerate(curve_sets):
        try:
            breakpoints, slopes = pair
        except (TypeError, ValueError):
            raise SimError(
                f"curve set {s} must be (breakpoints_thb, slopes)", where="allocation problem"
            ) from None
        try:
            out.append(prep.with_curves(breakpoints, slopes))
        except SimError as err:
            raise SimError(f"curve set {s}: {err}") from None
    return out


class RobustModel:
    """The shared-money, many-scenario LP in HiGHS; ``solve(objective)`` for mean/cvar/maxmin."""

    def __init__(self, prep: Prepared, scenarios: list[Prepared]):
        self.prep, self.scenarios = prep, scenarios
        active = prep.funded_fixed
        self.units = np.nonzero(active)[0]
        n_z = len(self.units)
        # the plain model with one free segment per unit is exactly the core rows over z
        one_segment = dataclasses.replace(
            prep,
            seg_len=prep.room[:, None].copy(),
            seg_value=np.zeros((prep.n, 1)),
            seg_gain=np.zeros((prep.n, 1)),
            raw_len=np.full((prep.n, 1), np.inf),
        )
        self.core = build_arrays(one_segment)
        self.z_cols = self.core.seg_cols[active, 0]
        self.n_core_cols = len(self.core.cost)
        self.n_core_rows = self.core.a.shape[0]

        cost, ub = [], []
        col = self.n_core_cols
        self.seg_cols = []
        for sc in scenarios:
            s = sc.seg_len.shape[1]
            cols = col + np.arange(n_z * s).reshape(n_z, s)
            self.seg_cols.append(cols)
            cost.append(sc.seg_value[active].ravel())
            ub.append(sc.seg_len[active].ravel())
            col += n_z * s
        self.n_seg_cols = col
        self.seg_cost = np.concatenate(cost)
        self.seg_ub = np.concatenate(ub)
        # link rows z_u - sum_k x_suk = 0, one per (scenario, unit)
        rows, cols, vals = [], [], []
        for k, seg in enumerate(self.seg_cols):
            base = k * n_z
            rows += [base + np.arange(n_z), np.repeat(base + np.arange(n_z), seg.shape[1])]
            cols += [self.z_cols, seg.ravel()]
            vals += [np.ones(n_z), -np.ones(seg.size)]
        self.link = sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(len(scenarios) * n_z, self.n_seg_cols),
        )

    def _scenario_value_rows(self, n_cols: int) -> sp.csr_matrix:
        """Row s holds g_s = sum of scenario s's segment values."""
        rows, cols, vals = [], [], []
        for k, seg in enumerate(self.seg_cols):
            rows.append(np.full(seg.size, k))
            cols.append(seg.ravel())
            vals.append(self.scenarios[k].seg_value[self.units].ravel())
        return sp.csr_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(len(self.scenarios), n_cols),
        )

    def solve(
        self, objective: str, alpha: float
    ) -> tuple[np.ndarray, dict, np.ndarray, np.ndarray, float]:
        """Money above overhead, row prices, unit prices, scenario weights and objective value."""
        k = len(self.scenarios)
        core = self.core
        n_extra = {"mean": 0, "cvar": 1 + k, "maxmin": 1}[objective]
        n_cols = self.n_seg_cols + n_extra
        cost = np.zeros(n_cols)
        col_lb = np.zeros(n_cols)
        col_ub = np.zeros(n_cols)
        col_lb[: self.n_core_cols] = core.col_lb
        col_ub[: self.n_core_cols] = core.col_ub
        col_lb[self.z_cols], col_ub[self.z_cols] = -INF, INF
        col_ub[self.n_core_cols : self.n_seg_cols] = self.seg_ub
        pad = sp.csr_matrix((core.a.shape[0], n_cols - core.a.shape[1]))
        blocks = [
            sp.hstack([core.a, pad]),
            sp.hstack([self.link, sp.csr_matrix((self.link.shape[0], n_extra))]),
        ]
        row_lb = [core.row_lb, np.zeros(self.link.shape[0])]
        row_ub = [core.row_ub, np.zeros(self.link.shape[0])]
        if objective == "mean":
            cost[self.n_core_cols : self.n_seg_cols] = self.seg_cost / k
        else:
            g = self._scenario_value_rows(n_cols)
            eta = self.n_seg_cols
            cost[eta] = 1.0
            col_lb[eta], col_ub[eta] = -INF, INF
            tail = sp.lil_matrix((k, n_cols))
            for s in range(k):
                tail[s, eta] = -1.0
                if objective == "cvar":
                    tail[s, eta + 1 + s] = 1.0
            if objective == "cvar":
                cost[eta + 1 :] = -1.0 / (alpha * k)
                col_ub[eta + 1 :] = INF
            blocks.append(g + tail.tocsr())  # g_s - eta (+ w_s) >= 0
            row_lb.append(np.zeros(k))
            row_ub.append(np.full(k, INF))
        a = sp.vstack(blocks).tocsr()
        arrays = dataclasses.replace(
            core,
            cost=cost,
            col_lb=col_lb,
            col_ub=col_ub,
            integer=np.zeros(n_cols, bool),
            a=a,
            row_lb=np.concatenate(row_lb),
            row_ub=np.concatenate(row_ub),
        )
        h = new_highs()
        load(h, arrays)
        h.run()
        check_status(h)
        sol = h.getSolution()
        x = np.asarray(sol.col_value, dtype=float)
        y = np.asarray(sol.row_dual, dtype=float)
        y = value_sign(cost, a.T @ y + np.asarray(sol.col_dual, dtype=float)) * y
        z = np.zeros(self.prep.n)
        z[self.units] = x[self.z_cols]
        core_y = y[: self.n_core_rows]
        rows = dict(zip(core.row_names, core_y, strict=True))
        q_active = core.a.T @ core_y
        q = np.zeros(self.prep.n)
        q[self.units] = q_active[self.z_cols]
        if objective == "mean":
            weights = np.full(k, 1.0 / k)
        else:
            weights = np.maximum(-y[self.n_core_rows + self.link.shape[0] :], 0.0)
        return z, rows, q, weights, float(h.getInfo().objective_function_value)


def _weighted(
    scenarios: list[Prepared], weights: np.ndarray, lengths: str, at: np.ndarray
) -> np.ndarray:
    out = np.zeros(len(at))
    for w, sc in zip(weights, scenarios, strict=True):
        if w > 0:
            out += w * right_slope(getattr(sc, lengths), sc.seg_value, at)
    return out


def scenario_values(
    scenarios: list[Prepared], z: np.ndarray, what: str = "seg_value"
) -> np.ndarray:
    """Objective (or, with ``what="seg_gain"``, people protected) of money ``z`` in each scenario."""
    return np.array([curve_value(sc.seg_len, getattr(sc, what), z).sum() for sc in scenarios])


def _above_overhead(prep: Prepared, result: AllocationResult) -> np.ndarray:
    return np.where(result.funded.to_numpy(), result.amounts_thb.to_numpy() - prep.overhead, 0.0)


def _result(model: RobustModel, objective: str, alpha: float, started: float) -> AllocationResult:
    prep, scenarios = model.prep, model.scenarios
    z, rows, q, weights, value = model.solve(objective, alpha)
    room = np.where(np.isfinite(prep.room), prep.room, 0.0)
    result = build_result(
        prep,
        z,
        prep.funded_fixed,
        rows,
        q,
        solver=SOLVER,
        status=f"optimal ({objective} over {len(scenarios)} curve sets)",
        seconds=time.perf_counter() - started,
        marginal=_weighted(scenarios, weights, "seg_len", z),
        floor_slope=_weighted(scenarios, weights, "raw_len", np.zeros(prep.n)),
        beyond_cap_slope=_weighted(scenarios, weights, "raw_len", room),
        objective=value,
    )
    people = float(scenario_values(scenarios, _above_overhead(prep, result), "seg_gain").mean())
    result.gain_people = people
    result.objective_terms["people_protected"] = people
    return result


def solve_robust(
    problem: AllocationProblem,
    curve_sets: list[tuple[np.ndarray, np.ndarray]],
    *,
    alpha: float = 0.2,
    method: str = "cvar",
) -> RobustResult:
    """Maximise CVaR_alpha (or the worst case) of the value over K curve sets, beside the mean.

    ``curve_sets`` replace the problem's own curves (pass them as one of the sets to keep
    them); all constraints are the plain model's. The funded set must be fixed.
    """
    if method not in METHODS:
        raise SimError(f"unknown robust method {method!r}; use cvar or maxmin", where="allocation")
    if not 0 < alpha <= 1:
        raise SimError(f"alpha must be in (0, 1], got {alpha}", where="allocation")
    started = time.perf_counter()
    prep = prepare(problem)
    conflicts = diagnose(prep)
    if conflicts:
        raise conflict_error(conflicts)
    if prep.choose.any():
        raise SimError(
            "robust allocation needs a fixed funded set (no funded='choose' units)",
            where="allocation problem",
        )
    scenarios = _scenarios(prep, curve_sets)
    model = RobustModel(prep, scenarios)
    try:
        mean = _result(model, "mean", alpha, started)
        robust = _result(model, method, alpha, time.perf_counter())
    except Infeasible:
        raise infeasible_error(prep) from None

    label_mean, label_robust = "mean allocation", f"{method} allocation"
    values = {}
    for label, res in ((label_mean, mean), (label_robust, robust)):
        values[label] = scenario_values(scenarios, _above_overhead(prep, res))
    frame = pd.DataFrame(values, index=pd.RangeIndex(len(scenarios), name="scenario"))
    cvar_name = f"cvar_{alpha:g}"
    table = pd.DataFrame(
        {
            "mean": frame.mean(),
            cvar_name: frame.apply(lambda col: cvar(col.to_numpy(), alpha)),
            "worst": frame.min(),
        }
    )
    table["mean_given_up"] = table["mean"].max() - table["mean"]
    table[f"{cvar_name}_given_up"] = table[cvar_name].max() - table[cvar_name]
    table["worst_given_up"] = table["worst"].max() - table["worst"]
    table.index.name = "allocation"
    return RobustResult(
        robust=robust, mean=mean, method=method, alpha=alpha, scenario_values=frame, table=table
    )
