"""Mastodon: public hashtag timelines on one or more instances, read with Mastodon.py.

One query per (instance, hashtag). By default the hashtags are the schools' own plus the ones people derive from
their names (``#zilvermeercollege``, ``#ikcderegenboogzoetermeer``; the same set the matcher accepts on its own).
No login is needed for public hashtag timelines; an access token is only used when one is set.

Paging and the cursor: a timeline is read newest first, page by page down with ``max_id``, stopping at the
``since_id`` of the last complete pass. While a pass is under way the cursor also holds where it got to
(``top``: the newest id of this pass, ``max_id``: the next page), so a crash or the page cap mid-pass resumes that
pass next time instead of leaving a gap; ``since_id`` moves to ``top`` only when the pass is complete.

An instance that refuses (401/403) or shows an empty timeline because hashtag feeds are not public there, or that
cannot be reached, is reported as a notice on its queries; the other instances are read as usual. Only when every
query fails does the source fail.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import AnyHttpUrl, Field, field_validator

from connectors.base import (
    AuthError,
    Connector,
    ConnectorError,
    ConnectorSettings,
    MappingError,
    PayloadError,
    SourceUnavailableError,
    TransientError,
)
from connectors.deadline import RequestLimit, deadline_error, deadline_session
from connectors.paging import NewestFirstPass
from connectors.retry import RetryPolicy, call_with_retries
from connectors.text import html_to_text
from monitor.config import School, SecretRef
from monitor.errors import SecretMissingError
from monitor.matching import SchoolMatcher
from monitor.records import Page, Post, Query, RawPost, now_utc

log = logging.getLogger(__name__)

TOKEN_ENV = "MASTODON_ACCESS_TOKEN"  # noqa: S105 - the name of a variable, not a secret
DEFAULT_INSTANCES = ("https://mastodon.social", "https://mastodon.nl")
RATE_WINDOW_CAP = 330.0  # Mastodon's rate-limit window is 5 minutes; never wait much longer than that
MAX_PARENT_LOOKUPS = 50  # per run: statuses fetched only to learn the uri of the post a reply answers



class MastodonSettings(ConnectorSettings):
    instances: list[AnyHttpUrl] = Field(
        default_factory=lambda: [AnyHttpUrl(url) for url in DEFAULT_INSTANCES], min_length=1
    )
    hashtags: list[str] = Field(default_factory=list)
    school_hashtags: bool = True
    limit: int = Field(default=40, ge=1, le=40)
    max_pages: int = Field(default=10, ge=1, le=100)
    access_token: SecretRef = SecretRef(env=TOKEN_ENV)
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    retries: int = Field(default=3, ge=0, le=10)

    @field_validator("hashtags")
    @classmethod
    def _tag_form(cls, tags: list[str]) -> list[str]:
        out = []
        for tag in tags:
            bare = tag.strip().lstrip("#")
            if not bare or not bare.replace("_", "a").isalnum():
                raise ValueError(f"'{tag}' is geen hashtag (letters, cijfers en _, zonder spaties)")
            out.append(bare.lower())
        return out


class MastodonConnector(Connector):
    name: ClassVar[str] = "mastodon"
    platform: ClassVar[str] = "mastodon"
    version: ClassVar[str] = "1"
    Settings = MastodonSettings
    credentials: ClassVar[str] = f"geen (openbare hashtag-tijdlijnen); optioneel {TOKEN_ENV}"
    optional_secrets: ClassVar[tuple[str, ...]] = ("access_token",)
    description: ClassVar[str] = "Mastodon: openbare hashtag-tijdlijnen op een of meer servers (alleen lezen)"

    def __init__(self, source_name: str, settings: ConnectorSettings) -> None:
        super().__init__(source_name, settings)
        assert isinstance(settings, MastodonSettings)
        self.config: MastodonSettings = settings
        self.instances = {_instance_key(str(url)): str(url).rstrip("/") for url in settings.instances}
        self.policy = RetryPolicy(attempts=settings.retries + 1, wait_cap=RATE_WINDOW_CAP)
        self._clients: dict[str, Any] = {}
        self._session: Any = None
        self._planned = 0
        self._succeeded = 0
        self._failed = 0
        self._broken: dict[str, ConnectorError] = {}  # instance key -> why it is skipped for the rest of the run
        # "<instance>:<local id>" -> status uri: a reply names its parent by the local id of the server we read,
        # while posts are keyed by their uri (the same on every server), so replies are joined through this map.
        self._uris: dict[str, str] = {}
        self._lookups = 0

    # --- queries ------------------------------------------------------------------------------------------------

    def queries(self, schools: Sequence[School]) -> list[Query]:
        tags: dict[str, list[str]] = {}
        if self.config.school_hashtags:
            for school in schools:
                for tag in school_tags(school):
                    tags.setdefault(tag, []).append(school.id)
        everyone = [s.id for s in schools]
        for tag in self.config.hashtags:
            tags[tag] = everyone
        result = [
            Query(id=f"{key}#{tag}", text=f"#{tag} op {key}", school_ids=tuple(dict.fromkeys(ids)))
            for key in self.instances
            for tag, ids in tags.items()
        ]
        self._planned, self._succeeded, self._failed = len(result), 0, 0
        self._broken.clear()
        return result

    def _target(self, query: Query) -> tuple[str, str]:
        key, sep, tag = query.id.rpartition("#")
        if not sep or key not in self.instances or not tag:
            raise PayloadError(f"Onbekende Mastodon-zoekopdracht '{query.id}' (server niet in `instances`).")
        return key, tag

    # --- fetch --------------------------------------------------------------------------------------------------

    def fetch(self, query: Query, cursor: Mapping[str, Any]) -> Iterator[Page]:
        key, tag = self._target(query)
        committed: dict[str, Any] = dict(cursor)
        try:
            if key in self._broken:
                raise self._broken[key]
            for page in self._read(key, tag, query, cursor):
                committed = page.cursor
                yield page
        except ConnectorError as exc:
            self._failed += 1
            if isinstance(exc, AuthError | SourceUnavailableError):
                self._broken.setdefault(key, exc)  # do not knock on this door again for its other hashtags
            if self._succeeded == 0 and self._failed >= self._planned:
                log.error("%s: geen enkele Mastodon-zoekopdracht gelukt", self.source_name)
                raise type(exc)(f"{exc} (geen enkele Mastodon-zoekopdracht is gelukt)") from None
            log.warning("%s: %s", self.source_name, exc)
            yield Page([], committed, notices=(str(exc),))
            return
        self._succeeded += 1

    def _read(self, key: str, tag: str, query: Query, cursor: Mapping[str, Any]) -> Iterator[Page]:
        def request(since: str | None, max_id: str | None) -> tuple[list[RawPost], str | None, str | None]:
            statuses, next_max = self._request(key, tag, since, max_id)
            self._remember_uris(key, statuses)
            fetched_at = now_utc()
            items = [self._raw(status, key, query, fetched_at) for status in statuses]
            newest = max((_opt_id(_get(s, "id")) for s in statuses), key=_id_order, default=None)
            return items, next_max, newest

        paging = NewestFirstPass(
            ("since_id", "top", "max_id"), self.config.max_pages, "Mastodon", "hashtag", request, _newer_id
        )
        yield from paging.pages(cursor)

    def _remember_uris(self, key: str, statuses: list[Any]) -> None:
        for status in statuses:
            local, uri = _opt_id(_get(status, "id")), _get(status, "uri")
            if local and isinstance(uri, str) and uri:
                self._uris[f"{key}:{local}"] = uri

    def _parent_uri(self, key: str, local: str) -> str | None:
        """The uri of the status a reply answers: from this run's pages, else asked of the server once (bounded, so
        a page full of replies cannot use up the rate limit); None when it cannot be known."""
        wanted = f"{key}:{local}"
        if wanted not in self._uris and self._lookups < MAX_PARENT_LOOKUPS and key not in self._broken:
            self._lookups += 1
            api = self._client(key)
            try:
                parent = self._guarded(api, key, lambda: api.status(local))
            except ConnectorError as exc:  # a deleted or private parent: the reply keeps the local id
                log.info("%s: bericht %s waarop gereageerd wordt niet op te halen: %s", self.source_name, wanted, exc)
                parent = None
            if parent is not None:
                self._remember_uris(key, [parent])
        return self._uris.get(wanted)

    def _request(self, key: str, tag: str, since: str | None, max_id: str | None) -> tuple[list[Any], str | None]:
        api = self._client(key)
        host = key
        limit = self.config.limit

        def call() -> tuple[Any, bool]:
            from mastodon.errors import MastodonWarning

            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", MastodonWarning)
                result = self._guarded(
                    api, host, lambda: api.timeline_hashtag(tag, since_id=since, max_id=max_id, limit=limit)
                )
            unavailable = any(
                issubclass(w.category, MastodonWarning) and "unavailable" in str(w.message) for w in caught
            )
            return result, unavailable

        result, unavailable = call_with_retries(call, self.policy, f"Mastodon {host} (#{tag})")
        if not isinstance(result, list):
            raise PayloadError(f"Mastodon-server {host} gaf geen lijst met berichten terug voor #{tag}.")
        if unavailable and not result:
            raise AuthError(
                f"Mastodon-server {host} laat hashtag-tijdlijnen niet zien zonder in te loggen (leeg antwoord). "
                f"De andere servers worden wel gelezen. Zet een toegangstoken in {self._token_env()} "
                "of haal deze server uit `instances`."
            )
        statuses = list(result)
        pagination = getattr(result, "_pagination_next", None)
        next_max = _opt_id(pagination.get("max_id")) if isinstance(pagination, Mapping) else None
        if next_max is None and len(statuses) >= limit:  # no Link header: page on from the oldest status
            next_max = _opt_id(_get(statuses[-1], "id"))
        return statuses, next_max

    def _guarded(self, api: Any, host: str, call: Callable[[], Any]) -> Any:
        """Run one Mastodon.py call and turn its exceptions into the connector's."""
        from mastodon import (
            MastodonAPIError,
            MastodonError,
            MastodonNetworkError,
            MastodonNotFoundError,
            MastodonRatelimitError,
            MastodonServerError,
            MastodonUnauthorizedError,
        )

        try:
            return call()
        except MastodonRatelimitError:
            wait = _reset_wait(api)
            hint = f"; opnieuw over {wait:.0f} s" if wait is not None else ""
            raise TransientError(f"Mastodon-server {host}: te veel verzoeken (HTTP 429{hint})", wait=wait) from None
        except MastodonNetworkError as exc:
            cut_off = deadline_error(exc)  # Mastodon.py wraps every exception of the session
            if cut_off is not None:
                raise cut_off from None
            raise TransientError(f"Mastodon-server {host} reageert niet of is onbereikbaar ({_short(exc)})") from None
        except MastodonServerError as exc:
            raise TransientError(f"Mastodon-server {host} gaf een serverfout (HTTP {_status(exc)})") from None
        except MastodonUnauthorizedError:
            raise AuthError(self._refused(host, 401)) from None
        except MastodonNotFoundError:
            raise PayloadError(
                f"{host} kent de Mastodon-API niet (HTTP 404). Is het wel een Mastodon-server? "
                "Controleer het adres in `instances`."
            ) from None
        except MastodonAPIError as exc:
            status = _status(exc)
            if status == 403:
                raise AuthError(self._refused(host, 403)) from None
            if status in (408, 425, 429):
                raise TransientError(f"Mastodon-server {host}: tijdelijk niet beschikbaar (HTTP {status})") from None
            if status is None:
                raise PayloadError(f"Mastodon-server {host} gaf een onleesbaar antwoord ({_short(exc)}).") from None
            raise PayloadError(f"Mastodon-server {host} weigerde het verzoek (HTTP {status}: {_short(exc)}).") from None
        except MastodonError as exc:
            raise PayloadError(f"Mastodon-server {host}: {_short(exc)}") from None

    def _refused(self, host: str, status: int) -> str:
        if self._token_for(host) is not None:
            return (
                f"Mastodon-server {host} weigert het toegangstoken (HTTP {status}). De andere servers worden wel "
                f"gelezen. Controleer {self._token_env()}: een token hoort bij één server en heeft leesrechten nodig."
            )
        return (
            f"Mastodon-server {host} laat hashtag-tijdlijnen alleen zien aan ingelogde gebruikers (HTTP {status}). "
            f"De andere servers worden wel gelezen. Zet een toegangstoken van deze server in {self._token_env()} "
            "of haal hem uit `instances`."
        )

    # --- clients ------------------------------------------------------------------------------------------------

    def _token_env(self) -> str:
        return self.config.access_token.env

    def _token_for(self, key: str) -> str | None:
        """The access token, only for the first instance: a token belongs to one server and must not leak."""
        if key != next(iter(self.instances)):
            return None
        explicit = "access_token" in self.config.model_fields_set
        try:
            return self.config.access_token.resolve("Mastodon")
        except SecretMissingError as exc:
            if explicit:  # configured on purpose, so a missing variable is a mistake worth stopping for
                raise AuthError(str(exc)) from None
            return None

    def _client(self, key: str) -> Any:
        if key not in self._clients:
            from mastodon import Mastodon

            from connectors.http import USER_AGENT

            if self._session is None:  # each request ends within a hard limit, against servers that trickle
                self._session = deadline_session(RequestLimit(self.source_name, self.config.timeout_seconds))
            self._clients[key] = Mastodon(
                api_base_url=self.instances[key],
                access_token=self._token_for(key),
                version_check_mode="none",
                request_timeout=self.config.timeout_seconds,
                ratelimit_method="throw",
                session=self._session,
                user_agent=USER_AGENT,
            )
        return self._clients[key]

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
        self._clients.clear()

    # --- mapping ------------------------------------------------------------------------------------------------

    def _raw(self, status: Any, key: str, query: Query, fetched_at: datetime) -> RawPost:
        payload = slim_status(status, key)
        if payload.get("in_reply_to_id"):
            payload["in_reply_to_uri"] = self._parent_uri(key, str(payload["in_reply_to_id"]))
        uri = payload.get("uri")
        local = payload.get("id")
        native = str(uri) if uri else (f"{key}:{local}" if local else f"{key}:onbekend")
        return self.raw_post(native, payload, query.text, fetched_at)

    def to_post(self, raw: RawPost) -> Post:
        status = raw.payload
        content = status.get("content")
        if not isinstance(content, str) or not (status.get("uri") or status.get("id")):
            raise MappingError("Mastodon-bericht zonder inhoud of id")
        text = html_to_text(content)
        spoiler = str(status.get("spoiler_text") or "").strip()
        if spoiler:
            text = f"{spoiler}\n\n{text}" if text else spoiler
        if not text:
            raise MappingError("Mastodon-bericht zonder tekst")
        instance = str(status.get("instance") or "")
        reply = status.get("in_reply_to_id")
        return Post(
            platform=self.platform,
            native_id=raw.native_id,
            url=_text(status.get("url")) or _text(status.get("uri")),
            created_at=_parse_time(status.get("created_at")),
            fetched_at=raw.fetched_at,
            text=text,
            author=_text(status.get("acct")),
            language=_text(status.get("language")),
            has_media=bool(status.get("media")),
            reply_to=_text(status.get("in_reply_to_uri")) or (f"{instance}:{reply}" if reply else None),
            quote_of=_text(status.get("quote_uri")),
            source=raw.source,
            query=raw.query,
        )


