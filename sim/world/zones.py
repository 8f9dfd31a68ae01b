"""Zones: groups of neighbouring sub-districts inside one province (CODI's 2022 pilot level).

No source publishes the real zones, so the default is built from the administrative tree:
within each province, districts are taken in DOPA code order (codes roughly follow geography;
the data has no coordinates) and cut into runs of consecutive *whole* districts.

Default zoning rule (documented, deterministic):

- a province of ``n`` sub-districts gets ``k = round(n / target_size)`` zones (half rounds up),
  at least 1 and at most its number of districts;
- its districts, in code order, are cut into ``k`` consecutive runs whose sizes (in
  sub-districts) are as equal as possible (least squares, exact dynamic programme);
- districts are never split: a district larger than the target is a zone of its own, so the
  zone count stops growing once the target falls below the typical district size (322 zones in
  Isan at most). At the default target of 25 no district is larger than the target (the largest,
  Mueang Nakhon Ratchasima, has exactly 25).

Zone ids are ``Z<province>-<nn>`` in code order; names join the first and last district of the
run ("Mueang Nakhon Ratchasima – Khon Buri").

Pilot zones of 2022 (assumed; no source names them): in each province, the first
``pilot_zones_per_province`` zones in order — the zone holding the province's first sub-district
(its capital "Mueang" district, code xx01), then the next ones.

A user zone map (CSV ``subdistrict_code,zone_id[,zone_name][,zone_name_th][,pilot_2022]``)
replaces the default; it is checked strictly (see :func:`read_zone_map`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import SimError
from sim.world.population import describe_items, describe_rows, describe_values, read_code_csv

ZONE_COLUMNS = (
    "zone_id",
    "zone_name",
    "zone_name_th",
    "province_code",
    "n_subdistricts",
    "population",
    "pilot_2022",
)
ZONE_MAP_COLUMNS = ("subdistrict_code", "zone_id", "zone_name", "zone_name_th", "pilot_2022")
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f", ""}


def zones_for_province(n_subdistricts: int, n_districts: int, target_size: int) -> int:
    """How many default zones a province gets: round(n / target), within [1, n_districts]."""
    k = math.floor(n_subdistricts / target_size + 0.5)
    return max(1, min(k, n_districts))


def partition_consecutive(sizes: list[int] | np.ndarray, k: int) -> list[int]:
    """Cut `sizes` into `k` consecutive non-empty runs with sum sizes as equal as possible.

    Minimises the sum of squared run totals (equivalently their spread around the mean) by
    dynamic programming over cut points. Returns the start index of each run. Ties go to the
    earliest cut, so the result is deterministic.
    """
    sizes = np.asarray(sizes, dtype=float)
    m = len(sizes)
    if not 1 <= k <= m:
        raise ValueError(f"cannot cut {m} items into {k} non-empty runs")
    prefix = np.concatenate([[0.0], np.cumsum(sizes)])
    # cost[s, i]: a run covering items s..i-1 (only s < i allowed)
    cost = (prefix[None, :] - prefix[:, None]) ** 2
    cost[np.tril_indices(m + 1)] = np.inf
    best = np.full(m + 1, np.inf)
    best[0] = 0.0
    choice = np.zeros((k + 1, m + 1), dtype=np.int64)
    for j in range(1, k + 1):
        total = best[:, None] + cost
        choice[j] = np.argmin(total, axis=0)
        best = total[choice[j], np.arange(m + 1)]
    starts = []
    end = m
    for j in range(k, 0, -1):
        end = int(choice[j, end])
        starts.append(end)
    return starts[::-1]


def default_zones(
    subdistricts: pd.DataFrame,
    districts: pd.DataFrame,
    population: np.ndarray,
    *,
    target_size: int,
    pilot_zones_per_province: int,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Default zoning of the given sub-districts (sorted by code); returns (zones, zone_index)."""
    names = districts.set_index("district_code")[["name_en", "name_th"]]
    district_of = subdistricts["district_code"].to_numpy()
    rows: list[dict[str, object]] = []
    zone_of_district: dict[str, int] = {}
    for province, block in subdistricts.groupby("province_code", sort=True):
        sizes = block["district_code"].value_counts(sort=False).sort_index()
        k = zones_for_province(len(block), len(sizes), target_size)
        starts = partition_consecutive(sizes.to_numpy(), k)
        codes = sizes.index.tolist()
        for number, (start, stop) in enumerate(zip(starts, [*starts[1:], len(codes)], strict=True)):
            run = codes[start:stop]
            first, last = names.loc[run[0]], names.loc[run[-1]]
            same = len(run) == 1
            for code in run:
                zone_of_district[code] = len(rows)
            rows.append(
                {
                    "zone_id": f"Z{province}-{number + 1:02d}",
                    "zone_name": first.name_en if same else f"{first.name_en} – {last.name_en}",
                    "zone_name_th": first.name_th if same else f"{first.name_th} – {last.name_th}",
                    "province_code": province,
                    "pilot_2022": number < pilot_zones_per_province,
                }
            )
    zone_index = np.array([zone_of_district[d] for d in district_of], dtype=np.int64)
    return _zone_table(pd.DataFrame(rows), zone_index, population), zone_index


