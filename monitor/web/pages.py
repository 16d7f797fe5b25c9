"""The pages of the web app, one function per route; who may see what is decided here (see ``may_open``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from monitor.web.context import Refused, WebContext
from monitor.web.security import LOGIN_COOKIE, SESSION_COOKIE, cookie_options, same

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from monitor.config import School
    from monitor.web.data import PostView
    from monitor.web.users import User

CHART_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,80}\.png$")
AUDIT_SHOWN = 100


def web(request: Request) -> WebContext:
    context: WebContext = request.app.state.web
    return context


def redirect(to: str) -> Response:
    from starlette.responses import RedirectResponse

    return RedirectResponse(to, status_code=303)


async def home(request: Request) -> Response:
    from monitor.web.app import HOME

    found = web(request).who(request)
    return redirect(HOME.get(found[0].role, "/login") if found else "/login")


async def login_form(request: Request, message: str = "", status: int = 200) -> Response:
    context = web(request)
    cookie, token = context.sessions.login_form()
    response = context.render(request, "login.html", status=status, login_token=token, message=message)
    response.set_cookie(LOGIN_COOKIE, cookie, **cookie_options(context.over_tls(request), max_age=15 * 60))
    return response


async def login(request: Request) -> Response:
    from monitor.audit import record
    from monitor.web.app import HOME

    context = web(request)
    form = await request.form()
    name, password = str(form.get("naam", "")).strip().lower(), str(form.get("wachtwoord", ""))
    if not context.sessions.login_form_valid(request.cookies.get(LOGIN_COOKIE), str(form.get("csrf_token", ""))):
        raise Refused(403, "form_expired")
    address = request.client.host if request.client else "?"
    wait = context.throttle.wait_seconds(name, address)
    if wait:
        minutes = max(1, round(wait / 60))
        return await login_form(request, context.texts["too_many"].format(minutes=minutes), 429)
    user = context.users.verify(name, password)
    if user is None:
        context.throttle.failed(name, address)
        record(context.store, "web-login-failed", name or "-", {"adres": address}, actor=name or "-")
        return await login_form(request, context.texts["wrong_login"], 401)
    context.throttle.succeeded(name)
    cookie, _ = context.sessions.start(user.name)
    record(context.store, "web-login", user.name, {"rol": user.role}, actor=user.name)
    response = redirect(HOME[user.role])
    response.set_cookie(SESSION_COOKIE, cookie, **cookie_options(context.over_tls(request)))
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


async def logout(request: Request) -> Response:
    context = web(request)
    found = context.who(request)
    if found is not None:
        await _check_csrf(request, found[1].csrf)
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def agenda(request: Request) -> Response:
    """The week's agenda of one school: the digest's sections without the safety texts."""
    from monitor.web.data import school_week

    context = web(request)
    user, session = context.need(request, "communicatie")
    school, week, choices = _school_and_week(context, request, user)
    data = school_week(context.config, context.store, school, week)
    return context.render(request, "agenda.html", session, user=user, school=school, week=week, schools=choices,
                          data=data)


async def safety(request: Request) -> Response:
    """The safety lane of one school: this week's signals, the open ones from earlier weeks, and the alerts."""
    from monitor.alerts import alert_history
    from monitor.web.data import school_week

    context = web(request)
    user, session = context.need(request, "veiligheid")
    school, week, choices = _school_and_week(context, request, user)
    data = school_week(context.config, context.store, school, week)
    alerts = alert_history(context.store)
    alerts = alerts[alerts["school_id"] == school.id] if not alerts.empty else alerts
    return context.render(request, "safety.html", session, user=user, school=school, week=week, schools=choices,
                          data=data, alerts=alerts.to_dict("records"))


async def post_page(request: Request, message: str = "") -> Response:
    from monitor.audit import record
    from monitor.review import MARKS, STATUSES

    context = web(request)
    user, session = context.need(request, "communicatie", "veiligheid")
    post = _post_for(context, request, user)
    record(context.store, "web-view", post.ref, actor=user.name)
    return context.render(request, "post.html", session, user=user, post=post, marks=MARKS, statuses=STATUSES,
                          message=message)


async def mark_post(request: Request) -> Response:
    from monitor.review import mark

    context = web(request)
    user, session = context.need(request, "communicatie", "veiligheid")
    form = await _check_csrf(request, session.csrf)
    post = _post_for(context, request, user)
    status, note = str(form.get("status", "")), str(form.get("notitie", ""))[:2000]
    mark(context.store, post.post_key, status, note, actor=user.name)  # records review-mark in the audit log
    return redirect(f"/berichten/{post.ref}?gemarkeerd={status}")


async def trends(request: Request) -> Response:
    """Management: the charts and the weekly counts, never a post."""
    from monitor.aggregates import read_weekly

    context = web(request)
    user, session = context.need(request, "management", "beheer")
    folder = context.config.data_dir / "dashboard" / "charts"
    charts = sorted(p.name for p in folder.glob("*.png") if CHART_NAME.match(p.name)) if folder.is_dir() else []
    weekly = read_weekly(context.store)
    totals = weekly[weekly["measure"] == "totaal"].groupby(["school_id", "week"])["posts"].sum().reset_index()
    names = {s.id: s.name for s in context.config.schools}
    rows = [(names.get(str(school), str(school)), str(week), int(posts))
            for school, week, posts in zip(totals["school_id"], totals["week"], totals["posts"], strict=True)
            if user.sees_school(str(school))]
    return context.render(request, "trends.html", session, user=user, charts=charts, rows=rows[-200:])


