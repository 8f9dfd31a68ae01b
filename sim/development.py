"""From development money to effort to effects (MODEL.md section 5.2-5.5).

Units are the places that receive development budget: the region, the province groups,
the provinces, the zones, and strong "mentor" funds. A funded unit first pays its fixed
yearly overhead; money above it becomes effort up to the unit's absorptive capacity, times
its efficiency (a zone's efficiency grows with its capacity k).

Targeting is information, not magic. Each unit sees the need of the sub-districts in its
area through a noisy signal — zones less noisy than provinces, provinces less than the
region — and splits its effort by the need it observes. The effects grow with real need,
so better information is worth more exactly where need differs a lot between places.
Nothing here favours zones by construction: zones win only if their better view of need is
worth more than their extra overhead and lower starting capacity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from sim.benefits import BenefitTables
from sim.parameters import ParameterSet
from sim.rng import Process, uniforms
from sim.state import STRONG, FundState

LEVELS = ("region", "province_group", "province", "zone", "mentor")
SPREAD_LEVELS = ("region", "province_group", "province", "zone")  # partitions of the region


@dataclass
class Units:
    """The units that can receive money this year and the sub-districts each one covers."""

    table: pd.DataFrame  # unit_id, level, province_code, zone_id, name_en, name_th, population, n_subdistricts, overhead_thb, cap_thb
    cover: dict[str, np.ndarray]  # level -> per sub-district: row in `table` (-1 = none)
    mentor_zone: np.ndarray  # per mentor row (in level order): zone row it serves
    zone_rows: np.ndarray  # rows of `table` that are zones, in geography zone order

    def rows(self, level: str) -> np.ndarray:
        return np.flatnonzero(self.table["level"].to_numpy() == level)


@dataclass
class DevelopmentState:
    """What the development mechanism carries from year to year: zone capacity."""

    zone_capacity: np.ndarray  # k in [0, 1] per zone
    zone_years_funded: np.ndarray


def initial_development_state(geography, params: ParameterSet, start_year: int) -> DevelopmentState:
    pilot = geography.zones["pilot_2022"].to_numpy(bool)
    k = np.where(
        pilot & (start_year >= 2023),
        params["units.zone_capacity.start_pilot"],
        params["units.zone_capacity.start"],
    )
    return DevelopmentState(zone_capacity=k.astype(float), zone_years_funded=np.where(pilot & (start_year >= 2023), 1, 0))


def choose_mentors(state: FundState, geography, params: ParameterSet) -> np.ndarray:
    """The strongest funds of each province (by reserve ratio among strong funds)."""
    per_province = int(params["policy.mentors_per_province"])
    if per_province <= 0 or params["policy.mentor_share"] <= 0:
        return np.zeros(0, dtype=np.int64)
    strong = np.flatnonzero(state.status == STRONG)
    if strong.size == 0:
        return strong
    frame = pd.DataFrame(
        {"i": strong, "province": geography.province_index[strong], "score": -state.reserve_ratio[strong] * state.governance[strong]}
    ).sort_values(["province", "score", "i"], kind="stable")
    return frame.groupby("province", sort=True).head(per_province)["i"].to_numpy(np.int64)


def build_units(geography, params: ParameterSet, mentors: np.ndarray) -> Units:
    """All units of the region for one year (mentors change as funds change)."""
    sub = geography.subdistricts
    n = len(sub)
    absorb = params["units.absorptive_thb_per_subdistrict"]
    pop = sub["population"].to_numpy(float)
    rows: list[dict] = []
    cover: dict[str, np.ndarray] = {}

    def add(level: str, unit_id: str, members: np.ndarray, **extra) -> int:
        rows.append(
            {
                "unit_id": unit_id,
                "level": level,
                "population": float(pop[members].sum()),
                "n_subdistricts": int(members.size),
                "overhead_thb": float(params[f"units.overhead_thb.{level}"]),
                "cap_thb": float(params[f"units.overhead_thb.{level}"] + absorb * members.size),
                **extra,
            }
        )
        return len(rows) - 1

    cover["region"] = np.full(n, add("region", "region", np.arange(n), province_code=None, zone_id=None,
                                     name_en=f"Region ({geography.region})", name_th="ภาค"), dtype=np.int64)
    groups = getattr(geography, "groups", None)
    group_cover = np.full(n, -1, dtype=np.int64)
    if groups is not None and len(groups) and (geography.group_index >= 0).any():
        for g, row in enumerate(groups.itertuples(index=False)):
            members = np.flatnonzero(geography.group_index == g)
            if members.size:
                group_cover[members] = add("province_group", f"G-{row.group_id}", members, province_code=None,
                                           zone_id=None, name_en=row.group_name_en, name_th=row.group_name_th)
    cover["province_group"] = group_cover
    prov_cover = np.full(n, -1, dtype=np.int64)
    for p, row in enumerate(geography.provinces.itertuples(index=False)):
        members = np.flatnonzero(geography.province_index == p)
        prov_cover[members] = add("province", f"P{row.province_code}", members, province_code=row.province_code,
                                  zone_id=None, name_en=row.name_en, name_th=row.name_th)
    cover["province"] = prov_cover
    zone_cover = np.full(n, -1, dtype=np.int64)
    zone_rows = []
    for z, row in enumerate(geography.zones.itertuples(index=False)):
        members = np.flatnonzero(geography.zone_index == z)
        r = add("zone", str(row.zone_id), members, province_code=row.province_code, zone_id=str(row.zone_id),
                name_en=row.zone_name, name_th=getattr(row, "zone_name_th", row.zone_name))
        zone_cover[members] = r
        zone_rows.append(r)
    cover["zone"] = zone_cover
    mentor_zone = []
    for i in mentors:
        z = int(geography.zone_index[i])
        members = np.flatnonzero(geography.zone_index == z)
        add("mentor", f"M{sub['subdistrict_code'].iat[i]}", members, province_code=sub["province_code"].iat[i],
            zone_id=str(geography.zones["zone_id"].iat[z]), name_en=f"Mentor fund {sub['name_en'].iat[i]}",
            name_th=f"กองทุนพี่เลี้ยง {sub['name_th'].iat[i]}")
        mentor_zone.append(z)
    table = pd.DataFrame(rows)
    return Units(table=table, cover=cover, mentor_zone=np.asarray(mentor_zone, dtype=np.int64),
                 zone_rows=np.asarray(zone_rows, dtype=np.int64))


def unit_efficiency(units: Units, dev: DevelopmentState, params: ParameterSet) -> np.ndarray:
    level = units.table["level"].to_numpy()
    eff = np.array([params[f"units.efficiency.{lv}"] for lv in level], dtype=float)
    floor = params["units.zone_capacity.floor"]
    eff[units.zone_rows] *= floor + (1 - floor) * dev.zone_capacity
    return eff


def money_to_effort(money: np.ndarray, units: Units, dev: DevelopmentState, params: ParameterSet):
    """Overhead first, then effort up to absorptive capacity, times efficiency.

    Returns (overhead paid, effort) per unit, in THB.
    """
    over = units.table["overhead_thb"].to_numpy(float)
    cap_above = units.table["cap_thb"].to_numpy(float) - over
    overhead = np.minimum(money, over)
    above = np.clip(money - over, 0.0, cap_above)
    return overhead, above * unit_efficiency(units, dev, params)


def protection_chance(projected_ratio: np.ndarray) -> np.ndarray:
    """Chance a fund ends the year with a reserve ratio of at least one, given its projection.

    A smooth step from 0 at a projected 0.8 to 1 at 1.2: claims are random, so a projection
    just above one is not a certainty.
    """
    return np.clip((projected_ratio - 0.8) / 0.4, 0.0, 1.0)


def real_value(state: FundState, params: ParameterSet, tables: BenefitTables, join_rate: np.ndarray) -> np.ndarray:
    """Expected extra people protected at the end of next year if development had full effect.

    This is the need a perfectly informed unit would target, estimated channel by channel
    from the current state with the model's own rules: founding where no fund is (founders
    are eligible after the six-month wait), revival where a fund is dormant (counting only
    if its money then covers a year of benefits), and in active funds better governance
    (fewer leavers, more trust), outreach (joiners of the first half-year become eligible)
    and benefits reined back to what income carries (a weak fund whose members count as
    protected again). Each channel counts only what the fund can protect: an under-funded
    fund's new members are not protected people.
    """
    members = state.total_members().astype(float)
    eligible = state.eligible_members().astype(float)
    unfounded = ~state.founded
    dormant = state.founded & ~state.active
    active = state.active
    g = state.governance
    value = np.zeros(state.n)
    pop = state.population.sum(axis=1).astype(float)
    founders = np.minimum(params["membership.initial_members"], 0.9 * pop)
    value[unfounded] = (
        (1 - params["founding.baseline_hazard"]) * params["effects.founding_hazard"] * founders[unfounded]
        * params["need.unfounded_weight"]
    )
    # next year's money, per fund, at the current and at a reined-in benefit level
    contribution = params["contribution.member_thb_per_year"]
    income = members * contribution * (
        1 + params["contribution.other_income_ratio"] + params["matching.pot_ratio"]
        + np.where(state.local_support, params["local_gov.thb_per_member"] / contribution, 0.0)
    ) * (1 - params["finance.admin_cost_share"])
    standard = standard_benefit_per_member(state, tables) * members
    sust = sustainable_generosity(state, params, tables)
    reserves = state.reserves / 100.0

    def projected(gen: np.ndarray) -> np.ndarray:
        cost = np.maximum(gen * standard, 1.0)
        return (reserves + income - cost) / cost

    chance_now = protection_chance(projected(state.generosity))
    gen_revived = np.minimum(state.generosity, sust)
    value[dormant] = (
        (1 - params["status.revival_hazard"]) * params["effects.revival_hazard"] * eligible
        * protection_chance(projected(gen_revived)) * params["need.dormant_weight"]
    )[dormant]
    saturation = np.clip(1 - members / np.maximum(pop, 1) / params["membership.coverage_ceiling"], 0, 1)
    non_members = np.maximum(pop - members, 0)
    graduating = max(12 - int(params["finance.waiting_months"]), 0) / 12 / 2  # joiners eligible by year end
    joins = join_rate * non_members * saturation
    outreach = params["effects.outreach_join_boost"] * joins * graduating
    d_gov = params["effects.governance_gain"] * (1 - g)
    floor = params["membership.trust_floor"]
    trust = floor + (1 - floor) * g
    kept = members * params["membership.dropout_rate"] * params["membership.dropout_weak_factor"] * d_gov * 0.5
    more_joins = joins * (1 - floor) * d_gov / np.maximum(trust, 1e-9) * graduating
    excess = np.maximum(state.generosity - sust, 0.0)
    gen_reined = state.generosity - params["effects.generosity_restrain"] * excess
    reined = eligible * np.maximum(protection_chance(projected(gen_reined)) - chance_now, 0.0)
    value[active] = (chance_now * (outreach + kept + more_joins) + reined)[active]
    return np.maximum(value, 0.0)


def standard_benefit_per_member(state: FundState, tables: BenefitTables) -> np.ndarray:
    """Expected benefits per member-year at generosity 1, given the fund's age and tenure mix."""
    total = np.einsum("iat,at->i", state.members, tables.per_member_year_thb)
    total += np.einsum("isa,a->i", state.waiting, tables.per_member_year_thb[:, 0])
    return total / np.maximum(state.total_members(), 1)


