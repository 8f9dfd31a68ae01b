"""Exports a planner opens (CSV, XLSX) and the model file an auditor opens (LP, MPS)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pulp
import pytest
from openpyxl import load_workbook

from sim import __version__
from sim.allocation import allocation_to_frames, solve, write_allocation, write_lp
from sim.allocation.examples import isan_like_problem
from sim.allocation.export import UNIT_COLUMNS
from sim.errors import SimError

NASTY = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def nasty_result():
    problem = isan_like_problem(2, provinces=3, zones_per_province=2, mentors=2)
    units = problem.units.copy()
    units.loc[: len(NASTY) - 1, "name_en"] = NASTY
    units.loc[0, "name_th"] = "=1+1"
    return solve(dataclasses.replace(problem, units=units))


def test_frames_have_one_row_per_unit_and_the_documented_columns():
    result = nasty_result()
    units, cons, header = allocation_to_frames(result)
    assert list(units.columns) == UNIT_COLUMNS
    assert len(units) == len(result.amounts_thb)
    assert units["amount_thb"].sum() == pytest.approx(result.budget_thb)
    floors = cons[(cons["group"] == "floor") & cons["binding"]]["unit_id"]
    assert set(units.loc[units["floor_binds"], "unit_id"]) == set(floors)
    np.testing.assert_allclose(
        units["per_capita_thb"], units["amount_thb"] / result.units["population"]
    )
    assert header["package_version"] == __version__
    assert header["objective"] == result.objective and header["budget_thb"] == result.budget_thb


def test_xlsx_has_both_sheets_a_header_and_no_formulas(tmp_path):
    result = nasty_result()
    path = tmp_path / "allocation.xlsx"
    write_allocation(result, path, header={"scenario": "=evil()", "year": 2024})
    book = load_workbook(path)
    assert book.sheetnames == ["allocation", "constraints"]
    sheet = book["allocation"]
    header = {
        row[0].value: row[1].value
        for row in sheet.iter_rows(max_row=20)
        if row[0].value and len(row) > 1
    }
    assert header["scenario"] == "'=evil()"
    assert header["year"] == 2024 and header["package_version"] == __version__
    assert header["budget_thb"] == pytest.approx(result.budget_thb)
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not any(c.data_type == "f" for c in cells)
    texts = {c.value for c in cells if isinstance(c.value, str)}
    for nasty in NASTY + ["=1+1"]:
        assert "'" + nasty.replace("\r", "\n") in texts  # XML reads a lone CR back as LF
    assert not any(t.startswith(("=", "+", "-", "@", "\t", "\r")) for t in texts if t != "-inf")
    assert book["constraints"].max_row > len(result.constraints)


def test_csv_writes_units_and_constraints_files_read_back_by_pandas(tmp_path):
    result = nasty_result()
    written = write_allocation(
        result, tmp_path / "alloc.csv", header={"scenario": "base", "year": 2024}
    )
    assert [p.name for p in written] == ["alloc.csv", "alloc_constraints.csv"]
    units = pd.read_csv(written[0], comment="#")
    cons = pd.read_csv(written[1], comment="#")
    assert list(units.columns) == UNIT_COLUMNS and len(cons) == len(result.constraints)
    assert units["amount_thb"].sum() == pytest.approx(result.budget_thb)
    assert set(units["name_en"]) >= {"'" + n.replace("\r", "") for n in NASTY[:4]}
    assert "# scenario: base" in written[0].read_text(encoding="utf-8")


def test_unknown_suffix_is_a_simerror(tmp_path):
    with pytest.raises(SimError, match=r"\.json"):
        write_allocation(nasty_result(), tmp_path / "a.json")


@pytest.mark.parametrize("suffix", [".lp", ".mps"])
def test_model_file_is_written_and_reads_back(tmp_path, suffix):
    problem = isan_like_problem(4, provinces=3, zones_per_province=2)
    path = write_lp(problem, tmp_path / f"model{suffix}")
    text = path.read_text()
    for name in ("budget", "share_min_zone", "equity_low_30", "equity_high_32"):
        assert name in text
    if suffix == ".mps":
        _, model = pulp.LpProblem.fromMPS(str(path), sense=pulp.LpMaximize)
        model.solve(pulp.HiGHS(msg=False))
        assert pulp.value(model.objective) == pytest.approx(solve(problem).objective, rel=1e-7)


def test_mip_model_file_has_binaries(tmp_path):
    problem = isan_like_problem(4, provinces=2, zones_per_province=2, equity_ratio=None)
    problem = dataclasses.replace(problem, units=problem.units.assign(funded="choose"))
    text = write_lp(problem, tmp_path / "mip.lp", mip=True).read_text()
    assert "Binaries" in text and "link_" in text
