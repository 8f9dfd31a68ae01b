"""Running a stream of runs on any executor: in-process, local processes, Dask, or yours.

The driver keeps only a small window of runs in flight and counts what comes back, so the
parent's memory does not grow with the number of runs. Scheduling is left to a real engine
(`concurrent.futures` or `dask.distributed`); nothing here decides which worker does what.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import traceback
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sim.errors import SimError
from sim.experiments import store
from sim.experiments.runs import ModelFn, RunSpec
from sim.experiments.worker import THREAD_ENV_VARS, Job, QuietProcessPool, execute_run, init_worker
from sim.progress import progress_bar


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep: finished runs are kept; the CLI exits with status 130."""

    def __init__(self, finished: int, total: int):
        self.finished = finished
        self.total = total
        super().__init__(
            f"interrupted: {finished} of {total} runs finished; "
            "run the same command again to resume"
        )


class RunFailed(SimError):
    """A run raised: the sweep stopped, finished runs are kept, the failed one is redone later."""


class Backend(Protocol):
    window: int

    def submit(self, spec: RunSpec) -> Any: ...
    def wait_some(self, pending: set[Any]) -> Iterable[Any]: ...
    def abort(self, pending: set[Any], now: bool) -> None: ...
    def close(self) -> None: ...


class InProcessBackend:
    """workers=1: runs happen in this process, one at a time (easy to debug)."""

    window = 1

    def __init__(self, job: Job):
        self.job = job

    def submit(self, spec: RunSpec) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(execute_run(self.job.model, spec, self.job.out, self.job.record))
        except Exception as err:  # reported like a worker's failure
            future.set_exception(err)
        return future

    def wait_some(self, pending: set[Any]) -> Iterable[Any]:
        return list(pending)

    def abort(self, pending: set[Any], now: bool) -> None:
        pass

    def close(self) -> None:
        pass


class FuturesBackend:
    """Any `concurrent.futures.Executor`; a process pool we start is also ours to stop."""

    def __init__(
        self,
        job: Job,
        executor: cf.Executor,
        window: int,
        owned: bool = False,
        cleanup: ExitStack | None = None,
    ):
        self.job = job
        self.executor = executor
        self.window = window
        self.owned = owned
        self._cleanup = cleanup or ExitStack()

    def submit(self, spec: RunSpec) -> cf.Future:
        return self.executor.submit(
            execute_run, self.job.model, spec, self.job.out, self.job.record
        )

    def wait_some(self, pending: set[Any]) -> Iterable[Any]:
        done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
        return done

    def abort(self, pending: set[Any], now: bool) -> None:
        """Cancel what has not started; `now` (Ctrl-C) also stops our own pool's running runs.

        Writes are atomic and a run only counts once its runs row exists, so killing a
        worker mid-run loses that run and nothing else.
        """
        for future in pending:
            future.cancel()
        if not (self.owned and now):
            cf.wait(pending)  # let runs already running end and write their results
            return
        terminate = getattr(self.executor, "terminate_workers", None)  # Python >= 3.14
        if terminate is not None:
            terminate()
        else:
            processes = list((getattr(self.executor, "_processes", None) or {}).values())
            self.executor.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
        self.executor.shutdown(wait=True)

    def close(self) -> None:
        if self.owned:
            self.executor.shutdown(wait=True)
        self._cleanup.close()


@contextmanager
def _single_thread_env() -> Iterator[None]:
    """Set the thread variables while a process pool starts its workers, then restore them."""
    saved = {var: os.environ.get(var) for var in THREAD_ENV_VARS}
    os.environ.update({var: "1" for var in THREAD_ENV_VARS})
    try:
        yield
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


def _is_dask_client(obj: Any) -> bool:
    return (
        type(obj).__module__.startswith("distributed")
        and hasattr(obj, "submit")
        and hasattr(obj, "nthreads")
    )


