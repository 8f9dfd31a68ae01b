"""The parameter file is readable, sourced data, and overrides are checked strictly."""

from __future__ import annotations

import csv
import io
import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.errors import SimError
from sim.inputs.parameters import (
    CONSISTENCY_RULES,
    STATUSES,
    ParameterSet,
    default_parameters,
    did_you_mean,
    flatten_overrides,
    format_value,
    load_definitions,
)
from sim.inputs.references import cited_tags, references

PARAMS = default_parameters()
DEFS = PARAMS.definitions
IN_RULES = {path for paths, _, _ in CONSISTENCY_RULES for path in paths}


# ----------------------------------------------------------------- the file's content


def test_every_parameter_is_documented():
    assert len(DEFS) > 100
    for path, d in DEFS.items():
        assert d.path == path
        for field in ("unit", "source", "status", "description"):
            assert getattr(d, field).strip(), f"{path}: empty {field}"
        assert d.status in STATUSES, path


def test_every_cited_tag_is_in_the_reference_list():
    refs = references()
    assert "S0" in refs and "W1" in refs
    for path, d in DEFS.items():
        missing = [t for t in d.tags if t not in refs]
        assert not missing, f"{path} cites {missing}, not in references.toml"


def test_source_is_tags_and_or_the_word_assumed():
    tags = r"\[[A-Z]+[0-9]+\](?:\s+\[[A-Z]+[0-9]+\])*"
    assumed = r"(?:[a-z]+\s+)*assumed"
    for path, d in DEFS.items():
        parts = [p.strip() for p in d.source.split(";")]
        assert all(parts), f"{path}: empty part in source {d.source!r}"
        for part in parts:
            assert re.fullmatch(tags, part) or re.fullmatch(assumed, part), (
                f"{path}: source part {part!r} is neither tags nor '... assumed'"
            )


def test_sourced_parameters_cite_a_tag_and_assumed_ones_say_so():
    for path, d in DEFS.items():
        if d.status in ("sourced", "derived"):
            assert d.tags, f"{path} is {d.status} but cites no tag"
        if d.status == "assumed":
            assert "assumed" in d.source, f"{path} is assumed but its source does not say so"


def test_every_default_lies_in_its_range():
    for path, d in DEFS.items():
        if d.kind in ("int", "float"):
            assert d.low <= d.value <= d.high, path
        elif d.kind == "list":
            assert all(d.low <= v <= d.high for v in d.value), path
        elif d.kind == "choice":
            assert d.value in d.choices and d.low is None, path
        else:
            assert d.low is None and d.high is None and d.choices is None, path


def test_list_lengths_match_their_bands():
    lists = {p: d for p, d in DEFS.items() if d.kind == "list"}
    assert lists
    for path, d in lists.items():
        if "by age band" in d.unit:
            assert d.length == 7, path
        elif "tenure band" in d.unit:
            assert d.length == 6, path
        else:  # the unit names each element: "share of funds: a, b, c, d"
            assert ":" in d.unit, f"{path}: a list's unit must say what each element is"
            assert len(d.unit.split(":", 1)[1].split(",")) == d.length, path
    age_banded = [p for p, d in DEFS.items() if "by age band" in d.unit]
    assert len(age_banded) >= 7


def test_share_lists_sum_to_one():
    for path in ("population.age_share", "start.member_age_share", "start.programme_group_shares"):
        assert math.isclose(sum(DEFS[path].value), 1.0, abs_tol=1e-9), path


def test_defaults_are_consistent():
    PARAMS.check_consistency()


# ---------------------------------------------------------------------- the mapping


def test_values_have_the_promised_types():
    assert isinstance(PARAMS["benefits.funeral.base_thb"], float)
    assert isinstance(PARAMS["finance.waiting_months"], int)
    assert PARAMS["benefits.central_fund.enabled"] is False
    assert PARAMS["policy.kind"] == "zone_share"
    ages = PARAMS["population.age_share"]
    assert isinstance(ages, np.ndarray) and ages.dtype == np.float64 and ages.shape == (7,)
    with pytest.raises(ValueError):
        ages[0] = 1.0  # read-only: a shared set cannot be changed by accident
    with pytest.raises(KeyError, match="did you mean benefits.funeral.base_thb"):
        PARAMS["benefits.funeral.base"]


