"""The retention purge: old posts, raw payloads, notes, digests and logs go; weekly aggregates and the audit stay."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from monitor.aggregates import read_weekly, refresh_weekly
from monitor.cli import app
from monitor.config import Config, load_config
from monitor.retention import purge
from monitor.review import mark
from monitor.store import Store
from monitor.store.schema import iso_week
from tests.factories import MONDAY_W47, example_config, labelled, seed
from tests.test_erasure import traces

NOW = MONDAY_W47 + timedelta(days=2)  # Wednesday of 2026-W47
OLD = NOW - timedelta(weeks=30)  # beyond the default 26 weeks
EDGE = NOW - timedelta(weeks=26)  # in the cutoff week itself: kept (whole weeks)
RECENT = NOW - timedelta(days=1)


def raw_row(key: str, fetched_at: datetime) -> dict[str, object]:
    return {"post_key": key, "source": "regionieuws", "query": "q", "fetched_at": fetched_at, "connector": "rss",
            "connector_version": "1", "payload": f'{{"title": "payload van {key}"}}'}


def run_row(n: int, started: datetime) -> dict[str, object]:
    return {"run_id": f"run{n}", "source": "regionieuws", "connector": "rss", "started_at": started,
            "finished_at": started, "status": "ok", "fetched": 1, "new": 1, "duplicates": 0, "unmatched": 0,
            "skipped": 0, "errors": 0, "message": "", "notices": ""}


def world(tmp_path: Path) -> tuple[Config, Store]:
    config = example_config(tmp_path)
    store = Store(config.data_dir)
    rows = [
        labelled(1, "regenboog-zoetermeer", "Oudverhaal1 over De Regenboog", "negatief", ["pesten"], OLD),
        labelled(2, "zilvermeer-almere", "Oudverhaal2 over het Zilvermeer College", "positief", [], OLD),
        labelled(3, "regenboog-zoetermeer", "Randgeval over De Regenboog", "neutraal", [], EDGE),
        labelled(4, "regenboog-zoetermeer", "Nieuwtje over De Regenboog", "neutraal", [], RECENT),
    ]
    seed(store, [p for p, _ in rows], [label for _, label in rows])
    with store.transaction() as tx:
        tx.add_raw([raw_row("rss:1", OLD), raw_row("rss:3", NOW - timedelta(days=20)),
                    raw_row("rss:4", NOW - timedelta(days=3))])
        tx.add_run(run_row(1, NOW - timedelta(days=400)))
        tx.add_run(run_row(2, NOW - timedelta(days=10)))
    mark(store, "rss:1", "besproken", note="Oudverhaal1 besproken met juf")
    mark(store, "rss:4", "geen-actie", note="nieuwe notitie")
    for week in (iso_week(OLD), iso_week(RECENT)):
        (config.data_dir / "digests" / week).mkdir(parents=True)
        (config.data_dir / "digests" / week / "regenboog-zoetermeer.html").write_text(f"<p>digest {week}</p>")
    return config, store


def test_purge_applies_every_retention_period(tmp_path: Path) -> None:
    config, store = world(tmp_path)
    weekly_before = read_weekly(store, weeks=[iso_week(OLD)])

    result = purge(config, store, now=NOW)

    assert result.posts == 2 and result.post_rows == 2
    assert set(store.read_posts()["post_key"]) == {"rss:3", "rss:4"}, "the cutoff week itself is kept"
    assert set(store.read("labels")["post_key"]) == {"rss:3", "rss:4"}
    assert set(store.read("post_index")["post_key"]) == {"rss:3", "rss:4"}
    assert set(store.read("raw")["post_key"]) == {"rss:4"}, "raw: 14 days after fetching, also of kept posts"
    assert result.raw == 1
    reviews = store.read("reviews").set_index("status")
    assert reviews.loc["besproken", "note"] == "" and reviews.loc["besproken", "post_key"].startswith("gewist:")
    assert reviews.loc["geen-actie", "note"] == "nieuwe notitie", "notes of kept posts stay"
    assert result.digests == [iso_week(OLD)]
    assert not (config.data_dir / "digests" / iso_week(OLD)).exists()
    assert (config.data_dir / "digests" / iso_week(RECENT)).exists()
    assert list(store.read("runs")["run_id"]) == ["run2"] and result.logs["runs"] == 1
    weekly_after = read_weekly(store, weeks=[iso_week(OLD)])
    assert len(weekly_after) == len(weekly_before) > 0, "aggregates of purged weeks are kept"
    refresh_weekly(store)  # recomputing weeks that still have posts leaves the purged ones alone
    assert len(read_weekly(store, weeks=[iso_week(OLD)])) == len(weekly_before)
    audit = store.read("audit")
    assert "purge" in set(audit["action"])
    assert traces(config.data_dir, ("oudverhaal1", "oudverhaal2", "payload van rss:1")) == [], "no copy left on disk"


def test_purge_twice_removes_nothing_more(tmp_path: Path) -> None:
    config, store = world(tmp_path)
    purge(config, store, now=NOW)
    again = purge(config, store, now=NOW)
    assert (again.posts, again.raw, again.reviews, again.digests) == (0, 0, 0, [])
    assert len(store.read_posts()) == 2


def test_retention_settings_come_from_the_config(tmp_path: Path) -> None:
    config, store = world(tmp_path)
    assert config.path is not None
    text = config.path.read_text().replace("post_retention_weeks = 26", "post_retention_weeks = 1")
    config.path.write_text(text.replace("raw_retention_days = 14", "raw_retention_days = 30"))
    result = purge(load_config(config.path), store, now=NOW)
    assert set(store.read_posts()["post_key"]) == {"rss:4"}
    assert set(store.read("raw")["post_key"]) == {"rss:4"} and result.raw == 0, "rss:3 went with its post"


def test_purge_command_prints_a_dutch_summary(tmp_path: Path) -> None:
    config, _ = world(tmp_path)
    result = CliRunner().invoke(app, ["purge", "--config", str(config.path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Weektotalen voor de trendgrafieken blijven bewaard." in result.output
    assert "Berichten van vóór week" in result.output
