"""The Parquet store: dedupe, partitions, atomic commits, kills, locking, schema version."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.errors import StoreBusyError, StoreError
from monitor.store import SCHEMA_VERSION, Store, iso_week
from monitor.store import transaction as transaction_module
from monitor.store.manifest import MANIFEST_NAME

BASE = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # Monday of 2026-W47


def row(n: int, school: str = "a", when: datetime | None = None, platform: str = "rss") -> dict:
    created = when or BASE + timedelta(hours=n)
    return {
        "post_key": f"{platform}:{n}",
        "platform": platform,
        "native_id": str(n),
        "url": f"https://example.org/{n}",
        "created_at": created,
        "fetched_at": created + timedelta(minutes=5),
        "author": "p-0123456789abcdef",
        "text": f"bericht {n} over de school",
        "language": None,
        "has_media": False,
        "reply_to": None,
        "quote_of": None,
        "source": "test",
        "query": "q",
        "school_id": school,
        "match_rule": "naam 'A'",
    }


def test_add_and_read_back_by_school_and_week(tmp_path: Path) -> None:
    store = Store(tmp_path)
    last_week = BASE - timedelta(days=7)
    with store.transaction() as tx:
        result = tx.add_posts([row(1), row(2, "b"), row(3, when=last_week)])
    assert (result.new, result.duplicates) == (3, 0)
    assert set(store.read_posts()["post_key"]) == {"rss:1", "rss:2", "rss:3"}
    only_a_now = store.read_posts(school_id="a", weeks=["2026-W47"])
    assert list(only_a_now["post_key"]) == ["rss:1"]
    assert str(only_a_now["created_at"].dt.tz) == "UTC"
    assert len(list((tmp_path / "store" / "posts_log").glob("*.parquet"))) == 1, "a batch is one file in the log"
    assert store.fold_log() == 3
    assert (tmp_path / "store" / "posts" / "school_id=a" / "week=2026-W47").is_dir()
    assert list(store.read_posts(school_id="a", weeks=["2026-W47"])["post_key"]) == ["rss:1"]
    assert set(store.read_posts()["post_key"]) == {"rss:1", "rss:2", "rss:3"}, "folded rows are read once"
    assert iso_week(last_week) == "2026-W46"


def test_dedupe_within_a_batch_and_across_runs(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.transaction() as tx:
        first = tx.add_posts([row(1), row(1), row(2)])
    with store.transaction() as tx:
        again = tx.add_posts([row(1), row(2), row(3)])
    assert (first.new, first.duplicates) == (2, 1)
    assert (again.new, again.duplicates) == (1, 2)
    assert again.new_post_keys == {"rss:3"}
    # A fresh Store (new process) sees the same index.
    with Store(tmp_path).transaction() as tx:
        assert tx.add_posts([row(1), row(2), row(3)]).new == 0
    assert len(store.read_posts()) == 3


def test_same_post_for_two_schools_is_two_rows_but_one_post(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.transaction() as tx:
        tx.add_posts([row(1, "a"), row(1, "b")])
    posts = store.read_posts()
    assert sorted(posts["school_id"]) == ["a", "b"]
    assert posts["post_key"].nunique() == 1


def test_error_inside_transaction_leaves_store_unchanged(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.transaction() as tx:
        tx.add_posts([row(1)])
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.add_posts([row(2)])
        raise RuntimeError("crash after writing files")
    assert list(store.read_posts()["post_key"]) == ["rss:1"]
    orphans = list((tmp_path / "store" / "posts_log").rglob("*.parquet"))
    assert len(orphans) == 2, "the unfinished transaction left its file behind"
    with store.transaction() as tx:  # the next writer cleans up, and the dedupe index has no trace of rss:2
        assert tx.add_posts([row(2)]).new == 1
    assert sorted(store.read_posts()["post_key"]) == ["rss:1", "rss:2"]


def test_many_small_appends_are_compacted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transaction_module, "RETIRE_GRACE", timedelta(0))
    store = Store(tmp_path)
    for n in range(20):
        with store.transaction() as tx:
            tx.add_posts([row(n, when=BASE + timedelta(minutes=n))])
        if n % 3 == 2:
            store.fold_log()  # as the service does after each collection run
    manifest = store.manifest()
    assert len(manifest.files("posts", school_id="a", week="2026-W47")) <= 8
    assert len(manifest.files("post_index")) <= 16
    on_disk = list((tmp_path / "store" / "posts").rglob("*.parquet"))
    assert len(on_disk) == len(manifest.files("posts")), "replaced files are deleted after the grace period"
    assert sorted(store.read_posts()["native_id"].astype(int)) == list(range(20))


def test_state_is_saved_with_the_posts_and_merged(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.transaction() as tx:
        tx.add_posts([row(1)])
        tx.put_state("feed-a", "feed", {"etag": "v1"})
    with store.transaction() as tx:
        tx.put_state("feed-b", "feed", {"etag": "x"})
    with store.transaction() as tx:
        tx.put_state("feed-a", "feed", {"etag": "v2"})
    assert store.read_state() == {("feed-a", "feed"): {"etag": "v2"}, ("feed-b", "feed"): {"etag": "x"}}


def test_second_writer_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    holder = Store(tmp_path)
    other = Store(tmp_path, lock_timeout=0.2)
    with holder.transaction(), pytest.raises(StoreBusyError, match="in gebruik door een ander proces"):
        with other.transaction():
            pass
    with other.transaction() as tx:  # free again
        tx.add_posts([row(1)])


def test_newer_schema_version_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.transaction() as tx:
        tx.add_posts([row(1)])
    manifest_file = tmp_path / "store" / MANIFEST_NAME
    data = json.loads(manifest_file.read_text())
    assert data["schema_version"] == SCHEMA_VERSION
    data["schema_version"] = 99
    manifest_file.write_text(json.dumps(data))
    with pytest.raises(StoreError, match="schemaversie 99"):
        store.read_posts()


def test_damaged_manifest_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / MANIFEST_NAME).write_text("{not json")
    with pytest.raises(StoreError, match="beschadigd"):
        Store(tmp_path).read_posts()


def test_empty_store_reads_as_empty_frames_with_columns(tmp_path: Path) -> None:
    frame = Store(tmp_path).read_posts()
    assert frame.empty
    assert {"post_key", "school_id", "created_at", "text"} <= set(frame.columns)


WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import UTC, datetime, timedelta
    sys.path.insert(0, {root!r})
    from tests.test_store import row
    from monitor.store import Store
    from monitor.store import manifest as manifest_module

    data_dir, batches, batch_size, die_in = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    real_save = manifest_module.save_manifest

    def save(root, manifest):
        if manifest.generation == die_in:  # files of this batch are written; the commit never happens
            os.kill(os.getpid(), signal.SIGKILL)
        real_save(root, manifest)

    import monitor.store.transaction as transaction_module
    transaction_module.save_manifest = save
    store = Store(data_dir)
    start = len(store.read_posts())
    for b in range(batches):
        with store.transaction() as tx:
            tx.add_posts([row(start + b * batch_size + i) for i in range(batch_size)])
        print(b, flush=True)
    """
)