def sustainable_generosity(state: FundState, params: ParameterSet, tables: BenefitTables) -> np.ndarray:
    """The benefit level that pays out `sustainable_payout_share` of a member's income."""
    income = params["contribution.member_thb_per_year"] * (
        1 + params["contribution.other_income_ratio"] + params["matching.pot_ratio"]
        + np.where(state.local_support, params["local_gov.thb_per_member"] / params["contribution.member_thb_per_year"], 0)
    ) * (1 - params["finance.admin_cost_share"])
    per_member = standard_benefit_per_member(state, tables)
    return np.clip(params["governance.sustainable_payout_share"] * income / np.maximum(per_member, 1.0), 0.3,
                   params["benefits.generosity_cap"])


def observation_noise(key, codes: np.ndarray, year: int, params: ParameterSet, forecast: bool = False) -> dict[str, np.ndarray]:
    """Each level's multiplicative error in seeing each sub-district's need (mean 1)."""
    noise = {}
    for slot, level in enumerate(LEVELS):
        sigma = params[f"targeting.noise.{level}"]
        z = special.ndtri(uniforms(key, Process.TARGETING, codes, year * 12, slot + (16 if forecast else 0)))
        noise[level] = np.exp(sigma * z - sigma**2 / 2)
    return noise


def spread_weights(units: Units, value: np.ndarray, noise: dict[str, np.ndarray], params: ParameterSet):
    """For each level, the share of a unit's effort each sub-district gets (by observed need)."""
    focus = params["targeting.focus"]
    weights = {}
    for level in LEVELS:
        observed = np.power(np.maximum(value * noise[level], 1e-12), focus)
        if level == "mentor":
            part = np.asarray(units_zone_index(units), dtype=np.int64)
        else:
            part = units.cover[level]
        ok = part >= 0
        totals = np.bincount(part[ok], weights=observed[ok], minlength=len(units.table) if level != "mentor" else part.max(initial=-1) + 1)
        w = np.zeros_like(observed)
        w[ok] = observed[ok] / np.maximum(totals[part[ok]], 1e-300)
        weights[level] = w
    return weights


