"""A sentiment model of the user's choice from the Hugging Face hub or a local folder (opt-in).

Nothing is downloaded unless ``[model] allow_download = true``; otherwise a model that is not already on disk is a
clear error naming that key. Categories still come from the curated patterns (models/patterns/).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from models.classifier import Label, PostInput, Progress, score_categories, sentiment_from
from monitor.errors import MonitorError

log = logging.getLogger(__name__)


def map_label(name: str) -> str | None:
    """A model's own label name -> negatief/neutraal/positief (None when unknown)."""
    lowered = name.lower()
    for key, dutch in (("neg", "negatief"), ("neu", "neutraal"), ("pos", "positief")):
        if key in lowered:
            return dutch
    return {"label_0": "negatief", "label_1": "positief", "0": "negatief", "1": "positief"}.get(lowered)


def three_way(scores: dict[str, float], neutral_band: float) -> dict[str, float]:
    """Spread a model's scores over three classes; a binary model gets 'neutraal' when it hesitates."""
    probabilities = {"negatief": 0.0, "neutraal": 0.0, "positief": 0.0}
    for name, value in scores.items():
        mapped = map_label(name)
        if mapped:
            probabilities[mapped] += value
    if probabilities["neutraal"] == 0.0 and abs(probabilities["positief"] - probabilities["negatief"]) < neutral_band:
        total = probabilities["positief"] + probabilities["negatief"]
        probabilities = {"negatief": 0.0, "neutraal": total, "positief": 0.0}
    return {k: round(v, 4) for k, v in probabilities.items()}


class HubClassifier:
    def __init__(self, settings: Any, cache_dir: Path) -> None:
        self.settings = settings
        self.cache_dir = cache_dir
        self.model_id = f"hub:{settings.name}"
        self._pipeline: Any = None

    def _load(self) -> Any:
        from transformers import AutoConfig, pipeline

        name = self.settings.name
        local = Path(name).expanduser()
        source = str(local) if local.is_dir() else name
        offline = not self.settings.allow_download and not local.is_dir()
        try:
            # Probe the local cache first: with downloading off, a model that is not there is refused here.
            AutoConfig.from_pretrained(source, cache_dir=str(self.cache_dir), local_files_only=offline)
            kwargs = {"cache_dir": str(self.cache_dir)}
            return pipeline("text-classification", model=source, top_k=None, model_kwargs=kwargs)
        except (OSError, ValueError) as exc:
            if offline:
                raise MonitorError(
                    f"Het model '{name}' staat niet op deze computer en downloaden staat uit. Zet in de configuratie "
                    f"[model] allow_download = true (internet nodig), of gebruik name = \"builtin\"."
                ) from None
            raise MonitorError(f"Het model '{name}' kon niet geladen worden: {exc}") from None

    def classify(self, posts: Sequence[PostInput], progress: Progress | None = None) -> list[Label]:
        from models.language import detect_language

        if self._pipeline is None:
            self._pipeline = self._load()
        outputs = self._pipeline(
            [p.text for p in posts], batch_size=self.settings.batch_size, truncation=True,
            max_length=self.settings.max_length,
        )
        labels = []
        for post, scores in zip(posts, outputs, strict=True):
            probabilities = three_way({s["label"]: float(s["score"]) for s in scores}, self.settings.neutral_band)
            labels.append(
                Label(
                    sentiment=sentiment_from(probabilities, self.settings.uncertain_below),
                    probabilities=probabilities,
                    categories=score_categories(post, {}, {}, self.settings.category_threshold),
                    language=detect_language(post.text)[0],
                )
            )
        if progress:
            progress(len(posts))
        return labels
