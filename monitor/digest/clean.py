"""Making hostile post text and URLs safe to show (before the templates, which also escape HTML).

Post text can contain HTML, scripts, tracking pixels, control characters and bidi overrides that make text read
differently than it is. We keep the words and drop the tricks: invisible and direction-changing characters go,
whitespace is normalised, script URL schemes in the text are defanged, long texts are cut at a word. A link is
only made for an http(s) URL.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_CHARS = 280
# bidi embeddings/overrides/isolates, marks, zero-width characters, word joiner, BOM, soft hyphen
_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060-\u2064\ufeff\u00ad]")


# Script URL schemes inside post text: defanged ('javascript[:]') so no mail client turns them into links.
_SCRIPT_SCHEME = re.compile(r"\b(?:java|vb|live)script\s*:|\bdata\s*:(?=\s*[a-z]+/[a-z0-9.+-]+[;,])", re.IGNORECASE)


def _defang(match: re.Match[str]) -> str:
    return match.group(0).rstrip(": \t") + "[:]"


# In a URL: whitespace, C0/C1 controls and the invisible characters above.
_BAD_URL_CHAR = re.compile("[\\s\x00-\x1f\x7f-\x9f" + _INVISIBLE.pattern[1:-1] + "]")


def clean_text(text: str | None, limit: int = MAX_CHARS) -> str:
    """One line of visible text, at most ``limit`` characters (cut at a word, with an ellipsis)."""
    if not text:
        return ""
    text = _INVISIBLE.sub("", str(text))
    if not text.isprintable():  # controls, other format characters, line breaks: all become spaces
        text = "".join(c if c.isprintable() else " " for c in text)
    text = _SCRIPT_SCHEME.sub(_defang, " ".join(text.split()))
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def safe_url(url: str | None) -> str | None:
    """The URL if it is a plain http(s) address with a host; None for anything else (javascript:, data:, ...)."""
    if not url:
        return None
    url = str(url).strip()
    if _BAD_URL_CHAR.search(url) or not url.isprintable():
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url
