"""Pseudonymisation of authors (AVG/GDPR): a keyed hash, so the same author gets the same pseudonym
(a pattern of harassment stays visible) while the handle itself is never stored.

The key comes from the environment variable named in ``[privacy] pseudonym_key`` (default
``MONITOR_PSEUDONYM_KEY``). When it is not set, a random key is created once in ``<data_dir>/keys/`` with
owner-only permissions (by ``monitor init``, or on first use), so pseudonyms stay stable between runs. Keep that
folder out of shared backups.

Erasure requests (``monitor forget``) leave a *suppression list* of keyed hashes (never handles, texts or URLs) in
the store's state table, so a forgotten post or author is not collected again: :meth:`Pseudonymiser.apply` drops
such a post by clearing its school matches, which means nothing of it is stored.

Raw platform payloads hold the author's handle as the platform sent it. :meth:`Pseudonymiser.scrub_payload`
replaces it by the pseudonym (unless ``keep_handles_for_safety`` is on); raw payloads are dropped after
``raw_retention_days`` by the retention purge either way.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.config import Config
from monitor.errors import SecretMissingError
from monitor.records import Post

if TYPE_CHECKING:
    from monitor.store import Store

log = logging.getLogger(__name__)

KEY_FILE = Path("keys") / "pseudonym.key"
PSEUDONYM = re.compile(r"p-[0-9a-f]{16}")
SUPPRESSION_SOURCE = "_privacy"  # state-table row holding the suppression list (keyed hashes only)
SUPPRESSION_QUERY = "vergeten"


def load_key(config: Config) -> bytes:
    try:
        return config.privacy.pseudonym_key.resolve("pseudoniemen van auteurs").encode("utf-8")
    except SecretMissingError:
        pass
    path = config.data_dir / KEY_FILE
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_hex(32).encode("ascii")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    log.info(
        "nieuwe pseudoniemsleutel gemaakt in %s (zet %s om zelf een sleutel te kiezen)",
        path,
        config.privacy.pseudonym_key.env,
    )
    return key


def ensure_key(config: Config) -> Path | None:
    """Create the key file if the environment gives no key; returns the key file's path (None: key from env)."""
    if config.privacy.pseudonym_key.env in os.environ:
        return None
    load_key(config)
    return config.data_dir / KEY_FILE


def is_pseudonym(value: str | None) -> bool:
    return bool(value) and PSEUDONYM.fullmatch(str(value)) is not None


def normalise_handle(handle: str) -> str:
    """How handles compare: without a leading @ and case-insensitive (as on every supported platform)."""
    return handle.strip().lstrip("@").casefold()


