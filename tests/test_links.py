"""canonical_url: the same article through two feeds (or pasted by hand) gets one identity; different ones never."""

from __future__ import annotations

import base64

import pytest

from connectors.links import (
    canonical_url,
    decode_google_news_id,
    has_article_path,
    is_google_news_link,
    is_web_url,
    normalise_title,
    site_key,
    strip_publisher,
)

# Real-world shapes of Google News article ids: older ones hold the URL (the second also an AMP URL), the newer
# one an internal reference that only Google can resolve.
OLD_ID = "CBMiK2h0dHBzOi8vemRuZXQuY28ua3Ivdmlldy8_bm89MjAyMzA0MTYxMTA1NDnSAQA"
OLD_ID_WITH_AMP = (
    "CBMiLmh0dHBzOi8vd3d3LmJiYy5jb20vbmV3cy9hcnRpY2xlcy9jampqbnhkdjE4OG_SATJodHRwczovL3d3dy5iYmMuY29tL25ld3MvYXJ0aWNsZ"
    "XMvY2pqam54ZHYxODhvLmFtcA"
)
NEW_ID = (
    "CBMiVkFVX3lxTE4zaGU2bTY2ZGkzdTRkSkJ0cFpsTGlDUjkxU2FBRURaTWU0c3QzVWZ1MHZZNkZ5Vzk1ZVBnTDFHY2R6ZmdCUkpUTUJsS1pqQTlCRz"
    "lzbHV3"
)
DEMO_ID = "CBMiANBgJiUR_Ag0QSz2Cys2KGHHJV8tGJN8R3olVEVKEgPbhUXbcY_ZmaAwcTyi92tEZtHAU1yx0gE"  # random bytes


def old_style_id(url: str) -> str:
    """Encode a URL the way older Google News article ids did."""
    raw = b"\x08\x13\x22" + bytes([len(url)]) + url.encode() + b"\xd2\x01\x00"
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


CASES = [
    # scheme and host case, default port, fragment, trailing slash
    ("HTTPS://WWW.Omroep.Example:443/Nieuws/1003/Brand/#reacties", "https://www.omroep.example/Nieuws/1003/Brand"),
    ("http://omroep.example:80/a/", "http://omroep.example/a"),
    ("http://omroep.example:8080/a", "http://omroep.example:8080/a"),
    ("https://omroep.example/", "https://omroep.example"),
    # tracking parameters dropped, the rest sorted
    (
        "https://www.omroep.example/nieuws?utm_source=rss&utm_medium=feed&b=2&a=1&fbclid=IwAR0&gclid=x&oc=5",
        "https://www.omroep.example/nieuws?a=1&b=2",
    ),
    (
        "https://krant.example/artikel?ocid=msedgntp&cmpid=rss&at_medium=rss&at_campaign=x",
        "https://krant.example/artikel",
    ),
    ("https://krant.example/artikel?id=12&ID=13", "https://krant.example/artikel?ID=13&id=12"),
    # "+" and "%20" in a query value are the same
    ("https://krant.example/zoek?q=zilvermeer+college", "https://krant.example/zoek?q=zilvermeer%20college"),
    ("https://krant.example/zoek?q=zilvermeer%20college", "https://krant.example/zoek?q=zilvermeer%20college"),
    # percent-escapes written one way, but an encoded slash stays encoded
    ("https://krant.example/caf%c3%a9/%7Ejan", "https://krant.example/caf%C3%A9/~jan"),
    ("https://krant.example/café", "https://krant.example/caf%C3%A9"),
    ("https://krant.example/a%2Fb", "https://krant.example/a%2Fb"),
    # credentials in a link are never kept
    ("https://user:geheim@krant.example/a", "https://krant.example/a"),
    # hash-bang routes are part of the address
    ("https://forum.example/#!/topic/12", "https://forum.example#!/topic/12"),
    # Google Alerts redirect links
    (
        "https://www.google.com/url?rct=j&sa=t&url=https://www.stadsblad.example/nieuws/zilvermeer-aula/"
        "%3Futm_source%3Dgoogle&ct=ga&cd=CAIyGjM3&usg=AOvVaw1",
        "https://www.stadsblad.example/nieuws/zilvermeer-aula",
    ),
    ("https://www.google.nl/url?q=https://krant.example/a&sa=U", "https://krant.example/a"),
    ("https://l.facebook.com/l.php?u=https%3A%2F%2Fkrant.example%2Fa%3Ffbclid%3Dx&h=AT0", "https://krant.example/a"),
    # a Google search link that is not a redirect stays what it is
    ("https://www.google.com/search?q=zilvermeer", "https://www.google.com/search?q=zilvermeer"),
    # Google News: older ids decoded, newer ids kept without edition or tracking parameters
    (f"https://news.google.com/rss/articles/{OLD_ID}?oc=5", "https://zdnet.co.kr/view?no=20230416110549"),
    (f"https://news.google.com/rss/articles/{OLD_ID_WITH_AMP}?oc=5", "https://www.bbc.com/news/articles/cjjjnxdv188o"),
    (
        f"https://news.google.com/rss/articles/{NEW_ID}?oc=5&hl=nl&gl=NL&ceid=NL:nl",
        f"https://news.google.com/rss/articles/{NEW_ID}",
    ),
    (f"https://news.google.com/articles/{NEW_ID}?hl=en-US", f"https://news.google.com/rss/articles/{NEW_ID}"),
    (f"https://news.google.com/read/{NEW_ID}", f"https://news.google.com/rss/articles/{NEW_ID}"),
    (f"https://news.google.example/rss/articles/{DEMO_ID}?oc=5", f"https://news.google.example/rss/articles/{DEMO_ID}"),
    # platforms written one way
    ("https://youtu.be/AbCdEfGhIjK?si=share123", "https://www.youtube.com/watch?v=AbCdEfGhIjK"),
    ("https://m.youtube.com/watch?v=AbCdEfGhIjK&feature=share", "https://www.youtube.com/watch?v=AbCdEfGhIjK"),
    ("https://m.facebook.com/groups/1/posts/2/?mibextid=Nif5oz", "https://www.facebook.com/groups/1/posts/2"),
    ("https://instagram.com/p/CzR3gT8s1Ab/?igsh=MWZ1", "https://www.instagram.com/p/CzR3gT8s1Ab"),
    ("https://twitter.com/zilvermeercoll/status/1234", "https://x.com/zilvermeercoll/status/1234"),
    (
        "https://www.tiktok.com/@leerling/video/73111?is_from_webapp=1&sender_device=pc&_r=1&_t=8h",
        "https://www.tiktok.com/@leerling/video/73111",
    ),
    # not a web link: returned as it is
    ("  geen link  ", "geen link"),
    ("mailto:info@school.example", "mailto:info@school.example"),
    ("https://[::1", "https://[::1"),
]


