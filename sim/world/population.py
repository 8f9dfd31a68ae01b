"""Population per sub-district and by age band.

Province totals are sourced (``sim/data/isan_provinces.csv``, DOPA registration counts published
by NSO). The split across a province's sub-districts is synthetic unless the user supplies a
population file: seeded lognormal weights, scaled to the province total and rounded with the
largest-remainder method so every province total is exact. Age structure: the Thai registry
pyramid in seven bands (``DEMOGRAPHY.md`` §5), varied per sub-district by a seeded Dirichlet draw.

Every random draw is keyed by ``(seed, stream, sub-district code)``, never by a position in an
array, so adding or removing a province never changes another province's numbers (common random
numbers across regions).

This module also holds the small reader for user CSV files keyed by sub-district code, shared by
the zone map, population file and fund registry, so that all of them report problems the same way.
"""

from __future__ import annotations

import csv
import io
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import geothai
import numpy as np
import pandas as pd

from sim.errors import SimError

AGE_BANDS = ("0_14", "15_24", "25_44", "45_59", "60_69", "70_79", "80_plus")

DEFAULT_AGE_SHARES_PERCENT = (15.8, 13.3, 28.0, 23.6, 10.8, 5.7, 2.8)
"""Population share by band, Thailand registry 2022–23 (DEMOGRAPHY.md §5, derived)."""

NATIONAL_POPULATION_2023 = 66_052_615
"""Thailand's registered population, 31 Dec 2023 (FACTS.md [S41], NSO Quarterly Bulletin Q1/2024)."""

NATIONAL_POPULATION_SOURCE = (
    "NSO Quarterly Bulletin of Statistics Q1/2024 Table 1.1 (2023 population 66,052,615) "
    "https://nso.go.th/public/e-book/Bulletin-of-Statistics/bulletin-1-67/31 (FACTS.md [S41])"
)

ISAN_PROVINCE_CODES = tuple(str(code) for code in range(30, 50))

MAX_SUBDISTRICT_POPULATION = 10_000_000
"""A population file may not give one sub-district more people than this (the largest has
far fewer than a million); absurd numbers are refused instead of running for days."""

POPULATION_STREAM = 1
"""Random stream of the lognormal sub-district weights."""
AGE_STREAM = 2
"""Random stream of the Dirichlet age shares."""

_FALLBACK_NOTE = (
    "assumed: national registry total 2023 minus the sum of the 20 Isan provinces, split over the "
    "non-Isan provinces in proportion to their number of sub-districts"
)


# --- user CSV files keyed by sub-district code -------------------------------------------------


def describe_rows(rows: Iterable[int], limit: int = 5) -> str:
    """'line 4' / 'lines 2, 5, 9' / 'lines 2, 3, 4, 5, 6, … (12 lines)': file lines, one line of text.

    The numbers are the lines a user sees in an editor (the header is line 1), as
    :func:`read_code_csv` puts them in a frame's index.
    """
    rows = sorted(set(int(r) for r in rows))
    if len(rows) == 1:
        return f"line {rows[0]}"
    shown = ", ".join(str(r) for r in rows[:limit])
    if len(rows) > limit:
        return f"lines {shown}, … ({len(rows)} lines)"
    return f"lines {shown}"


def describe_values(
    values: pd.Series | Mapping[int, object], limit: int = 5, *, quote: bool = True
) -> str:
    """'line 3: '-5'' / 'line 3: '-5', line 7: 'abc', … (12 lines)': each offending value with
    its file line (a Series indexed by line, as :func:`read_code_csv` gives). With
    ``quote=False`` the values are shown as given (already formatted text)."""
    items = sorted((int(line), value) for line, value in dict(values).items())
    show = _quoted if quote else str
    shown = ", ".join(f"line {line}: {show(value)}" for line, value in items[:limit])
    if len(items) > limit:
        return f"{shown}, … ({len(items)} lines)"
    return shown


