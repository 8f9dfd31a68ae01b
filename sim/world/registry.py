"""Fund registry import: a planner's export of real funds replaces the synthetic starting state.

Input CSV (UTF-8 with or without BOM, any line endings), one row per fund::

    subdistrict_code,founded_year,members[,fund_id][,reserves_thb]
        [,members_0_14,...,members_80_plus][,status]

A sub-district may hold several funds (a tambon fund and a municipal fund); their rows carry
different ``fund_id`` values and are aggregated into the sub-district's one agent. Loading is
all-or-nothing: every problem in the file is collected and reported in one SimError naming the
file and the 1-based data row numbers; otherwise a complete frame is returned.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import SimError
from sim.world.geography import Geography, national_subdistrict_codes
from sim.world.population import (
    AGE_BANDS,
    describe_items,
    describe_rows,
    parse_whole_numbers,
    read_code_csv,
)

STATUS_ORDER = ("strong", "normal", "weak", "dormant")
"""Fund status from best to worst; a sub-district takes the worst of its funds."""

FIRST_YEAR, LAST_YEAR = 1990, 2100
MAX_RESERVES_THB = 10_000_000_000
"""Reserves of one fund row above this are refused (the whole movement holds far less)."""
BAND_COLUMNS = tuple(f"members_{band}" for band in AGE_BANDS)
REQUIRED = ("subdistrict_code", "founded_year", "members")
OPTIONAL = ("fund_id", "reserves_thb", *BAND_COLUMNS, "status")
REGISTRY_COLUMNS = (
    "subdistrict_code",
    "n_funds",
    "founded_year",
    "members",
    "reserves_thb",
    *BAND_COLUMNS,
    "status",
    "fund_ids",
)


def load_registry(path: str | Path, geography: Geography) -> pd.DataFrame:
    """Read and check a fund registry; return one row per sub-district that has a fund.

    Columns: subdistrict_code, n_funds, founded_year (earliest), members, reserves_thb (NaN when
    the file has no such column), members_<band> for the seven bands (NaN when not given),
    status (worst of the funds; NaN when not given) and fund_ids (';'-joined; NaN when the file
    has no fund_id column). Sorted by sub-district code. Real sub-districts outside the
    geography's region are ignored with a warning.
    """
    name = str(path)
    frame = read_code_csv(path, what="fund registry", required=REQUIRED)
    extra = [c for c in frame.columns if c not in REQUIRED + OPTIONAL]
    if extra:
        warnings.warn(f"{name}: ignoring extra column(s) {', '.join(extra)}", stacklevel=2)

    problems = _check_columns(frame)
    if problems:
        raise SimError("; ".join(problems), path=name)
    region = geography.subdistricts["subdistrict_code"]
    codes = frame["subdistrict_code"]
    unknown = ~codes.isin(national_subdistrict_codes())
    if unknown.any():
        problems.append(
            f"unknown sub-district code(s) in {describe_rows(frame.index[unknown])}: "
            f"{describe_items(dict.fromkeys(codes[unknown]))}"
        )
    values, value_problems = _parse_values(frame)
    problems += value_problems

    fund_ids = frame["fund_id"] if "fund_id" in frame.columns else pd.Series("", index=frame.index)
    repeated = pd.DataFrame({"code": codes, "fund": fund_ids}).duplicated(keep=False)
    if repeated.any():
        what = "(subdistrict_code, fund_id)" if "fund_id" in frame.columns else "subdistrict_code"
        problems.append(
            f"the same {what} appears more than once in {describe_rows(frame.index[repeated])}"
            + ("" if "fund_id" in frame.columns else " (add a fund_id column for several funds)")
        )
    outside = ~codes.isin(region)
    population = geography.subdistricts.set_index("subdistrict_code")["population"]
    members = values.loc[~outside, "members"].groupby(codes[~outside]).sum()
    over = members.index[members.to_numpy() > population.loc[members.index].to_numpy()]
    if len(over):
        problems.append(
            f"members exceed the sub-district's population in "
            f"{describe_rows(frame.index[codes.isin(over)])} (sub-district(s) "
            f"{describe_items(sorted(over))}); without a population file the population is "
            "synthetic, so give real numbers with population_file"
        )
    if problems:
        raise SimError("; ".join(problems), path=name)

    if outside.any():
        warnings.warn(
            f"{name}: ignoring {int(outside.sum())} fund row(s) outside region "
            f"'{geography.region}' ({describe_rows(frame.index[outside])})",
            stacklevel=2,
        )
    keep = ~outside.to_numpy()
    values = values[keep]
    values["fund_id"] = fund_ids[keep]
    return _aggregate(values, has_fund_id="fund_id" in frame.columns)


def _check_columns(frame: pd.DataFrame) -> list[str]:
    """Age bands come all seven or none."""
    given = [c for c in BAND_COLUMNS if c in frame.columns]
    if given and len(given) < len(BAND_COLUMNS):
        missing = [c for c in BAND_COLUMNS if c not in frame.columns]
        return [f"age-band columns must be all seven or none; missing {', '.join(missing)}"]
    return []


def _parse_values(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Numbers and status per row (same index as `frame`), and the problems found."""
    problems: list[str] = []
    values = pd.DataFrame({"subdistrict_code": frame["subdistrict_code"]}, index=frame.index)

    year, bad = parse_whole_numbers(frame["founded_year"])
    bad |= (year < FIRST_YEAR) | (year > LAST_YEAR)
    if bad.any():
        buddhist = bool(((year >= FIRST_YEAR + 543) & (year <= LAST_YEAR + 543) & bad).any())
        problems.append(
            f"founded_year must be a whole year {FIRST_YEAR}–{LAST_YEAR} in "
            f"{describe_rows(frame.index[bad])}"
            + (" (Buddhist-era years? subtract 543)" if buddhist else "")
        )
    values["founded_year"] = year

    members, bad = parse_whole_numbers(frame["members"])
    bad |= members < 0
    if bad.any():
        problems.append(f"members must be a whole number >= 0 in {describe_rows(frame.index[bad])}")
    values["members"] = members

    if "reserves_thb" in frame.columns:
        reserves = pd.to_numeric(frame["reserves_thb"], errors="coerce").astype(float)
        bad = ~np.isfinite(reserves) | (reserves < 0)
        if bad.any():
            problems.append(
                f"reserves_thb must be a number >= 0 in {describe_rows(frame.index[bad])}"
            )
        huge = ~bad & (reserves > MAX_RESERVES_THB)
        if huge.any():  # money is kept in int64 satang: 1e17 THB would wrap round to a debt
            problems.append(
                f"reserves_thb above {MAX_RESERVES_THB:,.0f} THB in {describe_rows(frame.index[huge])} "
                "(no fund holds that much; is a column shifted?)"
            )
            bad |= huge
        values["reserves_thb"] = reserves.where(~bad, 0.0)

    if BAND_COLUMNS[0] in frame.columns:
        bad_any = pd.Series(False, index=frame.index)
        for column in BAND_COLUMNS:
            counts, bad = parse_whole_numbers(frame[column])
            bad_any |= bad | (counts < 0)
            values[column] = counts
        if bad_any.any():
            problems.append(
                f"members_<band> must be whole numbers >= 0 in {describe_rows(frame.index[bad_any])}"
            )
        mismatch = ~bad_any & (values[list(BAND_COLUMNS)].sum(axis=1) != values["members"])
        if mismatch.any():
            problems.append(
                f"age-band members do not add up to members in {describe_rows(frame.index[mismatch])}"
            )

    if "status" in frame.columns:
        status = frame["status"].str.lower()
        bad = ~status.isin(STATUS_ORDER)
        if bad.any():
            problems.append(
                f"status must be one of {'/'.join(STATUS_ORDER)} in {describe_rows(frame.index[bad])}"
            )
        values["status"] = status
    return values, problems


