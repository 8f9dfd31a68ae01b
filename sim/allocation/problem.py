"""The allocation problem as data: what the engine hands the allocator, checked before any solve.

A unit (region, province group, province, zone, mentor fund) that is funded first pays its
overhead; money above overhead buys expected gain in people protected along a concave
piecewise-linear curve, up to the unit's cap (absorptive capacity).

Curves: ``breakpoints_thb[u, k]`` is where segment ``k`` of unit ``u`` *ends*, in baht above
overhead (segment 0 starts at 0), and ``slopes[u, k]`` is its value per baht. Breakpoints are
non-decreasing (equal neighbours give an empty segment, so units with fewer segments can be
padded), slopes are non-negative and non-increasing (concave). Only the last breakpoint may be
``inf``. The curve is clipped at ``cap - overhead``; money between the last breakpoint and the
cap buys no people (slope 0) but still counts for the linear terms (capacity value, extra goals).

A unit's ``funding_value`` (objective units, may be negative) is earned once if the unit is
funded, whatever its money: what funding it is worth beyond its curve — e.g. the zone capacity
that grows with being funded, or the cost of starting or stopping a unit (a switching cost).
For a unit funded by choice it is the binary's objective coefficient in the mixed-integer
model; for a unit funded for certain it is a constant of the objective.

Equity counts a province's money as its province unit + its zones + its mentor funds; region
and province-group money is excluded from both the province and the regional average. A
province's population is its province unit's population, or, without a province unit, the sum
over its zones (or, without zones, over its mentor funds).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.errors import SimError

LEVELS = ("region", "province_group", "province", "zone", "mentor")
PROVINCIAL_LEVELS = ("province", "zone", "mentor")
FUNDED_MODES = ("yes", "no", "choose")
WHERE = "allocation problem"

_DEFAULTS = {
    "province_code": None,
    "name_th": "",
    "name_en": "",
    "cap_thb": math.inf,
    "funded": "yes",
    "capacity_value_per_thb": 0.0,
    "funding_value": 0.0,
}
_REQUIRED = ("unit_id", "level", "population", "overhead_thb")


@dataclass
class AllocationProblem:
    """One year's development-budget allocation, as the engine builds it (see module doc)."""

    units: pd.DataFrame
    breakpoints_thb: np.ndarray
    slopes: np.ndarray
    budget_thb: float
    spend_all: bool = True
    level_share_min: dict[str, float] = field(default_factory=dict)
    level_share_max: dict[str, float] = field(default_factory=dict)
    equity_ratio: tuple[float, float] | None = None
    extra_goals: dict[str, tuple[np.ndarray, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Prepared:
    """Validated arrays both model builders read, so the two paths see the same numbers."""

    problem: AllocationProblem
    units: pd.DataFrame  # with defaults filled in
    unit_ids: np.ndarray
    level: np.ndarray
    province: np.ndarray
    funded_mode: np.ndarray
    overhead: np.ndarray
    cap: np.ndarray
    population: np.ndarray
    linear_value: np.ndarray  # per baht above overhead: capacity value + weighted extra goals
    seg_len: np.ndarray  # (n, S) segment lengths clipped at cap - overhead, last = slope-0 tail
    seg_gain: np.ndarray  # (n, S) people protected per baht
    seg_value: np.ndarray  # (n, S) objective per baht = seg_gain + linear_value
    raw_len: np.ndarray  # (n, S) unclipped lengths, tail infinite: the curve beyond the cap
    goals: dict[str, np.ndarray]
    goal_weights: dict[str, float]
    provinces: tuple[str, ...]
    unit_province: np.ndarray  # index into provinces, -1 for region / province-group units
    province_population: np.ndarray
    budget: float
    spend_all: bool
    share_min: dict[str, float]
    share_max: dict[str, float]
    equity: tuple[float, float] | None
    funding_value: np.ndarray | None = None  # objective earned once per funded unit

    @property
    def n(self) -> int:
        return len(self.unit_ids)

    @property
    def funded_fixed(self) -> np.ndarray:
        return self.funded_mode == "yes"

    @property
    def choose(self) -> np.ndarray:
        return self.funded_mode == "choose"

    @property
    def room(self) -> np.ndarray:
        """Money a funded unit can take above its overhead."""
        return np.maximum(self.cap - self.overhead, 0.0)

    def with_curves(self, breakpoints_thb: np.ndarray, slopes: np.ndarray) -> Prepared:
        """The same problem with other gain curves (checked), e.g. one scenario of K."""
        bp, sl = _curves(breakpoints_thb, slopes, self.n)
        problem = dataclasses.replace(self.problem, breakpoints_thb=bp, slopes=sl)
        arrays = curve_arrays(bp, sl, self.overhead, self.cap, self.linear_value)
        return dataclasses.replace(self, problem=problem, **arrays)

    def with_funded(self, funded: np.ndarray) -> Prepared:
        """The same problem with the funded set fixed (used to read duals after the MIP)."""
        mode = np.where(np.asarray(funded, dtype=bool), "yes", "no").astype(object)
        return dataclasses.replace(self, funded_mode=mode)


def thb(x: float) -> str:
    """Baht for messages: 81,200,000."""
    return f"{x:,.0f}"


def _fail(message: str) -> SimError:
    return SimError(message, where=WHERE)


def _fill_units(units: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(units, pd.DataFrame):
        raise _fail("units must be a pandas DataFrame")
    missing = [c for c in _REQUIRED if c not in units.columns]
    if missing:
        raise _fail(f"units table lacks column(s) {', '.join(missing)}")
    units = units.reset_index(drop=True).copy()
    for col, default in _DEFAULTS.items():
        if col not in units.columns:
            units[col] = default
    units["unit_id"] = units["unit_id"].astype(str)
    dup = units["unit_id"][units["unit_id"].duplicated()].unique()
    if len(dup):
        raise _fail(f"duplicate unit_id {', '.join(map(str, dup[:5]))}")
    bad = sorted(set(units["level"]) - set(LEVELS))
    if bad:
        raise _fail(f"unknown level(s) {', '.join(map(str, bad))}; use one of {', '.join(LEVELS)}")
    units["funded"] = units["funded"].fillna("yes").astype(str).str.lower()
    bad = sorted(set(units["funded"]) - set(FUNDED_MODES))
    if bad:
        raise _fail(f"funded must be yes, no or choose, not {', '.join(bad)}")
    for col in ("population", "overhead_thb", "cap_thb", "capacity_value_per_thb"):
        values = pd.to_numeric(units[col], errors="coerce").astype(float)
        if col in _DEFAULTS:  # optional: a blank cell takes the default
            values = values.fillna(_DEFAULTS[col])
        if (
            values.isna().any()
            or (values < 0).any()
            or (np.isinf(values) & (col != "cap_thb")).any()
        ):
            uid = units["unit_id"][values.isna() | (values < 0) | np.isinf(values)].iloc[0]
            raise _fail(f"{col} must be a finite number >= 0 (unit {uid})")
        units[col] = values
    values = pd.to_numeric(units["funding_value"], errors="coerce").astype(float).fillna(0.0)
    if not np.isfinite(values).all():
        uid = units["unit_id"][~np.isfinite(values)].iloc[0]
        raise _fail(f"funding_value must be a finite number (unit {uid})")
    units["funding_value"] = values
    for col in ("name_th", "name_en"):
        units[col] = units[col].fillna("").astype(str)
    needs = units["level"].isin(PROVINCIAL_LEVELS).to_numpy()
    code = [
        str(c) if need and c is not None and not (isinstance(c, float) and math.isnan(c)) else None
        for c, need in zip(units["province_code"], needs, strict=True)
    ]
    lacking = [
        uid
        for uid, c, need in zip(units["unit_id"], code, needs, strict=True)
        if need and c is None
    ]
    if lacking:
        raise _fail(f"unit {lacking[0]} at province, zone or mentor level needs a province_code")
    units["province_code"] = pd.Series(code, index=units.index, dtype=object)
    return units


def _curves(bp: np.ndarray, sl: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    bp = np.asarray(bp, dtype=float)
    sl = np.asarray(sl, dtype=float)
    if bp.ndim != 2 or bp.shape != sl.shape or bp.shape[0] != n or bp.shape[1] < 1:
        raise _fail(
            f"breakpoints_thb and slopes must both have shape (n_units={n}, K>=1), "
            f"got {bp.shape} and {sl.shape}"
        )
    if np.isnan(bp).any() or np.isnan(sl).any():
        raise _fail("breakpoints_thb and slopes must not contain NaN")
    if np.isinf(bp[:, :-1]).any() or np.isinf(sl).any():
        raise _fail("only the last breakpoint of a unit may be infinite; slopes must be finite")
    if (bp < 0).any() or (np.diff(bp, axis=1) < 0).any():
        row = int(np.nonzero((bp < 0).any(1) | (np.diff(bp, axis=1) < 0).any(1))[0][0])
        raise _fail(f"breakpoints of unit row {row} must be >= 0 and non-decreasing")
    if (sl < 0).any():
        raise _fail(f"slopes must be >= 0 (unit row {int(np.nonzero((sl < 0).any(1))[0][0])})")
    rise = np.diff(sl, axis=1) > 1e-12 * np.maximum(1.0, np.abs(sl[:, 1:]))
    if rise.any():
        raise _fail(
            f"slopes of unit row {int(np.nonzero(rise.any(1))[0][0])} increase: the curve "
            "must be concave (non-increasing slopes)"
        )
    return bp, sl


def _shares(shares: dict[str, float], what: str) -> dict[str, float]:
    out = {}
    for level, value in (shares or {}).items():
        if level not in LEVELS:
            raise _fail(f"{what} names unknown level {level!r}")
        value = float(value)
        if not 0.0 <= value <= 1.0:
            raise _fail(f"{what}[{level}] must be a share between 0 and 1, got {value}")
        out[level] = value
    return out


def _province_tables(units: pd.DataFrame) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    code = units["province_code"].to_numpy(object)
    has = np.array([c is not None for c in code])
    provinces = tuple(sorted(set(code[has])))
    index = {p: i for i, p in enumerate(provinces)}
    unit_province = np.array([index[c] if c is not None else -1 for c in code], dtype=int)
    level = units["level"].to_numpy(object)
    people = units["population"].to_numpy(float)
    population = np.zeros(len(provinces))
    filled = np.zeros(len(provinces), dtype=bool)
    for lv in PROVINCIAL_LEVELS:  # province unit, else its zones, else its mentor funds
        here = (level == lv) & has
        sums = np.bincount(unit_province[here], weights=people[here], minlength=len(provinces))
        present = np.bincount(unit_province[here], minlength=len(provinces)) > 0
        take = present & ~filled
        population[take] = sums[take]
        filled |= present
    return provinces, unit_province, population


def curve_arrays(
    bp: np.ndarray, sl: np.ndarray, overhead: np.ndarray, cap: np.ndarray, linear: np.ndarray
) -> dict[str, np.ndarray]:
    """Segment lengths (clipped at the cap, plus the slope-0 tail) and per-baht values."""
    n = len(overhead)
    room = np.maximum(cap - overhead, 0.0)
    starts = np.concatenate([np.zeros((n, 1)), bp[:, :-1]], axis=1)
    ends_c = np.minimum(bp, room[:, None])
    starts_c = np.minimum(starts, room[:, None])
    last = bp[:, -1]
    with np.errstate(invalid="ignore"):
        tail = np.where(np.isinf(last), 0.0, room - np.minimum(last, room))
    seg_gain = np.concatenate([sl, np.zeros((n, 1))], axis=1)
    return {
        "seg_len": np.concatenate([ends_c - starts_c, tail[:, None]], axis=1),
        "raw_len": np.concatenate([bp - starts, np.full((n, 1), np.inf)], axis=1),
        "seg_gain": seg_gain,
        "seg_value": seg_gain + linear[:, None],
    }


def prepare(problem: AllocationProblem) -> Prepared:
    """Validate the problem and turn it into the arrays the model builders share."""
    units = _fill_units(problem.units)
    n = len(units)
    if n == 0:
        raise _fail("there are no units to allocate to")
    bp, sl = _curves(problem.breakpoints_thb, problem.slopes, n)
    budget = float(problem.budget_thb)
    if not math.isfinite(budget) or budget < 0:
        raise _fail(f"budget_thb must be a finite number >= 0, got {problem.budget_thb}")

    goals, weights = {}, {}
    for name, spec in (problem.extra_goals or {}).items():
        try:
            values, weight = spec
        except (TypeError, ValueError):
            raise _fail(f"extra goal {name!r} must be (per-unit values, weight)") from None
        values = np.asarray(values, dtype=float)
        if values.shape != (n,) or not np.isfinite(values).all() or not math.isfinite(weight):
            raise _fail(f"extra goal {name!r} needs {n} finite per-unit values and a finite weight")
        goals[name], weights[name] = values, float(weight)

    overhead = units["overhead_thb"].to_numpy(float)
    cap = units["cap_thb"].to_numpy(float)
    capacity = units["capacity_value_per_thb"].to_numpy(float)
    linear = capacity + sum((w * goals[g] for g, w in weights.items()), np.zeros(n))

    equity = None
    if problem.equity_ratio is not None:
        try:
            low, high = (float(v) for v in problem.equity_ratio)
        except (TypeError, ValueError):
            raise _fail("equity_ratio must be (low, high) or None") from None
        if not (math.isfinite(low) and math.isfinite(high)) or low < 0:
            raise _fail(f"equity_ratio must be two finite numbers >= 0, got {problem.equity_ratio}")
        equity = (low, high)

    provinces, unit_province, province_population = _province_tables(units)
    if equity is not None:
        empty = [p for p, pop in zip(provinces, province_population, strict=True) if pop <= 0]
        if empty:
            raise _fail(f"equity needs a population > 0 for every province; {empty[0]} has none")

    mode = units["funded"].to_numpy(object).copy()
    mode[(mode == "choose") & (cap < overhead)] = "no"  # cannot pay its own overhead

    return Prepared(
        problem=problem,
        units=units,
        unit_ids=units["unit_id"].to_numpy(object),
        level=units["level"].to_numpy(object),
        province=units["province_code"].to_numpy(object),
        funded_mode=mode,
        overhead=overhead,
        cap=cap,
        population=units["population"].to_numpy(float),
        linear_value=linear,
        **curve_arrays(bp, sl, overhead, cap, linear),
        goals=goals,
        goal_weights=weights,
        provinces=provinces,
        unit_province=unit_province,
        province_population=province_population,
        budget=budget,
        spend_all=bool(problem.spend_all),
        share_min=_shares(problem.level_share_min, "level_share_min"),
        share_max=_shares(problem.level_share_max, "level_share_max"),
        equity=equity,
        funding_value=units["funding_value"].to_numpy(float),
    )


def _by_level(prep: Prepared, amounts: np.ndarray, mask: np.ndarray) -> str:
    parts = []
    for level in LEVELS:
        here = mask & (prep.level == level)
        if here.any():
            parts.append(f"{level.replace('_', ' ')} overheads {thb(amounts[here].sum())}")
    return "; ".join(parts)


def _pct(x: float) -> str:
    return f"{100 * x:.4g}%"


def _budget_conflicts(prep: Prepared) -> list[str]:
    out = []
    fixed, maybe = prep.funded_fixed, prep.funded_fixed | prep.choose
    overheads = prep.overhead[fixed].sum()
    if overheads > prep.budget * (1 + 1e-12):
        out.append(
            f"infeasible budget: funded units' overheads sum to {thb(overheads)} THB but the "
            f"budget is {thb(prep.budget)} THB ({_by_level(prep, prep.overhead, fixed)})"
        )
    caps = prep.cap[maybe].sum()
    if prep.spend_all and caps < prep.budget * (1 - 1e-12):
        out.append(
            f"infeasible budget: spend_all requires spending {thb(prep.budget)} THB but the "
            f"caps of the units that can be funded sum to only {thb(caps)} THB"
        )
    bad = fixed & (prep.cap < prep.overhead)
    for i in np.nonzero(bad)[0][:10]:
        out.append(
            f"infeasible cap: unit {prep.unit_ids[i]} has cap {thb(prep.cap[i])} THB below its "
            f"overhead (its floor) {thb(prep.overhead[i])} THB"
        )
    if bad.sum() > 10:
        out.append(f"... and {int(bad.sum()) - 10} more units with caps below their overheads")
    return out


def _share_conflicts(prep: Prepared) -> list[str]:
    out = []
    present = [lv for lv in LEVELS if (prep.level == lv).any()]
    mins, maxs = prep.share_min, prep.share_max
    if sum(mins.values()) > 1 + 1e-12:
        parts = ", ".join(f"{lv} {_pct(v)}" for lv, v in mins.items())
        out.append(
            f"infeasible level shares: minimum shares sum to {_pct(sum(mins.values()))} ({parts}), above 100%"
        )
    if present and sum(maxs.get(lv, 1.0) for lv in present) < 1 - 1e-12:
        parts = ", ".join(f"{lv} {_pct(maxs.get(lv, 1.0))}" for lv in present)
        total = sum(maxs.get(lv, 1.0) for lv in present)
        out.append(
            f"infeasible level shares: maximum shares of the levels present sum to {_pct(total)} ({parts}), below 100%"
        )
    fixed, maybe = prep.funded_fixed, prep.funded_fixed | prep.choose
    for lv in LEVELS:
        here = prep.level == lv
        lo, hi = mins.get(lv, 0.0), maxs.get(lv, 1.0)
        if lo > hi:
            out.append(
                f"infeasible level share for {lv}: minimum {_pct(lo)} is above maximum {_pct(hi)}"
            )
        if lo > 0 and not (here & maybe).any():
            out.append(
                f"infeasible level share for {lv}: minimum {_pct(lo)} but no {lv} unit can be funded"
            )
            continue
        caps = prep.cap[here & maybe].sum()
        others = prep.overhead[~here & fixed].sum()
        if lo > 0 and prep.spend_all and caps < lo * prep.budget * (1 - 1e-12):
            out.append(
                f"infeasible level share for {lv}: at least {_pct(lo)} of the budget "
                f"({thb(lo * prep.budget)} THB) must go to level {lv} but its units' caps sum to "
                f"{thb(caps)} THB"
            )
        elif lo > 0 and not prep.spend_all and (1 - lo) * caps < lo * others * (1 - 1e-12):
            need = lo / (1 - lo) * others if lo < 1 else math.inf
            out.append(
                f"infeasible level share for {lv}: other levels' overheads of {thb(others)} THB "
                f"need at least {thb(need)} THB at level {lv} for its {_pct(lo)} minimum, "
                f"but its units' caps sum to {thb(caps)} THB"
            )
        own = prep.overhead[here & fixed].sum()
        if lv in maxs and prep.spend_all and own > hi * prep.budget * (1 + 1e-12):
            out.append(
                f"infeasible level share for {lv}: at most {_pct(hi)} of the budget "
                f"({thb(hi * prep.budget)} THB) may go to level {lv} but its funded units' "
                f"overheads sum to {thb(own)} THB"
            )
    return out


def _equity_conflicts(prep: Prepared) -> list[str]:
    if prep.equity is None:
        return []
    low, high = prep.equity
    out = []
    if low > 1:
        out.append(
            f"infeasible equity ratio: low {low:g} is above 1 (not every province can be above the average)"
        )
    if high < 1:
        out.append(
            f"infeasible equity ratio: high {high:g} is below 1 (not every province can be below the average)"
        )
    if low > high:
        out.append(f"infeasible equity ratio: low {low:g} is above high {high:g}")
    maybe = prep.funded_fixed | prep.choose
    if low > 0:
        for i, p in enumerate(prep.provinces):
            if not (maybe & (prep.unit_province == i)).any():
                out.append(
                    f"infeasible equity for province {p}: it has no unit that can be funded but "
                    f"must receive at least {low:g} x its population share"
                )
    return out


def diagnose(problem: AllocationProblem | Prepared) -> list[str]:
    """Plain conflicts, each a sentence naming the constraint and the amounts in baht.

    Run by ``solve`` before the solver so that a user sees *why*, not "infeasible".
    Malformed input (wrong shapes, NaN, non-concave curves) raises ``SimError`` instead.
    """
    prep = problem if isinstance(problem, Prepared) else prepare(problem)
    return _budget_conflicts(prep) + _share_conflicts(prep) + _equity_conflicts(prep)


def conflict_error(conflicts: list[str]) -> SimError:
    """All plain conflicts in one line, each naming its constraint and amounts."""
    return _fail("; ".join(conflicts))
