"""The hard limit per HTTP request (connectors/deadline.py) for requests and httpx, against servers that trickle.

Timing: the limit is 4 × 1 s, a trickle would take a minute or more; the bounds below are generous on purpose
(a loaded 2-core machine), only "far sooner than the trickle" is asserted.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import requests

from connectors.deadline import DeadlineExceededError, RequestLimit, deadline_error, deadline_session
from connectors.deadline_httpx import deadline_transport
from tests.conftest import LocalServer, Reply

LIMIT = RequestLimit("trage-bron", 1.0)  # a request may take 4 s
TRICKLE = 0.1  # seconds between bytes: well within the 1 s read timeout, so only the total limit can stop it
BODY = b"x" * 600  # 60 s at that pace
SOONER_THAN_THE_TRICKLE = 30.0


def timed(call: Callable[[], object]) -> tuple[BaseException, float]:
    started = time.monotonic()
    with pytest.raises(Exception) as caught:  # noqa: PT011 - the type is checked by the caller
        call()
    return caught.value, time.monotonic() - started


def requests_get(url: str) -> Callable[[], object]:
    session = deadline_session(LIMIT)
    return lambda: session.get(url, timeout=(1.0, LIMIT.timeout_seconds)).content


def httpx_get(url: str) -> Callable[[], object]:
    client = httpx.Client(transport=deadline_transport(LIMIT, url), timeout=LIMIT.timeout_seconds)
    return lambda: client.get(url).content


CLIENTS = {"requests": requests_get, "httpx": httpx_get}


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_trickled_body_is_cut_off_at_the_limit(local_server: LocalServer, client: str, chunked: bool) -> None:
    url = local_server.add("/traag", Reply(body=BODY, trickle=TRICKLE, chunked=chunked))
    error, elapsed = timed(CLIENTS[client](url))
    assert isinstance(error, DeadlineExceededError), repr(error)
    assert str(error) == (
        "bron trage-bron: de server 127.0.0.1 stuurde na 4 s nog steeds gegevens; afgebroken "
        "(timeout_seconds = 1; een verzoek mag hoogstens 4 × zo lang duren)"
    )
    assert elapsed < SOONER_THAN_THE_TRICKLE


@pytest.fixture
def header_trickler() -> Iterator[str]:
    """A server that answers with a status line and then one header byte at a time, without end."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                try:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Traag: ")
                    while not stop.wait(TRICKLE):
                        conn.sendall(b"a")
                except OSError:
                    continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    stop.set()
    listener.close()


@pytest.mark.parametrize("client", CLIENTS)
def test_trickled_headers_are_cut_off_at_the_limit(header_trickler: str, client: str) -> None:
    error, elapsed = timed(CLIENTS[client](header_trickler))
    assert isinstance(error, DeadlineExceededError), repr(error)
    assert elapsed < SOONER_THAN_THE_TRICKLE


@pytest.mark.parametrize("client", CLIENTS)
def test_a_silent_server_is_an_ordinary_timeout_that_may_be_retried(local_server: LocalServer, client: str) -> None:
    url = local_server.add("/stil", Reply(body=b"{}", delay=30))
    error, _ = timed(CLIENTS[client](url))
    assert not isinstance(error, DeadlineExceededError)
    assert isinstance(error, requests.exceptions.ConnectionError | httpx.TimeoutException), repr(error)


def test_the_limit_counts_per_request_and_connections_are_reused(local_server: LocalServer) -> None:
    quick = local_server.add("/snel", Reply(body=b"ok"))
    session = deadline_session(LIMIT)
    client = httpx.Client(transport=deadline_transport(LIMIT, quick))
    for _ in range(3):
        assert session.get(quick, timeout=1.0).content == b"ok"
        assert client.get(quick).content == b"ok"
    slow = local_server.add("/traag", Reply(body=BODY, trickle=TRICKLE))
    with pytest.raises(DeadlineExceededError):
        session.get(slow, timeout=1.0)
    assert session.get(quick, timeout=1.0).content == b"ok", "a cut-off connection is not reused"


class WrapperError(Exception):
    """Like prawcore's RequestException: the cause in ``original_exception``."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(str(original))
        self.original_exception = original


def wrapped_like_mastodon(cause: BaseException) -> RuntimeError:
    """Like Mastodon.py: a new exception raised while handling the cause (so the cause is its ``__context__``)."""
    wrapped = RuntimeError("Could not complete request")
    wrapped.__context__ = cause
    return wrapped


def test_the_error_is_found_behind_a_library_wrapper() -> None:
    cut = LIMIT.error("example.org")
    assert deadline_error(wrapped_like_mastodon(cut)) is cut
    assert deadline_error(WrapperError(cut)) is cut
    assert deadline_error(ValueError("x")) is None
