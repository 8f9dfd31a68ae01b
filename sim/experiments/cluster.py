"""Running a sweep on a `dask.distributed` cluster (imported only when one is asked for).

Each run is one task: `client.submit(..., pure=False, retries=2)` so a run is redone if its
worker dies (writes are atomic, so a redone run just rewrites the same files), and results are
collected with `distributed.as_completed` as they finish. Workers must see the output folder
and the base scenario at the same paths, and have `welfare-sim` (and the model) installed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from distributed import WorkerPlugin, as_completed

from sim.experiments.runs import RunSpec
from sim.experiments.worker import THREAD_ENV_VARS, Job, execute_run


class OneBlasThread(WorkerPlugin):
    """One BLAS/OpenMP thread per worker, also on workers that join the cluster later."""

    name = "welfare-sim-one-blas-thread"

    def setup(self, worker: Any) -> None:
        for var in THREAD_ENV_VARS:
            os.environ[var] = "1"
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1)


class DaskBackend:
    """Submit each run to the cluster, a window at a time; collect them as they complete."""

    def __init__(self, job: Job, client: Any, owned: bool = False):
        self.job = job
        self.client = client
        self.owned = owned
        self.window = max(4, 2 * (sum(client.nthreads().values()) or 1))
        self._completed = as_completed()
        client.register_plugin(OneBlasThread(), name=OneBlasThread.name)

    def submit(self, spec: RunSpec) -> Any:
        future = self.client.submit(
            execute_run,
            self.job.model,
            spec,
            self.job.out,
            self.job.record,
            pure=False,
            retries=2,
        )
        self._completed.add(future)
        return future

    def wait_some(self, pending: set[Any]) -> Iterable[Any]:
        return [next(self._completed)]

    def abort(self, pending: set[Any], now: bool) -> None:
        """Cancel runs not yet finished (a task already running on a worker still ends)."""
        if pending:
            self.client.cancel(list(pending))

    def close(self) -> None:
        if self.owned:
            self.client.close()
