"""Run a scenario: the data path of the whole model, year by year.

    scenario -> resolved parameters -> geography + starting state
      each year: policy allocates development budget to units (rule | zone_share | lp)
        units turn money into effort -> effects on funds
        each month: members, claims, money (compiled step over arrays)
      yearly records -> tables (summary, fund_years, unit_years)

`simulate` runs one replicate and returns DataFrames; `run_scenario` runs several;
`run_spec` is the entry point the experiment machinery calls in worker processes.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim import __version__
from sim.inputs.parameters import ParameterSet
from sim.model import membership, saving
from sim.model.beliefs import planning_context
from sim.model.benefits import AGE_WIDTH_YEARS, TENURE_WIDTH_YEARS, BenefitTables, benefit_tables
from sim.model.demography import advance_population
from sim.model.development import (
    DevelopmentState,
    Units,
    build_units,
    capacity_building,
    choose_mentors,
    development_access,
    effect_strength,
    initial_development_state,
    money_to_effort,
    money_to_subdistricts,
    needs_seen,
    observation_noise,
    real_value,
    spread_effort,
    update_zone_capacity,
)
from sim.model.history_start import handover_development, history_start
from sim.model.listed import take_listed_statuses
from sim.model.metrics import (
    HEADLINE,
    coverage_by_group,
    discount_factor,
    gini,
    protection_weight,
    survival_5y,
    theil,
)
from sim.model.monthly import (
    ADMIN_COST,
    BENEFIT_FLOWS,
    CENTRAL_FUND,
    CLAIMS_UNPAID,
    CONTRIBUTIONS,
    DIED,
    ENTRANCE_FEES,
    FLOW_NAMES,
    INSOLVENCY_EVENTS,
    INTEREST,
    JOINED,
    LEFT,
    N_FLOWS,
    NON_MEMBERS_HELPED,
    OTHER_INCOME,
    REFUNDS,
    month_step,
)
from sim.model.policies import (
    allocate_by_levels,
    funded_zones,
    marginal_view,
    unit_value_seen_by_region,
)
from sim.model.rng import run_key
from sim.model.state import PROGRAMME_NAMES, STATUS_NAMES, FundState, synthetic_state
from sim.model.yearly import begin_year, end_year, expected_benefits_thb, join_rate
from sim.world.scenario_inputs import age_shares as age_shares  # re-exported for older callers
from sim.world.scenario_inputs import geography_for as geography_for
from sim.world.scenario_inputs import scoped_budget, scoped_region_overhead, world_for

AGE_LABELS = ("0_14", "15_24", "25_44", "45_59", "60_69", "70_79", "80_plus")


@dataclass
class RunResult:
    """The tables of a run (one or several replicates) and its manifest."""

    summary: pd.DataFrame
    fund_years: pd.DataFrame | None = None
    unit_years: pd.DataFrame | None = None
    manifest: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # one line each: what the inputs left to the model

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {"summary": self.summary}
        if self.fund_years is not None:
            out["fund_years"] = self.fund_years
        if self.unit_years is not None:
            out["unit_years"] = self.unit_years
        return out

    def headline(self) -> pd.DataFrame:
        """Mean over replicates of the headline metrics, first and last year."""
        cols = [HEADLINE, "people_protected", "members", "coverage", "funds_active", "funds_weak", "funds_dormant",
                "median_reserve_ratio", "insolvency_events"]
        mean = self.summary.groupby("year")[cols].mean()
        return mean.loc[[mean.index.min(), mean.index.max()]]


@dataclass(frozen=True)
class MonthlyConstants:
    """The parameters the compiled monthly step needs, as plain arrays and numbers."""

    args: tuple  # positional arguments of `month_step` after the state arrays
    entrance_fee: float = 0.0  # THB per new member
    other_ratio: float = 0.0  # other income per THB of contributions
    admin_share: float = 0.0  # admin cost per THB of income

    @classmethod
    def build(cls, params: ParameterSet, tables: BenefitTables) -> MonthlyConstants:
        waiting = int(params["finance.waiting_months"])
        death = params["demography.death_rate_per_1000"] * params["demography.death_rate_multiplier"] / 1000
        age_move = np.where(np.isfinite(AGE_WIDTH_YEARS), 1 - np.exp(-1 / (12 * AGE_WIDTH_YEARS)), 0.0)
        first = 12 - waiting
        tenure_move = np.where(np.isfinite(TENURE_WIDTH_YEARS), 1 - np.exp(-1 / (12 * TENURE_WIDTH_YEARS)), 0.0)
        tenure_move[0] = 1 - np.exp(-1 / first) if first > 0 else 1.0
        args = (
            1 - np.exp(-death / 12),
            params["demography.birth_rate_per_1000"] / 12000,
            params["demography.admissions_per_1000"] / 12000,
            age_move,
            tenure_move,
            np.asarray(params["membership.join_age_factor"], float),
            float(params["membership.newborn_enrolment"]),
            tables.stay_probs,
            tables.stay_pay_thb,
            tables.year_cap_factor,
            tables.funeral_thb,
            float(tables.old_age_monthly_thb),
            int(tables.old_age_min_tenure),
            params["benefits.education.rate_per_1000"] / 12000,
            float(params["benefits.education.thb"]),
            params["benefits.disability.rate_per_1000"] / 12000,
            float(params["benefits.disability.thb"]),
            params["benefits.disaster.rate_per_1000"] / 12000,
            float(params["benefits.disaster.thb"]),
            float(params["benefits.birth_thb"]),
            float(params["contribution.entrance_fee_thb"]),
            float(params["contribution.other_income_ratio"]),
            float(params["finance.admin_cost_share"]),
            (1 + params["finance.interest_rate_real"]) ** (1 / 12) - 1,
            params["contribution.refund_share"] * params["contribution.never_claimed_share"],
            np.asarray(params["benefits.funeral.tenure_years_by_band"], float),
            bool(params["benefits.central_fund.enabled"]),
            float(params["benefits.central_fund.share_of_nonmember_elderly"]),
            params["benefits.central_fund.thb_per_year"] / 12,
            int(params["benefits.central_fund.first_age_band"]),
        )
        return cls(args=args,
                   entrance_fee=float(params["contribution.entrance_fee_thb"]),
                   other_ratio=float(params["contribution.other_income_ratio"]),
                   admin_share=float(params["finance.admin_cost_share"]))


# A policy decides money per unit row from the year's situation.
PolicyFn = Callable[..., np.ndarray]


@dataclass
class YearContext:
    """What a policy may look at when it decides a year's allocation."""

    year: int
    budget_thb: float
    units: Units
    state: FundState
    geography: object
    params: ParameterSet
    tables: BenefitTables
    dev: DevelopmentState
    value: np.ndarray  # real people-protected value of full effect per sub-district
    join_rate: np.ndarray
    zone_ok: np.ndarray
    key: np.uint64
    years_left: int | None = None  # years of the run from this one on (this one included), when a run decides


