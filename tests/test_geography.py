"""The real geography: counts pinned to the DOPA tree, the Geography contract, province groups."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from sim.errors import SimError
from sim.world.geography import Geography, build_geography, province_groups, resolve_region

PROVINCE_COLUMNS = [
    "province_code",
    "name_th",
    "name_en",
    "population",
    "group_id",
    "n_districts",
    "n_subdistricts",
]
DISTRICT_COLUMNS = ["district_code", "name_th", "name_en", "province_code"]
SUBDISTRICT_COLUMNS = [
    "subdistrict_code",
    "name_th",
    "name_en",
    "district_code",
    "district_name_th",
    "district_name_en",
    "province_code",
    "province_name_th",
    "province_name_en",
    "zone_id",
    "zone_name",
    "population",
]
ZONE_COLUMNS = [
    "zone_id",
    "zone_name",
    "zone_name_th",
    "province_code",
    "n_subdistricts",
    "population",
    "pilot_2022",
]


@pytest.fixture(scope="module")
def isan() -> Geography:
    return build_geography("isan")


@pytest.fixture(scope="module")
def national() -> Geography:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return build_geography("national")


@pytest.mark.parametrize(
    ("region", "n_provinces", "n_districts", "n_subdistricts"),
    [("isan", 20, 322, 2678), ("national", 77, 928, 7436), (["40", "44"], 2, 39, 332)],
)
def test_counts_match_the_dopa_tree(region, n_provinces, n_districts, n_subdistricts):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        geo = build_geography(region)
    assert len(geo.provinces) == n_provinces
    assert len(geo.districts) == n_districts
    assert geo.n_subdistricts == n_subdistricts
    assert geo.provinces["n_districts"].sum() == n_districts
    assert geo.provinces["n_subdistricts"].sum() == n_subdistricts


def test_isan_province_counts_match_the_sourced_csv(isan):
    source = pd.read_csv("sim/data/isan_provinces.csv", dtype={"code": str})
    source["province_code"] = source["code"].str[3:]
    merged = isan.provinces.merge(source, on="province_code")
    assert len(merged) == 20
    assert (merged["n_districts"] == merged["districts"]).all()
    assert (merged["n_subdistricts"] == merged["tambons"]).all()


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("isan", [str(c) for c in range(30, 50)]),
        ("ISAN", [str(c) for c in range(30, 50)]),
        ("31,30", ["30", "31"]),
        ("provinces:30,31", ["30", "31"]),
        (["44", "40", "40"], ["40", "44"]),
        (["TH-40"], ["40"]),
        ("Khon Kaen, ขอนแก่น, mukdahan", ["40", "49"]),
    ],
)
def test_resolve_region_forms(region, expected):
    assert resolve_region(region) == expected


def test_resolve_region_national_is_all_77():
    codes = resolve_region("national")
    assert len(codes) == 77 and codes == sorted(codes) and codes[0] == "10"


@pytest.mark.parametrize(
    ("region", "fragment"),
    [("99", "'99'"), (["40", "Khon Kean"], "did you mean 40 (Khon Kaen)"), ("3O", "'3O'")],
)
def test_unknown_province_is_a_sim_error_with_close_matches(region, fragment):
    with pytest.raises(SimError, match="unknown province") as info:
        resolve_region(region)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("region", [[], "", " , "])
def test_empty_region_is_a_sim_error(region):
    with pytest.raises(SimError, match="names no provinces"):
        resolve_region(region)


def test_region_label():
    assert build_geography("isan").region == "isan"
    assert build_geography(["44", "40"]).region == "provinces:40,44"
    assert build_geography("provinces:40,44").region == "provinces:40,44"


def test_frames_follow_the_contract(isan):
    assert list(isan.provinces.columns) == PROVINCE_COLUMNS
    assert list(isan.districts.columns) == DISTRICT_COLUMNS
    assert list(isan.subdistricts.columns) == SUBDISTRICT_COLUMNS
    assert list(isan.zones.columns) == ZONE_COLUMNS
    for frame, key in [
        (isan.provinces, "province_code"),
        (isan.districts, "district_code"),
        (isan.subdistricts, "subdistrict_code"),
    ]:
        assert frame[key].is_monotonic_increasing and frame[key].is_unique
        assert frame.index.equals(pd.RangeIndex(len(frame)))
    assert isan.zones["pilot_2022"].dtype == bool


def test_index_arrays_point_at_the_right_rows(isan):
    subs = isan.subdistricts
    n = isan.n_subdistricts
    for name in ("province_index", "zone_index", "district_index", "group_index"):
        array = getattr(isan, name)
        assert array.shape == (n,) and array.dtype == np.int64
        assert not array.flags.writeable
    assert (
        isan.provinces["province_code"].to_numpy()[isan.province_index] == subs["province_code"]
    ).all()
    assert (
        isan.districts["district_code"].to_numpy()[isan.district_index] == subs["district_code"]
    ).all()
    assert (isan.zones["zone_id"].to_numpy()[isan.zone_index] == subs["zone_id"]).all()
    assert (
        isan.groups["group_id"].to_numpy()[isan.group_index]
        == isan.provinces["group_id"].to_numpy()[isan.province_index]
    ).all()


def test_population_by_age_is_consistent(isan):
    by_age = isan.population_by_age
    assert by_age.dtype == np.int64 and by_age.shape == (isan.n_subdistricts, 7)
    assert not by_age.flags.writeable
    assert (by_age >= 0).all()
    assert (by_age.sum(axis=1) == isan.subdistricts["population"].to_numpy()).all()
    assert isan.provinces["population"].sum() == isan.subdistricts["population"].sum()
    assert isan.zones["population"].sum() == isan.subdistricts["population"].sum()


def test_build_is_deterministic(isan):
    again = build_geography("isan")
    for name in ("provinces", "districts", "subdistricts", "zones", "groups"):
        pd.testing.assert_frame_equal(getattr(isan, name), getattr(again, name))
    np.testing.assert_array_equal(isan.population_by_age, again.population_by_age)


def test_repr_is_one_readable_line(isan):
    text = repr(isan)
    assert "\n" not in text and "2,678 sub-districts" in text and "106 zones" in text


def test_province_groups_file_covers_isan_once():
    groups = province_groups()
    assert list(groups.columns) == [
        "province_code",
        "group_id",
        "group_name_th",
        "group_name_en",
        "source",
    ]
    assert sorted(groups["province_code"]) == [str(c) for c in range(30, 50)]
    sizes = groups.groupby("group_id").size().to_dict()
    assert sizes == {
        "isan_central": 4,
        "isan_lower_1": 4,
        "isan_lower_2": 4,
        "isan_upper_1": 5,
        "isan_upper_2": 3,
    }
    by_code = groups.set_index("province_code")["group_id"]
    assert by_code["40"] == "isan_central" and by_code["38"] == "isan_upper_1"
    assert by_code["49"] == "isan_upper_2" and by_code["34"] == "isan_lower_2"
    assert groups["source"].str.contains("FACTS.md").all()


def test_groups_in_isan_and_outside(isan, national):
    assert len(isan.groups) == 5 and (isan.group_index >= 0).all()
    assert isan.groups["n_subdistricts"].sum() == 2678
    assert isan.groups["population"].sum() == isan.subdistricts["population"].sum()
    outside = ~national.subdistricts["province_code"].isin([str(c) for c in range(30, 50)])
    assert (national.group_index[outside.to_numpy()] == -1).all()
    assert (
        national.provinces.loc[national.provinces["province_code"] == "10", "group_id"] == ""
    ).all()


def test_region_without_groups_has_empty_group_table():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        geo = build_geography(["10", "50"])
    assert geo.groups.empty and (geo.group_index == -1).all()


def test_provinces_outside_isan_warn_about_assumed_population():
    with pytest.warns(UserWarning, match="outside Isan is assumed"):
        build_geography(["50"])


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"zone_target_size": 0}, "zone_target_size"),
        ({"zone_target_size": 2.5}, "zone_target_size"),
        ({"seed": -1}, "seed"),
        ({"pilot_zones_per_province": -1}, "pilot_zones_per_province"),
        ({"population_sigma": -0.1}, "population_sigma"),
        ({"age_share_concentration": 0}, "age_share_concentration"),
        ({"age_shares": [1, 2, 3]}, "age_shares"),
        ({"age_shares": [0] * 7}, "age_shares"),
    ],
)
def test_bad_arguments_are_sim_errors(kwargs, fragment):
    with pytest.raises(SimError, match=fragment):
        build_geography(["49"], **kwargs)
