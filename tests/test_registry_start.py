"""Registries taken at their word (issue 13, item 5): the population fits the registry's members
(never a silent trim), the start is the registry, and what it leaves out is said in one note."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.errors import SimError
from sim.world.geography import build_geography
from sim.world.registry import BAND_COLUMNS, load_registry
from sim.world.scenario_inputs import fit_population, world_for

DATA = Path(__file__).parent / "data"
HEADER = "subdistrict_code,founded_year,members"


@pytest.fixture(scope="module")
def mukdahan_synthetic():
    return build_geography(["49"])


def write(tmp_path: Path, text: str, name: str = "registry.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def population(geography) -> dict[str, int]:
    return dict(zip(geography.subdistricts["subdistrict_code"], geography.subdistricts["population"], strict=True))


def test_members_above_a_synthetic_population_raise_it_from_the_rest_of_the_province(mukdahan_synthetic, tmp_path):
    before = population(mukdahan_synthetic)
    members = before["490101"] + 5_000
    path = write(tmp_path, f"{HEADER}\n490101,2010,{members}\n490102,2011,{before['490102'] - 3}\n")
    registry = load_registry(path, mukdahan_synthetic)  # not an error: the population is synthetic
    geography, notes = fit_population(mukdahan_synthetic, registry)
    after = population(geography)
    assert after["490101"] == members  # raised to fit, exactly
    assert sum(after.values()) == sum(before.values())  # the sourced province total holds
    assert after["490102"] >= before["490102"] - 3  # another fund's members are never squeezed out
    assert all(after[c] <= before[c] for c in before if c != "490101")
    assert int(geography.provinces["population"].sum()) == int(mukdahan_synthetic.provinces["population"].sum())
    assert int(geography.zones["population"].sum()) == sum(after.values())
    assert (geography.population_by_age.sum(axis=1) == geography.subdistricts["population"]).all()
    assert len(notes) == 1 and f"490101 +{5_000:,}" in notes[0] and "sourced province totals hold" in notes[0]


def test_members_of_an_age_band_fit_that_band(mukdahan_synthetic, tmp_path):
    i = 0
    band_pop = mukdahan_synthetic.population_by_age[i]
    bands = [0, 0, 0, 0, int(band_pop[4]) + 100, 0, 0]  # more 60-69 members than 60-69 people
    path = write(tmp_path, f"{HEADER},{','.join(BAND_COLUMNS)}\n490101,2010,{sum(bands)},"
                 + ",".join(map(str, bands)) + "\n")
    geography, notes = fit_population(mukdahan_synthetic, load_registry(path, mukdahan_synthetic))
    assert geography.population_by_age[i][4] >= bands[4]
    assert geography.population_by_age[i].sum() == band_pop.sum()  # total unchanged
    assert any("ages of the population re-split in 1 sub-district(s) (490101)" in n for n in notes)


def test_a_registry_population_column_is_real(mukdahan_synthetic, tmp_path):
    before = population(mukdahan_synthetic)
    path = write(tmp_path, f"{HEADER},population\n490101,2010,500,20000\n490102,2011,5,\n")
    registry = load_registry(path, mukdahan_synthetic)
    geography, notes = fit_population(mukdahan_synthetic, registry)
    after = population(geography)
    assert after["490101"] == 20_000 and sum(after.values()) == sum(before.values())
    assert any("from the registry's population column" in n for n in notes)
    # a real population is never raised: members above it are an error, by line and value
    bad = write(tmp_path, f"{HEADER},population\n490102,2011,5,\n490101,2010,501,500\n", "bad.csv")
    with pytest.raises(SimError) as info:
        load_registry(bad, mukdahan_synthetic)
    assert ("members exceed the sub-district's real population on line 3: '501' (sub-district 490101: "
            "501 members, population 500 from its population column)") in str(info.value)


def test_registry_population_rows_must_agree_and_match_a_population_file(tmp_path):
    synthetic = build_geography(["49"])
    text = "subdistrict_code,fund_id,founded_year,members,population\n490101,A,2010,5,900\n490101,B,2010,5,901\n"
    with pytest.raises(SimError, match="population differs between the rows of one sub-district on "
                                       "line 2: '900', line 3: '901'"):
        load_registry(write(tmp_path, text), synthetic)
    real = build_geography(["49"], population_file=DATA / "pop_mukdahan.csv")  # 490101: 1,000
    text = f"{HEADER},population\n490101,2010,5,900\n"
    with pytest.raises(SimError, match=r"population differs from the population file's on line 2: '900' \(file: 1,000\)"):
        load_registry(write(tmp_path, text, "b.csv"), real)
    text = f"{HEADER},population\n490101,2010,5,-4\n"
    with pytest.raises(SimError, match="population must be blank or a whole number 0–10,000,000 on line 2: '-4'"):
        load_registry(write(tmp_path, text, "c.csv"), synthetic)


def test_members_a_province_cannot_hold_are_an_error(mukdahan_synthetic, tmp_path):
    path = write(tmp_path, f"{HEADER}\n490102,2011,5\n490101,2010,400000\n")
    registry = load_registry(path, mukdahan_synthetic)
    with pytest.raises(SimError) as info:
        fit_population(mukdahan_synthetic, registry)
    message = str(info.value)
    assert message.startswith(str(path)) and "line 3: 490101 400,000 members against" in message


def scenario_file(tmp_path: Path, registry: Path, extra: str = "") -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(f'name = "reg"\n[run]\nregion = ["49"]\nyears = 1\nreplicates = 1\n{extra}'
                    f'[inputs]\nfund_registry = "{registry.name}"\n', encoding="utf-8")
    return path


def test_validate_reads_the_registry_as_run_does(tmp_path, capsys):
    """Unknown codes and negative members: `validate` says so by file line (BOM, CRLF and a
    quoted line break in a cell counted as an editor counts them), not 'ok'."""
    text = ("subdistrict_code,fund_id,founded_year,members,note\r\n"
            "490101,A,2010,5,\"two\r\nlines\"\r\n"
            "\r\n"
            "990101,B,2010,5,\r\n"
            "490102,C,2010,-3,\r\n")
    registry = tmp_path / "registry.csv"
    registry.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    scenario = scenario_file(tmp_path, registry)
    with pytest.warns(UserWarning, match="ignoring extra column"):
        assert main(["validate", str(scenario)]) == 1
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"error: {scenario}: [inputs]: {registry}: ")
    assert "unknown sub-district code(s) on line 5: '990101'" in out
    assert "members must be a whole number >= 0 on line 6: '-3'" in out


def test_validate_says_ok_for_a_good_registry_and_the_world_is_the_runs(tmp_path, capsys, small_scenario):
    registry = write(tmp_path, f"{HEADER}\n490101,2010,40000\n")
    scenario = scenario_file(tmp_path, registry)
    assert main(["validate", str(scenario)]) == 0
    assert capsys.readouterr().out.strip() == f"ok  {scenario}"
    world = world_for(small_scenario(("49",), years=1, inputs={"fund_registry": registry}))
    assert population(world.geography)["490101"] == 40_000
    assert len(world.notes) == 2 and "synthetic values for what it leaves out" in world.notes[0]
    assert "population raised" in world.notes[1]


# ------------------------------------------------------------------ the start is the registry

LISTED = """subdistrict_code,fund_id,founded_year,members,reserves_thb,status
490101,rich-strong,2008,900,22000000,strong
490102,lean-strong,2009,700,900000,strong
490103,rich-normal,2010,800,20000000,normal
490104,lean-normal,2011,600,150000,normal
490105,rich-weak,2012,500,5000000,weak
490106,poor-weak,2012,400,20000,weak
490107,rich-dormant,2007,300,22000000,dormant
490108,poor-dormant,2013,200,0,dormant
"""


def listed_run(tmp_path, small_scenario, text=LISTED, **params):
    registry = write(tmp_path, text)
    from sim.model.engine import Simulation

    return Simulation(small_scenario(("49",), years=1, inputs={"fund_registry": registry}, **params))


def by_code(sim, values):
    return dict(zip(sim.state.codes.astype(str), values, strict=True))


def test_a_registry_with_all_four_labels_starts_with_exactly_those_labels(tmp_path, small_scenario):
    """Listed statuses, members, reserves and founding years are the start: nothing random on
    top (start.share_dormant is set high to show it is not drawn), the rule agrees."""
    from sim.model.state import STATUS_NAMES

    sim = listed_run(tmp_path, small_scenario, start__share_dormant=0.5)
    rows = [line.split(",") for line in LISTED.strip().splitlines()[1:]]
    status = by_code(sim, [STATUS_NAMES[s] for s in sim.state.status])  # after the engine's start classification
    members = by_code(sim, sim.state.total_members())
    reserves = by_code(sim, sim.state.reserves)
    founded_year = by_code(sim, sim.state.founded_year)
    for code, _, year, n, money, label in rows:
        assert status[code] == label, (code, status[code], label)
        assert members[code] == int(n) and reserves[code] == int(money) * 100 and founded_year[code] == int(year)
    listed = {r[0] for r in rows}
    assert all(s == "none" for c, s in status.items() if c not in listed)  # the registry replaces the synthetic start
    assert not [n for n in sim.notes if "start with the status the rule gives" in n]


def test_a_listed_status_the_rule_cannot_give_is_said(tmp_path, small_scenario):
    text = "subdistrict_code,founded_year,members,reserves_thb,status\n490101,2008,900,0,strong\n"
    sim = listed_run(tmp_path, small_scenario, text=text)
    [note] = [n for n in sim.notes if "start with the status the rule gives" in n]
    assert "490101 listed strong, rule weak" in note and "generosity_floor" in note


def test_a_registry_without_statuses_starts_nobody_dormant_by_chance(tmp_path, small_scenario, mukdahan_synthetic):
    codes = mukdahan_synthetic.subdistricts["subdistrict_code"][:20]
    text = "subdistrict_code,founded_year,members,reserves_thb\n" + "".join(f"{c},2010,300,500000\n" for c in codes)
    sim = listed_run(tmp_path, small_scenario, text=text, start__share_dormant=0.5)
    assert sim.state.founded.sum() == 20 and sim.state.active.sum() == 20


def test_registry_members_are_never_trimmed(tmp_path, small_scenario, mukdahan_synthetic):
    """Members of nearly the whole place, without age bands: split within each band's people."""
    people = population(mukdahan_synthetic)
    text = (f"{HEADER}\n490101,2010,{people['490101'] - 1}\n490102,2010,{people['490102'] + 2_000}\n")
    sim = listed_run(tmp_path, small_scenario, text=text)
    members = by_code(sim, sim.state.total_members())
    assert members["490101"] == people["490101"] - 1 and members["490102"] == people["490102"] + 2_000
    assert (sim.state.members_by_age() <= sim.state.population).all()


