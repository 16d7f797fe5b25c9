"""The web app (Starlette): login, then each role its own pages.

- ``communicatie``: the week's agenda per school (the digest's sections, every post once), a post's page with its
  labels and evidence, marking it (besproken, geen-actie, gecorrigeerd, doorgezet-veiligheid) with a note.
- ``veiligheid``: the safety lane of its schools and the alerts; the same post page and marking, for safety posts.
- ``management``: the trend charts and weekly counts; never a post text, link or pseudonym (a post page is 403).
- ``beheer``: users, the last ``monitor check`` and the audit log; no post texts.
A user sees only their schools. Every view of a post and every mark goes to the audit log with the user's name.
Pages are rendered on the server with Jinja2 (autoescape); there is no JavaScript and nothing is loaded from
elsewhere.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.web.security import HEADERS, LoginThrottle, Sessions, secret_key

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

    from monitor.config import Config

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
HOME = {"communicatie": "/agenda", "veiligheid": "/veiligheid", "management": "/trends", "beheer": "/beheer"}


def create_app(config: Config, *, clock: Callable[[], float] | None = None, secure: bool = False) -> Starlette:
    """The ASGI app for ``config``; ``clock`` (seconds) for tests, ``secure`` when served behind TLS."""
    import time

    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from monitor.web import pages
    from monitor.web.context import WebContext

    now = clock or time.time
    context = WebContext(config, Sessions(secret_key(config.data_dir), now), LoginThrottle(now), secure)
    routes = [
        Route("/", pages.home), Route("/login", pages.login_form, methods=["GET"]),
        Route("/login", pages.login, methods=["POST"]), Route("/uitloggen", pages.logout, methods=["POST"]),
        Route("/agenda", pages.agenda), Route("/veiligheid", pages.safety),
        Route("/berichten/{ref}", pages.post_page, methods=["GET"]),
        Route("/berichten/{ref}", pages.mark_post, methods=["POST"]),
        Route("/archief", pages.archive), Route("/archief/{week}/{name}", pages.archived),
        Route("/trends", pages.trends), Route("/trends/grafieken/{name}", pages.chart),
        Route("/beheer", pages.admin),
        Mount("/static", app=StaticFiles(directory=str(STATIC)), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)], exception_handlers=pages.ERRORS)
    app.state.web = context
    return app


class SecurityHeaders:
    """Every answer gets the security headers (CSP without inline script, no framing, no referrer)."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Callable[[dict[str, Any]], Awaitable[None]]
                       ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()
                            if k.lower().encode() not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def server_for(config: Config, host: str, port: int) -> Any:
    """A uvicorn server for the app: trusts X-Forwarded-For/-Proto from a proxy on this machine only."""
    import uvicorn

    app = create_app(config, secure=False)
    return uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                                         proxy_headers=True, forwarded_allow_ips="127.0.0.1", server_header=False))


def serve(config: Config, host: str, port: int, announce: Callable[[str], None]) -> None:
    """Run the app with uvicorn until stopped (Ctrl-C or SIGTERM)."""
    server = server_for(config, host, port)
    announce(f"http://{host}:{port}/")
    server.run()


@contextmanager
def serving_inside_the_service(config: Config) -> Iterator[str | None]:
    """With ``[web] enabled``: the web app in a thread of ``monitor run`` for as long as the block runs; yields its
    address (None when not enabled). A port already in use is a clear error before the service starts."""
    import threading
    import time

    from monitor.errors import MonitorError

    if not config.web.enabled:
        yield None
        return
    server = server_for(config, config.web.host, config.web.port)
    thread = threading.Thread(target=server.run, name="webapp", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise MonitorError(f"De webapp kon niet starten op {config.web.host}:{config.web.port} (poort bezet?). "
                               "Kies een andere [web] port of zet [web] enabled = false.")
        time.sleep(0.05)
    address = f"http://{config.web.host}:{config.web.port}/"
    log.info("webapp: %s", address)
    try:
        yield address
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def login_redirect(request: Request) -> Response:
    from starlette.responses import RedirectResponse

    return RedirectResponse("/login", status_code=303)
