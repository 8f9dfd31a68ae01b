"""Budgets that follow the region: `budget.scope` owns the budget, a run over another region
gets it in proportion (`budget.scale_by`), and the run says what it did (issue 13, item 6)."""

from __future__ import annotations

import pytest

from sim.cli import main
from sim.model.engine import Simulation
from sim.world.geography import build_geography
from sim.world.population import province_population_sources
from sim.world.scenario_inputs import scoped_budget

BUDGET = 75_000_000.0
ISAN_SUBDISTRICTS, NATIONAL_SUBDISTRICTS, MUKDAHAN_SUBDISTRICTS = 2678, 7436, 53


def test_a_one_province_run_gets_that_provinces_share(small_scenario):
    sim = Simulation(small_scenario(("49",), years=1))
    assert sim.params["budget.scope"] == "isan" and sim.params["budget.scale_by"] == "subdistricts"
    assert sim.budget == pytest.approx(BUDGET * MUKDAHAN_SUBDISTRICTS / ISAN_SUBDISTRICTS, rel=1e-12)
    budget_notes = [n for n in sim.notes if n.startswith("budget:")]
    assert len(budget_notes) == 1 and "\n" not in budget_notes[0]
    assert "covers 53 of its 2,678 sub-districts (1.98%)" in budget_notes[0]
    assert "1,484,317 THB a year" in budget_notes[0]


def test_the_share_by_population_uses_the_sourced_totals(small_scenario):
    sim = Simulation(small_scenario(("49",), years=1, budget__scale_by="population"))
    isan = int(province_population_sources()["population"].sum())
    mukdahan = int(province_population_sources(["49"])["population"].sum())
    assert sim.budget == pytest.approx(BUDGET * mukdahan / isan, rel=1e-12)


def test_isan_keeps_the_whole_budget_without_a_word():
    isan = build_geography("isan")
    from sim.inputs.parameters import default_parameters

    params = default_parameters()
    assert scoped_budget(isan, params) == (BUDGET, None)
    # the same provinces given as a list are the same region
    assert scoped_budget(build_geography([str(c) for c in range(30, 50)]), params) == (BUDGET, None)


def test_a_national_scope_over_isan_scales_down():
    from sim.inputs.parameters import default_parameters

    params = default_parameters().with_overrides({"budget.scope": "national"})
    thb, note = scoped_budget(build_geography("isan"), params)
    assert thb == pytest.approx(BUDGET * ISAN_SUBDISTRICTS / NATIONAL_SUBDISTRICTS, rel=1e-12)
    assert "budget of 'national'" in note and "covers 2,678 of its 7,436 sub-districts" in note


def test_scope_run_never_scales(small_scenario):
    sim = Simulation(small_scenario(("49",), years=1, budget__scope="run"))
    assert sim.budget == BUDGET and not any(n.startswith("budget:") for n in sim.notes)


def test_a_region_reaching_outside_the_scope_gets_the_scopes_rate(small_scenario):
    sim = Simulation(small_scenario(("49", "10"), years=1))  # Mukdahan and Bangkok, Isan scope
    bangkok = len(build_geography(["10"]).subdistricts)
    assert sim.budget == pytest.approx(BUDGET * (MUKDAHAN_SUBDISTRICTS + bangkok) / ISAN_SUBDISTRICTS)
    assert any("reaches outside it" in n for n in sim.notes)


def test_a_scheduled_budget_is_scaled_too(small_scenario):
    scenario = small_scenario(("49",), years=2, schedule=[{"year": 2024, "budget.development_thb_per_year": 150e6}])
    sim = Simulation(scenario)
    sim.advance_to(2024)
    sim.prepare_year()
    assert sim.budget == pytest.approx(150e6 * MUKDAHAN_SUBDISTRICTS / ISAN_SUBDISTRICTS, rel=1e-12)


def test_the_run_prints_what_it_did_in_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "one.toml").write_text('name = "one"\n[run]\nregion = ["49"]\nyears = 1\nreplicates = 1\n')
    monkeypatch.chdir(tmp_path)
    assert main(["run", "one.toml", "--out", "out", "--no-funds"]) == 0
    err = capsys.readouterr().err.splitlines()
    notes = [line for line in err if line.startswith("note: budget:")]
    assert len(notes) == 1, err
    assert "'isan'" in notes[0] and "1,484,317 THB a year" in notes[0]


def test_a_one_province_run_bears_its_share_of_the_regional_office(small_scenario):
    """The regional office serves the whole scope: a run over part of it bears that part's share
    of its overhead, as it gets that share of the budget (else one province's 1.5 M THB could
    not pay the office's 2 M THB and the allocator would find no feasible plan)."""
    from sim.inputs.parameters import default_parameters
    from sim.world.scenario_inputs import scoped_region_overhead

    sim = Simulation(small_scenario(("49",), years=1))
    office = default_parameters()["units.overhead_thb.region"]
    units = sim.prepare_year().units.table.set_index("unit_id")
    assert units.loc["region", "overhead_thb"] == pytest.approx(office * MUKDAHAN_SUBDISTRICTS / ISAN_SUBDISTRICTS)
    assert "bears 39,582 of the regional office's 2,000,000 THB overhead" in " ".join(sim.notes)
    assert scoped_region_overhead(build_geography("isan"), default_parameters()) == office
    alone = Simulation(small_scenario(("49",), years=1, budget__scope="run"))
    assert alone.prepare_year().units.table.set_index("unit_id").loc["region", "overhead_thb"] == office
