"""A 2023 start taken from the calibrated history: the funds as the engine itself leaves them.

The synthetic start (`state.synthetic_state`) draws each fund from distributions and then holds
it at a closed-form equilibrium so that it does not start out shrinking; that closed form
undershoots the engine (about 500 members per Isan fund against the ~1,000 MODEL.md section 5
asks for, and funds that then grow for years), and the statuses it draws jump in the first
years because nothing in the draw makes weakness persist. The calibrated history
(`scenarios/history_2010.toml`, fitted to the national record of 2010-2024 by `welfare-sim
calibrate`) runs the engine from the few funds of January 2010; its state at the start of 2023
is the engine's own best estimate of the funds of 2023, with members, tenure, reserves,
governance, generosity, saving and the recent history the status rule reads all produced by the
same rules every later year follows. In Isan it holds about 1,000 members and 2,400 baht per
member per fund in 2,300+ funds (the record: 2,000+ funds [S0]; MODEL.md: about 1,000 members
and 2,700 baht).

`welfare-sim start-state` (`sim.studies.start_state`) runs that history for the whole country,
a few replicates, and writes the states to ``sim/data/start_2023.npz`` with a manifest beside it
(the command, the model version, the parameter defaults' hash; the tests compare them with the
code). A run starting in that year without a registry, with `start.from_history` on, starts from
the file: the rows of its own sub-districts (so any region, and a changed province leaves the
others' starts untouched), the history replicate `replicate mod R`. The place's population is the
geography's (the record's 2023 population; where a band holds more members than residents the
population of that band is raised to fit, as for a registry); the yearly population trend is the
geography's. Everything else is taken as the history left it.
"""

from __future__ import annotations

import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from sim.errors import SimError
from sim.model.demography import growth_by_subdistrict
from sim.model.development import DevelopmentState
from sim.model.state import FundState

START_FILE = Path(__file__).resolve().parents[1] / "data" / "start_2023.npz"
START_MANIFEST = START_FILE.with_name("start_2023.manifest.json")
START_YEAR = 2023

# FundState fields the file keeps and a run takes (its population is the geography's)
KEPT = ("founded", "founded_year", "active", "members", "waiting", "reserves", "governance", "generosity",
        "programme_group", "local_support", "status", "low_ratio_years", "falling_years", "members_last_year",
        "contributions_last_year", "reserve_ratio", "contribution_thb", "compliance", "reliable_years")
# what the file also keeps for the handover check (`handover=True`): the history's own population
# and its zones' capacity (a run takes the record's population and the assumed capacities)
HANDOVER = ("population", "population_exact", "zone_ids", "zone_capacity", "zone_years_funded")


def state_arrays(states: list[FundState], devs: list | None = None, zone_ids=None) -> dict[str, np.ndarray]:
    """The arrays the file holds for a list of replicate states of the same places, with each
    replicate's development state (`devs`, zones in the order of `zone_ids`) when given."""
    codes = states[0].codes
    for s in states[1:]:
        if not np.array_equal(s.codes, codes):
            raise ValueError("replicate states of different places")
    out = {"codes": np.asarray(codes, np.int64)}
    for name in (*KEPT, "population", "population_exact"):
        stacked = np.stack([np.asarray(getattr(s, name)) for s in states])
        if stacked.dtype == np.int64 and name not in ("reserves", "contributions_last_year", "founded_year"):
            stacked = stacked.astype(np.int32)  # counts: smaller file, exact
        out[name] = stacked
    if devs is not None:
        out["zone_ids"] = np.asarray(zone_ids, dtype=str)
        out["zone_capacity"] = np.stack([np.asarray(d.zone_capacity, float) for d in devs])
        out["zone_years_funded"] = np.stack([np.asarray(d.zone_years_funded, np.int64) for d in devs])
    return out


@lru_cache(maxsize=2)
def _load(path: str, mtime: float) -> dict[str, np.ndarray]:
    again = "write it again with `welfare-sim start-state`"
    try:
        with np.load(path) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        why = err.strerror if isinstance(err, OSError) and err.strerror else "not a numpy archive"
        raise SimError(f"cannot read the 2023 start ({why}); {again}", path=path) from None
    missing = sorted({"codes", *KEPT} - set(arrays))
    if missing:
        raise SimError(f"the 2023 start lacks {', '.join(missing)}; {again}", path=path)
    return arrays


