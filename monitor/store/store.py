"""The Parquet store: one writer at a time (file lock), atomic commits, readers never see half-written data.

Usage::

    store = Store(data_dir)
    with store.transaction() as tx:
        result = tx.add_posts(rows)       # dedupe on (post_key, school_id)
        tx.put_state("source", "query", {"etag": "..."})
    posts = store.read_posts(school_id="x", weeks=["2026-W47"])
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from monitor.errors import StoreBusyError, StoreError
from monitor.store.manifest import FileEntry, Manifest, expired, fsync_dir, load_manifest, save_manifest
from monitor.store.schema import POST_INDEX, POSTS, RAW, RUNS, STATE, TABLES, TableSpec

log = logging.getLogger(__name__)

STORE_DIRNAME = "store"
TXN_MARKER = "_txn_in_progress"
RETIRE_GRACE = timedelta(minutes=10)


@dataclass(frozen=True)
class AddResult:
    new: int
    duplicates: int
    new_post_keys: frozenset[str] = frozenset()


class Store:
    """A data directory's store. Cheap to create; opens nothing until used."""

    def __init__(self, data_dir: Path | str, *, lock_timeout: float = 30.0, fsync: bool = True) -> None:
        self.root = Path(data_dir) / STORE_DIRNAME
        self.lock_timeout = lock_timeout
        self.fsync = fsync
        self._index_cache: tuple[int, set[str]] | None = None

    # ---- reading -------------------------------------------------------------------------------------------
    def manifest(self) -> Manifest:
        return load_manifest(self.root)

    def read(
        self,
        table: str,
        columns: list[str] | None = None,
        manifest: Manifest | None = None,
        **partition: str | list[str] | None,
    ) -> pd.DataFrame:
        """Rows of ``table`` in the given partitions (e.g. ``school_id="x", week=["2026-W46", "2026-W47"]``)."""
        spec = TABLES[table]
        for attempt in (1, 2):
            snapshot = manifest or self.manifest()
            try:
                return self._read_files(spec, snapshot.files(table, **partition), columns)
            except FileNotFoundError:
                if attempt == 2 or manifest is not None:
                    raise StoreError(f"Een bestand van tabel {table} ontbreekt; draai 'monitor status'.") from None
                log.debug("file retired while reading %s; reloading the manifest", table)
        raise AssertionError("unreachable")  # pragma: no cover

    def _read_files(self, spec: TableSpec, files: list[FileEntry], columns: list[str] | None) -> pd.DataFrame:
        wanted = columns or spec.columns
        if not files:
            frame: pd.DataFrame = spec.schema.empty_table().select(wanted).to_pandas()
            return frame
        tables = [pq.read_table(self.root / f.path, columns=wanted, schema=spec.schema) for f in files]
        frame = pa.concat_tables(tables).to_pandas()
        return frame

    def read_posts(
        self,
        school_id: str | list[str] | None = None,
        weeks: str | list[str] | None = None,
        columns: list[str] | None = None,
    ) -> pd.DataFrame:
        """Posts, one row per (post, school). Columns: see ``schema.POSTS`` (post_key, platform, native_id, url,
        created_at and fetched_at in UTC, author pseudonym, text, language, has_media, reply_to, quote_of,
        source, query, school_id, match_rule, week). Sorted by created_at."""
        frame = self.read("posts", columns=columns, school_id=school_id, week=weeks)
        if "created_at" in frame.columns:
            frame = frame.sort_values("created_at", kind="stable").reset_index(drop=True)
        return frame

    def read_state(self) -> dict[tuple[str, str], dict[str, Any]]:
        import json

        frame = self.read("state")
        return {
            (str(source), str(query_id)): json.loads(str(cursor))
            for source, query_id, cursor in zip(frame["source"], frame["query_id"], frame["cursor"], strict=True)
        }

    def read_runs(self) -> pd.DataFrame:
        return self.read("runs").sort_values("started_at", kind="stable").reset_index(drop=True)

    def size_bytes(self) -> int:
        manifest = self.manifest()
        total = 0
        for entries in manifest.tables.values():
            for entry in entries:
                try:
                    total += (self.root / entry.path).stat().st_size
                except FileNotFoundError:
                    continue
        return total

    # ---- writing -------------------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Hold the write lock; commit on success, leave the store untouched on error or kill."""
        self.root.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.root / ".lock"))
        try:
            lock.acquire(timeout=self.lock_timeout)
        except Timeout:
            raise StoreBusyError(
                f"De opslag in {self.root.parent} is in gebruik door een ander proces "
                f"(wacht even, of kijk of 'monitor run' al draait)."
            ) from None
        try:
            manifest = self.manifest()
            marker = self.root / TXN_MARKER
            if marker.exists():
                log.warning("vorige schrijfactie is afgebroken; achtergebleven bestanden worden opgeruimd")
                self._remove_orphans(manifest)
            marker.touch()
            tx = Transaction(self, manifest)
            yield tx
            tx.commit()
            marker.unlink(missing_ok=True)
        finally:
            lock.release()

    def _remove_orphans(self, manifest: Manifest) -> None:
        listed = {e.path for entries in manifest.tables.values() for e in entries}
        listed |= {r["path"] for r in manifest.retired}
        for table in TABLES:
            base = self.root / table
            if not base.exists():
                continue
            for path in base.rglob("*"):
                rel = path.relative_to(self.root).as_posix()
                if path.is_file() and rel not in listed:
                    path.unlink(missing_ok=True)
                    log.info("opgeruimd: %s", rel)

    def known_keys(self, manifest: Manifest) -> set[str]:
        """The dedupe index as 'post_key|school_id' strings, cached per manifest generation."""
        if self._index_cache and self._index_cache[0] == manifest.generation:
            return self._index_cache[1]
        frame = self._read_files(POST_INDEX, manifest.files("post_index"), ["post_key", "school_id"])
        keys = set((frame["post_key"] + "|" + frame["school_id"]).tolist())
        self._index_cache = (manifest.generation, keys)
        return keys


    def _remember_keys(self, before: int, after: int, new_keys: set[str]) -> None:
        cache = self._index_cache
        if cache is not None and cache[0] == before:
            cache[1].update(new_keys)
            self._index_cache = (after, cache[1])
        else:
            self._index_cache = None


