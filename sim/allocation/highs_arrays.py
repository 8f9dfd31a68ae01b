"""The LP as numpy arrays loaded into HiGHS: columns, rows, bounds, status and duals.

The lowest piece of the fast path, shared by :mod:`model_highs` (the LP and MIP),
:mod:`robust` (CVaR / max-min) and :mod:`infeasibility` (which relaxes groups of rows to
name the conflict). Columns and rows are laid out exactly as PuLP lays them out (segments
unit by unit, then the funding binaries, then the equity total ``T``; rows in
:func:`~sim.allocation.explain.core_rows` order, then the MIP links).
"""


from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

import highspy
import numpy as np
import scipy.sparse as sp

from sim.allocation.explain import core_rows, value_sign
from sim.allocation.problem import Prepared
from sim.errors import SimError

INF = highspy.kHighsInf


def highs_version() -> str:
    """HiGHS's version, e.g. "1.16.0" (read from highspy's metadata: no banner printed)."""
    try:
        return version("highspy")
    except PackageNotFoundError:
        return "unknown"


SOLVER = f"HiGHS {highs_version()} via highspy"


class Infeasible(Exception):
    """The solver proved the model infeasible (turned into a SimError by ``solve``)."""


@dataclass
class LpArrays:
    """One allocation model as arrays: ``max cost'x`` s.t. ``row_lb <= A x <= row_ub``."""

    cost: np.ndarray
    col_lb: np.ndarray
    col_ub: np.ndarray
    integer: np.ndarray  # bool per column
    a: sp.csr_matrix
    row_lb: np.ndarray
    row_ub: np.ndarray
    row_names: list[str]
    row_groups: list[str]
    seg_cols: np.ndarray  # (n, S) column of each segment, -1 for units that cannot be funded
    y_cols: np.ndarray  # (n,) column of the funding binary, -1 where funding is fixed


def _active(prep: Prepared, mip: bool) -> np.ndarray:
    return prep.funded_fixed | (prep.choose if mip else False)


def build_arrays(prep: Prepared, *, mip: bool = False) -> LpArrays:
    """Columns, rows and bounds of the allocation LP (or MIP) for ``prep``."""
    n, s = prep.seg_len.shape
    active = _active(prep, mip)
    choose = prep.choose & mip
    seg_cols = np.full((n, s), -1, dtype=np.int64)
    n_seg = int(active.sum()) * s
    seg_cols[active] = np.arange(n_seg).reshape(-1, s)
    y_cols = np.full(n, -1, dtype=np.int64)
    y_cols[choose] = n_seg + np.arange(int(choose.sum()))
    n_col = n_seg + int(choose.sum())
    t_col = n_col if prep.equity is not None else -1
    n_col += prep.equity is not None

    cost = np.zeros(n_col)
    cost[:n_seg] = prep.seg_value[active].ravel()
    col_lb = np.zeros(n_col)
    col_ub = np.zeros(n_col)
    col_ub[:n_seg] = prep.seg_len[active].ravel()
    col_ub[n_seg : n_seg + int(choose.sum())] = 1.0
    if prep.funding_value is not None:  # earned once if funded: the binary's objective coefficient
        cost[n_seg : n_seg + int(choose.sum())] = prep.funding_value[choose]
    integer = np.zeros(n_col, dtype=bool)
    integer[n_seg : n_seg + int(choose.sum())] = True
    if t_col >= 0:
        col_ub[t_col] = INF

    rows_i, cols_i, vals = [], [], []
    row_lb, row_ub = [], []
    seg_of_active = seg_cols[active].ravel()
    unit_of_seg = np.repeat(np.nonzero(active)[0], s)
    y_units = np.nonzero(choose)[0]
    fixed_oh = np.where(prep.funded_fixed, prep.overhead, 0.0)

    def money_row(r: int, coef: np.ndarray) -> None:
        """Add coef[u] x (money of unit u, overhead included) to row r."""
        c = coef[unit_of_seg]
        keep = c != 0
        rows_i.append(np.full(int(keep.sum()), r))
        cols_i.append(seg_of_active[keep])
        vals.append(c[keep])
        cy = coef[y_units] * prep.overhead[y_units]
        keep = cy != 0
        rows_i.append(np.full(int(keep.sum()), r))
        cols_i.append(y_cols[y_units][keep])
        vals.append(cy[keep])

    ones = np.ones(n)
    names = core_rows(prep)
    weight = prep.province_population / max(prep.province_population.sum(), 1e-300)
    for r, (name, _group, _sense) in enumerate(names):
        if name == "budget":
            money_row(r, ones)
            rest = prep.budget - fixed_oh.sum()
            row_lb.append(rest if prep.spend_all else -INF)
            row_ub.append(rest)
        elif name.startswith("share_"):
            bound, level = name[6:9], name[10:]
            share = (prep.share_min if bound == "min" else prep.share_max)[level]
            coef = (prep.level == level).astype(float) - share
            money_row(r, coef)
            const = float(coef @ fixed_oh)
            row_lb.append(-const if bound == "min" else -INF)
            row_ub.append(INF if bound == "min" else -const)
        elif name == "equity_total":
            provincial = (prep.unit_province >= 0).astype(float)
            money_row(r, -provincial)
            rows_i.append(np.array([r]))
            cols_i.append(np.array([t_col]))
            vals.append(np.array([1.0]))
            row_lb.append(float(provincial @ fixed_oh))
            row_ub.append(float(provincial @ fixed_oh))
        else:  # equity_low_<p> / equity_high_<p>, one pair per province in order
            p = (r - names.index(("equity_total", "definition", "=")) - 1) // 2
            low = name.startswith("equity_low_")
            ratio = prep.equity[0] if low else prep.equity[1]
            here = (prep.unit_province == p).astype(float)
            money_row(r, here)
            rows_i.append(np.array([r]))
            cols_i.append(np.array([t_col]))
            vals.append(np.array([-ratio * weight[p]]))
            const = float(here @ fixed_oh)
            row_lb.append(-const if low else -INF)
            row_ub.append(INF if low else -const)
    row_names = [name for name, _, _ in names]
    row_groups = [group for _, group, _ in names]
    for u in y_units:  # money only if funded: sum(segments) <= M * y
        r = len(row_names)
        big_m = min(prep.room[u], prep.budget)
        rows_i += [np.full(s, r), np.array([r])]
        cols_i += [seg_cols[u], np.array([y_cols[u]])]
        vals += [np.ones(s), np.array([-big_m])]
        row_lb.append(-INF)
        row_ub.append(0.0)
        row_names.append(f"link_{u}")
        row_groups.append("link")

    a = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows_i), np.concatenate(cols_i))),
        shape=(len(row_names), n_col),
    )
    return LpArrays(
        cost,
        col_lb,
        col_ub,
        integer,
        a,
        np.array(row_lb, float),
        np.array(row_ub, float),
        row_names,
        row_groups,
        seg_cols,
        y_cols,
    )