@pytest.mark.parametrize(("url", "expected"), CASES, ids=[c[0][:60] for c in CASES])
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected
    assert canonical_url(expected) == expected, "canonical_url is idempotent"


def test_different_articles_stay_different() -> None:
    links = [
        "https://krant.example/artikel?id=1",
        "https://krant.example/artikel?id=2",
        "https://krant.example/artikel",
        "https://krant.example/Artikel",
        "https://www.krant.example/artikel",
        "https://krant.example/a%2Fb",
        "https://krant.example/a/b",
        f"https://news.google.com/rss/articles/{NEW_ID}",
        f"https://news.google.com/rss/articles/{DEMO_ID}",
    ]
    assert len({canonical_url(u) for u in links}) == len(links)


def test_same_article_through_alerts_news_and_the_publisher_feed() -> None:
    article = "https://www.stadsblad.example/nieuws/2026/11/zilvermeer-college-opent-aula"
    forms = [
        article + "/?utm_source=rss&utm_medium=feed",
        f"https://news.google.com/rss/articles/{old_style_id(article + '/')}?oc=5",
        "https://www.google.com/url?rct=j&sa=t&url=" + article.replace("/", "%2F").replace(":", "%3A") + "&ct=ga",
        "HTTPS://WWW.STADSBLAD.EXAMPLE/nieuws/2026/11/zilvermeer-college-opent-aula#top",
    ]
    assert {canonical_url(f) for f in forms} == {article}


def test_google_news_ids() -> None:
    assert decode_google_news_id(OLD_ID) == "https://zdnet.co.kr/view/?no=20230416110549"
    assert decode_google_news_id(NEW_ID) is None
    assert decode_google_news_id(DEMO_ID) is None
    assert decode_google_news_id("!!!") is None
    assert decode_google_news_id(old_style_id("javascript:alert(1)")) is None
    assert is_google_news_link(canonical_url(f"https://news.google.com/rss/articles/{NEW_ID}?oc=5"))
    assert not is_google_news_link(canonical_url(f"https://news.google.com/rss/articles/{OLD_ID}"))
    assert not is_google_news_link("https://news.google.com/rss/search?q=x")


def test_redirect_loops_end() -> None:
    url = "https://krant.example/a"
    for _ in range(10):
        url = "https://www.google.com/url?url=" + url.replace("%", "%25").replace("&", "%26").replace("?", "%3F")
    assert canonical_url(url).startswith("https://www.google.com/url?url=")


def test_helpers() -> None:
    assert site_key("https://WWW.Stadsblad.example:8443/x") == "stadsblad.example"
    assert site_key("www.stadsblad.example") == "stadsblad.example"
    assert is_web_url("https://krant.example/a") and is_web_url("http://localhost:8000/x")
    assert not is_web_url("krant.example/a") and not is_web_url("ftp://krant.example/a")
    assert has_article_path("https://krant.example/a") and has_article_path("https://krant.example?p=12")
    assert not has_article_path("https://krant.example")
    assert strip_publisher("Rookbom op toilet - Flevopost", "Flevopost") == "Rookbom op toilet"
    assert strip_publisher("Rookbom - op toilet - Flevopost", "flevopost") == "Rookbom - op toilet"
    assert strip_publisher("Ouders - boos", "Flevopost") == "Ouders - boos", "only the publisher's own suffix goes"
    assert strip_publisher("Flevopost", "Flevopost") == "Flevopost"
    assert normalise_title("Honderden leerlingen ‘geëvacueerd’ na brandalarm!") == (
        "honderden leerlingen geevacueerd na brandalarm"
    )
