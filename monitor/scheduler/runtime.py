"""One service per data directory (a non-blocking file lock), and its state file for ``monitor status``.

The lock's holder writes its pid, host and start time to ``scheduler-lock.json`` as soon as it has the lock (so what
a killed holder left there is replaced) and removes it when it lets go. A second service names the holder only when
that process is known to be alive; otherwise it says that some other process holds the lock.
"""

from __future__ import annotations

import json
import os
import socket
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from filelock import FileLock, Timeout

from monitor.errors import MonitorError
from monitor.records import now_utc
from monitor.scheduler import LOCK_FILE, LOCK_INFO_FILE, STATE_FILE
from monitor.store.manifest import atomic_write_bytes

# `monitor status` takes the lock for a moment to see whether a service holds it; a service starting just then waits
# that moment out instead of refusing.
LOCK_WAIT_SECONDS = 1.0


class ServiceRunningError(MonitorError):
    """Another ``monitor run`` holds the data directory."""


class ServiceLock:
    """The held lock of a data directory; ``release`` also removes the holder's details."""

    def __init__(self, lock: FileLock, info: Path) -> None:
        self._lock = lock
        self._info = info

    def release(self) -> None:
        with suppress(OSError):  # before letting go: afterwards the file may be the next holder's
            self._info.unlink()
        self._lock.release()


def acquire_lock(data_dir: Path, zone: ZoneInfo | None = None) -> ServiceLock:
    """Take ``<data_dir>/scheduler.lock`` (waiting at most LOCK_WAIT_SECONDS) and record this process as its holder;
    refuse clearly when another process holds it. ``zone``: for the holder's start time in the message."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(data_dir / LOCK_FILE))
    try:
        lock.acquire(timeout=LOCK_WAIT_SECONDS, poll_interval=0.05)
    except Timeout:
        raise ServiceRunningError(_held_message(data_dir, zone)) from None
    info = {"pid": os.getpid(), "host": socket.gethostname(), "started_at": now_utc().isoformat()}
    try:
        atomic_write_bytes(data_dir / LOCK_INFO_FILE, json.dumps(info).encode("utf-8"))
    except BaseException:
        lock.release()
        raise
    return ServiceLock(lock, data_dir / LOCK_INFO_FILE)


def _held_message(data_dir: Path, zone: ZoneInfo | None) -> str:
    advice = (
        "Er mag er maar één tegelijk draaien: stop de andere eerst (bijvoorbeeld 'systemctl stop school-monitor'), "
        "of gebruik een andere datamap."
    )
    holder = lock_holder(data_dir, zone)
    if holder is not None:
        return f"Er draait al een 'monitor run' voor de datamap {data_dir} ({holder}). {advice}"
    return (
        f"Een ander proces houdt de datamap {data_dir} vergrendeld ({data_dir / LOCK_FILE}), waarschijnlijk een "
        f"andere 'monitor run'; welk proces is niet bekend (zoek het met 'fuser -v {data_dir / LOCK_FILE}'). {advice}"
    )


def lock_holder(data_dir: Path, zone: ZoneInfo | None = None) -> str | None:
    """'pid 1234, gestart 07:30' for the recorded holder of the lock when it is alive (or on another computer, where
    it cannot be checked); None when nothing is recorded or the recorded process no longer runs."""
    info = _read_json(data_dir / LOCK_INFO_FILE)
    pid, host = info.get("pid"), info.get("host")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return None
    started = parse_time(info.get("started_at"))
    since = f", gestart {_clock_time(started, zone)}" if started else ""
    if isinstance(host, str) and host and host != socket.gethostname():
        return f"pid {pid} op computer {host}{since}"
    return f"pid {pid}{since}" if pid_alive(pid) else None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    except OSError:
        return False
    return True


def _clock_time(moment: datetime, zone: ZoneInfo | None) -> str:
    local = moment.astimezone(zone)
    today = now_utc().astimezone(zone).date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%Y-%m-%d %H:%M")


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
    return _read_json(data_dir / STATE_FILE)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
