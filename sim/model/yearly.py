"""Once a year in every fund: matching grant, founding, revival, governance, status (MODEL.md 5).

`begin_year` applies the year's development effect and the slow forces (committee turnover,
benefits drifting above what income carries), founds and revives funds, and pays the
matching grant, start-up grants and local-government money. `end_year` derives each fund's
reserve ratio and status by the rule written in the parameter file.
"""

from __future__ import annotations

import numpy as np

from sim.inputs.parameters import ParameterSet
from sim.model.benefits import BenefitTables
from sim.model.development import standard_benefit_per_member, sustainable_generosity
from sim.model.membership import founding_members
from sim.model.rng import Process, uniforms
from sim.model.saving import compliance_target, draw_schedule, next_compliance
from sim.model.state import (
    DORMANT,
    NEWLY_MATCHED,
    NO_FUND,
    NORMAL,
    NORMAL_OPERATION,
    NOT_MATCHED,
    STRONG,
    WEAK,
    FundState,
    largest_remainder,
)
from sim.model.state import dropout_monthly as dropout_monthly
from sim.model.state import join_rate as join_rate

YEAR_FLOWS = ("matching", "local_gov", "startup_grant", "admin_on_grants", "founders", "founded", "revived")


def begin_year(state: FundState, params: ParameterSet, tables: BenefitTables, year: int, start_year: int,
               key, strength: np.ndarray) -> dict[str, np.ndarray]:
    """Apply development effects and yearly events. Returns yearly flows (satang, counts)."""
    n = state.n
    flows = {name: np.zeros(n, np.int64) for name in YEAR_FLOWS}
    newcomers = np.zeros((n, state.population.shape[1]), np.int64)
    codes, month0 = state.codes, year * 12

    # governance: turnover erodes, committees learn slowly, development closes the gap
    g = state.governance
    g = g * (1 - params["governance.turnover"])
    g = g + (1 - g) * params["governance.self_renewal"]
    g = g + (1 - g) * params["effects.governance_gain"] * strength
    state.governance = np.clip(np.where(state.founded, g, state.governance), 0.0, 1.0)
    # compliance (members paying on time) follows governance (sim.model.saving)
    state.compliance = np.where(state.founded, next_compliance(state.compliance, state.governance, params),
                                state.compliance)

    # generosity: drifts up where governance is weak, is reined in by good committees and development
    sust = sustainable_generosity(state, params, tables)
    gen = state.generosity + params["governance.generosity_drift"] * (1 - state.governance)
    excess = np.maximum(gen - sust, 0.0)
    restrain = 1 - (1 - params["governance.generosity_restrain"] * state.governance) * (
        1 - params["effects.generosity_restrain"] * strength
    )
    gen = gen - restrain * excess
    floor = params["benefits.generosity_floor"]
    state.generosity = np.clip(np.where(state.founded, gen, state.generosity), floor, params["benefits.generosity_cap"])

    # revival of dormant funds
    dormant = state.founded & ~state.active
    hazard = 1 - (1 - params["status.revival_hazard"]) * (1 - params["effects.revival_hazard"] * strength)
    revive = dormant & (uniforms(key, Process.REVIVAL, codes, month0) < hazard)
    state.active[revive] = True
    state.status[revive] = WEAK
    state.low_ratio_years[revive] = 0
    state.reliable_years[revive] = 0  # trust is earned again
    cut = params["status.revival_generosity_reset"] * np.maximum(state.generosity - sust, 0.0)
    state.generosity[revive] = np.maximum(state.generosity[revive] - cut[revive], floor)
    flows["revived"] = revive.astype(np.int64)

    # founding where no fund exists: a baseline hazard raised by effort
    hazard = 1 - (1 - params["founding.baseline_hazard"]) * (1 - params["effects.founding_hazard"] * strength)
    new = ~state.founded & (uniforms(key, Process.FOUNDING, codes, month0) < hazard)
    if new.any():
        # founders: a share of the residents (sim.model.membership.founding_members)
        size = founding_members(state.population.sum(axis=1), uniforms(key, Process.FOUNDING, codes, month0, 1), params)
        weights = state.population * params["membership.join_age_factor"][None, :]
        founders = largest_remainder(weights[new], size[new])
        newcomers[new] = np.minimum(founders, state.population[new])
        state.founded[new] = True
        state.active[new] = True
        state.founded_year[new] = year
        state.status[new] = NORMAL
        state.programme_group[new] = NEWLY_MATCHED
        state.governance[new] = params["start.governance_mean"] * params["founding.governance_share"]
        state.generosity[new] = 1.0
        state.low_ratio_years[new] = 0
        state.falling_years[new] = 0
        state.reliable_years[new] = 0
        # its saving: a schedule of its own and the compliance its new committee brings
        schedule = draw_schedule(uniforms(key, Process.FOUNDING, codes, month0, 2),
                                 uniforms(key, Process.FOUNDING, codes, month0, 3), params)
        state.contribution_thb[new] = schedule[new]
        state.compliance[new] = compliance_target(state.governance[new], params)
        flows["founders"] = newcomers.sum(axis=1)
        flows["founded"] = new.astype(np.int64)

    # funds outside matching enter it once they are managed well enough
    promote = state.active & (state.programme_group == NOT_MATCHED) & (state.governance >= params["matching.promote_governance"])
    state.programme_group[promote] = NORMAL_OPERATION

    # matching grant and start-up grants share one pot, pro rata when short
    eligible = (
        state.active & (state.programme_group != NOT_MATCHED) & (state.governance >= params["matching.governance_threshold"])
    )
    members = state.total_members()
    request = np.minimum(
        state.contributions_last_year * params["matching.ratio"],
        members * params["matching.cap_thb_per_member"] * 100.0,
    )
    request = np.where(eligible & ~new, request, 0.0)
    startup = np.where(new, params["matching.startup_grant_thb"] * 100.0, 0.0)
    pot = params["matching.pot_ratio"] * float(state.contributions_last_year.sum())
    asked = float(request.sum() + startup.sum())
    scale = min(1.0, pot / asked) if asked > 0 else 0.0
    flows["matching"] = np.floor(request * scale).astype(np.int64)
    flows["startup_grant"] = np.floor(startup * scale).astype(np.int64)
    local = state.active & state.local_support
    flows["local_gov"] = np.where(local, np.rint(members * params["local_gov.thb_per_member"] * 100), 0).astype(np.int64)
    grants = flows["matching"] + flows["startup_grant"] + flows["local_gov"]
    flows["admin_on_grants"] = np.rint(grants * params["finance.admin_cost_share"]).astype(np.int64)
    state.reserves += grants - flows["admin_on_grants"]
    flows["newcomers"] = newcomers
    return flows


