"""Benchmark: the Parquet store against a naive CSV file.

Usage::

    .venv/bin/python bench/store.py [--posts N] [--batch N] [--schools N] [--seed N] [--dir DIR]

Synthetic posts (deterministic, ``random.Random(seed)``) arrive in batches the way a collector appends them while
time moves on: batch by batch the timestamps move forward over 52 weeks, and about 5% of every batch re-fetches
posts from earlier batches, so dedupe on (post_key, school_id) is exercised. Each variant appends all batches,
then reads one school-week back; the result is checked against the generated data.

Variants:

store  ``monitor.store.Store`` (default fsync), one transaction per batch: each batch is one file in the posts log.
       Afterwards the log is folded into its (school, week) partitions once, as the service does after every
       collection run, and the school-week is read again (both reads are reported).
csv    one CSV file, rewritten per batch: read it whole, concat the batch, drop duplicates on
       (post_key, school_id), write it back (temp file, fsync, rename). Reading a school-week reads the whole
       file and filters.

Each variant runs in its own child process (``--variant``), so ``ru_maxrss`` is that variant's own peak: once
untraced for the timings and peak RSS (one child at a time), and once more under tracemalloc for the peak of
Python allocations (tracemalloc slows allocation down several times and uses memory of its own, so it is kept out
of the timing run; the two traced children run side by side, only their memory is reported). ``--no-tracemalloc``
skips the traced runs, which take most of the wall time. Children report JSON on the last line of stdout and
progress on stderr.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from array import array
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from monitor.store import Store, iso_week
from monitor.store.manifest import fsync_dir
from monitor.store.schema import POSTS

VARIANTS = ("store", "csv")
START = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday; the posts span 52 weeks from here
SPAN = timedelta(weeks=52)
DUP_RATE = 0.05  # share of each batch that re-fetches posts of earlier batches
MULTI_SCHOOL_RATE = 0.03  # share of posts matched to two schools
READ_REPEATS = 5
PROGRESS_EVERY = 10  # batches
MB = 1024 * 1024

PLATFORMS = ("mastodon", "bluesky", "reddit", "rss")
HOSTS = {"mastodon": "mastodon.nl", "bluesky": "bsky.app", "reddit": "reddit.com", "rss": "nieuws.example.nl"}
MATCH_RULES = ("alias", "alias", "hashtag", "handle", "alias+context")
SCHOOL_PREFIXES = ("OBS", "CBS", "IKC", "Het", "De", "RKBS", "Stedelijk", "Christelijk")
SCHOOL_WORDS = (
    "Regenboog", "Zilvermeer", "Wegwijzer", "Kompas", "Fontein", "Horizon", "Zonnewijzer", "Vuurtoren",
    "Kameleon", "Schakel", "Klimop", "Meander", "Boomgaard", "Driesprong", "Windroos", "Sterrenwacht",
    "Erasmus", "Spinoza", "Comenius", "Vondel", "Rembrandt", "Huygens", "Anne Frank", "Oranje Nassau",
)
SCHOOL_KINDS = ("College", "Lyceum", "basisschool", "Gymnasium", "Mavo", "Kindcentrum", "school")
TOWNS = ("Zoetermeer", "Utrecht", "Amersfoort", "Deventer", "Leiden", "Haarlem", "Zwolle", "Tilburg", "Breda")
OPENERS = (
    "Vandaag op", "Trots op", "Gisteren bij", "Weet iemand iets over", "Ouderavond op", "Nieuws van",
    "Grote zorgen over", "Mooi initiatief van", "Wat een gedoe weer op", "Compliment voor de juffen van",
    "Open dag bij", "Staking op", "Nieuw schoolplein voor", "Help, huiswerk van",
)
WORDS = (
    "de", "het", "een", "en", "van", "in", "op", "met", "voor", "naar", "niet", "wel", "ook", "maar", "dus",
    "toch", "nog", "al", "heel", "echt", "gewoon", "even", "weer", "school", "leerlingen", "leerling", "docent",
    "docenten", "juf", "meester", "ouders", "klas", "groep", "brugklas", "rooster", "toets", "examen",
    "huiswerk", "rapport", "schoolreis", "pauze", "gymzaal", "aula", "kantine", "lerarentekort", "werkdruk",
    "inspectie", "bestuur", "directeur", "vandaag", "morgen", "gisteren", "volgende", "week", "maandag",
    "vrijdag", "vakantie", "studiedag", "uitval", "lessen", "les", "mentor", "kinderen", "kind", "zoon",
    "dochter", "fijn", "blij", "boos", "jammer", "goed", "slecht", "prima", "super", "teleurgesteld", "bedankt",
    "gesprek", "brief", "mail", "app", "bericht", "nieuws", "gemeente", "verbouwing", "fietsenstalling",
    "parkeren", "verkeer", "veilig", "pesten", "aanpak", "zorg", "extra", "ondersteuning", "cijfers", "uitslag",
    "geslaagd", "gezakt", "feest", "musical", "sportdag",
)
TAGS = ("#onderwijs", "#school", "#lerarentekort", "#examens", "#ouders", "#basisschool", "#vo")


# ---- synthetic data ---------------------------------------------------------------------------------------------
class Generator:
    """Deterministic batches of post rows, plus what a correct store must end up holding.

    A post is a pure function of (seed, index, batch), so a re-fetch of an earlier post regenerates exactly the
    same keys without keeping old rows in memory; only the post -> batch map is kept.
    """

    def __init__(self, posts: int, batch: int, schools: int, seed: int) -> None:
        self.posts, self.batch, self.seed = posts, batch, seed
        self.rng = random.Random(seed)
        names = random.Random(seed + 1)
        self.school_ids = [f"school-{k:02d}" for k in range(1, schools + 1)]
        self.school_names = [
            f"{names.choice(SCHOOL_PREFIXES)} {names.choice(SCHOOL_WORDS)} {names.choice(SCHOOL_KINDS)}"
            for _ in self.school_ids
        ]
        self.school_towns = [names.choice(TOWNS) for _ in self.school_ids]
        # some schools are talked about far more than others (Zipf-like)
        self.cum_weights = list(itertools.accumulate(1 / (k**0.8) for k in range(1, schools + 1)))
        self.n_batches = math.ceil(posts / batch)
        self.window = SPAN / self.n_batches
        self.batch_of = array("I")  # post index -> batch it was first fetched in
        self.expected: Counter[tuple[str, str]] = Counter()  # (school_id, week) -> unique rows
        self.offered_posts = self.offered_rows = self.refetched_posts = self.duplicate_rows = 0

    @property
    def unique_posts(self) -> int:
        return len(self.batch_of)

    @property
    def unique_rows(self) -> int:
        return sum(self.expected.values())

    def batches(self) -> Iterator[list[dict[str, Any]]]:
        for b in range(self.n_batches):
            first_of_batch = len(self.batch_of)  # posts before this index belong to earlier batches
            size = min(self.batch, self.posts - b * self.batch)
            rows: list[dict[str, Any]] = []
            picked: set[int] = set()
            for _ in range(size):
                earlier = self._pick_earlier(first_of_batch, picked) if self.rng.random() < DUP_RATE else None
                if earlier is not None:
                    picked.add(earlier)
                    post_rows = self._post_rows(earlier, self.batch_of[earlier], refetch_batch=b)
                    self.refetched_posts += 1
                    self.duplicate_rows += len(post_rows)
                else:
                    index = len(self.batch_of)
                    self.batch_of.append(b)
                    post_rows = self._post_rows(index, b)
                    for row in post_rows:
                        self.expected[(row["school_id"], iso_week(row["created_at"]))] += 1
                rows.extend(post_rows)
                self.offered_posts += 1
            self.offered_rows += len(rows)
            yield rows

    def _pick_earlier(self, limit: int, picked: set[int]) -> int | None:
        """An earlier post to re-fetch: mostly recent ones (overlapping search windows), sometimes any."""
        if limit == 0:
            return None
        for _ in range(10):
            if self.rng.random() < 0.7:
                index = limit - 1 - self.rng.randrange(min(limit, 2 * self.batch))
            else:
                index = self.rng.randrange(limit)
            if index not in picked:
                return index
        return None

    def _post_rows(self, index: int, batch: int, refetch_batch: int | None = None) -> list[dict[str, Any]]:
        rng = random.Random(self.seed * 1_000_003 + index)
        created = START + self.window * batch + self.window * rng.random()
        fetched = created + timedelta(minutes=rng.uniform(1, 90))
        if refetch_batch is not None:
            fetched = START + self.window * (refetch_batch + 1)
        platform = rng.choice(PLATFORMS)
        native_id = str(110_000_000_000_000_000 + index * 97 + rng.randrange(97))  # unique per index
        schools = {self._pick_school(rng)}
        if rng.random() < MULTI_SCHOOL_RATE:
            while len(schools) < min(2, len(self.school_ids)):
                schools.add(self._pick_school(rng))
        main = min(schools)
        language = rng.choices(("nl", "en", None), weights=(85, 10, 5))[0]
        base = {
            "post_key": f"{platform}:{native_id}",
            "platform": platform,
            "native_id": native_id,
            "url": f"https://{HOSTS[platform]}/p/{native_id}",
            "created_at": created,
            "fetched_at": fetched,
            "author": f"p-{rng.getrandbits(64):016x}",
            "text": self._text(rng, main),
            "language": language,
            "has_media": rng.random() < 0.2,
            "reply_to": f"{platform}:{rng.randrange(10**17)}" if rng.random() < 0.25 else None,
            "quote_of": f"{platform}:{rng.randrange(10**17)}" if rng.random() < 0.05 else None,
            "source": f"{platform}-zoeken",
            "query": f"q-{self.school_ids[main]}",
        }
        return [
            {**base, "school_id": self.school_ids[s], "match_rule": rng.choice(MATCH_RULES)} for s in sorted(schools)
        ]

    def _pick_school(self, rng: random.Random) -> int:
        return rng.choices(range(len(self.school_ids)), cum_weights=self.cum_weights)[0]

    def _text(self, rng: random.Random, school: int) -> str:
        length = int(rng.triangular(50, 400, 140))
        name = self.school_names[school]
        town = self.school_towns[school]
        parts = [rng.choice(OPENERS), name if rng.random() < 0.8 else name.lower(), f"in {town}:"]
        size = sum(len(p) + 1 for p in parts)
        while size < length:
            word = rng.choice(WORDS) if rng.random() < 0.93 else rng.choice(TAGS)
            parts.append(word)
            size += len(word) + 1
        text = " ".join(parts)[:length].rstrip()
        if rng.random() < 0.3:
            text = text[: length - 2].rstrip() + rng.choice((" !", " ?", " .", " 😀", " 😡", " 👍"))
        return text


# ---- variants ---------------------------------------------------------------------------------------------------
class Progress:
    def __init__(self, name: str, total: int) -> None:
        self.name, self.total, self.started = name, total, time.perf_counter()

    def batch_done(self, done: int, posts: int) -> None:
        if done % PROGRESS_EVERY == 0 or done == self.total:
            elapsed = time.perf_counter() - self.started
            print(f"  [{self.name}] batch {done}/{self.total}, {posts} posts, {elapsed:.1f} s", file=sys.stderr)
            sys.stderr.flush()


def run_store(gen: Generator, workdir: Path, target: tuple[str, str], progress: Progress) -> dict[str, Any]:
    store = Store(workdir)  # default: fsync on
    times: list[float] = []
    duplicates = 0
    for rows in gen.batches():
        started = time.perf_counter()
        with store.transaction() as tx:
            result = tx.add_posts(rows)
        times.append(time.perf_counter() - started)
        duplicates += result.duplicates
        progress.batch_done(len(times), gen.offered_posts)

    def read() -> pd.DataFrame:
        # a fresh Store per read: nothing cached, as in a new 'monitor report' process
        return Store(workdir).read_posts(school_id=target[0], weeks=[target[1]])

    final = Store(workdir).read_posts(columns=["post_key", "school_id"])
    manifest = store.manifest()
    extra = {
        "disk_mb": store.size_bytes() / MB,
        "files": sum(len(v) for v in manifest.tables.values()),
        "retired_files": len(manifest.retired),
    }
    result = _finish(times, duplicates, read, final, extra)
    # New posts sit in the posts log until the service folds it (after each collection run): fold once, then read
    # the same school-week from its partition.
    started = time.perf_counter()
    folded = store.fold_log()
    result["fold_s"] = time.perf_counter() - started
    result["fold_posts_per_s"] = folded / result["fold_s"] if result["fold_s"] else 0.0
    read_times = []
    for _ in range(READ_REPEATS):
        started = time.perf_counter()
        assert len(read()) == result["read_rows"], "folding changes no row"
        read_times.append(time.perf_counter() - started)
    result["read_folded_ms"] = 1000 * statistics.median(read_times)
    return result


def run_csv(gen: Generator, workdir: Path, target: tuple[str, str], progress: Progress) -> dict[str, Any]:
    path = workdir / "posts.csv"
    columns = POSTS.columns
    times: list[float] = []
    duplicates = 0
    for rows in gen.batches():
        started = time.perf_counter()
        batch = pd.DataFrame([{**r, "week": iso_week(r["created_at"])} for r in rows], columns=columns)
        if path.exists():
            frame = pd.concat([_read_csv(path), batch], ignore_index=True)
            before = len(frame)
            frame = frame.drop_duplicates(subset=["post_key", "school_id"], keep="first")
            duplicates += before - len(frame)
        else:
            frame = batch
        _write_csv(frame, path)
        times.append(time.perf_counter() - started)
        progress.batch_done(len(times), gen.offered_posts)

    def read() -> pd.DataFrame:
        frame = _read_csv(path)
        frame = frame[(frame["school_id"] == target[0]) & (frame["week"] == target[1])].copy()
        for col in ("created_at", "fetched_at"):
            frame[col] = pd.to_datetime(frame[col], utc=True, format="ISO8601")
        return frame.sort_values("created_at", kind="stable").reset_index(drop=True)

    final = _read_csv(path)[["post_key", "school_id"]]
    return _finish(times, duplicates, read, final, {"disk_mb": path.stat().st_size / MB, "files": 1})


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Atomic and durable like the store: temp file, fsync, rename, fsync the directory."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as handle:
        frame.to_csv(handle, index=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def _finish(
    times: list[float], duplicates: int, read: Any, final: pd.DataFrame, extra: dict[str, Any]
) -> dict[str, Any]:
    read_times, rows = [], None
    for _ in range(READ_REPEATS):
        started = time.perf_counter()
        frame = read()
        read_times.append(time.perf_counter() - started)
        rows = len(frame)
    head = min(PROGRESS_EVERY, len(times))
    return {
        "append_s": sum(times),
        "first_batches_ms": 1000 * statistics.fmean(times[:head]),
        "last_batches_ms": 1000 * statistics.fmean(times[-head:]),
        "slowest_batch_ms": 1000 * max(times),
        "duplicates": duplicates,
        "read_first_ms": 1000 * read_times[0],
        "read_ms": 1000 * statistics.median(read_times),
        "read_rows": rows,
        "final_rows": len(final),
        "final_unique": int((~final.duplicated()).sum()),
        **extra,
    }


def child(args: argparse.Namespace) -> dict[str, Any]:
    rss_imports = _maxrss_mb()
    gen = Generator(args.posts, args.batch, args.schools, args.seed)
    target = _target(gen)
    if args.trace:
        tracemalloc.start()
    runner = run_store if args.variant == "store" else run_csv
    label = args.variant + (" traced" if args.trace else "")
    with tempfile.TemporaryDirectory(prefix=f"bench-{args.variant}-", dir=args.dir) as tmp:
        result = runner(gen, Path(tmp), target, Progress(label, gen.n_batches))
    if args.trace:
        result["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / MB
        tracemalloc.stop()
    result.update(
        variant=args.variant,
        traced=args.trace,
        rss_after_imports_mb=rss_imports,
        maxrss_mb=_maxrss_mb(),
        target=list(target),
        expected_read_rows=gen.expected[target],
        expected_rows=gen.unique_rows,
        expected_duplicates=gen.duplicate_rows,
        offered_posts=gen.offered_posts,
        offered_rows=gen.offered_rows,
        unique_posts=gen.unique_posts,
        refetched_posts=gen.refetched_posts,
    )
    # the checks: the variant must hold exactly the generated data, deduped
    assert result["read_rows"] == result["expected_read_rows"], result
    assert result["final_rows"] == result["final_unique"] == gen.unique_rows, result
    assert result["duplicates"] == gen.duplicate_rows, result
    return result


def _target(gen: Generator) -> tuple[str, str]:
    """The school-week read back: the busiest school, in the week in the middle of the period."""
    middle = START + SPAN / 2 + timedelta(days=3)
    return gen.school_ids[0], iso_week(middle)


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


# ---- parent -----------------------------------------------------------------------------------------------------
def spawn(args: argparse.Namespace, variant: str, trace: bool) -> subprocess.Popen[str]:
    command = [
        sys.executable, str(Path(__file__).resolve()), "--variant", variant,
        "--posts", str(args.posts), "--batch", str(args.batch), "--schools", str(args.schools),
        "--seed", str(args.seed),
    ]
    if args.dir:
        command += ["--dir", args.dir]
    if trace:
        command.append("--trace")
    print(f"running {variant}{' (tracemalloc)' if trace else ''} ...", file=sys.stderr)
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def collect(child: subprocess.Popen[str]) -> dict[str, Any]:
    out, _ = child.communicate()
    if child.returncode != 0:
        raise SystemExit(f"child {child.args} failed with exit code {child.returncode}")
    return json.loads(out.strip().splitlines()[-1])


def _filesystem(path: str) -> str:
    """The filesystem type holding ``path`` (fsync costs depend on it)."""
    best, kind = "", "?"
    try:
        with open("/proc/mounts", encoding="utf-8") as mounts:
            for line in mounts:
                fields = line.split()
                mount = fields[1]
                if (path == mount or path.startswith(mount.rstrip("/") + "/")) and len(mount) >= len(best):
                    best, kind = mount, fields[2]
    except OSError:
        pass
    return kind


def report(args: argparse.Namespace, runs: dict[str, dict[str, Any]], traced: dict[str, dict[str, Any]]) -> None:
    s, c = runs["store"], runs["csv"]
    base = args.dir or tempfile.gettempdir()
    print()
    print(
        f"school-monitor store benchmark: {s['offered_posts']} posts in {math.ceil(args.posts / args.batch)} "
        f"batches of {args.batch}, {args.schools} schools, 52 weeks, seed {args.seed}"
    )
    print(
        f"  generated: {s['unique_posts']} unique posts -> {s['expected_rows']} (post, school) rows; "
        f"{s['refetched_posts']} re-fetched posts ({s['expected_duplicates']} duplicate rows to drop)"
    )
    print(f"  read back: {s['target'][0]} week {s['target'][1]} ({s['expected_read_rows']} rows expected)")
    print(f"  temp dir: {base} ({_filesystem(os.path.realpath(base))}), fsync on; python {sys.version.split()[0]}")
    print()
    header = (
        f"{'variant':<10} {'append posts/s':>14} {'append s':>9} {'read ms':>8} {'rows':>5} "
        f"{'peak RSS MB':>11} {'tracemalloc MB':>14} {'final rows':>10} {'disk MB':>8}"
    )
    print(header)
    print("-" * len(header))
    for name, r in runs.items():
        print(
            f"{name:<10} {r['offered_posts'] / r['append_s']:>14,.0f} {r['append_s']:>9.1f} {r['read_ms']:>8.1f} "
            f"{r['read_rows']:>5} {r['maxrss_mb']:>11.0f} {_traced_mb(traced, name):>14} "
            f"{r['final_rows']:>10} {r['disk_mb']:>8.1f}"
        )
    print("-" * len(header))
    append_x = c["append_s"] / s["append_s"]
    read_x = c["read_ms"] / s["read_ms"]
    print(f"store/csv: append speedup {_times(append_x)}, read one school-week speedup {_times(read_x)},")
    ratio = f"{s['maxrss_mb'] / c['maxrss_mb']:.2f} (store {s['maxrss_mb']:.0f} MB / csv {c['maxrss_mb']:.0f} MB)"
    if traced:
        t_store, t_csv = traced["store"]["tracemalloc_peak_mb"], traced["csv"]["tracemalloc_peak_mb"]
        ratio += f", tracemalloc peak ratio {t_store / t_csv:.2f} ({t_store:.0f} MB / {t_csv:.0f} MB)"
    print(f"           peak RSS ratio {ratio}")
    print()
    print("details:")
    for name, r in runs.items():
        print(
            f"  {name:<6} batch ms: first {PROGRESS_EVERY} avg {r['first_batches_ms']:.0f}, last {PROGRESS_EVERY} "
            f"avg {r['last_batches_ms']:.0f}, slowest {r['slowest_batch_ms']:.0f}; read ms: first "
            f"{r['read_first_ms']:.1f}, median of {READ_REPEATS} {r['read_ms']:.1f}; files {r['files']}"
            + (f" (+{r['retired_files']} retired)" if "retired_files" in r else "")
        )
        if "fold_s" in r:
            print(f"  {name:<6} the posts log folded into partitions afterwards: {r['fold_s']:.1f} s "
                  f"({r['fold_posts_per_s']:,.0f} posts/s, as the service does after a collection run); read ms "
                  f"after folding: median of {READ_REPEATS} {r['read_folded_ms']:.1f}")
    print(
        f"  RSS after imports (pandas, pyarrow): {s['rss_after_imports_mb']:.0f} MB; "
        "tracemalloc counts Python and numpy allocations only, not Arrow's memory pool"
    )
    print(f"  final posts count: store {s['final_rows']}, csv {c['final_rows']} (expected {s['expected_rows']})")
    for r in (*runs.values(), *traced.values()):
        assert r["final_rows"] == s["expected_rows"], r


def _traced_mb(traced: dict[str, dict[str, Any]], name: str) -> str:
    return f"{traced[name]['tracemalloc_peak_mb']:.0f}" if name in traced else "-"


def _times(factor: float) -> str:
    return f"{factor:.2f}x" + (" (store slower)" if factor < 1 else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000, help="posts offered in total (incl. re-fetches)")
    parser.add_argument("--batch", type=int, default=1000, help="posts per batch / transaction")
    parser.add_argument("--schools", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", default=None, help="where the temporary directories go (default: system temp)")
    parser.add_argument(
        "--no-tracemalloc", action="store_true", help="skip the second, traced run per variant (halves run time)"
    )
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)  # child mode
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)  # child: run under tracemalloc
    args = parser.parse_args()
    if args.posts < 1 or args.batch < 1 or args.schools < 1:
        parser.error("--posts, --batch and --schools must be positive")
    if args.variant:
        print(json.dumps(child(args)))
        return
    started = time.perf_counter()
    # timing runs one at a time; the traced runs only report memory (per process), so they may run side by side
    runs = {v: collect(spawn(args, v, trace=False)) for v in VARIANTS}
    children = {} if args.no_tracemalloc else {v: spawn(args, v, trace=True) for v in VARIANTS}
    traced = {v: collect(child) for v, child in children.items()}
    report(args, runs, traced)
    print(f"  total benchmark time {time.perf_counter() - started:.0f} s ({len(runs) + len(traced)} child processes)")


if __name__ == "__main__":
    main()
