"""Experiments: comparisons on common random numbers and parameter sweeps, run by any executor.

May import the layers below (inputs, world, allocation, model, report); never studies or cli.
`compare` runs scenarios side by side with paired differences (imported as
:mod:`sim.experiments.compare`, not re-exported here, so sweeps stay light).

Layered bottom-up, each module importing only those before it in this list:
designs (parameters, points) → runs (RunSpec, seeds) → store (the folder on disk) →
worker (one run) → cluster (Dask, imported only when asked) → executors (running many) →
sensitivity (SALib) → results (reading back) → sweepfile (TOML) → sweep (`Sweep`, CLI entry).

The model is any importable function ``RunSpec -> dict[str, DataFrame]``; the engine's is
``sim.model.engine:run_spec``, resolved only when a sweep runs.
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
from sim.experiments.sweep import Sweep
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
