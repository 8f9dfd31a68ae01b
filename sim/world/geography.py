"""The real geography: provinces, districts, sub-districts, zones, province groups and population.

Administrative divisions come from the ``geothai`` package (DOPA codes, Thai and English names).
A region is a set of provinces: ``"isan"`` (codes 30–49: 20 provinces, 322 districts, 2,678
sub-districts), ``"national"`` (77 provinces, 928 districts, 7,436 sub-districts) or a list of
province codes. :func:`build_geography` assembles everything the model needs into one immutable
:class:`Geography`, deterministically for the same arguments.

Province groups (กลุ่มจังหวัด, ``sim/data/province_groups.csv``) exist only for the 20 Isan
provinces (the five Northeast clusters, FACTS.md §4.1); no groups are defined elsewhere, so
provinces outside Isan have an empty ``group_id`` and ``group_index == -1``.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import geothai
import numpy as np
import pandas as pd

from sim.errors import SimError
from sim.world.population import (
    AGE_BANDS,
    ISAN_PROVINCE_CODES,
    normalised_age_shares,
    population_by_age,
    province_populations,
    read_population_file,
    synthetic_subdistrict_population,
)
from sim.world.zones import default_zones, read_zone_map

__all__ = [
    "AGE_BANDS",
    "Geography",
    "build_geography",
    "national_subdistrict_codes",
    "province_groups",
    "resolve_region",
]

GROUP_COLUMNS = (
    "group_id",
    "group_name_th",
    "group_name_en",
    "n_provinces",
    "n_subdistricts",
    "population",
)


def _empty_groups() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in GROUP_COLUMNS})


@dataclass(frozen=True, eq=False, repr=False)
class Geography:
    """Everything about places the model needs, for one region; arrays are read-only.

    Per-sub-district arrays follow the row order of ``subdistricts`` (sorted by code); the
    ``*_index`` arrays give each sub-district's row in ``provinces``, ``zones``, ``districts``
    and ``groups`` (-1: no province group).
    """

    region: str
    provinces: pd.DataFrame
    districts: pd.DataFrame
    subdistricts: pd.DataFrame
    zones: pd.DataFrame
    population_by_age: np.ndarray
    province_index: np.ndarray
    zone_index: np.ndarray
    district_index: np.ndarray
    group_index: np.ndarray
    groups: pd.DataFrame = field(default_factory=_empty_groups)
    population_is_real: bool = False
    """True when sub-district populations come from a population file (never fitted to a
    registry's members); False when the split of the sourced province totals is synthetic."""

    @property
    def n_subdistricts(self) -> int:
        return len(self.subdistricts)

    @property
    def n_zones(self) -> int:
        return len(self.zones)

    def __repr__(self) -> str:
        return (
            f"Geography(region={self.region!r}: {len(self.provinces)} provinces, "
            f"{len(self.districts)} districts, {self.n_subdistricts:,} sub-districts, "
            f"{self.n_zones} zones ({int(self.zones['pilot_2022'].sum())} pilot 2022), "
            f"{len(self.groups)} province groups, population "
            f"{int(self.subdistricts['population'].sum()):,})"
        )


# --- administrative data (cached) --------------------------------------------------------------


@lru_cache(maxsize=1)
def _admin_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """All provinces, districts and sub-districts of Thailand from geothai, sorted by code."""
    provinces = pd.DataFrame(
        [(p.code, p.name_th, p.name_en) for p in geothai.provinces()],
        columns=["province_code", "name_th", "name_en"],
    )
    districts = pd.DataFrame(
        [
            (d.code, d.name_th, d.name_en, d.province_code)
            for p in provinces["province_code"]
            for d in geothai.districts(p)
        ],
        columns=["district_code", "name_th", "name_en", "province_code"],
    )
    subdistricts = pd.DataFrame(
        [
            (s.code, s.name_th, s.name_en, s.district_code)
            for d in districts["district_code"]
            for s in geothai.subdistricts(d)
        ],
        columns=["subdistrict_code", "name_th", "name_en", "district_code"],
    )
    subdistricts = subdistricts.merge(
        districts.rename(columns={"name_th": "district_name_th", "name_en": "district_name_en"}),
        on="district_code",
        how="left",
    ).merge(
        provinces.rename(columns={"name_th": "province_name_th", "name_en": "province_name_en"}),
        on="province_code",
        how="left",
    )
    tables = tuple(
        t.sort_values(t.columns[0], ignore_index=True) for t in (provinces, districts, subdistricts)
    )
    return tables  # type: ignore[return-value]


@lru_cache(maxsize=1)
def _province_of_subdistrict() -> dict[str, str]:
    subdistricts = _admin_tables()[2]
    return dict(zip(subdistricts["subdistrict_code"], subdistricts["province_code"], strict=True))


@lru_cache(maxsize=1)
def national_subdistrict_codes() -> frozenset[str]:
    """Every sub-district code of Thailand: tells 'outside the region' from 'not a code'."""
    return frozenset(_province_of_subdistrict())


@lru_cache(maxsize=1)
def _province_groups() -> pd.DataFrame:
    text = files("sim").joinpath("data/province_groups.csv")
    with text.open("r", encoding="utf-8-sig") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


def province_groups() -> pd.DataFrame:
    """The province-group table (province_code, group_id, names, source) as shipped."""
    return _province_groups().copy()


# --- regions -----------------------------------------------------------------------------------


def resolve_region(region: str | Sequence[str]) -> list[str]:
    """Province codes (sorted) for a region name, a comma list ``"30,31"`` or a list of codes.

    Accepts ``"isan"``, ``"national"``, ``"provinces:30,31"`` (the form ``Geography.region``
    takes), codes with an optional ``TH-`` prefix, and exact English or Thai province names.
    Unknown entries raise SimError with the closest matches.
    """
    provinces = _admin_tables()[0]
    all_codes = provinces["province_code"].tolist()
    if isinstance(region, str):
        text = region.strip()
        lowered = text.lower()
        if lowered == "isan":
            return list(ISAN_PROVINCE_CODES)
        if lowered == "national":
            return all_codes
        if lowered.startswith("provinces:"):
            text = text.split(":", 1)[1]
        items = [part for part in (p.strip() for p in text.split(",")) if part]
    else:
        items = [str(p).strip() for p in region]
    if not items:
        raise SimError(f"region {region!r} names no provinces", where="region")

    lookup = {code: code for code in all_codes}
    for code, name_th, name_en in provinces.itertuples(index=False):
        lookup[name_en.lower()] = code
        lookup[name_th] = code
        lookup[f"th-{code}"] = code
    found: set[str] = set()
    unknown: list[str] = []
    for item in items:
        code = lookup.get(item.lower())
        if code is None:
            unknown.append(item)
        else:
            found.add(code)
    if unknown:
        labels = {
            **{
                c: f"{c} ({en})"
                for c, en in zip(provinces["province_code"], provinces["name_en"], strict=True)
            },
            **{
                en.lower(): f"{c} ({en})"
                for c, en in zip(provinces["province_code"], provinces["name_en"], strict=True)
            },
        }
        hints = []
        for item in unknown:
            close = difflib.get_close_matches(item.lower(), labels.keys(), n=3, cutoff=0.5)
            suggestion = ", ".join(dict.fromkeys(labels[c] for c in close))
            hints.append(f"{item!r}" + (f" (did you mean {suggestion}?)" if suggestion else ""))
        raise SimError(
            f"unknown province code(s) {'; '.join(hints)}; use 'isan', 'national' or DOPA "
            f"province codes such as 30,40",
            where="region",
        )
    return sorted(found)


def _region_label(region: str | Sequence[str], codes: list[str]) -> str:
    if isinstance(region, str) and region.strip().lower() in ("isan", "national"):
        return region.strip().lower()
    return "provinces:" + ",".join(codes)


# --- building ----------------------------------------------------------------------------------


def _check_arguments(
    zone_target_size: int,
    age_share_concentration: float,
    population_sigma: float,
    pilot_zones_per_province: int,
    seed: int,
) -> None:
    def whole(value: object, minimum: int) -> bool:
        return (
            isinstance(value, (int, np.integer))
            and not isinstance(value, bool)
            and value >= minimum
        )

    if not whole(zone_target_size, 1):
        raise SimError(f"zone_target_size must be a whole number >= 1, got {zone_target_size!r}")
    if not whole(pilot_zones_per_province, 0):
        raise SimError(
            f"pilot_zones_per_province must be a whole number >= 0, got {pilot_zones_per_province!r}"
        )
    if not whole(seed, 0):
        raise SimError(f"seed must be a whole number >= 0, got {seed!r}")
    if not (isinstance(population_sigma, (int, float)) and 0 <= population_sigma < np.inf):
        raise SimError(f"population_sigma must be a finite number >= 0, got {population_sigma!r}")
    if not (isinstance(age_share_concentration, (int, float)) and age_share_concentration > 0):
        raise SimError(
            f"age_share_concentration must be a number > 0 (inf: no variation), "
            f"got {age_share_concentration!r}"
        )


def _readonly(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def build_geography(
    region: str | Sequence[str] = "isan",
    *,
    zone_target_size: int = 25,
    zone_map: str | Path | None = None,
    population_file: str | Path | None = None,
    age_shares: Sequence[float] | None = None,
    age_share_concentration: float = 200.0,
    population_sigma: float = 0.6,
    pilot_zones_per_province: int = 1,
    seed: int = 0,
) -> Geography:
    """Assemble the geography of a region: admin tree, zones, population and age structure.

    Synthetic parts (sub-district split of province totals, age shares) are drawn per
    sub-district code from `seed`, so the same arguments give the same Geography and a
    province's numbers do not depend on which other provinces are in the region.
    """
    _check_arguments(
        zone_target_size, age_share_concentration, population_sigma, pilot_zones_per_province, seed
    )
    codes = resolve_region(region)
    label = _region_label(region, codes)
    all_provinces, all_districts, all_subdistricts = _admin_tables()
    provinces = all_provinces[all_provinces["province_code"].isin(codes)].reset_index(drop=True)
    districts = all_districts[all_districts["province_code"].isin(codes)].reset_index(drop=True)
    subdistricts = all_subdistricts[all_subdistricts["province_code"].isin(codes)].reset_index(
        drop=True
    )
    sub_codes = subdistricts["subdistrict_code"].to_numpy()

    if population_file is None:
        population = synthetic_subdistrict_population(
            sub_codes,
            subdistricts["province_code"].to_numpy(),
            province_populations(codes),
            sigma=float(population_sigma),
            seed=seed,
        )
    else:
        population = read_population_file(
            population_file, sub_codes, _province_of_subdistrict().keys(), region_label=label
        )
    by_age = population_by_age(
        population,
        sub_codes,
        shares=normalised_age_shares(age_shares),
        concentration=float(age_share_concentration),
        seed=seed,
    )

    if zone_map is None:
        zones, zone_index = default_zones(
            subdistricts,
            districts,
            population,
            target_size=zone_target_size,
            pilot_zones_per_province=pilot_zones_per_province,
        )
    else:
        zones, zone_index = read_zone_map(
            zone_map,
            subdistricts,
            _province_of_subdistrict(),
            population,
            region_label=label,
            pilot_zones_per_province=pilot_zones_per_province,
        )

    province_index = pd.Index(provinces["province_code"]).get_indexer(subdistricts["province_code"])
    district_index = pd.Index(districts["district_code"]).get_indexer(subdistricts["district_code"])

    group_table = _province_groups().set_index("province_code")
    group_of_province = provinces["province_code"].map(group_table["group_id"]).fillna("")
    groups = _group_table(group_table, group_of_province, province_index, population)
    group_ids = pd.Index(groups["group_id"])
    group_index = group_ids.get_indexer(group_of_province.to_numpy()[province_index])

    subdistricts = subdistricts.assign(
        zone_id=zones["zone_id"].to_numpy()[zone_index],
        zone_name=zones["zone_name"].to_numpy()[zone_index],
        population=population,
    )
    provinces = provinces.assign(
        population=np.bincount(province_index, weights=population, minlength=len(provinces)).astype(
            np.int64
        ),
        group_id=group_of_province.to_numpy(),
        n_districts=districts["province_code"]
        .value_counts()
        .reindex(provinces["province_code"])
        .to_numpy(),
        n_subdistricts=np.bincount(province_index, minlength=len(provinces)),
    )
    return Geography(
        region=label,
        provinces=provinces,
        districts=districts,
        subdistricts=subdistricts,
        zones=zones,
        population_by_age=_readonly(by_age),
        province_index=_readonly(province_index.astype(np.int64)),
        zone_index=_readonly(zone_index.astype(np.int64)),
        district_index=_readonly(district_index.astype(np.int64)),
        group_index=_readonly(group_index.astype(np.int64)),
        groups=groups,
        population_is_real=population_file is not None,
    )


def _group_table(
    group_table: pd.DataFrame,
    group_of_province: pd.Series,
    province_index: np.ndarray,
    population: np.ndarray,
) -> pd.DataFrame:
    """Province groups present in the region, sorted by group_id, with sizes."""
    present = sorted(g for g in set(group_of_province) if g)
    if not present:
        return _empty_groups()
    names = group_table.drop_duplicates("group_id").set_index("group_id")
    group_of_sub = group_of_province.to_numpy()[province_index]
    rows = []
    for group in present:
        in_group = group_of_sub == group
        rows.append(
            {
                "group_id": group,
                "group_name_th": names.at[group, "group_name_th"],
                "group_name_en": names.at[group, "group_name_en"],
                "n_provinces": int((group_of_province == group).sum()),
                "n_subdistricts": int(in_group.sum()),
                "population": int(population[in_group].sum()),
            }
        )
    return pd.DataFrame(rows, columns=list(GROUP_COLUMNS))