def test_the_set_is_immutable_and_overrides_make_copies():
    changed = PARAMS.with_overrides({"benefits.hospital.per_night_thb": 250})
    assert PARAMS["benefits.hospital.per_night_thb"] == 200.0
    assert changed["benefits.hospital.per_night_thb"] == 250.0
    assert changed.overrides() == {"benefits.hospital.per_night_thb": 250.0}
    assert PARAMS.overrides() == {}
    assert changed != PARAMS and changed == PARAMS.with_overrides(
        {"benefits": {"hospital": {"per_night_thb": 250.0}}}
    )
    assert not hasattr(PARAMS, "__setitem__")
    with pytest.raises(TypeError):
        hash(PARAMS)
    # setting a value to its default is no override
    assert PARAMS.with_overrides({"policy.kind": "zone_share"}).overrides() == {}
    assert default_parameters() is PARAMS


def test_numbers_are_coerced_to_the_declared_kind():
    p = PARAMS.with_overrides(
        {
            "zones.target_size": 30.0,
            "finance.interest_rate_real": 0,
            "policy.mentors_per_province": np.int64(2),
            "population.age_share": np.array([1, 1, 1, 1, 1, 1, 1]),
        }
    )
    assert p["zones.target_size"] == 30 and isinstance(p["zones.target_size"], int)
    assert p["finance.interest_rate_real"] == 0.0 and isinstance(
        p["finance.interest_rate_real"], float
    )
    assert isinstance(p["policy.mentors_per_province"], int)
    assert p.overrides()["population.age_share"] == [1.0] * 7


def test_to_dict_and_to_frame():
    data = PARAMS.to_dict()
    json.dumps(data, allow_nan=False)
    assert set(data) == set(DEFS)
    assert data["population.age_share"] == list(DEFS["population.age_share"].value)
    frame = PARAMS.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) == len(DEFS)
    assert list(frame.columns) == [
        "path",
        "value",
        "unit",
        "low",
        "high",
        "source",
        "status",
        "description",
    ]
    assert "ParameterSet(" in repr(PARAMS.with_overrides({"policy.zone_share": 0.5}))


def test_flatten_and_format_helpers():
    assert flatten_overrides({"a": {"b": 1, "c": {"d": 2}}, "e.f": 3}) == {
        "a.b": 1,
        "a.c.d": 2,
        "e.f": 3,
    }
    assert format_value(True) == "true" and format_value(75_000_000.0) == "75_000_000"
    assert format_value([0.5, 2]) == "[0.5, 2]" and format_value("lp") == '"lp"'
    assert did_you_mean("policy.per_night_thb", DEFS)[0] == "benefits.hospital.per_night_thb"
    assert did_you_mean("zone_share", DEFS)[0] == "policy.zone_share"


# ------------------------------------------------------------------------ rejections


