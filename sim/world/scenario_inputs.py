"""What a scenario's input files make of the world: its geography, its fund registry, its budget.

`world_for(scenario)` reads every input file a scenario names — zone map, population file,
fund registry — exactly as a run reads them, checks them all, and fits the population to the
registry (below). `welfare-sim run` and `welfare-sim validate` both call :func:`check_inputs`,
so `validate` finds every defect `run` would, by file line.

**Population fitted to a registry.** A registry's members are taken at their word. Where a
sub-district's registry members (in all, or in one age band when the registry gives bands)
exceed the model's population for it and that population is synthetic (a seeded split of the
sourced province total), the sub-district's population is raised to fit and the difference is
taken from the rest of its province, in proportion to each other sub-district's non-members,
so the sourced province total holds. A registry's ``population`` column replaces the synthetic
population of its sub-districts the same way. A real population (a population file, or the
column) is never raised or trimmed: members above it are an error. Each change is said in a
note that the run prints.

**Budget scope.** ``budget.development_thb_per_year`` is the budget of ``budget.scope`` (a
region). A run over another region gets it in proportion to ``budget.scale_by``: its share of
the scope's sub-districts or of its sourced population (:func:`scoped_budget`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from sim.errors import SimError
from sim.inputs.parameters import ParameterSet
from sim.world.geography import Geography, _admin_tables, build_geography, resolve_region
from sim.world.population import (
    AGE_BANDS,
    describe_items,
    describe_rows,
    largest_remainder,
    largest_remainder_rows,
    province_population_sources,
)

BAND_COLUMNS = tuple(f"members_{band}" for band in AGE_BANDS)


def age_shares(params: ParameterSet) -> np.ndarray:
    """Population age shares with the 60+ share set to `population.share_60_plus`.

    The 60+ bands are scaled to the target; the difference is moved to or from 25-44 and
    45-59 in proportion to their size (DEMOGRAPHY.md section 5).
    """
    shares = np.asarray(params["population.age_share"], float)
    shares = shares / shares.sum()
    target = params["population.share_60_plus"]
    old = shares[4:].sum()
    out = shares.copy()
    out[4:] *= target / old
    diff = old - target
    mid = shares[2:4]
    out[2:4] += diff * mid / mid.sum()
    return out


@dataclass(frozen=True)
class ScenarioWorld:
    """A scenario's places and starting funds as its input files give them.

    `registry` is None without a fund registry; `notes` are one-line statements of what was
    synthesised or changed to fit (printed by the CLI, recorded in a run's manifest).
    """

    geography: Geography
    registry: pd.DataFrame | None
    notes: tuple[str, ...] = ()


def _world_key(scenario) -> tuple:
    p = scenario.params
    inputs = scenario.inputs
    return (
        scenario.region,
        int(p["zones.target_size"]),
        str(inputs["zone_map"]) if "zone_map" in inputs else None,
        str(inputs["population"]) if "population" in inputs else None,
        tuple(float(x) for x in age_shares(p)),
        float(p["population.age_share_concentration"]),
        float(p["population.subdistrict_sigma"]),
        int(p["zones.pilot_per_province"]),
        int(scenario.seed),
        str(inputs["fund_registry"]) if "fund_registry" in inputs else None,
    )


@lru_cache(maxsize=8)
def _world(region, zone_size, zone_map, population_file, shares, concentration, sigma, pilots, seed,
           registry_file) -> ScenarioWorld:
    geography = build_geography(
        list(region) if isinstance(region, tuple) else region,
        zone_target_size=zone_size,
        zone_map=zone_map,
        population_file=population_file,
        age_shares=list(shares),
        age_share_concentration=concentration,
        population_sigma=sigma,
        pilot_zones_per_province=pilots,
        seed=seed,
    )
    if registry_file is None:
        return ScenarioWorld(geography, None, ())
    from sim.world.registry import load_registry

    registry = load_registry(registry_file, geography)
    geography, notes = fit_population(geography, registry)
    return ScenarioWorld(geography, registry, (registry_note(registry), *notes))


def world_for(scenario) -> ScenarioWorld:
    """The scenario's geography and registry, every input file read and checked (cached:
    sweeps and replicates reuse it; treat the frames as read-only)."""
    return _world(*_world_key(scenario))


def geography_for(scenario) -> Geography:
    """The scenario's geography, its population fitted to its fund registry if it has one."""
    return world_for(scenario).geography


