"""Numerical guards: no NaN, infinity or negative count ever reaches an output.

tests/test_engine_laws.py already draws random parameters for the rule and zone-share
policies (with exact conservation); this file covers what it leaves out: the LP policy and its
own parameters, user inputs at their extremes (random fund registries and population files),
budgets of zero and of 100 times the default for every policy, and the `allocate` export.
Every run is one small province for one or two years.

The documented non-finite values are checked for what they mean, everything else must be a
finite number >= 0: see `assert_finite_and_non_negative`.
"""

from __future__ import annotations

import csv
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.errors import SimError
from sim.inputs.parameters import default_parameters
from sim.model.engine import Simulation, simulate

DATA = Path(__file__).resolve().parent / "data"
DEFS = default_parameters().definitions
DEFAULT_BUDGET = float(default_parameters()["budget.development_thb_per_year"])
MUKDAHAN = [line.split(",")[0] for line in (DATA / "pop_mukdahan.csv").read_text().splitlines()[1:]]
GUARDS = settings(deadline=None, database=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                         HealthCheck.function_scoped_fixture])


def assert_finite_and_non_negative(result) -> None:
    """Every number of every table is finite and >= 0, except the documented ones, which are
    checked for exactly what they mean."""
    tables = result.tables()
    assert set(tables) == {"summary", "fund_years", "unit_years"}
    summary, funds, units = tables["summary"], tables["fund_years"], tables["unit_years"]
    founded = funds["founded"].to_numpy(bool)
    documented = {
        # no fund founded during the run is five years old yet: the survival rate is undefined
        ("summary", "survival_5y_new_funds"): lambda v: np.isnan(v) | ((v >= 0) & (v <= 1)),
        # no fund at all: no median
        ("summary", "median_reserve_ratio"): lambda v: np.where(
            summary["funds_founded"].to_numpy() == 0, np.isnan(v), np.isfinite(v) & (v >= 0)),
        # a province that gets no development money: the max/min ratio is infinite
        ("summary", "alloc_per_capita_max_min"): lambda v: (v == np.inf) | (np.isfinite(v) & (v >= 0)),
        # -1 where no fund was ever founded
        ("fund_years", "founded_year"): lambda v: np.where(founded, v >= 1990, v == -1),
        # capacity is a zone's: NaN for the region, province, group and mentor units
        ("unit_years", "capacity"): lambda v: np.where(
            units["level"].to_numpy() == "zone", (v >= 0) & (v <= 1), np.isnan(v)),
    }
    for name, frame in tables.items():
        for column in frame.select_dtypes("number").columns:
            values = frame[column].to_numpy(float)
            check = documented.get((name, column))
            if check is not None:
                bad = ~check(values)
            else:
                bad = ~np.isfinite(values) | (values < 0)
            assert not bad.any(), f"{name}.{column}: {values[bad][:5]} (rows {np.flatnonzero(bad)[:5]})"
    # counts are whole numbers, and the people inside add up
    for column in ("members_start", "joined", "left", "died", "members_end", "members_eligible", "population"):
        values = funds[column].to_numpy(float)
        assert np.array_equal(values, np.round(values)), column
    assert (funds["members_end"] <= funds["population"]).all()
    assert (funds["members_eligible"] <= funds["members_end"]).all()
    assert (summary["coverage"] <= 1).all()


# --- the LP policy over its own parameters (test_engine_laws skips them) -------------------

LP_PATHS = sorted(p for p in DEFS if p.startswith("policy.lp."))


def lp_value(path):
    d = DEFS[path]
    if d.kind == "bool":
        return st.booleans()
    if d.kind == "int":
        high = min(int(d.high), 64) if path == "policy.lp.forecast_draws" else int(d.high)  # keep runs short
        return st.integers(int(d.low), high)
    return st.floats(d.low, d.high, allow_nan=False, allow_infinity=False)


@st.composite
def lp_settings(draw):
    values = {p: draw(lp_value(p)) for p in LP_PATHS if draw(st.booleans())}
    values["policy.lp.mip"] = False  # the MIP is tested in test_allocation; here: speed
    values["budget.development_thb_per_year"] = draw(
        st.sampled_from([0.0, 1.0, 3e6, DEFAULT_BUDGET, 100 * DEFAULT_BUDGET, DEFS["budget.development_thb_per_year"].high]))
    values["policy.region_share"] = draw(st.floats(0.0, 0.5))
    return values


