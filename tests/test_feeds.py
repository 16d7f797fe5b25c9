"""Ready-made feed sources (google-news, google-alerts, mastodon-rss, youtube), feed identity and paging.

Every fetch runs the real requests + feedparser code against a LocalServer on 127.0.0.1 (``api_url`` or a
loopback feed URL); cross-feed dedupe is checked through ``monitor.pipeline.collect`` and the real store.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from connectors.feeds import (
    GoogleAlertsConnector,
    GoogleAlertsSettings,
    GoogleNewsConnector,
    GoogleNewsSettings,
    MastodonTagFeedConnector,
    MastodonTagFeedSettings,
    YouTubeConnector,
    YouTubeSettings,
    google_news_query,
    school_tags,
)
from connectors.rss import RssConnector, RssSettings
from connectors.testing import FakeItem
from connectors.testing.rss import GoogleNewsFake, RssFake, opaque_article_id
from monitor.config import Config, School, load_config
from monitor.pipeline import collect
from monitor.records import Post, RawPost
from monitor.setup import SOURCES_MARKER, example_config_text
from monitor.store import Store
from tests.conftest import LocalServer, Reply, rss_feed
from tests.test_links import old_style_id

HEAD = example_config_text().split(SOURCES_MARKER)[0]
SCHOOLS = [School.model_validate(s) for s in tomllib.loads(HEAD)["schools"]]
REGENBOOG, ZILVERMEER = SCHOOLS
ARTICLE = "https://www.stadsblad.example/nieuws/2026/11/zilvermeer-college-opent-nieuwe-aula"
HEADLINE = "Zilvermeer College opent nieuwe aula voor 600 leerlingen"
WHEN = datetime(2026, 11, 18, 9, 30, tzinfo=UTC)


def write_config(tmp_path: Path, sources: list[dict[str, Any]]) -> Config:
    body = "".join(
        "\n[[sources]]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in source.items())
        for source in sources
    )
    path = tmp_path / "monitor.toml"
    path.write_text(HEAD + body, encoding="utf-8")
    return load_config(path)


def fetch_posts(connector: RssConnector, schools: list[School] = SCHOOLS) -> tuple[list[RawPost], list[Post]]:
    raws = [raw for query in connector.queries(schools) for page in connector.fetch(query, {}) for raw in page.items]
    return raws, [connector.to_post(raw) for raw in raws]


def google_item(title: str, link: str, publisher: str, site: str, when: datetime | None = WHEN) -> dict[str, str]:
    item = {
        "title": f"{title} - {publisher}",
        "link": link,
        "guid": link.rsplit("/", 1)[-1].split("?")[0],
        "description": f"&lt;a href=&quot;{link}&quot;&gt;{title}&lt;/a&gt;&amp;nbsp;&amp;nbsp;{publisher}",
        "source": publisher,
        "_site": site,
    }
    if when:
        item["pubDate"] = when.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return item


def google_feed(items: list[dict[str, str]]) -> bytes:
    """A Google News search feed: like rss_feed, but ``<source>`` carries the publisher's url attribute."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>"x" - Google Nieuws</title>']
    for item in items:
        site = item["_site"]
        fields = "".join(f"<{k}>{v}</{k}>" for k, v in item.items() if k not in ("source", "_site"))
        parts.append(f'<item>{fields}<source url="{site}">{item["source"]}</source></item>')
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def alerts_feed(entries: list[tuple[str, str, str]]) -> bytes:
    """A Google Alerts Atom feed; each entry (title html, real url, content html)."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">',
        "<id>tag:google.com,2005:reference:alerts:feeds:123/456</id>",
        "<title>Google Alert - Zilvermeer College</title><updated>2026-11-18T10:00:00Z</updated>",
    ]
    for n, (title, url, content) in enumerate(entries):
        wrapped = f"https://www.google.com/url?rct=j&amp;sa=t&amp;url={url}&amp;ct=ga&amp;cd=CAIyG{n}&amp;usg=AOvVaw{n}"
        parts.append(
            f"<entry><id>tag:google.com,2013:googlealerts/feed:1000{n}</id>"
            f'<title type="html">{title}</title><link href="{wrapped}"/>'
            "<published>2026-11-18T09:45:00Z</published><updated>2026-11-18T09:45:00Z</updated>"
            f'<content type="html">{content}</content><author><name></name></author></entry>'
        )
    parts.append("</feed>")
    return "".join(parts).encode()


# --- google-news ---------------------------------------------------------------------------------------------------


def test_google_news_builds_one_search_per_school() -> None:
    connector = GoogleNewsConnector("gn", GoogleNewsSettings())
    queries = connector.queries(SCHOOLS)
    assert [q.id for q in queries] == ["school:regenboog-zoetermeer", "school:zilvermeer-almere"]
    assert [q.school_ids for q in queries] == [("regenboog-zoetermeer",), ("zilvermeer-almere",)]
    assert queries[1].text == (
        "https://news.google.com/rss/search?q=%22Zilvermeer+College%22+OR+%22Zilvermeercollege%22+OR+%22Zilvermeer%22"
        "+-recreatieplas+-strandbad&hl=nl&gl=NL&ceid=NL:nl"
    )


def test_google_news_query_terms_and_api_url() -> None:
    assert google_news_query(REGENBOOG, ["Zoetermeer"], "7d") == (
        '"IKC De Regenboog" OR "De Regenboog" OR "OBS De Regenboog" -regenboogvlag -regenboogzebrapad '
        '-"speeltuin De Regenboog" Zoetermeer when:7d'
    )
    settings = GoogleNewsSettings(api_url="http://127.0.0.1:8123/", when="24h", extra_terms=["  site:nu.nl "])
    [query] = GoogleNewsConnector("gn", settings).queries([ZILVERMEER])
    assert query.text.startswith("http://127.0.0.1:8123/rss/search?q=%22Zilvermeer+College%22")
    assert query.text.endswith("+site%3Anu.nl+when%3A24h&hl=nl&gl=NL&ceid=NL:nl")


@pytest.mark.parametrize("options", [{"when": "7 dagen"}, {"when": "0d"}, {"extra_terms": [" "]}, {"url": "x"}])
def test_google_news_settings_are_checked(options: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        GoogleNewsSettings.model_validate(options)


def test_google_news_fetch_through_the_fake_and_the_pipeline(tmp_path: Path, local_server: LocalServer) -> None:
    fake = GoogleNewsFake(local_server)
    fake.publish(
        [
            FakeItem("a1", HEADLINE, "Stadsblad Almere", WHEN),
            FakeItem("a2", "Juf van IKC De Regenboog wint landelijke onderwijsprijs", "Zoetermeer Dagblad", WHEN),
            FakeItem("a3", "Strandbad bij het Zilvermeer gaat weer open", "Drents Nieuws", WHEN),
            FakeItem("a4", "Zilvermeer College kapot item", "Flevopost", WHEN, malformed=True),
        ]
    )
    config = write_config(tmp_path, [{"name": "gnieuws", "type": "google-news", **fake.source_options()}])
    store = Store(config.data_dir)
    [run] = collect(config, store)
    assert (run.status, run.fetched, run.new, run.skipped) == ("ok", 3, 2, 1), run.message
    assert fake.search_requests() == 2
    first, second = fake.queries_seen()
    assert first.startswith('"IKC De Regenboog" OR') and second.startswith('"Zilvermeer College" OR')
    posts = store.read_posts().set_index("school_id")
    aula = posts.loc["zilvermeer-almere"]
    assert aula["text"] == HEADLINE, "the ' - Publisher' suffix and the repeated description are dropped"
    assert aula["native_id"] == f"title:stadsbladalmere.example|2026-11-18|{HEADLINE.lower()}"
    assert aula["url"] == f"https://news.google.com/rss/articles/{opaque_article_id('a1')}"
    assert aula["platform"] == "rss"
    assert set(store.read_state()) == {
        ("gnieuws", "school:regenboog-zoetermeer"),
        ("gnieuws", "school:zilvermeer-almere"),
    }

    [again] = collect(config, store)
    assert (again.fetched, again.new) == (0, 0), "unchanged feeds answer 304"
    assert all("if-none-match" in r.headers for r in local_server.hits("/rss/search")[2:])


def test_google_news_opaque_items_merge_only_when_site_day_and_headline_agree(local_server: LocalServer) -> None:
    def link(n: int) -> str:
        return f"https://news.google.com/rss/articles/{opaque_article_id(str(n))}?oc=5"

    items = [
        google_item(HEADLINE, link(1), "Stadsblad Almere", "https://www.stadsblad.example"),
        google_item(HEADLINE, link(2), "Stadsblad Almere", "https://stadsblad.example"),  # another id, same article
        google_item(HEADLINE, link(3), "Flevopost", "https://www.flevopost.example"),  # another publisher
        google_item(HEADLINE, link(4), "Stadsblad Almere", "https://www.stadsblad.example", WHEN + timedelta(days=7)),
        google_item("Nieuws", link(5), "Stadsblad Almere", "https://www.stadsblad.example"),  # too short to trust
        google_item("Nieuws", link(6), "Stadsblad Almere", "https://www.stadsblad.example"),
    ]
    local_server.add("/rss/search", Reply(body=google_feed(items)))
    connector = GoogleNewsConnector("gn", GoogleNewsSettings(api_url=local_server.url))
    raws, posts = fetch_posts(connector, [ZILVERMEER])
    ids = [raw.native_id for raw in raws]
    assert ids[0] == ids[1], "same site, day and headline: the same article"
    assert len(set(ids)) == 5
    assert ids[4] == f"https://news.google.com/rss/articles/{opaque_article_id('5')}"
    assert posts[2].text == HEADLINE


# --- the same article through three feeds --------------------------------------------------------------------------


def test_same_article_from_regional_feed_google_news_and_alerts_is_one_post(
    tmp_path: Path, local_server: LocalServer
) -> None:
    regional = rss_feed(
        [
            {
                "guid": "stadsblad-88121",
                "title": HEADLINE,
                "link": ARTICLE + "/?utm_source=rss&amp;utm_medium=feed",
                "description": "De nieuwe aula van het Zilvermeer College in Almere is geopend.",
                "pubDate": "Wed, 18 Nov 2026 10:30:00 +0100",
            }
        ]
    )
    google = google_feed(
        [
            google_item(
                HEADLINE,
                f"https://news.google.com/rss/articles/{old_style_id(ARTICLE + '/')}?oc=5",
                "Stadsblad Almere",
                "https://www.stadsblad.example",
            )
        ]
    )
    alert = alerts_feed([("&lt;b&gt;Zilvermeer College&lt;/b&gt; opent nieuwe aula", ARTICLE + "?fbclid=x", "aula")])
    local_server.add("/regionieuws.xml", Reply(body=regional))
    local_server.add("/rss/search", Reply(body=google))
    local_server.add("/alerts/feeds/123/456", Reply(body=alert))
    config = write_config(
        tmp_path,
        [
            {"name": "stadsblad", "type": "rss", "url": local_server.url + "/regionieuws.xml"},
            {"name": "gnieuws", "type": "google-news", "api_url": local_server.url, "schools": ["zilvermeer-almere"]},
            {"name": "alerts", "type": "google-alerts", "urls": [local_server.url + "/alerts/feeds/123/456"]},
        ],
    )
    store = Store(config.data_dir)
    runs = {run.source: run for run in collect(config, store)}
    assert all(run.status == "ok" for run in runs.values()), [r.message for r in runs.values()]
    assert (runs["stadsblad"].new, runs["gnieuws"].new, runs["alerts"].new) == (1, 0, 0)
    assert runs["gnieuws"].duplicates == 1 and runs["alerts"].duplicates == 1
    posts = store.read_posts()
    assert len(posts) == 1
    assert posts["post_key"].item() == f"rss:{ARTICLE}"
    assert posts["url"].item() == ARTICLE


# --- google-alerts -------------------------------------------------------------------------------------------------


def test_google_alerts_unwraps_links_and_reads_html_titles(local_server: LocalServer) -> None:
    url = local_server.add(
        "/alerts/feeds/0123456789/987654321",
        Reply(
            body=alerts_feed(
                [
                    (
                        "Ouders &lt;b&gt;Zilvermeer College&lt;/b&gt; starten petitie",
                        "https://www.flevopost.example/petitie-volle-klassen%3Futm_campaign%3Dalert",
                        "Ouders van het &lt;b&gt;Zilvermeer College&lt;/b&gt; in Almere zijn boos.",
                    )
                ]
            )
        ),
    )
    connector = GoogleAlertsConnector("alerts", GoogleAlertsSettings(urls=[url]))
    [query] = connector.queries(SCHOOLS)
    assert query.id == "alert:0123456789/987654321"
    assert query.school_ids == ("regenboog-zoetermeer", "zilvermeer-almere")
    [raw], [post] = fetch_posts(connector)
    assert raw.native_id == post.url == "https://www.flevopost.example/petitie-volle-klassen"
    assert post.text.startswith("Ouders Zilvermeer College starten petitie\n\nOuders van het Zilvermeer College")
    assert post.platform == "rss"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.google.com/alerts",
        "https://www.google.com/alerts/feeds/abc/123",
        "https://evil.example/alerts/feeds/1/2",
        "https://news.google.com/rss/search?q=x",
    ],
)
def test_google_alerts_refuses_other_addresses(url: str) -> None:
    with pytest.raises(ValidationError, match="geen Google Alerts-feed"):
        GoogleAlertsSettings(urls=[url])


def test_google_alerts_needs_a_feed_and_no_duplicates() -> None:
    with pytest.raises(ValidationError):
        GoogleAlertsSettings(urls=[])
    feed = "https://www.google.com/alerts/feeds/1/2"
    with pytest.raises(ValidationError, match="twee keer"):
        GoogleAlertsSettings(urls=[feed, feed])
    assert GoogleAlertsSettings(urls=["https://www.google.nl/alerts/feeds/1/2"]).urls


# --- mastodon-rss --------------------------------------------------------------------------------------------------


def mastodon_tag_feed(statuses: list[tuple[str, str, bool]]) -> bytes:
    """Mastodon's /tags/<tag>.rss: the item title is only the time; (status url, html, has image)."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">',
        "<channel><title>#zilvermeercollege</title><link>https://mastodon.example/tags/zilvermeercollege</link>",
        "<description>Openbare berichten met #zilvermeercollege</description>",
    ]
    for url, html, image in statuses:
        media = (
            '<media:content url="https://files.mastodon.example/a.jpg" type="image/jpeg" fileSize="1234" '
            'medium="image"><media:rating scheme="urn:simple">nonadult</media:rating></media:content>'
            if image
            else ""
        )
        parts.append(
            f'<item><guid isPermaLink="true">{url}</guid><link>{url}</link><title>18 nov. 2026, 10:15</title>'
            f"<pubDate>Wed, 18 Nov 2026 09:15:00 +0000</pubDate><description>{html}</description>{media}"
            "<category>zilvermeercollege</category></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def test_mastodon_tag_feeds_per_instance_and_tag() -> None:
    assert school_tags(REGENBOOG) == ["deregenboogzoetermeer", "ikcderegenboog", "deregenboog", "obsderegenboog"]
    assert school_tags(ZILVERMEER) == ["zilvermeercollege", "zilvermeer"]
    connector = MastodonTagFeedConnector("mrss", MastodonTagFeedSettings())
    queries = connector.queries(SCHOOLS)
    assert len(queries) == 6
    assert queries[0].text == "https://mastodon.social/tags/deregenboogzoetermeer.rss"
    assert queries[0].id == "tag:mastodon.social:deregenboogzoetermeer"
    settings = MastodonTagFeedSettings(
        instances=["https://mastodon.nl/", "https://mastodon.social", "https://mastodon.nl"]
    )
    assert len(MastodonTagFeedConnector("mrss", settings).queries([ZILVERMEER])) == 4, "instances are deduplicated"


def test_a_tag_shared_by_two_schools_is_fetched_once() -> None:
    twin = School(id="zilvermeer-2", name="Zilvermeer Lyceum", town="Almere", hashtags=["#zilvermeercollege"])
    queries = MastodonTagFeedConnector("mrss", MastodonTagFeedSettings()).queries([ZILVERMEER, twin])
    shared = [q for q in queries if q.id.endswith(":zilvermeercollege")]
    assert len(shared) == 1 and shared[0].school_ids == ("zilvermeer-almere", "zilvermeer-2")


def test_mastodon_tag_feed_is_read_without_login(local_server: LocalServer) -> None:
    status = "https://mastodon.example/@brugpieper/113500000000000001"
    remote = "https://andere.example/users/ouder_almere/statuses/77"
    html = (
        "&lt;p&gt;Sponsorloop met de hele klas! &lt;a href=&quot;https://mastodon.example/tags/zilvermeercollege&quot; "
        "class=&quot;mention hashtag&quot;&gt;#&lt;span&gt;zilvermeercollege&lt;/span&gt;&lt;/a&gt;&lt;/p&gt;"
    )
    body = mastodon_tag_feed(
        [
            (status, html, True),
            (remote, "&lt;p&gt;Zilvermeer College in Almere&lt;/p&gt;", False),
            ("https://mastodon.example/@x/3", "", True),
        ]
    )
    local_server.add("/tags/zilvermeercollege.rss", Reply(body=body))
    local_server.add(
        "/tags/zilvermeer.rss", Reply(body=mastodon_tag_feed([(remote, "&lt;p&gt;Zilvermeer&lt;/p&gt;", False)]))
    )
    connector = MastodonTagFeedConnector("mrss", MastodonTagFeedSettings(instances=[local_server.url]))
    raws = [raw for q in connector.queries([ZILVERMEER]) for page in connector.fetch(q, {}) for raw in page.items]
    assert len(raws) == 4
    first = connector.to_post(raws[0])
    assert first.text == "Sponsorloop met de hele klas! #zilvermeercollege", "the time-only title is not text"
    assert (first.author, first.has_media, first.native_id) == ("@brugpieper@mastodon.example", True, status)
    assert connector.to_post(raws[1]).author == "@ouder_almere@andere.example"
    with pytest.raises(Exception, match="zonder tekst"):
        connector.to_post(raws[2])
    assert raws[1].native_id == raws[3].native_id, "the same status in two tag feeds has one identity"


# --- youtube -------------------------------------------------------------------------------------------------------

CHANNEL = "UCzilvermeerTVabcdefghij"


def youtube_feed(video_ids: list[str]) -> bytes:
    entries = "".join(
        f"""<entry><id>yt:video:{v}</id><yt:videoId>{v}</yt:videoId><yt:channelId>{CHANNEL}</yt:channelId>
        <title>Open dag Zilvermeer College {n}</title>
        <link rel="alternate" href="https://www.youtube.com/watch?v={v}"/>
        <author><name>Zilvermeer TV</name><uri>https://www.youtube.com/channel/{CHANNEL}</uri></author>
        <published>2026-11-1{n}T15:00:00+00:00</published><updated>2026-11-1{n}T16:00:00+00:00</updated>
        <media:group><media:title>Open dag</media:title>
        <media:content url="https://www.youtube.com/v/{v}?version=3" type="application/x-shockwave-flash"/>
        <media:thumbnail url="https://i1.ytimg.com/vi/{v}/hqdefault.jpg" width="480" height="360"/>
        <media:description>Kom kijken op onze school in Almere!</media:description>
        <media:community><media:statistics views="120"/></media:community></media:group></entry>"""
        for n, v in enumerate(video_ids)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" '
        'xmlns:media="http://search.yahoo.com/mrss/" xmlns="http://www.w3.org/2005/Atom">'
        f"<id>yt:channel:{CHANNEL[2:]}</id><title>Zilvermeer TV</title>{entries}</feed>"
    ).encode()


def test_youtube_feeds_for_channels_and_playlists(local_server: LocalServer) -> None:
    settings = YouTubeSettings(api_url=local_server.url, channel_ids=[CHANNEL], playlist_ids=["PLschoolfilms12345"])
    connector = YouTubeConnector("yt", settings)
    queries = connector.queries(SCHOOLS)
    assert [q.id for q in queries] == [f"channel:{CHANNEL}", "playlist:PLschoolfilms12345"]
    assert queries[0].text == f"{local_server.url}/feeds/videos.xml?channel_id={CHANNEL}"
    assert queries[1].text == f"{local_server.url}/feeds/videos.xml?playlist_id=PLschoolfilms12345"
    local_server.add("/feeds/videos.xml", Reply(body=youtube_feed(["AbCdEfGhIjK", "ZyXwVuTsRqP"])))
    raws, posts = fetch_posts(connector)
    assert len(raws) == 4
    assert posts[0].url == posts[0].native_id == "https://www.youtube.com/watch?v=AbCdEfGhIjK"
    assert posts[0].has_media and posts[0].author == "Zilvermeer TV"
    assert posts[0].text == "Open dag Zilvermeer College 0\n\nKom kijken op onze school in Almere!"
    assert posts[0].created_at == datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
    assert raws[0].native_id == raws[2].native_id, "a video in the channel and in a playlist is one post"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "minstens één kanaal"),
        ({"channel_ids": ["zilvermeertv"]}, "geen kanaal-id"),
        ({"playlist_ids": ["PL x"]}, "geen afspeellijst-id"),
    ],
)
def test_youtube_settings_are_checked(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        YouTubeSettings.model_validate(options)


# --- rss identity --------------------------------------------------------------------------------------------------


def test_feed_items_are_identified_by_their_canonical_link(local_server: LocalServer) -> None:
    body = rss_feed(
        [
            {"guid": "1", "title": "Een", "link": "https://krant.example/a/?utm_source=rss&amp;oc=5#top"},
            {"guid": "2", "title": "Twee", "link": "https://krant.example/"},  # the front page: says nothing
            {"guid": "3", "title": "Drie", "link": "https://krant.example/overzicht"},  # shared by two items
            {"guid": "4", "title": "Vier", "link": "https://krant.example/overzicht"},
            {"title": "Vijf", "link": "https://krant.example/"},  # no guid either: a hash
        ]
    )
    url = local_server.add("/feed", Reply(body=body))
    raws, posts = fetch_posts(RssConnector("f", RssSettings(url=url)))
    assert [r.native_id for r in raws[:4]] == ["https://krant.example/a", "2", "3", "4"]
    assert raws[4].native_id.startswith("sha256:")
    assert [p.url for p in posts] == [
        "https://krant.example/a",
        "https://krant.example",
        "https://krant.example/overzicht",
        "https://krant.example/overzicht",
        "https://krant.example",
    ]


# --- paging (RFC 5005) with the RSS fake ---------------------------------------------------------------------------


def fake_items(count: int, start: int = 0) -> list[FakeItem]:
    base = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    return [
        FakeItem(f"id-{n}", f"Bericht {n} over het Zilvermeer College", f"ouder{n}", base - timedelta(hours=n))
        for n in range(start, start + count)
    ]


def run_fetch(connector: RssConnector, cursor: dict[str, Any]) -> tuple[list[str], dict[str, Any], list[str]]:
    [query] = connector.queries(SCHOOLS)
    ids: list[str] = []
    notices: list[str] = []
    last = dict(cursor)
    for page in connector.fetch(query, cursor):
        ids += [raw.native_id for raw in page.items]
        notices += page.notices
        last = page.cursor
    return ids, last, notices


def test_paged_feed_is_followed_up_to_max_pages(local_server: LocalServer) -> None:
    fake = RssFake(local_server)
    fake.publish(fake_items(7), page_size=3)
    ids, cursor, notices = run_fetch(RssConnector("f", RssSettings(**fake.source_options(max_pages=2))), {})
    assert ids == [f"id-{n}" for n in range(6)]
    assert fake.search_requests() == 2
    assert notices and "max_pages" in notices[0]
    assert cursor["etag"] and len(cursor["seen"]) == 6

    one, plain_cursor, _ = run_fetch(RssConnector("f", RssSettings(url=fake.source_options()["url"])), {})
    assert one == ["id-0", "id-1", "id-2"], "max_pages = 1 (the default) reads the first page only"
    assert "seen" not in plain_cursor


def test_paging_stops_at_known_items_and_unchanged_feed_costs_one_request(local_server: LocalServer) -> None:
    fake = RssFake(local_server)
    fake.publish(fake_items(5), page_size=2)
    connector = RssConnector("f", RssSettings(**fake.source_options()))
    ids, cursor, notices = run_fetch(connector, {})
    assert (len(ids), fake.search_requests(), notices) == (5, 3, [])

    again, same, _ = run_fetch(connector, cursor)
    assert again == [] and same == cursor
    assert fake.search_requests() == 4, "304 on the first page, nothing more"

    fake.publish(fake_items(1, start=-1) + fake_items(5), page_size=2)
    newer, cursor2, _ = run_fetch(connector, cursor)
    assert newer == ["id--1"], "known items are not handed out again"
    assert fake.search_requests() == 6, "page 2 held only known items: stop there"
    assert cursor2["seen"][0] == hashlib.sha256(b"id--1").hexdigest()[:16] and len(cursor2["seen"]) == 6


def test_a_failing_later_page_keeps_the_old_cursor(tmp_path: Path, local_server: LocalServer) -> None:
    fake = RssFake(local_server)
    fake.publish(fake_items(4), page_size=2)
    config = write_config(tmp_path, [{"name": "feed", "type": "rss", **fake.source_options(retries=0)}])
    store = Store(config.data_dir)
    real = fake._answer
    calls = {"n": 0}

    def page_two_breaks(seen: Any) -> Reply:
        calls["n"] += 1
        return Reply(500) if "page=2" in seen.path else real(seen)

    local_server.routes["/feed.xml"] = page_two_breaks
    [broken] = collect(config, store)
    assert broken.status == "deels" and broken.new == 2
    assert store.read_state()[("feed", "feed")] == {}, "the new ETag is only saved with the last page"

    local_server.routes["/feed.xml"] = real
    [fixed] = collect(config, store)
    assert fixed.status == "ok" and fixed.new == 2 and fixed.duplicates == 2
    assert store.read_posts()["post_key"].nunique() == 4


def test_fail_next_and_malformed_items_in_the_rss_fake(local_server: LocalServer, no_sleep: list[float]) -> None:
    fake = RssFake(local_server)
    items = fake_items(3)
    fake.publish([items[0], FakeItem("kapot", "", "x", items[1].created_at, malformed=True), items[2]], page_size=10)
    fake.fail_next(Reply(503), times=2)
    connector = RssConnector("f", RssSettings(**fake.source_options()))
    [query] = connector.queries(SCHOOLS)
    raws = [raw for page in connector.fetch(query, {}) for raw in page.items]
    assert fake.search_requests() == 3 and no_sleep
    assert [r.native_id for r in raws] == ["id-0", "kapot", "id-2"]
    assert connector.to_post(raws[0]).author == "ouder0"
    with pytest.raises(Exception, match="zonder titel en tekst"):
        connector.to_post(raws[1])


def test_next_link_to_another_server_is_not_followed(local_server: LocalServer) -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>t</title>'
        b'<atom:link rel="next" href="https://elders.example/feed?page=2"/>'
        b"<item><guid>a</guid><title>Zilvermeer College</title></item></channel></rss>"
    )
    url = local_server.add("/feed", Reply(body=body))
    ids, _, _ = run_fetch(RssConnector("f", RssSettings(url=url, max_pages=5)), {})
    assert ids == ["a"] and len(local_server.requests) == 1


def test_relative_next_links_are_followed(local_server: LocalServer) -> None:
    def page(n: int, next_href: str | None) -> bytes:
        link = f'<atom:link rel="next" href="{next_href}"/>' if next_href else ""
        return (
            '<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>t</title>'
            f"{link}<item><guid>item-{n}</guid><title>Bericht {n}</title></item></channel></rss>"
        ).encode()

    local_server.routes["/archief/feed"] = lambda seen: Reply(
        body=page(2, None) if "p=2" in seen.path else page(1, "feed?p=2")
    )
    ids, _, _ = run_fetch(RssConnector("f", RssSettings(url=local_server.url + "/archief/feed", max_pages=3)), {})
    assert ids == ["item-1", "item-2"]
