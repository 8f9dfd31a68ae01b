"""Exports a planner opens (XLSX, CSV) and the model file an auditor opens (LP, MPS).

The workbook is read back with openpyxl as a planner's spreadsheet program would show it:
number formats, the frozen header, the filter range, totals per level and a grand total equal
to the budget, the summary sheet first, Thai headers and Buddhist Era years with ``lang="th"``.
Most tests use the synthetic problems of :mod:`sim.allocation.examples` (no simulation); one
runs `welfare-sim allocate` on one province.
"""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pandas as pd
import pulp
import pytest
from openpyxl import load_workbook

from sim import __version__
from sim.allocation import allocation_to_frames, solve, write_allocation, write_lp
from sim.allocation.examples import isan_like_problem
from sim.allocation.export import THB_FORMAT, UNIT_COLUMNS, whole_baht
from sim.cli import main
from sim.errors import SimError
from sim.report.labels import export_labels
from sim.studies.recommend import evaluate_allocation, plan_summary, write_plan

NASTY = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
HEADER = {"scenario": "zone_all_2023", "year": 2024, "year_be": 2567, "replicate": 0, "seed": 7,
          "policy_until_then": "zone_share"}


def nasty_result():
    problem = isan_like_problem(2, provinces=3, zones_per_province=2, mentors=2)
    units = problem.units.copy()
    units.loc[: len(NASTY) - 1, "name_en"] = NASTY
    units.loc[0, "name_th"] = "=1+1"
    return solve(dataclasses.replace(problem, units=units))


def planned():
    """A small Isan-like problem with a budget in odd baht, its result and an even-split rule."""
    problem = isan_like_problem(3, provinces=3, zones_per_province=3, mentors=2, budget_thb=16_000_000.4)
    result = solve(problem)
    ids = result.amounts_thb.index
    rule = pd.Series(problem.budget_thb / len(ids), index=ids)
    return problem, result, rule


def summary_text(sheet) -> str:
    return "\n".join(str(c.value) for row in sheet.iter_rows(max_col=1) for c in row if c.value is not None)


def details(sheet) -> dict:
    return {row[0].value: row[1].value for row in sheet.iter_rows(max_col=2) if row[0].value is not None}


def table(sheet) -> tuple[list[str], list[tuple]]:
    """Header and unit rows of a sheet's filtered range."""
    ref = sheet.auto_filter.ref
    last = int(re.search(r"(\d+)$", ref).group(1))
    rows = list(sheet.iter_rows(min_row=1, max_row=last, values_only=True))
    return list(rows[0]), rows[1:]


# --- frames and rounding ----------------------------------------------------------------------


def test_frames_have_one_row_per_unit_and_the_documented_columns():
    result = nasty_result()
    units, cons, header = allocation_to_frames(result)
    assert list(units.columns) == UNIT_COLUMNS
    assert len(units) == len(result.amounts_thb)
    assert units["amount_thb"].sum() == round(result.budget_thb)
    assert (units["amount_thb"] == np.round(units["amount_thb"])).all()  # whole baht
    np.testing.assert_allclose(units["amount_thb"], result.amounts_thb.to_numpy(), atol=1.0)
    floors = cons[(cons["group"] == "floor") & cons["binding"]]["unit_id"]
    assert set(units.loc[units["floor_binds"], "unit_id"]) == set(floors)
    np.testing.assert_allclose(
        units["per_capita_thb"], units["amount_thb"] / result.units["population"]
    )
    np.testing.assert_allclose(units["people_per_million_thb"], units["marginal_value"] * 1e6)
    assert units["rule_thb"].isna().all()  # no rule given
    assert header["package_version"] == __version__
    assert header["objective"] == result.objective and header["budget_thb"] == result.budget_thb


@pytest.mark.parametrize("total", [None, 1_000.6, 999.4, 10.0])
def test_whole_baht_adds_up_exactly_and_moves_no_amount_by_a_baht(total):
    rng = np.random.default_rng(1)
    amounts = rng.uniform(0, 300, size=7)
    amounts *= (total or amounts.sum()) / amounts.sum()
    rounded = whole_baht(amounts, total)
    expected = round(amounts.sum()) if total is None else (1_000 if total == 1_000.6 else round(total))
    assert rounded.sum() == expected
    assert np.all(np.abs(rounded - amounts) < 1.0)


