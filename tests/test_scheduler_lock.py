"""One ``monitor run`` per data directory: the refusal names the live holder of the lock, never a dead process
(e.g. one left over from a ``kill -9``)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.scheduler import LOCK_FILE, LOCK_INFO_FILE, runtime
from monitor.scheduler.runtime import ServiceRunningError, acquire_lock

ROOT = Path(__file__).resolve().parent.parent
HOLDER = """
import sys
from pathlib import Path
from monitor.scheduler.runtime import acquire_lock
lock = acquire_lock(Path(sys.argv[1]))
print("vast", flush=True)
sys.stdin.readline()
lock.release()
"""
CLOCK = r"gestart (\d{4}-\d\d-\d\d )?\d\d:\d\d"


@pytest.fixture(autouse=True)
def _short_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "LOCK_WAIT_SECONDS", 0.2)


@pytest.fixture
def gone() -> int:
    """The pid of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=30)
    return child.pid


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process that took the lock with acquire_lock (as `monitor run` does) and holds it until told."""
    data = tmp_path / "data"
    data.mkdir()
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(data)], cwd=ROOT, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert child.stdout is not None and child.stdout.readline().strip() == "vast"
    yield child
    if child.poll() is None:
        child.kill()
        child.wait(timeout=30)


def write_info(data: Path, **info: object) -> None:
    (data / LOCK_INFO_FILE).write_text(json.dumps(info), encoding="utf-8")


def test_a_stale_holder_is_replaced_and_a_second_service_names_the_live_one(tmp_path: Path, gone: int) -> None:
    data = tmp_path / "data"
    data.mkdir()
    write_info(data, pid=gone, host=runtime.socket.gethostname(), started_at="2026-11-20T06:30:00+00:00")
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(data)], cwd=ROOT, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "vast"
        recorded = json.loads((data / LOCK_INFO_FILE).read_text(encoding="utf-8"))
        assert recorded["pid"] == child.pid, "the killed holder's pid was replaced on acquire"

        with pytest.raises(ServiceRunningError) as refused:
            acquire_lock(data)
        message = str(refused.value)
        assert message.startswith(f"Er draait al een 'monitor run' voor de datamap {data} (pid {child.pid}, ")
        assert re.search(rf"\(pid {child.pid}, {CLOCK}\)", message), message
        assert str(gone) not in message

        assert child.stdin is not None
        child.stdin.write("\n")
        child.stdin.flush()
        assert child.wait(timeout=30) == 0
    finally:
        if child.poll() is None:
            child.kill()
    assert not (data / LOCK_INFO_FILE).exists(), "the holder removes its details when it lets go"
    lock = acquire_lock(data)  # free again
    assert json.loads((data / LOCK_INFO_FILE).read_text(encoding="utf-8"))["pid"] != child.pid
    lock.release()


def test_a_dead_recorded_holder_is_not_named(tmp_path: Path, holder: subprocess.Popen[str], gone: int) -> None:
    data = tmp_path / "data"
    write_info(data, pid=gone, host=runtime.socket.gethostname(), started_at="2026-11-20T06:30:00+00:00")
    with pytest.raises(ServiceRunningError) as refused:
        acquire_lock(data)
    message = str(refused.value)
    assert "Een ander proces houdt de datamap" in message and "welk proces is niet bekend" in message
    assert str(gone) not in message and "Er draait al" not in message


def test_a_holder_without_details_is_reported_as_unknown(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    probe = subprocess.Popen(  # e.g. an older version, or another tool, holding the bare lock
        [sys.executable, "-c", "import sys; from filelock import FileLock; l = FileLock(sys.argv[1]); l.acquire(); "
         "print('vast', flush=True); sys.stdin.readline()", str(data / LOCK_FILE)],
        text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert probe.stdout is not None and probe.stdout.readline().strip() == "vast"
        with pytest.raises(ServiceRunningError, match="welk proces is niet bekend"):
            acquire_lock(data)
    finally:
        probe.kill()
        probe.wait(timeout=30)


def test_a_holder_on_another_computer_is_named_with_that_computer(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    data = tmp_path / "data"
    write_info(data, pid=4242, host="andere-server", started_at="2026-11-20T06:30:00+00:00")
    with pytest.raises(ServiceRunningError, match=r"\(pid 4242 op computer andere-server, gestart 2026-11-20 07:30\)"):
        acquire_lock(data, ZoneInfo("Europe/Amsterdam"))
