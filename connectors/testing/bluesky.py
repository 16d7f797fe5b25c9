"""A fake Bluesky PDS/AppView on a LocalServer, for tests and the offline demo.

Serves the XRPC methods the connector's atproto client uses, in their documented lexicon shapes:

* ``POST /xrpc/com.atproto.server.createSession`` (login with handle + app password; checks both),
* ``POST /xrpc/com.atproto.server.refreshSession`` (atproto refreshes a session shortly before it expires),
* ``GET /xrpc/app.bsky.feed.searchPosts`` (``{"posts": [PostView...], "cursor": ...}``, newest first; honours
  ``q``, ``limit``, ``cursor``, ``since``, ``until`` and ``lang``; needs the access token from createSession).

By default every item is served for every query, so tests need not care which search terms a connector derives.
``match_query=True`` serves only items whose text holds every word, quoted phrase and hashtag of ``q`` (Bluesky
search is AND-only); the demo uses that.

LocalServer records each request's method and body, so the login route can check them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from connectors.testing import FakeItem, PlatformFake, demo_items
from connectors.testing.server import LocalServer, Reply, SeenRequest

HANDLE = "schoolmonitor-test.bsky.social"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"  # noqa: S105 - the fake server's own app password
CREATE_SESSION = "/xrpc/com.atproto.server.createSession"
REFRESH_SESSION = "/xrpc/com.atproto.server.refreshSession"
SEARCH_POSTS = "/xrpc/app.bsky.feed.searchPosts"
PDS_PATH = "/pds.example"  # the account's PDS, as named in the didDoc of createSession
READ_ONLY_PATHS = frozenset({CREATE_SESSION, PDS_PATH + REFRESH_SESSION, PDS_PATH + SEARCH_POSTS})
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
_B32 = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable, as TIDs use
_JSON = {"Content-Type": "application/json; charset=utf-8"}


def tid(moment: datetime, salt: str) -> str:
    """A record key in TID form: 53 bits of microseconds and 10 bits of clock id, base32-sortable, 13 chars."""
    micros = int(moment.timestamp() * 1_000_000)
    clock = int.from_bytes(hashlib.sha256(salt.encode()).digest()[:2], "big") & 0x3FF
    value = (micros << 10) | clock
    return "".join(_B32[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def did_for(handle: str) -> str:
    digest = hashlib.sha256(handle.encode()).digest()
    return "did:plc:" + base64.b32encode(digest).decode().lower()[:24]


def cid_for(data: str) -> str:
    digest = hashlib.sha256(data.encode()).digest()
    return "bafyrei" + base64.b32encode(digest).decode().lower().rstrip("=")[:52]


def iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _jwt(payload: dict[str, Any]) -> str:
    header = _b64url(json.dumps({"typ": "at+jwt", "alg": "ES256K"}).encode())
    body = _b64url(json.dumps(payload).encode())
    signature = _b64url(hashlib.sha256((header + body).encode()).digest())
    return f"{header}.{body}.{signature}"


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _words(text: str) -> list[str]:
    return re.findall(r"#?\w+", _fold(text))


def query_matches(q: str, text: str) -> bool:
    """AND of the query's quoted phrases, words and hashtags, on whole words (as Bluesky search does)."""
    words = _words(text)
    haystack = " " + " ".join(w.lstrip("#") for w in words) + " "
    tags = {w for w in words if w.startswith("#")}
    for phrase in re.findall(r'"([^"]+)"', q):
        if " " + " ".join(w.lstrip("#") for w in _words(phrase)) + " " not in haystack:
            return False
    for word in _words(re.sub(r'"[^"]*"', " ", q)):
        if word.startswith("#"):
            if word not in tags:
                return False
        elif f" {word} " not in haystack:
            return False
    return True


def _error(status: int, error: str, message: str) -> Reply:
    return Reply(status, json.dumps({"error": error, "message": message}).encode(), dict(_JSON))