def decide_money(ctx: YearContext, noise: dict[str, np.ndarray]) -> np.ndarray:
    kind = ctx.params["policy.kind"]
    if kind == "lp":
        from sim.model.lp_policy import lp_allocation

        return lp_allocation(ctx)
    seen = unit_value_seen_by_region(ctx.units, ctx.value, noise["region"])
    return allocate_by_levels(ctx.params, ctx.budget_thb, ctx.units, ctx.zone_ok, seen, marginal_view(ctx, noise))


class Simulation:
    """One replicate of a scenario, advanced a year at a time.

    `prepare_year()` builds what the policy sees (units, the real value of effort, the
    funded zones); `run_year(money)` turns a money-per-unit vector into effort, effects and
    twelve months of fund life, and records the year. `simulate` simply loops the two; the
    allocator's command and checks stop at any year to look at the state.
    """

    def __init__(self, scenario, replicate: int = 0, *, seed: int | None = None, geography=None,
                 outputs: Sequence[str] = ("summary", "fund_years", "unit_years"), members_by_band: bool = False,
                 budget_multiplier: float = 1.0, beliefs: dict | None = None, handover: bool = False):
        self.t0 = time.perf_counter()
        self.scenario = scenario
        self.replicate = replicate
        self.params = params = scenario.params
        world = world_for(scenario)  # every input file, checked; population fitted to the registry
        self.geo = geography if geography is not None else world.geography
        self.seed = int(scenario.seed if seed is None else seed)
        self.key = run_key(self.seed, replicate)
        self.tables = benefit_tables(params)
        registry = world.registry
        self.notes: list[str] = list(world.notes)  # what was synthesised or scaled; the CLI prints them
        self.start = int(scenario.start_year)
        self.year = self.start
        # the calibrated history's funds of the start year (sim.model.history_start), else synthetic
        # (`handover`: with the history's own population and zone capacities, the continuity check)
        state, note = (None, None) if registry is not None else history_start(self.geo, params, self.start, replicate,
                                                                                handover=handover)
        if note:
            self.notes.append(note)
        if state is not None:
            self.state = state  # classified by the history's own last year
        else:
            self.state = synthetic_state(self.geo, params, self.start, self.key, registry)
            self.notes += take_listed_statuses(self.state, params, self.tables, registry)  # the registry's word
            end_year(self.state, params, self.tables, self.state.contributions_last_year)  # classify the start
        if handover and state is not None:
            self.dev = handover_development(self.geo, replicate)
        else:
            self.dev = initial_development_state(self.geo, params, self.start)
        self.consts = MonthlyConstants.build(params, self.tables)
        self.zone_ok = funded_zones(self.geo, params)
        self.budget_multiplier = budget_multiplier
        self.budget = self._scoped_budget(params) * budget_multiplier
        self.outputs = set(outputs)
        self.members_by_band = members_by_band
        self.summaries: list[dict] = []
        self.person_years = 0.0  # the headline so far: discounted people protected since the start
        self.fund_rows: list[pd.DataFrame] = []
        self.unit_rows: list[pd.DataFrame] = []
        self._noise = None
        self.beliefs = dict(beliefs or {})  # values the policy plans with instead of the world's (sim.model.beliefs)

    def _scoped_budget(self, params: ParameterSet) -> float:
        """The budget for this run's region (`budget.scope`), noting any scaling once; the run's
        parameters (`self.params`) bear the same share of the regional office's overhead."""
        thb, note = scoped_budget(self.geo, params)
        if note and note not in self.notes:
            self.notes.append(note)
        office = scoped_region_overhead(self.geo, params)
        if office != params["units.overhead_thb.region"]:
            high = params.definitions["units.overhead_thb.region"].high
            self.params = params.with_overrides({"units.overhead_thb.region": min(office, high)}, origin="budget.scope")
        return thb

    @property
    def end(self) -> int:
        return self.start + int(self.scenario.years)

    def _apply_schedule(self) -> None:
        """Parameter changes that start this year (a scenario's `[[schedule]]`)."""
        if self.year not in getattr(self.scenario, "schedule", {}):
            return
        self.params = params = self.scenario.params_in(self.year)
        self.tables = benefit_tables(params)
        self.consts = MonthlyConstants.build(params, self.tables)
        self.zone_ok = funded_zones(self.geo, params)
        self.budget = self._scoped_budget(params) * self.budget_multiplier

    def prepare_year(self) -> YearContext:
        """The situation at the start of `self.year`, as the policy sees it."""
        self._apply_schedule()
        state, params = self.state, self.params
        mentors = choose_mentors(state, self.geo, params)
        units = build_units(self.geo, params, mentors)
        base_join = join_rate(state, params, np.zeros(state.n))
        value = real_value(state, params, self.tables, base_join)
        self._noise = observation_noise(self.key, state.codes, self.year, params)
        return YearContext(self.year, self.budget, units, state, self.geo, params, self.tables, self.dev, value,
                           base_join, self.zone_ok, self.key)

    def decide(self, ctx: YearContext) -> np.ndarray:
        """The scenario's policy for the year. The policy is told how many years the run has left:
        the headline it is judged on ends with the run, so the `lp` policy plans no further."""
        ctx = dataclasses.replace(ctx, years_left=self.end - self.year)
        return decide_money(planning_context(ctx, self.beliefs), self._noise)

    def run_year(self, ctx: YearContext, money: np.ndarray) -> None:
        """Effort, effects, twelve months and the year's records, for a given allocation."""
        state, params, units, year = self.state, self.params, ctx.units, self.year
        n = state.n
        members_start = state.total_members()
        reserves_start = state.reserves.copy()
        # the state before this year's effects: the "before" of a difference-in-differences
        start_view = {"status_start": np.asarray(STATUS_NAMES, dtype=object)[state.status],
                      "reserve_ratio_start": state.reserve_ratio.copy(), "governance_start": state.governance.copy(),
                      "population_start": state.population.sum(axis=1)}
        overhead, effort = money_to_effort(money, units, self.dev, params)
        zone_over = units.table["overhead_thb"].to_numpy()[units.zone_rows]
        zone_funded = (money[units.zone_rows] > 0) & (money[units.zone_rows] >= zone_over - 1e-9)
        effort_funds, building = capacity_building(effort, units, zone_funded, params)
        placed = spread_effort(effort_funds, units, needs_seen(ctx.value, self._noise, params, units.cover["province"]), params)
        effort_sub = sum(placed.values())
        money_sub = money_to_subdistricts(money, units, placed)
        # the programme group governs development eligibility (development.not_matched_access)
        strength = effect_strength(effort_sub, params) * development_access(state, params)
        yearly = begin_year(state, params, self.tables, year, self.start, self.key, strength)
        newcomers = yearly.pop("newcomers")
        rate = join_rate(state, params, params["effects.outreach_join_boost"] * strength)
        reach = membership.reach_of(state, params)
        dropout = membership.dropout_monthly(state, params)
        paid = saving.paid_per_member_month(state)
        flows = np.zeros((n, N_FLOWS), np.int64)
        consts = self.consts
        for month in range(12):
            m_index = year * 12 + month
            month_step(
                self.key, m_index, state.codes, state.founded, state.active,
                state.members, state.waiting, state.population, state.reserves, state.generosity,
                rate, reach, dropout, paid, flows, *consts.args,
            )
            if month == 0 and newcomers.any():
                _add_founders(state, newcomers, m_index, flows, consts)
        flows[:, JOINED] += yearly["founders"]
        capacity_used = self.dev.zone_capacity.copy()  # the capacity that turned this year's money into effort
        update_zone_capacity(self.dev, zone_funded, building, params)
        advance_population(state, params)
        end_year(state, params, self.tables, flows[:, CONTRIBUTIONS])
        membership.record_reliable_year(state)
        if "summary" in self.outputs:
            row = _summary_row(self.replicate, year, self.start, state, flows, yearly, self.geo, units, money,
                               overhead, effort, params, expected_benefits_thb(state, params, self.tables, 1.0))
            self.person_years += row["people_protected"] * float(
                discount_factor(year, self.start, params["metrics.discount_rate"]))
            self.summaries.append({"replicate": row.pop("replicate"), "year": row.pop("year"),
                                   HEADLINE: self.person_years, **row})
        if "fund_years" in self.outputs:
            self.fund_rows.append(_fund_rows(self.replicate, year, self.geo.subdistricts, self.geo, state, flows,
                                             yearly, members_start, reserves_start, effort_sub,
                                             self.members_by_band, start_view, money_sub))
        if "unit_years" in self.outputs:
            self.unit_rows.append(_unit_rows(self.replicate, year, units, money, overhead, effort, capacity_used))
        self.year += 1

    def advance_to(self, year: int) -> None:
        """Run the scenario's own policy until the start of `year`."""
        while self.year < year:
            ctx = self.prepare_year()
            self.run_year(ctx, self.decide(ctx))

    def result(self) -> RunResult:
        result = RunResult(
            summary=pd.DataFrame(self.summaries),
            fund_years=pd.concat(self.fund_rows, ignore_index=True) if self.fund_rows else None,
            unit_years=pd.concat(self.unit_rows, ignore_index=True) if self.unit_rows else None,
        )
        result.manifest = manifest(self.scenario, [self.replicate], self.seed, time.perf_counter() - self.t0)
        result.notes = list(self.notes)
        result.manifest["notes"] = list(self.notes)
        return result


