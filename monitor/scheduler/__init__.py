"""The service behind ``monitor run``: APScheduler 3 with a persistent job store in the data directory.

``plan``     which jobs the config asks for (stable ids, triggers, job functions referenced by text)
``jobs``     the job functions: each loads the config fresh and calls a plain pipeline step
``history``  job results in the store's ``jobs`` table, and the marker of the job that is running
``service``  the scheduler, its event listener, signal handling and the main loop
``health``   ``/healthz`` and ``/metrics`` on 127.0.0.1
``status``   the scheduler part of ``monitor status``
``logs``     log output of the service (text or JSON lines, secrets redacted)

Files in the data directory: ``scheduler.sqlite`` (the job store), ``scheduler.lock`` (one service per data
directory), ``scheduler-lock.json`` (pid, host and start time of the lock's holder, while it holds it),
``scheduler.json`` (pid, state and health port of the service, for ``monitor status``) and
``scheduler-job.json`` (the job that is running; left behind only when the process was killed during a job).
"""

from __future__ import annotations

JOBSTORE_FILE = "scheduler.sqlite"
LOCK_FILE = "scheduler.lock"
LOCK_INFO_FILE = "scheduler-lock.json"
STATE_FILE = "scheduler.json"
MARKER_FILE = "scheduler-job.json"
