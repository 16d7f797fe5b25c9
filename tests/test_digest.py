"""The weekly digest: what goes where, who gets what, what is recorded, and sending through a real local SMTP server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.digest import run_digests
from monitor.digest.build import gather, read_shared
from monitor.digest.smtp_local import free_port, local_smtp_server, received_messages
from monitor.digest.weeks import last_complete_week, parse_week, previous_weeks
from monitor.errors import MonitorError
from monitor.review import mark, post_ref
from monitor.store.schema import RUNS
from tests.digest_helpers import REGENBOOG, W47, ZILVERMEER, item, seed_items, setup
from tests.factories import MONDAY_W47

BOARD = '[digest.board]\nname = "Stichting Test"\nrecipients = ["bestuur@stichting.example"]\n'
SAFETY_TEXT = "Ik weet waar die juf woont, wacht maar"


def week_items() -> list:
    return [
        item(1, REGENBOOG, SAFETY_TEXT, "negatief", ("bedreiging", "ervaring")),
        item(2, REGENBOOG, "Alweer lesuitval bij groep 5", "negatief", ("ervaring",),
             evidence=("ervaring.lesuitval: lesuitval", "ervaring.onvrede_zwak: boos")),
        item(3, REGENBOOG, "Geen idee wat er speelt, communicatie is slecht", "negatief", ("ervaring",),
             evidence=("ervaring.communicatie: communicatie is slecht",)),
        item(4, REGENBOOG, "De school gaat in januari dicht", "neutraal", ("onjuistheid",),
             evidence=("onjuistheid.sluiting: gaat in januari dicht",)),
        item(5, REGENBOOG, "Wat een mooie musical!", "positief", ("compliment",)),
        item(6, REGENBOOG, "Schoolfoto's zijn binnen", "neutraal", source="ouderforum"),
        (item(7, REGENBOOG, "Nog niet gesorteerd", "neutraal")[0], None),
        item(8, ZILVERMEER, "Zilvermeer staat in de krant", "neutraal"),
    ]


def test_posts_go_to_their_sections(tmp_path: Path) -> None:
    config, store = setup(tmp_path)
    seed_items(store, week_items())
    data = gather(config, store, config.school(REGENBOOG), W47, read_shared(store, W47, 4))
    s = data.sections
    assert [i.text for i in s.safety] == [SAFETY_TEXT]
    assert s.safety[0].group == "bedreiging"
    assert [(theme, [i.text for i in items]) for theme, items in data.discuss_groups] == [
        ("lesuitval", ["Alweer lesuitval bij groep 5"]),
        ("communicatie", ["Geen idee wat er speelt, communicatie is slecht"]),
    ]  # the threat is negative and an experience, but it stays in the safety section only
    assert [(i.text, i.facts) for i in s.inaccuracies] == [
        ("De school gaat in januari dicht", ("gaat in januari dicht",))]
    assert [i.text for i in s.good] == ["Wat een mooie musical!"]
    assert [(i.text, i.not_scored) for i in s.other] == [("Schoolfoto's zijn binnen", False),
                                                         ("Nog niet gesorteerd", True)]
    assert s.unlabelled == 1 and s.total == 7
    assert data.current.total == 7 and data.current.sentiment["ongelabeld"] == 1
    assert data.current.sentiment["negatief"] == 3
    assert dict(data.per_source) == {"regionieuws": 6, "ouderforum": 1}
    assert s.safety[0].ref == post_ref("rss:1") and s.safety[0].url == "https://nieuws.example/1"


def test_posts_without_any_label_yet(tmp_path: Path) -> None:
    config, store = setup(tmp_path)
    seed_items(store, [(item(1, REGENBOOG, "Nog niet gesorteerd", "neutraal", days=-7)[0], None),
                       (item(2, REGENBOOG, "Ook niet", "neutraal")[0], None)])
    main = run_digests(config, store, week=W47, school_id=REGENBOOG)[0]
    content = main.html_path.with_suffix(".txt").read_text(encoding="utf-8")
    assert "1 berichten zijn nog niet door het model beoordeeld (draai 'monitor classify')" in content
    other = content.split("8. Overige berichten", 1)[1]
    assert "[NOG NIET BEOORDEELD]" in other and '"Ook niet"' in other and "Nog niet gesorteerd" not in other


def test_main_digest_keeps_safety_texts_out_and_safety_digest_has_them(tmp_path: Path) -> None:
    config, store = setup(tmp_path)
    seed_items(store, week_items())
    results = run_digests(config, store, week=W47, school_id=REGENBOOG)
    main, safety = results
    assert (main.kind, safety.kind) == ("digest", "veiligheid")
    assert main.recipients == ["communicatie@regenboog.example"]
    assert safety.recipients == ["veiligheid@regenboog.example"]
    for path in (main.html_path, main.html_path.with_suffix(".txt")):
        content = path.read_text(encoding="utf-8")
        assert SAFETY_TEXT not in content and "woont" not in content
        assert "Deze week 1 veiligheidssignaal: bedreiging 1." in content
        assert "aparte e-mail aan de veiligheidscontactpersoon" in content
        assert "Alweer lesuitval bij groep 5" in content
        assert "1 berichten zijn nog niet door het model beoordeeld" in content
    for path in (safety.html_path, safety.html_path.with_suffix(".txt")):
        content = path.read_text(encoding="utf-8")
        assert SAFETY_TEXT in content and "Het protocol in het kort" in content and "politie" in content
        assert "Alweer lesuitval" not in content
    assert main.html_path == config.data_dir / "digests" / W47 / f"{REGENBOOG}.html"
    assert safety.html_path.name == f"{REGENBOOG}-veiligheid.html"


def test_no_safety_contact_configured_says_how_to_fix(tmp_path: Path) -> None:
    config, store = setup(tmp_path)
    seed_items(store, [item(1, ZILVERMEER, "Foto van de klas met alle namen erbij", "neutraal", ("beeldmateriaal",))])
    main, safety = run_digests(config, store, week=W47, school_id=ZILVERMEER)
    content = main.html_path.with_suffix(".txt").read_text(encoding="utf-8")
    assert "geen veiligheidscontactpersoon ingesteld, dus 1 signaal wacht" in content
    assert 'safety_recipients = ["naam@school.nl"]' in content
    assert f"digests/{W47}/{ZILVERMEER}-veiligheid.html" in content
    assert "Foto van de klas" not in content
    assert "Foto van de klas" in safety.html_path.read_text(encoding="utf-8")


def test_open_items_from_earlier_weeks_until_marked(tmp_path: Path) -> None:
    config, store = setup(tmp_path)
    seed_items(store, [
        item(1, REGENBOOG, "Vorige week: weer uitval", "negatief", days=-7),
        item(2, REGENBOOG, "Twee weken terug: onjuist bericht", "neutraal", ("onjuistheid",), days=-14),
        item(3, REGENBOOG, "Oud pestsignaal", "negatief", ("pesten",), days=-10),
        item(4, REGENBOOG, "Oud compliment", "positief", ("compliment",), days=-7),
        item(5, REGENBOOG, "Al besproken klacht", "negatief", days=-7),
        item(6, REGENBOOG, "Te oud om mee te tellen", "negatief", days=-7 * 6),
    ])
    mark(store, post_ref("rss:5"), "besproken", actor="test")
    data = gather(config, store, config.school(REGENBOOG), W47, read_shared(store, W47, 4))
    assert [(i.text, i.section, i.week) for i in data.open_items] == [
        ("Twee weken terug: onjuist bericht", "onjuistheid", "2026-W45"),
        ("Vorige week: weer uitval", "bespreken", "2026-W46"),
    ]
    assert [i.text for i in data.open_safety] == ["Oud pestsignaal"]
    assert [w.week for w in data.history] == ["2026-W43", "2026-W44", "2026-W45", "2026-W46"]
    assert [w.total for w in data.history] == [0, 0, 2, 3]
    results = run_digests(config, store, week=W47, school_id=REGENBOOG)
    main = results[0].html_path.read_text(encoding="utf-8")
    assert "Vorige week: weer uitval" in main and "Oud pestsignaal" not in main
    assert "Nog open uit eerdere weken: 1 veiligheidssignaal." in main
    assert "Oud pestsignaal" in results[1].html_path.read_text(encoding="utf-8")


def test_coverage_names_failures_gaps_and_what_is_not_followed(tmp_path: Path) -> None:
    config, store = setup(tmp_path, '[[sources]]\nname = "uit"\ntype = "rss"\nurl = "https://x.example/f"\n'
                                    "enabled = false\n")
    seed_items(store, [item(1, REGENBOOG, "Gevonden op Facebook", "neutraal", platform="facebook", source="handmatig")])
    start = MONDAY_W47 + timedelta(hours=2)

    def run(status: str, hours: int, message: str = "", notices: str = "", new: int = 0) -> dict[str, object]:
        at = start + timedelta(hours=hours)
        return {"run_id": f"r{hours}", "source": "regionieuws", "connector": "rss", "started_at": at,
                "finished_at": at, "status": status, "fetched": 3, "new": new, "duplicates": 0, "unmatched": 0,
                "skipped": 0, "errors": 0 if status == "ok" else 1, "message": message, "notices": notices}

    with store.transaction() as tx:
        tx.append(RUNS, [run("ok", 0, new=2), run("mislukt", 5, message="HTTP 503 van de server"),
                         run("ok", 9, notices="Leesplafond bereikt\nGat in de dekking: 3 uur"),
                         run("ok", -48)])  # the week before
    data = gather(config, store, config.school(REGENBOOG), W47, read_shared(store, W47, 4))
    sources = {s.name: s for s in data.coverage.sources}
    assert set(sources) == {"regionieuws", "uit"}  # google-nieuws-zilvermeer is not for this school
    assert (sources["regionieuws"].state, sources["regionieuws"].runs, sources["regionieuws"].failed) == ("deels", 3, 1)
    assert sources["regionieuws"].notes == ("HTTP 503 van de server", "Leesplafond bereikt", "Gat in de dekking: 3 uur")
    assert sources["uit"].state == "uit"
    assert dict(data.coverage.manual)["Facebook"] == 1
    assert data.coverage.unconfigured == ("X", "Reddit", "Mastodon", "Bluesky")
    other = gather(config, store, config.school(ZILVERMEER), "2026-W48", read_shared(store, "2026-W48", 4))
    assert {s.name: s.state for s in other.coverage.sources}["regionieuws"] == "geen-run"
    text = run_digests(config, store, week=W47, school_id=REGENBOOG)[0].html_path.with_suffix(".txt")
    content = text.read_text(encoding="utf-8")
    assert "regionieuws (rss): deels gelukt" in content and "Gat in de dekking: 3 uur" in content
    assert "TikTok: geen openbare zoekfunctie" in content and "X: geen bron ingesteld." in content


def test_a_week_read_only_by_a_later_run_counts_as_read(tmp_path: Path) -> None:
    """The first week of a new source is read by its first run, after the week: not 'niet gedraaid'."""
    config, store = setup(tmp_path)
    seed_items(store, [item(1, REGENBOOG, "Mooie musical op De Regenboog in Zoetermeer", "positief")])
    later = MONDAY_W47 + timedelta(days=8)
    with store.transaction() as tx:
        tx.append(RUNS, [{"run_id": "r1", "source": "regionieuws", "connector": "rss", "started_at": later,
                          "finished_at": later, "status": "ok", "fetched": 3, "new": 1, "duplicates": 0,
                          "unmatched": 2, "skipped": 0, "errors": 0, "message": "", "notices": ""}])
    read = gather(config, store, config.school(REGENBOOG), W47, read_shared(store, W47, 4))
    assert {s.name: s.state for s in read.coverage.sources}["regionieuws"] == "ok"
    unread = gather(config, store, config.school(ZILVERMEER), W47, read_shared(store, W47, 4))
    assert {s.name: s.state for s in unread.coverage.sources}["regionieuws"] == "geen-run"  # no posts from it


def test_many_schools_board_files_deliveries_and_audit(tmp_path: Path) -> None:
    config, store = setup(tmp_path, BOARD)
    seed_items(store, week_items())
    results = run_digests(config, store, week=W47)
    assert [(r.school_id, r.kind, r.status) for r in results] == [
        (REGENBOOG, "digest", "niet-verzonden"), (REGENBOOG, "veiligheid", "niet-verzonden"),
        (ZILVERMEER, "digest", "niet-verzonden"), (ZILVERMEER, "veiligheid", "niet-verzonden"),
        ("bestuur", "bestuur", "niet-verzonden")]
    folder = config.data_dir / "digests" / W47
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{stem}.{ext}" for stem in (REGENBOOG, f"{REGENBOOG}-veiligheid", ZILVERMEER, f"{ZILVERMEER}-veiligheid",
                                     "bestuur") for ext in ("html", "txt"))
    board = (folder / "bestuur.txt").read_text(encoding="utf-8")
    assert "IKC De Regenboog" in board and "veiligheid: 1; open punten: 4" in board  # threat, 2 negative, 1 fact
    assert "lesuitval" not in board and "https://" not in board
    deliveries = store.read("deliveries")
    assert sorted(deliveries["kind"]) == ["bestuur", "digest", "digest", "veiligheid", "veiligheid"]
    assert set(deliveries["status"]) == {"niet-verzonden"}
    assert f"digests/{W47}/bestuur.html" in set(deliveries["path"])
    audit = store.read("audit")
    assert sorted(audit["target"]) == sorted([f"{REGENBOOG}/{W47}"] * 2 + [f"{ZILVERMEER}/{W47}"] * 2
                                             + [f"bestuur/{W47}"])
    details = json.loads(audit[audit["target"] == f"{REGENBOOG}/{W47}"]["details"].iloc[0])
    assert details["soort"] in ("digest", "veiligheid")
    # re-running is safe: the files are replaced, not duplicated
    run_digests(config, store, week=W47)
    assert len(list(folder.iterdir())) == 10 and not list(folder.glob(".*"))


def test_weeks() -> None:
    assert parse_week(" 2026-w47 ") == W47
    for bad in ("2026-47", "2026-W60", "2025-W53", "W47", "2026-W4"):
        with pytest.raises(MonitorError, match="geen geldige week"):
            parse_week(bad)
    assert previous_weeks("2026-W02", 3) == ["2025-W51", "2025-W52", "2026-W01"]
    monday_evening = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)  # Monday of W48: the digest is about W47
    assert last_complete_week("Europe/Amsterdam", monday_evening) == W47


def test_send_without_smtp_config_is_a_clear_error(tmp_path: Path) -> None:
    config, store = setup(tmp_path)
    with pytest.raises(MonitorError, match=r"geen \[smtp\]-sectie.*host en sender"):
        run_digests(config, store, week=W47, send=True)
    assert not (config.data_dir / "digests").exists()


def smtp_toml(port: int, attempts: int = 3) -> str:
    return (f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
            f'sender = "monitor@stichting.example"\nattempts = {attempts}\n')


def test_send_end_to_end_through_local_smtp(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    with local_smtp_server(inbox) as (_, port):
        config, store = setup(tmp_path, smtp_toml(port) + BOARD)
        seed_items(store, week_items())
        results = run_digests(config, store, week=W47, send=True)
    statuses = {(r.school_id, r.kind): (r.status, r.error) for r in results}
    assert statuses[(REGENBOOG, "digest")] == ("verzonden", "")
    assert statuses[(REGENBOOG, "veiligheid")] == ("verzonden", "")
    assert statuses[("bestuur", "bestuur")] == ("verzonden", "")
    assert statuses[(ZILVERMEER, "digest")][0] == "niet-verzonden"  # no recipients configured
    assert "recipients" in statuses[(ZILVERMEER, "digest")][1]
    messages = {str(m["Subject"]).split(" ")[0]: m for m in received_messages(inbox)}
    assert set(messages) == {"Weekoverzicht", "Veiligheidssignalen", "Bestuursoverzicht"}
    main, safety, board = messages["Weekoverzicht"], messages["Veiligheidssignalen"], messages["Bestuursoverzicht"]
    assert main["X-Envelope-To"] == "communicatie@regenboog.example"
    assert safety["X-Envelope-To"] == "veiligheid@regenboog.example"
    assert board["X-Envelope-To"] == "bestuur@stichting.example"
    text = main.get_body(("plain",)).get_content()
    html = main.get_body(("html",)).get_content()
    assert "1. Samenvatting" in text and "1. Samenvatting" in html and "7. Dekking" in html
    images = [p for p in main.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0]["Content-Disposition"].startswith("inline")
    cid = images[0]["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html and images[0].get_content().startswith(b"\x89PNG")
    assert SAFETY_TEXT not in text and SAFETY_TEXT not in html
    assert SAFETY_TEXT in safety.get_body(("plain",)).get_content()
    assert SAFETY_TEXT in safety.get_body(("html",)).get_content()
    deliveries = store.read("deliveries")
    assert sorted(deliveries.loc[deliveries["status"] == "verzonden", "kind"]) == ["bestuur", "digest", "veiligheid"]
    sends = store.read("audit").query("action == 'digest-send'")
    assert len(sends) == 3  # the digests without recipients were not attempted


def test_a_sent_digest_stays_sent_when_made_again_and_is_not_mailed_twice(tmp_path: Path) -> None:
    from monitor.digest.mail import delivery_status
    from monitor.digest.run import ALREADY_SENT

    inbox = tmp_path / "inbox"
    with local_smtp_server(inbox) as (_, port):
        config, store = setup(tmp_path, smtp_toml(port))
        seed_items(store, week_items())
        run_digests(config, store, week=W47, school_id=REGENBOOG, send=True)
        assert len(received_messages(inbox)) == 2
        run_digests(config, store, week=W47, school_id=REGENBOOG)  # made again, not sent
        again = run_digests(config, store, week=W47, school_id=REGENBOOG, send=True)  # a second --send
        assert {r.status for r in again} == {ALREADY_SENT}
        assert len(received_messages(inbox)) == 2, "nobody gets the same week twice by accident"
        status = delivery_status(store).set_index("kind")
        assert list(status.loc[["digest", "veiligheid"], "status"]) == ["verzonden", "verzonden"]
        assert all(status["rendered_at"] > status["at"])
        resent = run_digests(config, store, week=W47, school_id=REGENBOOG, send=True, resend=True)
        assert {r.status for r in resent} == {"verzonden"} and len(received_messages(inbox)) == 4


def test_failed_send_is_reported_and_others_go_on(tmp_path: Path) -> None:
    config, store = setup(tmp_path, smtp_toml(free_port(), attempts=2) + BOARD)  # nobody listens on that port
    seed_items(store, week_items())
    results = run_digests(config, store, week=W47, send=True)
    assert len(results) == 5 and all(r.html_path.is_file() for r in results)
    failed = [r for r in results if r.status == "mislukt"]
    assert {(r.school_id, r.kind) for r in failed} == {(REGENBOOG, "digest"), (REGENBOOG, "veiligheid"),
                                                        ("bestuur", "bestuur")}
    assert all("verbinding" in r.error and "geweigerd" in r.error for r in failed)
    deliveries = store.read("deliveries").set_index("kind")
    assert set(store.read("deliveries")["attempts"]) == {0, 2}
    assert deliveries.loc["bestuur", "status"] == "mislukt"


def test_cli_digest(tmp_path: Path) -> None:
    from tests.test_cli import monitor

    config, store = setup(tmp_path, smtp_toml(free_port(), attempts=1))
    seed_items(store, week_items())
    done = monitor("digest", "--week", "2026-W47", "--school", REGENBOOG, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"{REGENBOOG}-veiligheid.html" in done.stdout and "niet-verzonden" in done.stdout
    assert str(config.data_dir / "digests" / W47) in done.stdout
    wrong = monitor("digest", "--week", "2026-47", cwd=tmp_path)
    assert wrong.returncode == 2 and "fout: '2026-47' is geen geldige week" in wrong.stderr
    failed = monitor("digest", "--week", W47, "--school", REGENBOOG, "--send", cwd=tmp_path)
    assert failed.returncode == 1
    assert "mislukt" in failed.stdout and "fout: 2 van 2 digests niet verzonden" in failed.stderr
    assert f"monitor digest --week 2026-W47 --school {REGENBOOG} --send" in failed.stderr
