"""From development money to effort to effects (MODEL.md section 5.2-5.5).

Units are the places that receive development budget: the region, the province groups,
the provinces, the zones, and strong "mentor" funds. A funded unit first pays its fixed
yearly overhead; money above it becomes effort up to the unit's absorptive capacity, times
its efficiency (a zone's efficiency grows with its capacity k).

Targeting is information, not magic. Each unit sees the need of the sub-districts in its
area through a noisy signal — zones less noisy than provinces, provinces less than the
region — forms the posterior mean of each place's need (it knows its own noise law) and
splits its effort to maximise the expected effect under the concave effect curve, taking
the effort other levels already put there as given (`sim.model.targeting`: water-filling,
no tuning exponent). The effects grow with real need, so better information is worth more
exactly where need differs a lot between places. Nothing here favours zones by construction:
with the same view, overhead, efficiency and capacity a zone does what its province would
(tests/test_targeting_laws.py); zones win only if their better view of need is worth more
than their extra overhead and lower starting capacity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from sim.inputs.parameters import ParameterSet
from sim.model import membership
from sim.model.benefits import N_AGE, N_TENURE, BenefitTables
from sim.model.outlook_kernel import project_year, tenure_dropout
from sim.model.rng import Process, uniforms
from sim.model.saving import (
    compliance_target,
    expected_schedule,
    next_compliance,
    paid_per_member_year,
)
from sim.model.state import NOT_MATCHED, STRONG, FundState
from sim.model.targeting import posterior_mean_need, water_fill

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
        return np.flatnonzero(self.levels == level)

    @property
    def levels(self) -> np.ndarray:
        """Each row's level as a numpy array (read once from the table: the hot paths ask often)."""
        cached = self.__dict__.get("_levels")
        if cached is None:
            cached = self.__dict__["_levels"] = np.asarray(self.table["level"].to_numpy(), dtype=str)
        return cached

    def spreading_rows(self) -> np.ndarray:
        """Rows of the levels that spend a share of their effort training zones: the region,
        province groups and provinces (in row order)."""
        lv = self.levels
        return np.flatnonzero((lv == "region") | (lv == "province_group") | (lv == "province"))

    def trainer_targets(self) -> tuple[np.ndarray, np.ndarray]:
        """(the rows that train zones, targets[trainer, zone]): the region trains every zone, a
        province group those in its provinces, a province its own (`capacity_building`). Built
        once from the table and kept (the yearly rules and the `lp` policy ask every year)."""
        cached = self.__dict__.get("_trainer_targets")
        if cached is not None:
            return cached
        level = self.levels
        code = self.table["province_code"].to_numpy()
        zone_prov = code[self.zone_rows]
        rows = self.spreading_rows()
        targets = np.zeros((rows.size, self.zone_rows.size), bool)
        for i, r in enumerate(rows):
            if level[r] == "province":
                targets[i] = zone_prov == code[r]
            elif level[r] == "province_group":
                provinces = set(code[self.cover["province"][self.cover["province_group"] == r]])
                targets[i] = [c in provinces for c in zone_prov]
            else:
                targets[i] = True
        self.__dict__["_trainer_targets"] = (rows, targets)
        return rows, targets


@dataclass
class DevelopmentState:
    """What the development mechanism carries from year to year: zone capacity."""

    zone_capacity: np.ndarray  # k in [0, 1] per zone
    zone_years_funded: np.ndarray


def initial_development_state(geography, params: ParameterSet, start_year: int) -> DevelopmentState:
    """Zone capacity at the start: a run starting after the pilot year (units.zone_capacity.
    pilot_year) gives the pilot zones their funded year's head start."""
    pilot = geography.zones["pilot_2022"].to_numpy(bool)
    ahead = pilot & (start_year > int(params["units.zone_capacity.pilot_year"]))
    k = np.where(ahead, params["units.zone_capacity.start_pilot"], params["units.zone_capacity.start"])
    return DevelopmentState(zone_capacity=k.astype(float), zone_years_funded=np.where(ahead, 1, 0))


def choose_mentors(state: FundState, geography, params: ParameterSet) -> np.ndarray:
    """The strongest funds of each province (by reserve ratio among strong funds).

    Under the `lp` policy they are units even when the scenario's mentor share is 0: the
    allocator may fund every kind of unit the rules fund (MODEL.md section 6)."""
    per_province = int(params["policy.mentors_per_province"])
    if per_province <= 0 or (params["policy.mentor_share"] <= 0 and params["policy.kind"] != "lp"):
        return np.zeros(0, dtype=np.int64)
    strong = np.flatnonzero(state.status == STRONG)
    if strong.size == 0:
        return strong
    frame = pd.DataFrame(
        {"i": strong, "province": geography.province_index[strong], "score": -state.reserve_ratio[strong] * state.governance[strong]}
    ).sort_values(["province", "score", "i"], kind="stable")
    return frame.groupby("province", sort=True).head(per_province)["i"].to_numpy(np.int64)


def _unit_rows(level: str, unit_id: str, members: np.ndarray, pop: np.ndarray, params: ParameterSet, **extra) -> dict:
    absorb = params["units.absorptive_thb_per_subdistrict"]
    return {
        "unit_id": unit_id,
        "level": level,
        "population": float(pop[members].sum()),
        "n_subdistricts": int(members.size),
        "overhead_thb": float(params[f"units.overhead_thb.{level}"]),
        "cap_thb": float(params[f"units.overhead_thb.{level}"] + absorb * members.size),
        **extra,
    }


