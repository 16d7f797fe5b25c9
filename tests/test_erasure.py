"""Erasure (``monitor forget``) and subject access (``monitor export``): every trace, in every file, is gone."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from monitor.cli import app
from monitor.config import Config, load_config
from monitor.errors import MonitorError
from monitor.records import now_utc
from monitor.review import mark, post_ref
from monitor.setup import SOURCES_MARKER, example_config_text
from monitor.store import Store
from tests.conftest import LocalServer, Reply
from tests.factories import label_row

ERASED_WORDS = ("zeldzaamwoord1", "zeldzaamwoord2")
HANDLE = "JanJansen"


def feed(items: list[tuple[str, str, str]]) -> bytes:
    """RSS with dc:creator authors: (guid, author, text) per item, published yesterday."""
    when = (now_utc() - timedelta(days=1)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    body = "".join(
        f"<item><guid>{guid}</guid><link>https://forum.example/t/{guid}</link><title>{html.escape(text)}</title>"
        f"<dc:creator>{author}</dc:creator><pubDate>{when}</pubDate></item>"
        for guid, author, text in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>Forum</title>{body}</channel></rss>"
    ).encode()


ITEMS = [
    ("a1", HANDLE, "Zeldzaamwoord1: op het Zilvermeer College in Almere wordt mijn kind gepest"),
    ("a2", "@janjansen", "Zeldzaamwoord2 — weer gedoe bij Zilvermeer College"),
    ("b1", "PietPuk", "Behoudwoord: mooie musical op het Zilvermeer College"),
]


def world_config(tmp_path: Path, url: str, changes: dict[str, str] | None = None) -> Config:
    """The example config with one RSS source; ``changes`` replaces lines of the example (e.g. a privacy setting)."""
    head = example_config_text().split(SOURCES_MARKER)[0]
    for old, new in (changes or {}).items():
        assert old in head
        head = head.replace(old, new)
    path = tmp_path / "monitor.toml"
    path.write_text(f'{head}\n[[sources]]\nname = "forum"\ntype = "rss"\nurl = "{url}"\n', encoding="utf-8")
    return load_config(path)


def build_world(tmp_path: Path, server: LocalServer, changes: dict[str, str] | None = None) -> tuple[Config, Store]:
    """Collected posts (real RSS connector), labels with evidence, a review note, saved digests and a dashboard."""
    from monitor.pipeline import collect

    url = server.add("/forum.xml", Reply(body=feed(ITEMS), headers={"Content-Type": "application/rss+xml"}))
    config = world_config(tmp_path, url, changes)
    store = Store(config.data_dir)
    [run] = collect(config, store)
    assert run.status == "ok" and run.new == 3, run
    posts = store.read_posts()
    with store.transaction() as tx:
        tx.append_labels([
            {**label_row(k, c, "negatief", ["pesten"], evidence=[t[:20]]), "week": w}
            for k, c, t, w in zip(posts["post_key"], posts["created_at"], posts["text"], posts["week"], strict=True)
        ])
    erased = posts[posts["text"].str.contains("Zeldzaamwoord1")].iloc[0]
    mark(store, erased["post_key"], "besproken", note="Zeldzaamwoord1 besproken met de ouders")
    week = str(erased["week"])
    digests = config.data_dir / "digests"
    (digests / week).mkdir(parents=True)
    (digests / week / "zilvermeer-almere.html").write_text(f"<p>{html.escape(str(erased['text']))}</p>")
    (digests / "2020-W01").mkdir()
    (digests / "2020-W01" / "zilvermeer-almere.html").write_text("<p>3 berichten</p>")
    (config.data_dir / "dashboard").mkdir()
    (config.data_dir / "dashboard" / "index.html").write_text("<p>totaal: 3</p>")
    (config.data_dir / "dashboard" / "links.html").write_text(f'<a href="{erased["url"]}">bericht</a>')
    return config, store


def every_file(data_dir: Path) -> Iterator[tuple[Path, str]]:
    """Each file in the data directory as lower-case text; Parquet files decoded (their pages are compressed)."""
    for path in sorted(data_dir.rglob("*")):
        if not path.is_file():
            continue
        raw = path.read_bytes()
        text = raw.decode("utf-8", "replace")
        if path.suffix == ".parquet":
            text += json.dumps(pq.read_table(path).to_pylist(), default=str, ensure_ascii=False)
        yield path, text.casefold()


def traces(data_dir: Path, words: tuple[str, ...]) -> list[str]:
    return [f"{p.relative_to(data_dir)}: {w}" for p, text in every_file(data_dir) for w in words if w in text]


def run_cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_forget_by_author_erases_every_trace_in_every_file(tmp_path: Path, local_server: LocalServer) -> None:
    config, store = build_world(tmp_path, local_server)
    erased_urls = ("https://forum.example/t/a1", "https://forum.example/t/a2")
    words = (*ERASED_WORDS, HANDLE.casefold(), *erased_urls)
    assert traces(config.data_dir, words), "the world holds the traces before erasure"

    result = run_cli("forget", "--author", "@JANJANSEN", "--yes", "--config", str(config.path))
    assert result.exit_code == 0, result.output
    assert "Gevonden: 2 berichten" in result.output
    assert "opnieuw gemaakt zonder deze berichten (niet verzonden): digests/" in result.output
    assert "bestand verwijderd (kon niet opnieuw gemaakt worden): dashboard/links.html" in result.output

    assert traces(config.data_dir, words) == []
    posts = store.read_posts()
    assert list(posts["text"].str.contains("Behoudwoord")) == [True], "other posts stay"
    assert (config.data_dir / "digests" / "2020-W01" / "zilvermeer-almere.html").exists()
    assert (config.data_dir / "dashboard" / "index.html").exists()
    assert not store.read("weekly").empty, "aggregates stay"
    reviews = store.read("reviews")
    assert set(reviews["status"]) == {"besproken", "gewist"} and set(reviews["note"]) == {""}
    forgotten = store.read("audit").query("action == 'forget'")
    assert len(forgotten) == 1 and forgotten.iloc[0]["target"].startswith("p-")


def test_forget_is_safe_to_rerun_and_the_post_is_not_collected_again(
    tmp_path: Path, local_server: LocalServer
) -> None:
    from monitor.pipeline import collect

    config, store = build_world(tmp_path, local_server)
    for _ in range(2):
        result = run_cli("forget", "--author", HANDLE, "--yes", "--config", str(config.path))
        assert result.exit_code == 0, result.output
    assert "Gevonden: 0 berichten" in result.output
    [run] = collect(config, store)  # the feed still serves the erased posts
    assert run.status == "ok" and run.new == 0
    assert traces(config.data_dir, ERASED_WORDS) == []
    assert len(store.read_posts()) == 1


def test_forget_by_url_and_by_text(tmp_path: Path, local_server: LocalServer) -> None:
    config, store = build_world(tmp_path, local_server)
    link = "https://FORUM.example/t/a1?utm_source=x"
    by_url = run_cli("forget", "--url", link, "--yes", "--config", str(config.path))
    assert by_url.exit_code == 0 and "Gevonden: 1 bericht." in by_url.output, by_url.output
    by_text = run_cli("forget", "--text-contains", "BEHOUDWOORD", "--yes", "--config", str(config.path))
    assert by_text.exit_code == 0 and "Gevonden: 1 bericht." in by_text.output, by_text.output
    texts = list(store.read_posts()["text"])
    assert len(texts) == 1 and "Zeldzaamwoord2" in texts[0]
    assert traces(config.data_dir, ("zeldzaamwoord1", "behoudwoord")) == []


def test_forget_asks_first_and_changes_nothing_without_consent(
    tmp_path: Path, local_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import monitor.commands.privacy as commands

    config, store = build_world(tmp_path, local_server)
    refused = CliRunner().invoke(app, ["forget", "--author", HANDLE, "--config", str(config.path)])
    assert "--yes" in str(refused.exception), "without a terminal, forget needs --yes"
    monkeypatch.setattr(commands, "_interactive", lambda: True)
    declined = CliRunner().invoke(app, ["forget", "--author", HANDLE, "--config", str(config.path)], input="n\n")
    assert declined.exit_code == 1
    assert "berichten (rijen per school): 2" in declined.output, "the counts are shown before asking"
    assert len(store.read_posts()) == 3
    accepted = CliRunner().invoke(app, ["forget", "--author", HANDLE, "--config", str(config.path)], input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert len(store.read_posts()) == 1


def test_forget_needs_exactly_one_criterion(tmp_path: Path, local_server: LocalServer) -> None:
    config, _ = build_world(tmp_path, local_server)
    for args in ([], ["--author", "a", "--url", "https://x.example/"], ["--text-contains", "ab"]):
        result = CliRunner().invoke(app, ["forget", *args, "--yes", "--config", str(config.path)])
        assert isinstance(result.exception, MonitorError), args


def test_export_finds_an_author_by_handle_although_handles_are_not_stored(
    tmp_path: Path, local_server: LocalServer
) -> None:
    config, store = build_world(tmp_path, local_server)
    assert HANDLE.casefold() not in json.dumps(store.read_posts()["author"].tolist()).casefold()
    result = run_cli("export", "--author", "@janjansen", "--config", str(config.path))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    texts = sorted(item["tekst"] for item in data["berichten"])
    assert len(texts) == 2 and texts[0].startswith("Zeldzaamwoord1") and texts[1].startswith("Zeldzaamwoord2")
    first = next(i for i in data["berichten"] if i["tekst"].startswith("Zeldzaamwoord1"))
    assert first["sentiment"] == "negatief" and first["categorieen"] == ["pesten"]
    assert first["beoordeling"][0]["status"] == "besproken" and "note" not in first["beoordeling"][0]
    assert first["ruwe_gegevens"], "raw payloads still kept are part of the export"
    out = tmp_path / "inzage.csv"
    as_csv = run_cli("export", "--author", HANDLE, "--format", "csv", "--out", str(out), "--config", str(config.path))
    assert as_csv.exit_code == 0 and out.read_text().count("\n") == 3
    exports = store.read("audit").query("action == 'export'")
    assert len(exports) == 2 and not exports["target"].str.contains(HANDLE, case=False).any()


def test_forget_works_when_pseudonymisation_is_off(tmp_path: Path, local_server: LocalServer) -> None:
    config, store = build_world(tmp_path, local_server, {"pseudonymise_authors = true": "pseudonymise_authors = false"})
    assert HANDLE in set(store.read_posts()["author"])
    result = run_cli("forget", "--author", "janjansen", "--yes", "--config", str(config.path))
    assert result.exit_code == 0 and "Gevonden: 2 berichten" in result.output, result.output


def test_erased_review_events_become_tombstones(tmp_path: Path, local_server: LocalServer) -> None:
    config, store = build_world(tmp_path, local_server)
    key = store.read_posts().query("text.str.contains('Zeldzaamwoord1')").iloc[0]["post_key"]
    run_cli("forget", "--url", "https://forum.example/t/a1", "--yes", "--config", str(config.path))
    events = store.read("reviews").sort_values("at")
    assert list(events["post_key"]) == [f"gewist:{post_ref(key)}"] * 2
    assert list(events["status"]) == ["besproken", "gewist"]


def test_forget_removes_real_saved_digests_and_rebuilds_the_dashboard(
    tmp_path: Path, local_server: LocalServer
) -> None:
    from dashboards.build import write_dashboard
    from monitor.digest import run_digests

    config, store = build_world(tmp_path, local_server, {"link_posts = false": "link_posts = true"})
    week = str(store.read_posts()["week"].iloc[0])
    results = run_digests(config, store, week=week)
    index = write_dashboard(config, store)
    saved = {r.html_path: r.school_id for r in results}
    other = {p: p.read_bytes() for p, school in saved.items() if school != "zilvermeer-almere"}
    assert other, "the other school has saved digests of that week too"
    words = ("zeldzaamwoord1", "zeldzaamwoord2", "forum.example/t/a1", "forum.example/t/a2")
    assert traces(config.data_dir / "digests", words), "the saved digests show the posts before erasure"

    result = run_cli("forget", "--author", HANDLE, "--yes", "--config", str(config.path))
    assert result.exit_code == 0, result.output
    assert traces(config.data_dir, words) == []
    assert all(path.exists() for path in saved), "the digests that held the posts are made again without them"
    assert any("Behoudwoord" in p.read_text(encoding="utf-8") for p, s in saved.items() if s == "zilvermeer-almere")
    assert all(path.read_bytes() == before for path, before in other.items()), "other schools' files stay as they were"
    assert index.exists(), "the dashboard is built again without the posts"
    assert "dashboard opnieuw gemaakt" in result.output or "dashboard/" not in result.output
