"""Zones: default zoning properties, and strict user zone maps."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import SimError
from sim.world.geography import build_geography
from sim.world.zones import partition_consecutive, zones_for_province

DATA = Path(__file__).parent / "data"
MUKDAHAN_MAP = DATA / "zone_mukdahan.csv"


@pytest.fixture(scope="module")
def isan():
    return build_geography("isan")


def write(tmp_path: Path, text: str, name: str = "zones.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def mukdahan_rows() -> list[str]:
    return MUKDAHAN_MAP.read_text(encoding="utf-8").splitlines()


# --- default zoning ----------------------------------------------------------------------------


def test_every_subdistrict_is_in_exactly_one_zone_of_its_province(isan):
    zones = isan.zones
    assert zones["zone_id"].is_unique
    assert ((isan.zone_index >= 0) & (isan.zone_index < len(zones))).all()
    assert zones["n_subdistricts"].sum() == isan.n_subdistricts
    np.testing.assert_array_equal(
        np.bincount(isan.zone_index, minlength=len(zones)), zones["n_subdistricts"]
    )
    zone_province = zones["province_code"].to_numpy()[isan.zone_index]
    assert (zone_province == isan.subdistricts["province_code"].to_numpy()).all()


def test_zones_are_runs_of_whole_consecutive_districts(isan):
    subs = isan.subdistricts.assign(zone=isan.zone_index)
    assert (subs.groupby("district_code")["zone"].nunique() == 1).all()
    # in code order, zone numbers never go back: runs are consecutive
    assert (np.diff(isan.zone_index) >= 0).all()


def test_isan_default_gives_about_a_hundred_zones(isan):
    assert 90 <= len(isan.zones) <= 125
    assert len(isan.zones) == 106
    sizes = isan.zones["n_subdistricts"]
    assert 20 <= sizes.mean() <= 30 and sizes.max() <= 40


def test_zone_ids_and_names(isan):
    zones = isan.zones.set_index("zone_id")
    assert all(re.fullmatch(r"Z\d\d-\d\d", z) for z in zones.index)
    assert zones.loc["Z30-01", "zone_name"] == "Mueang Nakhon Ratchasima"
    assert zones.loc["Z30-01", "zone_name_th"] == "เมืองนครราชสีมา"
    assert zones.loc["Z30-02", "zone_name"].startswith("Khon Buri – ")
    assert zones.loc["Z30-02", "zone_name_th"].startswith("ครบุรี – ")


def test_default_zoning_is_deterministic(isan):
    again = build_geography("isan", seed=7)  # seed changes population, never zones
    assert again.zones["zone_id"].tolist() == isan.zones["zone_id"].tolist()
    np.testing.assert_array_equal(again.zone_index, isan.zone_index)


def test_bigger_target_gives_fewer_zones():
    counts = [len(build_geography("isan", zone_target_size=t).zones) for t in (5, 10, 25, 50, 100)]
    assert counts == sorted(counts, reverse=True)
    assert counts[2] > counts[3] > counts[4]
    assert counts[0] == 322  # below the district size every district is a zone of its own
    assert len(build_geography("isan", zone_target_size=10_000).zones) == 20


def test_pilot_zone_is_the_capital_district_zone(isan):
    pilots = isan.zones[isan.zones["pilot_2022"]]
    assert pilots["province_code"].tolist() == isan.provinces["province_code"].tolist()
    capital = isan.subdistricts["district_code"].str.endswith("01").to_numpy()
    assert set(isan.zone_index[capital]) == set(pilots.index)


@pytest.mark.parametrize("per_province", [0, 2, 50])
def test_pilot_zones_per_province(per_province):
    geo = build_geography("isan", pilot_zones_per_province=per_province)
    per = geo.zones.groupby("province_code")
    expected = np.minimum(per.size(), per_province)
    assert (per["pilot_2022"].sum() == expected).all()
    # the pilots are the first zones of each province
    assert (
        geo.zones.groupby("province_code").cumcount()[geo.zones["pilot_2022"]] < per_province
    ).all()


def test_zones_for_province_rounds_and_clamps():
    assert zones_for_province(289, 32, 25) == 12
    assert zones_for_province(62, 9, 25) == 2  # 2.48
    assert zones_for_province(63, 9, 42) == 2  # 1.5 rounds up
    assert zones_for_province(10, 3, 25) == 1
    assert zones_for_province(100, 3, 1) == 3


def _brute_force_best(sizes: list[int], k: int) -> float:
    best = np.inf
    for cuts in itertools.combinations(range(1, len(sizes)), k - 1):
        bounds = [0, *cuts, len(sizes)]
        best = min(best, sum(sum(sizes[a:b]) ** 2 for a, b in itertools.pairwise(bounds)))
    return best


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(1, 30), min_size=1, max_size=9), st.data())
def test_partition_is_consecutive_complete_and_optimal(sizes, data):
    k = data.draw(st.integers(1, len(sizes)))
    starts = partition_consecutive(sizes, k)
    assert len(starts) == k and starts[0] == 0
    assert all(a < b for a, b in itertools.pairwise(starts))
    bounds = [*starts, len(sizes)]
    cost = sum(sum(sizes[a:b]) ** 2 for a, b in itertools.pairwise(bounds))
    assert cost == _brute_force_best(sizes, k)


# --- user zone maps ----------------------------------------------------------------------------


def test_good_zone_map():
    geo = build_geography(["49"], zone_map=MUKDAHAN_MAP)
    zones = geo.zones.set_index("zone_id")
    assert zones.index.tolist() == ["MUK-A", "MUK-B", "MUK-C"]
    assert zones["n_subdistricts"].tolist() == [13, 20, 20]
    assert zones.loc["MUK-B", "zone_name_th"] == "มุกดาหารเหนือ"
    assert zones["pilot_2022"].tolist() == [False, True, False]  # from the file, blanks follow
    assert zones["population"].sum() == geo.subdistricts["population"].sum()
    assert (geo.subdistricts["zone_id"] == geo.zones["zone_id"].to_numpy()[geo.zone_index]).all()


def test_zone_map_without_optional_columns(tmp_path):
    rows = [",".join(r.split(",")[:2]) for r in mukdahan_rows()]
    geo = build_geography(["49"], zone_map=write(tmp_path, "\n".join(rows)))
    zones = geo.zones
    assert zones["zone_name"].tolist() == ["MUK-A", "MUK-B", "MUK-C"]  # names fall back to ids
    assert zones["pilot_2022"].tolist() == [True, False, False]  # default rule: the Mueang zone


def test_zone_map_rows_outside_region_are_ignored_with_a_warning(tmp_path):
    rows = mukdahan_rows() + ["480101,NPM-1,,,", "480102,NPM-1,,,"]
    with pytest.warns(UserWarning, match="ignoring 2 sub-district"):
        geo = build_geography(["49"], zone_map=write(tmp_path, "\n".join(rows)))
    assert len(geo.zones) == 3


def _bad_map(tmp_path, rows: list[str]) -> str:
    path = write(tmp_path, "\n".join(rows) + "\n", name="my_zones.csv")
    with pytest.raises(SimError) as info:
        build_geography(["49"], zone_map=path)
    message = str(info.value)
    assert message.startswith(str(path)) and "\n" not in message
    return message


def test_zone_map_unknown_code(tmp_path):
    message = _bad_map(tmp_path, [*mukdahan_rows(), "999999,MUK-A,,,", "49x,MUK-A,,,"])
    assert "2 unknown sub-district code(s)" in message
    assert "line 55: '999999', line 56: '49x'" in message  # file lines: the header is line 1


def test_zone_map_missing_subdistricts(tmp_path):
    rows = mukdahan_rows()
    message = _bad_map(tmp_path, rows[:1] + rows[8:])  # drops 490101 … 490107
    assert "7 sub-district(s) of region 'provinces:49' have no zone" in message
    assert "490101, 490102, 490103, 490104, 490105, … (7 in all)" in message


def test_zone_map_duplicate(tmp_path):
    rows = mukdahan_rows()
    message = _bad_map(tmp_path, [*rows, rows[1].replace("MUK-A", "MUK-B")])
    assert "1 sub-district code(s) in more than one row: line 2: '490101', line 55: '490101'" in message


def test_zone_map_zone_spanning_two_provinces(tmp_path):
    rows = [*mukdahan_rows(), "480101,MUK-A,,,"]
    path = write(tmp_path, "\n".join(rows), name="span.csv")
    with pytest.raises(SimError) as info:
        build_geography(["49"], zone_map=path)
    assert "1 zone(s) span more than one province: MUK-A (provinces 48/49)" in str(info.value)
    assert "the rows in another province than the zone's first: line 55: '480101'" in str(info.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "zone map is empty"),
        ("subdistrict_code,zone_id\n", "has a header but no data rows"),
        ("subdistrict_code,zone\n490101,A\n", "missing column(s) zone_id"),
        ("subdistrict_code,zone_id,zone_id\n490101,A,B\n", "more than once: zone_id"),
    ],
)
def test_zone_map_unreadable_files(tmp_path, text, fragment):
    path = write(tmp_path, text, name="broken.csv")
    with pytest.raises(SimError) as info:
        build_geography(["49"], zone_map=path)
    assert str(info.value).startswith(str(path)) and fragment in str(info.value)


def test_zone_map_missing_file(tmp_path):
    with pytest.raises(SimError, match="zone map not found"):
        build_geography(["49"], zone_map=tmp_path / "nope.csv")


def test_zone_map_conflicting_names_and_pilots(tmp_path):
    rows = mukdahan_rows()
    rows[2] = rows[2].replace("Mukdahan town", "Other name")
    rows[3] = rows[3][: rows[3].rfind(",")] + ",maybe"
    message = _bad_map(tmp_path, rows)
    assert "conflicting zone_name values: MUK-A (line 2: 'Mukdahan town', line 3: 'Other name'" in message
    assert "pilot_2022 must be true/false or 1/0 on line 4: 'maybe'" in message


def test_zone_map_conflicting_pilot_flags(tmp_path):
    rows = mukdahan_rows()
    last = rows[-1]
    rows[-1] = last[: last.rfind(",")] + ",no"  # MUK-C row says no; make another say yes
    rows[-2] = rows[-2][: rows[-2].rfind(",")] + ",yes"
    message = _bad_map(tmp_path, rows)
    assert "conflicting pilot_2022 values: MUK-C" in message


def test_zone_map_blank_zone_id(tmp_path):
    rows = mukdahan_rows()
    rows[5] = rows[5].replace("MUK-A", "")
    assert "zone_id is blank on line 6 (sub-district(s) 490105)" in _bad_map(tmp_path, rows)