class Pseudonymiser:
    def __init__(
        self,
        key: bytes,
        enabled: bool = True,
        keep_handles: bool = False,
        suppressed: Iterable[str] = (),
    ) -> None:
        self._key = key
        self.enabled = enabled
        self.keep_handles = keep_handles
        self.suppressed = set(suppressed)  # tokens of forgotten posts and pseudonyms of forgotten authors
        self.dropped = 0

    @classmethod
    def from_config(cls, config: Config, store: Store | None = None) -> Pseudonymiser:
        from monitor.store import Store

        suppressed = read_suppressed(store or Store(config.data_dir))
        return cls(load_key(config), enabled=config.privacy.pseudonymise_authors,
                   keep_handles=config.privacy.keep_handles_for_safety, suppressed=suppressed)

    def pseudonym(self, platform: str, handle: str) -> str:
        """'p-' and 16 hex characters; handles compare case-insensitively."""
        message = f"{platform}:{normalise_handle(handle)}".encode()
        return "p-" + hmac.new(self._key, message, hashlib.sha256).hexdigest()[:16]

    def post_token(self, post_key: str) -> str:
        """A keyed hash of a post key, for the suppression list (the key itself may hold a URL or account)."""
        return "k-" + hmac.new(self._key, f"post:{post_key}".encode(), hashlib.sha256).hexdigest()[:24]

    def author_pseudonym(self, platform: str, author: str) -> str:
        """The pseudonym of a stored or fetched author value (which may already be a pseudonym)."""
        return author if is_pseudonym(author) else self.pseudonym(platform, author)

    def apply(self, post: Post) -> Post:
        """Pseudonymise the author. A post that was erased on request (or whose author was) is dropped: its school
        matches are cleared, so the pipeline stores nothing of it."""
        pseudonym = self.author_pseudonym(post.platform, post.author) if post.author else None
        if self.suppressed and (self.post_token(post.key) in self.suppressed or pseudonym in self.suppressed):
            post.matches = []
            self.dropped += 1
            log.info("bericht overgeslagen: het is eerder op verzoek gewist")
        if self.enabled and post.author:
            post.author = pseudonym
        return post

    def scrub_payload(self, payload: Any, platform: str, handle: str | None) -> Any:
        """A copy of a raw payload without account identifiers; unchanged when handles are kept for the safety
        contact. Replaced by pseudonyms: values that are the author's handle, the handle (or the local part of
        ``user@server``) as a URL path segment, the values of account-id fields (X ``author_id``, Bluesky ``did``,
        Mastodon account ids), every DID (``did:plc:...`` also inside ``at://`` uris, of anyone) and Mastodon
        ``/users/<name>`` and ``/@<name>`` path segments (of anyone)."""
        if self.keep_handles or not self.enabled:
            return payload
        wanted = normalise_handle(handle) if handle and not is_pseudonym(handle) else ""
        names = {n for n in {(handle or "").strip().lstrip("@"), (handle or "").strip().lstrip("@").split("@")[0]}
                 if len(n) >= 2} if wanted else set()
        segment = (re.compile(r"(?<=/)@?(?:" + "|".join(map(re.escape, sorted(names))) + r")(?=/|$)", re.IGNORECASE)
                   if names else None)
        author = self.pseudonym(platform, handle) if wanted and handle else ""

        def replace_text(value: str) -> str:
            if wanted and normalise_handle(value) == wanted:
                return author
            value = _DID.sub(lambda m: self.pseudonym(platform, m.group()), value)
            if "/" in value:
                if segment is not None:
                    value = segment.sub(author, value)
                value = _ACCOUNT_SEGMENT.sub(lambda m: m.group(1) + self.pseudonym(platform, m.group(2)), value)
            return value

        def walk(value: Any, key: str = "") -> Any:
            if key in _ACCOUNT_ID_KEYS and isinstance(value, str | int) and not isinstance(value, bool) and value:
                return self.pseudonym(platform, str(value))
            if isinstance(value, str):
                return replace_text(value)
            if isinstance(value, dict):
                return {k: walk(v, str(k)) for k, v in value.items()}
            if isinstance(value, list):
                return [walk(v) for v in value]
            return value

        return walk(payload)


# Account identifiers in payloads, by field name (X, Mastodon, Bluesky, Reddit).
_ACCOUNT_ID_KEYS = frozenset(
    {"author_id", "in_reply_to_user_id", "in_reply_to_account_id", "account_id", "did", "author_fullname"}
)
_DID = re.compile(r"did:(?:plc|web):[A-Za-z0-9._:%-]+")
# ActivityPub and Mastodon profile paths: https://server/users/<name>/statuses/1, https://server/@<name>/1.
_ACCOUNT_SEGMENT = re.compile(r"(/users/|/@)([A-Za-z0-9_][A-Za-z0-9_.-]*)(?=/|$|\?)")


def read_suppressed(store: Store) -> set[str]:
    """The suppression list left by erasure requests (keyed hashes); empty for a new store."""
    if not (store.root / "_manifest.json").exists():
        return set()
    cursor = store.read_state().get((SUPPRESSION_SOURCE, SUPPRESSION_QUERY), {})
    return set(cursor.get("tokens", []))


def suppression_cursor(current: set[str], new: Iterable[str]) -> dict[str, Any]:
    """The state value to save after adding ``new`` tokens (sorted, so re-running changes nothing)."""
    return {"tokens": sorted(current | set(new))}
