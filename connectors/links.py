"""Link normalisation, so the same article or post reached through two feeds (or typed in by hand) is one post.

``canonical_url`` is used as the identity of news articles (see ``connectors/rss.py``) and of manually imported
posts. It only applies changes that do not change which page a link points to:

* scheme and host in lower case, default ports dropped, the fragment dropped (except ``#!`` routes);
* tracking parameters (``utm_*``, ``fbclid``, ``gclid``, ``oc``, ``ocid``, ``cmpid``, ``at_medium``, ...) dropped,
  the remaining query parameters sorted;
* a trailing slash stripped;
* redirect wrappers unwrapped: ``https://www.google.com/url?...&url=<real>`` (Google Alerts) and
  ``https://l.facebook.com/l.php?u=<real>``;
* Google News article links (``news.google.com/rss/articles/CBMi...``): older ids base64-encode the article URL and
  are decoded; newer ids are opaque and are kept as ``https://news.google.com/rss/articles/<id>``;
* a few big platforms are written one way (``m.facebook.com`` -> ``www.facebook.com``, ``twitter.com`` ->
  ``x.com``, ``youtu.be/<id>`` -> ``www.youtube.com/watch?v=<id>``), because people paste links in every form.

``www.`` is kept: ``www.example.nl`` and ``example.nl`` are nearly always the same site, but not always reachable
both ways, and the canonical URL is also the link staff click. Comparisons that need the site only (the
publisher + title key of opaque Google News items) use :func:`site_key`, which drops ``www.``.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

# Query parameters that only say how a reader got to a page, never which page it is.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "_hsenc",
        "_hsmi",
        "hsctatracking",
        "igshid",
        "igsh",
        "oc",
        "ocid",
        "cmpid",
        "cmp",
        "xtor",
        "smid",
        "ito",
        "icid",
        "ncid",
        "sr_share",
        "share",
        "ref",
        "ref_src",
        "ref_url",
        "feature",
        "si",
        "mibextid",
        "sfnsn",
        "s_cid",
        "spm",
        "_ga",
        "_gl",
        "is_from_webapp",
        "sender_device",
        "sender_web_id",
        "web_id",
        "_r",
        "_t",
        "utm",
    }
)
TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "matomo_", "ga_", "hmb_", "itm_", "vero_")

_DEFAULT_PORTS = {"http": 80, "https": 443}

# Hosts written one way, so links pasted from an app and from a browser compare equal.
_HOST_ALIASES = {
    "facebook.com": "www.facebook.com",
    "m.facebook.com": "www.facebook.com",
    "mbasic.facebook.com": "www.facebook.com",
    "web.facebook.com": "www.facebook.com",
    "touch.facebook.com": "www.facebook.com",
    "instagram.com": "www.instagram.com",
    "m.instagram.com": "www.instagram.com",
    "tiktok.com": "www.tiktok.com",
    "m.tiktok.com": "www.tiktok.com",
    "youtube.com": "www.youtube.com",
    "m.youtube.com": "www.youtube.com",
    "twitter.com": "x.com",
    "www.twitter.com": "x.com",
    "mobile.twitter.com": "x.com",
    "www.x.com": "x.com",
    "mobile.x.com": "x.com",
    "reddit.com": "www.reddit.com",
    "old.reddit.com": "www.reddit.com",
    "np.reddit.com": "www.reddit.com",
    "m.reddit.com": "www.reddit.com",
    "linkedin.com": "www.linkedin.com",
    "nl.linkedin.com": "www.linkedin.com",
}

_GOOGLE_HOST = re.compile(r"^(www\.)?google\.[a-z]{2,3}(\.[a-z]{2})?$")
_GOOGLE_NEWS_HOST = re.compile(r"^news\.google\.[a-z.]+$")
_GOOGLE_NEWS_PATH = re.compile(r"^/(?:rss/articles|articles|read)/([A-Za-z0-9_-]{8,})/?$")
_FACEBOOK_REDIRECT_HOSTS = frozenset({"l.facebook.com", "lm.facebook.com", "l.messenger.com"})
_MAX_UNWRAP = 4  # redirect wrappers inside redirect wrappers; more is a loop or an attack

# Characters left as they are in paths and query values (RFC 3986 unreserved and sub-delims that are safe).
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_QUERY_SAFE = ":/@!$'()*,;-._~"
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def canonical_url(url: str) -> str:
    """The canonical form of ``url`` (see the module docstring); text that is not an http(s) URL comes back stripped."""
    return _canonical(url.strip(), _MAX_UNWRAP)


def _canonical(url: str, unwrap_budget: int) -> str:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    host = parts.hostname.lower().rstrip(".")
    params = parse_qsl(parts.query, keep_blank_values=True)

    if unwrap_budget > 0:
        target = _redirect_target(host, parts.path, params)
        if target:
            return _canonical(target, unwrap_budget - 1)

    news = _GOOGLE_NEWS_PATH.match(parts.path) if _GOOGLE_NEWS_HOST.match(host) else None
    if news:
        decoded = decode_google_news_id(news.group(1))
        if decoded and unwrap_budget > 0:
            return _canonical(decoded, unwrap_budget - 1)
        return f"{scheme}://{host}/rss/articles/{news.group(1)}"  # opaque: no edition or tracking parameters

    host = _HOST_ALIASES.get(host, host)
    path = _normalise_path(parts.path)
    if host == "youtu.be" and path.strip("/"):
        params = [("v", path.strip("/").split("/")[0]), *params]
        host, path = "www.youtube.com", "/watch"
    kept = sorted((k, v) for k, v in params if not _is_tracking(k))
    query = "&".join(quote(k, safe=_QUERY_SAFE) + (f"={quote(v, safe=_QUERY_SAFE)}" if v else "") for k, v in kept)
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"  # user:password@ is dropped
    fragment = parts.fragment if parts.fragment.startswith("!") else ""
    path = path.rstrip("/")
    return urlunsplit((scheme, netloc, path, query, fragment))


def _redirect_target(host: str, path: str, params: list[tuple[str, str]]) -> str | None:
    values = dict(params)
    if _GOOGLE_HOST.match(host) and path == "/url":
        candidate = values.get("url") or values.get("q")
    elif host in _FACEBOOK_REDIRECT_HOSTS and path in ("/l.php", "/"):
        candidate = values.get("u")
    else:
        return None
    if candidate and candidate.lower().startswith(("http://", "https://")):
        return candidate
    return None


def _normalise_path(path: str) -> str:
    """Percent-encoding written one way (``%7E`` and ``~``, ``%c3%a9``, ``%C3%A9`` and ``é`` compare equal).

    Only escapes of unreserved characters are decoded; ``%2F`` stays an encoded slash, unlike a path separator.
    """

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    return quote(re.sub(r"%([0-9A-Fa-f]{2})", fix, path), safe=_PATH_SAFE + "%")


def _is_tracking(key: str) -> bool:
    lowered = key.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def decode_google_news_id(article_id: str) -> str | None:
    """The article URL inside an older Google News article id, or None for a newer (opaque) id.

    Older ids are URL-safe base64 of a small protobuf message: ``08 13 22 <varint length> <url> ...``.
    Newer ids (since 2024) hold an internal reference instead (``AU_yqL...``) that cannot be decoded offline.
    """
    try:
        raw = base64.urlsafe_b64decode(article_id + "=" * (-len(article_id) % 4))
    except (binascii.Error, ValueError):
        return None
    marker = raw.find(b"\x22")
    if marker < 0 or marker > 4:
        return None
    length, offset = _varint(raw, marker + 1)
    if length is None or length <= 0 or offset + length > len(raw):
        return None
    try:
        text = raw[offset : offset + length].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text.startswith(("http://", "https://")) or any(ch.isspace() for ch in text):
        return None
    return text


def _varint(data: bytes, offset: int) -> tuple[int | None, int]:
    value = 0
    for shift in range(0, 35, 7):
        if offset >= len(data):
            return None, offset
        byte = data[offset]
        offset += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, offset
    return None, offset


def is_google_news_link(url: str) -> bool:
    """True for a Google News article link that stayed opaque after :func:`canonical_url`."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    return bool(_GOOGLE_NEWS_HOST.match(host) and _GOOGLE_NEWS_PATH.match(parts.path))


