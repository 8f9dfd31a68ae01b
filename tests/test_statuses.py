"""Statuses that mean what they say (MODEL.md 5.6; issue 12, item 5).

- "Members falling" is a decline beyond `status.falling_threshold`, not the loss of one member.
- The default 2023 start is the calibrated history's (sim/model/history_start.py): its statuses
  and their history (last year's members, years of falling members, of low reserves) are the
  engine's own, classified by the history's last year. From it the weak count in the first years
  moves with the policy (below, per scenario, with the figures).
- The synthetic start (`start.from_history` off, and any other start year) carries a recent
  history drawn from each fund's expected dynamics, and its shares are checked against MODEL.md
  ("about a fifth of funds start weak and some dormant": dormant 5% (`start.share_dormant`),
  weak about 20%, strong some (5-30%), normal the rest). The history's own 2023 start holds
  about 11% weak, 41% strong and 0.6% dormant funds in Isan (sim/data/start_2023.manifest.json):
  the record has no status shares, MODEL.md's are assumed. The history is not bent toward the
  assumed fifth: over the whole allowed range of the one fitted parameter the record leaves free
  (`governance.generosity_drift`, 0 to 0.5) its 2023 weak share stays at 10.7-12.7% (calibration
  search sample, replicate 0, model 7), and the status thresholds are MODEL.md's own: the record's
  money leaves the median Isan fund 9.2 years of benefits in reserve, only 0.6% of funds have a
  reserve ratio below 1, and the weak ones (11%) are those losing members two years running. A user who
  holds MODEL.md's assumed shares starts from them with `start.from_history = false`.

Every shipped scenario that starts in 2023 runs two years on all of Isan (one replicate): about
25 s in all, most of it the closed-loop LP of `lp_optimal`.
"""

from __future__ import annotations

from pathlib import Path

import numba
import numpy as np
import pytest

from sim.inputs.parameters import default_parameters
from sim.inputs.scenario import load_scenario
from sim.model.engine import Simulation
from sim.model.state import DORMANT, STRONG, WEAK, expected_member_growth, synthetic_state
from sim.model.yearly import end_year, falling_members

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
STARTING_2023 = sorted(p.stem for p in SCENARIOS.glob("*.toml") if load_scenario(p).start_year == 2023)

# starting shares of founded funds: MODEL.md "about a fifth weak and some dormant"
DORMANT_TARGET, DORMANT_TOLERANCE = 0.05, 0.015  # = start.share_dormant
WEAK_TARGET, WEAK_TOLERANCE = 0.20, 0.05
STRONG_RANGE = (0.05, 0.30)
# the membership dynamics of one fixed coverage ceiling for every fund (before issue 13's reach)
FIXED_CEILING = "membership.coverage_ceiling" in default_parameters()


@pytest.fixture(autouse=True, scope="module")
def one_numba_thread():
    """One thread for the compiled step under pytest-xdist (results do not depend on it)."""
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(before)


def counts(state) -> dict[str, int]:
    return {"weak": int((state.status == WEAK).sum()), "dormant": int((state.status == DORMANT).sum()),
            "strong": int((state.status == STRONG).sum()), "funds": int(state.founded.sum())}


def test_shipped_scenarios_starting_in_2023_are_found():
    assert {"baseline", "zone_all_2023", "province_2021", "zone_pilot_2022", "lp_optimal"} <= set(STARTING_2023)


# From the calibrated history's start (the default, sim.model.history_start) the start is classified
# by the history's own last year, and a run that takes the history's own settings, population and
# zone capacities continues it exactly (tests/test_history_start.py::test_the_handover_is_seamless):
# the start has no artefact. What the first year shows is the policy. Moving the money to zones that
# have never been funded (capacity 0.1) lowers the year's effort and governance, and weak funds rise
# (the history itself, every zone at share 0.6 from 2023, goes 263 -> 410 in Isan); going back from
# the 2022 pilot to the province practice, or the allocator that funds provinces and mentor funds,
# lowers them; continuing the 2022 pilot keeps them. So the issue's "less than 25% in every shipped
# scenario" is a law only for the scenario that continues the history's practice; for the others the
# law is the direction of the change. Measured on model 7 (Isan, replicate 0; weak funds at the start,
# 2023, 2024) in the comments.
FIRST_YEAR = {
    "baseline": "up",  # 261 -> 391 -> 428: every baht through zones of capacity 0.1 (+50% in 2023)
    "zone_all_2023": "up",  # 261 -> 358 -> 359: 60% through zones of capacity 0.1 (+37%)
    "zones_capped": "up",  # 261 -> 358 -> 359: every zone funded, capped (+37%)
    "zones_see_no_better": "up",  # 261 -> 344 -> 348: every zone funded, seeing need no better (+32%)
    "province_2021": "down",  # 261 -> 220 -> 152: back from the 2022 pilot to the province practice (-16%)
    "lp_optimal": "down",  # 261 -> 213 -> 158: provinces and mentor funds, no zone (-18%)
    "zone_pilot_2022": "steady",  # 261 -> 301 -> 283: the 2022 pilot continued (+15%, -6%)
}
JUMP = 0.25  # "steady": less than this relative change a year
MOVE = 0.10  # "up" / "down": at least this relative change in the first year


