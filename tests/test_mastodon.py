"""The Mastodon connector: real Mastodon.py against fake Mastodon instances on 127.0.0.1."""

from __future__ import annotations

import inspect
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import connectors.mastodon as mastodon_module
from connectors.base import AuthError, MappingError, PayloadError, SourceUnavailableError
from connectors.mastodon import MastodonConnector, MastodonSettings, school_tags
from connectors.testing import FakeItem, demo_items, sample_items
from connectors.testing import fetch_pages as run
from connectors.testing.mastodon import FAKE_TAG, MastodonFake, start_demo
from monitor.config import Config, School, load_config
from monitor.pipeline import collect
from monitor.records import Page, Query
from monitor.setup import SOURCES_MARKER, example_config_text
from monitor.store import Store
from tests.conftest import LocalServer, Reply

BASE = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def fake(local_server: LocalServer) -> MastodonFake:
    return MastodonFake(local_server)


def items(count: int, start: int = 0, malformed: tuple[int, ...] = ()) -> list[FakeItem]:
    text = "Bericht {n} over het Zilvermeer College #zilvermeercollege"
    return sample_items(count, start, malformed, first_id=2000, text=text)


def make(fake: MastodonFake, **options: Any) -> MastodonConnector:
    return MastodonConnector("mastodon-test", MastodonSettings.model_validate(fake.source_options(**options)))


def timeline_params(server: LocalServer) -> list[dict[str, str]]:
    return [
        {k: v[-1] for k, v in parse_qs(urlsplit(r.path).query).items()}
        for r in server.requests
        if "/api/v1/timelines/tag/" in r.path
    ]


def schools() -> list[School]:
    import tomllib

    data = tomllib.loads(example_config_text())
    return Config.model_validate({"schools": data["schools"]}).schools


