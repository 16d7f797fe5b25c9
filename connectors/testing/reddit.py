"""Reddit's API as praw uses it, served from a LocalServer on 127.0.0.1 (for tests and the offline demo).

Endpoints, in Reddit's documented JSON shapes:
- ``POST /api/v1/access_token``: app-only OAuth (``grant_type=client_credentials``, HTTP basic auth with the app's
  client id and secret); a wrong id or secret gets 401.
- ``GET /r/<subs>/search``: a Listing of submissions (``t3``), newest first, honouring ``q`` (quoted phrases and
  words, OR-ed), ``limit`` and ``after``; ``page_size`` caps each page like Reddit's 100.
- ``GET /comments/<id>``: the ``[submission listing, comment listing]`` pair with nested replies, honouring
  ``limit`` (the rest becomes a ``more`` stub) and ``sort``.
- ``GET /api/info``: the things named in ``id`` (fullnames), deleted/removed ones with Reddit's markers, purged or
  unknown ones left out.
Every API answer carries ``x-ratelimit-*`` headers as Reddit sends them (with room to spare, so nothing waits).

The LocalServer answers GET only; this fake adds POST (and PUT/PATCH/DELETE, answered 404/405 and recorded) to its
server's handler and records every request's method in ``calls`` so tests can prove nothing is ever written.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from connectors.testing import FakeItem, PlatformFake
from connectors.testing.server import LocalServer, Reply, SeenRequest

CLIENT_ID = "test-id"
CLIENT_SECRET = "test-secret"  # noqa: S105 - a fake credential for the fake server
TOKEN_PATH = "/api/v1/access_token"  # noqa: S105 - a path, not a secret
INFO_PATHS = ("/api/info", "/api/info/")
RATE_WINDOW = 600
RATE_BUDGET = 1000
DEFAULT_SUBREDDITS = ["thenetherlands", "zoetermeer", "Almere"]
JSON = {"Content-Type": "application/json; charset=UTF-8"}



@dataclass(frozen=True)
class _Comment:
    item: FakeItem
    submission: str  # bare submission id
    parent: str | None  # bare id of the parent comment; None for a top-level comment


class RedditFake(PlatformFake):
    type: ClassVar[str] = "reddit"
    env: ClassVar[dict[str, str]] = {"REDDIT_CLIENT_ID": CLIENT_ID, "REDDIT_CLIENT_SECRET": CLIENT_SECRET}
    auth_env: ClassVar[str | None] = "REDDIT_CLIENT_ID"

    def __init__(self, server: LocalServer) -> None:
        super().__init__(server)
        self.items: list[FakeItem] = []
        self.page_size = 2
        self.comments: dict[str, list[_Comment]] = {}
        self.gone: dict[str, str] = {}  # fullname -> "deleted", "removed" or "purged"
        self.refused_comments: dict[str, int] = {}  # submission id -> HTTP status of its comments page
        self.searches = 0
        self.api_calls = 0
        self.subreddits = list(DEFAULT_SUBREDDITS)
        self.token = "fake-app-token-1"  # noqa: S105 - the fake server's own token
        self._tokens = 0
        self._lock = threading.Lock()
        server.routes[TOKEN_PATH] = self._token
        for path in INFO_PATHS:
            server.routes[path] = self._info
        self._route_search(self.subreddits)

    @property
    def calls(self) -> list[tuple[str, str]]:
        """(method, path) of every request the server saw, so tests can prove nothing is ever written."""
        return [(seen.method, seen.path) for seen in self.server.requests]

    # --- PlatformFake -----------------------------------------------------------------------------------------

    def source_options(self, **overrides: Any) -> dict[str, Any]:
        options: dict[str, Any] = {
            "api_url": self.server.url,
            "site_url": self.server.url,
            "subreddits": list(self.subreddits),
            "retries": 2,
            **overrides,
        }
        self.subreddits = [str(s) for s in options["subreddits"]]
        self._route_search(self.subreddits)
        return options

    def publish(self, items: list[FakeItem], page_size: int = 2) -> None:
        self.items = sorted(items, key=lambda item: item.created_at, reverse=True)
        self.page_size = max(1, page_size)
        for item in self.items:
            for path in (f"/comments/{item.id}", f"/comments/{item.id}/"):
                self.server.routes[path] = self._comments_route(item.id)

    def search_requests(self) -> int:
        return self.searches

    def rate_limited_reply(self, wait: int) -> Reply:
        headers = {**JSON, "x-ratelimit-remaining": "0.0", "x-ratelimit-used": str(RATE_BUDGET)}
        headers["x-ratelimit-reset"] = str(wait)
        return Reply(429, b'{"message": "Too Many Requests", "error": 429}', headers)

    def server_error_reply(self) -> Reply:
        return Reply(500, b'{"message": "Internal Server Error", "error": 500}', dict(JSON))

    def unauthorized_reply(self) -> Reply:
        headers = {**JSON, "www-authenticate": 'Bearer realm="reddit", error="invalid_token"'}
        return Reply(401, b'{"message": "Unauthorized", "error": 401}', headers)

    # --- extras for tests and the demo ------------------------------------------------------------------------

    def add_comments(self, submission_id: str, comments: list[FakeItem], parent: str | None = None) -> None:
        """Attach comments to a published submission (``parent``: the bare id of the comment they reply to)."""
        entries = self.comments.setdefault(submission_id, [])
        entries.extend(_Comment(item, submission_id, parent) for item in comments)

    def refuse_comments(self, submission_id: str, status: int = 403) -> None:
        """The thread's comments page answers ``status`` (a private or quarantined subreddit gives 403)."""
        self.refused_comments[submission_id] = status

    def mark_deleted(self, native_id: str) -> None:
        """The author deleted this submission or comment (``t3_…``/``t1_…`` or a bare submission id)."""
        self.gone[_as_fullname(native_id)] = "deleted"

    def mark_removed(self, native_id: str) -> None:
        """Moderators removed it: the text becomes ``[removed]``."""
        self.gone[_as_fullname(native_id)] = "removed"

    def mark_purged(self, native_id: str) -> None:
        """Gone entirely: /api/info no longer returns it."""
        self.gone[_as_fullname(native_id)] = "purged"

    # --- routes -----------------------------------------------------------------------------------------------

    def _route_search(self, subreddits: list[str]) -> None:
        joined = "+".join(subreddits)
        for path in (f"/r/{joined}/search", f"/r/{joined}/search/"):
            self.server.routes[path] = self._search

    def _token(self, seen: SeenRequest) -> Reply:
        if seen.method != "POST":
            return Reply(405, b'{"message": "Method Not Allowed", "error": 405}', dict(JSON))
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if seen.headers.get("authorization") != expected:
            return Reply(401, b'{"message": "Unauthorized", "error": 401}', dict(JSON))
        form = parse_qs(seen.body.decode("utf-8", "replace"))
        if form.get("grant_type") != ["client_credentials"]:
            return _json({"error": "unsupported_grant_type"})
        with self._lock:
            self._tokens += 1
            self.token = f"fake-app-token-{self._tokens}"
        return _json({"access_token": self.token, "token_type": "bearer", "expires_in": 86400, "scope": "*"})

    def _search(self, seen: SeenRequest) -> Reply:
        with self._lock:
            self.searches += 1
            failure = self._failures.take()
        if failure is not None:
            return failure
        refused = self._check_token(seen)
        if refused:
            return refused
        params = _params(seen.path)
        matches = [
            item
            for item in self.items
            if _fullname(item.id, "t3") not in self.gone and _matches(params.get("q", ""), item.text)
        ]
        start = 0
        after = params.get("after")
        if after:
            names = [_fullname(item.id, "t3") for item in matches]
            start = names.index(after) + 1 if after in names else len(matches)
        limit = min(_int(params.get("limit"), 25), self.page_size, 100)
        page = matches[start : start + limit]
        more = start + limit < len(matches)
        children = [{"kind": "t3", "data": self._submission(item)} for item in page]
        return self._api_reply(_listing(children, after=_fullname(page[-1].id, "t3") if page and more else None))

    def _comments_route(self, submission_id: str) -> Callable[[SeenRequest], Reply]:
        def answer(seen: SeenRequest) -> Reply:
            refused = self._check_token(seen)
            if refused:
                return refused
            refused_status = self.refused_comments.get(submission_id)
            if refused_status:
                message = "Forbidden" if refused_status == 403 else "Error"
                body = json.dumps({"message": message, "error": refused_status})
                return Reply(refused_status, body.encode(), dict(JSON))
            item = next((i for i in self.items if i.id == submission_id), None)
            if item is None or self.gone.get(_fullname(submission_id, "t3")) == "purged":
                return Reply(404, b'{"message": "Not Found", "error": 404}', dict(JSON))
            params = _params(seen.path)
            tree = self._comment_tree(item, _int(params.get("limit"), 200), params.get("sort", "confidence"))
            return self._api_reply([_listing([{"kind": "t3", "data": self._submission(item)}]), tree])

        return answer

    def _info(self, seen: SeenRequest) -> Reply:
        refused = self._check_token(seen)
        if refused:
            return refused
        children: list[dict[str, Any]] = []
        for fullname in _params(seen.path).get("id", "").split(",")[:100]:
            if self.gone.get(fullname) == "purged":
                continue
            kind, _, ident = fullname.partition("_")
            if kind == "t3":
                item = next((i for i in self.items if i.id == ident), None)
                if item is not None:
                    children.append({"kind": "t3", "data": self._submission(item)})
            elif kind == "t1":
                comment = self._find_comment(ident)
                if comment is not None:
                    data = self._comment(comment, depth=0)
                    data["replies"] = ""
                    children.append({"kind": "t1", "data": data})
        return self._api_reply(_listing(children))

    # --- Reddit's JSON ----------------------------------------------------------------------------------------

    def _check_token(self, seen: SeenRequest) -> Reply | None:
        if seen.headers.get("authorization") == f"bearer {self.token}":
            return None
        return self.unauthorized_reply()

    def _api_reply(self, body: Any) -> Reply:
        with self._lock:
            self.api_calls += 1
            used = self.api_calls % (RATE_BUDGET - 100) + 1
        # Reset announced so prawcore's limiter computes no wait: the budget is used exactly as fast as time passes.
        reset = int(RATE_WINDOW - RATE_WINDOW * used / RATE_BUDGET)
        headers = {
            **JSON,
            "x-ratelimit-remaining": f"{RATE_BUDGET - used:.1f}",
            "x-ratelimit-used": str(used),
            "x-ratelimit-reset": str(reset),
        }
        return Reply(200, json.dumps(body).encode("utf-8"), headers)

    def _subreddit(self, submission_id: str) -> str:
        """The configured subreddit the submission's text names (r/zoetermeer for a post about Zoetermeer)."""
        item = next((i for i in self.items if i.id == submission_id), None)
        text = item.text.casefold() if item else ""
        for sub in self.subreddits:
            if re.search(rf"\b{re.escape(sub.casefold())}\b", text):
                return sub
        return self.subreddits[sum(map(ord, submission_id)) % len(self.subreddits)]

    def _submission(self, item: FakeItem) -> dict[str, Any]:
        sub = self._subreddit(item.id)
        title, _, body = item.text.partition("\n")
        slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:50] or "post"
        permalink = f"/r/{sub}/comments/{item.id}/{slug}/"
        data: dict[str, Any] = {
            "id": item.id,
            "name": f"t3_{item.id}",
            "title": title.strip()[:300],
            "selftext": body.strip(),
            "author": item.author,
            "author_fullname": _account_id(item.author),
            "author_flair_text": None,
            "created": item.created_at.timestamp(),
            "created_utc": item.created_at.timestamp(),
            "subreddit": sub,
            "subreddit_name_prefixed": f"r/{sub}",
            "permalink": permalink,
            "url": f"https://www.reddit.com{permalink}",
            "domain": f"self.{sub}",
            "is_self": True,
            "is_video": False,
            "media": None,
            "secure_media": None,
            "thumbnail": "self",
            "num_comments": len(self.comments.get(item.id, [])),
            "score": 12,
            "upvote_ratio": 0.93,
            "over_18": False,
            "stickied": False,
            "locked": False,
            "removed_by_category": None,
            "link_flair_text": None,
        }
        state = self.gone.get(f"t3_{item.id}")
        if state == "deleted":
            data.update(author="[deleted]", selftext="[deleted]", removed_by_category="deleted")
        elif state == "removed":
            data.update(selftext="[removed]", removed_by_category="moderator")
        if item.malformed:  # served broken: no title and no time, as a truncated or changed answer would be
            for key in ("title", "created", "created_utc"):
                data.pop(key)
        return data

    def _comment(self, comment: _Comment, depth: int) -> dict[str, Any]:
        item = comment.item
        sub = self._subreddit(comment.submission)
        parent = f"t1_{comment.parent}" if comment.parent else f"t3_{comment.submission}"
        data: dict[str, Any] = {
            "id": item.id,
            "name": f"t1_{item.id}",
            "body": item.text,
            "author": item.author,
            "author_fullname": _account_id(item.author),
            "author_flair_text": None,
            "created": item.created_at.timestamp(),
            "created_utc": item.created_at.timestamp(),
            "parent_id": parent,
            "link_id": f"t3_{comment.submission}",
            "permalink": f"/r/{sub}/comments/{comment.submission}/post/{item.id}/",
            "subreddit": sub,
            "depth": depth,
            "score": 3,
            "is_submitter": False,
            "stickied": False,
            "replies": "",
        }
        state = self.gone.get(f"t1_{item.id}")
        if state == "deleted":
            data.update(author="[deleted]", body="[deleted]")
        elif state == "removed":
            data.update(author="[deleted]", body="[removed]")
        if item.malformed:
            for key in ("body", "created", "created_utc"):
                data.pop(key)
        return data

    def _comment_tree(self, submission: FakeItem, limit: int, sort: str) -> dict[str, Any]:
        entries = [c for c in self.comments.get(submission.id, []) if self.gone.get(f"t1_{c.item.id}") != "purged"]
        newest_first = sort == "new"
        budget = [max(limit, 0)]
        left_out: list[str] = []

        def level(parent: str | None, depth: int) -> list[dict[str, Any]]:
            siblings = sorted(
                (c for c in entries if c.parent == parent),
                key=lambda c: c.item.created_at,
                reverse=newest_first,
            )
            out: list[dict[str, Any]] = []
            for comment in siblings:
                if budget[0] <= 0:
                    left_out.append(comment.item.id)
                    left_out.extend(_descendants(entries, comment.item.id))
                    continue
                budget[0] -= 1
                data = self._comment(comment, depth)
                replies = level(comment.item.id, depth + 1)
                data["replies"] = _listing(replies) if replies else ""
                out.append({"kind": "t1", "data": data})
            return out

        children = level(None, 0)
        if left_out:
            children.append(
                {
                    "kind": "more",
                    "data": {
                        "count": len(left_out),
                        "name": f"t1_{left_out[0]}",
                        "id": left_out[0],
                        "parent_id": f"t3_{submission.id}",
                        "depth": 0,
                        "children": left_out,
                    },
                }
            )
        return _listing(children)

    def _find_comment(self, comment_id: str) -> _Comment | None:
        for entries in self.comments.values():
            for comment in entries:
                if comment.item.id == comment_id:
                    return comment
        return None