def run_writer(tmp_path: Path, batches: int, batch_size: int, die_in: int) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(root=str(Path(__file__).resolve().parent.parent)))
    return subprocess.run(
        [sys.executable, str(script), str(tmp_path / "data"), str(batches), str(batch_size), str(die_in)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_kill_during_commit_keeps_every_committed_batch(tmp_path: Path) -> None:
    # Generation 4 is the 4th transaction's commit: batches 0-2 are committed, batch 3 is written but not.
    result = run_writer(tmp_path, batches=6, batch_size=50, die_in=4)
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert result.stdout.split() == ["0", "1", "2"]
    store = Store(tmp_path / "data")
    posts = store.read_posts()
    assert len(posts) == 150
    assert posts["post_key"].is_unique
    assert (tmp_path / "data" / "store" / "_txn_in_progress").exists()
    # The next writer recovers: orphans are removed and writing continues where the committed data ends.
    result = run_writer(tmp_path, batches=2, batch_size=50, die_in=-1)
    assert result.returncode == 0, result.stderr
    posts = store.read_posts()
    assert len(posts) == 250 and posts["post_key"].is_unique
    listed = {e.path for entries in store.manifest().tables.values() for e in entries}
    on_disk = {p.relative_to(store.root).as_posix() for p in store.root.rglob("*.parquet")}
    assert on_disk - listed <= {r["path"] for r in store.manifest().retired}, "orphans were cleaned up"


def test_kill_at_random_moments_never_leaves_a_half_batch(tmp_path: Path) -> None:
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(root=str(Path(__file__).resolve().parent.parent)))
    data = tmp_path / "data"
    killed = 0
    for delay in (0.15, 0.3, 0.45, 0.6):
        proc = subprocess.Popen(
            [sys.executable, str(script), str(data), "400", "20", "-1"], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        proc.stdout.readline()  # at least one batch committed in this round
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            killed += 1
        proc.stdout.close()
        posts = Store(data).read_posts()
        assert len(posts) % 20 == 0, "only whole batches are visible"
        assert posts["post_key"].is_unique
    assert killed >= 3, "the writers were killed while writing"


def test_optimize_merges_partitions_and_keeps_every_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transaction_module, "RETIRE_GRACE", timedelta(0))
    store = Store(tmp_path)
    for n in range(5):  # five pages, each touching two schools and two weeks
        with store.transaction() as tx:
            tx.add_posts([row(n), row(100 + n, "b"), row(200 + n, when=BASE - timedelta(days=7, hours=n))])
    before = store.read_posts()
    assert len(store.manifest().files("posts_log")) == 5 and not store.manifest().files("posts")
    store.optimize()
    manifest = store.manifest()
    assert len(manifest.files("posts")) == 3 and not manifest.files("posts_log")
    after = store.read_posts()
    assert sorted(after["post_key"]) == sorted(before["post_key"])
    assert store.optimize() == 0, "running it again changes nothing"
    with store.transaction() as tx:  # dedupe still works after merging
        assert tx.add_posts([row(1), row(999)]).new == 1


def test_delete_posts_removes_every_trace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transaction_module, "RETIRE_GRACE", timedelta(0))
    store = Store(tmp_path)
    with store.transaction() as tx:
        tx.add_posts([row(1), row(1, "b"), row(2), row(3, when=BASE - timedelta(days=7))])
        tx.add_raw([{"post_key": f"rss:{n}", "source": "t", "query": "q", "fetched_at": BASE, "connector": "rss",
                     "connector_version": "1", "payload": f'{{"n": {n}}}'} for n in (1, 2, 3)])
    with store.transaction() as tx:
        assert tx.delete_posts({"rss:1", "rss:3", "rss:404"}) == 3
    assert sorted(store.read_posts()["post_key"]) == ["rss:2"]
    assert list(store.read("raw")["post_key"]) == ["rss:2"]
    assert list(store.read("post_index")["post_key"]) == ["rss:2"]
    import pyarrow.parquet as pq

    leftovers = [
        key
        for path in (tmp_path / "store").rglob("*.parquet")
        for key in pq.read_table(path, columns=["post_key"])["post_key"].to_pylist()
    ]
    assert not {"rss:1", "rss:3"} & set(leftovers), "no file on disk keeps the deleted posts"
    with store.transaction() as tx:  # a deleted post may come back (e.g. restored on the platform)
        assert tx.add_posts([row(1)]).new == 1
