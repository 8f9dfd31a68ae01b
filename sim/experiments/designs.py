"""Parameter declarations and experimental designs: a sweep is a table of points.

Designs are generated apart from running them (the EMA Workbench habit), so a design can be
looked at, saved and compared before a single run, and any executor can run it.

Every sampling design (Latin hypercube, Sobol/Saltelli, Morris) is drawn in the unit cube and
then mapped onto each parameter's values. The unit coordinates are kept because sensitivity
analysis needs them: a Morris elementary effect is measured in unit steps, so parameters with
different units and discrete levels can be ranked on one scale.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import SimError

FULL_FACTORIAL = "full_factorial"
LATIN_HYPERCUBE = "latin_hypercube"
SOBOL = "sobol"
MORRIS = "morris"
DESIGN_KINDS = (FULL_FACTORIAL, LATIN_HYPERCUBE, SOBOL, MORRIS)
SAMPLING_KINDS = (LATIN_HYPERCUBE, SOBOL, MORRIS)

# Columns the experiment machinery writes itself; a parameter path may not shadow them.
RESERVED_COLUMNS = frozenset(
    {
        "point_id",
        "run_id",
        "replicate",
        "seed",
        "sweep",
        "scenario",
        "version",
        "status",
        "wall_seconds",
    }
)
_PATH_PATTERN = re.compile(r"^[A-Za-z_][\w-]*(\.[\w-]+)*$")

# Sizes past which a sweep cannot be meant: refused at once instead of filling memory or
# running for ever (a typo such as `samples = 1e21` or `levels = 10000000`).
MAX_LEVELS = 10_000  # grid levels of one parameter (and Morris grid levels)
MAX_SAMPLES = 1_000_000  # samples of a Latin hypercube / Sobol base / Morris trajectories
MAX_POINTS = 1_000_000  # points of any design
MAX_WHOLE = 2**53  # whole-number bounds and levels beyond this do not survive floats
MAX_SEED = 2**63 - 1  # seeds are stored in signed 64-bit columns (as scenario seeds)
MAX_REPLICATES = 10_000  # as a scenario's [run] replicates
MAX_RUNS = 10_000_000  # points × replicates


def _check_path(path: Any) -> None:
    if not isinstance(path, str) or not _PATH_PATTERN.match(path):
        raise SimError(
            f"parameter path must be dotted names like 'policy.zone_share', got {path!r}"
        )
    if path in RESERVED_COLUMNS:
        raise SimError(f"parameter path {path!r} is a reserved column name")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_finite(value: Any) -> bool:
    """math.isfinite that says False (instead of raising) for integers beyond any float."""
    try:
        return math.isfinite(value) and (not isinstance(value, int) or abs(value) <= MAX_WHOLE)
    except OverflowError:
        return False


def _check_levels_count(path: str, levels: int | None) -> None:
    if levels is not None and (
        isinstance(levels, bool) or not isinstance(levels, int) or not 2 <= levels <= MAX_LEVELS
    ):
        raise SimError(
            f"{path}: levels must be an integer from 2 to {MAX_LEVELS:_}, got {levels!r}"
        )


@dataclass(frozen=True)
class Range:
    """A continuous parameter, uniform between `low` and `high`.

    `levels` is only used by a full-factorial design, which needs a finite grid:
    ``levels = n`` gives ``numpy.linspace(low, high, n)``.
    """

    path: str
    low: float
    high: float
    levels: int | None = None

    def __post_init__(self) -> None:
        _check_path(self.path)
        for name in ("low", "high"):
            value = getattr(self, name)
            if not _is_number(value) or not _is_finite(value):
                raise SimError(f"{self.path}: {name} must be a finite number, got {value!r}")
        if not self.low < self.high:
            raise SimError(f"{self.path}: low ({self.low}) must be below high ({self.high})")
        _check_levels_count(self.path, self.levels)
        object.__setattr__(self, "low", float(self.low))
        object.__setattr__(self, "high", float(self.high))

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        return self.low + np.asarray(u, dtype=float) * (self.high - self.low)

    def grid(self, default_levels: int | None = None) -> list[float]:
        n = self.levels or default_levels
        if n is None:
            raise SimError(
                f"{self.path}: a range needs `levels = n` for a full_factorial design "
                "(or set design.levels)"
            )
        return [float(v) for v in np.linspace(self.low, self.high, n)]

    def bounds_values(self) -> list[float]:
        return [self.low, self.high]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"path": self.path, "type": "float", "low": self.low, "high": self.high}
        if self.levels is not None:
            d["levels"] = self.levels
        return d

    def describe(self) -> str:
        grid = f", {self.levels} levels" if self.levels else ""
        return f"range {self.low:g} … {self.high:g}{grid}"


@dataclass(frozen=True)
class IntRange:
    """An integer parameter, uniform over ``low, low + 1, …, high`` (both included).

    A full-factorial design takes every integer unless `levels` asks for an evenly spaced
    subset (rounded).
    """

    path: str
    low: int
    high: int
    levels: int | None = None

    def __post_init__(self) -> None:
        _check_path(self.path)
        for name in ("low", "high"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise SimError(f"{self.path}: {name} must be an integer, got {value!r}")
            if abs(int(value)) > MAX_WHOLE:
                raise SimError(f"{self.path}: {name} must lie within ±2**53, got {value!r}")
        if not self.low < self.high:
            raise SimError(f"{self.path}: low ({self.low}) must be below high ({self.high})")
        _check_levels_count(self.path, self.levels)
        object.__setattr__(self, "low", int(self.low))
        object.__setattr__(self, "high", int(self.high))

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        span = self.high - self.low + 1
        values = self.low + np.floor(np.asarray(u, dtype=float) * span)
        return np.clip(values, self.low, self.high).astype(np.int64)

    def grid(self, default_levels: int | None = None) -> list[int]:
        n = self.levels or default_levels
        if n is None or n >= self.high - self.low + 1:
            return list(range(self.low, self.high + 1))
        return sorted({int(round(v)) for v in np.linspace(self.low, self.high, n)})

    def bounds_values(self) -> list[int]:
        return [self.low, self.high]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"path": self.path, "type": "int", "low": self.low, "high": self.high}
        if self.levels is not None:
            d["levels"] = self.levels
        return d

    def describe(self) -> str:
        grid = f", {self.levels} levels" if self.levels else ""
        return f"integers {self.low} … {self.high}{grid}"


@dataclass(frozen=True)
class Levels:
    """A discrete parameter: one of the listed values (numbers, strings or booleans).

    Sampling designs pick the levels with equal probability (the unit interval is cut into
    equal slices, one per level, in the order given).
    """

    path: str
    values: tuple[Any, ...]

    def __post_init__(self) -> None:
        _check_path(self.path)
        values = tuple(v.item() if isinstance(v, np.generic) else v for v in self.values)
        if not values:
            raise SimError(f"{self.path}: levels must not be empty")
        if all(_is_number(v) for v in values):
            if not all(_is_finite(v) for v in values):
                raise SimError(
                    f"{self.path}: levels must be finite numbers (whole numbers within ±2**53)"
                )
        elif not (
            all(isinstance(v, str) for v in values) or all(isinstance(v, bool) for v in values)
        ):
            raise SimError(
                f"{self.path}: levels must be all numbers, all strings or all booleans, got {list(values)!r}"
            )
        if len(set(values)) != len(values):
            raise SimError(f"{self.path}: levels contain duplicates: {list(values)!r}")
        object.__setattr__(self, "values", values)

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        n = len(self.values)
        index = np.clip(np.floor(np.asarray(u, dtype=float) * n).astype(np.int64), 0, n - 1)
        return np.asarray(self.values, dtype=_dtype_of(self.values))[index]

    def grid(self, default_levels: int | None = None) -> list[Any]:
        return list(self.values)

    def bounds_values(self) -> list[Any]:
        return list(self.values)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "levels": list(self.values)}

    def describe(self) -> str:
        shown = ", ".join(f"{v:g}" if _is_number(v) else repr(v) for v in self.values)
        if len(self.values) > 6:
            first, last = self.values[0], self.values[-1]
            shown = f"{first!r} … {last!r} ({len(self.values)})"
        return f"levels {shown}"


Parameter = Range | IntRange | Levels


def _dtype_of(values: Sequence[Any]) -> Any:
    if all(isinstance(v, bool) for v in values):
        return bool
    if all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in values):
        return np.int64
    if all(_is_number(v) for v in values):
        return np.float64
    return object


def parameter_from_dict(d: dict[str, Any]) -> Parameter:
    """Rebuild a declaration from :meth:`to_dict` output (as stored in sweep.json)."""
    if "low" in d:
        cls = IntRange if d.get("type") == "int" else Range
        return cls(d["path"], d["low"], d["high"], d.get("levels"))
    return Levels(d["path"], tuple(d["levels"]))


@dataclass(frozen=True)
class DesignSpec:
    """How to choose the points: the design kind and its few settings.

    samples: rows of a Latin hypercube; N base samples of Sobol/Saltelli; trajectories of
    Morris. levels: default grid size for ranges in a full factorial. grid_levels: Morris
    grid (even). second_order: Sobol second-order indices (doubles the runs).
    seed: sampling seed; `None` lets the sweep use its own seed.
    """

    kind: str = FULL_FACTORIAL
    samples: int | None = None
    levels: int | None = None
    grid_levels: int = 4
    second_order: bool = False
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in DESIGN_KINDS:
            raise SimError(
                f"unknown design kind {self.kind!r}; choose one of {', '.join(DESIGN_KINDS)}",
                where="design.kind",
            )
        if self.kind in SAMPLING_KINDS:
            if self.samples is None:
                raise SimError(f"a {self.kind} design needs `samples`", where="design.samples")
            minimum = 2 if self.kind == MORRIS else 1
            if (
                isinstance(self.samples, bool)
                or not isinstance(self.samples, int)
                or not minimum <= self.samples <= MAX_SAMPLES
            ):
                raise SimError(
                    f"must be an integer from {minimum} to {MAX_SAMPLES:_}, got {self.samples!r}",
                    where="design.samples",
                )
        elif self.samples is not None:
            raise SimError(
                "a full_factorial design runs every combination of levels; "
                "`samples` does not apply",
                where="design.samples",
            )
        if self.levels is not None:
            if self.kind != FULL_FACTORIAL:
                raise SimError(
                    f"only a full_factorial design uses `levels`, not {self.kind}",
                    where="design.levels",
                )
            _check_levels_count("design", self.levels)
        if (
            isinstance(self.grid_levels, bool)
            or not isinstance(self.grid_levels, int)
            or not 2 <= self.grid_levels <= MAX_LEVELS
            or self.grid_levels % 2
        ):
            raise SimError(
                f"must be an even integer of at least 2, got {self.grid_levels!r}",
                where="design.grid_levels",
            )
        if self.seed is not None and (
            isinstance(self.seed, bool)
            or not isinstance(self.seed, int)
            or not 0 <= self.seed <= MAX_SEED
        ):
            raise SimError(
                f"must be an integer from 0 to 2**63 - 1, got {self.seed!r}", where="design.seed"
            )

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind}
        if self.samples is not None:
            d["samples"] = self.samples
        if self.levels is not None:
            d["levels"] = self.levels
        if self.kind == MORRIS:
            d["grid_levels"] = self.grid_levels
        if self.kind == SOBOL:
            d["second_order"] = self.second_order
        if self.seed is not None:
            d["seed"] = self.seed
        return d


def check_parameters(parameters: Sequence[Parameter]) -> None:
    """At least one declaration, each a Range, IntRange or Levels, no path twice."""
    if not parameters:
        raise SimError("a sweep needs at least one parameter", where="parameters")
    seen: set[str] = set()
    for p in parameters:
        if not isinstance(p, Range | IntRange | Levels):
            raise SimError(f"expected Range, IntRange or Levels, got {p!r}", where="parameters")
        if p.path in seen:
            raise SimError(f"parameter {p.path!r} is declared twice", where="parameters")
        seen.add(p.path)


def grid_size(parameter: Parameter, default_levels: int | None = None) -> int:
    """Number of values of a parameter in a full factorial, without listing a long range."""
    if isinstance(parameter, IntRange):
        n = parameter.levels or default_levels
        span = parameter.high - parameter.low + 1
        if n is None or n >= span:
            return span
    return len(parameter.grid(default_levels))


def design_size(parameters: Sequence[Parameter], spec: DesignSpec) -> int:
    """Number of points the design will have, without generating it."""
    d = len(parameters)
    if spec.kind == FULL_FACTORIAL:
        return math.prod(grid_size(p, spec.levels) for p in parameters)
    if spec.kind == LATIN_HYPERCUBE:
        return spec.samples  # type: ignore[return-value]
    if spec.kind == SOBOL:
        return spec.samples * ((2 * d + 2) if spec.second_order else (d + 2))  # type: ignore[operator]
    return spec.samples * (d + 1)  # type: ignore[operator]


def unit_problem(parameters: Sequence[Parameter]) -> dict[str, Any]:
    """The SALib problem in the unit cube (values are mapped per parameter afterwards)."""
    return {
        "num_vars": len(parameters),
        "names": [p.path for p in parameters],
        "bounds": [[0.0, 1.0]] * len(parameters),
    }


def sample_unit(parameters: Sequence[Parameter], spec: DesignSpec, seed: int) -> np.ndarray:
    """Unit-cube coordinates of a sampling design, one row per point (deterministic in seed)."""
    check_parameters(parameters)
    d = len(parameters)
    if spec.kind == LATIN_HYPERCUBE:
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=d, seed=seed).random(spec.samples)
    if spec.kind == SOBOL:
        from SALib.sample import sobol

        return sobol.sample(
            unit_problem(parameters), spec.samples, calc_second_order=spec.second_order, seed=seed
        )
    if spec.kind == MORRIS:
        from SALib.sample import morris

        return morris.sample(
            unit_problem(parameters), spec.samples, num_levels=spec.grid_levels, seed=seed
        )
    raise SimError(f"{spec.kind} is not a sampling design", where="design.kind")


def points_from_unit(parameters: Sequence[Parameter], unit: np.ndarray) -> pd.DataFrame:
    """Map unit-cube coordinates onto parameter values: the table of points."""
    columns = {p.path: p.from_unit(unit[:, j]) for j, p in enumerate(parameters)}
    return _points_frame(columns, len(unit))


def full_factorial(parameters: Sequence[Parameter], levels: int | None = None) -> pd.DataFrame:
    """Every combination of the parameters' levels; the first parameter varies slowest."""
    check_parameters(parameters)
    grids = [p.grid(levels) for p in parameters]
    rows = list(itertools.product(*grids))
    columns = {
        p.path: np.asarray([row[j] for row in rows], dtype=_dtype_of(grids[j]))
        for j, p in enumerate(parameters)
    }
    return _points_frame(columns, len(rows))