def _standing_units(geography, params: ParameterSet) -> tuple[pd.DataFrame, dict[str, np.ndarray], np.ndarray]:
    """The units that do not change from year to year (region, province groups, provinces,
    zones): their table, which unit covers each sub-district, and the zones' rows. Built once
    per geography and overhead/capacity parameters (cached on the geography), as the yearly
    `build_units` only adds the year's mentor funds to them."""
    levels = ("region", "province_group", "province", "zone")
    key = (float(params["units.absorptive_thb_per_subdistrict"]),
           *(float(params[f"units.overhead_thb.{lv}"]) for lv in levels))
    cache = geography.__dict__.setdefault("_standing_units", {})
    if key in cache:
        return cache[key]
    sub = geography.subdistricts
    n = len(sub)
    pop = sub["population"].to_numpy(float)
    rows: list[dict] = []
    cover: dict[str, np.ndarray] = {}

    def add(level: str, unit_id: str, members: np.ndarray, **extra) -> int:
        rows.append(_unit_rows(level, unit_id, members, pop, params, **extra))
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
    for arr in cover.values():
        arr.flags.writeable = False
    cache[key] = (rows, cover, np.asarray(zone_rows, dtype=np.int64))
    return cache[key]


def build_units(geography, params: ParameterSet, mentors: np.ndarray) -> Units:
    """All units of the region for one year: the standing ones (built once, `_standing_units`)
    and the year's mentor funds (mentors change as funds change)."""
    standing, cover, zone_rows = _standing_units(geography, params)
    sub = geography.subdistricts
    pop = sub["population"].to_numpy(float)
    rows = list(standing)
    mentor_zone = []
    for i in mentors:
        z = int(geography.zone_index[i])
        members = np.flatnonzero(geography.zone_index == z)
        rows.append(_unit_rows("mentor", f"M{sub['subdistrict_code'].iat[i]}", members, pop, params,
                               province_code=sub["province_code"].iat[i], zone_id=str(geography.zones["zone_id"].iat[z]),
                               name_en=f"Mentor fund {sub['name_en'].iat[i]}",
                               name_th=f"กองทุนพี่เลี้ยง {sub['name_th'].iat[i]}"))
        mentor_zone.append(z)
    table = pd.DataFrame(rows)
    return Units(table=table, cover=dict(cover), mentor_zone=np.asarray(mentor_zone, dtype=np.int64),
                 zone_rows=zone_rows.copy())


def unit_efficiency(units: Units, dev: DevelopmentState, params: ParameterSet) -> np.ndarray:
    level = units.levels
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


def benefit_second_moment(params: ParameterSet, tables: BenefitTables) -> np.ndarray:
    """Second moment of a member-year's benefits at generosity 1, THB² per (age, tenure).

    Each benefit is a Poisson count of claims times an amount, so a fund's yearly total has
    variance sum(rate x amount²) over its members (compound Poisson); the old-age allowance is
    paid to every eligible member and adds no variance. Used for the spread of a fund's
    year-end reserve ratio around its projection.
    """
    deaths = params["demography.death_rate_per_1000"] * params["demography.death_rate_multiplier"] / 1000
    admissions = params["demography.admissions_per_1000"] / 1000
    births = params["demography.birth_rate_per_1000"] / 1000
    per_age = (
        admissions * (tables.stay_probs @ tables.stay_pay_thb**2) * tables.year_cap_factor**2
        + births * params["benefits.birth_thb"] ** 2
        + params["benefits.disability.rate_per_1000"] / 1000 * params["benefits.disability.thb"] ** 2
        + params["benefits.disaster.rate_per_1000"] / 1000 * params["benefits.disaster.thb"] ** 2
    )
    per_age[:2] += params["benefits.education.rate_per_1000"] / 1000 * params["benefits.education.thb"] ** 2
    return per_age[:, None] + deaths[:, None] * tables.funeral_thb[None, :] ** 2


def _band_moves(params: ParameterSet) -> tuple[np.ndarray, np.ndarray]:
    """One month's expected moves between age bands and between tenure bands (row -> column).

    The monthly step moves members up a band with these probabilities (engine.MonthlyConstants):
    1 - exp(-1 / (12 x band width)); the first tenure band is left after the rest of the first
    year once the waiting period is over.
    """
    from sim.model.benefits import AGE_WIDTH_YEARS, TENURE_WIDTH_YEARS

    def chain(p_up: np.ndarray) -> np.ndarray:
        m = np.diag(1 - p_up)
        m[np.arange(p_up.size - 1), np.arange(1, p_up.size)] = p_up[:-1]
        return m

    age_up = np.where(np.isfinite(AGE_WIDTH_YEARS), 1 - np.exp(-1 / (12 * AGE_WIDTH_YEARS)), 0.0)
    ten_up = np.where(np.isfinite(TENURE_WIDTH_YEARS), 1 - np.exp(-1 / (12 * TENURE_WIDTH_YEARS)), 0.0)
    first = 12 - int(params["finance.waiting_months"])
    ten_up[0] = 1 - np.exp(-1 / first) if first > 0 else 1.0
    return chain(age_up), chain(ten_up)



