"""Delivering the weekly digest by e-mail (stdlib ``email`` + ``smtplib``) and recording how it went.

A message is multipart/alternative: a plain-text part first, then the HTML with its PNG charts inline
(multipart/related, referenced as ``cid:...``). Sending retries temporary failures (no connection, timeouts, 4xx
replies) with exponential backoff and gives up at once on permanent ones (5xx: bad credentials, a refused
recipient). Every outcome is appended to the ``deliveries`` table, so ``monitor status`` can show what failed and how
to send it again; the digest itself always stays in the data directory.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid
from typing import TYPE_CHECKING, Any

from monitor.errors import MonitorError

if TYPE_CHECKING:
    import pandas as pd

    from monitor.config import SmtpConfig
    from monitor.store import Store

SENT, FAILED, NOT_SENT = "verzonden", "mislukt", "niet-verzonden"
STATUSES = (SENT, FAILED, NOT_SENT)
BACKOFF_SECONDS = 5.0  # first wait between attempts; doubled each time (5, 10, 20, ...)
MAX_BACKOFF_SECONDS = 300.0
PORT_HINT = 'meestal port 587 met security = "starttls", of port 465 met security = "tls"'
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class DeliveryError(MonitorError):
    """The digest could not be (fully) delivered. ``attempts`` tells how often we tried, ``refused`` which
    recipients the server refused (address -> reply); the message says what failed and how to fix it."""

    def __init__(self, message: str, *, attempts: int = 0, refused: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.refused = dict(refused or {})


# ---- composing -----------------------------------------------------------------------------------------------
def compose_message(
    subject: str, html: str, text: str, images: dict[str, bytes], sender: str, recipients: list[str]
) -> EmailMessage:
    """A UTF-8 message: text/plain, then text/html with ``images`` (PNG, keyed by Content-ID) inline."""
    _no_line_breaks("het onderwerp", subject)
    sender_address = _single_address("de afzender", sender)
    if not recipients:
        raise DeliveryError("Geen ontvangers: vul recipients (of safety_recipients) van de school in monitor.toml in.")
    for recipient in recipients:
        _single_address("ontvanger", recipient)
    for cid, data in images.items():
        if not cid or any(c in cid for c in "<>\r\n \t\"'"):
            raise ValueError(f"invalid Content-ID {cid!r}")
        if f"cid:{cid}" not in html:
            raise ValueError(f"image {cid!r} is not referenced as cid:{cid} in the HTML")
        if not data.startswith(PNG_SIGNATURE):
            raise ValueError(f"image {cid!r} is not a PNG")

    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(datetime.now().astimezone())
    message["Message-ID"] = make_msgid(domain=sender_address.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a weekly digest
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    html_part = message.get_body(("html",))
    assert html_part is not None
    for cid, data in images.items():
        html_part.add_related(data, maintype="image", subtype="png", cid=f"<{cid}>", disposition="inline",
                              filename=f"{cid}.png")
    return message


def _no_line_breaks(what: str, value: str) -> None:
    if "\r" in value or "\n" in value:
        raise DeliveryError(f"{what.capitalize()} bevat een regeleinde ({value!r}); dat mag niet in een e-mailkop. "
                            "Haal het regeleinde weg.")


def _single_address(what: str, value: str) -> str:
    _no_line_breaks(what, value)
    found = getaddresses([value])
    if len(found) != 1 or "@" not in found[0][1] or found[0][1].startswith("@") or found[0][1].endswith("@"):
        raise DeliveryError(
            f"{what.capitalize()} '{value}' is niet één e-mailadres (verwacht zoiets als naam@school.nl)."
        )
    return found[0][1]


# ---- sending -------------------------------------------------------------------------------------------------
def send_message(smtp: SmtpConfig, message: EmailMessage) -> int:
    """Send ``message`` to everyone in To/Cc/Bcc; returns the number of attempts used.

    Raises DeliveryError (with ``attempts`` and ``refused``) when it was not delivered to everyone.
    """
    from connectors.base import SourceUnavailableError
    from connectors.retry import RetryPolicy, call_with_retries

    attempt = _Attempt(smtp, message, smtp_login(smtp), _envelope_recipients(message))
    policy = RetryPolicy(attempts=smtp.attempts, backoff=BACKOFF_SECONDS, max_backoff=MAX_BACKOFF_SECONDS)
    try:
        call_with_retries(attempt, policy, f"E-mail via {smtp.host}:{smtp.port}")
    except SourceUnavailableError as exc:  # still failing after the last attempt
        raise DeliveryError(attempt.scrub(str(exc)) + attempt.partly(), attempts=attempt.count,
                            refused=attempt.refused) from None
    except DeliveryError as exc:
        exc.attempts = attempt.count
        exc.refused = attempt.refused
        raise
    if attempt.refused:
        raise DeliveryError(f"E-mail via {smtp.host}:{smtp.port}:{attempt.partly()}", attempts=attempt.count,
                            refused=attempt.refused)
    return attempt.count


def check_connection(smtp: SmtpConfig) -> str:
    """Connect, secure the line as configured, log in when a login is set, and quit without sending anything;
    returns what worked, raises DeliveryError saying what failed and how to fix it (for ``monitor check``)."""
    login = smtp_login(smtp)
    probe = _Attempt(smtp, EmailMessage(), login, [])
    failure = ""
    try:
        with probe._connect() as client:
            if login is not None:
                client.login(*login)
            client.noop()
    except (OSError, smtplib.SMTPException) as exc:
        failure = probe.explain(exc)[1]
    if failure:  # raised outside the handler: the smtplib error (and any echo of the password) is not chained
        raise DeliveryError(f"E-mail via {smtp.host}:{smtp.port}: {failure}")
    secured = {"tls": "TLS", "starttls": "STARTTLS", "none": "onversleuteld"}[smtp.security]
    return f"{smtp.host}:{smtp.port} bereikbaar ({secured}), " + ("inloggen gelukt" if login else "zonder inlog")


def smtp_login(smtp: SmtpConfig) -> tuple[str, str] | None:
    """(user, password) for [smtp], None without a login; DeliveryError when one is missing, or would go
    unencrypted to another machine (also used by monitor check, before anything is sent)."""
    if smtp.username is None and smtp.password is None:
        return None
    if smtp.username is None or smtp.password is None:
        raise DeliveryError("Zet in [smtp] zowel username als password (allebei als { env = \"...\" }), of geen van "
                            "beide als de mailserver geen inlog vraagt.")
    if smtp.security == "none" and smtp.host not in ("localhost", "127.0.0.1", "::1"):
        raise DeliveryError(f'Het wachtwoord zou onversleuteld naar {smtp.host} gaan. Zet in [smtp] security = '
                            f'"starttls" of "tls" ({PORT_HINT}).')
    try:
        return (smtp.username.resolve("inloggen bij de mailserver"),
                smtp.password.resolve("inloggen bij de mailserver"))
    except MonitorError as exc:
        raise DeliveryError(str(exc)) from None


def _envelope_recipients(message: EmailMessage) -> list[str]:
    headers = [str(v) for name in ("To", "Cc", "Bcc") for v in message.get_all(name, [])]
    addresses = list(dict.fromkeys(address for _, address in getaddresses(headers) if address))
    if not addresses:
        raise DeliveryError("Het bericht heeft geen ontvangers; vul recipients van de school in monitor.toml in.")
    return addresses


@dataclass
class _Attempt:
    """One connection per call; remembers who still has to get the message across attempts."""

    smtp: SmtpConfig
    message: EmailMessage
    login: tuple[str, str] | None = field(repr=False)  # the password must never show up in a repr
    pending: list[str]
    count: int = 0
    delivered: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # permanently refused: address -> reply

    def __call__(self) -> None:
        from connectors.base import TransientError

        self.count += 1
        failure: tuple[bool, str] | None = None
        try:
            with self._connect() as client:
                if self.login is not None:
                    client.login(*self.login)
                rejected = client.send_message(self.message, from_addr=self.smtp.sender, to_addrs=self.pending)
        except smtplib.SMTPRecipientsRefused as exc:  # nobody in ``pending`` was accepted
            rejected = exc.recipients
        except (OSError, smtplib.SMTPException) as exc:
            failure = self.explain(exc)
        if failure is not None:  # raised outside the handler: the smtplib error (and any echo of it) is not chained
            transient, why = failure
            if transient:
                raise TransientError(why)
            raise DeliveryError(f"E-mail via {self.smtp.host}:{self.smtp.port}: {why}{self.partly()}")
        self.delivered += [a for a in self.pending if a not in rejected]
        later = []
        for address, (code, reply) in rejected.items():
            if 400 <= code < 500:
                later.append(address)
            else:
                self.refused[address] = self.reply(code, reply)
        self.pending = later
        if later:
            replies = ", ".join(f"{a} ({self.reply(*rejected[a])})" for a in later)
            raise TransientError(f"ontvanger(s) tijdelijk geweigerd: {replies}")

    def _connect(self) -> smtplib.SMTP:
        smtp = self.smtp
        if smtp.security == "tls":
            return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout_seconds,
                                    context=ssl.create_default_context())
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds)
        if smtp.security == "starttls":
            try:
                client.starttls(context=ssl.create_default_context())
            except BaseException:
                client.close()
                raise
        return client

    def scrub(self, text: str) -> str:
        """Never let the password through, even if a server echoes it."""
        if self.login is not None and self.login[1]:
            text = text.replace(self.login[1], "***")
        return text

    def reply(self, code: int, reply: Any) -> str:
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        return self.scrub(f"{code} {' '.join(text.split())}")

    def partly(self) -> str:
        """What went to whom so far, for the error message."""
        text = ""
        if self.refused:
            refused = "; ".join(f"{address} ({reply})" for address, reply in self.refused.items())
            text += (f" De mailserver weigerde {refused}. Controleer deze adressen bij recipients/safety_recipients "
                     "in monitor.toml.")
        if self.delivered:
            text += f" Wel afgeleverd bij {len(self.delivered)} ontvanger(s): {', '.join(self.delivered)}."
        return text

    def explain(self, exc: BaseException) -> tuple[bool, str]:
        """(worth trying again?, what failed and how to fix it) for an smtplib/socket/ssl error."""
        smtp = self.smtp
        if isinstance(exc, smtplib.SMTPResponseException):
            reply = self.reply(exc.smtp_code, exc.smtp_error)
            transient = 400 <= exc.smtp_code < 500
            if isinstance(exc, smtplib.SMTPAuthenticationError):
                names = " en ".join(ref.env for ref in (smtp.username, smtp.password) if ref is not None)
                return transient, (f"inloggen geweigerd ({reply}). Controleer {names}; bij Office 365 en Google "
                                   "Workspace is vaak een app-wachtwoord nodig en moet SMTP AUTH aan staan")
            if isinstance(exc, smtplib.SMTPSenderRefused):
                return transient, (f"afzender {smtp.sender} geweigerd ({reply}). Controleer sender in [smtp]: het "
                                   "account moet namens dit adres mogen versturen")
            if isinstance(exc, smtplib.SMTPDataError):
                return transient, f"bericht geweigerd ({reply})"
            if isinstance(exc, smtplib.SMTPConnectError):
                return transient, f"de server weigerde de verbinding ({reply}); controleer host en port ({PORT_HINT})"
            return transient, f"de mailserver antwoordde {reply}"
        if isinstance(exc, TimeoutError) or "timed out" in str(exc):  # smtplib wraps a read timeout as a disconnect
            return True, (f"geen antwoord binnen {smtp.timeout_seconds:g} seconden; controleer host en port "
                          f"({PORT_HINT})")
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return True, f"de server verbrak de verbinding; controleer port en security ({PORT_HINT})"
        if isinstance(exc, smtplib.SMTPNotSupportedError) and "STARTTLS" in str(exc):
            return False, f"de server biedt geen STARTTLS; controleer port en security ({PORT_HINT})"
        if isinstance(exc, smtplib.SMTPException):
            text = self.scrub(str(exc))
            if "auth" in text.lower():
                return False, (f"de server biedt geen geschikte manier om in te loggen ({text}); controleer security "
                               "(inloggen kan vaak pas na STARTTLS) en of username/password nodig zijn")
            return False, f"fout van de mailserver: {text}"
        if isinstance(exc, ssl.SSLCertVerificationError):
            return False, (f"het certificaat van {smtp.host} wordt niet vertrouwd ({exc.verify_message}); "
                           "controleer host: gebruik de naam die op het certificaat staat")
        if isinstance(exc, ssl.SSLError):
            return False, f"de versleutelde verbinding mislukte ({exc.reason}); {PORT_HINT}"
        if isinstance(exc, socket.gaierror):
            return True, f"de servernaam {smtp.host} is niet gevonden; controleer host in [smtp] en het netwerk"
        if isinstance(exc, ConnectionRefusedError):
            return True, f"verbinding geweigerd; controleer host en port ({PORT_HINT})"
        return True, f"netwerkfout: {self.scrub(str(exc))}"


# ---- recording -----------------------------------------------------------------------------------------------
def record_delivery(
    store: Store, *, school_id: str, week: str, kind: str, recipients: int, status: str, attempts: int, error: str,
    path: str,
) -> None:
    """Append one delivery outcome (``status``: verzonden, mislukt or niet-verzonden) to the ``deliveries`` table."""
    from monitor.records import now_utc
    from monitor.store.schema import DELIVERIES

    if status not in STATUSES:
        raise ValueError(f"unknown delivery status {status!r}")
    row = {"delivery_id": uuid.uuid4().hex, "school_id": school_id, "week": week, "kind": kind,
           "recipients": int(recipients), "status": status, "attempts": int(attempts), "error": error, "path": path,
           "at": now_utc()}
    with store.transaction() as tx:
        tx.append(DELIVERIES, [row])


def delivery_status(store: Store) -> pd.DataFrame:
    """Per (school_id, kind) the digest of the newest week: week, status, attempts, error, path, when that outcome
    was recorded (``at``) and when its saved file was last made (``rendered_at``).

    The status is the newest *send* outcome of that week (verzonden or mislukt); niet-verzonden only when it was
    never sent. Making a digest again (without --send, or by ``forget``) never makes a sent one look unsent."""
    columns = ["school_id", "kind", "week", "status", "attempts", "error", "path", "recipients", "at"]
    rows = store.read("deliveries", columns=columns)
    if rows.empty:
        return rows.assign(rendered_at=rows["at"])
    group = ["school_id", "kind", "week"]
    rendered = rows.groupby(group)["at"].max().rename("rendered_at")
    attempted = rows["status"] != NOT_SENT
    rows = rows.assign(attempted=attempted).sort_values(["attempted", "at"], kind="stable")
    outcomes = rows.groupby(group, sort=False).tail(1).join(rendered, on=group)
    latest = outcomes.sort_values("week", kind="stable").groupby(["school_id", "kind"]).tail(1)
    return latest.sort_values(["school_id", "kind"]).reset_index(drop=True)[[*columns, "rendered_at"]]


def sent_before(store: Store, week: str) -> dict[tuple[str, str], datetime]:
    """When each digest of ``week`` was last sent: (school_id or "bestuur", kind) -> time (UTC)."""
    rows = store.read("deliveries", columns=["school_id", "kind", "week", "status", "at"])
    sent = rows[(rows["week"] == week) & (rows["status"] == SENT)]
    newest = sent.groupby(["school_id", "kind"], as_index=False)["at"].max()
    return {(str(owner), str(kind)): at.to_pydatetime()
            for owner, kind, at in zip(newest["school_id"], newest["kind"], newest["at"], strict=True)}