# ------------------------------------------------------------------ fitting, for any registry

MUKDAHAN = tuple(build_geography(["49"]).subdistricts["subdistrict_code"])


@st.composite
def registry_texts(draw):
    """Registries with members from none to more than the province holds, optional age bands
    and an optional population column (sometimes below the members)."""
    codes = draw(st.lists(st.sampled_from(MUKDAHAN), min_size=1, max_size=10, unique=True))
    bands, with_population = draw(st.booleans()), draw(st.booleans())
    header = [*HEADER.split(","), *(BAND_COLUMNS if bands else ()), *(["population"] if with_population else [])]
    rows = []
    for code in codes:
        members = draw(st.sampled_from([0, 1, 500, 9_000, 30_000, 120_000, 400_000]))
        row = [code, "2010", str(members)]
        if bands:
            cuts = sorted(draw(st.lists(st.integers(0, members), min_size=6, max_size=6)))
            row += [str(b - a) for a, b in zip([0, *cuts], [*cuts, members], strict=True)]
        if with_population:
            row.append(draw(st.sampled_from(["", "0", str(members), str(members + 10), "50000"])))
        rows.append(",".join(row))
    return "\n".join([",".join(header), *rows]) + "\n"


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=registry_texts())
def test_fitting_any_registry_keeps_every_member_and_every_province_total(mukdahan_synthetic, tmp_path, text):
    path = write(tmp_path, text, "fuzz.csv")
    try:
        registry = load_registry(path, mukdahan_synthetic)
        geography, notes = fit_population(mukdahan_synthetic, registry)
    except SimError as err:
        assert "\n" not in str(err) and str(err).startswith(str(path))
        return
    after = population(geography)
    assert sum(after.values()) == int(mukdahan_synthetic.provinces["population"].sum())
    by_age = dict(zip(geography.subdistricts["subdistrict_code"], geography.population_by_age, strict=True))
    for row in registry.itertuples():
        assert after[row.subdistrict_code] >= row.members
        if not np.isnan(row.population):
            assert after[row.subdistrict_code] == row.population
        bands = np.array([getattr(row, c) for c in BAND_COLUMNS])
        if not np.isnan(bands).any():
            assert (by_age[row.subdistrict_code] >= bands).all()
    assert (geography.population_by_age >= 0).all()


def test_validate_reads_a_sweep_bases_input_files(tmp_path, capsys):
    registry = write(tmp_path, f"{HEADER}\n490101,2010,-7\n")
    base = scenario_file(tmp_path, registry)
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(f'base = "{base.name}"\nseed = 1\n[[parameters]]\npath = "policy.zone_share"\nlevels = [0.0, 1.0]\n')
    assert main(["validate", str(sweep)]) == 1
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"error: {sweep}: base [inputs]: {registry}: ")
    assert "members must be a whole number >= 0 on line 2: '-7'" in out
