"""A fake Mastodon network: one or more instances served from a LocalServer, for tests and the offline demo.

Each fake instance lives under its own path prefix (``<server.url>/mastodon.example``), so Mastodon.py, given that
base URL, calls ``/mastodon.example/api/v1/timelines/tag/<tag>`` exactly as it would on a real server. Statuses are
served in the documented Status JSON shape (https://docs.joinmastodon.org/entities/Status/), newest first, with
``since_id`` / ``max_id`` / ``min_id`` / ``limit`` honoured and ``Link`` headers for pagination, as Mastodon does.

Federation is imitated: every published item is on every instance, with a local id per instance but the same
canonical ``uri`` (the item's home server is the first instance, or the host in ``author@host``).

By default every item is served under every hashtag the connector asks for, so tests need not care which tags a
connector derives. ``match_tags=True`` serves an item only under the hashtags its text contains (as a real
hashtag timeline does); the demo uses that.
"""

from __future__ import annotations

import html
import json
import re
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import parse_qs, quote, urlsplit

from connectors.testing import FakeItem, PlatformFake, demo_items
from connectors.testing.server import LocalServer, Reply, SeenRequest

INSTANCES = ("mastodon.example", "fedi.example")
FAKE_TAG = "schoolmonitortest"  # the one tag source_options() asks for by default
MAX_LIMIT = 40
DEFAULT_LIMIT = 20
TIMELINE = "/api/v1/timelines/tag/"
STATUS = "/api/v1/statuses/"
_HASHTAG = re.compile(r"(?<![\w/&])#(\w+)")
_JSON = {"Content-Type": "application/json; charset=utf-8"}

Handler = Callable[[SeenRequest], Reply]


class _RouteTable(dict[str, Any]):
    """``server.routes`` plus prefix handlers: exact paths win, else the longest registered prefix answers."""

    def __init__(self, existing: dict[str, Any]) -> None:
        super().__init__(existing)
        self.prefixes: dict[str, Handler] = {}

    def _prefixed(self, key: str) -> Handler | None:
        for prefix in sorted(self.prefixes, key=len, reverse=True):
            if key.startswith(prefix):
                return self.prefixes[prefix]
        return None

    def get(self, key: str, default: Any = None) -> Any:
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        handler = self._prefixed(key)
        return default if handler is None else handler

    def __missing__(self, key: str) -> Any:
        handler = self._prefixed(key)
        if handler is None:
            raise KeyError(key)
        return handler

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or (isinstance(key, str) and self._prefixed(key) is not None)


def add_prefix_route(server: LocalServer, prefix: str, handler: Handler) -> None:
    """Answer every path under ``prefix`` with ``handler`` (LocalServer itself only knows exact paths)."""
    if not isinstance(server.routes, _RouteTable):
        server.routes = _RouteTable(server.routes)
    server.routes.prefixes[prefix] = handler


def snowflake(moment: datetime, salt: str) -> int:
    """A Mastodon-style id: milliseconds since the epoch shifted left 16 bits, plus 16 bits that break ties."""
    return (int(moment.timestamp() * 1000) << 16) | (zlib.crc32(salt.encode()) & 0xFFFF)


def iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def status_html(text: str, domain: str) -> str:
    """Status content as Mastodon renders it: escaped paragraphs, hashtags as links."""

    def tag_link(match: re.Match[str]) -> str:
        tag = match.group(1)
        return (
            f'<a href="https://{domain}/tags/{tag.lower()}" class="mention hashtag" rel="tag">#<span>{tag}</span></a>'
        )

    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    rendered = []
    for paragraph in paragraphs:
        escaped = html.escape(paragraph, quote=False)
        rendered.append("<p>" + _HASHTAG.sub(tag_link, escaped).replace("\n", "<br />") + "</p>")
    return "".join(rendered)


@dataclass(frozen=True)
class _Refusal:
    status: int  # 401 or 403; 200 means "empty": a public timeline this instance does not show without login
    message: str