def test_a_rule_adds_its_whole_baht_and_the_difference():
    problem, result, rule = planned()
    units, _, _ = allocation_to_frames(result, rule)
    assert units["rule_thb"].sum() == units["amount_thb"].sum() == 16_000_000
    assert (units["difference_thb"] == units["amount_thb"] - units["rule_thb"]).all()


# --- the workbook ---------------------------------------------------------------------------


def test_xlsx_has_three_sheets_details_and_no_formulas(tmp_path):
    result = nasty_result()
    path = tmp_path / "allocation.xlsx"
    write_allocation(result, path, header={"scenario": "=evil()", "year": 2024})
    book = load_workbook(path)
    assert book.sheetnames == ["summary", "allocation", "constraints"]
    meta = details(book["summary"])
    assert meta["scenario"] == "'=evil()"
    assert meta["year"] == 2024 and meta["package_version"] == __version__
    assert meta["budget_thb"] == pytest.approx(result.budget_thb)
    sheet = book["allocation"]
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not any(c.data_type == "f" for c in cells)
    texts = {c.value for c in cells if isinstance(c.value, str)}
    for nasty in NASTY + ["=1+1"]:
        assert "'" + nasty.replace("\r", "\n") in texts  # XML reads a lone CR back as LF
    assert not any(t.startswith(("=", "+", "-", "@", "\t", "\r")) for t in texts if t != "-inf")
    header, rows = table(sheet)
    assert header[:4] == ["level", "province", "name", "unit_id"] and len(rows) == len(result.amounts_thb)
    assert book["constraints"].max_row == len(result.constraints) + 1


def test_planner_workbook_formats_totals_and_summary(tmp_path):
    problem, result, rule = planned()
    path = tmp_path / "plan.xlsx"
    write_plan(result, path, header={**HEADER, "budget_thb": problem.budget_thb}, rule_thb=rule,
               problem=problem, lang="en")
    book = load_workbook(path)
    assert book.sheetnames == ["summary", "allocation", "constraints"]  # summary first
    ws = book["allocation"]
    header, rows = table(ws)
    col = {name: i for i, name in enumerate(header)}
    for name in ("allocation (THB)", "scenario's rule (THB)", "difference from the rule (THB)",
                 "value of one more million THB here (people protected per million THB)"):
        assert name in col, name

    # frozen header (and the level, province and name columns), filter over header + units
    assert ws.freeze_panes == "D2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(row=1, column=len(header)).column_letter}{len(rows) + 1}"
    assert len(rows) == len(result.amounts_thb)

    # amounts are whole-baht numbers shown with thousands separators
    amount = col["allocation (THB)"] + 1
    for r in range(2, len(rows) + 2):
        cell = ws.cell(row=r, column=amount)
        assert isinstance(cell.value, int) and cell.number_format == THB_FORMAT
        assert ws.cell(row=r, column=col["difference from the rule (THB)"] + 1).number_format == THB_FORMAT
    assert all(ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width >= 8
               for j in range(1, len(header) + 1))

    # a totals row per level and a grand total equal to the budget, below the filtered range
    totals = {}
    for row in ws.iter_rows(min_row=len(rows) + 2, values_only=True):
        if row[0]:
            totals[row[0]] = row
    by_level = pd.DataFrame(rows, columns=header).groupby("level")["allocation (THB)"].sum()
    for level, amount_sum in by_level.items():
        assert totals[f"total: {level}"][col["allocation (THB)"]] == amount_sum
    grand = next(v for k, v in totals.items() if k.startswith("grand total"))
    assert grand[col["allocation (THB)"]] == 16_000_000 == round(problem.budget_thb) - 0  # budget in whole baht
    assert grand[col["scenario's rule (THB)"]] == 16_000_000 and grand[col["difference from the rule (THB)"]] == 0
    assert "16,000,000" in next(k for k in totals if k.startswith("grand total"))

    # the summary says what to do, what binds, what a million buys, and objective vs gain
    summary = book["summary"]
    text = summary_text(summary)
    for phrase in ("What to do", "Which constraints bind", "What one more million baht would buy",
                   "Objective and expected gain", "The largest increases and cuts", "more than the rule"):
        assert phrase in text, phrase
    price = float(result.constraints.set_index("name").loc["budget", "shadow_price"])
    assert f"About {price * 1e6:,.0f} more people protected" in text
    capacity = result.objective_terms["capacity_value"]
    assert f"plus {capacity:,.0f} for the zone capacity" in text
    assert summary.cell(row=1, column=1).font.bold
    meta = details(summary)
    assert meta["allocated (THB)"] == 16_000_000 and meta["year (B.E.)"] == 2567

    cons = book["constraints"]
    header, rows = table(cons)
    assert len(rows) == len(result.constraints) and cons.freeze_panes == "B2"
    assert "at least" in {r[header.index("sense")] for r in rows}


