"""The scheduler of ``monitor run``: a BackgroundScheduler with a persistent SQLite job store in the data directory,
one worker, explicit job defaults, an event listener that records every result, and a clean stop on SIGTERM/SIGINT.

Job defaults: ``coalesce=True`` (runs missed while the service was down run once), ``max_instances=1`` and a
misfire grace of ``misfire_grace_minutes`` (APScheduler's default of 1 s would silently drop every late run).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
)
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING

from monitor.config import Config
from monitor.errors import MonitorError
from monitor.records import now_utc
from monitor.scheduler import JOBSTORE_FILE, history, jobs
from monitor.scheduler.executor import SerialExecutor
from monitor.scheduler.health import HealthState, Metrics
from monitor.scheduler.history import FAILED, MISSED, OK, JobSummary
from monitor.scheduler.plan import ONE_SHOT_KINDS, JobSpec, one_shot, planned_jobs, scaled, trigger_key
from monitor.store import Store

log = logging.getLogger(__name__)

SURFACE_AFTER = 3  # failures in a row after which a job's failure is logged as an error, not a warning
MAX_MISSED_COUNT = 10_000


class _Scheduler(BackgroundScheduler):  # type: ignore[misc]  # apscheduler has no type hints
    """A BackgroundScheduler that processes due jobs only while running.

    APScheduler 3 wakes its loop once more on ``shutdown`` and then processes due jobs even though it is stopped:
    it submits them to the executor that was just shut down, and moves their next run time on (a one-shot job is
    removed), so runs that came due while a stop waited for the running job would be lost instead of caught up
    after the restart."""

    def _process_jobs(self) -> float | None:
        if self.state != STATE_RUNNING:
            return None
        wait: float | None = super()._process_jobs()
        return wait


class Service:
    def __init__(self, config: Config, kinds: Collection[str], time_scale: float = 1.0) -> None:
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

        if config.path is None:  # pragma: no cover - load_config always sets it
            raise MonitorError("De dienst heeft het pad van het configuratiebestand nodig.")
        self.config, self.config_path = config, str(config.path)
        self.kinds, self.time_scale = tuple(kinds), time_scale
        self.data_dir = config.data_dir
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(config.data_dir)
        self.grace = scaled(60 * config.scheduler.misfire_grace_minutes, time_scale)
        self.executor = SerialExecutor()
        self.scheduler = _Scheduler(
            jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{self.data_dir / JOBSTORE_FILE}")},
            executors={"default": self.executor},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": self.grace},
            timezone=ZoneInfo(config.timezone),
        )
        self.planned: set[str] = set()
        self.metrics = Metrics()
        self.health = HealthState(history.summaries(self.store), self.next_runs)
        for summary in self.health.summaries.values():
            if summary.last_success:
                self.metrics.last_success.labels(summary.job_id).set(summary.last_success.timestamp())

    # ---- start -----------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Open the job store, bring its jobs in line with the config, take over an interrupted run, begin."""
        jobs.STOPPING.clear()
        self.scheduler.add_listener(
            self.on_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES
        )
        self.scheduler.start(paused=True)
        started = now_utc()
        fresh = self.sync(started)
        interrupted = history.take_interrupted(self.store, self.data_dir)
        if interrupted:
            self.rearm(*interrupted)
        self.log_catch_up(started, fresh)
        if "classify" in self.kinds:
            self.add_one_shot("classify")  # posts stored before a stop or crash that were never classified
        self.scheduler.resume()
        self.health.scheduler, self.health.started_at = "actief", started
        self.metrics.running.set(1)
        self.warn_unreachable_safety()
        self.check_setup()
        job_count = len(self.scheduler.get_jobs())
        log.info("planner gestart met %d taken; soorten taken aan: %s", job_count, ", ".join(self.kinds))

    def warn_unreachable_safety(self) -> None:
        """Say at start, loudly, which schools cannot be alerted: an alert for them waits until this is fixed."""
        if "alert" not in self.kinds or not self.config.alerts.enabled:
            return
        missing = [s.id for s in self.config.schools if not s.safety_recipients]
        if missing:
            log.warning("geen safety_recipients voor %s: veiligheidsmeldingen voor deze school(en) wachten tot er een "
                        "adres is. Zet bij de school in monitor.toml: safety_recipients = [\"naam@school.nl\"]",
                        ", ".join(missing), extra={"schools": missing})
        if self.config.smtp is None:
            log.warning("geen [smtp]-sectie: veiligheidsmeldingen en digests worden niet verzonden, alleen bewaard")

    def check_setup(self) -> None:
        """The offline part of ``monitor check`` at start: each problem a warning in the log (and in status)."""
        from monitor.check import problems, run_checks

        for finding in problems(run_checks(self.config)):
            log.warning("controle %s: %s", finding.topic, finding.text, extra={"check": finding.topic,
                                                                                "status": finding.status})

    def sync(self, now: datetime) -> set[str]:
        """Make the job store match the config: add new jobs, replace changed ones, remove those of removed
        sources. An unchanged job is left alone, so a run it missed while the service was down is caught up."""
        specs = planned_jobs(self.config, self.config_path, self.kinds, self.time_scale)
        existing = {job.id: job for job in self.scheduler.get_jobs()}
        fresh = set()
        for spec in specs:
            job = existing.get(spec.id)
            if job is not None and self._unchanged(job, spec):
                continue
            self.add(spec, now if spec.run_now else None)
            fresh.add(spec.id)
            log.info("taak %s %s: %s", spec.id, "bijgewerkt" if job else "toegevoegd", spec.name)
        self.planned = {s.id for s in specs}
        keep = self.planned | {k for k in ONE_SHOT_KINDS if k in self.kinds}
        for job_id in sorted(set(existing) - keep):
            self.scheduler.remove_job(job_id)
            log.info("taak %s verwijderd: niet meer in de configuratie", job_id)
        return fresh

    def _unchanged(self, job: Any, spec: JobSpec) -> bool:
        return bool(
            job.func_ref == spec.func and tuple(job.args) == spec.args and job.name == spec.name
            and trigger_key(job.trigger) == trigger_key(spec.trigger) and job.misfire_grace_time == self.grace
            and job.coalesce and job.max_instances == 1
        )

    def add(self, spec: JobSpec, run_at: datetime | None = None) -> None:
        extra = {"next_run_time": run_at} if run_at else {}
        self.scheduler.add_job(
            spec.func, spec.trigger, args=spec.args, id=spec.id, name=spec.name, replace_existing=True,
            coalesce=True, max_instances=1, misfire_grace_time=self.grace, **extra,
        )

    def add_one_shot(self, kind: str, when: datetime | None = None) -> None:
        self.add(one_shot(kind, self.config_path, when or now_utc()))

    def rearm(self, job_id: str, when: datetime) -> None:
        """Give a run back to the job store (a stop came first, or the process died during it): it runs at the
        next start, once, if that is within the misfire grace time."""
        job = self.scheduler.get_job(job_id)
        if job is None:
            kind = job_id.split(":", 1)[0]
            if kind in ONE_SHOT_KINDS and kind in self.kinds:
                self.add_one_shot(kind, when)
            return
        if job.next_run_time is None or job.next_run_time > when:
            job.modify(next_run_time=when)

    def log_catch_up(self, now: datetime, fresh: set[str]) -> None:
        """Say which runs were missed while the service was down, and what happens with them."""
        for job in self.scheduler.get_jobs():
            if job.id in fresh:
                continue
            missed = fire_times(job, now)
            if not missed:
                continue
            late = now - missed[-1]
            if late <= timedelta(seconds=self.grace):
                log.warning("taak %s: %d run(s) gemist sinds %s; wordt nu één keer ingehaald", job.id, len(missed),
                            missed[0].isoformat(timespec="seconds"), extra={"job_id": job.id, "missed": len(missed)})
            else:
                log.warning("taak %s: %d run(s) gemist, de laatste meer dan misfire_grace_minutes geleden; wordt "
                            "als 'gemist' vastgelegd en draait weer op %s", job.id, len(missed),
                            job.trigger.get_next_fire_time(missed[-1], now), extra={"job_id": job.id})

    # ---- events ----------------------------------------------------------------------------------------------
    def on_event(self, event: Any) -> None:
        """Record every result (jobs table, health, metrics), surface repeated failures, start follow-up jobs."""
        if event.code == EVENT_JOB_MAX_INSTANCES:
            log.info("taak %s overgeslagen: de vorige run loopt nog of wacht nog", event.job_id)
            return
        outcome = event.retval if event.code == EVENT_JOB_EXECUTED else None
        if isinstance(outcome, jobs.JobOutcome) and outcome.status == jobs.POSTPONED:
            self.rearm(event.job_id, event.scheduled_run_time)
            log.info("taak %s niet gestart (de dienst stopt); volgt na de herstart", event.job_id)
            return
        row = self._row(event, outcome)
        history.record(self.store, row)
        if event.code != EVENT_JOB_MISSED:
            history.clear_marker(self.data_dir, event.job_id)
        summary = self._summary(row)
        self.health.update(summary)
        self._measure(row, outcome)
        self._log_result(row, summary, outcome)
        for kind in outcome.follow_up if outcome else ():
            if kind in self.kinds:
                self.add_one_shot(kind)

    def _row(self, event: Any, outcome: jobs.JobOutcome | None) -> dict[str, Any]:
        scheduled = event.scheduled_run_time
        if event.code == EVENT_JOB_MISSED:
            return history.job_row(event.job_id, MISSED, scheduled_for=scheduled,
                                   error=f"niet uitgevoerd: meer dan {timedelta(seconds=self.grace)} te laat "
                                         "(misfire_grace_minutes)")
        if outcome is None:
            exc = event.exception
            error = str(exc) if isinstance(exc, MonitorError) else f"{type(exc).__name__}: {exc}"
            return history.job_row(event.job_id, FAILED, scheduled_for=scheduled, error=error,
                                   started_at=getattr(exc, "monitor_started_at", None))
        return history.job_row(event.job_id, outcome.status, scheduled_for=scheduled, started_at=outcome.started_at,
                               finished_at=outcome.finished_at, error=outcome.error)

    def _summary(self, row: dict[str, Any]) -> JobSummary:
        before = self.health.summary(row["job_id"])
        ok = row["status"] == OK
        failures = 0 if ok else (before.failures_in_a_row if before else 0) + 1
        last_success = row["finished_at"] if ok else (before.last_success if before else None)
        return JobSummary(row["job_id"], row["status"], row["finished_at"], row["error"], failures, last_success)

    def _measure(self, row: dict[str, Any], outcome: jobs.JobOutcome | None) -> None:
        self.metrics.job_runs.labels(row["job_id"], row["status"]).inc()
        if row["status"] == OK:
            self.metrics.last_success.labels(row["job_id"]).set(row["finished_at"].timestamp())
        if outcome and outcome.source and row["job_id"].startswith("collect:"):
            self.metrics.posts.labels(outcome.source).inc(outcome.new_posts)
            self.metrics.collect_errors.labels(outcome.source).inc(outcome.collect_errors)
        if outcome and outcome.digests_sent:
            self.metrics.digests.inc(outcome.digests_sent)
        if outcome and row["job_id"] == "alert":
            self.metrics.alerts.labels("verzonden").inc(outcome.alerts_sent)
            self.metrics.alerts.labels("mislukt").inc(outcome.alerts_failed)
            self.metrics.alerts_waiting.set(outcome.alerts_waiting)

    def _log_result(self, row: dict[str, Any], summary: JobSummary, outcome: jobs.JobOutcome | None) -> None:
        started = row["started_at"]
        seconds = round((row["finished_at"] - started).total_seconds(), 1) if started else None
        extra = {"job_id": row["job_id"], "status": row["status"], "duration_s": seconds,
                 "failures_in_a_row": summary.failures_in_a_row}
        if row["status"] == OK:
            log.info("taak %s klaar in %s s: %s", row["job_id"], seconds, outcome.summary if outcome else "",
                     extra=extra)
        elif summary.failures_in_a_row >= SURFACE_AFTER:
            log.error("taak %s is %d keer op rij mislukt: %s", row["job_id"], summary.failures_in_a_row,
                      row["error"], extra=extra)
        else:
            log.warning("taak %s %s: %s", row["job_id"], "gemist" if row["status"] == MISSED else "mislukt",
                        row["error"], extra=extra)

    # ---- state -----------------------------------------------------------------------------------------------
    def next_runs(self) -> dict[str, datetime | None]:
        return {job.id: job.next_run_time for job in self.scheduler.get_jobs()}

    def relevant(self) -> set[str]:
        """The jobs /healthz judges: the planned ones and the follow-up jobs of the kinds this service runs."""
        return self.planned | {k for k in ONE_SHOT_KINDS if k in self.kinds}

    def stop(self, timeout: float) -> bool:
        """Take no new jobs, hand queued runs back to the job store, let the running job finish within
        ``timeout`` seconds. False: it is still running (the caller exits anyway; the store stays consistent)."""
        jobs.STOPPING.set()
        self.health.scheduler = "stopt"
        self.metrics.running.set(0)
        self.scheduler.pause()
        for job_id, run_times in self.executor.drain():
            self.rearm(job_id, run_times[0])
            log.info("taak %s nog niet gestart; volgt na de herstart", job_id)
        if self.executor.busy():
            log.info("wachten tot de lopende taak klaar is (hooguit %d s)", timeout)
        finished = self.executor.wait(timeout)
        if not finished:
            log.error("de lopende taak is na %d s nog niet klaar (stop_timeout_seconds); de dienst stopt toch. De "
                      "opslag blijft heel: wat niet vastgelegd was, wordt bij de volgende run opnieuw gedaan.", timeout)
            return False
        self.scheduler.shutdown(wait=False)
        log.info("planner gestopt")
        return True


def fire_times(job: Any, now: datetime) -> list[datetime]:
    """The run times of ``job`` that are due at ``now`` (more than one: runs were missed)."""
    times: list[datetime] = []
    moment = job.next_run_time
    while moment is not None and moment <= now and len(times) < MAX_MISSED_COUNT:
        times.append(moment)
        moment = job.trigger.get_next_fire_time(moment, now)
    return times
