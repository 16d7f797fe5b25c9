"""Pipeline step: score stored posts that have no label yet for the current model.

Labels are keyed by (post, model id), so switching models re-scores without re-fetching, and ``rescore`` scores
everything again with the current model (the newest label wins when reading). Identical texts (reposts, the same
news item in two feeds) are scored once. Work is committed per chunk, so an interrupted run loses at most one chunk
and the next run carries on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from monitor.aggregates import refresh_weekly
from monitor.records import now_utc

if TYPE_CHECKING:
    from models.classifier import Classifier, Label, PostInput
    from monitor.config import Config
    from monitor.store import Store

log = logging.getLogger(__name__)

CHUNK = 512  # posts per commit


@dataclass
class ClassifyResult:
    model_id: str
    pending: int = 0
    scored_texts: int = 0
    labelled: int = 0
    sentiments: dict[str, int] = field(default_factory=dict)
    flagged: dict[str, int] = field(default_factory=dict)


def read_labels(store: Store, model_id: str | None = None, weeks: list[str] | None = None) -> pd.DataFrame:
    """Labels, the newest per (post_key, model_id). Columns: see ``schema.LABELS``; ``probabilities`` and
    ``categories`` are JSON text ({name: {"score", "flagged", "evidence"}})."""
    frame = store.read("labels", week=weeks)
    if model_id is not None:
        frame = frame[frame["model_id"] == model_id]
    frame = frame.sort_values("scored_at", kind="stable").drop_duplicates(["post_key", "model_id"], keep="last")
    return frame.reset_index(drop=True)


def pending_posts(store: Store, model_id: str, rescore: bool, weeks: list[str] | None = None) -> pd.DataFrame:
    posts = store.read("posts", columns=["post_key", "text", "has_media", "week"], week=weeks)
    posts = posts.drop_duplicates("post_key")
    if not rescore and not posts.empty:
        done = set(read_labels(store, model_id, weeks)["post_key"])
        posts = posts[~posts["post_key"].isin(done)]
    return posts.reset_index(drop=True)


def _weeks(store: Store) -> list[str]:
    return store.post_weeks()


def classify(
    config: Config,
    store: Store,
    rescore: bool = False,
    progress: Callable[[int, int], None] | None = None,
    classifier: Classifier | None = None,
) -> ClassifyResult:
    """Score pending posts week by week (a large archive is never read at once); ``progress(done, total)`` is
    called as texts are scored."""
    from models.classifier import load_classifier

    classifier = classifier or load_classifier(config.model, config.data_dir)
    weeks = _weeks(store)
    index = store.read("post_index", columns=["post_key", "week"]).drop_duplicates("post_key")
    if not rescore and not index.empty:
        index = index[~index["post_key"].isin(set(read_labels(store, classifier.model_id)["post_key"]))]
    result = ClassifyResult(classifier.model_id, pending=len(index))
    if index.empty:
        return result
    # A classifier that can send work ahead (a cluster) gets the next chunk before this one is collected and
    # committed, so its workers do not wait while the client writes; one chunk ahead keeps memory bounded.
    ahead: _Chunk | None = None
    for chunk in _chunks(store, classifier.model_id, rescore, weeks):
        started = _Chunk.start(chunk, classifier)
        if ahead is not None:
            ahead.finish(store, classifier, result, progress)
        ahead = started
    if ahead is not None:
        ahead.finish(store, classifier, result, progress)
    refresh_weekly(store, set(weeks) & set(index["week"]))
    log.info("%d berichten gelabeld (%d unieke teksten) met %s", result.labelled, result.scored_texts, result.model_id)
    return result


def _chunks(store: Store, model_id: str, rescore: bool, weeks: list[str]) -> Iterator[pd.DataFrame]:
    """Pending posts in chunks of CHUNK, read a week at a time; chunks run across weeks, so small weeks do not
    make small chunks."""
    waiting = pd.DataFrame()
    for week in weeks:
        waiting = pd.concat([waiting, pending_posts(store, model_id, rescore, [week])], ignore_index=True)
        while len(waiting) >= CHUNK:
            yield waiting.iloc[:CHUNK]
            waiting = waiting.iloc[CHUNK:].reset_index(drop=True)
    if not waiting.empty:
        yield waiting


@dataclass
class _Chunk:
    """One chunk on its way: its posts, one input per distinct text, and the classifier's handle if sent ahead."""

    posts: pd.DataFrame
    text_keys: pd.Series
    unique_keys: list[str]
    inputs: list[PostInput]
    ahead: Any = None

    @classmethod
    def start(cls, chunk: pd.DataFrame, classifier: Classifier) -> _Chunk:
        from models.classifier import AheadClassifier, PostInput

        text_keys = chunk["text"].str.casefold().str.split().str.join(" ") + "|" + chunk["has_media"].astype(str)
        unique = chunk.assign(text_key=text_keys).drop_duplicates("text_key")
        inputs = [PostInput(str(t), bool(m)) for t, m in zip(unique["text"], unique["has_media"], strict=True)]
        ahead = classifier.send_ahead(inputs) if isinstance(classifier, AheadClassifier) else None
        return cls(chunk, text_keys, list(unique["text_key"]), inputs, ahead)

    def finish(self, store: Store, classifier: Classifier, result: ClassifyResult,
               progress: Callable[[int, int], None] | None) -> None:
        """Label the chunk (identical texts once) and commit it in one transaction."""
        from models.classifier import AheadClassifier

        done, total = result.labelled, result.pending

        def advance(n: int) -> None:
            if progress:
                progress(min(done + n, total), total)

        if isinstance(classifier, AheadClassifier) and self.ahead is not None:
            found = classifier.collect(self.ahead, advance)
        else:
            found = classifier.classify(self.inputs, advance)
        labels = dict(zip(self.unique_keys, found, strict=True))
        rows = [_row(key, week, classifier.model_id, labels[text_key]) for key, week, text_key in
                zip(self.posts["post_key"], self.posts["week"], self.text_keys, strict=True)]
        with store.transaction() as tx:
            tx.append_labels(rows)
        result.scored_texts += len(labels)
        result.labelled += len(rows)
        for label in labels.values():
            result.sentiments[label.sentiment] = result.sentiments.get(label.sentiment, 0) + 1
            for name in label.flagged:
                result.flagged[name] = result.flagged.get(name, 0) + 1
        if progress:
            progress(result.labelled, total)


def _row(post_key: str, week: str, model_id: str, label: Label) -> dict[str, Any]:
    categories = {
        name: {"score": score.score, "flagged": score.flagged, "possible": score.possible,
               "evidence": list(score.evidence)}
        for name, score in label.categories.items()
    }
    return {
        "post_key": post_key,
        "model_id": model_id,
        "language": label.language,
        "sentiment": label.sentiment,
        "sentiment_score": max(label.probabilities.values()),
        "probabilities": json.dumps(label.probabilities, sort_keys=True),
        "categories": json.dumps(categories, ensure_ascii=False, sort_keys=True),
        "scored_at": now_utc(),
        "week": week,
    }
