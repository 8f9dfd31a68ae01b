"""Scenario files: a small, named change over a baseline that a policymaker can copy and edit.

A scenario is a TOML file (see ``scenarios/``) with a name, a ``[run]`` table (region, start
year, years, replicates, seed), optional ``[inputs]`` (zone map, population, fund registry) and
any number of parameter tables (``[policy]``, ``[benefits.hospital]`` …) that override the
defaults of ``sim/data/parameters.toml``. ``extends = "baseline.toml"`` builds on another file,
the child winning key by key, as OpenFisca reforms build on a baseline.

Loading is strict because a silently ignored typo runs a different policy than the one the
reader believes: unknown keys, wrong types, out-of-range values, missing files and ``extends``
cycles all raise :class:`~sim.errors.SimError` naming the file, the key (with its line when it
can be found) and the closest valid key.
"""

from __future__ import annotations

import dataclasses
import numbers
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import SimError
from sim.inputs.parameters import (
    ParameterSet,
    default_parameters,
    did_you_mean,
    flatten_overrides,
    format_value,
)
from sim.inputs.tomlfile import read_toml, scan_keys

__all__ = [
    "INPUT_KEYS",
    "RUN_DEFAULTS",
    "Scenario",
    "as_scenario",
    "check_run_argument",
    "find_scenario",
    "load_scenario",
    "locate_scenario",
    "scenario_from_dict",
]

RESERVED_KEYS = ("extends", "name", "title", "description", "run", "inputs", "schedule")
RUN_DEFAULTS: dict[str, Any] = {
    "region": "isan",
    "start_year": 2023,
    "years": 10,
    "replicates": 10,
    "seed": 20230329,
}
_RUN_LIMITS = {
    "start_year": (1990, 2100),
    "years": (1, 100),
    "replicates": (1, 10_000),
    "seed": (0, 2**63 - 1),
}
INPUT_KEYS = ("zone_map", "population", "fund_registry")
REGION_NAMES = ("isan", "national")
REPO_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@dataclass(frozen=True, repr=False)
class Scenario:
    """A resolved scenario: run settings, input files and validated parameters.

    ``overrides`` are the parameter values the files set (merged along the ``extends`` chain,
    the child winning); ``params`` is the full parameter set the engine reads. ``chain`` lists
    the files read, this one first and the base last.
    """

    name: str
    title: str
    description: str
    path: Path | None
    region: str | tuple[str, ...]
    start_year: int
    years: int
    replicates: int
    seed: int
    inputs: dict[str, Path] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)
    params: ParameterSet = field(default_factory=default_parameters)
    chain: tuple[Path, ...] = ()
    schedule: dict[int, dict[str, Any]] = field(default_factory=dict)

    def params_in(self, year: int) -> ParameterSet:
        """The parameters in force in `year`: `params` plus every schedule change up to it."""
        params = self.params
        for when in sorted(self.schedule):
            if when <= year:
                params = params.with_overrides(self.schedule[when], origin=f"{self.name} schedule {when}")
        return params

    def __repr__(self) -> str:
        region = (
            self.region if isinstance(self.region, str) else "provinces " + ",".join(self.region)
        )
        return (
            f"Scenario({self.name!r}: {region} {self.start_year}+{self.years}y, "
            f"{self.replicates} replicate{'s' if self.replicates != 1 else ''}, seed {self.seed}, "
            f"{len(self.overrides)} override{'s' if len(self.overrides) != 1 else ''})"
        )

    @property
    def end_year(self) -> int:
        """The last simulated year (inclusive)."""
        return self.start_year + self.years - 1

    def with_overrides(
        self, overrides: Mapping[str, Any] | None = None, **run_fields: Any
    ) -> Scenario:
        """A copy with parameter values and/or run fields changed, validated like a file.

        Used by sweeps (``scn.with_overrides({"policy.zone_share": 0.4}, years=3)``). Run fields
        are ``name``, ``title``, ``description``, ``region``, ``start_year``, ``years``,
        ``replicates``, ``seed`` and ``inputs`` (paths relative to the working directory).
        """
        origin = f"{self.name} (overrides)"
        coerced = {
            path: self.params.coerce(path, value, origin=origin)
            for path, value in flatten_overrides(overrides or {}).items()
        }
        allowed = ("name", "title", "description", *RUN_DEFAULTS, "inputs")
        changes: dict[str, Any] = {}
        for key, value in run_fields.items():
            if key not in allowed:
                raise SimError(f"unknown scenario field {key}{_hint(key, allowed)}", path=origin)
            if key == "inputs":
                if not isinstance(value, Mapping):
                    raise SimError(
                        "inputs must be a table of file paths", path=origin, where="inputs"
                    )
                changes["inputs"] = {
                    **self.inputs,
                    **_check_inputs(value, Path.cwd(), origin, {}),
                }
            elif key in RUN_DEFAULTS:
                changes[key] = _check_run_value(key, value, origin, f"run.{key}")
            else:
                changes[key] = _check_text(key, value, origin, key)
        params = self.params.with_overrides(coerced, origin=origin)
        result = dataclasses.replace(
            self, **changes, overrides={**self.overrides, **coerced}, params=params
        )
        _check_scenario(result, origin)
        return result

    def to_dict(self) -> dict[str, Any]:
        """The resolved scenario, JSON-safe, for ``manifest.json``.

        The layout mirrors the file (``name``, ``run``, ``inputs`` …) plus the merged
        ``overrides`` (dotted paths) and every resolved value under ``parameters``. The file
        layout keys together with the overrides rebuild the scenario with
        :func:`scenario_from_dict` (dotted keys are accepted there).
        """
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "path": None if self.path is None else str(self.path),
            "chain": [str(p) for p in self.chain],
            "run": {
                "region": self.region if isinstance(self.region, str) else list(self.region),
                "start_year": self.start_year,
                "years": self.years,
                "replicates": self.replicates,
                "seed": self.seed,
            },
            "inputs": {key: str(path) for key, path in self.inputs.items()},
            "overrides": {
                path: list(value) if isinstance(value, list | tuple) else value
                for path, value in self.overrides.items()
            },
            "parameters": self.params.to_dict(),
            "schedule": [
                {"year": year, **{k: list(v) if isinstance(v, list | tuple) else v for k, v in changes.items()}}
                for year, changes in sorted(self.schedule.items())
            ],
        }