def test_thai_workbook_has_thai_headers_and_buddhist_era_years(tmp_path):
    problem, result, rule = planned()
    path = tmp_path / "plan.xlsx"
    write_plan(result, path, header={**HEADER, "budget_thb": problem.budget_thb}, rule_thb=rule,
               problem=problem, lang="th")
    book = load_workbook(path)
    th = export_labels("th")
    assert book.sheetnames == [th["sheet:summary"], th["sheet:allocation"], th["sheet:constraints"]]
    assert book.sheetnames[0] == "สรุป"
    header, rows = table(book[th["sheet:allocation"]])
    assert "งบที่จัดสรร (บาท)" in header and "ผลต่างจากหลักเกณฑ์ (บาท)" in header
    assert {r[0] for r in rows} >= {"ภาค", "จังหวัด", "โซน"}  # levels in Thai
    summary = book["สรุป"]
    title = summary.cell(row=1, column=1).value
    assert "พ.ศ. 2567" in title and "2024" not in title
    text = summary_text(summary)
    assert "สิ่งที่ควรทำ" in text and "เงื่อนไขที่เป็นข้อจำกัด" in text and "มูลค่าของงบประมาณเพิ่ม 1 บาท" in text
    assert details(summary)["ปี พ.ศ."] == 2567


def test_summary_explains_an_objective_equal_to_the_gain_and_a_budget_left_over():
    """Without capacity value the objective is the gain; with caps below the budget the budget
    does not bind and one more million buys nothing."""
    problem = isan_like_problem(4, provinces=2, zones_per_province=2, capacity_value=False,
                                zone_share_min=None, equity_ratio=None)
    roomy = dataclasses.replace(problem, budget_thb=problem.units["cap_thb"].sum() * 2, spend_all=False)
    result = solve(roomy)
    text = "\n".join(t for _, t in plan_summary(result, {**HEADER, "budget_thb": roomy.budget_thb}))
    assert "The objective is the expected gain itself" in text
    assert "The budget does not bind" in text and "Nothing more:" in text


def test_summary_names_every_objective_term_and_says_when_the_objective_is_guarded():
    problem, result, rule = planned()
    header = {**HEADER, "budget_thb": problem.budget_thb}
    more = dataclasses.replace(result, objective=result.objective + 500.0,
                               objective_terms={**result.objective_terms, "funding_value": 500.0})
    text = "\n".join(t for _, t in plan_summary(more, header, rule, problem=problem))
    assert "for funding the zones it funds" in text and "for the zone capacity" in text
    assert f"{more.objective - more.gain_people:,.0f} higher than the expected gain" in text
    robust = dataclasses.replace(result, status="optimal (cvar over 4 curve sets)")
    text = "\n".join(t for _, t in plan_summary(robust, header, rule, problem=problem, lang="th"))
    assert "ค่าเป้าหมายแบบระวังความเสี่ยง" in text


def test_the_rule_is_read_on_the_same_curves():
    problem, result, rule = planned()
    same = evaluate_allocation(problem, result.amounts_thb)
    assert same["gain_people"] == pytest.approx(result.gain_people, rel=1e-9)
    assert same["objective"] == pytest.approx(result.objective, rel=1e-9)
    assert same["above_cap_thb"] == pytest.approx(0.0, abs=1e-3)
    worse = evaluate_allocation(problem, rule)
    assert worse["objective"] <= result.objective + 1e-6  # the LP's optimum is never beaten on its own curves


# --- the CSV ---------------------------------------------------------------------------------


