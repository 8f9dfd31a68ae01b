"""Every number of the model, with its unit, allowed range and source: the parameter set.

Defaults live in ``sim/data/parameters.toml`` (one table per dotted path, OpenFisca style) so a
policymaker can read *why* a fund asks 365 baht a year. Code never hides a constant: it reads
``params["benefits.funeral.base_thb"]``. Scenarios and sweeps change values only through
:meth:`ParameterSet.with_overrides`, which checks each value against the declared type, length
and range, so a typo or an impossible value fails loudly with the file and key named instead of
silently running a different model.
"""

from __future__ import annotations

import difflib
import math
import numbers
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import SimError
from sim.inputs.references import cited_tags

__all__ = [
    "CONSISTENCY_RULES",
    "STATUSES",
    "Parameter",
    "ParameterSet",
    "default_parameters",
    "did_you_mean",
    "flatten_overrides",
    "format_value",
    "load_definitions",
]

STATUSES = ("sourced", "derived", "assumed", "fitted", "general knowledge")
_FIELDS = ("value", "unit", "range", "band", "band_reason", "choices", "source", "status", "description")
_REQUIRED = ("value", "unit", "source", "status", "description")


class _Invalid(ValueError):
    """A value that does not fit its parameter; turned into a SimError naming file and key."""


@dataclass(frozen=True)
class Parameter:
    """The declaration of one parameter: default, unit, bounds, choices and where it comes from.

    ``value`` is the default: bool, int, float, str (one of ``choices``) or, for values by band,
    a tuple of floats. ``low`` and ``high`` bound every element; they are None for booleans and
    choices.

    ``band`` is the *plausible* ``(low, high)`` of an assumed number, narrower than its allowed
    ``range`` (which only says what the model can run), with ``band_reason`` saying why: the
    studies that explore deep uncertainty draw worlds from it (``sim.studies.decision``).
    None where no band is declared.
    """

    path: str
    value: Any
    unit: str
    low: float | None
    high: float | None
    choices: tuple[str, ...] | None
    source: str
    status: str
    description: str
    band: tuple[float, float] | None = None
    band_reason: str = ""

    @property
    def kind(self) -> str:
        """One of ``bool``, ``int``, ``float``, ``choice``, ``list`` (taken from the default)."""
        if isinstance(self.value, bool):
            return "bool"
        if isinstance(self.value, int):
            return "int"
        if isinstance(self.value, float):
            return "float"
        if isinstance(self.value, str):
            return "choice"
        return "list"

    @property
    def length(self) -> int | None:
        """Number of elements of a list parameter (7 age bands, 6 tenure bands …), else None."""
        return len(self.value) if self.kind == "list" else None

    @property
    def tags(self) -> list[str]:
        """Reference tags cited in ``source`` (e.g. ``["S23"]``)."""
        return cited_tags(self.source)

    def range_text(self) -> str:
        """The allowed values as a policymaker reads them: ``[100, 300]`` or ``rule | lp``."""
        if self.choices is not None:
            return " | ".join(self.choices)
        if self.kind == "bool":
            return "true | false"
        if self.low is None or self.high is None:
            return ""
        return f"[{format_value(self.low)}, {format_value(self.high)}]"

    def band_text(self) -> str:
        """The plausible band as written in the file (``[50_000, 300_000]``), or empty."""
        if self.band is None:
            return ""
        return f"[{format_value(self.band[0])}, {format_value(self.band[1])}]"

    def expected(self) -> str:
        """What a valid value looks like, for error messages."""
        kind = self.kind
        if kind == "bool":
            return "true or false"
        if kind == "choice":
            return "one of " + ", ".join(f'"{c}"' for c in self.choices or ())
        if kind == "int":
            return f"a whole number in {self.range_text()}"
        if kind == "float":
            return f"a number in {self.range_text()}"
        return f"a list of {self.length} numbers ({self.unit}), each in {self.range_text()}"


# --------------------------------------------------------------------------- value checks


