"""The sweep as one object for notebooks and the CLI: define → design → run → analyze.

Modelled on SALib's ProblemSpec: each step returns something worth looking at. A sweep is a
table of points (from `designs`) times replicates (seeds from `runs`); running it streams
each run's tables to disk (`store`) through any executor (`executors`), and `Results`
reads them back.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.errors import SimError
from sim.experiments import store
from sim.experiments.designs import (
    FULL_FACTORIAL,
    MAX_POINTS,
    MAX_REPLICATES,
    MAX_RUNS,
    MAX_SEED,
    DesignSpec,
    Parameter,
    check_parameters,
    design_size,
    grid_size,
    make_design,
)
from sim.experiments.executors import RunFailed, SweepInterrupted, drive, make_backend
from sim.experiments.results import Results, _count, load_results
from sim.experiments.runs import ModelFn, RunSpec, iter_runs, replicate_seed
from sim.experiments.sweepfile import KNOWN_OUTPUTS, read_sweep_file
from sim.experiments.worker import DEFAULT_MODEL, model_ref, resolve_model
from sim.inputs.scenario import locate_scenario
from sim.inputs.tomlfile import read_toml
from sim.report.manifest import made_with

Validator = Callable[[dict[str, Any], str], None]


def _seed_of(data: dict[str, Any]) -> int | None:
    seed = data.get("seed")
    if seed is None and isinstance(data.get("run"), dict):
        seed = data["run"].get("seed")
    return seed if isinstance(seed, int) and not isinstance(seed, bool) else None


def _scenario_info(base: Path | dict[str, Any]) -> tuple[str, int | None, str | None]:
    """The base scenario's name, seed and content hash, following `extends` (child wins).

    Only these three facts are read here; the engine resolves the scenario itself. The hash
    covers every file of the chain, so editing an inherited file counts as a different sweep.
    """
    if isinstance(base, dict):  # laid out like a file; `extends` is relative to the working folder
        name = base.get("name") if isinstance(base.get("name"), str) else "base"
        seed = _seed_of(base)
        parent = base.get("extends")
        if seed is None and isinstance(parent, str):
            try:
                found, _ = locate_scenario(parent, Path.cwd())
            except SimError:
                found = None
            if found is not None and found.is_file():
                seed = _scenario_info(found)[1]
        return name, seed, None
    digest = hashlib.sha256()
    data = read_toml(base, "scenario file").data
    name = data.get("name") if isinstance(data.get("name"), str) else base.stem
    seed: int | None = None
    path, seen = base, set()
    while True:
        digest.update(path.read_bytes())
        seed = seed if seed is not None else _seed_of(data)
        seen.add(path)
        parent = data.get("extends")
        if not isinstance(parent, str):
            break
        try:
            found, _ = locate_scenario(parent, path.parent)  # as the engine resolves it
        except SimError:  # a symlink loop: the engine reports it with its place
            break
        if found is None or found in seen or not found.is_file():
            break  # the engine reports broken chains with their context
        path = found
        data = read_toml(path, "scenario file").data
    return name, seed, digest.hexdigest()


class Sweep:
    """A parameter sweep over a base scenario: points × replicates, run by any executor.

    >>> sweep = Sweep.from_file("sweeps/zone_share.toml")
    >>> sweep.design()                    # the table of points, before any run
    >>> results = sweep.run("results/zone_share", workers=2)
    >>> results.analyze("people_protected")
    """

    def __init__(
        self,
        name: str,
        base: str | Path | dict[str, Any],
        parameters: Sequence[Parameter],
        *,
        design: DesignSpec | str = "full_factorial",
        samples: int | None = None,
        replicates: int = 1,
        seed: int | None = None,
        outputs: Sequence[str] = ("summary",),
        description: str = "",
        validate: Validator | None = None,
        source: str | None = None,
    ):
        where = source or f"sweep {name!r}"
        self.name = name
        self.description = description
        self.source = source
        self.parameters = list(parameters)
        check_parameters(self.parameters)
        if isinstance(design, DesignSpec) and samples is not None:
            raise SimError("give samples inside the DesignSpec, not beside it", where="samples")
        self.spec = (
            design if isinstance(design, DesignSpec) else DesignSpec(design, samples=samples)
        )
        if self.spec.kind == FULL_FACTORIAL:
            for i, p in enumerate(self.parameters):
                try:
                    grid_size(p, self.spec.levels)
                except SimError as err:
                    raise SimError(str(err), path=source, where=f"parameters[{i}]") from None
        if (
            isinstance(replicates, bool)
            or not isinstance(replicates, int)
            or not 1 <= replicates <= MAX_REPLICATES
        ):
            raise SimError(
                f"must be an integer from 1 to {MAX_REPLICATES:_}, got {replicates!r}",
                path=source,
                where="replicates",
            )
        self.replicates = replicates
        if self.n_points > MAX_POINTS or self.n_runs > MAX_RUNS:
            raise SimError(
                f"{self.n_points:_} points × {_count(replicates, 'replicate')} is too big a sweep (at most "
                f"{MAX_POINTS:_} points and {MAX_RUNS:_} runs); use fewer levels or samples",
                path=source,
                where="design",
            )
        self.outputs = tuple(outputs)
        unknown = [o for o in self.outputs if o not in KNOWN_OUTPUTS]
        if unknown:
            raise SimError(
                f"unknown output {unknown[0]!r}; valid: {', '.join(KNOWN_OUTPUTS)}",
                path=source,
                where="outputs",
            )
        if isinstance(base, dict):
            self.base: Path | dict[str, Any] = base
        else:
            self.base = Path(base).resolve()
            if not self.base.is_file() and len(Path(base).parts) == 1:  # a shipped scenario's name
                self.base, _ = locate_scenario(str(base), Path.cwd())
            if self.base is None or not self.base.is_file():
                raise SimError(f"base scenario not found: {base}", path=source, where="base")
        self.scenario, base_seed, self._base_sha256 = _scenario_info(self.base)
        if seed is None:
            seed = base_seed
        if seed is None:
            raise SimError(
                "no seed: give `seed` in the sweep or the base scenario", path=source, where="seed"
            )
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
            raise SimError(
                f"must be an integer from 0 to 2**63 - 1, got {seed!r}", path=source, where="seed"
            )
        self.seed = seed
        self._where = where
        if validate is not None:
            self.check(validate)
        self._design: tuple[pd.DataFrame, np.ndarray | None] | None = None

    @classmethod
    def from_file(cls, path: str | Path, validate: Validator | None = None) -> Sweep:
        """Read a sweep file (TOML); `validate(overrides, origin)` checks parameter paths."""
        return cls(**read_sweep_file(path), validate=validate)

    def check(self, validate: Validator) -> None:
        """Ask the model whether every parameter path exists and takes these values.

        `validate(overrides, origin)` is called with each level, or low and high, of each
        parameter; it raises SimError (other errors are turned into one).
        """
        for i, p in enumerate(self.parameters):
            origin = f"{self._where}: parameters[{i}] ({p.path})"
            for value in p.bounds_values():
                try:
                    validate({p.path: value}, origin)
                except SimError:
                    raise
                except (KeyError, ValueError, TypeError) as err:
                    raise SimError(f"{type(err).__name__}: {err}", path=origin) from None

    # --- the design ---------------------------------------------------------------------

    @property
    def n_points(self) -> int:
        return design_size(self.parameters, self.spec)

    @property
    def n_runs(self) -> int:
        return self.n_points * self.replicates

    def _points(self) -> tuple[pd.DataFrame, np.ndarray | None]:
        if self._design is None:
            self._design = make_design(self.parameters, self.spec, self.seed)
        return self._design

    def design(self) -> pd.DataFrame:
        """The table of points: `point_id` and one column per parameter path."""
        return self._points()[0].copy()

    def replicate_seeds(self) -> list[int]:
        """Seed of each replicate, the same at every point (common random numbers)."""
        return [replicate_seed(self.seed, k) for k in range(self.replicates)]

    def runs(self, limit: int | None = None) -> pd.DataFrame:
        """Every run to do: run_id, point, replicate, seed and parameter values."""
        rows = [
            {
                "run_id": s.run_id,
                "point_id": s.point_id,
                "replicate": s.replicate,
                "seed": s.seed,
                **s.overrides,
            }
            for s in self._scope(self._points()[0], limit)
        ]
        return pd.DataFrame(rows)

    def _base_ref(self) -> str | dict[str, Any]:
        return self.base if isinstance(self.base, dict) else str(self.base)

    def definition(self) -> dict[str, Any]:
        """What makes two sweeps the same (stored in sweep.json and checked on resume)."""
        d: dict[str, Any] = {
            "name": self.name,
            "base": self._base_ref(),
            "base_sha256": self._base_sha256,
            "replicates": self.replicates,
            "seed": self.seed,
            "outputs": list(self.outputs),
            "design": self.spec.to_dict(),
            "parameters": [p.to_dict() for p in self.parameters],
        }
        return d

    def _manifest(self, model: str | ModelFn) -> dict[str, Any]:
        points, unit = self._points()
        return {
            "format": store.MANIFEST_FORMAT,
            "definition": self.definition(),
            "description": self.description,
            "source": self.source,
            "model": model_ref(model),
            "made_with": made_with(),
            "points": points.to_dict("records"),
            "unit": None if unit is None else unit.tolist(),
            "created_by": f"welfare-sim {__version__}",
        }

    # --- running ------------------------------------------------------------------------

    def run(
        self,
        out: str | Path,
        workers: int = 2,
        scheduler: Any = None,
        executor: Executor | None = None,
        limit: int | None = None,
        model: str | ModelFn = DEFAULT_MODEL,
        progress: bool | None = None,
        restart_stale: bool = False,
    ) -> Results:
        """Run every run not yet finished in `out`, streaming results there; resumable.

        workers=1 runs in this process; more start a local process pool. `scheduler` (a
        Dask address like "tcp://host:8786" or a `distributed.Client`) or `executor` (any
        `concurrent.futures.Executor`) run elsewhere. `limit` runs only the first `limit`
        points (all their replicates). `progress` forces the bar on or off (default: on in
        a terminal or notebook, off in logs). A folder whose runs another model made (another
        model version, parameter defaults or model data) is refused, or with `restart_stale` (the
        studies' own working folders) emptied and run again, said on stderr.
        """
        out = Path(out)
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise SimError(f"must be a positive integer, got {workers!r}", where="workers")
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
        ):
            raise SimError(f"must be a positive integer, got {limit!r}", where="limit")
        if isinstance(model, str):
            resolve_model(model)  # a wrong name fails here, before anything is written
        elif workers > 1 and scheduler is None and executor is None:
            try:
                pickle.dumps(model)
            except Exception:
                raise SimError(
                    f"{model_ref(model)} cannot be sent to worker processes: define the model "
                    "at module level in an importable module, or use workers=1",
                    where="model",
                ) from None
        points, _ = self._points()
        n_points = len(points) if limit is None else min(limit, len(points))
        total = n_points * self.replicates
        record = {"sweep": self.name, "scenario": self.scenario, "version": __version__}
        started = time.perf_counter()
        manifest = self._manifest(model)  # hashes the model data files (made_with): once per call
        if restart_stale and out.is_dir():
            stale = store.made_with_difference(out, manifest)
            if stale:
                shutil.rmtree(out)
                out.mkdir(parents=True)
                print(f"note: {out}: its runs were made by another model ({stale}); running them again",
                      file=sys.stderr)
        with store.sweep_lock(out):
            try:
                store.write_or_check_manifest(out, manifest)
                store.clean_unfinished(out, self.outputs)
            except OSError as err:  # read-only or full disk: nothing run yet, nothing lost
                raise SimError(
                    f"cannot write the sweep folder ({err.strerror or err})", path=str(out)
                ) from None
            already = self._count_finished(out, points, limit)
            todo = (s for s in self._scope(points, limit) if not store.is_finished(out, s.run_id))
            ran = 0
            if already < total:
                backend = make_backend(model, out, record, workers, scheduler, executor)
                try:
                    ran = drive(
                        backend,
                        todo,
                        out=out,
                        total=total,
                        already=already,
                        progress=progress,
                        desc=self.name,
                    ).done
                except KeyboardInterrupt:
                    interrupted = SweepInterrupted(self._count_finished(out, points, limit), total)
                    print(str(interrupted), file=sys.stderr)
                    raise interrupted from None
                except RunFailed as err:
                    finished = self._count_finished(out, points, limit)
                    raise RunFailed(
                        f"{err} ({finished} of {total} runs finished)"
                    ) from err.__cause__
        results = load_results(out)
        results.ran = ran
        results.elapsed_seconds = time.perf_counter() - started
        return results

    def _scope(self, points: pd.DataFrame, limit: int | None) -> Iterator[RunSpec]:
        return iter_runs(points, self.replicates, self.seed, self._base_ref(), self.outputs, limit)

    def _count_finished(self, out: Path, points: pd.DataFrame, limit: int | None) -> int:
        return sum(store.is_finished(out, s.run_id) for s in self._scope(points, limit))

    def __repr__(self) -> str:
        kind = self.spec.kind
        if self.spec.samples is not None:
            kind += f", samples {self.spec.samples}"
        base = self.base if isinstance(self.base, dict) else _short_path(self.base)
        width = max(len(p.path) for p in self.parameters)
        lines = [
            f"Sweep {self.name!r} ({kind}: {_count(self.n_points, 'point')} × "
            f"{_count(self.replicates, 'replicate')} "
            f"= {_count(self.n_runs, 'run')}, seed {self.seed})",
            f"  base        {base}",
            f"  outputs     {', '.join(self.outputs)}",
            "  parameters",
            *(f"    {p.path:<{width}}  {p.describe()}" for p in self.parameters),
        ]
        return "\n".join(lines)


def _short_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def engine_validator(base: Path | dict[str, Any]) -> Validator | None:
    """The engine's check of overrides against the base scenario (None before the engine exists).

    Paths under ``run.`` are scenario run fields (years, start_year, region), as in
    `sim.model.engine.run_spec`; the rest are parameters. Scenario.with_overrides checks both,
    in the context of the base scenario's values.
    """
    try:
        from sim.inputs.scenario import load_scenario, scenario_from_dict
    except ModuleNotFoundError as err:
        if err.name in ("sim.inputs.scenario", "sim.inputs.parameters"):
            return None
        raise
    scenario = scenario_from_dict(base) if isinstance(base, dict) else load_scenario(base)

    def validate(overrides: dict[str, Any], origin: str) -> None:
        run_fields = {
            k.removeprefix("run."): v for k, v in overrides.items() if k.startswith("run.")
        }
        params = {k: v for k, v in overrides.items() if not k.startswith("run.")}
        try:
            scenario.with_overrides(params, **run_fields)
        except SimError as err:
            raise SimError(str(err), path=origin) from None

    return validate


def _format_seconds(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"
