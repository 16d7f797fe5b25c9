"""Job results in the store's ``jobs`` table (ok / fout / gemist), and the marker of the job that is running.

The marker (``<data_dir>/scheduler-job.json``) is written when a job starts and removed once its result is in the
``jobs`` table. One left behind at start-up means the process was killed during that job: the service records the
run as interrupted and runs the job again once.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.errors import StoreError
from monitor.records import now_utc
from monitor.scheduler import MARKER_FILE
from monitor.store.manifest import atomic_write_bytes

if TYPE_CHECKING:
    import pandas as pd

    from monitor.store import Store

log = logging.getLogger(__name__)

OK, FAILED, MISSED = "ok", "fout", "gemist"
INTERRUPTED = "onderbroken: het proces stopte tijdens deze taak (bijvoorbeeld kill -9 of stroomuitval)"
MAX_ERROR = 500


@dataclass
class JobSummary:
    """The latest result of one job, for ``monitor status``, /healthz and /metrics."""

    job_id: str
    last_status: str
    last_at: datetime | None
    error: str
    failures_in_a_row: int
    last_success: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "last_status": self.last_status,
            "last_run": _iso(self.last_at),
            "error": self.error,
            "failures_in_a_row": self.failures_in_a_row,
            "last_success": _iso(self.last_success),
        }


def job_row(
    job_id: str,
    status: str,
    *,
    scheduled_for: datetime | None = None,
    started_at: datetime | None = None,
    finished_at: datetime | None = None,
    error: str = "",
) -> dict[str, Any]:
    return {
        "execution_id": uuid.uuid4().hex,
        "job_id": job_id,
        "scheduled_for": scheduled_for,
        "started_at": started_at,
        "finished_at": finished_at or now_utc(),
        "status": status,
        "error": error[:MAX_ERROR],
    }


def record(store: Store, row: dict[str, Any]) -> bool:
    """Append one execution; a store that cannot be written is logged, never raised (the job itself is done)."""
    from monitor.store.schema import JOBS

    try:
        with store.transaction() as tx:
            tx.append(JOBS, [row])
    except StoreError as exc:
        log.error("resultaat van taak %s niet vastgelegd: %s", row["job_id"], exc)
        return False
    return True


def read_history(store: Store) -> pd.DataFrame:
    """All job executions, oldest first."""
    return store.read("jobs").sort_values("finished_at", kind="stable").reset_index(drop=True)


def summaries(store: Store) -> dict[str, JobSummary]:
    """The latest result per job id, with the number of failures (fout or gemist) in a row."""
    frame = read_history(store)
    out: dict[str, JobSummary] = {}
    for job, rows in frame.groupby("job_id", sort=True):
        records = [{str(k): v for k, v in row.items()} for row in rows.to_dict("records")]
        out[str(job)] = summarise(str(job), records)
    return out


def summarise(job: str, rows: list[dict[str, Any]]) -> JobSummary:
    """``rows``: this job's executions, oldest first."""
    last = rows[-1]
    failures = 0
    for row in reversed(rows):
        if row["status"] == OK:
            break
        failures += 1
    successes = [r["finished_at"] for r in rows if r["status"] == OK]
    return JobSummary(job, str(last["status"]), _when(last["finished_at"]), str(last["error"] or ""), failures,
                      _when(successes[-1]) if successes else None)


def _when(value: Any) -> datetime | None:
    import pandas as pd

    if value is None or pd.isna(value):
        return None
    moment: datetime = pd.Timestamp(value).to_pydatetime()
    return moment


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


# ---- the marker of the running job ----------------------------------------------------------------------------
def write_marker(data_dir: Path, job_id: str, started_at: datetime) -> None:
    body = {"job_id": job_id, "started_at": started_at.isoformat()}
    atomic_write_bytes(data_dir / MARKER_FILE, json.dumps(body).encode("utf-8"))


def clear_marker(data_dir: Path, job_id: str) -> None:
    marker = read_marker(data_dir)
    if marker and marker["job_id"] == job_id:
        (data_dir / MARKER_FILE).unlink(missing_ok=True)


def read_marker(data_dir: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads((data_dir / MARKER_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, OSError) as exc:  # a damaged marker only costs the "interrupted" record
        log.warning("%s is onleesbaar (%s); genegeerd", MARKER_FILE, exc)
        return None
    return data if isinstance(data.get("job_id"), str) else None


def take_interrupted(store: Store, data_dir: Path) -> tuple[str, datetime] | None:
    """A job that was running when the process died: record it as failed, remove the marker, return (id, start)."""
    marker = read_marker(data_dir)
    if marker is None:
        (data_dir / MARKER_FILE).unlink(missing_ok=True)
        return None
    started = datetime.fromisoformat(marker["started_at"])
    done = store.read("jobs", columns=["job_id", "started_at"])
    if ((done["job_id"] == marker["job_id"]) & (done["started_at"] == started)).any():
        (data_dir / MARKER_FILE).unlink(missing_ok=True)  # killed after its result was recorded: nothing lost
        return None
    log.warning("taak %s werd onderbroken (gestart %s); wordt opnieuw uitgevoerd", marker["job_id"],
                started.isoformat(timespec="seconds"))
    if record(store, job_row(marker["job_id"], FAILED, started_at=started, error=INTERRUPTED)):
        (data_dir / MARKER_FILE).unlink(missing_ok=True)
    return marker["job_id"], started
