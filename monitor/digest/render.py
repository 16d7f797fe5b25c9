"""Turn gathered digest data into HTML (autoescaped) and plain text, with jinja2.

Post texts are hostile input. They are cleaned first (``clean.py``: no bidi overrides, no invisible or control
characters, one line, cut at 280 characters) and the HTML environment escapes every value, so markup in a post is
shown as text. Links are only made for http(s) URLs. The text part uses a separate environment without escaping
(it is text/plain). Both environments use StrictUndefined: a missing value is an error, not a blank.
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.digest.texts import texts
from monitor.digest.weeks import week_label

if TYPE_CHECKING:
    from jinja2 import Environment

    from monitor.config import BoardConfig, Config
    from monitor.digest.build import SchoolWeek
    from monitor.digest.sections import Sorted

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "digest"
CHART_CID = "weekgrafiek"


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str  # for e-mail: images referenced as cid:<content-id>
    html_file: str  # the same, standalone: images embedded as data: URIs
    text: str
    images: dict[str, bytes]  # content-id -> PNG


@functools.cache
def environments() -> tuple[Environment, Environment]:
    """(html, text): the HTML one escapes everything; the text one is for text/plain only."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    loader = FileSystemLoader(str(TEMPLATES))
    html = Environment(loader=loader, autoescape=select_autoescape(["html"], default=True),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    text = Environment(loader=loader, autoescape=False, undefined=StrictUndefined,  # noqa: S701 - text/plain only
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    for env in (html, text):
        env.filters["signed"] = _signed
        env.filters["decimal"] = _decimal
        env.filters["kinds"] = _kinds
        env.filters["say"] = say
    return html, text


def render_school(config: Config, data: SchoolWeek, safety_file: str) -> Rendered:
    """The main digest for the school's recipients: every section, but no texts of safety signals."""
    from monitor.digest.chart import weekly_chart

    t = texts(config.language)
    chart = weekly_chart([*data.history, data.current], t["sentiments"], t["this_week"])
    context = _context(config, data.week, d=data, safety_file=safety_file,
                       safety_recipients=len(data.school.safety_recipients), counts_line=counts_line(t, data.sections))
    subject = t["subject_school"].format(school=data.school.name, week=context["week_label"])
    return _render("school", context, subject, {CHART_CID: chart})


def render_safety(config: Config, data: SchoolWeek) -> Rendered:
    """The safety e-mail: the safety signals with their texts and the protocol, for the safety contact only."""
    t = texts(config.language)
    context = _context(config, data.week, d=data)
    subject = t["subject_safety"].format(school=data.school.name, week=context["week_label"])
    return _render("safety", context, subject, {})


def render_board(config: Config, board: BoardConfig, schools: list[SchoolWeek], week: str) -> Rendered:
    """The board digest: per school only counts (no texts, no links)."""
    t = texts(config.language)
    manual: dict[str, int] = {}
    for data in schools:
        for platform, n in data.coverage.manual:
            manual[platform] = manual.get(platform, 0) + n
    context = _context(config, week, board=board, schools=schools, manual=list(manual.items()))
    subject = t["subject_board"].format(board=board.name, week=context["week_label"])
    return _render("board", context, subject, {})


def counts_line(t: dict[str, Any], sections: Sorted) -> str:
    """'Deze week 10 berichten: 1 in het veiligheidsoverzicht, 3 om te bespreken, ...': every post once, so the
    parts add up to the total."""
    parts = ", ".join(_plural(t["summary_parts"][kind], n) for kind, n in sections.counts())
    return str(t["summary_total"]).format(posts=_plural(t["posts"], sections.total), parts=parts)


def _plural(forms: tuple[str, str], n: int) -> str:
    return (forms[0] if n == 1 else forms[1]).format(n=n)


def _context(config: Config, week: str, **values: Any) -> dict[str, Any]:
    # With [web] base_url every post links to its page in the web app, where marking it is one click.
    t = {**texts(config.language), "web_base": (config.web.base_url or "").rstrip("/")}
    return {"t": t, "lang": config.language, "week": week,
            "week_label": week_label(week, t["week_range"], t["months"]), **values}


def _render(name: str, context: dict[str, Any], subject: str, images: dict[str, bytes]) -> Rendered:
    html_env, text_env = environments()
    template = html_env.get_template(f"{name}.html")
    inline = {cid: f"cid:{cid}" for cid in images}
    embedded = {cid: "data:image/png;base64," + base64.b64encode(png).decode("ascii") for cid, png in images.items()}
    return Rendered(
        subject=subject,
        html=template.render(context, subject=subject, images=inline),
        html_file=template.render(context, subject=subject, images=embedded),
        text=text_env.get_template(f"{name}.txt").render(context, subject=subject),
        images=images,
    )


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else ("−" + str(-value) if value < 0 else "0")


def _decimal(value: float, language: str = "nl") -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if language == "nl" else text


def say(t: dict[str, Any], key: str, n: int, **values: Any) -> str:
    """The text ``key`` for a count ``n``: its ``<key>_one`` form for exactly one ("1 adres", not "1 adres(sen)")."""
    text = t.get(f"{key}_one") if n == 1 else None
    return str(text or t[key]).format(n=n, **values)


def _kinds(pairs: list[tuple[str, int]], t: dict[str, Any]) -> str:
    """'pesten 2, bedreiging 1'."""
    return ", ".join(f"{t['categories'][key]} {n}" for key, n in pairs)
