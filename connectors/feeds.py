"""Ready-made feed sources: the feed URLs are built from the schools in the config, the fetching is RssConnector's.

All of them keep the platform "rss" and the identity rules of ``connectors/rss.py``, so the same article found
through Google News, a Google Alert and a regional news feed is stored once.

* ``google-news``: one Google News search feed per school (its names, quoted and OR-ed);
* ``google-alerts``: the RSS feeds of Google Alerts the school set up (links unwrapped from google.com/url);
* ``mastodon-rss``: the public hashtag feeds of Mastodon servers (``/tags/<tag>.rss``), no account needed;
* ``youtube``: the public video feeds of channels and playlists.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import quote, quote_plus, urlsplit

from pydantic import AnyHttpUrl, Field, field_validator, model_validator

from connectors.base import ConnectorSettings, MappingError
from connectors.links import strip_publisher
from connectors.rss import FeedSettings, RssConnector, body_text
from connectors.text import html_to_text
from monitor.config import School
from monitor.records import Post, Query, RawPost

GOOGLE_NEWS_EDITION = "hl=nl&gl=NL&ceid=NL:nl"
_ALERTS_PATH = re.compile(r"^/alerts/feeds/(\d+)/(\d+)$")
_GOOGLE_HOST = re.compile(r"^(www\.)?google\.[a-z]{2,3}(\.[a-z]{2})?$")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_MASTODON_STATUS = re.compile(r"^/(?:@([\w.-]+)|users/([\w.-]+)/statuses)/\w+")


def _base(url: AnyHttpUrl) -> str:
    return str(url).rstrip("/")


# --- Google News ---------------------------------------------------------------------------------------------------


class GoogleNewsSettings(FeedSettings):
    api_url: AnyHttpUrl = AnyHttpUrl("https://news.google.com")
    extra_terms: list[str] = Field(default_factory=list)
    when: str | None = Field(default=None, pattern=r"^[1-9][0-9]{0,2}[hdmy]$")

    @field_validator("extra_terms")
    @classmethod
    def _terms(cls, terms: list[str]) -> list[str]:
        cleaned = [" ".join(t.split()) for t in terms]
        if any(not t for t in cleaned):
            raise ValueError("lege zoekterm; laat hem weg of vul hem in")
        return cleaned


def google_news_query(school: School, extra_terms: Sequence[str] = (), when: str | None = None) -> str:
    """The Google News search for one school: its names quoted and OR-ed, its exclude terms negated."""
    names = [n.replace('"', "").strip() for n in dict.fromkeys([school.name, *school.aliases])]
    parts = [" OR ".join(f'"{n}"' for n in names if n)]
    for term in school.exclude:
        term = term.replace('"', "").strip()
        parts.append(f'-"{term}"' if " " in term else f"-{term}")
    parts.extend(extra_terms)
    if when:
        parts.append(f"when:{when}")
    return " ".join(p for p in parts if p)


class GoogleNewsConnector(RssConnector):
    name: ClassVar[str] = "google-news"
    version: ClassVar[str] = "1"
    Settings: ClassVar[type[ConnectorSettings]] = GoogleNewsSettings
    credentials: ClassVar[str] = "geen"
    description: ClassVar[str] = "Google Nieuws: per school een zoekfeed op de schoolnamen (nieuwsartikelen)"

    def queries(self, schools: Sequence[School]) -> list[Query]:
        settings = self.settings
        assert isinstance(settings, GoogleNewsSettings)
        base = _base(settings.api_url)
        out = []
        for school in schools:
            search = google_news_query(school, settings.extra_terms, settings.when)
            url = f"{base}/rss/search?q={quote_plus(search)}&{GOOGLE_NEWS_EDITION}"
            out.append(Query(id=f"school:{school.id}", text=url, school_ids=(school.id,)))
        return out

    def _text(self, entry: Mapping[str, Any]) -> str:
        """The headline without " - Publisher"; the description only when it adds more (related coverage)."""
        source = entry.get("source") or {}
        publisher = str(source.get("title") or "") if isinstance(source, Mapping) else ""
        title = html_to_text(str(entry.get("title") or ""))
        headline = strip_publisher(title, publisher or None)
        body = body_text(entry)
        rest = body[len(headline) :].strip() if body.startswith(headline) else body
        if publisher and rest.startswith(publisher):
            rest = rest[len(publisher) :].strip()
        return f"{headline}\n\n{body}" if rest and headline else (headline or body)


# --- Google Alerts -------------------------------------------------------------------------------------------------


class GoogleAlertsSettings(FeedSettings):
    urls: list[AnyHttpUrl] = Field(min_length=1)

    @field_validator("urls")
    @classmethod
    def _alert_feeds(cls, urls: list[AnyHttpUrl]) -> list[AnyHttpUrl]:
        seen: set[str] = set()
        for url in urls:
            host = (url.host or "").lower()
            if not _ALERTS_PATH.match(url.path or "") or not (_GOOGLE_HOST.match(host) or host in _LOOPBACK):
                raise ValueError(
                    f"'{url}' is geen Google Alerts-feed; verwacht https://www.google.com/alerts/feeds/<getal>/<getal> "
                    "(kies bij de melding 'Bezorgen bij: RSS-feed' en kopieer het adres van het RSS-icoon)"
                )
            if str(url) in seen:
                raise ValueError(f"'{url}' staat twee keer in de lijst")
            seen.add(str(url))
        return urls


class GoogleAlertsConnector(RssConnector):
    name: ClassVar[str] = "google-alerts"
    version: ClassVar[str] = "1"
    Settings: ClassVar[type[ConnectorSettings]] = GoogleAlertsSettings
    credentials: ClassVar[str] = "geen"
    description: ClassVar[str] = "Google Alerts: de RSS-feeds van meldingen die de school zelf instelde"

    def queries(self, schools: Sequence[School]) -> list[Query]:
        settings = self.settings
        assert isinstance(settings, GoogleAlertsSettings)
        school_ids = tuple(s.id for s in schools)
        out = []
        for url in settings.urls:
            match = _ALERTS_PATH.match(url.path or "")
            assert match is not None  # checked by the settings
            out.append(Query(id=f"alert:{match.group(1)}/{match.group(2)}", text=str(url), school_ids=school_ids))
        return out


# --- Mastodon hashtag feeds ----------------------------------------------------------------------------------------


class MastodonTagFeedSettings(FeedSettings):
    instances: list[AnyHttpUrl] = Field(default_factory=lambda: [AnyHttpUrl("https://mastodon.social")], min_length=1)


def mastodon_tag(text: str) -> str:
    """A name or hashtag as Mastodon writes a tag: no '#', spaces or punctuation, lower case."""
    normalised = unicodedata.normalize("NFKC", text).lstrip("#")
    return "".join(ch for ch in normalised if ch.isalnum() or ch == "_").lower()


def school_tags(school: School) -> list[str]:
    """The school's hashtags, and its names squashed into tags (#ikcderegenboog)."""
    tags = [mastodon_tag(t) for t in [*school.hashtags, school.name, *school.aliases]]
    return [t for t in dict.fromkeys(tags) if len(t) >= 2 and not t.isdigit()]


