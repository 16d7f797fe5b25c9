"""Which post goes in which digest section, from its newest label.

- veiligheid: flagged for any safety category (threats, sexual intimidation, bullying, belittling, personal data,
  images of pupils), or *mogelijk* (a weaker safety signal, marked as such, for a human to check). A safety post
  appears nowhere else: its text only goes to the safety contact.
- onjuistheid: flagged as a factual inaccuracy.
- bespreken: negative, or uncertain but leaning negative and flagged as an experience; grouped by theme.
- goed: positive, or flagged as a compliment.

A placement is shown as uncertain when the sentiment is 'onzeker', when the score that decided it is close to the
model's threshold, or when the labels contradict each other (praise and complaint at once, often sarcasm; a
compliment in a negative post).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from monitor.digest.clean import clean_text, safe_url
from monitor.digest.texts import OTHER_THEME, THEME_RULES
from monitor.review import post_ref

if TYPE_CHECKING:
    import pandas as pd

SAFETY_CATEGORIES = ("bedreiging", "seksuele_intimidatie", "pesten", "kleineren", "persoonsgegevens", "beeldmateriaal")
THEMES = (*dict.fromkeys(THEME_RULES.values()), OTHER_THEME)
SAFETY, DISCUSS, INACCURACY, GOOD = "veiligheid", "bespreken", "onjuistheid", "goed"
UNCERTAIN = "onzeker"
MARGIN = 0.1  # a deciding score less than this above the model's threshold is shown as uncertain
POST_COLUMNS = ["post_key", "platform", "url", "created_at", "text", "source", "week"]
LABEL_COLUMNS = ["post_key", "sentiment", "sentiment_score", "probabilities", "categories"]


@dataclass(frozen=True)
class Item:
    """One post as the digest shows it: cleaned text, a safe link or none, never the author."""

    ref: str
    post_key: str
    week: str
    date: str
    source: str
    platform: str
    text: str
    url: str | None
    url_invalid: bool  # the post had a URL, but not one we link to (javascript:, data:, ...)
    sentiment: str
    uncertain: bool
    group: str = ""  # safety: the strongest safety category; bespreken: the theme
    facts: tuple[str, ...] = ()  # onjuistheid: what the model noticed
    status: str = "open"
    section: str = ""
    possible: bool = False  # veiligheid: a weaker signal than a flag, listed for a human to check


@dataclass
class Sorted:
    safety: list[Item] = field(default_factory=list)
    discuss: list[Item] = field(default_factory=list)
    inaccuracies: list[Item] = field(default_factory=list)
    good: list[Item] = field(default_factory=list)
    unlabelled: int = 0

    @property
    def actionable(self) -> list[Item]:
        """Items that want handling (good news does not)."""
        return [*self.safety, *self.discuss, *self.inaccuracies]


@dataclass(frozen=True)
class Thresholds:
    sentiment: float = 0.5  # config.model.uncertain_below
    category: float = 0.5  # config.model.category_threshold


def newest_labels(labels: pd.DataFrame) -> pd.DataFrame:
    """The newest label per post, whichever model made it (as the weekly aggregates count)."""
    return labels.sort_values("scored_at", kind="stable").drop_duplicates("post_key", keep="last")


def sort_posts(
    posts: pd.DataFrame, labels: pd.DataFrame, statuses: Mapping[str, str], thresholds: Thresholds
) -> Sorted:
    """Place each post (rows as ``POST_COLUMNS``) in its sections; ``labels`` may hold other posts too."""
    result = Sorted()
    if posts.empty:
        return result
    wanted = newest_labels(labels.loc[in_set(labels["post_key"], set(posts["post_key"].tolist()))])
    by_key = {row["post_key"]: row for row in _records(wanted, LABEL_COLUMNS)}
    posts = posts.drop_duplicates("post_key")
    posts = posts.assign(date=posts["created_at"].dt.tz_convert("Europe/Amsterdam").dt.strftime("%d-%m-%Y"))
    for post in _records(posts, [*POST_COLUMNS, "date"]):
        label = by_key.get(post["post_key"])
        if label is None:
            result.unlabelled += 1
            continue
        _place(result, _base_item(post, statuses), label, thresholds)
    return result


def in_set(column: pd.Series, keys: set[str], keep: bool = True) -> list[bool]:
    """A row mask for ``.loc``: is the value in ``keys`` (Series.isin is slow on Arrow-backed strings with many
    keys). Use it with ``.loc``: ``frame[[]]`` would select no columns instead of no rows."""
    return [(value in keys) is keep for value in column.tolist()]


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """Rows as dicts; much faster than itertuples on Arrow-backed string columns."""
    return [dict(zip(columns, values, strict=True)) for values in zip(*(frame[c].tolist() for c in columns),
                                                                          strict=True)]


def _base_item(post: dict[str, Any], statuses: Mapping[str, str]) -> Item:
    raw_url = post["url"] if isinstance(post["url"], str) else ""
    url = safe_url(raw_url)
    key = str(post["post_key"])
    return Item(
        ref=post_ref(key), post_key=key, week=str(post["week"]), date=str(post["date"]),
        source=clean_text(str(post["source"]), 60), platform=clean_text(str(post["platform"]), 30),
        text=clean_text(post["text"]), url=url, url_invalid=bool(raw_url.strip()) and url is None,
        sentiment="", uncertain=False, status=statuses.get(key, "open"),
    )


def _place(result: Sorted, base: Item, label: dict[str, Any], limits: Thresholds) -> None:
    categories = _json(label["categories"])
    flagged = {name: float(v.get("score", 0.0)) for name, v in categories.items()
               if isinstance(v, dict) and v.get("flagged")}
    sentiment = str(label["sentiment"])
    probabilities = _json(label["probabilities"])
    leaning = _leaning(probabilities)
    unsure = sentiment == UNCERTAIN
    category_low = limits.category + MARGIN
    sentiment_low = limits.sentiment + MARGIN

    def item(section: str, support: float, low: float, doubt: bool = False, **extra: Any) -> Item:
        return replace(base, section=section, sentiment=sentiment, uncertain=unsure or doubt or support < low,
                       **extra)

    safety = [c for c in SAFETY_CATEGORIES if c in flagged]
    if safety:
        strongest = max(safety, key=lambda c: flagged[c])
        result.safety.append(item(SAFETY, flagged[strongest], category_low, group=strongest))
        return
    possible = {name: float(v.get("score", 0.0)) for name, v in categories.items()
                if name in SAFETY_CATEGORIES and isinstance(v, dict) and v.get("possible")}
    if possible:
        strongest = max(possible, key=lambda c: possible[c])
        result.safety.append(item(SAFETY, possible[strongest], 1.0, group=strongest, possible=True))
        return
    if "onjuistheid" in flagged:
        facts = _evidence(categories, "onjuistheid")
        result.inaccuracies.append(item(INACCURACY, flagged["onjuistheid"], category_low, facts=facts))
    mixed = "ervaring" in flagged and "compliment" in flagged  # praise and complaint at once: often sarcasm
    if sentiment == "negatief" or (unsure and leaning == "negatief" and "ervaring" in flagged):
        support = max(_probability(probabilities, "negatief", label), flagged.get("ervaring", 0.0))
        result.discuss.append(item(DISCUSS, support, sentiment_low, mixed, group=_theme(categories)))
    if sentiment == "positief" or "compliment" in flagged:
        support = max(_probability(probabilities, "positief", label) if sentiment == "positief" else 0.0,
                      flagged.get("compliment", 0.0))
        result.good.append(item(GOOD, support, sentiment_low, mixed or sentiment == "negatief"))


def _json(text: Any) -> dict[str, Any]:
    try:
        value = json.loads(str(text)) if text is not None else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _leaning(probabilities: Mapping[str, Any]) -> str:
    """The most likely sentiment of an uncertain label."""
    scores = {k: float(v) for k, v in probabilities.items() if k in ("negatief", "neutraal", "positief")}
    return max(scores, key=lambda k: scores[k]) if scores else UNCERTAIN


def _probability(probabilities: Mapping[str, Any], name: str, label: dict[str, Any]) -> float:
    if name in probabilities:
        return float(probabilities[name])
    return float(label["sentiment_score"]) if str(label["sentiment"]) == name else 0.0


def _evidence(categories: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """The matched words of a category's evidence ('onjuistheid.datum: 4 november' -> '4 november')."""
    entry = categories.get(name)
    evidence = entry.get("evidence", []) if isinstance(entry, dict) else []
    words = (clean_text(str(e).partition(": ")[2] or str(e), 60) for e in evidence)
    return tuple(dict.fromkeys(w for w in words if w))[:5]


def _theme(categories: Mapping[str, Any]) -> str:
    """The theme with the most 'ervaring' evidence (lesuitval, communicatie, ...), else 'overig'."""
    entry = categories.get("ervaring")
    evidence = entry.get("evidence", []) if isinstance(entry, dict) else []
    counts: dict[str, int] = {}
    for text in evidence:
        rule = str(text).partition(":")[0].removeprefix("ervaring.")
        theme = THEME_RULES.get(rule)
        if theme:
            counts[theme] = counts.get(theme, 0) + 1
    return max(THEMES, key=lambda t: counts.get(t, 0)) if counts else OTHER_THEME


def grouped(items: Iterable[Item], order: Iterable[str]) -> list[tuple[str, list[Item]]]:
    """Items grouped by ``group`` in the given order; empty groups left out."""
    groups: dict[str, list[Item]] = {key: [] for key in order}
    for item in items:
        groups.setdefault(item.group, []).append(item)
    return [(key, members) for key, members in groups.items() if members]
