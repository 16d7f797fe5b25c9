"""The Reddit connector: real praw/prawcore against the Reddit fake on 127.0.0.1 (no mocks of the library)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from connectors.base import AuthError, MappingError, PayloadError, SourceUnavailableError
from connectors.reddit import MAX_QUERY_CHARS, RATE_LIMIT_WAIT_CAP, RedditConnector, RedditSettings, search_query
from connectors.testing import FakeItem
from connectors.testing.reddit import RedditFake
from monitor.config import School, load_config
from monitor.errors import SecretMissingError
from monitor.pipeline import collect
from monitor.records import Page, RawPost
from monitor.setup import SOURCES_MARKER, example_config_text
from monitor.store import Store
from tests.conftest import LocalServer, Reply

ZILVERMEER = School(
    id="zilvermeer-almere",
    name="Zilvermeer College",
    town="Almere",
    aliases=["Zilvermeercollege", "Zilvermeer"],
    handles=["@zilvermeercoll"],
    hashtags=["#zilvermeercollege"],
)
NOW = datetime.now(UTC).replace(microsecond=0)
READ_ENDPOINTS = ("/api/v1/access_token", "/api/info", "/comments/", "/r/")


@pytest.fixture
def fake(local_server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> RedditFake:
    platform = RedditFake(local_server)
    for name, value in platform.env.items():
        monkeypatch.setenv(name, value)
    return platform


def make(fake: RedditFake, **options: Any) -> RedditConnector:
    return RedditConnector("reddit-test", RedditSettings.model_validate(fake.source_options(**options)))


def fetch_all(connector: RedditConnector, cursor: dict[str, Any] | None = None) -> tuple[list[RawPost], list[Page]]:
    query = connector.queries([ZILVERMEER])[0]
    pages = list(connector.fetch(query, cursor or {}))
    return [raw for page in pages for raw in page.items], pages


def post(ident: str, text: str, minutes_ago: int, author: str = "ouder", malformed: bool = False) -> FakeItem:
    return FakeItem(ident, text, author, NOW - timedelta(minutes=minutes_ago), malformed)


def submissions(count: int, start: int = 0) -> list[FakeItem]:
    return [
        post(f"s{n}", f"Zilvermeer College vraag {n}\n\nWie weet meer over klas {n}?", 10 * n + 5, f"ouder{n}")
        for n in range(start, start + count)
    ]


def search_params(fake: RedditFake) -> list[dict[str, str]]:
    return [
        {k: v[-1] for k, v in parse_qs(urlsplit(path).query).items()}
        for method, path in fake.calls
        if method == "GET" and "/search" in path
    ]


# --- mapping ------------------------------------------------------------------------------------------------------


def test_submissions_and_comments_are_mapped(fake: RedditFake) -> None:
    fake.publish([post("abc1", "Zilvermeer College: te veel huiswerk?\n\nMijn dochter zit tot 22:00 te werken.", 30)])
    fake.add_comments("abc1", [post("c1", "Herkenbaar, bij ons ook.", 20, "moeder_a")])
    fake.add_comments("abc1", [post("c2", "Vraag het de mentor!", 10, "vader_b")], parent="c1")
    fake.add_comments("abc1", [post("c3", "weg", 5, "[deleted]")])
    fake.add_comments("abc1", [post("c4", "weggehaald", 4, "iemand")])
    fake.mark_removed("t1_c4")
    connector = make(fake)
    raws, _ = fetch_all(connector)
    posts = {p.native_id: p for p in map(connector.to_post, raws)}
    assert list(posts) == ["t3_abc1", "t1_c2", "t1_c1"], "deleted and removed comments are not collected"

    submission = posts["t3_abc1"]
    assert submission.platform == "reddit"
    assert submission.text == "Zilvermeer College: te veel huiswerk?\n\nMijn dochter zit tot 22:00 te werken."
    assert submission.author == "ouder"
    assert submission.created_at == NOW - timedelta(minutes=30)
    assert submission.created_at is not None and submission.created_at.tzinfo == UTC
    assert submission.url is not None and submission.url.startswith("https://www.reddit.com/r/")
    assert "/comments/abc1/" in submission.url
    assert submission.reply_to is None and submission.language is None and not submission.has_media

    assert posts["t1_c1"].text == "Herkenbaar, bij ons ook." and posts["t1_c1"].reply_to == "t3_abc1"
    assert posts["t1_c2"].reply_to == "t1_c1" and posts["t1_c2"].author == "vader_b"
    assert posts["t1_c2"].url is not None and posts["t1_c2"].url.endswith("/c2/")

    payload = raws[0].payload
    assert payload["kind"] == "t3" and payload["author"] == "ouder"
    assert not {"author_fullname", "author_flair_text", "score", "upvote_ratio"} & set(payload), "no extra data"
    json.dumps([raw.payload for raw in raws])  # payloads are plain JSON
    assert all(raw.connector == "reddit" and raw.source == "reddit-test" for raw in raws)


def test_to_post_media_and_bad_items() -> None:
    connector = RedditConnector("r", RedditSettings())
    base = {"kind": "t3", "name": "t3_x1", "title": "Foto", "selftext": "", "created_utc": 1.79e9, "author": "a"}

    def raw(**changes: Any) -> RawPost:
        payload = {**base, **changes}
        return RawPost("t3_x1", payload, "r", "q", NOW, "reddit", "1")

    assert connector.to_post(raw(post_hint="image")).has_media
    assert connector.to_post(raw(is_video=True)).has_media
    assert connector.to_post(raw(media={"type": "youtube.com"})).has_media
    assert connector.to_post(raw(author="[deleted]")).author is None
    assert connector.to_post(raw(selftext="[removed]")).text == "Foto"
    with pytest.raises(MappingError, match="zonder titel"):
        connector.to_post(raw(title=""))
    with pytest.raises(MappingError, match="created_utc"):
        connector.to_post(raw(created_utc=None))
    with pytest.raises(MappingError, match="geldige id"):
        connector.to_post(raw(name=None))
    comment = {"kind": "t1", "name": "t1_c9", "created_utc": 1.79e9, "parent_id": "t3_x1", "author": "b"}
    with pytest.raises(MappingError, match="zonder tekst"):
        connector.to_post(RawPost("t1_c9", {**comment, "body": "[removed]"}, "r", "q", NOW, "reddit", "1"))
    with pytest.raises(MappingError, match="parent_id"):
        connector.to_post(RawPost("t1_c9", {**comment, "body": "ok", "parent_id": "x"}, "r", "q", NOW, "reddit", "1"))


# --- queries and settings -----------------------------------------------------------------------------------------


def test_query_per_school_quotes_names_and_ors_them() -> None:
    regenboog = School(
        id="regenboog-zoetermeer",
        name="IKC De Regenboog",
        aliases=["De Regenboog", 'OBS "De Regenboog"'],
        handles=["@ikcderegenboog", "@regenboog@mastodon.example"],
        hashtags=["#DeRegenboogZoetermeer"],
    )
    [query] = RedditConnector("r", RedditSettings()).queries([regenboog])
    assert query.id == "school:regenboog-zoetermeer" and query.school_ids == ("regenboog-zoetermeer",)
    assert query.text == '"De Regenboog" OR "DeRegenboogZoetermeer" OR "ikcderegenboog"'

    aliases = [f"Alias nummer {n} lang" for n in range(60)]
    many = School(id="veel", name="School Met Een Hele Lange Naam", aliases=aliases)
    text = search_query(many)
    assert len(text) <= MAX_QUERY_CHARS and text.startswith('"School Met Een Hele Lange Naam" OR "Alias nummer 0')


def test_settings_defaults_and_validation() -> None:
    settings = RedditSettings()
    assert settings.subreddits == ["thenetherlands", "Netherlands"]
    assert (settings.sort, settings.limit, settings.include_comments, settings.max_comments_per_thread) == (
        "new",
        100,
        True,
        200,
    )
    assert str(settings.api_url).startswith("https://oauth.reddit.com")
    assert settings.client_id.env == "REDDIT_CLIENT_ID" and settings.client_secret.env == "REDDIT_CLIENT_SECRET"
    assert settings.user_agent.startswith("school-monitor/") and "read-only" in settings.user_agent
    named = RedditSettings(subreddits=["r/zoetermeer", "/r/Almere/", "zoetermeer"])
    assert named.subreddits == ["zoetermeer", "Almere"]
    with pytest.raises(ValidationError, match="geen subredditnaam"):
        RedditSettings(subreddits=["zoeter meer"])
    with pytest.raises(ValidationError):
        RedditSettings.model_validate({"client_secret": "letterlijk-geheim"})
    with pytest.raises(ValidationError):
        RedditSettings.model_validate({"onbekend": 1})


# --- pagination and cursor ----------------------------------------------------------------------------------------


def test_pagination_follows_after(fake: RedditFake) -> None:
    fake.publish(submissions(5), page_size=2)
    raws, pages = fetch_all(make(fake, include_comments=False))
    assert [r.native_id for r in raws] == [f"t3_s{n}" for n in range(5)]
    params = search_params(fake)
    assert [p.get("after") for p in params] == [None, "t3_s1", "t3_s3"]
    assert {(p["sort"], p["restrict_sr"], p["t"]) for p in params} == {("new", "True", "all")}
    assert params[0]["q"] == '"Zilvermeercollege" OR "Zilvermeer" OR "zilvermeercoll"'
    assert params[0]["q"] == search_query(ZILVERMEER)
    assert pages[-1].cursor["newest"] == (NOW - timedelta(minutes=5)).timestamp()


def test_limit_caps_a_run_and_says_so(fake: RedditFake) -> None:
    fake.publish(submissions(5), page_size=2)
    raws, pages = fetch_all(make(fake, include_comments=False, limit=3))
    assert len(raws) == 3
    assert any("3 of meer nieuwe Reddit-berichten" in n for n in pages[-1].notices)


def test_rerun_reads_only_newer_submissions(fake: RedditFake) -> None:
    fake.publish(submissions(4), page_size=2)
    connector = make(fake, include_comments=False)
    first, pages = fetch_all(connector)
    cursor = pages[-1].cursor
    assert len(first) == 4 and all(page.cursor == {} for page in pages[:-1])

    before = fake.search_requests()
    again, pages = fetch_all(connector, cursor)
    assert again == []
    assert fake.search_requests() == before + 1, "stops at the first known submission, no further pages"
    assert pages[-1].cursor["newest"] == cursor["newest"]

    same_second = FakeItem("same", "Zilvermeer College ook nu", "ander", NOW - timedelta(minutes=5))
    fake.publish([post("nieuw", "Zilvermeer College nieuw bericht", 1), same_second, *submissions(4)], page_size=2)
    third, pages = fetch_all(connector, cursor)
    assert sorted(r.native_id for r in third) == ["t3_nieuw", "t3_same"], "a post in the same second is not lost"
    assert pages[-1].cursor == {"newest": (NOW - timedelta(minutes=1)).timestamp(), "ids": ["t3_nieuw"], "threads": {}}


def test_recent_threads_are_followed_for_new_comments(fake: RedditFake) -> None:
    fake.publish([post("t1x", "Zilvermeer College ouderavond", 60)])
    fake.add_comments("t1x", [post("k1", "Was druk!", 50)])
    connector = make(fake)
    first, pages = fetch_all(connector)
    assert [r.native_id for r in first] == ["t3_t1x", "t1_k1"]

    fake.add_comments("t1x", [post("k2", "Volgende keer beter plannen", 5)], parent="k1")
    second, pages = fetch_all(connector, pages[-1].cursor)
    assert [r.native_id for r in second] == ["t1_k2"]
    third, _ = fetch_all(connector, pages[-1].cursor)
    assert third == []

    comment_requests = len(fake.server.hits("/comments/t1x/"))
    old = make(fake, follow_comments_hours=0)
    fetch_all(old, pages[-1].cursor)
    assert len(fake.server.hits("/comments/t1x/")) == comment_requests, "following can be switched off"


def test_a_followed_thread_that_fails_does_not_block_the_source(fake: RedditFake) -> None:
    fake.publish([post("oud", "Zilvermeer College draad", 60), post("weg", "Zilvermeer College weg", 70)])
    connector = make(fake, retries=0)
    _, pages = fetch_all(connector)
    cursor = pages[-1].cursor
    assert set(cursor["threads"]) == {"t3_oud", "t3_weg"}

    fake.publish([post("nieuw", "Zilvermeer College nieuw", 1), post("oud", "Zilvermeer College draad", 60)])
    fake.server.routes["/comments/oud/"] = lambda seen: fake.server_error_reply()
    fake.mark_purged("t3_weg")  # Reddit answers 404
    raws, pages = fetch_all(connector, cursor)
    assert [r.native_id for r in raws] == ["t3_nieuw"]
    assert any("t3_oud" in n and "niet worden gelezen" in n for n in pages[-1].notices)
    assert set(pages[-1].cursor["threads"]) == {"t3_nieuw", "t3_oud"}, "kept to retry; the vanished one is dropped"


def test_comments_are_capped_per_thread(fake: RedditFake) -> None:
    fake.publish([post("big", "Zilvermeer College discussie", 100)])
    fake.add_comments("big", [post(f"r{n}", f"reactie {n}", 90 - n) for n in range(6)])
    raws, pages = fetch_all(make(fake, max_comments_per_thread=2))
    assert [r.native_id for r in raws] == ["t3_big", "t1_r5", "t1_r4"], "the newest comments"
    assert any("max_comments_per_thread" in n for n in pages[-1].notices)
    hits = fake.server.hits("/comments/big/")
    assert parse_qs(urlsplit(hits[0].path).query)["limit"] == ["2"]


# --- failures -----------------------------------------------------------------------------------------------------


def test_rate_limit_then_success_waits_as_told(fake: RedditFake, no_sleep: list[float]) -> None:
    fake.publish(submissions(3), page_size=10)
    fake.fail_next(fake.rate_limited_reply(wait=7))
    raws, _ = fetch_all(make(fake, include_comments=False))
    assert len(raws) == 3
    assert 7 in no_sleep, "the wait Reddit announced in x-ratelimit-reset"


def test_rate_limit_waits_are_capped(fake: RedditFake, no_sleep: list[float]) -> None:
    fake.publish(submissions(2), page_size=10)
    fake.fail_next(fake.rate_limited_reply(wait=86400))
    raws, _ = fetch_all(make(fake, include_comments=False))
    assert len(raws) == 2
    assert max(no_sleep) <= RATE_LIMIT_WAIT_CAP, "neither the retry nor prawcore's rate limiter sleeps for a day"
    assert max(no_sleep) >= RATE_LIMIT_WAIT_CAP - 5


def test_persistent_rate_limit_gives_up(fake: RedditFake) -> None:
    fake.publish(submissions(1))
    fake.fail_next(fake.rate_limited_reply(wait=30), times=100)
    with pytest.raises(SourceUnavailableError, match=r"HTTP 429.*na 2 pogingen"):
        fetch_all(make(fake, retries=1))


def test_server_error_then_success(fake: RedditFake) -> None:
    fake.publish(submissions(3), page_size=10)
    fake.fail_next(fake.server_error_reply())
    raws, _ = fetch_all(make(fake, include_comments=False))
    assert len(raws) == 3
    assert fake.search_requests() == 2


def test_persistent_server_error_is_reported(fake: RedditFake) -> None:
    fake.publish(submissions(1))
    fake.fail_next(fake.server_error_reply(), times=100)
    with pytest.raises(SourceUnavailableError, match=r"serverfout \(HTTP 500\)"):
        fetch_all(make(fake, retries=1))


def test_timeout_then_success(fake: RedditFake) -> None:
    fake.publish(submissions(3), page_size=10)
    fake.fail_next(Reply(200, b"{}", {"Content-Type": "application/json"}, delay=3))
    raws, _ = fetch_all(make(fake, include_comments=False, timeout_seconds=0.3))
    assert len(raws) == 3


def test_persistent_timeout_names_the_seconds(fake: RedditFake) -> None:
    fake.publish(submissions(1))
    fake.fail_next(Reply(200, b"{}", {"Content-Type": "application/json"}, delay=3), times=100)
    with pytest.raises(SourceUnavailableError, match=r"niet binnen 0\.2 seconden"):
        fetch_all(make(fake, timeout_seconds=0.2, retries=0))


def test_wrong_credentials_name_the_variables(fake: RedditFake, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.publish(submissions(1))
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", "verkeerd")
    with pytest.raises(AuthError, match="HTTP 401") as caught:
        fetch_all(make(fake))
    assert "REDDIT_CLIENT_ID" in str(caught.value) and "REDDIT_CLIENT_SECRET" in str(caught.value)
    assert fake.search_requests() == 0, "no search without a token"


def test_refused_search_is_an_auth_error(fake: RedditFake) -> None:
    fake.publish(submissions(1))
    fake.fail_next(Reply(403, b'{"message": "Forbidden", "error": 403}'), times=100)
    with pytest.raises(AuthError, match=r"HTTP 403.*REDDIT_CLIENT_ID.*privé"):
        fetch_all(make(fake))
    fake.clear_failures()
    fake.fail_next(Reply(401, b'{"message": "Unauthorized", "error": 401}'), times=100)  # no WWW-Authenticate
    with pytest.raises(AuthError, match="HTTP 401"):
        fetch_all(make(fake))


def test_missing_variable_is_named(fake: RedditFake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDDIT_CLIENT_SECRET")
    with pytest.raises(SecretMissingError, match="REDDIT_CLIENT_SECRET"):
        fetch_all(make(fake))


def test_unknown_subreddit_says_check_the_names(fake: RedditFake) -> None:
    connector = make(fake)
    fake.server.routes.clear()  # nothing answers: Reddit's 404 for a subreddit that does not exist
    fake.server.routes["/api/v1/access_token"] = fake._token
    with pytest.raises(PayloadError, match="Bestaat elke subreddit"):
        fetch_all(connector)


def test_unreadable_answer_is_a_payload_error(fake: RedditFake) -> None:
    fake.publish(submissions(1))
    fake.fail_next(Reply(200, b"<html>onderhoud</html>", {"Content-Type": "text/html"}), times=100)
    with pytest.raises(PayloadError, match="geen geldige JSON"):
        fetch_all(make(fake))


# --- end to end through the pipeline ------------------------------------------------------------------------------


def write_config(tmp_path: Path, options: dict[str, Any]) -> Any:
    head = example_config_text().split(SOURCES_MARKER)[0]
    lines = ["[[sources]]", 'name = "reddit-nl"', 'type = "reddit"']
    lines += [f"{key} = {json.dumps(value)}" for key, value in options.items()]
    path = tmp_path / "monitor.toml"
    path.write_text(head + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return load_config(path)


def test_collect_skips_a_malformed_item_and_stores_the_rest(tmp_path: Path, fake: RedditFake) -> None:
    fake.publish(
        [
            post("g1", "Zilvermeer College in Almere: goede open dag", 30, "bezoeker1"),
            post("kapot", "Zilvermeer College zonder titel", 20, "bezoeker2", malformed=True),
            post("g2", "Speeltuin in Gouda open", 10, "bezoeker3"),
        ],
        page_size=2,
    )
    fake.add_comments("g1", [post("r1", "Het Zilvermeer College in Almere was top", 25, "bezoeker4")])
    config = write_config(tmp_path, fake.source_options(timeout_seconds=2.0))
    store = Store(config.data_dir)
    [run] = collect(config, store)
    assert run.status == "ok", run.message
    assert run.skipped == 1, "the malformed submission"
    stored = store.read_posts()
    assert set(stored["native_id"]) == {"t3_g1", "t1_r1"}
    assert stored["author"].str.startswith("p-").all()
    assert not {"bezoeker1", "bezoeker4"} & set(stored["author"])
    assert set(stored.loc[stored["native_id"] == "t1_r1", "reply_to"]) == {"t3_g1"}
    assert ("reddit-nl", "school:zilvermeer-almere") in store.read_state()

    [again] = collect(config, store)
    assert (again.status, again.new) == ("ok", 0)


# --- deletion re-check and read-only ------------------------------------------------------------------------------


def test_deleted_finds_deleted_removed_and_vanished_items(fake: RedditFake) -> None:
    fake.publish(submissions(4))
    fake.add_comments("s0", [post("c1", "reactie een", 3), post("c2", "reactie twee", 2)])
    fake.mark_deleted("t3_s1")
    fake.mark_removed("s2")
    fake.mark_deleted("t1_c2")
    fake.mark_purged("t3_s3")
    connector = make(fake)
    ids = ["t3_s0", "t3_s1", "t3_s2", "t3_s3", "t1_c1", "t1_c2", "t3_bestaatniet", "niet-van-reddit"]
    assert connector.deleted(ids) == {"t3_s1", "t3_s2", "t3_s3", "t1_c2", "t3_bestaatniet"}
    assert connector.deleted([]) == set()


def test_deleted_asks_in_batches_of_100(fake: RedditFake) -> None:
    fake.publish(submissions(3))
    ids = ["t3_s0", "t3_s1", "t3_s2"] + [f"t3_weg{n}" for n in range(147)]
    gone = make(fake).deleted(ids)
    assert gone == {f"t3_weg{n}" for n in range(147)}
    batches = [parse_qs(urlsplit(r.path).query)["id"][0].split(",") for r in fake.server.hits("/api/info/")]
    assert [len(b) for b in batches] == [100, 50]


def test_deleted_does_not_guess_when_reddit_fails(fake: RedditFake) -> None:
    fake.publish(submissions(1))
    fake.server.routes["/api/info/"] = lambda seen: fake.server_error_reply()
    with pytest.raises(SourceUnavailableError):
        make(fake, retries=1).deleted(["t3_s0"])


def test_only_read_endpoints_are_ever_used(fake: RedditFake) -> None:
    fake.publish(submissions(3), page_size=2)
    fake.add_comments("s0", [post("c1", "reactie", 1)])
    connector = make(fake)
    _, pages = fetch_all(connector)
    fetch_all(connector, pages[-1].cursor)
    connector.deleted(["t3_s0", "t1_c1"])
    connector.close()

    assert fake.calls, "the fake saw the requests"
    for method, path in fake.calls:
        route = urlsplit(path).path
        assert route.startswith(READ_ENDPOINTS), f"{method} {route} is not a read endpoint"
        if route.startswith("/r/"):
            assert route.endswith(("/search", "/search/")), route
        expected = "POST" if route == "/api/v1/access_token" else "GET"
        assert method == expected, f"{method} {route}"
    assert len(fake.calls) == len(fake.server.requests), "every request is accounted for"
    agents = {r.headers.get("user-agent", "") for r in fake.server.requests}
    assert all(a.startswith("school-monitor/") and "read-only" in a for a in agents)
