"""Digest deliveries in ``monitor status``: per school and kind the newest week's send outcome (a digest made again
later stays ``verzonden``, with when its file was made again), failures highlighted with what to do."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from monitor.store import Store

STYLES = {"verzonden": "green", "mislukt": "bold red", "niet-verzonden": "yellow"}


def local_time(moment: Any, timezone: str) -> str:
    """A UTC timestamp as Dutch local time for staff: ``23-11-2026 07:31``."""
    from zoneinfo import ZoneInfo

    value = moment.to_pydatetime() if hasattr(moment, "to_pydatetime") else moment
    return f"{value.astimezone(ZoneInfo(timezone)):%d-%m-%Y %H:%M}" if isinstance(value, datetime) else "-"


def print_deliveries(store: Store, timezone: str = "Europe/Amsterdam") -> None:
    """A table of the newest week's delivery per (school, kind); for each failed one: where the digest is and how
    to send it again."""
    from monitor.digest.mail import delivery_status
    from monitor.report import out

    latest = delivery_status(store)
    if latest.empty:
        out.print("Digests: nog geen digest gemaakt of verzonden.")
        return
    table = Table(title="Digests (laatste per school en soort)", title_justify="left")
    for column in ("school", "soort", "week", "status", "wanneer", "pogingen", "fout"):
        table.add_column(column, justify="right" if column == "pogingen" else "left", overflow="fold")
    advice = []
    data_dir = store.root.parent
    for row in latest.itertuples():
        status = str(row.status)
        style = STYLES.get(status, "")
        error = str(row.error or "")
        table.add_row(
            Text(str(row.school_id), style=style if status == "mislukt" else ""),
            str(row.kind), str(row.week), Text(status, style=style), _when(row, timezone), str(row.attempts),
            Text(error or "-"),
        )
        if status == "mislukt":
            where = data_dir / str(row.path) if row.path else data_dir / "digests" / str(row.week)
            advice.append(
                Text(f"{row.school_id} ({row.kind}, {row.week}): de digest staat in {where}; verstuur opnieuw met "
                     f"monitor digest --week {row.week} --send", style="red")
            )
    out.print(table)
    for line in advice:
        out.print(line, soft_wrap=True)


def _when(row: Any, timezone: str) -> str:
    """When the outcome was recorded; and when the saved file was made again after it, if it was."""
    text = local_time(row.at, timezone)
    if row.rendered_at > row.at:
        text += f" (bestand opnieuw gemaakt {local_time(row.rendered_at, timezone)})"
    return text
