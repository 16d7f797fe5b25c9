"""collect end to end: config -> RSS over a local server -> matching -> privacy -> store; failures isolated."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.config import Config, load_config
from monitor.errors import StoreError
from monitor.pipeline import collect
from monitor.setup import SOURCES_MARKER, example_config_text
from monitor.store import Store, Transaction
from tests.conftest import LocalServer, Reply, feed_bytes, rss_feed


def write_config(tmp_path: Path, sources: dict[str, str]) -> Config:
    head = example_config_text().split(SOURCES_MARKER)[0]
    body = "".join(
        f'\n[[sources]]\nname = "{name}"\ntype = "rss"\nurl = "{url}"\nretries = 1\n' for name, url in sources.items()
    )
    path = tmp_path / "monitor.toml"
    path.write_text(head + body, encoding="utf-8")
    return load_config(path)


def test_collect_stores_matched_posts_once(tmp_path: Path, local_server: LocalServer) -> None:
    url = local_server.add(
        "/nieuws.xml",
        Reply(body=feed_bytes("regionieuws.xml"), headers={"ETag": '"r1"'}),
    )
    config = write_config(tmp_path, {"regionieuws": url})
    store = Store(config.data_dir)
    [run] = collect(config, store)
    assert (run.status, run.fetched, run.new, run.unmatched, run.skipped) == ("ok", 16, 12, 5, 0)
    posts = store.read_posts()
    assert len(posts) == 12 and posts["post_key"].nunique() == 11  # one item is about both schools
    assert set(posts["school_id"]) == {"regenboog-zoetermeer", "zilvermeer-almere"}
    assert posts["match_rule"].str.len().min() > 0
    assert posts["author"].str.startswith("p-").all(), "authors are pseudonymised"
    assert store.read("raw")["post_key"].nunique() == 11, "raw payload kept per stored post"
    assert store.read_state() == {("regionieuws", "feed"): {"etag": '"r1"'}}

    [again] = collect(config, store)  # the server ignores If-None-Match here: dedupe does the work
    assert (again.new, again.duplicates) == (0, 12)
    assert len(store.read_posts()) == 12
    assert len(store.read_runs()) == 2


def test_one_failing_source_does_not_stop_the_others(tmp_path: Path, local_server: LocalServer) -> None:
    config = write_config(
        tmp_path,
        {
            "kapot": local_server.add("/kapot", Reply(500)),
            "geweigerd": local_server.add("/geweigerd", Reply(401)),
            "forum": local_server.add("/forum.atom", Reply(body=feed_bytes("ouderforum.atom"))),
        },
    )
    runs = {r.source: r for r in collect(config, Store(config.data_dir))}
    assert runs["kapot"].status == "mislukt" and "HTTP 500" in runs["kapot"].message
    assert runs["geweigerd"].status == "mislukt" and "weigert toegang" in runs["geweigerd"].message
    assert runs["forum"].status == "ok" and runs["forum"].new == 12
    stored = Store(config.data_dir).read_runs()
    assert set(stored["status"]) == {"mislukt", "ok"}
    assert stored.loc[stored["source"] == "kapot", "errors"].item() == 1


def test_bad_item_is_skipped_and_counted(tmp_path: Path, local_server: LocalServer) -> None:
    body = rss_feed(
        [
            {"guid": "leeg", "title": "", "description": ""},
            {"guid": "goed", "title": "Zilvermeer College opent nieuwe aula"},
        ]
    )
    config = write_config(tmp_path, {"feed": local_server.add("/feed", Reply(body=body))})
    [run] = collect(config, Store(config.data_dir))
    assert (run.fetched, run.skipped, run.new, run.status) == (2, 1, 1, "ok")


def test_cursor_is_not_saved_when_storing_fails(
    tmp_path: Path, local_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = local_server.add("/feed", Reply(body=feed_bytes("regionieuws.xml"), headers={"ETag": '"v1"'}))
    config = write_config(tmp_path, {"feed": url})
    store = Store(config.data_dir)
    real = Transaction.add_posts

    def broken(self: Transaction, rows: list[dict]) -> object:
        raise StoreError("schijf vol")

    monkeypatch.setattr(Transaction, "add_posts", broken)
    [failed] = collect(config, store)
    assert failed.status == "mislukt" and "schijf vol" in failed.message
    assert store.read_state() == {}
    monkeypatch.setattr(Transaction, "add_posts", real)
    [ok] = collect(config, store)
    assert "if-none-match" not in local_server.hits("/feed")[-1].headers, "no cursor: the feed is read in full"
    assert ok.new == 12


def test_source_option_selects_and_unknown_source_is_an_error(tmp_path: Path, local_server: LocalServer) -> None:
    config = write_config(
        tmp_path,
        {
            "a": local_server.add("/a", Reply(body=rss_feed([{"guid": "1", "title": "Zilvermeer College"}]))),
            "b": local_server.add("/b", Reply(500)),
        },
    )
    runs = collect(config, Store(config.data_dir), ["a"])
    assert [r.source for r in runs] == ["a"]
    assert local_server.hits("/b") == []
    with pytest.raises(Exception, match="Onbekende bron 'c'"):
        collect(config, Store(config.data_dir), ["c"])


def test_demo_runs_end_to_end_offline(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "demo", "--dir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "160", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert "Klaar." in result.stdout
    store = Store(tmp_path / "demo" / "data")
    posts = store.read_posts()
    # 33 from the feeds, 8 X, 8 Reddit, 8 Mastodon, 7 Bluesky, 6 imported by hand; 1 Reddit post deleted there.
    assert posts["post_key"].nunique() == 69
    assert set(posts["platform"]) >= {"rss", "x", "reddit", "mastodon", "bluesky", "facebook", "instagram"}
    runs = store.read_runs()
    assert (runs["status"] == "ok").all()
    assert "regel 9" in result.stdout, "the bad import row is reported with its line number"
    assert "8. Overige berichten" in result.stdout and "Deze week " in result.stdout
    from monitor.web.users import UserStore

    accounts = UserStore(tmp_path / "demo" / "data").users()
    assert sorted(u.role for u in accounts) == ["beheer", "communicatie", "management", "veiligheid"]
    for account in accounts:
        password = re.search(rf"{account.name}\s+{account.role}\s+.*?wachtwoord: (\S+)", result.stdout)
        assert password and UserStore(tmp_path / "demo" / "data").verify(account.name, password.group(1)), account
    assert "monitor web --config" in result.stdout and "http://127.0.0.1:8080/" in result.stdout
    alerts = list((tmp_path / "demo" / "mail-meldingen").glob("*.eml"))
    assert alerts and f"{len(alerts)} melding(en) ontvangen" in result.stdout, "the demo shows alerts leaving at once"
    assert store.read("alerts")["status"].eq("verzonden").sum() == len(alerts)
    digests = list((tmp_path / "demo" / "data" / "digests").glob("*/regenboog-zoetermeer.txt"))
    assert digests and "8. Overige berichten" in digests[0].read_text(encoding="utf-8")
    # Running the demo again starts afresh and gives the same result.
    again = subprocess.run(
        [sys.executable, "-m", "monitor", "demo", "--dir", str(tmp_path / "demo")],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert again.returncode == 0, again.stderr
    assert Store(tmp_path / "demo" / "data").read_posts()["post_key"].nunique() == 69


def test_demo_refuses_to_wipe_a_foreign_directory(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "belangrijk.txt").write_text("niet weggooien")
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "demo", "--dir", str(tmp_path / "mine")],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode != 0
    assert result.stderr.startswith("fout:") and "geen demomap" in result.stderr
    assert (tmp_path / "mine" / "belangrijk.txt").exists()


def test_replies_inherit_the_school_of_their_thread(
    tmp_path: Path, local_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import UTC, datetime

    from connectors.testing import FakeItem
    from connectors.testing.reddit import RedditFake
    from monitor.demo_platforms import DemoPlatform, sources_toml

    fake = RedditFake(local_server)
    for name, value in fake.env.items():
        monkeypatch.setenv(name, value)
    when = datetime(2026, 11, 20, 12, tzinfo=UTC)
    fake.publish([FakeItem("abc", "Is het Zilvermeer College in Almere een goede school?", "vader1", when)])
    fake.add_comments(
        "abc",
        [
            FakeItem("c1", "Mijn dochter zit er met veel plezier, de mentoren zijn top", "moeder2", when),
            FakeItem("c2", "Eens, en de rector luistert echt", "moeder3", when),
        ],
    )
    fake.add_comments("abc", [FakeItem("c3", "Klopt helemaal", "oud-leerling", when)], parent="c1")
    head = example_config_text().split(SOURCES_MARKER)[0]
    platform = DemoPlatform("reddit", "reddit", fake.source_options(), fake)
    path = tmp_path / "monitor.toml"
    path.write_text(head + sources_toml([platform]), encoding="utf-8")
    config = load_config(path)
    store = Store(config.data_dir)
    [run] = collect(config, store)
    assert run.status == "ok", run.message
    posts = store.read_posts()
    rules = dict(zip(posts["native_id"], posts["match_rule"], strict=True))
    assert set(rules) == {"t3_abc", "t1_c1", "t1_c2", "t1_c3"}
    assert rules["t1_c3"] == "reactie op een bericht over deze school"
    assert set(posts["school_id"]) == {"zilvermeer-almere"}