@pytest.mark.parametrize(
    ("overrides", "fragments"),
    [
        (
            {"benefits.hospital.per_nigth_thb": 1},
            ["unknown parameter", "did you mean benefits.hospital.per_night_thb"],
        ),
        ({"per_night_thb": 1}, ["did you mean benefits.hospital.per_night_thb"]),
        ({"benefits.hospital": 1}, ["is a group of parameters", "per_night_thb"]),
        ({"policy.kind.value": "lp"}, ["write policy.kind = "]),
        (
            {"benefits.hospital.per_night_thb": "200"},
            ["expected a number in [100, 300]", 'text "200"'],
        ),
        ({"benefits.hospital.per_night_thb": True}, ["expected a number", "true"]),
        (
            {"benefits.hospital.per_night_thb": 5000},
            ["per_night_thb", "5000", "outside the range [100, 300]"],
        ),
        ({"benefits.hospital.per_night_thb": float("nan")}, ["not a finite number"]),
        ({"budget.development_thb_per_year": float("inf")}, ["not a finite number"]),
        ({"zones.target_size": 2.5}, ["expected a whole number", "2.5"]),
        ({"zones.target_size": 2}, ["outside the range [3, 300]"]),
        ({"policy.kind": "zone"}, ['"zone" is not allowed', 'did you mean "zone_share"']),
        ({"policy.kind": 0.3}, ['expected one of "rule", "zone_share", "lp"', "0.3"]),
        ({"benefits.central_fund.enabled": 1}, ["expected true or false"]),
        ({"benefits.central_fund.enabled": "yes"}, ["expected true or false"]),
        (
            {"population.age_share": [0.5, 0.5]},
            ["expected a list of 7 numbers", "got a list of 2 items"],
        ),
        ({"population.age_share": 0.5}, ["expected a list of 7 numbers"]),
        ({"population.age_share": "0.5"}, ["expected a list of 7 numbers"]),
        (
            {"population.age_share": [0.1] * 6 + [float("nan")]},
            ["element 7 of 7", "not a finite number"],
        ),
        ({"population.age_share": [0.1] * 6 + [2]}, ["element 7 of 7", "outside the range [0, 1]"]),
        ({"population.age_share": [0.1] * 6 + [True]}, ["element 7 of 7", "true"]),
        ({"population.age_share": np.ones((7, 1))}, ["shape (7, 1)"]),
        ({"policy.region_share": 0.5, "policy.mentor_share": 0.6}, ["add up to more than 1"]),
        ({"start.founded_year_first": 2015}, ["founded_year_first is after founded_year_last"]),
        ({"status.dormant_ratio": 0.9, "status.weak_ratio": 0.5}, ["status thresholds must rise"]),
        ({"start.programme_group_shares": [0, 0, 0, 0]}, ["programme-group shares are all zero"]),
    ],
)
def test_bad_overrides_are_rejected_with_a_clear_message(overrides, fragments):
    with pytest.raises(SimError) as info:
        PARAMS.with_overrides(overrides, origin="my.toml")
    message = str(info.value)
    assert message.startswith("my.toml: ") and "\n" not in message
    for fragment in fragments:
        assert fragment in message
    with pytest.raises(SimError):
        PARAMS.validate_overrides(overrides, "my.toml")


# ------------------------------------------------------------ property-based checks

NUMERIC = sorted(
    p for p, d in DEFS.items() if d.kind in ("int", "float", "list") and p not in IN_RULES
)


def _inside(d, draw):
    if d.kind == "int":
        return draw(st.integers(math.ceil(d.low), math.floor(d.high)))
    numbers = st.floats(d.low, d.high, allow_nan=False)
    if d.kind == "list":
        return draw(st.lists(numbers, min_size=d.length, max_size=d.length))
    if math.ceil(d.low) <= math.floor(d.high):  # ints are fine for float parameters
        numbers = numbers | st.integers(math.ceil(d.low), math.floor(d.high))
    return draw(numbers)


@st.composite
def inside_range(draw):
    path = draw(st.sampled_from(NUMERIC))
    return path, _inside(DEFS[path], draw)


@st.composite
def outside_range(draw):
    path = draw(st.sampled_from(NUMERIC))
    d = DEFS[path]
    if d.kind == "int":
        bad = draw(
            st.integers(max_value=math.ceil(d.low) - 1)
            | st.integers(min_value=math.floor(d.high) + 1)
        )
    else:
        bad = draw(
            st.floats(max_value=d.low, exclude_max=True, allow_nan=False, allow_infinity=False)
            | st.floats(min_value=d.high, exclude_min=True, allow_nan=False, allow_infinity=False)
        )
    if d.kind == "list":
        values = _inside(d, draw)
        values[draw(st.integers(0, d.length - 1))] = bad
        return path, values
    return path, bad


@settings(max_examples=300, deadline=None)
@given(inside_range())
def test_values_inside_their_range_are_accepted(case):
    path, value = case
    result = PARAMS.with_overrides({path: value})[path]
    np.testing.assert_array_equal(result, np.asarray(value, dtype=float))