@example(values={"budget.development_thb_per_year": 0.0, "policy.lp.equity_low": 1.0, "policy.lp.equity_high": 1.0})
@example(values={"budget.development_thb_per_year": 1e10, "policy.lp.min_zone_share": 1.0,
                 "policy.lp.switching_cost_thb": 1e7, "policy.lp.breakpoints": 2})
@settings(GUARDS, max_examples=8)
@given(values=lp_settings())
def test_lp_policy_outputs_are_finite_and_non_negative(values, small_scenario):
    s = small_scenario(years=2, **{"policy.kind": "lp"}).with_overrides(values)
    try:
        result = simulate(s, 0)
    except SimError as err:
        # A budget below the funded units' overheads, or constraints no split can meet: the LP
        # refuses the year in one line (see the report: it does not name the scenario keys).
        assert "\n" not in str(err) and str(err).startswith("allocation problem: "), err
        return
    assert_finite_and_non_negative(result)


# --- budgets of zero and of 100 times the default, for every policy ------------------------


def yearly_allocations(scenario) -> tuple[list[dict], object]:
    """Step the engine as `simulate` does, keeping each year's budget, caps and decision."""
    sim = Simulation(scenario, 0)
    years = []
    while sim.year < sim.end:
        ctx = sim.prepare_year()
        money = sim.decide(ctx)
        years.append({"year": ctx.year, "budget": float(ctx.budget_thb), "money": np.asarray(money, float).copy(),
                      "cap": ctx.units.table["cap_thb"].to_numpy(float)})
        sim.run_year(ctx, money)
    return years, sim.result()


@pytest.mark.parametrize("kind", ["rule", "zone_share", "lp"])
@pytest.mark.parametrize("budget", [0.0, 100 * DEFAULT_BUDGET])
def test_budgets_of_zero_and_100x_run_to_the_end(kind, budget, small_scenario):
    """Every policy spends the budget, no more; the LP (which need not spend it all) leaves
    money over only when every unit it funds is at its cap — nothing could use another baht."""
    s = small_scenario(years=2, **{"policy.kind": kind, "budget.development_thb_per_year": budget})
    years, result = yearly_allocations(s)
    assert_finite_and_non_negative(result)
    assert sorted(result.summary["year"]) == [2023, 2024]  # to the end
    units = result.unit_years
    for y in years:
        money, spent, offered = y["money"], float(y["money"].sum()), y["budget"]
        # the year's budget is the scenario's scaled to the run's share of budget.scope
        assert (offered == 0) == (budget == 0) and offered <= budget * (1 + 1e-9)
        assert spent <= offered * (1 + 1e-9) + 1e-6, y["year"]
        assert units.loc[units["year"] == y["year"], "allocation_thb"].sum() == pytest.approx(spent, rel=1e-12, abs=1e-6)
        if kind != "lp" or spent == pytest.approx(offered, rel=1e-9, abs=1e-6):
            assert spent == pytest.approx(offered, rel=1e-9, abs=1e-6), (kind, y["year"], spent, offered)
            continue
        funded = money > 0
        assert funded.any(), f"{y['year']}: the LP left the whole budget unspent"
        below = funded & (money < y["cap"] * (1 - 1e-9) - 1e-6)
        assert not below.any(), (
            f"{y['year']}: {offered - spent:,.0f} THB left over while {int(below.sum())} funded unit(s) "
            f"are below their cap")
    if budget == 0:
        assert (units["effort_thb"] == 0).all()
    if kind == "lp" and budget > 0:
        assert years[0]["money"].sum() < years[0]["budget"]  # 100x the default is more than the caps take