def _descendants(entries: list[_Comment], comment_id: str) -> list[str]:
    out: list[str] = []
    for entry in entries:
        if entry.parent == comment_id:
            out.append(entry.item.id)
            out.extend(_descendants(entries, entry.item.id))
    return out


def _listing(children: list[dict[str, Any]], after: str | None = None) -> dict[str, Any]:
    return {
        "kind": "Listing",
        "data": {"after": after, "before": None, "dist": len(children), "modhash": None, "children": children},
    }


def _json(body: Any) -> Reply:
    return Reply(200, json.dumps(body).encode("utf-8"), dict(JSON))


def _params(path: str) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(urlsplit(path).query).items()}


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _account_id(author: str) -> str:
    return "t2_" + hashlib.sha256(author.encode()).hexdigest()[:8]


def _fullname(ident: str, kind: str) -> str:
    return f"{kind}_{ident}"


def _as_fullname(native_id: str) -> str:
    return native_id if re.fullmatch(r"t[13]_\w+", native_id) else f"t3_{native_id}"


def _matches(query: str, text: str) -> bool:
    """Reddit-style search, simplified: any quoted phrase or bare word (OR/AND/NOT ignored), case-insensitive."""
    phrases = re.findall(r'"([^"]+)"', query)
    rest = re.sub(r'"[^"]*"', " ", query)
    phrases += [w for w in re.findall(r"[^\s()]+", rest) if w.upper() not in {"OR", "AND", "NOT"}]
    if not phrases:
        return True
    haystack = " ".join(text.casefold().split())
    return any(" ".join(p.casefold().split()) in haystack for p in phrases)
