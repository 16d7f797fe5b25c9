"""The service's parts in process: the job plan, syncing the job store with a changed config, the event listener
(history, follow-up jobs, runs handed back on a stop), the one-worker executor, health, status and log output."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.util import ref_to_obj

from monitor.config import Config, load_config
from monitor.errors import ConfigError
from monitor.scheduler import history
from monitor.scheduler.executor import SerialExecutor
from monitor.scheduler.health import HealthState
from monitor.scheduler.history import JobSummary
from monitor.scheduler.jobs import POSTPONED, JobOutcome
from monitor.scheduler.logs import configure
from monitor.scheduler.plan import KINDS, parse_kinds, planned_jobs
from monitor.scheduler.runtime import write_state
from monitor.scheduler.service import Service
from monitor.scheduler.status import print_scheduler_status
from monitor.store import Store
from tests.scheduler_helpers import job_rows, rss_source, wait_until, write_config

URL = "http://127.0.0.1:9/feed.xml"  # never fetched in these tests


def config_with(tmp_path: Path, sources: list[dict[str, object]], **scheduler: object) -> Config:
    return load_config(write_config(tmp_path, sources, scheduler))


@pytest.fixture
def started() -> Iterator[list[Service]]:
    """Services started paused (nothing runs); shut down after the test."""
    services: list[Service] = []
    yield services
    for service in services:
        if service.scheduler.running:
            service.scheduler.shutdown(wait=False)


def paused(config: Config, kinds: tuple[str, ...], registry: list[Service]) -> Service:
    service = Service(config, kinds)
    service.scheduler.start(paused=True)
    registry.append(service)
    return service


def test_plan_has_stable_ids_and_the_configured_times(tmp_path: Path) -> None:
    config = config_with(tmp_path, [
        rss_source("a", URL, every_minutes=5), rss_source("b", URL), rss_source("uit", URL, enabled=False),
        {"name": "reddit-nl", "type": "reddit"},
    ], collect_every_minutes=45, digest_day="tue", digest_time="08:15", purge_time="02:00")
    specs = {s.id: s for s in planned_jobs(config, "/etc/monitor.toml", KINDS)}
    assert set(specs) == {"collect:a", "collect:b", "collect:reddit-nl", "recheck:reddit-nl", "digest", "purge"}
    assert specs["collect:a"].trigger.interval == timedelta(minutes=5)
    assert specs["collect:b"].trigger.interval == timedelta(minutes=45)  # the default of [scheduler]
    assert str(specs["digest"].trigger) == "cron[day_of_week='tue', hour='8', minute='15']"
    assert str(specs["digest"].trigger.timezone) == "Europe/Amsterdam"
    assert str(specs["purge"].trigger) == "cron[hour='2', minute='0']"
    assert specs["collect:a"].args == ("/etc/monitor.toml", "a")
    assert all(callable(ref_to_obj(spec.func)) for spec in specs.values())  # every text reference resolves
    assert {s.id for s in planned_jobs(config, "x", ("collect",))} == {"collect:a", "collect:b", "collect:reddit-nl"}
    assert {s.id for s in planned_jobs(config, "x", KINDS, time_scale=60)} == set(specs)
    assert planned_jobs(config, "x", ("collect",), time_scale=60)[0].trigger.interval == timedelta(seconds=5)
    with pytest.raises(ConfigError, match="Onbekend taaktype onzin"):
        parse_kinds(["collect", "onzin"])


def test_a_changed_config_replaces_jobs_without_duplicates_and_keeps_missed_runs(
    tmp_path: Path, started: list[Service]
) -> None:
    first = paused(config_with(tmp_path, [rss_source(s, URL, every_minutes=5) for s in "abc"]), ("collect",),
                   started)
    first.sync(datetime.now(UTC))
    missed = datetime.now(UTC) - timedelta(minutes=30)
    first.scheduler.get_job("collect:a").modify(next_run_time=missed)  # a run missed while the service was down
    first.scheduler.shutdown(wait=False)

    changed = config_with(tmp_path, [rss_source("a", URL, every_minutes=5), rss_source("b", URL, every_minutes=10),
                                     rss_source("d", URL, every_minutes=5)])
    second = paused(changed, ("collect",), started)
    fresh = second.sync(datetime.now(UTC))
    jobs = {job.id: job for job in second.scheduler.get_jobs()}
    assert set(jobs) == {"collect:a", "collect:b", "collect:d"}  # c removed, d added, nothing twice
    assert fresh == {"collect:b", "collect:d"}
    assert jobs["collect:a"].next_run_time == missed  # unchanged: its missed run is kept, to run once
    assert jobs["collect:b"].trigger.interval == timedelta(minutes=10)
    assert jobs["collect:a"].misfire_grace_time == 6 * 60 * 60  # explicit defaults, stored with each job
    assert jobs["collect:a"].coalesce is True and jobs["collect:a"].max_instances == 1


def _executed(job_id: str, outcome: JobOutcome, scheduled: datetime) -> JobExecutionEvent:
    return JobExecutionEvent(EVENT_JOB_EXECUTED, job_id, "default", scheduled, retval=outcome)


def test_listener_records_results_and_starts_follow_up_jobs(tmp_path: Path, started: list[Service]) -> None:
    config = config_with(tmp_path, [rss_source("a", URL)])
    service = paused(config, ("collect", "classify", "dashboard"), started)
    service.sync(datetime.now(UTC))
    begin = datetime.now(UTC)
    outcome = JobOutcome(new_posts=3, source="a", follow_up=("classify",), started_at=begin,
                         finished_at=begin + timedelta(seconds=2))
    service.on_event(_executed("collect:a", outcome, begin))
    classify = service.scheduler.get_job("classify")
    assert classify is not None and classify.func_ref == "monitor.scheduler.jobs:classify_posts"
    rows = job_rows(config.data_dir)
    assert list(rows["job_id"]) == ["collect:a"] and list(rows["status"]) == ["ok"]
    assert rows.iloc[0]["finished_at"] == begin + timedelta(seconds=2)
    registry = service.metrics.registry
    assert registry.get_sample_value("monitor_posts_collected_total", {"source": "a"}) == 3
    assert registry.get_sample_value("monitor_job_runs_total", {"job": "collect:a", "status": "ok"}) == 1

    service.on_event(JobExecutionEvent(EVENT_JOB_MISSED, "collect:a", "default", begin))
    summary = service.health.summary("collect:a")
    assert summary is not None and summary.last_status == "gemist" and summary.failures_in_a_row == 1

    # A run that was queued when the service began to stop goes back to the job store, with nothing recorded.
    earlier = begin - timedelta(minutes=5)
    service.on_event(_executed("collect:a", JobOutcome(POSTPONED), earlier))
    assert service.scheduler.get_job("collect:a").next_run_time == earlier
    assert len(job_rows(config.data_dir)) == 2

    other = tmp_path / "other"
    other.mkdir()
    only_collect = paused(config_with(other, [rss_source("a", URL)]), ("collect",), started)
    only_collect.on_event(_executed("collect:a", outcome, begin))
    assert only_collect.scheduler.get_job("classify") is None  # classify is not among this service's jobs


def test_executor_hands_back_queued_runs_and_waits_for_the_running_one() -> None:
    gate, running = threading.Event(), threading.Event()

    def slow() -> None:
        running.set()
        gate.wait(10)

    executor = SerialExecutor()
    scheduler = BackgroundScheduler(executors={"default": executor})
    scheduler.start()
    try:
        scheduler.add_job(slow, id="slow")
        assert running.wait(10)
        scheduler.add_job(lambda: None, id="quick")
        # Submitted behind the slow one once the scheduler has taken it out of the store (a one-shot job).
        wait_until(lambda: scheduler.get_job("quick") is None, 30, "the quick job to be submitted")
        scheduler.pause()
        handed_back = executor.drain()
        assert [job_id for job_id, _ in handed_back] == ["quick"]
        assert executor.wait(0.2) is False  # slow is still running
        gate.set()
        assert executor.wait(10) is True
    finally:
        gate.set()
        scheduler.shutdown(wait=False)


def test_health_is_degraded_while_a_job_fails() -> None:
    at = datetime(2026, 11, 16, 9, tzinfo=UTC)
    ok = JobSummary("collect:a", "ok", at, "", 0, at)
    state = HealthState({"collect:a": ok}, lambda: {"collect:a": at + timedelta(hours=1), "collect:b": None})
    state.scheduler = "actief"
    code, body = state.report({"collect:a", "collect:b"})
    assert code == 200 and body["status"] == "ok"
    assert body["jobs"]["collect:b"] == {"last_status": None, "next_run": None}
    state.update(JobSummary("collect:b", "fout", at, "HTTP 500", 4, None))
    code, body = state.report({"collect:a", "collect:b"})
    assert code == 503 and body["status"] == "degraded" and body["failing"] == ["collect:b"]
    assert body["jobs"]["collect:b"]["failures_in_a_row"] == 4
    state.scheduler = "stopt"
    state.update(JobSummary("collect:b", "ok", at, "", 0, at))
    assert state.report({"collect:a", "collect:b"})[0] == 503


def test_failures_in_a_row_count_from_the_last_success() -> None:
    at = datetime(2026, 11, 16, 9, tzinfo=UTC)
    rows = [history.job_row("j", s, finished_at=at + timedelta(minutes=i)) for i, s in
            enumerate(["fout", "ok", "fout", "gemist", "fout"])]
    summary = history.summarise("j", rows)
    assert summary.failures_in_a_row == 3 and summary.last_status == "fout"
    assert summary.last_success == at + timedelta(minutes=1)


def test_status_before_the_first_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = config_with(tmp_path, [rss_source("a", URL)])
    print_scheduler_status(config, Store(config.data_dir))
    assert "'monitor run' is nog niet gestart" in capsys.readouterr().out


def test_status_shows_the_service_state_and_failing_jobs(
    tmp_path: Path, started: list[Service], capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_with(tmp_path, [rss_source("a", URL), rss_source("b", URL)])
    service = paused(config, ("collect",), started)
    service.sync(datetime.now(UTC))
    service.scheduler.shutdown(wait=False)
    store = Store(config.data_dir)
    for _ in range(2):
        history.record(store, history.job_row("collect:b", "fout", error="HTTP 500 van de bron"))
    write_state(config.data_dir, "gestopt")
    print_scheduler_status(config, store)
    text = capsys.readouterr().out
    assert "Planner: niet actief (netjes gestopt" in text
    assert "taak collect:b: de laatste 2 runs fout: HTTP 500 van de bron" in text
    write_state(config.data_dir, "actief")  # but nobody holds the lock: the process died
    print_scheduler_status(config, store)
    assert "niet netjes gestopt" in capsys.readouterr().out


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_logs_redact_secrets_and_can_be_json_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], root_logging: None
) -> None:
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", 'ge"heim-1234')
    config = config_with(tmp_path, [{"name": "reddit-nl", "type": "reddit"}])
    configure(config, logging.INFO, json_lines=True)
    logging.getLogger("monitor.test").info("token %s", 'ge"heim-1234', extra={"job_id": "collect:reddit-nl"})
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["message"] == "token ***"
    assert line["job_id"] == "collect:reddit-nl" and line["level"] == "INFO" and line["logger"] == "monitor.test"
    configure(config, logging.INFO, json_lines=False)
    logging.getLogger("monitor.test").warning("fout met ge\"heim-1234")
    assert capsys.readouterr().err.strip().endswith("WARNING monitor.test: fout met ***")


def test_apschedulers_skipped_turn_is_a_dutch_info_line() -> None:
    import io
    import logging

    from monitor.scheduler.logs import DutchSchedulerLines

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(DutchSchedulerLines())
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("apscheduler.scheduler")
    logger.addHandler(handler)
    root_level = logging.getLogger().level
    logging.getLogger().setLevel(logging.INFO)
    try:
        logger.warning('Execution of job "%s" skipped: maximum number of running instances reached (%d)',
                       "collect:regionieuws", 1)
    finally:
        logger.removeHandler(handler)
        logging.getLogger().setLevel(root_level)
    assert stream.getvalue().strip() == ("INFO taak collect:regionieuws draait nog; deze beurt wordt overgeslagen "
                                         "(de volgende komt vanzelf)")
