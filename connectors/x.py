"""X (Twitter): recent search over the paid X API v2, through tweepy's ``Client.search_recent_tweets``.

Read-only: the connector only calls ``GET /2/tweets/search/recent`` with an app-only bearer token.

* One query per school (split in several when it does not fit X's query length limit): the school's handles,
  hashtags and distinctive names OR-ed; ambiguous names ("De Regenboog") only together with the town or the
  school's ``include`` terms; its ``exclude`` terms as negations; then the configured operators
  (default ``lang:nl -is:retweet``). Matching in the pipeline still decides which posts are kept.
* X bills every post read, so reads are capped per run and per calendar month (UTC). The month's count is
  source-wide state (``Page.source_state``) that the pipeline stores with each page. A request never asks for more
  than the caps leave; when fewer than 10 remain (X's minimum page) the run stops and says so in a notice.
* Recent search reaches back 7 days. When the last complete read of a query is older than that, a notice says that
  posts from that period could not be read.
* Cursor per query. X answers newest first, so the newest id of a run only becomes ``since_id`` when the last page of
  that pass is committed; earlier pages keep the old ``since_id`` plus the pagination token and the pending newest id,
  so a crash or a read cap mid-pass never skips posts: the next run continues with the token (or, when the token has
  expired, starts again from the old ``since_id``; dedupe absorbs the overlap).

tweepy's Client has a fixed host (``https://api.twitter.com``) and passes no timeout; an HTTPAdapter mounted on its
requests session rewrites the host to ``api_url`` and adds the timeout (and the hard limit per request of
connectors/deadline.py, against servers that trickle), so tests and the offline demo run the real client code
against 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
import time
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, ClassVar

import requests
from pydantic import Field, field_validator

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
from connectors.deadline import DeadlineAdapter, RequestLimit
from connectors.http import describe_connection_error
from connectors.retry import RetryPolicy, call_with_retries
from monitor.config import School, SecretRef
from monitor.errors import SecretMissingError
from monitor.matching import SchoolMatcher
from monitor.records import Page, Post, Query, RawPost, now_utc

log = logging.getLogger(__name__)

TWEEPY_HOST = "https://api.twitter.com"  # hard-coded in tweepy.BaseClient.request
SEARCH_WINDOW = timedelta(days=7)  # how far back recent search reaches
SINCE_ID_MARGIN = timedelta(minutes=10)  # drop a since_id a little before X starts refusing it
MIN_RESULTS = 10  # X's minimum max_results for recent search
MAX_RESULTS = 100
TWITTER_EPOCH_MS = 1288834974657  # snowflake ids: (id >> 22) + this = creation time in ms
SNOWFLAKE_MIN = 10**15  # smaller ids are not snowflakes (test data); their age is unknown
TWEET_FIELDS = [
    "created_at",
    "lang",
    "author_id",
    "conversation_id",
    "referenced_tweets",
    "attachments",
    "possibly_sensitive",
    "note_tweet",  # the full text of posts longer than 280 characters
    "edit_history_tweet_ids",  # every version of an edited post has its own id; the first one names the chain
]
# X's codes for "no language" (undetermined, only hashtags/mentions/media/links, very short).
NO_LANGUAGE = frozenset({"und", "qam", "qct", "qht", "qme", "qst", "zxx"})
# Context words for an ambiguous name of a school without a town or include terms.
FALLBACK_CONTEXT = ("school", "juf", "meester", "klas", "ouders")
X_HANDLE = re.compile(r"@?([A-Za-z0-9_]{1,15})")


class XSettings(ConnectorSettings):
    bearer_token: SecretRef = SecretRef(env="X_BEARER_TOKEN")
    api_url: str = Field(default="https://api.x.com", pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
    operators: str = Field(default="lang:nl -is:retweet", max_length=200)
    usernames: bool = True
    page_size: int = Field(default=MAX_RESULTS, ge=MIN_RESULTS, le=MAX_RESULTS)
    max_reads_per_run: int = Field(default=500, ge=0, le=1_000_000)
    max_reads_per_month: int = Field(default=10_000, ge=0, le=10_000_000)
    max_query_length: int = Field(default=512, ge=64, le=4096)
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    retries: int = Field(default=3, ge=0, le=10)

    @field_validator("api_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")


class _ApiAdapter(DeadlineAdapter):
    """Sends tweepy's requests for https://api.twitter.com to ``base`` instead, with a timeout on each."""

    def __init__(self, base: str, timeout: tuple[float, float], limit: RequestLimit) -> None:
        super().__init__(limit, max_retries=0)  # retries happen around the whole call (call_with_retries)
        self.base = base
        self.timeout = timeout

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        url = request.url or ""
        if self.base != TWEEPY_HOST and url.startswith(TWEEPY_HOST):
            request.url = self.base + url[len(TWEEPY_HOST) :]
            # The session chose proxies for api.twitter.com; choose again for the real destination (NO_PROXY).
            proxies = requests.utils.get_environ_proxies(request.url)
        return super().send(
            request,
            stream=stream,
            timeout=self.timeout if timeout is None else timeout,
            verify=verify,
            cert=cert,
            proxies=proxies,
        )


