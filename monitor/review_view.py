"""Terminal output of ``monitor review list`` and ``monitor review show``: in Dutch, times in the configured
timezone, post text cleaned of control and direction-changing characters, never a raw "nan"."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table

from monitor.digest.clean import clean_text, safe_url
from monitor.report import out

if TYPE_CHECKING:
    import pandas as pd

    from monitor.attention import Judgement
    from monitor.store import Store

KIND_NAMES = {"veiligheid": "veiligheidssignaal", "onjuistheid": "mogelijke onjuistheid",
              "bespreken": "om te bespreken", "goed": "goed nieuws", "overig": "overig"}
NOT_SCORED = "nog niet beoordeeld"


def print_review_list(items: pd.DataFrame, timezone: str, everything: bool = False) -> None:
    if items.empty:
        out.print("Geen berichten." if everything else
                  "Geen open berichten: niets dat aandacht vraagt wacht nog op 'monitor review mark'. "
                  "Alle berichten: monitor review list --all.")
        return
    title = ("Alle berichten" if everything
             else "Open berichten (negatief, veiligheid of onjuistheid; nog niet afgehandeld)")
    table = Table(title=f"{title}: {len(items)}", title_justify="left")
    for column in ("kenmerk", "datum", "school", "bron", "sentiment", "categorieën", "status", "tekst"):
        table.add_column(column, overflow="fold")
    columns = ("ref", "created_at", "school_id", "source", "sentiment", "categories", "status", "text")
    for ref, created, school, source, sentiment, categories, status, text in zip(
        *(items[c].tolist() for c in columns), strict=True
    ):
        table.add_row(str(ref), _local(created, timezone, "%d-%m-%Y"), str(school), _text(source, "-"),
                      str(sentiment) or NOT_SCORED, ", ".join(categories) or "-", str(status), _text(text, "-"))
    out.print(table, markup=False)


def print_review_show(store: Store, reference: str, timezone: str) -> None:
    from monitor.attention import LABEL_COLUMNS
    from monitor.review import STATUSES, history, judgements, post_ref, resolve

    key = resolve(store, reference)
    posts = store.read_posts(columns=["post_key", "school_id", "created_at", "source", "url", "text", "match_rule",
                                      "week"])
    post = posts[posts["post_key"] == key]
    first = post.iloc[0]
    out.print(f"Kenmerk {post_ref(key)} — {_local(first['created_at'], timezone)} — bron {_text(first['source'], '-')}",
              markup=False)
    out.print(f"School: {', '.join(post['school_id'])} (herkend op: {_text(first['match_rule'], '-', 200)})",
              markup=False)
    out.print(f"Link: {_link(first['url'])}", markup=False)
    out.print(f"\n{clean_text(first['text'], 100_000) or '(geen tekst)'}\n", markup=False, highlight=False)
    labels = store.read("labels", columns=[*LABEL_COLUMNS, "model_id"], week=str(first["week"]))
    labels = labels[labels["post_key"] == key]
    verdict = judgements(labels).get(key)
    if verdict is None:
        out.print(f"Labels: {NOT_SCORED} door het model (draai 'monitor classify').")
    else:
        newest = labels.sort_values("scored_at", kind="stable").iloc[-1]
        _print_labels(verdict, str(newest["model_id"]), _local(newest["scored_at"], timezone))
    events = history(store, key)
    if events.empty:
        out.print("Status: nog niet besproken." if verdict is not None and verdict.needs_action else
                  "Status: niet gemarkeerd.")
    for at, status, actor, note in zip(events["at"], events["status"], events["actor"], events["note"], strict=True):
        extra = f" — {_text(note, limit=500)}" if _text(note) else ""
        out.print(f"{_local(at, timezone)}: {STATUSES.get(str(status), str(status))} ({_text(actor, '-')}){extra}",
                  markup=False)


def _print_labels(verdict: Judgement, model_id: str, scored_at: str) -> None:
    action = "vraagt aandacht" if verdict.needs_action else "vraagt geen actie"
    out.print(f"Beoordeling: {KIND_NAMES.get(verdict.kind, verdict.kind)} ({action}); model {model_id}, {scored_at}",
              markup=False)
    from monitor.attention import UNCERTAIN, leaning

    name = leaning(verdict.probabilities) if verdict.sentiment == UNCERTAIN else verdict.sentiment
    score = verdict.probabilities.get(name)
    shown = f"score {_decimal(score)}" if isinstance(score, (int, float)) else ""
    if verdict.sentiment == UNCERTAIN and name != UNCERTAIN:
        shown = f"het model twijfelt; neigt naar {name}, {shown}".rstrip(", ")
    out.print(f"Sentiment: {verdict.sentiment}" + (f" ({shown})" if shown else ""), markup=False)
    signals = [(name, "gemeld") for name in verdict.flagged] + [(name, "mogelijk") for name in verdict.possible]
    if not signals:
        out.print("Categorieën: geen.")
    for name, how in signals:
        entry = verdict.categories.get(name, {})
        evidence = [clean_text(str(e), 120) for e in entry.get("evidence", []) if str(e).strip()]
        why = "; ".join(f"“{e}”" for e in evidence) if evidence else "alleen de score van het model, geen bewijs"
        out.print(f"  {name.replace('_', ' ')} ({how}, score {_decimal(entry.get('score'))}): {why}", markup=False)
    out.print("")


def _local(moment: Any, timezone: str, pattern: str = "%d-%m-%Y %H:%M") -> str:
    """A UTC timestamp in the configured timezone ('-' when missing)."""
    try:
        return str(moment.tz_convert(timezone).strftime(pattern))
    except (AttributeError, TypeError, ValueError):
        return "-"


def _link(url: Any) -> str:
    raw = _text(url)
    if not raw:
        return "(geen link)"
    return safe_url(raw) or "(geen veilige link)"


def _text(value: Any, default: str = "", limit: int = 80) -> str:
    """A cleaned string (one line, at most ``limit`` characters), or ``default`` for None, NaN and empty values."""
    return clean_text(value, limit) if isinstance(value, str) and value.strip() else default


def _decimal(value: Any) -> str:
    return f"{float(value):.2f}".replace(".", ",") if isinstance(value, (int, float)) else "-"
