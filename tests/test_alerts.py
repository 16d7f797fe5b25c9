"""Immediate safety alerts (``monitor alert``): a newly flagged post is mailed at once to the school's safety contact
only, exactly once; a failed send is tried again; a school without a safety contact waits, loudly."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from monitor.alerts import FAILED, SENT, WAITING, alert_history, pending_alerts, retry_due, run_alerts
from monitor.config import Config, load_config
from monitor.digest.smtp_local import free_port, local_smtp_server, received_messages
from monitor.review import post_ref
from tests.digest_helpers import HOSTILE, REGENBOOG, ZILVERMEER, assert_inert, item, seed_items, setup
from tests.factories import MONDAY_W47

NOW = MONDAY_W47 + timedelta(days=1)
THREAT = "Morgen kom ik met een mes naar De Regenboog, let maar op"
EVIDENCE = ("bedreiging.wapen_plaats_tijd: met een mes naar De Regenboog",)


def smtp_toml(port: int, attempts: int = 1) -> str:
    return (f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
            f'sender = "monitor@stichting.example"\nattempts = {attempts}\n')


def week_posts() -> list:
    return [
        item(1, REGENBOOG, THREAT, "negatief", ("bedreiging",), evidence=EVIDENCE),
        item(2, REGENBOOG, "Wat een fijne juf, dank je wel!", "positief", ("compliment",)),
        item(3, REGENBOOG, "Die juf is een sukkel", "negatief", ("kleineren",)),  # not an alert category by default
        item(4, ZILVERMEER, "Iedereen pest hem in de groepsapp", "negatief", ("pesten",)),  # no safety contact
        item(5, REGENBOOG, "Oude bedreiging", "negatief", ("bedreiging",), days=-30),  # older than max_age_days
    ]


def test_a_threat_is_mailed_once_to_the_safety_contact_only(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    with local_smtp_server(inbox) as (_, port):
        config, store = setup(tmp_path, smtp_toml(port))
        seed_items(store, week_posts())
        first = run_alerts(config, store, send=True, now=NOW)
        again = run_alerts(config, store, send=True, now=NOW + timedelta(hours=1))
    assert [(o.alert.ref, o.status) for o in first.outcomes] == [
        (post_ref("rss:1"), SENT), (post_ref("rss:4"), WAITING)]
    assert [o.status for o in again.outcomes] == [WAITING]  # sent once: only the one that waits is left
    (message,) = received_messages(inbox)
    assert message["X-Envelope-To"] == "veiligheid@regenboog.example"  # never the communications recipients
    assert message["Subject"] == f"Direct bekijken: bedreiging over IKC De Regenboog ({post_ref('rss:1')})"
    text = message.get_body(("plain",)).get_content()
    assert text.startswith("BIJ ACUUT GEVAAR: BEL 112.")
    assert THREAT in text and "https://nieuws.example/1" in text
    assert 'gevonden: "met een mes naar De Regenboog"' in text
    assert f"monitor review mark {post_ref('rss:1')} --status doorgezet-veiligheid" in text
    history = alert_history(store)
    assert list(history["status"]) == [SENT]
    audit = store.read("audit")
    assert list(audit[audit["action"] == "alert"]["target"]) == [f"{REGENBOOG}/{post_ref('rss:1')}"]


def test_without_send_it_shows_what_would_go_and_records_nothing(tmp_path: Path) -> None:
    config, store = setup(tmp_path)
    seed_items(store, week_posts())
    run = run_alerts(config, store, now=NOW)
    assert [o.status for o in run.outcomes] == ["te-verzenden", WAITING]
    assert store.read("alerts").empty
    assert len(pending_alerts(config, store, NOW)) == 2


def test_a_failed_send_is_tried_again_and_then_sent_once(tmp_path: Path) -> None:
    config, store = setup(tmp_path, smtp_toml(free_port()))  # nothing listens there: the mail server is down
    seed_items(store, week_posts()[:1])
    failed = run_alerts(config, store, send=True, now=NOW)
    assert [o.status for o in failed.outcomes] == [FAILED]
    assert "verbinding geweigerd" in failed.outcomes[0].error
    assert retry_due(store)
    inbox = tmp_path / "inbox"
    with local_smtp_server(inbox) as (_, port):
        config, store = setup(tmp_path, smtp_toml(port))  # the server is back
        retried = run_alerts(config, store, send=True, now=NOW)
        assert run_alerts(config, store, send=True, now=NOW).outcomes == []
    assert [o.status for o in retried.outcomes] == [SENT]
    assert len(received_messages(inbox)) == 1
    assert not retry_due(store)
    assert list(alert_history(store)["tries"]) == [2]


def with_alerts(folder: Path, line: str, replacement: str) -> Config:
    """The example config of ``folder`` with one line of its [alerts] section changed (the section exists there)."""
    path = folder / "monitor.toml"
    text = path.read_text(encoding="utf-8")
    section = text.index("[alerts]")
    at = text.index(line, section)
    path.write_text(text[:at] + replacement + text[at + len(line):], encoding="utf-8")
    return load_config(path)


def test_other_categories_can_be_chosen_and_alerts_switched_off(tmp_path: Path) -> None:
    config, store = setup(tmp_path)
    config = with_alerts(tmp_path, 'categories = ["bedreiging", "seksuele_intimidatie", "pesten"]',
                         'categories = ["kleineren"]')
    seed_items(store, week_posts())
    assert [a.ref for a in pending_alerts(config, store, NOW)] == [post_ref("rss:3")]
    (tmp_path / "uit").mkdir()
    _, store_off = setup(tmp_path / "uit")
    off = with_alerts(tmp_path / "uit", "enabled = true", "enabled = false")
    seed_items(store_off, week_posts())
    assert pending_alerts(off, store_off, NOW) == []


def test_the_alert_is_inert_html_whatever_the_post_says(tmp_path: Path) -> None:
    from monitor.alerts.message import render_alert

    config, store = setup(tmp_path)
    seed_items(store, [item(9, REGENBOOG, HOSTILE, "negatief", ("bedreiging",), url="javascript:alert(1)")])
    (alert,) = pending_alerts(config, store, NOW)
    rendered = render_alert(config, config.school(REGENBOOG), alert)
    audit = assert_inert(rendered.html)
    assert "<script>" in audit.body_text  # the markup is shown as text
    assert "de link is niet veilig en is weggelaten" in rendered.text
    assert "\n" not in rendered.subject


def test_status_shows_failures_in_red_and_a_school_without_safety_contact(tmp_path: Path) -> None:
    config, store = setup(tmp_path, smtp_toml(free_port()))
    seed_items(store, week_posts()[:4])
    run_alerts(config, store, send=True, now=MONDAY_W47 + timedelta(hours=2))
    result = subprocess.run([sys.executable, "-m", "monitor", "status", "--config", str(config.path)],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "Veiligheidsmeldingen" in out
    assert f"LET OP: {ZILVERMEER} heeft geen safety_recipients" in out
    assert f"melding {post_ref('rss:1')} niet verzonden" in out and "opnieuw geprobeerd" in out


def test_forgetting_a_post_removes_its_alert_record(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    with local_smtp_server(inbox) as (_, port):
        config, store = setup(tmp_path, smtp_toml(port))
        seed_items(store, week_posts()[:1])
        run_alerts(config, store, send=True, now=NOW)
    assert len(store.read("alerts")) == 1
    with store.transaction() as tx:
        tx.delete_posts(["rss:1"])
    assert store.read("alerts").empty
