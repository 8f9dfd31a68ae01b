"""One month in every fund: members, claims and money (MODEL.md section 4).

The step is a compiled loop over funds (numba) working on cohort arrays:

    members[fund, age band, tenure band]   eligible members (past the waiting period)
    waiting[fund, join-month slot, age]    members still in the waiting period (ring buffer)

Order within a month, for every founded fund:
 1. members who joined exactly `waiting_months` ago become eligible (tenure band <1);
 2. deaths by age band (eligible deaths trigger the tenure-scaled funeral benefit);
 3. leaving (lapse and resignation) by (age, tenure) cell at the fund's rate for that tenure
    band (sim.model.membership), with the optional refund;
 4. claims by eligible members: births, hospital stays (per-stay and per-year caps),
    old-age allowance, scholarships, disability, disaster; central-fund help for
    non-members when switched on — each benefit one Poisson count per fund;
 5. joining into the waiting ring: a share of the members' newborns (as long as the place has
    children who are not members), then the non-members at the fund's join hazard,
    saturating as coverage approaches the fund's reach;
 6. ageing between age bands and tenure bands;
 7. money: contributions (members x what a member really pays: schedule x compliance),
    entrance fees, other income, interest, admin cost, refunds, benefits. A fund that cannot
    pay the month's claims pays what it has and goes dormant.

Events that share one rate are drawn once for everyone who shares it and then split over
their cells without replacement (`rng.split_cells`: one hypergeometric draw per cell, not one
uniform per person), which is exactly what happens to individuals with equal rates:

- deaths: one binomial per age band over its eligible (tenure) and waiting (join-month) cells;
- leaving: one binomial per tenure band over its age cells, the waiting members (who leave at
  the first band's rate) counted with the first band;
- ageing: one per age band over its tenure cells; tenure: one per tenure band over its ages.

That is about 30 draws per active fund-month (`draws_per_fund_month` counts them when the
environment sets WELFARE_SIM_COUNT_DRAWS=1, a debug build that is never cached); logarithms of
the band rates are taken once per month, not once per draw.
Money is kept in satang (1/100 baht) as integers so that every fund-year balances exactly.
"""

from __future__ import annotations

import math
import os

import numpy as np
from numba import njit, prange

from sim.model.rng import (
    Process,
    binomial,
    binomial_lq,
    draw_key,
    fund_month_key,
    mix,
    poisson,
    split_cells,
)

# flows accumulated per fund over a year (money in satang)
JOINED, LEFT, DIED = 0, 1, 2
CONTRIBUTIONS, ENTRANCE_FEES, OTHER_INCOME, INTEREST = 3, 4, 5, 6
ADMIN_COST, REFUNDS = 7, 8
BIRTH, HOSPITAL, FUNERAL, OLD_AGE, EDUCATION, DISABILITY, DISASTER, CENTRAL_FUND = (
    9, 10, 11, 12, 13, 14, 15, 16,
)
INSOLVENCY_EVENTS, CLAIMS_UNPAID, NON_MEMBERS_HELPED, DEATHS_ELIGIBLE = 17, 18, 19, 20
N_FLOWS = 21
BENEFIT_FLOWS = (BIRTH, HOSPITAL, FUNERAL, OLD_AGE, EDUCATION, DISABILITY, DISASTER, CENTRAL_FUND)
FLOW_NAMES = (
    "joined", "left", "died", "contributions", "entrance_fees", "other_income", "interest",
    "admin_cost", "refunds", "benefit_birth", "benefit_hospital", "benefit_funeral",
    "benefit_old_age", "benefit_education", "benefit_disability", "benefit_disaster",
    "central_fund", "insolvency_events", "claims_unpaid", "non_members_helped",
    "deaths_eligible",
)

N_AGE = 7
N_TENURE = 6

# debug build: month_step returns the number of random draws it made (sampler calls that use
# randomness, and each draw of a split); compiled fresh, never cached, when switched on
COUNT_DRAWS = os.environ.get("WELFARE_SIM_COUNT_DRAWS", "") == "1"


@njit(inline="always", cache=True)
def _rnd(x):
    """Round a float amount (satang) to an integer number of satang."""
    return np.int64(math.floor(x + 0.5))