def _add_founders(state: FundState, newcomers: np.ndarray, m_index: int, flows: np.ndarray,
                  consts: MonthlyConstants) -> None:
    """Founding members join in the first month of the year and wait like any joiner."""
    state.waiting[:, m_index % state.waiting.shape[1], :] += newcomers
    paying = newcomers.sum(axis=1)
    contrib = np.rint(paying * saving.paid_per_member_month(state) * 100).astype(np.int64)
    other = np.rint(contrib * consts.other_ratio).astype(np.int64)
    fees = np.rint(paying * consts.entrance_fee * 100).astype(np.int64)
    admin = np.rint((contrib + other + fees) * consts.admin_share).astype(np.int64)
    contrib, other, fees, admin = (np.where(state.active, x, 0) for x in (contrib, other, fees, admin))
    state.reserves += contrib + other + fees - admin
    flows[:, CONTRIBUTIONS] += contrib
    flows[:, OTHER_INCOME] += other
    flows[:, ENTRANCE_FEES] += fees
    flows[:, ADMIN_COST] += admin


def simulate(
    scenario,
    replicate: int = 0,
    *,
    seed: int | None = None,
    geography=None,
    outputs: Sequence[str] = ("summary", "fund_years", "unit_years"),
    members_by_band: bool = False,
    unit_money_delta: dict[str, float] | None = None,
    budget_multiplier: float = 1.0,
) -> RunResult:
    """Run one replicate of `scenario` (a Scenario, a shipped scenario's name or a file path).

    `unit_money_delta` adds baht to named units each year after the policy decides (for
    finite-difference checks of the allocator); `budget_multiplier` scales the budget.
    """
    from sim.inputs.scenario import as_scenario

    scenario = as_scenario(scenario)
    sim = Simulation(scenario, replicate, seed=seed, geography=geography, outputs=outputs,
                     members_by_band=members_by_band, budget_multiplier=budget_multiplier)
    while sim.year < sim.end:
        ctx = sim.prepare_year()
        money = sim.decide(ctx)
        if unit_money_delta:
            ids = ctx.units.table["unit_id"].to_numpy()
            for uid, delta in unit_money_delta.items():
                money[ids == uid] += delta
        sim.run_year(ctx, money)
    return sim.result()


