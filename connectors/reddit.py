"""Reddit through praw, read-only with app-only OAuth (client id + secret, no Reddit account).

One query per school: the school's names, quoted and OR-ed, searched in the configured subreddits (together, as
``r/a+b``), newest first. Each new submission is yielded with its comments (as separate posts that reply to their
parent). The cursor holds the newest ``created_utc`` seen (and the ids at that second), so a rerun only reads newer
submissions; threads found recently are re-read for new comments for ``follow_comments_hours``.

praw/prawcore details this module relies on (praw 8, prawcore 4):
- ``Session.request`` passes prawcore's own 16 s default timeout to every API call, so the requestor class below
  enforces ``timeout_seconds`` on every request itself; its session ends each request within a hard limit
  (connectors/deadline.py), against servers that trickle.
- prawcore's rate limiter reads ``X-Ratelimit-*`` headers and sleeps with ``time.sleep``; the announced reset is
  capped here so one bad header can never make a run sleep for hours.
- prawcore retries 5xx answers and connection errors/timeouts twice itself; 429 is raised as ``TooManyRequests``.
  Around that, every page is wrapped in ``call_with_retries``.

Reddit's terms require deleting content that was deleted on Reddit: ``deleted`` re-checks stored posts in batches of
100 through ``/api/info``.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, TypeVar

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
from connectors.retry import RetryPolicy, call_with_retries
from monitor import __version__
from monitor.config import School, SecretRef
from monitor.records import Page, Post, Query, RawPost, now_utc

log = logging.getLogger(__name__)

T = TypeVar("T")

REDDIT_WEB = "https://www.reddit.com"  # post links always point at the real site
GONE_MARKERS = frozenset({"[deleted]", "[removed]"})
MAX_QUERY_CHARS = 512  # Reddit refuses longer search queries
SUBMISSIONS_PER_PAGE = 25  # submissions (with their comments) stored per transaction
INFO_CHUNK = 100  # /api/info takes at most 100 fullnames
RATE_LIMIT_WAIT_CAP = 600.0  # Reddit's rate-limit window; a longer announced wait is not credible
MAX_FOLLOWED_THREADS = 25  # bounds the extra requests a run spends on re-reading recent threads
_SUBREDDIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]{1,20}$")
_FULLNAME = re.compile(r"^t[13]_[0-9a-z]+$")
_MEDIA_HINTS = frozenset({"image", "hosted:video", "rich:video"})
_SUBMISSION_FIELDS = (
    "id", "name", "title", "selftext", "created_utc", "permalink", "url", "is_self", "post_hint", "is_video",
    "is_gallery", "removed_by_category", "num_comments",
)  # fmt: skip
_COMMENT_FIELDS = ("id", "name", "body", "created_utc", "permalink", "parent_id", "link_id")


class RedditSettings(ConnectorSettings):
    subreddits: list[str] = Field(default_factory=lambda: ["thenetherlands", "Netherlands"], min_length=1)
    sort: Literal["new", "relevance", "top", "comments", "hot"] = "new"
    time_filter: Literal["all", "year", "month", "week", "day", "hour"] = "all"
    limit: int = Field(default=100, ge=1, le=1000)
    include_comments: bool = True
    max_comments_per_thread: int = Field(default=200, ge=1, le=2000)
    follow_comments_hours: float = Field(default=48.0, ge=0, le=720)
    client_id: SecretRef = SecretRef(env="REDDIT_CLIENT_ID")
    client_secret: SecretRef = SecretRef(env="REDDIT_CLIENT_SECRET")
    api_url: AnyHttpUrl = AnyHttpUrl("https://oauth.reddit.com")
    site_url: AnyHttpUrl = AnyHttpUrl("https://www.reddit.com")
    user_agent: str = Field(default=f"school-monitor/{__version__} (read-only)", min_length=7, max_length=200)
    timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    retries: int = Field(default=3, ge=0, le=10)

    @field_validator("subreddits")
    @classmethod
    def _subreddit_names(cls, names: list[str]) -> list[str]:
        out: list[str] = []
        for raw in names:
            name = raw.strip().removeprefix("/").removeprefix("r/").strip("/")
            if not _SUBREDDIT.fullmatch(name):
                raise ValueError(f"'{raw}' is geen subredditnaam (verwacht zoiets als thenetherlands of r/zoetermeer)")
            if name.lower() not in {n.lower() for n in out}:
                out.append(name)
        return out


@dataclass
class _Mark:
    """A position in time: the newest ``created_utc`` seen and the fullnames seen at exactly that second."""

    newest: float | None = None
    ids: set[str] = field(default_factory=set)

    def is_newer(self, created: float, fullname: str) -> bool:
        if self.newest is None or created > self.newest:
            return True
        return created == self.newest and fullname not in self.ids

    def see(self, created: float, fullname: str) -> None:
        if self.newest is None or created > self.newest:
            self.newest, self.ids = created, {fullname}
        elif created == self.newest:
            self.ids.add(fullname)

    def dump(self) -> dict[str, Any]:
        return {"newest": self.newest, "ids": sorted(self.ids)}

    @classmethod
    def load(cls, data: Any) -> _Mark:
        if not isinstance(data, Mapping):
            return cls()
        newest = data.get("newest")
        ids = data.get("ids") or []
        return cls(float(newest) if isinstance(newest, int | float) else None, {str(i) for i in ids})


@dataclass
class _Thread:
    """A recently found submission whose comments are re-read; ``seen`` marks the newest comment read."""

    created: float
    seen: _Mark = field(default_factory=_Mark)


class RedditConnector(Connector):
    name: ClassVar[str] = "reddit"
    platform: ClassVar[str] = "reddit"
    version: ClassVar[str] = "1"
    Settings = RedditSettings
    credentials: ClassVar[str] = (
        "REDDIT_CLIENT_ID en REDDIT_CLIENT_SECRET (script/read-only app; "
        "nieuwe API-sleutels moeten door Reddit worden goedgekeurd)"
    )
    description: ClassVar[str] = "Reddit: zoekt in gekozen subreddits naar de school, met reacties (alleen lezen)"

    def __init__(self, source_name: str, settings: ConnectorSettings) -> None:
        super().__init__(source_name, settings)
        assert isinstance(settings, RedditSettings)
        self.config: RedditSettings = settings
        self.policy = RetryPolicy(attempts=settings.retries + 1, wait_cap=RATE_LIMIT_WAIT_CAP)
        self._reddit: Any = None
        self._session: Any = None

    # --- client -----------------------------------------------------------------------------------------------

    @property
    def _env_hint(self) -> str:
        return f"de omgevingsvariabelen {self.config.client_id.env} en {self.config.client_secret.env}"

    def _client(self) -> Any:
        """A read-only praw client (created on first use, so a missing secret fails this source only)."""
        if self._reddit is not None:
            return self._reddit
        client_id = self.config.client_id.resolve("de Reddit-bron")
        client_secret = self.config.client_secret.resolve("de Reddit-bron")
        import praw

        from connectors.deadline import RequestLimit, deadline_session

        self._session = deadline_session(RequestLimit(self.source_name, self.config.timeout_seconds))
        reddit = praw.Reddit(
            site_name="DEFAULT",  # ignore a praw_site variable; everything else is passed explicitly
            client_id=client_id,
            client_secret=client_secret,
            user_agent=self.config.user_agent,
            oauth_url=str(self.config.api_url).rstrip("/") + "/",
            reddit_url=str(self.config.site_url).rstrip("/"),
            check_for_updates=False,
            check_for_async=False,
            requestor_class=_requestor_class(),
            requestor_kwargs={"session": self._session, "timeout": self.config.timeout_seconds},
        )
        reddit.read_only = True
        self._reddit = reddit
        return reddit

    def _call(self, call: Callable[[], T], what: str) -> T:
        """Run one API call with retries; praw/prawcore errors become the connector's errors."""

        def attempt() -> T:
            try:
                return call()
            except ConnectorError:
                raise
            except Exception as exc:
                mapped = self._translate(exc)
                if mapped is None:
                    raise
                raise mapped from exc

        return call_with_retries(attempt, self.policy, f"{self.source_name}: {what}")

    def _translate(self, exc: Exception) -> ConnectorError | None:
        import praw.exceptions
        from prawcore import exceptions as pe

        from connectors.deadline import deadline_error
        from connectors.http import describe_connection_error

        cut_off = deadline_error(exc)  # prawcore wraps it in a RequestException
        if cut_off is not None:
            return cut_off
        if isinstance(exc, pe.OAuthException):
            return AuthError(
                f"Reddit weigert de app-inloggegevens ({exc.error}). Controleer {self._env_hint}: "
                "klopt de client-id en het geheim van de Reddit-app, en heeft Reddit de app goedgekeurd?"
            )
        if isinstance(exc, pe.TooManyRequests):
            wait = _wait_hint(exc.response.headers)
            hint = f"; Reddit vraagt {wait:g} seconden te wachten" if wait is not None else ""
            return TransientError(f"Reddit: te veel verzoeken (HTTP 429){hint}", wait=wait)
        if isinstance(exc, pe.Redirect):
            return PayloadError(
                f"Reddit stuurt door naar {exc.path}: bestaat elke subreddit in 'subreddits' "
                f"({', '.join(self.config.subreddits)})? Controleer de namen."
            )
        if isinstance(exc, pe.BadJSON):
            return PayloadError("Reddit gaf een antwoord dat geen geldige JSON is; controleer api_url.")
        if isinstance(exc, pe.ResponseException):
            status = int(exc.response.status_code)
            if status in (401, 403):
                extra = " Bij 403 kan ook een subreddit privé of afgesloten zijn." if status == 403 else ""
                return AuthError(
                    f"Reddit weigert toegang (HTTP {status}). Controleer {self._env_hint}: klopt de client-id en "
                    f"het geheim van de Reddit-app, en heeft Reddit de app goedgekeurd?{extra}"
                )
            if status == 404:
                return PayloadError(
                    "Reddit kent dit adres niet (HTTP 404). Bestaat elke subreddit in 'subreddits' "
                    f"({', '.join(self.config.subreddits)})? Controleer ook api_url."
                )
            if status >= 500 or status == 408:
                return TransientError(f"Reddit gaf een serverfout (HTTP {status})")
            return PayloadError(f"Reddit gaf HTTP {status} op een leesverzoek; controleer de instellingen.")
        if isinstance(exc, pe.RequestException):
            original = exc.original_exception
            text = repr(original)
            if "Timeout" in text or "timed out" in text:
                return TransientError(f"Reddit reageerde niet binnen {self.config.timeout_seconds:g} seconden")
            return TransientError(f"Reddit is niet bereikbaar: {describe_connection_error(original)}")
        if isinstance(exc, praw.exceptions.RedditAPIException):
            return PayloadError(f"Reddit weigerde het verzoek: {exc}")
        if isinstance(exc, pe.InvalidInvocation | praw.exceptions.ClientException):
            return PayloadError(f"Reddit-instellingen kloppen niet: {exc}")
        if isinstance(exc, ValueError | KeyError | TypeError | IndexError):
            # praw raises these while turning an unexpected answer into objects (e.g. an item without id).
            return PayloadError(f"Reddit gaf een antwoord dat niet te lezen is ({type(exc).__name__}: {exc}).")
        return None

    # --- queries and fetching ---------------------------------------------------------------------------------

    def queries(self, schools: Sequence[School]) -> list[Query]:
        return [Query(id=f"school:{s.id}", text=search_query(s), school_ids=(s.id,)) for s in schools]

    def fetch(self, query: Query, cursor: Mapping[str, Any]) -> Iterator[Page]:
        reddit = self._client()
        settings = self.config
        mark = _Mark.load(cursor)
        new_mark = _Mark(mark.newest, set(mark.ids))
        threads = _load_threads(cursor.get("threads"))
        found_now: set[str] = set()
        notices: list[str] = []
        subreddits = "+".join(settings.subreddits)
        # praw's ListingGenerator pages with after=<last fullname>; it asks for the next page only when iterated
        # past the current one, so stopping at the cursor costs no extra request.
        listing = reddit.subreddit(subreddits).search(
            query.text, sort=settings.sort, time_filter=settings.time_filter, limit=settings.limit
        )
        items: list[RawPost] = []
        read = 0
        reached_old = False
        while True:
            submission = self._call(_next_call(listing), f"zoeken in r/{subreddits}")
            if submission is None:
                break
            read += 1
            data = vars(submission)
            fullname = _fullname(data, "t3")
            created = _number(data.get("created_utc"))
            if created is not None:
                if not mark.is_newer(created, fullname):
                    reached_old = True
                    if settings.sort == "new":
                        break  # newest first: everything after this was read before
                    continue
                new_mark.see(created, fullname)
            if not _is_gone(data):
                items.append(self._raw(_submission_payload(data), fullname, query))
                if settings.include_comments and data.get("id"):
                    thread = _Thread(created if created is not None else time.time())
                    comments = self._first_comments(reddit, str(data["id"]), thread, query, notices)
                    items.extend(comments or [])
                    if comments is not None:  # None: the thread cannot be read (removed, private); do not follow
                        threads[fullname] = thread
                    found_now.add(fullname)
            if read % SUBMISSIONS_PER_PAGE == 0:
                yield Page(items, dict(cursor))  # the cursor moves only once every page is stored
                items = []
        if read >= settings.limit and not reached_old:
            notices.append(
                f"Er zijn {settings.limit} of meer nieuwe Reddit-berichten voor '{query.id}'; oudere zijn deze keer "
                "mogelijk niet gelezen (verhoog 'limit' of haal vaker op)."
            )
        if settings.include_comments:
            items.extend(self._followed_comments(reddit, threads, found_now, query, notices))
        new_cursor: dict[str, Any] = new_mark.dump()
        new_cursor["threads"] = _dump_threads(threads, self._followed) if settings.include_comments else {}
        yield Page(items, new_cursor, notices=tuple(notices))

    def _followed_comments(
        self, reddit: Any, threads: dict[str, _Thread], skip: set[str], query: Query, notices: list[str]
    ) -> list[RawPost]:
        """New comments in threads found by earlier runs that are still within ``follow_comments_hours``."""
        items: list[RawPost] = []
        for fullname, thread in list(threads.items()):
            if fullname in skip:
                continue
            if not self._followed(thread):
                del threads[fullname]
                continue
            try:
                items.extend(self._thread_comments(reddit, fullname[3:], thread, query, notices))
            except (PayloadError, AuthError) as exc:  # the thread is gone, closed or private: stop following it
                log.info("%s: draad %s wordt niet meer gevolgd: %s", self.source_name, fullname, exc)
                del threads[fullname]
            except SourceUnavailableError as exc:  # try again next run; new submissions are stored meanwhile
                notices.append(f"Nieuwe reacties in Reddit-draad {fullname} konden niet worden gelezen: {exc}")
        return items

    def _first_comments(
        self, reddit: Any, submission_id: str, thread: _Thread, query: Query, notices: list[str]
    ) -> list[RawPost] | None:
        """A new thread's comments. One thread that cannot be read (HTTP 403/404, or Reddit briefly unavailable) is a
        notice and the search goes on: the submission is stored, and a thread that was only unavailable is followed
        from the start next run (``thread.seen`` stays empty), so no comment is skipped for good."""
        try:
            return self._thread_comments(reddit, submission_id, thread, query, notices)
        except SourceUnavailableError as exc:
            notices.append(f"Reacties in Reddit-draad t3_{submission_id} konden niet worden gelezen; volgende keer "
                           f"opnieuw: {exc}")
            return []
        except AuthError:  # the search itself was allowed: this thread is private, quarantined or removed
            notices.append(f"Reddit weigert de reacties in draad t3_{submission_id} (HTTP 403: de draad is privé, "
                           "in quarantaine of verwijderd); ze worden overgeslagen.")
            return None
        except PayloadError as exc:
            notices.append(f"Reacties in Reddit-draad t3_{submission_id} zijn niet te lezen en worden overgeslagen: "
                           f"{exc}")
            return None

    def _followed(self, thread: _Thread) -> bool:
        hours = self.config.follow_comments_hours
        return hours > 0 and time.time() - thread.created <= hours * 3600

    def _thread_comments(
        self, reddit: Any, submission_id: str, thread: _Thread, query: Query, notices: list[str]
    ) -> list[RawPost]:
        """The thread's comments newer than ``thread.seen`` (newest first, capped); updates ``thread.seen``."""
        cap = self.config.max_comments_per_thread

        def load() -> tuple[list[Any], bool]:
            submission = reddit.submission(id=submission_id)
            submission.comment_sort = "new"
            submission.comment_limit = cap
            forest = submission.comments
            left_out = forest.replace_more(limit=0)  # drop "load more" stubs; no extra requests
            return list(forest.list()), bool(left_out)

        comments, truncated = self._call(load, f"reacties bij t3_{submission_id}")
        fresh: list[tuple[float, str, dict[str, Any]]] = []
        before = _Mark(thread.seen.newest, set(thread.seen.ids))  # the list is a tree walk, not in time order
        for comment in comments:
            data = vars(comment)
            fullname = _fullname(data, "t1")
            created = _number(data.get("created_utc"))
            if created is not None:
                if not before.is_newer(created, fullname):
                    continue
                thread.seen.see(created, fullname)
            if _is_gone(data):
                continue
            fresh.append((created if created is not None else 0.0, fullname, data))
        fresh.sort(key=lambda entry: entry[0], reverse=True)
        if len(fresh) > cap or (truncated and len(comments) >= cap):
            notices.append(
                f"Reddit-draad t3_{submission_id} heeft meer dan {cap} nieuwe reacties; alleen de nieuwste {cap} "
                "zijn gelezen (instelling max_comments_per_thread)."
            )
        return [self._raw(_comment_payload(data), fullname, query) for _, fullname, data in fresh[:cap]]

    def _raw(self, payload: dict[str, Any], native_id: str, query: Query) -> RawPost:
        return self.raw_post(native_id, payload, query.text, now_utc())

    # --- mapping ----------------------------------------------------------------------------------------------

    def to_post(self, raw: RawPost) -> Post:
        data = raw.payload
        kind = data.get("kind")
        native_id = data.get("name")
        if not isinstance(native_id, str) or not _FULLNAME.fullmatch(native_id):
            raise MappingError("Reddit-item zonder geldige id")
        reply_to: str | None = None
        if kind == "t3":
            title = _clean(data.get("title"))
            if not title:
                raise MappingError(f"Reddit-bericht {native_id} zonder titel")
            body = _clean(data.get("selftext"))
            text = f"{title}\n\n{body}" if body and body not in GONE_MARKERS else title
        elif kind == "t1":
            text = _clean(data.get("body"))
            if not text or text in GONE_MARKERS:
                raise MappingError(f"Reddit-reactie {native_id} zonder tekst")
            parent = data.get("parent_id")
            if not isinstance(parent, str) or not _FULLNAME.fullmatch(parent):
                raise MappingError(f"Reddit-reactie {native_id} zonder geldige parent_id")
            reply_to = parent
        else:
            raise MappingError(f"onbekend Reddit-type {kind!r}")
        created = _number(data.get("created_utc"))
        if created is None:
            raise MappingError(f"Reddit-item {native_id} zonder geldige created_utc")
        try:
            created_at = datetime.fromtimestamp(created, UTC)
        except (OverflowError, OSError, ValueError):
            raise MappingError(f"Reddit-item {native_id}: onmogelijke tijd {created!r}") from None
        permalink = data.get("permalink")
        author = data.get("author")
        return Post(
            platform=self.platform,
            native_id=native_id,
            url=REDDIT_WEB + permalink if isinstance(permalink, str) and permalink.startswith("/") else None,
            created_at=created_at,
            fetched_at=raw.fetched_at,
            text=text,
            author=author if isinstance(author, str) and author and author != "[deleted]" else None,
            language=None,
            has_media=_has_media(data),
            reply_to=reply_to,
            source=raw.source,
            query=raw.query,
        )

    # --- deletion re-check ------------------------------------------------------------------------------------

    def deleted(self, native_ids: Sequence[str]) -> set[str]:
        """Stored posts that are gone on Reddit: missing from /api/info, or deleted/removed there."""
        wanted = list(dict.fromkeys(i for i in native_ids if _FULLNAME.fullmatch(i)))
        if not wanted:
            return set()
        reddit = self._client()
        gone: set[str] = set()
        for start in range(0, len(wanted), INFO_CHUNK):
            chunk = wanted[start : start + INFO_CHUNK]
            found = self._call(_info_call(reddit, chunk), "controle op verwijderde berichten")
            answered: dict[str, dict[str, Any]] = {}
            for thing in found:
                data = vars(thing)
                kind = "t1" if "body" in data else "t3"
                answered[_fullname(data, kind)] = data
            for fullname in chunk:
                data_or_none = answered.get(fullname)
                if data_or_none is None or _is_gone(data_or_none):
                    gone.add(fullname)
        log.info("%s: %d van %d Reddit-items verwijderd of weggehaald", self.source_name, len(gone), len(wanted))
        return gone

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
        self._session = None
        self._reddit = None


