"""Sweep files are read strictly: every mistake names the file and the key."""

from __future__ import annotations

import textwrap

import pytest

from sim.errors import SimError
from sim.experiments import IntRange, Levels, Range, Sweep

EXAMPLE = """
name = "zone_share_by_zone_size"
base = "../scenarios/zone_all_2023.toml"
replicates = 30
seed = 20230329
outputs = ["summary"]
[design]
kind = "full_factorial"
[[parameters]]
path = "policy.zone_share"
levels = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
[[parameters]]
path = "zones.target_size"
levels = [15, 25, 40]
[[parameters]]
path = "targeting.zone_noise"
low = 0.1
high = 0.6
levels = 3
"""


@pytest.fixture
def project(tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "zone_all_2023.toml").write_text('name = "zone_all_2023"\nseed = 7\n')
    (tmp_path / "sweeps").mkdir()
    return tmp_path


def write(project, text, name="s.toml"):
    path = project / "sweeps" / name
    path.write_text(textwrap.dedent(text))
    return path


def edit(old, new):
    assert old in EXAMPLE
    return EXAMPLE.replace(old, new, 1)


def test_the_example_reads_and_resolves_base_relative_to_the_file(project):
    sweep = Sweep.from_file(write(project, EXAMPLE))
    assert sweep.base == (project / "scenarios" / "zone_all_2023.toml").resolve()
    assert sweep.replicates == 30 and sweep.seed == 20230329 and sweep.outputs == ("summary",)
    assert sweep.parameters == [
        Levels("policy.zone_share", tuple(i / 10 for i in range(11))),
        Levels("zones.target_size", (15, 25, 40)),
        Range("targeting.zone_noise", 0.1, 0.6, levels=3),
    ]
    assert sweep.n_points == 11 * 3 * 3 and len(sweep.design()) == 99
    assert sweep.scenario == "zone_all_2023"
    assert "99 points × 30 replicates = 2970 runs" in repr(sweep)


def test_seed_defaults_to_the_base_scenario(project):
    sweep = Sweep.from_file(write(project, edit("seed = 20230329\n", "")))
    assert sweep.seed == 7


def test_no_seed_anywhere_is_an_error(project):
    (project / "scenarios" / "zone_all_2023.toml").write_text('name = "x"\n')
    path = write(project, edit("seed = 20230329\n", ""))
    with pytest.raises(SimError, match=r"s\.toml: seed: no seed"):
        Sweep.from_file(path)


@pytest.mark.parametrize(
    "old, new, message",
    [
        # unknown keys, with the closest valid key
        (
            "replicates = 30",
            "replicate = 30",
            r"s\.toml: replicate: unknown key; did you mean 'replicates'\?",
        ),
        (
            'kind = "full_factorial"',
            'kind = "full_factorial"\nsample = 4',
            r"s\.toml: design\.sample: unknown key; did you mean 'samples'\?",
        ),
        (
            "high = 0.6",
            "hihg = 0.6",
            r"s\.toml: parameters\[2\]\.hihg: unknown key; did you mean 'high'\?",
        ),
        (
            'kind = "full_factorial"',
            'kind = "sobel"',
            r"s\.toml: design\.kind: unknown value 'sobel'; did you mean 'sobol'\?",
        ),
        (
            'outputs = ["summary"]',
            'outputs = ["sumary"]',
            r"s\.toml: outputs\[0\]: unknown output 'sumary'; did you mean 'summary'\?",
        ),
        (
            "replicates = 30",
            "replicates = 30\nfoo = 1",
            r"s\.toml: foo: unknown key; valid: name, ",
        ),
        # wrong types
        (
            "replicates = 30",
            'replicates = "30"',
            r"s\.toml: replicates: must be an integer, got string '30'",
        ),
        (
            "replicates = 30",
            "replicates = 30.0",
            r"s\.toml: replicates: must be an integer, got number",
        ),
        (
            "low = 0.1",
            'low = "0.1"',
            r"s\.toml: parameters\[2\]\.low: must be a number, got string",
        ),
        ("seed = 20230329", "seed = true", r"s\.toml: seed: must be an integer, got boolean"),
        ('outputs = ["summary"]', 'outputs = "summary"', r"s\.toml: outputs: must be an array"),
        (
            '[design]\nkind = "full_factorial"',
            'design = "sobol"',
            r"s\.toml: design: must be a table",
        ),
        ("levels = 3\n", 'levels = "3"\n', r"s\.toml: parameters\[2\]\.levels: must be an array"),
        # bad ranges and values
        (
            "low = 0.1\nhigh = 0.6",
            "low = 0.6\nhigh = 0.1",
            r"s\.toml: parameters\[2\]\.low: low \(0\.6\) must be below high \(0\.1\)",
        ),
        ("replicates = 30", "replicates = 0", r"s\.toml: replicates: must be at least 1, got 0"),
        ("seed = 20230329", "seed = -1", r"s\.toml: seed: must be at least 0"),
        (
            "levels = [15, 25, 40]",
            "levels = []",
            r"s\.toml: parameters\[1\]: zones\.target_size: levels must not be empty",
        ),
        (
            "levels = [15, 25, 40]",
            'levels = [15, "x"]',
            r"parameters\[1\]: zones\.target_size: levels must be all numbers",
        ),
        (
            "low = 0.1\nhigh = 0.6\nlevels = 3",
            "low = 0.1\nhigh = 0.6",
            r"s\.toml: parameters\[2\]: targeting\.zone_noise: a range needs `levels = n`",
        ),
        (
            'path = "zones.target_size"',
            'path = "policy.zone_share"',
            r"s\.toml: parameters\[1\]\.path: 'policy\.zone_share' is already declared in parameters\[0\]",
        ),
        (
            "levels = [15, 25, 40]",
            "levels = [15, 25, 40]\nlow = 1",
            r"s\.toml: parameters\[1\]\.low: give either a list of levels or low/high",
        ),
        ("high = 0.6", "", r"s\.toml: parameters\[2\]\.high: missing"),
        (
            'kind = "full_factorial"',
            'kind = "latin_hypercube"',
            r"s\.toml: design\.samples: a latin_hypercube design needs `samples`",
        ),
        (
            'kind = "full_factorial"',
            'kind = "full_factorial"\nsamples = 8',
            r"s\.toml: design\.samples: .*`samples` does not apply",
        ),
        # the base scenario
        (
            'base = "../scenarios/zone_all_2023.toml"\n',
            "",
            r"s\.toml: base: missing; give the base scenario",
        ),
        (
            'base = "../scenarios/zone_all_2023.toml"',
            'base = "../scenarios/nope.toml"',
            r"s\.toml: base: base scenario not found: .*nope\.toml",
        ),
    ],
)
def test_sweep_file_errors_name_file_and_key(project, old, new, message):
    path = write(project, edit(old, new))
    with pytest.raises(SimError, match=message):
        Sweep.from_file(path)