def input_notes(scenario) -> tuple[str, ...]:
    """Every note a run of `scenario` would print about its inputs, without running it: what the
    registry leaves to the model, a population raised to fit it, a budget scaled to the part of
    its scope the run covers. `compare` and `sweep` print them as `run` does."""
    world = world_for(scenario)
    _, budget_note = scoped_budget(world.geography, scenario.params)
    return tuple(n for n in (*world.notes, budget_note) if n)


def check_inputs(scenario) -> tuple[str, ...]:
    """Read every input file the scenario names as a run would; return the notes.

    Raises the first file's SimError (one line: file, lines, offending values). `run` calls
    this before announcing itself, `validate` for every scenario it is given.
    """
    return world_for(scenario).notes


# ------------------------------------------------------------------ population fitted to a registry


def fit_population(geography: Geography, registry: pd.DataFrame) -> tuple[Geography, list[str]]:
    """The geography with populations that hold the registry's members (see module docstring).

    Returns the (possibly new) geography and a note per kind of change. Raises SimError, naming
    the registry's lines, when a province's sourced total cannot hold its funds' members.
    """
    sub = geography.subdistricts
    codes = sub["subdistrict_code"].astype(str)
    reg = registry.set_index("subdistrict_code").reindex(codes)
    path = registry.attrs.get("path", "fund registry")
    lines = registry.attrs.get("lines", {})
    by_age = np.asarray(geography.population_by_age, np.int64).copy()
    total = by_age.sum(axis=1)
    members = reg["members"].fillna(0).to_numpy(np.int64)
    bands = reg[list(BAND_COLUMNS)].to_numpy(float)
    has_bands = ~np.isnan(bands).any(axis=1)
    bands = np.where(np.isnan(bands), 0, bands).astype(np.int64)
    column = reg["population"].to_numpy(float) if "population" in reg else np.full(len(codes), np.nan)
    real = bool(geography.population_is_real)  # a population file: never changed (checked at load)
    given = ~np.isnan(column) & (not real)
    fixed = given | real

    new_total = total.copy()
    new_total[given] = column[given].astype(np.int64)
    raised = ~fixed & (members > new_total)
    new_total[raised] = members[raised]
    notes: list[str] = []

    province = sub["province_code"].to_numpy()
    changed = given | raised
    for p in sorted(set(province[changed])):
        rows = province == p
        free = rows & ~changed
        delta = int((new_total[rows & changed] - total[rows & changed]).sum())
        if delta > 0:  # take from the others' non-members, never below their own members
            slack = np.maximum(total[free] - members[free], 0)
            if delta > slack.sum():
                shown = describe_items(
                    f"{describe_rows(lines.get(codes[i], ()))}: {codes[i]} "
                    + (f"population {int(column[i]):,}" if given[i] else
                       f"{int(members[i]):,} members against {int(total[i]):,} people")
                    for i in np.flatnonzero(rows & changed)
                )
                raise SimError(
                    f"registry members above the synthetic population ({shown}) need "
                    f"{delta:,} people more than it has, and the rest of province {p} has only "
                    f"{int(slack.sum()):,} non-members to give (sourced province total "
                    f"{int(total[rows].sum()):,}); "
                    "check the members, or give real populations (a population file or the "
                    "registry's population column)",
                    path=path,
                )
            new_total[free] = total[free] - largest_remainder(slack, delta)
        elif delta < 0:  # a registry population below the synthetic one: the rest grow
            if not free.any():
                continue  # the whole province is given: its total is the registry's
            new_total[free] = total[free] + largest_remainder(np.maximum(total[free], 1), -delta)

    resized = new_total != total
    if resized.any():
        regional = by_age.sum(axis=0) / max(by_age.sum(), 1)
        weights = np.where(total[:, None] > 0, by_age, regional[None, :])[resized]
        by_age[resized] = largest_remainder_rows(weights / weights.sum(axis=1, keepdims=True),
                                                 new_total[resized])
    # bands: a registry's members of an age band fit that band (moving people between bands)
    short = has_bands & (bands > by_age).any(axis=1)
    for i in np.flatnonzero(short):
        room = np.maximum(by_age[i] - bands[i], 0)
        weights = room if room.sum() > 0 else np.maximum(by_age[i], 1)
        by_age[i] = bands[i] + largest_remainder(weights, int(new_total[i] - bands[i].sum()))

    if raised.any():
        extra = new_total[raised] - total[raised]
        notes.append(
            f"{path}: population raised to the registry's members in {int(raised.sum())} "
            f"sub-district(s) with a synthetic population ("
            + describe_items(f"{c} +{int(x):,}" for c, x in zip(codes[raised], extra, strict=True))
            + f"; {int(extra.sum()):,} people in all), taken from the rest of province(s) "
            f"{describe_items(sorted(set(province[raised])))} so the sourced province totals hold"
        )
    if given.any():
        notes.append(
            f"{path}: population of {int(given.sum())} sub-district(s) from the registry's "
            f"population column; the other sub-districts of province(s) "
            f"{describe_items(sorted(set(province[given])))} absorb the difference so the "
            "sourced province totals hold"
        )
    if short.any():
        notes.append(
            f"{path}: ages of the population re-split in {int(short.sum())} sub-district(s) "
            f"({describe_items(codes[short])}) so each age band holds the registry's members of "
            "that band (the sub-district's total unchanged)"
        )
    if not (resized.any() or short.any()):
        return geography, notes
    return _with_population(geography, by_age), notes


