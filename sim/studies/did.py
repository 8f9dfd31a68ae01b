"""The 2022 → 2024 difference-in-differences between pilot zones and the rest.

CODI piloted zones in 2022 and funded every zone from 2023 [S0]. Its own monitoring could
compare sub-districts in pilot zones with the others, before (start of 2022) and after (end
of 2024). The simulation produces the same figure from its fund records, so that a future
monitoring result can be set against what the model expects:

    DiD = (pilot_after − pilot_before) − (rest_after − rest_before)

per outcome, averaged over replicates with a t-interval. A placebo — the same comparison
under the province-only practice, where pilot zones get nothing special — shows how much of
the difference is selection (pilot zones are the provincial capitals' zones) rather than
the zone money.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

OUTCOMES = {
    "coverage": "members / population (share)",
    "members_per_subdistrict": "members per sub-district",
    "share_funds_protecting": "share of sub-districts with an active fund holding a year of benefits",
    "governance": "mean fund governance (0-1)",
    "share_weak_or_dormant": "share of funds weak or dormant",
}


END = {"members": "members_end", "population": "population", "status": "status", "reserve_ratio": "reserve_ratio",
       "governance": "governance"}
START = {"members": "members_start", "population": "population_start", "status": "status_start",
         "reserve_ratio": "reserve_ratio_start", "governance": "governance_start"}


def _outcomes(frame: pd.DataFrame, columns: dict[str, str] = END) -> pd.Series:
    """The outcomes of a set of fund-year rows, read at the year's end (END) or start (START)."""
    status = frame[columns["status"]]
    founded = (status != "none").to_numpy()
    pop = frame[columns["population"]].to_numpy(float)
    members = frame[columns["members"]].to_numpy(float)
    ratio = frame[columns["reserve_ratio"]].to_numpy(float)
    protecting = founded & ~status.isin(["dormant", "none"]).to_numpy() & (ratio >= 1.0)
    funds = max(int(founded.sum()), 1)
    governance = frame[columns["governance"]].to_numpy(float)
    return pd.Series({
        "coverage": members.sum() / max(pop.sum(), 1),
        "members_per_subdistrict": members.mean(),
        "share_funds_protecting": protecting.mean(),
        "governance": float(governance[founded].mean()) if founded.any() else np.nan,
        "share_weak_or_dormant": float(status[founded].isin(["weak", "dormant"]).sum() / funds),
    })


def did_table(fund_years: pd.DataFrame, pilot_zone_ids, *, before_year: int, after_year: int) -> pd.DataFrame:
    """Per replicate and outcome: pilot and rest, before and after, and the DiD."""
    pilot = fund_years["zone_id"].isin(set(pilot_zone_ids))
    rows = []
    for rep, frame in fund_years.groupby("replicate"):
        p = pilot.loc[frame.index]
        before = frame[frame["year"] == before_year]
        after = frame[frame["year"] == after_year]
        pb = _outcomes_before(before[p.loc[before.index]])
        rb = _outcomes_before(before[~p.loc[before.index]])
        pa = _outcomes(after[p.loc[after.index]])
        ra = _outcomes(after[~p.loc[after.index]])
        for outcome in OUTCOMES:
            rows.append({"replicate": rep, "outcome": outcome, "pilot_before": pb[outcome], "pilot_after": pa[outcome],
                         "rest_before": rb[outcome], "rest_after": ra[outcome],
                         "did": (pa[outcome] - pb[outcome]) - (ra[outcome] - rb[outcome])})
    return pd.DataFrame(rows)


def _outcomes_before(frame: pd.DataFrame) -> pd.Series:
    """The state before `before_year`'s effects: the start-of-year columns of its rows (members,
    population, status, reserve ratio and governance as the year began)."""
    return _outcomes(frame, START)


def summarise(table: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Mean DiD per outcome with a t-interval over replicates."""
    rows = []
    for outcome, g in table.groupby("outcome", sort=False):
        d = g["did"].to_numpy(float)
        n = d.size
        half = stats.t.ppf(0.5 + level / 2, n - 1) * d.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
        rows.append({"outcome": outcome, "meaning": OUTCOMES[outcome], "did": d.mean(), "ci_low": d.mean() - half,
                     "ci_high": d.mean() + half, "replicates": n,
                     "pilot_change": (g["pilot_after"] - g["pilot_before"]).mean(),
                     "rest_change": (g["rest_after"] - g["rest_before"]).mean()})
    return pd.DataFrame(rows)


def pilot_did(scenario, replicates: int, *, placebo=None, before_year: int = 2022, after_year: int = 2024):
    """DiD for a scenario (and its placebo, if given), summarised with intervals."""
    from sim.model.engine import geography_for, run_scenario

    geo = geography_for(scenario)
    pilots = geo.zones.loc[geo.zones["pilot_2022"], "zone_id"]
    out = {}
    for label, scn in (("scenario", scenario), ("placebo", placebo)):
        if scn is None:
            continue
        res = run_scenario(scn, replicates, outputs=("summary", "fund_years"))
        table = did_table(res.fund_years, pilots, before_year=before_year, after_year=after_year)
        s = summarise(table)
        s.insert(0, "run", label if label == "scenario" else "placebo (province practice)")
        out[label] = s
    return pd.concat(out.values(), ignore_index=True)
