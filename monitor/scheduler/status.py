"""The scheduler part of ``monitor status``: is the service running, each job's next run, last result and error.

Reads the SQLite job store read-only (it never changes it) and the ``jobs`` table of the store; works whether the
service runs or not.
"""

from __future__ import annotations

import pickle
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from monitor.scheduler import JOBSTORE_FILE
from monitor.scheduler.history import OK, summaries
from monitor.scheduler.plan import ONE_SHOT_KINDS
from monitor.scheduler.runtime import is_running, parse_time, read_state

if TYPE_CHECKING:
    from monitor.config import Config
    from monitor.store import Store


@dataclass(frozen=True)
class StoredJob:
    id: str
    name: str
    next_run: datetime | None


def read_jobstore(path: Path) -> list[StoredJob]:
    """The jobs in the service's job store, soonest first (read-only; empty when there is none yet)."""
    if not path.exists():
        return []
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
            rows = db.execute("SELECT id, next_run_time, job_state FROM apscheduler_jobs ORDER BY next_run_time")
            found = rows.fetchall()
    except sqlite3.Error:
        return []
    jobs = []
    for job_id, next_run, state in found:
        try:
            name = str(pickle.loads(state).get("name") or job_id)  # noqa: S301 - our own job store
        except Exception:  # a job this version cannot read: still list it
            name = job_id
        when = datetime.fromtimestamp(next_run, UTC) if next_run is not None else None
        jobs.append(StoredJob(str(job_id), name, when))
    return jobs


def print_scheduler_status(config: Config, store: Store) -> None:
    from rich.table import Table

    from monitor.report import out

    zone = ZoneInfo(config.timezone)
    stored = read_jobstore(config.data_dir / JOBSTORE_FILE)
    state = read_state(config.data_dir)
    if not stored and not state:
        out.print("Planner: 'monitor run' is nog niet gestart voor deze datamap.")
        return
    out.print(service_line(config.data_dir, state, zone), markup=False, emoji=False, soft_wrap=True)
    results = summaries(store)
    listed = [j.id for j in stored]
    listed += [k for k in ONE_SHOT_KINDS if k in results and k not in listed]
    names = {j.id: j.name for j in stored}
    next_runs = {j.id: j.next_run for j in stored}
    table = Table(title="Taken van de planner", title_justify="left")
    for column in ("taak", "wanneer", "volgende run", "laatste run", "resultaat", "fout op rij"):
        table.add_column(column, overflow="fold")
    remarks = []
    for job_id in listed:
        result = results.get(job_id)
        table.add_row(
            job_id, names.get(job_id, "-"), _local(next_runs.get(job_id), zone),
            _local(result.last_at, zone) if result else "nog niet", result.last_status if result else "-",
            str(result.failures_in_a_row) if result else "-",
        )
        if result and result.last_status != OK:
            times = f"de laatste {result.failures_in_a_row} runs" if result.failures_in_a_row > 1 else "de laatste run"
            remarks.append(f"taak {job_id}: {times} {result.last_status}: {result.error}")
    out.print(table)
    for remark in remarks:
        out.print(remark, markup=False, emoji=False, soft_wrap=True)


def service_line(data_dir: Path, state: dict[str, object], zone: ZoneInfo) -> str:
    """One line: is ``monitor run`` active for this data directory, since when, where its health endpoint is."""
    pid, port = state.get("pid"), state.get("health_port")
    started = _local(parse_time(state.get("started_at")), zone)
    seen = _local(parse_time(state.get("updated_at")), zone)
    if is_running(data_dir):
        health = f"; health: http://127.0.0.1:{port}/healthz" if port else ""
        stopping = " (stopt nu)" if state.get("state") == "stopt" else ""
        return f"Planner: actief{stopping}, proces {pid}, gestart {started}{health}."
    if state.get("state") == "gestopt":
        return f"Planner: niet actief (netjes gestopt, {seen})."
    return (f"Planner: niet actief; het proces is niet netjes gestopt (laatst gezien {seen}). Start 'monitor run' "
            "opnieuw en kijk in de logboeken (journalctl -u school-monitor).")


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"