def units_zone_index(units: Units) -> np.ndarray:
    """Per sub-district: its zone's position in geography order (for mentor spreading)."""
    zone_row = units.cover["zone"]
    position = np.full(len(units.table), -1, dtype=np.int64)
    position[units.zone_rows] = np.arange(units.zone_rows.size)
    return np.where(zone_row >= 0, position[np.maximum(zone_row, 0)], -1)


def effort_to_subdistricts(effort: np.ndarray, units: Units, weights: dict[str, np.ndarray]) -> np.ndarray:
    """Effort per sub-district (THB-equivalent) from every unit covering it."""
    n = next(iter(units.cover.values())).shape[0]
    total = np.zeros(n)
    for level in SPREAD_LEVELS:
        part = units.cover[level]
        ok = part >= 0
        total[ok] += effort[part[ok]] * weights[level][ok]
    mentor_rows = units.rows("mentor")
    if mentor_rows.size:
        per_zone = np.bincount(units.mentor_zone, weights=effort[mentor_rows], minlength=units.zone_rows.size)
        zpos = units_zone_index(units)
        ok = zpos >= 0
        total[ok] += per_zone[zpos[ok]] * weights["mentor"][ok]
    return total


def capacity_building(effort: np.ndarray, units: Units, funded_zone: np.ndarray, params: ParameterSet):
    """Region, province-group and province effort diverted to training funded zones.

    Returns (effort left for funds, capacity-building THB per zone).
    """
    share = params["units.zone_capacity.building_share"]
    per_zone = np.zeros(units.zone_rows.size)
    if share <= 0 or not funded_zone.any():
        return effort, per_zone
    effort = effort.copy()
    zone_prov = units.table["province_code"].to_numpy()[units.zone_rows]
    level = units.table["level"].to_numpy()
    for r in np.flatnonzero(np.isin(level, ("region", "province_group", "province"))):
        if level[r] == "province":
            targets = funded_zone & (zone_prov == units.table["province_code"].iat[r])
        elif level[r] == "province_group":
            provs = units.table.loc[units.cover["province"][units.cover["province_group"] == r], "province_code"].unique()
            targets = funded_zone & np.isin(zone_prov, provs)
        else:
            targets = funded_zone
        if targets.any() and effort[r] > 0:
            spent = effort[r] * share
            effort[r] -= spent
            per_zone[targets] += spent / targets.sum()
    return effort, per_zone


def update_zone_capacity(dev: DevelopmentState, funded_zone: np.ndarray, building_thb: np.ndarray, params: ParameterSet) -> None:
    """Capacity grows with years funded and with training; it decays when unfunded."""
    k = dev.zone_capacity
    growth = params["units.zone_capacity.growth"]
    training = 1 - np.exp(-building_thb / params["units.zone_capacity.building_thb"])
    gain = 1 - (1 - growth) * (1 - training)
    dev.zone_capacity = np.where(funded_zone, k + (1 - k) * gain, k * (1 - params["units.zone_capacity.decay"]))
    dev.zone_years_funded = dev.zone_years_funded + funded_zone.astype(int)


def effect_strength(effort_thb: np.ndarray, params: ParameterSet) -> np.ndarray:
    """Diminishing returns: 1 - exp(-effort / scale), in [0, 1)."""
    return 1.0 - np.exp(-np.maximum(effort_thb, 0.0) / params["effects.scale_thb"])