def format_value(value: Any) -> str:
    """A value as it would be written in a TOML file (``true``, ``250``, ``0.015``, ``[1, 2]``)."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, numbers.Integral):
        return _whole(int(value))
    if isinstance(value, numbers.Real):
        v = float(value)
        if math.isfinite(v) and v.is_integer() and abs(v) < 1e16:
            return _whole(int(v))
        return repr(v)
    if isinstance(value, np.ndarray | list | tuple):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return repr(value)


def _whole(number: int) -> str:
    """Whole numbers from 10,000 up with TOML digit separators (``75_000_000``), easier to read."""
    return f"{number:_}" if abs(number) >= 10_000 else str(number)


def _describe(value: Any) -> str:
    """Name a wrong value's type in plain words."""
    if isinstance(value, bool | np.bool_):
        return f"{format_value(value)} (true/false)"
    if isinstance(value, str):
        return f'text "{value}"'
    if isinstance(value, numbers.Real):
        return f"the number {format_value(value)}"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple | np.ndarray):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    return f"{type(value).__name__} {value!r}"


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _check_number(param: Parameter, value: Any, *, integer: bool, element: str = "") -> int | float:
    """One number: finite, the right kind (whole numbers for int parameters), inside the range."""
    what = f"element {element}: " if element else ""
    if not _is_number(value):
        raise _Invalid(f"expected {param.expected()}, got {what}{_describe(value)}")
    try:
        number = float(value)
    except OverflowError:  # a whole number beyond any float (TOML integers have no limit)
        raise _Invalid(
            f"{what}a {len(str(abs(int(value))))}-digit number is outside the range "
            f"{param.range_text()} ({param.unit})"
        ) from None
    if not math.isfinite(number):
        raise _Invalid(
            f"{what}{format_value(number)} is not a finite number; expected {param.expected()}"
        )
    result: int | float = number
    if integer:
        if not number.is_integer():
            raise _Invalid(f"{what}expected a whole number, got {format_value(value)}")
        result = int(number)
    if param.low is not None and param.high is not None and not param.low <= number <= param.high:
        raise _Invalid(
            f"{what}{format_value(value)} is outside the range {param.range_text()} ({param.unit})"
        )
    return result


def _coerce(param: Parameter, value: Any) -> Any:
    """The canonical value (int/float/bool/str, list of floats) or _Invalid saying what was expected."""
    kind = param.kind
    if kind == "bool":
        if not isinstance(value, bool | np.bool_):
            raise _Invalid(f"expected true or false, got {_describe(value)}")
        return bool(value)
    if kind == "choice":
        choices = param.choices or ()
        if not isinstance(value, str):
            raise _Invalid(f"expected {param.expected()}, got {_describe(value)}")
        if value not in choices:
            close = difflib.get_close_matches(value, choices, n=1, cutoff=0.5)
            hint = f'; did you mean "{close[0]}"?' if close else ""
            raise _Invalid(f'"{value}" is not allowed: expected {param.expected()}{hint}')
        return value
    if kind in ("int", "float"):
        return _check_number(param, value, integer=kind == "int")
    if isinstance(value, str | Mapping) or not isinstance(value, Iterable):
        raise _Invalid(f"expected {param.expected()}, got {_describe(value)}")
    items = list(np.asarray(value).ravel()) if isinstance(value, np.ndarray) else list(value)
    if isinstance(value, np.ndarray) and value.ndim != 1:
        raise _Invalid(f"expected {param.expected()}, got an array of shape {value.shape}")
    if len(items) != param.length:
        raise _Invalid(
            f"expected a list of {param.length} numbers ({param.unit}), got {_describe(items)}"
        )
    return [
        float(_check_number(param, item, integer=False, element=f"{i + 1} of {param.length}"))
        for i, item in enumerate(items)
    ]