def _text(value: Any) -> str | None:
    """A payload field that should be a string: anything else (a changed API, a hostile server) counts as absent."""
    return value if isinstance(value, str) and value else None


def school_tags(school: School) -> list[str]:
    """The hashtags that point at this school on their own: its own plus those derived from its names."""
    return list(SchoolMatcher(school).hashtags)


def slim_status(status: Any, key: str) -> dict[str, Any]:
    """The fields the mapping needs, as plain JSON; no profile data (avatar, bio, follower counts)."""
    if not isinstance(status, Mapping):
        return {"instance": key, "unreadable": repr(status)[:200]}
    account = _mapping(status.get("account"))
    quoted = _mapping(_mapping(status.get("quote")).get("quoted_status"))
    media = status.get("media_attachments") or []
    return {
        "instance": key,
        "id": _opt_id(status.get("id")),
        "uri": status.get("uri"),
        "url": status.get("url"),
        "created_at": _iso(status.get("created_at")),
        "acct": _full_acct(account, key),
        "content": status.get("content"),
        "spoiler_text": status.get("spoiler_text") or "",
        "language": status.get("language"),
        "in_reply_to_id": _opt_id(status.get("in_reply_to_id")),
        "media": [str(m.get("type")) for m in media if isinstance(m, Mapping)],
        "tags": [str(t.get("name")) for t in status.get("tags") or [] if isinstance(t, Mapping)],
        "visibility": status.get("visibility"),
        "sensitive": bool(status.get("sensitive")),
        "quote_uri": quoted.get("uri"),
    }


