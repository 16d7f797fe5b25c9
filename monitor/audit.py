"""The audit log: who marked, exported, forgot, purged, sent or viewed what. Append-only, like the review events.

Targets are references (a post reference, a school id, a week, a pseudonym), never post texts, so the log itself
holds no more personal data than it needs and can be kept longer than the posts.
"""

from __future__ import annotations

import getpass
import json
import uuid
from typing import TYPE_CHECKING, Any

import pandas as pd

from monitor.records import now_utc

if TYPE_CHECKING:
    from monitor.config import Config
    from monitor.store import Store
    from monitor.store.transaction import Transaction

ACTIONS = {
    "review-mark": "status van een bericht vastgelegd",
    "review-show": "bericht bekeken",
    "digest": "digest gemaakt",
    "digest-send": "digest verzonden",
    "alert": "veiligheidsmelding verzonden (of mislukt)",
    "export": "inzageverzoek: gegevens geëxporteerd",
    "forget": "verwijderverzoek: gegevens gewist",
    "rematch": "schoolregels opnieuw toegepast: berichten die niet meer passen gewist",
    "purge": "bewaartermijn: oude gegevens opgeruimd",
    "dashboard": "dashboard gemaakt",
    "user-add": "gebruiker van de webapp toegevoegd",
    "user-remove": "gebruiker van de webapp verwijderd",
    "user-password": "wachtwoord van een gebruiker van de webapp gewijzigd",
    "web-login": "ingelogd op de webapp",
    "web-login-failed": "mislukte inlogpoging op de webapp",
    "web-view": "bericht bekeken in de webapp",
}


def actor_name(config: Config | None = None, actor: str | None = None) -> str:
    """Who is acting: an explicit name, else ``[privacy] actor`` from the config, else the logged-in user."""
    if actor:
        return actor
    if config is not None and config.privacy.actor:
        return config.privacy.actor
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "onbekend"


def audit_row(action: str, target: str, details: dict[str, Any] | None = None, actor: str = "") -> dict[str, Any]:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    return {
        "event_id": uuid.uuid4().hex,
        "at": now_utc(),
        "actor": actor or actor_name(),
        "action": action,
        "target": target,
        "details": json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str),
    }


def record(
    store: Store,
    action: str,
    target: str,
    details: dict[str, Any] | None = None,
    *,
    actor: str = "",
    tx: Transaction | None = None,
) -> None:
    """Append one audit event; inside ``tx`` it commits together with the change it describes."""
    from monitor.store.schema import AUDIT

    row = audit_row(action, target, details, actor)
    if tx is not None:
        tx.append(AUDIT, [row])
        return
    with store.transaction() as own:
        own.append(AUDIT, [row])


def read_audit(store: Store) -> pd.DataFrame:
    """All audit events, oldest first."""
    return store.read("audit").sort_values("at", kind="stable").reset_index(drop=True)
