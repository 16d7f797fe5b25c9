"""``monitor digest``: make the week's digests, save them in the data directory and (with --send) e-mail them.

Per school two digests: the main one (kind ``digest``, to ``recipients``) with every section except the texts of
safety signals, and the safety one (kind ``veiligheid``, to ``safety_recipients`` only). With ``[digest.board]``
one more (kind ``bestuur``) with only counts per school. Each is saved as ``<data_dir>/digests/<week>/<name>.html``
(standalone, chart embedded) with a ``.txt`` beside it, recorded in the audit log and in the ``deliveries`` table.
A failed send is reported in the result and does not stop the other digests.

A digest of a week that was already sent is made again but not sent again (result ``al-verzonden``) unless
``resend`` is given, so a second ``--send`` (by hand, or a missed run of the service caught up) never mails the
same week twice by accident. :func:`rerender` makes saved digests again after posts were removed; it never sends.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.digest.mail import FAILED, NOT_SENT, SENT
from monitor.errors import MonitorError

if TYPE_CHECKING:
    from monitor.config import Config, School
    from monitor.digest.render import Rendered
    from monitor.store import Store

log = logging.getLogger(__name__)

MAIN, SAFETY, BOARD = "digest", "veiligheid", "bestuur"
BOARD_ID = "bestuur"
ALREADY_SENT = "al-verzonden"  # a result only: sent before, made again but not sent again (see ``resend``)
__all__ = ["ALREADY_SENT", "BOARD", "BOARD_ID", "FAILED", "MAIN", "NOT_SENT", "SAFETY", "SENT", "DigestResult",
           "rerender", "run_digests", "stem", "write_atomic"]


@dataclass(frozen=True)
class DigestResult:
    school_id: str  # or "bestuur"
    kind: str  # digest, veiligheid or bestuur
    week: str
    html_path: Path
    recipients: list[str] = field(default_factory=list)
    status: str = NOT_SENT  # verzonden, mislukt, niet-verzonden or al-verzonden
    error: str = ""
    sent_before: datetime | None = None  # when this digest was sent earlier (UTC), if it was


def run_digests(
    config: Config,
    store: Store,
    week: str | None = None,
    school_id: str | None = None,
    send: bool = False,
    *,
    resend: bool = False,
    progress: Callable[[DigestResult], None] | None = None,
) -> list[DigestResult]:
    """Make (and with ``send`` e-mail) the digests of ``week`` (default: the last complete week) for every school,
    or only ``school_id`` (then without the board digest). A digest already sent for that week is not sent again
    unless ``resend``. ``progress`` is called after each digest."""
    from monitor.digest.weeks import last_complete_week, parse_week

    week = parse_week(week) if week else last_complete_week(config.timezone)
    if send and config.smtp is None:
        where = config.path or "monitor.toml"
        raise MonitorError(
            f"Verzenden kan niet: er is geen [smtp]-sectie in {where}. Voeg er een toe met minstens host en sender "
            "(zie de uitleg bij [smtp] in 'monitor init'), of draai zonder --send om alleen de bestanden te maken."
        )
    schools = [config.school(school_id)] if school_id else list(config.schools)
    return _make(config, store, week, schools, school_id is None, send, resend, progress)


def rerender(config: Config, store: Store, week: str, owners: Collection[str]) -> list[DigestResult]:
    """Make the saved digests of ``week`` again, as the store is now, for ``owners`` (school ids; ``bestuur`` for
    the board digest). Never sends e-mail. Owners that are not in the configuration are skipped."""
    schools = [s for s in config.schools if s.id in owners]
    return _make(config, store, week, schools, BOARD_ID in owners, send=False, resend=False, progress=None)


def _make(
    config: Config, store: Store, week: str, schools: list[School], with_board: bool, send: bool, resend: bool,
    progress: Callable[[DigestResult], None] | None,
) -> list[DigestResult]:
    from monitor.digest.build import gather, read_shared
    from monitor.digest.mail import sent_before
    from monitor.digest.render import render_board, render_safety, render_school

    shared = read_shared(store, week, config.digest.history_weeks, None if with_board else [s.id for s in schools])
    earlier = sent_before(store, week) if send and not resend else {}
    results: list[DigestResult] = []

    def deliver(owner: str, kind: str, rendered: Rendered, recipients: list[str], counts: dict[str, Any]) -> None:
        outbox = _Outbox(recipients, send, earlier.get((owner, kind)))
        result = _deliver(config, store, owner, kind, week, rendered, outbox, counts)
        results.append(result)
        if progress is not None:
            progress(result)

    gathered = {}
    for school in schools:
        data = gather(config, store, school, week, shared)
        gathered[school.id] = data
        safety_file = f"digests/{week}/{stem(school.id, SAFETY)}.html"
        deliver(school.id, MAIN, render_school(config, data, safety_file), school.recipients, data.counts())
        safety_counts = {"veiligheid": len(data.sections.safety), "open_punten": len(data.open_safety)}
        deliver(school.id, SAFETY, render_safety(config, data), school.safety_recipients, safety_counts)
    board = config.digest.board
    if board is not None and with_board:
        members = [gathered[sid] if sid in gathered else gather(config, store, config.school(sid), week, shared)
                   for sid in (board.schools or [s.id for s in config.schools])]
        counts = {"scholen": len(members), "berichten": sum(m.current.total for m in members)}
        deliver(BOARD_ID, BOARD, render_board(config, board, members, week), board.recipients, counts)
    return results


def stem(owner: str, kind: str) -> str:
    """The file name (without .html/.txt) of a saved digest."""
    return {MAIN: owner, SAFETY: f"{owner}-veiligheid", BOARD: "bestuur"}[kind]


@dataclass(frozen=True)
class _Outbox:
    recipients: list[str]
    send: bool
    sent_before: datetime | None  # set (and not resending): made again, not sent again


def _deliver(
    config: Config, store: Store, owner: str, kind: str, week: str, rendered: Rendered, outbox: _Outbox,
    counts: dict[str, Any],
) -> DigestResult:
    from monitor.audit import actor_name, record
    from monitor.digest.mail import DeliveryError, compose_message, record_delivery, send_message

    folder = config.data_dir / "digests" / week
    html_path = folder / f"{stem(owner, kind)}.html"
    write_atomic(html_path, rendered.html_file)
    write_atomic(html_path.with_suffix(".txt"), rendered.text)
    target = f"{owner}/{week}"
    actor = actor_name(config)
    record(store, "digest", target=target, details={"soort": kind, **counts}, actor=actor)

    recipients = outbox.recipients
    status, attempts, error = NOT_SENT, 0, ""
    if outbox.send and outbox.sent_before is not None:
        log.info("digest %s (%s, %s) is al verzonden op %s; niet opnieuw verstuurd", owner, kind, week,
                 outbox.sent_before.isoformat(timespec="minutes"))
    elif outbox.send and not recipients:
        setting = "safety_recipients" if kind == SAFETY else "recipients"
        error = f"geen ontvangers: vul {setting} in monitor.toml in"
    elif outbox.send and config.smtp is not None:
        try:
            message = compose_message(rendered.subject, rendered.html, rendered.text, rendered.images,
                                      config.smtp.sender, recipients)
            attempts = send_message(config.smtp, message)
            status = SENT
        except DeliveryError as exc:
            status, attempts, error = FAILED, exc.attempts, str(exc)
        except MonitorError as exc:
            status, error = FAILED, str(exc)
        if status == FAILED:
            log.warning("digest %s (%s, %s) niet verzonden: %s", owner, kind, week, error)
        record(store, "digest-send", target=target, actor=actor,
               details={"soort": kind, "status": status, "ontvangers": len(recipients), "pogingen": attempts})
    relative = html_path.relative_to(config.data_dir).as_posix()
    record_delivery(store, school_id=owner, week=week, kind=kind, recipients=len(recipients), status=status,
                    attempts=attempts, error=error, path=relative)
    shown = ALREADY_SENT if outbox.send and outbox.sent_before is not None else status
    return DigestResult(owner, kind, week, html_path, list(recipients), shown, error, outbox.sent_before)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so a reader sees the old file or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
