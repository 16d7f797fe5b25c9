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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

from monitor.errors import StoreBusyError, StoreError
from monitor.store.manifest import FileEntry, Manifest, load_manifest
from monitor.store.schema import POSTS_LOG, TABLES, TableSpec
from monitor.store.transaction import Transaction

log = logging.getLogger(__name__)

STORE_DIRNAME = "store"
LOGGED = ("posts", "post_index")  # tables whose new rows may still be in the posts log
TXN_MARKER = "_txn_in_progress"


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
                frame = self._read_files(spec, snapshot.files(table, **partition), columns)
                if table in LOGGED and snapshot.tables.get(POSTS_LOG.name):
                    frame = self._with_log(spec, frame, snapshot, columns, partition)
                return frame
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
        frame = pa.concat_tables([self.read_arrow(spec, f, wanted) for f in files]).to_pandas()
        return frame

    def _with_log(
        self, spec: TableSpec, frame: pd.DataFrame, manifest: Manifest, columns: list[str] | None,
        partition: dict[str, str | list[str] | None],
    ) -> pd.DataFrame:
        """``frame`` plus the rows of the posts log that belong to the table and partitions asked for."""
        wanted = columns or spec.columns
        asked = {k: [v] if isinstance(v, str) else list(v) for k, v in partition.items() if v is not None}
        log_rows = self.log_table(manifest, [*wanted, *(k for k in asked if k not in wanted)])
        for key, values in asked.items():
            log_rows = log_rows.filter(pc.is_in(log_rows[key], value_set=pa.array(values, type=pa.string())))
        if log_rows.num_rows == 0:
            return frame
        schema = pa.schema([spec.schema.field(c) for c in wanted])
        extra: pd.DataFrame = log_rows.select(wanted).cast(schema).to_pandas()
        return pd.concat([frame, extra], ignore_index=True) if len(frame) else extra

    def log_table(self, manifest: Manifest, columns: list[str] | None = None) -> pa.Table:
        """The posts log's rows (new posts not yet folded into their partitions)."""
        files = manifest.files(POSTS_LOG.name)
        if not files:
            return POSTS_LOG.schema.empty_table().select(columns or POSTS_LOG.columns)
        return pa.concat_tables([self.read_arrow(POSTS_LOG, entry, columns) for entry in files])

    def post_weeks(self, manifest: Manifest | None = None) -> list[str]:
        """Every week that has posts, folded or still in the log."""
        snapshot = manifest or self.manifest()
        weeks = {e.partition["week"] for e in snapshot.files("posts")}
        weeks |= set(self.log_table(snapshot, ["week"])["week"].to_pylist())
        return sorted(str(w) for w in weeks)

    def read_arrow(self, spec: TableSpec, entry: FileEntry, columns: list[str] | None = None) -> pa.Table:
        return pq.read_table(self.root / entry.path, columns=columns, schema=spec.schema)

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
        frame = self.read("post_index", columns=["post_key", "school_id"], manifest=manifest)
        keys = set((frame["post_key"] + "|" + frame["school_id"]).tolist())
        self._index_cache = (manifest.generation, keys)
        return keys


    def optimize(self, tables: tuple[str, ...] = ("posts", "raw", "labels")) -> int:
        """Merge partitions that were written in several small pieces into one file each (safe at any time).

        Collection appends one file per page and partition; once a week is past, its files are merged here so
        the store stays at about one file per school-week. Returns the number of partitions merged."""
        with self.transaction() as tx:
            tx.fold_log()
            return sum(tx.merge_partitions(table) for table in tables)

    def fold_log(self) -> int:
        """Move the posts log into its partitions (after a collection run; safe at any time). Returns the rows."""
        if not self.manifest().tables.get(POSTS_LOG.name):
            return 0
        with self.transaction() as tx:
            return tx.fold_log()

    def _remember_keys(self, before: int, after: int, new_keys: set[str]) -> None:
        cache = self._index_cache
        if cache is not None and cache[0] == before:
            cache[1].update(new_keys)
            self._index_cache = (after, cache[1])
        else:
            self._index_cache = None
