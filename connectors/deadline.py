"""A hard wall-clock limit per HTTP request, whatever the server sends.

requests, urllib3 and httpx only know timeouts per socket read: a server that sends one byte a second never trips
them, so one request could keep a collection busy for hours. Here every read waits at most until the request's
deadline (``RequestLimit.seconds`` after the request was sent): the socket timeout of each read is shrunk to the
time left, so the limit holds for the status line, the headers and the body alike.

* requests (feeds, tweepy, praw/prawcore, Mastodon.py): mount :class:`DeadlineAdapter` on the session, or use
  :func:`deadline_session`. Its connections wrap their socket in :class:`_TimedSocket`; each request sent on a
  connection starts a fresh countdown (urllib3's own retries after a 429 or 503 each get the full time).
* httpx (atproto): :class:`connectors.deadline_httpx.DeadlineTransport`.

A request cut off by the limit raises :class:`DeadlineExceededError`, a ``SourceUnavailableError``: it is not tried
again (a trickling server trickles again) and the source run fails with a message naming the source, the server
and the limit. A server that sends nothing for a whole read timeout still raises the library's ordinary timeout.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager

from connectors.base import SourceUnavailableError

T = TypeVar("T")

TOTAL_FACTOR = 4  # a request may take this many times timeout_seconds in all


class DeadlineExceededError(SourceUnavailableError):
    """The server was still sending when the request's time was up; the request was broken off."""


def deadline_error(exc: BaseException | None) -> DeadlineExceededError | None:
    """The DeadlineExceededError behind ``exc``, when a client library wrapped it (prawcore, Mastodon.py)."""
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, DeadlineExceededError):
            return exc
        original = getattr(exc, "original_exception", None)  # prawcore's RequestException
        exc = original if isinstance(original, BaseException) else (exc.__cause__ or exc.__context__)
        seen += 1
    return None


@dataclass(frozen=True)
class RequestLimit:
    """How long one request of ``source`` may take in all: ``TOTAL_FACTOR`` times its ``timeout_seconds``."""

    source: str
    timeout_seconds: float

    @property
    def seconds(self) -> float:
        return TOTAL_FACTOR * self.timeout_seconds

    def error(self, host: str) -> DeadlineExceededError:
        server = f"de server {host}" if host else "de server"
        return DeadlineExceededError(
            f"bron {self.source}: {server} stuurde na {self.seconds:g} s nog steeds gegevens; afgebroken "
            f"(timeout_seconds = {self.timeout_seconds:g}; een verzoek mag hoogstens {TOTAL_FACTOR} × zo lang duren)"
        )


class Countdown:
    """The time left for one request; ``read`` runs one network read within it."""

    def __init__(self, limit: RequestLimit, host: str) -> None:
        self.limit = limit
        self.host = host
        self.ends = time.monotonic() + limit.seconds

    def left(self) -> float:
        return self.ends - time.monotonic()

    def bounded(self, timeout: float | None) -> float | None:
        """``timeout`` shortened to the time left (for connecting and writing)."""
        left = max(self.left(), 0.001)
        return left if timeout is None else min(timeout, left)

    def read(self, timeout: float | None, read: Callable[[float], T], timeout_error: type[BaseException]) -> T:
        """``read(t)`` with ``t`` the read timeout or the time left, whichever is shorter. A read cut short by the
        deadline raises DeadlineExceededError; a read that waited its whole timeout raises ``timeout_error``."""
        left = self.left()
        if left <= 0:
            raise self.limit.error(self.host)
        if timeout is not None and timeout <= left:
            return read(timeout)
        try:
            return read(left)
        except timeout_error:
            raise self.limit.error(self.host) from None


_ACTIVE: ContextVar[Countdown | None] = ContextVar("connectors_deadline", default=None)


def active() -> Countdown | None:
    return _ACTIVE.get()


@contextmanager
def armed(countdown: Countdown) -> Iterator[Countdown]:
    """Network reads in this block (in this thread) keep to ``countdown``."""
    token = _ACTIVE.set(countdown)
    try:
        yield countdown
    finally:
        _ACTIVE.reset(token)


# --- requests / urllib3 ---------------------------------------------------------------------------------------------


class _TimedSocket:
    """Stands in for a connection's socket: each read waits at most until the connection's current deadline.

    http.client reads through ``makefile()``; the file it gets reads through this object's ``recv_into``.
    Everything else is passed to the real socket."""

    def __init__(self, sock: socket.socket, owner: _TimedConnectionMixin) -> None:
        self._sock = sock
        self._owner = owner
        self._timeout = sock.gettimeout()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def settimeout(self, value: float | None) -> None:
        self._timeout = value
        self._sock.settimeout(value)

    def gettimeout(self) -> float | None:
        return self._timeout

    def makefile(self, *args: Any, **kwargs: Any) -> Any:
        file = self._sock.makefile(*args, **kwargs)
        raw = getattr(file, "raw", file)
        if isinstance(raw, socket.SocketIO):
            raw._sock = self  # type: ignore[attr-defined]
        return file

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        countdown = self._owner.countdown
        if countdown is None:
            return self._sock.recv_into(buffer, nbytes, flags)

        def read(timeout: float) -> int:
            self._sock.settimeout(timeout)
            try:
                return self._sock.recv_into(buffer, nbytes, flags)
            finally:
                self._sock.settimeout(self._timeout)

        return countdown.read(self._timeout, read, TimeoutError)


class _TimedConnectionMixin:
    """A urllib3 connection whose socket keeps to a countdown that each request starts afresh."""

    countdown: Countdown | None = None
    host: str
    sock: Any

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        if self.sock is not None and not isinstance(self.sock, _TimedSocket):
            self.sock = _TimedSocket(self.sock, self)

    def request(self, *args: Any, **kwargs: Any) -> None:
        current = active()
        self.countdown = None if current is None else Countdown(current.limit, self.host)
        super().request(*args, **kwargs)  # type: ignore[misc]


class _TimedHTTPConnection(_TimedConnectionMixin, HTTPConnection):
    pass


class _TimedHTTPSConnection(_TimedConnectionMixin, HTTPSConnection):
    pass


class _TimedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _TimedHTTPConnection


class _TimedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _TimedHTTPSConnection


_POOL_CLASSES = {"http": _TimedHTTPConnectionPool, "https": _TimedHTTPSConnectionPool}


class DeadlineAdapter(HTTPAdapter):
    """An HTTPAdapter whose requests each end within ``limit`` (the body read afterwards included)."""

    def __init__(self, limit: RequestLimit, **kwargs: Any) -> None:
        self.limit = limit
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOL_CLASSES)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        manager: PoolManager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS has pool classes of its own (per-read timeouts only)
            manager.pool_classes_by_scheme = dict(_POOL_CLASSES)
        return manager

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        # The connection picks the limit up when the request is sent and keeps it for reading the answer.
        with armed(Countdown(self.limit, "")):
            return super().send(request, *args, **kwargs)


def deadline_session(limit: RequestLimit, **adapter_kwargs: Any) -> requests.Session:
    """A requests session whose every request ends within ``limit`` (``adapter_kwargs``: e.g. ``max_retries``)."""
    session = requests.Session()
    adapter = DeadlineAdapter(limit, **adapter_kwargs)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