class _InvalidParameterError(ConnectorError):
    """X refused a pagination token or since_id (expired, or too old for recent search)."""

    def __init__(self, message: str, parameter: str) -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass
class _Pass:
    """One walk through the pages of a search, newest first, from ``since_id`` down."""

    since_id: str | None
    token: str | None  # pagination token of the next page; set when continuing an interrupted pass
    newest: str | None  # the newest id of this pass (from its first page)
    started: datetime  # when its first page was asked for: everything before this is covered once it ends
    covered_until: str | None  # last_fetch_at of the last complete pass (ISO), kept until this one ends
    resumed: bool = False  # continues a pass of an earlier run: once it ends, newer posts are read too


class XConnector(Connector):
    name: ClassVar[str] = "x"
    platform: ClassVar[str] = "x"
    version: ClassVar[str] = "1"
    Settings = XSettings
    credentials: ClassVar[str] = "X_BEARER_TOKEN (app-only bearer token, betaald API-abonnement; alleen lezen)"
    description: ClassVar[str] = (
        "X (Twitter): zoekt berichten van de laatste 7 dagen via de betaalde X API v2 (met leeslimieten)"
    )

    def __init__(self, source_name: str, settings: ConnectorSettings) -> None:
        super().__init__(source_name, settings)
        assert isinstance(settings, XSettings)
        self.options = settings
        self._client: Any = None
        self._month = _month(now_utc())
        self._month_reads = 0
        self._run_reads = 0
        self._query_notices: dict[str, list[str]] = {}
        self._last_cursor: dict[str, Any] = {}  # the cursor of the last page yielded (or the incoming one)

    # --- source-wide state: reads this month ---------------------------------------------------------------

    def begin(self, source_state: Mapping[str, Any]) -> None:
        self._month = _month(now_utc())
        self._run_reads = 0
        reads = source_state.get("reads")
        if source_state.get("month") == self._month and isinstance(reads, int) and reads >= 0:
            self._month_reads = reads
        else:
            self._month_reads = 0
        log.info("%s: %d X-berichten gelezen in %s", self.source_name, self._month_reads, self._month)

    def _source_state(self) -> dict[str, Any]:
        return {"month": self._month, "reads": self._month_reads}

    def _allowance(self) -> tuple[int, str | None]:
        """How many posts the next request may ask for, or a notice saying which cap stops the run."""
        o = self.options
        run_left = o.max_reads_per_run - self._run_reads
        month_left = o.max_reads_per_month - self._month_reads
        allowed = min(o.page_size, run_left, month_left)
        if allowed >= MIN_RESULTS:
            return allowed, None
        if month_left < MIN_RESULTS:
            return 0, (
                f"X: maandlimiet bereikt (max_reads_per_month = {o.max_reads_per_month}): in {self._month} zijn "
                f"{self._month_reads} berichten gelezen, waarvan {self._run_reads} in deze run. X wordt pas in een "
                "nieuwe maand weer gelezen, tenzij u max_reads_per_month verhoogt (elk gelezen bericht kost geld)."
            )
        return 0, (
            f"X: limiet per run bereikt (max_reads_per_run = {o.max_reads_per_run}): deze run zijn "
            f"{self._run_reads} berichten gelezen. De rest wordt bij de volgende run gelezen, zolang die binnen "
            "7 dagen valt."
        )

    # --- queries -------------------------------------------------------------------------------------------

    def queries(self, schools: Sequence[School]) -> list[Query]:
        result: list[Query] = []
        self._query_notices = {}
        for school in schools:
            texts, warnings = build_queries(school, self.options.operators, self.options.max_query_length)
            for warning in warnings:
                log.warning("%s: %s", self.source_name, warning)
            for n, text in enumerate(texts, start=1):
                query_id = f"school:{school.id}" if n == 1 else f"school:{school.id}:{n}"
                result.append(Query(id=query_id, text=text, school_ids=(school.id,)))
                if warnings:
                    self._query_notices[query_id] = warnings
        return result

    # --- fetching ------------------------------------------------------------------------------------------

    def fetch(self, query: Query, cursor: Mapping[str, Any]) -> Iterator[Page]:
        client = self._get_client()
        now = now_utc()
        fingerprint = _fingerprint(query.text)
        same_query = cursor.get("query") == fingerprint
        if cursor and not same_query:
            log.info("%s: zoekvraag %s is gewijzigd; opnieuw vanaf 7 dagen terug", self.source_name, query.id)
        since_id = _str_or_none(cursor.get("since_id")) if same_query else None
        covered_until = _str_or_none(cursor.get("last_fetch_at"))
        notices = list(self._query_notices.get(query.id, []))
        gap = _gap_notice(query, covered_until, since_id, now)
        if gap:
            notices.append(gap)
        if covered_until is None and since_id is None:
            log.info("%s: eerste keer voor %s; X-zoeken reikt 7 dagen terug", self.source_name, query.id)

        token = _str_or_none(cursor.get("next_token")) if same_query else None
        pending = _str_or_none(cursor.get("pending_newest")) if same_query else None
        pass_started = _parse_time(cursor.get("pass_started_at")) if token else None
        if since_id and _too_old_for_since_id(since_id, now):
            log.info("%s: since_id van %s is ouder dan 7 dagen; zoeken zonder since_id", self.source_name, query.id)
            since_id = None
            token = None
        if token and (pass_started is None or pass_started < now - SEARCH_WINDOW):
            token = None  # the rest of that pass is out of reach; start again from since_id
        state = _Pass(
            since_id=since_id,
            token=token,
            newest=pending if token else None,
            started=pass_started if token and pass_started else now,
            covered_until=covered_until,
            resumed=token is not None,
        )
        self._last_cursor = dict(cursor)
        while True:
            completed = yield from self._walk(client, query, fingerprint, state, notices)
            if not completed or not state.resumed:
                return
            # The interrupted pass is finished; now read what was posted since it began.
            state = _Pass(
                since_id=_str_or_none(self._last_cursor.get("since_id")),
                token=None,
                newest=None,
                started=now_utc(),
                covered_until=_str_or_none(self._last_cursor.get("last_fetch_at")),
            )

    def _walk(
        self, client: Any, query: Query, fingerprint: str, state: _Pass, notices: list[str]
    ) -> Generator[Page, None, bool]:
        """Yield the pages of one pass; return True when it reached the end, False when a read cap stopped it."""
        policy = RetryPolicy(attempts=self.options.retries + 1)
        while True:
            allowed, cap_notice = self._allowance()
            if cap_notice:
                yield Page([], dict(self._last_cursor), self._source_state(), (*notices, cap_notice))
                return False
            params: dict[str, Any] = {
                "query": query.text,
                "max_results": allowed,
                "tweet_fields": TWEET_FIELDS,
                "expansions": ["author_id", "attachments.media_keys"]
                if self.options.usernames
                else ["attachments.media_keys"],
                "media_fields": ["type"],
            }
            if self.options.usernames:
                params["user_fields"] = ["username"]
            if state.since_id:
                params["since_id"] = state.since_id
            if state.token:
                params["next_token"] = state.token
            what = f"X-zoekvraag {query.id}"
            try:
                body = call_with_retries(partial(self._search, client, params), policy, what)
            except _InvalidParameterError as exc:
                if exc.parameter == "next_token" and state.token:
                    log.warning("%s: %s; de zoekvraag begint opnieuw", self.source_name, exc)
                    state.token, state.newest, state.started, state.resumed = None, None, now_utc(), False
                    continue
                if exc.parameter == "since_id" and state.since_id:
                    log.warning("%s: %s; zoeken zonder since_id", self.source_name, exc)
                    state.since_id, state.token, state.newest = None, None, None
                    state.started, state.resumed = now_utc(), False
                    continue
                raise
            tweets, users, media, meta = _parts(body)
            self._run_reads += len(tweets)
            self._month_reads += len(tweets)
            fetched_at = now_utc()
            items = [self._raw(tweet, users, media, query, fetched_at) for tweet in tweets]
            if state.newest is None:
                state.newest = _str_or_none(meta.get("newest_id")) or next(
                    (str(t["id"]) for t in tweets if isinstance(t, dict) and t.get("id")), None
                )
            next_token = _str_or_none(meta.get("next_token"))
            if next_token and tweets:
                state.token = next_token
                cursor: dict[str, Any] = {
                    "query": fingerprint,
                    "since_id": state.since_id,
                    "next_token": next_token,
                    "pending_newest": state.newest,
                    "pass_started_at": state.started.isoformat(timespec="seconds"),
                    "last_fetch_at": state.covered_until,
                }
                self._last_cursor = {k: v for k, v in cursor.items() if v is not None}
                yield Page(items, dict(self._last_cursor), self._source_state(), tuple(notices))
                continue
            cursor = {
                "query": fingerprint,
                "since_id": state.newest or state.since_id,
                "last_fetch_at": state.started.isoformat(timespec="seconds"),
            }
            self._last_cursor = {k: v for k, v in cursor.items() if v is not None}
            yield Page(items, dict(self._last_cursor), self._source_state(), tuple(notices))
            return True

    def _get_client(self) -> Any:
        if self._client is not None:
            return self._client
        import tweepy

        env = self.options.bearer_token.env
        try:
            token = self.options.bearer_token.resolve("de X-bron")
        except SecretMissingError as exc:
            raise AuthError(f"{exc} Het is een app-only bearer token uit de X Developer Console.") from None
        # tweepy logs request headers (the bearer token) and whole responses at DEBUG; never let them through.
        tweepy_log = logging.getLogger("tweepy.client")
        if tweepy_log.getEffectiveLevel() < logging.INFO:
            tweepy_log.setLevel(logging.INFO)
        client = tweepy.Client(bearer_token=token, return_type=dict, wait_on_rate_limit=False)
        timeout = (min(10.0, self.options.timeout_seconds), self.options.timeout_seconds)
        limit = RequestLimit(self.source_name, self.options.timeout_seconds)
        client.session.mount(TWEEPY_HOST, _ApiAdapter(self.options.api_url, timeout, limit))
        log.debug("%s: X-client voor %s (token uit %s)", self.source_name, self.options.api_url, env)
        self._client = client
        return client

    def _search(self, client: Any, params: dict[str, Any]) -> dict[str, Any]:
        """One request; the library's and requests' exceptions become the connector's error classes."""
        import tweepy

        env = self.options.bearer_token.env
        try:
            body = client.search_recent_tweets(**params)
        except tweepy.TooManyRequests as exc:
            if _usage_capped(exc):
                raise SourceUnavailableError(
                    "X meldt dat het maandtegoed of de maandlimiet van uw X-ontwikkelaarsaccount op is (HTTP 429, "
                    "UsageCapExceeded). Controleer het abonnement of tegoed in de X Developer Console."
                ) from None
            wait = None if exc.reset_time is None else max(float(exc.reset_time) - time.time(), 1.0)
            hint = f"; X vraagt {wait:.0f} seconden te wachten" if wait is not None else ""
            raise TransientError(f"X: te veel verzoeken (HTTP 429){hint}", wait) from None
        except (tweepy.Unauthorized, tweepy.Forbidden) as exc:
            status = exc.response.status_code
            if status == 401:
                raise AuthError(
                    f"X weigert het bearer token (HTTP 401{_detail(exc)}). Controleer {env}: het moet het app-only "
                    "bearer token van uw X-ontwikkelaarsapp zijn (opnieuw aanmaken kan in de X Developer Console)."
                ) from None
            raise AuthError(
                f"X geeft geen toegang tot zoeken (HTTP 403{_detail(exc)}). Het token in {env} is bekend, maar de "
                "app mag recent zoeken niet gebruiken: controleer of de app in een Project zit met een betaald "
                "abonnement of tegoed dat 'recent search' toestaat."
            ) from None
        except tweepy.BadRequest as exc:
            for parameter in ("next_token", "since_id"):
                if parameter in params and _refused_parameter(exc, parameter):
                    raise _InvalidParameterError(
                        f"X weigert {parameter} (verlopen of ouder dan 7 dagen)", parameter
                    ) from None
            raise ConnectorError(
                f"X weigert de zoekvraag (HTTP 400{_detail(exc)}). Controleer de instelling operators "
                f"('{self.options.operators}') en de namen van de school; de zoekvraag was: {params['query']}"
            ) from None
        except tweepy.NotFound:
            raise ConnectorError(
                f"X kent het zoekadres niet (HTTP 404). Controleer de instelling api_url ('{self.options.api_url}')."
            ) from None
        except tweepy.TwitterServerError as exc:
            raise TransientError(f"X heeft een storing (HTTP {exc.response.status_code})") from None
        except tweepy.HTTPException as exc:
            raise ConnectorError(
                f"X gaf HTTP {exc.response.status_code}{_detail(exc)}. Controleer het abonnement of tegoed in de "
                "X Developer Console."
            ) from None
        except requests.exceptions.Timeout:
            raise TransientError(f"X reageerde niet binnen {self.options.timeout_seconds:g} seconden") from None
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            text = repr(exc)
            if "timed out" in text or "Timeout" in text:
                raise TransientError(f"X reageerde niet binnen {self.options.timeout_seconds:g} seconden") from None
            raise TransientError(f"X is niet bereikbaar: {describe_connection_error(exc)}") from None
        except requests.exceptions.RequestException as exc:
            raise SourceUnavailableError(f"X: verzoek mislukt ({describe_connection_error(exc)})") from None
        except ValueError:  # requests.JSONDecodeError: not JSON
            raise PayloadError("X gaf een antwoord dat geen JSON is; controleer de instelling api_url.") from None
        if not isinstance(body, dict):
            raise PayloadError("X gaf een antwoord in een onbekend formaat (geen JSON-object).")
        for error in body.get("errors") or []:
            log.debug("%s: X meldt bij dit antwoord: %s", self.source_name, error)
        return body

    def _raw(
        self,
        tweet: Any,
        users: Mapping[str, str],
        media: Mapping[str, str],
        query: Query,
        fetched_at: datetime,
    ) -> RawPost:
        if isinstance(tweet, dict):
            payload: dict[str, Any] = dict(tweet)
            author_id = str(tweet.get("author_id") or "")
            if self.options.usernames and author_id in users:
                payload["author_username"] = users[author_id]
            attachments = tweet.get("attachments")
            keys = attachments.get("media_keys") if isinstance(attachments, dict) else None
            if keys:
                payload["media_types"] = [media.get(str(key), "onbekend") for key in keys]
        else:
            payload = {"unreadable": str(tweet)[:500]}
        return self.raw_post(str(payload.get("id") or ""), payload, query.text, fetched_at)

    # --- mapping -------------------------------------------------------------------------------------------

    def to_post(self, raw: RawPost) -> Post:
        tweet = raw.payload
        ident = tweet.get("id")
        note = tweet.get("note_tweet")
        text = note.get("text") if isinstance(note, dict) and isinstance(note.get("text"), str) else tweet.get("text")
        if not ident or not isinstance(ident, str | int):
            raise MappingError("X-bericht zonder id")
        if not isinstance(text, str) or not text.strip():
            raise MappingError(f"X-bericht {ident} zonder tekst")
        lang = tweet.get("lang")
        attachments = tweet.get("attachments")
        media_keys = attachments.get("media_keys") if isinstance(attachments, dict) else None
        chain = [str(i) for i in tweet.get("edit_history_tweet_ids") or [] if isinstance(i, str | int)]
        # One post per edit chain: keyed by the chain's first id, so every version is the same post; the newest
        # version (its id is the chain's last) replaces what was stored; an older one re-fetched adds nothing.
        first = chain[0] if chain else str(ident)
        return Post(
            platform=self.platform,
            native_id=first,
            url=f"https://x.com/i/web/status/{ident}",
            created_at=_parse_time(tweet.get("created_at")) or snowflake_time(first),
            replaces=len(chain) > 1 and chain[-1] == str(ident),
            fetched_at=raw.fetched_at,
            text=html.unescape(text),  # v2 escapes &, < and > in post text
            author=_str_or_none(tweet.get("author_username")) or _str_or_none(tweet.get("author_id")),
            language=lang if isinstance(lang, str) and lang and lang not in NO_LANGUAGE else None,
            has_media=bool(media_keys),
            reply_to=_referenced(tweet, "replied_to"),
            quote_of=_referenced(tweet, "quoted"),
            source=raw.source,
            query=raw.query,
        )

    def close(self) -> None:
        if self._client is not None:
            self._client.session.close()
            self._client = None


