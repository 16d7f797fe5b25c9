"""The per-request wall-clock limit of :mod:`connectors.deadline` for httpx clients (atproto uses httpx).

httpx has timeouts per connect, read, write and pool wait, but none for a whole request. DeadlineTransport is
httpx's own HTTPTransport with a network backend whose streams keep every read (and connect and write) within the
time left; the limit covers the answer's body too, however the caller reads it.
"""

from __future__ import annotations

import ssl
import typing
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from connectors.deadline import Countdown, RequestLimit, active, armed


class _TimedStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        countdown = active()
        if countdown is None:
            return self._inner.read(max_bytes, timeout)
        return countdown.read(timeout, lambda left: self._inner.read(max_bytes, left), httpcore.ReadTimeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        countdown = active()
        self._inner.write(buffer, timeout if countdown is None else countdown.bounded(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        countdown = active()
        bounded = timeout if countdown is None else countdown.bounded(timeout)
        return _TimedStream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _TimedBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        countdown = active()
        bounded = timeout if countdown is None else countdown.bounded(timeout)
        return _TimedStream(self._inner.connect_tcp(host, port, bounded, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: typing.Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        countdown = active()
        bounded = timeout if countdown is None else countdown.bounded(timeout)
        return _TimedStream(self._inner.connect_unix_socket(path, bounded, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _TimedBody(httpx.SyncByteStream):
    """The answer's body, read within the request's countdown whenever the caller reads it."""

    def __init__(self, inner: httpx.SyncByteStream, countdown: Countdown) -> None:
        self._inner = inner
        self._countdown = countdown

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self._inner)
        while True:
            with armed(self._countdown):
                chunk = next(chunks, None)
            if chunk is None:
                return
            yield chunk

    def close(self) -> None:
        self._inner.close()


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's HTTPTransport; each request (its body included) ends within ``limit``."""

    def __init__(self, limit: RequestLimit, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.limit = limit
        pool = self._pool  # httpcore's ConnectionPool (or proxy pool): its connections use this backend
        pool._network_backend = _TimedBackend(pool._network_backend)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        countdown = Countdown(self.limit, request.url.host)
        with armed(countdown):
            response = super().handle_request(request)
        assert isinstance(response.stream, httpx.SyncByteStream)
        response.stream = _TimedBody(response.stream, countdown)
        return response


def deadline_transport(limit: RequestLimit, url: str) -> DeadlineTransport:
    """A DeadlineTransport for requests to ``url``, through the proxy the environment names for it (httpx only
    reads HTTPS_PROXY and friends itself when it builds its own transport)."""
    parts = urlsplit(url)
    proxy = None
    if parts.hostname and not urllib.request.proxy_bypass(parts.hostname):
        proxies = urllib.request.getproxies()
        proxy = proxies.get(parts.scheme) or proxies.get("all")
    return DeadlineTransport(limit, proxy=proxy)