def _summary_row(replicate, year, start, state, flows, yearly, geo, units, money, overhead, effort, params,
                 standard_benefits_thb) -> dict:
    members = state.total_members()
    eligible = state.eligible_members()
    weight = protection_weight(state.active, state.reserves / 100.0, standard_benefits_thb, state.generosity,
                               params["metrics.protected_ratio"])
    pop = state.population.sum(axis=1)
    founded = state.founded
    prov_cov, prov_pop = coverage_by_group(members, pop, geo.province_index, len(geo.provinces))
    zone_cov, zone_pop = coverage_by_group(members, pop, geo.zone_index, len(geo.zones))
    level = units.levels
    prov_money = np.zeros(len(geo.provinces))
    codes = geo.provinces["province_code"].to_numpy()
    local = np.isin(level, ("province", "zone", "mentor"))
    for pc, m in zip(units.table["province_code"].to_numpy()[local], money[local], strict=False):
        prov_money[np.searchsorted(codes, pc)] += m
    per_capita = prov_money / np.maximum(prov_pop, 1)
    ratio = (per_capita.max() / per_capita.min()) if per_capita.min() > 0 else float("inf")
    benefits = flows[:, list(BENEFIT_FLOWS)].sum()
    return {
        "replicate": replicate,
        "year": year,
        "people_protected": float(eligible @ weight),
        "members": int(members.sum()),
        "members_eligible": int(eligible.sum()),
        "population": int(pop.sum()),
        "coverage": float(members.sum() / max(pop.sum(), 1)),
        "funds_founded": int(founded.sum()),
        "funds_active": int(state.active.sum()),
        "funds_strong": int((state.status == 1).sum()),
        "funds_normal": int((state.status == 2).sum()),
        "funds_weak": int((state.status == 3).sum()),
        "funds_dormant": int((state.status == 4).sum()),
        "funds_new": int(yearly["founded"].sum()),
        "funds_revived": int(yearly["revived"].sum()),
        "insolvency_events": int(flows[:, INSOLVENCY_EVENTS].sum()),
        "median_reserve_ratio": float(np.median(state.reserve_ratio[founded])) if founded.any() else float("nan"),
        "non_members_helped": int(flows[:, NON_MEMBERS_HELPED].sum()),
        "reserves_thb": float(state.reserves.sum() / 100),
        "benefits_paid_thb": float(benefits / 100),
        "contributions_thb": float(flows[:, CONTRIBUTIONS].sum() / 100),
        "dev_budget_thb": float(money.sum()),
        "dev_overhead_thb": float(overhead.sum()),
        "dev_effort_thb": float(effort.sum()),
        "matching_thb": float((yearly["matching"].sum() + yearly["startup_grant"].sum()) / 100),
        "coverage_gini_province": gini(prov_cov, prov_pop),
        "coverage_theil_province": theil(prov_cov, prov_pop),
        "coverage_gini_zone": gini(zone_cov, zone_pop),
        "alloc_per_capita_max_min": float(ratio),
        "survival_5y_new_funds": survival_5y(state.founded_year, state.active, start, year),
    }


