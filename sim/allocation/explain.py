"""From a solver's raw numbers to an explained answer: binding constraints and shadow prices.

Both model paths name their constraint rows with :func:`core_rows` (same names, same order) and
hand back raw row duals; :func:`value_sign` turns them into the one documented convention
("value of one more baht", see :class:`AllocationResult`) by checking the stationarity
condition ``s * c = A^T y + d`` at run time, so a solver or PuLP version that reports duals
of the negated (minimisation) problem is corrected rather than trusted.

Floors and caps are column bounds in the models, not rows; their shadow prices come from the
unit's price of money ``q_u = (A^T pi)_u`` (what a baht in that unit costs through the budget,
share and equity rows): raising a binding floor by a baht changes the objective by
``min(0, slope just above overhead - q_u)``, raising a binding cap by
``max(0, slope just beyond the cap - q_u)``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from sim.allocation.problem import LEVELS, Prepared
from sim.allocation.result import AllocationResult


def safe_name(text: object) -> str:
    """A name LP/MPS files accept (letters, digits, underscore)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", str(text))[:40]


def core_rows(prep: Prepared) -> list[tuple[str, str, str]]:
    """(name, group, sense) of the rows both builders write, in the order they write them."""
    rows = [("budget", "budget", "=" if prep.spend_all else "<=")]
    rows += [(f"share_min_{lv}", "level_share", ">=") for lv in LEVELS if lv in prep.share_min]
    rows += [(f"share_max_{lv}", "level_share", "<=") for lv in LEVELS if lv in prep.share_max]
    if prep.equity is not None:
        rows.append(("equity_total", "definition", "="))
        for p in prep.provinces:
            rows += [(f"equity_low_{safe_name(p)}", "equity", ">=")]
            rows += [(f"equity_high_{safe_name(p)}", "equity", "<=")]
    return rows


def value_sign(cost: np.ndarray, aty_plus_d: np.ndarray) -> float:
    """+1 if duals are already "value of one more unit of rhs" for the maximisation, else -1.

    At an optimum ``s * c = A^T y + d`` holds column by column, with ``s = +1`` when the
    solver reports duals of max c'x and ``s = -1`` when it reports those of min -c'x.
    """
    dot = float(np.dot(cost, aty_plus_d))
    return -1.0 if dot < 0 else 1.0


