"""Saved pages in the data directory that show stored posts: the digests (``digests/<week>/``) and the dashboard
(``dashboard/``), and making them again after posts were removed (``forget``, ``rematch``).

A saved digest *holds* a post when it is a digest of the post's school and week, or when it names the post: its
reference, its link or the start of its text (an open item carried over from an earlier week, for instance). Those
digests are made again from the store, so the post is gone from them; every other page stays exactly as it was, and
nothing is e-mailed. A digest that cannot be made again (its school or board is no longer in the configuration, or
making it fails) is deleted instead: a removed post must not stay on disk. The dashboard is built again when it is
saved in the data directory (its counts change); a file in it that names a post and is not replaced is deleted.
"""

from __future__ import annotations

import html
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.digest.run import BOARD, BOARD_ID, MAIN, SAFETY, rerender, stem
from monitor.errors import MonitorError

if TYPE_CHECKING:
    import pandas as pd

    from monitor.config import Config
    from monitor.store import Store

log = logging.getLogger(__name__)

MIN_MARKER = 3
WEEK_FOLDER = re.compile(r"^\d{4}-W\d{2}$")


@dataclass
class Pages:
    """The saved pages that hold some posts (found before the posts are removed)."""

    digests: dict[Path, tuple[str, str | None]] = field(default_factory=dict)  # path -> (week, owner to make it)
    dashboard_files: list[Path] = field(default_factory=list)  # dashboard files that name one of the posts
    dashboard: bool = False  # the dashboard is saved in the data directory: build it again

    def __len__(self) -> int:
        return len(self.digests) + len(self.dashboard_files) + (1 if self.dashboard else 0)


@dataclass(frozen=True)
class Refreshed:
    remade: list[str]  # files made again, relative to the data directory
    removed: list[str]  # files deleted because they could not be made again
    dashboard_rebuilt: bool = False


def holding(config: Config, posts: pd.DataFrame) -> Pages:
    """The saved digests and dashboard files that hold one of ``posts`` (rows with post_key, school_id, week,
    url, text); nothing is changed."""
    pages = Pages()
    if posts.empty:
        return pages
    markers = [m.encode("utf-8") for m in markers_of(posts)]
    owners = _owners(config)
    pairs = set(zip(posts["week"].astype(str), posts["school_id"].astype(str), strict=True))
    own = {(week, stem(school, kind)) for week, school in pairs for kind in (MAIN, SAFETY)}
    base = config.data_dir / "digests"
    for path in sorted(base.rglob("*")) if base.is_dir() else []:
        if not path.is_file():
            continue
        parts = path.relative_to(base).parts
        week = parts[0] if len(parts) == 2 and WEEK_FOLDER.match(parts[0]) else ""
        named = path.suffix in (".html", ".txt") and not path.name.startswith(".")
        if (named and (week, path.stem) in own) or _names(path, markers):
            pages.digests[path] = (week, owners.get(path.stem) if week and named else None)
    folder = config.data_dir / "dashboard"
    if folder.is_dir():
        pages.dashboard_files = [p for p in sorted(folder.rglob("*")) if p.is_file() and _names(p, markers)]
        pages.dashboard = (folder / "index.html").is_file()
    return pages


def refresh(config: Config, store: Store, pages: Pages) -> Refreshed:
    """Make the pages in ``pages`` again from the store as it is now (after the removal); never sends e-mail."""
    weeks: dict[str, set[str]] = {}
    for week, owner in pages.digests.values():
        if owner is not None:
            weeks.setdefault(week, set()).add(owner)
    remade: set[Path] = set()
    for week, owners in sorted(weeks.items()):
        try:
            results = rerender(config, store, week, owners)
        except MonitorError as exc:
            log.warning("digests van %s niet opnieuw gemaakt (%s); de bestanden met gewiste berichten worden "
                        "verwijderd", week, exc)
            continue
        remade |= {path for r in results for path in (r.html_path, r.html_path.with_suffix(".txt"))}
    removed = []
    for path in pages.digests:
        if path not in remade:
            path.unlink(missing_ok=True)
            removed.append(path)
    for path in pages.dashboard_files:
        path.unlink(missing_ok=True)
        removed.append(path)
    rebuilt = (pages.dashboard or bool(pages.dashboard_files)) and _rebuild_dashboard(config, store)
    if rebuilt:
        removed = [p for p in removed if not p.exists()]  # rewritten by the rebuild
    relative = sorted(p.relative_to(config.data_dir).as_posix() for p in remade & set(pages.digests))
    return Refreshed(relative, sorted(p.relative_to(config.data_dir).as_posix() for p in removed), rebuilt)


def markers_of(posts: pd.DataFrame) -> set[str]:
    """Strings whose presence in a rendered file means the file shows one of these posts."""
    from monitor.review import post_ref

    found: set[str] = set()
    for key, url, text in zip(posts["post_key"], posts["url"], posts["text"], strict=True):
        found.add(post_ref(str(key)))
        for value in (url, str(text or "").strip()[:60]):
            if value and len(str(value)) >= MIN_MARKER:
                found |= {str(value), html.escape(str(value)), json.dumps(str(value))[1:-1]}
    return found


def _names(path: Path, markers: list[bytes]) -> bool:
    data = path.read_bytes()
    return any(m in data for m in markers)


def _owners(config: Config) -> dict[str, str]:
    """File stem -> who the digest is for (school id, or ``bestuur``), for the digests the config can make."""
    owners = {stem(s.id, kind): s.id for s in config.schools for kind in (MAIN, SAFETY)}
    if config.digest.board is not None:
        owners[stem(BOARD_ID, BOARD)] = BOARD_ID
    return owners


def _rebuild_dashboard(config: Config, store: Store) -> bool:
    from dashboards.build import write_dashboard

    try:
        write_dashboard(config, store)
    except MonitorError as exc:
        log.warning("dashboard niet opnieuw gemaakt: %s", exc)
        return False
    return True
