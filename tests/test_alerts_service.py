"""Under ``monitor run``: a threat in a feed on 127.0.0.1 reaches the school's safety contact, and only them, before
the next collection, and exactly once across a restart. The real builtin model sorts it; the mail goes to a real
local SMTP server."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from models.encoder import ensure_encoder
from monitor.digest.smtp_local import local_smtp_server, received_messages
from tests.conftest import LocalServer, Reply, rss_feed
from tests.scheduler_helpers import ServiceProcess, count_runs, rss_source, wait_until, write_config

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

THREAT = "Morgen kom ik met een mes naar IKC De Regenboog in Zoetermeer, let maar op."
# --time-scale 60: a configured minute lasts a second, so the feed is read every 120 s: the alert must come first.
ARGS = ("--only", "collect", "--only", "classify", "--only", "alert", "--time-scale", "60")


@pytest.fixture(scope="module")
def encoder_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("encoder") / "models"
    ensure_encoder(folder)
    return folder


def test_a_threat_in_a_feed_is_alerted_at_once_and_only_once(
    tmp_path: Path, local_server: LocalServer, encoder_cache: Path
) -> None:
    items = [
        {"guid": "dreiging-1", "link": "https://nieuws.example/dreiging-1", "title": "Reactie onder een artikel",
         "description": THREAT},
        {"guid": "nieuws-2", "link": "https://nieuws.example/nieuws-2", "title": "Open dag",
         "description": "Zaterdag is er open dag op IKC De Regenboog in Zoetermeer, iedereen is welkom."},
    ]
    url = local_server.add("/nieuws.xml", Reply(body=rss_feed(items), headers={"Content-Type": "application/rss+xml"}))
    inbox = tmp_path / "inbox"
    with local_smtp_server(inbox) as (_, port):
        config = write_config(tmp_path, [rss_source("nieuws", url, every_minutes=120)])
        config.write_text(config.read_text(encoding="utf-8") + f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\n'
                          'security = "none"\nsender = "monitor@stichting.example"\n', encoding="utf-8")
        data = tmp_path / "data"
        (data / "cache").mkdir(parents=True)
        (data / "cache" / "models").symlink_to(encoder_cache, target_is_directory=True)

        with ServiceProcess(config, *ARGS) as service:
            service.wait_active(60)
            wait_until(lambda: received_messages(inbox), 180, "the alert e-mail")
            assert count_runs(data, "collect:nieuws") == 1  # before the next collection
            wait_until(lambda: count_runs(data, "alert", "ok") >= 1, 30, "the alert job to be recorded")
            service.signal(signal.SIGTERM)
            assert service.wait_exit(60) == 0, service.log

        alerts_before = count_runs(data, "alert")
        with ServiceProcess(config, *ARGS) as again:  # a restart classifies and alerts again: nothing new to send
            again.wait_active(60)
            wait_until(lambda: count_runs(data, "alert") > alerts_before, 120, "an alert run after the restart")
            again.signal(signal.SIGTERM)
            assert again.wait_exit(60) == 0, again.log

    (message,) = received_messages(inbox)
    assert message["X-Envelope-To"] == "veiligheid@regenboog.example"
    assert str(message["Subject"]).startswith("Direct bekijken: bedreiging over IKC De Regenboog")
    text = message.get_body(("plain",)).get_content()
    assert text.startswith("BIJ ACUUT GEVAAR: BEL 112.") and "met een mes naar IKC De Regenboog" in text
    assert "geen safety_recipients voor zilvermeer-almere" in service.log  # said loudly at start