# --- query building ----------------------------------------------------------------------------------------


def build_queries(school: School, operators: str, max_length: int = 512) -> tuple[list[str], list[str]]:
    """The X search queries for one school, each at most ``max_length`` characters, and warnings (Dutch).

    Terms in priority order: handles (as mentions), hashtags, distinctive names, ambiguous names together with
    the town or include terms. The school's exclude terms are appended as negations, then the operators. When the
    terms do not fit one query they are spread over several (the caller gives them stable ids); a single term that
    does not fit at all is left out with a warning. Excludes are only an optimisation (matching vetoes them anyway)
    and are dropped first when space is short.
    """
    matcher = SchoolMatcher(school)
    groups: list[str] = []
    seen: set[str] = set()
    warnings: list[str] = []

    def add(term: str) -> None:
        key = term.casefold()
        if key not in seen:
            seen.add(key)
            groups.append(term)

    for handle in school.handles:
        found = X_HANDLE.fullmatch(handle)
        if found:
            add("@" + found.group(1))
        else:
            log.debug("%s: %s is geen X-account (overgeslagen in de X-zoekvraag)", school.id, handle)
    for tag in school.hashtags:
        add("#" + tag.lstrip("#"))
    for alias in matcher.distinctive.values():
        add(_phrase(alias))
    context_terms = [t for t in [school.town or "", *school.include] if t.strip()] or list(FALLBACK_CONTEXT)
    context = _either(context_terms)
    for alias in matcher.ambiguous.values():
        add(f"({_phrase(alias)} {context})")

    operators = " ".join(operators.split())
    excludes = [f"-{_phrase(term) if ' ' in term.strip() else _bare(term)}" for term in school.exclude]
    excludes = [e for e in excludes if len(e) > 1]
    room_needed = max((len(g) for g in groups), default=0) + 3
    while excludes and len(_suffix(excludes, operators)) + room_needed > max_length:
        dropped = excludes.pop()
        log.info(
            "%s: uitsluitterm %s past niet meer in de X-zoekvraag (matching sluit hem toch uit)", school.id, dropped
        )
    suffix = _suffix(excludes, operators)

    queries: list[str] = []
    current: list[str] = []
    for group in groups:
        if len(_query([*current, group], suffix)) <= max_length:
            current.append(group)
            continue
        if current:
            queries.append(_query(current, suffix))
        if len(_query([group], suffix)) <= max_length:
            current = [group]
        else:
            current = []
            warnings.append(
                f"X: zoekterm {group} voor {school.name} is te lang voor een X-zoekvraag "
                f"(max_query_length = {max_length}) en is weggelaten."
            )
    if current:
        queries.append(_query(current, suffix))
    return queries, warnings