def test_csv_has_a_bom_the_header_on_line_1_and_a_meta_side_file(tmp_path):
    result = nasty_result()
    written = write_allocation(
        result, tmp_path / "alloc.csv", header={"scenario": "base", "year": 2024},
        summary=[("title", "ทดสอบ"), "plain words"],
    )
    assert [p.name for p in written] == ["alloc.csv", "alloc_constraints.csv", "alloc_meta.json"]
    for path in written[:2]:
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark: Excel shows Thai names
        first = raw[3:].decode("utf-8").splitlines()[0]
        assert first.startswith('"') and not first.startswith("#")  # the header, on line 1
    units = pd.read_csv(written[0], encoding="utf-8-sig")
    cons = pd.read_csv(written[1], encoding="utf-8-sig")
    assert list(units.columns) == UNIT_COLUMNS and len(cons) == len(result.constraints)
    assert units["amount_thb"].sum() == round(result.budget_thb)
    assert set(units["name_en"]) >= {"'" + n.replace("\r", "") for n in NASTY[:4]}
    assert "หน่วย G1" in set(units["name_th"])
    meta = json.loads(written[2].read_text(encoding="utf-8"))
    assert meta["header"]["scenario"] == "base" and meta["header"]["package_version"] == __version__
    assert meta["summary"][0] == {"style": "title", "text": "ทดสอบ"}
    assert sum(row["amount_thb"] for row in meta["totals_by_level"]) == round(result.budget_thb)


def test_unknown_suffix_is_a_simerror(tmp_path):
    with pytest.raises(SimError, match=r"\.json"):
        write_allocation(nasty_result(), tmp_path / "a.json")


# --- the command ----------------------------------------------------------------------------


def test_a_buddhist_era_year_gets_a_one_line_hint(tmp_path, capsys):
    assert main(["allocate", "zone_all_2023", "--year", "2567", "--out", str(tmp_path / "p.xlsx")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Buddhist Era" in err and "it means 2024" in err and "--year 2024" in err
    assert not (tmp_path / "p.xlsx").exists()


@pytest.mark.timeout(300)
def test_allocate_makes_missing_folders_and_prints_rounded_robust_tables(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "one.toml").write_text('name = "one"\n[run]\nregion = ["49"]\nyears = 1\nseed = 3\n',
                                       encoding="utf-8")
    out = tmp_path / "new" / "folder" / "plan.xlsx"
    argv = ["allocate", "one.toml", "--out", str(out), "--lang", "th", "--robust", "2", "--budget", "8000000.5"]
    assert main(argv) == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert out.exists() and (out.parent / "plan_robust.xlsx").exists()
    assert "สิ่งที่ควรทำ" in printed and "พ.ศ. 2566" in printed  # the Thai summary, B.E. year
    robust = printed[printed.index("Robust"):printed.index("wrote")]
    assert re.search(r"\d,\d{3}", robust)  # thousands separators
    assert not re.search(r"\d\.\d", robust)  # no decimals: whole people and whole baht
    book = load_workbook(out)
    header, rows = table(book["การจัดสรรงบประมาณ"])
    assert sum(r[header.index("งบที่จัดสรร (บาท)")] for r in rows) == 8_000_000


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


def test_summary_states_the_unit_of_its_gains_over_the_horizon():
    """Over a multi-year horizon the gains are discounted person-years, and the sheet says so (in
    both languages); over one year it says nothing extra."""
    problem = isan_like_problem(4, provinces=2, zones_per_province=2, capacity_value=False,
                                zone_share_min=None, equity_ratio=None)
    result = solve(problem)
    header = {**HEADER, "budget_thb": problem.budget_thb}
    five = "\n".join(t for _, t in plan_summary(result, {**header, "horizon_years": 5, "discount_rate": 0.03}))
    assert "summed over the next 5 years, discounted 3% a year" in five
    thai = "\n".join(t for _, t in plan_summary(result, {**header, "horizon_years": 5, "discount_rate": 0.03},
                                                 lang="th"))
    assert "5 ปีข้างหน้า คิดลด 3%" in thai
    one = "\n".join(t for _, t in plan_summary(result, {**header, "horizon_years": 1}))
    assert "person-years protected in that sense" not in one
