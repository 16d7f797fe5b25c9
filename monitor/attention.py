"""What needs action, and what is still open: one definition for the weekly digest, the board digest, the dashboard,
``monitor review list`` and ``monitor status``.

Every post gets exactly one *kind* from its newest label (whichever model made it); the first rule that applies:

1. ``veiligheid``: flagged, or *mogelijk* (a weaker signal, for a human to check), in a safety category (bedreiging,
   seksuele intimidatie, pesten, kleineren, persoonsgegevens, beeldmateriaal). Its text goes to the safety contact.
2. ``onjuistheid``: flagged as a factual inaccuracy, also when the post is negative as well: whether to correct the
   fact is the one decision it asks for (the only online action the protocol allows), and whoever decides reads the
   complaint with it.
3. ``bespreken``: negative, or uncertain but leaning negative and flagged as an experience.
4. ``goed``: positive, or flagged as a compliment.
5. ``overig``: everything else: neutral, uncertain (to check by a human) and posts the model has not scored yet.

A post **needs action** when its kind is veiligheid, onjuistheid or bespreken. It is **open** when it needs action
and nobody marked it with ``monitor review mark`` (its newest review event, if any, is "open").
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from monitor.store import Store

SAFETY_CATEGORIES = ("bedreiging", "seksuele_intimidatie", "pesten", "kleineren", "persoonsgegevens", "beeldmateriaal")
SAFETY, INACCURACY, DISCUSS, GOOD, OTHER = "veiligheid", "onjuistheid", "bespreken", "goed", "overig"
KINDS = (SAFETY, DISCUSS, INACCURACY, GOOD, OTHER)  # the order of the digest's sections
NEEDS_ACTION = frozenset({SAFETY, INACCURACY, DISCUSS})
UNCERTAIN = "onzeker"
OPEN = "open"
LABEL_COLUMNS = ["post_key", "sentiment", "probabilities", "categories", "scored_at"]
_SIGNAL = re.compile(r'"(?:flagged|possible)":\s*true')  # without it, a label's kind follows from its sentiment


@dataclass(frozen=True)
class Judgement:
    """One post's kind and what it rests on."""

    kind: str
    sentiment: str = ""  # "" when the post has no label yet
    flagged: dict[str, float] = field(default_factory=dict)  # category -> score, for flagged categories
    possible: dict[str, float] = field(default_factory=dict)  # safety category -> score, *mogelijk* only
    probabilities: dict[str, Any] = field(default_factory=dict)
    categories: dict[str, Any] = field(default_factory=dict)  # the label's categories (score, evidence, ...)

    @property
    def needs_action(self) -> bool:
        return self.kind in NEEDS_ACTION

    @property
    def safety_group(self) -> str:
        """The strongest flagged safety category, else the strongest *mogelijk* one ("" when neither)."""
        for scores in (self.flagged, self.possible):
            found = [c for c in SAFETY_CATEGORIES if c in scores]
            if found:
                return max(found, key=lambda c: scores[c])
        return ""

    @property
    def only_possible(self) -> bool:
        """A safety post with no flagged safety category: a weaker signal."""
        return self.kind == SAFETY and not any(c in self.flagged for c in SAFETY_CATEGORIES)


def parse_json(text: Any) -> dict[str, Any]:
    """A label's JSON column as a dict (empty when missing or unreadable)."""
    if isinstance(text, Mapping):
        return dict(text)
    if not isinstance(text, str):
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def judge(sentiment: Any, probabilities: Any, categories: Any) -> Judgement:
    """The kind of a post from its newest label (JSON text or dicts); ``sentiment`` None: not labelled yet."""
    if not isinstance(sentiment, str) or not sentiment:
        return Judgement(OTHER)
    cats = parse_json(categories)
    probs = parse_json(probabilities)
    flagged = {n: float(v.get("score", 0.0)) for n, v in cats.items() if isinstance(v, dict) and v.get("flagged")}
    possible = {n: float(v.get("score", 0.0)) for n, v in cats.items()
                if n in SAFETY_CATEGORIES and n not in flagged and isinstance(v, dict) and v.get("possible")}
    if any(c in flagged or c in possible for c in SAFETY_CATEGORIES):
        kind = SAFETY
    elif "onjuistheid" in flagged:
        kind = INACCURACY
    elif sentiment == "negatief" or (sentiment == UNCERTAIN and leaning(probs) == "negatief" and "ervaring" in flagged):
        kind = DISCUSS
    elif sentiment == "positief" or "compliment" in flagged:
        kind = GOOD
    else:
        kind = OTHER
    return Judgement(kind, sentiment, flagged, possible, probs, cats)


