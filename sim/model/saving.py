"""What members save: each fund's contribution schedule and its compliance (MODEL.md 3-4).

Funds differ in what they ask. Most ask the standard baht a day (365 baht a year, or 30 baht
a month [S1] [S8] [S17]); a share ``contribution.low_schedule_share`` asks less — a lower
monthly or yearly sum, drawn uniformly between ``contribution.low_schedule_min_thb_per_year``
and ``..._max_thb_per_year`` (assumed). A registry may give each fund's schedule as an amount
and how often it is paid (:func:`thb_per_year`).

Not every member pays on time. Compliance — the share of members who do — is a state of each
fund that governance moves: each year it closes ``contribution.compliance_adjust`` of the gap to
``compliance_at_zero_governance + (at_full - at_zero) x governance``. What a fund really collects
is members x schedule x compliance; the matching grant (members' real contributions x the
ratio, capped per member), the status rule (through the reserves) and the money flows all see
that, so a fund that saves too little for the benefits it promises drains like one that
promises too much.
"""

from __future__ import annotations

import numpy as np

from sim.inputs.parameters import ParameterSet
from sim.world.registry import PAYMENTS_PER_YEAR  # how often a schedule's amount is paid


def thb_per_year(amount_thb, frequency) -> np.ndarray:
    """A schedule as THB per member-year: `amount_thb` paid every `frequency` (day, week,
    month or year): 1 baht a day is 365, 30 baht a month 360."""
    freq = np.asarray(frequency, dtype=object)
    per = np.array([PAYMENTS_PER_YEAR[str(f).strip().lower()] for f in freq.ravel()], float).reshape(freq.shape)
    return np.asarray(amount_thb, float) * per


def draw_schedule(u_low: np.ndarray, u_amount: np.ndarray, params: ParameterSet) -> np.ndarray:
    """Each fund's schedule (THB per member-year) from two uniforms per fund."""
    standard = float(params["contribution.member_thb_per_year"])
    lo, hi = _low_range(params)
    low = np.asarray(u_low) < params["contribution.low_schedule_share"]
    return np.where(low, lo + (hi - lo) * np.asarray(u_amount), standard)


def expected_schedule(params: ParameterSet) -> float:
    """The mean schedule of a newly founded fund (THB per member-year)."""
    share = params["contribution.low_schedule_share"]
    lo, hi = _low_range(params)
    return float((1 - share) * params["contribution.member_thb_per_year"] + share * (lo + hi) / 2)


def _low_range(params: ParameterSet) -> tuple[float, float]:
    """The lower schedules' range (either end may be given first)."""
    a = float(params["contribution.low_schedule_min_thb_per_year"])
    b = float(params["contribution.low_schedule_max_thb_per_year"])
    return min(a, b), max(a, b)


def compliance_target(governance: np.ndarray, params: ParameterSet) -> np.ndarray:
    """The compliance a fund's members settle at under its governance."""
    zero = params["contribution.compliance_at_zero_governance"]
    full = params["contribution.compliance_at_full_governance"]
    return zero + (full - zero) * np.clip(np.asarray(governance, float), 0.0, 1.0)


def next_compliance(compliance: np.ndarray, governance: np.ndarray, params: ParameterSet) -> np.ndarray:
    """One year on: compliance closes `compliance_adjust` of the gap to its target."""
    c = np.asarray(compliance, float)
    return np.clip(c + params["contribution.compliance_adjust"] * (compliance_target(governance, params) - c), 0.0, 1.0)


def paid_per_member_year(state) -> np.ndarray:
    """THB a member really pays in a year: the fund's schedule times its compliance."""
    return state.contribution_thb * state.compliance


def paid_per_member_month(state) -> np.ndarray:
    """The same per month, for the monthly step (THB)."""
    return paid_per_member_year(state) / 12.0