def _quoted(value: object) -> str:
    """A cell as the user typed it, quoted; blank cells say so; very long ones are cut."""
    text = str(value)
    if not text.strip():
        return "(blank)"
    if len(text) > 40:
        text = text[:37] + "…"
    return repr(text)


def describe_items(items: Iterable[object], limit: int = 5) -> str:
    """'a, b, c' or 'a, b, c, d, e, … (12 in all)', keeping the order given."""
    items = [str(i) for i in items]
    shown = ", ".join(items[:limit])
    if len(items) > limit:
        return f"{shown}, … ({len(items)} in all)"
    return shown


def read_code_csv(path: str | Path, *, what: str, required: Sequence[str]) -> pd.DataFrame:
    """Read a user CSV as text, strictly, turning every reading problem into a one-line SimError.

    Cells are kept as stripped strings (codes stay strings, never numbers); column names are
    stripped and lower-cased. UTF-8 with or without BOM and Windows (or old Mac) line endings
    are accepted. The frame's index is each record's **file line** — the line a user sees in an
    editor, the header being line 1 when it is the first line — used in every error message:
    blank lines are skipped but counted, and a record whose quoted cell holds a line break is
    named by the line it starts on. ``frame.attrs["header_line"]`` is the header's line.
    """
    path = Path(path)
    name = str(path)
    expected = f"expected a header line {','.join(required)}"
    if not path.is_file():
        raise SimError(f"{what} not found", path=name)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SimError(f"cannot read the {what} ({exc.strerror or exc})", path=name) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SimError(
            f"{what} is not UTF-8 text (line {line}, byte 0x{raw[exc.start]:02x}); "
            "save it as 'CSV UTF-8'",
            path=name,
        ) from None
    if "\x00" in text:  # UTF-16 ("Unicode text") or a binary file: not a CSV a person typed
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise SimError(
            f"{what} holds NUL bytes (line {line}): is it UTF-16 or a spreadsheet file? "
            "save it as 'CSV UTF-8'",
            path=name,
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str]]] = []  # (first file line of the record, cells)
    start = 1
    try:
        for record in reader:
            records.append((start, record))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise SimError(f"{what} is not a valid CSV (line {start}): {exc}", path=name) from None

    def blank(record: list[str]) -> bool:
        return not any(cell.strip() for cell in record)

    first = next((i for i, (_, record) in enumerate(records) if not blank(record)), None)
    if first is None:
        raise SimError(f"{what} is empty ({expected})", path=name)
    header_line, header = records[first]
    at = f"header (line {header_line})"
    columns = [c.strip().lower() or f"column_{i + 1}" for i, c in enumerate(header)]
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise SimError(f"{at}: column(s) appear more than once: {', '.join(duplicated)}", path=name)
    missing = [c for c in required if c not in columns]
    if missing:
        raise SimError(
            f"{at}: missing column(s) {', '.join(missing)} (found: {', '.join(columns)})",
            path=name,
        )

    numbers, rows, too_long = [], [], {}
    for number, record in records[first + 1 :]:
        if blank(record):
            continue
        cells = [cell.strip() for cell in record]
        if len(cells) > len(columns) and not blank(cells[len(columns) :]):
            too_long[number] = ",".join(cells[len(columns) :])
        numbers.append(number)
        rows.append((cells + [""] * len(columns))[: len(columns)])
    if too_long:
        raise SimError(
            f"more fields than the header's {len(columns)} columns (the extra cells) on "
            f"{describe_values(too_long)}",
            path=name,
        )
    if not rows:
        raise SimError(f"{what} has a header but no data rows", path=name)
    frame = pd.DataFrame(rows, columns=columns, index=pd.Index(numbers, name="line"), dtype=str)
    frame.attrs["header_line"] = header_line
    return frame