def _points_frame(columns: dict[str, np.ndarray], n: int) -> pd.DataFrame:
    frame = pd.DataFrame({"point_id": np.arange(n, dtype=np.int64), **columns})
    return frame


def latin_hypercube(parameters: Sequence[Parameter], samples: int, seed: int) -> pd.DataFrame:
    """A seeded Latin hypercube of `samples` points (scipy.stats.qmc)."""
    spec = DesignSpec(LATIN_HYPERCUBE, samples=samples)
    return points_from_unit(parameters, sample_unit(parameters, spec, seed))


def sobol(
    parameters: Sequence[Parameter], samples: int, seed: int, second_order: bool = False
) -> pd.DataFrame:
    """Saltelli's extension of the Sobol' sequence (SALib), for Sobol indices."""
    spec = DesignSpec(SOBOL, samples=samples, second_order=second_order)
    return points_from_unit(parameters, sample_unit(parameters, spec, seed))


def morris(
    parameters: Sequence[Parameter], trajectories: int, seed: int, grid_levels: int = 4
) -> pd.DataFrame:
    """Morris trajectories (SALib), for elementary-effects screening."""
    spec = DesignSpec(MORRIS, samples=trajectories, grid_levels=grid_levels)
    return points_from_unit(parameters, sample_unit(parameters, spec, seed))


def make_design(
    parameters: Sequence[Parameter], spec: DesignSpec, seed: int
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """The points of any design, and their unit coordinates (None for a full factorial).

    `seed` is used when the spec has none of its own.
    """
    if spec.kind == FULL_FACTORIAL:
        return full_factorial(parameters, spec.levels), None
    unit = sample_unit(parameters, spec, spec.seed if spec.seed is not None else seed)
    return points_from_unit(parameters, unit), unit