# ------------------------------------------------------------------------- reading files


def _display(path: Path) -> str:
    """A path as short as possible for messages: relative to the working directory if inside."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _read_toml(path: Path, display: str) -> tuple[dict[str, Any], str]:
    """Parse one scenario file (:func:`sim.inputs.tomlfile.read_toml`); an empty one is an error."""
    parsed = read_toml(path, "scenario file", display)
    if not parsed.text.strip():
        raise SimError(
            "empty file: a scenario needs at least a name, extends or a [run] table", path=display
        )
    if not parsed.data:
        raise SimError("the file sets nothing (only comments)", path=display)
    return parsed.data, parsed.text


# ------------------------------------------------------------------------- checking values


def _hint(key: str, candidates: Any) -> str:
    close = did_you_mean(key, candidates)
    return f"; did you mean {close[0]}?" if close else ""


def _place(key: str, lines: Mapping[str, int]) -> str:
    return f"{key} (line {lines[key]})" if key in lines else key


def _check_text(key: str, value: Any, origin: str, where: str) -> str:
    if not isinstance(value, str):
        raise SimError(
            f"expected text in quotes, got {format_value(value)}", path=origin, where=where
        )
    if key == "name" and (
        not value.strip() or re.search(r"[/\\\x00]", value) or value.startswith(".")
    ):
        raise SimError(
            f'name "{value}" names output folders: use letters, digits, _ or - (no slashes)',
            path=origin,
            where=where,
        )
    return value


@cache
def _province_codes() -> dict[str, str]:
    import geothai

    return {p.code: p.name_en for p in geothai.provinces()}


def _check_region(value: Any, origin: str, where: str) -> str | tuple[str, ...]:
    codes = _province_codes()
    example = 'expected "isan", "national" or a list of province codes such as ["40", "44"]'
    if isinstance(value, str):
        if value.strip().lower() in REGION_NAMES:
            return value.strip().lower()
        if value.strip() in codes:
            raise SimError(
                f'"{value}" is a province code: write region = ["{value.strip()}"]',
                path=origin,
                where=where,
            )
        raise SimError(f'unknown region "{value}": {example}', path=origin, where=where)
    if not isinstance(value, list | tuple):
        raise SimError(f"{example}, got {format_value(value)}", path=origin, where=where)
    if not value:
        raise SimError(f"the region list is empty: {example}", path=origin, where=where)
    seen: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise SimError(
                f'province codes are text in quotes (e.g. "40"), got {format_value(item)}',
                path=origin,
                where=where,
            )
        if item not in codes:
            ordered = sorted(codes)
            raise SimError(
                f'unknown province code "{item}" (codes run from {ordered[0]} to {ordered[-1]}; '
                "Isan is 30-49)",
                path=origin,
                where=where,
            )
        if item in seen:
            raise SimError(
                f'province code "{item}" ({codes[item]}) is listed twice', path=origin, where=where
            )
        seen.append(item)
    return tuple(sorted(seen))


def _check_run_value(key: str, value: Any, origin: str, where: str) -> Any:
    if key == "region":
        return _check_region(value, origin, where)
    low, high = _RUN_LIMITS[key]
    span = f"from {low} to {high}" if key != "seed" else "0 or more"
    expected = f"expected a whole number {span}"
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise SimError(f"{expected}, got {format_value(value)}", path=origin, where=where)
    if not isinstance(value, numbers.Integral) and not float(value).is_integer():
        raise SimError(f"{expected}, got {format_value(value)}", path=origin, where=where)
    number = int(value)
    if not low <= number <= high:
        raise SimError(
            f"{format_value(value)} is out of range: {expected}", path=origin, where=where
        )
    return number


def _resolved(path: Path, origin: str, where: str) -> Path:
    """An absolute path without symlinks; a symlink loop is the user's error, not a crash."""
    try:
        return path.resolve()
    except (RuntimeError, OSError) as err:  # RuntimeError: "Symlink loop" (Python < 3.13)
        raise SimError(f'cannot follow "{path}": {err}', path=origin, where=where) from None


