"""Bluesky: post search (app.bsky.feed.searchPosts) through the atproto client, logged in with an app password.

Bluesky search needs a login, is AND-only (``a OR b`` finds posts holding both words and the word "OR") and
supports quoted phrases and hashtags. So there is one query per search term: per school its distinctive names as
quoted phrases, its ambiguous names together with its town (``"De Regenboog" Zoetermeer``) and its hashtags; plus
the extra ``terms`` of the source.

Paging and the cursor: results come newest first (``sort=latest``), page by page with an opaque cursor, limited
to posts since the newest post of the last complete pass (minus a margin for posts that are indexed late). While a
pass is under way the cursor also holds where it got to (``top``: the newest time of this pass, ``next``: the page
cursor), so a crash or the page cap mid-pass resumes that pass next time instead of leaving a gap; ``since``
moves to ``top`` only when the pass is complete.

Read-only: the only calls are createSession/refreshSession (login) and searchPosts.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, TypeVar

from pydantic import AnyHttpUrl, Field, field_validator

from connectors.base import (
    AuthError,
    Connector,
    ConnectorSettings,
    MappingError,
    PayloadError,
    TransientError,
)
from connectors.paging import NewestFirstPass
from connectors.retry import RetryPolicy, call_with_retries
from monitor.config import School, SecretRef
from monitor.errors import SecretMissingError
from monitor.matching import SchoolMatcher, fold
from monitor.records import Page, Post, Query, RawPost, now_utc

log = logging.getLogger(__name__)

HANDLE_ENV = "BLUESKY_HANDLE"
PASSWORD_ENV = "BLUESKY_APP_PASSWORD"  # noqa: S105 - the name of a variable, not a secret
DEFAULT_API_URL = "https://bsky.social"
SINCE_MARGIN = timedelta(minutes=15)  # posts indexed a little late still fall inside the next search
MEDIA_EMBEDS = ("app.bsky.embed.images", "app.bsky.embed.video", "app.bsky.embed.gallery")

T = TypeVar("T")


class _StaleCursorError(PayloadError):
    """The server no longer accepts a saved page cursor."""


class BlueskySettings(ConnectorSettings):
    api_url: AnyHttpUrl = AnyHttpUrl(DEFAULT_API_URL)
    handle: SecretRef = SecretRef(env=HANDLE_ENV)
    app_password: SecretRef = SecretRef(env=PASSWORD_ENV)
    terms: list[str] = Field(default_factory=list)
    school_terms: bool = True
    lang: str | None = Field(default=None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    limit: int = Field(default=50, ge=1, le=100)
    max_pages: int = Field(default=10, ge=1, le=100)
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    retries: int = Field(default=3, ge=0, le=10)

    @field_validator("terms")
    @classmethod
    def _terms_form(cls, terms: list[str]) -> list[str]:
        cleaned = [" ".join(term.split()) for term in terms]
        if any(len(term) < 2 for term in cleaned):
            raise ValueError("elke zoekterm moet minstens 2 tekens hebben")
        return cleaned


class BlueskyConnector(Connector):
    name: ClassVar[str] = "bluesky"
    platform: ClassVar[str] = "bluesky"
    version: ClassVar[str] = "1"
    Settings = BlueskySettings
    credentials: ClassVar[str] = f"{HANDLE_ENV} en {PASSWORD_ENV} (app-wachtwoord)"
    description: ClassVar[str] = "Bluesky: zoeken in berichten (alleen lezen; inloggen met een app-wachtwoord)"

    def __init__(self, source_name: str, settings: ConnectorSettings) -> None:
        super().__init__(source_name, settings)
        assert isinstance(settings, BlueskySettings)
        self.config: BlueskySettings = settings
        self.policy = RetryPolicy(attempts=settings.retries + 1)
        self._client: Any = None

    # --- queries ------------------------------------------------------------------------------------------------

    def queries(self, schools: Sequence[School]) -> list[Query]:
        result: dict[str, Query] = {}
        if self.config.school_terms:
            for school in schools:
                for term in school_terms(school):
                    query_id = f"school:{school.id}:{_slug(term)}"
                    result.setdefault(query_id, Query(id=query_id, text=term, school_ids=(school.id,)))
        everyone = tuple(s.id for s in schools)
        for term in self.config.terms:
            query_id = f"term:{_slug(term)}"
            result.setdefault(query_id, Query(id=query_id, text=term, school_ids=everyone))
        return list(result.values())

    # --- fetch --------------------------------------------------------------------------------------------------

    def fetch(self, query: Query, cursor: Mapping[str, Any]) -> Iterator[Page]:
        def request(since: str | None, page_cursor: str | None) -> tuple[list[RawPost], str | None, str | None]:
            posts, next_cursor = self._request(query.text, since, page_cursor)
            fetched_at = now_utc()
            items = [self._raw(post, query, fetched_at) for post in posts]
            newest: str | None = None
            for raw in items:
                newest = _later(newest, _sort_time(raw.payload))
            return items, next_cursor, newest

        paging = NewestFirstPass(
            ("since", "top", "next"), self.config.max_pages, "Bluesky", "zoekterm", request, _later, _StaleCursorError
        )
        yield from paging.pages(cursor)

    def _request(self, q: str, since: str | None, page_cursor: str | None) -> tuple[list[Any], str | None]:
        client = self._login()
        params: dict[str, Any] = {"q": q, "limit": self.config.limit, "sort": "latest"}
        since_time = _parse_time(since)
        if since_time is not None:
            params["since"] = _iso_z(since_time - SINCE_MARGIN)
        if page_cursor:
            params["cursor"] = page_cursor
        if self.config.lang:
            params["lang"] = self.config.lang

        def call() -> Any:
            return self._guarded(lambda: client.app.bsky.feed.search_posts(params=params), stale=bool(page_cursor))

        response = call_with_retries(call, self.policy, f"Bluesky-zoekopdracht '{q}'")
        posts = getattr(response, "posts", None)
        if not isinstance(posts, list):
            raise PayloadError(f"Bluesky gaf geen lijst met berichten terug voor '{q}'.")
        next_cursor = getattr(response, "cursor", None)
        return posts, (str(next_cursor) if next_cursor else None)

    # --- login and errors ---------------------------------------------------------------------------------------

    def _secret(self, ref: SecretRef, what: str) -> str:
        try:
            return ref.resolve(f"Bluesky: {what}")
        except SecretMissingError as exc:
            raise AuthError(str(exc)) from None

    def _login(self) -> Any:
        if self._client is not None:
            return self._client
        handle = self._secret(self.config.handle, "je handle, bijvoorbeeld school.bsky.social")
        password = self._secret(self.config.app_password, "een app-wachtwoord")
        import httpx

        atproto_client = importlib.import_module("atproto_client")
        request_module = importlib.import_module("atproto_client.request")
        from connectors.deadline import RequestLimit
        from connectors.deadline_httpx import deadline_transport

        timeout = httpx.Timeout(self.config.timeout_seconds, connect=min(self.config.timeout_seconds, 10.0))
        # httpx has no limit for a whole request; the transport ends each one in time, against servers that trickle.
        limit = RequestLimit(self.source_name, self.config.timeout_seconds)
        transport = deadline_transport(limit, str(self.config.api_url))
        client = atproto_client.Client(
            base_url=str(self.config.api_url), request=request_module.Request(timeout=timeout, transport=transport)
        )
        call_with_retries(
            lambda: self._guarded(lambda: client.login(handle, password, fetch_bsky_profile=False), login=True),
            self.policy,
            "Bluesky: inloggen",
        )
        self._client = client
        return client

    def _credentials_hint(self) -> str:
        return (
            f"Controleer {self.config.handle.env} (je handle, bijvoorbeeld school.bsky.social) en "
            f"{self.config.app_password.env} (een app-wachtwoord uit Bluesky: Instellingen > Privacy en "
            "beveiliging > App-wachtwoorden; niet je gewone wachtwoord)."
        )

    def _guarded(self, call: Callable[[], T], login: bool = False, stale: bool = False) -> T:
        """Run one atproto call and turn its exceptions (and httpx's) into the connector's."""
        import httpx

        errors = importlib.import_module("atproto_client.exceptions")
        core = importlib.import_module("atproto_core.exceptions")
        try:
            return call()
        except errors.RateLimitExceededError as exc:
            wait = _rate_wait(exc)
            hint = f"; opnieuw over {wait:.0f} s" if wait is not None else ""
            raise TransientError(f"Bluesky: te veel verzoeken (HTTP 429{hint})", wait=wait) from None
        except errors.InvokeTimeoutError:
            raise TransientError(f"Bluesky reageerde niet binnen {self.config.timeout_seconds:g} seconden") from None
        except errors.NetworkError as exc:
            raise TransientError(f"Bluesky is niet bereikbaar ({_detail(exc)})") from None
        except errors.UnauthorizedError as exc:
            if login:
                raise AuthError(f"Bluesky weigert het inloggen ({_detail(exc)}). {self._credentials_hint()}") from None
            raise AuthError(f"Bluesky weigert de zoekopdracht ({_detail(exc)}). {self._credentials_hint()}") from None
        except errors.LoginRequiredError:
            raise AuthError(f"Bluesky: niet (meer) ingelogd. {self._credentials_hint()}") from None
        except errors.BadRequestError as exc:
            if login:
                raise AuthError(f"Bluesky weigert het inloggen ({_detail(exc)}). {self._credentials_hint()}") from None
            if stale:
                raise _StaleCursorError(f"Bluesky accepteert de paginacursor niet meer ({_detail(exc)})") from None
            raise PayloadError(f"Bluesky begreep de zoekopdracht niet ({_detail(exc)}).") from None
        except errors.RequestException as exc:
            status = _http_status(exc)
            if status is not None and (status >= 500 or status == 408):
                raise TransientError(f"Bluesky gaf een serverfout (HTTP {status})") from None
            raise PayloadError(f"Bluesky weigerde het verzoek ({_detail(exc)}).") from None
        except errors.ModelError as exc:
            raise PayloadError(f"Bluesky gaf een antwoord dat niet te lezen is ({_short(str(exc))}).") from None
        except core.AtProtocolError as exc:
            raise PayloadError(f"Bluesky: {_short(str(exc) or type(exc).__name__)}") from None
        except httpx.TimeoutException:
            raise TransientError(f"Bluesky reageerde niet binnen {self.config.timeout_seconds:g} seconden") from None
        except httpx.HTTPError as exc:
            raise TransientError(f"Bluesky: verbinding mislukt ({_short(str(exc) or type(exc).__name__)})") from None
        except ValueError as exc:  # a JSON answer that is not JSON
            raise PayloadError(f"Bluesky gaf een onleesbaar antwoord ({_short(str(exc))}).") from None

    def close(self) -> None:
        if self._client is not None:
            self._client.request.close()
            self._client = None

    # --- mapping ------------------------------------------------------------------------------------------------

    def _raw(self, post: Any, query: Query, fetched_at: datetime) -> RawPost:
        payload = slim_post(post)
        return self.raw_post(str(payload.get("uri") or ""), payload, query.text, fetched_at)

    def to_post(self, raw: RawPost) -> Post:
        post = raw.payload
        record = _mapping(post.get("record"))
        text = record.get("text")
        uri = str(post.get("uri") or "")
        if not uri.startswith("at://"):
            raise MappingError("Bluesky-bericht zonder geldige at://-uri")
        if not isinstance(text, str) or not text.strip():
            raise MappingError("Bluesky-bericht zonder tekst")
        author = _mapping(post.get("author"))
        handle = str(author.get("handle") or "")
        did = str(author.get("did") or uri.removeprefix("at://").split("/")[0])
        profile = handle if handle and handle != "handle.invalid" else did
        rkey = uri.rstrip("/").rsplit("/", 1)[-1]
        langs = record.get("langs")
        return Post(
            platform=self.platform,
            native_id=raw.native_id,
            url=f"https://bsky.app/profile/{profile}/post/{rkey}",
            created_at=_parse_time(record.get("createdAt")) or _parse_time(post.get("indexedAt")),
            fetched_at=raw.fetched_at,
            text=text.strip(),
            author=handle or did or None,
            language=str(langs[0]) if isinstance(langs, list) and langs else None,
            has_media=_has_media(record, _mapping(post.get("embed"))),
            reply_to=_nested(record, "reply", "parent", "uri"),
            quote_of=_quoted(record, _mapping(post.get("embed"))),
            source=raw.source,
            query=raw.query,
        )


def school_terms(school: School) -> list[str]:
    """Search terms for one school: distinctive names as phrases, ambiguous names with the town, hashtags."""
    matcher = SchoolMatcher(school)
    terms = [f'"{alias}"' for alias in matcher.distinctive.values()]
    if school.town:
        town = f'"{school.town}"' if " " in school.town else school.town
        terms += [f'"{alias}" {town}' for alias in matcher.ambiguous.values()]
    terms += list(school.hashtags)
    unique: dict[str, str] = {}
    for term in terms:
        unique.setdefault(fold(term), term)
    return list(unique.values())


def slim_post(post: Any) -> dict[str, Any]:
    """The PostView as plain JSON, minus profile data (avatar, display name, labels) and viewer state."""
    data: dict[str, Any] = (
        post.model_dump(mode="json", by_alias=True, exclude_none=True) if hasattr(post, "model_dump") else dict(post)
    )
    author = _mapping(data.get("author"))
    embed = _mapping(data.get("embed"))
    slim: dict[str, Any] = {
        "uri": data.get("uri"),
        "cid": data.get("cid"),
        "indexedAt": data.get("indexedAt"),
        "author": {"did": author.get("did"), "handle": author.get("handle")},
        "record": _mapping(data.get("record")),
    }
    if embed:
        slim["embed"] = {"$type": embed.get("$type"), "quote_uri": _view_quote(embed), "media": _view_media(embed)}
    return slim


def _view_quote(embed: Mapping[str, Any]) -> str | None:
    kind = str(embed.get("$type") or "")
    if kind.startswith("app.bsky.embed.recordWithMedia"):
        return _nested(embed, "record", "record", "uri")
    if kind.startswith("app.bsky.embed.record"):
        return _nested(embed, "record", "uri")
    return None


def _view_media(embed: Mapping[str, Any]) -> bool:
    kind = str(embed.get("$type") or "")
    if kind.startswith("app.bsky.embed.recordWithMedia"):
        kind = str(_mapping(embed.get("media")).get("$type") or "")
    return kind.startswith(MEDIA_EMBEDS)


def _has_media(record: Mapping[str, Any], view: Mapping[str, Any]) -> bool:
    embed = _mapping(record.get("embed"))
    kind = str(embed.get("$type") or "")
    if kind.startswith("app.bsky.embed.recordWithMedia"):
        kind = str(_mapping(embed.get("media")).get("$type") or "")
    return kind.startswith(MEDIA_EMBEDS) or bool(view.get("media"))


def _quoted(record: Mapping[str, Any], view: Mapping[str, Any]) -> str | None:
    embed = _mapping(record.get("embed"))
    kind = str(embed.get("$type") or "")
    if kind == "app.bsky.embed.record":
        return _nested(embed, "record", "uri")
    if kind == "app.bsky.embed.recordWithMedia":
        return _nested(embed, "record", "record", "uri")
    quote = view.get("quote_uri")
    return str(quote) if quote else None


def _nested(data: Mapping[str, Any], *keys: str) -> str | None:
    current: Any = data
    for key in keys:
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return str(current) if isinstance(current, str) and current else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _slug(term: str) -> str:
    return fold(term).replace(" ", "-") or "leeg"


def _parse_time(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _sort_time(payload: Mapping[str, Any]) -> str | None:
    """Bluesky sorts and filters ``since`` on the earlier of createdAt and indexedAt."""
    times = [
        t
        for t in (_parse_time(_mapping(payload.get("record")).get("createdAt")), _parse_time(payload.get("indexedAt")))
        if t is not None
    ]
    return _iso_z(min(times)) if times else None


def _later(current: str | None, candidate: str | None) -> str | None:
    if candidate is None:
        return current
    if current is None:
        return candidate
    a, b = _parse_time(current), _parse_time(candidate)
    if a is None or b is None:
        return candidate if a is None else current
    return candidate if b > a else current


def _rate_wait(exc: Any) -> float | None:
    """The platform's wait hint: Retry-After, else the RateLimit-Reset time."""
    retry_after = getattr(exc, "retry_after", None)
    if isinstance(retry_after, int | float):
        return max(float(retry_after), 0.0)
    reset = getattr(exc, "reset_at", None)
    if isinstance(reset, datetime):
        return max((reset - datetime.now(UTC)).total_seconds(), 0.0)
    return None


def _http_status(exc: Any) -> int | None:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def _detail(exc: Any) -> str:
    status = _http_status(exc)
    content = getattr(getattr(exc, "response", None), "content", None)
    error = getattr(content, "error", None)
    message = getattr(content, "message", None)
    parts = [f"HTTP {status}" if status else "", str(error or ""), str(message or "")]
    text = ": ".join(p for p in parts if p) or _short(str(exc) or type(exc).__name__)
    return _short(text)


def _short(text: str) -> str:
    return text if len(text) < 160 else text[:157] + "..."
