"""What every page needs: the config, the store, who is logged in, and rendering with the web templates."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.web.security import SESSION_COOKIE, LoginThrottle, Session, Sessions, cookie_options

if TYPE_CHECKING:
    from jinja2 import Environment
    from starlette.requests import Request
    from starlette.responses import Response

    from monitor.config import Config
    from monitor.store import Store
    from monitor.web.users import User, UserStore

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "web"


class Refused(Exception):  # noqa: N818 - a refusal, not an error of the app
    """A page this user may not see: 403 (or the login page when nobody is logged in). ``message`` is a key of
    ``monitor.web.texts`` (or a finished text)."""

    def __init__(self, status: int = 403, message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class WebContext:
    config: Config
    sessions: Sessions
    throttle: LoginThrottle
    secure: bool

    @property
    def store(self) -> Store:
        from monitor.store import Store

        return Store(self.config.data_dir)

    @property
    def users(self) -> UserStore:
        from monitor.web.users import UserStore

        return UserStore(self.config.data_dir)

    @property
    def texts(self) -> dict[str, Any]:
        from monitor.web.texts import texts

        return texts(self.config.language)

    def over_tls(self, request: Request) -> bool:
        """Behind the TLS proxy (X-Forwarded-Proto https, trusted from 127.0.0.1 only) cookies get ``Secure``."""
        return self.secure or request.url.scheme == "https"

    def password_changed(self, name: str) -> float | None:
        user = self.users.get(name)
        return datetime.fromisoformat(user.password_changed_at).timestamp() if user is not None else None

    def who(self, request: Request) -> tuple[User, Session] | None:
        session = self.sessions.read(request.cookies.get(SESSION_COOKIE), self.password_changed)
        if session is None:
            return None
        user = self.users.get(session.user)
        return (user, session) if user is not None else None

    def need(self, request: Request, *roles: str) -> tuple[User, Session]:
        """The logged-in user with one of ``roles``; Refused(401) without a session, Refused(403) for another role."""
        found = self.who(request)
        if found is None:
            raise Refused(401)
        if roles and found[0].role not in roles:
            raise Refused(403, "not_for_role")
        return found

    def render(self, request: Request, template: str, session: Session | None = None, status: int = 200,
               **values: Any) -> Response:
        from starlette.responses import HTMLResponse

        found = self.who(request) if session is None else None
        user = values.pop("user", None) or (found[0] if found else None)
        session = session or (found[1] if found else None)
        page = environment().get_template(template).render(user=user, csrf=session.csrf if session else "",
                                                           language=self.config.language, w=self.texts, **values)
        response = HTMLResponse(page, status_code=status)
        if session is not None:  # sliding idle expiry: every page view renews the cookie
            response.set_cookie(SESSION_COOKIE, self.sessions.cookie(session),
                                **cookie_options(self.over_tls(request)))
        return response


@functools.cache
def environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    from monitor.review import post_ref

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"], default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["ref"] = lambda key: post_ref(str(key))
    return env
