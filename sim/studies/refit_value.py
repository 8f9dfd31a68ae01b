"""Fit the value of a fund's state on the engine's own futures (`welfare-sim refit-value`).

The allocator's multi-year objective (:mod:`sim.model.state_value`) needs, for every lead j
of 1 ... J years, coefficients theta_j such that a fund's people protected j years after the
end of a year is about theta_j . x, x the fund's state features at the end of that year. They
are estimated here from simulated futures at the nominal parameters:

- the region (default Isan) is run under several practices and budgets — the province
  practice (`province_2021`), every zone funded (`zone_all_2023`, `baseline`), the 2022 pilot
  and no development budget at all — so that the state features vary for reasons the
  allocator can cause, each for `years` years and `replicates` replicates;
- every fund-year (t, i) with t + j inside the run is a row: the features of fund i at the end
  of year t and its people protected at the end of t + j;
- ordinary least squares without intercept, one regression per lead (the features are in
  people, so a value is proportional to the fund's size).

The fit, its R^2 per lead and the share of the target each feature explains are written to
``sim/data/state_value.json`` (read by the model layer) and its manifest (the command, the
package and model versions and the hash of the parameter defaults) beside it.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from sim.model.state_value import DATA_FILE, FEATURES, MANIFEST_FILE, StateValue, fund_features

PRACTICES = (("province_2021", 1.0), ("zone_all_2023", 1.0), ("baseline", 1.0), ("zone_pilot_2022", 1.0),
             ("zone_all_2023", 0.0), ("zone_all_2023", 2.0))
"""(scenario, budget multiplier) of the fitting runs."""


def _trajectory(job) -> tuple[np.ndarray, np.ndarray]:
    """(years + 1, n, F) features and (years + 1, n) people protected, start state first."""
    name, multiplier, replicate, years, region = job
    try:
        import numba

        numba.set_num_threads(1)
    except (ImportError, ValueError):
        pass
    from sim.inputs.scenario import find_scenario, load_scenario
    from sim.model.engine import Simulation

    scenario = load_scenario(find_scenario(name))
    run = {"years": years}
    if region is not None:
        run["region"] = region
    scenario = scenario.with_overrides({}, **run)
    sim = Simulation(scenario, replicate, outputs=(), budget_multiplier=multiplier)
    feats = [fund_features(sim.state, sim.params, sim.tables)]
    while sim.year < sim.end:
        ctx = sim.prepare_year()
        sim.run_year(ctx, sim.decide(ctx))
        feats.append(fund_features(sim.state, sim.params, sim.tables))
    x = np.stack(feats)
    return x, x[:, :, 0]


def fit_state_value(*, years: int = 14, lead: int = 9, replicates: int = 2, region=None, workers: int = 2,
                    practices=PRACTICES) -> StateValue:
    """Run the fitting futures and fit theta_j for j = 1 .. `lead` (see the module doc)."""
    if lead < 1 or years <= lead:
        raise ValueError(f"need years > lead >= 1, got years {years}, lead {lead}")
    jobs = [(name, mult, r, years, region) for name, mult in practices for r in range(replicates)]
    if workers > 1:
        os.environ.setdefault("NUMBA_NUM_THREADS", "1")
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            runs = list(pool.map(_trajectory, jobs))
    else:
        runs = [_trajectory(job) for job in jobs]
    coef = np.zeros((lead, len(FEATURES)))
    r2, shares, rows = [], [], []
    for j in range(1, lead + 1):
        x = np.concatenate([feats[:-j].reshape(-1, len(FEATURES)) for feats, _ in runs])
        y = np.concatenate([target[j:].reshape(-1) for _, target in runs])
        theta, *_ = np.linalg.lstsq(x, y, rcond=None)
        coef[j - 1] = theta
        fitted = x @ theta
        r2.append(float(1 - ((y - fitted) ** 2).sum() / max(((y - y.mean()) ** 2).sum(), 1e-300)))
        shares.append({f: float((theta[k] * x[:, k]).sum() / max(y.sum(), 1e-300)) for k, f in enumerate(FEATURES)})
        rows.append(int(y.size))
    fit = {"r2_by_lead": r2, "rows_by_lead": rows, "share_of_target_by_lead": shares,
           "practices": [f"{n} x{m:g} budget" for n, m in practices], "replicates": replicates, "years": years,
           "region": region or "scenario default (isan)", "method": "OLS without intercept, one regression per lead"}
    return StateValue(coefficients=coef, fit=fit)


def write_state_value(sv: StateValue, command: str, path: Path = DATA_FILE) -> tuple[Path, Path]:
    """The fit (read by the model layer) and its manifest beside it."""
    from sim.report.manifest import results_manifest

    path = Path(path)
    path.write_text(json.dumps(sv.to_dict(), indent=1) + "\n", encoding="utf-8")
    manifest_path = MANIFEST_FILE if path == DATA_FILE else path.with_name(path.stem + ".manifest.json")
    manifest = results_manifest(command, fitted_file=path.name, fit=sv.fit)
    manifest_path.write_text(json.dumps(manifest, indent=1, default=str) + "\n", encoding="utf-8")
    return path, manifest_path