def _fund_rows(replicate, year, sub, geo, state, flows, yearly, members_start, reserves_start, effort_sub,
               members_by_band, start_view=None, money_sub=None) -> pd.DataFrame:
    thb = lambda x: x / 100.0  # noqa: E731
    benefits = flows[:, list(BENEFIT_FLOWS)].sum(axis=1)
    frame = pd.DataFrame(
        {
            "replicate": np.full(state.n, replicate, np.int32),
            "year": np.full(state.n, year, np.int32),
            "subdistrict_code": sub["subdistrict_code"].to_numpy(),
            "district_code": sub["district_code"].to_numpy(),
            "province_code": sub["province_code"].to_numpy(),
            "zone_id": sub["zone_id"].to_numpy(),
            "founded": state.founded.copy(),
            "founded_year": state.founded_year.copy(),
            "status": np.asarray(STATUS_NAMES, dtype=object)[state.status],
            "programme_group": np.asarray(PROGRAMME_NAMES, dtype=object)[state.programme_group],
            "members_start": members_start,
            "joined": flows[:, JOINED],
            "left": flows[:, LEFT],
            "died": flows[:, DIED],
            "members_end": state.total_members(),
            "members_eligible": state.eligible_members(),
            "population": state.population.sum(axis=1),
            "reserves_start_thb": thb(reserves_start),
            "contributions_thb": thb(flows[:, CONTRIBUTIONS]),
            "entrance_fees_thb": thb(flows[:, ENTRANCE_FEES]),
            "matching_thb": thb(yearly["matching"]),
            "local_gov_thb": thb(yearly["local_gov"]),
            "other_income_thb": thb(flows[:, OTHER_INCOME]),
            "startup_grant_thb": thb(yearly["startup_grant"]),
            "interest_thb": thb(flows[:, INTEREST]),
            "benefits_paid_thb": thb(benefits),
            "admin_cost_thb": thb(flows[:, ADMIN_COST] + yearly["admin_on_grants"]),
            "refunds_thb": thb(flows[:, REFUNDS]),
            "reserves_end_thb": thb(state.reserves),
            "claims_unpaid_thb": thb(flows[:, CLAIMS_UNPAID]),
            "insolvency_events": flows[:, INSOLVENCY_EVENTS],
            "non_members_helped": flows[:, NON_MEMBERS_HELPED],
            "reserve_ratio": state.reserve_ratio.copy(),
            "dev_money_thb": np.zeros(state.n) if money_sub is None else money_sub,
            "dev_effort_thb": effort_sub,
            "governance": state.governance.copy(),
            "generosity": state.generosity.copy(),
            "contribution_schedule_thb": state.contribution_thb.copy(),
            "compliance": state.compliance.copy(),
            "reliable_years": state.reliable_years.copy(),
            **(start_view or {}),
        }
    )
    for f in BENEFIT_FLOWS:
        name = FLOW_NAMES[f]
        frame[f"{name}_thb" if f != CENTRAL_FUND else "central_fund_thb"] = thb(flows[:, f])
    if members_by_band:
        by_age = state.members_by_age()
        for a, label in enumerate(AGE_LABELS):
            frame[f"members_{label}"] = by_age[:, a]
    return frame


