"""The posts log (monitor/store): a batch is one file, readers see it at once, folding moves it into partitions
without losing or doubling a row, and every rewrite (erasure, retention, merge) folds first."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pyarrow.compute as pc
import pytest

from monitor.store import Store
from monitor.store import transaction as transaction_module
from tests.test_store import BASE, row, run_writer


def _log_files(store: Store) -> list[Path]:
    return sorted((store.root / "posts_log").glob("*.parquet"))


def test_a_batch_across_schools_and_weeks_is_one_file_and_read_at_once(tmp_path: Path) -> None:
    store = Store(tmp_path)
    rows = [row(n, school, BASE - timedelta(days=7 * week)) for n, (school, week) in
            enumerate((s, w) for s in "abc" for w in range(4))]
    with store.transaction() as tx:
        assert tx.add_posts(rows).new == 12
    assert len(_log_files(store)) == 1 and not list((store.root / "posts").rglob("*.parquet"))
    assert len(store.read_posts()) == 12
    assert list(store.read_posts(school_id="b", weeks=["2026-W46"])["post_key"]) == ["rss:5"]
    assert store.post_weeks() == ["2026-W44", "2026-W45", "2026-W46", "2026-W47"]
    index = store.read("post_index")
    assert sorted(index["post_key"]) == sorted(r["post_key"] for r in rows)


def test_dedupe_holds_across_the_log_and_the_partitions(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.transaction() as tx:
        tx.add_posts([row(1), row(2)])
    store.fold_log()
    with store.transaction() as tx:
        assert tx.add_posts([row(2), row(3)]).new == 1  # rss:2 is folded, rss:3 goes to the log
    with store.transaction() as tx:
        assert tx.add_posts([row(3), row(4)]).new == 1  # rss:3 is in the log
    assert Store(tmp_path).known_keys(store.manifest()) == {f"rss:{n}|a" for n in (1, 2, 3, 4)}
    assert sorted(Store(tmp_path).read_posts()["post_key"]) == ["rss:1", "rss:2", "rss:3", "rss:4"]


def test_folding_moves_every_row_once_and_a_second_fold_does_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path)
    for n in range(6):
        with store.transaction() as tx:
            tx.add_posts([row(n), row(100 + n, "b", BASE - timedelta(days=7))])
    before = store.read_posts().sort_values("post_key").reset_index(drop=True)
    assert store.fold_log() == 12
    assert store.fold_log() == 0
    after = store.read_posts().sort_values("post_key").reset_index(drop=True)
    assert after.equals(before)
    assert not store.manifest().files("posts_log")


def test_too_many_log_files_are_folded_at_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transaction_module, "LOG_FOLD_AFTER", 3)
    store = Store(tmp_path)
    for n in range(5):
        with store.transaction() as tx:
            tx.add_posts([row(n)])
    assert len(store.manifest().files("posts_log")) <= 3
    assert sorted(store.read_posts()["native_id"].astype(int)) == list(range(5))


def test_erasing_a_post_still_in_the_log_leaves_no_copy_on_disk(tmp_path: Path) -> None:
    store = Store(tmp_path)
    secret = {**row(7), "text": "geheim-7 bel me op 06-12345678"}
    with store.transaction() as tx:
        tx.add_posts([row(1), secret])
    with store.transaction() as tx:
        tx.shred()
        assert tx.delete_posts(["rss:7"]) == 1
    assert list(store.read_posts()["post_key"]) == ["rss:1"]
    on_disk = b"".join(path.read_bytes() for path in store.root.rglob("*.parquet"))
    assert b"geheim-7" not in on_disk, "the erased text is gone from the log and from every partition"


def test_a_rewrite_of_posts_sees_the_rows_of_the_log(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.transaction() as tx:
        tx.add_posts([row(1), row(2)])
    with store.transaction() as tx:
        rewritten = tx.rewrite_rows("posts", lambda t: t.filter(pc.not_equal(t["post_key"], "rss:2")))
    assert rewritten == 1
    assert list(store.read_posts()["post_key"]) == ["rss:1"]


def test_a_kill_during_a_fold_leaves_the_log_as_it_was(tmp_path: Path) -> None:
    # The writer dies in its 4th commit; the first three batches are in the log, then a fold in a new process
    # that is killed before its commit must leave them readable exactly once.
    result = run_writer(tmp_path, batches=6, batch_size=50, die_in=4)
    assert result.returncode != 0
    store = Store(tmp_path / "data")
    assert len(store.read_posts()) == 150
    with pytest.raises(RuntimeError), store.transaction() as tx:
        assert tx.fold_log() == 150
        raise RuntimeError("killed before the commit")
    posts = store.read_posts()
    assert len(posts) == 150 and posts["post_key"].is_unique
    assert store.fold_log() == 150
    assert len(store.read_posts()) == 150