def test_every_shipped_2023_scenario_has_an_expected_first_year():
    assert set(STARTING_2023) == set(FIRST_YEAR), "say how the first year of a new 2023 scenario moves"


@pytest.mark.parametrize("name", STARTING_2023)
def test_the_first_year_moves_weak_funds_the_way_the_policy_does(name):
    """Start (classified by the same rule as every year), first and second year: the weak count
    rises where the money moves to untrained zones, falls where it goes to provinces and mentor
    funds, and stays within 25% a year where the 2022 practice goes on (it jumped from ~130 to
    ~1,050 in one year when the start carried no history)."""
    scenario = load_scenario(SCENARIOS / f"{name}.toml").with_overrides({}, years=2)
    sim = Simulation(scenario, 0, outputs=("summary",))
    series = [counts(sim.state)]
    while sim.year < sim.end:
        ctx = sim.prepare_year()
        sim.run_year(ctx, sim.decide(ctx))
        series.append(counts(sim.state))
    weak = [c["weak"] for c in series]
    summary = sim.result().summary
    assert summary["funds_weak"].tolist() == weak[1:]
    change = weak[1] / weak[0] - 1
    expected = FIRST_YEAR[name]
    if expected == "up":
        assert change > MOVE, f"{name}: weak funds start, 2023, 2024 = {weak}"
    elif expected == "down":
        assert change < -MOVE, f"{name}: weak funds start, 2023, 2024 = {weak}"
    else:
        for before, after in zip(weak, weak[1:], strict=False):
            assert abs(after - before) < JUMP * before, f"{name}: weak funds start, 2023, 2024 = {weak}"


@pytest.fixture(scope="module")
def isan_start():
    """The synthetic Isan starting state of zone_all_2023 before and after the start classification
    (`start.from_history` off: the drawn start these laws are about; the history's start is
    classified by the history itself, tests/test_history_start.py)."""
    scenario = load_scenario(SCENARIOS / "zone_all_2023.toml").with_overrides({"start.from_history": False}, years=1)
    sim = Simulation(scenario, 0, outputs=("summary",))
    raw = synthetic_state(sim.geo, sim.params, scenario.start_year, sim.key)
    return sim, raw


def test_starting_dormant_and_strong_shares(isan_start):
    sim, _ = isan_start
    c = counts(sim.state)
    assert sim.params["start.share_dormant"] == DORMANT_TARGET
    assert abs(c["dormant"] / c["funds"] - DORMANT_TARGET) < DORMANT_TOLERANCE, c
    assert STRONG_RANGE[0] < c["strong"] / c["funds"] < STRONG_RANGE[1], c


@pytest.mark.xfail(FIXED_CEILING, strict=True, reason=(
    "MODEL.md's 'about a fifth weak' is not met: about half of Isan's funds start weak, nearly all "
    "because their members have been falling two years running. Under the fitted membership "
    "dynamics (fixed 60% coverage ceiling, 7.9% dropout) each fund settles at 5-11% of its "
    "population, so funds started above that (drawn ~1,000 members regardless of population) "
    "shrink for a decade. A threshold near 15% gives a fifth at the start but the weak count then "
    "falls by half a year (ratio-weak funds rebuild their reserves within a year or two). Needs issue 13 (reach that grows with trust, "
    "dropout that falls with it) and starting members near each fund's reach."))
def test_about_a_fifth_of_funds_start_weak(isan_start):
    sim, _ = isan_start
    c = counts(sim.state)
    assert abs(c["weak"] / c["funds"] - WEAK_TARGET) < WEAK_TOLERANCE, c