def expected_benefits_thb(state: FundState, params: ParameterSet, tables: BenefitTables,
                          generosity: np.ndarray | float | None = None) -> np.ndarray:
    """Benefits a fund expects to pay in the next 12 months at its generosity (THB), or at
    `generosity` (1 = the standard package, the yardstick of people protected)."""
    level = state.generosity if generosity is None else generosity
    per_member = standard_benefit_per_member(state, tables) * state.total_members() * level
    if params["benefits.central_fund.enabled"]:
        old = state.non_members()[:, int(params["benefits.central_fund.first_age_band"]):].sum(axis=1)
        per_member = per_member + np.floor(params["benefits.central_fund.share_of_nonmember_elderly"] * old) * params[
            "benefits.central_fund.thb_per_year"
        ]
    return per_member


def falling_members(members: np.ndarray, last_year: np.ndarray, params: ParameterSet) -> np.ndarray:
    """Members fell this year: by more than `status.falling_threshold` of last year's members."""
    return members < last_year * (1.0 - params["status.falling_threshold"])


def end_year(state: FundState, params: ParameterSet, tables: BenefitTables, contributions_satang: np.ndarray) -> None:
    """Reserve ratio and status by the parameter file's rule (MODEL.md 5.6).

    The engine also calls this once on the starting state, which carries its last two years
    (`state.synthetic_state`), so the start is classified by the same rule as every later year.
    Years below the dormant ratio are counted for dormant funds too (a revived fund starts
    again from zero), so the count says how long a fund's money has been short.
    """
    expected = expected_benefits_thb(state, params, tables)
    ratio = (state.reserves / 100.0) / np.maximum(expected, 1.0)
    state.reserve_ratio = np.where(state.founded, ratio, 0.0)
    members = state.total_members()
    falling = falling_members(members, state.members_last_year, params)
    state.falling_years = np.where(state.founded & falling, state.falling_years + 1, 0)
    low = state.founded & (ratio < params["status.dormant_ratio"])
    state.low_ratio_years = np.where(low, state.low_ratio_years + 1, 0)
    state.active = state.active & (state.low_ratio_years < 2)
    weak = (ratio < params["status.weak_ratio"]) | (state.falling_years >= 2)
    strong = (ratio >= params["status.strong_ratio"]) & (state.governance >= params["status.strong_governance"]) & ~falling
    status = np.where(weak, WEAK, np.where(strong, STRONG, NORMAL))
    status = np.where(state.founded & ~state.active, DORMANT, status)
    state.status = np.where(state.founded, status, NO_FUND).astype(np.int8)
    state.members_last_year = members
    state.contributions_last_year = contributions_satang.astype(np.int64)
