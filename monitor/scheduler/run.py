"""The main loop of ``monitor run``: take the data directory's lock, start the scheduler (and the health endpoint),
wait for SIGTERM or SIGINT, then stop cleanly.

A stop takes no new jobs, hands queued runs back to the job store and lets the running job finish within
``stop_timeout_seconds``; then the process exits 0. A second signal stops at once (exit 1). A ``kill -9`` loses
nothing that was committed: the store and the job store are both atomic, and the interrupted job runs again.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from types import FrameType
from zoneinfo import ZoneInfo

from monitor.config import Config
from monitor.errors import MonitorError
from monitor.scheduler import JOBSTORE_FILE
from monitor.scheduler.runtime import acquire_lock, write_state

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    exit_code: int
    forced: bool = False  # a job was still running at the stop: exit without waiting for its thread


def run_service(
    config: Config, kinds: Collection[str], health_port: int | None = None, time_scale: float = 1.0
) -> RunResult:
    """Run until SIGTERM/SIGINT. ``health_port`` overrides the config's (0: any free port)."""
    lock = acquire_lock(config.data_dir, ZoneInfo(config.timezone))
    try:
        with _stop_signals() as stop:
            return _serve(config, kinds, health_port, time_scale, stop)
    finally:
        lock.release()


def _serve(
    config: Config, kinds: Collection[str], health_port: int | None, time_scale: float, stop: threading.Event
) -> RunResult:
    from sqlalchemy.exc import SQLAlchemyError

    from monitor.scheduler.health import serving
    from monitor.scheduler.service import Service
    from monitor.web.app import serving_inside_the_service

    data_dir = config.data_dir
    port = health_port if health_port is not None else config.scheduler.health_port
    write_state(data_dir, "start", config=str(config.path), kinds=list(kinds))
    try:
        service = Service(config, kinds, time_scale)
        endpoint = serving(port, service.health, service.metrics, service.relevant) if port is not None else None
        with endpoint or nullcontext(None) as bound, serving_inside_the_service(config):
            service.start()
            write_state(data_dir, "actief", started_at=service.health.started_at.isoformat()
                        if service.health.started_at else None, health_port=bound)
            if bound is not None:
                log.info("health: http://127.0.0.1:%d/healthz en /metrics", bound)
            while not stop.wait(0.5):
                pass
            log.info("stopsignaal ontvangen: geen nieuwe taken meer")
            write_state(data_dir, "stopt")
            finished = service.stop(config.scheduler.stop_timeout_seconds)
    except SQLAlchemyError as exc:
        raise MonitorError(
            f"De takenlijst {data_dir / JOBSTORE_FILE} is niet te gebruiken ({type(exc).__name__}: {exc}). Stop de "
            "dienst, verwijder dat bestand (het wordt uit de configuratie opnieuw gemaakt) en start opnieuw."
        ) from None
    write_state(data_dir, "gestopt" if finished else "afgebroken")
    return RunResult(0 if finished else 1, forced=not finished)


@contextmanager
def _stop_signals() -> Iterator[threading.Event]:
    """SIGTERM and SIGINT set the returned event; a second one ends the process at once."""
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            os.write(2, b"fout: tweede stopsignaal; de dienst stopt meteen (de opslag blijft heel)\n")
            os._exit(1)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
