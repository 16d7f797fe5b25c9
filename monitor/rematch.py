"""Re-applying the current school rules to stored posts (``monitor rematch``).

A stored (post, school) row stays when the school is still in the configuration and the post's text still matches
it under the current rules (``matching``), or when it is a reply that was stored for the school of its parent and
that parent stays (at any depth; a reply whose parent is not stored keeps what it was given when it was collected).
Every other row is removed with every trace, as ``forget`` does (``removal.remove``), and recorded in the audit log.
Posts are never added for a school they did not match before: that needs their platform, so the next collection
does it.

The service (``monitor run``) keeps a fingerprint of the schools' rules in the state table and re-applies them when
it changed, for the schools that are still in the configuration. Rows of a school that was taken out of the
configuration are left to ``monitor rematch --yes`` by hand (and to the retention schedule), with a warning: a
mistyped school id in the config must not wipe that school's archive.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from monitor.matching import REPLY_RULE, Matcher

if TYPE_CHECKING:
    import pandas as pd

    from monitor.config import Config
    from monitor.removal import Removed
    from monitor.store import Store

log = logging.getLogger(__name__)

RULES_STATE = ("_scholen", "regels")  # state-table row holding the fingerprint of the schools' rules
COLUMNS = ["post_key", "platform", "school_id", "week", "url", "text", "reply_to", "match_rule"]


@dataclass
class Plan:
    """What re-applying the rules removes: the (post, school) rows, with why, per school."""

    rows: pd.DataFrame  # columns as COLUMNS, plus ``reason``
    checked: int = 0  # (post, school) rows looked at
    gone_schools: list[str] = field(default_factory=list)  # stored school ids no longer in the configuration

    def per_school(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.rows.groupby("school_id")["post_key"].count().items()}


def plan(config: Config, store: Store, schools: list[str] | None = None) -> Plan:
    """The rows that no longer match under the current rules (nothing is changed). ``schools``: only rows of these
    school ids (default: every stored row, also of schools no longer in the configuration)."""
    from monitor.records import post_key

    posts = store.read("posts", columns=COLUMNS)
    if schools is not None:
        posts = posts[posts["school_id"].isin(schools)]
    posts = posts.reset_index(drop=True)
    configured = {s.id for s in config.schools}
    matcher = Matcher(config.schools)
    reasons: dict[tuple[str, str], str] = {}
    replies: list[tuple[str, str, str]] = []  # (post_key, school_id, parent key)
    for key, platform, school, text, reply_to, rule in zip(
        posts["post_key"], posts["platform"], posts["school_id"], posts["text"], posts["reply_to"],
        posts["match_rule"], strict=True,
    ):
        if school not in configured:
            reasons[(key, school)] = "school staat niet meer in de configuratie"
            continue
        if rule == REPLY_RULE and isinstance(reply_to, str) and reply_to:
            replies.append((key, school, post_key(platform, reply_to)))
            continue
        (verdict,) = matcher.explain(str(text or ""), [school])
        if not verdict.matched:
            reasons[(key, school)] = verdict.rule
    index = store.read("post_index", columns=["post_key", "school_id"])
    _follow_parents(replies, reasons, set(zip(index["post_key"], index["school_id"], strict=True)))
    gone = sorted(set(posts["school_id"].astype(str)) - configured)
    chosen = [(k, s) in reasons for k, s in zip(posts["post_key"], posts["school_id"], strict=True)]
    rows = posts.loc[chosen].copy()
    rows["reason"] = [reasons[(k, s)] for k, s in zip(rows["post_key"], rows["school_id"], strict=True)]
    return Plan(rows.reset_index(drop=True), len(posts), gone)


def _follow_parents(
    replies: list[tuple[str, str, str]], reasons: dict[tuple[str, str], str], stored: set[tuple[str, str]],
) -> None:
    """A reply goes with its parent: removed for a school when its parent is (a fixpoint, so at any depth)."""
    stored_keys = {key for key, _ in stored}
    changed = True
    while changed:
        changed = False
        for key, school, parent in replies:
            if (key, school) in reasons:
                continue
            if (parent, school) in reasons:
                reasons[(key, school)] = "reactie op een bericht dat niet meer bij deze school hoort"
                changed = True
            elif parent in stored_keys and (parent, school) not in stored:
                # the parent is stored, but no longer (or never) for this school
                reasons[(key, school)] = "reactie op een bericht dat niet bij deze school hoort"
                changed = True


def apply(config: Config, store: Store, found: Plan, actor: str | None = None) -> Removed:
    """Remove the rows of ``found`` with every trace, recount their weeks, make the saved pages again, and record
    it in the audit log."""
    from monitor.removal import remove

    details = {"per_school": found.per_school(), "gecontroleerd": found.checked}
    return remove(config, store, found.rows, action="rematch", target=f"{len(found.rows)} rijen", details=details,
                  actor=actor, recount=True, also=lambda tx: tx.put_state(*RULES_STATE, fingerprint(config)))


def fingerprint(config: Config) -> dict[str, str]:
    """School id -> hash of everything that decides what matches it."""
    rules = ("name", "town", "aliases", "handles", "hashtags", "include", "exclude", "ambiguous", "distinctive")
    return {s.id: hashlib.sha256(json.dumps(s.model_dump(include=set(rules)), sort_keys=True).encode()).hexdigest()
            for s in config.schools}


def changed_schools(config: Config, store: Store) -> list[str] | None:
    """Schools still in the configuration whose rules differ from the stored fingerprint; None when no fingerprint
    is stored yet (a first start: nothing to compare with)."""
    before = store.read_state().get(RULES_STATE)
    if before is None:
        return None
    now = fingerprint(config)
    return sorted(sid for sid, digest in now.items() if sid in before and before[sid] != digest)


def gone_schools(config: Config, store: Store) -> list[str]:
    """School ids with stored posts that are no longer in the configuration."""
    stored = set(store.read("post_index", columns=["school_id"])["school_id"].astype(str))
    return sorted(stored - {s.id for s in config.schools})


def rematch_if_rules_changed(config: Config, store: Store) -> Removed | None:
    """For the service: re-apply the rules of schools whose rules changed since the last time (schools new in the
    configuration have nothing stored to check); always stores the current fingerprint."""
    changed = changed_schools(config, store)
    gone = gone_schools(config, store)
    if gone:
        log.warning("scholen %s staan niet meer in de configuratie; hun opgeslagen berichten blijven tot 'monitor "
                    "rematch --yes' of de bewaartermijn ze verwijdert", ", ".join(gone))
    if not changed:
        with store.transaction() as tx:
            tx.put_state(*RULES_STATE, fingerprint(config))
        return None
    found = plan(config, store, changed)
    log.info("regels van %s gewijzigd: %d van %d rijen passen niet meer en worden verwijderd", ", ".join(changed),
             len(found.rows), found.checked)
    return apply(config, store, found, actor="planner")