def _full_acct(account: Mapping[str, Any], key: str) -> str | None:
    """``user@home.server`` for everyone, so the same person gets the same pseudonym whichever server we read."""
    acct = account.get("acct")
    if not acct:
        return None
    if "@" in str(acct):
        return str(acct)
    home = urlsplit(str(account.get("url") or "")).hostname or key.split("/")[0]
    return f"{acct}@{home}"


def _instance_key(url: str) -> str:
    parts = urlsplit(url)
    return (parts.netloc + parts.path).rstrip("/")


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _get(status: Any, field: str) -> Any:
    return status.get(field) if isinstance(status, Mapping) else None


def _opt_id(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _newer_id(current: str | None, candidate: str | None) -> str | None:
    if candidate is None or current is None:
        return candidate or current
    return max(current, candidate, key=_id_order)


def _id_order(value: str | None) -> tuple[int, int, str]:
    text = value or ""
    return (1, int(text), "") if text.isdigit() else (0, 0, text)


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value) if value else None


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed


def _reset_wait(api: Any) -> float | None:
    """Seconds until the rate-limit window resets: Mastodon.py read X-RateLimit-Reset from the 429 answer."""
    reset = getattr(api, "ratelimit_reset", None)
    if not isinstance(reset, int | float):
        return None
    return max(float(reset) - time.time(), 0.0)


def _status(exc: Exception) -> int | None:
    """Mastodon.py raises API errors as (message, status code, reason, error text)."""
    args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
    return args[1] if len(args) > 1 and isinstance(args[1], int) else None


def _short(exc: Exception) -> str:
    args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
    text = str(args[3]) if len(args) > 3 and args[3] else str(exc)
    return text if len(text) < 160 else text[:157] + "..."
