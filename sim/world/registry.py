"""Fund registry import: a planner's export of real funds replaces the synthetic starting state.

Input CSV (UTF-8 with or without BOM, any line endings), one row per fund::

    subdistrict_code,founded_year,members[,fund_id][,reserves_thb]
        [,members_0_14,...,members_80_plus][,status][,population]

A sub-district may hold several funds (a tambon fund and a municipal fund); their rows carry
different ``fund_id`` values and are aggregated into the sub-district's one agent. The optional
``population`` column is the sub-district's real population (the same on each of its funds'
rows, or given on one of them); where it is given it replaces the synthetic population.

Loading is all-or-nothing: every problem in the file is collected and reported in one SimError
naming the file, the **file lines** (the header is line 1) and the offending values; otherwise a
complete frame is returned.

Members above the sub-district's population are an error only where the population is real (a
population file, or this file's ``population`` column). Where it is synthetic, the starting
world raises that sub-district's population to fit and takes the difference from the rest of
its province (`sim.world.scenario_inputs.fit_population`), with a note — never a silent trim.
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
    MAX_SUBDISTRICT_POPULATION,
    describe_rows,
    describe_values,
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
OPTIONAL = ("fund_id", "reserves_thb", *BAND_COLUMNS, "status", "population", "contribution_thb", "contribution_per")
PAYMENTS_PER_YEAR = {"day": 365.0, "week": 52.0, "month": 12.0, "year": 1.0}
"""A fund's saving schedule: `contribution_thb` paid every `contribution_per` (day, week, month or
year), e.g. 1 per day (365 baht a year) or 20 per month (240); issue 13."""
REGISTRY_COLUMNS = (
    "subdistrict_code",
    "n_funds",
    "founded_year",
    "members",
    "reserves_thb",
    *BAND_COLUMNS,
    "status",
    "fund_ids",
    "population",
    "contribution_thb_per_year",
)


def load_registry(path: str | Path, geography: Geography) -> pd.DataFrame:
    """Read and check a fund registry; return one row per sub-district that has a fund.

    Columns: subdistrict_code, n_funds, founded_year (earliest), members, reserves_thb (NaN when
    the file has no such column), members_<band> for the seven bands (NaN when not given),
    status (worst of the funds; NaN when not given), fund_ids (';'-joined; NaN when the file
    has no fund_id column) and population (the sub-district's real population; NaN when not
    given). Sorted by sub-district code. Real sub-districts outside the geography's region are
    ignored with a warning. ``attrs["lines"]`` maps each sub-district to the file lines of its
    funds and ``attrs["path"]`` is the file, so later checks can name them too.
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
        problems.append(f"unknown sub-district code(s) on {describe_values(codes[unknown])}")
    values, value_problems = _parse_values(frame)
    problems += value_problems

    fund_ids = frame["fund_id"] if "fund_id" in frame.columns else pd.Series("", index=frame.index)
    repeated = pd.DataFrame({"code": codes, "fund": fund_ids}).duplicated(keep=False)
    if repeated.any():
        what = "(subdistrict_code, fund_id)" if "fund_id" in frame.columns else "subdistrict_code"
        shown = codes[repeated] + (("/" + fund_ids[repeated]) if "fund_id" in frame.columns else "")
        problems.append(
            f"the same {what} appears more than once: {describe_values(shown)}"
            + ("" if "fund_id" in frame.columns else " (add a fund_id column for several funds)")
        )
    outside = ~codes.isin(region)
    problems += _check_population(frame, values, codes, outside, geography)
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
    registry = _aggregate(values, has_fund_id="fund_id" in frame.columns)
    lines = values.index.to_series().groupby(values["subdistrict_code"]).agg(tuple)
    registry.attrs["lines"] = lines.to_dict()
    registry.attrs["path"] = name
    return registry


def _check_columns(frame: pd.DataFrame) -> list[str]:
    """Age bands come all seven or none."""
    given = [c for c in BAND_COLUMNS if c in frame.columns]
    if given and len(given) < len(BAND_COLUMNS):
        missing = [c for c in BAND_COLUMNS if c not in frame.columns]
        return [
            f"header (line {frame.attrs.get('header_line', 1)}): age-band columns must be all "
            f"seven or none; missing {', '.join(missing)}"
        ]
    return []


