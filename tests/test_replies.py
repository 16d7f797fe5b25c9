"""Replies that come before the post they answer (platforms list newest first) still inherit the thread's school,
at any depth; one unreadable Reddit thread does not stop the search; Mastodon replies meet their parent's uri."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.testing import FakeItem
from connectors.testing.mastodon import MastodonFake
from connectors.testing.reddit import RedditFake
from connectors.testing.server import LocalServer
from monitor.config import load_config
from monitor.demo_platforms import DemoPlatform, sources_toml
from monitor.pipeline import collect
from monitor.setup import SOURCES_MARKER, example_config_text
from monitor.store import Store

WHEN = datetime(2026, 11, 20, 12, tzinfo=UTC)
INHERITED = "reactie op een bericht over deze school"


def collect_from(tmp_path: Path, platform: DemoPlatform, changes: dict[str, str] | None = None) -> tuple[Store, list]:
    """The example schools (``changes`` replaces text in their config) and one platform source, collected once."""
    head = example_config_text().split(SOURCES_MARKER)[0]
    for old, new in (changes or {}).items():
        assert old in head
        head = head.replace(old, new)
    path = tmp_path / "monitor.toml"
    path.write_text(head + sources_toml([platform]), encoding="utf-8")
    config = load_config(path)
    store = Store(config.data_dir)
    return store, collect(config, store)


def reddit(local_server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> RedditFake:
    fake = RedditFake(local_server)
    for name, value in fake.env.items():
        monkeypatch.setenv(name, value)
    return fake


def at(minutes: int) -> datetime:
    return WHEN + timedelta(minutes=minutes)


def test_reddit_replies_at_any_depth_inherit_the_school(
    tmp_path: Path, local_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = reddit(local_server, monkeypatch)
    fake.publish([FakeItem("abc", "Is het Zilvermeer College in Almere een goede school?", "vader1", WHEN)])
    fake.add_comments("abc", [FakeItem("c1", "Mijn dochter zit er met plezier", "moeder2", at(1))])
    fake.add_comments("abc", [FakeItem("c2", "Die van mij niet", "moeder3", at(2))], parent="c1")
    fake.add_comments("abc", [FakeItem("c3", "Waarom niet?", "vader4", at(3))], parent="c2")
    fake.add_comments("abc", [FakeItem("c4", "Ze wordt elke dag uitgelachen", "moeder3", at(4))], parent="c3")
    store, [run] = collect_from(tmp_path, DemoPlatform("reddit", "reddit", fake.source_options(), fake))
    assert run.status == "ok", run.message
    posts = store.read_posts()
    rules = dict(zip(posts["native_id"], posts["match_rule"], strict=True))
    assert set(rules) == {"t3_abc", "t1_c1", "t1_c2", "t1_c3", "t1_c4"}  # newest (deepest) first, none lost
    assert {rules[k] for k in ("t1_c1", "t1_c2", "t1_c3", "t1_c4")} == {INHERITED}
    assert run.unmatched == 0


def test_one_unreadable_reddit_thread_is_a_notice_and_the_search_goes_on(
    tmp_path: Path, local_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = reddit(local_server, monkeypatch)
    fake.publish([
        FakeItem("prive", "Zilvermeer College in Almere: ervaringen?", "a1", at(10)),
        FakeItem("open", "Open dag Zilvermeer College in Almere", "a2", at(5)),
    ])
    fake.add_comments("prive", [FakeItem("p1", "Niet te zien", "b1", at(11))])
    fake.add_comments("open", [FakeItem("o1", "Was erg leuk", "b2", at(6))])
    fake.refuse_comments("prive", 403)
    store, [run] = collect_from(tmp_path, DemoPlatform("reddit", "reddit", fake.source_options(), fake))
    assert run.status == "ok", run.message
    assert set(store.read_posts()["native_id"]) == {"t3_prive", "t3_open", "t1_o1"}
    assert any("t3_prive" in notice and "overgeslagen" in notice for notice in run.notices)


def test_mastodon_replies_are_joined_to_their_parent_uri(tmp_path: Path, local_server: LocalServer) -> None:
    fake = MastodonFake(local_server, instances=("mastodon.example",))
    parent = FakeItem("ouder", "Wat vinden jullie van het Zilvermeer College in Almere? #zilvermeercollege",
                      "a@x.example", at(0))
    reply = FakeItem("antwoord", "Goede mentoren daar #schoolkeuze", "b@y.example", at(5))
    deeper = FakeItem("dieper", "Helemaal mee eens #schoolkeuze", "c@z.example", at(9))
    fake.publish([parent, reply, deeper])
    fake.set_reply("antwoord", "ouder")
    fake.set_reply("dieper", "antwoord")
    store, [run] = collect_from(tmp_path, DemoPlatform("mastodon", "mastodon", fake.source_options(), fake))
    assert run.status == "ok", run.message
    posts = store.read_posts()
    by_text = {text.split(" ")[0]: row for text, row in zip(posts["text"], posts.to_dict("records"), strict=True)}
    assert by_text["Goede"]["match_rule"] == INHERITED and by_text["Helemaal"]["match_rule"] == INHERITED
    assert by_text["Goede"]["reply_to"] == by_text["Wat"]["native_id"]  # the parent's uri, not a local id
    assert by_text["Helemaal"]["reply_to"] == by_text["Goede"]["native_id"]


def test_a_mastodon_reply_to_a_post_stored_earlier_is_joined_through_a_lookup(
    tmp_path: Path, local_server: LocalServer
) -> None:
    fake = MastodonFake(local_server, instances=("mastodon.example",), match_tags=True)
    parent = FakeItem("ouder", "Het Zilvermeer College in Almere heeft een nieuwe rector #zilvermeercollege",
                      "a@x.example", at(0))
    fake.publish([parent])
    options = fake.source_options(hashtags=["zilvermeercollege", "onderwijs"])
    platform = DemoPlatform("mastodon", "mastodon", options, fake)
    store, [first] = collect_from(tmp_path, platform)
    assert first.status == "ok" and first.new == 1, first.message
    # The next run finds a reply under another hashtag; its parent is only in the store, known by its uri.
    fake.publish([parent, FakeItem("antwoord", "Eindelijk! #onderwijs", "b@y.example", at(5))])
    fake.set_reply("antwoord", "ouder")
    store, [second] = collect_from(tmp_path, platform)
    assert second.status == "ok", second.message
    posts = store.read_posts()
    rules = dict(zip(posts["text"], posts["match_rule"], strict=True))
    assert rules["Eindelijk! #onderwijs"] == INHERITED
    assert any("/api/v1/statuses/" in r.path for r in local_server.requests)