def cumulative_starts(lengths: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        ends = np.cumsum(lengths, axis=1)
    return np.concatenate([np.zeros((lengths.shape[0], 1)), ends[:, :-1]], axis=1)


def curve_value(lengths: np.ndarray, slopes: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Value of each unit's concave curve at ``z`` baht above overhead (segments filled in order)."""
    starts = cumulative_starts(lengths)
    fill = np.clip(z[:, None] - starts, 0.0, lengths)
    fill = np.where(np.isnan(fill), 0.0, fill)
    return (slopes * fill).sum(axis=1)


def right_slope(lengths: np.ndarray, slopes: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Slope of the segment the next baht above ``at`` would fill; 0 past the last segment."""
    ends = np.cumsum(lengths, axis=1)
    tol = 1e-9 * np.maximum(1.0, np.abs(at)) + 1e-6
    ahead = ends > (at + tol)[:, None]
    has = ahead.any(axis=1)
    idx = ahead.argmax(axis=1)
    return np.where(has, slopes[np.arange(len(at)), idx], 0.0)


def clean_money(prep: Prepared, z: np.ndarray, funded: np.ndarray) -> np.ndarray:
    """Money above overhead with solver noise removed: 0 for unfunded, within [0, room]."""
    z = np.clip(np.asarray(z, dtype=float), 0.0, prep.room)
    tol = 1e-9 * max(1.0, prep.budget)
    z[z < tol] = 0.0
    return np.where(funded, z, 0.0)


def _row_values(prep: Prepared, amounts: np.ndarray) -> dict[str, tuple[float, float]]:
    """lhs and rhs (baht) of each core row, computed from the amounts rather than the solver."""
    total = amounts.sum()
    values = {"budget": (total, prep.budget)}
    for lv, share in prep.share_min.items():
        values[f"share_min_{lv}"] = (amounts[prep.level == lv].sum(), share * total)
    for lv, share in prep.share_max.items():
        values[f"share_max_{lv}"] = (amounts[prep.level == lv].sum(), share * total)
    if prep.equity is not None:
        low, high = prep.equity
        t = amounts[prep.unit_province >= 0].sum()
        values["equity_total"] = (t, t)
        weight = prep.province_population / prep.province_population.sum()
        for i, p in enumerate(prep.provinces):
            here = amounts[prep.unit_province == i].sum()
            values[f"equity_low_{safe_name(p)}"] = (here, low * weight[i] * t)
            values[f"equity_high_{safe_name(p)}"] = (here, high * weight[i] * t)
    return values


def binding_tolerance(prep: Prepared) -> float:
    return 1e-7 * max(1.0, prep.budget) + 1e-6


def constraint_table(
    prep: Prepared,
    z: np.ndarray,
    funded: np.ndarray,
    row_price: dict[str, float],
    unit_price: np.ndarray,
    floor_slope: np.ndarray,
    beyond_cap_slope: np.ndarray,
) -> pd.DataFrame:
    """One row per constraint: lhs, rhs, slack, binding and shadow price (value of one more baht)."""
    amounts = np.where(funded, prep.overhead + z, 0.0)
    tol = binding_tolerance(prep)
    values = _row_values(prep, amounts)
    records = []
    for name, group, sense in core_rows(prep):
        if group == "definition":
            continue
        lhs, rhs = values[name]
        slack = lhs - rhs if sense == ">=" else rhs - lhs
        binding = sense == "=" or slack <= tol
        price = row_price.get(name, 0.0)
        records.append((name, group, sense, None, lhs, rhs, slack, binding, price))

    room = prep.room
    for i in np.nonzero(funded)[0]:
        uid = prep.unit_ids[i]
        at_floor = z[i] <= tol
        price = min(0.0, floor_slope[i] - unit_price[i]) if at_floor else 0.0
        records.append(
            (
                f"floor_{uid}",
                "floor",
                ">=",
                uid,
                amounts[i],
                prep.overhead[i],
                z[i],
                at_floor,
                price,
            )
        )
        if np.isfinite(prep.cap[i]):
            at_cap = z[i] >= room[i] - tol
            price = max(0.0, beyond_cap_slope[i] - unit_price[i]) if at_cap else 0.0
            slack = prep.cap[i] - amounts[i]
            records.append(
                (f"cap_{uid}", "cap", "<=", uid, amounts[i], prep.cap[i], slack, at_cap, price)
            )
    columns = [
        "name",
        "group",
        "sense",
        "unit_id",
        "lhs",
        "rhs",
        "slack",
        "binding",
        "shadow_price",
    ]
    table = pd.DataFrame.from_records(records, columns=columns)
    table["binding"] = table["binding"].astype(bool)
    return table


def objective_terms(prep: Prepared, z: np.ndarray, funded: np.ndarray | None = None) -> dict[str, float]:
    """The objective split into its goals (extra goals unweighted, so they read as counts);
    ``funding_value`` is the sum of the funded units' values of being funded."""
    terms = {"people_protected": float(curve_value(prep.seg_len, prep.seg_gain, z).sum())}
    capacity = prep.units["capacity_value_per_thb"].to_numpy(float)
    terms["capacity_value"] = float(capacity @ z)
    if prep.funding_value is not None and funded is not None and prep.funding_value.any():
        terms["funding_value"] = float(prep.funding_value[np.asarray(funded, bool)].sum())
    for name, values in prep.goals.items():
        terms[f"goal:{name}"] = float(values @ z)
    return terms


def build_result(
    prep: Prepared,
    z: np.ndarray,
    funded: np.ndarray,
    row_price: dict[str, float],
    unit_price: np.ndarray,
    *,
    solver: str,
    status: str,
    seconds: float,
    marginal: np.ndarray | None = None,
    floor_slope: np.ndarray | None = None,
    beyond_cap_slope: np.ndarray | None = None,
    objective: float | None = None,
) -> AllocationResult:
    """Assemble the result from money above overhead ``z`` and value-convention duals.

    The slopes default to the plain (single-curve) model; the robust model passes its
    scenario-weighted slopes instead.
    """
    funded = np.asarray(funded, dtype=bool)
    z = clean_money(prep, z, funded)
    if marginal is None:
        marginal = right_slope(prep.seg_len, prep.seg_value, z)
    if floor_slope is None:
        floor_slope = right_slope(prep.raw_len, prep.seg_value, np.zeros(prep.n))
    if beyond_cap_slope is None:
        beyond_cap_slope = right_slope(
            prep.raw_len, prep.seg_value, np.where(np.isfinite(prep.room), prep.room, 0.0)
        )
    marginal = np.where(funded, marginal, 0.0)
    terms = objective_terms(prep, z, funded)
    if objective is None:
        objective = (
            terms["people_protected"]
            + terms["capacity_value"]
            + terms.get("funding_value", 0.0)
            + sum(w * terms[f"goal:{g}"] for g, w in prep.goal_weights.items())
        )
    index = pd.Index(prep.unit_ids, name="unit_id")
    amounts = np.where(funded, prep.overhead + z, 0.0)
    return AllocationResult(
        amounts_thb=pd.Series(amounts, index=index, name="amount_thb"),
        funded=pd.Series(funded, index=index, name="funded"),
        objective=float(objective),
        gain_people=terms["people_protected"],
        constraints=constraint_table(
            prep, z, funded, row_price, unit_price, floor_slope, beyond_cap_slope
        ),
        unit_marginal_value=pd.Series(marginal, index=index, name="marginal_value"),
        solver=solver,
        status=status,
        solve_seconds=seconds,
        objective_terms=terms,
        units=prep.units,
        budget_thb=prep.budget,
    )
