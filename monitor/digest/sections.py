"""Which post goes in which digest section, from its newest label.

Every post of the school's week is listed exactly once: the section is the post's kind (``monitor.attention``, the
one definition of what needs action), so the rules are those of that module:

- veiligheid: flagged, or *mogelijk* (marked as such, for a human to check), in a safety category. Its text only
  goes to the safety contact (the safety digest); the main digest counts it.
- onjuistheid: flagged as a factual inaccuracy. A post that is an inaccuracy *and* negative is listed here only, not
  also under "Om te bespreken": deciding on a correction is what it asks for, and the complaint is read with it.
- bespreken: negative, or uncertain but leaning negative and flagged as an experience; grouped by theme. A
  negative post with a compliment in it is listed here (marked uncertain), not also under good news.
- goed: positive, or flagged as a compliment.
- overig: neutral, uncertain ('onzeker', marked "controleer") and not yet labelled posts ("nog niet beoordeeld"),
  in a compact last section.

A placement is shown as uncertain when the sentiment is 'onzeker', when the score that decided it is close to the
model's threshold, or when the labels contradict each other (praise and complaint at once, often sarcasm; a
compliment in a negative post).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from monitor.attention import (
    DISCUSS,
    GOOD,
    INACCURACY,
    OTHER,
    SAFETY,
    SAFETY_CATEGORIES,
    UNCERTAIN,
    judge,
    newest_labels,
)
from monitor.digest.clean import clean_text, safe_url
from monitor.digest.texts import OTHER_THEME, THEME_RULES
from monitor.review import post_ref

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DISCUSS", "GOOD", "INACCURACY", "OTHER", "SAFETY", "SAFETY_CATEGORIES", "Item", "Sorted", "Thresholds",
           "grouped", "in_set", "newest_labels", "sort_posts"]

THEMES = (*dict.fromkeys(THEME_RULES.values()), OTHER_THEME)
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
    sentiment: str  # "" when the model has not scored the post yet
    uncertain: bool
    group: str = ""  # safety: the strongest safety category; bespreken: the theme
    facts: tuple[str, ...] = ()  # onjuistheid: what the model noticed
    status: str = "open"
    section: str = ""
    possible: bool = False  # veiligheid: a weaker signal than a flag, listed for a human to check

    @property
    def not_scored(self) -> bool:
        return not self.sentiment


@dataclass
class Sorted:
    """The week's posts, each in exactly one list."""

    safety: list[Item] = field(default_factory=list)
    discuss: list[Item] = field(default_factory=list)
    inaccuracies: list[Item] = field(default_factory=list)
    good: list[Item] = field(default_factory=list)
    other: list[Item] = field(default_factory=list)  # neutral, uncertain and not yet labelled

    @property
    def actionable(self) -> list[Item]:
        """Items that want handling (good news and the other posts do not)."""
        return [*self.safety, *self.discuss, *self.inaccuracies]

    @property
    def unlabelled(self) -> int:
        return sum(1 for item in self.other if item.not_scored)

    @property
    def total(self) -> int:
        return len(self.safety) + len(self.discuss) + len(self.inaccuracies) + len(self.good) + len(self.other)

    def counts(self) -> list[tuple[str, int]]:
        """(kind, posts) in the order of the sections; they add up to ``total``."""
        return [(SAFETY, len(self.safety)), (DISCUSS, len(self.discuss)), (INACCURACY, len(self.inaccuracies)),
                (GOOD, len(self.good)), (OTHER, len(self.other))]


@dataclass(frozen=True)
class Thresholds:
    sentiment: float = 0.5  # config.model.uncertain_below
    category: float = 0.5  # config.model.category_threshold


def sort_posts(
    posts: pd.DataFrame, labels: pd.DataFrame, statuses: Mapping[str, str], thresholds: Thresholds,
    timezone: str = "Europe/Amsterdam",
) -> Sorted:
    """Place each post (rows as ``POST_COLUMNS``) in its one section; ``labels`` may hold other posts too."""
    result = Sorted()
    if posts.empty:
        return result
    wanted = newest_labels(labels.loc[in_set(labels["post_key"], set(posts["post_key"].tolist()))])
    by_key = {row["post_key"]: row for row in _records(wanted, LABEL_COLUMNS)}
    posts = posts.drop_duplicates("post_key")
    posts = posts.assign(date=posts["created_at"].dt.tz_convert(timezone).dt.strftime("%d-%m-%Y"))
    for post in _records(posts, [*POST_COLUMNS, "date"]):
        _place(result, _base_item(post, statuses), by_key.get(post["post_key"]), thresholds)
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


def _place(result: Sorted, base: Item, label: dict[str, Any] | None, limits: Thresholds) -> None:
    if label is None:
        result.other.append(replace(base, section=OTHER))
        return
    verdict = judge(label["sentiment"], label["probabilities"], label["categories"])
    flagged, probabilities, sentiment = verdict.flagged, verdict.probabilities, verdict.sentiment
    unsure = sentiment == UNCERTAIN
    category_low = limits.category + MARGIN
    sentiment_low = limits.sentiment + MARGIN
    mixed = "ervaring" in flagged and "compliment" in flagged  # praise and complaint at once: often sarcasm

    def item(support: float, low: float, doubt: bool = False, **extra: Any) -> Item:
        return replace(base, section=verdict.kind, sentiment=sentiment,
                       uncertain=unsure or doubt or support < low, **extra)

    if verdict.kind == SAFETY:
        group = verdict.safety_group
        if verdict.only_possible:
            result.safety.append(item(verdict.possible[group], 1.0, group=group, possible=True))
        else:
            result.safety.append(item(flagged[group], category_low, group=group))
    elif verdict.kind == INACCURACY:
        facts = _evidence(verdict.categories, "onjuistheid")
        result.inaccuracies.append(item(flagged["onjuistheid"], category_low, facts=facts))
    elif verdict.kind == DISCUSS:
        support = max(_probability(probabilities, "negatief", label), flagged.get("ervaring", 0.0))
        doubt = mixed or "compliment" in flagged
        result.discuss.append(item(support, sentiment_low, doubt, group=_theme(verdict.categories)))
    elif verdict.kind == GOOD:
        support = max(_probability(probabilities, "positief", label) if sentiment == "positief" else 0.0,
                      flagged.get("compliment", 0.0))
        result.good.append(item(support, sentiment_low, mixed))
    else:
        result.other.append(replace(base, section=OTHER, sentiment=sentiment, uncertain=unsure))


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
