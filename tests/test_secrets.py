"""Secrets never leak: known secret values go through a demo-like run (collect from local platform fakes, a refused
token, recheck, digest sent through a local SMTP server with login, export, forget, purge, privacy-docs, audit,
status), and every output is searched: stdout, stderr, every log record (DEBUG), the config file and every file in
the data directory (Parquet decoded too)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import connectors.testing.reddit as reddit_fake
from connectors.testing import sample_items
from connectors.testing.reddit import RedditFake
from connectors.testing.server import running_server
from connectors.testing.x import XFake
from monitor.cli import app
from monitor.demo_platforms import toml_value
from monitor.setup import SOURCES_MARKER, example_config_text
from tests.test_erasure import every_file

SECRETS = {
    "X_BEARER_TOKEN": "xsecret-bearer-4f1d9c",
    "REDDIT_CLIENT_SECRET": "rsecret-app-8e2b71",
    "MONITOR_PSEUDONYM_KEY": "ksecret-pseudo-3a7c55",
    "MONITOR_SMTP_PASSWORD": "ssecret-mail-9d0e12",
}
WRONG_TOKEN = "xsecret-refused-77aa01"  # a token the platform refuses: the error must not repeat it
ALL_SECRETS = (*SECRETS.values(), WRONG_TOKEN)


class Login:
    """aiosmtpd authenticator that accepts only the known SMTP password."""

    def __call__(self, server: object, session: object, envelope: object, mechanism: str, data: object) -> object:
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = isinstance(data, LoginPassword) and data.password.decode() == SECRETS["MONITOR_SMTP_PASSWORD"]
        return AuthResult(success=ok)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A config with X and Reddit (fakes on 127.0.0.1) and a local SMTP server that wants a login."""
    from monitor.digest.smtp_local import local_smtp_server

    monkeypatch.setattr(reddit_fake, "CLIENT_SECRET", SECRETS["REDDIT_CLIENT_SECRET"])
    for name, value in {**RedditFake.env, **SECRETS, "MONITOR_SMTP_USER": "school-monitor"}.items():
        monkeypatch.setenv(name, value)
    with (
        running_server() as x_server,
        running_server() as reddit_server,
        local_smtp_server(tmp_path / "mail", authenticator=Login(), auth_require_tls=False) as (host, port),
    ):
        x, reddit = XFake(x_server, token=SECRETS["X_BEARER_TOKEN"]), RedditFake(reddit_server)
        for fake in (x, reddit):
            fake.publish(sample_items(4), page_size=2)
        sources = ""
        for name, fake in (("x-zoeken", x), ("reddit-nl", reddit)):
            options = "\n".join(f"{k} = {toml_value(v)}" for k, v in fake.source_options().items())
            sources += f'\n[[sources]]\nname = "{name}"\ntype = "{fake.type}"\n{options}\n'
        smtp = (f'\n[smtp]\nhost = "{host}"\nport = {port}\nsecurity = "none"\nsender = "monitor@school.example"\n'
                'username = { env = "MONITOR_SMTP_USER" }\npassword = { env = "MONITOR_SMTP_PASSWORD" }\n'
                'attempts = 1\n')
        head = example_config_text().split(SOURCES_MARKER)[0].replace("[digest]\n", smtp + "\n[digest]\n")
        path = tmp_path / "monitor.toml"
        path.write_text(head + SOURCES_MARKER + sources, encoding="utf-8")
        yield path


def test_no_secret_in_any_output_log_or_file(
    world: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor.config import load_config
    from monitor.digest.weeks import parse_week
    from monitor.store.schema import iso_week

    caplog.set_level(logging.DEBUG)
    config = load_config(world)
    week = parse_week(iso_week(sample_items(1)[0].created_at))
    outputs: list[str] = []

    def run(*args: str, ok: bool = True) -> None:
        result = CliRunner().invoke(app, ["-v", *args, "--config", str(world)])
        outputs.append(result.output + str(result.exception or ""))
        assert (result.exit_code == 0) == ok, (args, result.output, result.exception)

    run("collect")
    run("recheck")
    run("digest", "--week", week, "--send")
    run("export", "--author", "ouder1")
    run("forget", "--author", "ouder2", "--yes")
    run("purge")
    run("privacy-docs")
    run("audit")
    run("status")
    monkeypatch.setenv("X_BEARER_TOKEN", WRONG_TOKEN)
    run("collect", "--source", "x-zoeken", ok=False)
    assert "X_BEARER_TOKEN" in outputs[-1], "a refused token is named by its variable"

    sent = list((world.parent / "mail").glob("*.eml"))
    assert sent, "the digest went through the SMTP login"
    assert any(p.suffix == ".parquet" for p in config.data_dir.rglob("*")), "the store was written"
    assert (config.data_dir / "privacy" / "dpia.md").exists()
    logs = [f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records]
    places = {"uitvoer": "\n".join(outputs), "logregels": "\n".join(logs), "configuratie": world.read_text()}
    places.update({str(p): text for p, text in every_file(config.data_dir)})
    places.update({str(p): p.read_text(errors="replace") for p in sent})
    leaks = [f"{where}: {secret}" for where, text in places.items() for secret in ALL_SECRETS if secret in text]
    assert len(caplog.records) > 50, "debug logging was on"
    assert not leaks, leaks