# expected events in a group of cells below which one draw for the group (then a split) is
# cheaper than one draw per cell; either way the law is that of one binomial per individual
GROUP_DRAW_BELOW = 4.0


@njit(cache=True, inline="always")
def _draw_cells(key, sizes, p, log_q, out):
    """How many of the people in each cell of `sizes` have an event of probability `p` (the
    same for every cell; `log_q` = log(1 - p)), written into `out`. Returns (events, draws).

    Exactly independent Bernoulli trials per person, drawn the cheaper of two exact ways: where
    few events are expected, one binomial for the whole group split over the cells without
    replacement (`rng.split_cells`); else one binomial per cell."""
    tot = 0
    for j in range(sizes.shape[0]):
        out[j] = 0
        tot += sizes[j]
    if tot == 0 or p <= 0.0:
        return 0, 0
    if tot * p < GROUP_DRAW_BELOW:
        k = binomial_lq(key, tot, p, log_q)
        if k == 0:
            return 0, 1
        return k, 1 + split_cells(mix(key ^ np.uint64(0xA5A5A5A5A5A5A5A5)), k, sizes, out)
    k = 0
    draws = 0
    for j in range(sizes.shape[0]):
        if sizes[j] > 0:
            out[j] = binomial_lq(mix(key ^ np.uint64(j + 1)), sizes[j], p, log_q)
            k += out[j]
            draws += 1
    return k, draws


@njit(cache=True)
def _pay_month(i, paying, joins, contribution, refund_due, due_by_flow, satang, reserves, flows, active,
               entrance_fee, other_ratio, admin_share, interest_monthly):
    """One month's money of an active fund, in satang: income (contributions of every paying
    member, eligible or waiting; fees, other income, interest) less admin cost, refunds, then the
    claims due (`due_by_flow`, THB by benefit flow). A fund that cannot pay them pays what it has,
    pro rata with the funeral benefit taking the rounding, and goes dormant."""
    contrib = _rnd(paying * contribution * 100.0)
    fees = _rnd(joins * entrance_fee * 100.0)
    other = _rnd(contrib * other_ratio)
    interest = _rnd(max(reserves[i], 0) * interest_monthly)
    income = contrib + fees + other + interest
    admin = _rnd(income * admin_share)
    reserves[i] += income - admin
    flows[i, CONTRIBUTIONS] += contrib
    flows[i, ENTRANCE_FEES] += fees
    flows[i, OTHER_INCOME] += other
    flows[i, INTEREST] += interest
    flows[i, ADMIN_COST] += admin
    refund = min(_rnd(refund_due * 100.0), reserves[i])
    reserves[i] -= refund
    flows[i, REFUNDS] += refund
    due = np.int64(0)
    n_b = len(BENEFIT_FLOWS)
    for b in range(n_b):
        satang[b] = _rnd(due_by_flow[b] * 100.0)
        due += satang[b]
    if due <= reserves[i]:
        reserves[i] -= due
        for b in range(n_b):
            flows[i, BENEFIT_FLOWS[b]] += satang[b]
        return
    # pays what it can, pro rata, and goes dormant
    have = max(reserves[i], 0)
    frac = have / due
    paid = np.int64(0)
    for b in range(n_b):
        if BENEFIT_FLOWS[b] != FUNERAL:
            part = np.int64(math.floor(satang[b] * frac))
            flows[i, BENEFIT_FLOWS[b]] += part
            paid += part
    flows[i, FUNERAL] += have - paid
    flows[i, CLAIMS_UNPAID] += due - have
    flows[i, INSOLVENCY_EVENTS] += 1
    reserves[i] -= have
    active[i] = False


