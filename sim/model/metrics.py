"""Summary metrics of a run year (MODEL.md section 7).

The headline is **people protected**: members past the waiting period in active funds whose
reserve ratio is at least the weak threshold (one year of expected benefits).
"""

from __future__ import annotations

import numpy as np

SUMMARY_COLUMNS = (
    "people_protected", "members", "members_eligible", "population", "coverage", "funds_founded",
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
