"""ISO weeks as the digest uses them ("2026-W47", Dutch local time, Monday to Sunday)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor.errors import MonitorError

WEEK_FORMAT = re.compile(r"^(\d{4})-W(\d{2})$")
LOCAL_TZ = ZoneInfo("Europe/Amsterdam")  # the store's weeks are Dutch weeks (see store.schema.iso_week)


def parse_week(text: str) -> str:
    """A valid ISO week such as '2026-W47' (also accepts '2026-w47'); a Dutch error otherwise."""
    cleaned = text.strip().upper()
    match = WEEK_FORMAT.match(cleaned)
    if match:
        try:
            date.fromisocalendar(int(match[1]), int(match[2]), 1)
            return cleaned
        except ValueError:
            pass
    raise MonitorError(
        f"'{text}' is geen geldige week. Schrijf een ISO-week als 2026-W47 (jaar, -W, weeknummer met twee cijfers; "
        "een jaar heeft week 01 tot 52 of 53)."
    )


def monday(week: str) -> date:
    year, number = parse_week(week).split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def week_of(day: date) -> str:
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


def previous_weeks(week: str, count: int) -> list[str]:
    """The ``count`` weeks before ``week``, oldest first."""
    start = monday(week)
    return [week_of(start - timedelta(weeks=k)) for k in range(count, 0, -1)]


def last_complete_week(timezone: str, now: datetime | None = None) -> str:
    """The most recent week that has ended, in the configured timezone."""
    moment = (now or datetime.now(UTC)).astimezone(ZoneInfo(timezone))
    return week_of(moment.date() - timedelta(days=7))


def week_bounds(week: str) -> tuple[datetime, datetime]:
    """[start, end) of the week in UTC: Monday 00:00 to the next Monday 00:00, Dutch time."""
    start = datetime.combine(monday(week), time(), tzinfo=LOCAL_TZ)
    end = datetime.combine(monday(week) + timedelta(weeks=1), time(), tzinfo=LOCAL_TZ)
    return start.astimezone(UTC), end.astimezone(UTC)


def week_label(week: str, template: str, months: list[str]) -> str:
    """'week 47 (16 t/m 22 november 2026)' in the digest's language; the month and year only where needed."""
    start = monday(week)
    end = start + timedelta(days=6)
    first = str(start.day)
    if start.month != end.month or start.year != end.year:
        first += f" {months[start.month - 1]}"
    if start.year != end.year:
        first += f" {start.year}"
    return template.format(number=int(week[-2:]), start=first, end=f"{end.day} {months[end.month - 1]} {end.year}")