class YearOutlook:
    """Expected people protected at the end of next year, as a function of development effect.

    `protected(strength)` projects every sub-district one year ahead in expectation with the
    model's own rules (yearly.begin_year, the monthly step, yearly.end_year), given the
    strength E in [0, 1] of development effect it receives (E = 1 - exp(-effort / scale)):

    - governance: turnover, self-renewal, then (1 - g) x governance_gain x E; governance then
      decides matching (the threshold, promotion of unmatched funds), dropout and trust;
    - generosity: drift up by (1 - g), reined by governance and by E towards the sustainable
      level — which lowers both the year's claims and the next year's expected benefits;
    - founding (unfounded places) and revival (dormant funds) at the hazards the engine uses,
      1 - (1 - baseline)(1 - effect x E), times what the new or revived fund protects;
    - members: the year's deaths and leavers (dropout by the year's governance, the fund's
      record of reliable payouts and its members' tenure mix, sim.model.membership), members'
      newborns enrolled, joiners at the trust-, outreach- and saturation-dependent rate, the
      saturation towards the reach the year's governance and record give; only those who
      joined in the first `12 - waiting_months` months are past the wait by year end. Members
      age and gain tenure month by month as in the monthly step, which raises funeral amounts
      and brings old-age allowances due. A new fund starts with the mean founding share of its
      residents (membership.expected_founding_members), governance start.governance_mean x
      founding.governance_share, no trust yet and the mean schedule;
    - money: reserves plus matching (at the pot's pro-rata scale), local-government money,
      contributions (the fund's schedule x the compliance the year's governance brings), other
      income, fees and interest, less admin cost and the year's claims; benefit levels move
      between benefits.generosity_floor and the cap, a revived fund cuts its level by
      status.revival_generosity_reset of its excess;
    - development effect reaches a fund in proportion to its eligibility by programme group
      (`development_access`);
    - a fund counts its eligible members as protected if its year-end reserve ratio against the
      standard package (reserves over the next twelve months' benefits at generosity 1) is at
      least `metrics.protected_ratio`, each member weighted by min(generosity, 1). Claims
      are compound Poisson, so the ratio is treated as normal around its projection with the
      standard deviation of the year's claims: a fund projected just above the line is
      protected with a chance a little over one half, not one.

    The engine's outcome is the same quantity drawn at random; this is its expectation up to
    small approximations (joining does not deplete the non-members, mortality is by the age
    band at the start of the year, the population is the one at the start of the year, dropout
    uses the tenure mix at the start of the year, the pot's scale is taken at the `reference`
    strength). The
    matching pot is shared: its scale depends on how many funds pass the governance
    threshold and how many are founded, i.e. on everyone's effort, so it is computed at the
    `reference` strength the year's allocation is expected to bring (0 = none).
    """

    def __init__(self, state: FundState, params: ParameterSet, tables: BenefitTables, reference=0.0):
        p = params
        self.p = p
        self.state = state
        self.n = state.n
        self.record = False  # keep the last projection's details (for diagnostics)
        self.detail: dict[str, np.ndarray] = {}
        per_cell = tables.per_member_year_thb
        m2 = benefit_second_moment(p, tables)
        elig_cells = state.members.astype(float)
        self.elig_age = elig_cells.sum(axis=2)
        self.wait_age = state.waiting.sum(axis=1).astype(float)
        pop = state.population.astype(float)
        self.pop_total = pop.sum(axis=1)
        self.members = (self.elig_age + self.wait_age).sum(axis=1)
        self.nonmem = np.maximum(pop - self.elig_age - self.wait_age, 0.0)
        # saving, trust and development eligibility (joining saturates towards each fund's reach,
        # computed in _year from the year's governance and the fund's record of payouts)
        self.contribution = np.asarray(state.contribution_thb, float)
        self.new_governance = p["start.governance_mean"] * p["founding.governance_share"]
        self.new_paid = expected_schedule(p) * float(compliance_target(self.new_governance, p))
        age_m, ten_m = _band_moves(p)  # one month's moves between age bands and between tenure bands
        # today's eligible members by tenure band as the year moves them up a band month by month
        # (the waiting members are projected apart, at the first band's dropout)
        mix = elig_cells.sum(axis=1)
        months = [mix]
        for _m in range(11):
            mix = mix @ ten_m
            months.append(mix)
        self.tenure_months = np.ascontiguousarray(np.stack(months), float)  # (months, funds, bands)
        self.access = development_access(state, p)
        # what today's eligible members claim month by month as they age and gain tenure, by their
        # age band today (so survival applies per band): THB a year at generosity 1
        k_claims, k_var = [], []  # (age, tenure) -> claims in month m of a member in that cell today
        a_pow, t_pow = np.eye(N_AGE), np.eye(N_TENURE)
        for _m in range(13):
            k_claims.append(a_pow @ per_cell @ t_pow.T)
            k_var.append(a_pow @ m2 @ t_pow.T)
            a_pow, t_pow = a_pow @ age_m, t_pow @ ten_m
        kc, kv = np.stack(k_claims), np.stack(k_var)  # (13, age, tenure)
        self.claims_path = np.stack([elig_cells[:, a, :] @ kc[:12, a, :].T for a in range(N_AGE)], axis=2)  # (n, 12, age)
        self.var_path = np.stack([elig_cells[:, a, :] @ kv[:12, a, :].T for a in range(N_AGE)], axis=2)
        self.claims_end = np.einsum("iat,at->ia", elig_cells, kc[12])
        self.claims_new = per_cell[:, 0]
        self.var_new = m2[:, 0]
        self.death = p["demography.death_rate_per_1000"] * p["demography.death_rate_multiplier"] / 1000
        self.sust = sustainable_generosity(state, p, tables)
        self.reserves = state.reserves / 100.0
        # founders of a new fund, by age (engine: largest remainder of population x join factor),
        # at the mean of the founding share's distribution; a new fund has no trust yet
        size = membership.expected_founding_members(self.pop_total, p)
        w = pop * np.asarray(p["membership.join_age_factor"], float)[None, :]
        self.founders = np.minimum(w / np.maximum(w.sum(axis=1, keepdims=True), 1e-300) * size[:, None], pop)
        self.nonmem_new = np.maximum(pop - self.founders, 0.0)
        self.central = np.zeros(self.n)
        if p["benefits.central_fund.enabled"]:
            old = self.nonmem[:, int(p["benefits.central_fund.first_age_band"]):].sum(axis=1)
            self.central = np.floor(p["benefits.central_fund.share_of_nonmember_elderly"] * old) * p[
                "benefits.central_fund.thb_per_year"]
        self.active_rows = np.flatnonzero(state.active)
        self.dormant_rows = np.flatnonzero(state.founded & ~state.active)
        self.new_rows = np.flatnonzero(~state.founded)
        # the matching pot's pro-rata scale at the reference strength
        reference = np.broadcast_to(np.asarray(reference, float), (self.n,))
        self.request = np.minimum(state.contributions_last_year / 100.0 * p["matching.ratio"],
                                  self.members * p["matching.cap_thb_per_member"])
        found = 1 - (1 - p["founding.baseline_hazard"]) * (1 - p["effects.founding_hazard"] * reference)
        asked = float(self.request[state.active & self._matched(self._governance(reference))].sum()) + float(
            p["matching.startup_grant_thb"] * found[~state.founded].sum())
        pot = p["matching.pot_ratio"] * float(state.contributions_last_year.sum()) / 100.0
        self.pot_scale = min(1.0, pot / asked) if asked > 0 else 0.0
        self.pot_value = None
        self._reference = reference.copy()
        self._reference_parts = self.parts(reference)  # also sets pot_value

    # ---------------------------------------------------------------- the yearly rules
    def _governance(self, strength) -> np.ndarray:
        p = self.p
        g = self.state.governance * (1 - p["governance.turnover"])
        g = g + (1 - g) * p["governance.self_renewal"]
        return np.clip(g + (1 - g) * p["effects.governance_gain"] * strength, 0.0, 1.0)

    def _matched(self, g1: np.ndarray) -> np.ndarray:
        p = self.p
        group_ok = (self.state.programme_group != NOT_MATCHED) | (g1 >= p["matching.promote_governance"])
        return group_ok & (g1 >= p["matching.governance_threshold"])

    def _generosity(self, g1: np.ndarray, strength) -> np.ndarray:
        p = self.p
        gen = self.state.generosity + p["governance.generosity_drift"] * (1 - g1)
        excess = np.maximum(gen - self.sust, 0.0)
        restrain = 1 - (1 - p["governance.generosity_restrain"] * g1) * (1 - p["effects.generosity_restrain"] * strength)
        return np.clip(gen - restrain * excess, p["benefits.generosity_floor"], p["benefits.generosity_cap"])

    def _rates(self, rows, *, elig_age, wait_age, founders, existing, g1, local, strength, reliable):
        """(yearly dropout averaged over the eligible members' tenure through the year, the first tenure
        band's dropout for the year's newcomers and waiting members, join hazard x saturation) per fund."""
        p = self.p
        q_t = membership.dropout_yearly(g1, reliable, np.ones(rows.size, bool), np.ones(rows.size, bool), p)
        if existing:  # the year's average over the eligible members' tenure mix as it ages month by month
            q = tenure_dropout(self.tenure_months, np.asarray(rows, np.int64), np.ascontiguousarray(q_t, float))
            q = np.where(self.tenure_months[0][rows].sum(axis=1) > 0, q / len(self.tenure_months), q_t[:, 0])
        else:
            q = q_t[:, 0]
        size0 = (elig_age + wait_age + founders).sum(axis=1)
        pop_total = self.pop_total[rows]
        reach = np.maximum(membership.reach(g1, reliable, p), 1e-9)
        saturation = np.where(pop_total > 0, np.maximum(1 - size0 / np.maximum(pop_total, 1) / reach, 0.0), 0.0)
        floor = p["membership.trust_floor"]
        rate = (p["membership.join_rate"] * (floor + (1 - floor) * g1)
                * np.where(local, 1 + p["membership.local_support_boost"], 1.0)
                * (1 + p["effects.outreach_join_boost"] * strength))
        return q, q_t[:, 0], rate * saturation

    def _year(self, rows, *, elig_age, wait_age, founders, nonmem, existing, g1, gen, reserves0,
              local, strength, reliable, paid):
        """(expected protected at year end, protected per extra baht of reserves) of funds `rows`,
        active all year (the arguments are already restricted to `rows`). `reliable`: years of
        reliable payouts (trust: reach and dropout); `paid`: THB a member pays in the year.

        Compiled (`sim.model.outlook_kernel.project_year`); `_year_reference` below is the same
        arithmetic in numpy, the statement the compiled loop is tested against."""
        p = self.p
        q, q_new, rate_sat = self._rates(rows, elig_age=elig_age, wait_age=wait_age, founders=founders, existing=existing,
                                  g1=g1, local=local, strength=strength, reliable=reliable)
        f = lambda x: np.ascontiguousarray(np.broadcast_to(np.asarray(x, float), (rows.size,)))  # noqa: E731
        newborn = np.asarray(p["demography.birth_rate_per_1000"], float) / 12000 * p["membership.newborn_enrolment"]
        out = project_year(
            np.asarray(rows, np.int64), np.ascontiguousarray(elig_age, float), np.ascontiguousarray(wait_age, float),
            np.ascontiguousarray(founders, float), np.ascontiguousarray(nonmem, float), f(q), f(q_new), f(rate_sat),
            np.asarray(self.death, float), np.asarray(p["membership.join_age_factor"], float),
            int(p["finance.waiting_months"]), newborn, f(paid), float(p["contribution.other_income_ratio"]),
            float(p["contribution.entrance_fee_thb"]), f(reserves0), float(p["finance.interest_rate_real"]),
            bool(existing), self.claims_path, self.var_path, self.claims_end, np.asarray(self.central, float),
            f(gen), np.asarray(self.claims_new, float), np.asarray(self.var_new, float),
            float(p["finance.admin_cost_share"]), float(p["metrics.protected_ratio"]))
        if self.record:
            self.detail = dict(rows=rows, ratio=out[2], sd=out[3], reserves_end=out[4], next_year=out[5],
                               claims=out[6], income=out[7], eligible_end=out[8], gen=f(gen))
        return out[0], out[1]

    def _year_reference(self, rows, *, elig_age, wait_age, founders, nonmem, existing, g1, gen, reserves0,
                        local, strength, reliable, paid):
        """`_year` in numpy: the readable statement of the projection (tests compare the two)."""
        p = self.p
        # dropout by trust and tenure, averaged over the members' tenure; joining saturating towards reach
        q, q_new, rate_sat = self._rates(rows, elig_age=elig_age, wait_age=wait_age, founders=founders,
                                         existing=existing, g1=g1, local=local, strength=strength, reliable=reliable)
        stay_month = np.exp(-self.death / 12)[None, :] * ((1 - q) ** (1 / 12))[:, None]  # (rows, age)
        # the year's joiners, founders and members still waiting leave at the first tenure band's rate
        stay_new = np.exp(-self.death / 12)[None, :] * ((1 - q_new) ** (1 / 12))[:, None]
        age_f = np.asarray(p["membership.join_age_factor"], float)
        h = 1 - np.exp(-rate_sat[:, None] * age_f[None, :] / 12)
        wait_months = int(p["finance.waiting_months"])
        # members waiting today graduate in months 0..wait-1; founders join in month 0
        new_claim_years = wait_age * (12 - (wait_months - 1) / 2) / 12 + founders * max(12 - wait_months, 0) / 12
        left = nonmem.copy()
        joined_elig = np.zeros_like(nonmem)  # joiners past the wait by year end
        joined_wait = np.zeros_like(nonmem)
        # members' newborns enrolled at birth (into 0-14, while the place has children not members)
        newborns = elig_age @ (np.asarray(p["demography.birth_rate_per_1000"], float) / 12000) * p[
            "membership.newborn_enrolment"]
        for m in range(12):
            j = left * h
            j[:, 0] += np.minimum(newborns, np.maximum(left[:, 0] - j[:, 0], 0.0))
            left = left - j
            alive = j * stay_new ** (11 - m)
            if m + wait_months <= 11:
                joined_elig += alive
                new_claim_years += j * (12 - m - wait_months) / 12
            else:
                joined_wait += alive
        stay_year = stay_month**12
        elig_end = elig_age * stay_year + wait_age * stay_new**12 + founders * stay_new**11 + joined_elig
        members_end = elig_end + joined_wait
        joins = (nonmem - left).sum(axis=1)
        member_years = 0.5 * ((elig_age + wait_age + founders).sum(axis=1) + members_end.sum(axis=1))
        income = (member_years * paid * (1 + p["contribution.other_income_ratio"])
                  + joins * p["contribution.entrance_fee_thb"] + np.maximum(reserves0, 0) * p["finance.interest_rate_real"])
        central = self.central[rows]
        if existing:  # today's eligible members: claims month by month as they age, die and leave
            alive = np.exp(np.log(np.maximum(stay_month, 1e-300))[:, None, :] * np.arange(12)[None, :, None])
            old_claims = (self.claims_path[rows] * alive).sum(axis=(1, 2)) / 12
            old_var = (self.var_path[rows] * alive).sum(axis=(1, 2)) / 12
            old_next = (self.claims_end[rows] * stay_year).sum(axis=1)
        else:
            old_claims = old_var = old_next = 0.0
        claims = gen * (old_claims + new_claim_years @ self.claims_new) + central
        var = gen**2 * (old_var + new_claim_years @ self.var_new)
        reserves_end = reserves0 + income * (1 - p["finance.admin_cost_share"]) - claims
        # Protection is measured against the standard package (generosity 1), and a fund paying a
        # fraction of it protects its members in that proportion (metrics.protection_weight).
        next_year = np.maximum(old_next + (members_end - elig_age * stay_year) @ self.claims_new + central, 1.0)
        ratio = reserves_end / next_year
        sd = np.maximum(np.sqrt(var) / next_year, 1e-6)
        z = (ratio - p["metrics.protected_ratio"]) / sd
        eligible = elig_end.sum(axis=1) * np.minimum(gen, 1.0)
        if self.record:
            self.detail = dict(rows=rows, ratio=ratio, sd=sd, reserves_end=reserves_end, next_year=next_year,
                               claims=claims, income=income, eligible_end=eligible, gen=gen)
        per_baht = eligible * np.exp(-0.5 * z**2) / (np.sqrt(2 * np.pi) * sd * next_year)
        return eligible * special.ndtr(z), per_baht

    def parts(self, strength) -> dict[str, np.ndarray]:
        """Expected protected at year end per sub-district, by how: funds active today, dormant
        funds revived, places where a fund is founded, and the pot externality (see `protected`)."""
        strength = np.broadcast_to(np.asarray(strength, float), (self.n,))
        if self.pot_value is not None and np.array_equal(strength, self._reference) and not self.record:
            return dict(self._reference_parts)
        return {name: part[0] for name, part in self.parts_many(strength[None, :]).items()}

    def parts_many(self, strengths) -> dict[str, np.ndarray]:
        """`parts` at K strengths at once ((K, n) or K scalars): each part is (K, n).

        One projection over K x n rows instead of K projections (the LP's response grid reads
        65 strengths a curve); each row's arithmetic is the one `parts` does for it alone."""
        p, s = self.p, self.state
        strengths = np.asarray(strengths, float)
        if strengths.ndim == 1:
            strengths = np.repeat(strengths[:, None], self.n, axis=1)
        k = strengths.shape[0]
        strength = strengths * self.access  # the programme group governs development eligibility
        admin = p["finance.admin_cost_share"]
        g1 = self._governance(strength)
        gen = self._generosity(g1, strength)
        local = s.local_support
        local_thb = np.where(local, self.members * p["local_gov.thb_per_member"], 0.0)
        matching = np.where(s.active & self._matched(g1), self.request * self.pot_scale, 0.0)
        out = {name: np.zeros((k, self.n)) for name in ("active", "revived", "founded", "pot")}

        paid = self.contribution * next_compliance(s.compliance, g1, p)  # compliance moves with governance

        def stacked(rows):  # (K x rows) flat positions into the (K, n) arrays, and the rows repeated
            return (np.arange(k)[:, None] * self.n + rows[None, :]).ravel(), np.tile(rows, k)

        def existing(rows, generosity, reserves0, reliable):
            at, rr = stacked(rows)
            return self._year(rr, elig_age=self.elig_age[rr], wait_age=self.wait_age[rr],
                              founders=np.zeros((rr.size, N_AGE)), nonmem=self.nonmem[rr],
                              existing=True, g1=g1.ravel()[at], gen=generosity,
                              reserves0=reserves0, local=local[rr], strength=strength.ravel()[at],
                              reliable=reliable, paid=paid.ravel()[at])

        rows = self.active_rows
        at, rr = stacked(rows)
        kept, per_baht = existing(rows, gen.ravel()[at],
                                  self.reserves[rr] + (matching + local_thb).ravel()[at] * (1 - admin),
                                  s.reliable_years[rr])
        out["active"][:, rows] = kept.reshape(k, rows.size)
        rows = self.dormant_rows
        if rows.size:
            at, rr = stacked(rows)
            cut = p["status.revival_generosity_reset"] * np.maximum(gen - self.sust, 0.0)  # as yearly.begin_year
            revived_gen = np.maximum(gen - cut, p["benefits.generosity_floor"]).ravel()[at]
            revived, _ = existing(rows, revived_gen, self.reserves[rr] + local_thb[rr] * (1 - admin),
                                  np.zeros(rr.size))
            revive = 1 - (1 - p["status.revival_hazard"]) * (1 - p["effects.revival_hazard"] * strength[:, rows])
            out["revived"][:, rows] = revive * revived.reshape(k, rows.size)
        rows = self.new_rows
        found = np.zeros((k, self.n))
        if rows.size:
            at, rr = stacked(rows)
            started, _ = self._year(
                rr, elig_age=np.zeros((rr.size, N_AGE)), wait_age=np.zeros((rr.size, N_AGE)),
                founders=self.founders[rr], nonmem=self.nonmem_new[rr],
                existing=False, g1=np.full(rr.size, self.new_governance), gen=np.ones(rr.size),
                reserves0=np.full(rr.size, p["matching.startup_grant_thb"] * self.pot_scale * (1 - admin)),
                local=local[rr], strength=strength.ravel()[at], reliable=np.zeros(rr.size),
                paid=np.full(rr.size, self.new_paid))
            found[:, rows] = 1 - (1 - p["founding.baseline_hazard"]) * (1 - p["effects.founding_hazard"]
                                                                         * strength[:, rows])
            out["founded"][:, rows] = found[:, rows] * started.reshape(k, rows.size)
        if self.pot_value is None:  # people protected per baht of matching where the pot goes (first strength)
            weight = matching[0, self.active_rows]
            first = per_baht[:self.active_rows.size]
            self.pot_value = float((weight * first).sum() / weight.sum()) * (1 - admin) if weight.sum() > 0 else 0.0
        if self.pot_scale < 1:
            out["pot"] = -self.pot_value * (matching + found * p["matching.startup_grant_thb"] * self.pot_scale)
        return out

    def protected_many(self, strengths, *, pot_externality: bool = True) -> np.ndarray:
        """`protected` at K strengths at once: (n, K)."""
        parts = self.parts_many(strengths)
        if not pot_externality:
            parts.pop("pot")
        return sum(parts.values()).T

    def protected(self, strength, *, pot_externality: bool = True) -> np.ndarray:
        """Expected people protected at year end per sub-district at `strength`.

        The matching pot is shared: a fund that passes the governance threshold (or a fund
        founded, with its start-up grant) takes its money from everyone else's pro-rata share.
        With `pot_externality` that cost is charged to the sub-district that draws the money,
        at what a baht of matching protects on average where the pot goes (the `pot` part),
        so that a unit's gain from one more matched fund is net of what the others lose. An
        evaluation of a whole allocation at its own reference strength leaves it out: the
        pot's scale there already shares the pot out.
        """
        parts = self.parts(strength)
        if not pot_externality:
            parts.pop("pot")
        return sum(parts.values())


