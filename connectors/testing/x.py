"""A fake X API v2 recent search (``GET /2/tweets/search/recent``) for tests and the offline demo.

Answers in the documented v2 format: ``data`` (posts with only the requested ``tweet.fields`` plus the defaults
``id``, ``text``, ``edit_history_tweet_ids``), ``includes.users`` / ``includes.media`` for the requested
expansions, and ``meta`` (``newest_id``, ``oldest_id``, ``result_count``, ``next_token``). Honours ``max_results``
(10..100, else 400), ``next_token`` and ``since_id`` (400 for an unknown token, or a since_id older than 7 days, as X
does), checks ``Authorization: Bearer <token>`` (401 with X's problem JSON otherwise), and escapes ``&``, ``<`` and
``>`` in post text as X does. Posts longer than 280 characters come with a truncated ``text`` and the full text in
``note_tweet`` (when requested).

Query matching is looser than X's: a post is served when it contains any quoted phrase, @mention or #hashtag of
the query (bare words such as the town are not required), minus negated terms and other languages than
``lang:``. So the fake returns at least what X would, and the pipeline's matching still decides.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from connectors.testing import FakeItem, PlatformFake
from connectors.testing.server import LocalServer, Reply, SeenRequest
from monitor.matching import fold

SEARCH_PATH = "/2/tweets/search/recent"
TWITTER_EPOCH_MS = 1288834974657
JSON = {"Content-Type": "application/json; charset=utf-8"}


@dataclass(frozen=True)
class PostDetails:
    """What a FakeItem does not say: language, media, and which post it replies to or quotes."""

    lang: str = "nl"
    media: tuple[str, ...] = ()  # media types: "photo", "video", "animated_gif"
    reply_to: str | None = None
    quote_of: str | None = None
    possibly_sensitive: bool = False
    edits: tuple[str, ...] = ()  # an edited post: the ids of its earlier versions, oldest first


class XFake(PlatformFake):
    type: ClassVar[str] = "x"
    env: ClassVar[dict[str, str]] = {"X_BEARER_TOKEN": "test-token"}
    auth_env: ClassVar[str | None] = "X_BEARER_TOKEN"

    def __init__(self, server: LocalServer, token: str | None = None) -> None:
        super().__init__(server)
        self.token = token or self.env["X_BEARER_TOKEN"]  # the bearer token the fake accepts
        self.items: list[FakeItem] = []
        self.page_size = 100
        self.details: dict[str, PostDetails] = {}
        self.seen: list[dict[str, str]] = []  # the query parameters of every search request, in order
        self._count = 0
        self._lock = threading.Lock()
        server.routes[SEARCH_PATH] = self._answer

    # --- PlatformFake -------------------------------------------------------------------------------------

    def source_options(self, **overrides: Any) -> dict[str, Any]:
        return {"api_url": self.server.url, "retries": 3, **overrides}

    def publish(self, items: list[FakeItem], page_size: int = 2) -> None:
        with self._lock:
            self.items = sorted(items, key=lambda item: item.created_at, reverse=True)  # newest first
            self.page_size = page_size

    def search_requests(self) -> int:
        return self._count

    def describe(self, item_id: str, **details: Any) -> None:
        """Give a published post a language, media, or a post it replies to or quotes."""
        self.details[item_id] = PostDetails(**details)

    # --- ready-made failures (X's documented error bodies) -----------------------------------------------

    @staticmethod
    def rate_limited_reply(wait: float = 7) -> Reply:
        reset = int(time.time() + wait)
        body = {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}
        headers = {**JSON, "x-rate-limit-limit": "450", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}
        return Reply(429, _dump(body), headers)

    @staticmethod
    def usage_capped_reply() -> Reply:
        body = {
            "title": "UsageCapExceeded",
            "detail": "Usage cap exceeded: Monthly product cap",
            "type": "https://api.twitter.com/2/problems/usage-capped",
            "period": "Monthly",
            "scope": "Product",
        }
        return Reply(429, _dump(body), {**JSON, "x-rate-limit-remaining": "449"})

    @staticmethod
    def server_error_reply(status: int = 503) -> Reply:
        body = {
            "title": "Service Unavailable",
            "detail": "Service Unavailable",
            "type": "about:blank",
            "status": status,
        }
        return Reply(status, _dump(body), dict(JSON))

    @staticmethod
    def unauthorized_reply() -> Reply:
        body = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
        return Reply(401, _dump(body), dict(JSON))

    @staticmethod
    def forbidden_reply() -> Reply:
        body = {
            "title": "Client Forbidden",
            "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens "
            "from a Twitter developer App that is attached to a Project.",
            "reason": "client-not-enrolled",
            "type": "https://api.twitter.com/2/problems/client-forbidden",
        }
        return Reply(403, _dump(body), dict(JSON))

    @staticmethod
    def invalid_parameter_reply(parameter: str, value: str, message: str = "") -> Reply:
        body = {
            "errors": [
                {
                    "parameters": {parameter: [value]},
                    "message": message or f"The `{parameter}` query parameter value [{value}] is not valid",
                }
            ],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        }
        return Reply(400, _dump(body), dict(JSON))

    # --- the endpoint -------------------------------------------------------------------------------------

    def _answer(self, seen: SeenRequest) -> Reply:
        params = {k: v[0] for k, v in parse_qs(urlsplit(seen.path).query, keep_blank_values=True).items()}
        with self._lock:
            self._count += 1
            self.seen.append(params)
            failure = self._failures.take()
            if failure is not None:
                return failure
            items = list(self.items)
            page_size = self.page_size
        if seen.headers.get("authorization") != f"Bearer {self.token}":
            return self.unauthorized_reply()
        query = params.get("query", "")
        if not query:
            return self.invalid_parameter_reply("query", "", "The `query` query parameter can not be empty")
        try:
            max_results = int(params.get("max_results", "10"))
        except ValueError:
            max_results = -1
        if not 10 <= max_results <= 100:
            return self.invalid_parameter_reply(
                "max_results",
                params.get("max_results", ""),
                "The `max_results` query parameter value is not between 10 and 100",
            )
        since_id = params.get("since_id")
        if since_id and _older_than_a_week(since_id):
            return self.invalid_parameter_reply(
                "since_id",
                since_id,
                "Invalid 'since_id'. 'since_id' must be a tweet id created within the last 7 days.",
            )
        pool = [item for item in _newer_than(items, since_id) if _matches(item, query, self.details)]
        start = 0
        token = params.get("next_token")
        if token:
            after = _decode_token(token)
            ids = [item.id for item in pool]
            if after not in ids:
                return self.invalid_parameter_reply("next_token", token)
            start = ids.index(after) + 1
        page = pool[start : start + min(max_results, page_size)]
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta["newest_id"] = page[0].id
            meta["oldest_id"] = page[-1].id
            if start + len(page) < len(pool):
                meta["next_token"] = _encode_token(page[-1].id)
        body: dict[str, Any] = {"meta": meta}
        if page:
            body["data"] = [self._tweet(item, params) for item in page]
            includes = self._includes(page, params)
            if includes:
                body["includes"] = includes
        reset = int(time.time()) + 900
        headers = {
            **JSON,
            "x-rate-limit-limit": "450",
            "x-rate-limit-remaining": "449",
            "x-rate-limit-reset": str(reset),
        }
        return Reply(200, _dump(body), headers)

    def _tweet(self, item: FakeItem, params: dict[str, str]) -> dict[str, Any]:
        fields = set(filter(None, params.get("tweet.fields", "").split(",")))
        details = self.details.get(item.id, PostDetails())
        text = item.text
        tweet: dict[str, Any] = {"id": item.id, "edit_history_tweet_ids": [*details.edits, item.id]}
        if len(text) > 280:
            tweet["text"] = html.escape(text[:279], quote=False) + "…"
            if "note_tweet" in fields:
                tweet["note_tweet"] = {"text": html.escape(text, quote=False)}
        else:
            tweet["text"] = html.escape(text, quote=False)
        available: dict[str, Any] = {
            "created_at": item.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "lang": details.lang,
            "author_id": author_id(item.author),
            "conversation_id": details.reply_to or item.id,
            "possibly_sensitive": details.possibly_sensitive,
        }
        references = []
        if details.reply_to:
            references.append({"type": "replied_to", "id": details.reply_to})
        if details.quote_of:
            references.append({"type": "quoted", "id": details.quote_of})
        if references:
            available["referenced_tweets"] = references
        if details.media:
            available["attachments"] = {"media_keys": [_media_key(item.id, n) for n in range(len(details.media))]}
        tweet.update({k: v for k, v in available.items() if k in fields})
        if item.malformed:
            tweet.pop("text", None)
            tweet.pop("note_tweet", None)
        return tweet

    def _includes(self, page: list[FakeItem], params: dict[str, str]) -> dict[str, Any]:
        expansions = set(filter(None, params.get("expansions", "").split(",")))
        includes: dict[str, Any] = {}
        if "author_id" in expansions:
            users: dict[str, dict[str, str]] = {}
            for item in page:
                users.setdefault(
                    author_id(item.author), {"id": author_id(item.author), "name": item.author, "username": item.author}
                )
            includes["users"] = list(users.values())
        if "attachments.media_keys" in expansions:
            media = [
                {"media_key": _media_key(item.id, n), "type": kind}
                for item in page
                for n, kind in enumerate(self.details.get(item.id, PostDetails()).media)
            ]
            if media:
                includes["media"] = media
        return includes


def author_id(username: str) -> str:
    """A stable numeric user id for a fake author."""
    return str(int(hashlib.sha256(username.encode("utf-8")).hexdigest()[:15], 16))


def _media_key(item_id: str, n: int) -> str:
    return f"3_{item_id}{n}"


def _dump(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _encode_token(after_id: str) -> str:
    return base64.urlsafe_b64encode(f"after:{after_id}".encode()).decode("ascii").rstrip("=")


def _decode_token(token: str) -> str | None:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    return text[len("after:") :] if text.startswith("after:") else None


def _newer_than(items: list[FakeItem], since_id: str | None) -> list[FakeItem]:
    """The posts newer than ``since_id``: those before it in the newest-first list (ids here need not be numeric)."""
    if not since_id:
        return items
    ids = [item.id for item in items]
    if since_id in ids:
        return items[: ids.index(since_id)]
    if since_id.isdigit():
        return [item for item in items if item.id.isdigit() and int(item.id) > int(since_id)]
    return items


def _older_than_a_week(post_id: str) -> bool:
    if not post_id.isdigit() or int(post_id) < 10**15:
        return False  # not a snowflake: its age is unknown
    made = datetime.fromtimestamp(((int(post_id) >> 22) + TWITTER_EPOCH_MS) / 1000, UTC)
    return made < datetime.now(UTC) - timedelta(days=7)


_TOKEN = re.compile(r'(-?)"([^"]*)"|(-?)([^\s()"]+)')


def _matches(item: FakeItem, query: str, details: dict[str, PostDetails]) -> bool:
    """Loose X query semantics: any positive phrase/@mention/#hashtag, no negated term, the right lang:."""
    text = f" {fold(item.text)} "
    wanted: list[str] = []
    for found in _TOKEN.finditer(query):
        negated = bool(found.group(1) or found.group(3))
        phrase = found.group(2)
        word = found.group(4)
        if word and ":" in word:
            key, _, value = word.partition(":")
            if key == "lang" and not negated and details.get(item.id, PostDetails()).lang != value:
                return False
            continue
        if word and word.upper() in ("OR", "AND"):
            continue
        term = fold(phrase) if phrase is not None else fold(word or "")
        if not term:
            continue
        if negated:
            if f" {term} " in text:
                return False
        elif phrase is not None or (word or "").startswith(("@", "#")):
            wanted.append(term)
    return not wanted or any(f" {term} " in text for term in wanted)
