"""A corpus of bad inputs: every one fails through the CLI in one line, never a traceback.

Each case is a command line run in-process (``sim.cli.main``) from an empty working folder,
or, for a few, as a real ``python -m sim`` process. It must exit with status 1 and print
exactly one non-empty line on stderr: ``error: …`` naming the file (or the argument) and the
place — a key with its line, a CSV row, a flag. The files live in ``tests/data/bad/``
(``part_*`` files are valid pieces the cases point at; ``with_*.toml`` run Mukdahan with one
bad CSV). ``tests/test_scenario.py`` already holds the basic bad scenario files; this corpus
adds huge numbers, encodings, nesting, sweeps, CSV inputs and command-line arguments.

The loaders are fuzzed with hypothesis at the end: whatever the text, only SimError.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.errors import SimError

BAD = Path(__file__).resolve().parent / "data" / "bad"
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Case:
    """argv (``{bad}`` is tests/data/bad, ``{tmp}`` the working folder), a fragment of the
    expected one-line error, and what the line must name (a file's name or a flag)."""

    id: str
    argv: tuple[str, ...]
    expect: str
    names: str


def scenario(name: str, expect: str) -> Case:
    return Case(name, ("run", f"{{bad}}/{name}.toml", "--out", "{tmp}/out"), expect, f"{name}.toml")


def sweep(name: str, expect: str, names: str | None = None) -> Case:
    return Case(
        name,
        ("sweep", f"{{bad}}/{name}.toml", "--out", "{tmp}/out", "--workers", "1"),
        expect,
        names or f"{name}.toml",
    )


def csv_input(name: str, expect: str) -> Case:
    """Run Mukdahan with the bad CSV `name` (through tests/data/bad/with_<name>.toml)."""
    return Case(name, ("run", f"{{bad}}/with_{name}.toml", "--out", "{tmp}/out"), expect, f"{name}.csv")


def cli(id: str, args: str, expect: str, names: str) -> Case:
    return Case(id, tuple(args.split()), expect, names)


BASE = "{bad}/part_base.toml"
SWEEP = "{bad}/part_sweep.toml"

SCENARIOS = [
    scenario("scn_number_too_long", "line 3: invalid TOML: a number is too long (more than 4300 digits)"),
    scenario("scn_int_beyond_float", "budget.development_thb_per_year (line 3): a 401-digit number is outside the range"),
    scenario("scn_1e308_budget", "budget.development_thb_per_year (line 3): 1e+308 is outside the range [0, 10_000_000_000]"),
    scenario("scn_members_1e30", "start.members_mean (line 3): 1e+30 is outside the range [50, 5000]"),
    scenario("scn_negative_years", "run.years (line 3): -3 is out of range: expected a whole number from 1 to 100"),
    scenario("scn_nested_too_deep", "line 2: invalid TOML: arrays or tables are nested too deeply"),
    scenario("scn_bom_thai_misspelt", "policy.zone_shar (line 4): unknown parameter policy.zone_shar; did you mean policy.zone_share?"),
    scenario("scn_crlf_out_of_range", "policy.zone_share (line 4): 1.5 is outside the range [0, 1]"),
    scenario("scn_name_with_slash", 'name (line 2): name "../../etc" names output folders'),
    scenario("scn_extends_folder", 'extends (line 2): "." is a directory'),
    Case(
        "scn_extends_chain_missing",
        ("run", "{bad}/scn_extends_chain_missing.toml"),
        'part_chain_middle.toml: extends (line 2): "gone.toml" not found',
        "extends chain: scn_extends_chain_missing.toml -> part_chain_middle.toml -> gone.toml",
    ),
    scenario(
        "scn_extends_cycle_three",
        "extends cycle: scn_extends_cycle_three.toml -> part_cycle_b.toml -> part_cycle_c.toml "
        "-> scn_extends_cycle_three.toml",
    ),
    scenario("scn_schedule_outside_run", "schedule: scheduled year 2050 is outside the run (the run is the single year 2023)"),
    scenario("scn_input_is_folder", 'inputs.zone_map (line 3): "." is a directory, not a file'),
    scenario("scn_input_not_text", "inputs.population (line 3): expected a file path in quotes, got 5"),
    scenario("scn_unknown_province", 'run.region (line 3): unknown province code "4901"'),
    scenario("scn_nan_years", "run.years (line 3): expected a whole number from 1 to 100, got nan"),
    scenario("scn_inf_seed", "run.seed (line 3): expected a whole number 0 or more, got inf"),
    scenario("scn_nan_in_list", "population.age_share (line 3): element 1 of 7: nan is not a finite number"),
    scenario("scn_binary", "line 1: not UTF-8 text (byte 0x89)"),
    scenario("scn_nul_byte", "line 2, column 10: invalid TOML: Illegal character"),
    scenario("scn_cp874_thai", "line 2: not UTF-8 text (byte 0xa1); save the file as UTF-8"),
    scenario("scn_duplicate_nested_key", "line 4: duplicate key benefits.hospital.per_night_thb (already set at line 3)"),
]

SWEEPS = [
    sweep("sweep_bom_misspelt", "replicate: unknown key; did you mean 'replicates'?"),
    sweep("sweep_malformed", "line 1, column 23: invalid TOML: Illegal character '\\n'"),
    sweep("sweep_empty", "base: missing; give the base scenario"),
    sweep("sweep_latin1", "line 1: not UTF-8 text (byte 0xe9)"),
    sweep("sweep_replicates_huge", "replicates: must be at most 10_000, got 1_000_000_000"),
    sweep("sweep_replicates_negative", "replicates: must be at least 1, got -1"),
    sweep("sweep_seed_huge", "seed: must be at most 9_223_372_036_854_775_807"),
    sweep("sweep_samples_huge", "design.samples: must be an integer from 1 to 1_000_000"),
    sweep("sweep_levels_count_huge", "parameters[0]: policy.zone_share: levels must be an integer from 2 to 10_000"),
    sweep("sweep_level_too_long", "parameters[0]: policy.mentors_per_province: levels must be finite numbers"),
    sweep("sweep_int_range_huge", "parameters[0]: policy.mentors_per_province: high must lie within ±2**53"),
    sweep("sweep_levels_nan", "parameters[0]: policy.zone_share: levels must be finite numbers"),
    sweep("sweep_low_inf", "parameters[0]: policy.zone_share: low must be a finite number, got -inf"),
    sweep("sweep_unknown_path", "parameters[0] (policy.zone_shar): part_base (overrides): unknown parameter policy.zone_shar; did you mean policy.zone_share?"),
    sweep("sweep_base_missing", "base: base scenario not found"),
    sweep("sweep_base_is_folder", "base: is a directory, not a scenario file"),
    sweep("sweep_base_not_utf8", "scn_binary.toml: line 1: not UTF-8 text (byte 0x89); save the file as UTF-8", "scn_binary.toml"),
    sweep("sweep_value_out_of_range", "parameters[0] (policy.zone_share): part_base (overrides): policy.zone_share: 2 is outside the range [0, 1]"),
    sweep("sweep_unknown_province", 'parameters[0] (run.region): part_base (overrides): run.region: unknown region "99"'),
    sweep("sweep_output_unknown", "outputs[0]: unknown output 'summry'; did you mean 'summary'?"),
    sweep("sweep_too_many_points", "design: 1_000_000_000_000 points × 1 replicate is too big a sweep"),
    sweep("sweep_wrong_type", "replicates: must be an integer, got string '3'"),
    sweep("sweep_duplicate_key", "line 2: duplicate key base (already set at line 1)"),
]

CSV_INPUTS = [
    csv_input("zones_unknown_code", "1 unknown sub-district code(s) on line 55: '999999'"),
    csv_input("zones_missing_rows", "43 sub-district(s) of region 'provinces:49' have no zone: 490111"),
    csv_input("zones_cp874", "zone map is not UTF-8 text (line 2, byte 0xe0)"),
    csv_input("zones_utf16", "zone map holds NUL bytes (line 1): is it UTF-16 or a spreadsheet file?"),
    csv_input("zones_empty", "zone map is empty (expected a header line subdistrict_code,zone_id)"),
    csv_input("zones_bom_crlf_header_only", "zone map has a header but no data rows"),
    csv_input("zones_duplicate_code", "1 sub-district code(s) in more than one row: line 4: '490103', line 55: '490103'"),
    csv_input("zones_huge_field", "zone map is not a valid CSV (line 4): field larger than field limit"),
    csv_input("zones_blank_zone_id", "zone_id is blank on line 6 (sub-district(s) 490105)"),
    csv_input("registry_members_1e30", "members must be a whole number >= 0 on line 2: '1e30'"),
    csv_input("registry_unknown_code", "unknown sub-district code(s) on line 2: '990101'"),
    csv_input("registry_reserves_nan", "reserves_thb must be a number >= 0 on line 2: 'nan'"),
    csv_input("registry_reserves_1e17", "reserves_thb above 10,000,000,000 THB on line 2: '1e17'"),
    csv_input("registry_buddhist_year", "founded_year must be a whole year 1990–2100 on line 2: '2553' (Buddhist-era years? subtract 543)"),
    csv_input("registry_bom_crlf_thai_status", "status must be one of strong/normal/weak/dormant on line 3: 'อ่อนแอ'"),
    csv_input("registry_members_above_population", "registry members above the synthetic population (line 2: 490101 10,000,000 members against"),
    csv_input("population_huge", "population above 10,000,000 on line 2: '9007199254740992'"),
    csv_input("population_1e308", "population above 10,000,000 on line 2: '1e308'"),
    csv_input("population_negative", "population must be a whole number >= 0 on line 2: '-5'"),
    csv_input("population_inf_nan", "population must be a whole number >= 0 on line 2: 'inf', line 3: 'nan'"),
    csv_input("population_duplicate", "sub-district code(s) listed more than once on line 8: '490107', line 55: '490107'"),
    csv_input("population_empty", "population file is empty"),
]

ARGUMENTS = [
    cli("run_replicates_negative", f"run {BASE} --replicates -1", "--replicates: -1 is out of range: expected a whole number from 1 to 10000", "--replicates"),
    cli("run_replicates_zero", f"run {BASE} --replicates 0", "--replicates: 0 is out of range", "--replicates"),
    cli("run_years_negative", f"run {BASE} --years -1", "--years: -1 is out of range: expected a whole number from 1 to 100", "--years"),
    cli("run_seed_negative", f"run {BASE} --seed -5", "--seed: -5 is out of range: expected a whole number 0 or more", "--seed"),
    cli("run_out_is_a_file", f"run {BASE} --out {{bad}}/part_base.toml", "is a file, not a folder", "part_base.toml"),
    cli("run_out_under_a_file", f"run {BASE} --out {{bad}}/part_base.toml/out", "cannot write results: Not a directory", "part_base.toml/out"),
    cli("run_unknown_scenario_name", "run no_such_scenario", "no scenario file or name 'no_such_scenario' (available: baseline", "no_such_scenario"),
    cli("run_misspelt_scenario_name", "run zone_al_2023", "no scenario file or name 'zone_al_2023'; did you mean zone_all_2023?", "zone_al_2023"),
    cli("run_a_folder", "run {bad}", "is a directory, not a scenario file", "data/bad"),
    cli("run_replicates_not_a_number", f"run {BASE} --replicates abc", "argument --replicates: invalid int value: 'abc'", "welfare-sim run"),
    cli("run_years_as_float", f"run {BASE} --years 1e3", "argument --years: invalid int value: '1e3'", "welfare-sim run"),
    cli("compare_same_scenario_twice", f"compare {BASE} {BASE} --replicates 2", "two scenarios are both named 'part_base'", "compare"),
    cli("compare_replicates_negative", f"compare {BASE} {{bad}}/with_zones_empty.toml --replicates -3", "--replicates must be at least 2 for confidence intervals, got -3", "--replicates"),
    cli("compare_different_regions", f"compare {BASE} baseline --replicates 2", "scenarios cover different regions (part_base covers provinces 49, baseline covers isan)", "compare"),
    cli("compare_bad_input_before_running", f"compare {BASE} {{bad}}/with_zones_empty.toml --replicates 2", "zone map is empty", "zones_empty.csv"),
    cli("compare_years_zero", f"compare {BASE} {{bad}}/with_zones_empty.toml --years 0", "--years: 0 is out of range", "--years"),
    cli("sweep_out_is_a_file", f"sweep {SWEEP} --out {BASE}", "is a file, not a folder", "part_base.toml"),
    cli("sweep_out_under_a_file", f"sweep {SWEEP} --out {BASE}/out", "cannot write the sweep folder (Not a directory)", "part_base.toml/out"),
    cli("sweep_workers_zero", f"sweep {SWEEP} --out {{tmp}}/out --workers 0", "workers: must be a positive integer, got 0", "workers"),
    cli("sweep_limit_negative", f"sweep {SWEEP} --out {{tmp}}/out --limit -1", "limit: must be a positive integer, got -1", "limit"),
    cli("sweep_missing_file", "sweep {bad}/no_such_sweep.toml", "sweep file not found", "no_such_sweep.toml"),
    cli("sweep_a_folder", "sweep {bad}", "is a directory, not a sweep file", "data/bad"),
    cli("answer_out_is_a_file", f"answer --out {BASE}", "is a file, not a folder", "part_base.toml"),
    cli("allocate_out_not_a_spreadsheet", f"allocate {BASE} --out {{tmp}}/plan.txt", "--out must end in .csv or .xlsx", "plan.txt"),
    cli("allocate_year_before_start", f"allocate {BASE} --out {{tmp}}/plan.csv --year 1800", "--year 1800 is before the scenario starts (2023)", "--year"),
    cli("allocate_budget_negative", f"allocate {BASE} --out {{tmp}}/plan.csv --budget -5", "--budget must be a non-negative number of baht, got -5", "--budget"),
    cli("allocate_budget_nan", f"allocate {BASE} --out {{tmp}}/plan.csv --budget nan", "--budget must be a non-negative number of baht, got nan", "--budget"),
    cli("allocate_replicate_negative", f"allocate {BASE} --out {{tmp}}/plan.csv --replicate -1", "--replicate must be 0 or more, got -1", "--replicate"),
    cli("plot_missing_folder", "plot {tmp}/nothing_here", "no such results folder", "nothing_here"),
    cli("figures_years_zero", "figures --years 0 --out {tmp}/figures", "--years must be at least 1, got 0", "--years"),
    cli("unknown_command", "simulate", "argument COMMAND: invalid choice: 'simulate'", "welfare-sim"),
    cli("validate_without_files", "validate", "the following arguments are required: files", "welfare-sim validate"),
]

CASES = [*SCENARIOS, *SWEEPS, *CSV_INPUTS, *ARGUMENTS]


def expand(argv: tuple[str, ...], tmp: Path) -> list[str]:
    return [a.format(bad=BAD, tmp=tmp) for a in argv]


def assert_one_line_error(code: int | None, out: str, err: str, case: Case) -> None:
    assert "Traceback" not in out + err, err
    assert code == 1, f"exit status {code}; stderr: {err!r}"
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {lines!r}"
    line = lines[0]
    assert line.startswith("error: "), line
    assert case.expect in line, f"{case.expect!r} not in {line!r}"
    assert case.names in line, f"the error does not name {case.names!r}: {line!r}"


def test_the_corpus_is_big_and_every_file_is_used():
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)
    used = " ".join(" ".join(c.argv) + " " + c.names for c in CASES)
    files = sorted(p.name for p in BAD.iterdir())
    unused = [
        f for f in files
        if not f.startswith(("part_", ".")) and f not in ("README.md", "make_corpus.py")
        and f not in used and f.removesuffix(".csv") not in used
    ]
    assert not unused, f"files in tests/data/bad/ no case uses: {unused}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_fails_in_one_line(case, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # a case that wrongly succeeded would write here, not in the repo
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(expand(case.argv, tmp_path))
    out, err = capsys.readouterr()
    assert_one_line_error(code, out, err, case)