def is_web_url(url: str) -> bool:
    """An absolute http(s) URL with a host name."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme.lower() in _DEFAULT_PORTS and ("." in host or host == "localhost")


def has_article_path(url: str) -> bool:
    """False for a link to a site's front page (``https://example.nl/``), which says nothing about an item."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return bool(parts.path.strip("/") or parts.query)


def site_key(url_or_host: str) -> str:
    """The site a link belongs to, for comparisons: lower case, without ``www.`` and port."""
    text = url_or_host.strip()
    host = urlsplit(text).hostname if "//" in text else text.split("/")[0].split(":")[0]
    host = (host or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def normalise_title(title: str) -> str:
    """A headline for comparison: case and accents folded, punctuation and repeated spaces removed."""
    decomposed = unicodedata.normalize("NFKD", title)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^\w]+|_", " ", stripped).split())


def strip_publisher(title: str, publisher: str | None) -> str:
    """Google News headlines end in `` - Publisher``; remove that suffix (only when it is the publisher's name)."""
    title = title.strip()
    if publisher:
        for dash in (" - ", " – ", " — ", " | "):
            suffix = f"{dash}{publisher.strip()}"
            if title.casefold().endswith(suffix.casefold()) and len(title) > len(suffix):
                return title[: -len(suffix)].rstrip()
    return title