def leaning(probabilities: Mapping[str, Any]) -> str:
    """The most likely sentiment of an uncertain label."""
    scores = {k: float(v) for k, v in probabilities.items() if k in ("negatief", "neutraal", "positief")}
    return max(scores, key=lambda k: scores[k]) if scores else UNCERTAIN


def is_open(kind: str, status: str | None) -> bool:
    """Needs action and not marked yet."""
    return kind in NEEDS_ACTION and (status or OPEN) == OPEN


def newest_labels(labels: pd.DataFrame) -> pd.DataFrame:
    """The newest label per post, whichever model made it (as the weekly aggregates count)."""
    return labels.sort_values("scored_at", kind="stable").drop_duplicates("post_key", keep="last")


def kinds(labels: pd.DataFrame) -> pd.DataFrame:
    """post_key, sentiment, kind and flagged (a tuple of the flagged category names, sorted) per post, from its
    newest label (columns as ``LABEL_COLUMNS``). Only labels with a flagged or *mogelijk* category have their JSON
    read, all at once where it is in the label writer's form (``monitor.label_flags``), else one by one with
    ``judge``; without one, the kind follows from the sentiment alone."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    newest = newest_labels(labels)
    sentiment = np.asarray(newest["sentiment"].tolist(), dtype=object)
    kind = np.where(sentiment == "negatief", DISCUSS, np.where(sentiment == "positief", GOOD, OTHER)).astype(object)
    flagged: list[tuple[str, ...]] = [()] * len(newest)
    column = pa.Table.from_pandas(newest[["categories"]], preserve_index=False)["categories"]
    categories = (column.combine_chunks() if column.num_chunks else pa.array([], pa.string())).cast(pa.large_string())
    signal = pc.fill_null(pc.match_substring_regex(categories, _SIGNAL.pattern), False)
    signalled = np.flatnonzero(signal.to_numpy(zero_copy_only=False))
    probabilities = newest["probabilities"]
    texts = categories.filter(signal)
    fast = _signalled_kinds(sentiment[signalled], texts, lambda n: probabilities.iloc[int(signalled[n])])
    if fast is not None:
        kind[signalled] = fast[0]
        for i, names in zip(signalled.tolist(), fast[1], strict=True):
            flagged[i] = names
    else:
        for i, text in zip(signalled.tolist(), texts.to_pylist(), strict=True):
            verdict = judge(sentiment[i], probabilities.iloc[i], text)
            kind[i], flagged[i] = verdict.kind, tuple(sorted(verdict.flagged))
    return pd.DataFrame({"post_key": newest["post_key"].astype(str).tolist(), "sentiment": sentiment, "kind": kind,
                         "flagged": flagged}).astype({"post_key": newest["post_key"].dtype})


def _signalled_kinds(sentiment: Any, categories: Any, probabilities: Callable[[int], Any]
                     ) -> tuple[Any, list[tuple[str, ...]]] | None:
    """``judge``'s kind and flagged names for many labels at once (``categories``: their JSON, a pyarrow string
    array); None if it is not all in the label writer's form (then ``judge`` them one by one)."""
    import numpy as np

    from models.heads import CATEGORIES
    from monitor.label_flags import read_flags

    flags = read_flags(categories, tuple(dict.fromkeys([*CATEGORIES, *SAFETY_CATEGORIES])))
    if flags is None:
        return None
    labelled = np.array([isinstance(s, str) and bool(s) for s in sentiment], dtype=bool)
    safety = np.zeros(len(sentiment), dtype=bool)
    for name in SAFETY_CATEGORIES:
        safety |= flags.column(name) | flags.column(name, "possible")
    negative = sentiment == "negatief"
    uncertain = np.flatnonzero((sentiment == UNCERTAIN) & flags.column("ervaring") & ~negative)
    for n in uncertain.tolist():  # few: an uncertain label's leaning needs its probabilities
        negative[n] = leaning(parse_json(probabilities(n))) == "negatief"
    good = (sentiment == "positief") | flags.column("compliment")
    kind = np.select([~labelled, safety, flags.column("onjuistheid"), negative, good],
                     [OTHER, SAFETY, INACCURACY, DISCUSS, GOOD], OTHER).astype(object)
    names = flags.flagged_names()
    return kind, [found if ok else () for found, ok in zip(names, labelled.tolist(), strict=True)]