def locate_scenario(
    reference: str, folder: Path, *, origin: str | None = None, where: str | None = None
) -> tuple[Path | None, list[Path]]:
    """The file a scenario reference in a file names (``extends = …``, a sweep's ``base = …``).

    A path next to the file first (as written, then with ``.toml`` added), then a shipped
    scenario of that name (``scenarios/NAME.toml``), so that a copied scenario which extends
    ``"baseline.toml"`` keeps working in any folder. Returns the file (None when there is none)
    and every place looked, in order, for the message.
    """
    given = Path(reference).expanduser()
    near = _resolved(folder / given, origin, where)  # type: ignore[arg-type]
    looked = [near]
    if near.exists():
        return near, looked
    if not given.suffix:
        looked.append(near.with_name(near.name + ".toml"))
        if looked[-1].is_file():
            return looked[-1], looked
    if len(given.parts) == 1:
        shipped = (REPO_SCENARIOS / f"{given.stem}.toml").resolve()
        if given.suffix in ("", ".toml") and shipped not in looked:
            looked.append(shipped)
            if shipped.is_file():
                return shipped, looked
    return None, looked


def places_looked(reference: str, looked: list[Path]) -> str:
    """'looked for A and B and for a shipped scenario C' (with a close shipped name, if any)."""
    shipped = [p for p in looked if p.parent == REPO_SCENARIOS.resolve()]
    near = [str(p) for p in looked if p not in shipped]
    text = f"looked for {' and '.join(near)}"
    if shipped:
        text += f" and for a shipped scenario {shipped[0]}"
        names = sorted(p.stem for p in REPO_SCENARIOS.glob("*.toml"))
        text += _hint(Path(reference).stem, names)
    return text


