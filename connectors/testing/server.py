"""A real HTTP server on 127.0.0.1 with scripted answers, for tests and the offline demo.

Each path answers from a queue of replies (the last one repeats) or from a callable that sees the request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the body is sent (to test timeouts)
    chunked: bool = False  # send without Content-Length
    trickle: float = 0.0  # seconds between the bytes of the body: a server that sends one byte at a time


@dataclass
class SeenRequest:
    path: str
    headers: dict[str, str]  # lower-case names
    method: str = "GET"
    body: bytes = b""


class LocalServer:
    """Answers each path from a queue of replies (the last one repeats) or from a callable."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply] | Callable[[SeenRequest], Reply]] = {}
        self.requests: list[SeenRequest] = []
        self.stop = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def do_HEAD(self) -> None:
                self._answer()

            # Write methods are answered too (404 unless a route says otherwise), so a test sees any attempt.
            do_PUT = do_PATCH = do_DELETE = do_POST  # noqa: N815

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                seen = SeenRequest(self.path, headers, self.command, body)
                owner.requests.append(seen)
                reply = owner.reply_for(seen)
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                if reply.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                else:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.delay:
                    owner.stop.wait(reply.delay)
                if self.command == "HEAD" and not reply.chunked:
                    return
                size = 1 if reply.trickle else 65536
                try:
                    for start in range(0, len(reply.body), size):
                        chunk = reply.body[start : start + size]
                        framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if reply.chunked else chunk
                        self.wfile.write(framed)
                        if reply.trickle and owner.stop.wait(reply.trickle):
                            return  # the server is shutting down
                    if reply.chunked:
                        self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def reply_for(self, seen: SeenRequest) -> Reply:
        route = self.routes.get(seen.path.split("?")[0])
        if route is None:
            return Reply(404, b"not found")
        if callable(route):
            return route(seen)
        return route.pop(0) if len(route) > 1 else route[0]

    def add(self, path: str, *replies: Reply) -> str:
        self.routes[path] = list(replies)
        return self.url + path

    def hits(self, path: str) -> list[SeenRequest]:
        return [r for r in self.requests if r.path.split("?")[0] == path]


@contextmanager
def running_server() -> Iterator[LocalServer]:
    server = LocalServer()
    thread = threading.Thread(target=server.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        server.httpd.shutdown()
        server.httpd.server_close()
