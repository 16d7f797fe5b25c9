"""``monitor check``: what would fail on Monday is found now; against a real local SMTP server, with and without
login, and a feed on 127.0.0.1."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from monitor.check import OK, PROBLEM, WARNING, Finding, last_result, run_checks
from monitor.cli import app
from monitor.config import Config, load_config
from monitor.digest.smtp_local import local_smtp_server
from monitor.setup import SOURCES_MARKER, example_config_text
from tests.conftest import LocalServer, Reply, rss_feed
from tests.test_digest_mail import (  # noqa: F401 - fixtures
    SECRET,
    Authenticator,
    certificate,
    credentials,
    server_tls,
    trust_test_ca,
)


def config_with(tmp_path: Path, tail: str = "", head_changes: dict[str, str] | None = None) -> Config:
    head = example_config_text().split(SOURCES_MARKER)[0]
    for old, new in (head_changes or {}).items():
        assert old in head
        head = head.replace(old, new)
    path = tmp_path / "monitor.toml"
    path.write_text(head + tail, encoding="utf-8")
    return load_config(path)


def by_topic(findings: list[Finding]) -> dict[str, list[Finding]]:
    found: dict[str, list[Finding]] = {}
    for finding in findings:
        found.setdefault(finding.topic, []).append(finding)
    return found


def smtp_toml(port: int, login: bool = False, security: str = "none", host: str = "127.0.0.1") -> str:
    text = f'[smtp]\nhost = "{host}"\nport = {port}\nsecurity = "{security}"\nsender = "monitor@school.example"\n'
    if login:
        text += 'username = { env = "MONITOR_SMTP_USER" }\npassword = { env = "MONITOR_SMTP_PASSWORD" }\n'
    return text


X_SOURCE = '\n[[sources]]\nname = "x-zoeken"\ntype = "x"\n'


def test_a_missing_secret_and_a_school_without_safety_contact_are_found_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    findings = by_topic(run_checks(config_with(tmp_path, X_SOURCE)))
    [secret] = findings["bron x-zoeken"]
    assert secret.status == PROBLEM and "X_BEARER_TOKEN" in secret.text and "export X_BEARER_TOKEN" in secret.text
    assert any(f.status == WARNING and "safety_recipients" in f.text for f in findings["school zilvermeer-almere"])
    assert findings["tijdzone"][0].status == OK and findings["schijfruimte"][0].status in (OK, WARNING)
    monkeypatch.setenv("X_BEARER_TOKEN", "token")
    assert by_topic(run_checks(config_with(tmp_path, X_SOURCE)))["bron x-zoeken"][0].status == OK


def test_a_missing_smtp_secret_or_a_password_over_an_open_line_is_found_before_monday(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MONITOR_SMTP_PASSWORD", raising=False)
    monkeypatch.setenv("MONITOR_SMTP_USER", "digest@schoolbestuur.example")
    [mail] = by_topic(run_checks(config_with(tmp_path, smtp_toml(587, login=True, security="starttls",
                                                                  host="smtp.example"))))["e-mail"]
    assert mail.status == PROBLEM and "MONITOR_SMTP_PASSWORD" in mail.text
    monkeypatch.setenv("MONITOR_SMTP_PASSWORD", "geheim")
    [open_line] = by_topic(run_checks(config_with(tmp_path, smtp_toml(25, login=True, host="smtp.example"))))[
        "e-mail"]
    assert open_line.status == PROBLEM and "onversleuteld" in open_line.text and 'security = "starttls"' in \
        open_line.text


def test_smtp_is_reached_without_login(tmp_path: Path) -> None:
    with local_smtp_server(tmp_path / "inbox") as (_, port):
        [server] = by_topic(run_checks(config_with(tmp_path, smtp_toml(port)), smtp=True))["mailserver"]
    assert server.status == OK and "zonder inlog" in server.text
    assert not list((tmp_path / "inbox").glob("*.eml")), "nothing is sent"


@pytest.mark.usefixtures("trust_test_ca")
def test_smtp_login_accepted_and_refused(
    tmp_path: Path, server_tls: ssl.SSLContext, credentials: dict[str, Any],  # noqa: F811 - fixtures
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    authenticator = Authenticator(SECRET)
    options = {"tls_context": server_tls, "require_starttls": True, "authenticator": authenticator}
    with local_smtp_server(tmp_path / "inbox", **options) as (_, port):
        config = config_with(tmp_path, smtp_toml(port, login=True, security="starttls"))
        [good] = by_topic(run_checks(config, smtp=True))["mailserver"]
        monkeypatch.setenv("MONITOR_SMTP_PASSWORD", "fout-wachtwoord")
        [bad] = by_topic(run_checks(config, smtp=True))["mailserver"]
    assert good.status == OK and "inloggen gelukt" in good.text and "STARTTLS" in good.text
    assert authenticator.logins == ["digest@schoolbestuur.example"]
    assert bad.status == PROBLEM and "inloggen geweigerd" in bad.text and "fout-wachtwoord" not in bad.text


def test_sources_are_read_without_storing_and_a_broken_one_is_named(
    tmp_path: Path, local_server: LocalServer
) -> None:
    good = local_server.add("/goed.xml", Reply(body=rss_feed([{"title": "Zilvermeer College in Almere", "guid": "1"}]),
                                               headers={"Content-Type": "application/rss+xml"}))
    broken = local_server.add("/kapot.xml", Reply(500, b"stuk"))
    tail = (f'\n[[sources]]\nname = "goed"\ntype = "rss"\nurl = "{good}"\nretries = 0\n'
            f'\n[[sources]]\nname = "kapot"\ntype = "rss"\nurl = "{broken}"\nretries = 0\n' + X_SOURCE)
    config = config_with(tmp_path, tail)
    findings = by_topic(run_checks(config, sources=True))
    assert findings["bron goed"][-1].status == OK and "antwoordt" in findings["bron goed"][-1].text
    assert findings["bron kapot"][-1].status == PROBLEM and "500" in findings["bron kapot"][-1].text
    assert "maandplafond" in findings["bron x-zoeken"][-1].text, "X is not read: every read costs"
    assert not (config.data_dir / "store").exists() or not list((config.data_dir / "store").rglob("*.parquet"))


def test_an_unwritable_data_directory_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "bestand").write_text("geen map")
    config = config_with(tmp_path, head_changes={'data_dir = "monitor-data"': 'data_dir = "bestand/data"'})
    [folder] = by_topic(run_checks(config))["gegevensmap"]
    assert folder.status == PROBLEM and "niet schrijfbaar" in folder.text


def test_the_command_exits_1_on_a_problem_and_status_shows_the_last_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    config = config_with(tmp_path, X_SOURCE)
    runner = CliRunner()
    result = runner.invoke(app, ["check", "--config", str(config.path)], env={"COLUMNS": "200"})
    assert result.exit_code == 1 and "X_BEARER_TOKEN" in result.output
    saved = last_result(config)
    assert saved is not None and any(f.status == PROBLEM for f in saved[1])
    status = runner.invoke(app, ["status", "--config", str(config.path)], env={"COLUMNS": "200"})
    assert status.exit_code == 0 and "Controle (" in status.output and "X_BEARER_TOKEN" in status.output