def check_run_argument(key: str, value: Any, flag: str) -> Any:
    """A command-line value for a [run] field (``--years``, ``--seed``, ``--replicates``),
    checked like the file's value and reported under the flag's name."""
    return _check_run_value(key, value, None, flag)  # type: ignore[arg-type]


def _check_inputs(
    table: Mapping[str, Any], base_dir: Path, origin: str, lines: Mapping[str, int]
) -> dict[str, Path]:
    inputs: dict[str, Path] = {}
    for key, value in table.items():
        where = _place(f"inputs.{key}", lines)
        if key not in INPUT_KEYS:
            raise SimError(
                f"unknown input {key}{_hint(key, INPUT_KEYS)} (inputs are {', '.join(INPUT_KEYS)})",
                path=origin,
                where=where,
            )
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if not isinstance(value, str) or not value.strip():
            raise SimError(
                f"expected a file path in quotes, got {format_value(value)}",
                path=origin,
                where=where,
            )
        resolved = _resolved(base_dir / Path(value).expanduser(), origin, where)
        if not resolved.exists():
            raise SimError(
                f'file not found: "{value}" (looked for {resolved})', path=origin, where=where
            )
        if not resolved.is_file():
            raise SimError(f'"{value}" is a directory, not a file', path=origin, where=where)
        inputs[key] = resolved
    return inputs


@dataclass
class _Layer:
    """What one file (or dict) sets, already checked, before merging along the chain."""

    origin: str
    extends: str | None = None
    texts: dict[str, str] = field(default_factory=dict)
    run: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Path] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    schedule: dict[int, dict[str, Any]] = field(default_factory=dict)


def _check_schedule(value: Any, origin: str, where: str, params: ParameterSet) -> dict[int, dict[str, Any]]:
    """`[[schedule]]` entries: a year and the parameter changes that start that year."""
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise SimError("[[schedule]] must be a list of tables, each with a year", path=origin, where=where)
    out: dict[int, dict[str, Any]] = {}
    for n, entry in enumerate(value, start=1):
        here = f"schedule entry {n}"
        if "year" not in entry:
            raise SimError("missing year (the year the changes start)", path=origin, where=here)
        year = _check_run_value("start_year", entry["year"], origin, f"{here}: year")
        if year in out:
            raise SimError(f"year {year} is scheduled twice", path=origin, where=here)
        changes = {k: v for k, v in entry.items() if k != "year"}
        flat = flatten_overrides(changes)
        if not flat:
            raise SimError(f"no parameter changes for {year}", path=origin, where=here)
        coerced = {}
        for path, v in flat.items():
            if path not in params.definitions:
                hint = _hint(path, list(params.definitions))
                raise SimError(f"unknown parameter {path}{hint}", path=origin, where=here)
            coerced[path] = params.coerce(path, v, origin=origin, where=f"{here}: {path}")
        out[year] = coerced
    return out