def real_value(state: FundState, params: ParameterSet, tables: BenefitTables, join_rate: np.ndarray | None = None
               ) -> np.ndarray:
    """Expected extra people protected at the end of next year if development had full effect.

    This is the need a perfectly informed unit would target: the one-year projection of
    `YearOutlook` at full effect (E = 1) minus the projection without development effect
    (E = 0), per sub-district. Founding (unfounded places) and revival (dormant funds) are
    weighted by `need.unfounded_weight` and `need.dormant_weight` (the need units see; 1 = as
    many people as elsewhere). A gain cannot be negative as a need. The cost a newly matched
    fund imposes on the others through the shared pot is left out: a committee looking at its
    own funds does not see it (the LP's curves, which read the outlook itself in people
    protected, charge it). `join_rate` is accepted for callers of the earlier signature; the
    projection derives the join rate itself from the governance the year will bring.
    """
    outlook = YearOutlook(state, params, tables)
    both = outlook.parts_many([1.0, 0.0])
    full, none = {k: v[0] for k, v in both.items()}, {k: v[1] for k, v in both.items()}
    gain = ((full["active"] - none["active"]) + params["need.dormant_weight"] * (full["revived"] - none["revived"])
            + params["need.unfounded_weight"] * (full["founded"] - none["founded"]))
    return np.maximum(gain, 0.0)