def _check_population(frame, values, codes, outside, geography) -> list[str]:
    """A population column agrees per sub-district; members never exceed a real population.

    Real: this file's population (where given), else a population file's. A synthetic
    population is fitted to the members later, so it is not an error here.
    """
    problems: list[str] = []
    inside = ~outside & values["members_ok"]
    members = values.loc[inside, "members"].groupby(codes[inside]).sum()
    real = pd.Series(np.nan, index=members.index)
    source = pd.Series("", index=members.index, dtype=object)
    if getattr(geography, "population_is_real", False):
        pop = geography.subdistricts.set_index("subdistrict_code")["population"]
        real[:] = pop.loc[members.index].to_numpy(float)
        source[:] = "the population file"
    if "population" in values:
        given = values["population"]
        has = given.notna() & ~outside
        conflict = given[has].groupby(codes[has]).nunique() > 1
        if conflict.any():
            rows = has & codes.isin(conflict.index[conflict])
            problems.append(
                "population differs between the rows of one sub-district on "
                f"{describe_values(frame.loc[rows, 'population'])}"
            )
        first = given[has].groupby(codes[has]).first()
        if getattr(geography, "population_is_real", False):
            pop = geography.subdistricts.set_index("subdistrict_code")["population"]
            differ = first.index[first.to_numpy() != pop.loc[first.index].to_numpy()]
            if len(differ):
                rows = has & codes.isin(differ)
                shown = pd.Series(
                    [
                        f"{frame.at[line, 'population']!r} (file: {int(pop[code]):,})"
                        for line, code in codes[rows].items()
                    ],
                    index=codes[rows].index,
                )
                problems.append(
                    "population differs from the population file's on "
                    + describe_values(shown, quote=False)
                )
        first = first.reindex(members.index).dropna()
        real.loc[first.index] = first
        source.loc[first.index] = "its population column"
    over = members.index[(members > real).to_numpy()]
    if len(over):
        rows = inside & codes.isin(over)
        shown = pd.Series(
            [
                f"{frame.at[line, 'members']!r} (sub-district {code}: {int(members[code]):,} "
                f"members, population {int(real[code]):,} from {source[code]})"
                for line, code in codes[rows].items()
            ],
            index=codes[rows].index,
        )
        problems.append(
            "members exceed the sub-district's real population on "
            f"{describe_values(shown, quote=False)}; a real population is never trimmed or "
            "raised: check the numbers"
        )
    return problems