class MastodonTagFeedConnector(RssConnector):
    name: ClassVar[str] = "mastodon-rss"
    version: ClassVar[str] = "1"
    Settings: ClassVar[type[ConnectorSettings]] = MastodonTagFeedSettings
    credentials: ClassVar[str] = "geen"
    description: ClassVar[str] = "Mastodon zonder account: de openbare hashtag-feeds (RSS) van de school"

    def queries(self, schools: Sequence[School]) -> list[Query]:
        settings = self.settings
        assert isinstance(settings, MastodonTagFeedSettings)
        by_tag: dict[str, list[str]] = {}
        for school in schools:
            for tag in school_tags(school):
                by_tag.setdefault(tag, []).append(school.id)
        out = []
        for instance in dict.fromkeys(_base(i) for i in settings.instances):
            host = urlsplit(instance).netloc.lower()
            for tag, school_ids in by_tag.items():
                url = f"{instance}/tags/{quote(tag)}.rss"
                out.append(Query(id=f"tag:{host}:{tag}", text=url, school_ids=tuple(school_ids)))
        return out

    def _text(self, entry: Mapping[str, Any]) -> str:
        # The item title is only the posting time ("12 nov. 2026, 14:30"); the post itself is the description.
        return body_text(entry)

    def _author(self, entry: Mapping[str, Any]) -> str | None:
        """``@user@server`` from the status link (the tag feed has no author element)."""
        link = str(entry.get("link") or "")
        parts = urlsplit(link)
        match = _MASTODON_STATUS.match(parts.path)
        if match and parts.hostname:
            return f"@{match.group(1) or match.group(2)}@{parts.hostname.lower()}"
        return super()._author(entry)

    def to_post(self, raw: RawPost) -> Post:
        if not self._text(raw.payload).strip():
            raise MappingError("Mastodon-bericht zonder tekst (alleen media of leeg)")
        return super().to_post(raw)


