"""The RSS/Atom connector with real requests + feedparser against a local HTTP server."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.base import AuthError, MappingError, PayloadError, SourceUnavailableError
from connectors.rss import RssConnector, RssSettings
from monitor.config import load_config
from monitor.pipeline import collect
from monitor.records import Query, RawPost
from monitor.store import Store
from tests.conftest import LocalServer, Reply, feed_bytes, rss_feed
from tests.scheduler_helpers import rss_source, write_config


def make(url: str, **options: object) -> RssConnector:
    return RssConnector("test-feed", RssSettings.model_validate({"url": url, **options}))


def fetch_all(connector: RssConnector, cursor: dict[str, object] | None = None) -> tuple[list[RawPost], dict]:
    query = connector.queries([])[0]
    items: list[RawPost] = []
    last: dict = {}
    for page in connector.fetch(query, cursor or {}):
        items.extend(page.items)
        last = page.cursor
    return items, last


def test_reads_rss_items_and_maps_them(local_server: LocalServer) -> None:
    url = local_server.add("/nieuws.xml", Reply(body=feed_bytes("regionieuws.xml")))
    connector = make(url)
    items, _ = fetch_all(connector)
    assert len(items) == 16
    posts = [connector.to_post(raw) for raw in items]
    first = posts[0]
    assert first.platform == "rss"
    assert first.url and first.url.startswith("https://www.omroeprandstadregio.example/")
    assert first.created_at is not None and first.created_at.tzinfo == UTC
    assert first.author  # dc:creator, pseudonymised later by the pipeline
    assert first.text.strip()
    assert all("<p>" not in p.text for p in posts), "HTML must be reduced to text"
    assert items[0].source == "test-feed" and items[0].query == url
    assert items[0].connector == "rss"


def test_reads_atom_and_keeps_hostile_markup_as_inert_text(local_server: LocalServer) -> None:
    url = local_server.add("/forum.atom", Reply(body=feed_bytes("ouderforum.atom")))
    connector = make(url)
    items, _ = fetch_all(connector)
    assert len(items) == 15
    texts = [connector.to_post(raw).text for raw in items]
    assert not any("<script" in t or "onerror" in t for t in texts)


def test_conditional_get_uses_etag_and_last_modified(local_server: LocalServer) -> None:
    body = rss_feed([{"guid": "a1", "title": "Nieuws over school"}])
    headers = {"ETag": '"v1"', "Last-Modified": "Fri, 20 Nov 2026 10:00:00 GMT"}

    def answer(seen):
        if seen.headers.get("if-none-match") == '"v1"':
            return Reply(304, headers=headers)
        return Reply(body=body, headers=headers)

    local_server.routes["/feed"] = answer
    connector = make(local_server.url + "/feed")
    items, cursor = fetch_all(connector)
    assert len(items) == 1
    assert cursor == {"etag": '"v1"', "last_modified": "Fri, 20 Nov 2026 10:00:00 GMT"}

    again, cursor2 = fetch_all(connector, cursor)
    assert again == []
    assert cursor2 == cursor
    second = local_server.hits("/feed")[1]
    assert second.headers["if-none-match"] == '"v1"'
    assert second.headers["if-modified-since"] == "Fri, 20 Nov 2026 10:00:00 GMT"


@pytest.mark.parametrize(
    "body",
    [b"<html><body>Dit is geen feed</body></html>", b"\x00\x01\x02 binary", b""],
    ids=["html-page", "binary", "empty"],
)
def test_malformed_feed_is_a_clear_error(local_server: LocalServer, body: bytes) -> None:
    url = local_server.add("/kapot", Reply(body=body))
    with pytest.raises(PayloadError, match="geen leesbare RSS- of Atom-feed"):
        fetch_all(make(url))


def test_broken_xml_with_readable_items_is_read(local_server: LocalServer) -> None:
    broken = rss_feed([{"guid": "x", "title": "Zilvermeer College wint"}])[:-10]  # truncated end tags
    url = local_server.add("/half", Reply(body=broken))
    items, _ = fetch_all(make(url))
    assert [i.native_id for i in items] == ["x"]


def test_timeout_is_reported_in_seconds(local_server: LocalServer) -> None:
    url = local_server.add("/traag", Reply(body=rss_feed([{"guid": "a", "title": "t"}]), delay=5))
    with pytest.raises(SourceUnavailableError, match=r"0\.3 seconden|verbinding verbroken"):
        fetch_all(make(url, timeout_seconds=0.3, retries=0))


def test_a_trickling_feed_fails_its_source_in_time_and_the_others_go_on(
    local_server: LocalServer, tmp_path: Path
) -> None:
    """The feed would take a minute at one byte per 0.1 s; with timeout_seconds = 1 a request may take 4 s.
    Generous bound (a loaded machine): the trickle was not waited out."""
    feed = rss_feed([{"guid": "a", "title": "Zilvermeer College wint de scholierenprijs"}])
    slow = local_server.add("/traag.xml", Reply(body=feed + b" " * 600, trickle=0.1))
    quick = local_server.add("/snel.xml", Reply(body=feed))
    sources = [rss_source("traag", slow, timeout_seconds=1, retries=3), rss_source("snel", quick)]
    config = load_config(write_config(tmp_path, sources))
    started = time.monotonic()
    runs = {run.source: run for run in collect(config, Store(config.data_dir))}
    assert time.monotonic() - started < 30
    assert runs["traag"].status == "mislukt"
    assert runs["traag"].message == (
        "bron traag: de server 127.0.0.1 stuurde na 4 s nog steeds gegevens; afgebroken "
        "(timeout_seconds = 1; een verzoek mag hoogstens 4 × zo lang duren)"
    )
    assert len(local_server.hits("/traag.xml")) == 1, "a trickle is not tried again"
    assert runs["snel"].status == "ok", runs["snel"].message


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_oversized_body_is_refused(local_server: LocalServer, chunked: bool) -> None:
    big = rss_feed([{"guid": str(i), "title": "x" * 500} for i in range(400)])
    url = local_server.add("/groot", Reply(body=big, chunked=chunked))
    with pytest.raises(PayloadError, match=r"groter dan 10\.000 bytes"):
        fetch_all(make(url, max_bytes=10_000))


def test_server_error_then_success_is_retried(local_server: LocalServer, no_sleep: list[float]) -> None:
    body = rss_feed([{"guid": "ok", "title": "Zilvermeer College"}])
    url = local_server.add("/feed", Reply(503), Reply(500), Reply(body=body))
    items, _ = fetch_all(make(url, retries=3))
    assert [i.native_id for i in items] == ["ok"]
    assert len(local_server.hits("/feed")) == 3
    assert no_sleep, "retries back off"


def test_rate_limit_honours_retry_after_with_a_ceiling(local_server: LocalServer, no_sleep: list[float]) -> None:
    body = rss_feed([{"guid": "ok", "title": "t"}])
    url = local_server.add("/feed", Reply(429, headers={"Retry-After": "7"}), Reply(body=body))
    fetch_all(make(url))
    assert 7 in no_sleep
    local_server.add("/slow", Reply(429, headers={"Retry-After": "86400"}), Reply(body=body))
    fetch_all(make(local_server.url + "/slow"))
    assert max(no_sleep) <= 300


def test_persistent_server_error_gives_up(local_server: LocalServer) -> None:
    url = local_server.add("/feed", Reply(500))
    with pytest.raises(SourceUnavailableError, match=r"HTTP 500|bleef fouten geven"):
        fetch_all(make(url, retries=2))


@pytest.mark.parametrize("status", [401, 403])
def test_refused_access_is_an_auth_error(local_server: LocalServer, status: int) -> None:
    url = local_server.add("/feed", Reply(status))
    with pytest.raises(AuthError, match=f"HTTP {status}"):
        fetch_all(make(url))


def test_missing_feed_says_check_the_address(local_server: LocalServer) -> None:
    with pytest.raises(PayloadError, match="Controleer het adres"):
        fetch_all(make(local_server.url + "/bestaat-niet"))


def test_item_without_text_is_a_mapping_error() -> None:
    raw = RawPost("id", {"title": "", "summary": ""}, "s", "q", datetime.now(UTC), "rss", "1")
    with pytest.raises(MappingError):
        make("http://127.0.0.1:9/feed").to_post(raw)


def test_item_without_id_gets_a_stable_one(local_server: LocalServer) -> None:
    body = rss_feed([{"title": "Zonder guid of link", "description": "tekst"}])
    url = local_server.add("/feed", Reply(body=body))
    first, _ = fetch_all(make(url))
    second, _ = fetch_all(make(url))
    assert first[0].native_id == second[0].native_id
    assert first[0].native_id.startswith("sha256:")


def test_query_is_the_feed_url() -> None:
    connector = make("https://example.org/feed.xml")
    assert connector.queries([]) == [Query(id="feed", text="https://example.org/feed.xml", school_ids=())]


NEWS_WITH_MEDIA = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Omroep Regio</title><link>https://omroep.example/</link><language>nl-NL</language>
<item><title>Brand in gymzaal</title><link>https://omroep.example/nieuws/1</link><dc:creator>Redactie</dc:creator>
  <description>De brandweer was snel ter plaatse.</description>
  <enclosure url="https://omroep.example/img/1.jpg" length="48213" type="image/jpeg"/><guid>n1</guid></item>
<item><title>Open dag</title><link>https://omroep.example/nieuws/2</link><description>Veel bezoekers.</description>
  <media:content url="https://omroep.example/img/2.jpg" medium="image" type="image/jpeg"/><guid>n2</guid></item>
<item><title>Musical</title><link>https://omroep.example/nieuws/3</link>
  <content:encoded><![CDATA[<p>Groep 8 speelde <img src="https://omroep.example/img/3.jpg"/></p>]]></content:encoded>
  <guid>n3</guid></item>
<item><title>Rooster</title><link>https://omroep.example/nieuws/4</link><description>Geen foto.</description>
  <guid>n4</guid></item>
</channel></rss>"""


def test_media_from_enclosures_media_content_and_images_and_the_feed_language(local_server: LocalServer) -> None:
    connector = make(local_server.add("/media.xml", Reply(body=NEWS_WITH_MEDIA)))
    items, _ = fetch_all(connector)
    posts = [connector.to_post(raw) for raw in items]
    assert [p.has_media for p in posts] == [True, True, True, False]
    assert {p.language for p in posts} == {"nl"}  # from the channel's <language>nl-NL</language>


def test_feedparsers_notes_are_dutch() -> None:
    import feedparser

    from connectors.rss import feed_problem

    declared = feedparser.parse(b'<?xml version="1.0" encoding="us-ascii"?><rss version="2.0"><channel>'
                                b"<title>caf\xc3\xa9</title><item><title>x</title></item></channel></rss>")
    assert feed_problem(declared.get("bozo_exception")) == ("de feed zegt tekencodering us-ascii te gebruiken, maar "
                                                            "is utf-8; zo gelezen")
    broken = feedparser.parse(b'<rss version="2.0"><channel><item><title>a &nbsp; b</title></item></channel></rss>')
    assert feed_problem(broken.get("bozo_exception")).startswith("geen geldige XML op regel ")
    assert feed_problem(None) == ""