def _with_population(geography: Geography, by_age: np.ndarray) -> Geography:
    """The geography with new per-sub-district populations; zone, province and group totals follow."""
    population = by_age.sum(axis=1)
    subdistricts = geography.subdistricts.assign(population=population)
    provinces = geography.provinces.assign(
        population=np.bincount(geography.province_index, weights=population,
                               minlength=len(geography.provinces)).astype(np.int64)
    )
    zones = geography.zones.assign(
        population=np.bincount(geography.zone_index, weights=population,
                               minlength=len(geography.zones)).astype(np.int64)
    )
    groups = geography.groups
    if len(groups):
        inside = geography.group_index >= 0
        groups = groups.assign(
            population=np.bincount(geography.group_index[inside], weights=population[inside],
                                   minlength=len(groups)).astype(np.int64)
        )
    by_age = by_age.copy()
    by_age.setflags(write=False)
    return dataclasses.replace(geography, subdistricts=subdistricts, provinces=provinces, zones=zones,
                               groups=groups, population_by_age=by_age)


def registry_note(registry: pd.DataFrame) -> str:
    """One line: what the registry leaves out, which the model synthesises.

    The registry's statuses, members, reserves and founding years are the starting state;
    everything listed here is drawn or derived by the model (sim.model.state).
    """
    path = registry.attrs.get("path", "fund registry")
    n = len(registry)
    missing: list[str] = []

    def share(column: str, what: str) -> None:
        absent = int(registry[column].isna().sum())
        if absent == n:
            label = "members_<band> columns" if column == BAND_COLUMNS[0] else f"{column} column"
            missing.append(f"{what} (no {label})")
        elif absent:
            missing.append(f"{what} ({absent} of {n} sub-districts)")

    share("reserves_thb", "reserves")
    share(BAND_COLUMNS[0], "members' age bands")  # one column stands for all seven
    share("status", "status (derived by the status rule)")
    missing += [
        "governance (drawn; as the status rule asks of a listed strong or normal fund)",
        "benefit generosity (drawn; lowered where a listed strong or normal fund's reserves need it)",
        "programme group",
        "local-government support",
        "members' tenure and those still in their waiting months",
    ]
    listed = registry["status"].notna()
    history = "last year's members and years of falling members and low reserves"
    if listed.all():
        missing.append(f"{history} (set so the status rule reproduces each listed status)")
    else:
        missing.append(f"{history} (drawn from each fund's dynamics"
                       + ("; set to reproduce the listed statuses" if listed.any() else "") + ")")
    return (f"{path}: {n} sub-district(s) with funds taken as listed; synthetic values for what it "
            f"leaves out: {'; '.join(missing)}")


