"""The governance pack (``monitor privacy-docs``): Dutch drafts for the privacy officer, generated from the config.

Four Markdown drafts: a DPIA section, a processing-register entry (verwerkingsregister), a privacy notice for the
school website and a short note for the participation council (MR). Each is marked as a draft that needs legal review.
Config strings are trusted admin input, but control and bidi characters are stripped before rendering; recipients
appear as counts, never as addresses.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.config import Config

DRAFT_MARK = "CONCEPT — laten toetsen door de functionaris gegevensbescherming"
DOCUMENTS = {
    "dpia.md": "DPIA-paragraaf",
    "verwerkingsregister.md": "verwerkingsregister",
    "privacyverklaring.md": "privacyverklaring voor de website",
    "mr-notitie.md": "notitie voor de medezeggenschapsraad",
}
# Platform descriptions for the documents (what kind of source it is, and how it is read).
PLATFORMS = {
    "rss": "openbare nieuws- en blogfeeds (RSS/Atom)",
    "x": "X (voorheen Twitter), zoek-API met een app-token (alleen lezen)",
    "reddit": "Reddit, zoeken in gekozen subreddits met een alleen-lezen app",
    "mastodon": "Mastodon, openbare hashtag-tijdlijnen",
    "bluesky": "Bluesky, zoeken met een app-wachtwoord (alleen lezen)",
    "manual": "met de hand gevonden berichten (Facebook, Instagram, TikTok, WhatsApp), ingevoerd door medewerkers",
}


def clean(value: object) -> str:
    """One line of text without control, format (bidi, zero-width) or surrogate characters."""
    text = re.sub(r"\s+", " ", str(value))
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")).strip()


@dataclass(frozen=True)
class SourceInfo:
    name: str
    type: str
    platform: str
    description: str
    schools: str


def context(config: Config, today: date | None = None) -> dict[str, Any]:
    """Everything the templates use, taken from the config (strings cleaned, recipients counted)."""
    from connectors.registry import UnknownConnectorError, get_connector_class

    names = {s.id: clean(s.name) for s in config.schools}
    sources = []
    for source in config.sources:
        try:
            platform = get_connector_class(source.type).platform
        except UnknownConnectorError:
            platform = source.type
        scope = ", ".join(names[i] for i in source.schools) if source.schools else "alle scholen"
        sources.append(SourceInfo(clean(source.name), clean(source.type), clean(platform),
                                  PLATFORMS.get(platform, clean(platform)), scope))
    board = config.digest.board
    privacy = config.privacy
    return {
        "draft": DRAFT_MARK,
        "today": (today or date.today()).isoformat(),
        "schools": [{"name": names[s.id], "town": clean(s.town or ""), "recipients": len(s.recipients),
                     "safety": len(s.safety_recipients)} for s in config.schools],
        "sources": sources,
        "platforms": sorted({s.description for s in sources if s.platform != "manual"}),
        "manual": True,  # 'monitor import' works with or without a manual source in the config
        "pseudonymise": privacy.pseudonymise_authors,
        "keep_handles": privacy.keep_handles_for_safety,
        "key_env": clean(privacy.pseudonym_key.env),
        "raw_days": privacy.raw_retention_days,
        "post_weeks": privacy.post_retention_weeks,
        "post_months": round(privacy.post_retention_weeks * 7 / 30.4),
        "recipients": sum(len(s.recipients) for s in config.schools),
        "safety_recipients": sum(len(s.safety_recipients) for s in config.schools),
        "board": {"name": clean(board.name), "recipients": len(board.recipients)} if board else None,
        "email": config.smtp is not None,
        "dashboard_links": config.dashboard.link_posts,
        "actor": clean(privacy.actor) if privacy.actor else None,
    }


def render(config: Config, today: date | None = None) -> dict[str, str]:
    """File name -> Markdown text of each draft."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("monitor", "templates/privacy"),
        autoescape=False,  # noqa: S701 - Markdown output, not HTML; inputs are cleaned config strings
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    data = context(config, today)
    return {name: env.get_template(f"{name}.j2").render(**data) for name in DOCUMENTS}


def write_documents(config: Config, out_dir: Path, today: date | None = None) -> list[Path]:
    """Write the drafts to ``out_dir``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render(config, today).items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
