"""The example [inputs] files in scenarios/examples/ (zone map, population, fund registry) are
valid, documented in the README, and a run of the example scenario uses every one of them."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from sim.cli import main
from sim.inputs.scenario import INPUT_KEYS, as_scenario
from sim.model.engine import simulate

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "scenarios" / "examples"
SCENARIO = EXAMPLES / "mukdahan_inputs.toml"


def test_the_example_scenario_validates(capsys):
    assert main(["validate", str(SCENARIO)]) == 0
    assert capsys.readouterr().out.strip() == f"ok  {SCENARIO}"


def test_a_run_uses_the_zone_map_population_and_registry():
    scenario = as_scenario(SCENARIO).with_overrides({}, years=1)
    assert set(scenario.inputs) == set(INPUT_KEYS)
    funds = simulate(scenario, 0, outputs=("fund_years", "unit_years")).fund_years.set_index("subdistrict_code")

    zones = pd.read_csv(EXAMPLES / "zones_mukdahan.csv", dtype=str).set_index("subdistrict_code")
    assert (funds["zone_id"] == zones.loc[funds.index, "zone_id"]).all()

    population = pd.read_csv(EXAMPLES / "population_mukdahan.csv", dtype={"subdistrict_code": str})
    population = population.set_index("subdistrict_code")["population"]
    assert (funds["population_start"] == population.loc[funds.index]).all()

    registry = pd.read_csv(EXAMPLES / "registry_mukdahan.csv", dtype={"subdistrict_code": str})
    by_place = registry.groupby("subdistrict_code").agg(members=("members", "sum"),
                                                        founded_year=("founded_year", "min"))
    started = funds[funds["founded_year"].between(1990, scenario.start_year - 1)]  # -1: no fund
    assert set(started.index) == set(by_place.index)  # only the registry's places start with a fund
    assert (started["members_start"] == by_place.loc[started.index, "members"]).all()
    assert (started["founded_year"] == by_place.loc[started.index, "founded_year"]).all()
    assert funds.loc["490601", "status_start"] == "dormant"


def test_the_readme_documents_every_column_of_the_examples():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Your own zones, population and funds"):]
    section = section[: section.index("\n## ", 3)]
    for name in ("zones_mukdahan.csv", "population_mukdahan.csv", "registry_mukdahan.csv"):
        header = (EXAMPLES / name).read_text(encoding="utf-8").splitlines()[0].split(",")
        for column in header:
            documented = column in section or (
                re.fullmatch(r"members_\w+", column) and "members_0_14" in section)
            assert documented, f"README does not document column {column} of {name}"
        assert f"scenarios/examples/{name}" in section
    for key in INPUT_KEYS:
        assert key in section


def test_compare_and_sweep_print_the_notes_run_prints(capsys, tmp_path):
    """What the inputs leave to the model (the registry's synthetic values, the budget scaled to
    the part of its scope the run covers) is said by `compare` and `sweep` as by `run`."""
    other = tmp_path / "other.toml"
    other.write_text(f'extends = "{SCENARIO.as_posix()}"\nname = "other"\n[policy]\nzone_share = 1.0\n',
                     encoding="utf-8")
    code = main(["compare", str(SCENARIO), str(other), "--years", "1", "--replicates", "2",
                 "--workers", "1", "--out", str(tmp_path / "cmp")])
    err = capsys.readouterr().err
    assert code == 0
    for name in ("mukdahan_inputs", "other"):
        assert f"note: {name}: " in err and "synthetic values for what it leaves out" in err
    assert err.count("(budget.scope)") == 2, err
    sweep = tmp_path / "sweep.toml"
    short = tmp_path / "short.toml"
    short.write_text(f'extends = "{SCENARIO.as_posix()}"\nname = "short"\n[run]\nyears = 1\n', encoding="utf-8")
    sweep.write_text(f'name = "s"\nbase = "{short.as_posix()}"\nreplicates = 1\n'
                     '[design]\nkind = "full_factorial"\n[[parameters]]\npath = "policy.zone_share"\nlevels = [0.0]\n', encoding="utf-8")
    assert main(["sweep", str(sweep), "--out", str(tmp_path / "sw"), "--workers", "1"]) == 0
    err = capsys.readouterr().err
    assert "note: " in err and "(budget.scope)" in err and "synthetic values for what it leaves out" in err