class MastodonFake(PlatformFake):
    """Mastodon instances on a LocalServer. ``instance_url(name)`` is the base URL the connector is given."""

    type: ClassVar[str] = "mastodon"
    env: ClassVar[dict[str, str]] = {}  # public hashtag timelines need no credentials
    auth_env: ClassVar[str | None] = "MASTODON_ACCESS_TOKEN"  # what a refusal message tells staff to set

    def __init__(self, server: LocalServer, instances: tuple[str, ...] = INSTANCES, match_tags: bool = False) -> None:
        super().__init__(server)
        self.instances = instances
        self.match_tags = match_tags
        self.items: list[FakeItem] = []
        self.page_size = MAX_LIMIT
        self.extra: dict[str, dict[str, Any]] = {}
        self.replies: dict[str, str] = {}  # item id -> the item it answers
        self.refusals: dict[str, _Refusal] = {}
        self.timeline_calls: list[tuple[str, str]] = []  # (instance, tag) per timeline request
        self._lock = threading.Lock()
        for name in instances:
            add_prefix_route(server, f"/{name}/", self._handler(name))

    # --- PlatformFake -------------------------------------------------------------------------------------------

    def source_options(self, **overrides: Any) -> dict[str, Any]:
        """One instance and one fixed hashtag: one query, so request counts are predictable."""
        options: dict[str, Any] = {
            "instances": [self.instance_url(self.instances[0])],
            "school_hashtags": False,
            "hashtags": [FAKE_TAG],
            "retries": 2,
        }
        options.update(overrides)
        return options

    def publish(self, items: list[FakeItem], page_size: int = 2) -> None:
        with self._lock:
            self.items = list(items)
            self.page_size = max(1, min(page_size, MAX_LIMIT))

    def search_requests(self) -> int:
        return len(self.timeline_calls)

    def rate_limited_reply(self, wait: int) -> Reply:
        """Mastodon's 429: the X-RateLimit-Reset header holds the ISO time the window resets."""
        reset = iso_z(datetime.now(UTC) + timedelta(seconds=wait))
        headers = {**_JSON, "X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
        return Reply(429, b'{"error":"Too many requests"}', headers)

    def server_error_reply(self) -> Reply:
        return Reply(500, b'{"error":"We\'re sorry, but something went wrong on our end."}', dict(_JSON))

    def unauthorized_reply(self) -> Reply:
        return Reply(401, b'{"error":"This method requires an authenticated user"}', dict(_JSON))

    # --- extra controls -----------------------------------------------------------------------------------------

    def instance_url(self, name: str) -> str:
        return f"{self.server.url}/{name}"

    def instance_urls(self) -> list[str]:
        return [self.instance_url(name) for name in self.instances]

    def refuse(self, instance: str, status: int = 401) -> None:
        """Make one instance refuse hashtag timelines: 401 (login required), 403, or 200 for an empty timeline
        on an instance whose /api/v2/instance says hashtag feeds are not public."""
        messages = {401: "This method requires an authenticated user", 403: "This action is not allowed"}
        self.refusals[instance] = _Refusal(status, messages.get(status, ""))

    def set_reply(self, item_id: str, parent_id: str) -> None:
        """Make ``item_id`` a reply to ``parent_id``: each instance names the parent by its own local id, as
        Mastodon does (``in_reply_to_id``, ``in_reply_to_account_id``)."""
        self.replies[item_id] = parent_id

    def set_extra(self, item_id: str, **fields: Any) -> None:
        """Extra Status fields for one item (media_attachments, spoiler_text, in_reply_to_id, ...)."""
        self.extra[item_id] = fields

    # --- serving ------------------------------------------------------------------------------------------------

    def _handler(self, instance: str) -> Handler:
        def handle(seen: SeenRequest) -> Reply:
            parts = urlsplit(seen.path)
            path = parts.path[len(instance) + 1 :].rstrip("/")
            params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            if path.startswith(TIMELINE):
                return self._timeline(instance, path[len(TIMELINE) :], params, seen)
            if path.startswith(STATUS):
                return self._one_status(instance, path[len(STATUS) :])
            if path == "/api/v2/instance":
                return _json_reply(self._instance_v2(instance))
            if path == "/api/v1/instance":
                return _json_reply(self._instance_v1(instance))
            return Reply(404, b'{"error":"Record not found"}', dict(_JSON))

        return handle

    def _timeline(self, instance: str, tag: str, params: dict[str, str], seen: SeenRequest) -> Reply:
        with self._lock:
            self.timeline_calls.append((instance, tag))
            failure = self._failures.take()
            items = list(self.items)
            page_size = self.page_size
        if failure is not None:
            return failure
        refusal = self.refusals.get(instance)
        if refusal and refusal.status in (401, 403):
            body = json.dumps({"error": refusal.message}).encode()
            return Reply(refusal.status, body, dict(_JSON))
        if refusal:
            return _json_reply([], self._ratelimit_headers())
        try:
            limit = int(params.get("limit", DEFAULT_LIMIT))
            since_id = int(params["since_id"]) if params.get("since_id") else None
            max_id = int(params["max_id"]) if params.get("max_id") else None
            min_id = int(params["min_id"]) if params.get("min_id") else None
        except ValueError:
            return Reply(422, b'{"error":"Validation failed"}', dict(_JSON))
        limit = max(1, min(limit, MAX_LIMIT, page_size))
        statuses = [self._status(item, instance) for item in items if self._tagged(item, tag)]
        statuses.sort(key=lambda s: int(s["id"]), reverse=True)
        if max_id is not None:
            statuses = [s for s in statuses if int(s["id"]) < max_id]
        if since_id is not None:
            statuses = [s for s in statuses if int(s["id"]) > since_id]
        if min_id is not None:
            statuses = [s for s in statuses if int(s["id"]) > min_id][-limit:]  # the oldest ones above min_id
        page = statuses[:limit]
        headers = self._ratelimit_headers()
        if page:
            base = f"{self.instance_url(instance)}{TIMELINE}{quote(tag)}?limit={limit}"
            headers["Link"] = (
                f'<{base}&max_id={page[-1]["id"]}>; rel="next", <{base}&min_id={page[0]["id"]}>; rel="prev"'
            )
        return _json_reply(page, headers)

    def _one_status(self, instance: str, local_id: str) -> Reply:
        """GET /api/v1/statuses/:id, by this instance's local id."""
        with self._lock:
            items = list(self.items)
        for item in items:
            status = self._status(item, instance)
            if status.get("id") == local_id:
                return _json_reply(status, self._ratelimit_headers())
        return Reply(404, b'{"error":"Record not found"}', dict(_JSON))

    def _tagged(self, item: FakeItem, tag: str) -> bool:
        if not self.match_tags:
            return True
        return tag.lower() in {t.lower() for t in _HASHTAG.findall(item.text)}

    def _home(self, item: FakeItem) -> tuple[str, str]:
        username, _, host = item.author.lstrip("@").partition("@")
        return username, host or self.instances[0]

    def _status(self, item: FakeItem, instance: str) -> dict[str, Any]:
        username, home = self._home(item)
        offset = self.instances.index(instance) if instance in self.instances else 0
        local_id = snowflake(item.created_at + timedelta(seconds=offset), item.id)  # received a little later
        home_id = snowflake(item.created_at, item.id)
        tags = list(dict.fromkeys(t.lower() for t in _HASHTAG.findall(item.text)))
        account_id = str(zlib.crc32(f"{username}@{home}".encode()) * 1000 + offset)
        status: dict[str, Any] = {
            "id": str(local_id),
            "created_at": iso_z(item.created_at),
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": "public",
            "language": "nl",
            "uri": f"https://{home}/users/{username}/statuses/{home_id}",
            "url": f"https://{home}/@{username}/{home_id}",
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "quotes_count": 0,
            "edited_at": None,
            "content": status_html(item.text, instance),
            "reblog": None,
            "quote": None,
            "application": None,
            "account": {
                "id": account_id,
                "username": username,
                "acct": username if home == instance else f"{username}@{home}",
                "display_name": username,
                "locked": False,
                "bot": False,
                "discoverable": True,
                "group": False,
                "created_at": "2024-01-15T00:00:00.000Z",
                "note": "",
                "url": f"https://{home}/@{username}",
                "uri": f"https://{home}/users/{username}",
                "avatar": f"https://{instance}/avatars/original/missing.png",
                "avatar_static": f"https://{instance}/avatars/original/missing.png",
                "header": f"https://{instance}/headers/original/missing.png",
                "header_static": f"https://{instance}/headers/original/missing.png",
                "followers_count": 0,
                "following_count": 0,
                "statuses_count": 1,
                "last_status_at": item.created_at.date().isoformat(),
                "emojis": [],
                "fields": [],
            },
            "media_attachments": [],
            "mentions": [],
            "tags": [{"name": t, "url": f"https://{instance}/tags/{t}"} for t in tags],
            "emojis": [],
            "card": None,
            "poll": None,
        }
        parent = next((p for p in self.items if p.id == self.replies.get(item.id)), None)
        if parent is not None:
            replied = self._status(parent, instance)
            status["in_reply_to_id"] = replied["id"]
            status["in_reply_to_account_id"] = replied["account"]["id"]
        status.update(self.extra.get(item.id, {}))
        if item.malformed:  # broken the way a buggy server or proxy might send it: no content, no uri
            del status["content"]
            del status["uri"]
        return status

    def _instance_v2(self, instance: str) -> dict[str, Any]:
        refusal = self.refusals.get(instance)
        access = "public" if refusal is None else ("authenticated" if refusal.status != 200 else "disabled")
        feeds = {"local": access, "remote": access}
        return {
            "domain": instance,
            "title": f"Fake Mastodon ({instance})",
            "version": "4.5.0",
            "source_url": "https://github.com/mastodon/mastodon",
            "description": "Nep-Mastodonserver voor tests en de demo van school-monitor.",
            "usage": {"users": {"active_month": 0}},
            "thumbnail": {"url": f"https://{instance}/packs/media/images/preview.png"},
            "languages": ["nl"],
            "configuration": {
                "urls": {"streaming": f"wss://{instance}", "status": None},
                "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
                "statuses": {"max_characters": 500, "max_media_attachments": 4, "characters_reserved_per_url": 23},
                "media_attachments": {"supported_mime_types": ["image/jpeg", "image/png"]},
                "polls": {"max_options": 4, "max_characters_per_option": 50},
                "translation": {"enabled": False},
                "timelines_access": {
                    "live_feeds": feeds,
                    "hashtag_feeds": feeds,
                    "trending_link_feeds": feeds,
                },
            },
            "registrations": {"enabled": False, "approval_required": False, "message": None},
            "api_versions": {"mastodon": 6},
            "contact": {"email": f"admin@{instance}", "account": None},
            "rules": [],
        }

    def _instance_v1(self, instance: str) -> dict[str, Any]:
        return {
            "uri": instance,
            "title": f"Fake Mastodon ({instance})",
            "short_description": "Nep-Mastodonserver",
            "description": "Nep-Mastodonserver voor tests en de demo van school-monitor.",
            "email": f"admin@{instance}",
            "version": "4.5.0",
            "urls": {"streaming_api": f"wss://{instance}"},
            "stats": {"user_count": 0, "status_count": 0, "domain_count": 0},
            "languages": ["nl"],
            "registrations": False,
            "approval_required": False,
            "invites_enabled": False,
            "rules": [],
        }

    @staticmethod
    def _ratelimit_headers() -> dict[str, str]:
        reset = iso_z(datetime.now(UTC) + timedelta(minutes=5))
        return {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "299", "X-RateLimit-Reset": reset}


def _json_reply(data: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(200, json.dumps(data, ensure_ascii=False).encode("utf-8"), {**_JSON, **(headers or {})})



def start_demo(server: LocalServer) -> tuple[MastodonFake, dict[str, Any]]:
    """The demo's Mastodon: two instances serving the demo statuses by hashtag, and the source settings for it.

    The settings read the schools' hashtags on both instances plus ``#almere``, where a post about another
    "De Regenboog" (a petting zoo) shows up that must not match any school.
    """
    fake = MastodonFake(server, match_tags=True)
    fake.publish(demo_items("mastodon.json"), page_size=4)
    options = {"instances": fake.instance_urls(), "school_hashtags": True, "hashtags": ["almere"], "retries": 1}
    return fake, options
