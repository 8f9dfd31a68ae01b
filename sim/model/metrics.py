"""Summary metrics of a run year, and the one headline every command uses (MODEL.md section 7).

The headline is **person-years protected**: people protected summed over the horizon's
years, each year discounted by (1 + r)^-(t - t0) (r = `metrics.discount_rate`, t0 the first
simulated year). A single year's snapshot flips sign with the horizon (zone capacity pays
late), so every comparison also reports the difference against the horizon, the year the
yearly difference turns positive and the payback year of the cumulative difference
(:mod:`sim.experiments.compare`). The summary's ``person_years_protected`` in year t is the
discounted sum from t0 through t, so the row of any year is the headline with that horizon.

**People protected** (one year): members past the waiting period in active funds whose
reserve ratio against the *standard* benefit package is at least `metrics.protected_ratio`
(its own parameter, not a status threshold); a member of a fund paying a fraction g < 1 of
the standard package counts g, so cutting benefits does not count as protection.
"""

from __future__ import annotations

import numpy as np

HEADLINE = "person_years_protected"
"""The summary column every command compares (compare, answer, sweeps, notebooks, allocator)."""

SUMMARY_COLUMNS = (
    HEADLINE, "people_protected", "members", "members_eligible", "population", "coverage", "funds_founded",
    "funds_active", "funds_strong", "funds_normal", "funds_weak", "funds_dormant", "funds_new",
    "funds_revived", "insolvency_events", "median_reserve_ratio", "non_members_helped",
    "reserves_thb", "benefits_paid_thb", "contributions_thb", "dev_budget_thb", "dev_overhead_thb",
    "dev_effort_thb", "matching_thb", "coverage_gini_province", "coverage_theil_province",
    "coverage_gini_zone", "alloc_per_capita_max_min", "survival_5y_new_funds",
)


def gini(values: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Gini coefficient of `values` (optionally population-weighted)."""
    x = np.asarray(values, float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, float)
    keep = w > 0
    x, w = x[keep], w[keep]
    if x.size == 0 or np.sum(w * x) <= 0:
        return 0.0
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cw = np.cumsum(w)
    cxw = np.cumsum(x * w)
    area = np.sum(w * (cxw - x * w / 2)) / (cw[-1] * cxw[-1])
    return float(1 - 2 * area)


def theil(values: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Theil T index of `values` (optionally population-weighted)."""
    x = np.asarray(values, float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, float)
    keep = w > 0
    x, w = x[keep], w[keep]
    mean = np.sum(w * x) / np.sum(w) if w.sum() > 0 else 0.0
    if mean <= 0:
        return 0.0
    r = x / mean
    terms = np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)
    return float(np.sum(w * terms) / np.sum(w))


def coverage_by_group(members: np.ndarray, population: np.ndarray, index: np.ndarray, n_groups: int):
    m = np.bincount(index, weights=members, minlength=n_groups)
    p = np.bincount(index, weights=population, minlength=n_groups)
    return np.where(p > 0, m / np.maximum(p, 1), 0.0), p


def survival_5y(founded_year: np.ndarray, active: np.ndarray, start_year: int, year: int) -> float:
    """Share of funds founded during the run at least 5 years ago that are still active."""
    cohort = (founded_year >= start_year) & (founded_year <= year - 5)
    if not cohort.any():
        return float("nan")
    return float(active[cohort].mean())


def discount_factor(year, start_year: int, rate: float):
    """(1 + r)^-(t - t0): the weight of year t's people protected in the headline."""
    return (1.0 + rate) ** -(np.asarray(year, float) - start_year)


def protection_weight(active: np.ndarray, reserves_thb: np.ndarray, standard_benefits_thb: np.ndarray,
                      generosity: np.ndarray, protected_ratio: float) -> np.ndarray:
    """Per fund: the weight with which each eligible member counts as protected.

    0 unless the fund is active and its reserves cover `protected_ratio` years of the
    standard package's expected claims; then min(generosity, 1).
    """
    ratio = reserves_thb / np.maximum(standard_benefits_thb, 1.0)
    return np.where(active & (ratio >= protected_ratio), np.minimum(generosity, 1.0), 0.0)


def person_years(people_protected, years, start_year: int, rate: float) -> np.ndarray:
    """The headline with every horizon: the discounted cumulative sum of people protected."""
    people = np.asarray(people_protected, float)
    return np.cumsum(people * discount_factor(years, start_year, rate))