def parse_whole_numbers(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Parse text cells as whole numbers; return the values and a mask of cells that are not.

    '12' and '12.0' (as spreadsheets export) are whole numbers; '', 'abc', '1.5', 'nan', 'inf'
    are not.
    """
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    bad = ~np.isfinite(numbers) | (numbers != np.round(numbers)) | (np.abs(numbers) > 2**53)
    return np.where(bad, 0, numbers).astype(np.int64), bad


# --- rounding ----------------------------------------------------------------------------------


def largest_remainder(weights: Sequence[float] | np.ndarray, total: int) -> np.ndarray:
    """Split the whole number `total` in proportion to `weights`, exactly.

    Each part is its quota rounded down, and the units left over go to the largest fractional
    parts (ties to the lower index), so the parts add up to `total` and none is more than one
    away from its exact quota.
    """
    weights = np.asarray(weights, dtype=float)
    if total < 0 or (weights < 0).any() or not np.isfinite(weights).all():
        raise ValueError("largest_remainder needs total >= 0 and finite weights >= 0")
    if total == 0 or weights.size == 0:
        if total and weights.size == 0:
            raise ValueError("largest_remainder: nothing to split a positive total over")
        return np.zeros(weights.shape, dtype=np.int64)
    largest = weights.max()
    if largest <= 0:
        raise ValueError("largest_remainder: weights sum to zero but the total is positive")
    scaled = weights / largest  # in [0, 1]: no overflow for huge or tiny weights
    quota = scaled / scaled.sum() * total
    parts = np.floor(quota).astype(np.int64)
    left = int(total - parts.sum())
    if left > 0:
        order = np.argsort(-(quota - parts), kind="stable")
        parts[order[:left]] += 1
    return parts


def largest_remainder_rows(
    shares: np.ndarray, totals: np.ndarray, *, zero_rows: str = "refuse"
) -> np.ndarray:
    """Row-wise :func:`largest_remainder`: split each ``totals[i]`` by ``shares[i]``.

    The one largest-remainder rounding of the package (population by age here, members and
    founders in :mod:`sim.model.state` and :mod:`sim.model.yearly`). ``shares`` are weights
    >= 0 per row, in any scale. A row of zero weights with a positive total has no quota:
    ``zero_rows="refuse"`` raises ValueError; ``zero_rows="first"`` gives one unit to each of
    the first ``totals[i]`` columns, the engine's rule since 0.1 (such rows then sum to
    ``min(totals[i], columns)``).
    """
    if zero_rows not in ("refuse", "first"):
        raise ValueError(f"zero_rows must be 'refuse' or 'first', got {zero_rows!r}")
    shares = np.asarray(shares, dtype=float)
    totals = np.asarray(totals, dtype=np.int64)
    largest = shares.max(axis=1, keepdims=True) if shares.shape[1] else np.zeros((len(shares), 1))
    empty = largest[:, 0] <= 0
    if zero_rows == "refuse" and (totals[empty] > 0).any():
        raise ValueError("largest_remainder_rows: a row of zero weights has a positive total")
    largest[empty] = 1.0  # their quota is 0: the rule above falls out of the ranking below
    shares = shares / largest
    sums = shares.sum(axis=1, keepdims=True)
    sums[empty] = 1.0
    shares = shares / sums
    quota = shares * totals[:, None]
    parts = np.floor(quota).astype(np.int64)
    left = totals - parts.sum(axis=1)
    order = np.argsort(-(quota - parts), axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(shares.shape[1])[None, :], axis=1)
    parts += rank < left[:, None]
    return parts


# --- keyed random draws ------------------------------------------------------------------------


def keyed_rng(seed: int, stream: int, code: str) -> np.random.Generator:
    """A generator that depends only on (seed, stream, code): the basis of common random numbers."""
    return np.random.default_rng([int(seed), int(stream), int(code)])


# --- province totals ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _province_table() -> pd.DataFrame:
    """All 77 provinces: sourced totals for Isan, the documented fallback for the rest."""
    text = files("sim").joinpath("data/isan_provinces.csv")
    with text.open("r", encoding="utf-8-sig") as handle:
        isan = pd.read_csv(handle, dtype={"code": str})
    isan = pd.DataFrame(
        {
            "province_code": isan["code"].str.replace("TH-", "", regex=False),
            "population": isan["population"].astype(np.int64),
            "year": isan["year"].astype(np.int64),
            "source": isan["source"],
            "assumed": False,
        }
    )
    sub_counts = {
        p.code: sum(len(geothai.subdistricts(d.code)) for d in geothai.districts(p.code))
        for p in geothai.provinces()
    }
    others = sorted(code for code in sub_counts if code not in set(isan["province_code"]))
    rest = NATIONAL_POPULATION_2023 - int(isan["population"].sum())
    shares = largest_remainder([sub_counts[c] for c in others], rest)
    fallback = pd.DataFrame(
        {
            "province_code": others,
            "population": shares,
            "year": 2023,
            "source": f"{_FALLBACK_NOTE}; national total: {NATIONAL_POPULATION_SOURCE}",
            "assumed": True,
        }
    )
    table = pd.concat([isan, fallback], ignore_index=True)
    return table.sort_values("province_code", ignore_index=True)


def province_population_sources(province_codes: Sequence[str] | None = None) -> pd.DataFrame:
    """Province totals with their year and source (and whether assumed), for reports.

    With no codes: the 20 Isan provinces, whose totals are sourced.
    """
    table = _province_table()
    codes = ISAN_PROVINCE_CODES if province_codes is None else tuple(province_codes)
    return table[table["province_code"].isin(codes)].reset_index(drop=True).copy()


def province_populations(province_codes: Sequence[str]) -> dict[str, int]:
    """Population total per province; warns once per call when any total is the assumed fallback."""
    table = province_population_sources(province_codes)
    assumed = table.loc[table["assumed"], "province_code"].tolist()
    if assumed:
        warnings.warn(
            f"population of {len(assumed)} province(s) outside Isan is {_FALLBACK_NOTE} "
            f"(provinces {describe_items(assumed)}); supply a population file for real numbers",
            stacklevel=2,
        )
    return dict(zip(table["province_code"], table["population"].astype(int), strict=True))


# --- sub-district totals -----------------------------------------------------------------------


def synthetic_subdistrict_population(
    subdistrict_codes: Sequence[str],
    province_codes: Sequence[str],
    province_totals: Mapping[str, int],
    *,
    sigma: float,
    seed: int,
) -> np.ndarray:
    """Split each province total over its sub-districts by seeded lognormal weights, exactly.

    A sub-district's weight is ``exp(sigma * z)`` with ``z`` drawn from its own keyed generator,
    so its share depends only on the seed and its province's sub-districts.
    """
    codes = np.asarray(subdistrict_codes, dtype=str)
    provinces = np.asarray(province_codes, dtype=str)
    z = np.array([keyed_rng(seed, POPULATION_STREAM, c).standard_normal() for c in codes])
    weights = np.exp(sigma * z)
    population = np.zeros(len(codes), dtype=np.int64)
    for province in dict.fromkeys(provinces):
        rows = np.flatnonzero(provinces == province)
        population[rows] = largest_remainder(weights[rows], int(province_totals[province]))
    return population


def read_population_file(
    path: str | Path,
    subdistrict_codes: Sequence[str],
    known_codes: Iterable[str],
    *,
    region_label: str,
) -> np.ndarray:
    """Population per sub-district from a user CSV ``subdistrict_code,population``.

    Every sub-district of the region must appear exactly once with a whole number >= 0. Real
    sub-districts outside the region are ignored (with a warning), so one national file serves
    any region; codes that are not Thai sub-districts are errors.
    """
    name = str(path)
    frame = read_code_csv(path, what="population file", required=("subdistrict_code", "population"))
    extra = [c for c in frame.columns if c not in ("subdistrict_code", "population")]
    if extra:
        warnings.warn(f"{name}: ignoring extra column(s) {', '.join(extra)}", stacklevel=2)
    known = set(known_codes)
    region = pd.Index(subdistrict_codes)
    codes = frame["subdistrict_code"]
    values, bad = parse_whole_numbers(frame["population"])
    bad |= values < 0
    raw = pd.to_numeric(frame["population"], errors="coerce").astype(float)
    huge = np.isfinite(raw.to_numpy()) & (raw.to_numpy() > MAX_SUBDISTRICT_POPULATION)
    bad &= ~huge

    problems = []
    unknown = codes[~codes.isin(known)]
    if len(unknown):
        problems.append(
            f"unknown sub-district code(s) on {describe_values(unknown)}"
        )
    dup = codes[codes.duplicated(keep=False) & codes.isin(known)]
    if len(dup):
        problems.append(
            f"sub-district code(s) listed more than once on {describe_values(dup)}"
        )
    if bad.any():
        problems.append(
            f"population must be a whole number >= 0 on {describe_values(frame['population'][bad])}"
        )
    if huge.any():  # the engine's work grows with people: 1e13 would run for days
        problems.append(
            f"population above {MAX_SUBDISTRICT_POPULATION:,} on "
            f"{describe_values(frame['population'][huge])} "
            "(no sub-district has that many people; is a column shifted?)"
        )
    missing = region[~region.isin(codes)]
    if len(missing):
        problems.append(
            f"{len(missing)} sub-district(s) of region '{region_label}' missing: "
            f"{describe_items(missing)}"
        )
    if problems:
        raise SimError("; ".join(problems), path=name)

    outside = ~codes.isin(region)
    if outside.any():
        warnings.warn(
            f"{name}: ignoring {int(outside.sum())} sub-district(s) outside region "
            f"'{region_label}' ({describe_rows(frame.index[outside])})",
            stacklevel=2,
        )
    by_code = pd.Series(values, index=codes)
    return by_code.loc[region].to_numpy(dtype=np.int64)


# --- age structure -----------------------------------------------------------------------------


def normalised_age_shares(age_shares: Sequence[float] | None) -> np.ndarray:
    """The seven band shares as fractions summing to 1 (default: DEMOGRAPHY.md §5)."""
    shares = DEFAULT_AGE_SHARES_PERCENT if age_shares is None else age_shares
    try:
        arr = np.asarray(shares, dtype=float)
    except (TypeError, ValueError):
        raise SimError(f"age_shares must be {len(AGE_BANDS)} numbers, got {shares!r}") from None
    if arr.shape != (len(AGE_BANDS),):
        raise SimError(
            f"age_shares needs one value per band {', '.join(AGE_BANDS)} "
            f"({len(AGE_BANDS)} values), got {arr.size}"
        )
    if not np.isfinite(arr).all() or (arr < 0).any() or arr.sum() <= 0:
        raise SimError(f"age_shares must be finite, >= 0 and not all zero, got {list(shares)}")
    return arr / arr.sum()


def population_by_age(
    population: np.ndarray,
    subdistrict_codes: Sequence[str],
    *,
    shares: np.ndarray,
    concentration: float,
    seed: int,
) -> np.ndarray:
    """Counts per sub-district and age band (int64, rows sum to `population`).

    Each sub-district's shares are Dirichlet(concentration × shares) from its own keyed
    generator (bands with share 0 stay 0); ``concentration=math.inf`` gives every sub-district
    the same shares. Counts are rounded with the largest-remainder method.
    """
    population = np.asarray(population, dtype=np.int64)
    n = len(population)
    if n == 0:
        return np.zeros((0, len(shares)), dtype=np.int64)
    positive = shares > 0
    if math.isinf(concentration):
        local = np.tile(shares, (n, 1))
    else:
        alpha = concentration * shares[positive]
        local = np.zeros((n, len(shares)))
        local[:, positive] = np.array(
            [keyed_rng(seed, AGE_STREAM, c).dirichlet(alpha) for c in subdistrict_codes]
        )
    return largest_remainder_rows(local, population)
