"""Scenario files: the shipped ones load, extends merges correctly, bad files fail in one line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sim.cli import main
from sim.errors import SimError
from sim.inputs.parameters import default_parameters
from sim.inputs.references import cited_tags, references
from sim.inputs.scenario import (
    RUN_DEFAULTS,
    Scenario,
    find_scenario,
    load_scenario,
    scenario_from_dict,
)

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "scenarios"
GOOD = Path(__file__).resolve().parent / "data" / "scenarios_good"
BAD = Path(__file__).resolve().parent / "data" / "scenarios_bad"
SHIPPED_NAMES = [
    "baseline",
    "province_2021",
    "zone_pilot_2022",
    "zone_all_2023",
    "lp_optimal",
    "history_2010",
]

# Every bad file and a fragment its one-line error must contain.
EXPECTED_ERRORS = {
    "unknown_top_key.toml": "unknown top-level key titel; did you mean title?",
    "unknown_run_key.toml": "unknown [run] key yaers; did you mean years?",
    "misspelt_parameter.toml": "did you mean benefits.hospital.per_night_thb?",
    "wrong_table.toml": "unknown parameter policy.per_night_thb; did you mean benefits.hospital.per_night_thb?",
    "wrong_type_run.toml": 'run.years (line 3): expected a whole number from 1 to 100, got "ten"',
    "wrong_type_parameter.toml": 'expected a number in [0, 10_000_000_000], got text "75 million"',
    "bool_for_number.toml": "policy.zone_share (line 3): expected a number in [0, 1], got true",
    "number_for_choice.toml": 'expected one of "all", "pilot", "none", got the number 1',
    "out_of_range.toml": "benefits.hospital.per_night_thb (line 3): 5000 is outside the range [100, 300]",
    "out_of_range_run.toml": "run.years (line 3): 500 is out of range",
    "bad_choice.toml": '"zones" is not allowed: expected one of "rule", "zone_share", "lp"',
    "bad_region_code.toml": 'unknown province code "99"',
    "bad_region_name.toml": 'unknown region "northeast"',
    "region_numbers.toml": "province codes are text in quotes",
    "extends_cycle_a.toml": "extends cycle: extends_cycle_a.toml -> extends_cycle_b.toml -> extends_cycle_a.toml",
    "extends_cycle_b.toml": "extends cycle: extends_cycle_b.toml -> extends_cycle_a.toml -> extends_cycle_b.toml",
    "extends_missing.toml": 'extends_missing.toml: extends (line 2): "no_such_base.toml" not found',
    "extends_bad_base.toml": "out_of_range.toml: benefits.hospital.per_night_thb (line 3): 5000 is outside",
    "duplicate_key.toml": "line 5: duplicate key run.years (already set at line 3)",
    "duplicate_table.toml": "line 5: duplicate table [run] (already set at line 2)",
    "malformed.toml": "line 2, column 5: invalid TOML",
    "empty.toml": "empty file",
    "only_comments.toml": "sets nothing",
    "nan_value.toml": "policy.zone_share (line 3): nan is not a finite number",
    "inf_value.toml": "inf is not a finite number",
    "list_wrong_length.toml": "expected a list of 7 numbers (share of population by age band), got a list of 2 items",
    "missing_input.toml": 'inputs.zone_map (line 3): file not found: "no_such_zones.csv"',
    "unknown_input.toml": "unknown input zones; did you mean zone_map?",
    "not_utf8.toml": "line 2: not UTF-8 text",
    "parameter_as_table.toml": "write policy.kind = … instead of a [policy.kind] table",
    "group_as_value.toml": "benefits.hospital is a group of parameters",
    "run_key_at_top.toml": "years belongs in the [run] table",
    "shares_above_one.toml": "add up to more than 1",
    "founded_after_start.toml": "2013 is not before the start year 2010",
    "float_for_int.toml": "policy.mentors_per_province (line 3): expected a whole number, got 2.5",
    "unknown_empty_table.toml": "unknown table [benfits]; did you mean benefits?",
}


# ------------------------------------------------------------------- shipped scenarios


def test_the_six_scenarios_are_shipped():
    assert set(SHIPPED_NAMES) <= {p.stem for p in SHIPPED.glob("*.toml")}


@pytest.mark.parametrize("name", SHIPPED_NAMES)
def test_shipped_scenario_loads_and_explains_itself(name):
    path = SHIPPED / f"{name}.toml"
    scenario = load_scenario(path)
    assert scenario.name == name and scenario.title and scenario.description
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# "), "a scenario opens with a plain-words comment"
    comment = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    tags = cited_tags(comment)
    assert tags, "the opening comment cites the facts it rests on"
    assert set(tags) <= set(references())
    if name != "baseline":
        assert scenario.chain == (path.resolve(), (SHIPPED / "baseline.toml").resolve())
    json.dumps(scenario.to_dict(), allow_nan=False)


def test_validate_accepts_every_shipped_scenario(capsys):
    files = [str(p) for p in sorted(SHIPPED.glob("*.toml"))]
    assert main(["validate", *files]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"ok  {f}" for f in files]


def test_shipped_settings():
    base = load_scenario(SHIPPED / "baseline.toml")
    assert (base.region, base.start_year, base.years, base.replicates, base.seed) == (
        "isan",
        2023,
        20,
        20,
        20230329,
    )
    assert base.params["budget.development_thb_per_year"] == 75_000_000
    assert base.params["policy.kind"] == "zone_share"
    assert base.params["policy.zone_share"] == 1.0 and base.params["policy.funded_zones"] == "all"

    p = load_scenario(SHIPPED / "province_2021.toml").params
    assert (p["policy.kind"], p["policy.funded_zones"], p["policy.zone_share"]) == (
        "rule",
        "none",
        0.0,
    )
    assert (
        p["policy.region_share"],
        p["policy.mentor_share"],
        p["policy.mentors_per_province"],
    ) == (0.1, 0.1, 3)
    assert p["policy.within_level"] == "per_subdistrict"

    p = load_scenario(SHIPPED / "zone_pilot_2022.toml").params
    assert (p["policy.kind"], p["policy.funded_zones"], p["policy.zone_share"]) == (
        "zone_share",
        "pilot",
        0.3,
    )

    p = load_scenario(SHIPPED / "zone_all_2023.toml").params
    assert (p["policy.funded_zones"], p["policy.zone_share"]) == ("all", 0.6)
    assert p["budget.development_thb_per_year"] == 75_000_000

    p = load_scenario(SHIPPED / "lp_optimal.toml").params
    assert (p["policy.kind"], p["policy.lp.equity_low"], p["policy.lp.equity_high"]) == (
        "lp",
        0.5,
        2.0,
    )

    history = load_scenario(SHIPPED / "history_2010.toml")
    assert (history.region, history.start_year, history.years, history.replicates) == (
        "national",
        2010,
        15,
        3,
    )
    assert history.seed == 20230329
    p = history.params
    # 349 members per fund [S7]: the file's mean is before the young-fund factor (349 / 0.5625)
    assert p["start.share_founded"] == 0.42 and p["start.members_mean"] == pytest.approx(349 / 0.5625, abs=0.05)
    assert p["start.reserves_per_member_thb"] == 591
    assert (p["start.founded_year_first"], p["start.founded_year_last"]) == (2005, 2009)
    assert p["start.share_founded_later"] == 0.0 and p["start.share_dormant"] == 0.0
    assert p["start.members_sigma"] == default_parameters()["start.members_sigma"]


# ----------------------------------------------------------------------- extends


def test_extends_chain_merges_child_wins_and_paths_are_relative_to_each_file():
    leaf = GOOD / "sub" / "chain_grandchild.toml"
    s = load_scenario(leaf)
    assert s.chain == (
        leaf.resolve(),
        (GOOD / "sub" / "chain_child.toml").resolve(),
        (GOOD / "chain_base.toml").resolve(),
    )
    assert s.path == leaf.resolve()
    assert s.name == "chain_grandchild" and s.title == "Grandchild"  # names are not inherited
    assert s.region == ("49",)  # base
    assert (s.years, s.replicates, s.seed) == (7, 3, 99)  # child, base, leaf
    assert s.start_year == RUN_DEFAULTS["start_year"]
    assert s.inputs == {
        "zone_map": (GOOD / "inputs" / "zone_map.csv").resolve(),  # relative to the base
        "population": (GOOD / "sub" / "population.csv").resolve(),  # relative to the child
    }
    assert s.overrides == {
        "policy.kind": "zone_share",
        "policy.zone_share": 0.5,
        "policy.region_share": 0.2,
        "benefits.hospital.per_night_thb": 150.0,
        "benefits.funeral.cap_thb": 20000.0,
    }
    assert s.params["policy.zone_share"] == 0.5 and s.params["benefits.funeral.cap_thb"] == 20000.0
    assert s.params.overrides() == {k: v for k, v in s.overrides.items() if k != "policy.kind"}

    child = load_scenario(GOOD / "sub" / "chain_child.toml")
    assert child.params["policy.zone_share"] == 0.8 and child.title == "chain_child"


def test_minimal_scenario_uses_every_default():
    s = load_scenario(GOOD / "minimal.toml")
    assert (s.region, s.start_year, s.years, s.replicates, s.seed) == tuple(RUN_DEFAULTS.values())
    assert s.params == default_parameters() and s.overrides == {} and s.inputs == {}
    assert s.name == "minimal" and s.title == "minimal" and s.description == ""
    assert s.end_year == 2032 and "minimal" in repr(s)


def test_dotted_keys_inline_tables_and_province_lists():
    s = load_scenario(GOOD / "dotted_keys.toml")
    assert s.name == "dotted_keys" and s.title.startswith("ทุกโซน")
    assert s.region == ("40", "44") and s.start_year == 2024
    assert s.params["benefits.hospital.per_stay_cap_thb"] == 750.0
    assert s.params["finance.waiting_months"] == 12 and isinstance(
        s.params["finance.waiting_months"], int
    )
    assert s.params["population.age_share"].tolist() == [0.16, 0.13, 0.28, 0.24, 0.11, 0.05, 0.03]


def test_extending_itself_is_a_cycle(tmp_path):
    (tmp_path / "me.toml").write_text('extends = "me.toml"\n', encoding="utf-8")
    with pytest.raises(SimError, match=r"extends cycle: me.toml -> me.toml"):
        load_scenario(tmp_path / "me.toml")


def test_extends_without_suffix_finds_the_file_next_to_it(tmp_path):
    (tmp_path / "base.toml").write_text('name = "base"\n[run]\nyears = 4\n', encoding="utf-8")
    (tmp_path / "child.toml").write_text('extends = "base"\n', encoding="utf-8")
    child = load_scenario(tmp_path / "child.toml")
    assert child.years == 4 and child.chain[1] == (tmp_path / "base.toml").resolve()


@pytest.mark.parametrize("name", SHIPPED_NAMES)
def test_a_copied_shipped_scenario_works_anywhere(tmp_path, monkeypatch, name):
    """`extends = "baseline.toml"` next to the copy is not there: the shipped one is used."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine").mkdir()
    copy = tmp_path / "mine" / f"{name}.toml"
    copy.write_bytes((SHIPPED / f"{name}.toml").read_bytes())
    mine, shipped = load_scenario(copy), load_scenario(SHIPPED / f"{name}.toml")
    assert mine.params.to_dict() == shipped.params.to_dict() and mine.chain[1:] == shipped.chain[1:]
    assert (mine.years, mine.seed, mine.region) == (shipped.years, shipped.seed, shipped.region)


