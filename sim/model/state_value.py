"""The value of the state a year leaves: person-years protected in the years after it.

MODEL.md section 6 asks the `lp` allocator to maximise the headline of section 7 — people
protected summed over the horizon, discounted by (1 + r)^-(t - t0) — not next year's count.
Development effort changes more than the year's people protected: a committee trained this
year still governs better in three years, a fund founded or revived this year protects its
members for as long as it stays solvent, a fund whose generosity is reined in keeps its
reserves. The allocator sees this through a **value of a fund's state**: the expected
people protected by a sub-district's fund j years after the end of the year, as a linear
function of that fund's state at the end of the year,

    E[protected_i(t + j) | state at end of t]  ~=  sum_f  theta_jf  x_if(t),    j = 1 ... J

with state features x (all in people, so that a fund twice as large is worth twice as much):

- ``protected``: members past the waiting period in an active fund whose reserves cover the
  standard package's next twelve months of claims at least `metrics.protected_ratio` times,
  each weighted by min(generosity, 1) — the people protected now (section 7);
- ``eligible``: the same members and weight, protected or not (an active fund's base);
- ``eligible_x_governance``: times the committee's governance g (trust, matching, dropout
  and generosity all follow g in sections 4-5);
- ``eligible_x_ratio``: times the reserve ratio against the standard package, capped at 3
  (the *strong* line of section 5.6): money in hand that carries a fund through bad years;
- ``dormant_members``: members of a dormant fund (it may be revived);
- ``unfounded_population``: residents of a place with no fund (one may be founded).

The coefficients theta are estimated from the engine itself (`sim.studies.refit_value`,
`welfare-sim refit-value`): runs of the region at the nominal parameters under several
development practices and budgets, every fund-year a row, the fund's people protected j
years later the target, ordinary least squares without intercept, one regression per j.
They are shipped in ``sim/data/state_value.json`` with a manifest beside it (the command,
the model version and the parameter defaults' hash they were fitted at), which the tests
compare with the current code so a fit cannot go stale silently.

The value of the state over a rolling horizon of H years (`policy.lp.horizon_years`) is

    V_H(x) = sum_{j=1}^{H-1} (1 + r)^-j  theta_j . x        (r = `metrics.discount_rate`)

and the allocator's value of a unit's effort is the year's expected people protected
(`development.YearOutlook`) plus V_H of the state the year is expected to leave
(:class:`HorizonOutlook`), both functions of the development strength a place receives, so
every unit's concave curve is in discounted person-years over the horizon — the headline's
own unit. The state value is a value *of the funds*: zone capacity is not a feature (its
future value is the fixed value of funding a zone in the allocator's mixed-integer model,
counted once there; `lp_policy.capacity_values`). The future behind theta is the one the
fitting runs lived: the nominal parameters and the practices they ran, development included;
under other parameters or practices it is an approximation, which `welfare-sim refit-value`
re-estimates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import special

from sim.errors import SimError
from sim.inputs.parameters import ParameterSet
from sim.model.development import YearOutlook
from sim.model.metrics import protection_weight
from sim.model.state import FundState

FEATURES = ("protected", "eligible", "eligible_x_governance", "eligible_x_ratio", "dormant_members",
            "unfounded_population")
RATIO_CAP = 3.0
DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "state_value.json"
MANIFEST_FILE = DATA_FILE.with_name("state_value.manifest.json")


@dataclass(frozen=True)
class StateValue:
    """Fitted coefficients: ``coefficients[j - 1, f]`` people protected j years ahead per unit of
    feature f at the end of a year (FEATURES order)."""

    coefficients: np.ndarray  # (J, F)
    features: tuple[str, ...] = FEATURES
    fit: dict | None = None

    @property
    def max_lead(self) -> int:
        return int(self.coefficients.shape[0])

    def weights(self, horizon_years: int, rate: float) -> np.ndarray:
        """theta of V_H: sum over j = 1 .. H - 1 of (1 + r)^-j theta_j (zeros for H = 1)."""
        lead = int(horizon_years) - 1
        if lead > self.max_lead:
            raise SimError(f"policy.lp.horizon_years = {horizon_years} needs the state value {lead} years ahead, "
                           f"but the shipped fit reaches {self.max_lead} (refit with `welfare-sim refit-value "
                           f"--lead {lead}`)", where="state value")
        if lead <= 0:
            return np.zeros(len(self.features))
        disc = (1.0 + rate) ** -np.arange(1, lead + 1, dtype=float)
        return disc @ self.coefficients[:lead]

    def to_dict(self) -> dict:
        return {"features": list(self.features),
                "coefficients": {f"lead_{j + 1}": dict(zip(self.features, map(float, row), strict=True))
                                 for j, row in enumerate(self.coefficients)},
                "fit": self.fit or {}}

    @classmethod
    def from_dict(cls, data: dict) -> StateValue:
        features = tuple(data["features"])
        if features != FEATURES:
            raise SimError(f"state value file has features {features}, the model expects {FEATURES}",
                           where="state value")
        leads = sorted(data["coefficients"], key=lambda k: int(k.split("_")[1]))
        coef = np.array([[float(data["coefficients"][k][f]) for f in features] for k in leads])
        return cls(coefficients=coef, features=features, fit=data.get("fit"))


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> StateValue:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise SimError(f"cannot read the state value file {path}: {err}", where="state value") from None
    return StateValue.from_dict(data)


def load_state_value(path: str | Path | None = None) -> StateValue:
    """The shipped fit (``sim/data/state_value.json``) or another file."""
    p = Path(path) if path is not None else DATA_FILE
    if not p.exists():
        raise SimError(f"no state value file at {p}: run `welfare-sim refit-value`", where="state value")
    return _load(str(p), p.stat().st_mtime)


def horizon_weights(params: ParameterSet, state_value: StateValue | None = None) -> np.ndarray:
    """theta of V_H for the run's horizon (`policy.lp.horizon_years`) and discount rate."""
    horizon = int(params["policy.lp.horizon_years"])
    if horizon <= 1:
        return np.zeros(len(FEATURES))
    sv = state_value if state_value is not None else load_state_value()
    return sv.weights(horizon, float(params["metrics.discount_rate"]))