@settings(max_examples=300, deadline=None)
@given(outside_range())
def test_values_outside_their_range_are_rejected_naming_the_path(case):
    path, value = case
    with pytest.raises(SimError) as info:
        PARAMS.with_overrides({path: value}, origin="sweep.toml")
    message = str(info.value)
    assert path in message and "outside the range" in message and message.startswith("sweep.toml")


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(NUMERIC), st.sampled_from([math.nan, math.inf, -math.inf]))
def test_non_finite_numbers_are_rejected(path, bad):
    value = [bad] * DEFS[path].length if DEFS[path].kind == "list" else bad
    with pytest.raises(SimError, match="not a finite number"):
        PARAMS.with_overrides({path: value})


# -------------------------------------------------------------- the file format


GOOD_TABLE = 'value = 1.0\nunit = "u"\nrange = [0, 2]\nsource = "assumed"\nstatus = "assumed"\ndescription = "d"\n'


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("[a.b]\n" + GOOD_TABLE.replace('unit = "u"\n', ""), "missing unit"),
        ("[a.b]\n" + GOOD_TABLE + "colour = 1\n", "unknown field 'colour'"),
        ("[a.b]\n" + GOOD_TABLE.replace("value = 1.0", 'value = "x"'), "needs choices"),
        ("[a.b]\n" + GOOD_TABLE.replace("[0, 2]", "[2, 0]"), "low <= high"),
        (
            "[a.b]\n" + GOOD_TABLE.replace('status = "assumed"', 'status = "guessed"'),
            "status 'guessed'",
        ),
        (
            "[a.b]\n" + GOOD_TABLE.replace("value = 1.0", "value = true"),
            "range is only for numbers",
        ),
        ("[a]\nstray = 1\n", "stray key"),
        ("", "defines no parameters"),
        ("[a.b\n", "cannot read"),
    ],
)
def test_broken_parameter_files_fail_naming_file_and_table(tmp_path, body, fragment):
    path = tmp_path / "params.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(SimError) as info:
        load_definitions(path)
    assert str(path) in str(info.value) and fragment in str(info.value)


def test_a_good_parameter_file_loads(tmp_path):
    path = tmp_path / "params.toml"
    path.write_text("[a.b]\n" + GOOD_TABLE, encoding="utf-8")
    params = ParameterSet.from_file(path)
    assert dict(params) == {"a.b": 1.0} and params.groups == frozenset({"a"})


def test_cited_tags():
    assert cited_tags("assumed; [S4] [S36]") == ["S4", "S36"]


# --------------------------------------------------------------------------- CLI


def test_cli_params_lists_every_parameter(capsys):
    assert main(["params"]) == 0
    out = capsys.readouterr().out
    for path, d in DEFS.items():
        assert re.search(rf"^{re.escape(path)}\s", out, re.M), path
        assert d.source in out
    assert "[100, 300]" in out and "rule | zone_share | lp" in out


def test_cli_params_csv_filter_and_status(capsys):
    assert main(["params", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["path"] for r in rows] == list(DEFS)
    assert {"value", "unit", "low", "high", "source", "status", "description"} <= set(rows[0])

    assert main(["params", "--filter", "hospital"]) == 0
    out = capsys.readouterr().out
    assert "benefits.hospital.per_night_thb" in out and "benefits.funeral" not in out

    assert main(["params", "--status", "sourced", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and all(r["status"] == "sourced" for r in rows)


def test_cli_params_with_no_match_fails_in_one_line(capsys):
    assert main(["params", "--filter", "hosptal"]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip().count("\n") == 0 and "did you mean hospital" in captured.err


def test_a_set_survives_pickling_for_worker_processes():
    import pickle

    changed = PARAMS.with_overrides(
        {"population.age_share": [0.5, 1, 1, 1, 1, 1, 1], "policy.kind": "lp"}
    )
    back = pickle.loads(pickle.dumps(changed))
    assert back == changed and back.overrides() == changed.overrides()
    assert not back["population.age_share"].flags.writeable
    assert back.definitions == changed.definitions
