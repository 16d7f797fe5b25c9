"""Helpers for the service tests: a config with local feeds, ``monitor run`` as a real subprocess, and readers for
what it left in the data directory. Every child process is killed when the ``with`` block ends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from connectors.testing.server import LocalServer, Reply, SeenRequest
from monitor.scheduler import JOBSTORE_FILE, STATE_FILE
from monitor.setup import example_config_text
from monitor.store import Store

ROOT = Path(__file__).resolve().parent.parent
_clock = time.monotonic  # conftest replaces time.sleep; waiting uses an Event instead


def pause(seconds: float) -> None:
    threading.Event().wait(seconds)


def wait_until(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = _clock() + timeout
    while True:
        value = check()
        if value:
            return value
        if _clock() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        pause(interval)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(value)


def write_config(directory: Path, sources: list[dict[str, Any]], scheduler: dict[str, Any] | None = None) -> Path:
    """monitor.toml with the example's two schools, these sources and [scheduler] settings; data in ./data."""
    schools = tomllib.loads(example_config_text())["schools"]
    lines = ['data_dir = "data"', "", "[scheduler]"]
    lines += [f"{k} = {_toml(v)}" for k, v in (scheduler or {}).items()]
    for table, rows in (("schools", schools), ("sources", sources)):
        for row in rows:
            lines += ["", f"[[{table}]]"] + [f"{k} = {_toml(v)}" for k, v in row.items()]
    path = directory / "monitor.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def rss_source(name: str, url: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "rss", "url": url, "retries": 0, "timeout_seconds": 5, **extra}


class ServiceProcess:
    """``monitor run`` in a child process; stderr goes to a file (no pipe that could fill up)."""

    def __init__(self, config: Path, *args: str) -> None:
        self.config = config
        self.data_dir = config.parent / "data"
        self.args = args
        self.log_path = config.parent / f"service-{_clock():.0f}-{id(self)}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServiceProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        env.update({"MONITOR_PSEUDONYM_KEY": "test-sleutel-voor-de-dienst", "HF_HUB_OFFLINE": "1",
                    "PYTHONUNBUFFERED": "1"})
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "monitor", "run", "--config", str(self.config), *self.args],
                stdout=log, stderr=subprocess.STDOUT, cwd=self.config.parent, env=env,
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_active(self, timeout: float = 30) -> dict[str, Any]:
        """Wait until the service says it is active (state file); returns that state."""

        def active() -> dict[str, Any] | None:
            assert self.running(), f"the service ended early:\n{self.log}"
            state = read_state(self.data_dir)
            return state if state.get("state") == "actief" and state.get("pid") == self.pid else None

        result: dict[str, Any] = wait_until(active, timeout, "the service to start")
        return result

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def signal(self, sig: int = signal.SIGTERM) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def wait_exit(self, timeout: float = 30) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)


def run_until(config: Path, args: tuple[str, ...], done: Callable[[], Any], what: str) -> ServiceProcess:
    """Start the service, wait until ``done()``, stop it with SIGTERM and check it exits 0."""
    with ServiceProcess(config, *args) as service:
        service.wait_active()
        wait_until(done, 30, what)
        service.signal(signal.SIGTERM)
        assert service.wait_exit(30) == 0, service.log
    return service


def read_state(data_dir: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads((data_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data


@contextmanager
def job_store(data_dir: Path) -> Iterator[Any]:
    """The service's job store, opened by a scheduler that never runs a job; only while the service is stopped."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    class StoreOnly(BackgroundScheduler):
        def _process_jobs(self) -> None:  # APScheduler 3 processes due jobs once more on shutdown, even paused
            return None

    store = SQLAlchemyJobStore(url=f"sqlite:///{data_dir / JOBSTORE_FILE}")
    scheduler = StoreOnly(jobstores={"default": store}, timezone=UTC)
    scheduler.start(paused=True)
    try:
        yield scheduler
    finally:
        scheduler.shutdown(wait=False)


def move_next_run(data_dir: Path, job_id: str, when: datetime) -> datetime:
    """Make the job store say ``job_id`` was due at ``when``, as if the service had been down since then, so a test
    knows exactly which runs were missed instead of estimating it from the clock. Returns the time as stored."""
    with job_store(data_dir) as scheduler:
        scheduler.modify_job(job_id, next_run_time=when)
        stored: datetime = scheduler.get_job(job_id).next_run_time
    return stored


def next_run(data_dir: Path, job_id: str) -> datetime | None:
    with job_store(data_dir) as scheduler:
        job = scheduler.get_job(job_id)
        return None if job is None else job.next_run_time


class HeldFeed:
    """A feed on the local server whose answers can be held back: after ``hold()`` each request waits until
    ``release()``, so a job runs for exactly as long as the test needs, whatever the machine's load."""

    def __init__(self, server: LocalServer, path: str, body: bytes) -> None:
        self.body = body
        self.url = server.url + path
        self.held = threading.Event()  # set once a request is being held
        self._holding = False
        self._released = threading.Event()
        server.routes[path] = self

    def hold(self) -> None:
        self._holding = True

    def release(self) -> None:
        self._released.set()

    def __call__(self, seen: SeenRequest) -> Reply:
        if self._holding and not self._released.is_set():
            self.held.set()
            self._released.wait(60)
        return Reply(body=self.body, headers={"Content-Type": "application/rss+xml"})


def job_rows(data_dir: Path, job_id: str | None = None) -> pd.DataFrame:
    rows = Store(data_dir).read("jobs").sort_values("finished_at", kind="stable").reset_index(drop=True)
    return rows[rows["job_id"] == job_id].reset_index(drop=True) if job_id else rows


def count_runs(data_dir: Path, job_id: str, status: str | None = None) -> int:
    rows = job_rows(data_dir, job_id)
    return int(len(rows) if status is None else (rows["status"] == status).sum())


def get_json(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def get_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return str(answer.read().decode("utf-8"))
