"""Convert every cloned source into ``<out>/<name>.jsonl``; a missing or broken source is reported and skipped."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from models.sources.base import Clone, Record, SourceError
from models.sources.finish import cap_stratified, dedupe_and_exclude, write_jsonl
from models.sources.registry import SOURCES, Source
from models.training_data import read_heldout_keys

log = logging.getLogger(__name__)

_SHA = re.compile(r"[0-9a-f]{40}")


def checked_out_commit(root: Path) -> str | None:
    """The commit a clone's work tree is at, read from ``.git`` without running git (None if unknown)."""
    git = root / ".git"
    try:
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
        if head.startswith("ref: "):
            ref = head[5:]
            if (git / ref).is_file():
                head = (git / ref).read_text(encoding="utf-8").strip()
            else:
                packed = (git / "packed-refs").read_text(encoding="utf-8").splitlines()
                head = next((line.split()[0] for line in packed if line.endswith(" " + ref)), "")
    except OSError:
        return None
    return head if _SHA.fullmatch(head) else None


def convert(source: Source, root: Path, excluded: frozenset[str]) -> list[Record]:
    """The finished rows of one source (converted, de-duplicated, held-out texts dropped, capped)."""
    rows = dedupe_and_exclude(source.convert(Clone(root, excluded)), excluded, dedupe=source.dedupe)
    if not rows:
        raise SourceError("geen enkele rij gelezen")
    if source.cap is not None:
        rows = cap_stratified(rows, source.cap)
    return rows


def prepare(
    clones: Path,
    out: Path,
    say: Callable[[str], None] | None = None,
    exclude: Sequence[Path] = (),
    *,
    sources: Sequence[Source] = SOURCES,
) -> dict[str, int]:
    """Convert every source whose clone ``<clones>/<owner>+<name>/`` is present into ``<out>/<name>.jsonl``.

    Texts in the ``exclude`` CSV files (column ``text``, the held-out evaluation sets) are dropped before the cap.
    Returns the rows written per source; missing clones and sources whose files do not parse are reported through
    ``say`` (and the log) and left out; an earlier ``<name>.jsonl`` of such a source is left untouched.
    """

    def tell(message: str, level: int = logging.INFO) -> None:
        log.log(level, "%s", message)
        if say is not None:
            say(message)

    excluded = frozenset(read_heldout_keys(exclude))
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    for source in sources:
        root = clones / source.folder
        if not root.is_dir():
            tell(
                f"bron {source.name} overgeslagen: map {root} ontbreekt; clone {source.url} "
                f"en zet commit {source.commit} uit",
                logging.WARNING,
            )
            continue
        at = checked_out_commit(root)
        if at is not None and at != source.commit:
            tell(
                f"bron {source.name}: {root} staat op commit {at}, gedocumenteerd is {source.commit}; "
                "de uitvoer kan afwijken",
                logging.WARNING,
            )
        try:
            rows = convert(source, root, excluded)
        except Exception as exc:  # one broken source must not stop the others
            log.debug("bron %s mislukt", source.name, exc_info=True)
            detail = str(exc) if isinstance(exc, SourceError) else f"{type(exc).__name__}: {exc}"
            tell(f"bron {source.name} overgeslagen: bestanden in {root} niet te lezen ({detail})", logging.ERROR)
            continue
        written[source.name] = write_jsonl(out / f"{source.name}.jsonl", rows)
        tell(f"bron {source.name}: {written[source.name]} rijen -> {out / (source.name + '.jsonl')}")
    return written
