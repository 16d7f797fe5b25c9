"""One worker thread that runs jobs one after another, and knows which runs wait in its queue.

One worker is the simplest and safest choice: the store has one writer at a time anyway (a file lock), and a
collection never waits 30 s for a classification to release it. On a stop, the runs still in the queue are taken
out (:meth:`SerialExecutor.drain`) and handed back to the job store, so they run after the restart; the running
job may finish (:meth:`SerialExecutor.wait`).
"""

from __future__ import annotations

import concurrent.futures
import threading
from datetime import datetime
from typing import Any

from apscheduler.executors.base import BaseExecutor, run_job


class SerialExecutor(BaseExecutor):  # type: ignore[misc]  # apscheduler has no type hints
    def __init__(self) -> None:
        super().__init__()
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="monitor-job")
        self._queued: dict[concurrent.futures.Future[Any], tuple[str, list[datetime]]] = {}
        self._guard = threading.Lock()

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        with self._guard:
            future = self._pool.submit(run_job, job, job._jobstore_alias, run_times, self._logger.name)
            self._queued[future] = (job.id, run_times)
        future.add_done_callback(self._finished)

    def _finished(self, future: concurrent.futures.Future[Any]) -> None:
        with self._guard:
            job_id, _ = self._queued.pop(future)
        if future.cancelled():
            with self._lock:
                self._instances[job_id] -= 1
            return
        exc = future.exception()
        if exc is not None:
            self._run_job_error(job_id, exc, exc.__traceback__)
        else:
            self._run_job_success(job_id, future.result())

    def drain(self) -> list[tuple[str, list[datetime]]]:
        """Cancel the runs that have not started; returns them as (job id, scheduled run times)."""
        with self._guard:
            waiting = list(self._queued.items())
        return [(job_id, times) for future, (job_id, times) in waiting if future.cancel()]

    def wait(self, timeout: float) -> bool:
        """Wait for the running job (and its result to be recorded); False if it is still running."""
        with self._guard:
            futures = list(self._queued)
        _, running = concurrent.futures.wait(futures, timeout)
        if running:
            return False
        self._pool.shutdown(wait=True)  # the worker records the result before it exits
        return True

    def busy(self) -> bool:
        with self._guard:
            return bool(self._queued)

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait=wait)
