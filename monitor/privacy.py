"""Pseudonymisation of authors (AVG/GDPR): a keyed hash, so the same author gets the same pseudonym
(a pattern of harassment stays visible) while the handle itself is never stored.

The key comes from the environment variable named in ``[privacy] pseudonym_key`` (default
``MONITOR_PSEUDONYM_KEY``). When it is not set, a random key is created once in ``<data_dir>/keys/`` with
owner-only permissions, so pseudonyms stay stable between runs. Keep that folder out of shared backups.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from monitor.config import Config
from monitor.errors import SecretMissingError
from monitor.records import Post

log = logging.getLogger(__name__)

KEY_FILE = Path("keys") / "pseudonym.key"


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


class Pseudonymiser:
    def __init__(self, key: bytes, enabled: bool = True) -> None:
        self._key = key
        self.enabled = enabled

    @classmethod
    def from_config(cls, config: Config) -> Pseudonymiser:
        return cls(load_key(config), enabled=config.privacy.pseudonymise_authors)

    def pseudonym(self, platform: str, handle: str) -> str:
        """'p-' and 16 hex characters; handles compare case-insensitively."""
        message = f"{platform}:{handle.strip().lstrip('@').casefold()}".encode()
        return "p-" + hmac.new(self._key, message, hashlib.sha256).hexdigest()[:16]

    def apply(self, post: Post) -> Post:
        if self.enabled and post.author:
            post.author = self.pseudonym(post.platform, post.author)
        return post