def standard_benefit_per_member(state: FundState, tables: BenefitTables) -> np.ndarray:
    """Expected benefits per member-year at generosity 1, given the fund's age and tenure mix."""
    total = np.einsum("iat,at->i", state.members, tables.per_member_year_thb)
    total += np.einsum("isa,a->i", state.waiting, tables.per_member_year_thb[:, 0])
    return total / np.maximum(state.total_members(), 1)


def sustainable_generosity(state: FundState, params: ParameterSet, tables: BenefitTables) -> np.ndarray:
    """The benefit level that pays out `sustainable_payout_share` of a member's income: what the
    member really pays (the fund's schedule x compliance), other income and matching in
    proportion to it, and the local government's money where it comes."""
    paid = paid_per_member_year(state)
    income = (paid * (1 + params["contribution.other_income_ratio"] + params["matching.pot_ratio"])
              + np.where(state.local_support, params["local_gov.thb_per_member"], 0.0)
              ) * (1 - params["finance.admin_cost_share"])
    per_member = standard_benefit_per_member(state, tables)
    return np.clip(params["governance.sustainable_payout_share"] * income / np.maximum(per_member, 1.0),
                   params["benefits.generosity_floor"], params["benefits.generosity_cap"])


def development_access(state: FundState, params: ParameterSet) -> np.ndarray:
    """Share of development effect each sub-district can receive: the programme group governs
    development eligibility (MODEL.md 3). Funds outside the matching programme get
    `development.not_matched_access`; every other fund, and every place without a fund
    (founding work), gets it in full."""
    outside = state.founded & (state.programme_group == NOT_MATCHED)
    return np.where(outside, params["development.not_matched_access"], 1.0)