INFLOW_COLUMNS = ("contributions_thb", "entrance_fees_thb", "matching_thb", "local_gov_thb", "other_income_thb",
                  "startup_grant_thb", "interest_thb")
OUTFLOW_COLUMNS = ("benefits_paid_thb", "admin_cost_thb", "refunds_thb")


def _unit_rows(replicate, year, units, money, overhead, effort, zone_capacity) -> pd.DataFrame:
    """Per unit: money, overhead, effort and, for zones, the capacity that produced the effort."""
    t = units.table
    capacity = np.full(len(t), np.nan)
    capacity[units.zone_rows] = zone_capacity
    return pd.DataFrame(
        {
            "replicate": replicate,
            "year": year,
            "unit_id": t["unit_id"].to_numpy(),
            "level": t["level"].to_numpy(),
            "province_code": t["province_code"].to_numpy(),
            "allocation_thb": money,
            "overhead_thb": overhead,
            "effort_thb": effort,
            "capacity": capacity,
        }
    )


@lru_cache(maxsize=1)
def _git_commit() -> str | None:
    """The source tree's commit, looked up once per process (not once per run)."""
    import subprocess

    try:
        here = Path(__file__).resolve().parent
        return subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=5).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def manifest(scenario, replicates, seed, wall_seconds) -> dict:
    commit = _git_commit()
    return {
        "scenario": scenario.to_dict() if hasattr(scenario, "to_dict") else str(scenario),
        "parameters": scenario.params.to_dict() if hasattr(scenario.params, "to_dict") else {},
        "seed": seed,
        "replicates": list(replicates),
        "package_version": __version__,
        "git_commit": commit,
        "wall_seconds": wall_seconds,
    }