_WEEK_KINDS: dict[tuple[str, str], tuple[tuple[str, ...], pd.DataFrame]] = {}  # (store, week) -> (files, kinds)


def week_kinds(store: Store, weeks: list[str]) -> pd.DataFrame:
    """``kinds`` of the labels of these weeks. A week's result is kept in memory while its label files stay the
    same (files are never changed, only replaced), so a service that rebuilds the dashboard after every run judges
    only the weeks that got new labels; nothing of it is written anywhere, and a week whose files changed (new
    labels, an erasure, a purge) is judged again."""
    import pandas as pd

    manifest = store.manifest()
    root = str(store.root)
    present = {e.partition["week"] for e in manifest.files("labels")}
    for key in [k for k in _WEEK_KINDS if k[0] == root and k[1] not in present]:
        del _WEEK_KINDS[key]  # a purged week leaves nothing behind in memory either
    frames = []
    for week in weeks:
        files = tuple(sorted(e.path for e in manifest.files("labels", week=week)))
        cached = _WEEK_KINDS.get((root, week))
        if cached is None or cached[0] != files:
            # Read now (the store retries a file retired meanwhile): at worst the entry holds newer labels under
            # the older file list, which the next call sees as changed and judges again.
            cached = (files, kinds(store.read("labels", columns=LABEL_COLUMNS, week=week)))
            _WEEK_KINDS[(root, week)] = cached
        frames.append(cached[1])
    if not frames:
        return kinds(store.read("labels", columns=LABEL_COLUMNS, week=[]))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].copy(deep=False)


def post_states(store: Store, school_ids: list[str] | None = None, until_week: str | None = None) -> pd.DataFrame:
    """post_key, school_id, week and marked (its newest review event is not "open") of every stored post (one row
    per post and school); optionally only these schools and weeks up to and including ``until_week``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from monitor.review import current_status

    index = pa.Table.from_pandas(store.read("post_index", columns=["post_key", "school_id", "week"]),
                                 preserve_index=False)
    if school_ids is not None:
        index = index.filter(pc.is_in(index["school_id"], value_set=pa.array(list(school_ids), pa.string())))
    if until_week is not None:
        index = index.filter(pc.less_equal(index["week"], pa.scalar(until_week, pa.string())))
    status = current_status(store)
    marked = pa.array(status.loc[status["status"] != OPEN, "post_key"].astype(str).tolist(), pa.string())
    frame: pd.DataFrame = index.append_column("marked", pc.is_in(index["post_key"], value_set=marked)).to_pandas()
    return frame


def open_posts(
    store: Store, school_ids: list[str] | None = None, until_week: str | None = None,
    states: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every open post (one row per post and school): post_key, school_id, week, sentiment, kind, flagged. Options
    as ``post_states`` (or pass its result as ``states``). Reads no texts or authors."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if states is None:
        states = post_states(store, school_ids, until_week)
    unmarked = states.loc[~states["marked"].astype(bool), ["post_key", "school_id", "week"]]
    judged = week_kinds(store, sorted(set(unmarked["week"].tolist())))
    wanted = pc.is_in(pa.array(judged["post_key"].astype(str).tolist(), pa.string()),
                      value_set=pa.array(unmarked["post_key"].astype(str).tolist(), pa.string()))
    judged = judged.loc[pc.fill_null(wanted, False).to_numpy(zero_copy_only=False)]
    merged = unmarked.merge(judged, on="post_key", how="inner")  # a post without a label needs no action yet
    result: pd.DataFrame = merged.loc[merged["kind"].isin(list(NEEDS_ACTION))].reset_index(drop=True)
    return result


def open_counts(open_frame: pd.DataFrame) -> dict[str, int]:
    """School id -> open posts, from ``open_posts``."""
    return {str(k): int(v) for k, v in open_frame.groupby("school_id")["post_key"].count().items()}
