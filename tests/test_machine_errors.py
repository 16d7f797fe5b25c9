"""Errors of the machine (a full disk, a read-only one) end every command in one Dutch ``fout:`` line with a
non-zero exit, never a traceback, and the data already stored stays whole. Real file systems: a small tmpfs that
is filled up, then remounted read-only (the tests skip, saying why, where this machine cannot mount)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.setup import example_config_text
from monitor.store import Store
from tests.digest_helpers import REGENBOOG, item, seed_items

COMMANDS = [
    ["collect"],
    ["import", "IMPORT"],
    ["digest", "--week", "2026-W47"],
    ["dashboard"],
    ["review", "show", "REF"],
    ["rematch", "--yes"],
]


def mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, timeout=30)


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    point = tmp_path / "schijf"
    point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("een tmpfs aankoppelen vraagt root; deze test draait alleen als root (bijvoorbeeld in CI)")
    try:
        mount("-t", "tmpfs", "-o", "size=16m", "tmpfs", str(point))
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"kan hier geen tmpfs aankoppelen: {exc}")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False, capture_output=True, timeout=30)


def fill(folder: Path) -> None:
    """Write until the file system says it is full."""
    with (folder / "vulling.bin").open("wb", buffering=0) as handle:
        for size in (1024 * 1024, 4096, 1):  # big blocks, then the last few
            try:
                while True:
                    handle.write(b"\0" * size)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise


def prepared(tmp_path: Path, disk: Path) -> tuple[Path, str]:
    """A config whose data directory is on ``disk``, with a post stored; returns the config path and a post ref."""
    from monitor.review import post_ref

    text = example_config_text().replace('data_dir = "monitor-data"', f'data_dir = "{disk / "data"}"')
    path = tmp_path / "monitor.toml"
    path.write_text(text, encoding="utf-8")
    store = Store(load_config(path).data_dir)
    seed_items(store, [item(1, REGENBOOG, "Juf Anna van De Regenboog is geweldig", "positief")])
    (tmp_path / "gevonden.csv").write_text("url,text,date,platform\nhttps://fb.example/1,Pesten op De Regenboog in "
                                           "Zoetermeer,2026-11-20,facebook\n", encoding="utf-8")
    return path, post_ref("rss:1")


def run(config: Path, args: list[str], ref: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    args = [str(tmp_path / "gevonden.csv") if a == "IMPORT" else ref if a == "REF" else a for a in args]
    return subprocess.run([sys.executable, "-m", "monitor", *args, "--config", str(config)], capture_output=True,
                          text=True, timeout=300, check=False, cwd=tmp_path,
                          env={**os.environ, "COLUMNS": "200", "MONITOR_LOG_LEVEL": "ERROR"})


def assert_one_fout_line(result: subprocess.CompletedProcess[str], words: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("fout: ") and words in last, result.stderr


@pytest.mark.parametrize("args", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_a_full_disk_is_one_dutch_line_and_the_store_stays_whole(tmp_path: Path, disk: Path, args: list[str]) -> None:
    config, ref = prepared(tmp_path, disk)
    before = Store(load_config(config).data_dir).read_posts()
    fill(disk)
    result = run(config, args, ref, tmp_path)
    if result.returncode == 0:  # nothing had to be written (e.g. nothing new): then it must say nothing wrong
        assert "fout" not in result.stderr
    else:
        assert_one_fout_line(result, "de schijf is vol")
    (disk / "vulling.bin").unlink()
    after = Store(load_config(config).data_dir).read_posts()
    assert set(before["post_key"]) <= set(after["post_key"]), "nothing stored was lost"


@pytest.mark.parametrize("args", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_a_read_only_disk_is_one_dutch_line(tmp_path: Path, disk: Path, args: list[str]) -> None:
    config, ref = prepared(tmp_path, disk)
    mount("-o", "remount,ro", str(disk))
    result = run(config, args, ref, tmp_path)
    if result.returncode == 0:
        assert "fout" not in result.stderr
    else:
        assert_one_fout_line(result, "alleen-lezen")
    mount("-o", "remount,rw", str(disk))
    assert len(Store(load_config(config).data_dir).read_posts()) == 1
