"""An alert as an e-mail: subject, HTML (autoescaped, through the digest's jinja2 environment) and plain text.

Post texts are hostile input: they are cleaned as in the digest (one line, no control or bidi characters, cut at 280
characters) and escaped in the HTML; only http(s) links are made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.alerts import Alert
    from monitor.config import Config, School
    from monitor.digest.render import Rendered

MODEL_ONLY_PREFIX = "model:"


def render_alert(config: Config, school: School, alert: Alert) -> Rendered:
    from zoneinfo import ZoneInfo

    from monitor.alerts.texts import alert_texts
    from monitor.digest.clean import clean_text, safe_url
    from monitor.digest.render import _context, _render
    from monitor.store.schema import iso_week

    a = alert_texts(config.language)
    context = _context(config, iso_week(alert.created_at), school=school, a=a)
    t = context["t"]
    url = safe_url(alert.url)
    names = [t["categories"].get(c, c) for c in alert.categories]
    subject = clean_text(a["subject"].format(category=names[0], school=school.name, ref=alert.ref), 200)
    posted = alert.created_at.astimezone(ZoneInfo(config.timezone)).strftime("%d-%m-%Y %H:%M")
    post: dict[str, Any] = {
        "ref": alert.ref, "text": clean_text(alert.text), "url": url, "url_invalid": bool(alert.url) and url is None,
        "posted": posted, "source": clean_text(alert.source, 60), "platform": clean_text(alert.platform, 30),
        "categories": [(t["categories"].get(c, c), _score(alert.scores[c], config.language), t["advice"].get(c, ""))
                       for c in alert.categories],
        "why": reasons(alert.evidence, a),
    }
    context.update(post=post, categories=", ".join(names))
    return _render("alert", context, subject, {})


def reasons(evidence: tuple[str, ...], a: dict[str, Any]) -> list[str]:
    """Evidence as staff read it: the words found ('bedreiging.geweld_persoon: ik steek je' -> the words), or that
    it rests on the model's score alone."""
    from monitor.digest.clean import clean_text

    out: list[str] = []
    for entry in evidence:
        if entry.startswith(MODEL_ONLY_PREFIX):
            out.append(a["why_model"])
            continue
        words = clean_text(entry.partition(": ")[2], 120)
        if words:
            out.append(a["why_words"].format(words=words))
    return list(dict.fromkeys(out))[:5] or [a["why_model"]]


def _score(value: float, language: str) -> str:
    text = f"{value:.2f}"
    return text.replace(".", ",") if language == "nl" else text
