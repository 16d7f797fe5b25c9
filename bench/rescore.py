"""Benchmark: re-scoring a stored archive in one process against a Dask LocalCluster, same posts, same run.

    .venv/bin/python bench/rescore.py [--posts 20000] [--workers 2] [--dir DIR]

single   ``monitor classify --rescore``: one process, torch on all cores.
cluster  ``monitor classify --rescore --cluster local:N``: N worker processes on 127.0.0.1, the cores shared
         between them (``MONITOR_TORCH_THREADS``), the client adding heads and rules and writing per chunk.
Both score the same store (corpus posts made unique, spread over 26 weeks), the model loaded and warmed up outside
the timing. Prints posts/s of each, the ratio, per-worker throughput and the overhead per task: the wall time the
workers were not computing, per task. On one machine the cluster cannot beat a single process that already uses
every core; the ratio shows what the distribution costs, and per-worker throughput sizes a real cluster.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.classify import corpus_texts  # noqa: E402


def make_store(folder: Path, posts: int) -> object:
    from monitor.config import load_config
    from monitor.setup import example_config_text
    from monitor.store import Store

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "monitor.toml"
    path.write_text(example_config_text().replace('data_dir = "monitor-data"', f'data_dir = "{folder / "data"}"'),
                    encoding="utf-8")
    config = load_config(path)
    start = datetime(2026, 6, 1, 9, tzinfo=UTC)
    rows = [
        {"post_key": f"rss:{i}", "platform": "rss", "native_id": str(i), "url": None,
         "created_at": start + timedelta(minutes=i * 26 * 7 * 24 * 60 // posts), "fetched_at": start, "author": None,
         "text": f"{text} #{i}", "language": None, "has_media": False, "reply_to": None, "quote_of": None,
         "source": "bench", "query": "q", "school_id": "zilvermeer-almere", "match_rule": "naam"}
        for i, text in enumerate(corpus_texts(posts))
    ]
    store = Store(config.data_dir)
    for begin in range(0, len(rows), 5000):
        with store.transaction() as tx:
            tx.add_posts(rows[begin : begin + 5000])
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()

    from models.classifier import BuiltinClassifier, PostInput
    from monitor.classify import classify
    from monitor.cluster import cluster_classifier, open_cluster
    from monitor.store import Store

    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench-rescore-"))
    config = make_store(folder, args.posts)
    store = Store(config.data_dir)  # type: ignore[attr-defined]
    print(f"{args.posts} berichten in {folder}", file=sys.stderr)

    single = BuiltinClassifier(config.data_dir / "cache" / "models", config.model)  # type: ignore[attr-defined]
    single.classify([PostInput("opwarmen")])
    started = time.perf_counter()
    classify(config, store, rescore=True, classifier=single)  # type: ignore[arg-type]
    single_s = time.perf_counter() - started
    print(f"single: {args.posts / single_s:.1f} berichten/s ({single_s:.0f} s)", file=sys.stderr)

    with open_cluster(f"local:{args.workers}", worker_cache=config.data_dir / "cache") as client:  # type: ignore[attr-defined]
        client.wait_for_workers(args.workers)
        spread = cluster_classifier(client, config.model, config.data_dir)  # type: ignore[attr-defined]
        spread.classify([PostInput(f"opwarmen {i}") for i in range(64 * args.workers)])  # every worker loads
        spread.workers.clear()
        started, client_cpu = time.perf_counter(), time.process_time()
        classify(config, store, rescore=True, classifier=spread)  # type: ignore[arg-type]
        cluster_s, client_cpu = time.perf_counter() - started, time.process_time() - client_cpu
    computing = sum(s.seconds for s in spread.workers.values())
    tasks = sum(s.tasks for s in spread.workers.values())
    overhead_ms = (cluster_s * args.workers - computing) / tasks * 1000 if tasks else 0.0
    print(f"single   {args.posts / single_s:8.1f} posts/s  ({single_s:.0f} s)")
    print(f"cluster  {args.posts / cluster_s:8.1f} posts/s  ({cluster_s:.0f} s, local:{args.workers}, {tasks} tasks)")
    print(f"ratio cluster/single: {single_s / cluster_s:.2f}x; overhead per task {overhead_ms:.0f} ms "
          "(worker wall time not spent embedding)")
    for name, stats in sorted(spread.workers.items()):
        print(f"  worker {name}: {stats.per_second:.1f} texts/s while embedding, {stats.tasks} tasks")
    # The client (tokenizer, heads, writing, Dask bookkeeping) is one process: its CPU time per post bounds how
    # many worker cores it can keep busy.
    feeds = args.posts / client_cpu if client_cpu else 0.0
    per_core = computing and sum(s.texts for s in spread.workers.values()) / computing
    print(f"client: {client_cpu:.0f} s CPU for {args.posts} posts = at most {feeds:.0f} posts/s, enough for about "
          f"{feeds / per_core if per_core else 0:.0f} worker cores at {per_core:.0f} texts/s each")


if __name__ == "__main__":
    main()
