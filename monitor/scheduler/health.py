"""``/healthz`` (JSON, 200 ok / 503 degraded) and ``/metrics`` (Prometheus text format) on 127.0.0.1.

The service keeps a :class:`HealthState` up to date from its job events; the HTTP server runs in its own daemon
thread and only reads it. Metrics live in a dedicated ``CollectorRegistry`` (never the global one), so tests and
several services in one process do not share counters.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from monitor.errors import MonitorError
from monitor.scheduler.history import OK, JobSummary

log = logging.getLogger(__name__)


class Metrics:
    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge

        self.registry = CollectorRegistry(auto_describe=True)
        self.posts = Counter("monitor_posts_collected", "New posts stored, per source", ["source"],
                             registry=self.registry)
        self.collect_errors = Counter("monitor_collect_errors", "Failed collection runs and item errors, per source",
                                      ["source"], registry=self.registry)
        self.job_runs = Counter("monitor_job_runs", "Job executions by result (ok, fout, gemist)", ["job", "status"],
                                registry=self.registry)
        self.last_success = Gauge("monitor_job_last_success_timestamp_seconds", "When a job last succeeded (Unix)",
                                  ["job"], registry=self.registry)
        self.digests = Counter("monitor_digests_sent", "Digest e-mails sent", registry=self.registry)
        self.alerts = Counter("monitor_alerts", "Immediate safety alerts by result (verzonden, mislukt)", ["status"],
                              registry=self.registry)
        self.alerts_waiting = Gauge("monitor_alerts_waiting", "Safety alerts waiting for safety_recipients or [smtp]",
                                    registry=self.registry)
        self.running = Gauge("monitor_scheduler_running", "1 while the scheduler takes new jobs",
                             registry=self.registry)

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class HealthState:
    """What /healthz reports: the scheduler state and the latest result per job."""

    def __init__(self, summaries: dict[str, JobSummary], next_runs: Callable[[], dict[str, datetime | None]]) -> None:
        self.lock = threading.Lock()
        self.summaries = dict(summaries)
        self.next_runs = next_runs
        self.scheduler = "start"  # start, actief, stopt
        self.started_at: datetime | None = None

    def update(self, summary: JobSummary) -> None:
        with self.lock:
            self.summaries[summary.job_id] = summary

    def summary(self, job_id: str) -> JobSummary | None:
        with self.lock:
            return self.summaries.get(job_id)

    def report(self, relevant: set[str]) -> tuple[int, dict[str, Any]]:
        """(HTTP status, body): 503 when the scheduler is not running or a job's last run was not ok."""
        try:
            upcoming = self.next_runs()
        except Exception as exc:  # the job store is briefly unreadable: say so, do not crash the endpoint
            log.warning("volgende runs niet leesbaar: %s", exc)
            upcoming = {}
        with self.lock:
            ids = sorted(relevant | set(upcoming))
            jobs: dict[str, Any] = {}
            for job in ids:
                summary = self.summaries.get(job)
                entry: dict[str, Any] = summary.as_json() if summary else {"last_status": None}
                when = upcoming.get(job)
                entry["next_run"] = when.isoformat() if when else None
                jobs[job] = entry
            failing = sorted(j for j, e in jobs.items() if e["last_status"] not in (None, OK))
            healthy = self.scheduler == "actief" and not failing
            body = {
                "status": "ok" if healthy else "degraded",
                "scheduler": self.scheduler,
                "started_at": self.started_at.isoformat() if self.started_at else None,
                "failing": failing,
                "jobs": jobs,
            }
        return (200 if healthy else 503), body


@contextmanager
def serving(port: int, state: HealthState, metrics: Metrics, relevant: Callable[[], set[str]]) -> Iterator[int]:
    """Serve /healthz and /metrics on 127.0.0.1:``port`` (0: any free port) in a daemon thread; yields the port."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            if path == "/healthz":
                code, body = state.report(relevant())
                self._send(code, json.dumps(body, ensure_ascii=False).encode("utf-8"), "application/json")
            elif path == "/metrics":
                data, kind = metrics.render()
                self._send(200, data, kind)
            else:
                self._send(404, b"niet gevonden: /healthz of /metrics\n", "text/plain; charset=utf-8")

        def _send(self, code: int, data: bytes, kind: str) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("health: " + format, *args)

    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    except OSError as exc:
        raise MonitorError(
            f"De health-poort {port} op 127.0.0.1 is niet beschikbaar ({exc.strerror}). Kies een andere "
            "[scheduler] health_port of --health-port, of laat hem weg."
        ) from None
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="monitor-health",
                              daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