@pytest.mark.parametrize("budget", [str(100 * DEFAULT_BUDGET), "1e10"])
def test_allocate_with_budgets_of_100x_and_the_maximum_exports_finite_numbers(budget, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    base = tmp_path / "base.toml"
    base.write_text('name = "base"\n[run]\nregion = ["49"]\nyears = 1\nseed = 3\n', encoding="utf-8")
    assert main(["allocate", str(base), "--out", "plan.csv", "--budget", budget]) == 0, capsys.readouterr().err
    units = pd.read_csv(tmp_path / "plan.csv", comment="#")
    for column in ("amount_thb", "floor_thb", "cap_thb"):
        values = units[column].to_numpy(float)
        assert np.isfinite(values).all() and (values >= 0).all(), column
    assert units["amount_thb"].sum() <= float(budget) * (1 + 1e-9) + 1e-6
    per_capita = units["per_capita_thb"].to_numpy(float)
    assert (np.isnan(per_capita) | (np.isfinite(per_capita) & (per_capita >= 0))).all()


def test_allocate_with_a_zero_budget_says_why_in_one_line(tmp_path, monkeypatch, capsys):
    """Nothing can be allocated below the overheads: a clear refusal, not NaN per capita."""
    monkeypatch.chdir(tmp_path)
    base = tmp_path / "base.toml"
    base.write_text('name = "base"\n[run]\nregion = ["49"]\nyears = 1\nseed = 3\n', encoding="utf-8")
    assert main(["allocate", str(base), "--out", "plan.csv", "--budget", "0"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: allocation problem: infeasible budget: ")
    assert "but the budget is 0 THB" in err
    assert not (tmp_path / "plan.csv").exists()


# --- user inputs at their extremes ----------------------------------------------------------


@st.composite
def registries(draw):
    """A valid fund registry for some Mukdahan sub-districts, with extreme but allowed values."""
    codes = draw(st.lists(st.sampled_from(MUKDAHAN), min_size=1, max_size=12, unique=True))
    bands = draw(st.booleans())
    rows = []
    for code in codes:
        members = draw(st.sampled_from([0, 1, 7, 250, 999]))  # the population file gives 1,000+
        row = {
            "subdistrict_code": code,
            "founded_year": draw(st.integers(1990, 2022)),
            "members": members,
            "reserves_thb": draw(st.sampled_from([0, 0.01, 1, 5e5, 1e9, 1e10])),
            "status": draw(st.sampled_from(["strong", "normal", "weak", "dormant"])),
        }
        if bands:
            split = np.diff(np.sort(np.concatenate([[0, members], draw(
                st.lists(st.integers(0, members), min_size=6, max_size=6))]))).tolist()
            row.update({f"members_{b}": n for b, n in zip(
                ("0_14", "15_24", "25_44", "45_59", "60_69", "70_79", "80_plus"), split, strict=True)})
        rows.append(row)
    return rows


def write_csv(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@settings(GUARDS, max_examples=10)
@given(rows=registries(), zero_people=st.lists(st.sampled_from(MUKDAHAN), max_size=5, unique=True),
       big=st.booleans(), years=st.integers(1, 2), seed=st.integers(0, 2**31))
def test_extreme_registries_and_population_files_give_finite_outputs(tmp_path_factory, rows, zero_people, big, years, seed, small_scenario):
    folder = tmp_path_factory.mktemp("inputs")
    population = {line.split(",")[0]: int(line.split(",")[1])
                  for line in (DATA / "pop_mukdahan.csv").read_text().splitlines()[1:]}
    registered = {r["subdistrict_code"] for r in rows}
    for code in zero_people:  # sub-districts where nobody lives (and so no fund can be)
        if code not in registered:
            population[code] = 0
    if big:  # the largest population a file may give
        population[MUKDAHAN[-1]] = 10_000_000
    pop_file = write_csv(folder / "population.csv",
                         [{"subdistrict_code": c, "population": n} for c, n in population.items()])
    registry = write_csv(folder / "registry.csv", rows)
    s = small_scenario(years=years, seed=seed, inputs={"population": pop_file, "fund_registry": registry})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = simulate(s, 0)
    assert_finite_and_non_negative(result)
    funds = result.fund_years[result.fund_years["year"] == 2023].set_index("subdistrict_code")
    for row in rows:  # the registry really was the starting state
        assert funds.loc[row["subdistrict_code"], "founded_year"] == row["founded_year"]


def test_reserves_near_the_largest_allowed_stay_exact_and_positive(tmp_path, small_scenario):
    """1e10 THB of reserves in each of a few funds: money is int64 satang, far from wrapping."""
    rows = [{"subdistrict_code": c, "founded_year": 2000, "members": 500, "reserves_thb": 1e10}
            for c in MUKDAHAN[:3]]
    s = small_scenario(years=2, inputs={"fund_registry": write_csv(tmp_path / "r.csv", rows)})
    result = simulate(s, 0)
    assert_finite_and_non_negative(result)
    funds = result.fund_years.set_index(["year", "subdistrict_code"])
    for code in MUKDAHAN[:3]:
        assert funds.loc[(2023, code), "reserves_start_thb"] == 1e10
        assert funds.loc[(2024, code), "reserves_end_thb"] > 1e10 * 0.99
    assert math.isfinite(result.summary["reserves_thb"].max())