class Transaction:
    """Collects new files; ``commit`` publishes them all at once by replacing the manifest."""

    def __init__(self, store: Store, manifest: Manifest) -> None:
        self.store = store
        self.manifest = manifest
        self._added: dict[str, list[FileEntry]] = {}
        self._retired: list[FileEntry] = []
        self._state: dict[tuple[str, str], str] = {}
        self._new_keys: set[str] = set()

    # ---- public operations ---------------------------------------------------------------------------------
    def add_posts(self, rows: list[dict[str, Any]]) -> AddResult:
        """Add post rows (see ``Post.rows``); rows already stored for the same (post, school) are skipped."""
        from monitor.store.schema import iso_week

        if not rows:
            return AddResult(0, 0)
        known = self.store.known_keys(self.manifest)
        fresh, seen = [], set()
        for row in rows:
            key = f"{row['post_key']}|{row['school_id']}"
            if key in known or key in self._new_keys or key in seen:
                continue
            seen.add(key)
            fresh.append({**row, "week": iso_week(row["created_at"])})
        if fresh:
            self.append(POSTS, fresh)
            self.append(POST_INDEX, [{k: r[k] for k in ("post_key", "school_id", "week")} for r in fresh])
            self._new_keys |= seen
        return AddResult(len(fresh), len(rows) - len(fresh), frozenset(r["post_key"] for r in fresh))

    def add_raw(self, rows: list[dict[str, Any]]) -> None:
        from monitor.store.schema import iso_week

        self.append(RAW, [{**r, "week": iso_week(r["fetched_at"])} for r in rows])

    def add_run(self, row: dict[str, Any]) -> None:
        self.append(RUNS, [row])

    def put_state(self, source: str, query_id: str, cursor: dict[str, Any]) -> None:
        import json

        self._state[(source, query_id)] = json.dumps(cursor, sort_keys=True, default=str)

    def append(self, spec: TableSpec, rows: list[dict[str, Any]] | pa.Table) -> None:
        """Write rows as new files, one per partition; they become visible at commit."""
        table = rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(rows, schema=spec.schema)
        if table.num_rows == 0:
            return
        for values, part in _split_partitions(spec, table):
            self._write_file(spec, values, part)

    # ---- commit ---------------------------------------------------------------------------------------------
    def commit(self) -> None:
        if self._state:
            self._write_state()
        if not self._added and not self._retired:
            return
        for name, entries in self._added.items():
            self.manifest.tables.setdefault(name, []).extend(entries)
        self._compact()
        now = datetime.now(UTC)
        gone = {e.path for e in self._retired}
        for name in list(self.manifest.tables):
            self.manifest.tables[name] = [e for e in self.manifest.tables[name] if e.path not in gone]
        self.manifest.retired.extend({"path": e.path, "retired_at": now.isoformat()} for e in self._retired)
        self._drop_expired(now)
        before = self.manifest.generation
        self.manifest.generation += 1
        save_manifest(self.store.root, self.manifest)
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
        rows = [
            {"source": s, "query_id": q, "cursor": c, "updated_at": t} for (s, q), (c, t) in sorted(merged.items())
        ]
        self._retired.extend(current)
        self.append(STATE, rows)

    def _compact(self) -> None:
        """Merge a partition's files into one once there are too many (keeps reads fast)."""
        for name in list(self._added):
            spec = TABLES[name]
            touched = {tuple(sorted(e.partition.items())) for e in self._added[name]}
            for part in touched:
                files = self.manifest.files(name, **dict(part))
                if len(files) <= spec.compact_after:
                    continue
                merged = self.store._read_files(spec, files, None)
                table = pa.Table.from_pandas(merged, schema=spec.schema, preserve_index=False)
                entry = self._write_file(spec, dict(part), table)
                self.manifest.tables[name].append(entry)
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
