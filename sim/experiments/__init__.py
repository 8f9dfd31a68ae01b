"""Experiments: parameter sweeps over any model function, run by any executor.

Layered bottom-up, each module importing only those before it in this list:
designs (parameters, points) → runs (RunSpec, seeds) → store (the folder on disk) →
worker (one run) → cluster (Dask, imported only when asked) → executors (running many) →
sensitivity (SALib) → results (reading back) → sweepfile (TOML) → sweep (`Sweep`, CLI entry).

The model is any importable function ``RunSpec -> dict[str, DataFrame]``; the engine's is
``sim.engine:run_spec``, resolved only when a sweep runs.
"""

from sim.experiments.designs import (
    DesignSpec,
    IntRange,
    Levels,
    Range,
    full_factorial,
    latin_hypercube,
    make_design,
    morris,
    sobol,
)
from sim.experiments.executors import RunFailed, SweepInterrupted
from sim.experiments.results import Results, load_results
from sim.experiments.runs import ModelFn, RunSpec, make_run_id, replicate_seed
from sim.experiments.sensitivity import (
    UnstableIndicesWarning,
    morris_indices,
    point_means,
    sobol_indices,
)
from sim.experiments.sweep import Sweep, cli_sweep
from sim.experiments.sweepfile import read_sweep_file

__all__ = [
    "DesignSpec",
    "IntRange",
    "Levels",
    "ModelFn",
    "Range",
    "Results",
    "RunFailed",
    "RunSpec",
    "Sweep",
    "SweepInterrupted",
    "UnstableIndicesWarning",
    "cli_sweep",
    "full_factorial",
    "latin_hypercube",
    "load_results",
    "make_design",
    "make_run_id",
    "morris",
    "morris_indices",
    "point_means",
    "read_sweep_file",
    "replicate_seed",
    "sobol",
    "sobol_indices",
]
