"""A registry's statuses taken at their word: the hidden state set so the status rule agrees.

The engine classifies the starting state with the yearly status rule (`yearly.end_year`). For
a fund whose registry row gives a status, the parts of its state the registry leaves out —
last year's members, years of falling members and of low reserves, benefit generosity — are
set here, before that classification, so the rule reproduces the listed status from the
listed members and reserves (which are never changed):

- **strong**: at least ``status.strong_ratio`` years of benefits held and members not falling.
  Its governance is already drawn at or above ``status.strong_governance``
  (`state.synthetic_state`); if its reserves hold fewer years of benefits at its drawn
  generosity, its generosity is lowered until they hold exactly that many (a strong fund's
  benefits are no more generous than its money carries);
- **normal**: at least ``status.weak_ratio`` years (generosity lowered likewise if needed) and
  not falling two years running. A normal fund whose money would make it strong is already
  drawn governed below ``status.strong_governance`` (`state.synthetic_state`); where that
  estimate missed, its members fell this year (a first year of falling) instead;
- **weak**: short of money (below ``status.weak_ratio``) as listed, or, if its money is ample,
  members that fell by more than ``status.falling_threshold`` this year and the year before;
- **dormant**: not active (`state.synthetic_state`); the rule never wakes a dormant fund, only
  revival does, during the year.

A listed strong or normal fund whose reserves fall short of the rule's line even at the
generosity floor (``benefits.generosity_floor``) cannot be reproduced: the rule calls it weak
(or dormant) from the start. It is reported in a note, never silently relabelled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.inputs.parameters import ParameterSet
from sim.model.benefits import BenefitTables
from sim.model.state import DORMANT, NORMAL, STATUS_NAMES, STRONG, WEAK, FundState
from sim.model.yearly import end_year, expected_benefits_thb

LISTED = {"strong": STRONG, "normal": NORMAL, "weak": WEAK, "dormant": DORMANT}
_MARGIN = 1e-9  # relative: a ratio set to a threshold lands safely on its side in floating point


def generosity_floor(params: ParameterSet) -> float:
    """The lowest benefit generosity (``benefits.generosity_floor``; 0.3, the engine's floor
    before it was a parameter)."""
    return float(params["benefits.generosity_floor"]) if "benefits.generosity_floor" in params.definitions else 0.3


def _benefits_at(state: FundState, params: ParameterSet, tables: BenefitTables, level: float) -> np.ndarray:
    """Each fund's expected benefits of the next 12 months (THB), the rule's own, at `level`."""
    drawn = state.generosity
    try:
        state.generosity = np.full(state.n, float(level))
        return expected_benefits_thb(state, params, tables)
    finally:
        state.generosity = drawn


def listed_statuses(state: FundState, registry: pd.DataFrame | None) -> np.ndarray:
    """Each sub-district's listed status code (0 where none is listed), in state order."""
    out = np.zeros(state.n, np.int8)
    if registry is None or registry["status"].isna().all():
        return out
    by_code = registry.set_index("subdistrict_code")["status"]
    listed = pd.Series(state.codes.astype(str)).map(by_code).map(LISTED)
    return np.where(state.founded, listed.fillna(0).to_numpy(), 0).astype(np.int8)


def take_listed_statuses(state: FundState, params: ParameterSet, tables: BenefitTables,
                         registry: pd.DataFrame | None) -> list[str]:
    """Set the hidden state of listed funds (module docstring); return notes (one line each).

    Call on the starting state before the engine's first classification (`end_year`); checks
    that the rule then gives every reproducible listed status, on a copy.
    """
    listed = listed_statuses(state, registry)
    if not listed.any():
        return []
    weak_ratio, strong_ratio = params["status.weak_ratio"], params["status.strong_ratio"]
    threshold = params["status.falling_threshold"]
    floor = generosity_floor(params)

    reserves = state.reserves / 100.0
    central = _benefits_at(state, params, tables, 0.0)  # the part no generosity changes (central fund)
    per_level = _benefits_at(state, params, tables, 1.0) - central
    members = state.total_members()
    fallen_from = np.floor(members / (1.0 - threshold)).astype(np.int64) + 1  # falling this year

    def cap_generosity(rows: np.ndarray, ratio: float) -> np.ndarray:
        """Lower generosity of `rows` so reserves hold `ratio` years; return rows that cannot."""
        with np.errstate(divide="ignore", invalid="ignore"):
            most = (reserves / ratio * (1 - _MARGIN) - central) / per_level
        most = np.where(per_level > 0, most, np.inf)
        need = rows & (state.generosity > most)
        state.generosity = np.where(need & (most >= floor), most, state.generosity)
        return need & (most < floor)

    strong = listed == STRONG
    normal = listed == NORMAL
    weak = listed == WEAK
    short = cap_generosity(strong, strong_ratio) | cap_generosity(normal, weak_ratio)

    # strong: members not falling; no years of falling or of low money behind it
    state.members_last_year = np.where(strong, np.minimum(state.members_last_year, members),
                                       state.members_last_year)
    # normal: never two years of falling; rich and well governed -> falling this year only
    ratio = reserves / np.maximum(expected_benefits_thb(state, params, tables), 1.0)
    would_be_strong = (normal & (ratio >= strong_ratio)
                       & (state.governance >= params["status.strong_governance"]))
    state.members_last_year = np.where(would_be_strong, np.maximum(state.members_last_year, fallen_from),
                                       state.members_last_year)
    # weak with ample money: members fell this year and the year before
    falling_weak = weak & (ratio >= weak_ratio)
    state.members_last_year = np.where(falling_weak, np.maximum(state.members_last_year, fallen_from),
                                       state.members_last_year)
    state.falling_years = np.where(strong | normal, 0, np.where(falling_weak, 1, state.falling_years))
    # listed active funds have not been short of money for a year already (else the rule makes
    # them dormant); dormant ones count a year if their money is short
    state.low_ratio_years = np.where(listed == DORMANT, (ratio < params["status.dormant_ratio"]).astype(np.int64),
                                     np.where(listed > 0, 0, state.low_ratio_years)).astype(np.int64)

    state.status = np.where(listed > 0, listed, state.status).astype(np.int8)  # the start as listed

    notes = []
    check = state.copy()
    end_year(check, params, tables, check.contributions_last_year)
    differ = (listed > 0) & (check.status != listed)
    if differ.any():
        codes = state.codes[differ]
        told = [f"{c} listed {STATUS_NAMES[a]}, rule {STATUS_NAMES[b]}"
                for c, a, b in zip(codes, listed[differ], check.status[differ], strict=True)]
        why = (" (reserves below the rule's line even at benefits.generosity_floor)"
               if (differ <= short).all() else "")
        notes.append(f"{int(differ.sum())} registry fund(s) start with the status the rule gives, not the "
                     f"listed one{why}: {', '.join(told[:5])}" + (f", … ({len(told)} in all)" if len(told) > 5 else ""))
    return notes