def write_config(tmp_path: Path, options: dict[str, Any]) -> Config:
    def toml(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, dict):
            return "{ " + ", ".join(f"{k} = {toml(v)}" for k, v in value.items()) + " }"
        return json.dumps(value)

    lines = ["[[sources]]", 'name = "mastodon"', 'type = "mastodon"']
    lines += [f"{key} = {toml(value)}" for key, value in options.items()]
    head = example_config_text().split(SOURCES_MARKER)[0]
    path = tmp_path / "monitor.toml"
    path.write_text(head + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return load_config(path)


# --- mapping -----------------------------------------------------------------------------------------------------


def test_statuses_are_mapped_from_what_mastodon_py_returns(fake: MastodonFake) -> None:
    fake.publish(items(2), page_size=10)
    fake.set_extra(
        "2000",
        spoiler_text="Let op: klacht",
        media_attachments=[{"id": "9", "type": "image", "url": "https://mastodon.example/m/1.jpg"}],
        in_reply_to_id="117000000000000001",
        quote={"state": "accepted", "quoted_status": {"uri": "https://elders.example/users/x/statuses/5"}},
    )
    connector = make(fake)
    [query] = connector.queries([])
    found, _, _ = run(connector, query)
    assert len(found) == 2
    first = connector.to_post(found[0])
    assert first.platform == "mastodon"
    assert first.native_id.startswith("https://mastodon.example/users/ouder0/statuses/")
    assert first.url and first.url.startswith("https://mastodon.example/@ouder0/")
    assert first.created_at == BASE
    assert first.author == "ouder0@mastodon.example"
    assert first.text == "Let op: klacht\n\nBericht 0 over het Zilvermeer College #zilvermeercollege"
    assert first.language == "nl"
    assert first.has_media is True
    assert first.reply_to and first.reply_to.endswith(":117000000000000001")
    assert first.quote_of == "https://elders.example/users/x/statuses/5"
    second = connector.to_post(found[1])
    assert (second.has_media, second.reply_to, second.quote_of) == (False, None, None)
    assert found[0].connector == "mastodon" and found[0].source == "mastodon-test"


def test_payload_keeps_no_profile_data(fake: MastodonFake) -> None:
    fake.publish(items(1), page_size=10)
    connector = make(fake)
    found, _, _ = run(connector, connector.queries([])[0])
    text = found[0].payload_json()
    for field in ("avatar", "followers_count", "display_name", "note", "header"):
        assert field not in text
    assert found[0].payload["acct"] == "ouder0@mastodon.example"


def test_html_is_reduced_to_inert_text(fake: MastodonFake) -> None:
    fake.publish(items(1), page_size=10)
    fake.set_extra(
        "2000", content="<p>Hallo <strong>ouders</strong> &amp; leerlingen</p><p><script>alert(1)</script>Tot ziens</p>"
    )
    connector = make(fake)
    found, _, _ = run(connector, connector.queries([])[0])
    assert connector.to_post(found[0]).text == "Hallo ouders & leerlingen\n\nTot ziens"


def test_malformed_status_is_a_mapping_error(fake: MastodonFake) -> None:
    fake.publish(items(3, malformed=(1,)), page_size=10)
    connector = make(fake)
    found, _, _ = run(connector, connector.queries([])[0])
    assert len(found) == 3
    with pytest.raises(MappingError, match="zonder inhoud"):
        connector.to_post(found[1])
    assert [connector.to_post(found[i]).author for i in (0, 2)] == [
        "ouder0@mastodon.example",
        "ouder2@mastodon.example",
    ]


def test_remote_accounts_keep_their_home_server(local_server: LocalServer) -> None:
    fake = MastodonFake(local_server)
    fake.publish([FakeItem("1", "Hoi #zilvermeercollege", "juf_anna@fedi.example", BASE)], page_size=10)
    connector = make(fake)
    found, _, _ = run(connector, connector.queries([])[0])
    assert found[0].payload["acct"] == "juf_anna@fedi.example"
    assert connector.to_post(found[0]).author == "juf_anna@fedi.example"


# --- pagination and cursor ---------------------------------------------------------------------------------------


def test_pagination_follows_max_id_and_ends_with_since_id(fake: MastodonFake, local_server: LocalServer) -> None:
    fake.publish(items(5), page_size=2)
    connector = make(fake)
    found, cursor, notices = run(connector, connector.queries([])[0])
    assert found[0].payload["content"].startswith("<p>Bericht 0")
    assert len({raw.native_id for raw in found}) == 5
    params = timeline_params(local_server)
    assert len(params) == 4, "three pages and one empty page that ends the pass"
    assert "max_id" not in params[0] and all("max_id" in p for p in params[1:])
    assert params[1]["max_id"] == found[1].payload["id"]
    assert cursor == {"since_id": found[0].payload["id"]}
    assert notices == []


def test_pages_in_between_carry_the_pass_state(fake: MastodonFake) -> None:
    fake.publish(items(5), page_size=2)
    connector = make(fake)
    pages = list(connector.fetch(connector.queries([])[0], {}))
    top = pages[0].items[0].payload["id"]
    assert pages[0].cursor == {"top": top, "max_id": pages[0].items[1].payload["id"]}
    assert pages[-1].cursor == {"since_id": top}


def test_rerun_asks_only_for_newer_statuses(fake: MastodonFake, local_server: LocalServer) -> None:
    fake.publish(items(3), page_size=10)
    connector = make(fake)
    query = connector.queries([])[0]
    _, cursor, _ = run(connector, query)
    fake.publish(items(1, start=-1) + items(3), page_size=10)
    found, cursor2, _ = run(connector, query, cursor)
    assert [raw.payload["content"][:12] for raw in found] == ["<p>Bericht -"]
    assert timeline_params(local_server)[-1]["since_id"] == cursor["since_id"]
    assert cursor2 == {"since_id": found[0].payload["id"]}
    nothing, cursor3, _ = run(connector, query, cursor2)
    assert nothing == [] and cursor3 == cursor2


def test_crash_mid_pass_resumes_without_a_gap(fake: MastodonFake, local_server: LocalServer) -> None:
    fake.publish(items(6), page_size=2)
    connector = make(fake)
    query = connector.queries([])[0]
    first_page: Page = next(iter(connector.fetch(query, {})))  # the run dies after committing one page
    assert "max_id" in first_page.cursor
    fake.publish(items(1, start=-1) + items(6), page_size=2)  # meanwhile a new status arrives
    found, cursor, _ = run(make(fake), query, first_page.cursor)
    seen = {raw.native_id for raw in first_page.items} | {raw.native_id for raw in found}
    assert len(seen) == 7, "the older statuses of the interrupted pass and the new one are all read"
    resumed = timeline_params(local_server)[1]
    assert resumed["max_id"] == first_page.cursor["max_id"]
    newest = max((raw for raw in found), key=lambda raw: int(raw.payload["id"]))
    assert cursor == {"since_id": newest.payload["id"]}


def test_page_cap_on_a_first_run_moves_on_with_a_notice(fake: MastodonFake) -> None:
    fake.publish(items(5), page_size=2)
    connector = make(fake, max_pages=2)
    found, cursor, notices = run(connector, connector.queries([])[0])
    assert len(found) == 4
    assert cursor == {"since_id": found[0].payload["id"]}
    assert notices and "eerste keer" in notices[0]


def test_page_cap_with_a_backlog_keeps_the_rest_for_next_time(fake: MastodonFake) -> None:
    fake.publish(items(1, start=10), page_size=2)
    connector = make(fake)
    query = connector.queries([])[0]
    _, cursor, _ = run(connector, query)
    fake.publish(items(5) + items(1, start=10), page_size=2)
    capped = make(fake, max_pages=1)
    found, pending, notices = run(capped, query, cursor)
    assert len(found) == 2 and "max_pages" in notices[0]
    assert pending["since_id"] == cursor["since_id"] and "max_id" in pending and "top" in pending
    rest, done, _ = run(make(fake), query, pending)
    assert len({r.native_id for r in found} | {r.native_id for r in rest}) == 5
    assert done == {"since_id": pending["top"]}


def test_empty_timeline(fake: MastodonFake) -> None:
    fake.publish([], page_size=10)
    connector = make(fake)
    found, cursor, notices = run(connector, connector.queries([])[0])
    assert (found, cursor, notices) == ([], {}, [])


# --- errors and retries ------------------------------------------------------------------------------------------


def test_rate_limit_waits_until_the_reset_time(fake: MastodonFake, no_sleep: list[float]) -> None:
    fake.publish(items(2), page_size=10)
    fake.fail_next(fake.rate_limited_reply(wait=42))
    connector = make(fake)
    found, _, _ = run(connector, connector.queries([])[0])
    assert len(found) == 2
    assert no_sleep and 38 <= no_sleep[0] <= 44, no_sleep


def test_rate_limit_wait_is_capped(fake: MastodonFake, no_sleep: list[float]) -> None:
    fake.publish(items(2), page_size=10)
    fake.fail_next(fake.rate_limited_reply(wait=7200))
    connector = make(fake)
    run(connector, connector.queries([])[0])
    assert no_sleep and max(no_sleep) <= 330


def test_server_error_then_success(fake: MastodonFake) -> None:
    fake.publish(items(2), page_size=10)
    fake.fail_next(fake.server_error_reply(), times=2)
    connector = make(fake)
    found, _, _ = run(connector, connector.queries([])[0])
    assert len(found) == 2
    assert fake.search_requests() == 4  # two failures, the page, the empty page


def test_timeout_then_success(fake: MastodonFake) -> None:
    fake.publish(items(2), page_size=10)
    fake.fail_next(Reply(200, b"[]", {"Content-Type": "application/json"}, delay=3))
    connector = make(fake, timeout_seconds=0.3)
    found, _, _ = run(connector, connector.queries([])[0])
    assert len(found) == 2


def test_persistent_server_errors_give_up_with_a_clear_message(fake: MastodonFake) -> None:
    fake.fail_next(fake.server_error_reply(), times=100)
    connector = make(fake, retries=1)
    with pytest.raises(SourceUnavailableError, match=r"serverfout \(HTTP 500\).*2 pogingen"):
        run(connector, connector.queries([])[0])


def test_not_json_is_a_payload_error(fake: MastodonFake) -> None:
    fake.fail_next(Reply(200, b"<html>onderhoud</html>", {"Content-Type": "text/html"}), times=10)
    connector = make(fake)
    with pytest.raises(PayloadError, match="onleesbaar"):
        run(connector, connector.queries([])[0])


@pytest.mark.parametrize("status", [401, 403, 200], ids=["401", "403", "empty-timeline"])
def test_one_refusing_instance_is_reported_and_the_others_are_read(fake: MastodonFake, status: int) -> None:
    fake.publish(items(3), page_size=10)
    fake.refuse("mastodon.example", status)
    connector = make(fake, instances=fake.instance_urls())
    refused_query, open_query = connector.queries([])
    refused, cursor, notices = run(connector, refused_query, {"since_id": "5"})
    assert refused == [] and cursor == {"since_id": "5"}, "the cursor of a refused query stays where it was"
    assert len(notices) == 1
    assert "mastodon.example" in notices[0] and "MASTODON_ACCESS_TOKEN" in notices[0]
    assert "andere servers worden wel gelezen" in notices[0]
    found, _, _ = run(connector, open_query)
    assert len(found) == 3


def test_when_every_instance_refuses_the_source_fails(fake: MastodonFake) -> None:
    for name in fake.instances:
        fake.refuse(name, 401)
    connector = make(fake, instances=fake.instance_urls())
    first, last = connector.queries([])
    _, _, notices = run(connector, first)
    assert notices
    with pytest.raises(AuthError, match=r"MASTODON_ACCESS_TOKEN.*geen enkele Mastodon-zoekopdracht"):
        run(connector, last)


def test_a_refusing_instance_is_not_asked_again_for_other_hashtags(fake: MastodonFake) -> None:
    fake.publish(items(2), page_size=10)
    fake.refuse("mastodon.example", 401)
    connector = make(fake, instances=fake.instance_urls(), hashtags=["een", "twee", "drie"])
    queries = connector.queries([])
    results = [run(connector, query) for query in queries]
    refused_calls = [call for call in fake.timeline_calls if call[0] == "mastodon.example"]
    assert len(refused_calls) == 1
    assert sum(len(found) for found, _, _ in results) == 6  # the other instance, three tags


def test_an_unreachable_instance_does_not_stop_the_others(fake: MastodonFake) -> None:
    fake.publish(items(2), page_size=10)
    connector = make(fake, instances=["http://127.0.0.1:9", fake.instance_url("fedi.example")], retries=0)
    down, up = connector.queries([])
    _, _, notices = run(connector, down)
    assert notices and "127.0.0.1:9" in notices[0]
    found, _, _ = run(connector, up)
    assert len(found) == 2


def test_access_token_goes_only_to_the_first_instance(
    fake: MastodonFake, local_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MASTODON_ACCESS_TOKEN", "tok-123")
    fake.publish(items(1), page_size=10)
    connector = make(fake, instances=fake.instance_urls())
    for query in connector.queries([]):
        run(connector, query)
    auth = {
        r.path.split("/")[1]: r.headers.get("authorization")
        for r in local_server.requests
        if "/timelines/tag/" in r.path
    }
    assert auth == {"mastodon.example": "Bearer tok-123", "fedi.example": None}


def test_without_a_token_no_authorization_is_sent(fake: MastodonFake, local_server: LocalServer) -> None:
    fake.publish(items(1), page_size=10)
    connector = make(fake)
    run(connector, connector.queries([])[0])
    assert all("authorization" not in r.headers for r in local_server.requests)


def test_refused_token_names_the_variable(fake: MastodonFake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHOOL_MASTODON_TOKEN", "verlopen")
    fake.fail_next(fake.unauthorized_reply(), times=10)
    connector = make(fake, access_token={"env": "SCHOOL_MASTODON_TOKEN"})
    with pytest.raises(AuthError, match=r"weigert het toegangstoken.*SCHOOL_MASTODON_TOKEN"):
        run(connector, connector.queries([])[0])


def test_a_configured_token_variable_that_is_missing_is_named(fake: MastodonFake) -> None:
    connector = make(fake, access_token={"env": "SCHOOL_MASTODON_TOKEN"})
    with pytest.raises(AuthError, match="SCHOOL_MASTODON_TOKEN is niet gezet"):
        run(connector, connector.queries([])[0])


# --- queries and settings ----------------------------------------------------------------------------------------


def test_queries_per_instance_and_school_hashtag_with_stable_ids() -> None:
    settings = MastodonSettings.model_validate({"hashtags": ["#Zoetermeer"]})
    connector = MastodonConnector("m", settings)
    queries = connector.queries(schools())
    ids = [q.id for q in queries]
    assert ids == [q.id for q in MastodonConnector("m", settings).queries(schools())]
    assert "mastodon.social#zilvermeercollege" in ids and "mastodon.nl#deregenboogzoetermeer" in ids
    assert "mastodon.social#zoetermeer" in ids
    by_id = {q.id: q for q in queries}
    assert by_id["mastodon.social#zilvermeercollege"].school_ids == ("zilvermeer-almere",)
    assert set(by_id["mastodon.social#zoetermeer"].school_ids) == {"regenboog-zoetermeer", "zilvermeer-almere"}
    assert len(ids) == len(set(ids)) == 2 * len({q.id.split("#")[1] for q in queries})


def test_school_tags_are_the_ones_the_matcher_accepts_alone() -> None:
    regenboog, zilvermeer = schools()
    assert school_tags(zilvermeer)[0] == "zilvermeercollege"
    assert "deregenboogzoetermeer" in school_tags(regenboog)
    assert "deregenboog" not in school_tags(regenboog), "too common to mean this school on its own"


@pytest.mark.parametrize("bad", [{"hashtags": ["twee woorden"]}, {"limit": 80}, {"instances": []}, {"tokens": 1}])
def test_bad_settings_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - pydantic's ValidationError is a ValueError
        MastodonSettings.model_validate(bad)


def test_unknown_query_is_a_clear_error(fake: MastodonFake) -> None:
    connector = make(fake)
    with pytest.raises(PayloadError, match="niet in `instances`"):
        run(connector, Query(id="elders.example#x", text="#x"))


# --- end to end and read-only ------------------------------------------------------------------------------------


def test_collect_end_to_end_with_two_instances(tmp_path: Path, fake: MastodonFake, local_server: LocalServer) -> None:
    fake.publish(items(4, malformed=(3,)), page_size=2)
    config = write_config(tmp_path, fake.source_options(instances=fake.instance_urls(), retries=1))
    store = Store(config.data_dir)
    [run1] = collect(config, store)
    assert (run1.status, run1.fetched, run1.new, run1.duplicates, run1.skipped) == ("ok", 8, 3, 3, 2), run1.message
    posts = store.read_posts()
    assert posts["post_key"].nunique() == 3, "the same status on two instances is stored once"
    assert set(posts["school_id"]) == {"zilvermeer-almere"}
    assert posts["author"].str.startswith("p-").all()
    assert len(store.read_state()) == 2
    [run2] = collect(config, store)
    assert (run2.status, run2.fetched, run2.new) == ("ok", 0, 0)


def test_collect_reports_a_refusing_instance_without_failing(
    tmp_path: Path, fake: MastodonFake, local_server: LocalServer
) -> None:
    fake.publish(items(2), page_size=10)
    fake.refuse("fedi.example", 403)
    config = write_config(tmp_path, fake.source_options(instances=fake.instance_urls()))
    store = Store(config.data_dir)
    [result] = collect(config, store)
    assert result.status == "ok" and result.new == 2
    assert len(result.notices) == 1 and "fedi.example" in result.notices[0] and "HTTP 403" in result.notices[0]


def test_demo_data_through_the_pipeline(tmp_path: Path, local_server: LocalServer) -> None:
    _, options = start_demo(local_server)
    config = write_config(tmp_path, options)
    [result] = collect(config, Store(config.data_dir))
    demo = demo_items("mastodon.json")
    assert 8 <= len(demo) <= 12
    assert result.status == "ok" and result.new == len(demo) - 1 and result.unmatched >= 1, result
    assert all(datetime(2026, 11, 9, tzinfo=UTC) <= i.created_at <= datetime(2026, 11, 21, tzinfo=UTC) for i in demo)


def test_only_read_endpoints_are_called(tmp_path: Path, fake: MastodonFake, local_server: LocalServer) -> None:
    fake.publish(items(3), page_size=2)
    fake.refuse("fedi.example", 401)
    config = write_config(tmp_path, fake.source_options(instances=fake.instance_urls()))
    collect(config, Store(config.data_dir))
    allowed = ("/api/v1/timelines/tag/", "/api/v2/instance", "/api/v1/instance")
    paths = [urlsplit(r.path).path for r in local_server.requests]
    assert paths
    for path in paths:
        instance_path = "/" + path.split("/", 2)[2]
        assert instance_path.startswith(allowed), path


def test_the_connector_never_calls_a_write_method() -> None:
    source = inspect.getsource(mastodon_module)
    forbidden = (
        "status_post", "toot(", "status_reply", "status_reblog", "status_favourite", "account_follow",
        "status_delete", "conversations_read", "media_post", "report(", "status_bookmark", "account_block",
    )  # fmt: skip
    assert not [name for name in forbidden if name in source]


def test_fake_serves_documented_pagination(fake: MastodonFake, local_server: LocalServer) -> None:
    """The fake itself: Link headers, since_id, min_id and limit as Mastodon documents them."""
    import requests

    fake.publish(items(5), page_size=40)
    url = fake.instance_url("mastodon.example") + f"/api/v1/timelines/tag/{FAKE_TAG}"
    page = requests.get(url, params={"limit": 2}, timeout=5)
    ids = [s["id"] for s in page.json()]
    assert len(ids) == 2 and int(ids[0]) > int(ids[1])
    assert f"max_id={ids[1]}" in page.headers["Link"] and f"min_id={ids[0]}" in page.headers["Link"]
    everything = [s["id"] for s in requests.get(url, timeout=5).json()]
    newer = requests.get(url, params={"since_id": everything[3]}, timeout=5).json()
    assert [s["id"] for s in newer] == everything[:3]
    oldest_above = requests.get(url, params={"min_id": everything[4], "limit": 2}, timeout=5).json()
    assert [s["id"] for s in oldest_above] == everything[2:4]