_BANNER_SHOWN = False


def new_highs() -> highspy.Highs:
    """A silent HiGHS instance (its copyright banner, printed once per process at the C level
    before any option can be set, is sent to /dev/null so CLI output stays clean)."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        h = highspy.Highs()
    else:
        import os
        import sys

        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                h = highspy.Highs()
                h.setOptionValue("output_flag", False)
                h.run()  # the banner is printed on the first run
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _BANNER_SHOWN = True
    h.setOptionValue("output_flag", False)
    return h


def load(h: highspy.Highs, arr: LpArrays, *, mip: bool = False, mip_gap: float = 1e-9) -> None:
    """Pass the arrays to HiGHS as a maximisation."""
    h.clearModel()
    n_col = len(arr.cost)
    empty_i = np.array([], dtype=np.int32)
    h.addCols(n_col, arr.cost, arr.col_lb, arr.col_ub, 0, empty_i, empty_i, np.array([]))
    a = arr.a
    h.addRows(
        a.shape[0],
        arr.row_lb,
        arr.row_ub,
        a.nnz,
        a.indptr[:-1].astype(np.int32),
        a.indices.astype(np.int32),
        a.data.astype(float),
    )
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    if mip and arr.integer.any():
        cols = np.nonzero(arr.integer)[0].astype(np.int32)
        kinds = np.full(len(cols), highspy.HighsVarType.kInteger)
        h.changeColsIntegrality(len(cols), cols, kinds)
        h.setOptionValue("mip_rel_gap", float(mip_gap))


def check_status(h: highspy.Highs) -> str:
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return "optimal"
    if status in (
        highspy.HighsModelStatus.kInfeasible,
        highspy.HighsModelStatus.kUnboundedOrInfeasible,
    ):
        raise Infeasible()
    raise SimError(
        f"the allocation solver stopped without an optimum ({h.modelStatusToString(status)})",
        where="allocation",
    )


def seg_values(arr: LpArrays, col_value: np.ndarray) -> np.ndarray:
    """Money above overhead per unit from the segment columns."""
    x = np.where(arr.seg_cols >= 0, col_value[np.maximum(arr.seg_cols, 0)], 0.0)
    return x.sum(axis=1)


def unit_prices(arr: LpArrays, row_price: np.ndarray) -> np.ndarray:
    """q_u = (A^T pi) on a segment column of unit u: what one baht in u costs through the rows."""
    aty = arr.a.T @ row_price
    first = arr.seg_cols[:, 0]
    return np.where(first >= 0, aty[np.maximum(first, 0)], 0.0)


def read_duals(h: highspy.Highs, arr: LpArrays) -> np.ndarray:
    """Row duals in the value convention (objective gained per unit of rhs), sign checked."""
    sol = h.getSolution()
    row_dual = np.asarray(sol.row_dual, dtype=float)
    col_dual = np.asarray(sol.col_dual, dtype=float)
    return value_sign(arr.cost, arr.a.T @ row_dual + col_dual) * row_dual
