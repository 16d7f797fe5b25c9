"""Re-scoring on a Dask LocalCluster of 2 workers (monitor/cluster.py): the same labels as one process, and a worker
killed mid-run loses nothing and writes nothing twice."""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from models.encoder import ensure_encoder
from monitor.classify import classify, read_labels
from monitor.cluster import ClusterClassifier, cluster_classifier, open_cluster, parse_cluster
from monitor.config import Config, load_config
from monitor.errors import ConfigError
from monitor.setup import example_config_text
from monitor.store import Store
from tests.factories import MONDAY_W47, post_row

pytestmark = pytest.mark.slow

TEXTS = [
    "Wat een geweldige school, dank je wel juf Anouk!",
    "Mijn zoon wordt al weken gepest en de school doet niks.",
    "Ik maak die directeur van het Zilvermeer College af.",
    "De open dag is zaterdag van 10 tot 14 uur in de aula.",
    "Weer lesuitval, derde keer deze week. Schandalig.",
    "Bel Sanne op 06-12345678, ze woont Dorpsstraat 12",
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model cache the workers share (the encoder is converted once for this module)."""
    root = tmp_path_factory.mktemp("worker-cache")
    ensure_encoder(root / "models")
    return root


@pytest.fixture(scope="module")
def client(cache: Path) -> Iterator[Any]:
    with open_cluster("local:2", worker_cache=cache) as client:
        client.wait_for_workers(2, timeout=120)
        yield client


def _config(tmp_path: Path, cache: Path, posts: int) -> Config:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "monitor.toml"  # small batches: several tasks per worker
    path.write_text(example_config_text().replace("batch_size = 32", "batch_size = 4", 1), encoding="utf-8")
    config = load_config(path)
    store = Store(config.data_dir)
    rows = [post_row(i, "zilvermeer-almere", f"{TEXTS[i % len(TEXTS)]} ({i})",
                     created_at=MONDAY_W47 + timedelta(days=7 * (i % 3), minutes=i)) for i in range(posts)]
    with store.transaction() as tx:
        tx.add_posts(rows)
    (config.data_dir / "cache").mkdir(parents=True, exist_ok=True)
    (config.data_dir / "cache" / "models").symlink_to(cache / "models", target_is_directory=True)
    return config


def _labels(config: Config) -> dict[str, tuple[str, str, dict[str, Any]]]:
    frame = read_labels(Store(config.data_dir))
    return {key: (model, sentiment, json.loads(cats)) for key, model, sentiment, cats in
            zip(frame["post_key"], frame["model_id"], frame["sentiment"], frame["categories"], strict=True)}


def test_the_cluster_gives_the_labels_of_one_process(tmp_path: Path, cache: Path, client: Any) -> None:
    single = _config(tmp_path / "single", cache, 40)
    classify(single, Store(single.data_dir))
    spread = _config(tmp_path / "spread", cache, 40)
    classifier = cluster_classifier(client, spread.model, spread.data_dir)
    result = classify(spread, Store(spread.data_dir), classifier=classifier)
    assert result.labelled == 40
    assert _labels(spread) == _labels(single)
    assert len(classifier.workers) == 2, "both workers took tasks"
    assert sum(s.texts for s in classifier.workers.values()) == result.scored_texts


def test_a_worker_killed_mid_run_loses_no_label_and_writes_none_twice(
    tmp_path: Path, cache: Path, client: Any
) -> None:
    config = _config(tmp_path, cache, 60)
    classifier = cluster_classifier(client, config.model, config.data_dir)
    classifier.batches_per_task = 1
    pids = client.run(os.getpid)  # worker address -> process id
    victim = sorted(pids.values())[0]
    first_task_done = threading.Event()

    def progress(done: int, total: int) -> None:
        if done and not first_task_done.is_set():
            first_task_done.set()
            os.kill(victim, signal.SIGKILL)  # the nanny starts a new worker; its tasks run again elsewhere

    result = classify(config, Store(config.data_dir), progress=progress, classifier=classifier)
    assert first_task_done.is_set()
    assert result.labelled == 60
    raw = Store(config.data_dir).read("labels")
    assert len(raw) == 60 and raw["post_key"].is_unique, "every post labelled exactly once"
    assert set(_labels(config)) == {f"rss:{i}" for i in range(60)}


def test_a_second_run_has_nothing_left_and_rescore_uses_the_cluster_again(
    tmp_path: Path, cache: Path, client: Any
) -> None:
    config = _config(tmp_path, cache, 12)
    classifier: ClusterClassifier = cluster_classifier(client, config.model, config.data_dir)
    assert classify(config, Store(config.data_dir), classifier=classifier).labelled == 12
    assert classify(config, Store(config.data_dir), classifier=classifier).pending == 0
    assert classify(config, Store(config.data_dir), rescore=True, classifier=classifier).labelled == 12


@pytest.mark.parametrize("spec", ["local:0", "local:abc", "lokaal:2", "http://host:8786", "tcp://"])
def test_a_wrong_cluster_is_refused_with_what_to_write(spec: str) -> None:
    with pytest.raises(ConfigError, match="local:N"):
        parse_cluster(spec)


def test_cluster_addresses_are_understood() -> None:
    assert parse_cluster("local:2") == ("local", 2)
    assert parse_cluster(" tcp://10.0.0.5:8786 ") == ("remote", "tcp://10.0.0.5:8786")


def test_the_next_chunk_is_on_the_cluster_before_the_last_one_is_committed(
    tmp_path: Path, cache: Path, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers do not wait while the client writes: chunk n+1 is submitted before chunk n is collected and
    committed, one chunk ahead at most, and the labels stay those of one process."""
    import monitor.classify as classify_module

    monkeypatch.setattr(classify_module, "CHUNK", 8)
    config = _config(tmp_path, cache, 40)
    store = Store(config.data_dir)
    classifier = cluster_classifier(client, config.model, config.data_dir)
    events: list[tuple[str, int]] = []
    send_ahead, collect = classifier.send_ahead, classifier.collect

    def recording_send_ahead(posts: Any) -> Any:
        events.append(("send", len(read_labels(store))))  # how many labels were committed at that moment
        return send_ahead(posts)

    def recording_collect(submitted: Any, progress: Any = None) -> Any:
        events.append(("collect", len(read_labels(store))))
        return collect(submitted, progress)

    monkeypatch.setattr(classifier, "send_ahead", recording_send_ahead)
    monkeypatch.setattr(classifier, "collect", recording_collect)
    assert classify(config, store, classifier=classifier).labelled == 40
    assert events == [("send", 0), ("send", 0), ("collect", 0), ("send", 8), ("collect", 8), ("send", 16),
                      ("collect", 16), ("send", 24), ("collect", 24), ("collect", 32)]