def test_not_toml_and_missing_file(project):
    with pytest.raises(SimError, match=r"s\.toml: line 1, column \d+: invalid TOML"):
        Sweep.from_file(write(project, "name = [unclosed"))
    with pytest.raises(SimError, match=r"absent\.toml: sweep file not found"):
        Sweep.from_file(project / "absent.toml")


def test_int_ranges_and_sampling_designs_from_a_file(project):
    text = """
        base = "../scenarios/zone_all_2023.toml"
        [design]
        kind = "morris"
        samples = 5
        grid_levels = 6
        [[parameters]]
        path = "zones.target_size"
        type = "int"
        low = 15
        high = 40
        [[parameters]]
        path = "policy.zone_share"
        low = 0
        high = 1
    """
    sweep = Sweep.from_file(write(project, text, "morris_sweep.toml"))
    assert sweep.name == "morris_sweep" and sweep.replicates == 1
    assert sweep.parameters == [
        IntRange("zones.target_size", 15, 40),
        Range("policy.zone_share", 0.0, 1.0),
    ]
    assert sweep.spec.grid_levels == 6 and len(sweep.design()) == 5 * 3
    bad = text.replace("low = 15", "low = 15.5")
    with pytest.raises(
        SimError, match=r"parameters\[0\]\.low: must be an integer \(type = \"int\"\)"
    ):
        Sweep.from_file(write(project, bad))


def test_parameter_paths_are_checked_by_the_engine_callback(project):
    known = {"policy.zone_share", "zones.target_size", "targeting.zone_noise"}
    seen = []

    def validate(overrides, origin):
        seen.append((dict(overrides), origin))
        for key in overrides:
            if key not in known:
                raise SimError(f"unknown parameter {key!r}", path=origin)

    path = write(project, EXAMPLE)
    Sweep.from_file(path, validate=validate)
    assert ({"zones.target_size": 40}, f"{path}: parameters[1] (zones.target_size)") in seen
    assert ({"targeting.zone_noise": 0.1}, f"{path}: parameters[2] (targeting.zone_noise)") in seen

    known.discard("zones.target_size")
    with pytest.raises(
        SimError, match=r"s\.toml: parameters\[1\] \(zones\.target_size\): unknown parameter"
    ):
        Sweep.from_file(path, validate=validate)

    def strict(overrides, origin):
        raise KeyError("zone_share")

    with pytest.raises(SimError, match=r"parameters\[0\] \(policy\.zone_share\): KeyError"):
        Sweep.from_file(path, validate=strict)