# ------------------------------------------------------------------ budget scope

BUDGET_SCOPES = ("isan", "national", "run")
SCALE_BY = ("subdistricts", "population")


def _province_measure(province_codes, scale_by: str) -> int:
    """Sub-districts (geothai) or sourced population (sim/data) of a set of provinces."""
    codes = set(province_codes)
    if scale_by == "subdistricts":
        subdistricts = _admin_tables()[2]
        return int(subdistricts["province_code"].isin(codes).sum())
    return int(province_population_sources(sorted(codes))["population"].sum())


def scope_share(geography: Geography, params: ParameterSet) -> float:
    """The run's region as a share of ``budget.scope`` (``budget.scale_by``); 1 for the scope
    itself or for scope "run". Above 1 for a region reaching outside the scope."""
    scope = str(params["budget.scope"])
    if scope == "run":
        return 1.0
    run, scope_codes = list(geography.provinces["province_code"]), resolve_region(scope)
    if set(run) == set(scope_codes):
        return 1.0
    scale_by = str(params["budget.scale_by"])
    return _province_measure(run, scale_by) / _province_measure(scope_codes, scale_by)


def scoped_region_overhead(geography: Geography, params: ParameterSet) -> float:
    """The regional office's yearly overhead a run bears (``units.overhead_thb.region``): the
    office serves the whole budget scope, so a run over part of it bears that part's share, as
    it gets that share of the budget (a one-province run no longer pays the whole office)."""
    return float(params["units.overhead_thb.region"]) * scope_share(geography, params)


def scoped_budget(geography: Geography, params: ParameterSet, thb: float | None = None) -> tuple[float, str | None]:
    """The region's yearly development budget and, when it differs from the scope's, a note.

    ``thb`` (default ``budget.development_thb_per_year``) belongs to ``budget.scope``: "run" is
    the run's own region (no scaling); "isan" or "national" a region whose budget a run over
    another region gets in proportion to its share of the scope's sub-districts or sourced
    population (``budget.scale_by``). A run reaching outside the scope gets the scope's
    budget per sub-district (or per person) for all of its places, so a national run with an
    Isan budget is scaled up, and says so. The note also gives the regional office's overhead
    the run bears (:func:`scoped_region_overhead`).
    """
    thb = float(params["budget.development_thb_per_year"] if thb is None else thb)
    factor = scope_share(geography, params)
    if factor == 1.0:
        return thb, None
    scope, scale_by = str(params["budget.scope"]), str(params["budget.scale_by"])
    run = list(geography.provinces["province_code"])
    scope_codes = resolve_region(scope)
    whole = _province_measure(scope_codes, scale_by)
    part = _province_measure(run, scale_by)
    unit = "sub-districts" if scale_by == "subdistricts" else "people (sourced province totals)"
    inside = set(run) <= set(scope_codes)
    how = (f"covers {part:,} of its {whole:,} {unit} ({factor:.2%})" if inside else
           f"reaches outside it: {part:,} {unit} against its {whole:,}, at the scope's budget per "
           f"{'sub-district' if scale_by == 'subdistricts' else 'person'} (x{factor:.3f})")
    office = float(params["units.overhead_thb.region"])
    note = (f"budget: {thb:,.0f} THB a year is the budget of '{scope}' (budget.scope); region "
            f"'{geography.region}' {how}, so this run has {thb * factor:,.0f} THB a year and bears "
            f"{office * factor:,.0f} of the regional office's {office:,.0f} THB overhead "
            f"(budget.scale_by = \"{scale_by}\")")
    return thb * factor, note
