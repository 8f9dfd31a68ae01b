"""A 2023 start taken from the calibrated history (sim/model/history_start.py): the shipped
states are current, hold the funds MODEL.md describes, are the same place by place whatever the
run's region, follow the replicate, and give way to the synthetic start or a registry where they
do not apply; `welfare-sim start-state` writes them with a manifest.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import sim.model.history_start as history_start_module
from sim.cli import main as cli_main
from sim.inputs.scenario import find_scenario, load_scenario
from sim.model.engine import Simulation
from sim.model.history_start import KEPT, START_FILE, START_MANIFEST, load_start_file
from sim.model.state import WEAK, synthetic_state
from sim.model.version import MODEL_VERSION

pytestmark = pytest.mark.usefixtures("one_numba_thread")


def start_of(region, replicate=0, years=1, **overrides):
    scenario = load_scenario(find_scenario("zone_all_2023")).with_overrides(overrides, years=years, region=region)
    return Simulation(scenario, replicate, outputs=("summary",))


def test_the_shipped_start_is_current():
    """Made at the current model version and parameter defaults, by the command named."""
    from sim.report.manifest import stale_reasons

    manifest = json.loads(START_MANIFEST.read_text(encoding="utf-8"))
    assert manifest["command"].startswith("welfare-sim start-state"), manifest["command"]
    assert manifest["model_version"] == MODEL_VERSION
    reasons = stale_reasons(manifest)
    assert not reasons, f"{START_FILE.name} is stale ({'; '.join(reasons)}): rerun `{manifest['command']}`"
    data = load_start_file()
    assert data["codes"].size == 7436 and data["founded"].shape[0] == len(manifest["replicates"]) >= 2


def test_isan_starts_with_the_funds_the_record_and_model_describe():
    """2,000+ funds in Isan's 2,678 sub-districts [S0]; about 1,000 members per fund (MODEL.md
    section 5: between 700 in 2013 and 1,150 in 2024) and fund money per member between 2013's
    1,076 and 2024's 2,860 baht; weak funds a minority, classified by the history's own last year."""
    sim = start_of("isan")
    s = sim.state
    funds = int(s.founded.sum())
    members = s.total_members().sum()
    assert 2000 <= funds <= 2678
    assert 800 <= members / funds <= 1200, members / funds
    assert 1076 <= s.reserves.sum() / 100 / members <= 2860
    assert 0.03 < (s.status == WEAK).sum() / funds < 0.3
    data = load_start_file()
    rows = np.searchsorted(data["codes"], s.codes)
    assert np.array_equal(data["codes"][rows], s.codes)
    for name in ("status", "falling_years", "low_ratio_years", "members_last_year", "reserves"):
        assert np.array_equal(getattr(s, name), data[name][0][rows]), name  # not re-classified
    assert not any("synthetic start is used" in n for n in sim.notes)


def test_a_place_starts_the_same_whatever_the_region():
    """Partition invariance of the start: the sub-districts of two provinces start exactly as they
    do in a run of all Isan (the file is read place by place)."""
    both, isan = start_of(("40", "44")).state, start_of("isan").state
    rows = np.searchsorted(isan.codes, both.codes)
    assert np.array_equal(isan.codes[rows], both.codes)
    for name in KEPT:
        assert np.array_equal(getattr(both, name), getattr(isan, name)[rows]), name


def test_the_replicate_picks_a_history_replicate():
    data = load_start_file()
    n_reps = data["founded"].shape[0]
    first, second, wrapped = (start_of(("40",), r).state for r in (0, 1, n_reps))
    assert not np.array_equal(first.members, second.members)
    assert np.array_equal(first.members, wrapped.members) and np.array_equal(first.reserves, wrapped.reserves)


def test_where_it_does_not_apply_the_synthetic_start_is_drawn(monkeypatch, tmp_path):
    """Switched off, another start year, or no file: the synthetic start (with a note when the
    file is missing)."""
    off = start_of(("40",), **{"start.from_history": False})
    assert np.array_equal(off.state.members, synthetic_state(off.geo, off.params, 2023, off.key).members)
    on = start_of(("40",))
    assert not np.array_equal(on.state.members, off.state.members)
    scenario = load_scenario(find_scenario("zone_all_2023")).with_overrides({}, years=1, region=("40",),
                                                                              start_year=2024)
    later = Simulation(scenario, 0, outputs=())
    assert np.array_equal(later.state.members, synthetic_state(later.geo, later.params, 2024, later.key).members)
    monkeypatch.setattr(history_start_module, "START_FILE", tmp_path / "missing.npz")
    missing = start_of(("40",))
    assert np.array_equal(missing.state.members, off.state.members)
    assert any("no history start" in n for n in missing.notes)


def test_start_state_command_writes_states_and_a_manifest(tmp_path, capsys):
    out = tmp_path / "start.npz"
    assert cli_main(["start-state", "--replicates", "2", "--workers", "1", "--region", "37", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "replicate 1, national" in printed and "members" in printed
    data = load_start_file(out)
    assert data["founded"].shape[0] == 2 and data["codes"].size == 56  # Amnat Charoen's sub-districts
    assert data["founded"][0].any()
    manifest = json.loads(out.with_name("start.manifest.json").read_text(encoding="utf-8"))
    assert manifest["command"].startswith("welfare-sim start-state") and manifest["model_version"] == MODEL_VERSION
    assert manifest["replicates"][0]["national"]["funds"] == int(data["founded"][0].sum())


def test_a_damaged_start_file_is_one_line(monkeypatch, tmp_path, capsys):
    """A start file that is not an archive, or lacks arrays, stops the run with one line naming the
    file and the command that writes it again (never a traceback)."""
    from sim.errors import SimError

    bad = tmp_path / "start_2023.npz"
    bad.write_bytes(b"not an archive")
    monkeypatch.setattr(history_start_module, "START_FILE", bad)
    with pytest.raises(SimError, match=r"start_2023\.npz: cannot read the 2023 start .*welfare-sim start-state"):
        start_of(("40",))
    assert cli_main(["run", "zone_all_2023", "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "cannot read the 2023 start (not a numpy archive)" in errors[0]
    assert "Traceback" not in err
    np.savez(bad, codes=np.arange(3))  # an archive without the fund arrays
    with pytest.raises(SimError, match=r"the 2023 start lacks .*members"):
        start_of(("40",))


def _step(sim) -> None:
    ctx = sim.prepare_year()
    sim.run_year(ctx, sim.decide(ctx))


def test_the_handover_is_seamless(tmp_path, monkeypatch):
    """Continuity at the handover (issue 12 item 5): a run that starts in 2023 from the history's
    file, with the history's own 2023 settings, population and zone capacities (`handover=True`),
    lives 2023 exactly as the history does when it simply goes on — funds, members, money,
    statuses and the status history. So the start carries no artefact of its own: what the first
    year of a shipped scenario shows is its policy and inputs (the record's population, the
    assumed zone capacities), never the handover. (Two provinces, the history run for them.)"""
    from sim.model.history_start import HANDOVER, START_YEAR, state_arrays

    history = load_scenario(find_scenario("history_2010")).with_overrides({}, region=("44", "46"))
    hist = Simulation(history, 0, outputs=("summary",))
    while hist.year < START_YEAR:
        _step(hist)
    data = state_arrays([hist.state], [hist.dev], hist.geo.zones["zone_id"].to_numpy(str))
    assert set(HANDOVER) <= set(data)
    path = tmp_path / "start_2023.npz"
    np.savez_compressed(path, **data)
    monkeypatch.setattr(history_start_module, "START_FILE", path)
    _step(hist)  # the history's own 2023

    import dataclasses

    going_on = dataclasses.replace(history, start_year=START_YEAR, years=1, schedule={},
                                   params=history.params_in(START_YEAR))
    run = Simulation(going_on, 0, outputs=("summary",), handover=True)
    assert any("handover" in n for n in run.notes)
    _step(run)
    s, h = run.state, hist.state
    assert s.founded.sum() > 100 and (s.status == WEAK).any()
    for name in (*KEPT, "population"):
        assert np.array_equal(getattr(s, name), getattr(h, name)), name
    assert np.allclose(run.dev.zone_capacity, hist.dev.zone_capacity, rtol=0, atol=0)
    mine, theirs = run.result().summary.iloc[-1], hist.result().summary.iloc[-1]
    for column in ("funds_founded", "funds_strong", "funds_weak", "funds_dormant", "members", "people_protected",
                   "reserves_thb", "benefits_paid_thb", "dev_budget_thb", "dev_effort_thb"):
        assert mine[column] == theirs[column], column
    # without the handover the same file starts from the record's population and the assumed
    # zone capacities: another world (an input choice, stated), not the history's
    plain = Simulation(going_on, 0, outputs=("summary",))
    assert not np.array_equal(plain.state.population, hist.state.population)
