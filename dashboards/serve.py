"""Serve the dashboard folder on 127.0.0.1 only (``monitor dashboard --serve``): for looking at it on this computer.

The page works just as well opened as a file; serving is a convenience. Nothing is listed but the files themselves.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from monitor.errors import MonitorError

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
DEFAULT_PORT = 8765


class DashboardHandler(SimpleHTTPRequestHandler):
    """Static files with no directory listings, no caching and the privacy headers of the page."""

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(404, "Niet gevonden")

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


class DashboardServer(ThreadingHTTPServer):
    daemon_threads = True  # Ctrl-C does not wait for a browser that keeps a connection open

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that goes away mid-download is normal; log it instead of printing a traceback."""
        log.debug("verbinding met %s afgebroken", client_address, exc_info=True)


def make_server(folder: Path, port: int = DEFAULT_PORT) -> ThreadingHTTPServer:
    """A server for ``folder`` bound to 127.0.0.1 (``port`` 0: any free port)."""
    if not (folder / "index.html").exists():
        raise MonitorError(f"In {folder} staat geen dashboard (index.html); maak het met 'monitor dashboard'.")
    handler = functools.partial(DashboardHandler, directory=str(folder))
    try:
        return DashboardServer((HOST, port), handler)
    except OSError as exc:
        raise MonitorError(
            f"Kan niet luisteren op {HOST}:{port} ({exc.strerror or exc}); is de poort al in gebruik? "
            f"Kies een andere met --port."
        ) from None


def url_of(server: ThreadingHTTPServer) -> str:
    return f"http://{HOST}:{server.server_address[1]}/"


def serve(folder: Path, port: int = DEFAULT_PORT, announce: Callable[[str], None] = print) -> None:
    """Serve until Ctrl-C; ``announce`` gets the address first."""
    with make_server(folder, port) as server:
        announce(url_of(server))
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            log.info("dashboardserver gestopt")