@njit(cache=not COUNT_DRAWS, parallel=True)
def month_step(
    run_key, month_index, codes, founded, active,
    members, waiting, population, reserves, generosity,
    join_rate, reach, dropout, contribution, flows,
    # constants
    death_p, birth_rate, admit_rate, age_move_p, tenure_move_p, join_age_factor,
    newborn_enrolment, stay_probs, stay_pay, year_cap_factor, funeral_thb,
    old_age_monthly, old_age_min_tenure, education_rate, education_thb,
    disability_rate, disability_thb, disaster_rate, disaster_thb, birth_thb,
    entrance_fee, other_ratio, admin_share, interest_monthly,
    refund_factor, tenure_years, central_on, central_share, central_monthly, central_first_age,
):
    """Advance every fund by one calendar month `month_index` (= year * 12 + month).

    Per fund: `join_rate` (yearly hazard before saturation), `reach` (share of residents the
    fund can reach; joining saturates towards it), `dropout[i, t]` (monthly probability of
    leaving by tenure band; waiting members leave at band 0's) and `contribution` (THB a member
    really pays per month: schedule x compliance). Returns the number of random draws made in
    the debug build (WELFARE_SIM_COUNT_DRAWS=1), else 0.
    """
    n = codes.shape[0]
    n_slots = waiting.shape[1]
    k_cat = stay_pay.shape[0]
    slot = month_index % n_slots
    lq_death = np.log1p(-np.minimum(death_p, 0.5))
    lq_age = np.log1p(-np.minimum(age_move_p, 0.5))
    lq_tenure = np.log1p(-np.minimum(tenure_move_p, 0.5))
    # scratch space per chunk of funds (draws do not depend on the chunking)
    n_chunks = min(n, 64)
    draws_total = 0
    for c in prange(n_chunks):
        cells = np.zeros(N_TENURE + n_slots, np.int64)
        taken = np.zeros(N_TENURE + n_slots, np.int64)
        group = np.zeros(2 * N_AGE, np.int64)
        group_out = np.zeros(2 * N_AGE, np.int64)
        slot_sizes = np.zeros(n_slots, np.int64)
        slot_out = np.zeros(n_slots, np.int64)
        age_cells = np.zeros(N_AGE, np.int64)
        age_out = np.zeros(N_AGE, np.int64)
        ten_cells = np.zeros(N_TENURE, np.int64)
        ten_out = np.zeros(N_TENURE, np.int64)
        cat_sizes = np.zeros(k_cat, np.float64)
        due_by_flow = np.zeros(len(BENEFIT_FLOWS), np.float64)
        satang = np.zeros(len(BENEFIT_FLOWS), np.int64)
        for i in range(c * n // n_chunks, (c + 1) * n // n_chunks):
            if not founded[i]:
                continue
            nd = 0
            fk = fund_month_key(run_key, codes[i], month_index)
            is_active = active[i]
            gen = generosity[i]
            # 1. graduation from the waiting ring
            for a in range(N_AGE):
                members[i, a, 0] += waiting[i, slot, a]
                waiting[i, slot, a] = 0
            # 2. deaths: one draw per age band over its tenure and waiting cells
            funeral_due = 0.0
            for a in range(N_AGE):
                tot = 0
                for t in range(N_TENURE):
                    cells[t] = members[i, a, t]
                    tot += cells[t]
                for s in range(n_slots):
                    cells[N_TENURE + s] = waiting[i, s, a]
                    tot += cells[N_TENURE + s]
                if tot == 0:
                    continue
                d, used = _draw_cells(draw_key(fk, Process.DEATH, a), cells, death_p[a], lq_death[a], taken)
                nd += used
                if d > 0:
                    eligible_deaths = 0
                    for t in range(N_TENURE):
                        members[i, a, t] -= taken[t]
                        funeral_due += taken[t] * funeral_thb[t]
                        eligible_deaths += taken[t]
                    for s in range(n_slots):
                        waiting[i, s, a] -= taken[N_TENURE + s]
                    flows[i, DIED] += d
                    flows[i, DEATHS_ELIGIBLE] += eligible_deaths
            # 3. leaving: one draw per tenure band over its ages (long-standing members leave
            # less); the waiting members leave at the first band's rate, so they join its draw
            refund_per_tenure_year = refund_factor * contribution[i] * 12.0
            refund_due = 0.0
            for t in range(N_TENURE):
                q = dropout[i, t]
                if q <= 0.0:
                    continue
                lq = math.log1p(-q) if q <= 0.5 else 0.0
                tot = 0
                for a in range(N_AGE):
                    group[a] = members[i, a, t]
                    tot += group[a]
                n_grp = N_AGE
                if t == 0:
                    for a in range(N_AGE):
                        w = 0
                        for s in range(n_slots):
                            w += waiting[i, s, a]
                        group[N_AGE + a] = w
                        tot += w
                    n_grp = 2 * N_AGE
                if tot == 0:
                    continue
                lv, used = _draw_cells(draw_key(fk, Process.LEAVE, t), group[:n_grp], q, lq, group_out[:n_grp])
                nd += used
                if lv == 0:
                    continue
                for a in range(N_AGE):
                    members[i, a, t] -= group_out[a]
                eligible_left = 0
                for a in range(N_AGE):
                    eligible_left += group_out[a]
                refund_due += eligible_left * refund_per_tenure_year * tenure_years[t]
                if t == 0:
                    for a in range(N_AGE):
                        lw = group_out[N_AGE + a]
                        if lw == 0:
                            continue
                        for s in range(n_slots):
                            slot_sizes[s] = waiting[i, s, a]
                        nd += split_cells(draw_key(fk, Process.LEAVE_SPLIT, a), lw, slot_sizes, slot_out)
                        for s in range(n_slots):
                            waiting[i, s, a] -= slot_out[s]
                            months_waited = (slot - s) % n_slots
                            refund_due += slot_out[s] * refund_per_tenure_year * months_waited / 12.0
                flows[i, LEFT] += lv
            # 4. claims by eligible members (active funds only)
            for b in range(due_by_flow.shape[0]):
                due_by_flow[b] = 0.0
            newborns = 0
            if is_active:
                lam_birth = 0.0
                weighted_pay = 0.0
                weighted_capped = 0.0
                elig_total = 0
                elig_young = 0
                elig_old = 0
                for k in range(k_cat):
                    cat_sizes[k] = 0.0
                for a in range(N_AGE):
                    e = 0
                    for t in range(N_TENURE):
                        e += members[i, a, t]
                        if a >= 4 and t >= old_age_min_tenure:
                            elig_old += members[i, a, t]
                    elig_total += e
                    if a <= 1:
                        elig_young += e
                    lam_birth += e * birth_rate[a]
                    la = e * admit_rate[a]
                    mean_pay = 0.0
                    for k in range(k_cat):
                        cat_sizes[k] += la * stay_probs[a, k]
                        mean_pay += stay_probs[a, k] * stay_pay[k]
                    weighted_pay += la * mean_pay
                    weighted_capped += la * mean_pay * year_cap_factor[a]
                nb = poisson(draw_key(fk, Process.BIRTH, 0), lam_birth)
                due_by_flow[0] = nb * birth_thb * gen
                newborns = nb
                # hospital stays by category of length: independent Poisson counts (a Poisson total
                # split over categories is exactly that), one draw each
                pay = 0.0
                for k in range(k_cat):
                    nk = poisson(draw_key(fk, Process.HOSPITAL, 1 + k), cat_sizes[k])
                    if COUNT_DRAWS and cat_sizes[k] > 0.0:
                        nd += 1
                    pay += nk * stay_pay[k]
                if pay > 0.0:
                    cap_f = weighted_capped / weighted_pay if weighted_pay > 0 else 1.0
                    due_by_flow[1] = pay * cap_f * gen
                if COUNT_DRAWS:
                    nd += lam_birth > 0.0
                due_by_flow[2] = funeral_due * gen
                due_by_flow[3] = elig_old * old_age_monthly * gen
                ne = poisson(draw_key(fk, Process.EDUCATION, 0), elig_young * education_rate)
                due_by_flow[4] = ne * education_thb * gen
                ndis = poisson(draw_key(fk, Process.DISABILITY, 0), elig_total * disability_rate)
                due_by_flow[5] = ndis * disability_thb * gen
                nz = poisson(draw_key(fk, Process.DISASTER, 0), elig_total * disaster_rate)
                due_by_flow[6] = nz * disaster_thb * gen
                if COUNT_DRAWS:
                    nd += (elig_young * education_rate > 0.0) + (elig_total * disability_rate > 0.0) + (
                        elig_total * disaster_rate > 0.0)
                if central_on:
                    nonmem_old = 0
                    for a in range(central_first_age, N_AGE):
                        m = 0
                        for t in range(N_TENURE):
                            m += members[i, a, t]
                        for s in range(n_slots):
                            m += waiting[i, s, a]
                        nonmem_old += max(population[i, a] - m, 0)
                    helped = int(math.floor(central_share * nonmem_old))
                    due_by_flow[7] = helped * central_monthly
                    flows[i, NON_MEMBERS_HELPED] = helped
            # 5. joining (active funds only): members' newborns first, then from the non-members
            joins = 0
            if is_active:
                for a in range(N_AGE):
                    m = 0
                    for t in range(N_TENURE):
                        m += members[i, a, t]
                    for s in range(n_slots):
                        m += waiting[i, s, a]
                    age_cells[a] = m  # members by age, eligible and waiting
                if newborns > 0 and newborn_enrolment > 0.0:
                    kids = min(binomial(draw_key(fk, Process.JOIN, 32), newborns, newborn_enrolment),
                               max(population[i, 0] - age_cells[0], 0))
                    if COUNT_DRAWS:
                        nd += 1
                    waiting[i, slot, 0] += kids
                    age_cells[0] += kids
                    joins += kids
                member_total = 0
                pop_total = 0
                for a in range(N_AGE):
                    pop_total += population[i, a]
                    member_total += age_cells[a]
                if pop_total > 0:
                    saturation = max(0.0, 1.0 - (member_total / pop_total) / reach[i]) if reach[i] > 0 else 0.0
                else:
                    saturation = 0.0
                if saturation > 0.0 and join_rate[i] > 0.0:
                    for a in range(N_AGE):
                        nonmem = population[i, a] - age_cells[a]
                        if nonmem <= 0:
                            continue
                        x = join_rate[i] * join_age_factor[a] * saturation / 12.0
                        h = 1.0 - math.exp(-x)
                        j = binomial_lq(draw_key(fk, Process.JOIN, a), nonmem, h, -x)
                        if COUNT_DRAWS and h > 0.0:
                            nd += 1
                        waiting[i, slot, a] += j
                        joins += j
                flows[i, JOINED] += joins
            # 6. ageing between age bands, then tenure bands (oldest first: nobody moves twice)
            for a in range(N_AGE - 2, -1, -1):
                if age_move_p[a] <= 0.0:
                    continue
                tot = 0
                for t in range(N_TENURE):
                    ten_cells[t] = members[i, a, t]
                    tot += ten_cells[t]
                if tot == 0:
                    continue
                mv, used = _draw_cells(draw_key(fk, Process.AGEING, a), ten_cells, age_move_p[a], lq_age[a], ten_out)
                nd += used
                if mv > 0:
                    for t in range(N_TENURE):
                        members[i, a, t] -= ten_out[t]
                        members[i, a + 1, t] += ten_out[t]
            for t in range(N_TENURE - 2, -1, -1):
                if tenure_move_p[t] <= 0.0:
                    continue
                tot = 0
                for a in range(N_AGE):
                    age_cells[a] = members[i, a, t]
                    tot += age_cells[a]
                if tot == 0:
                    continue
                mv, used = _draw_cells(draw_key(fk, Process.TENURE, t), age_cells, tenure_move_p[t], lq_tenure[t], age_out)
                nd += used
                if mv > 0:
                    for a in range(N_AGE):
                        members[i, a, t] -= age_out[a]
                        members[i, a, t + 1] += age_out[a]
            # 7. money, in satang
            if is_active:
                paying = 0
                for a in range(N_AGE):
                    for t in range(N_TENURE):
                        paying += members[i, a, t]
                    for s in range(n_slots):
                        paying += waiting[i, s, a]
                _pay_month(i, paying, joins, contribution[i], refund_due, due_by_flow, satang, reserves, flows, active,
                           entrance_fee, other_ratio, admin_share, interest_monthly)
            else:
                interest = _rnd(max(reserves[i], 0) * interest_monthly)
                reserves[i] += interest
                flows[i, INTEREST] += interest
            if COUNT_DRAWS:
                draws_total += nd
    return draws_total
