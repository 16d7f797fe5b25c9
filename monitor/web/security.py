"""Sessions, CSRF tokens, login throttling and security headers for the web app.

A session is a signed cookie (itsdangerous, a key kept in ``<data_dir>/keys/web-secret``): who, when it started,
when it was last used and the session's CSRF token. It is ``HttpOnly`` and ``SameSite=Strict`` (``Secure`` behind
TLS); it ends after ``IDLE_SECONDS`` without use and ``ABSOLUTE_SECONDS`` after login, whatever happens, and when the
user's password changed after it started or the account is gone. Every form carries the CSRF token; the login form
gets one from a short-lived signed cookie of its own (there is no session yet).
"""

from __future__ import annotations

import hmac
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SESSION_COOKIE = "monitor_sessie"
LOGIN_COOKIE = "monitor_inlog"
IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 8 * 3600
LOGIN_FORM_SECONDS = 15 * 60
MAX_FAILURES = 5  # per account within FAILURE_WINDOW
MAX_FAILURES_PER_ADDRESS = 20  # higher: a school's staff often share one address (NAT, the proxy)
FAILURE_WINDOW = 15 * 60
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def secret_key(data_dir: Path) -> bytes:
    """The key that signs the cookies: made once, readable by the service's user only."""
    path = data_dir / "keys" / "web-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".web-secret.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48))
        os.replace(temporary, path)
    return path.read_text(encoding="ascii").strip().encode()


@dataclass(frozen=True)
class Session:
    user: str
    started: float
    seen: float
    csrf: str


class Sessions:
    """Issue and read signed session cookies; ``clock`` is injectable so tests need no waiting."""

    def __init__(self, key: bytes, clock: Callable[[], float] = time.time) -> None:
        from itsdangerous import URLSafeSerializer

        self.sessions = URLSafeSerializer(key, salt="sessie")
        self.login_forms = URLSafeSerializer(key, salt="inlogformulier")
        self.clock = clock

    def start(self, user: str) -> tuple[str, Session]:
        now = self.clock()
        session = Session(user, now, now, secrets.token_urlsafe(24))
        return self.cookie(session), session

    def cookie(self, session: Session) -> str:
        return self.sessions.dumps([session.user, session.started, session.seen, session.csrf])

    def read(self, value: str | None, password_changed: Callable[[str], float | None]) -> Session | None:
        """The valid session in ``value``; None when absent, forged, idle too long, too old, or its user's password
        changed after it started (or the user is gone: ``password_changed`` returns None)."""
        from itsdangerous import BadSignature

        if not value:
            return None
        try:
            user, started, seen, csrf = self.sessions.loads(value)
        except (BadSignature, ValueError, TypeError):
            return None
        now = self.clock()
        changed = password_changed(str(user))
        if changed is None or changed > float(started) or now - float(seen) > IDLE_SECONDS \
                or now - float(started) > ABSOLUTE_SECONDS:
            return None
        return Session(str(user), float(started), now, str(csrf))

    def login_form(self) -> tuple[str, str]:
        """(cookie value, token) for the login form."""
        token = secrets.token_urlsafe(24)
        return self.login_forms.dumps([token, self.clock()]), token

    def login_form_valid(self, cookie: str | None, token: str) -> bool:
        from itsdangerous import BadSignature

        if not cookie or not token:
            return False
        try:
            expected, issued = self.login_forms.loads(cookie)
        except (BadSignature, ValueError, TypeError):
            return False
        return same(str(expected), token) and self.clock() - float(issued) <= LOGIN_FORM_SECONDS


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def cookie_options(secure: bool, max_age: int | None = ABSOLUTE_SECONDS) -> dict[str, Any]:
    return {"httponly": True, "samesite": "strict", "secure": secure, "path": "/", "max_age": max_age}


@dataclass
class LoginThrottle:
    """At most MAX_FAILURES failed logins per account, MAX_FAILURES_PER_ADDRESS per address, within
    FAILURE_WINDOW."""

    clock: Callable[[], float] = time.time
    failures: dict[str, list[float]] = field(default_factory=dict)

    def wait_seconds(self, account: str, address: str) -> int:
        """0 when a try is allowed now, else how long to wait."""
        now = self.clock()
        waits = []
        for key, limit in ((f"account:{account}", MAX_FAILURES), (f"address:{address}", MAX_FAILURES_PER_ADDRESS)):
            recent = [t for t in self.failures.get(key, []) if now - t < FAILURE_WINDOW]
            self.failures[key] = recent
            if len(recent) >= limit:
                waits.append(int(FAILURE_WINDOW - (now - recent[0])) + 1)
        return max(waits, default=0)

    def failed(self, account: str, address: str) -> None:
        now = self.clock()
        for key in (f"account:{account}", f"address:{address}"):
            self.failures.setdefault(key, []).append(now)

    def succeeded(self, account: str) -> None:
        self.failures.pop(f"account:{account}", None)
