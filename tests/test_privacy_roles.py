"""Roles: the dashboard shows aggregates only; post texts reach only the digest's recipients; the safety section
reaches only the safety contact. Checked on what is really written and really sent (a local SMTP server)."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default
from pathlib import Path

from monitor.store import Store
from tests.factories import MONDAY_W47, example_config, labelled, seed
from tests.test_erasure import every_file

NORMAL = "Gewonetekst123 over de kerstmarkt van De Regenboog in Zoetermeer, dank juf"
SAFETY = "Veiligheidstekst456 over De Regenboog in Zoetermeer: die jongen uit groep 8 wordt elke dag gepest"


def world(tmp_path: Path) -> tuple[object, Store]:
    config = example_config(tmp_path)
    store = Store(config.data_dir)
    rows = [labelled(1, "regenboog-zoetermeer", NORMAL, "positief", ["compliment"]),
            labelled(2, "regenboog-zoetermeer", SAFETY, "negatief", ["pesten"])]
    seed(store, [p for p, _ in rows], [label for _, label in rows])
    return config, store


def test_dashboard_holds_aggregates_only(tmp_path: Path) -> None:
    from dashboards.build import write_dashboard

    config, store = world(tmp_path)
    index = write_dashboard(config, store)  # type: ignore[arg-type]
    files = list(every_file(index.parent))
    assert files
    for marker in ("gewonetekst123", "veiligheidstekst456", "nieuws.example/1", "nieuws.example/2"):
        assert not [p for p, text in files if marker in text], f"{marker} on the dashboard"


def test_texts_reach_only_recipients_and_safety_only_the_safety_contact(tmp_path: Path) -> None:
    from monitor.config import load_config
    from monitor.digest import run_digests
    from monitor.digest.smtp_local import local_smtp_server
    from monitor.store.schema import iso_week

    config, store = world(tmp_path)
    with local_smtp_server(tmp_path / "mail") as (host, port):
        path = config.path  # type: ignore[attr-defined]
        text = path.read_text().replace(
            "[digest]\n", f'[smtp]\nhost = "{host}"\nport = {port}\nsecurity = "none"\nsender = "m@school.example"\n'
            "attempts = 1\n\n[digest]\n")
        path.write_text(text)
        run_digests(load_config(path), store, week=iso_week(MONDAY_W47), send=True)
    received: dict[str, list[str]] = {}
    for file in sorted((tmp_path / "mail").glob("*.eml")):
        message = message_from_bytes(file.read_bytes(), policy=default)
        body = "".join(part.get_content() for part in message.walk() if part.get_content_maintype() == "text")
        for address in str(message["X-Envelope-To"]).split(", "):
            received.setdefault(address, []).append(body)
    assert set(received) == {"communicatie@regenboog.example", "veiligheid@regenboog.example"}, received.keys()
    communications = "\n".join(received["communicatie@regenboog.example"])
    safety = "\n".join(received["veiligheid@regenboog.example"])
    assert "Gewonetekst123" in communications
    assert "Veiligheidstekst456" not in communications, "the safety text goes to the safety contact only"
    assert "Veiligheidstekst456" in safety