def _aggregate(values: pd.DataFrame, *, has_fund_id: bool) -> pd.DataFrame:
    """One row per sub-district: counts summed, earliest founding, worst status."""
    grouped = values.groupby("subdistrict_code", sort=True)
    registry = pd.DataFrame(
        {
            "n_funds": grouped.size().astype(np.int64),
            "founded_year": grouped["founded_year"].min().astype(np.int64),
            "members": grouped["members"].sum().astype(np.int64),
        }
    )
    registry["reserves_thb"] = (
        grouped["reserves_thb"].sum().astype(float) if "reserves_thb" in values else np.nan
    )
    for column in BAND_COLUMNS:
        registry[column] = grouped[column].sum().astype(float) if column in values else np.nan
    if "status" in values:
        rank = values["status"].map(STATUS_ORDER.index)
        registry["status"] = (
            rank.groupby(values["subdistrict_code"]).max().map(lambda r: STATUS_ORDER[r])
        )
    else:
        registry["status"] = np.nan
    if has_fund_id:
        registry["fund_ids"] = grouped["fund_id"].agg(lambda ids: ";".join(i for i in ids if i))
    else:
        registry["fund_ids"] = np.nan
    registry = registry.reset_index()
    return registry.loc[:, list(REGISTRY_COLUMNS)]