# --- helpers ------------------------------------------------------------------------------------------------------


def search_query(school: School) -> str:
    """The school's names as quoted phrases OR-ed together (Reddit's lucene search syntax), within 512 characters.

    Handles and hashtags are searched as plain words (``ikcderegenboog``). A term that contains another term as
    whole words is left out ("IKC De Regenboog" is found by "De Regenboog" already).
    """
    terms: list[str] = [school.name, *school.aliases, *school.distinctive]
    terms += [tag.lstrip("#") for tag in school.hashtags]
    terms += [handle.lstrip("@") for handle in school.handles if handle.count("@") <= 1]
    cleaned: dict[str, str] = {}
    for term in terms:
        text = " ".join(term.replace('"', " ").split())
        if len(text) >= 2:
            cleaned.setdefault(text.casefold(), text)
    keys = list(cleaned)
    kept = [k for k in keys if not any(o != k and f" {o} " in f" {k} " for o in keys)]
    query = ""
    for key in kept:
        part = f'"{cleaned[key]}"'
        candidate = f"{query} OR {part}" if query else part
        if len(candidate) > MAX_QUERY_CHARS:
            log.warning("zoekvraag voor %s te lang voor Reddit; '%s' en verder weggelaten", school.id, cleaned[key])
            break
        query = candidate
    return query


