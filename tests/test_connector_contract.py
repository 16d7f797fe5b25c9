"""One contract, checked for every registered connector: the same behaviour whatever the platform.

Each connector runs its real client library against its platform fake (``connectors/testing/``) on 127.0.0.1,
through the real pipeline (matching, privacy, store). Checks: pagination, cursor resumption, dedupe on a re-run,
429 then success, 500 then success, timeout then success, 401, a malformed item among good ones, an empty result.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import time
from pathlib import Path
from typing import Any

import pytest

import connectors.testing
from connectors.registry import known_connectors
from connectors.testing import FakeItem, PlatformFake, sample_items
from connectors.testing.server import LocalServer, Reply
from monitor.config import Config, load_config
from monitor.pipeline import SourceRun, collect
from monitor.setup import SOURCES_MARKER, example_config_text
from monitor.store import Store

# Registered connectors that have no fake of their own, and why that is enough.
COVERED_ELSEWHERE = {
    "google-news": "an RSS feed with a built URL: runs the rss connector code, tested in test_feeds.py",
    "google-alerts": "an RSS feed: runs the rss connector code, tested in test_feeds.py",
    "mastodon-rss": "an RSS feed: runs the rss connector code, tested in test_feeds.py",
    "youtube": "an Atom feed: runs the rss connector code, tested in test_feeds.py",
    "manual": "reads a local file, no network: tested in test_manual.py",
}


def all_fakes() -> list[type[PlatformFake]]:
    found = []
    for module_info in pkgutil.iter_modules(connectors.testing.__path__):
        module = importlib.import_module(f"connectors.testing.{module_info.name}")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            concrete = not inspect.isabstract(obj) and isinstance(getattr(obj, "type", None), str)
            if issubclass(obj, PlatformFake) and concrete and obj.__module__ == module.__name__:
                found.append(obj)
    return sorted(found, key=lambda cls: cls.type)


FAKES = all_fakes()


def test_every_registered_connector_has_a_fake() -> None:
    faked = {fake.type for fake in FAKES}
    missing = set(known_connectors()) - faked - set(COVERED_ELSEWHERE)
    assert not missing, f"write a PlatformFake in connectors/testing/ for: {sorted(missing)}"


@pytest.fixture(params=FAKES, ids=lambda cls: cls.type)
def fake(request: pytest.FixtureRequest, local_server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> PlatformFake:
    platform: PlatformFake = request.param(local_server)
    for name, value in platform.env.items():
        monkeypatch.setenv(name, value)
    return platform


def items(count: int, start: int = 0, malformed: tuple[int, ...] = ()) -> list[FakeItem]:
    return sample_items(count, start, malformed, first_id=1000)


def make_config(tmp_path: Path, fake: PlatformFake, **overrides: Any) -> Config:
    options = {"timeout_seconds": 1.0, **overrides}
    lines = ['name = "bron"', f'type = "{fake.type}"']
    lines += [f"{key} = {_toml(value)}" for key, value in fake.source_options(**options).items()]
    head = example_config_text().split(SOURCES_MARKER)[0]
    path = tmp_path / "monitor.toml"
    path.write_text(head + "\n[[sources]]\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return load_config(path)


def _toml(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)  # strings, numbers and lists are valid TOML in JSON form


def run_once(config: Config) -> tuple[SourceRun, Store]:
    store = Store(config.data_dir)
    [run] = collect(config, store)
    return run, store


def stored_posts(store: Store) -> int:
    return int(store.read_posts()["post_key"].nunique())


def test_pagination_reads_every_page(tmp_path: Path, fake: PlatformFake) -> None:
    fake.publish(items(5), page_size=2)
    run, store = run_once(make_config(tmp_path, fake))
    assert run.status == "ok", run.message
    assert stored_posts(store) == 5
    assert fake.search_requests() >= 3, "five items at two per page take three pages"


def test_rerun_resumes_from_the_cursor_and_adds_nothing_twice(tmp_path: Path, fake: PlatformFake) -> None:
    config = make_config(tmp_path, fake)
    fake.publish(items(4), page_size=2)
    first, store = run_once(config)
    assert first.status == "ok", first.message
    assert store.read_state(), "a cursor was saved"
    again, _ = run_once(config)
    assert again.status == "ok" and again.new == 0
    fake.publish(items(1, start=-1) + items(4), page_size=2)  # one newer post on top
    third, _ = run_once(config)
    assert third.status == "ok", third.message
    assert stored_posts(store) == 5
    assert third.fetched < 5 or third.duplicates >= 4, "old posts are either not fetched again or recognised"


def test_rate_limit_then_success(tmp_path: Path, fake: PlatformFake, no_sleep: list[float]) -> None:
    fake.publish(items(3), page_size=10)
    fake.fail_next(fake.rate_limited_reply(wait=7))
    run, store = run_once(make_config(tmp_path, fake))
    assert run.status == "ok", run.message
    assert stored_posts(store) == 3
    assert no_sleep, "the client waited before trying again"
    assert max(no_sleep) <= 900, "waits are capped"


def test_server_error_then_success(tmp_path: Path, fake: PlatformFake) -> None:
    fake.publish(items(3), page_size=10)
    fake.fail_next(fake.server_error_reply())
    run, store = run_once(make_config(tmp_path, fake))
    assert run.status == "ok", run.message
    assert stored_posts(store) == 3


def test_timeout_then_success(tmp_path: Path, fake: PlatformFake) -> None:
    fake.publish(items(3), page_size=10)
    fake.fail_next(Reply(200, b"{}", {"Content-Type": "application/json"}, delay=3))
    run, store = run_once(make_config(tmp_path, fake, timeout_seconds=0.3))
    assert run.status == "ok", run.message
    assert stored_posts(store) == 3


def test_a_trickling_server_fails_this_source_within_the_limit(tmp_path: Path, fake: PlatformFake) -> None:
    """One byte every 0.1 s (well within the 1 s read timeout) would take a minute; a request may take 4 × 1 s.
    The bound is generous (a loaded machine): it only says the trickle was not waited out."""
    fake.publish(items(3), page_size=10)
    fake.fail_next(Reply(200, b" " * 600, {"Content-Type": "application/json"}, trickle=0.1), times=1000)
    started = time.monotonic()
    run, store = run_once(make_config(tmp_path, fake, timeout_seconds=1.0))
    assert time.monotonic() - started < 30
    assert run.status == "mislukt", run.message
    assert "bron bron: de server 127.0.0.1 stuurde na 4 s nog steeds gegevens; afgebroken" in run.message
    assert "timeout_seconds = 1;" in run.message, run.message
    assert list(store.read_runs()["status"]) == ["mislukt"], "the failed run is recorded"


def test_refused_credentials_fail_this_source_with_a_clear_message(tmp_path: Path, fake: PlatformFake) -> None:
    fake.publish(items(3), page_size=10)
    fake.fail_next(fake.unauthorized_reply(), times=1000)
    run, store = run_once(make_config(tmp_path, fake))
    assert run.status == "mislukt"
    assert run.errors == 1
    if fake.auth_env:
        assert fake.auth_env in run.message, run.message
    else:
        assert "401" in run.message, run.message
    assert stored_posts(store) == 0
    assert len(store.read_runs()) == 1, "the failed run is recorded for monitor status"


def test_malformed_item_is_skipped_and_the_rest_stored(tmp_path: Path, fake: PlatformFake) -> None:
    fake.publish(items(5, malformed=(2,)), page_size=10)
    run, store = run_once(make_config(tmp_path, fake))
    assert run.status == "ok", run.message
    assert run.skipped >= 1
    assert stored_posts(store) == 4


def test_empty_result_is_fine(tmp_path: Path, fake: PlatformFake) -> None:
    fake.publish([], page_size=10)
    run, store = run_once(make_config(tmp_path, fake))
    assert (run.status, run.new, run.errors) == ("ok", 0, 0), run.message
    assert stored_posts(store) == 0


def test_authors_are_pseudonymised(tmp_path: Path, fake: PlatformFake) -> None:
    fake.publish(items(2), page_size=10)
    _, store = run_once(make_config(tmp_path, fake))
    authors = set(store.read_posts()["author"].dropna())
    assert authors and all(a.startswith("p-") for a in authors)
    assert not {"ouder0", "ouder1"} & authors
