"""Digest deliveries in ``monitor status``: the newest per school and kind, failures highlighted with what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from monitor.store import Store

STYLES = {"verzonden": "green", "mislukt": "bold red", "niet-verzonden": "yellow"}


def print_deliveries(store: Store) -> None:
    """A table of the newest delivery per (school, kind); for each failed one: where the digest is and how to
    send it again."""
    from monitor.digest.mail import delivery_status
    from monitor.report import out

    latest = delivery_status(store)
    if latest.empty:
        out.print("Digests: nog geen digest gemaakt of verzonden.")
        return
    table = Table(title="Digests (laatste per school en soort)", title_justify="left")
    for column in ("school", "soort", "week", "status", "pogingen", "fout"):
        table.add_column(column, justify="right" if column == "pogingen" else "left", overflow="fold")
    advice = []
    data_dir = store.root.parent
    for row in latest.itertuples():
        status = str(row.status)
        style = STYLES.get(status, "")
        error = str(row.error or "")
        table.add_row(
            Text(str(row.school_id), style=style if status == "mislukt" else ""),
            str(row.kind), str(row.week), Text(status, style=style), str(row.attempts), Text(error or "-"),
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