def _next_call(listing: Iterator[Any]) -> Callable[[], Any]:
    """One step of a praw listing; a failed page request leaves the generator as it was, so it can be retried."""
    return lambda: next(listing, None)


def _info_call(reddit: Any, fullnames: list[str]) -> Callable[[], list[Any]]:
    return lambda: list(reddit.info(fullnames=fullnames))


def _requestor_class() -> type[Any]:
    """A prawcore Requestor that enforces this connector's timeout and caps the announced rate-limit wait."""
    from prawcore import Requestor

    class BoundedRequestor(Requestor):
        def request(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
            response = super().request(*args, timeout=self.timeout, **kwargs)
            _normalise_headers(response.status_code, response.headers)
            return response

    return BoundedRequestor


def _normalise_headers(status: int, headers: Any) -> None:
    """Make Reddit's answer headers safe for prawcore.

    prawcore sleeps until ``x-ratelimit-reset`` when no requests remain: cap that at RATE_LIMIT_WAIT_CAP, and drop
    rate-limit headers it cannot parse. A 401 without ``WWW-Authenticate`` (e.g. from a proxy) would make prawcore
    raise a KeyError; give it the header Reddit sends for a refused token.
    """
    names = ("x-ratelimit-remaining", "x-ratelimit-used", "x-ratelimit-reset")
    if any(name in headers for name in names):
        try:
            remaining = float(headers["x-ratelimit-remaining"])
            used = int(float(headers["x-ratelimit-used"]))
            reset = float(headers["x-ratelimit-reset"])
        except (KeyError, TypeError, ValueError):
            for name in names:
                headers.pop(name, None)
        else:
            headers["x-ratelimit-remaining"] = str(max(remaining, 0.0))
            headers["x-ratelimit-used"] = str(max(used, 0))
            headers["x-ratelimit-reset"] = str(int(min(max(reset, 0.0), RATE_LIMIT_WAIT_CAP)))
    if status == 401 and "www-authenticate" not in headers:
        headers["www-authenticate"] = 'Bearer realm="reddit", error="invalid_token"'


def _wait_hint(headers: Mapping[str, str]) -> float | None:
    for name in ("retry-after", "x-ratelimit-reset"):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return min(max(float(value), 0.0), RATE_LIMIT_WAIT_CAP)
        except ValueError:
            continue
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _fullname(data: Mapping[str, Any], kind: str) -> str:
    name = data.get("name")
    if isinstance(name, str) and _FULLNAME.fullmatch(name):
        return name
    ident = data.get("id")
    if isinstance(ident, str) and ident:
        return f"{kind}_{ident}"
    digest = hashlib.sha256(repr(sorted((k, repr(v)) for k, v in data.items() if not k.startswith("_"))).encode())
    return f"{kind}_unknown_{digest.hexdigest()[:16]}"


def _author_name(data: Mapping[str, Any]) -> str | None:
    """praw turns ``author`` into a Redditor (or None for "[deleted]"); read its name without a network fetch."""
    author = data.get("author")
    if author is None or isinstance(author, str):
        return author
    name = vars(author).get("name")
    return str(name) if name else None


def _is_gone(data: Mapping[str, Any]) -> bool:
    """Deleted by its author or removed by moderators/Reddit (the same test as the deletion re-check)."""
    if _author_name(data) in (None, "", "[deleted]"):
        return True
    text = data.get("body") if "body" in data else data.get("selftext")
    return (isinstance(text, str) and text.strip() in GONE_MARKERS) or bool(data.get("removed_by_category"))


def _submission_payload(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields to_post needs, plus the link target; no profile data (flair, author ids, awards)."""
    payload: dict[str, Any] = {"kind": "t3"}
    payload.update({key: data[key] for key in _SUBMISSION_FIELDS if key in data})
    payload["author"] = _author_name(data)
    subreddit = data.get("subreddit")
    if subreddit is not None:
        payload["subreddit"] = subreddit if isinstance(subreddit, str) else vars(subreddit).get("display_name")
    media = data.get("media") or data.get("secure_media")
    payload["media"] = {"type": media.get("type")} if isinstance(media, Mapping) else None
    return payload


def _comment_payload(data: Mapping[str, Any]) -> dict[str, Any]:
    payload: dict[str, Any] = {"kind": "t1"}
    payload.update({key: data[key] for key in _COMMENT_FIELDS if key in data})
    payload["author"] = _author_name(data)
    return payload


def _has_media(data: Mapping[str, Any]) -> bool:
    return bool(
        data.get("post_hint") in _MEDIA_HINTS or data.get("is_video") or data.get("is_gallery") or data.get("media")
    )


def _clean(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _load_threads(data: Any) -> dict[str, _Thread]:
    threads: dict[str, _Thread] = {}
    if not isinstance(data, Mapping):
        return threads
    for fullname, entry in data.items():
        if not (isinstance(fullname, str) and _FULLNAME.fullmatch(fullname) and isinstance(entry, Mapping)):
            continue
        created = _number(entry.get("created"))
        if created is not None:
            threads[fullname] = _Thread(created, _Mark.load(entry.get("seen")))
    return threads


def _dump_threads(threads: Mapping[str, _Thread], followed: Callable[[_Thread], bool]) -> dict[str, Any]:
    recent = sorted(
        ((name, thread) for name, thread in threads.items() if followed(thread)),
        key=lambda entry: entry[1].created,
        reverse=True,
    )[:MAX_FOLLOWED_THREADS]
    return {name: {"created": thread.created, "seen": thread.seen.dump()} for name, thread in recent}
