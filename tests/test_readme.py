"""The README's Python examples run as written.

Every ```python block of README.md is executed, in order, in a fresh folder. The shipped
scenarios cover all of Isan for 20 years; to keep this test to seconds, the shipped names
resolve here to small versions of themselves (Mukdahan, two years, two replicates, the
budget of a province), the way a user's own `scenarios/` folder would shadow them. Paths such
as `scenarios/sweeps/...` are copied into the folder as they are.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import sim.inputs.scenario as scenario_module

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```python\n(.*?)^```", README, flags=re.M | re.S)
SMALL = """extends = "{path}"
name = "{name}"
[run]
region = ["49"]
years = 2
replicates = 2
[budget]
scope = "run"
development_thb_per_year = 5_000_000
"""


@pytest.fixture
def small_shipped(tmp_path, monkeypatch):
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        text = SMALL.format(path=path.as_posix(), name=path.stem)
        if path.stem == "history_2010":
            text = text.replace("years = 2", "years = 2\nstart_year = 2010")
        (shipped / path.name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(scenario_module, "REPO_SCENARIOS", shipped)
    work = tmp_path / "work"
    shutil.copytree(ROOT / "scenarios" / "sweeps", work / "scenarios" / "sweeps")
    monkeypatch.chdir(work)
    return work


def test_the_readme_has_python_examples_with_scenario_names():
    assert len(BLOCKS) >= 3
    code = "\n".join(BLOCKS)
    for call in ('simulate("zone_all_2023", 0)', 'compare(["province_2021", "zone_pilot_2022", "zone_all_2023"], 2)',
                 'recommend("zone_all_2023", 2024)'):
        assert call in code, call


@pytest.mark.timeout(600)
def test_the_readme_python_examples_run(small_shipped, capsys):
    for number, block in enumerate(BLOCKS, start=1):
        try:
            exec(compile(block, f"README.md python block {number}", "exec"), {"__name__": "readme"})
        except Exception as err:  # name the block: the traceback points into it
            raise AssertionError(f"README python block {number} failed: {type(err).__name__}: {err}\n{block}") from err
    out = capsys.readouterr().out
    assert "people_protected" in out
