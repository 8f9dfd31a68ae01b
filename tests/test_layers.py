"""The tree reads like the data path: no module imports a higher layer, and no import circle.

Every import statement is walked with ``ast``, function bodies included (imports inside
functions are where circles used to hide: compare <-> plots, infeasibility <-> model_highs).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "sim"

# Bottom to top. `sim` itself (version, old-path aliases), `sim.errors` and `sim.progress` sit
# below everything.
LAYERS = ("sim", "sim.errors", "sim.progress", "sim._moved", "sim.inputs", "sim.world", "sim.allocation", "sim.model",
          "sim.report", "sim.experiments", "sim.studies", "sim.cli")
RANK = {"sim": 0, "sim.errors": 0, "sim.progress": 0, "sim._moved": 0, "sim.inputs": 1, "sim.world": 2, "sim.allocation": 3,
        "sim.model": 4, "sim.report": 5, "sim.experiments": 6, "sim.studies": 7, "sim.cli": 8, "sim.__main__": 8}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def layer(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def imports_of(module: str) -> set[str]:
    """Every sim module imported anywhere in `module` (a `from pkg import sub` counts as pkg.sub)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: set[str] = set()
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "sim")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base.split(".")[0] != "sim":
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in MODULES else base)
    return {m for m in found if m in MODULES and m != module}


GRAPH = {m: imports_of(m) for m in MODULES}


def test_every_module_has_a_known_layer():
    assert {layer(m) for m in MODULES} <= set(RANK), sorted({layer(m) for m in MODULES} - set(RANK))


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_a_higher_layer(module):
    upward = sorted(d for d in GRAPH[module] if RANK[layer(d)] > RANK[layer(module)])
    assert not upward, f"{module} (layer {layer(module)}) imports higher layers: {upward}"


def find_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    colour: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(m: str) -> None:
        colour[m] = 1
        stack.append(m)
        for d in sorted(graph[m]):
            if colour.get(d) == 1:
                circles.append(stack[stack.index(d):] + [d])
            elif d not in colour:
                visit(d)
        stack.pop()
        colour[m] = 2

    for m in sorted(graph):
        if m not in colour:
            visit(m)
    return circles


def test_no_import_circles():
    """Package __init__ files re-export their submodules; a submodule importing its own package
    back counts as a circle too (it is one at import time)."""
    circles = find_circles(GRAPH)
    assert not circles, "import circles: " + "; ".join(" -> ".join(c) for c in circles)


def test_each_package_says_what_it_owns_and_may_import():
    for module, path in MODULES.items():
        if path.name == "__init__.py" and module != "sim":
            doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
            assert "import" in doc and len(doc) > 150, f"{module}: docstring must say what it owns and may import"


def test_the_checker_catches_a_hidden_circle_and_an_upward_import(monkeypatch, tmp_path):
    """A function-body import of a higher layer is seen, and a two-module loop is a circle."""
    fake = tmp_path / "engine_fake.py"
    fake.write_text("import numpy\n\ndef f():\n    from sim.cli.run import main\n    return main\n")
    monkeypatch.setitem(MODULES, "sim.model.engine_fake", fake)
    found = imports_of("sim.model.engine_fake")
    assert found == {"sim.cli.run"}
    assert RANK[layer("sim.cli.run")] > RANK[layer("sim.model.engine_fake")]
    assert find_circles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b", "a"]]
    assert find_circles({"a": {"b"}, "b": set()}) == []


def test_a_sweep_folder_written_before_the_move_still_resumes(tmp_path):
    """tests/data/sweep_0_1/folder was made by the code of 0.1 (commit 4d27b61; model "sim.engine:run_spec",
    stopped after one of two runs with --limit 1); the current code finishes it without
    redoing the finished run."""
    import json
    import shutil

    from sim.experiments import Sweep, load_results

    data = Path(__file__).parent / "data" / "sweep_0_1"
    folder = tmp_path / "folder"
    shutil.copytree(data / "folder", folder)
    manifest = json.loads((folder / "sweep.json").read_text())
    assert manifest["model"] == "sim.engine:run_spec"  # the 0.1 module path (code of commit 4d27b61)
    manifest["definition"]["base"] = str((data / "mukdahan_1y.toml").resolve())  # was made elsewhere
    (folder / "sweep.json").write_text(json.dumps(manifest, indent=1))
    first = (folder / "summary" / "p00000-r000.parquet").read_bytes()
    Sweep.from_file(data / "sweep.toml").run(folder, workers=1, progress=False)
    results = load_results(folder)
    assert results.finished == results.total_runs == 2
    assert (folder / "summary" / "p00000-r000.parquet").read_bytes() == first
