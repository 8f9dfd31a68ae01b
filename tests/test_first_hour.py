"""What a new user meets in the first hour: help text, damaged folders, closed pipes, bad
worker counts, plural words, one year printed once, figure folders, colours, fan bands and
progress in a log. Each ends in one line, never a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.lines import Line2D

from sim.cli import main
from sim.experiments import Levels, Sweep
from sim.inputs.scenario import as_scenario, scenario_from_dict
from sim.progress import LogProgress
from sim.report.plots import plot_differences, plot_fan
from sim.report.plots.base import PALETTE, SCENARIO_COLORS, _colors

TINY = 'name = "tiny"\nextends = "zone_all_2023"\n[run]\nregion = ["49"]\nyears = 1\nreplicates = 1\nseed = 3\n'


def one_line_error(code, err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1 and len(lines) == 1 and "Traceback" not in err, (code, err)
    assert lines[0].startswith("error: "), lines
    return lines[0]


# --- help and arguments ------------------------------------------------------------------------


def test_compare_help_says_95_percent_once(capsys):
    with pytest.raises(SystemExit):
        from sim.cli import build_parser

        build_parser().parse_args(["compare", "--help"])
    out = capsys.readouterr().out
    assert "95% CI" in out and "%%" not in out


@pytest.mark.parametrize("command", ["compare a b", "sweep s.toml", "answer", "figures", "calibrate",
                                     "sensitivity"])
@pytest.mark.parametrize("workers", ["0", "-2"])
def test_workers_below_one_is_one_line_for_every_command(command, workers, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main([*command.split(), "--workers", workers])
    line = one_line_error(code, capsys.readouterr().err)
    assert f"--workers: must be a positive integer, got {workers}" in line
    assert not any(tmp_path.iterdir())  # refused before anything ran or was written


def test_a_closed_pipe_is_not_a_traceback():
    """`welfare-sim params | head -1`: the reader leaves; the writer stops quietly."""
    for args in (["params"], ["params", "--format", "csv"]):
        proc = subprocess.Popen([sys.executable, "-m", "sim", *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        proc.stdout.readline()
        proc.stdout.close()  # what `head -1` does after its line
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=120)
        assert err == "" and code in (0, 141), (code, err)


# --- plot on missing, empty or damaged folders -------------------------------------------------


def damaged(folder: Path, case: str) -> None:
    folder.mkdir()
    if case == "parquet_garbage":
        (folder / "summary.parquet").write_bytes(b"PAR1 this is not a parquet file")
    elif case == "parquet_empty_file":
        (folder / "summary.parquet").write_bytes(b"")
    elif case == "parquet_other_columns":
        pd.DataFrame({"x": [1, 2]}).to_parquet(folder / "summary.parquet")
    elif case == "csv_empty":
        (folder / "summaries.csv").write_text("")
    elif case == "csv_other_columns":
        (folder / "summaries.csv").write_text("a,b\n1,2\n")
    elif case == "sweep_json_cut":
        (folder / "sweep.json").write_text('{"format": 1, "definition": {"na')
    elif case == "sweep_json_not_a_sweep":
        (folder / "sweep.json").write_text("[1, 2, 3]")


@pytest.mark.parametrize("case", ["missing", "empty_folder", "parquet_garbage", "parquet_empty_file",
                                  "parquet_other_columns", "csv_empty", "csv_other_columns",
                                  "sweep_json_cut", "sweep_json_not_a_sweep"])
def test_plot_on_a_missing_empty_or_damaged_folder_is_one_line(case, tmp_path, capsys):
    folder = tmp_path / "results"
    if case == "empty_folder":
        folder.mkdir()
    elif case != "missing":
        damaged(folder, case)
    line = one_line_error(main(["plot", str(folder)]), capsys.readouterr().err)
    assert str(folder) in line


# --- plural words and a year printed once ------------------------------------------------------


def test_one_replicate_one_year_is_said_once(tmp_path, capsys):
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "tiny.toml"), "--out", str(out), "--no-funds"]) == 0
    captured = capsys.readouterr()
    assert "(1 replicate, 2023)" in captured.err and "replicates" not in captured.err
    header = captured.out.splitlines()[0]
    assert header.split() == ["metric", "2023"]  # the single year once, not "2023 2023"
    scenario = as_scenario(tmp_path / "tiny.toml")
    assert "1 replicate," in repr(scenario)
    sweep = Sweep("one", tmp_path / "tiny.toml", [Levels("policy.zone_share", (0.5,))])
    assert "1 point × 1 replicate = 1 run" in repr(sweep)


def test_a_finished_sweep_says_nothing_was_left_to_run(tmp_path, capsys):
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    (tmp_path / "s.toml").write_text('base = "tiny.toml"\n[[parameters]]\npath = "policy.zone_share"\n'
                                     'levels = [0.5]\n', encoding="utf-8")
    argv = ["sweep", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out"), "--workers", "1"]
    assert main(argv) == 0 and "1 of 1 run finished (1 run now" in capsys.readouterr().out
    assert main(argv) == 0
    assert "1 of 1 run finished (all were already finished, none run now" in capsys.readouterr().out


# --- figures: one folder, one colour per scenario, no bands from two replicates -------------------


def test_compare_and_plot_draw_into_the_same_folder(tmp_path, capsys):
    for name in ("a", "b"):
        (tmp_path / f"{name}.toml").write_text(TINY.replace('name = "tiny"', f'name = "{name}"'), encoding="utf-8")
    out = tmp_path / "cmp"
    assert main(["compare", str(tmp_path / "a.toml"), str(tmp_path / "b.toml"), "--replicates", "2",
                 "--workers", "1", "--out", str(out)]) == 0, capsys.readouterr().err
    said = capsys.readouterr().out
    assert "protected 2023" in said and "2023-2023" not in said  # one year, printed once
    by_compare = sorted(p.relative_to(out) for p in (out / "figures").iterdir())
    assert Path("figures/compare_people_protected.png") in by_compare
    assert not list(out.glob("*.png"))
    for path in (out / "figures").iterdir():
        path.unlink()
    capsys.readouterr()
    assert main(["plot", str(out)]) == 0
    assert sorted(p.relative_to(out) for p in (out / "figures").iterdir()) == by_compare


def summary(names, replicates, years=3):
    rng = np.random.default_rng(0)
    return pd.DataFrame([{"scenario": n, "replicate": r, "year": 2023 + t,
                          "people_protected": 1000 + 50 * t + rng.normal(0, 10)}
                         for n in names for r in range(replicates) for t in range(years)])


def line_colors(fig) -> set[str]:
    from matplotlib.colors import to_hex

    return {to_hex(line.get_color()) for ax in fig.axes for line in ax.get_lines()
            if line.get_linewidth() >= 1.5}


def test_a_shipped_scenario_has_its_colour_in_every_figure():
    alone = plot_fan(summary(["zone_all_2023"], 6), "people_protected")
    together = plot_fan(summary(["my_own", "province_2021", "zone_all_2023"], 6), "people_protected")
    green = SCENARIO_COLORS["zone_all_2023"].lower()
    assert green in line_colors(alone) and green in line_colors(together)
    colors = _colors(["my_own", "zone_all_2023", "other"])
    assert colors["zone_all_2023"] == SCENARIO_COLORS["zone_all_2023"]
    assert len(set(colors.values())) == 3 and colors["my_own"] in PALETTE
    from sim.experiments.compare import paired_differences

    diff = paired_differences(summary(["province_2021", "zone_all_2023"], 6), "province_2021",
                              metrics=("people_protected",))
    fig = plot_differences(diff)
    from matplotlib.colors import to_hex

    drawn = {to_hex(line.get_color()) for ax in fig.axes for line in ax.get_lines()}
    assert green in drawn


def test_no_bands_from_two_replicates_and_the_caption_says_so():
    few = plot_fan(summary(["zone_all_2023"], 2), "people_protected")
    texts = " ".join(t.get_text() for t in few.findobj(lambda a: hasattr(a, "get_text")))
    assert not [c for ax in few.axes for c in ax.collections if isinstance(c, PolyCollection)]
    assert "each of the 2 replicates" in texts and "at least 5" in texts
    thin = [ln for ax in few.axes for ln in ax.get_lines() if ln.get_linewidth() < 1]
    assert len(thin) == 2  # one line per replicate
    enough = plot_fan(summary(["zone_all_2023"], 5), "people_protected")
    assert [c for ax in enough.axes for c in ax.collections if isinstance(c, PolyCollection)]
    assert isinstance(Line2D([], []), Line2D)


# --- progress in a log -------------------------------------------------------------------------


def test_progress_lines_in_a_log(capsys):
    bar = LogProgress(4, desc="sweep x", unit="run", every=0.0)
    for _ in range(4):
        bar.update(1)
    bar.close()
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("sweep x: 1 of 4 runs done (25%), ") and "left" in lines[0]
    assert lines[-1].startswith("sweep x: 4 of 4 runs done (100%)")
    quiet = LogProgress(4, desc="q", unit="run", every=3600.0)
    quiet.update(4)
    quiet.close()
    assert capsys.readouterr().err == ""  # a short job stays silent


def test_a_sweep_in_a_log_prints_progress_lines(tmp_path):
    (tmp_path / "tiny.toml").write_text(TINY, encoding="utf-8")
    (tmp_path / "s.toml").write_text('base = "tiny.toml"\n[[parameters]]\npath = "policy.zone_share"\n'
                                     'levels = [0.0, 1.0]\n', encoding="utf-8")
    env = {**os.environ, "WELFARE_SIM_PROGRESS_SECONDS": "0"}
    proc = subprocess.run([sys.executable, "-m", "sim", "sweep", str(tmp_path / "s.toml"), "--out",
                           str(tmp_path / "out"), "--workers", "1"], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("s: ")]
    assert lines and lines[-1].startswith("s: 2 of 2 runs done (100%)"), proc.stderr
    assert "\r" not in proc.stderr


def test_scenarios_from_dicts_names_and_paths_are_the_same(tmp_path):
    shipped = as_scenario("zone_all_2023")
    assert as_scenario(shipped) is shipped
    assert as_scenario(shipped.path).to_dict() == shipped.to_dict()
    assert as_scenario({"extends": str(shipped.path), "name": "zone_all_2023"}).params.to_dict() == \
        shipped.params.to_dict()
    assert scenario_from_dict({"name": "x"}).name == "x"


def test_one_unit_held_is_singular():
    from types import SimpleNamespace

    from sim.studies.recommend import explain

    units = pd.DataFrame({"unit_id": ["a", "b"], "level": ["province", "zone"]})
    cons = pd.DataFrame({"name": ["floor a", "cap b", "cap a"], "group": ["floor", "cap", "cap"],
                         "binding": [True, True, False], "shadow_price": [0.0, 0.0, 0.0]})
    result = SimpleNamespace(amounts_thb=pd.Series([10.0, 5.0], index=["a", "b"]), units=units,
                             gain_people=1.0, objective=1.0, constraints=cons)
    header = {"year": 2024, "year_be": 2567, "budget_thb": 15.0, "state": "x"}
    text = explain(result, header)
    assert "1 unit held at its floor (overhead), 1 at its cap" in text and "1 units" not in text
