"""The X connector: the real tweepy client against the fake X API v2 on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.base import AuthError, ConnectorError, MappingError, SourceUnavailableError
from connectors.testing import FakeItem, demo_items
from connectors.testing.server import LocalServer, Reply
from connectors.testing.x import XFake, author_id
from connectors.x import XConnector, XSettings, build_queries, snowflake_for, snowflake_time
from monitor.config import School, load_config
from monitor.pipeline import SOURCE_STATE_KEY, collect
from monitor.records import Page, Query, RawPost, now_utc
from monitor.setup import SOURCES_MARKER, example_config_text
from monitor.store import Store

REGENBOOG = School(
    id="regenboog-zoetermeer",
    name="IKC De Regenboog",
    town="Zoetermeer",
    aliases=["De Regenboog", "OBS De Regenboog"],
    handles=["@ikcderegenboog"],
    hashtags=["#DeRegenboogZoetermeer"],
    include=["Meerzicht"],
    exclude=["regenboogvlag", "speeltuin De Regenboog"],
)
ZILVERMEER = School(
    id="zilvermeer-almere",
    name="Zilvermeer College",
    town="Almere",
    aliases=["Zilvermeercollege", "Zilvermeer"],
    handles=["@zilvermeercoll"],
    hashtags=["#zilvermeercollege"],
)


@pytest.fixture
def fake(local_server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> XFake:
    monkeypatch.setenv("X_BEARER_TOKEN", "test-token")
    return XFake(local_server)


def make(fake: XFake, **options: Any) -> XConnector:
    settings = XSettings.model_validate(fake.source_options(**{"timeout_seconds": 2.0, **options}))
    return XConnector("x-test", settings)


def posts(count: int, start: int = 0, school: str = "Zilvermeer College", **kw: Any) -> list[FakeItem]:
    """``count`` posts about the school, newest first, with snowflake ids from the last few hours."""
    base = now_utc().replace(microsecond=0) - timedelta(hours=1)
    result = []
    for n in range(start, start + count):
        moment = base - timedelta(minutes=n)
        result.append(
            FakeItem(
                snowflake_for(moment),
                f"Bericht {n} over het {school} in Almere",
                f"ouder{n}",
                moment,
                malformed=n in kw.get("malformed", ()),
            )
        )
    return result


def zilvermeer_query(connector: XConnector) -> Query:
    [query] = connector.queries([ZILVERMEER])
    return query


def run(connector: XConnector, query: Query, cursor: dict[str, Any] | None = None) -> list[Page]:
    return list(connector.fetch(query, cursor or {}))


def items_of(pages: list[Page]) -> list[RawPost]:
    return [raw for page in pages for raw in page.items]


# --- query building ---------------------------------------------------------------------------------------


def test_query_for_a_school_uses_handles_hashtags_names_and_town_for_ambiguous_names() -> None:
    [query], warnings = build_queries(REGENBOOG, "lang:nl -is:retweet")
    assert warnings == []
    assert query == (
        '(@ikcderegenboog OR #DeRegenboogZoetermeer OR "IKC De Regenboog" OR "OBS De Regenboog" '
        'OR ("De Regenboog" (Zoetermeer OR Meerzicht))) -regenboogvlag -"speeltuin De Regenboog" lang:nl -is:retweet'
    )


def test_ambiguous_name_without_town_needs_school_words_and_odd_handles_are_skipped() -> None:
    school = School(id="kompas", name="Het Kompas", handles=["@kompas@mastodon.nl", "@hetkompas"])
    [query], _ = build_queries(school, "")
    assert query == '(@hetkompas OR ("Het Kompas" (school OR juf OR meester OR klas OR ouders)))'


def test_operators_are_configurable(fake: XFake) -> None:
    connector = make(fake, operators="lang:nl -is:retweet -is:reply has:media")
    [query] = connector.queries([ZILVERMEER])
    assert query.text.endswith(" lang:nl -is:retweet -is:reply has:media")
    assert query.id == "school:zilvermeer-almere" and query.school_ids == ("zilvermeer-almere",)


def test_long_term_lists_are_split_over_queries_within_the_limit(fake: XFake) -> None:
    aliases = [f"Basisschool Nummer {n} Voorbeeldstad" for n in range(40)]
    school = School(id="veel", name="Scholengroep Voorbeeldstad", town="Voorbeeldstad", aliases=aliases)
    connector = make(fake)
    queries = connector.queries([school])
    assert len(queries) > 2
    assert [q.id for q in queries][:3] == ["school:veel", "school:veel:2", "school:veel:3"]
    assert all(len(q.text) <= 512 for q in queries)
    assert all(q.text.endswith(" lang:nl -is:retweet") for q in queries)
    joined = " ".join(q.text for q in queries)
    assert all(f'"{alias}"' in joined for alias in aliases), "no term is lost"
    assert [q.text for q in connector.queries([school])] == [q.text for q in queries], "stable across runs"


def test_a_term_that_never_fits_is_left_out_with_a_notice(fake: XFake) -> None:
    monster = "Stichting " + " ".join(["Heel Lange Naam"] * 40)
    school = School(id="lang", name="Kindcentrum Kort", town="Delft", aliases=[monster])
    connector = make(fake, max_query_length=200)
    [query] = connector.queries([school])
    assert "Heel Lange Naam" not in query.text and '"Kindcentrum Kort"' in query.text
    fake.publish([], page_size=10)
    [page] = run(connector, query)
    assert any("te lang" in notice and "max_query_length" in notice for notice in page.notices)


def test_exclude_terms_give_way_only_when_a_single_term_would_not_fit() -> None:
    school = REGENBOOG.model_copy(update={"exclude": [f"uitsluiting{n}" for n in range(30)]})
    queries, warnings = build_queries(school, "lang:nl -is:retweet", max_length=150)
    assert warnings == [] and len(queries) > 1
    assert all(len(q) <= 150 for q in queries)
    assert any('("De Regenboog" (Zoetermeer OR Meerzicht))' in q for q in queries)
    assert all("-uitsluiting0 " in q and "-uitsluiting29" not in q for q in queries), "the same excludes everywhere"


# --- mapping ----------------------------------------------------------------------------------------------


def test_maps_author_media_reply_quote_and_language(fake: XFake) -> None:
    moment = datetime(2026, 11, 20, 9, 15, tzinfo=UTC)
    reply_id, quote_id, plain_id = (snowflake_for(moment - timedelta(minutes=n)) for n in range(3))
    fake.publish(
        [
            FakeItem(reply_id, "Zilvermeer College & de <klassen> van 34 in Almere", "boze_ouder", moment),
            FakeItem(quote_id, "Dit! #zilvermeercollege", "leerling_x", moment - timedelta(minutes=1)),
            FakeItem(plain_id, "Open dag @zilvermeercoll", "boze_ouder", moment - timedelta(minutes=2)),
        ]
    )
    fake.describe(reply_id, media=("photo", "video"), reply_to="1859000000000000001")
    fake.describe(quote_id, quote_of="1859000000000000002", lang="und")
    connector = make(fake, operators="-is:retweet")  # lang:nl would (rightly) leave out the 'und' post
    raws = items_of(run(connector, zilvermeer_query(connector)))
    by_id = {raw.native_id: connector.to_post(raw) for raw in raws}

    reply = by_id[reply_id]
    assert reply.author == "boze_ouder", "username from includes.users"
    assert reply.text == "Zilvermeer College & de <klassen> van 34 in Almere", "X's &amp; escapes undone"
    assert reply.url == f"https://x.com/i/web/status/{reply_id}"
    assert reply.created_at == moment
    assert (reply.language, reply.has_media, reply.reply_to, reply.quote_of) == (
        "nl",
        True,
        "1859000000000000001",
        None,
    )
    quote = by_id[quote_id]
    assert (quote.quote_of, quote.reply_to, quote.language, quote.has_media) == (
        "1859000000000000002",
        None,
        None,
        False,
    )
    assert by_id[plain_id].author == "boze_ouder"

    payload = next(raw.payload for raw in raws if raw.native_id == reply_id)
    assert payload["author_username"] == "boze_ouder"
    assert payload["media_types"] == ["photo", "video"]
    assert payload["author_id"] == author_id("boze_ouder")
    assert not {"name", "description", "public_metrics", "profile_image_url"} & set(payload), "no profile data"
    assert raws[0].source == "x-test" and raws[0].connector == "x" and raws[0].query.startswith("(@zilvermeercoll")


def test_request_asks_for_the_documented_fields_and_expansions(fake: XFake) -> None:
    fake.publish(posts(1))
    connector = make(fake)
    run(connector, zilvermeer_query(connector))
    [params] = fake.seen
    assert params["max_results"] == "100"
    assert set(params["tweet.fields"].split(",")) >= {
        "created_at",
        "lang",
        "author_id",
        "conversation_id",
        "referenced_tweets",
        "attachments",
        "possibly_sensitive",
    }
    assert set(params["expansions"].split(",")) == {"author_id", "attachments.media_keys"}
    assert params["user.fields"] == "username"
    assert params["media.fields"] == "type"
    assert "since_id" not in params and "next_token" not in params


def test_without_usernames_the_author_is_the_numeric_id(fake: XFake) -> None:
    fake.publish(posts(1))
    connector = make(fake, usernames=False)
    [raw] = items_of(run(connector, zilvermeer_query(connector)))
    assert fake.seen[0]["expansions"] == "attachments.media_keys" and "user.fields" not in fake.seen[0]
    assert connector.to_post(raw).author == author_id("ouder0")
    assert "author_username" not in raw.payload


def test_long_post_uses_the_full_note_tweet_text(fake: XFake) -> None:
    text = "Zilvermeer College " + "heel lang verhaal " * 30 + "einde"
    fake.publish([FakeItem(snowflake_for(now_utc()), text, "schrijver", now_utc())])
    connector = make(fake)
    [raw] = items_of(run(connector, zilvermeer_query(connector)))
    assert len(raw.payload["text"]) == 280
    assert connector.to_post(raw).text == text


def test_malformed_items_are_mapping_errors(fake: XFake) -> None:
    fake.publish(posts(3, malformed=(1,)))
    connector = make(fake)
    raws = items_of(run(connector, zilvermeer_query(connector)))
    assert len(raws) == 3
    assert "text" not in raws[1].payload
    with pytest.raises(MappingError, match="zonder tekst"):
        connector.to_post(raws[1])
    no_id = RawPost("", {"text": "Zilvermeer College"}, "x-test", "q", now_utc(), "x", "1")
    with pytest.raises(MappingError, match="zonder id"):
        connector.to_post(no_id)
    assert connector.to_post(raws[0]).text.startswith("Bericht 0")


# --- pagination and cursors -------------------------------------------------------------------------------


def test_pages_follow_next_token_and_since_id_moves_only_with_the_last_page(fake: XFake) -> None:
    published = posts(5)
    fake.publish(published, page_size=2)
    connector = make(fake)
    pages = run(connector, zilvermeer_query(connector))
    assert [len(p.items) for p in pages] == [2, 2, 1]
    assert [raw.native_id for raw in items_of(pages)] == [item.id for item in published]
    assert [params.get("next_token") is not None for params in fake.seen] == [False, True, True]
    first, second, last = (page.cursor for page in pages)
    assert "since_id" not in first and first["pending_newest"] == published[0].id and first["next_token"]
    assert "since_id" not in second and second["next_token"] != first["next_token"]
    assert last["since_id"] == published[0].id and "next_token" not in last
    assert datetime.fromisoformat(last["last_fetch_at"]) <= now_utc()


def test_second_run_asks_with_since_id_and_gets_only_new_posts(fake: XFake) -> None:
    published = posts(3)
    fake.publish(published, page_size=10)
    connector = make(fake)
    query = zilvermeer_query(connector)
    [page] = run(connector, query)
    again = run(connector, query, page.cursor)
    assert fake.seen[-1]["since_id"] == published[0].id
    assert items_of(again) == [] and again[-1].cursor["since_id"] == published[0].id
    newer = FakeItem(snowflake_for(now_utc()), "Nieuw: Zilvermeer College in Almere", "nieuw", now_utc())
    fake.publish([newer, *published], page_size=10)
    third = run(connector, query, again[-1].cursor)
    assert [raw.native_id for raw in items_of(third)] == [newer.id]
    assert third[-1].cursor["since_id"] == newer.id


def test_an_interrupted_pass_resumes_with_its_token_and_skips_nothing(fake: XFake) -> None:
    published = posts(5)
    fake.publish(published, page_size=2)
    connector = make(fake)
    query = zilvermeer_query(connector)
    first_page = next(iter(connector.fetch(query, {})))  # the run dies after committing page one
    newer = FakeItem(snowflake_for(now_utc()), "Zilvermeer College in het nieuws", "nieuw", now_utc())
    fake.publish([newer, *published], page_size=2)
    fake.seen.clear()
    pages = run(make(fake), query, first_page.cursor)
    got = [raw.native_id for raw in items_of(pages)]
    assert got == [item.id for item in published[2:]] + [newer.id]
    assert fake.seen[0]["next_token"] == first_page.cursor["next_token"]
    assert fake.seen[-1]["since_id"] == published[0].id, "then what was posted since the pass began"
    assert pages[-1].cursor["since_id"] == newer.id


def test_an_expired_token_starts_again_from_since_id(fake: XFake) -> None:
    published = posts(3)
    fake.publish(published, page_size=10)
    connector = make(fake)
    query = zilvermeer_query(connector)
    [done] = run(connector, query)
    stale = {**done.cursor, "next_token": "verlopen", "pending_newest": published[0].id}
    stale["pass_started_at"] = now_utc().isoformat()
    pages = run(connector, query, stale)
    assert [p.get("next_token") for p in fake.seen[-2:]] == ["verlopen", None]
    assert fake.seen[-1]["since_id"] == published[0].id
    assert pages[-1].cursor["since_id"] == published[0].id and "next_token" not in pages[-1].cursor


def test_a_since_id_refused_by_x_is_dropped(fake: XFake) -> None:
    fake.publish(posts(2), page_size=10)
    connector = make(fake)
    query = zilvermeer_query(connector)
    [page] = run(connector, query)
    fake.fail_next(fake.invalid_parameter_reply("since_id", page.cursor["since_id"]))
    pages = run(connector, query, page.cursor)
    assert "since_id" in fake.seen[-2] and "since_id" not in fake.seen[-1]
    assert len(items_of(pages)) == 2, "read again (the pipeline's dedupe drops them) rather than skipped"


def test_language_operator_is_sent_to_x(fake: XFake) -> None:
    moment = now_utc()
    fake.publish([FakeItem(snowflake_for(moment), "Zilvermeer College is great", "en_ouder", moment)])
    fake.describe(snowflake_for(moment), lang="en")
    connector = make(fake)
    assert items_of(run(connector, zilvermeer_query(connector))) == []
    assert "lang:nl" in fake.seen[-1]["query"]


def test_a_changed_query_starts_afresh(fake: XFake) -> None:
    fake.publish(posts(2), page_size=10)
    connector = make(fake)
    query = zilvermeer_query(connector)
    [page] = run(connector, query)
    changed = Query(query.id, query.text.replace("lang:nl", "lang:en"), query.school_ids)
    run(connector, changed, page.cursor)
    assert "since_id" not in fake.seen[-1]


# --- read caps --------------------------------------------------------------------------------------------


def test_run_cap_stops_at_the_cap_says_so_and_the_next_run_continues(fake: XFake) -> None:
    published = posts(40)
    fake.publish(published, page_size=10)
    connector = make(fake, max_reads_per_run=25)
    query = zilvermeer_query(connector)
    pages = run(connector, query)
    assert [p["max_results"] for p in fake.seen] == ["25", "15"], "never more than the cap leaves"
    assert len(items_of(pages)) == 20
    notice = pages[-1].notices[-1]
    assert "max_reads_per_run = 25" in notice and "20 berichten gelezen" in notice
    assert pages[-1].cursor["next_token"], "the rest is read next run, not skipped"

    fake.seen.clear()
    second = make(fake, max_reads_per_run=25)
    second.begin(pages[-1].source_state or {})
    more = run(second, query, pages[-1].cursor)
    assert len(items_of(more)) == 20
    assert fake.seen[0]["next_token"] == pages[-1].cursor["next_token"]
    got = [raw.native_id for raw in items_of(pages) + items_of(more)]
    assert got == [item.id for item in published]
    assert all(int(p["max_results"]) >= 10 for p in fake.seen)


def test_month_cap_counts_across_runs_and_resets_in_a_new_month(fake: XFake) -> None:
    fake.publish(posts(30), page_size=100)
    month = now_utc().strftime("%Y-%m")
    connector = make(fake, max_reads_per_month=1000)
    connector.begin({"month": month, "reads": 985})
    pages = run(connector, zilvermeer_query(connector))
    assert [p["max_results"] for p in fake.seen] == ["15"]
    assert pages[-1].source_state == {"month": month, "reads": 1000}
    assert "max_reads_per_month = 1000" in pages[-1].notices[-1]
    assert f"in {month} zijn 1000 berichten gelezen" in pages[-1].notices[-1]

    full = make(fake, max_reads_per_month=1000)
    full.begin({"month": month, "reads": 995})
    [page] = run(full, zilvermeer_query(full))
    assert page.items == [] and len(fake.seen) == 1, "no request when fewer than 10 reads remain"
    assert "maandlimiet" in page.notices[-1]

    fresh = make(fake, max_reads_per_month=1000)
    fresh.begin({"month": "2000-01", "reads": 995})
    pages = run(fresh, zilvermeer_query(fresh))
    assert len(items_of(pages)) == 30
    assert pages[-1].source_state == {"month": month, "reads": 30}


# --- the 7-day window -------------------------------------------------------------------------------------


def test_a_last_read_older_than_seven_days_is_reported_as_a_gap(fake: XFake) -> None:
    fake.publish(posts(2), page_size=10)
    connector = make(fake)
    query = zilvermeer_query(connector)
    [fresh_page] = run(connector, query)
    long_ago = now_utc() - timedelta(days=10)
    stale = {**fresh_page.cursor, "since_id": snowflake_for(long_ago), "last_fetch_at": long_ago.isoformat()}
    pages = run(connector, query, stale)
    [notice] = pages[0].notices
    assert "7 dagen" in notice and long_ago.strftime("%d-%m-%Y") in notice and "zilvermeer-almere" in notice
    assert "since_id" not in fake.seen[-1], "X refuses a since_id older than 7 days"
    assert len(items_of(pages)) == 2
    assert run(connector, query, pages[-1].cursor)[0].notices == (), "a recent read has no gap"


def test_snowflake_ids_carry_their_time() -> None:
    moment = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert snowflake_time(snowflake_for(moment)) == moment
    assert snowflake_time("1000") is None


# --- failures ---------------------------------------------------------------------------------------------


def test_rate_limit_waits_until_x_rate_limit_reset(fake: XFake, no_sleep: list[float]) -> None:
    fake.publish(posts(2), page_size=10)
    fake.fail_next(fake.rate_limited_reply(wait=30))
    connector = make(fake)
    pages = run(connector, zilvermeer_query(connector))
    assert len(items_of(pages)) == 2
    assert fake.search_requests() == 2
    assert len(no_sleep) == 1 and 25 <= no_sleep[0] <= 31


def test_rate_limit_wait_is_capped(fake: XFake, no_sleep: list[float]) -> None:
    fake.publish(posts(1), page_size=10)
    fake.fail_next(fake.rate_limited_reply(wait=86_400))
    connector = make(fake)
    run(connector, zilvermeer_query(connector))
    assert no_sleep == [900.0]


def test_monthly_usage_cap_of_the_x_account_is_not_retried(fake: XFake, no_sleep: list[float]) -> None:
    fake.fail_next(fake.usage_capped_reply(), times=5)
    connector = make(fake)
    with pytest.raises(SourceUnavailableError, match="UsageCapExceeded"):
        run(connector, zilvermeer_query(connector))
    assert fake.search_requests() == 1 and no_sleep == []


def test_server_error_then_success(fake: XFake, no_sleep: list[float]) -> None:
    fake.publish(posts(2), page_size=10)
    fake.fail_next(fake.server_error_reply(500))
    connector = make(fake)
    assert len(items_of(run(connector, zilvermeer_query(connector)))) == 2
    assert fake.search_requests() == 2 and no_sleep == [2.0]


def test_persistent_server_error_gives_up_after_the_retries(fake: XFake) -> None:
    fake.fail_next(fake.server_error_reply(503), times=10)
    connector = make(fake, retries=2)
    with pytest.raises(SourceUnavailableError, match=r"HTTP 503.*na 3 pogingen"):
        run(connector, zilvermeer_query(connector))
    assert fake.search_requests() == 3


def test_timeout_then_success(fake: XFake) -> None:
    fake.publish(posts(2), page_size=10)
    fake.fail_next(Reply(200, b"{}", {"Content-Type": "application/json"}, delay=3))
    connector = make(fake, timeout_seconds=0.3)
    assert len(items_of(run(connector, zilvermeer_query(connector)))) == 2
    assert fake.search_requests() == 2


def test_refused_token_names_the_variable(fake: XFake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", "verkeerd")
    connector = make(fake)
    with pytest.raises(AuthError, match=r"HTTP 401.*X_BEARER_TOKEN"):
        run(connector, zilvermeer_query(connector))
    assert fake.search_requests() == 1, "a refused token is not retried"


def test_configured_variable_is_used_and_named(fake: XFake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHOOL_X_TOKEN", "test-token")
    monkeypatch.delenv("X_BEARER_TOKEN")
    fake.publish(posts(1), page_size=10)
    connector = make(fake, bearer_token={"env": "SCHOOL_X_TOKEN"})
    assert len(items_of(run(connector, zilvermeer_query(connector)))) == 1
    fake.fail_next(fake.forbidden_reply())
    with pytest.raises(AuthError, match=r"HTTP 403.*SCHOOL_X_TOKEN.*abonnement"):
        run(make(fake, bearer_token={"env": "SCHOOL_X_TOKEN"}), zilvermeer_query(connector))


def test_missing_variable_is_named_and_nothing_is_sent(fake: XFake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("X_BEARER_TOKEN")
    connector = make(fake)
    with pytest.raises(AuthError, match="X_BEARER_TOKEN is niet gezet"):
        run(connector, zilvermeer_query(connector))
    assert fake.search_requests() == 0


def test_invalid_query_points_at_the_operators(fake: XFake) -> None:
    fake.fail_next(fake.invalid_parameter_reply("query", "x", "There were errors processing your request"))
    connector = make(fake)
    with pytest.raises(ConnectorError, match="operators"):
        run(connector, zilvermeer_query(connector))


def test_the_bearer_token_never_reaches_the_log(fake: XFake, caplog: pytest.LogCaptureFixture) -> None:
    fake.publish(posts(1), page_size=10)
    caplog.set_level(logging.DEBUG)
    connector = make(fake)
    run(connector, zilvermeer_query(connector))
    assert "test-token" not in caplog.text


def test_read_only_the_client_is_only_used_to_search() -> None:
    source = (Path(__file__).resolve().parent.parent / "connectors" / "x.py").read_text(encoding="utf-8")
    calls = set(re.findall(r"client\.(\w+)", source))
    assert calls <= {"search_recent_tweets", "session"}, calls


# --- end to end -------------------------------------------------------------------------------------------


def write_config(tmp_path: Path, fake: XFake, **options: Any) -> Any:
    head = example_config_text().split(SOURCES_MARKER)[0]
    settings = {**fake.source_options(retries=1), **options}
    lines = ["[[sources]]", 'name = "x-zoeken"', 'type = "x"']
    lines += [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    path = tmp_path / "monitor.toml"
    path.write_text(head + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return load_config(path)


@pytest.fixture
def demo_fake(fake: XFake) -> XFake:
    fake.publish(demo_items("x.json"), page_size=2)
    return fake


def test_collect_stores_demo_posts_with_pseudonymised_authors(tmp_path: Path, demo_fake: XFake) -> None:
    config = write_config(tmp_path, demo_fake)
    store = Store(config.data_dir)
    [run_] = collect(config, store)
    assert (run_.status, run_.fetched, run_.new, run_.unmatched, run_.skipped) == ("ok", 9, 8, 1, 0), run_.message
    stored = store.read_posts()
    assert set(stored["school_id"]) == {"regenboog-zoetermeer", "zilvermeer-almere"}
    assert stored["author"].str.startswith("p-").all(), "authors are pseudonymised"
    assert not set(stored["author"]) & {item.author for item in demo_items("x.json")}
    assert stored["url"].str.startswith("https://x.com/i/web/status/").all()
    state = store.read_state()
    assert state[("x-zoeken", SOURCE_STATE_KEY)] == {"month": now_utc().strftime("%Y-%m"), "reads": 9}
    assert state[("x-zoeken", "school:zilvermeer-almere")]["since_id"] == demo_items("x.json")[1].id

    [again] = collect(config, store)
    assert (again.status, again.new) == ("ok", 0)
    assert store.read_state()[("x-zoeken", SOURCE_STATE_KEY)]["reads"] == 9 + again.fetched


def test_collect_month_cap_is_persisted_and_reported(tmp_path: Path, demo_fake: XFake) -> None:
    config = write_config(tmp_path, demo_fake, max_reads_per_month=12)
    store = Store(config.data_dir)
    [first] = collect(config, store)
    assert first.status == "ok", first.message
    assert first.fetched == 4, "the first school's query used 4 reads; 8 left is below X's minimum page of 10"
    assert any("max_reads_per_month = 12" in notice for notice in first.notices)
    requests_before = demo_fake.search_requests()
    [second] = collect(config, store)
    assert demo_fake.search_requests() == requests_before, "the month's reads are remembered between runs"
    assert second.fetched == 0 and any("maandlimiet" in notice for notice in second.notices)
    stored_runs = store.read_runs()
    assert stored_runs["notices"].str.contains("maandlimiet").all()


def test_an_edited_post_is_one_post_with_the_newest_text(tmp_path: Path, fake: XFake) -> None:
    config = write_config(tmp_path, fake)
    store = Store(config.data_dir)
    moment = now_utc().replace(microsecond=0) - timedelta(hours=2)
    first_id, edit_id = snowflake_for(moment), snowflake_for(moment + timedelta(minutes=3))
    original = FakeItem(first_id, "Het Zilvermeer College in Almere heeft een fijne mentr", "ouder1", moment)
    fake.publish([original])
    [one] = collect(config, store)
    assert one.new == 1
    # The author edits the post: X serves the new version with its own id and the whole edit history.
    edited = FakeItem(edit_id, "Het Zilvermeer College in Almere heeft een fijne mentor", "ouder1", moment)
    fake.describe(edit_id, edits=(first_id,))
    fake.publish([edited])
    [two] = collect(config, store)
    assert two.status == "ok", two.message
    stored = store.read_posts()
    assert list(stored["native_id"]) == [first_id]  # one post per edit chain
    assert list(stored["text"]) == ["Het Zilvermeer College in Almere heeft een fijne mentor"]
    assert list(stored["url"]) == [f"https://x.com/i/web/status/{edit_id}"]
    # Seeing an old version again (or the same newest one) adds nothing and changes nothing.
    fake.publish([original, edited])
    [three] = collect(config, store)
    assert three.new == 0
    assert list(store.read_posts()["text"]) == ["Het Zilvermeer College in Almere heeft een fijne mentor"]


def test_a_post_without_created_at_takes_the_time_from_its_id(fake: XFake) -> None:
    moment = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    ident = snowflake_for(moment)
    raw = RawPost(ident, {"id": ident, "text": "Zilvermeer College", "edit_history_tweet_ids": [ident]}, "x", "q",
                  now_utc(), "x", "1")
    post = make(fake).to_post(raw)
    assert post.created_at is not None and abs((post.created_at - moment).total_seconds()) < 1


def test_a_recorded_real_x_answer_maps_with_times_from_the_ids(
    local_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tweepy's own recording of a real recent-search answer (tests/fixtures/README.md): only the default fields,
    so no created_at; each text holds the moment it was posted, which the time from the id must match."""
    monkeypatch.setenv("X_BEARER_TOKEN", "test-token")
    recorded = (Path(__file__).parent / "fixtures" / "x" / "search_recent_tweepy.json").read_bytes()
    last = json.dumps({"meta": {"result_count": 0}}).encode()
    headers = {"Content-Type": "application/json; charset=utf-8"}
    local_server.add("/2/tweets/search/recent", Reply(body=recorded, headers=headers),
                     Reply(body=last, headers=headers))
    connector = XConnector("x-test", XSettings.model_validate({"api_url": local_server.url, "retries": 0}))
    [query] = connector.queries([ZILVERMEER])
    raws = items_of(list(connector.fetch(query, {})))
    assert len(raws) == 10
    for raw in raws:
        post = connector.to_post(raw)
        written = datetime.strptime(post.text[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        assert post.created_at is not None and abs((post.created_at - written).total_seconds()) < 5
        assert post.native_id == raw.payload["edit_history_tweet_ids"][0]
