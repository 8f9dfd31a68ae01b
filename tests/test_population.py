"""Population: exact province totals, seeded splits keyed by code, age structure, user files."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.errors import SimError
from sim.world.geography import build_geography
from sim.world.population import (
    AGE_BANDS,
    DEFAULT_AGE_SHARES_PERCENT,
    NATIONAL_POPULATION_2023,
    largest_remainder,
    largest_remainder_rows,
    normalised_age_shares,
    province_population_sources,
    province_populations,
)

DATA = Path(__file__).parent / "data"
MUKDAHAN_POP = DATA / "pop_mukdahan.csv"


@pytest.fixture(scope="module")
def isan():
    return build_geography("isan")


def sourced_totals() -> dict[str, int]:
    csv = pd.read_csv("sim/data/isan_provinces.csv", dtype={"code": str})
    return dict(zip(csv["code"].str[3:], csv["population"], strict=True))


# --- largest remainder -------------------------------------------------------------------------

weights_strategy = hnp.arrays(
    np.float64, st.integers(1, 40), elements=st.floats(0, 1e6, allow_subnormal=False)
)


@settings(max_examples=300, deadline=None)
@given(weights_strategy, st.integers(0, 10**8))
def test_largest_remainder_preserves_the_total(weights, total):
    if weights.sum() == 0:
        weights = weights + 1.0
    parts = largest_remainder(weights, total)
    quota = weights / weights.sum() * total
    assert parts.dtype == np.int64
    assert parts.sum() == total
    assert (parts >= 0).all()
    assert (np.abs(parts - quota) < 1 + 1e-6).all()


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(np.float64, st.tuples(st.integers(1, 20), st.just(7)), elements=st.floats(0.001, 1)),
    st.data(),
)
def test_largest_remainder_rows_preserves_each_row(shares, data):
    totals = np.array(
        data.draw(st.lists(st.integers(0, 10**6), min_size=len(shares), max_size=len(shares)))
    )
    parts = largest_remainder_rows(shares, totals)
    np.testing.assert_array_equal(parts.sum(axis=1), totals)
    quota = shares / shares.sum(axis=1, keepdims=True) * totals[:, None]
    assert (parts >= 0).all() and (np.abs(parts - quota) < 1 + 1e-6).all()


def test_largest_remainder_gives_leftovers_to_largest_fractions():
    assert largest_remainder([1, 1, 1], 10).tolist() == [4, 3, 3]  # ties go to the first
    assert largest_remainder([0.5, 0.3, 0.2], 7).tolist() == [4, 2, 1]
    assert largest_remainder([3, 0], 5).tolist() == [5, 0]


# --- province and sub-district totals ----------------------------------------------------------


def test_isan_province_totals_are_exact(isan):
    totals = sourced_totals()
    per_province = isan.subdistricts.groupby("province_code")["population"].sum()
    assert per_province.to_dict() == totals
    assert isan.provinces.set_index("province_code")["population"].to_dict() == totals


def test_national_total_is_the_2023_registry_total():
    with pytest.warns(UserWarning, match="outside Isan"):
        geo = build_geography("national")
    assert geo.subdistricts["population"].sum() == NATIONAL_POPULATION_2023
    isan_part = geo.provinces[geo.provinces["province_code"].isin(sourced_totals())]
    assert isan_part.set_index("province_code")["population"].to_dict() == sourced_totals()


def test_population_sources_are_kept():
    sources = province_population_sources()
    assert len(sources) == 20 and not sources["assumed"].any()
    assert sources["source"].str.startswith("pop: ").all()
    assert set(sources.columns) >= {"province_code", "population", "year", "source", "assumed"}
    fallback = province_population_sources(["10"])
    assert fallback["assumed"].all() and "66,052,615" in fallback.loc[0, "source"]


def test_fallback_warns_once_per_call():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        province_populations(["10", "11", "50", "40"])
    assert len(caught) == 1 and "3 province(s) outside Isan" in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        province_populations(["40"])  # sourced: no warning


def test_split_is_deterministic_and_seeded(isan):
    again = build_geography("isan")
    np.testing.assert_array_equal(again.subdistricts["population"], isan.subdistricts["population"])
    other = build_geography("isan", seed=1)
    assert (other.subdistricts["population"] != isan.subdistricts["population"]).mean() > 0.9
    assert other.provinces["population"].tolist() == isan.provinces["population"].tolist()


def test_adding_a_province_does_not_change_another(isan):
    alone = build_geography(["44"], seed=3)
    both = build_geography(["40", "44"], seed=3)
    in_both = (both.subdistricts["province_code"] == "44").to_numpy()
    np.testing.assert_array_equal(
        alone.subdistricts["population"], both.subdistricts["population"][in_both]
    )
    np.testing.assert_array_equal(alone.population_by_age, both.population_by_age[in_both])
    in_isan = (isan.subdistricts["province_code"] == "44").to_numpy()
    np.testing.assert_array_equal(
        build_geography(["44"]).population_by_age, isan.population_by_age[in_isan]
    )


def test_sigma_controls_the_spread():
    flat = build_geography(["49"], population_sigma=0.0)
    pop = flat.subdistricts["population"]
    assert pop.max() - pop.min() <= 1
    wide = build_geography(["49"], population_sigma=1.5).subdistricts["population"]
    narrow = build_geography(["49"], population_sigma=0.3).subdistricts["population"]
    assert wide.std() > narrow.std()


# --- age structure -----------------------------------------------------------------------------


def test_age_structure_matches_the_default_shares(isan):
    totals = isan.population_by_age.sum(axis=0) / isan.population_by_age.sum()
    expected = np.array(DEFAULT_AGE_SHARES_PERCENT) / 100
    np.testing.assert_allclose(totals, expected, atol=0.002)
    per_sub = isan.population_by_age / isan.population_by_age.sum(axis=1, keepdims=True)
    assert per_sub[:, 4:].sum(axis=1).std() > 0.005  # sub-districts differ


def test_infinite_concentration_gives_the_same_shares_everywhere():
    geo = build_geography(["49"], age_share_concentration=math.inf)
    shares = geo.population_by_age / geo.population_by_age.sum(axis=1, keepdims=True)
    expected = np.array(DEFAULT_AGE_SHARES_PERCENT) / 100
    assert (
        np.abs(shares - expected) * geo.subdistricts["population"].to_numpy()[:, None] <= 1
    ).all()


def test_custom_age_shares_and_zero_bands():
    geo = build_geography(["49"], age_shares=[20, 20, 20, 20, 20, 0, 0])
    assert (geo.population_by_age[:, 5:] == 0).all()
    assert (geo.population_by_age.sum(axis=1) == geo.subdistricts["population"]).all()


def test_normalised_age_shares():
    shares = normalised_age_shares(None)
    assert shares.shape == (len(AGE_BANDS),) and math.isclose(shares.sum(), 1.0)
    with pytest.raises(SimError, match="age_shares"):
        normalised_age_shares([1, -1, 1, 1, 1, 1, 1])
    with pytest.raises(SimError, match="age_shares"):
        normalised_age_shares(["a"] * 7)


# --- user population files ---------------------------------------------------------------------


def test_good_population_file():
    geo = build_geography(["49"], population_file=MUKDAHAN_POP)
    assert geo.subdistricts["population"].tolist() == [1000 + 10 * i for i in range(53)]
    assert geo.provinces["population"].tolist() == [66780]
    assert (geo.population_by_age.sum(axis=1) == geo.subdistricts["population"]).all()


def test_population_file_outside_region_rows_are_ignored(tmp_path):
    path = tmp_path / "pop.csv"
    path.write_text(MUKDAHAN_POP.read_text() + "480101,5\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="ignoring 1 sub-district"):
        geo = build_geography(["49"], population_file=path)
    assert geo.provinces["population"].tolist() == [66780]


@pytest.mark.parametrize(
    ("edit", "fragments"),
    [
        # file lines: the header is line 1, so data row k is line k + 1
        (lambda r: [*r, "999999,10"], ["unknown sub-district code(s) on line 55: '999999'"]),
        (lambda r: [*r, r[1]], ["listed more than once on line 2: '490101', line 55: '490101'"]),
        (lambda r: [r[0], "490101,-5", *r[2:]], ["whole number >= 0 on line 2: '-5'"]),
        (
            lambda r: [r[0], "490101,12.5", "490102,abc", "490103,", *r[4:]],
            ["line 2: '12.5', line 3: 'abc', line 4: (blank)"],
        ),
        (lambda r: [r[0], "490101,inf", *r[2:]], ["line 2: 'inf'"]),
        (
            lambda r: r[:1] + r[3:],
            ["2 sub-district(s) of region 'provinces:49' missing: 490101, 490102"],
        ),
        (lambda r: r[:1], ["header but no data rows"]),
        (lambda r: ["code,population", *r[1:]], ["header (line 1): missing column(s) subdistrict_code"]),
    ],
)
def test_bad_population_files(tmp_path, edit, fragments):
    rows = MUKDAHAN_POP.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "population.csv"
    path.write_text("\n".join(edit(rows)) + "\n", encoding="utf-8")
    with pytest.raises(SimError) as info:
        build_geography(["49"], population_file=path)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message
    for fragment in fragments:
        assert fragment in message


def test_population_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "tis620.csv"
    path.write_bytes("subdistrict_code,population,ชื่อ\n490101,5,มุกดาหาร\n".encode("cp874"))
    with pytest.raises(SimError, match="not UTF-8"):
        build_geography(["49"], population_file=path)
