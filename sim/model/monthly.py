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

Counts of events in an age band with one rate for all its tenure cells (deaths, ageing) are
drawn for the band and then spread over its tenure cells without replacement, which is
exactly what happens to individuals with equal rates.
Money is kept in satang (1/100 baht) as integers so that every fund-year balances exactly.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from sim.model.rng import (
    Process,
    binomial,
    draw_key,
    fund_month_key,
    poisson,
    split_without_replacement,
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


@njit(inline="always", cache=True)
def _rnd(x):
    """Round a float amount (satang) to an integer number of satang."""
    return np.int64(math.floor(x + 0.5))


@njit(cache=True, parallel=True)
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
    really pays per month: schedule x compliance).
    """
    n = codes.shape[0]
    n_slots = waiting.shape[1]
    k_cat = stay_pay.shape[0]
    slot = month_index % n_slots
    for i in prange(n):
        if not founded[i]:
            continue
        tenure_tmp = np.zeros(N_TENURE, np.int64)
        age_tmp = np.zeros(N_AGE, np.int64)
        tenure_out = np.zeros(N_TENURE, np.int64)
        age_out = np.zeros(N_AGE, np.int64)
        slot_sizes = np.zeros(n_slots, np.int64)
        slot_tmp = np.zeros(n_slots, np.int64)
        cat_sizes = np.zeros(k_cat, np.float64)
        fk = fund_month_key(run_key, codes[i], month_index)
        is_active = active[i]
        gen = generosity[i]
        # 1. graduation from the waiting ring
        for a in range(N_AGE):
            members[i, a, 0] += waiting[i, slot, a]
            waiting[i, slot, a] = 0
        # 2. deaths
        funeral_due = 0.0
        for a in range(N_AGE):
            tot = 0
            for t in range(N_TENURE):
                tenure_tmp[t] = members[i, a, t]
                tot += members[i, a, t]
            d = binomial(draw_key(fk, Process.DEATH, a), tot, death_p[a])
            if d > 0:
                out = tenure_out
                split_without_replacement(
                    draw_key(fk, Process.DEATH_SPLIT, a), d, tenure_tmp, out
                )
                for t in range(N_TENURE):
                    members[i, a, t] -= out[t]
                    funeral_due += out[t] * funeral_thb[t]
                flows[i, DIED] += d
                flows[i, DEATHS_ELIGIBLE] += d
            wtot = 0
            for s in range(n_slots):
                slot_sizes[s] = waiting[i, s, a]
                wtot += waiting[i, s, a]
            dw = binomial(draw_key(fk, Process.DEATH, N_AGE + a), wtot, death_p[a])
            if dw > 0:
                split_without_replacement(
                    draw_key(fk, Process.DEATH_SPLIT, N_AGE + a), dw, slot_sizes, slot_tmp
                )
                for s in range(n_slots):
                    waiting[i, s, a] -= slot_tmp[s]
                flows[i, DIED] += dw
        # 3. leaving, by tenure band (long-standing members leave less)
        refund_per_tenure_year = refund_factor * contribution[i] * 12.0
        refund_due = 0.0
        for a in range(N_AGE):
            for t in range(N_TENURE):
                lv = binomial(draw_key(fk, Process.LEAVE, a * N_TENURE + t), members[i, a, t], dropout[i, t])
                if lv > 0:
                    members[i, a, t] -= lv
                    refund_due += lv * refund_per_tenure_year * tenure_years[t]
                    flows[i, LEFT] += lv
            wtot = 0
            for s in range(n_slots):
                slot_sizes[s] = waiting[i, s, a]
                wtot += waiting[i, s, a]
            lw = binomial(draw_key(fk, Process.LEAVE, 64 + a), wtot, dropout[i, 0])
            if lw > 0:
                split_without_replacement(
                    draw_key(fk, Process.LEAVE_SPLIT, N_AGE + a), lw, slot_sizes, slot_tmp
                )
                for s in range(n_slots):
                    waiting[i, s, a] -= slot_tmp[s]
                    months_waited = (slot - s) % n_slots
                    refund_due += slot_tmp[s] * refund_per_tenure_year * months_waited / 12.0
                flows[i, LEFT] += lw
        # 4. claims by eligible members (active funds only)
        birth_due = 0.0
        hospital_due = 0.0
        old_age_due = 0.0
        education_due = 0.0
        disability_due = 0.0
        disaster_due = 0.0
        central_due = 0.0
        newborns = 0
        if is_active:
            lam_birth = 0.0
            lam_hosp = 0.0
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
                lam_hosp += la
                mean_pay = 0.0
                for k in range(k_cat):
                    cat_sizes[k] += la * stay_probs[a, k]
                    mean_pay += stay_probs[a, k] * stay_pay[k]
                weighted_pay += la * mean_pay
                weighted_capped += la * mean_pay * year_cap_factor[a]
            nb = poisson(draw_key(fk, Process.BIRTH, 0), lam_birth)
            birth_due = nb * birth_thb * gen
            newborns = nb
            nh = poisson(draw_key(fk, Process.HOSPITAL, 0), lam_hosp)
            if nh > 0:
                cap_f = weighted_capped / weighted_pay if weighted_pay > 0 else 1.0
                remaining = nh
                rest = lam_hosp
                pay = 0.0
                for k in range(k_cat):
                    if remaining == 0:
                        break
                    if k == k_cat - 1 or rest <= 0:
                        nk = remaining
                    else:
                        nk = binomial(
                            draw_key(fk, Process.HOSPITAL, 1 + k),
                            remaining, min(1.0, cat_sizes[k] / rest),
                        )
                    pay += nk * stay_pay[k]
                    remaining -= nk
                    rest -= cat_sizes[k]
                hospital_due = pay * cap_f * gen
            old_age_due = elig_old * old_age_monthly * gen
            ne = poisson(draw_key(fk, Process.EDUCATION, 0), elig_young * education_rate)
            education_due = ne * education_thb * gen
            nd = poisson(draw_key(fk, Process.DISABILITY, 0), elig_total * disability_rate)
            disability_due = nd * disability_thb * gen
            nz = poisson(draw_key(fk, Process.DISASTER, 0), elig_total * disaster_rate)
            disaster_due = nz * disaster_thb * gen
            funeral_due *= gen
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
                central_due = helped * central_monthly
                flows[i, NON_MEMBERS_HELPED] = helped
        else:
            funeral_due = 0.0
        # 5. joining (active funds only): members' newborns first, then from the non-members
        joins = 0
        if is_active:
            if newborns > 0 and newborn_enrolment > 0.0:
                m0 = 0
                for t in range(N_TENURE):
                    m0 += members[i, 0, t]
                for s in range(n_slots):
                    m0 += waiting[i, s, 0]
                kids = min(binomial(draw_key(fk, Process.JOIN, 32), newborns, newborn_enrolment),
                           max(population[i, 0] - m0, 0))
                waiting[i, slot, 0] += kids
                joins += kids
            member_total = 0
            pop_total = 0
            for a in range(N_AGE):
                pop_total += population[i, a]
                for t in range(N_TENURE):
                    member_total += members[i, a, t]
                for s in range(n_slots):
                    member_total += waiting[i, s, a]
            if pop_total > 0:
                saturation = max(0.0, 1.0 - (member_total / pop_total) / reach[i]) if reach[i] > 0 else 0.0
            else:
                saturation = 0.0
            if saturation > 0.0 and join_rate[i] > 0.0:
                for a in range(N_AGE):
                    m = 0
                    for t in range(N_TENURE):
                        m += members[i, a, t]
                    for s in range(n_slots):
                        m += waiting[i, s, a]
                    nonmem = population[i, a] - m
                    if nonmem <= 0:
                        continue
                    h = 1.0 - math.exp(-join_rate[i] * join_age_factor[a] * saturation / 12.0)
                    j = binomial(draw_key(fk, Process.JOIN, a), nonmem, h)
                    waiting[i, slot, a] += j
                    joins += j
            flows[i, JOINED] += joins
        # 6. ageing between age bands, then tenure bands (oldest first: nobody moves twice)
        for a in range(N_AGE - 2, -1, -1):
            tot = 0
            for t in range(N_TENURE):
                tenure_tmp[t] = members[i, a, t]
                tot += members[i, a, t]
            mv = binomial(draw_key(fk, Process.AGEING, a), tot, age_move_p[a])
            if mv > 0:
                out = tenure_out
                split_without_replacement(
                    draw_key(fk, Process.AGEING, N_AGE + a), mv, tenure_tmp, out
                )
                for t in range(N_TENURE):
                    members[i, a, t] -= out[t]
                    members[i, a + 1, t] += out[t]
        for t in range(N_TENURE - 2, -1, -1):
            tot = 0
            for a in range(N_AGE):
                age_tmp[a] = members[i, a, t]
                tot += members[i, a, t]
            mv = binomial(draw_key(fk, Process.TENURE, t), tot, tenure_move_p[t])
            if mv > 0:
                out = age_out
                split_without_replacement(
                    draw_key(fk, Process.TENURE, N_TENURE + t), mv, age_tmp, out
                )
                for a in range(N_AGE):
                    members[i, a, t] -= out[a]
                    members[i, a, t + 1] += out[a]
        # 7. money, in satang
        if is_active:
            paying = 0
            for a in range(N_AGE):
                for t in range(N_TENURE):
                    paying += members[i, a, t]
                for s in range(n_slots):
                    paying += waiting[i, s, a]
            contrib = _rnd(paying * contribution[i] * 100.0)
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
            due_birth = _rnd(birth_due * 100.0)
            due_hosp = _rnd(hospital_due * 100.0)
            due_fun = _rnd(funeral_due * 100.0)
            due_old = _rnd(old_age_due * 100.0)
            due_edu = _rnd(education_due * 100.0)
            due_dis = _rnd(disability_due * 100.0)
            due_dst = _rnd(disaster_due * 100.0)
            due_cen = _rnd(central_due * 100.0)
            due = due_birth + due_hosp + due_fun + due_old + due_edu + due_dis + due_dst + due_cen
            if due <= reserves[i]:
                reserves[i] -= due
                flows[i, BIRTH] += due_birth
                flows[i, HOSPITAL] += due_hosp
                flows[i, FUNERAL] += due_fun
                flows[i, OLD_AGE] += due_old
                flows[i, EDUCATION] += due_edu
                flows[i, DISABILITY] += due_dis
                flows[i, DISASTER] += due_dst
                flows[i, CENTRAL_FUND] += due_cen
            else:
                # pays what it can, pro rata, and goes dormant
                have = max(reserves[i], 0)
                frac = have / due
                p_birth = math.floor(due_birth * frac)
                p_hosp = math.floor(due_hosp * frac)
                p_old = math.floor(due_old * frac)
                p_edu = math.floor(due_edu * frac)
                p_dis = math.floor(due_dis * frac)
                p_dst = math.floor(due_dst * frac)
                p_cen = math.floor(due_cen * frac)
                p_fun = have - (p_birth + p_hosp + p_old + p_edu + p_dis + p_dst + p_cen)
                flows[i, BIRTH] += p_birth
                flows[i, HOSPITAL] += p_hosp
                flows[i, FUNERAL] += p_fun
                flows[i, OLD_AGE] += p_old
                flows[i, EDUCATION] += p_edu
                flows[i, DISABILITY] += p_dis
                flows[i, DISASTER] += p_dst
                flows[i, CENTRAL_FUND] += p_cen
                flows[i, CLAIMS_UNPAID] += due - have
                flows[i, INSOLVENCY_EVENTS] += 1
                reserves[i] -= have
                active[i] = False
        else:
            interest = _rnd(max(reserves[i], 0) * interest_monthly)
            reserves[i] += interest
            flows[i, INTEREST] += interest
