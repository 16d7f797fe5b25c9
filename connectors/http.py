"""HTTP for connectors: timeouts on every request, a size cap, retries with backoff that honour Retry-After.

feedparser and friends have no timeout of their own, so connectors fetch bytes here and parse them after. Each
request ends within ``TOTAL_FACTOR`` times the read timeout however slowly the server sends (connectors/deadline.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import requests
from urllib3.util.retry import Retry

from connectors.base import AuthError, PayloadError, SourceUnavailableError, TransientError
from connectors.deadline import RequestLimit, deadline_session
from connectors.retry import RetryPolicy, call_with_retries
from monitor.words import number

log = logging.getLogger(__name__)

USER_AGENT = "school-monitor/0.1 (+read-only; https://github.com/school-monitor)"


class CappedRetry(Retry):
    """urllib3 Retry whose wait for a Retry-After header never exceeds ``retry_after_cap`` seconds."""

    retry_after_cap: float = 300.0

    def get_retry_after(self, response: Any) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(value, self.retry_after_cap)

    def new(self, **kw: Any) -> CappedRetry:
        fresh = super().new(**kw)
        fresh.retry_after_cap = self.retry_after_cap
        return fresh


@dataclass(frozen=True)
class HttpOptions:
    connect_timeout: float = 10.0
    read_timeout: float = 30.0  # per read; a whole request may take TOTAL_FACTOR times as long (deadline.py)
    max_bytes: int = 5_000_000
    retries: int = 3
    backoff: float = 1.0
    retry_after_cap: float = 300.0


@dataclass(frozen=True)
class HttpResult:
    status: int
    content: bytes
    headers: dict[str, str]
    url: str


def make_session(options: HttpOptions, source: str) -> requests.Session:
    # urllib3 retries on status codes (honouring Retry-After); timeouts and broken connections are retried
    # around the whole request in get_bytes, because with streaming a timeout can happen while reading the body.
    retry = CappedRetry(
        total=options.retries,
        connect=0,
        read=0,
        other=0,
        status=options.retries,
        backoff_factor=options.backoff,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    retry.retry_after_cap = options.retry_after_cap
    session = deadline_session(RequestLimit(source, options.read_timeout), max_retries=retry)
    session.headers["User-Agent"] = USER_AGENT
    return session


def get_bytes(
    session: requests.Session,
    url: str,
    options: HttpOptions,
    headers: dict[str, str] | None = None,
    credential_hint: str = "",
) -> HttpResult:
    """GET ``url`` and return its body, refusing bodies above ``max_bytes``.

    Timeouts and broken connections are tried again (``options.retries`` times, with backoff); a download cut off
    by the session's deadline (DeadlineExceededError) is not."""
    policy = RetryPolicy(attempts=options.retries + 1, backoff=options.backoff, wait_cap=options.retry_after_cap)
    return call_with_retries(lambda: _get_once(session, url, options, headers, credential_hint), policy, url)


def _get_once(
    session: requests.Session, url: str, options: HttpOptions, headers: dict[str, str] | None, credential_hint: str
) -> HttpResult:
    try:
        response = session.get(
            url, headers=headers or {}, timeout=(options.connect_timeout, options.read_timeout), stream=True
        )
    except requests.exceptions.RetryError as exc:
        raise SourceUnavailableError(f"{url} bleef fouten geven na {options.retries} pogingen ({exc}).") from None
    except requests.exceptions.Timeout:
        raise TransientError(f"reageerde niet binnen {options.read_timeout:g} seconden") from None
    except requests.exceptions.RequestException as exc:
        raise TransientError(f"niet bereikbaar: {describe_connection_error(exc)}") from None
    with response:
        _check_status(response, url, credential_hint)
        content = _read_capped(response, url, options)
        return HttpResult(response.status_code, content, dict(response.headers), response.url)


def _check_status(response: requests.Response, url: str, credential_hint: str) -> None:
    status = response.status_code
    if status in (401, 403):
        hint = f" Controleer {credential_hint}." if credential_hint else ""
        raise AuthError(f"{url} weigert toegang (HTTP {status}).{hint}")
    if status == 304 or 200 <= status < 300:
        return
    if status == 404:
        raise PayloadError(f"{url} bestaat niet (HTTP 404). Controleer het adres in de configuratie.")
    raise SourceUnavailableError(f"{url} gaf HTTP {status} (ook na herhalen).")


def _read_capped(response: requests.Response, url: str, options: HttpOptions) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > options.max_bytes:
        raise PayloadError(_too_big(url, options.max_bytes))
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > options.max_bytes:
                raise PayloadError(_too_big(url, options.max_bytes))
            chunks.append(chunk)
    except requests.exceptions.RequestException as exc:
        raise TransientError(f"verbinding verbroken tijdens downloaden ({_short(exc)})") from None
    return b"".join(chunks)


def _too_big(url: str, cap: int) -> str:
    return f"{url} is groter dan {number(cap)} bytes en is niet gelezen (instelling max_bytes)."


def describe_connection_error(exc: Exception) -> str:
    """A cause school staff and ops can act on, instead of urllib3's nested repr."""
    text = repr(exc)
    if "NameResolutionError" in text or "Name or service not known" in text or "getaddrinfo" in text:
        return "de servernaam is niet gevonden (controleer het adres en de internetverbinding)."
    if "Connection refused" in text or "ConnectionRefusedError" in text:
        return "de server weigert de verbinding (draait hij, en klopt de poort?)."
    if "SSLError" in text or "CERTIFICATE" in text:
        return "de beveiligde verbinding (HTTPS-certificaat) is mislukt."
    if "TooManyRedirects" in text:
        return "te veel doorverwijzingen."
    return _short(exc)


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 160 else text[:157] + "..."
