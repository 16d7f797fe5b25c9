"""A write transaction: new immutable files first, then one atomic manifest replacement publishes them all.

Created by ``Store.transaction()``, which holds the write lock for its lifetime.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from monitor.store.manifest import FileEntry, Manifest, expired, fsync_dir, save_manifest
from monitor.store.schema import (
    LABELS,
    POST_INDEX,
    POSTS,
    POSTS_LOG,
    RAW,
    REVIEWS,
    RUNS,
    SCHEMA_VERSION,
    STATE,
    TABLES,
    TableSpec,
    iso_week,
)

if TYPE_CHECKING:
    from monitor.store.store import Store

# Files a commit replaced stay this long, so a reader holding the previous manifest can still read them.
RETIRE_GRACE = timedelta(minutes=10)
# More log files than this are folded at commit, so reads never get slow even if nothing else folds.
LOG_FOLD_AFTER = 256
FOLDS_FIRST = ("posts", "post_index")  # rewriting these needs the log's rows in their partitions

PartitionKey = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class AddResult:
    new: int
    duplicates: int
    new_post_keys: frozenset[str] = frozenset()


class Transaction:
    """Collects new files; ``commit`` publishes them all at once by replacing the manifest."""

    def __init__(self, store: Store, manifest: Manifest) -> None:
        self.store = store
        self.manifest = manifest
        self._added: dict[str, list[FileEntry]] = {}
        self._retired: list[FileEntry] = []
        self._state: dict[tuple[str, str], str] = {}
        self._new_keys: set[str] = set()
        self._deleted_keys = False
        self._removed_posts: set[str] = set()  # post keys deleted in this transaction: they may be added again
        self._shred = False

    # ---- public operations -------------------------------------------------------------------------------
    def add_posts(self, rows: list[dict[str, Any]]) -> AddResult:
        """Add post rows (see ``Post.rows``); rows already stored for the same (post, school) are skipped."""
        if not rows:
            return AddResult(0, 0)
        known = self.store.known_keys(self.manifest)
        fresh, seen = [], set()
        for row in rows:
            key = f"{row['post_key']}|{row['school_id']}"
            stored = key in known and row["post_key"] not in self._removed_posts
            if stored or key in self._new_keys or key in seen:
                continue
            seen.add(key)
            fresh.append({**row, "week": iso_week(row["created_at"])})
        if fresh:
            self.append(POSTS_LOG, fresh)  # one file, whatever the number of schools and weeks in the batch
            self._new_keys |= seen
        return AddResult(len(fresh), len(rows) - len(fresh), frozenset(r["post_key"] for r in fresh))

    def add_raw(self, rows: list[dict[str, Any]]) -> None:
        self.append(RAW, [{**r, "week": iso_week(r["fetched_at"])} for r in rows])

    def append_labels(self, rows: list[dict[str, Any]]) -> None:
        """Model output; appended, so the newest label per (post_key, model_id) wins when reading."""
        self.append(LABELS, rows)

    def add_review(self, row: dict[str, Any]) -> None:
        """A review event (append-only: a later event supersedes, nothing is edited)."""
        self.append(REVIEWS, [row])

    def add_run(self, row: dict[str, Any]) -> None:
        self.append(RUNS, [row])

    def put_state(self, source: str, query_id: str, cursor: dict[str, Any]) -> None:
        self._state[(source, query_id)] = json.dumps(cursor, sort_keys=True, default=str)

    def append(self, spec: TableSpec, rows: list[dict[str, Any]] | pa.Table) -> None:
        """Write rows as new files, one per partition; they become visible at commit."""
        table = rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(rows, schema=spec.schema)
        if table.num_rows == 0:
            return
        for values, part in _split_partitions(spec, table):
            self._write_file(spec, values, part)

    def replace_partitions(
        self, spec: TableSpec, rows: list[dict[str, Any]] | pa.Table, **partition: list[str]
    ) -> None:
        """Make ``rows`` the whole content of the named partitions (e.g. ``week=[...]``): recomputed data."""
        ((column, values),) = partition.items()
        if spec.name in FOLDS_FIRST:
            self.fold_log()
        for part, files in self._groups(spec.name).items():
            if dict(part).get(column) in values:
                self._retired.extend(files)
        self.append(spec, rows)

    def delete_posts(self, post_keys: Collection[str]) -> int:
        """Remove these posts everywhere (posts, raw, labels, dedupe index, alerts); returns the post rows removed.

        Used when a post was deleted on its platform, and for erasure requests."""
        keys = pa.array(sorted(set(post_keys)), type=pa.string())
        if len(keys) == 0:
            return 0
        self.fold_log()
        index = self.store._read_files(POST_INDEX, [e for files in self._groups("post_index").values() for e in files],
                                       None)
        hits = index[index["post_key"].isin(keys.to_pylist())]
        if hits.empty:
            return 0
        posts_parts: set[PartitionKey] = {
            (("school_id", str(s)), ("week", str(w))) for s, w in zip(hits["school_id"], hits["week"], strict=True)
        }
        removed = self._rewrite_without("posts", keys, posts_parts)
        self._rewrite_without("labels", keys, {(("week", str(w)),) for w in hits["week"]})
        self._rewrite_without("raw", keys, None)  # partitioned by fetch week, which the index does not know
        self._rewrite_without("post_index", keys, None)
        self._rewrite_without("alerts", keys, None)  # which post was alerted is a trace of it too
        self._deleted_keys = True
        self._removed_posts |= set(keys.to_pylist())
        return removed

    def _rewrite_without(self, table: str, keys: pa.Array, partitions: set[PartitionKey] | None) -> int:
        """Rewrite the given partitions (None: all) of ``table`` without rows whose post_key is in ``keys``."""
        spec = TABLES[table]
        removed = 0
        for part, files in self._groups(table).items():
            if partitions is not None and part not in partitions:
                continue
            data = pa.concat_tables([self.store.read_arrow(spec, entry) for entry in files])
            keep = data.filter(pc.invert(pc.is_in(data["post_key"], value_set=keys)))
            if keep.num_rows == data.num_rows:
                continue
            removed += data.num_rows - keep.num_rows
            if keep.num_rows:
                self._write_file(spec, dict(part), keep)
            self._retired.extend(files)
        return removed

    def rewrite_rows(self, table: str, change: Callable[[pa.Table], pa.Table | None]) -> int:
        """Rewrite each partition of ``table`` through ``change`` (drop old rows, blank a column ...); ``change``
        returns None when a partition stays as it is. Returns the number of partitions rewritten."""
        spec = TABLES[table]
        rewritten = 0
        if table in FOLDS_FIRST:
            self.fold_log()
        for part, files in self._groups(table).items():
            data = pa.concat_tables([self.store.read_arrow(spec, entry) for entry in files])
            new = change(data)
            if new is None:
                continue
            if new.num_rows:
                self._write_file(spec, dict(part), new.select(spec.columns).cast(spec.schema))
            self._retired.extend(files)
            if table in ("posts", "post_index"):
                self._deleted_keys = True
            rewritten += 1
        return rewritten

    def shred(self) -> None:
        """Delete replaced files at commit instead of keeping them for the reader grace period (erasure and
        retention: removed personal data must not linger on disk). A reader that loses a file re-reads."""
        self._shred = True

    def merge_partitions(self, table: str, max_files: int = 1) -> int:
        """Merge every partition of ``table`` that has more than ``max_files`` files; returns how many."""
        spec = TABLES[table]
        merged = 0
        if table in FOLDS_FIRST:
            self.fold_log()
        for part, files in self._groups(table).items():
            if len(files) > max_files:
                self._merge(spec, part, files)
                merged += 1
        return merged

    def fold_log(self) -> int:
        """Move every row of the posts log into its (school, week) partition and the dedupe index; returns the rows
        moved. Part of this transaction: a kill before commit leaves the log as it was."""
        files = [e for group in self._groups(POSTS_LOG.name).values() for e in group]
        if not files:
            return 0
        rows = pa.concat_tables([self.store.read_arrow(POSTS_LOG, entry) for entry in files])
        self._retired.extend(files)
        if rows.num_rows:
            self.append(POSTS, rows.cast(POSTS.schema))
            self.append(POST_INDEX, rows.select(list(POST_INDEX.columns)).cast(POST_INDEX.schema))
        return int(rows.num_rows)

    # ---- commit ------------------------------------------------------------------------------------------
    def commit(self) -> None:
        if self._state:
            self._write_state()
        if not self._added and not self._retired:
            return
        if len(self._groups(POSTS_LOG.name).get((), [])) > LOG_FOLD_AFTER:
            self.fold_log()
        self._compact_touched()
        now = datetime.now(UTC)
        gone = {e.path for e in self._retired}
        published = {e.path for entries in self.manifest.tables.values() for e in entries}
        for name, entries in self._added.items():
            self.manifest.tables.setdefault(name, []).extend(entries)
        for name in list(self.manifest.tables):
            self.manifest.tables[name] = [e for e in self.manifest.tables[name] if e.path not in gone]
        for entry in self._retired:
            if entry.path in published:  # someone may be reading it: keep it for a while
                self.manifest.retired.append({"path": entry.path, "retired_at": now.isoformat()})
            else:  # written and merged within this transaction: nobody has seen it
                (self.store.root / entry.path).unlink(missing_ok=True)
        self._drop_expired(now)
        shredded = [item["path"] for item in self.manifest.retired] if self._shred else []
        if self._shred:
            self.manifest.retired = []
        before = self.manifest.generation
        self.manifest.generation += 1
        self.manifest.schema_version = max(self.manifest.schema_version, SCHEMA_VERSION)
        save_manifest(self.store.root, self.manifest)
        for path in shredded:  # only after the manifest that no longer lists them is published
            (self.store.root / path).unlink(missing_ok=True)
        if self._deleted_keys:
            self.store._index_cache = None
        else:
            self.store._remember_keys(before, self.manifest.generation, self._new_keys)

    def _write_state(self) -> None:
        current = self.manifest.files("state")
        frame = self.store._read_files(STATE, current, None)
        merged = {(r.source, r.query_id): (r.cursor, r.updated_at) for r in frame.itertuples()}
        changes = {key: cursor for key, cursor in self._state.items() if merged.get(key, (None,))[0] != cursor}
        if not changes:
            return  # an unchanged cursor (e.g. a 304 answer) needs no new file
        now = datetime.now(UTC)
        for key, cursor in changes.items():
            merged[key] = (cursor, now)
        rows = [{"source": s, "query_id": q, "cursor": c, "updated_at": t} for (s, q), (c, t) in sorted(merged.items())]
        self._retired.extend(current)
        self.append(STATE, rows)

    def _groups(self, table: str) -> dict[PartitionKey, list[FileEntry]]:
        """Files of ``table`` as this transaction would publish them, grouped by partition (one pass)."""
        gone = {e.path for e in self._retired}
        groups: dict[PartitionKey, list[FileEntry]] = {}
        for entry in [*self.manifest.tables.get(table, []), *self._added.get(table, [])]:
            if entry.path not in gone:
                groups.setdefault(entry.partition_key, []).append(entry)
        return groups

    def _compact_touched(self) -> None:
        """Merge a touched partition's files into one once there are too many (keeps reads fast)."""
        for name in list(self._added):
            spec = TABLES[name]
            touched = {e.partition_key for e in self._added[name]}
            groups = self._groups(name)
            for part in touched:
                files = groups.get(part, [])
                if len(files) > spec.compact_after:
                    self._merge(spec, part, files)

    def _merge(self, spec: TableSpec, part: PartitionKey, files: list[FileEntry]) -> None:
        table = pa.concat_tables([self.store.read_arrow(spec, entry) for entry in files])
        self._write_file(spec, dict(part), table)
        self._retired.extend(files)

    def _drop_expired(self, now: datetime) -> None:
        keep = []
        for item in self.manifest.retired:
            if expired(item["retired_at"], RETIRE_GRACE, now):
                (self.store.root / item["path"]).unlink(missing_ok=True)
            else:
                keep.append(item)
        self.manifest.retired = keep

    def _write_file(self, spec: TableSpec, partition: dict[str, str], table: pa.Table) -> FileEntry:
        folder = self.store.root / spec.name
        for col in spec.partition_by:
            folder = folder / f"{col}={partition[col]}"
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"part-{uuid.uuid4().hex}.parquet"
        tmp = folder / f".{final.name}.tmp"
        pq.write_table(table, tmp, compression="zstd")
        if self.store.fsync:
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
        os.replace(tmp, final)
        if self.store.fsync:
            fsync_dir(folder)
        entry = FileEntry(final.relative_to(self.store.root).as_posix(), table.num_rows, partition)
        self._added.setdefault(spec.name, []).append(entry)
        return entry


def _split_partitions(spec: TableSpec, table: pa.Table) -> Iterator[tuple[dict[str, str], pa.Table]]:
    if not spec.partition_by:
        yield {}, table
        return
    keys = table.select(list(spec.partition_by)).to_pylist()
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, row in enumerate(keys):
        groups.setdefault(tuple(str(row[c]) for c in spec.partition_by), []).append(i)
    for values, indices in groups.items():
        yield dict(zip(spec.partition_by, values, strict=True)), table.take(pa.array(indices))