def test_extends_a_shipped_name_but_a_file_next_to_it_comes_first(tmp_path):
    (tmp_path / "child.toml").write_text('extends = "zone_all_2023"\n[run]\nyears = 2\n', encoding="utf-8")
    child = load_scenario(tmp_path / "child.toml")
    assert child.chain[1] == (SHIPPED / "zone_all_2023.toml").resolve() and child.years == 2
    (tmp_path / "zone_all_2023.toml").write_text('name = "local"\n[run]\nseed = 5\n', encoding="utf-8")
    child = load_scenario(tmp_path / "child.toml")
    assert child.chain[1:] == ((tmp_path / "zone_all_2023.toml").resolve(),) and child.seed == 5


def test_extends_not_found_names_both_places_looked(tmp_path):
    (tmp_path / "child.toml").write_text('extends = "zone_al_2023"\n', encoding="utf-8")
    with pytest.raises(SimError) as err:
        load_scenario(tmp_path / "child.toml")
    message = str(err.value)
    assert message.startswith(f'{tmp_path / "child.toml"}: extends (line 1): "zone_al_2023" not found: ')
    assert f"looked for {tmp_path / 'zone_al_2023'} and {tmp_path / 'zone_al_2023.toml'}" in message
    assert f"and for a shipped scenario {(SHIPPED / 'zone_al_2023.toml').resolve()}" in message
    assert "did you mean zone_all_2023?" in message and "\n" not in message
    # a path with folders is only a path
    (tmp_path / "child.toml").write_text('extends = "sub/baseline.toml"\n', encoding="utf-8")
    with pytest.raises(SimError, match=r"looked for \S+sub/baseline.toml; extends chain"):
        load_scenario(tmp_path / "child.toml")


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'name = "bom"\n[run]\nyears = 2\n')
    assert load_scenario(path).years == 2


