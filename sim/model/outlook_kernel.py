"""The one-year projection of funds, compiled (the inner loop of `development.YearOutlook`).

`YearOutlook._year` projects each fund one year ahead — members joining month by month towards
its reach, leaving and dying, claims as today's members age, money in and out — and returns the
expected people protected at the year's end and what one more baht of reserves adds. The LP's
curves ask for it about a thousand times a year (every unit, breakpoint and year of the horizon),
so it runs here as one compiled loop per fund instead of some forty numpy passes over
(funds x months x ages) arrays: the same arithmetic, term by term, in the same order per fund
(results agree with the numpy version to rounding, `tests/test_outlook_kernel.py`), about ten
times faster (`benchmarks/engine.py`).

All arrays are indexed by the full sub-district index; `rows` says which funds to project.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

SQRT_2PI = math.sqrt(2.0 * math.pi)


@njit(cache=True)
def project_year(rows, elig_age, wait_age, founders, nonmem, q, q_new, rate_sat, death, age_f, wait_months,
                 newborn_per_member, paid, other_income_ratio, entrance_fee, reserves0, interest,
                 existing, claims_path, var_path, claims_end, central, gen, claims_new, var_new,
                 admin, protected_ratio):
    """Per fund k (row rows[k]; per-fund arguments are already restricted to `rows`, the
    (sub-district, ...) tables `claims_path`, `var_path`, `claims_end`, `central` are not):
    (protected, per_baht, ratio, sd, reserves_end, next_year, claims, income, eligible_end)."""
    n = rows.shape[0]
    n_age = death.shape[0]
    out = np.empty((9, n))
    stay = np.empty(n_age)
    h = np.empty(n_age)
    left = np.empty(n_age)
    j = np.empty(n_age)
    new_claim_years = np.empty(n_age)
    joined_elig = np.empty(n_age)
    joined_wait = np.empty(n_age)
    stay_year = np.empty(n_age)
    power = np.empty((13, n_age))  # power[e, a] = stay[a] ** e, by repeated products
    power_new = np.empty((13, n_age))  # the same for joiners, founders and waiting members (first band)
    survive = np.empty(n_age)  # a month's survival of death by age band, the same for every fund
    for a in range(n_age):
        survive[a] = math.exp(-death[a] / 12.0)
    for k in range(n):
        r = rows[k]
        keep = (1.0 - q[k]) ** (1.0 / 12.0)
        keep_new = (1.0 - q_new[k]) ** (1.0 / 12.0)
        newborns = 0.0
        for a in range(n_age):
            stay[a] = survive[a] * keep
            h[a] = 1.0 - math.exp(-rate_sat[k] * age_f[a] / 12.0)
            new_claim_years[a] = (wait_age[k, a] * (12.0 - (wait_months - 1) / 2.0) / 12.0
                                  + founders[k, a] * max(12 - wait_months, 0) / 12.0)
            left[a] = nonmem[k, a]
            joined_elig[a] = 0.0
            joined_wait[a] = 0.0
            newborns += elig_age[k, a] * newborn_per_member[a]
            power[0, a] = 1.0
            power_new[0, a] = 1.0
            stay_new = survive[a] * keep_new
            for e in range(1, 13):
                power[e, a] = power[e - 1, a] * stay[a]
                power_new[e, a] = power_new[e - 1, a] * stay_new
        for m in range(12):
            for a in range(n_age):
                j[a] = left[a] * h[a]
            j[0] += min(newborns, max(left[0] - j[0], 0.0))
            for a in range(n_age):
                left[a] -= j[a]
                alive = j[a] * power_new[11 - m, a]
                if m + wait_months <= 11:
                    joined_elig[a] += alive
                    new_claim_years[a] += j[a] * (12 - m - wait_months) / 12.0
                else:
                    joined_wait[a] += alive
        size0 = 0.0
        elig_end_total = 0.0
        members_end_total = 0.0
        joins = 0.0
        new_claims = 0.0
        new_var = 0.0
        next_new = 0.0
        for a in range(n_age):
            stay_year[a] = power[12, a]
            elig_end = (elig_age[k, a] * stay_year[a] + wait_age[k, a] * power_new[12, a]
                        + founders[k, a] * power_new[11, a] + joined_elig[a])
            members_end = elig_end + joined_wait[a]
            size0 += elig_age[k, a] + wait_age[k, a] + founders[k, a]
            elig_end_total += elig_end
            members_end_total += members_end
            joins += nonmem[k, a] - left[a]
            new_claims += new_claim_years[a] * claims_new[a]
            new_var += new_claim_years[a] * var_new[a]
            next_new += (members_end - elig_age[k, a] * stay_year[a]) * claims_new[a]
        member_years = 0.5 * (size0 + members_end_total)
        income = (member_years * paid[k] * (1.0 + other_income_ratio) + joins * entrance_fee
                  + max(reserves0[k], 0.0) * interest)
        old_claims = 0.0
        old_var = 0.0
        old_next = 0.0
        if existing:  # today's eligible members: claims month by month as they age, die and leave
            for m in range(12):
                for a in range(n_age):
                    alive = power[m, a]
                    old_claims += claims_path[r, m, a] * alive
                    old_var += var_path[r, m, a] * alive
            old_claims /= 12.0
            old_var /= 12.0
            for a in range(n_age):
                old_next += claims_end[r, a] * stay_year[a]
        claims = gen[k] * (old_claims + new_claims) + central[r]
        var = gen[k] ** 2 * (old_var + new_var)
        reserves_end = reserves0[k] + income * (1.0 - admin) - claims
        next_year = max(old_next + next_new + central[r], 1.0)
        ratio = reserves_end / next_year
        sd = max(math.sqrt(var) / next_year, 1e-6)
        z = (ratio - protected_ratio) / sd
        eligible = elig_end_total * min(gen[k], 1.0)
        out[0, k] = eligible * 0.5 * math.erfc(-z / math.sqrt(2.0))
        out[1, k] = eligible * math.exp(-0.5 * z * z) / (SQRT_2PI * sd * next_year)
        out[2, k] = ratio
        out[3, k] = sd
        out[4, k] = reserves_end
        out[5, k] = next_year
        out[6, k] = claims
        out[7, k] = income
        out[8, k] = eligible
    return out


@njit(cache=True)
def tenure_dropout(mixes, rows, q_t):
    """Per fund k: the year's dropout averaged over its eligible members' tenure mix month by
    month, sum over months m of (mix_m . q_t[k]) / max(sum of mix_m, 1e-300), divided by the
    number of months (`mixes`: (months, sub-districts, tenure bands), read at rows[k]). The
    same products and sums in the same order as the numpy statement (`mix[rows] * q_t` summed
    over bands, month by month; `tests/test_outlook_kernel.py`), without gathering every month's
    mix for every row."""
    n_months, _, n_bands = mixes.shape
    out = np.zeros(rows.shape[0])
    for k in range(rows.shape[0]):
        r = rows[k]
        q = 0.0
        for m in range(n_months):
            num = 0.0
            den = 0.0
            for b in range(n_bands):
                num += mixes[m, r, b] * q_t[k, b]
                den += mixes[m, r, b]
            q += num / max(den, 1e-300)
        out[k] = q
    return out
