"""Training data from public repositories: clone each source at its documented commit into one folder
(``<clones>/<owner>+<name>/``), then :func:`prepare` converts them into the JSON Lines files the trainer reads
(see models/training_data.py and models/corpus/SOURCES.md).

No source data is in this repository. The held-out evaluation sets are not built here.
"""

from models.sources.prepare import prepare
from models.sources.registry import SOURCES, Source

__all__ = ["SOURCES", "Source", "prepare"]
