"""Immediate safety alerts in ``monitor status``: per school sent, failed (red) and waiting, and loudly which schools
cannot be alerted at all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from monitor.words import count

if TYPE_CHECKING:
    from monitor.config import Config
    from monitor.store import Store


def print_alerts(config: Config, store: Store) -> None:
    from monitor.alerts import FAILED, SENT, alert_history, pending_alerts
    from monitor.report import out

    if not config.alerts.enabled:
        out.print("Veiligheidsmeldingen: uit ([alerts] enabled = false); signalen staan alleen in de weekdigest.")
        return
    history = alert_history(store)
    pending = pending_alerts(config, store)
    failed_keys = {(k, s) for k, s, st in zip(history.get("post_key", []), history.get("school_id", []),
                                              history.get("status", []), strict=True) if st == FAILED}
    table = Table(title=f"Veiligheidsmeldingen ({', '.join(config.alerts.categories)})", title_justify="left")
    for column in ("school", "verzonden", "mislukt", "wachten", "ontvangers"):
        table.add_column(column, justify="left" if column == "school" else "right")
    warnings: list[Text] = []
    for school in config.schools:
        mine = history[history["school_id"] == school.id] if not history.empty else history
        sent = int((mine["status"] == SENT).sum()) if not mine.empty else 0
        failed = int((mine["status"] == FAILED).sum()) if not mine.empty else 0
        waiting = sum(a.school_id == school.id and (a.post_key, a.school_id) not in failed_keys for a in pending)
        table.add_row(school.id, str(sent), Text(str(failed), style="bold red" if failed else ""),
                      Text(str(waiting), style="bold red" if waiting and not school.safety_recipients else ""),
                      Text(str(len(school.safety_recipients)) if school.safety_recipients else "GEEN", style=""
                           if school.safety_recipients else "bold red"))
        if not school.safety_recipients:
            waits = count(waiting, "veiligheidsmelding")
            warnings.append(Text(f"LET OP: {school.id} heeft geen safety_recipients; wachtend: {waits}. Zet bij deze "
                                 "school in monitor.toml: safety_recipients = [\"naam@school.nl\"].", style="bold red"))
    out.print(table)
    for row in history[history["status"] == FAILED].itertuples() if not history.empty else ():
        warnings.append(Text(f"{row.school_id}: melding {_ref(str(row.post_key))} niet verzonden ({row.error}); "
                             "wordt bij de volgende run opnieuw geprobeerd, of nu met: monitor alert --send",
                             style="red"))
    if config.smtp is None:
        warnings.append(Text("Geen [smtp]-sectie: veiligheidsmeldingen worden niet verzonden.", style="bold red"))
    for line in warnings:
        out.print(line, soft_wrap=True)


def _ref(post_key: str) -> str:
    from monitor.review import post_ref

    return post_ref(post_key)
