"""``monitor alert``: an immediate e-mail to the school's safety contact for every post newly flagged in an alert
category (``[alerts] categories``; default bedreiging, seksuele_intimidatie, pesten).

The weekly digest waits for Monday; a threat posted on Tuesday must not. After every classification the service
runs :func:`run_alerts`: each post whose newest label flags an alert category, created within ``max_age_days``,
that was not alerted yet, is mailed on its own to that school's ``safety_recipients`` only (never to the
communications recipients), with the text, the link, why it was flagged, the protocol's steps with 112 first and the
review reference.

Each outcome is appended to the ``alerts`` table and the audit log. A post is alerted once: a ``verzonden`` row means
never again, across re-runs and restarts; a ``mislukt`` one is tried again on the next run (and shown in red by
``monitor status``). Sending comes before recording, so a crash in the moment between the mail server's accept and
the commit sends that one alert twice rather than never: a duplicate costs less than a missed threat. A school
without ``safety_recipients``, or a service without ``[smtp]``, keeps its alerts waiting (a loud warning in the log
and in ``monitor status``) until it is set.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from monitor.errors import MonitorError
from monitor.words import count

if TYPE_CHECKING:
    import pandas as pd

    from monitor.config import Config, School
    from monitor.store import Store

log = logging.getLogger(__name__)

SENT, FAILED, WAITING, DRY_RUN = "verzonden", "mislukt", "wacht", "te-verzenden"


@dataclass(frozen=True)
class Alert:
    """One post to alert one school about (texts are cleaned when rendered, not here)."""

    post_key: str
    school_id: str
    ref: str
    categories: tuple[str, ...]  # the alert categories it is flagged for, strongest first
    scores: dict[str, float]
    evidence: tuple[str, ...]
    created_at: datetime
    text: str
    url: str
    platform: str
    source: str
    attempts_before: int = 0  # failed sends so far


@dataclass(frozen=True)
class AlertOutcome:
    alert: Alert
    status: str  # verzonden, mislukt, wacht or te-verzenden (without --send)
    recipients: int
    error: str = ""


@dataclass
class AlertRun:
    outcomes: list[AlertOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def sent(self) -> int:
        return self.count(SENT)

    @property
    def failed(self) -> int:
        return self.count(FAILED)

    @property
    def waiting(self) -> int:
        return self.count(WAITING)


def alert_history(store: Store) -> pd.DataFrame:
    """The newest alert row per (post_key, school_id), with the number of attempts over all rows."""
    rows = store.read("alerts")
    if rows.empty:
        return rows.assign(tries=rows.get("attempts"))
    rows = rows.sort_values("at", kind="stable")
    tries = rows.groupby(["post_key", "school_id"], sort=False)["attempts"].transform("sum")
    return rows.assign(tries=tries).drop_duplicates(["post_key", "school_id"], keep="last").reset_index(drop=True)


def pending_alerts(config: Config, store: Store, now: datetime | None = None) -> list[Alert]:
    """The posts that want an alert now: flagged in an alert category, recent, not sent before (oldest first)."""
    from monitor.digest.sections import newest_labels
    from monitor.records import now_utc
    from monitor.review import post_ref
    from monitor.store.schema import iso_week

    if not config.alerts.enabled:
        return []
    now = now or now_utc()
    since = now - timedelta(days=config.alerts.max_age_days)
    weeks = sorted({iso_week(since + timedelta(days=d)) for d in range(config.alerts.max_age_days + 8)})
    labels = store.read("labels", columns=["post_key", "categories", "scored_at"], week=weeks)
    if labels.empty:
        return []
    flagged = {key: found for key, text in zip(*(newest_labels(labels)[c].tolist() for c in ("post_key", "categories")),
                                               strict=True)
               if (found := _flagged(text, config.alerts.categories))}
    if not flagged:
        return []
    posts = store.read("posts", columns=["post_key", "school_id", "created_at", "text", "url", "platform", "source"],
                       week=weeks)
    posts = posts[posts["post_key"].isin(list(flagged)) & (posts["created_at"] >= since)]
    history = alert_history(store)
    done = {(k, s) for k, s, st in zip(history.get("post_key", []), history.get("school_id", []),
                                       history.get("status", []), strict=True) if st == SENT}
    tries = {(k, s): int(n) for k, s, n in zip(history.get("post_key", []), history.get("school_id", []),
                                               history.get("tries", []), strict=True)}
    schools = {s.id for s in config.schools}
    alerts = []
    for row in posts.sort_values("created_at", kind="stable").to_dict("records"):
        key, school_id = str(row["post_key"]), str(row["school_id"])
        if (key, school_id) in done or school_id not in schools:
            continue
        scores, evidence = flagged[key]
        alerts.append(Alert(
            post_key=key, school_id=school_id, ref=post_ref(key), categories=tuple(scores), scores=scores,
            evidence=evidence, created_at=row["created_at"].to_pydatetime(), text=str(row["text"] or ""),
            url=row["url"] if isinstance(row["url"], str) else "", platform=str(row["platform"] or ""),
            source=str(row["source"] or ""), attempts_before=tries.get((key, school_id), 0),
        ))
    return alerts


def _flagged(categories_json: Any, wanted: list[str]) -> tuple[dict[str, float], tuple[str, ...]] | None:
    """(scores of the flagged alert categories, strongest first; their evidence), or None."""
    import json

    try:
        categories = json.loads(str(categories_json)) if categories_json is not None else {}
    except ValueError:
        return None
    if not isinstance(categories, dict):
        return None
    scores = {name: float(entry.get("score", 0.0)) for name, entry in categories.items()
              if name in wanted and isinstance(entry, dict) and entry.get("flagged")}
    if not scores:
        return None
    ordered = dict(sorted(scores.items(), key=lambda item: -item[1]))
    evidence = [str(e) for name in ordered for e in (categories[name].get("evidence") or [])]
    return ordered, tuple(dict.fromkeys(evidence))


def run_alerts(
    config: Config,
    store: Store,
    send: bool = False,
    *,
    now: datetime | None = None,
    progress: Callable[[AlertOutcome], None] | None = None,
) -> AlertRun:
    """Send (with ``send``) or list (without) every pending alert; see the module docstring."""
    if send and config.smtp is None:
        where = config.path or "monitor.toml"
        raise MonitorError(
            f"Verzenden kan niet: er is geen [smtp]-sectie in {where}. Voeg er een toe met minstens host en sender, "
            "of draai zonder --send om te zien welke meldingen klaarstaan."
        )
    run = AlertRun()
    waiting: dict[str, int] = {}
    for alert in pending_alerts(config, store, now):
        school = config.school(alert.school_id)
        if not school.safety_recipients:
            outcome = AlertOutcome(alert, WAITING, 0, "geen safety_recipients ingesteld voor deze school")
            waiting[school.id] = waiting.get(school.id, 0) + 1
        elif not send:
            outcome = AlertOutcome(alert, DRY_RUN, len(school.safety_recipients))
        else:
            outcome = _send(config, store, school, alert)
        run.outcomes.append(outcome)
        if progress is not None:
            progress(outcome)
    for school_id, n in waiting.items():
        log.warning("school %s heeft geen safety_recipients; wachtend: %s. Zet bij deze school "
                    "in monitor.toml: safety_recipients = [\"naam@school.nl\"]", school_id,
                    count(n, "veiligheidsmelding"),
                    extra={"school_id": school_id, "waiting": n})
    return run


def _send(config: Config, store: Store, school: School, alert: Alert) -> AlertOutcome:
    from monitor.alerts.message import render_alert
    from monitor.audit import actor_name, record
    from monitor.digest.mail import DeliveryError, compose_message, send_message
    from monitor.records import now_utc
    from monitor.store.schema import ALERTS

    assert config.smtp is not None
    recipients = list(school.safety_recipients)
    status, attempts, error = SENT, 0, ""
    try:
        rendered = render_alert(config, school, alert)
        message = compose_message(rendered.subject, rendered.html, rendered.text, {}, config.smtp.sender, recipients)
        attempts = send_message(config.smtp, message)
    except DeliveryError as exc:
        status, attempts, error = FAILED, exc.attempts, str(exc)
    except MonitorError as exc:
        status, error = FAILED, str(exc)
    if status == FAILED:
        log.warning("veiligheidsmelding %s (%s) niet verzonden, volgt bij de volgende run: %s", alert.ref,
                    school.id, error, extra={"school_id": school.id, "ref": alert.ref})
    else:
        log.info("veiligheidsmelding %s (%s) verzonden aan %d adres(sen)", alert.ref, school.id, len(recipients),
                 extra={"school_id": school.id, "ref": alert.ref})
    row = {"alert_id": uuid.uuid4().hex, "post_key": alert.post_key, "school_id": school.id,
           "categories": ";".join(alert.categories), "recipients": len(recipients), "status": status,
           "attempts": int(attempts), "error": error, "at": now_utc()}
    with store.transaction() as tx:
        tx.append(ALERTS, [row])
        record(store, "alert", target=f"{school.id}/{alert.ref}", actor=actor_name(config), tx=tx,
               details={"categorieen": list(alert.categories), "status": status, "ontvangers": len(recipients),
                        "pogingen": int(attempts)})
    return AlertOutcome(alert, status, len(recipients), error)


def retry_due(store: Store) -> bool:
    """Is there an alert whose last send failed (so the service should try again)?"""
    history = alert_history(store)
    return bool(not history.empty and (history["status"] == FAILED).any())
