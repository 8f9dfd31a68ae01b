"""The notebooks run top to bottom (quick mode) and save real figures.

Each notebook is executed by nbclient in a fresh kernel, from notebooks/ as a user would open
it, with WELFARE_SIM_QUICK=1 (small configuration) and WELFARE_SIM_OUT pointing at a temporary
folder for the figures and files it writes. The kernel is this interpreter's: `python3` from
the venv's own kernelspec, whose `python` jupyter_client replaces with sys.executable.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from matplotlib.image import imread
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 300

# Figures (PNG) each notebook must save, under WELFARE_SIM_OUT/<notebook folder>/
EXPECTED = {
    "01_compare_scenarios": ["differences", "fan_people_protected", "fan_coverage", "fan_funds_by_status",
                             "fan_people_protected_th", "tile_map_coverage"],
    "02_parameter_sweep": ["zone_share_curve", "zone_share_curve_coverage", "heatmap", "sobol"],
    "03_export_allocation": ["allocation_2024"],
    "04_calibration": ["history_fit", "identifiability"],
    "05_robust_decision": ["regret", "regret_th", "frontier", "evppi"],
}


def run_notebook(path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    return nb


def assert_not_blank(path: Path) -> None:
    assert path.stat().st_size > 8_000, f"{path} is too small to be a figure"
    image = imread(path)[..., :3]
    assert image.std() > 0.01, f"{path} is a single colour"
    assert (image < 0.9).any(axis=-1).mean() > 0.01, f"{path} is almost empty"


def test_every_notebook_is_listed():
    assert {p.stem for p in NOTEBOOKS} == set(EXPECTED)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert 'os.environ.get("WELFARE_SIM_QUICK", "0") == "1"' in first.source  # the parameter cell
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "clear the outputs before committing"


@pytest.mark.timeout(900)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_saves_figures(path, tmp_path, monkeypatch):
    monkeypatch.setenv("WELFARE_SIM_QUICK", "1")
    monkeypatch.setenv("WELFARE_SIM_OUT", str(tmp_path))
    nb = run_notebook(path)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type in ("display_data", "execute_result") and "image/png" in o.get("data", {})]
    assert len(images) >= len(EXPECTED[path.stem])  # the figures are shown, not only saved
    for name in EXPECTED[path.stem]:
        found = list(tmp_path.rglob(f"{name}.png"))
        assert found, f"{path.name} did not save {name}.png under {tmp_path}"
        assert_not_blank(found[0])
        assert found[0].with_suffix(".svg").exists()
    if path.stem == "03_export_allocation":
        assert list(tmp_path.rglob("allocation_2024.xlsx"))


def test_kernel_is_this_interpreter(tmp_path):
    """nbclient's python3 kernel must be the venv's Python, not some other installation."""
    source = "import sys; print(sys.executable); print(sys.prefix)"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    client = NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    executable, prefix = nb.cells[0].outputs[0]["text"].split()
    assert executable == sys.executable
    assert prefix == sys.prefix  # the venv, where sim and the notebook packages are installed
