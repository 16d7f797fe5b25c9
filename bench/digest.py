"""Benchmark: the digest of one school-week from a store of 1,000,000 posts, against a full scan.

Usage::

    .venv/bin/python bench/digest.py [--posts 1000000] [--schools 20] [--weeks 52] [--seed 7] [--repeats 5] [--dir DIR]

Setup (not timed): the synthetic store of ``bench/dashboard.py`` (``build_store``: posts with labels spread over
schools x weeks x sources, written in large Arrow batches through the store's transaction API with
``Store(dir, fsync=False)``; 5% of the posts marked in the review log; hourly collection runs with 2% failures; the
weekly aggregates computed once), and its configuration (one school per ``school-NN``).

Timed, in the same run, for the busiest week's first school:

baseline  what the digest would need without partitioned reads: read every post and every label (all columns) with
          pandas, then filter to the school-week (posts) and its posts (labels). Data only: no sorting, no chart, no
          HTML.
digest    ``monitor.digest.run_digests(config, Store(dir), week=..., school_id=...)`` in full: partitioned reads,
          sorting into sections, the PNG chart, HTML and text of the main and the safety digest, both files written
          (with fsync), audit and delivery rows committed. A fresh ``Store`` each time, as in a new process. The first
          run includes importing jinja2 and matplotlib; the median is over the repeats.

The digest's numbers are checked against the baseline's (posts and labels of the school-week). The synthetic posts
have a short text, so the full scan reads less than it would on real posts: the ratio is on the low side.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from dashboard import START, build_store, config_for  # bench/dashboard.py: the shared synthetic store

from monitor.store import Store, iso_week

DEFAULTS = {"posts": 1_000_000, "schools": 20, "weeks": 52, "seed": 7, "repeats": 5}


def baseline(folder: Path, school_id: str, week: str) -> tuple[int, int]:
    """Read all posts and labels with pandas, then filter: (posts, labelled posts) of the school-week."""
    store = Store(folder)
    posts = store.read("posts")
    labels = store.read("labels")
    mine = posts[(posts["school_id"] == school_id) & (posts["week"] == week)]
    labelled = labels[labels["post_key"].isin(mine["post_key"])]
    return len(mine), labelled["post_key"].nunique()


def digest(config: Any, folder: Path, school_id: str, week: str) -> Any:
    from monitor.digest import run_digests
    from monitor.digest.build import gather, read_shared

    store = Store(folder)
    results = run_digests(config, store, week=week, school_id=school_id)
    assert [r.kind for r in results] == ["digest", "veiligheid"], results
    return results, lambda: gather(config, store, config.school(school_id), week, read_shared(store, week, 4))


def timed(repeats: int, function: Callable[[], Any]) -> tuple[list[float], Any]:
    times, value = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - started)
    return times, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, default in DEFAULTS.items():
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--dir", type=Path, default=None, help="where the temporary work folder goes (removed after)")
    args = parser.parse_args()
    if min(args.posts, args.schools, args.weeks, args.repeats) < 1:
        parser.error("--posts, --schools, --weeks and --repeats must be positive")
    folder = Path(tempfile.mkdtemp(prefix="bench-digest-", dir=args.dir))
    try:
        started = time.perf_counter()
        build_store(folder, args.posts, args.schools, args.weeks, args.seed)
        setup_s = time.perf_counter() - started
        config = config_for(folder, args.schools)
        school_id, week = "school-00", iso_week(START + timedelta(weeks=args.weeks // 2))
        print(f"  timing {school_id} {week} ...", file=sys.stderr)
        base_times, (posts, labelled) = timed(args.repeats, lambda: baseline(folder, school_id, week))
        digest_times, (results, gather) = timed(args.repeats, lambda: digest(config, folder, school_id, week))
        data = gather()
        assert data.current.total == posts, (data.current.total, posts)
        assert posts - data.sections.unlabelled == labelled, (data.sections.unlabelled, labelled)
        report(args, setup_s, school_id, week, data, results, base_times, digest_times)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def report(args: argparse.Namespace, setup_s: float, school_id: str, week: str, data: Any, results: Any,
           base_times: list[float], digest_times: list[float]) -> None:
    s = data.sections
    base, made = statistics.median(base_times), statistics.median(digest_times)
    sizes = ", ".join(f"{r.html_path.name} {r.html_path.stat().st_size / 1e3:.0f} kB" for r in results)
    print()
    print(f"school-monitor digest benchmark: {args.posts:,} posts, {args.schools} schools, {args.weeks} weeks, "
          f"seed {args.seed}; python {sys.version.split()[0]}")
    print(f"  store built in {setup_s:.1f} s (not timed below)")
    print(f"  digest of {school_id} {week}: {data.current.total} posts; veiligheid {len(s.safety)}, bespreken "
          f"{len(s.discuss)}, onjuistheden {len(s.inaccuracies)}, goed nieuws {len(s.good)}, open punten "
          f"{len(data.open_items) + len(data.open_safety)}; {sizes}")
    print()
    print(f"{'variant':<44} {'first s':>8} {'median s':>9}")
    print(f"{'baseline: all posts + labels, pandas filter':<44} {base_times[0]:>8.2f} {base:>9.2f}")
    print(f"{'digest: run_digests, one school-week':<44} {digest_times[0]:>8.2f} {made:>9.2f}")
    print(f"ratio (baseline / digest, medians of {args.repeats}): {base / made:.1f}x "
          f"(the digest also renders and writes two digests; the baseline only reads)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS of this process, store build and baseline included): {peak:,.0f} MB")


if __name__ == "__main__":
    main()
