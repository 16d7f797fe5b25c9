"""The connector contract.

A connector is a small class with a pydantic ``Settings`` model and three methods: ``queries`` (what to search
for the schools it serves), ``fetch`` (yield pages of raw posts with provenance and the cursor after each page)
and ``to_post`` (map one raw post to the normalised record). It knows nothing of the store, models or scheduler.
Optional hooks: ``begin`` receives source-wide state (e.g. a monthly read budget) and ``deleted`` tells which
stored posts were removed on the platform (so they are removed here too).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, field_validator

from monitor.config import School
from monitor.config_errors import numbers_not_text
from monitor.records import Page, Post, Query, RawPost


class ConnectorError(Exception):
    """A source failed. The message is for school staff and says what to do; the run goes on with other sources."""


class AuthError(ConnectorError):
    """Credentials were refused (401/403) or are missing."""


class SourceUnavailableError(ConnectorError):
    """The source could not be reached, timed out, or kept failing after retries."""


class PayloadError(ConnectorError):
    """The source answered with something that is not what the connector can read."""


class TransientError(ConnectorError):
    """Worth trying again: a timeout, a 5xx, or a rate limit. ``wait`` is the platform's hint in seconds."""

    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait


class MappingError(ValueError):
    """One item could not be mapped; it is skipped with a warning and counted."""


class ConnectorSettings(BaseModel):
    """Base for a connector's own settings in ``[[sources]]``; unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
    _numbers_not_text = field_validator("*", mode="before")(numbers_not_text)


class Connector(ABC):
    """Subclass this, set the class attributes, implement ``queries``, ``fetch`` and ``to_post``."""

    name: ClassVar[str]
    platform: ClassVar[str]
    version: ClassVar[str] = "1"
    Settings: ClassVar[type[ConnectorSettings]] = ConnectorSettings
    credentials: ClassVar[str] = "geen"  # shown by `monitor connectors`: which secrets this connector needs
    optional_secrets: ClassVar[tuple[str, ...]] = ()  # SecretRef settings that may stay unset (``monitor check``)
    description: ClassVar[str] = ""

    def __init__(self, source_name: str, settings: ConnectorSettings) -> None:
        self.source_name = source_name
        self.settings = settings

    def raw_post(self, native_id: str, payload: dict[str, Any], query_text: str, fetched_at: datetime) -> RawPost:
        """A raw post with this connector's provenance."""
        return RawPost(native_id, payload, self.source_name, query_text, fetched_at, self.name, self.version)

    def begin(self, source_state: Mapping[str, Any]) -> None:  # noqa: B027 - optional hook
        """Receive source-wide state saved by an earlier run (see ``Page.source_state``)."""

    @abstractmethod
    def queries(self, schools: Sequence[School]) -> list[Query]:
        """What to search for this source, given the schools it serves."""

    @abstractmethod
    def fetch(self, query: Query, cursor: Mapping[str, Any]) -> Iterator[Page]:
        """Yield pages of raw posts, each with the cursor to save once that page is stored."""

    @abstractmethod
    def to_post(self, raw: RawPost) -> Post:
        """Map one raw post to the normalised record; raise MappingError for an item that cannot be read."""

    def deleted(self, native_ids: Sequence[str]) -> set[str]:
        """Which of these stored posts were deleted or removed on the platform. Default: not supported."""
        raise NotImplementedError

    @property
    def supports_recheck(self) -> bool:
        return type(self).deleted is not Connector.deleted

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release network resources."""