def did_you_mean(key: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Closest valid keys to a misspelt dotted key, also matching on its last component.

    ``benefits.hospital.per_nigth_thb`` finds ``benefits.hospital.per_night_thb``; a key with the
    right name in the wrong table (``policy.per_night_thb``) finds it through the last part.
    """
    pool = list(dict.fromkeys(candidates))
    last = key.rsplit(".", 1)[-1].lower()
    scored: list[tuple[float, str]] = []
    for cand in pool:
        full = difflib.SequenceMatcher(None, key.lower(), cand.lower()).ratio()
        tail = difflib.SequenceMatcher(None, last, cand.rsplit(".", 1)[-1].lower()).ratio()
        score = max(full, tail - 0.05 if tail >= 0.8 else 0.0)
        if score >= 0.6:
            scored.append((score, cand))
    scored.sort(key=lambda sc: (-sc[0], sc[1]))
    return [cand for score, cand in scored[:n] if score >= scored[0][0] - 0.08]


def _suggest(key: str, candidates: Iterable[str]) -> str:
    close = did_you_mean(key, candidates)
    if not close:
        return " (`welfare-sim params` lists every parameter)"
    others = f" (or {', '.join(close[1:])})" if len(close) > 1 else ""
    return f"; did you mean {close[0]}?{others}"


def flatten_overrides(overrides: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested tables to dotted paths: ``{"benefits": {"hospital": {"per_night_thb": 250}}}``
    becomes ``{"benefits.hospital.per_night_thb": 250}``; dotted keys pass through unchanged.

    No parameter holds a table, so every mapping value is a group to descend into.
    """
    flat: dict[str, Any] = {}
    for key, value in overrides.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            flat.update(flatten_overrides(value, path))
        else:
            flat[path] = value
    return flat


# ------------------------------------------------------------------------ the definitions


def _definition(path: str, table: dict[str, Any], where: str) -> Parameter:
    """Check one table of the parameter file and build its Parameter."""

    def fail(message: str) -> SimError:
        return SimError(message, path=where, where=f"[{path}]")

    unknown = sorted(set(table) - set(_FIELDS))
    if unknown:
        raise fail(f"unknown field {unknown[0]!r}; a parameter has {', '.join(_FIELDS)}")
    missing = [f for f in _REQUIRED if f not in table]
    if missing:
        raise fail(f"missing {', '.join(missing)}")
    for name in ("unit", "source", "status", "description"):
        if not isinstance(table[name], str) or not table[name].strip():
            raise fail(f"{name} must be non-empty text")
    if table["status"] not in STATUSES:
        raise fail(f"status {table['status']!r} is not one of {', '.join(STATUSES)}")

    value = table["value"]
    low = high = None
    choices = None
    if isinstance(value, list):
        if not value or not all(_is_number(v) for v in value):
            raise fail("a list value must hold numbers")
        value = tuple(float(v) for v in value)
    elif isinstance(value, str):
        if "choices" not in table:
            raise fail("a text value needs choices")
        raw = table["choices"]
        if not isinstance(raw, list) or not raw or not all(isinstance(c, str) for c in raw):
            raise fail("choices must be a list of text")
        choices = tuple(raw)
        if value not in choices:
            raise fail(f"default {value!r} is not among its choices")
    elif not isinstance(value, bool | int | float):
        raise fail(f"value must be a number, a list of numbers, true/false or text, got {value!r}")
    if "choices" in table and not isinstance(value, str):
        raise fail("choices are only for text values")
    numeric = not isinstance(value, bool | str)
    if numeric:
        rng = table.get("range")
        if (
            not isinstance(rng, list)
            or len(rng) != 2
            or not all(_is_number(v) and math.isfinite(v) for v in rng)
            or rng[0] > rng[1]
        ):
            raise fail("range must be [low, high] with low <= high")
        low, high = rng
    elif "range" in table:
        raise fail("range is only for numbers")
    band = _band(table, value, low, high, fail)
    return Parameter(
        path=path,
        value=value,
        unit=table["unit"],
        low=low,
        high=high,
        choices=choices,
        source=table["source"],
        status=table["status"],
        description=table["description"],
        band=band,
        band_reason=table.get("band_reason", "").strip() if band is not None else "",
    )


def _band(table: dict[str, Any], value: Any, low: Any, high: Any, fail) -> tuple[float, float] | None:
    """The plausible band of a single number: inside its range, around its default, with a reason.

    A band is a belief about the world, so it must hold the default (``low <= value <= high``)
    and stay inside what the model can run (the range); ``band_reason`` says why it is that
    wide, and is required with a band and refused without one.
    """
    if "band" not in table:
        if "band_reason" in table:
            raise fail("band_reason without a band")
        return None
    if isinstance(value, bool | str | tuple):
        raise fail("a band is only for a single number (not a list, text or true/false)")
    raw = table["band"]
    if (
        not isinstance(raw, list)
        or len(raw) != 2
        or not all(_is_number(v) and math.isfinite(v) for v in raw)
        or raw[0] > raw[1]
    ):
        raise fail("band must be [low, high] with low <= high")
    b_low, b_high = float(raw[0]), float(raw[1])
    if not (low <= b_low and b_high <= high):
        raise fail(
            f"band [{format_value(raw[0])}, {format_value(raw[1])}] is not inside the range "
            f"[{format_value(low)}, {format_value(high)}]"
        )
    if not b_low <= value <= b_high:
        raise fail(
            f"band [{format_value(raw[0])}, {format_value(raw[1])}] does not hold the default "
            f"{format_value(value)}"
        )
    reason = table.get("band_reason")
    if not isinstance(reason, str) or not reason.strip():
        raise fail("a band needs band_reason: one line saying why the band is that wide")
    return b_low, b_high


def load_definitions(path: str | Path) -> dict[str, Parameter]:
    """Read a parameter file: each table holding ``value`` is one parameter, named by its path."""
    where = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise SimError(f"cannot read the parameter file: {err}", path=where) from err

    definitions: dict[str, Parameter] = {}

    def walk(table: dict[str, Any], prefix: str) -> None:
        for key, item in table.items():
            dotted = f"{prefix}.{key}" if prefix else key
            if not isinstance(item, dict):
                raise SimError(
                    "stray key outside a parameter table (each parameter is a table with value, "
                    "unit, range, source, status, description)",
                    path=where,
                    where=dotted,
                )
            if "value" in item:
                definitions[dotted] = _definition(dotted, item, where)
            else:
                walk(item, dotted)

    walk(data, "")
    if not definitions:
        raise SimError("the parameter file defines no parameters", path=where)
    return definitions


# -------------------------------------------------------------------------- the set


def _frozen(value: Any) -> Any:
    """Store list values as read-only float arrays so no caller can change a shared set."""
    if isinstance(value, list | tuple):
        arr = np.array(value, dtype=np.float64)
        arr.flags.writeable = False
        return arr
    return value


def _plain(value: Any) -> Any:
    """JSON-safe copy of a stored value."""
    if isinstance(value, np.ndarray):
        return [float(v) for v in value]
    return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float)))
    return type(a) is type(b) and a == b


