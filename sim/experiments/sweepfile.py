"""Reading a sweep file (TOML), strictly: every mistake is named with its file and key.

Strict because a typo in a sweep is costly: `replicate = 30` silently ignored would run one
replicate overnight. Unknown keys get a "did you mean" from the valid ones.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from sim.errors import SimError
from sim.experiments.designs import (
    DESIGN_KINDS,
    MAX_REPLICATES,
    MAX_SEED,
    DesignSpec,
    IntRange,
    Levels,
    Parameter,
    Range,
)
from sim.inputs.scenario import locate_scenario, places_looked
from sim.inputs.tomlfile import read_toml

KNOWN_OUTPUTS = ("summary", "fund_years", "unit_years")
TOP_KEYS = ("name", "description", "base", "replicates", "seed", "outputs", "design", "parameters")
DESIGN_KEYS = ("kind", "samples", "levels", "grid_levels", "second_order", "seed")
PARAMETER_KEYS = ("path", "description", "levels", "low", "high", "type")
PARAMETER_TYPES = ("float", "int")


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    return {int: "integer", float: "number", str: "string", list: "array", dict: "table"}.get(
        type(value), type(value).__name__
    )


def did_you_mean(word: str, options: tuple[str, ...] | list[str]) -> str:
    """'; did you mean 'x'?' for the closest option, else the list of options."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; valid: {', '.join(options)}"


class _Reader:
    """Typed access to one TOML table, with errors that name the file and the key."""

    def __init__(self, file: str):
        self.file = file

    def error(self, where: str, message: str) -> SimError:
        return SimError(message, path=self.file, where=where)

    def check_keys(self, table: dict[str, Any], allowed: tuple[str, ...], prefix: str) -> None:
        for key in table:
            if key not in allowed:
                raise self.error(f"{prefix}{key}", "unknown key" + did_you_mean(key, allowed))

    def value(
        self,
        table: dict[str, Any],
        key: str,
        prefix: str,
        kinds: tuple[type, ...],
        expected: str,
        default: Any = None,
        required: bool = False,
    ) -> Any:
        if key not in table:
            if required:
                raise self.error(f"{prefix}{key}", f"missing; give {expected}")
            return default
        value = table[key]
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            raise self.error(
                f"{prefix}{key}", f"must be {expected}, got {_type_name(value)} {value!r}"
            )
        return value

    def integer(
        self,
        table: dict[str, Any],
        key: str,
        prefix: str = "",
        *,
        default: Any = None,
        minimum: int | None = None,
        maximum: int | None = None,
        required: bool = False,
    ) -> Any:
        value = self.value(table, key, prefix, (int,), "an integer", default, required)
        if value is not None and minimum is not None and value < minimum:
            raise self.error(f"{prefix}{key}", f"must be at least {minimum}, got {value}")
        if value is not None and maximum is not None and value > maximum:
            raise self.error(f"{prefix}{key}", f"must be at most {maximum:_}, got {value:_}")
        return value

    def choice(
        self, table: dict[str, Any], key: str, prefix: str, options: tuple[str, ...], default: str
    ) -> str:
        value = self.value(table, key, prefix, (str,), f"one of {', '.join(options)}", default)
        if value not in options:
            raise self.error(
                f"{prefix}{key}", f"unknown value {value!r}" + did_you_mean(value, options)
            )
        return value


SWEEP_ONLY_KEYS = ("base", "parameters", "design", "outputs")
"""Top-level keys a sweep file has and a scenario file never has (its run settings sit in [run])."""


def is_sweep_file(path: str | Path) -> bool:
    """Whether `path` reads as a sweep file rather than a scenario (never raises: a file that
    cannot be read is left to the scenario reader to report)."""
    try:
        data = read_toml(path, "file").data
    except SimError:
        return False
    return any(key in data for key in SWEEP_ONLY_KEYS)