def _phrase(term: str) -> str:
    return '"' + " ".join(term.replace('"', " ").split()) + '"'


def _bare(term: str) -> str:
    cleaned = re.sub(r"[\"()]", " ", term).strip()
    return cleaned if re.fullmatch(r"[\w#@.'-]+", cleaned) else _phrase(cleaned)


def _either(terms: Sequence[str]) -> str:
    parts = list(dict.fromkeys(_phrase(t) if " " in t.strip() else _bare(t) for t in terms))
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def _suffix(excludes: Sequence[str], operators: str) -> str:
    return " ".join([*excludes, operators]).strip()


def _query(groups: Sequence[str], suffix: str) -> str:
    core = groups[0] if len(groups) == 1 else "(" + " OR ".join(groups) + ")"
    return f"{core} {suffix}".strip()


# --- helpers -----------------------------------------------------------------------------------------------


def _parts(body: Mapping[str, Any]) -> tuple[list[Any], dict[str, str], dict[str, str], dict[str, Any]]:
    """The tweets, author_id -> username, media_key -> type and meta of a search answer."""
    data = body.get("data") or []
    includes = body.get("includes") or {}
    meta = body.get("meta") or {}
    if not isinstance(data, list) or not isinstance(includes, dict) or not isinstance(meta, dict):
        raise PayloadError("X gaf een zoekantwoord in een onbekend formaat (data, includes of meta klopt niet).")
    users = {
        str(u["id"]): str(u["username"])
        for u in includes.get("users") or []
        if isinstance(u, dict) and u.get("id") and u.get("username")
    }
    media = {
        str(m["media_key"]): str(m.get("type") or "onbekend")
        for m in includes.get("media") or []
        if isinstance(m, dict) and m.get("media_key")
    }
    return data, users, media, meta


