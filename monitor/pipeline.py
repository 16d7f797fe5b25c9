"""Pipeline steps as plain functions; the CLI and the scheduler both call them.

collect: for each source, fetch pages -> map -> match schools -> pseudonymise -> store, one transaction per page,
with the page's cursor committed in the same transaction (a cursor never moves past posts that are not stored).
Each source runs alone: one failing never stops the others.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from connectors.base import Connector, ConnectorError, ConnectorSettings
from connectors.registry import get_connector_class
from monitor.aggregates import refresh_weekly
from monitor.config import Config, SourceConfig
from monitor.errors import ConfigError, MonitorError, StoreError, describe_os_error
from monitor.matching import REPLY_RULE, Matcher
from monitor.privacy import Pseudonymiser
from monitor.records import Match, Page, Post, RawPost, now_utc, post_key
from monitor.store import Store
from monitor.store.schema import iso_week
from monitor.words import count

log = logging.getLogger(__name__)

STATUS_OK = "ok"
STATUS_FAILED = "mislukt"
STATUS_PARTIAL = "deels"
SOURCE_STATE_KEY = "_source"  # query id under which source-wide state (Page.source_state) is kept


@dataclass
class SourceRun:
    """What one collection run of one source did; stored in the ``runs`` table and shown by ``monitor status``."""

    source: str
    connector: str
    started_at: datetime = field(default_factory=now_utc)
    finished_at: datetime | None = None
    status: str = STATUS_OK
    fetched: int = 0
    new: int = 0
    duplicates: int = 0
    unmatched: int = 0
    skipped: int = 0
    errors: int = 0
    message: str = ""
    notices: list[str] = field(default_factory=list)
    weeks: set[str] = field(default_factory=set)  # weeks that got new posts (not stored; for the aggregates)

    def row(self) -> dict[str, Any]:
        fields = {k: v for k, v in asdict(self).items() if k != "weeks"}
        return {"run_id": uuid.uuid4().hex, **fields, "notices": "\n".join(self.notices)}


class CollectProgress:
    """Hooks for showing progress; the default shows nothing."""

    def source_started(self, source: str) -> None:
        """A source begins."""

    def page_stored(self, source: str, run: SourceRun) -> None:
        """A page was stored; ``run`` holds the counts so far."""

    def source_finished(self, run: SourceRun) -> None:
        """A source ended (successfully or not)."""


def build_connector(source: SourceConfig) -> Connector:
    settings = source.settings
    assert isinstance(settings, ConnectorSettings)
    return get_connector_class(source.type)(source.name, settings)


def select_sources(config: Config, names: Sequence[str] | None) -> list[SourceConfig]:
    if names:
        return [config.source(name) for name in names]
    return [s for s in config.sources if s.enabled]


def collect(
    config: Config,
    store: Store,
    source_names: Sequence[str] | None = None,
    progress: CollectProgress | None = None,
) -> list[SourceRun]:
    """Collect every selected source; returns one SourceRun per source."""
    progress = progress or CollectProgress()
    sources = select_sources(config, source_names)
    if not sources:
        raise ConfigError("Er zijn geen (ingeschakelde) bronnen in de configuratie. Voeg een [[sources]] toe (zie "
                          "'monitor connectors' voor de soorten) of zet enabled = true.")
    matcher = Matcher(config.schools)
    pseudonymiser = Pseudonymiser.from_config(config)
    runs = []
    for source in sources:
        progress.source_started(source.name)
        run = collect_source(config, store, source, matcher, pseudonymiser, progress)
        progress.source_finished(run)
        runs.append(run)
    _after_collect(store, runs)
    return runs


def _after_collect(store: Store, runs: list[SourceRun]) -> None:
    """Merge the small files this collection wrote and update the weekly counts; a failure here loses nothing
    (the posts are committed), so it only warns."""
    weeks = set().union(*(run.weeks for run in runs))
    if not weeks:
        return
    try:
        merged = store.optimize()
        log.info("opslag samengevoegd: %d partities", merged)
        refresh_weekly(store, weeks)
    except StoreError as exc:
        log.warning("samenvoegen van de opslag of bijwerken van de weekoverzichten overgeslagen: %s", exc)


def collect_source(
    config: Config,
    store: Store,
    source: SourceConfig,
    matcher: Matcher,
    pseudonymiser: Pseudonymiser,
    progress: CollectProgress,
) -> SourceRun:
    run = SourceRun(source=source.name, connector=source.type)
    schools = [s for s in config.schools if source.schools is None or s.id in source.schools]
    connector: Connector | None = None
    try:
        connector = build_connector(source)
        state = store.read_state()
        connector.begin(state.get((source.name, SOURCE_STATE_KEY), {}))
        writer = _PageWriter(store, connector, source, matcher, pseudonymiser, run)
        for query in connector.queries(schools):
            cursor = state.get((source.name, query.id), {})
            for page in connector.fetch(query, cursor):
                writer.store_page(query.id, page)
                progress.page_stored(source.name, run)
        writer.finish()
    except (ConnectorError, StoreError, MonitorError) as exc:
        _fail(run, str(exc))
        log.error("bron %s: %s", source.name, exc)
    except OSError as exc:  # the machine: a full or read-only disk; committed pages stay, the run is failed
        _fail(run, describe_os_error(exc))
        log.error("bron %s: %s", source.name, run.message)
    except Exception as exc:  # a connector bug must not take the other sources down
        _fail(run, f"onverwachte fout: {type(exc).__name__}: {exc}")
        log.exception("bron %s: onverwachte fout", source.name)
    finally:
        if connector is not None:
            connector.close()
    run.finished_at = now_utc()
    _record_run(store, run)
    return run


def _fail(run: SourceRun, message: str) -> None:
    run.errors += 1
    run.status = STATUS_PARTIAL if run.new else STATUS_FAILED
    run.message = message


class _PageWriter:
    """Maps, matches, pseudonymises and stores the pages of one source run."""

    def __init__(
        self, store: Store, connector: Connector, source: SourceConfig, matcher: Matcher, pseudonymiser: Pseudonymiser,
        run: SourceRun,
    ) -> None:
        self.store, self.connector, self.source, self.run = store, connector, source, run
        self.matcher, self.pseudonymiser = matcher, pseudonymiser
        allowed = source.schools
        self.school_ids = [m.school.id for m in matcher.matchers if allowed is None or m.school.id in allowed]
        self.thread: dict[str, list[Match]] = {}  # matched posts of this run, for replies that follow
        self.waiting: list[tuple[Post, RawPost]] = []  # replies whose parent has not come yet in this run
        # key of a newer version (an edited post, a corrected import) -> the stored keys it replaces
        self.replacing: dict[str, set[str]] = {}
        self.replaced = 0  # stored posts replaced by a newer version in this run

    def store_page(self, query_id: str, page: Page) -> None:
        rows: list[dict[str, Any]] = []
        raws: dict[str, RawPost] = {}
        for post, raw in self._matched(page):
            earlier = {post_key(post.platform, i) for i in post.earlier_ids}
            if earlier and not post.replaces and self._stored(earlier, post.matches):
                self.run.duplicates += len(post.matches)  # already stored under an earlier id
                continue
            handle = post.author
            self.pseudonymiser.apply(post)
            rows.extend(post.rows())
            if post.replaces:
                self.replacing[post.key] = {post.key, *earlier}
            # The stored payload keeps the pseudonym, not the handle (unless the school keeps handles for safety).
            raws[post.key] = replace(raw, payload=self.pseudonymiser.scrub_payload(raw.payload, post.platform, handle))
        edited = self._edited(rows)
        with self.store.transaction() as tx:
            if edited:  # the newer version of an edited post: its old text and labels go, it is scored again
                tx.delete_posts(edited)
            result = tx.add_posts(rows)
            tx.add_raw([_raw_row(key, raws[key]) for key in sorted(result.new_post_keys)])
            tx.put_state(self.source.name, query_id, page.cursor)
            if page.source_state is not None:
                tx.put_state(self.source.name, SOURCE_STATE_KEY, page.source_state)
        replacing = {r["post_key"] for r in rows if self.replacing.get(r["post_key"], set()) & edited}
        self.replaced += len(replacing)
        self.run.new += result.new - sum(1 for r in rows if r["post_key"] in (replacing & result.new_post_keys))
        self.run.weeks.update(iso_week(r["created_at"]) for r in rows if r["post_key"] in result.new_post_keys)
        self.run.duplicates += result.duplicates
        for notice in page.notices:
            if notice not in self.run.notices:
                self.run.notices.append(notice)
                log.warning("bron %s: %s", self.source.name, notice)

    def _stored(self, keys: set[str], matches: list[Match]) -> bool:
        known = self.store.known_keys(self.store.manifest())
        return any(f"{key}|{m.school_id}" in known for key in keys for m in matches)

    def _edited(self, rows: list[dict[str, Any]]) -> set[str]:
        """Keys of stored posts that a newer version (an edit, a corrected import) replaces: those that differ."""
        newer = {old: r for r in rows for old in self.replacing.get(r["post_key"], ())}
        if not newer:
            return set()
        index = self.store.read("post_index", columns=["post_key", "week"])
        weeks = sorted(set(index.loc[index["post_key"].isin(list(newer)), "week"]))
        if not weeks:
            return set()
        stored = self.store.read("posts", columns=["post_key", *_REPLACED_FIELDS], week=weeks)
        edited = set()
        for old in stored.drop_duplicates("post_key").to_dict("records"):
            row = newer.get(old["post_key"])
            if row is not None and any(_differs(old[f], row[f]) for f in _REPLACED_FIELDS):
                edited.add(old["post_key"])
                self.run.weeks.add(iso_week(old["created_at"]))  # its week's counts change too
        return edited

    def _matched(self, page: Page) -> list[tuple[Post, RawPost]]:
        """The page's posts that concern a school: named in the text, or replies (at any depth) to a post that is.

        Platforms list newest first, so a reply often comes before the post it answers, in the same page or an
        earlier one: replies that do not name a school wait until no more of them can be placed (their parent was
        matched in this run, or is in the store), and the ones still waiting go on to the next page of the run."""
        matched: list[tuple[Post, RawPost]] = []
        waiting = self.waiting
        for raw in page.items:
            post = self._map(raw)
            if post is None:
                continue
            post.matches = self.matcher.match(post.text, self.source.schools)
            if post.matches:
                self.thread[post.key] = post.matches
                matched.append((post, raw))
            elif post.reply_to:
                waiting.append((post, raw))
            else:
                self.run.unmatched += 1
        placed = True
        while waiting and placed:
            placed, still = False, []
            for post, raw in waiting:
                post.matches = self._inherited(post)
                if post.matches:
                    self.thread[post.key] = post.matches
                    matched.append((post, raw))
                    placed = True
                else:
                    still.append((post, raw))
            waiting = still
        self.waiting = waiting
        return matched

    def finish(self) -> None:
        """Replies whose parent never came (in this run or the store) concern no school."""
        self.run.unmatched += len(self.waiting)
        self.waiting = []
        if self.replaced:
            notice = (f"Vervangen door een nieuwere versie: {count(self.replaced, 'bericht')} (tekst en velden "
                      "bijgewerkt, oude labels gewist: ze worden opnieuw beoordeeld)")
            self.run.notices.append(notice)
            log.info("bron %s: %s", self.source.name, notice)

    def _map(self, raw: RawPost) -> Post | None:
        self.run.fetched += 1
        try:
            return self.connector.to_post(raw)
        except Exception as exc:  # one bad item is skipped and counted; the page goes on
            self.run.skipped += 1
            log.warning("bron %s: item %s overgeslagen: %s", self.source.name, raw.native_id[:80], exc)
            return None

    def _inherited(self, post: Post) -> list[Match]:
        """A reply rarely names the school: it is about the school its parent post is about."""
        if not post.reply_to:
            return []
        parent = post_key(post.platform, post.reply_to)
        if parent in self.thread:
            school_ids = [m.school_id for m in self.thread[parent]]
        else:
            known = self.store.known_keys(self.store.manifest())
            school_ids = [sid for sid in self.school_ids if f"{parent}|{sid}" in known]
        return [Match(sid, REPLY_RULE) for sid in school_ids]


_REPLACED_FIELDS = ("text", "created_at", "author", "url")  # a newer version that differs in one replaces the old


def _differs(stored: Any, new: Any) -> bool:
    def blank(value: Any) -> bool:
        return value is None or value != value  # NaN / NaT as read back from the store

    if blank(stored) or blank(new):
        return blank(stored) != blank(new)
    return bool(stored != new)


def _raw_row(key: str, raw: RawPost) -> dict[str, Any]:
    return {
        "post_key": key,
        "source": raw.source,
        "query": raw.query,
        "fetched_at": raw.fetched_at,
        "connector": raw.connector,
        "connector_version": raw.connector_version,
        "payload": raw.payload_json(),
    }


def _record_run(store: Store, run: SourceRun) -> None:
    try:
        with store.transaction() as tx:
            tx.add_run(run.row())
    except StoreError as exc:
        log.error("kon de run van %s niet vastleggen: %s", run.source, exc)
    except OSError as exc:
        log.error("kon de run van %s niet vastleggen: %s", run.source, describe_os_error(exc))


@dataclass(frozen=True)
class RecheckResult:
    source: str
    checked: int
    removed: int


def recheck_deletions(config: Config, store: Store, source_names: Sequence[str] | None = None) -> list[RecheckResult]:
    """Remove posts here that were deleted on their platform (Reddit's terms require it)."""
    results = []
    for source in select_sources(config, source_names):
        connector = build_connector(source)
        try:
            if not connector.supports_recheck:
                if source_names:
                    raise MonitorError(
                        f"Bron {source.name} ({source.type}) kan niet controleren welke berichten verwijderd zijn."
                    )
                continue
            posts = store.read("posts", columns=["post_key", "native_id", "source"])
            mine = posts[posts["source"] == source.name].drop_duplicates("post_key")
            try:
                gone = connector.deleted(list(mine["native_id"]))
            except ConnectorError as exc:
                raise MonitorError(f"bron {source.name}: controle op verwijderde berichten mislukt: {exc}") from None
            keys = set(mine.loc[mine["native_id"].isin(gone), "post_key"])
            if keys:
                with store.transaction() as tx:
                    tx.delete_posts(keys)
            log.info("bron %s: %d berichten gecontroleerd, %d verwijderd", source.name, len(mine), len(keys))
            results.append(RecheckResult(source.name, len(mine), len(keys)))
        finally:
            connector.close()
    return results


IMPORT_SOURCE = "handmatig"


def import_file(
    config: Config, store: Store, path: Path, platform: str | None = None, replace: bool = False
) -> SourceRun:
    """Import posts found by hand (CSV or JSON Lines) with the same matching, privacy and dedupe as collection.

    ``replace``: a row whose post is already stored replaces it when it differs (text, date, author, link), as an
    edited post does: its labels go and it is scored again. This corrects an earlier wrong import."""
    if not path.is_file():
        raise MonitorError(f"Bestand {path} niet gevonden.")
    options: dict[str, Any] = {"path": str(path.resolve())}
    if platform:
        options["default_platform"] = platform
    if replace:
        options["replace"] = True
    source = adhoc_source(IMPORT_SOURCE, "manual", options)
    run = collect_source(config, store, source, Matcher(config.schools), Pseudonymiser.from_config(config),
                         CollectProgress())
    _after_collect(store, [run])
    return run


def adhoc_source(name: str, kind: str, options: dict[str, Any]) -> SourceConfig:
    """A source that is not in the config file (e.g. a manual import), validated like one that is."""
    from pydantic import ValidationError

    source = SourceConfig.model_validate({"name": name, "type": kind, **options})
    try:
        source._settings = get_connector_class(kind).Settings.model_validate(options)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise MonitorError(f"Ongeldige instellingen voor {kind}: {problems}") from None
    return source