# --------------------------------------------------------------------- bad files


def test_every_bad_file_has_an_expected_message():
    assert sorted(p.name for p in BAD.glob("*.toml")) == sorted(EXPECTED_ERRORS)
    assert len(EXPECTED_ERRORS) >= 12


@pytest.mark.parametrize("filename", sorted(EXPECTED_ERRORS))
def test_bad_scenario_fails_with_one_clear_line(filename):
    path = BAD / filename
    with pytest.raises(SimError) as info:
        load_scenario(path)
    message = str(info.value)
    assert EXPECTED_ERRORS[filename] in message
    assert "\n" not in message
    named = BAD / "out_of_range.toml" if filename == "extends_bad_base.toml" else path
    shown = message.split(": ", 1)[0]
    assert Path(shown).resolve() == named.resolve(), "the message names the file with the problem"


def test_validate_reports_each_bad_file_in_one_line_without_traceback(capsys):
    files = [str(BAD / name) for name in sorted(EXPECTED_ERRORS)]
    assert main(["validate", *files]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == len(files)
    for file, line in zip(files, lines, strict=True):
        assert line.startswith(f"error: {file}: "), line
        assert EXPECTED_ERRORS[Path(file).name] in line
    assert "Traceback" not in captured.out + captured.err


@pytest.mark.parametrize(
    "filename", ["empty.toml", "not_utf8.toml", "extends_cycle_a.toml", "duplicate_key.toml"]
)
def test_validate_one_bad_file_exits_1(capsys, filename):
    assert main(["validate", str(BAD / filename)]) == 1
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("error: ")


def test_validate_mixes_good_and_bad_files_and_odd_arguments(capsys, tmp_path):
    good = str(SHIPPED / "baseline.toml")
    bad = str(BAD / "bad_choice.toml")
    missing = str(tmp_path / "nope.toml")
    assert main(["validate", good, bad, missing, str(tmp_path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"ok  {good}"
    assert lines[1].startswith(f"error: {bad}: policy.kind")
    assert lines[2] == f"error: {missing}: scenario file not found"
    assert lines[3] == f"error: {tmp_path}: is a directory, not a scenario file"


def test_errors_in_an_extended_file_say_so(capsys):
    path = str(BAD / "extends_bad_base.toml")
    assert main(["validate", path]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"error: {path}: via extends: ")
    assert Path(out.split(": ")[3]).resolve() == (BAD / "out_of_range.toml").resolve()


def test_a_directory_is_not_a_scenario(tmp_path):
    with pytest.raises(SimError, match="is a directory"):
        load_scenario(tmp_path)


# ------------------------------------------------------------------ dicts, copies


def test_scenario_from_dict_follows_the_same_rules():
    s = scenario_from_dict(
        {
            "extends": "baseline.toml",
            "name": "notebook",
            "run": {"years": 3},
            "policy": {"zone_share": 0.25},
            "benefits.hospital.per_night_thb": 300,
        },
        base_dir=SHIPPED,
    )
    assert s.path is None and s.chain == ((SHIPPED / "baseline.toml").resolve(),)
    assert (s.years, s.replicates) == (3, 20)
    assert (
        s.params["policy.zone_share"] == 0.25
        and s.params["benefits.hospital.per_night_thb"] == 300.0
    )
    assert s.params["budget.development_thb_per_year"] == 75_000_000

    with pytest.raises(
        SimError, match=r"^<dict>: run.yeras: unknown \[run\] key yeras; did you mean years\?"
    ):
        scenario_from_dict({"run": {"yeras": 3}})
    with pytest.raises(
        SimError, match=r"^cell 3: policy.zone_share: 2 is outside the range \[0, 1\]"
    ):
        scenario_from_dict({"policy": {"zone_share": 2}}, origin="cell 3")
    with pytest.raises(SimError, match="expected a table"):
        scenario_from_dict(["not", "a", "dict"])  # type: ignore[arg-type]


def test_to_dict_is_json_safe_and_rebuilds_the_scenario():
    s = load_scenario(GOOD / "sub" / "chain_grandchild.toml")
    data = json.loads(json.dumps(s.to_dict(), allow_nan=False))
    assert data["run"] == {
        "region": ["49"],
        "start_year": 2023,
        "years": 7,
        "replicates": 3,
        "seed": 99,
    }
    assert data["chain"][-1].endswith("chain_base.toml") and data["path"].endswith(
        "chain_grandchild.toml"
    )
    assert data["parameters"]["policy.zone_share"] == 0.5
    layout = {k: data[k] for k in ("name", "title", "description", "run", "inputs")}
    rebuilt = scenario_from_dict({**layout, **data["overrides"]})
    assert rebuilt.params == s.params and rebuilt.inputs == s.inputs
    assert (rebuilt.region, rebuilt.years, rebuilt.seed, rebuilt.name) == (
        s.region,
        s.years,
        s.seed,
        s.name,
    )


def test_with_overrides_changes_parameters_and_run_fields():
    base = load_scenario(SHIPPED / "zone_all_2023.toml")
    sweep = base.with_overrides({"policy.zone_share": 0.4}, years=3, seed=5, region=["40"])
    assert isinstance(sweep, Scenario)
    assert (sweep.years, sweep.seed, sweep.region) == (3, 5, ("40",))
    assert sweep.params["policy.zone_share"] == 0.4 and sweep.overrides["policy.zone_share"] == 0.4
    assert sweep.params["budget.development_thb_per_year"] == 75_000_000
    assert base.params["policy.zone_share"] == 0.6 and base.years == 20  # unchanged
    assert base.with_overrides() == base

    with pytest.raises(SimError, match=r"policy.zone_share: 1.5 is outside the range"):
        base.with_overrides({"policy.zone_share": 1.5})
    with pytest.raises(SimError, match=r"run.years: 0 is out of range"):
        base.with_overrides(years=0)
    with pytest.raises(SimError, match=r"unknown scenario field yeers; did you mean years\?"):
        base.with_overrides(yeers=3)
    with pytest.raises(SimError, match="not before the start year 2010"):
        base.with_overrides(start_year=2010)


def test_with_overrides_inputs_are_checked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "zones.csv").write_text("subdistrict_code,zone_id\n", encoding="utf-8")
    base = load_scenario(SHIPPED / "baseline.toml")
    assert base.with_overrides(inputs={"zone_map": "zones.csv"}).inputs == {
        "zone_map": tmp_path / "zones.csv"
    }
    with pytest.raises(SimError, match='inputs.fund_registry: file not found: "missing.csv"'):
        base.with_overrides(inputs={"fund_registry": "missing.csv"})


# ------------------------------------------------------------------- find_scenario


def test_find_scenario_by_name_or_path(tmp_path, monkeypatch):
    assert find_scenario(SHIPPED / "lp_optimal.toml") == SHIPPED / "lp_optimal.toml"
    monkeypatch.chdir(tmp_path)  # not in the repo: falls back to the repo's scenarios folder
    assert find_scenario("zone_all_2023").resolve() == (SHIPPED / "zone_all_2023.toml").resolve()
    assert find_scenario("history_2010.toml").resolve() == (SHIPPED / "history_2010.toml").resolve()
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "zone_all_2023.toml").write_text('name = "local"\n', encoding="utf-8")
    assert (
        find_scenario("zone_all_2023") == Path("scenarios") / "zone_all_2023.toml"
    )  # ./scenarios first
    with pytest.raises(
        SimError,
        match=re.escape("no scenario file or name 'zone_al_2023'; did you mean zone_all_2023?"),
    ):
        find_scenario("zone_al_2023")
    with pytest.raises(SimError, match="is a directory"):
        find_scenario(tmp_path)


def test_a_scenario_survives_pickling_for_worker_processes():
    import pickle

    s = load_scenario(GOOD / "sub" / "chain_grandchild.toml")
    assert pickle.loads(pickle.dumps(s)) == s
