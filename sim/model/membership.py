"""Who a fund can reach and who stays: trust, reach and dropout (MODEL.md section 4.2-4.3).

A fund earns trust by being well run and by paying every claim, year after year:

    trust = clip((governance - untrusted_governance) / (trusted_governance - untrusted_governance), 0, 1)
            x (1 - exp(-reliable_years / membership.trust_years))

where ``reliable_years`` counts the years since the fund was founded or revived in which it
stayed active (a fund that could not pay a claim, or went dormant, starts again from zero).

- **Reach**: the share of its place's residents a fund can reach, rising from
  ``membership.reach_new`` to nearly everyone (``membership.reach_max``) with trust. Joining
  saturates as coverage approaches it (replacing one coverage ceiling for every fund).
- **Dropout** (lapse and resignation) is higher where governance is weak, much higher in
  dormant funds, falls with trust (``membership.dropout_trust_cut``) and with each member's
  years of membership: it halves every ``membership.dropout_tenure_halving_years`` (a leaver
  forfeits the funeral benefit that grows with tenure). Members in the waiting period leave
  at the rate of the first tenure band.

The functions take arrays (or a state with ``governance``, ``reliable_years``, ``founded``
and ``active``) so that the state, the yearly rules and the one-year outlook share them.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from sim.inputs.parameters import ParameterSet


def trust(governance: np.ndarray, reliable_years: np.ndarray, params: ParameterSet) -> np.ndarray:
    """Trust in [0, 1): how well the fund is run (none at membership.untrusted_governance, full at
    membership.trusted_governance) times the maturity of its record of reliable payouts."""
    years = np.maximum(np.asarray(reliable_years, float), 0.0)
    low, full = params["membership.untrusted_governance"], params["membership.trusted_governance"]
    span = max(full - low, 1e-9)
    run_well = np.clip((np.asarray(governance, float) - low) / span, 0.0, 1.0)
    return run_well * (1.0 - np.exp(-years / params["membership.trust_years"]))


def reach(governance: np.ndarray, reliable_years: np.ndarray, params: ParameterSet) -> np.ndarray:
    """Share of residents the fund can reach: reach_new rising to reach_max with trust."""
    new, most = params["membership.reach_new"], params["membership.reach_max"]
    return new + (most - new) * trust(governance, reliable_years, params)


def tenure_factor(params: ParameterSet) -> np.ndarray:
    """Dropout by tenure band relative to the first band: halves every `halving` years."""
    years = np.asarray(params["benefits.funeral.tenure_years_by_band"], float)
    return 0.5 ** (np.maximum(years - years[0], 0.0) / params["membership.dropout_tenure_halving_years"])


def dropout_yearly(governance: np.ndarray, reliable_years: np.ndarray, founded: np.ndarray, active: np.ndarray,
                   params: ParameterSet) -> np.ndarray:
    """Yearly dropout probability per fund and tenure band, (n, tenure)."""
    g = np.asarray(governance, float)
    base = params["membership.dropout_rate"] * (1 + params["membership.dropout_weak_factor"] * (1 - g))
    base = base * (1 - params["membership.dropout_trust_cut"] * trust(g, reliable_years, params))
    base = np.where(np.asarray(founded, bool) & ~np.asarray(active, bool),
                    base * params["membership.dropout_dormant_factor"], base)
    return np.clip(base[:, None] * tenure_factor(params)[None, :], 0.0, 0.99)


def monthly(yearly: np.ndarray) -> np.ndarray:
    """A yearly probability as the monthly one that compounds to it."""
    return 1.0 - (1.0 - np.asarray(yearly, float)) ** (1.0 / 12.0)


def dropout_monthly(state, params: ParameterSet) -> np.ndarray:
    """Monthly dropout probability per fund and tenure band, (n, tenure), for the monthly step."""
    return monthly(dropout_yearly(state.governance, state.reliable_years, state.founded, state.active, params))


def reach_of(state, params: ParameterSet) -> np.ndarray:
    """Each fund's reach today (share of its residents), for the monthly step."""
    return reach(state.governance, state.reliable_years, params)


def equilibrium_coverage(join_hazard: np.ndarray, reach_share: np.ndarray, leave_yearly: np.ndarray,
                         params: ParameterSet) -> np.ndarray:
    """Coverage (members / residents) at which a fund's expected joins balance its expected
    losses, the yearly rules in one line (age factors and rates averaged over the usual mixes):

        join_hazard x F x (1 - c / reach) x (1 - c) = (leave + deaths - newborns) x c

    with F the population-weighted join age factor, deaths and enrolled newborns per member at
    the members' age mix (start.member_age_share). The smaller root of the quadratic; 0 where
    nobody joins. The synthetic start holds no fund above it (`sim.model.state`), so a fund
    does not start out shrinking for years because it was drawn larger than its place keeps.
    """
    pop_share = np.asarray(params["population.age_share"], float)
    pop_share = pop_share / pop_share.sum()
    members = np.asarray(params["start.member_age_share"], float)
    members = members / members.sum()
    factor = float(pop_share @ np.asarray(params["membership.join_age_factor"], float))
    death = np.asarray(params["demography.death_rate_per_1000"], float) * params["demography.death_rate_multiplier"] / 1000
    births = np.asarray(params["demography.birth_rate_per_1000"], float) / 1000 * params["membership.newborn_enrolment"]
    k = np.maximum(np.asarray(leave_yearly, float) + members @ death - members @ births, 1e-9)
    r = np.asarray(join_hazard, float) * factor
    big = np.maximum(np.asarray(reach_share, float), 1e-9)
    a = r / big
    b = r * (1 + 1 / big) + k
    disc = np.maximum(b * b - 4 * a * r, 0.0)
    root = np.where(a > 0, (b - np.sqrt(disc)) / np.where(a > 0, 2 * a, 1.0), 0.0)
    return np.clip(root, 0.0, big)


def founding_members(pop_total: np.ndarray, u: np.ndarray, params: ParameterSet) -> np.ndarray:
    """Founding members of new funds from one uniform per place: a lognormal share of the
    residents (founding.member_share_median, _sigma), at least start.min_members and at most
    start.max_coverage of the residents (and never more than the residents)."""
    pop = np.asarray(pop_total, float)
    share = params["founding.member_share_median"] * np.exp(params["founding.member_share_sigma"] * special.ndtri(u))
    return _founders(share, pop, params)


def _founders(share: np.ndarray, pop: np.ndarray, params: ParameterSet) -> np.ndarray:
    cap = np.floor(params["start.max_coverage"] * pop)
    size = np.minimum(np.maximum(np.rint(share * pop), float(params["start.min_members"])), cap)
    return np.minimum(size, pop).astype(np.int64)


QUADRATURE = (np.arange(32) + 0.5) / 32


def expected_founding_members(pop_total: np.ndarray, params: ParameterSet) -> np.ndarray:
    """The mean of :func:`founding_members` over the founding share's distribution (quantile
    midpoints), per place: what the one-year outlook expects a new fund to start with."""
    pop = np.asarray(pop_total, float)
    share = params["founding.member_share_median"] * np.exp(params["founding.member_share_sigma"] * special.ndtri(QUADRATURE))
    return _founders(share[None, :], pop[:, None], params).mean(axis=1)


def record_reliable_year(state) -> None:
    """After a year: a fund active at its end paid every claim, so its record grows by a year;
    any other (dormant, or without a fund) has none."""
    state.reliable_years = np.where(state.founded & state.active, state.reliable_years + 1, 0).astype(np.int64)