def load_start_file(path: str | Path | None = None) -> dict[str, np.ndarray] | None:
    """The file's arrays (cached per file and modification time), or None without a file."""
    p = Path(path) if path is not None else START_FILE
    if not p.is_file():
        return None
    return _load(str(p), p.stat().st_mtime)


def history_start(geography, params, start_year: int, replicate: int, path: str | Path | None = None,
                  handover: bool = False) -> tuple[FundState | None, str | None]:
    """(starting state, note) from the history file, or (None, why not) when it does not apply:
    another start year, `start.from_history` off, no file, or places the file does not hold.

    `handover` takes the history's own population (aged by the history since 2010) instead of
    the record's: with it, and the history's zone capacities (`handover_development`), a run
    continues the history exactly (tests/test_history_start.py, the continuity law)."""
    if not params["start.from_history"]:
        return None, None
    if int(start_year) != START_YEAR:
        return None, None
    data = load_start_file(path)
    if data is None:
        return None, (f"no history start ({START_FILE.name}; `welfare-sim start-state` writes it): "
                      "the synthetic start is used")
    codes = geography.subdistricts["subdistrict_code"].astype(np.int64).to_numpy()
    index = {int(c): i for i, c in enumerate(data["codes"])}
    rows = np.array([index.get(int(c), -1) for c in codes], np.int64)
    if (rows < 0).any():
        return None, (f"the history start holds no fund state for {int((rows < 0).sum())} of the run's "
                      "sub-districts: the synthetic start is used")
    r = int(replicate) % data["founded"].shape[0]
    fields = {}
    for name in KEPT:
        arr = data[name][r][rows]
        if arr.dtype == np.int32:
            arr = arr.astype(np.int64)
        fields[name] = np.array(arr)
    if handover:  # the history's own population, as it aged since 2010
        _require(data, HANDOVER, path)
        population = data["population"][r][rows].astype(np.int64)
        exact = np.array(data["population_exact"][r][rows], float)
        note = "history start: the history's own population and zone capacities (the handover check)"
    else:  # the record's population, raised where the history's members outnumber it
        population = np.asarray(geography.population_by_age, np.int64).copy()
        exact = None  # FundState takes the rounded population
        by_age = fields["members"].sum(axis=2) + fields["waiting"].sum(axis=1)
        short = by_age > population
        note = None
        if short.any():
            population = np.maximum(population, by_age)
            note = (f"history start: {int(short.any(axis=1).sum())} sub-district(s) hold more members in an age "
                    "band than the record's residents; that band's population is raised to fit")
    state = FundState(codes=codes.copy(), population=population, base_population=population.copy(),
                      population_growth=growth_by_subdistrict(geography.subdistricts["province_code"], params),
                      population_exact=exact, **fields)
    return state, note


def _require(data: dict[str, np.ndarray], names, path) -> None:
    missing = [n for n in names if n not in data]
    if missing:
        raise SimError(f"the 2023 start lacks {', '.join(missing)} (the handover check needs them); "
                       "write it again with `welfare-sim start-state`", path=str(path or START_FILE))


def handover_development(geography, replicate: int, path: str | Path | None = None):
    """The history's zone capacities and years funded at the start of 2023 for the run's zones
    (`DevelopmentState`), replicate `replicate mod R` — the handover check's development state."""
    data = load_start_file(path)
    _require(data, HANDOVER, path)
    r = int(replicate) % data["zone_capacity"].shape[0]
    index = {z: j for j, z in enumerate(data["zone_ids"].tolist())}
    rows = np.array([index.get(str(z), -1) for z in geography.zones["zone_id"]], np.int64)
    if (rows < 0).any():
        raise SimError(f"the 2023 start holds no zone capacity for {int((rows < 0).sum())} of the run's zones",
                       path=str(path or START_FILE))
    return DevelopmentState(zone_capacity=np.array(data["zone_capacity"][r][rows], float),
                            zone_years_funded=np.array(data["zone_years_funded"][r][rows], np.int64))
