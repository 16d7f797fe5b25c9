"""``monitor run`` as a real subprocess against feeds on the local HTTP server: jobs fire, a stop waits for the running
job, one service per data directory, missed runs are caught up once, and a failing source stays alone and visible.

``--time-scale 60`` makes a configured minute last one second; ``--only collect`` keeps the model stage out.
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
    ServiceProcess,
    count_runs,
    get_json,
    get_text,
    job_rows,
    pause,
    rss_source,
    run_until,
    wait_until,
    write_config,
)

pytestmark = pytest.mark.timeout(90)

FAST = ("--only", "collect", "--time-scale", "60")


def news(feed: str, count: int = 2) -> bytes:
    items = [
        {"guid": f"{feed}-{n}", "link": f"https://nieuws.example/{feed}/{n}",
         "title": f"Zilvermeer College bericht {n}", "description": "Leerlingen van het Zilvermeer College in Almere"}
        for n in range(count)
    ]
    return rss_feed(items)


def feed(server: LocalServer, name: str, delay: float = 0.0) -> str:
    return server.add(f"/{name}.xml", Reply(body=news(name), headers={"Content-Type": "application/rss+xml"},
                                            delay=delay))


def now() -> datetime:
    return datetime.now(UTC)


def test_jobs_fire_and_sigterm_lets_the_running_job_finish(tmp_path: Path, local_server: LocalServer) -> None:
    config = write_config(tmp_path, [
        rss_source("snel", feed(local_server, "snel"), every_minutes=1),
        rss_source("traag", feed(local_server, "traag", delay=3.0), every_minutes=1),
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
        assert f"proces {service.pid}" in second.stderr
        assert service.running()

        before = len(local_server.hits("/traag.xml"))
        wait_until(lambda: len(local_server.hits("/traag.xml")) > before, 30, "the slow feed to be requested")
        signalled = now()  # the slow job is now waiting for its 3 s answer
        service.signal(signal.SIGTERM)
        assert service.wait_exit(30) == 0
        stopped = now()

    slow = job_rows(service.data_dir, "collect:traag").iloc[-1]
    assert slow["status"] == "ok"
    assert slow["finished_at"] > signalled  # it finished after the signal ...
    assert (stopped - signalled).total_seconds() >= 2  # ... and the process waited for it
    assert "wachten tot de lopende taak klaar is" in service.log
    assert "planner gestopt" in service.log
    assert '"state": "gestopt"' in (service.data_dir / "scheduler.json").read_text()


def test_restart_after_downtime_runs_each_missed_job_once(tmp_path: Path, local_server: LocalServer) -> None:
    config = write_config(tmp_path, [
        rss_source("a", feed(local_server, "a"), every_minutes=2),
        rss_source("b", feed(local_server, "b"), every_minutes=2),
    ])
    data = tmp_path / "data"
    run_until(config, FAST, lambda: all(count_runs(data, f"collect:{s}", "ok") >= 1 for s in "ab"), "a first run")
    down = now()
    pause(5.5)  # two or three runs of each job fall in the downtime
    with ServiceProcess(config, *FAST) as second:
        restarted = datetime.fromisoformat(second.wait_active()["started_at"])

        def caught_up_and_one_more() -> bool:
            return all((job_rows(data, f"collect:{s}")["scheduled_for"] > restarted).any() for s in "ab")

        wait_until(caught_up_and_one_more, 30, "a catch-up run and a regular run after it")
        second.signal(signal.SIGTERM)
        assert second.wait_exit(30) == 0
    for source in "ab":
        rows = job_rows(data, f"collect:{source}")
        during = rows[(rows["scheduled_for"] > down) & (rows["scheduled_for"] <= restarted)]
        assert len(during) == 1, f"{source}: missed runs must be coalesced into one:\n{rows}"
        assert during.iloc[0]["status"] == "ok"
        assert during.iloc[0]["started_at"] >= restarted
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
    # --time-scale 600: every 60 "minutes" is every 6 s, and the grace of 1 minute is the shortest possible, 1 s.
    config = write_config(tmp_path, [rss_source("a", feed(local_server, "a"), every_minutes=60)],
                          {"misfire_grace_minutes": 1})
    data = tmp_path / "data"
    scale = ("--only", "collect", "--time-scale", "600")
    run_until(config, scale, lambda: count_runs(data, "collect:a", "ok") >= 1, "the first run")
    due = job_rows(data, "collect:a").iloc[0]["scheduled_for"] + timedelta(seconds=6)
    pause(max(0.0, (due - now()).total_seconds() + 0.5))  # the restart comes well over 1 s after that run was due
    second = run_until(config, scale, lambda: count_runs(data, "collect:a", "gemist") == 1, "the missed run")
    rows = job_rows(data, "collect:a")
    missed = rows.query("status == 'gemist'").iloc[0]
    assert "misfire_grace_minutes" in missed["error"]
    assert abs((missed["scheduled_for"] - due).total_seconds()) < 0.5
    assert "als 'gemist' vastgelegd" in second.log


def test_a_job_killed_midway_is_recorded_and_runs_again(tmp_path: Path, local_server: LocalServer) -> None:
    config = write_config(tmp_path, [rss_source("traag", feed(local_server, "traag", delay=3.0), every_minutes=30)])
    data = tmp_path / "data"
    with ServiceProcess(config, *FAST) as first:
        first.wait_active()
        wait_until(lambda: local_server.hits("/traag.xml"), 30, "the slow feed to be requested")
        first.kill()  # SIGKILL while the job waits for its answer
    assert (data / "scheduler-job.json").exists()
    second = run_until(config, FAST, lambda: count_runs(data, "collect:traag", "ok") == 1, "the job to run again")
    rows = job_rows(data, "collect:traag")
    assert list(rows["status"]) == ["fout", "ok"]
    assert rows.iloc[0]["error"].startswith("onderbroken")
    assert not (data / "scheduler-job.json").exists()
    assert "werd onderbroken" in second.log