# --- YouTube -------------------------------------------------------------------------------------------------------


class YouTubeSettings(FeedSettings):
    api_url: AnyHttpUrl = AnyHttpUrl("https://www.youtube.com")
    channel_ids: list[str] = Field(default_factory=list)
    playlist_ids: list[str] = Field(default_factory=list)

    @field_validator("channel_ids")
    @classmethod
    def _channels(cls, ids: list[str]) -> list[str]:
        for ident in ids:
            if not re.fullmatch(r"UC[0-9A-Za-z_-]{22}", ident):
                raise ValueError(
                    f"'{ident}' is geen kanaal-id; die begint met UC en heeft 24 tekens "
                    "(te vinden via Delen > Kanaal-id kopiëren op de kanaalpagina)"
                )
        return list(dict.fromkeys(ids))

    @field_validator("playlist_ids")
    @classmethod
    def _playlists(cls, ids: list[str]) -> list[str]:
        for ident in ids:
            if not re.fullmatch(r"[0-9A-Za-z_-]{10,64}", ident):
                raise ValueError(f"'{ident}' is geen afspeellijst-id (het deel na list= in de link, bv. PL...)")
        return list(dict.fromkeys(ids))

    @model_validator(mode="after")
    def _needs_a_feed(self) -> YouTubeSettings:
        if not self.channel_ids and not self.playlist_ids:
            raise ValueError("geef minstens één kanaal (channel_ids) of afspeellijst (playlist_ids)")
        return self


class YouTubeConnector(RssConnector):
    name: ClassVar[str] = "youtube"
    version: ClassVar[str] = "1"
    Settings: ClassVar[type[ConnectorSettings]] = YouTubeSettings
    credentials: ClassVar[str] = "geen"
    description: ClassVar[str] = "YouTube: de openbare videofeeds van kanalen en afspeellijsten"

    def queries(self, schools: Sequence[School]) -> list[Query]:
        settings = self.settings
        assert isinstance(settings, YouTubeSettings)
        base = _base(settings.api_url)
        school_ids = tuple(s.id for s in schools)
        out = [
            Query(id=f"channel:{c}", text=f"{base}/feeds/videos.xml?channel_id={c}", school_ids=school_ids)
            for c in settings.channel_ids
        ]
        out += [
            Query(id=f"playlist:{p}", text=f"{base}/feeds/videos.xml?playlist_id={p}", school_ids=school_ids)
            for p in settings.playlist_ids
        ]
        return out

    def _has_media(self, entry: Mapping[str, Any]) -> bool:
        # Every entry of a video feed is a video (yt:videoId, media:group).
        return bool(entry.get("yt_videoid")) or super()._has_media(entry)