def _empty_tables(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    found = []
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            found.extend([path] if not value else _empty_tables(value, path))
    return found


def _parse_layer(data: Mapping[str, Any], origin: str, base_dir: Path, text: str | None) -> _Layer:
    """Check every key of one file against the reserved keys, [run], [inputs] and parameters."""
    params = default_parameters()
    lines = scan_keys(text)[0] if text else {}
    layer = _Layer(origin=origin, lines=lines)
    tables: dict[str, Any] = {}
    for key, value in data.items():
        where = _place(key, lines)
        if key == "extends":
            if not isinstance(value, str) or not value.strip():
                raise SimError(
                    f"expected a file name in quotes, got {format_value(value)}",
                    path=origin,
                    where=where,
                )
            layer.extends = value
        elif key in ("name", "title", "description"):
            layer.texts[key] = _check_text(key, value, origin, where)
        elif key == "schedule":
            layer.schedule = _check_schedule(value, origin, where, params)
        elif key in ("run", "inputs"):
            if not isinstance(value, Mapping):
                raise SimError(
                    f"[{key}] must be a table, got {format_value(value)}", path=origin, where=where
                )
            if key == "inputs":
                layer.inputs = _check_inputs(value, base_dir, origin, lines)
                continue
            for run_key, run_value in value.items():
                run_where = _place(f"run.{run_key}", lines)
                if run_key not in RUN_DEFAULTS:
                    raise SimError(
                        f"unknown [run] key {run_key}{_hint(run_key, RUN_DEFAULTS)} "
                        f"([run] takes {', '.join(RUN_DEFAULTS)})",
                        path=origin,
                        where=run_where,
                    )
                layer.run[run_key] = _check_run_value(run_key, run_value, origin, run_where)
        elif key in RUN_DEFAULTS and not isinstance(value, Mapping):
            raise SimError(f"{key} belongs in the [run] table", path=origin, where=where)
        elif key in INPUT_KEYS and not isinstance(value, Mapping):
            raise SimError(f"{key} belongs in the [inputs] table", path=origin, where=where)
        else:
            tables[key] = value

    known = [
        *RESERVED_KEYS,
        *(f"run.{k}" for k in RUN_DEFAULTS),
        *(f"inputs.{k}" for k in INPUT_KEYS),
    ]
    for empty in _empty_tables(tables):
        if empty not in params.groups and empty not in params.definitions:
            raise SimError(
                f"unknown table [{empty}]{_hint(empty, [*known, *params.groups])}",
                path=origin,
                where=_place(empty, lines),
            )
    for path, value in flatten_overrides(tables).items():
        where = _place(path, lines)
        if path in params.definitions or path in params.groups or path.endswith(".value"):
            layer.overrides[path] = params.coerce(path, value, origin=origin, where=where)
            continue
        top = path.split(".", 1)[0]
        what = "top-level key" if "." not in path else "parameter"
        if top in RESERVED_KEYS:
            what = "key"
        hint = _hint(path, [*known, *params.definitions])
        if not hint:
            hint = " (`welfare-sim params` lists every parameter)"
        raise SimError(
            f"unknown {what} {path}{hint}", path=origin, where=where if where != path else None
        )
    return layer


# ---------------------------------------------------------------------------- resolving


def _check_scenario(scenario: Scenario, origin: str) -> None:
    """Rules linking run settings and parameters."""
    for year in scenario.schedule:
        if not scenario.start_year < year <= scenario.end_year:
            allowed = (
                f"changes can start in {scenario.start_year + 1}-{scenario.end_year}"
                if scenario.years > 1
                else f"the run is the single year {scenario.start_year}"
            )
            raise SimError(
                f"scheduled year {year} is outside the run ({allowed})",
                path=origin, where="schedule",
            )
        scenario.params_in(year)  # every scheduled combination must itself be valid
    last = scenario.params["start.founded_year_last"]
    if last >= scenario.start_year:
        raise SimError(
            f"{last} is not before the start year {scenario.start_year}: the starting funds must be "
            "founded before the run starts (set start.founded_year_last)",
            path=origin,
            where="start.founded_year_last / run.start_year",
        )


def _resolve(
    data: Mapping[str, Any],
    *,
    origin: str,
    path: Path | None,
    base_dir: Path,
    text: str | None,
) -> Scenario:
    """Read the extends chain from a first layer, merge base-first, and validate the result."""
    first = _parse_layer(data, origin, base_dir, text)
    layers = [first]
    chain: list[Path] = [path.resolve()] if path is not None else []
    current, current_dir = first, base_dir
    while current.extends is not None:
        extends_where = _place("extends", current.lines)
        found, looked = locate_scenario(
            current.extends, current_dir, origin=current.origin, where=extends_where
        )
        target = found if found is not None else looked[0]
        start = chain[0].parent if path is not None else base_dir
        names = [os.path.relpath(p, start) for p in [*chain, target]]
        if path is None:
            names.insert(0, origin)
        if target in chain:
            raise SimError("extends cycle: " + " -> ".join(names), path=origin)
        if found is None:
            raise SimError(
                f'"{current.extends}" not found: {places_looked(current.extends, looked)}; '
                f"extends chain: {' -> '.join(names)}",
                path=current.origin,
                where=extends_where,
            )
        if target.is_dir():
            raise SimError(
                f'"{current.extends}" is a directory', path=current.origin, where=extends_where
            )
        display = _display(target)
        parent_data, parent_text = _read_toml(target, display)
        current = _parse_layer(parent_data, display, target.parent, parent_text)
        current_dir = target.parent
        layers.append(current)
        chain.append(target)

    run = dict(RUN_DEFAULTS)
    inputs: dict[str, Path] = {}
    overrides: dict[str, Any] = {}
    schedule: dict[int, dict[str, Any]] = {}
    for layer in reversed(layers):
        run.update(layer.run)
        inputs.update(layer.inputs)
        overrides.update(layer.overrides)
        for year, changes in layer.schedule.items():
            schedule[year] = {**schedule.get(year, {}), **changes}
    name = first.texts.get("name") or (path.stem if path is not None else "scenario")
    params = default_parameters().with_overrides(overrides, origin=origin)
    scenario = Scenario(
        name=name,
        title=first.texts.get("title", name),
        description=first.texts.get("description", ""),
        path=path.resolve() if path is not None else None,
        region=run["region"],
        start_year=run["start_year"],
        years=run["years"],
        replicates=run["replicates"],
        seed=run["seed"],
        inputs=inputs,
        overrides=overrides,
        params=params,
        chain=tuple(chain),
        schedule=schedule,
    )
    _check_scenario(scenario, origin)
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Read, check and resolve a scenario file (following ``extends``).

    Name, title and description are the file's own (not inherited): the name defaults to the
    file stem, the title to the name.
    """
    path = Path(path)
    display = str(path)
    data, text = _read_toml(path, display)
    return _resolve(data, origin=display, path=path, base_dir=path.resolve().parent, text=text)


def scenario_from_dict(
    data: Mapping[str, Any], *, origin: str = "<dict>", base_dir: Path | None = None
) -> Scenario:
    """A scenario from a dict laid out like the file (notebooks, the API), by the same rules.

    Parameter overrides may be nested tables or dotted keys (``{"policy.zone_share": 0.4}``);
    ``extends`` and ``inputs`` paths are relative to ``base_dir`` (default: working directory).
    """
    if not isinstance(data, Mapping):
        raise SimError(f"expected a table (dict), got {type(data).__name__}", path=origin)
    base = (base_dir or Path.cwd()).resolve()
    return _resolve(data, origin=origin, path=None, base_dir=base, text=None)


def as_scenario(scenario: Scenario | str | os.PathLike | Mapping[str, Any]) -> Scenario:
    """A Scenario from what a notebook user has at hand: a Scenario (returned as it is), the
    name of a shipped scenario (``"zone_all_2023"``), a file path, or a dict laid out like a
    file. Every function of the Python API that takes a scenario accepts all four."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, str | os.PathLike):
        return load_scenario(find_scenario(scenario))
    if isinstance(scenario, Mapping):
        return scenario_from_dict(scenario)
    raise SimError(
        "expected a scenario: a shipped name such as \"zone_all_2023\", a file path, a Scenario "
        f"or a dict, got {type(scenario).__name__}"
    )


def find_scenario(name_or_path: str | Path) -> Path:
    """A scenario file from a path, or from a bare name searched in ./scenarios and the repo's.

    ``"zone_all_2023"`` finds ``scenarios/zone_all_2023.toml`` so the CLI and notebooks can name
    shipped scenarios without knowing where they live.
    """
    given = Path(name_or_path)
    if given.is_file():
        return given
    if given.is_dir():
        raise SimError("is a directory, not a scenario file", path=str(given))
    folders = [Path("scenarios"), REPO_SCENARIOS]
    if len(given.parts) == 1:
        filename = given.name if given.suffix == ".toml" else f"{given.name}.toml"
        for folder in folders:
            if (folder / filename).is_file():
                return folder / filename
    available = sorted(
        {p.stem for folder in folders if folder.is_dir() for p in folder.glob("*.toml")}
    )
    hint = _hint(given.stem, available)
    if not hint and available:
        hint = f" (available: {', '.join(available)})"
    raise SimError(f"no scenario file or name {str(name_or_path)!r}{hint}")


# ------------------------------------------------------------------------------- CLI
