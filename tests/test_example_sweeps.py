"""The shipped example sweep files: each is valid, `validate` recognises it, and each runs.

To keep the runs tiny, each file is copied next to a one-province, one-replicate base that
extends the file's own base by name (which also shows that a copied sweep file and its
shipped-name base work in any folder); the copy runs with ``--limit 1``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.cli import main
from sim.experiments import Sweep, load_results
from sim.experiments.sweep import engine_validator
from sim.experiments.sweepfile import is_sweep_file

ROOT = Path(__file__).resolve().parents[1]
SWEEPS = sorted((ROOT / "scenarios" / "sweeps").glob("*.toml"))
KINDS = {"zone_share_curve.toml": "full_factorial", "latin_hypercube.toml": "latin_hypercube",
         "morris_screen.toml": "morris"}


def test_the_three_kinds_are_shipped():
    assert {p.name for p in SWEEPS} >= set(KINDS)
    for path in SWEEPS:
        sweep = Sweep.from_file(path)
        assert sweep.spec.kind == KINDS.get(path.name, sweep.spec.kind)
        assert sweep.base.parent == ROOT / "scenarios"  # a shipped scenario, named
        assert sweep.description


@pytest.mark.parametrize("path", SWEEPS, ids=[p.stem for p in SWEEPS])
def test_a_shipped_sweep_is_valid_and_commented(path):
    sweep = Sweep.from_file(path)
    sweep.check(engine_validator(sweep.base))  # every path and level, as `sweep` checks them
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#") and "welfare-sim sweep scenarios/sweeps/" in text
    assert is_sweep_file(path) and not is_sweep_file(ROOT / "scenarios" / "baseline.toml")


@pytest.mark.timeout(300)
@pytest.mark.parametrize("path", SWEEPS, ids=[p.stem for p in SWEEPS])
def test_a_shipped_sweep_runs_with_limit(path, tmp_path, capsys):
    text = path.read_text(encoding="utf-8")
    base = re.search(r'^base = "([^"]+)"', text, re.M).group(1)
    (tmp_path / "tiny.toml").write_text(
        f'extends = "{base}"\nname = "tiny"\n[run]\nregion = ["49"]\nyears = 1\n', encoding="utf-8")
    tiny = re.sub(r'^base = "[^"]+"', 'base = "tiny.toml"', text, count=1, flags=re.M)
    tiny = re.sub(r"^replicates = \d+", "replicates = 1", tiny, count=1, flags=re.M)
    tiny = re.sub(r'(path = "run.years"[^\[]*?levels = )\[\d+\]', r"\g<1>[1]", tiny, flags=re.S)
    copy = tmp_path / path.name
    copy.write_text(tiny, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["sweep", str(copy), "--out", str(out), "--workers", "1", "--limit", "1"]) == 0, capsys.readouterr().err
    stdout = capsys.readouterr().out
    total = Sweep.from_file(copy).n_runs
    assert f"sweep {path.stem}: 1 of {total} runs finished (1 run now" in stdout, stdout
    results = load_results(out)
    assert results.finished == 1 and len(results.summary) == 1  # one province-year
    assert results.summary["people_protected"].iloc[0] > 0


def test_validate_checks_sweeps_and_scenarios_together(tmp_path, capsys):
    good = SWEEPS[0]
    bad = tmp_path / "bad_sweep.toml"
    bad.write_text('base = "zone_all_2023"\n[[parameters]]\npath = "policy.zone_shar"\nlevels = [0.5]\n',
                   encoding="utf-8")
    no_base = tmp_path / "no_base.toml"
    no_base.write_text('base = "zone_al_2023"\n[[parameters]]\npath = "policy.zone_share"\nlevels = [0.5]\n',
                       encoding="utf-8")
    scenario = ROOT / "scenarios" / "zone_all_2023.toml"
    assert main(["validate", str(good), str(bad), str(no_base), str(scenario)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith(f"ok  {good} (sweep: ") and "replicates" in lines[0]
    assert lines[1].startswith(f"error: {bad}: parameters[0] (policy.zone_shar)")
    assert "did you mean policy.zone_share?" in lines[1]
    assert lines[2].startswith(f"error: {no_base}: base: base scenario not found: looked for ")
    assert "did you mean zone_all_2023?" in lines[2]
    assert lines[3] == f"ok  {scenario}"