def test_validate_reports_the_bad_scenarios_one_line_each(capsys):
    files = [str(BAD / f"{c.id}.toml") for c in SCENARIOS if c.argv[1] == f"{{bad}}/{c.id}.toml"]
    assert main(["validate", *files]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == len(files) and captured.err == ""
    for file, line in zip(files, lines, strict=True):
        assert line.startswith(f"error: {file}: "), line
        assert "unexpected" not in line and "please report" not in line, line


@pytest.mark.parametrize("case", CSV_INPUTS, ids=[c.id for c in CSV_INPUTS])
def test_validate_finds_every_input_file_defect_run_finds(case, tmp_path, monkeypatch, capsys):
    """`validate` reads the zone map, population file and registry a scenario names exactly as
    `run` does: the same one-line error, by file line, and nothing is run or written."""
    monkeypatch.chdir(tmp_path)
    scenario = str(BAD / f"with_{case.id}.toml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(["validate", scenario])
    out, err = capsys.readouterr()
    assert code == 1 and err == "" and "Traceback" not in out
    lines = out.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {scenario}: [inputs]: "), lines
    assert case.expect in lines[0] and case.names in lines[0], lines[0]
    assert not any(tmp_path.iterdir())


SUBPROCESS = ["scn_nested_too_deep", "sweep_replicates_huge", "run_out_is_a_file",
              "run_replicates_not_a_number", "registry_reserves_1e17", "zones_utf16"]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case_id", SUBPROCESS)
def test_a_real_process_exits_1_with_one_line(case_id, tmp_path):
    case = next(c for c in CASES if c.id == case_id)
    proc = subprocess.run(
        [sys.executable, "-m", "sim", *expand(case.argv, tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert_one_line_error(proc.returncode, proc.stdout, proc.stderr, case)


def test_good_twins_of_the_tolerated_quirks_are_accepted(tmp_path):
    """BOM, Windows line endings and Thai text are fine in sweep and scenario files."""
    from sim.experiments import Sweep
    from sim.inputs.scenario import load_scenario

    (tmp_path / "base.toml").write_bytes(
        "\ufeffname = \"ฐาน\"\r\n[run]\r\nregion = [\"49\"]\r\nyears = 1\r\nseed = 3\r\n".encode()
    )
    assert load_scenario(tmp_path / "base.toml").name == "ฐาน"
    (tmp_path / "sweep.toml").write_bytes(
        "\ufeffdescription = \"สัดส่วนโซน\"\r\nbase = \"base.toml\"\r\n[[parameters]]\r\n"
        "path = \"policy.zone_share\"\r\nlevels = [0.0, 1.0]\r\n".encode()
    )
    sweep = Sweep.from_file(tmp_path / "sweep.toml")
    assert sweep.seed == 3 and sweep.description == "สัดส่วนโซน" and sweep.n_points == 2


# --------------------------------------------------------------------------- fuzzing

FUZZ = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# TOML-ish text: real keys, values of every type, and the characters that break parsers.
KEYS = st.sampled_from([
    "name", "extends", "title", "run", "inputs", "policy", "budget", "schedule", "region",
    "years", "seed", "replicates", "start_year", "zone_share", "policy.zone_share", "policy.kind",
    "benefits.hospital.per_night_thb", "population.age_share", "zone_map", "population",
    "fund_registry", "base", "parameters", "design", "kind", "samples", "levels", "low", "high",
    "path", "type", "outputs", "x", "ชื่อ",
])
SCALARS = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["nan", "inf", "-inf", "1e308", "-0.0", "1" + "0" * 5000, "true", "false",
                     "1979-05-27", "0x1F", "1_000"]),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.text(max_size=12).map(lambda t: '"' + t.replace("\\", "").replace('"', "") + '"'),
    st.sampled_from(['"isan"', '"national"', '["49"]', '["99"]', "[0.1, 0.2]", '"lp"', '"zone_share"',
                     '"baseline.toml"', '"part_base.toml"', '"."', '"latin_hypercube"', "[]", "{}"]),
)
LINES = st.one_of(
    st.tuples(KEYS, SCALARS).map(lambda kv: f"{kv[0]} = {kv[1]}"),
    KEYS.map(lambda k: f"[{k}]"),
    KEYS.map(lambda k: f"[[{k}]]"),
    st.text(max_size=20),
    st.sampled_from(["\ufeff", "# comment", "", "[", "a = [[[[[", "\x00", "=", "'''", '"""']),
)
RANDOM_TOML = st.lists(LINES, max_size=10).map(lambda rows: "\n".join(rows))

# Valid files to mutate, so that the checks after parsing are reached too.
SEEDS = [
    *(path.read_text(encoding="utf-8") for path in sorted((ROOT / "scenarios").glob("*.toml"))),
    (BAD / "part_base.toml").read_text(encoding="utf-8"),
    (BAD / "part_sweep.toml").read_text(encoding="utf-8"),
    'base = "part_base.toml"\nreplicates = 2\nseed = 5\noutputs = ["summary", "fund_years"]\n'
    '[design]\nkind = "latin_hypercube"\nsamples = 3\n[[parameters]]\npath = "policy.zone_share"\n'
    'low = 0.0\nhigh = 1.0\n[[parameters]]\npath = "zones.target_size"\ntype = "int"\nlow = 15\n'
    "high = 40\n[[parameters]]\npath = \"run.years\"\nlevels = [1, 2]\n",
]


@st.composite
def mutated_toml(draw):
    rows = draw(st.sampled_from(SEEDS)).splitlines()
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, max(len(rows) - 1, 0)))
        row = rows[i] if rows else ""
        how = draw(st.sampled_from(["value", "delete", "duplicate", "insert"]))
        if how == "value" and "=" in row:
            rows[i] = row.split("=", 1)[0] + "= " + draw(SCALARS)
        elif how == "delete" and rows:
            del rows[i]
        elif how == "duplicate" and rows:
            rows.insert(i, row)
        else:
            rows.insert(i, draw(LINES))
    return "\n".join(rows)


TOML_TEXT = st.one_of(RANDOM_TOML, mutated_toml())
NEWLINES = st.sampled_from(["\n", "\r\n"])


def _write(folder: Path, name: str, text: str, newline: str, bom: bool) -> Path:
    path = folder / name
    data = text.replace("\n", newline).encode("utf-8", errors="surrogatepass")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    for path in [BAD / "part_base.toml", *(ROOT / "scenarios").glob("*.toml")]:  # bases to extend
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


@FUZZ
@given(text=TOML_TEXT, newline=NEWLINES, bom=st.booleans())
def test_fuzz_scenario_text_raises_only_simerror(fuzz_dir, text, newline, bom):
    from sim.inputs.scenario import load_scenario

    path = _write(fuzz_dir, "fuzz_scenario.toml", text, newline, bom)
    try:
        load_scenario(path)
    except SimError as err:
        assert "\n" not in str(err)


@FUZZ
@given(text=TOML_TEXT, newline=NEWLINES, bom=st.booleans())
def test_fuzz_sweep_text_raises_only_simerror(fuzz_dir, text, newline, bom):
    from sim.experiments import Sweep
    from sim.experiments.sweep import engine_validator

    path = _write(fuzz_dir, "fuzz_sweep.toml", text, newline, bom)
    try:
        sweep = Sweep.from_file(path)
        validate = engine_validator(sweep.base)
        if validate is not None:
            sweep.check(validate)
        if sweep.n_points <= 1000:
            sweep.design()
    except SimError as err:
        assert "\n" not in str(err)


MUKDAHAN_CODES = [line.split(",")[0] for line in
                  (ROOT / "tests" / "data" / "pop_mukdahan.csv").read_text().splitlines()[1:]]
CELLS = st.one_of(
    st.sampled_from(MUKDAHAN_CODES),
    st.sampled_from(["", " ", "999999", "490101.0", "4.90101E+05", "nan", "inf", "-1", "1e30", "1e308",
                     "2553", "2010", "0", "12.5", "yes", "no", "1", "MUK-A", "=HYPERLINK(\"x\")", "โซน",
                     '"quoted, comma"', '"unclosed', "\x00", "strong", "Weak", "dormant"]),
    st.integers(-10, 10**7).map(str),
    st.text(max_size=8),
)
HEADERS = st.lists(
    st.sampled_from(["subdistrict_code", "zone_id", "zone_name", "zone_name_th", "pilot_2022",
                     "population", "founded_year", "members", "reserves_thb", "fund_id", "status",
                     "members_0_14", "หมายเหตุ", "", "zone_id"]),
    min_size=1, max_size=6,
)


@st.composite
def csv_text(draw):
    header = draw(HEADERS)
    rows = draw(st.lists(st.lists(CELLS, min_size=0, max_size=len(header) + 1), max_size=8))
    if draw(st.booleans()):  # mostly a full Mukdahan file, so that checks past the first pass run
        rows = [[code, *draw(st.lists(CELLS, min_size=len(header) - 1, max_size=len(header) - 1))]
                for code in MUKDAHAN_CODES] + rows
    return "\n".join(",".join(row) for row in [header, *rows]) + "\n"


@pytest.fixture(scope="module")
def mukdahan():
    from sim.world.geography import build_geography

    return build_geography(["49"])


@FUZZ
@given(text=csv_text(), newline=NEWLINES, bom=st.booleans(), which=st.sampled_from(["zones", "population", "registry"]))
def test_fuzz_csv_inputs_raise_only_simerror(fuzz_dir, mukdahan, text, newline, bom, which):
    from sim.world.geography import build_geography
    from sim.world.registry import load_registry

    path = _write(fuzz_dir, f"fuzz_{which}.csv", text, newline, bom)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if which == "zones":
                build_geography(["49"], zone_map=path)
            elif which == "population":
                build_geography(["49"], population_file=path)
            else:
                load_registry(path, mukdahan)
        except SimError as err:
            assert "\n" not in str(err)
