"""The Bluesky connector: the real atproto client against a fake Bluesky (createSession + searchPosts) on 127.0.0.1."""

from __future__ import annotations

import inspect
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import connectors.bluesky as bluesky_module
from connectors.base import AuthError, MappingError, PayloadError, SourceUnavailableError
from connectors.bluesky import BlueskyConnector, BlueskySettings, school_terms
from connectors.testing import FakeItem, demo_items, sample_items
from connectors.testing import fetch_pages as run
from connectors.testing.bluesky import (
    APP_PASSWORD,
    CREATE_SESSION,
    HANDLE,
    PDS_PATH,
    READ_ONLY_PATHS,
    SEARCH_POSTS,
    BlueskyFake,
    query_matches,
    start_demo,
)
from monitor.config import Config, School, load_config
from monitor.pipeline import collect
from monitor.records import Page, RawPost
from monitor.setup import SOURCES_MARKER, example_config_text
from monitor.store import Store
from tests.conftest import LocalServer, Reply

BASE = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def fake(local_server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> BlueskyFake:
    for name, value in BlueskyFake.env.items():
        monkeypatch.setenv(name, value)
    return BlueskyFake(local_server)


def items(count: int, start: int = 0, malformed: tuple[int, ...] = ()) -> list[FakeItem]:
    return sample_items(count, start, malformed, first_id=3000)


def make(fake: BlueskyFake, **options: Any) -> BlueskyConnector:
    return BlueskyConnector("bluesky-test", BlueskySettings.model_validate(fake.source_options(**options)))


def texts(found: list[RawPost]) -> list[str]:
    return [raw.payload["record"].get("text", "") for raw in found]


def schools() -> list[School]:
    import tomllib

    return Config.model_validate({"schools": tomllib.loads(example_config_text())["schools"]}).schools


def write_config(tmp_path: Path, options: dict[str, Any]) -> Config:
    def toml(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dict):
            return "{ " + ", ".join(f"{k} = {toml(v)}" for k, v in value.items()) + " }"
        return json.dumps(value)

    lines = ["[[sources]]", 'name = "bluesky"', 'type = "bluesky"']
    lines += [f"{key} = {toml(value)}" for key, value in options.items()]
    head = example_config_text().split(SOURCES_MARKER)[0]
    path = tmp_path / "monitor.toml"
    path.write_text(head + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return load_config(path)


# --- login and mapping -------------------------------------------------------------------------------------------


def test_logs_in_once_with_the_app_password_and_searches_with_the_token(
    fake: BlueskyFake, local_server: LocalServer
) -> None:
    fake.publish(items(2), page_size=10)
    connector = make(fake, terms=["een", "twee"])
    for query in connector.queries([]):
        run(connector, query)
    assert fake.logins == 1, "one session for all queries"
    paths = [urlsplit(r.path).path for r in local_server.requests]
    assert paths[0] == CREATE_SESSION
    searches = [r for r in local_server.requests if r.path.startswith(PDS_PATH + SEARCH_POSTS)]
    assert searches and all(r.headers["authorization"].startswith("Bearer ey") for r in searches)
    # The search went to the PDS that the session's didDoc names, as atproto does with the real service.
    assert not any(r.path.startswith(SEARCH_POSTS) for r in local_server.requests)
    assert [p["q"] for p in fake.search_params] == ["een", "twee"]
    assert all(p["sort"] == "latest" and p["limit"] == "50" for p in fake.search_params)


def test_posts_are_mapped_from_the_post_views(fake: BlueskyFake) -> None:
    fake.publish(items(3), page_size=10)
    quoted = "at://did:plc:aaaaaaaaaaaaaaaaaaaaaaaa/app.bsky.feed.post/3kquoted2222a"
    parent = "at://did:plc:bbbbbbbbbbbbbbbbbbbbbbbb/app.bsky.feed.post/3kparent2222a"
    fake.set_extra(
        "3000",
        record={
            "langs": ["nl", "en"],
            "reply": {"root": {"uri": parent, "cid": "bafyreiroot"}, "parent": {"uri": parent, "cid": "bafyreip"}},
            "embed": {
                "$type": "app.bsky.embed.recordWithMedia",
                "record": {"$type": "app.bsky.embed.record", "record": {"uri": quoted, "cid": "bafyreiq"}},
                "media": {"$type": "app.bsky.embed.images", "images": []},
            },
        },
    )
    fake.set_extra(
        "3001",
        embed={
            "$type": "app.bsky.embed.images#view",
            "images": [{"thumb": "https://cdn.example/t.jpg", "fullsize": "https://cdn.example/f.jpg", "alt": ""}],
        },
    )
    connector = make(fake)
    found, _, _ = run(connector, connector.queries([])[0])
    first, second, third = (connector.to_post(raw) for raw in found)
    assert first.platform == "bluesky"
    assert first.native_id.startswith("at://did:plc:") and "/app.bsky.feed.post/" in first.native_id
    rkey = first.native_id.rsplit("/", 1)[1]
    assert first.url == f"https://bsky.app/profile/ouder0.bsky.social/post/{rkey}"
    assert first.created_at == BASE
    assert first.author == "ouder0.bsky.social"
    assert first.text == "Bericht 0 over het Zilvermeer College in Almere #zilvermeercollege"
    assert first.language == "nl"
    assert (first.has_media, first.reply_to, first.quote_of) == (True, parent, quoted)
    assert (second.has_media, second.reply_to, second.quote_of) == (True, None, None)
    assert (third.has_media, third.reply_to, third.quote_of) == (False, None, None)


def test_payload_keeps_no_profile_data(fake: BlueskyFake) -> None:
    fake.publish(items(1), page_size=10)
    connector = make(fake)
    found, _, _ = run(connector, connector.queries([])[0])
    payload = found[0].payload
    assert payload["author"] == {"did": payload["author"]["did"], "handle": "ouder0.bsky.social"}
    assert "avatar" not in found[0].payload_json() and "displayName" not in found[0].payload_json()


def test_post_without_text_is_a_mapping_error(fake: BlueskyFake) -> None:
    fake.publish(items(3, malformed=(1,)), page_size=10)
    connector = make(fake)
    found, _, _ = run(connector, connector.queries([])[0])
    assert len(found) == 3
    with pytest.raises(MappingError, match="zonder tekst"):
        connector.to_post(found[1])
    assert connector.to_post(found[2]).author == "ouder2.bsky.social"


# --- pagination and cursor ---------------------------------------------------------------------------------------


def test_pagination_follows_the_cursor(fake: BlueskyFake) -> None:
    fake.publish(items(5), page_size=2)
    connector = make(fake)
    pages = list(connector.fetch(connector.queries([])[0], {}))
    assert [len(p.items) for p in pages] == [2, 2, 1]
    assert [p.get("cursor") for p in fake.search_params] == [None, "2", "4"]
    newest = "2026-11-20T12:00:00.000Z"
    assert pages[0].cursor == {"top": newest, "next": "2"}
    assert pages[-1].cursor == {"since": newest}


def test_rerun_searches_since_the_newest_post_with_a_margin(fake: BlueskyFake) -> None:
    fake.publish(items(4), page_size=10)
    connector = make(fake)
    query = connector.queries([])[0]
    _, cursor, _ = run(connector, query)
    fake.publish(items(1, start=-1) + items(4), page_size=10)
    found, cursor2, _ = run(connector, query, cursor)
    assert fake.search_params[-1]["since"] == "2026-11-20T11:45:00.000Z"
    assert texts(found)[0].startswith("Bericht -1") and len(found) < 5
    assert cursor2 == {"since": "2026-11-20T12:10:00.000Z"}


def test_crash_mid_pass_resumes_the_pass_first(fake: BlueskyFake) -> None:
    fake.publish(items(6), page_size=2)
    connector = make(fake)
    query = connector.queries([])[0]
    first_page: Page = next(iter(connector.fetch(query, {})))
    assert first_page.cursor["next"] == "2"
    fake.publish(items(1, start=-1) + items(6), page_size=2)  # a newer post arrives before the next run
    found, cursor, _ = run(make(fake), query, first_page.cursor)
    assert fake.search_params[1]["cursor"] == "2", "the interrupted pass is finished first"
    seen = set(texts(first_page.items)) | set(texts(found))
    assert len(seen) == 7
    assert cursor == {"since": "2026-11-20T12:10:00.000Z"}


def test_a_stale_page_cursor_falls_back_to_a_fresh_pass(fake: BlueskyFake) -> None:
    fake.publish(items(3), page_size=10)
    fake.fail_next(Reply(400, b'{"error":"InvalidRequest","message":"malformed cursor"}',
                         {"Content-Type": "application/json"}))  # fmt: skip
    connector = make(fake)
    pending = {"since": "2026-11-20T11:00:00.000Z", "top": "2026-11-20T11:30:00.000Z", "next": "40"}
    found, cursor, _ = run(connector, connector.queries([])[0], pending)
    assert len(found) == 3
    assert "cursor" not in fake.search_params[1] and fake.search_params[1]["since"] == "2026-11-20T10:45:00.000Z"
    assert cursor == {"since": "2026-11-20T12:00:00.000Z"}


def test_page_cap_on_a_first_run_moves_on_with_a_notice(fake: BlueskyFake) -> None:
    fake.publish(items(5), page_size=2)
    connector = make(fake, max_pages=2)
    found, cursor, notices = run(connector, connector.queries([])[0])
    assert len(found) == 4
    assert cursor == {"since": "2026-11-20T12:00:00.000Z"}
    assert notices and "eerste keer" in notices[0]


def test_page_cap_with_a_backlog_keeps_the_rest(fake: BlueskyFake) -> None:
    connector = make(fake, max_pages=1)
    query = connector.queries([])[0]
    fake.publish(items(5), page_size=2)
    since = {"since": "2026-11-20T10:00:00.000Z"}
    found, pending, notices = run(connector, query, since)
    assert len(found) == 2 and pending["next"] == "2" and pending["since"] == since["since"]
    assert "max_pages" in notices[0]
    rest, done, _ = run(make(fake), query, pending)
    assert len(set(texts(found)) | set(texts(rest))) == 5
    assert done == {"since": pending["top"]}


def test_empty_result(fake: BlueskyFake) -> None:
    fake.publish([], page_size=10)
    connector = make(fake)
    assert run(connector, connector.queries([])[0]) == ([], {}, [])


def test_language_filter_is_passed_on(fake: BlueskyFake) -> None:
    fake.publish(items(2), page_size=10)
    connector = make(fake, lang="nl")
    found, _, _ = run(connector, connector.queries([])[0])
    assert len(found) == 2 and fake.search_params[0]["lang"] == "nl"


# --- errors ------------------------------------------------------------------------------------------------------


def test_rate_limit_waits_until_the_reset(fake: BlueskyFake, no_sleep: list[float]) -> None:
    fake.publish(items(2), page_size=10)
    fake.fail_next(fake.rate_limited_reply(wait=30))
    connector = make(fake)
    found, _, _ = run(connector, connector.queries([])[0])
    assert len(found) == 2
    assert no_sleep and 27 <= no_sleep[0] <= 31, no_sleep


def test_rate_limit_wait_is_capped(fake: BlueskyFake, no_sleep: list[float]) -> None:
    fake.publish(items(2), page_size=10)
    fake.fail_next(fake.rate_limited_reply(wait=86400))
    connector = make(fake)
    run(connector, connector.queries([])[0])
    assert no_sleep and max(no_sleep) <= 900


def test_retry_after_is_honoured(fake: BlueskyFake, no_sleep: list[float]) -> None:
    fake.publish(items(1), page_size=10)
    fake.fail_next(
        Reply(429, b'{"error":"RateLimitExceeded"}', {"Retry-After": "12", "Content-Type": "application/json"})
    )
    connector = make(fake)
    run(connector, connector.queries([])[0])
    assert no_sleep == [12.0]


def test_server_error_then_success(fake: BlueskyFake) -> None:
    fake.publish(items(2), page_size=10)
    fake.fail_next(fake.server_error_reply())
    fake.fail_next(Reply(502, b"Bad Gateway", {"Content-Type": "text/plain"}))
    connector = make(fake)
    found, _, _ = run(connector, connector.queries([])[0])
    assert len(found) == 2 and fake.search_requests() == 3


def test_timeout_then_success(fake: BlueskyFake) -> None:
    fake.publish(items(2), page_size=10)
    fake.fail_next(Reply(200, b"{}", {"Content-Type": "application/json"}, delay=3))
    connector = make(fake, timeout_seconds=0.3)
    found, _, _ = run(connector, connector.queries([])[0])
    assert len(found) == 2


def test_persistent_timeouts_give_up_naming_the_timeout(fake: BlueskyFake) -> None:
    fake.fail_next(Reply(200, b"{}", {"Content-Type": "application/json"}, delay=3), times=10)
    connector = make(fake, timeout_seconds=0.3, retries=1)
    with pytest.raises(SourceUnavailableError, match=r"niet binnen 0\.3 seconden.*2 pogingen"):
        run(connector, connector.queries([])[0])


def test_unreadable_answer_is_a_payload_error(fake: BlueskyFake) -> None:
    fake.fail_next(Reply(200, b'{"posts": "geen lijst"}', {"Content-Type": "application/json"}))
    connector = make(fake)
    with pytest.raises(PayloadError, match="niet te lezen"):
        run(connector, connector.queries([])[0])


def test_wrong_app_password_names_both_variables(fake: BlueskyFake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLUESKY_APP_PASSWORD", "fout-fout-fout-fout")
    connector = make(fake)
    with pytest.raises(AuthError, match=r"weigert het inloggen.*BLUESKY_HANDLE.*BLUESKY_APP_PASSWORD") as caught:
        run(connector, connector.queries([])[0])
    assert "Invalid identifier or password" in str(caught.value)
    assert fake.search_requests() == 0


def test_refused_search_names_the_variables(fake: BlueskyFake) -> None:
    fake.fail_next(fake.unauthorized_reply(), times=10)
    connector = make(fake)
    with pytest.raises(AuthError, match=r"weigert de zoekopdracht.*BLUESKY_APP_PASSWORD"):
        run(connector, connector.queries([])[0])


@pytest.mark.parametrize("missing", ["BLUESKY_HANDLE", "BLUESKY_APP_PASSWORD"])
def test_missing_variable_is_named(fake: BlueskyFake, monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    monkeypatch.delenv(missing)
    connector = make(fake)
    with pytest.raises(AuthError, match=f"{missing} is niet gezet"):
        run(connector, connector.queries([])[0])


def test_own_variable_names_are_used(fake: BlueskyFake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHOOL_BSKY_HANDLE", HANDLE)
    monkeypatch.setenv("SCHOOL_BSKY_PASSWORD", APP_PASSWORD)
    monkeypatch.delenv("BLUESKY_HANDLE")
    fake.publish(items(1), page_size=10)
    connector = make(fake, handle={"env": "SCHOOL_BSKY_HANDLE"}, app_password={"env": "SCHOOL_BSKY_PASSWORD"})
    found, _, _ = run(connector, connector.queries([])[0])
    assert len(found) == 1


# --- queries -----------------------------------------------------------------------------------------------------


def test_queries_per_school_term_with_stable_ids() -> None:
    connector = BlueskyConnector("b", BlueskySettings())
    queries = connector.queries(schools())
    assert [q.id for q in queries] == [q.id for q in BlueskyConnector("b", BlueskySettings()).queries(schools())]
    by_text = {q.text: q for q in queries}
    assert by_text['"Zilvermeer College"'].id == "school:zilvermeer-almere:zilvermeer-college"
    assert by_text['"De Regenboog" Zoetermeer'].school_ids == ("regenboog-zoetermeer",)
    assert "#DeRegenboogZoetermeer" in by_text and "#zilvermeercollege" in by_text
    assert not any(" OR " in q.text for q in queries), "Bluesky search has no OR"
    assert '"De Regenboog"' not in by_text, "a common name is only searched together with the town"


def test_school_terms_follow_the_matcher() -> None:
    regenboog, zilvermeer = schools()
    assert school_terms(zilvermeer) == ['"Zilvermeer College"', '"Zilvermeercollege" Almere', '"Zilvermeer" Almere',
                                        "#zilvermeercollege"]  # fmt: skip
    assert school_terms(regenboog)[0] == '"IKC De Regenboog"'


def test_extra_terms_and_no_school_terms() -> None:
    settings = BlueskySettings.model_validate({"school_terms": False, "terms": ['  "De  Regenboog"  juf ']})
    [query] = BlueskyConnector("b", settings).queries(schools())
    assert query.text == '"De Regenboog" juf'
    assert query.id == "term:de-regenboog-juf"
    assert set(query.school_ids) == {"regenboog-zoetermeer", "zilvermeer-almere"}


@pytest.mark.parametrize("bad", [{"limit": 500}, {"lang": "Nederlands"}, {"app_password": "geheim"}, {"x": 1}])
def test_bad_settings_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - pydantic's ValidationError is a ValueError
        BlueskySettings.model_validate(bad)


def test_fake_search_is_and_only_with_phrases() -> None:
    assert query_matches('"Zilvermeer College"', "Het Zilvermeer College in Almere")
    assert not query_matches('"Zilvermeer College"', "Het college bij het Zilvermeer")
    assert query_matches('"De Regenboog" Zoetermeer', "Op de regenboog in zoetermeer")
    assert not query_matches("Zilvermeer OR Regenboog", "Alleen Zilvermeer")
    assert query_matches("#zilvermeercollege", "Open avond #ZilvermeerCollege")
    assert not query_matches("#zilvermeercollege", "zilvermeercollege zonder hekje")


# --- end to end and read-only ------------------------------------------------------------------------------------


def test_collect_end_to_end(tmp_path: Path, fake: BlueskyFake) -> None:
    fake.publish(items(5, malformed=(4,)), page_size=2)
    config = write_config(tmp_path, fake.source_options())
    store = Store(config.data_dir)
    [first] = collect(config, store)
    assert (first.status, first.fetched, first.new, first.skipped) == ("ok", 5, 4, 1), first.message
    posts = store.read_posts()
    assert set(posts["school_id"]) == {"zilvermeer-almere"} and posts["author"].str.startswith("p-").all()
    assert list(store.read_state().values()) == [{"since": "2026-11-20T12:00:00.000Z"}]
    [second] = collect(config, store)
    assert (second.status, second.new) == ("ok", 0)
    assert fake.logins == 2, "one login per run"


def test_collect_with_refused_login_fails_the_source(tmp_path: Path, fake: BlueskyFake,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("BLUESKY_HANDLE", "iemand-anders.bsky.social")
    config = write_config(tmp_path, fake.source_options())
    [result] = collect(config, Store(config.data_dir))
    assert result.status == "mislukt" and "BLUESKY_HANDLE" in result.message


def test_demo_data_through_the_pipeline(tmp_path: Path, local_server: LocalServer,
                                        monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    fake, options = start_demo(local_server)
    for name, value in fake.env.items():
        monkeypatch.setenv(name, value)
    config = write_config(tmp_path, options)
    [result] = collect(config, Store(config.data_dir))
    demo = demo_items("bluesky.json")
    assert 8 <= len(demo) <= 12
    assert result.status == "ok" and result.new == len(demo) - 1 and result.unmatched >= 1, result


def test_only_login_and_search_endpoints_are_called(
    tmp_path: Path, fake: BlueskyFake, local_server: LocalServer
) -> None:
    fake.publish(items(3), page_size=2)
    fake.fail_next(fake.server_error_reply())
    config = write_config(tmp_path, fake.source_options(school_terms=True))
    collect(config, Store(config.data_dir))
    paths = {urlsplit(r.path).path for r in local_server.requests}
    assert PDS_PATH + SEARCH_POSTS in paths and CREATE_SESSION in paths
    assert paths <= READ_ONLY_PATHS, paths - READ_ONLY_PATHS
    for request in local_server.requests:
        if request.path.startswith(PDS_PATH + SEARCH_POSTS):
            assert parse_qs(urlsplit(request.path).query)["q"]


def test_the_connector_never_calls_a_write_method() -> None:
    source = inspect.getsource(bluesky_module)
    forbidden = (
        "send_post", "create_record", "put_record", "delete_record", "repost", ".like(", "follow", "send_image",
        "upload_blob", "mute", "block", "delete_post", "apply_writes", "chat.",
    )  # fmt: skip
    assert not [name for name in forbidden if name in source]
