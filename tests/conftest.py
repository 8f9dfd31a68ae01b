"""Fixtures shared by the test files: the compiled step on one thread, and small scenarios.

Every engine test runs one or two provinces for a few years; ``small_scenario`` builds such
a scenario from a dict by the same rules as a file, so each test says only what it changes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numba
import pytest

from sim.inputs.scenario import Scenario, scenario_from_dict

# Long jobs print a progress line a minute when stderr is not a terminal (sim.progress); the
# tests read stderr line by line, so none is printed unless a test asks for it.
os.environ.setdefault("WELFARE_SIM_PROGRESS_SECONDS", "86400")


@pytest.fixture(autouse=True, scope="module")
def one_numba_thread():
    """Run the compiled step on one thread: with pytest-xdist workers (and other jobs) sharing
    the cores, numba's parallel loop over funds oversubscribes them and runs several times slower.
    Results do not depend on the thread count (test_engine_laws checks this)."""
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(before)


def _small_scenario(
    region: Sequence[str] | str = ("49",),
    years: int = 2,
    seed: int = 20230329,
    *,
    name: str = "small",
    replicates: int = 1,
    inputs: Mapping[str, str | Path] | None = None,
    overrides: Mapping[str, Any] | None = None,
    **dotted: Any,
) -> Scenario:
    """A scenario of a few provinces and years, from the synthetic start. Parameters as dotted
    paths, either in ``overrides`` or as keywords with ``__`` for the dots (``policy__zone_share=0.4``)."""
    run = {"region": region if isinstance(region, str) else list(region), "years": years,
           "replicates": replicates, "seed": seed}
    # the engine's laws are tested from the synthetic start, whose spread of situations (dormant
    # funds, short reserves, young funds) they exercise; tests/test_history_start.py covers the
    # 2023 start taken from the calibrated history, and tests of shipped scenarios use it
    data: dict[str, Any] = {"name": name, "run": run, "start.from_history": False}
    if inputs:
        data["inputs"] = {key: str(path) for key, path in inputs.items()}
    data.update(overrides or {})
    data.update({key.replace("__", "."): value for key, value in dotted.items()})
    return scenario_from_dict(data)


@pytest.fixture(scope="session")
def small_scenario() -> Callable[..., Scenario]:
    """``small_scenario(region=("49",), years=2, seed=20230329, name=…, inputs=…, **params)``."""
    return _small_scenario
