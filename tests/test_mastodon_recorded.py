"""The Mastodon connector on real statuses from mastodon.social, as Mastodon.py's own test suite recorded them
(tests/fixtures/README.md): a bridged Bluesky post that quotes and replies, a link card, a poll, media, and a chain
of replies newest first. Real Mastodon.py against 127.0.0.1; the fake serves the instance and the recorded page."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.mastodon import MastodonConnector, MastodonSettings
from connectors.testing.mastodon import FAKE_TAG, INSTANCES, STATUS, TIMELINE, MastodonFake
from connectors.testing.server import LocalServer, Reply
from monitor.config import School
from monitor.privacy import Pseudonymiser
from monitor.store import Store
from tests.factories import example_config

RECORDED = Path(__file__).parent / "fixtures" / "mastodon" / "statuses_mastodon_social.json"
JSON = {"Content-Type": "application/json; charset=utf-8"}
SCHOOL = School(id="zilvermeer-almere", name="Zilvermeer College", town="Almere")


def reply(value: Any, status: int = 200) -> Reply:
    return Reply(status, json.dumps(value).encode(), dict(JSON))


@pytest.fixture
def statuses() -> list[dict[str, Any]]:
    return list(json.loads(RECORDED.read_text(encoding="utf-8")))


@pytest.fixture
def connector(local_server: LocalServer, statuses: list[dict[str, Any]]) -> MastodonConnector:
    fake = MastodonFake(local_server)  # the instance endpoints Mastodon.py asks for first
    instance = INSTANCES[0]
    local_server.routes[f"/{instance}{TIMELINE}{FAKE_TAG}"] = [reply(statuses), reply([])]
    for status in statuses:  # the parents a reply names, by local id; one of them is not there (deleted, say)
        local_server.routes[f"/{instance}{STATUS}{status['id']}"] = [reply(status)]
    return MastodonConnector("mastodon-test", MastodonSettings.model_validate(fake.source_options()))


def mapped(connector: MastodonConnector) -> dict[str, Any]:
    [query] = connector.queries([SCHOOL])
    raws = [raw for page in connector.fetch(query, {}) for raw in page.items]
    return {raw.native_id: (raw, connector.to_post(raw)) for raw in raws}


def test_every_recorded_status_maps_with_its_uri_time_language_and_media(
    connector: MastodonConnector, statuses: list[dict[str, Any]]
) -> None:
    posts = mapped(connector)
    assert list(posts) == [s["uri"] for s in statuses], "the uri is the id, newest first as served"
    for status in statuses:
        _, post = posts[status["uri"]]
        assert post.url == status["url"]
        assert post.created_at == datetime.fromisoformat(status["created_at"].replace("Z", "+00:00"))
        assert post.language == status["language"]
        assert post.has_media == bool(status["media_attachments"])
        assert post.text and "<" not in post.text
    poll = next(p for _, p in posts.values() if "secret test poll" in p.text)
    assert poll.has_media is False


def test_replies_point_at_their_parents_uri_even_when_they_come_first(
    connector: MastodonConnector, statuses: list[dict[str, Any]]
) -> None:
    posts = mapped(connector)
    by_id = {s["id"]: s for s in statuses}
    for status in statuses:
        parent = status["in_reply_to_id"]
        raw, post = posts[status["uri"]]
        if parent in by_id:
            assert post.reply_to == by_id[parent]["uri"], "a remote post's uri, not the local id"
        elif parent:
            assert post.reply_to == f"{raw.payload['instance']}:{parent}", "an unknown parent keeps the local id"
        else:
            assert post.reply_to is None
    chain = [s for s in statuses if s["id"] in ("110447012773105565", "110447003454258227", "110447001287656894")]
    assert [posts[s["uri"]][1].reply_to for s in chain][:2] == [chain[1]["uri"], chain[2]["uri"]]


def test_a_quote_of_a_bridged_bluesky_post_keeps_the_quoted_uri(
    connector: MastodonConnector, statuses: list[dict[str, Any]]
) -> None:
    posts = mapped(connector)
    quoting = next(s for s in statuses if s.get("quote"))
    _, post = posts[quoting["uri"]]
    assert post.quote_of == quoting["quote"]["quoted_status"]["uri"]


def test_the_stored_payload_of_a_real_status_names_nobody(
    connector: MastodonConnector, tmp_path: Path, statuses: list[dict[str, Any]]
) -> None:
    """Only the fields the mapping needs, and after scrubbing no acct, profile link or account id of anyone."""
    config = example_config(tmp_path)
    pseudonymiser = Pseudonymiser.from_config(config, Store(config.data_dir))
    accounts = {s["account"]["id"] for s in statuses} | {s["account"]["acct"].split("@")[0] for s in statuses}
    for raw, post in mapped(connector).values():
        assert "account" not in raw.payload and "avatar" not in json.dumps(raw.payload)
        scrubbed = json.dumps(pseudonymiser.scrub_payload(raw.payload, post.platform, post.author))
        text_free = json.loads(scrubbed)
        text_free.pop("content", None)
        rest = json.dumps(text_free)
        # whole values only: a short account id ("43") may turn up inside a random pseudonym
        assert not [a for a in accounts if re.search(rf"(?<![\w-]){re.escape(a)}(?![\w-])", rest)], rest