def _zone_table(
    zones: pd.DataFrame, zone_index: np.ndarray, population: np.ndarray
) -> pd.DataFrame:
    """Add sub-district counts and population; columns in the documented order."""
    n = len(zones)
    zones = zones.copy()
    zones["n_subdistricts"] = np.bincount(zone_index, minlength=n).astype(np.int64)
    zones["population"] = np.bincount(
        zone_index, weights=np.asarray(population, dtype=float), minlength=n
    ).astype(np.int64)
    zones["pilot_2022"] = zones["pilot_2022"].astype(bool)
    return zones.loc[:, list(ZONE_COLUMNS)].reset_index(drop=True)


def read_zone_map(
    path: str | Path,
    subdistricts: pd.DataFrame,
    province_of_code: Mapping[str, str],
    population: np.ndarray,
    *,
    region_label: str,
    pilot_zones_per_province: int,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Zones from a user CSV ``subdistrict_code,zone_id[,zone_name][,zone_name_th][,pilot_2022]``.

    Checked strictly, all problems reported at once in one SimError naming the file: every
    sub-district of the region in exactly one zone, no unknown codes, no duplicates, a zone never
    spanning two provinces, one name per zone, pilot_2022 true/false (blank = the zone's other
    rows, or false) and consistent per zone. Real sub-districts outside the region are ignored
    with a warning, so one national map serves any region. Without pilot_2022 values (no column,
    or all blank), pilots follow the default rule. Zones are ordered by province, then by their
    first sub-district code.
    """
    name = str(path)
    frame = read_code_csv(path, what="zone map", required=("subdistrict_code", "zone_id"))
    extra = [c for c in frame.columns if c not in ZONE_MAP_COLUMNS]
    if extra:
        warnings.warn(f"{name}: ignoring extra column(s) {', '.join(extra)}", stacklevel=2)
    for column in ZONE_MAP_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""

    codes = frame["subdistrict_code"]
    known = codes.isin(province_of_code.keys())
    frame["province_code"] = codes.map(province_of_code)
    problems: list[str] = []

    unknown = frame[~known]
    if len(unknown):
        problems.append(
            f"{len(unknown)} unknown sub-district code(s) on "
            f"{describe_values(unknown['subdistrict_code'])}"
        )
    blank = frame[frame["zone_id"] == ""]
    if len(blank):
        problems.append(
            f"zone_id is blank on {describe_rows(blank.index)} "
            f"(sub-district(s) {describe_items(blank['subdistrict_code'])})"
        )
    dup = frame[codes.duplicated(keep=False) & known]
    if len(dup):
        codes_dup = list(dict.fromkeys(dup["subdistrict_code"]))
        problems.append(
            f"{len(codes_dup)} sub-district code(s) in more than one row: "
            f"{describe_values(dup['subdistrict_code'])}"
        )
    pilot_text = frame["pilot_2022"].str.lower()
    bad_pilot = frame[~pilot_text.isin(_TRUE | _FALSE)]
    if len(bad_pilot):
        problems.append(
            f"pilot_2022 must be true/false or 1/0 on {describe_values(bad_pilot['pilot_2022'])}"
        )
    frame["pilot_flag"] = pilot_text.map(lambda v: "1" if v in _TRUE else ("0" if v else ""))

    valid = frame[known & (frame["zone_id"] != "")]
    spans = valid.groupby("zone_id", sort=True)["province_code"].unique()
    spans = spans[spans.map(len) > 1]
    if len(spans):
        # name the lines that leave the province of the zone's first row
        first_province = valid.groupby("zone_id")["province_code"].first()
        strays = valid[
            valid["zone_id"].isin(spans.index)
            & (valid["province_code"] != valid["zone_id"].map(first_province))
        ]
        problems.append(
            f"{len(spans)} zone(s) span more than one province: "
            + describe_items(f"{z} (provinces {'/'.join(sorted(p))})" for z, p in spans.items())
            + f"; the rows in another province than the zone's first: "
            f"{describe_values(strays['subdistrict_code'])}"
        )
    for column in ("zone_name", "zone_name_th", "pilot_flag"):
        given = valid.loc[valid[column] != "", ["zone_id", column]]
        clashes = given.groupby("zone_id")[column].nunique()
        clashes = clashes[clashes > 1].index.tolist()
        if clashes:
            label = "pilot_2022" if column == "pilot_flag" else column
            shown = frame.loc[given.index[given["zone_id"].isin(clashes)], label]
            problems.append(
                f"{len(clashes)} zone(s) with conflicting {label} values: {describe_items(clashes)} "
                f"({describe_values(shown, limit=6)})"
            )

    region_codes = subdistricts["subdistrict_code"]
    missing = region_codes[~region_codes.isin(codes)]
    if len(missing):
        problems.append(
            f"{len(missing)} sub-district(s) of region '{region_label}' have no zone: "
            f"{describe_items(missing)}"
        )
    if problems:
        raise SimError("; ".join(problems), path=name)

    outside = ~frame["subdistrict_code"].isin(region_codes)
    if outside.any():
        warnings.warn(
            f"{name}: ignoring {int(outside.sum())} sub-district(s) outside region "
            f"'{region_label}' ({describe_rows(frame.index[outside])})",
            stacklevel=2,
        )
        frame = frame[~outside]
    return _zones_from_assignment(frame, subdistricts, population, pilot_zones_per_province)


def _zones_from_assignment(
    frame: pd.DataFrame,
    subdistricts: pd.DataFrame,
    population: np.ndarray,
    pilot_zones_per_province: int,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Build the zone table from a validated map restricted to the region."""
    zone_of = frame.set_index("subdistrict_code")["zone_id"]
    assigned = subdistricts["subdistrict_code"].map(zone_of)

    def first_given(column: str) -> dict[str, str]:
        values = frame.loc[frame[column] != "", ["zone_id", column]]
        return values.groupby("zone_id")[column].first().to_dict()

    zones = (
        pd.DataFrame(
            {
                "zone_id": assigned.to_numpy(),
                "province_code": subdistricts["province_code"].to_numpy(),
                "first_code": subdistricts["subdistrict_code"].to_numpy(),
            }
        )
        .groupby("zone_id", sort=False)
        .agg(province_code=("province_code", "first"), first_code=("first_code", "min"))
        .sort_values(["province_code", "first_code"])
        .reset_index()
    )
    names = first_given("zone_name")
    names_th = first_given("zone_name_th")
    pilot = first_given("pilot_flag")
    zones["zone_name"] = [names.get(z, z) for z in zones["zone_id"]]
    zones["zone_name_th"] = [
        names_th.get(z, name) for z, name in zip(zones["zone_id"], zones["zone_name"], strict=True)
    ]
    if pilot:
        zones["pilot_2022"] = [pilot.get(z) == "1" for z in zones["zone_id"]]
    else:
        zones["pilot_2022"] = zones.groupby("province_code").cumcount() < pilot_zones_per_province
    zone_index = pd.Index(zones["zone_id"]).get_indexer(assigned.to_numpy()).astype(np.int64)
    return _zone_table(zones, zone_index, population), zone_index
