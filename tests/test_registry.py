"""Fund registry import: aggregation of several funds, tolerant encodings, strict values."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.errors import SimError
from sim.world.geography import build_geography
from sim.world.registry import BAND_COLUMNS, REGISTRY_COLUMNS, load_registry

DATA = Path(__file__).parent / "data"
REGISTRY = DATA / "registry_mukdahan.csv"
HEADER = "subdistrict_code,founded_year,members"


@pytest.fixture(scope="module")
def mukdahan():
    """Mukdahan with a known population: 1,000 in 490101, +10 per following sub-district."""
    return build_geography(["49"], population_file=DATA / "pop_mukdahan.csv")


def write(tmp_path: Path, text: str, name: str = "registry.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_quietly(path, geography) -> pd.DataFrame:
    with pytest.warns(UserWarning, match="ignoring extra column"):
        return load_registry(path, geography)


def test_good_registry_aggregates_funds(mukdahan):
    registry = load_quietly(REGISTRY, mukdahan)
    assert list(registry.columns) == list(REGISTRY_COLUMNS)
    assert registry["subdistrict_code"].tolist() == ["490101", "490201", "490301"]
    first = registry.iloc[0]
    assert first["n_funds"] == 2 and first["founded_year"] == 2010 and first["members"] == 650
    assert first["reserves_thb"] == pytest.approx(1_500_000.50)
    assert [first[c] for c in BAND_COLUMNS] == [60, 80, 200, 170, 80, 45, 15]
    assert first["status"] == "weak"  # worst of normal and Weak (case ignored)
    assert first["fund_ids"] == "T490101;M490101"
    assert registry["status"].tolist() == ["weak", "strong", "dormant"]
    assert registry["n_funds"].dtype == np.int64 and registry["members"].dtype == np.int64


def test_bom_crlf_and_thai_extra_column(mukdahan, tmp_path):
    text = REGISTRY.read_text(encoding="utf-8")
    path = tmp_path / "excel_export.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    with pytest.warns(UserWarning, match="หมายเหตุ"):
        registry = load_registry(path, mukdahan)
    pd.testing.assert_frame_equal(registry, load_quietly(REGISTRY, mukdahan))


def test_minimal_registry_leaves_optional_values_nan(mukdahan, tmp_path):
    path = write(tmp_path, f"{HEADER}\n490102,2011,100\n490101,2010.0,50\n")
    registry = load_registry(path, mukdahan)
    assert registry["subdistrict_code"].tolist() == ["490101", "490102"]
    assert registry["founded_year"].tolist() == [2010, 2011]
    assert registry["n_funds"].tolist() == [1, 1]
    for column in ("reserves_thb", *BAND_COLUMNS, "status", "fund_ids"):
        assert registry[column].isna().all(), column


def test_codes_stay_strings(mukdahan, tmp_path):
    registry = load_registry(write(tmp_path, f"{HEADER}\n490101,2010,5\n"), mukdahan)
    assert isinstance(registry["subdistrict_code"].iloc[0], str)


def test_rows_outside_the_region_are_ignored_with_a_warning(mukdahan, tmp_path):
    path = write(tmp_path, f"{HEADER}\n490101,2010,5\n400101,2010,5\n")
    with pytest.warns(UserWarning, match="outside region 'provinces:49' \\(line 3\\)"):
        registry = load_registry(path, mukdahan)
    assert registry["subdistrict_code"].tolist() == ["490101"]


def bad(tmp_path, geography, text: str, name: str = "bad_registry.csv") -> str:
    path = write(tmp_path, text, name=name)
    with pytest.raises(SimError) as info:
        load_registry(path, geography)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message
    return message


@pytest.mark.parametrize(
    ("rows", "fragment"),
    [
        (
            ["999999,2010,5", "490101,2010,5", "12,2010,5"],
            "unknown sub-district code(s) on line 2: '999999', line 4: '12'",
        ),
        (["490101,2010,-5"], "members must be a whole number >= 0 on line 2: '-5'"),
        (
            ["490101,2010,12.5", "490102,2010,abc", "490103,2010,"],
            "members must be a whole number >= 0 on line 2: '12.5', line 3: 'abc', line 4: (blank)",
        ),
        (["490101,twenty,5"], "founded_year must be a whole year 1990–2100 on line 2: 'twenty'"),
        (
            ["490101,1989,5", "490102,2101,5"],
            "founded_year must be a whole year 1990–2100 on line 2: '1989', line 3: '2101'",
        ),
        (["490101,2553,5"], "Buddhist-era years? subtract 543"),
        (
            ["490101,2010,5", "490101,2011,6"],
            "the same subdistrict_code appears more than once: line 2: '490101', line 3: '490101'",
        ),
        (
            ["490101,2010,1001"],
            "members exceed the sub-district's real population on line 2: '1001' (sub-district "
            "490101: 1,001 members, population 1,000 from the population file)",
        ),
        (["490101,2010,nan"], "members must be a whole number >= 0 on line 2: 'nan'"),
    ],
)
def test_bad_values_name_the_rows(mukdahan, tmp_path, rows, fragment):
    assert fragment in bad(tmp_path, mukdahan, "\n".join([HEADER, *rows]) + "\n")


def test_duplicate_fund_in_a_subdistrict(mukdahan, tmp_path):
    text = "subdistrict_code,fund_id,founded_year,members\n490101,A,2010,5\n490101,B,2010,5\n490101,A,2012,5\n"
    assert "the same (subdistrict_code, fund_id) appears more than once: line 2: '490101/A', line 4: '490101/A'" in bad(
        tmp_path, mukdahan, text
    )


def test_members_of_all_funds_together_above_population(mukdahan, tmp_path):
    text = "subdistrict_code,fund_id,founded_year,members\n490101,A,2010,600\n490101,B,2010,600\n490102,A,2010,10\n"
    message = bad(tmp_path, mukdahan, text)
    assert (
        "members exceed the sub-district's real population on line 2: '600' (sub-district 490101: "
        "1,200 members, population 1,000 from the population file), line 3: '600'"
        in message
    )


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "", "lots"])
def test_bad_reserves(mukdahan, tmp_path, value):
    text = f"{HEADER},reserves_thb\n490101,2010,5,100\n490102,2010,5,{value}\n"
    shown = "(blank)" if value == "" else repr(value)
    assert f"reserves_thb must be a number >= 0 on line 3: {shown}" in bad(tmp_path, mukdahan, text)


def test_age_bands_must_add_up(mukdahan, tmp_path):
    header = f"{HEADER},{','.join(BAND_COLUMNS)}"
    text = f"{header}\n490101,2010,7,1,1,1,1,1,1,1\n490102,2010,7,1,1,1,1,1,1,2\n490103,2010,7,1,1,1,1,1,1,x\n"
    message = bad(tmp_path, mukdahan, text)
    assert "age-band members do not add up to members on line 3: bands add up to 8, members '7'" in message
    assert "members_<band> must be whole numbers >= 0 on line 4: members_80_plus 'x'" in message


def test_age_bands_all_or_none(mukdahan, tmp_path):
    text = f"{HEADER},members_0_14,members_15_24\n490101,2010,7,1,6\n"
    message = bad(tmp_path, mukdahan, text)
    assert "header (line 1): age-band columns must be all seven or none; missing members_25_44" in message


def test_unknown_status(mukdahan, tmp_path):
    text = f"{HEADER},status\n490101,2010,5,strong\n490102,2010,5,excellent\n490103,2010,5,\n"
    assert "status must be one of strong/normal/weak/dormant on line 3: 'excellent', line 4: (blank)" in bad(
        tmp_path, mukdahan, text
    )


def test_many_bad_rows_are_summarised(mukdahan, tmp_path):
    rows = [f"4901{i:02d},2010,-1" for i in range(1, 13)]
    message = bad(tmp_path, mukdahan, "\n".join([HEADER, *rows]))
    assert "line 2: '-1', line 3: '-1', line 4: '-1', line 5: '-1', line 6: '-1', … (12 lines)" in message


def test_all_problems_are_reported_together(mukdahan, tmp_path):
    message = bad(tmp_path, mukdahan, f"{HEADER}\n999999,2010,5\n490101,1900,5\n490102,2010,-3\n")
    assert (
        "unknown sub-district" in message
        and "founded_year" in message
        and "members must" in message
    )


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "fund registry is empty"),
        (b"\xef\xbb\xbf", "fund registry is empty"),
        (HEADER.encode() + b"\r\n", "header but no data rows"),
        (b"subdistrict_code,members\n490101,5\n", "missing column(s) founded_year"),
        (
            "subdistrict_code,founded_year,members,ชื่อ\n490101,2010,5,มุกดาหาร\n".encode("cp874"),
            "not UTF-8",
        ),
    ],
)
def test_unreadable_registry_files(mukdahan, tmp_path, content, fragment):
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    with pytest.raises(SimError) as info:
        load_registry(path, mukdahan)
    assert str(info.value).startswith(str(path)) and fragment in str(info.value)


def test_missing_registry_file(mukdahan, tmp_path):
    with pytest.raises(SimError, match="fund registry not found"):
        load_registry(tmp_path / "nope.csv", mukdahan)


def test_registry_reserves_sum_and_nan_semantics(mukdahan, tmp_path):
    text = "subdistrict_code,fund_id,founded_year,members,reserves_thb\n490101,A,2010,5,1e3\n490101,B,2012,5,2500.25\n"
    registry = load_registry(write(tmp_path, text), mukdahan)
    assert math.isclose(registry.loc[0, "reserves_thb"], 3500.25)
    assert registry.loc[0, "fund_ids"] == "A;B" and registry.loc[0, "founded_year"] == 2010


def test_row_with_more_fields_than_the_header(mukdahan, tmp_path):
    text = f"{HEADER}\n490101,2010,5\n490102,2010,5,oops\n490103,2010,5,,\n"
    message = bad(tmp_path, mukdahan, text)
    assert "more fields than the header's 3 columns (the extra cells) on line 3: 'oops'" in message


def test_blank_lines_and_trailing_commas_are_tolerated(mukdahan, tmp_path):
    text = f"\n{HEADER},\n490101,2010,5,\n\n490102,2011,7,\n"
    with pytest.warns(UserWarning, match="column_4"):
        registry = load_registry(write(tmp_path, text), mukdahan)
    assert registry["members"].tolist() == [5, 7]
    message = bad(tmp_path, mukdahan, f"{HEADER}\n490101,2010,5\n\n490102,2010,-1\n")
    assert "members must be a whole number >= 0 on line 4: '-1'" in message  # blank line counts


def test_absurdly_large_numbers_are_rejected(mukdahan, tmp_path):
    message = bad(tmp_path, mukdahan, f"{HEADER}\n490101,2010,1e30\n")
    assert "members must be a whole number >= 0 on line 2: '1e30'" in message
