"""The Reddit connector on Reddit's real answers, as praw's own test suite recorded them (tests/fixtures/README.md):
real praw against 127.0.0.1, the fake only signs the app in and hands out the recorded bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from connectors.reddit import RedditConnector, RedditSettings
from connectors.testing.reddit import RedditFake
from connectors.testing.server import LocalServer, Reply
from monitor.config import School
from monitor.demo_platforms import DemoPlatform
from monitor.matching import REPLY_RULE
from tests.test_replies import collect_from, reddit

RECORDED = Path(__file__).parent / "fixtures" / "reddit"
JSON = {"Content-Type": "application/json; charset=UTF-8"}
# A school named after words in the recorded thread's title ("Please be a good 'bot' citizen of reddit").
BOT_CITIZEN = School(id="bot-citizen", name="Bot Citizen College", town="Almere", aliases=["bot citizen"])


def recorded(name: str) -> Any:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


def body(value: Any) -> Reply:
    return Reply(body=json.dumps(value).encode(), headers=dict(JSON))


@pytest.fixture
def fake(local_server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> RedditFake:
    return reddit(local_server, monkeypatch)


def answer_search_with(fake: RedditFake, listing: Any) -> None:
    joined = "+".join(fake.subreddits)
    for path in (f"/r/{joined}/search", f"/r/{joined}/search/"):
        fake.server.routes[path] = [body(listing)]


def answer_comments_with(fake: RedditFake, answer: Any) -> str:
    submission = answer[0]["data"]["children"][0]["data"]
    for path in (f"/comments/{submission['id']}", f"/comments/{submission['id']}/"):
        fake.server.routes[path] = [body(answer)]
    return str(submission["name"])


def connector(fake: RedditFake, **options: Any) -> RedditConnector:
    return RedditConnector("reddit-test", RedditSettings.model_validate(fake.source_options(**options)))


def test_a_recorded_search_answer_maps_every_submission(fake: RedditFake) -> None:
    listing = recorded("search_praw.json")
    reddit = connector(fake, include_comments=False)
    answer_search_with(fake, listing)
    [query] = reddit.queries([BOT_CITIZEN])
    raws = [raw for page in reddit.fetch(query, {}) for raw in page.items]
    expected = {child["data"]["name"]: child["data"] for child in listing["data"]["children"]}
    assert [raw.native_id for raw in raws] == list(expected)
    for raw in raws:
        post = reddit.to_post(raw)
        data = expected[raw.native_id]
        assert post.text.startswith(data["title"].strip())
        assert data["selftext"].strip()[:40] in post.text
        assert post.created_at == datetime.fromtimestamp(data["created_utc"], UTC)
        assert post.url == "https://www.reddit.com" + data["permalink"]
        assert post.reply_to is None and post.author
    assert any("たびたび" in reddit.to_post(raw).text for raw in raws), "non-Latin text comes through as it is"


def test_a_recorded_chain_of_nested_replies_keeps_every_parent(fake: RedditFake) -> None:
    """Nine comments, each the reply to the one before (the first one's parent is outside the recorded context)."""
    answer = recorded("comments_chain_praw.json")
    reddit = connector(fake)
    submission = answer_comments_with(fake, answer)
    answer_search_with(fake, answer[0])
    [query] = reddit.queries([BOT_CITIZEN])
    posts = {p.native_id: p for p in (reddit.to_post(r) for page in reddit.fetch(query, {}) for r in page.items)}
    comments = {k: p for k, p in posts.items() if k.startswith("t1_")}
    assert set(posts) - set(comments) == {submission}
    assert len(comments) == 9
    parents = {k: p.reply_to for k, p in comments.items()}
    roots = [k for k, parent in parents.items() if parent not in comments]
    assert roots == ["t1_dkk4qc2"] and parents["t1_dkk4qc2"] == "t1_dkk4q9z"
    depth, key = 0, "t1_dkk4qjd"
    while key in parents:
        key, depth = parents[key] or "", depth + 1
    assert depth == 9


def test_recorded_replies_before_their_parents_and_more_stubs_are_stored_for_the_school(
    tmp_path: Path, fake: RedditFake
) -> None:
    """A real thread sorted new, with "load more" stubs: the stubs are dropped (no extra requests), and every reply
    (newest, so deepest, first) is stored for the school of the submission."""
    answer = recorded("comments_more_praw.json")
    options = fake.source_options()
    submission = answer_comments_with(fake, answer)
    answer_search_with(fake, answer[0])
    aliases = 'aliases = ["Zilvermeercollege", "Zilvermeer"'
    store, [run] = collect_from(tmp_path, DemoPlatform("reddit", "reddit", options, fake),
                                {aliases: aliases + ', "bot citizen"'})
    assert run.status == "ok", run.message
    posts = store.read_posts()
    rules = dict(zip(posts["native_id"], posts["match_rule"], strict=True))
    assert set(rules) == {submission, "t1_e4j4830", "t1_e7q58bn", "t1_e4uaa59", "t1_e4uhrr8"}
    assert {rules[k] for k in rules if k != submission} == {REPLY_RULE}
    assert set(posts["school_id"]) == {"zilvermeer-almere"} and run.unmatched == 0
    assert not any("/api/morechildren" in p for _, p in fake.calls), "stubs cost no requests"
