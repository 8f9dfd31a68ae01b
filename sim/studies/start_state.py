"""The funds of 2023 as the calibrated history leaves them (`welfare-sim start-state`).

Runs `scenarios/history_2010.toml` — the calibration's history, run as shipped: the whole
country from January 2010, the fitted set-up budget, the province practice to 2021 and the zone
pilot in 2022 — up to the start of 2023, for a few replicates, and writes each replicate's fund
state to ``sim/data/start_2023.npz`` (read by the model layer, `sim.model.history_start`) — and,
for the handover check, the history's own population and zone capacities — with a manifest
beside it: the command, the package and model versions, the parameter defaults' hash and what
the states hold (funds, members and money per fund, statuses), nationally and in Isan.
"""

from __future__ import annotations

import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from sim.model.history_start import START_FILE, START_MANIFEST, START_YEAR, state_arrays

HISTORY = "history_2010"


def _history_state(job):
    """The history's state at the start of `START_YEAR` for one (replicate, region) (one process):
    the funds, the development state (zone capacities) and the zone ids it is ordered by."""
    replicate, region = job
    try:
        import numba

        numba.set_num_threads(1)
    except (ImportError, ValueError):
        pass
    from sim.inputs.scenario import find_scenario, load_scenario
    from sim.model.engine import Simulation

    scenario = load_scenario(find_scenario(HISTORY))
    if region is not None:
        scenario = scenario.with_overrides({}, region=tuple(region))
    sim = Simulation(scenario, replicate, outputs=())
    if not sim.start < START_YEAR <= sim.end:
        raise ValueError(f"{HISTORY} runs {sim.start}-{sim.end - 1}: it cannot reach the start of {START_YEAR}")
    while sim.year < START_YEAR:
        ctx = sim.prepare_year()
        sim.run_year(ctx, sim.decide(ctx))
    return sim.state, sim.dev, sim.geo.zones["zone_id"].to_numpy(str)


def describe(data: dict[str, np.ndarray], isan_codes: set[int]) -> dict:
    """What each replicate's state holds, nationally and in Isan (the manifest's summary)."""
    from sim.model.state import STATUS_NAMES

    out = []
    isan = np.array([int(c) // 10000 in isan_codes for c in data["codes"]])
    for r in range(data["founded"].shape[0]):
        row = {"replicate": r}
        for name, mask in (("national", np.ones(isan.size, bool)), ("isan", isan)):
            founded = data["founded"][r][mask]
            members = (data["members"][r][mask].sum(axis=(1, 2)) + data["waiting"][r][mask].sum(axis=(1, 2)))
            funds = int(founded.sum())
            status = data["status"][r][mask][founded]
            row[name] = {
                "subdistricts": int(mask.sum()), "funds": funds, "members": int(members.sum()),
                "members_per_fund": float(members.sum() / max(funds, 1)),
                "money_per_member_thb": float(data["reserves"][r][mask].sum() / 100 / max(members.sum(), 1)),
                "status_shares": {STATUS_NAMES[k]: float((status == k).mean()) if funds else 0.0
                                  for k in range(1, len(STATUS_NAMES))},
            }
        out.append(row)
    return {"replicates": out}


def make_start_state(replicates: int = 3, workers: int = 2, region=None) -> dict[str, np.ndarray]:
    """The history's states at the start of 2023, `replicates` of them (replicates 0 ... R-1, the
    calibration's check replicates); the whole country unless `region` (province codes, to try
    it out) says otherwise."""
    if replicates < 1:
        raise ValueError("at least one replicate")
    if workers > 1 and replicates > 1:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(workers, replicates), mp_context=ctx) as pool:
            made = list(pool.map(_history_state, [(r, region) for r in range(replicates)]))
    else:
        made = [_history_state((r, region)) for r in range(replicates)]
    return state_arrays([m[0] for m in made], [m[1] for m in made], made[0][2])


def write_start_state(data: dict[str, np.ndarray], command: str, path: Path = START_FILE) -> tuple[Path, Path, dict]:
    """The states (read by the model layer) and their manifest beside them."""
    from sim.report.manifest import results_manifest
    from sim.world.geography import ISAN_PROVINCE_CODES

    path = Path(path)
    np.savez_compressed(path, **data)
    manifest_path = START_MANIFEST if path == START_FILE else path.with_name(path.stem + ".manifest.json")
    summary = describe(data, {int(c) for c in ISAN_PROVINCE_CODES})
    manifest = results_manifest(command, state_file=path.name, history=f"scenarios/{HISTORY}.toml",
                                start_year=START_YEAR, **summary)
    manifest_path.write_text(json.dumps(manifest, indent=1, default=str) + "\n", encoding="utf-8")
    return path, manifest_path, summary