def make_backend(
    model: str | ModelFn,
    out: Path,
    record: dict[str, Any],
    workers: int,
    scheduler: Any = None,
    executor: cf.Executor | None = None,
) -> Backend:
    """Pick the executor: a Dask client or address, a given executor, a pool, or in-process."""
    job = Job(model, str(out), record)
    if executor is not None and _is_dask_client(executor):
        scheduler, executor = executor, None
    if scheduler is not None:
        if isinstance(scheduler, str):
            from distributed import Client

            from sim.experiments.cluster import DaskBackend

            try:
                client = Client(scheduler, timeout="20s")
            except OSError as err:
                raise SimError(
                    f"cannot reach the Dask scheduler at {scheduler}: {err}", where="scheduler"
                ) from None
            return DaskBackend(job, client, owned=True)
        if not _is_dask_client(scheduler):
            raise SimError(
                f"expected a Dask address or Client, got {type(scheduler).__name__}",
                where="scheduler",
            )
        from sim.experiments.cluster import DaskBackend

        return DaskBackend(job, scheduler)
    if executor is not None:
        if not isinstance(executor, cf.Executor):
            raise SimError(
                f"expected a concurrent.futures.Executor, got {type(executor).__name__}",
                where="executor",
            )
        window = 2 * (getattr(executor, "_max_workers", None) or os.cpu_count() or 2)
        return FuturesBackend(job, executor, window)
    if workers == 1:
        return InProcessBackend(job)
    # Workers start as runs are submitted, so the variables stay set until the pool closes;
    # "spawn" because forking a parent with threads (progress bar, Dask, notebooks) can hang.
    cleanup = ExitStack()
    cleanup.enter_context(_single_thread_env())
    pool = QuietProcessPool(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
    )
    return FuturesBackend(job, pool, window=2 * workers, owned=True, cleanup=cleanup)


@dataclass
class Outcome:
    """Counters of one call to :func:`drive` (the parent keeps nothing else per run)."""

    done: int = 0


def _progress_bar(total: int, initial: int, progress: bool | None, desc: str) -> Any:
    """A bar in a terminal or notebook, a line a minute in a log (None), or nothing (False)."""
    return progress_bar(total, desc=desc, unit="run", initial=initial, progress=progress)


def _record_failure(out: Path, spec_run_id: str, err: BaseException) -> Path | None:
    """Write the run's traceback under failed/; None when that cannot be written either."""
    path = out / store.FAILED / f"{spec_run_id}.txt"
    text = "".join(traceback.format_exception(type(err), err, err.__traceback__))
    try:
        store.write_text_atomic(text, path)
    except OSError:
        return None  # e.g. the disk is full: say so without pointing at a file that is not there
    return path


def drive(
    backend: Backend,
    runs: Iterator[RunSpec],
    *,
    out: Path,
    total: int,
    already: int,
    progress: bool | None = None,
    desc: str = "sweep",
) -> Outcome:
    """Feed runs to the backend, a window at a time, until all are done or one fails.

    Raises :class:`RunFailed` on the first failing run and :class:`SweepInterrupted` on
    Ctrl-C; in both cases finished runs stay on disk for a resume.
    """
    outcome = Outcome()
    pending: dict[Any, str] = {}
    bar = _progress_bar(total, already, progress, desc)
    failure: tuple[str, BaseException] | None = None

    def collect() -> None:
        nonlocal failure
        for future in backend.wait_some(set(pending)):
            run_id = pending.pop(future)
            try:
                future.result()
            except Exception as err:
                if failure is None:
                    failure = (run_id, err)
                continue
            outcome.done += 1
            bar.update(1)

    try:
        try:
            for spec in runs:
                while len(pending) >= backend.window and failure is None:
                    collect()
                if failure is not None:
                    break
                pending[backend.submit(spec)] = spec.run_id
            while pending and failure is None:
                collect()
        except KeyboardInterrupt:
            backend.abort(set(pending), now=True)
            raise
        if failure is not None:  # stop cleanly: runs already running may still finish
            backend.abort(set(pending), now=False)
    finally:
        bar.close()
        backend.close()
    if failure is not None:
        run_id, err = failure
        where = _record_failure(out, run_id, err)
        shown = " ".join(str(err).split())  # one line, whatever the model raised
        raise RunFailed(
            f"run {run_id} failed: {type(err).__name__}: {shown}"
            + (f" (traceback in {where})" if where else "")
            + "; finished runs are kept; fix the cause and run the same command again to resume"
        ) from err
    return outcome