def observation_noise(key, codes: np.ndarray, year: int, params: ParameterSet, forecast: bool = False) -> dict[str, np.ndarray]:
    """Each level's multiplicative error in seeing each sub-district's need (mean 1)."""
    noise = {}
    for slot, level in enumerate(LEVELS):
        sigma = params[f"targeting.noise.{level}"]
        z = special.ndtri(uniforms(key, Process.TARGETING, codes, year * 12, slot + (16 if forecast else 0)))
        noise[level] = np.exp(sigma * z - sigma**2 / 2)
    return noise


def needs_seen(value: np.ndarray, noise: dict[str, np.ndarray], params: ParameterSet,
               province: np.ndarray) -> dict[str, np.ndarray]:
    """Each level's posterior mean of every sub-district's need, from its own noisy view.

    A level sees need x its error (`observation_noise`), knows its own noise law
    (`targeting.noise.<level>`) and expects E[need | what it sees] under a lognormal prior
    fitted to its view of each province's sub-districts (`province`: a label per sub-district,
    e.g. `units.cover["province"]`; `targeting.posterior_mean_need`): a noisier view is pulled
    harder towards the typical need, which is what makes it spread its effort. The prior is
    per province, not per unit, so a place's posterior does not depend on how the units cut
    the region, and one province's situation never moves another's view.
    """
    return {level: posterior_mean_need(value * noise[level], float(params[f"targeting.noise.{level}"]),
                                       strata=province)
            for level in LEVELS}


