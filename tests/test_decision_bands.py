"""Plausible bands of the assumed parameters: declared beside the range, with a reason, checked.

The decision study draws its worlds from these bands (sim.studies.decision), so a band must
hold the default, stay inside what the model can run, and say why it is that wide.
"""

from __future__ import annotations

import csv
import io
import textwrap

import pytest

from sim.cli import main
from sim.errors import SimError
from sim.inputs.parameters import default_parameters, load_definitions

DEFS = default_parameters().definitions

# Issue 14 item 3 and issue 16: the coefficients that decide between provinces and zones.
REQUIRED = [
    "units.overhead_thb.zone",
    "units.overhead_thb.province",
    *(f"targeting.noise.{lv}" for lv in ("region", "province_group", "province", "zone", "mentor")),
    *(f"units.efficiency.{lv}" for lv in ("region", "province_group", "province", "zone", "mentor")),
    *(f"units.zone_capacity.{k}" for k in ("start", "growth", "decay", "floor", "building_share")),
    "units.absorptive_thb_per_subdistrict",
    "effects.scale_thb",
    "budget.development_thb_per_year",
]


@pytest.mark.parametrize("path", REQUIRED)
def test_the_deciding_coefficients_have_bands(path):
    d = DEFS[path]
    assert d.band is not None, f"{path} has no band"
    low, high = d.band
    assert d.low <= low <= d.value <= high <= d.high
    assert low < high, f"{path}: a band of one value is not a band"
    assert len(d.band_reason) > 20 and "\n" not in d.band_reason


def test_every_declared_band_is_a_belief_about_an_assumed_number():
    banded = {p: d for p, d in DEFS.items() if d.band is not None}
    assert len(banded) >= 60
    for path, d in banded.items():
        assert d.kind in ("int", "float"), path
        assert d.low <= d.band[0] <= d.value <= d.band[1] <= d.high, path
        assert d.band_reason, path
        assert not path.startswith("policy."), f"{path} is a decision, not a belief"
    without = {p: d for p, d in DEFS.items() if d.band is None}
    assert all(not d.band_reason for d in without.values())


def test_zone_noise_band_lets_zones_see_no_better_than_provinces():
    """Otherwise the band would assume the answer (zones always see need better)."""
    assert DEFS["targeting.noise.zone"].band[1] >= DEFS["targeting.noise.province"].value


def _write(tmp_path, body: str):
    path = tmp_path / "parameters.toml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


GOOD = """
[units.overhead_thb.zone]
value = 120000.0
unit = "THB per year per zone"
range = [0.0, 5000000.0]
{band}
source = "assumed"
status = "assumed"
description = "Fixed yearly cost of a zone committee."
"""


def test_a_valid_band_is_read(tmp_path):
    defs = load_definitions(_write(tmp_path, GOOD.format(band='band = [50_000, 300_000]\nband_reason = "why"')))
    d = defs["units.overhead_thb.zone"]
    assert d.band == (50_000.0, 300_000.0) and d.band_reason == "why"
    assert d.band_text() == "[50_000, 300_000]"
    assert load_definitions(_write(tmp_path, GOOD.format(band="")))["units.overhead_thb.zone"].band is None


@pytest.mark.parametrize(
    ("band", "fragment"),
    [
        ('band = [-1.0, 300000.0]\nband_reason = "x"', "not inside the range"),
        ('band = [50000.0, 9000000.0]\nband_reason = "x"', "not inside the range"),
        ('band = [130000.0, 300000.0]\nband_reason = "x"', "does not hold the default"),
        ('band = [300000.0, 50000.0]\nband_reason = "x"', "low <= high"),
        ('band = [50000.0]\nband_reason = "x"', "low <= high"),
        ('band = ["a", "b"]\nband_reason = "x"', "low <= high"),
        ("band = [50000.0, 300000.0]", "band_reason"),
        ('band = [50000.0, 300000.0]\nband_reason = "  "', "band_reason"),
        ('band_reason = "orphan"', "band_reason without a band"),
        ('bands = [50000.0, 300000.0]', "unknown field 'bands'"),
    ],
)
def test_a_wrong_band_fails_naming_the_parameter(tmp_path, band, fragment):
    with pytest.raises(SimError) as err:
        load_definitions(_write(tmp_path, GOOD.format(band=band)))
    assert fragment in str(err.value)
    assert "units.overhead_thb.zone" in str(err.value)


def test_a_band_is_only_for_single_numbers(tmp_path):
    body = """
    [policy.kind]
    value = "rule"
    choices = ["rule", "lp"]
    band = [0, 1]
    band_reason = "x"
    unit = "policy"
    source = "assumed"
    status = "assumed"
    description = "d"
    """
    with pytest.raises(SimError, match="only for a single number"):
        load_definitions(_write(tmp_path, body))


def test_params_command_shows_the_band(capsys):
    assert main(["params", "--filter", "overhead_thb.zone"]) == 0
    out = capsys.readouterr().out
    assert "band" in out.splitlines()[0] and "[50_000, 300_000]" in out
    assert main(["params", "--filter", "targeting.noise", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    zone = next(r for r in rows if r["path"] == "targeting.noise.zone")
    assert float(zone["band_low"]) == DEFS["targeting.noise.zone"].band[0]
    assert zone["band_reason"] == DEFS["targeting.noise.zone"].band_reason