async def chart(request: Request) -> Response:
    from starlette.responses import FileResponse

    context = web(request)
    context.need(request, "management", "beheer")
    name = str(request.path_params["name"])
    path = context.config.data_dir / "dashboard" / "charts" / name
    if not CHART_NAME.match(name) or not path.is_file():
        raise Refused(404, "no_chart")
    return FileResponse(path, media_type="image/png")


async def admin(request: Request) -> Response:
    """Beheer: users, the last setup check and the audit log (actions and references, no post texts)."""
    from monitor.audit import read_audit
    from monitor.check import last_result

    context = web(request)
    user, session = context.need(request, "beheer")
    audit = read_audit(context.store).tail(AUDIT_SHOWN).iloc[::-1]
    return context.render(request, "admin.html", session, user=user, users=context.users.users(),
                          check=last_result(context.config), audit=audit.to_dict("records"),
                          status_text=_status_text(context))


def _status_text(context: WebContext) -> str:
    """What ``monitor status`` prints (counts, runs, deliveries, jobs; no post texts), as plain text."""
    from monitor.report import out, print_status

    saved = out._width
    out.width = 120
    try:
        with out.capture() as captured:
            print_status(context.config, context.store)
    finally:
        out._width = saved
    return captured.get()


# A saved digest is a standalone page with its own inline styles and embedded chart: shown as it was e-mailed,
# still without any script.
ARCHIVE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'"
WEEK_FOLDER = re.compile(r"^\d{4}-W\d{2}$")


def _archive_stems(context: WebContext, user: User) -> dict[str, str]:
    """File stem -> school name of the saved digests this user may read: the main one for communicatie, the safety
    one for veiligheid, of the user's schools."""
    from monitor.digest.run import MAIN, SAFETY, stem

    kind = MAIN if user.role == "communicatie" else SAFETY
    return {stem(s.id, kind): s.name for s in context.config.schools if user.sees_school(s.id)}


async def archive(request: Request) -> Response:
    context = web(request)
    user, session = context.need(request, "communicatie", "veiligheid")
    stems = _archive_stems(context, user)
    folder = context.config.data_dir / "digests"
    weeks = sorted((p.name for p in folder.iterdir() if p.is_dir() and WEEK_FOLDER.match(p.name)), reverse=True) \
        if folder.is_dir() else []
    saved = [(week, name, school) for week in weeks for name, school in stems.items()
             if (folder / week / f"{name}.html").is_file()]
    return context.render(request, "archive.html", session, user=user, saved=saved)


async def archived(request: Request) -> Response:
    from starlette.responses import HTMLResponse

    context = web(request)
    user, _ = context.need(request, "communicatie", "veiligheid")
    week, name = str(request.path_params["week"]), str(request.path_params["name"])
    path = context.config.data_dir / "digests" / week / f"{name}.html"
    if not WEEK_FOLDER.match(week) or name not in _archive_stems(context, user):
        raise Refused(403, "post_not_for_you")
    if not path.is_file():
        raise Refused(404, "no_post")
    from monitor.audit import record

    record(context.store, "web-view", f"digest {week} {name}", actor=user.name)
    return HTMLResponse(path.read_text(encoding="utf-8"), headers={"Content-Security-Policy": ARCHIVE_CSP})


def may_open(user: User, post: PostView) -> bool:
    """communicatie: non-safety posts of its schools; veiligheid: safety posts of its schools; others: none."""
    from monitor.attention import SAFETY

    if not any(user.sees_school(s) for s in post.schools):
        return False
    if user.role == "communicatie":
        return post.kind != SAFETY
    return user.role == "veiligheid" and post.kind == SAFETY


def _post_for(context: WebContext, request: Request, user: User) -> PostView:
    from monitor.web.data import post_view

    post = post_view(context.config, context.store, str(request.path_params["ref"]))
    if post is None:
        raise Refused(404, "no_post")
    if not may_open(user, post):
        raise Refused(403, "post_not_for_you")
    return post


def _school_and_week(context: WebContext, request: Request, user: User) -> tuple[School, str, list[School]]:
    from monitor.digest.weeks import last_complete_week, parse_week
    from monitor.errors import MonitorError

    choices = [s for s in context.config.schools if user.sees_school(s.id)]
    if not choices:
        raise Refused(403, "no_schools")
    wanted = request.query_params.get("school", choices[0].id)
    school = next((s for s in choices if s.id == wanted), None)
    if school is None:
        raise Refused(403, "school_not_yours")
    try:
        week = parse_week(request.query_params.get("week") or last_complete_week(context.config.timezone))
    except MonitorError as exc:
        raise Refused(400, str(exc)) from None
    return school, week, choices


async def _check_csrf(request: Request, expected: str) -> Any:
    form = await request.form()
    if not same(expected, str(form.get("csrf_token", ""))):
        raise Refused(403, "form_expired")
    return form


async def _refused(request: Request, exc: Exception) -> Response:
    from starlette.responses import HTMLResponse

    assert isinstance(exc, Refused)
    if exc.status == 401:
        return redirect("/login")
    context = web(request)
    w = context.texts
    page = context.render(request, "error.html", status=exc.status, title=w["errors"].get(exc.status, w["error"]),
                          message=w.get(exc.message, exc.message))
    return page if page.status_code == exc.status else HTMLResponse(page.body, status_code=exc.status)


ERRORS: dict[Any, Any] = {Refused: _refused}