def read_sweep_file(path: str | Path) -> dict[str, Any]:
    """Parse and check a sweep file; returns the keyword arguments of `Sweep`.

    The base scenario is a path relative to the sweep file or a shipped scenario's name
    (:func:`sim.inputs.scenario.locate_scenario`) and must exist.
    """
    file = str(path)
    source = Path(path)
    data = read_toml(source, "sweep file", file).data

    r = _Reader(file)
    r.check_keys(data, TOP_KEYS, "")
    name = r.value(data, "name", "", (str,), "a string", default=source.stem)
    if not name.strip():
        raise r.error("name", "must not be empty")
    description = r.value(data, "description", "", (str,), "a string", default="")
    base_text = r.value(
        data,
        "base",
        "",
        (str,),
        'the base scenario: a shipped name or a file, e.g. base = "zone_all_2023"',
        required=True,
    )
    base, looked = locate_scenario(base_text, source.resolve().parent, origin=file, where="base")
    if base is None:
        raise r.error("base", f"base scenario not found: {places_looked(base_text, looked)}")
    if base.is_dir():
        raise r.error("base", f"is a directory, not a scenario file: {base}")
    replicates = r.integer(data, "replicates", default=1, minimum=1, maximum=MAX_REPLICATES)
    seed = r.integer(data, "seed", default=None, minimum=0, maximum=MAX_SEED)

    outputs = r.value(data, "outputs", "", (list,), "an array of table names", default=["summary"])
    for i, table in enumerate(outputs):
        if not isinstance(table, str):
            raise r.error(
                f"outputs[{i}]", f"must be a table name, got {_type_name(table)} {table!r}"
            )
        if table not in KNOWN_OUTPUTS:
            raise r.error(
                f"outputs[{i}]", f"unknown output {table!r}" + did_you_mean(table, KNOWN_OUTPUTS)
            )
    if len(set(outputs)) != len(outputs):
        raise r.error("outputs", f"lists a table twice: {outputs}")

    design = _read_design(
        r, r.value(data, "design", "", (dict,), "a table ([design] with kind = …)", default={})
    )
    raw_parameters = r.value(
        data, "parameters", "", (list,), "an array of tables ([[parameters]])", required=True
    )
    if not raw_parameters:
        raise r.error("parameters", "at least one [[parameters]] entry is needed")
    parameters = [_read_parameter(r, t, i) for i, t in enumerate(raw_parameters)]
    seen: dict[str, int] = {}
    for i, p in enumerate(parameters):
        if p.path in seen:
            raise r.error(
                f"parameters[{i}].path",
                f"{p.path!r} is already declared in parameters[{seen[p.path]}]",
            )
        seen[p.path] = i
    return {
        "name": name,
        "description": description,
        "base": base,
        "parameters": parameters,
        "design": design,
        "replicates": replicates,
        "seed": seed,
        "outputs": tuple(outputs),
        "source": file,
    }


def _read_design(r: _Reader, table: dict[str, Any]) -> DesignSpec:
    p = "design."
    r.check_keys(table, DESIGN_KEYS, p)
    kind = r.choice(table, "kind", p, DESIGN_KINDS, default="full_factorial")
    settings = {
        "samples": r.integer(table, "samples", p, minimum=1),
        "levels": r.integer(table, "levels", p, minimum=2),
        "grid_levels": r.integer(table, "grid_levels", p, default=4, minimum=2),
        "second_order": r.value(table, "second_order", p, (bool,), "true or false", default=False),
        "seed": r.integer(table, "seed", p, minimum=0),
    }
    try:
        return DesignSpec(kind, **settings)
    except SimError as err:
        raise SimError(str(err), path=r.file) from None


def _read_parameter(r: _Reader, table: Any, i: int) -> Parameter:
    p = f"parameters[{i}]."
    if not isinstance(table, dict):
        raise r.error(f"parameters[{i}]", f"must be a table, got {_type_name(table)}")
    r.check_keys(table, PARAMETER_KEYS, p)
    path = r.value(
        table, "path", p, (str,), 'a parameter path, e.g. path = "policy.zone_share"', required=True
    )
    r.value(table, "description", p, (str,), "a string")
    levels = table.get("levels")
    try:
        if isinstance(levels, list):
            extra = [k for k in ("low", "high", "type") if k in table]
            if extra:
                raise r.error(
                    f"{p}{extra[0]}", f"give either a list of levels or low/high, not both ({path})"
                )
            return Levels(path, tuple(levels))
        if levels is not None and (isinstance(levels, bool) or not isinstance(levels, int)):
            raise r.error(
                f"{p}levels",
                "must be an array of values, or a count of levels with "
                f"low and high; got {_type_name(levels)} {levels!r}",
            )
        if "low" not in table or "high" not in table:
            missing = "low" if "low" not in table else "high"
            raise r.error(f"{p}{missing}", f"missing; give levels = [...] or low and high ({path})")
        kind = r.choice(table, "type", p, PARAMETER_TYPES, default="float")
        count = r.integer(table, "levels", p, minimum=2)
        if kind == "int":
            low = r.value(table, "low", p, (int,), 'an integer (type = "int")')
            high = r.value(table, "high", p, (int,), 'an integer (type = "int")')
            if low >= high:
                raise r.error(f"{p}low", f"low ({low}) must be below high ({high}) ({path})")
            return IntRange(path, low, high, count)
        low = r.value(table, "low", p, (int, float), "a number")
        high = r.value(table, "high", p, (int, float), "a number")
        if low >= high:
            raise r.error(f"{p}low", f"low ({low}) must be below high ({high}) ({path})")
        return Range(path, float(low), float(high), count)
    except SimError as err:
        if err.path:
            raise
        raise SimError(str(err), path=r.file, where=f"parameters[{i}]") from None
