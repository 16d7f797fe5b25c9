"""The manifest: the single file that says which Parquet files make up the store.

A write transaction writes new immutable files first, then replaces the manifest atomically (temp file, fsync,
rename). A kill at any moment leaves either the old or the new manifest, never a mix: files written by an
unfinished transaction are simply not listed, and the next writer removes them. Files a commit replaced are kept
for a grace period, so a reader holding the previous manifest can still read them.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.errors import StoreError
from monitor.store.schema import SCHEMA_VERSION

MANIFEST_NAME = "_manifest.json"
FORMAT = "school-monitor-store"


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new content, never a partial one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex}")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the store root, always with forward slashes: <table>/<col>=<value>/.../part-*.parquet
    rows: int
    partition: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> list[Any]:
        return [self.path, self.rows]  # compact: the manifest is rewritten on every commit

    @classmethod
    def from_json(cls, item: list[Any]) -> FileEntry:
        path, rows = str(item[0]), int(item[1])
        folders = path.split("/")[1:-1]
        return cls(path, rows, dict(folder.split("=", 1) for folder in folders))

    @property
    def partition_key(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(self.partition.items()))


@dataclass
class Manifest:
    generation: int = 0
    schema_version: int = SCHEMA_VERSION
    tables: dict[str, list[FileEntry]] = field(default_factory=dict)
    retired: list[dict[str, str]] = field(default_factory=list)
    committed_at: str | None = None

    def files(self, table: str, **partition: str | list[str] | None) -> list[FileEntry]:
        """Files of ``table`` whose partition values match; a list value means any of those values."""
        wanted = {k: v for k, v in partition.items() if v is not None}
        out = []
        for entry in self.tables.get(table, []):
            ok = True
            for key, value in wanted.items():
                have = entry.partition.get(key)
                if (isinstance(value, list) and have not in value) or (isinstance(value, str) and have != value):
                    ok = False
            if ok:
                out.append(entry)
        return out

    def by_partition(self, table: str) -> dict[tuple[tuple[str, str], ...], list[FileEntry]]:
        """All files of ``table`` grouped by partition, in one pass."""
        groups: dict[tuple[tuple[str, str], ...], list[FileEntry]] = {}
        for entry in self.tables.get(table, []):
            groups.setdefault(entry.partition_key, []).append(entry)
        return groups

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "schema_version": self.schema_version,
            "generation": self.generation,
            "committed_at": self.committed_at,
            "tables": {name: [e.to_json() for e in entries] for name, entries in sorted(self.tables.items())},
            "retired": self.retired,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], where: Path) -> Manifest:
        if data.get("format") != FORMAT:
            raise StoreError(f"{where} is geen school-monitor manifest.")
        version = int(data.get("schema_version", 0))
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"De opslag in {where.parent} heeft schemaversie {version}; deze versie van school-monitor kent "
                f"tot en met {SCHEMA_VERSION}. Werk school-monitor bij."
            )
        tables = {
            name: [FileEntry.from_json(item) for item in entries]
            for name, entries in data.get("tables", {}).items()
        }
        return cls(
            generation=int(data.get("generation", 0)),
            schema_version=version,
            tables=tables,
            retired=list(data.get("retired", [])),
            committed_at=data.get("committed_at"),
        )


def load_manifest(root: Path) -> Manifest:
    path = root / MANIFEST_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Manifest()
    try:
        return Manifest.from_json(json.loads(raw), path)
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"{path} is beschadigd ({exc}). Zet een back-up van de datamap terug.") from None


def save_manifest(root: Path, manifest: Manifest) -> None:
    manifest.committed_at = datetime.now(UTC).isoformat()
    data = json.dumps(manifest.to_json(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    atomic_write_bytes(root / MANIFEST_NAME, data)


def expired(retired_at: str, grace: timedelta, now: datetime) -> bool:
    try:
        return datetime.fromisoformat(retired_at) + grace <= now
    except ValueError:
        return True
