"""Digest delivery against a real SMTP server on 127.0.0.1 (aiosmtpd): what arrives, TLS, login, retries, status."""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
import struct
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult

from monitor.config import SecretRef, SmtpConfig
from monitor.digest.mail import (
    DeliveryError,
    compose_message,
    delivery_status,
    record_delivery,
    send_message,
)
from monitor.digest.smtp_local import SaveToFolder, free_port, local_smtp_server, received_messages
from monitor.store import Store
from tests.factories import example_config
from tests.test_cli import monitor

SENDER = "school-monitor@schoolbestuur.example"
TO = ["communicatie@regenboog.example", "directie@regenboog.example"]
SUBJECT = "Veiligheid — week 47"
HTML = (
    "<html><body><h1>Veiligheid — week 47</h1><h2>Om te bespreken</h2><p>Eén bericht over pesten in groep 8.</p>"
    '<img src="cid:trend-47" alt="Aantal berichten per week"></body></html>'
)
TEXT = "Veiligheid — week 47\n\nOm te bespreken\nEén bericht over pesten in groep 8.\n"
SECRET = "Zeer-Geheim-wachtwoord-7Qx"


def png(width: int = 2, height: int = 2) -> bytes:
    """A valid (grey) PNG image, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


IMAGE = png()


def digest(recipients: list[str] = TO) -> Any:
    return compose_message(SUBJECT, HTML, TEXT, {"trend-47": IMAGE}, SENDER, recipients)


def smtp(port: int, **settings: Any) -> SmtpConfig:
    values: dict[str, Any] = {"host": "127.0.0.1", "port": port, "security": "none", "sender": SENDER,
                              "timeout_seconds": 5, "attempts": 3}
    values.update(settings)
    return SmtpConfig(**values)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    return tmp_path / "inbox"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "school-monitor test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture
def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


@pytest.fixture
def trust_test_ca(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The client trusts the test certificate the way an administrator would: SSL_CERT_FILE."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("MONITOR_SMTP_USER", "digest@schoolbestuur.example")
    monkeypatch.setenv("MONITOR_SMTP_PASSWORD", SECRET)
    return {"username": SecretRef(env="MONITOR_SMTP_USER"), "password": SecretRef(env="MONITOR_SMTP_PASSWORD")}


class Authenticator:
    """Accepts one user and password; remembers who logged in. ``echo`` puts the password in the refusal."""

    def __init__(self, password: str, echo: bool = False) -> None:
        self.password = password
        self.echo = echo
        self.logins: list[str] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        login, password = auth_data.login.decode(), auth_data.password.decode()
        if login == "digest@schoolbestuur.example" and password == self.password:
            self.logins.append(login)
            return AuthResult(success=True)
        message = f"535 5.7.8 wachtwoord {password} klopt niet" if self.echo else None
        return AuthResult(success=False, handled=False, message=message)


class Scripted(SaveToFolder):
    """Answers DATA with ``data_replies`` first and RCPT per address with ``rcpt_replies`` (lists used in order)."""

    def __init__(
        self, folder: Path, data_replies: Sequence[str] = (), rcpt_replies: dict[str, list[str]] | None = None
    ) -> None:
        super().__init__(folder)
        self.data_replies = list(data_replies)
        self.rcpt_replies = rcpt_replies or {}

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:  # noqa: N802 - aiosmtpd hook name
        replies = self.rcpt_replies.get(address, [])
        if replies:
            reply = replies.pop(0) if len(replies) > 1 else replies[0]
            if not reply.startswith("250"):
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.data_replies:
            return self.data_replies.pop(0)
        return await super().handle_DATA(server, session, envelope)


# ---- what arrives -------------------------------------------------------------------------------------------
def test_digest_arrives_with_text_html_inline_image_and_recipients(inbox: Path) -> None:
    with local_smtp_server(inbox) as (host, port):
        assert send_message(smtp(port, host=host), digest()) == 1
    [message] = received_messages(inbox)

    assert message["X-Envelope-To"] == ", ".join(TO)
    assert message["X-Envelope-From"] == SENDER
    assert [a.addr_spec for a in message["To"].addresses] == TO
    assert message["Subject"] == SUBJECT
    assert message["Message-ID"].endswith("@schoolbestuur.example>")
    assert message["Date"].datetime.tzinfo is not None
    assert message.get_content_type() == "multipart/alternative"
    plain, related = message.get_payload()
    assert plain.get_content_type() == "text/plain"
    assert plain.get_content_charset() == "utf-8"
    assert "Om te bespreken\nEén bericht over pesten" in plain.get_content()
    assert related.get_content_type() == "multipart/related"
    html, image = related.get_payload()
    assert html.get_content_type() == "text/html"
    assert "<h1>Veiligheid — week 47</h1>" in html.get_content()
    assert 'src="cid:trend-47"' in html.get_content()
    assert image.get_content_type() == "image/png"
    assert image["Content-ID"] == "<trend-47>"
    assert image.get_content_disposition() == "inline"
    assert image.get_content() == IMAGE
    assert message.get_body(("plain",)) is plain


def test_bcc_is_delivered_but_not_shown(inbox: Path) -> None:
    message = digest()
    message["Bcc"] = "veiligheid@regenboog.example"
    with local_smtp_server(inbox) as (_, port):
        send_message(smtp(port), message)
    [received] = received_messages(inbox)
    assert "veiligheid@regenboog.example" in received["X-Envelope-To"]
    assert received["Bcc"] is None


@pytest.mark.parametrize(
    ("subject", "recipients", "expected"),
    [
        ("Week 47\r\nBcc: iedereen@example.org", TO, "Het onderwerp bevat een regeleinde"),
        (SUBJECT, ["ouder@example.org\nBcc: iedereen@example.org"], "Ontvanger"),
        (SUBJECT, ["ouder@example.org, iedereen@example.org"], "niet één e-mailadres"),
        (SUBJECT, [], "Geen ontvangers"),
    ],
)
def test_header_injection_and_bad_addresses_are_refused(subject: str, recipients: list[str], expected: str) -> None:
    with pytest.raises(DeliveryError, match=expected):
        compose_message(subject, HTML, TEXT, {"trend-47": IMAGE}, SENDER, recipients)


def test_an_image_must_be_a_referenced_png() -> None:
    with pytest.raises(ValueError, match="not referenced"):
        compose_message(SUBJECT, HTML, TEXT, {"elders": IMAGE}, SENDER, TO)
    with pytest.raises(ValueError, match="not a PNG"):
        compose_message(SUBJECT, HTML, TEXT, {"trend-47": b"GIF89a"}, SENDER, TO)


# ---- TLS and login ------------------------------------------------------------------------------------------
@pytest.mark.usefixtures("trust_test_ca")
def test_starttls_and_login_with_credentials_from_the_environment(
    inbox: Path, server_tls: ssl.SSLContext, credentials: dict[str, Any]
) -> None:
    authenticator = Authenticator(SECRET)
    with local_smtp_server(inbox, tls_context=server_tls, require_starttls=True, authenticator=authenticator) as (
        _, port,
    ):
        assert send_message(smtp(port, security="starttls", **credentials), digest()) == 1
    assert authenticator.logins == ["digest@schoolbestuur.example"]
    assert len(received_messages(inbox)) == 1


@pytest.mark.usefixtures("trust_test_ca")
def test_implicit_tls(inbox: Path, server_tls: ssl.SSLContext) -> None:
    with local_smtp_server(inbox, ssl_context=server_tls) as (_, port):
        assert send_message(smtp(port, security="tls"), digest()) == 1
    assert len(received_messages(inbox)) == 1


@pytest.mark.usefixtures("trust_test_ca")
def test_wrong_password_is_a_clear_error_that_never_shows_the_password(
    inbox: Path, server_tls: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    no_sleep: list[float],
) -> None:
    monkeypatch.setenv("MONITOR_SMTP_USER", "digest@schoolbestuur.example")
    monkeypatch.setenv("MONITOR_SMTP_PASSWORD", SECRET)
    caplog.set_level(logging.DEBUG)
    refs = {"username": SecretRef(env="MONITOR_SMTP_USER"), "password": SecretRef(env="MONITOR_SMTP_PASSWORD")}
    server = {"tls_context": server_tls, "require_starttls": True, "authenticator": Authenticator("iets anders", True)}
    with local_smtp_server(inbox, **server) as (_, port), pytest.raises(DeliveryError) as caught:
        send_message(smtp(port, security="starttls", **refs), digest())

    error = caught.value
    assert "inloggen geweigerd" in str(error)
    assert "MONITOR_SMTP_USER" in str(error) and "MONITOR_SMTP_PASSWORD" in str(error)
    assert "535" in str(error)
    assert error.attempts == 1 and no_sleep == []  # refused credentials are not tried again
    chain: BaseException | None = error
    while chain is not None:  # not in the message, nor in anything chained to it
        assert SECRET not in str(chain) and SECRET not in repr(chain.args)
        chain = chain.__cause__ or chain.__context__
    assert SECRET not in caplog.text
    assert received_messages(inbox) == []


def test_an_untrusted_certificate_is_refused(inbox: Path, server_tls: ssl.SSLContext) -> None:
    with local_smtp_server(inbox, tls_context=server_tls) as (_, port), pytest.raises(DeliveryError) as caught:
        send_message(smtp(port, security="starttls"), digest())
    assert "certificaat" in str(caught.value)
    assert caught.value.attempts == 1


def test_starttls_not_offered(inbox: Path) -> None:
    with local_smtp_server(inbox) as (_, port), pytest.raises(DeliveryError, match="STARTTLS") as caught:
        send_message(smtp(port, security="starttls"), digest())
    assert caught.value.attempts == 1


def test_a_missing_password_variable_is_named(inbox: Path) -> None:
    config = smtp(25, security="starttls", username=SecretRef(env="MONITOR_SMTP_USER"),
                  password=SecretRef(env="MONITOR_SMTP_PASSWORD"))
    with pytest.raises(DeliveryError, match="MONITOR_SMTP_USER") as caught:
        send_message(config, digest())
    assert caught.value.attempts == 0


def test_login_on_a_server_without_auth(inbox: Path, credentials: dict[str, Any]) -> None:
    with local_smtp_server(inbox) as (_, port), pytest.raises(DeliveryError, match="in te loggen") as caught:
        send_message(smtp(port, **credentials), digest())
    assert caught.value.attempts == 1 and SECRET not in str(caught.value)


def test_a_password_is_never_sent_unencrypted_to_another_host(credentials: dict[str, Any]) -> None:
    with pytest.raises(DeliveryError, match=r"onversleuteld naar smtp\.schoolbestuur\.example"):
        send_message(smtp(587, host="smtp.schoolbestuur.example", **credentials), digest())


# ---- retries ------------------------------------------------------------------------------------------------
def test_temporary_failures_are_retried_with_backoff(inbox: Path, no_sleep: list[float]) -> None:
    handler = Scripted(inbox, data_replies=["421 4.3.2 Even geen ruimte", "451 4.3.0 Probeer later"])
    with local_smtp_server(inbox, handler=handler) as (_, port):
        assert send_message(smtp(port), digest()) == 3
    assert len(received_messages(inbox)) == 1
    assert no_sleep == [5.0, 10.0]


def test_a_greylisted_recipient_gets_it_later_without_duplicates(inbox: Path) -> None:
    handler = Scripted(inbox, rcpt_replies={TO[1]: ["450 4.2.0 Greylisted, probeer later", "250 OK"]})
    with local_smtp_server(inbox, handler=handler) as (_, port):
        assert send_message(smtp(port), digest()) == 2
    assert [m["X-Envelope-To"] for m in received_messages(inbox)] == [TO[0], TO[1]]


def test_a_refused_recipient_is_not_retried_and_reported(inbox: Path, no_sleep: list[float]) -> None:
    handler = Scripted(inbox, rcpt_replies={TO[1]: ["550 5.1.1 Onbekende ontvanger"]})
    with local_smtp_server(inbox, handler=handler) as (_, port), pytest.raises(DeliveryError) as caught:
        send_message(smtp(port), digest())
    error = caught.value
    assert error.attempts == 1 and no_sleep == []
    assert error.refused == {TO[1]: "550 5.1.1 Onbekende ontvanger"}
    assert f"weigerde {TO[1]}" in str(error) and "recipients" in str(error)
    assert f"Wel afgeleverd bij 1 ontvanger(s): {TO[0]}" in str(error)
    assert [m["X-Envelope-To"] for m in received_messages(inbox)] == [TO[0]]


def test_all_recipients_refused(inbox: Path, no_sleep: list[float]) -> None:
    refuse = ["550 5.7.1 Relaying denied"]
    handler = Scripted(inbox, rcpt_replies=dict.fromkeys(TO, refuse))
    with local_smtp_server(inbox, handler=handler) as (_, port), pytest.raises(DeliveryError) as caught:
        send_message(smtp(port), digest())
    assert set(caught.value.refused) == set(TO)
    assert "Wel afgeleverd" not in str(caught.value)
    assert caught.value.attempts == 1 and no_sleep == []


def test_an_unreachable_server_fails_after_all_attempts(no_sleep: list[float]) -> None:
    port = free_port()
    with pytest.raises(DeliveryError) as caught:
        send_message(smtp(port, attempts=3), digest())
    assert caught.value.attempts == 3
    assert f"E-mail via 127.0.0.1:{port}: verbinding geweigerd" in str(caught.value)
    assert "controleer host en port" in str(caught.value) and "opgegeven na 3 pogingen" in str(caught.value)
    assert no_sleep == [5.0, 10.0]


def test_a_server_that_does_not_answer_times_out(no_sleep: list[float]) -> None:
    with socket.socket() as silent:  # accepts connections (backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        config = smtp(silent.getsockname()[1], attempts=2, timeout_seconds=0.2)
        expected = r"geen antwoord binnen 0\.2 seconden; controleer host en port"
        with pytest.raises(DeliveryError, match=expected) as caught:
            send_message(config, digest())
    assert caught.value.attempts == 2 and no_sleep == [5.0]


def test_tls_on_a_plain_server_is_not_retried(inbox: Path) -> None:
    with local_smtp_server(inbox) as (_, port), pytest.raises(DeliveryError, match="port 465") as caught:
        send_message(smtp(port, security="tls"), digest())
    assert caught.value.attempts == 1


# ---- recording and status -----------------------------------------------------------------------------------
@pytest.fixture
def deliveries(tmp_path: Path) -> tuple[Path, Store]:
    config = example_config(tmp_path, '[smtp]\nhost = "smtp.schoolbestuur.example"\nsender = "' + SENDER + '"\n')
    store = Store(config.data_dir)
    common = {"recipients": 2, "attempts": 1, "error": ""}
    record_delivery(store, school_id="regenboog-zoetermeer", week="2026-W46", kind="digest", status="verzonden",
                    path="digests/2026-W46/regenboog-zoetermeer.html", **common)
    record_delivery(store, school_id="regenboog-zoetermeer", week="2026-W47", kind="digest", status="mislukt",
                    recipients=2, attempts=3, path="digests/2026-W47/regenboog-zoetermeer.html",
                    error="E-mail via smtp.schoolbestuur.example:587: verbinding geweigerd")
    record_delivery(store, school_id="regenboog-zoetermeer", week="2026-W47", kind="veiligheid", status="verzonden",
                    path="digests/2026-W47/regenboog-zoetermeer-veiligheid.html", **common)
    record_delivery(store, school_id="zilvermeer-almere", week="2026-W47", kind="digest", status="niet-verzonden",
                    path="digests/2026-W47/zilvermeer-almere.html", **common)
    return tmp_path / "monitor.toml", store


def test_delivery_status_is_the_newest_per_school_and_kind(deliveries: tuple[Path, Store]) -> None:
    _, store = deliveries
    latest = delivery_status(store)
    rows = {(r.school_id, r.kind): (r.week, r.status, r.attempts) for r in latest.itertuples()}
    assert rows == {
        ("regenboog-zoetermeer", "digest"): ("2026-W47", "mislukt", 3),
        ("regenboog-zoetermeer", "veiligheid"): ("2026-W47", "verzonden", 1),
        ("zilvermeer-almere", "digest"): ("2026-W47", "niet-verzonden", 1),
    }
    assert latest["at"].dt.tz is not None
    with pytest.raises(ValueError, match="status"):
        record_delivery(store, school_id="x", week="2026-W47", kind="digest", recipients=1, status="ok", attempts=1,
                        error="", path="")


def test_monitor_status_shows_a_failed_delivery_and_how_to_resend(deliveries: tuple[Path, Store]) -> None:
    config, store = deliveries
    result = monitor("status", "--config", str(config), cwd=config.parent)
    assert result.returncode == 0, result.stderr
    assert "Digests" in result.stdout
    for heading in ("school", "soort", "week", "status", "pogingen", "fout"):
        assert heading in result.stdout
    assert "mislukt" in result.stdout and "verbinding geweigerd" in result.stdout
    saved = store.root.parent / "digests" / "2026-W47" / "regenboog-zoetermeer.html"
    assert f"de digest staat in {saved}; verstuur opnieuw met monitor digest --week 2026-W47 --send" in (
        " ".join(result.stdout.split())
    )


def test_monitor_status_without_deliveries(tmp_path: Path) -> None:
    example_config(tmp_path)
    result = monitor("status", "--config", str(tmp_path / "monitor.toml"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "nog geen digest" in result.stdout