def _parse_values(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Numbers and status per row (same index as `frame`), and the problems found."""
    problems: list[str] = []
    values = pd.DataFrame({"subdistrict_code": frame["subdistrict_code"]}, index=frame.index)

    year, bad = parse_whole_numbers(frame["founded_year"])
    bad |= (year < FIRST_YEAR) | (year > LAST_YEAR)
    if bad.any():
        buddhist = bool(((year >= FIRST_YEAR + 543) & (year <= LAST_YEAR + 543) & bad).any())
        problems.append(
            f"founded_year must be a whole year {FIRST_YEAR}–{LAST_YEAR} on "
            f"{describe_values(frame['founded_year'][bad])}"
            + (" (Buddhist-era years? subtract 543)" if buddhist else "")
        )
    values["founded_year"] = year

    members, bad = parse_whole_numbers(frame["members"])
    bad |= members < 0
    if bad.any():
        problems.append(
            f"members must be a whole number >= 0 on {describe_values(frame['members'][bad])}"
        )
    values["members"] = members
    values["members_ok"] = ~bad

    if "reserves_thb" in frame.columns:
        reserves = pd.to_numeric(frame["reserves_thb"], errors="coerce").astype(float)
        bad = ~np.isfinite(reserves) | (reserves < 0)
        if bad.any():
            problems.append(
                f"reserves_thb must be a number >= 0 on {describe_values(frame['reserves_thb'][bad])}"
            )
        huge = ~bad & (reserves > MAX_RESERVES_THB)
        if huge.any():  # money is kept in int64 satang: 1e17 THB would wrap round to a debt
            problems.append(
                f"reserves_thb above {MAX_RESERVES_THB:,.0f} THB on "
                f"{describe_values(frame['reserves_thb'][huge])} "
                "(no fund holds that much; is a column shifted?)"
            )
            bad |= huge
        values["reserves_thb"] = reserves.where(~bad, 0.0)

    if BAND_COLUMNS[0] in frame.columns:
        bad_any = pd.Series(False, index=frame.index)
        shown: dict[int, str] = {}
        for column in BAND_COLUMNS:
            counts, bad = parse_whole_numbers(frame[column])
            bad |= counts < 0
            for line in frame.index[bad & ~bad_any]:
                shown[line] = f"{column} {frame.at[line, column]!r}"
            bad_any |= bad
            values[column] = counts
        if bad_any.any():
            problems.append(
                f"members_<band> must be whole numbers >= 0 on {describe_values(shown, quote=False)}"
            )
        total = values[list(BAND_COLUMNS)].sum(axis=1)
        mismatch = ~bad_any & (total != values["members"])
        if mismatch.any():
            sums = {
                line: f"bands add up to {int(total[line]):,}, members {frame.at[line, 'members']!r}"
                for line in frame.index[mismatch]
            }
            problems.append(
                f"age-band members do not add up to members on {describe_values(sums, quote=False)}"
            )

    if "contribution_thb" in frame.columns or "contribution_per" in frame.columns:
        problems += _parse_schedule(frame, values)

    if "status" in frame.columns:
        status = frame["status"].str.lower()
        bad = ~status.isin(STATUS_ORDER)
        if bad.any():
            problems.append(
                f"status must be one of {'/'.join(STATUS_ORDER)} on "
                f"{describe_values(frame['status'][bad])}"
            )
        values["status"] = status

    if "population" in frame.columns:
        given = frame["population"] != ""
        population, bad = parse_whole_numbers(frame["population"])
        bad = given & (bad | (population < 0) | (population > MAX_SUBDISTRICT_POPULATION))
        if bad.any():
            problems.append(
                f"population must be blank or a whole number 0–{MAX_SUBDISTRICT_POPULATION:,} on "
                f"{describe_values(frame['population'][bad])}"
            )
        values["population"] = pd.Series(population, index=frame.index, dtype=float).where(
            given & ~bad
        )
    return values, problems


def _parse_schedule(frame: pd.DataFrame, values: pd.DataFrame) -> list[str]:
    """contribution_thb (a number > 0) every contribution_per (day/week/month/year), both given or
    both blank, as values["contribution_thb_per_year"] (NaN where blank)."""
    if "contribution_thb" not in frame.columns or "contribution_per" not in frame.columns:
        return ["contribution_thb and contribution_per go together (an amount and how often it is paid)"]
    problems = []
    amount_text, per_text = frame["contribution_thb"], frame["contribution_per"].str.lower()
    given = (amount_text != "") | (per_text != "")
    amount = pd.to_numeric(amount_text, errors="coerce").astype(float)
    bad = given & (~np.isfinite(amount) | (amount <= 0))
    if bad.any():
        problems.append(f"contribution_thb must be a number > 0 on {describe_values(amount_text[bad])}")
    bad_per = given & ~per_text.isin(tuple(PAYMENTS_PER_YEAR))
    if bad_per.any():
        problems.append(f"contribution_per must be one of {'/'.join(PAYMENTS_PER_YEAR)} on "
                        f"{describe_values(frame['contribution_per'][bad_per])}")
    per_year = amount * per_text.map(PAYMENTS_PER_YEAR).astype(float)
    values["contribution_thb_per_year"] = per_year.where(given & ~bad & ~bad_per)
    return problems


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
    registry["population"] = (
        grouped["population"].first().astype(float) if "population" in values else np.nan
    )
    if "contribution_thb_per_year" in values:  # the sub-district's schedule: members' mean
        known = values.dropna(subset=["contribution_thb_per_year"])
        weight = known["members"].clip(lower=1).astype(float)
        paid = (known["contribution_thb_per_year"] * weight).groupby(known["subdistrict_code"]).sum()
        registry["contribution_thb_per_year"] = paid / weight.groupby(known["subdistrict_code"]).sum()
    else:
        registry["contribution_thb_per_year"] = np.nan
    registry = registry.reset_index()
    return registry.loc[:, list(REGISTRY_COLUMNS)]
