"""The web app in a real headless Chromium, served by uvicorn on 127.0.0.1: log in, see the agenda, open a post,
mark it and see it move; management gets a 403 on a post; a hostile post text never runs; nothing is requested from
anywhere but the app."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from monitor.review import post_ref
from tests.digest_helpers import HOSTILE, REGENBOOG, ZILVERMEER, item, seed_items, setup
from tests.test_dashboard_browser import ARGS, CHROMIUM
from tests.test_web import DISCUSS, PASSWORD, THREAT, Clock

CLOCK = Clock()  # the served app's clock: a test moves it on instead of waiting half an hour
OTHER_SCHOOL = "Slechte sfeer op het Zilvermeer College in Almere"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    from monitor.web.app import create_app
    from monitor.web.users import UserStore

    config, store = setup(tmp_path_factory.mktemp("web-browser"))
    seed_items(store, [item(1, REGENBOOG, DISCUSS, "negatief", ("ervaring",)),
                       item(2, REGENBOOG, THREAT, "negatief", ("bedreiging",)),
                       item(3, ZILVERMEER, OTHER_SCHOOL, "negatief", ("ervaring",)),
                       item(4, REGENBOOG, HOSTILE, "negatief", ("ervaring",), url="javascript:alert(3)")])
    users = UserStore(config.data_dir)
    known = [s.id for s in config.schools]
    users.add("comm", "communicatie", [REGENBOOG], PASSWORD, known_schools=known)
    users.add("baas", "management", [], PASSWORD, known_schools=known)
    users.add("tweede", "communicatie", [REGENBOOG], PASSWORD, known_schools=known)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(config, clock=CLOCK)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the web app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium ontbreekt ({CHROMIUM}); installeer het met 'make browser'.", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def page_for(browser: Any, base: str, seen: list[str], dialogs: list[str]) -> Any:
    context = browser.new_context()
    page = context.new_page()
    page.on("request", lambda request: seen.append(request.url))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return page


def log_in(page: Any, base: str, name: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=naam]", name)
    page.fill("input[name=wachtwoord]", PASSWORD)
    page.click("button[type=submit]")


def test_log_in_see_the_agenda_open_a_post_mark_it_and_see_it_move(browser: Any, served: str) -> None:
    seen: list[str] = []
    dialogs: list[str] = []
    page = page_for(browser, served, seen, dialogs)
    log_in(page, served, "comm")
    page.goto(f"{served}/agenda?week=2026-W47")
    assert DISCUSS in page.inner_text("#bespreken") and THREAT not in page.content()
    ref = post_ref("rss:1")
    page.click(f"a[href='/berichten/{ref}']")
    assert DISCUSS in page.inner_text("blockquote")
    page.select_option("select[name=status]", "besproken")
    page.fill("input[name=notitie]", "met de mentor besproken")
    page.click("form.mark button[type=submit]")
    assert "met de mentor besproken" in page.inner_text("ul.events")
    page.goto(f"{served}/agenda?week=2026-W47")
    assert page.locator(f"li.item.done a[href='/berichten/{ref}']").count() == 1, "marked, so shown as done"
    page.goto(f"{served}/berichten/{post_ref('rss:4')}")
    assert "<script>" in page.inner_text("blockquote"), "the hostile markup is shown as text"
    assert page.locator("main img, main script, a[href^='javascript']").count() == 0
    assert "onerror" in page.inner_text("blockquote") and page.locator("[onerror]").count() == 0
    assert dialogs == [], "nothing in a post ran as code"
    assert all(url.startswith(served) for url in seen), [u for u in seen if not u.startswith(served)]


def test_management_gets_the_trends_and_a_403_on_a_post(browser: Any, served: str) -> None:
    page = page_for(browser, served, [], [])
    log_in(page, served, "baas")
    assert page.url.endswith("/trends")
    answer = page.goto(f"{served}/berichten/{post_ref('rss:1')}")
    assert answer is not None and answer.status == 403
    assert DISCUSS not in page.content()


def test_school_b_csrf_and_a_session_that_expires(browser: Any, served: str) -> None:
    page = page_for(browser, served, [], [])
    log_in(page, served, "comm")
    answer = page.goto(f"{served}/berichten/{post_ref('rss:3')}")
    assert answer is not None and answer.status == 403 and OTHER_SCHOOL not in page.content()
    forged = page.request.post(f"{served}/berichten/{post_ref('rss:1')}",
                               form={"status": "geen-actie", "csrf_token": "vervalst"})
    assert forged.status == 403, "a POST without the page's CSRF token is refused"
    page.goto(f"{served}/agenda?week=2026-W47")
    assert page.url.endswith("/agenda?week=2026-W47")
    CLOCK.offset += 31 * 60
    try:
        page.goto(f"{served}/agenda?week=2026-W47")
        assert page.url.endswith("/login"), "after 30 minutes without use the session has ended"
    finally:
        CLOCK.offset = 0


def test_the_login_rate_limit_holds(browser: Any, served: str) -> None:
    page = page_for(browser, served, [], [])
    for _ in range(5):
        page.goto(f"{served}/login")
        page.fill("input[name=naam]", "tweede")
        page.fill("input[name=wachtwoord]", "helemaal-niet-goed")
        page.click("button[type=submit]")
        assert "Naam of wachtwoord klopt niet." in page.content()
    log_in(page, served, "tweede")
    assert "Te veel mislukte pogingen" in page.content() and page.url.endswith("/login")
