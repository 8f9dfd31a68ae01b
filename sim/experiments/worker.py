"""What a worker does for one run: call the model, write its tables, then its runs row.

The worker writes its own results, so only a tiny status dict travels back to the parent and
nothing piles up there however many runs a sweep has.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import importlib
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import SimError
from sim.experiments import store
from sim.experiments.runs import ModelFn, RunSpec

DEFAULT_MODEL = "sim.model.engine:run_spec"
# NUMBA_NUM_THREADS too: two workers each running the parallel monthly step on two threads spend
# most of their time contending (Isan, 20 years: 6.9 s a run each, against 2.4 s on one thread).
THREAD_ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")
RUN_COLUMNS = ("run_id", "point_id", "replicate")


@functools.lru_cache(maxsize=8)
def _import_model(ref: str) -> ModelFn:
    module_name, _, attr = ref.partition(":")
    if not module_name or not attr:
        raise SimError(f"model must be given as 'module:function', got {ref!r}", where="model")
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as err:
        raise SimError(
            f"cannot import model module {module_name!r}: {err}", where="model"
        ) from None
    for part in attr.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise SimError(f"module {module_name!r} has no {attr!r}", where="model") from None
    if not callable(target):
        raise SimError(f"{ref!r} is not callable", where="model")
    return target


def resolve_model(model: str | ModelFn) -> ModelFn:
    """The model function, importing "module:function" lazily (and once per process)."""
    return _import_model(model) if isinstance(model, str) else model


def model_ref(model: str | Callable[..., Any]) -> str:
    """A stable name for the model, stored with the sweep so a resume uses the same one."""
    if isinstance(model, str):
        return model
    return f"{getattr(model, '__module__', '?')}:{getattr(model, '__qualname__', repr(model))}"


@dataclass
class Job:
    """What every run of a sweep shares, sent to the worker along with each RunSpec."""

    model: str | ModelFn
    out: str
    record: dict[str, Any]


@contextmanager
def sigint_blocked() -> Iterator[None]:
    """Hold Ctrl-C back in this thread (and in processes it starts) for the duration.

    A process started while SIGINT is blocked inherits the block across fork and exec, so a
    Ctrl-C that arrives while a worker is still importing waits instead of printing that
    worker's traceback; :func:`init_worker` then ignores it. The parent loses nothing: the
    signal is delivered as soon as the block ends.
    """
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class QuietProcessPool(cf.ProcessPoolExecutor):
    """A process pool whose workers never see Ctrl-C: the parent decides what it means.

    Python 3.9+ starts "spawn" workers on demand inside ``submit``, so a worker can be
    starting up at the moment the user presses Ctrl-C; it then starts with SIGINT blocked
    (:func:`sigint_blocked`) and ignores it once :func:`init_worker` runs.
    """

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        with sigint_blocked():
            return super().submit(fn, *args, **kwargs)


def init_worker() -> None:
    """Process-pool initializer: one BLAS/OpenMP/numba thread per worker, Ctrl-C left to the parent.

    Runs in parallel already use every core; threaded BLAS inside each would oversubscribe.
    The parent decides what an interruption means (it stops the pool), so workers ignore
    SIGINT instead of each printing a traceback.
    """
    for var in THREAD_ENV_VARS:
        os.environ[var] = "1"
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):  # started with it blocked (QuietProcessPool)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # a pending one is dropped
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)


def _with_run_columns(frame: pd.DataFrame, spec: RunSpec, table: str) -> pd.DataFrame:
    """Prefix run_id, point_id, replicate; a model's own copy of them must agree and is dropped."""
    own = {"run_id": spec.run_id, "point_id": spec.point_id, "replicate": spec.replicate}
    for column in [c for c in RUN_COLUMNS if c in frame.columns]:
        if not (frame[column] == own[column]).all():
            raise ValueError(
                f"the model's {table!r} table has a column {column!r} that "
                f"disagrees with the run ({own[column]!r})"
            )
        frame = frame.drop(columns=column)
    identity = pd.DataFrame(
        {
            "run_id": [spec.run_id] * len(frame),
            "point_id": spec.point_id,
            "replicate": spec.replicate,
        },
        index=frame.index,
    )
    identity["point_id"] = identity["point_id"].astype("int64")
    identity["replicate"] = identity["replicate"].astype("int64")
    return pd.concat([identity, frame], axis=1).reset_index(drop=True)


def execute_run(
    model: str | ModelFn, spec: RunSpec, out: str, record: dict[str, Any]
) -> dict[str, Any]:
    """Do one run and write it; the runs row goes last so it marks the run finished.

    `record` holds the columns every runs row shares (sweep name, scenario, version).
    Idempotent: a run redone (resume, Dask retry) rewrites the same files atomically.
    """
    out_path = Path(out)
    fn = resolve_model(model)
    start = time.perf_counter()
    tables = fn(spec)
    wall_seconds = time.perf_counter() - start
    if not isinstance(tables, dict):
        raise TypeError(f"the model must return a dict of DataFrames, got {type(tables).__name__}")
    for name in spec.outputs:
        frame = tables.get(name)
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(
                f"the model returned no {name!r} DataFrame (asked for {list(spec.outputs)})"
            )
        store.write_parquet_atomic(
            _with_run_columns(frame, spec, name), store.table_file(out_path, name, spec.run_id)
        )
    row = {
        "run_id": spec.run_id,
        "point_id": spec.point_id,
        "replicate": spec.replicate,
        "seed": spec.seed,
        **spec.overrides,
        **record,
        "status": "ok",
        "wall_seconds": wall_seconds,
    }
    store.write_parquet_atomic(pd.DataFrame([row]), store.runs_file(out_path, spec.run_id))
    return {"run_id": spec.run_id, "wall_seconds": wall_seconds}
