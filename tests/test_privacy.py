"""Pseudonymisation, the pseudonym key that `monitor init` creates, raw-payload scrubbing and the audit log."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monitor.audit import read_audit
from monitor.cli import app
from monitor.config import load_config
from monitor.privacy import KEY_FILE, Pseudonymiser, is_pseudonym, read_suppressed
from monitor.records import Match, Post
from monitor.review import post_ref
from monitor.store import Store
from tests.factories import example_config, post_row, seed


def invoke(*args: str) -> object:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_init_creates_an_owner_only_pseudonym_key_once(tmp_path: Path) -> None:
    path = tmp_path / "monitor.toml"
    invoke("init", str(path))
    key_file = load_config(path).data_dir / KEY_FILE
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    key = key_file.read_bytes()
    assert len(key) == 64
    invoke("init", str(path), "--force")
    assert key_file.read_bytes() == key, "an existing key is never replaced (pseudonyms would change)"


def test_init_creates_no_key_file_when_the_environment_has_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONITOR_PSEUDONYM_KEY", "sleutel-uit-de-omgeving")
    path = tmp_path / "monitor.toml"
    invoke("init", str(path))
    assert not (load_config(path).data_dir / KEY_FILE).exists()


def test_same_author_same_pseudonym_whatever_the_spelling() -> None:
    pseudonymiser = Pseudonymiser(b"k1")
    first = pseudonymiser.pseudonym("x", "@JanJansen")
    assert is_pseudonym(first)
    assert pseudonymiser.pseudonym("x", "janjansen ") == first
    assert pseudonymiser.pseudonym("reddit", "janjansen") != first, "platforms have separate namespaces"
    assert Pseudonymiser(b"k2").pseudonym("x", "janjansen") != first, "another key gives other pseudonyms"
    assert pseudonymiser.author_pseudonym("x", first) == first, "a pseudonym is never hashed twice"


def post(author: str | None, native_id: str = "1") -> Post:
    moment = datetime(2026, 11, 16, tzinfo=UTC)
    return Post("x", native_id, "https://x.com/i/web/status/1", moment, moment, "tekst", author=author,
                matches=[Match("regenboog-zoetermeer", "naam")])


def test_apply_pseudonymises_and_drops_forgotten_posts_and_authors() -> None:
    pseudonymiser = Pseudonymiser(b"k")
    stored = pseudonymiser.apply(post("JanJansen"))
    assert stored.author == pseudonymiser.pseudonym("x", "janjansen") and stored.matches
    forgotten = Pseudonymiser(b"k", suppressed={pseudonymiser.pseudonym("x", "JanJansen"),
                                                pseudonymiser.post_token("x:9")})
    assert forgotten.apply(post("@janjansen", "2")).matches == [], "a forgotten author's new post is not stored"
    assert forgotten.apply(post("PietPuk", "9")).matches == [], "a forgotten post is not stored again"
    assert forgotten.apply(post("PietPuk", "3")).matches and forgotten.dropped == 2
    plain = Pseudonymiser(b"k", enabled=False)
    assert plain.apply(post("JanJansen")).author == "JanJansen"


def test_scrub_payload_replaces_the_handle_unless_kept_for_safety() -> None:
    payload = {"author": "JanJansen", "url": "https://bsky.app/profile/janjansen/post/1",
               "nested": [{"acct": "@janjansen"}], "text": "JanJansenfan schreef iets", "count": 3}
    pseudonymiser = Pseudonymiser(b"k")
    pseudonym = pseudonymiser.pseudonym("bluesky", "JanJansen")
    scrubbed = pseudonymiser.scrub_payload(payload, "bluesky", "JanJansen")
    assert scrubbed["author"] == pseudonym and scrubbed["nested"][0]["acct"] == pseudonym
    assert scrubbed["url"] == f"https://bsky.app/profile/{pseudonym}/post/1"
    assert scrubbed["text"] == payload["text"] and scrubbed["count"] == 3
    assert "janjansen" not in str(scrubbed).casefold().replace("janjansenfan", "")
    kept = Pseudonymiser(b"k", keep_handles=True).scrub_payload(payload, "bluesky", "JanJansen")
    assert kept == payload


def test_suppression_list_is_read_from_the_store(tmp_path: Path) -> None:
    config = example_config(tmp_path)
    store = Store(config.data_dir)
    assert read_suppressed(store) == set(), "a new data directory has none"
    with store.transaction() as tx:
        tx.put_state("_privacy", "vergeten", {"tokens": ["p-0123456789abcdef"]})
    assert Pseudonymiser.from_config(config).suppressed == {"p-0123456789abcdef"}


def test_review_mark_and_show_are_audited_with_the_configured_actor(tmp_path: Path) -> None:
    config = example_config(tmp_path, "")
    assert config.path is not None
    config.path.write_text(config.path.read_text().replace('# actor = "Communicatie"', 'actor = "Communicatie"'))
    store = Store(config.data_dir)
    seed(store, [post_row(1, "regenboog-zoetermeer", "Geheime tekst over De Regenboog")])
    ref = post_ref("rss:1")
    invoke("review", "show", ref, "--config", str(config.path))
    invoke("review", "mark", ref, "--status", "besproken", "--note", "Notitie met naam", "--config", str(config.path))
    invoke("review", "mark", ref, "--status", "geen-actie", "--by", "Juf Anja", "--config", str(config.path))
    events = read_audit(store)
    assert list(events["action"]) == ["review-show", "review-mark", "review-mark"]
    assert list(events["actor"]) == ["Communicatie", "Communicatie", "Juf Anja"]
    assert set(events["target"]) == {ref}
    everything = events.to_json(date_format="iso")
    assert "Geheime tekst" not in everything and "Notitie met naam" not in everything, "no texts in the audit log"

    shown = CliRunner().invoke(app, ["audit", "--limit", "2", "--config", str(config.path)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "Juf Anja" in shown.output and "status van een bericht vastgelegd" in shown.output
    assert "bericht bekeken" not in shown.output, "--limit shows the last events only"


def test_audit_is_append_only(tmp_path: Path) -> None:
    from monitor.audit import record

    config = example_config(tmp_path)
    store = Store(config.data_dir)
    record(store, "export", "p-0123456789abcdef", {"berichten": 1}, actor="fg")
    first = read_audit(store)
    record(store, "forget", "p-0123456789abcdef", {"berichten": 1}, actor="fg")
    second = read_audit(store)
    assert second.iloc[: len(first)].equals(first), "earlier events are never changed"
    (tmp_path / "leeg").mkdir()
    empty = CliRunner().invoke(app, ["audit", "--config", str(example_config(tmp_path / "leeg").path)])
    assert "nog leeg" in empty.output


def test_stored_raw_payloads_hold_no_author_handle(tmp_path: Path, local_server: object) -> None:
    from tests.test_erasure import HANDLE, build_world

    _, store = build_world(tmp_path, local_server)  # type: ignore[arg-type]
    payloads = " ".join(store.read("raw")["payload"]).casefold()
    assert "pietpuk" not in payloads and HANDLE.casefold() not in payloads