def _parse_time(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class BlueskyFake(PlatformFake):
    """Bluesky on a LocalServer: the account in ``env`` can log in and search."""

    type: ClassVar[str] = "bluesky"
    env: ClassVar[dict[str, str]] = {"BLUESKY_HANDLE": HANDLE, "BLUESKY_APP_PASSWORD": APP_PASSWORD}
    auth_env: ClassVar[str | None] = "BLUESKY_APP_PASSWORD"

    def __init__(self, server: LocalServer, match_query: bool = False) -> None:
        super().__init__(server)
        self.match_query = match_query
        self.items: list[FakeItem] = []
        self.page_size = MAX_LIMIT
        self.extra: dict[str, dict[str, Any]] = {}
        self.search_params: list[dict[str, str]] = []  # the parameters of every searchPosts request
        self.logins = 0
        self._tokens: set[str] = set()
        self._refresh_tokens: set[str] = set()
        self._lock = threading.Lock()
        # As on bsky.social: the entryway logs in and names the account's own PDS in the session's didDoc; atproto
        # then sends every later request there. The search answers only on the PDS, so a client that ignored the
        # didDoc would fail here as it would in real life when the entryway stops proxying.
        server.routes[CREATE_SESSION] = self._create_session
        server.routes[PDS_PATH + REFRESH_SESSION] = self._refresh_session
        server.routes[PDS_PATH + SEARCH_POSTS] = self._search

    # --- PlatformFake -------------------------------------------------------------------------------------------

    def source_options(self, **overrides: Any) -> dict[str, Any]:
        """One fixed search term instead of the schools' names: one query, so request counts are predictable."""
        options: dict[str, Any] = {
            "api_url": self.server.url,
            "school_terms": False,
            "terms": ["school-monitor test"],
            "retries": 2,
        }
        options.update(overrides)
        return options

    def publish(self, items: list[FakeItem], page_size: int = 2) -> None:
        with self._lock:
            self.items = list(items)
            self.page_size = max(1, min(page_size, MAX_LIMIT))

    def search_requests(self) -> int:
        return len(self.search_params)

    def rate_limited_reply(self, wait: int) -> Reply:
        """Bluesky's 429: RateLimit-* headers, the reset as a Unix time."""
        headers = {
            **_JSON,
            "ratelimit-limit": "3000",
            "ratelimit-remaining": "0",
            "ratelimit-reset": str(int(time.time()) + wait),
            "ratelimit-policy": "3000;w=300",
        }
        return Reply(429, b'{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}', headers)

    def server_error_reply(self) -> Reply:
        return _error(500, "InternalServerError", "Internal Server Error")

    def unauthorized_reply(self) -> Reply:
        return _error(401, "AuthenticationRequired", "Authentication Required")

    # --- extra controls -----------------------------------------------------------------------------------------

    def set_extra(self, item_id: str, record: dict[str, Any] | None = None, **view: Any) -> None:
        """Extra fields for one item: ``record`` fields (reply, embed, langs) and PostView fields (embed)."""
        self.extra[item_id] = {"record": record or {}, "view": view}

    # --- XRPC ---------------------------------------------------------------------------------------------------

    def _create_session(self, seen: SeenRequest) -> Reply:
        if seen.method != "POST":
            return _error(405, "InvalidRequest", "Method Not Allowed")
        try:
            data = json.loads(seen.body or b"{}")
        except ValueError:
            return _error(400, "InvalidRequest", "Invalid JSON body")
        identifier, password = data.get("identifier"), data.get("password")
        if not identifier or not password:
            return _error(400, "InvalidRequest", "Input must have the properties identifier and password")
        if identifier.lstrip("@").lower() not in (HANDLE, did_for(HANDLE)) or password != APP_PASSWORD:
            return _error(401, "AuthenticationRequired", "Invalid identifier or password")
        with self._lock:
            self.logins += 1
        return self._session_reply()

    def _refresh_session(self, seen: SeenRequest) -> Reply:
        token = seen.headers.get("authorization", "").removeprefix("Bearer ")
        if seen.method != "POST" or token not in self._refresh_tokens:
            return _error(400, "ExpiredToken", "Token has expired")
        return self._session_reply()

    def _session_reply(self) -> Reply:
        now = int(time.time())
        did = did_for(HANDLE)
        access = _jwt(
            {"scope": "com.atproto.appPass", "sub": did, "iat": now, "exp": now + 7200, "aud": "did:web:fake"}
        )
        refresh = _jwt(
            {
                "scope": "com.atproto.refresh",
                "sub": did,
                "iat": now,
                "exp": now + 86400 * 60,
                "jti": hashlib.sha256(f"{now}{self.logins}".encode()).hexdigest()[:16],
            }
        )
        with self._lock:
            self._tokens.add(access)
            self._refresh_tokens.add(refresh)
        body = {"accessJwt": access, "refreshJwt": refresh, "handle": HANDLE, "did": did, "active": True,
                "didDoc": self._did_doc(did), "email": "beheer@school.example", "emailConfirmed": True}
        return Reply(200, json.dumps(body).encode(), dict(_JSON))

    def _did_doc(self, did: str) -> dict[str, Any]:
        """The DID document createSession returns (shape of a real did:plc document)."""
        return {
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1",
                         "https://w3id.org/security/suites/secp256k1-2019/v1"],
            "id": did,
            "alsoKnownAs": [f"at://{HANDLE}"],
            "verificationMethod": [{"id": f"{did}#atproto", "type": "Multikey", "controller": did,
                                    "publicKeyMultibase": "zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF"}],
            "service": [{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer",
                         "serviceEndpoint": self.server.url + PDS_PATH}],
        }

    def _search(self, seen: SeenRequest) -> Reply:
        params = {k: v[-1] for k, v in parse_qs(urlsplit(seen.path).query).items()}
        with self._lock:
            self.search_params.append(params)
            failure = self._failures.take()
            items = list(self.items)
            page_size = self.page_size
        if failure is not None:
            return failure
        token = seen.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self._tokens:
            return _error(401, "AuthenticationRequired", "Authentication Required")
        q = params.get("q", "")
        if not q:
            return _error(400, "InvalidRequest", 'Error: Params must have the property "q"')
        try:
            limit = int(params.get("limit", DEFAULT_LIMIT))
            offset = int(params.get("cursor") or 0)
        except ValueError:
            return _error(400, "InvalidRequest", "Invalid limit or cursor")
        if not 1 <= limit <= MAX_LIMIT or offset < 0:
            return _error(400, "InvalidRequest", "limit must be between 1 and 100")
        since = _parse_time(params["since"]) if params.get("since") else None
        until = _parse_time(params["until"]) if params.get("until") else None
        lang = params.get("lang")
        hits = []
        for item in sorted(items, key=lambda i: i.created_at, reverse=True):
            if since and item.created_at < since:  # sortAt is createdAt here (indexed a moment later)
                continue
            if until and item.created_at >= until:
                continue
            if self.match_query and not query_matches(q, item.text):
                continue
            post = self._post_view(item)
            if lang and lang not in (post["record"].get("langs") or []):
                continue
            hits.append(post)
        size = min(limit, page_size)
        page = hits[offset : offset + size]
        body: dict[str, Any] = {"posts": page, "hitsTotal": len(hits)}
        if offset + size < len(hits):
            body["cursor"] = str(offset + size)
        return Reply(200, json.dumps(body, ensure_ascii=False).encode("utf-8"), dict(_JSON))

    def _post_view(self, item: FakeItem) -> dict[str, Any]:
        handle = item.author.lstrip("@")
        if "." not in handle:
            handle = f"{handle}.bsky.social"
        did = did_for(handle)
        rkey = tid(item.created_at, item.id)
        uri = f"at://{did}/app.bsky.feed.post/{rkey}"
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.post",
            "text": item.text,
            "createdAt": iso_z(item.created_at),
            "langs": ["nl"],
        }
        tags = [(m.start(), m.end(), m.group(1)) for m in re.finditer(r"#(\w+)", item.text)]
        if tags:
            facets = []
            for start, end, tag in tags:
                byte_start = len(item.text[:start].encode("utf-8"))
                byte_end = byte_start + len(item.text[start:end].encode("utf-8"))
                facets.append(
                    {
                        "index": {"byteStart": byte_start, "byteEnd": byte_end},
                        "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
                    }
                )
            record["facets"] = facets
        extra = self.extra.get(item.id, {})
        record.update(extra.get("record", {}))
        post: dict[str, Any] = {
            "uri": uri,
            "cid": cid_for(uri + item.text),
            "author": {
                "did": did,
                "handle": handle,
                "displayName": handle.split(".")[0],
                "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did}/bafkreifake@jpeg",
                "associated": {"chat": {"allowIncoming": "following"}, "activitySubscription": {
                    "allowSubscriptions": "followers"}},
                "viewer": {"muted": False, "blockedBy": False},
                "labels": [],
                "createdAt": "2024-02-06T00:00:00.000Z",
            },
            "record": record,
            "replyCount": 0,
            "repostCount": 0,
            "likeCount": 0,
            "quoteCount": 0,
            "bookmarkCount": 0,
            "indexedAt": iso_z(item.created_at + timedelta(seconds=2)),
            "viewer": {"bookmarked": False, "threadMuted": False, "embeddingDisabled": False},
            "labels": [],
        }
        post.update(extra.get("view", {}))
        if item.malformed:  # a record without text: broken the way an odd client might write it
            del post["record"]["text"]
            post["record"].pop("facets", None)
        return post



def start_demo(server: LocalServer) -> tuple[BlueskyFake, dict[str, Any]]:
    """The demo's Bluesky: the demo posts found by real (AND-only) search, and the source settings for it.

    The settings search the schools' names and hashtags plus the broad term ``"De Regenboog"``, which also finds
    a post about an exhibition of that name that must not match any school. Set the variables in
    ``BlueskyFake.env`` before collecting.
    """
    fake = BlueskyFake(server, match_query=True)
    fake.publish(demo_items("bluesky.json"), page_size=4)
    options = {"api_url": server.url, "school_terms": True, "terms": ['"De Regenboog"'], "retries": 1}
    return fake, options
