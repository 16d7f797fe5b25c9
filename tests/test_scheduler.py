"""``monitor run`` as a real subprocess against feeds on the local HTTP server: jobs fire, a stop waits for the running
job, one service per data directory, missed runs are caught up once, and a failing source stays alone and visible.

``--time-scale 60`` makes a configured minute last one second; ``--only collect`` keeps the model stage out.

No test estimates from the clock what the service will do: a job that must be running is held by its feed
(``HeldFeed``) until the test lets it go, and downtime is set up in the job store (``move_next_run``), so the test
knows exactly which runs were missed. The tests wait for conditions, never for fixed times.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import LocalServer, Reply, rss_feed
from tests.scheduler_helpers import (
    HeldFeed,
    ServiceProcess,
    count_runs,
    get_json,
    get_text,
    job_rows,
    move_next_run,
    next_run,
    rss_source,
    run_until,
    wait_until,
    write_config,
)

pytestmark = pytest.mark.timeout(90)

FAST = ("--only", "collect", "--time-scale", "60")
DAY = 1440  # every_minutes: at --time-scale 60 a run every 24 minutes, so no regular run happens during a test
DAY_SCALED = timedelta(seconds=DAY)


def news(feed: str, count: int = 2) -> bytes:
    items = [
        {"guid": f"{feed}-{n}", "link": f"https://nieuws.example/{feed}/{n}",
         "title": f"Zilvermeer College bericht {n}", "description": "Leerlingen van het Zilvermeer College in Almere"}
        for n in range(count)
    ]
    return rss_feed(items)


def feed(server: LocalServer, name: str) -> str:
    return server.add(f"/{name}.xml", Reply(body=news(name), headers={"Content-Type": "application/rss+xml"}))


def held_feed(server: LocalServer, name: str) -> HeldFeed:
    return HeldFeed(server, f"/{name}.xml", news(name))


def now() -> datetime:
    return datetime.now(UTC)


def test_jobs_fire_and_sigterm_lets_the_running_job_finish(tmp_path: Path, local_server: LocalServer) -> None:
    slow = held_feed(local_server, "traag")
    config = write_config(tmp_path, [
        rss_source("snel", feed(local_server, "snel"), every_minutes=1),
        rss_source("traag", slow.url, every_minutes=1, timeout_seconds=60),
    ])
    with ServiceProcess(config, *FAST) as service:
        service.wait_active()
        wait_until(lambda: count_runs(service.data_dir, "collect:snel", "ok") >= 2, 30, "two runs of snel")
        # A second service for the same data directory refuses, with a clear Dutch message.
        second = subprocess.run([sys.executable, "-m", "monitor", "run", "--config", str(config), *FAST],
                                capture_output=True, text=True, timeout=60, cwd=tmp_path,
                                env={**os.environ, "MONITOR_PSEUDONYM_KEY": "x" * 16})
        assert second.returncode == 1
        assert "Er draait al een 'monitor run' voor de datamap" in second.stderr
        assert f"(pid {service.pid}, gestart " in second.stderr
        assert service.running()

        slow.hold()
        wait_until(slow.held.is_set, 30, "a run of the slow feed to be waiting for its answer")
        signalled = now()
        service.signal(signal.SIGTERM)
        wait_until(lambda: "wachten tot de lopende taak klaar is" in service.log, 30, "the stop to wait for the job")
        assert service.running(), "the process waits for the running job ..."
        slow.release()
        assert service.wait_exit(30) == 0

    last = job_rows(service.data_dir, "collect:traag").iloc[-1]
    assert last["status"] == "ok"
    assert last["finished_at"] > signalled  # ... which finished after the signal
    assert "planner gestopt" in service.log
    assert '"state": "gestopt"' in (service.data_dir / "scheduler.json").read_text()


def test_restart_after_downtime_runs_each_missed_job_once(tmp_path: Path, local_server: LocalServer) -> None:
    config = write_config(tmp_path, [
        rss_source("a", feed(local_server, "a"), every_minutes=DAY),
        rss_source("b", feed(local_server, "b"), every_minutes=DAY),
    ])
    data = tmp_path / "data"
    run_until(config, FAST, lambda: all(count_runs(data, f"collect:{s}", "ok") >= 1 for s in "ab"), "a first run")
    # The service was down for over two intervals: three runs of each job came due, the last a minute ago (well
    # within the misfire grace of 6 scaled minutes); the next regular run is 23 minutes away.
    first_due = {s: move_next_run(data, f"collect:{s}", now() - 2 * DAY_SCALED - timedelta(seconds=60)) for s in "ab"}
    with ServiceProcess(config, *FAST) as second:
        restarted = datetime.fromisoformat(second.wait_active()["started_at"])
        wait_until(lambda: all(count_runs(data, f"collect:{s}") >= 2 for s in "ab"), 30, "the catch-up runs")
        second.signal(signal.SIGTERM)
        assert second.wait_exit(30) == 0
    for source in "ab":
        rows = job_rows(data, f"collect:{source}")
        assert list(rows["status"]) == ["ok", "ok"], f"{source}: missed runs must be coalesced into one:\n{rows}"
        catch_up = rows.iloc[1]
        assert catch_up["scheduled_for"] == first_due[source] + 2 * DAY_SCALED  # the last of the missed runs
        assert catch_up["started_at"] >= restarted
        assert next_run(data, f"collect:{source}") == first_due[source] + 3 * DAY_SCALED  # the schedule goes on
    assert second.log.count("3 run(s) gemist sinds") == 2
    assert second.log.count("wordt nu één keer ingehaald") == 2
    assert "toegevoegd" not in second.log  # the unchanged jobs were kept, not added again


def test_a_failing_source_stays_alone_and_is_reported(tmp_path: Path, local_server: LocalServer) -> None:
    broken = local_server.add("/kapot.xml", Reply(500, b"kapot"))
    config = write_config(tmp_path, [
        rss_source("goed", feed(local_server, "goed"), every_minutes=1),
        rss_source("kapot", broken, every_minutes=1),
    ])
    data = tmp_path / "data"
    with ServiceProcess(config, *FAST, "--health-port", "0") as service:
        port = service.wait_active()["health_port"]
        wait_until(lambda: count_runs(data, "collect:kapot", "fout") >= 3 and count_runs(data, "collect:goed", "ok")
                   >= 3, 40, "several runs of both sources")
        code, health = get_json(f"http://127.0.0.1:{port}/healthz")
        assert code == 503
        assert health["status"] == "degraded" and health["scheduler"] == "actief"
        assert health["failing"] == ["collect:kapot"]
        assert health["jobs"]["collect:kapot"]["failures_in_a_row"] >= 3
        assert "HTTP 500" in health["jobs"]["collect:kapot"]["error"]
        assert health["jobs"]["collect:goed"]["last_status"] == "ok"
        assert health["jobs"]["collect:goed"]["next_run"]
        metrics = get_text(f"http://127.0.0.1:{port}/metrics")
        assert 'monitor_posts_collected_total{source="goed"} 2.0' in metrics
        assert 'monitor_job_runs_total{job="collect:kapot",status="fout"}' in metrics
        assert 'monitor_job_last_success_timestamp_seconds{job="collect:goed"}' in metrics

        status = subprocess.run([sys.executable, "-m", "monitor", "status", "--config", str(config)],
                                capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "200"})
        assert status.returncode == 0, status.stderr
        assert f"Planner: actief, proces {service.pid}" in status.stdout
        assert "collect:kapot" in status.stdout and "collect:goed" in status.stdout
        assert "taak collect:kapot: de laatste" in status.stdout and "runs fout" in status.stdout

        # A job that raises (here: the config file became invalid) is logged with its traceback, recorded as
        # failed, and stays scheduled: once the file is fixed, the next run succeeds.
        text = config.read_text()
        _replace(config, text + "\n[onzin\n")
        failed_before = count_runs(data, "collect:goed", "fout")
        wait_until(lambda: count_runs(data, "collect:goed", "fout") > failed_before, 30, "a failing run of goed")
        _replace(config, text)
        ok_before = count_runs(data, "collect:goed", "ok")
        wait_until(lambda: count_runs(data, "collect:goed", "ok") > ok_before, 30, "goed to succeed again")
        service.signal(signal.SIGINT)
        assert service.wait_exit(30) == 0
    assert "raised an exception" in service.log and "Traceback" in service.log
    errors = job_rows(data, "collect:goed")["error"]
    assert errors.str.contains("geen geldige TOML").any()
    assert "is 3 keer op rij mislukt" in service.log  # repeated failures are surfaced as an error


def _replace(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def test_a_run_missed_beyond_the_grace_time_is_recorded(tmp_path: Path, local_server: LocalServer) -> None:
    # --time-scale 60: the grace of 1 minute is 1 s; the job runs every 24 minutes.
    config = write_config(tmp_path, [rss_source("a", feed(local_server, "a"), every_minutes=DAY)],
                          {"misfire_grace_minutes": 1})
    data = tmp_path / "data"
    run_until(config, FAST, lambda: count_runs(data, "collect:a", "ok") >= 1, "the first run")
    # The service was down when the next run came due, 30 s ago: far beyond the grace, and the run after it is
    # 23 minutes away, however long the restart takes.
    due = move_next_run(data, "collect:a", now() - timedelta(seconds=30))
    second = run_until(config, FAST, lambda: count_runs(data, "collect:a", "gemist") == 1, "the missed run")
    rows = job_rows(data, "collect:a")
    assert list(rows["status"]) == ["ok", "gemist"], rows
    missed = rows.iloc[1]
    assert "misfire_grace_minutes" in missed["error"]
    assert missed["scheduled_for"] == due  # the run the service had scheduled, not a wall-clock estimate
    assert next_run(data, "collect:a") == due + DAY_SCALED
    assert "als 'gemist' vastgelegd" in second.log


def test_a_job_killed_midway_is_recorded_and_runs_again(tmp_path: Path, local_server: LocalServer) -> None:
    slow = held_feed(local_server, "traag")
    slow.hold()
    config = write_config(tmp_path, [rss_source("traag", slow.url, every_minutes=30, timeout_seconds=60)])
    data = tmp_path / "data"
    with ServiceProcess(config, *FAST) as first:
        first.wait_active()
        wait_until(slow.held.is_set, 30, "the slow feed to be requested")
        first.kill()  # SIGKILL while the job waits for its answer
    slow.release()
    assert (data / "scheduler-job.json").exists()
    second = run_until(config, FAST, lambda: count_runs(data, "collect:traag", "ok") == 1, "the job to run again")
    rows = job_rows(data, "collect:traag")
    assert list(rows["status"]) == ["fout", "ok"]
    assert rows.iloc[0]["error"].startswith("onderbroken")
    assert not (data / "scheduler-job.json").exists()
    assert "werd onderbroken" in second.log