class ParameterSet(Mapping[str, Any]):
    """An immutable mapping from dotted path to value, with the declarations behind it.

    ``params["benefits.funeral.base_thb"]`` gives a float (int, bool or str for those kinds;
    a read-only float64 array for values by band). Changed copies come from
    :meth:`with_overrides`, which validates every value: a run can only ever see a
    parameter set whose values all lie in their declared ranges.
    """

    __slots__ = ("_definitions", "_values")

    def __init__(self, definitions: Mapping[str, Parameter]) -> None:
        """The defaults of ``definitions``; changed copies come from :meth:`with_overrides`."""
        self._definitions: dict[str, Parameter] = dict(definitions)
        self._values: dict[str, Any] = {p: _frozen(d.value) for p, d in self._definitions.items()}

    def _copy_with(self, values: dict[str, Any]) -> ParameterSet:
        """A set sharing these (immutable) declarations with other values, without re-reading."""
        result = ParameterSet.__new__(ParameterSet)
        result._definitions = self._definitions
        result._values = values
        return result

    def __reduce__(self) -> tuple[Any, ...]:
        # Workers unpickle scenarios; rebuild so that list values come back read-only.
        return (_rebuild, (self._definitions, {k: _plain(v) for k, v in self._values.items()}))

    @classmethod
    def from_file(cls, path: str | Path) -> ParameterSet:
        """The defaults declared in a parameter file (normally use :func:`default_parameters`)."""
        return cls(load_definitions(path))

    # Mapping interface ------------------------------------------------------------------
    def __getitem__(self, path: str) -> Any:
        try:
            return self._values[path]
        except KeyError:
            raise KeyError(f"unknown parameter {path!r}{_suggest(path, self._values)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ParameterSet):
            return NotImplemented
        return self._values.keys() == other._values.keys() and all(
            _same(v, other._values[k]) for k, v in self._values.items()
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        changed = self.overrides()
        shown = ", ".join(f"{k}={format_value(v)}" for k, v in list(changed.items())[:6])
        more = ", …" if len(changed) > 6 else ""
        return f"ParameterSet({len(self)} parameters, {len(changed)} overridden: {{{shown}{more}}})"

    # declarations -----------------------------------------------------------------------
    @property
    def definitions(self) -> MappingProxyType[str, Parameter]:
        """Every declaration (unit, range, source …) by path, read-only."""
        return MappingProxyType(self._definitions)

    @property
    def groups(self) -> frozenset[str]:
        """Every proper prefix of a path (``benefits``, ``benefits.hospital`` …)."""
        return _groups(tuple(self._definitions))

    def default(self, path: str) -> Any:
        """The declared default of one parameter (lists as read-only arrays)."""
        return _frozen(self._definition(path, "<parameters>", path).value)

    def _definition(self, path: str, origin: str, where: str | None) -> Parameter:
        try:
            return self._definitions[path]
        except KeyError:
            pass
        if path.endswith(".value") and path[: -len(".value")] in self._definitions:
            head = path[: -len(".value")]
            message = (
                f"a scenario gives values directly: write {head} = … instead of a [{head}] "
                "table with value"
            )
        elif path in self.groups:
            children = sorted(
                p[len(path) + 1 :] for p in self._definitions if p.startswith(path + ".")
            )
            message = f"{path} is a group of parameters ({', '.join(children[:8])}{', …' if len(children) > 8 else ''}), not a single value"
        else:
            message = f"unknown parameter {path}{_suggest(path, self._definitions)}"
        raise SimError(message, path=origin, where=where if where != path else None)

    # validation -------------------------------------------------------------------------
    def coerce(
        self, path: str, value: Any, *, origin: str = "<overrides>", where: str | None = None
    ) -> Any:
        """Check one override and return its canonical form (lists as lists of floats).

        Unknown paths get a did-you-mean; wrong types say what was expected; numbers outside
        the range name the value and the range. ``where`` is the place shown in the error
        (default: the path; a scenario adds the line number).
        """
        where = where or path
        definition = self._definition(path, origin, where)
        try:
            return _coerce(definition, value)
        except _Invalid as err:
            raise SimError(str(err), path=origin, where=where) from None

    def validate_overrides(self, overrides: Mapping[str, Any], origin: str) -> None:
        """Raise SimError for the first override that does not fit, or for an inconsistent result."""
        self.with_overrides(overrides, origin=origin)

    def with_overrides(
        self, overrides: Mapping[str, Any], *, origin: str = "<overrides>"
    ) -> ParameterSet:
        """A copy with some values changed, each validated (nested tables are flattened first)."""
        values = dict(self._values)
        for path, value in flatten_overrides(overrides).items():
            values[path] = _frozen(self.coerce(path, value, origin=origin))
        result = self._copy_with(values)
        result.check_consistency(origin)
        return result

    def check_consistency(self, origin: str = "<parameters>") -> None:
        """Rules across parameters that single ranges cannot express (shares sum to at most 1 …)."""
        for paths, ok, message in CONSISTENCY_RULES:
            if all(p in self._values for p in paths) and not ok(*(self._values[p] for p in paths)):
                shown = ", ".join(f"{p} = {format_value(self._values[p])}" for p in paths)
                raise SimError(f"{message} ({shown})", path=origin, where=" / ".join(paths))

    # views ------------------------------------------------------------------------------
    def overrides(self) -> dict[str, Any]:
        """The values that differ from the declared defaults (JSON-safe)."""
        return {
            path: _plain(value)
            for path, value in self._values.items()
            if not _same(value, _frozen(self._definitions[path].value))
        }

    def to_dict(self) -> dict[str, Any]:
        """Every value by path, JSON-safe (lists of floats), for run manifests."""
        return {path: _plain(value) for path, value in self._values.items()}

    def to_frame(self) -> pd.DataFrame:
        """One row per parameter: path, value, unit, low, high, source, status, description."""
        rows = [
            {
                "path": path,
                "value": _plain(self._values[path]),
                "unit": d.unit,
                "low": d.low,
                "high": d.high,
                "source": d.source,
                "status": d.status,
                "description": d.description,
            }
            for path, d in self._definitions.items()
        ]
        return pd.DataFrame(
            rows,
            columns=["path", "value", "unit", "low", "high", "source", "status", "description"],
        )


def _rebuild(definitions: dict[str, Parameter], values: dict[str, Any]) -> ParameterSet:
    result = ParameterSet(definitions)
    result._values = {k: _frozen(v) for k, v in values.items()}
    return result


@cache
def _groups(paths: tuple[str, ...]) -> frozenset[str]:
    out: set[str] = set()
    for path in paths:
        parts = path.split(".")
        out.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return frozenset(out)


def _shares_fit(*shares: float) -> bool:
    return sum(shares) <= 1.0 + 1e-9


def _not_all_zero(arr: np.ndarray) -> bool:
    return bool(np.sum(arr) > 0)


#: Rules across parameters: (paths, check taking their values, message when it fails).
def _age_shares_fit(shares: Any, share_60_plus: float) -> bool:
    """The 60+ rescaling needs some 60+ people and enough 25-59s to absorb the difference."""
    v = [float(x) for x in shares]
    total = sum(v)
    if total <= 0:
        return True  # reported by the all-zero rule
    old, mid = sum(v[4:]) / total, sum(v[2:4]) / total
    return old > 0 and mid > 0 and mid + old - share_60_plus > 0


CONSISTENCY_RULES: list[tuple[tuple[str, ...], Any, str]] = [
    (
        ("policy.region_share", "policy.province_group_share", "policy.mentor_share"),
        _shares_fit,
        "the region, province-group and mentor shares add up to more than 1",
    ),
    (
        ("start.founded_year_first", "start.founded_year_last"),
        lambda first, last: first <= last,
        "founded_year_first is after founded_year_last",
    ),
    (
        ("status.dormant_ratio", "status.weak_ratio", "status.strong_ratio"),
        lambda dormant, weak, strong: dormant <= weak <= strong,
        "the status thresholds must rise: dormant_ratio <= weak_ratio <= strong_ratio",
    ),
    (("population.age_share",), _not_all_zero, "the population age shares are all zero"),
    (
        ("population.age_share", "population.share_60_plus"),
        _age_shares_fit,
        "the age shares must have people aged 60+ and enough aged 25-59 to give or take the "
        "difference to share_60_plus",
    ),
    (
        ("membership.reach_new", "membership.reach_max"),
        lambda new, most: new <= most,
        "a trusted fund must reach at least as far as a new one: reach_new <= reach_max",
    ),
    (("start.member_age_share",), _not_all_zero, "the member age shares are all zero"),
    (("start.programme_group_shares",), _not_all_zero, "the programme-group shares are all zero"),
]


def default_parameters_path() -> Path:
    """Where the package's defaults live."""
    return Path(str(files("sim") / "data" / "parameters.toml"))


@cache
def default_parameters() -> ParameterSet:
    """The declared defaults, loaded and checked once per process."""
    return ParameterSet.from_file(default_parameters_path())


# ------------------------------------------------------------------------------- CLI


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