# ------------------------------------------------------------------ features of a state
def standard_claims_thb(state: FundState, params: ParameterSet, tables) -> np.ndarray:
    """The next twelve months' benefits at the standard package (the protection yardstick)."""
    from sim.model.yearly import expected_benefits_thb

    return expected_benefits_thb(state, params, tables, 1.0)


def fund_features(state: FundState, params: ParameterSet, tables) -> np.ndarray:
    """(n, F) features of every sub-district at the end of a year, as the engine records it."""
    standard = standard_claims_thb(state, params, tables)
    reserves = state.reserves / 100.0
    weight = np.minimum(state.generosity, 1.0) * state.active
    eligible = state.eligible_members().astype(float) * weight
    ratio = np.clip(reserves / np.maximum(standard, 1.0), 0.0, RATIO_CAP)
    protected = state.eligible_members() * protection_weight(state.active, reserves, standard, state.generosity,
                                                              params["metrics.protected_ratio"])
    dormant = state.founded & ~state.active
    return np.column_stack([
        protected,
        eligible,
        eligible * state.governance,
        eligible * ratio,
        state.total_members() * dormant,
        state.population.sum(axis=1) * ~state.founded,
    ]).astype(float)


def people_protected(state: FundState, params: ParameterSet, tables) -> np.ndarray:
    """People protected per sub-district (the engine's summary, fund by fund)."""
    return fund_features(state, params, tables)[:, 0]


# ------------------------------------------------------------ the outlook over the horizon
class HorizonOutlook(YearOutlook):
    """`YearOutlook` whose value is person-years over the rolling horizon, not one year's count.

    ``protected(strength)`` returns, per sub-district, the expected people protected at the end
    of the year plus V_H of the state the year is expected to leave there, both as functions of
    the development strength: for an active fund its projected eligible members, protection
    probability, governance and reserve ratio; for a dormant fund the chance of revival times
    V_H(revived) - V_H(dormant); for a place without a fund the chance of founding times
    V_H(new fund) - V_H(no fund). The value per baht of reserves (the matching pot's
    externality) carries the same horizon.
    """

    def __init__(self, state: FundState, params: ParameterSet, tables, reference=0.0, *,
                 weights: np.ndarray | None = None):
        self.theta = np.asarray(horizon_weights(params) if weights is None else weights, float)
        super().__init__(state, params, tables, reference)

    def _year(self, rows, **kw):
        base, per_baht = self._one_year(rows, **kw)
        th = self.theta
        if not th.any() or len(rows) == 0:
            return base, per_baht
        d = self._last
        eligible, ratio, sd = d["eligible_end"], d["ratio"], d["sd"]
        z = (ratio - self.p["metrics.protected_ratio"]) / sd
        value = (th[0] * eligible * special.ndtr(z) + th[1] * eligible + th[2] * eligible * kw["g1"]
                 + th[3] * eligible * np.clip(ratio, 0.0, RATIO_CAP))
        per_baht = per_baht * (1.0 + th[0]) + th[3] * eligible * ((ratio > 0) & (ratio < RATIO_CAP)) / d["next_year"]
        if not kw["existing"]:  # a fund founded: less the value of the place without one
            value = value - th[5] * self.pop_total[rows]
        elif not self.state.active[rows].any():  # dormant funds revived: less their value dormant
            value = value - th[4] * self.members[rows]
        return base + value, per_baht

    def _one_year(self, rows, **kw):
        """The one-year projection, keeping its details (eligible, ratio, spread, claims)."""
        keep, self.record = self.record, True
        try:
            base, per_baht = super()._year(rows, **kw)
            self._last = dict(self.detail)
        finally:
            self.record = keep
        return base, per_baht


def outlook(state: FundState, params: ParameterSet, tables, reference=0.0) -> YearOutlook:
    """The outlook the allocator reads: over the horizon (`policy.lp.horizon_years` > 1) or one year."""
    if int(params["policy.lp.horizon_years"]) <= 1:
        return YearOutlook(state, params, tables, reference)
    return HorizonOutlook(state, params, tables, reference)