def spread_effort(effort: np.ndarray, units: Units, seen: dict[str, np.ndarray], params: ParameterSet,
                  base_effort: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Effort per sub-district from each level (THB-equivalent), placed by water-filling.

    The levels place their effort one after another — region, province groups, provinces,
    zones, mentors — each unit splitting its effort (per unit row of `units.table`) over the
    sub-districts it covers to maximise the expected effect by its level's posterior means
    `seen` (`targeting.water_fill`: marginal values equal under 1 - exp(-effort / scale)),
    taking the effort already placed (by `base_effort` and the levels before it) as given.
    Mentors of one zone pool their effort over the zone. Each unit's effort is placed exactly.
    """
    scale = params["effects.scale_thb"]
    n = units.cover["region"].shape[0]
    so_far = np.zeros(n) if base_effort is None else np.asarray(base_effort, float).copy()
    out = {}
    for level in SPREAD_LEVELS:
        out[level] = water_fill(seen[level], effort, so_far, scale, units.cover[level])
        so_far = so_far + out[level]
    out["mentor"] = np.zeros(n)
    mentor_rows = units.rows("mentor")
    if mentor_rows.size:
        per_zone = np.bincount(units.mentor_zone, weights=effort[mentor_rows], minlength=units.zone_rows.size)
        out["mentor"] = water_fill(seen["mentor"], per_zone, so_far, scale, units_zone_index(units))
    return out


def units_zone_index(units: Units) -> np.ndarray:
    """Per sub-district: its zone's position in geography order (for mentor spreading)."""
    zone_row = units.cover["zone"]
    position = np.full(len(units.table), -1, dtype=np.int64)
    position[units.zone_rows] = np.arange(units.zone_rows.size)
    return np.where(zone_row >= 0, position[np.maximum(zone_row, 0)], -1)


def money_to_subdistricts(money: np.ndarray, units: Units, placed: dict[str, np.ndarray]) -> np.ndarray:
    """Development money per sub-district (THB): each unit's money, overhead included, spread over
    its area in proportion to the effort it placed there (`spread_effort`), evenly where it placed
    none (money that went on overhead or on training zones only). Sums to the money allocated."""
    n = units.cover["region"].shape[0]
    n_rows = len(units.table)
    out = np.zeros(n)

    def attribute(part: np.ndarray, unit_money: np.ndarray, effort: np.ndarray, size: int) -> None:
        ok = part >= 0
        p = part[ok]
        total = np.bincount(p, weights=effort[ok], minlength=size)
        count = np.bincount(p, minlength=size)
        share = np.where(total[p] > 0, effort[ok] / np.where(total[p] > 0, total[p], 1.0), 1.0 / np.maximum(count[p], 1))
        out[ok] += unit_money[p] * share

    for level in SPREAD_LEVELS:
        attribute(units.cover[level], np.asarray(money, float), placed[level], n_rows)
    mentor_rows = units.rows("mentor")
    if mentor_rows.size:
        per_zone = np.bincount(units.mentor_zone, weights=np.asarray(money, float)[mentor_rows],
                               minlength=units.zone_rows.size)
        attribute(units_zone_index(units), per_zone, placed["mentor"], units.zone_rows.size)
    return out


def effort_to_subdistricts(effort: np.ndarray, units: Units, seen: dict[str, np.ndarray],
                           params: ParameterSet) -> np.ndarray:
    """Effort per sub-district (THB-equivalent) from every unit covering it (`spread_effort`)."""
    return sum(spread_effort(effort, units, seen, params).values())


def effort_per_thb(units: Units, dev: DevelopmentState, params: ParameterSet, funded_zone: np.ndarray) -> np.ndarray:
    """Effort per baht above overhead per unit row, after the share that region, province
    groups and provinces spend training funded zones (`capacity_building`): a province with a
    funded zone, a province group with one in its provinces, the region if any."""
    eff = unit_efficiency(units, dev, params)
    train = params["units.zone_capacity.building_share"]
    funded_zone = np.asarray(funded_zone, bool)
    if train <= 0 or not funded_zone.any():
        return eff
    rows, targets = units.trainer_targets()
    out = eff.copy()
    out[rows[(targets & funded_zone[None, :]).any(axis=1)]] *= 1 - train
    return out


def capacity_building(effort: np.ndarray, units: Units, funded_zone: np.ndarray, params: ParameterSet):
    """Region, province-group and province effort diverted to training funded zones.

    Returns (effort left for funds, capacity-building THB per zone).
    """
    share = params["units.zone_capacity.building_share"]
    per_zone = np.zeros(units.zone_rows.size)
    if share <= 0 or not funded_zone.any():
        return effort, per_zone
    effort = effort.copy()
    rows, trains = units.trainer_targets()
    for r, trained in zip(rows, trains, strict=True):
        targets = funded_zone & trained
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