def _referenced(tweet: Mapping[str, Any], kind: str) -> str | None:
    for ref in tweet.get("referenced_tweets") or []:
        if isinstance(ref, dict) and ref.get("type") == kind and ref.get("id"):
            return str(ref["id"])
    return None


def _detail(exc: Any) -> str:
    messages = [m for m in getattr(exc, "api_messages", []) if isinstance(m, str)]
    if not messages:
        return ""
    text = "; ".join(messages)
    return ": " + (text if len(text) < 200 else text[:197] + "...")


def _usage_capped(exc: Any) -> bool:
    try:
        body = exc.response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and (
        "usage-capped" in str(body.get("type", "")) or body.get("title") == "UsageCapExceeded"
    )


def _refused_parameter(exc: Any, parameter: str) -> bool:
    for error in getattr(exc, "api_errors", []):
        if isinstance(error, dict):
            if parameter in (error.get("parameters") or {}):
                return True
            if parameter in str(error.get("message", "")):
                return True
    return False


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _month(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def _str_or_none(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def snowflake_time(post_id: str) -> datetime | None:
    """When an X post id was made (ids are snowflakes); None for ids that are not snowflakes."""
    try:
        number = int(post_id)
    except (TypeError, ValueError):
        return None
    if number < SNOWFLAKE_MIN:
        return None
    return datetime.fromtimestamp(((number >> 22) + TWITTER_EPOCH_MS) / 1000, UTC)


def snowflake_for(moment: datetime, sequence: int = 0) -> str:
    """A snowflake id for ``moment`` (for test data and the demo)."""
    ms = int(moment.timestamp() * 1000) - TWITTER_EPOCH_MS
    return str((ms << 22) + sequence)


def _too_old_for_since_id(since_id: str, now: datetime) -> bool:
    made = snowflake_time(since_id)
    return made is not None and made < now - SEARCH_WINDOW + SINCE_ID_MARGIN


def _gap_notice(query: Query, covered_until: str | None, since_id: str | None, now: datetime) -> str | None:
    """A notice when the last complete read is older than recent search reaches: posts in between are missed."""
    last = _parse_time(covered_until)
    if last is None and since_id:
        last = snowflake_time(since_id)
    reach = now - SEARCH_WINDOW
    if last is None or last >= reach:
        return None
    who = ", ".join(query.school_ids) or query.id
    return (
        f"X ({who}): berichten van {last:%d-%m-%Y %H:%M} tot {reach:%d-%m-%Y %H:%M} (UTC) konden niet worden "
        "gelezen: X-zoeken reikt maar 7 dagen terug en deze bron is langer niet (volledig) gelezen. Laat de bron "
        "minstens eens per week draaien (en houd de leeslimieten ruim genoeg)."
    )


__all__ = ["XConnector", "XSettings", "build_queries", "snowflake_for", "snowflake_time"]
