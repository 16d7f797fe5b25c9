"""The web app through its HTTP interface (Starlette's test client): login with CSRF, roles and schools, marking,
sessions that expire, throttled logins, security headers, hostile text kept inert."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from monitor.audit import read_audit
from monitor.review import post_ref
from monitor.store import Store
from tests.digest_helpers import HOSTILE, REGENBOOG, ZILVERMEER, item, seed_items, setup

PASSWORD = "lang-genoeg-wachtwoord"
DISCUSS = "Mijn zoon wordt genegeerd door de mentor op De Regenboog, heel teleurstellend"
THREAT = "Ik weet waar de juf van De Regenboog woont. Pas maar op."


class Clock:
    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def world(tmp_path: Path) -> Iterator[dict[str, Any]]:
    from starlette.testclient import TestClient

    from monitor.web.app import create_app
    from monitor.web.users import UserStore

    config, store = setup(tmp_path)
    seed_items(store, [
        item(1, REGENBOOG, DISCUSS, "negatief", ("ervaring",)),
        item(2, REGENBOOG, THREAT, "negatief", ("bedreiging",), evidence=("Pas maar op",)),
        item(3, ZILVERMEER, "Slechte sfeer op het Zilvermeer College in Almere", "negatief", ("ervaring",)),
        item(4, REGENBOOG, HOSTILE, "negatief", ("ervaring",), url="javascript:alert(1)"),
    ])
    users = UserStore(config.data_dir)
    known = [s.id for s in config.schools]
    users.add("comm", "communicatie", [REGENBOOG], PASSWORD, known_schools=known)
    users.add("veilig", "veiligheid", [REGENBOOG], PASSWORD, known_schools=known)
    users.add("baas", "management", [], PASSWORD, known_schools=known)
    users.add("admin", "beheer", [], PASSWORD, known_schools=known)
    clock = Clock()
    with TestClient(create_app(config, clock=clock), base_url="http://testserver") as client:
        yield {"config": config, "store": store, "client": client, "clock": clock}


def login(client: Any, name: str, password: str = PASSWORD) -> Any:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    return client.post("/login", data={"naam": name, "wachtwoord": password, "csrf_token": token.group(1)},
                       follow_redirects=False)


def csrf(page_text: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page_text)
    assert found
    return found.group(1)


def week() -> str:
    return "2026-W47"


def test_login_sets_a_strict_httponly_cookie_and_goes_to_the_agenda(world: dict[str, Any]) -> None:
    client = world["client"]
    assert client.get("/agenda", follow_redirects=False).headers["location"] == "/login"
    answer = login(client, "comm")
    assert answer.status_code == 303 and answer.headers["location"] == "/agenda"
    cookie = answer.headers["set-cookie"]
    assert "Secure" not in cookie, "plain http on this machine"
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict") and "monitor_sessie" in \
        cookie
    agenda = client.get(f"/agenda?week={week()}")
    assert agenda.status_code == 200
    assert DISCUSS in agenda.text, "the post to discuss is on the agenda"
    assert THREAT not in agenda.text, "safety texts are for the safety contact only"
    assert "Slechte sfeer" not in agenda.text, "another school's post"


def test_a_login_without_the_forms_token_or_with_a_wrong_password_is_refused(world: dict[str, Any]) -> None:
    client = world["client"]
    no_token = client.post("/login", data={"naam": "comm", "wachtwoord": PASSWORD}, follow_redirects=False)
    assert no_token.status_code == 403
    wrong = login(client, "comm", "niet-het-wachtwoord")
    assert wrong.status_code == 401 and "Naam of wachtwoord klopt niet." in wrong.text
    assert "monitor_sessie" not in wrong.headers.get("set-cookie", "")


def test_logins_are_throttled_per_account(world: dict[str, Any]) -> None:
    client = world["client"]
    for _ in range(5):
        assert login(client, "comm", "fout-fout-fout-fout").status_code == 401
    blocked = login(client, "comm")
    assert blocked.status_code == 429 and "Te veel mislukte pogingen" in blocked.text
    world["clock"].offset += 16 * 60
    assert login(client, "comm").status_code == 303


def test_open_a_post_mark_it_and_see_it_move(world: dict[str, Any]) -> None:
    client, store = world["client"], world["store"]
    login(client, "comm")
    ref = post_ref("rss:1")
    page = client.get(f"/berichten/{ref}")
    assert page.status_code == 200 and DISCUSS in page.text and "ervaring" in page.text
    marked = client.post(f"/berichten/{ref}", data={"status": "besproken", "notitie": "met de mentor besproken",
                                                   "csrf_token": csrf(page.text)}, follow_redirects=False)
    assert marked.status_code == 303
    again = client.get(f"/berichten/{ref}")
    assert "besproken" in again.text and "met de mentor besproken" in again.text and "(comm)" in again.text
    agenda = client.get(f"/agenda?week={week()}")
    assert re.search(rf'class="item done">\s*<a class="ref" href="/berichten/{ref}"', agenda.text), "shown as done"
    audit = read_audit(store)
    assert {("web-view", "comm"), ("review-mark", "comm")} <= set(zip(audit["action"], audit["actor"], strict=True))


def test_a_mark_without_a_valid_csrf_token_is_refused(world: dict[str, Any]) -> None:
    client = world["client"]
    login(client, "comm")
    ref = post_ref("rss:1")
    refused = client.post(f"/berichten/{ref}", data={"status": "besproken", "csrf_token": "geraden"})
    assert refused.status_code == 403
    assert Store(world["config"].data_dir).read("reviews").empty


def test_roles_and_schools_decide_who_opens_what(world: dict[str, Any]) -> None:
    client = world["client"]
    threat, other_school = post_ref("rss:2"), post_ref("rss:3")
    login(client, "comm")
    assert client.get(f"/berichten/{threat}").status_code == 403, "a safety post is not for communicatie"
    assert client.get(f"/berichten/{other_school}").status_code == 403, "school B's post for a user of school A"
    assert client.get("/veiligheid").status_code == 403
    client.cookies.clear()
    login(client, "veilig")
    lane = client.get(f"/veiligheid?week={week()}")
    assert lane.status_code == 200 and THREAT in lane.text and "112" in lane.text
    assert client.get(f"/berichten/{threat}").status_code == 200
    client.cookies.clear()
    login(client, "baas")
    assert client.get(f"/berichten/{post_ref('rss:1')}").status_code == 403, "management never sees a post"
    trends = client.get("/trends")
    assert trends.status_code == 200 and DISCUSS not in trends.text and THREAT not in trends.text
    client.cookies.clear()
    login(client, "admin")
    assert client.get(f"/berichten/{threat}").status_code == 403
    admin = client.get("/beheer")
    assert admin.status_code == 200 and "veilig" in admin.text and THREAT not in admin.text
    assert "Bronnen (laatste run)" in admin.text and "Opgeslagen berichten per school" in admin.text, "the status"


def test_a_session_ends_after_idle_time_and_on_a_password_change(world: dict[str, Any]) -> None:
    from monitor.web.users import UserStore

    client, clock = world["client"], world["clock"]
    login(client, "comm")
    assert client.get("/agenda", follow_redirects=False).status_code == 200
    clock.offset += 31 * 60
    assert client.get("/agenda", follow_redirects=False).headers["location"] == "/login"
    clock.offset = 0
    login(client, "comm")
    time.sleep(1.1)  # the password-change time has one-second precision
    UserStore(world["config"].data_dir).set_password("comm", "een-heel-ander-wachtwoord")
    assert client.get("/agenda", follow_redirects=False).status_code == 303


def test_headers_and_hostile_text(world: dict[str, Any]) -> None:
    client = world["client"]
    login(client, "comm")
    page = client.get(f"/berichten/{post_ref('rss:4')}")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY" and page.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    assert "javascript:" not in page.text, "an unsafe link is left out"


def test_with_a_base_url_the_digest_and_the_alert_link_each_post_to_its_page(tmp_path: Path) -> None:
    from monitor.alerts import pending_alerts
    from monitor.alerts.message import render_alert
    from monitor.digest import run_digests
    from tests.digest_helpers import W47

    config, store = setup(tmp_path, '[web]\nbase_url = "https://monitor.school.example/"\n')
    seed_items(store, [item(1, REGENBOOG, DISCUSS, "negatief", ("ervaring",)),
                       item(2, REGENBOOG, THREAT, "negatief", ("bedreiging",))])
    main, safety = run_digests(config, store, week=W47, school_id=REGENBOOG)
    link = f"https://monitor.school.example/berichten/{post_ref('rss:1')}"
    assert f'href="{link}"' in main.html_path.read_text(encoding="utf-8")
    assert link in main.html_path.with_suffix(".txt").read_text(encoding="utf-8")
    assert f"/berichten/{post_ref('rss:2')}" in safety.html_path.read_text(encoding="utf-8")
    from tests.test_alerts import NOW

    (alert,) = pending_alerts(config, store, NOW)
    rendered = render_alert(config, config.school(REGENBOOG), alert)
    assert f"https://monitor.school.example/berichten/{post_ref('rss:2')}" in rendered.text


def test_the_service_serves_the_web_app_when_enabled_and_stops_it(tmp_path: Path) -> None:
    import socket
    import urllib.error
    import urllib.request

    from monitor.web.app import serving_inside_the_service

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config, _ = setup(tmp_path, f'[web]\nenabled = true\nport = {port}\n')
    with serving_inside_the_service(config) as address:
        assert address == f"http://127.0.0.1:{port}/"
        with urllib.request.urlopen(f"{address}login", timeout=10) as answer:
            assert answer.status == 200 and "Inloggen" in answer.read().decode()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5)
    (tmp_path / "uit").mkdir()
    off, _ = setup(tmp_path / "uit")
    with serving_inside_the_service(off) as nothing:
        assert nothing is None


def test_the_address_limit_is_higher_than_the_account_limit() -> None:
    from monitor.web.security import MAX_FAILURES, MAX_FAILURES_PER_ADDRESS, LoginThrottle

    now = [1000.0]
    throttle = LoginThrottle(lambda: now[0])
    for n in range(MAX_FAILURES_PER_ADDRESS):
        throttle.failed(f"collega{n % 10}", "10.0.0.1")  # ten colleagues behind one address, two typos each
    assert throttle.wait_seconds("nieuw", "10.0.0.1") > 0, "twenty failures from one address"
    assert throttle.wait_seconds("nieuw", "10.0.0.2") == 0
    for _ in range(MAX_FAILURES):
        throttle.failed("anja", "10.0.0.3")
    assert throttle.wait_seconds("anja", "10.0.0.4") > 0, "the account is locked from any address"
    now[0] += 15 * 60 + 1
    assert throttle.wait_seconds("anja", "10.0.0.3") == 0


def test_behind_the_tls_proxy_cookies_are_secure(world: dict[str, Any]) -> None:
    from starlette.testclient import TestClient

    from monitor.web.app import create_app

    with TestClient(create_app(world["config"]), base_url="https://monitor.school.example") as client:
        answer = login(client, "comm")
    assert answer.status_code == 303 and "Secure" in answer.headers["set-cookie"]


def test_the_app_speaks_english_with_language_en(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from monitor.web.app import create_app
    from monitor.web.users import UserStore

    config, store = setup(tmp_path, language="en")
    seed_items(store, [item(1, REGENBOOG, DISCUSS, "negatief", ("ervaring",))])
    UserStore(config.data_dir).add("comm", "communicatie", [REGENBOOG], PASSWORD,
                                   known_schools=[s.id for s in config.schools])
    with TestClient(create_app(config)) as client:
        page = client.get("/login")
        assert '<html lang="en">' in page.text and "Log in" in page.text and "Inloggen" not in page.text
        assert login(client, "comm", "wrong-wrong-wrong").text.count("Name or password is wrong.") == 1
        login(client, "comm")
        agenda = client.get(f"/agenda?week={week()}")
        assert "To discuss" in agenda.text and "Om te bespreken" not in agenda.text
        refused = client.get(f"/berichten/{post_ref('rss:404')}")
        assert refused.status_code == 404 and "Not found" in refused.text


def test_the_digest_archive_shows_each_role_its_own_schools_file(world: dict[str, Any]) -> None:
    from monitor.digest import run_digests

    config, store, client = world["config"], world["store"], world["client"]
    run_digests(config, store, week=week())
    login(client, "comm")
    listing = client.get("/archief")
    assert f'href="/archief/{week()}/{REGENBOOG}"' in listing.text
    assert "veiligheid" not in re.findall(r'href="/archief/[^"]+"', listing.text)[0]
    saved = client.get(f"/archief/{week()}/{REGENBOOG}")
    assert saved.status_code == 200 and DISCUSS in saved.text
    assert "script-src" not in saved.headers["content-security-policy"], "no script may run in a saved digest"
    assert client.get(f"/archief/{week()}/{REGENBOOG}-veiligheid").status_code == 403, "the safety file"
    assert client.get(f"/archief/{week()}/{ZILVERMEER}").status_code == 403, "another school"
    assert client.get("/archief/..%2F..%2Fusers/x").status_code in (403, 404)
    client.cookies.clear()
    login(client, "veilig")
    assert THREAT in client.get(f"/archief/{week()}/{REGENBOOG}-veiligheid").text