def test_falling_needs_a_decline_beyond_the_threshold(isan_start):
    """Defaults: members down 1% a year are not falling, down 5% are (two years running: weak)."""
    sim, _ = isan_start
    params = sim.params
    assert 0.01 < params["status.falling_threshold"] < 0.05
    last = np.array([1000, 1000, 1000, 1000])
    assert falling_members(np.array([1010, 1000, 990, 950]), last, params).tolist() == [False, False, False, True]
    # through the status rule: funds with money enough, members falling last year too
    state = sim.state.copy()
    tables = sim.tables
    rows = np.flatnonzero(state.active & (state.reserve_ratio >= 2 * params["status.weak_ratio"]))[:40]
    assert rows.size == 40
    members = state.total_members()
    one, five = rows[:20], rows[20:]
    state.members_last_year[one] = np.rint(members[one] / 0.99)
    state.members_last_year[five] = np.rint(members[five] / 0.95)
    state.falling_years[rows] = 1
    end_year(state, params, tables, state.contributions_last_year)
    assert (state.falling_years[one] == 0).all() and (state.status[one] != WEAK).all()
    assert (state.falling_years[five] == 2).all() and (state.status[five] == WEAK).all()
    # with the threshold at 0 the loss of one member counts, as before
    zero = params.with_overrides({"status.falling_threshold": 0.0})
    assert falling_members(np.array([999]), np.array([1000]), zero).tolist() == [True]


@pytest.mark.xfail(not FIXED_CEILING, strict=True, reason=(
    "Model 4: 45% of the funds whose members did not fall last year fall more than 4% in the first "
    "simulated year (limit 20%; model 3: 30%). They are funds held at their equilibrium coverage at the "
    "start (start.cap_at_equilibrium): the yearly closed form (expected_member_growth, "
    "membership.equilibrium_coverage) expects about 0 change for them (median -0.2%), the monthly step "
    "gives -8.8% (model 3: -6.9%). The closed form counts the year's joiners as if all stayed; in the "
    "engine about a quarter leave within the year at the first band's dropout (0.497 in the model-4 "
    "fit). Correcting only that overshoots (funds start ~15% below equilibrium and grow 19% in year "
    "one: tenure ageing lowers dropout too). The default 2023 start is therefore the engine's own (the "
    "calibrated history's funds, sim.model.history_start, continuous at the handover); the synthetic start "
    "stays for other start years and `start.from_history = false`, with this gap."))
def test_starting_history_matches_each_funds_status_and_dynamics(isan_start):
    """A fund weak by falling members has a history that shows it, a dormant one has the
    low-ratio years, a fund founded last year has no history, and a fund whose history shows
    falling members keeps falling in the first year (the model's own dynamics)."""
    sim, raw = isan_start
    params, start = sim.params, sim.scenario.start_year
    s = sim.state
    founded = raw.founded
    fell_last = founded & falling_members(raw.total_members(), raw.members_last_year, params)
    # classified weak by members: fell last year and the year before
    by_members = fell_last & (raw.falling_years >= 1)
    assert by_members.sum() > 0
    assert (s.falling_years[by_members] >= 2).all() and (s.status[by_members & s.active] == WEAK).all()
    assert (s.falling_years[founded & ~fell_last] == 0).all()
    # funds founded last year: no history
    young = founded & (raw.founded_year == start - 1)
    assert young.any() and (raw.members_last_year[young] == raw.total_members()[young]).all()
    assert (raw.falling_years[young] == 0).all()
    # dormant funds: reserves below the dormant line, two years running
    dormant = s.status == DORMANT
    assert dormant.any()
    assert (s.reserve_ratio[dormant] < params["status.dormant_ratio"]).all()
    assert (s.low_ratio_years[dormant] >= 2).all()
    # active funds below the dormant line crossed it only last year
    low = s.active & (s.reserve_ratio < params["status.dormant_ratio"])
    assert (s.low_ratio_years[low] == 1).all()
    # history follows the dynamics: last year's change has the sign of the expected change
    growth, _ = expected_member_growth(raw, params)
    old = founded & (raw.founded_year <= start - 2) & raw.active
    change = raw.total_members()[old] / raw.members_last_year[old] - 1
    assert np.corrcoef(growth[old], change)[0, 1] > 0.8
    # ... and the first simulated year agrees with it (a fresh run: the fixture stays at the start)
    run = Simulation(sim.scenario, 0, outputs=("summary",))
    members0 = run.state.total_members().copy()
    active0 = run.state.active.copy()
    run.run_year(ctx := run.prepare_year(), run.decide(ctx))
    fell_first = falling_members(run.state.total_members(), members0, params)
    keep = old & active0 & run.state.active
    # (0.88 and 0.08 under one fixed coverage ceiling; 0.65 and 0.02 with issue 13's reach)
    assert fell_first[keep & fell_last].mean() > 0.5
    assert fell_first[keep & ~fell_last].mean() < 0.2
