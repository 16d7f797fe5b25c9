"""One service per data directory (a non-blocking file lock), and its state file for ``monitor status``."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from monitor.errors import MonitorError
from monitor.records import now_utc
from monitor.scheduler import LOCK_FILE, STATE_FILE
from monitor.store.manifest import atomic_write_bytes


class ServiceRunningError(MonitorError):
    """Another ``monitor run`` holds the data directory."""


def acquire_lock(data_dir: Path) -> FileLock:
    """Take ``<data_dir>/scheduler.lock`` without waiting; refuse clearly when another service holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(data_dir / LOCK_FILE))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        pid = read_state(data_dir).get("pid")
        which = f" (proces {pid})" if pid else ""
        raise ServiceRunningError(
            f"Er draait al een 'monitor run' voor de datamap {data_dir}{which}. Er mag er maar één tegelijk draaien: "
            "stop de andere eerst (bijvoorbeeld 'systemctl stop school-monitor'), of gebruik een andere datamap."
        ) from None
    return lock


def is_running(data_dir: Path) -> bool:
    """Whether a service holds the lock of this data directory (checked without waiting)."""
    path = data_dir / LOCK_FILE
    if not path.exists():
        return False
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    lock.release()
    return False


def write_state(data_dir: Path, state: str, **details: Any) -> None:
    """Record the service's state (actief, stopt, gestopt) with its pid and details, atomically."""
    current = read_state(data_dir) if state != "start" else {}
    current.update(details)
    current.update({"state": state, "pid": os.getpid(), "updated_at": now_utc().isoformat()})
    atomic_write_bytes(data_dir / STATE_FILE, json.dumps(current, ensure_ascii=False).encode("utf-8"))


def read_state(data_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((data_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