def run_scenario(scenario, replicates: int | None = None, *, outputs=("summary", "fund_years", "unit_years"),
                 progress: bool | None = False, **kwargs) -> RunResult:
    """All replicates of a scenario (a Scenario, a name or a path), concatenated (replicate k =
    the same draws as run alone). `progress`: a bar (True), none (False), or None for a bar in
    a terminal and a line a minute in a log (:func:`sim.progress.progress_bar`)."""
    from sim.inputs.scenario import as_scenario
    from sim.progress import progress_bar

    scenario = as_scenario(scenario)
    t0 = time.perf_counter()
    n = int(scenario.replicates if replicates is None else replicates)
    parts = []
    bar = progress_bar(n, desc=scenario.name, unit="replicate", progress=progress)
    for r in range(n):
        parts.append(simulate(scenario, r, outputs=outputs, **kwargs))
        bar.update(1)
    bar.close()
    result = RunResult(
        summary=pd.concat([p.summary for p in parts], ignore_index=True),
        fund_years=pd.concat([p.fund_years for p in parts], ignore_index=True) if "fund_years" in outputs else None,
        unit_years=pd.concat([p.unit_years for p in parts], ignore_index=True) if "unit_years" in outputs else None,
    )
    result.manifest = manifest(scenario, range(n), scenario.seed, time.perf_counter() - t0)
    result.notes = list(dict.fromkeys(note for part in parts for note in part.notes))
    result.manifest["notes"] = result.notes
    return result


def run_spec(spec) -> dict[str, pd.DataFrame]:
    """Entry point for sweeps: one (point, replicate) of a base scenario with overrides."""
    from sim.inputs.scenario import load_scenario, scenario_from_dict

    base = spec.base
    scenario = load_scenario(base) if isinstance(base, (str, Path)) else scenario_from_dict(dict(base))
    run_fields = {}
    overrides = dict(spec.overrides)
    for key in ("years", "start_year", "region"):
        if f"run.{key}" in overrides:
            run_fields[key] = overrides.pop(f"run.{key}")
    scenario = scenario.with_overrides(overrides, **run_fields)
    # replicate k of a sweep draws exactly what replicate k of `welfare-sim run` draws
    seed = spec.base_seed if getattr(spec, "base_seed", None) is not None else spec.seed
    result = simulate(scenario, spec.replicate, seed=seed, outputs=tuple(spec.outputs) + ("summary",))
    return {k: v for k, v in result.tables().items() if k in set(spec.outputs) | {"summary"}}
