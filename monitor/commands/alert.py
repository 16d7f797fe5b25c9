"""CLI command: ``monitor alert`` (immediate safety alerts to the schools' safety contacts)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from monitor.commands.options import ConfigOption, load
from monitor.words import count

if TYPE_CHECKING:
    from monitor.alerts import AlertOutcome, AlertRun

LABELS = {"verzonden": "verzonden", "mislukt": "mislukt", "wacht": "wacht (geen safety_recipients)",
          "te-verzenden": "zou verstuurd worden"}


def register(app: typer.Typer) -> None:
    """Add this feature's commands to ``app``."""
    app.command("alert")(alert)


def alert(
    send: Annotated[bool, typer.Option("--send", help="Verstuur de meldingen per e-mail (vraagt [smtp]).")] = False,
    config: ConfigOption = None,
) -> None:
    """Meld nieuw gemarkeerde veiligheidssignalen direct aan de veiligheidscontactpersoon van de school.

    Zonder --send toont het welke meldingen klaarstaan en verstuurt het niets. Elk bericht wordt één keer gemeld;
    een mislukte verzending wordt de volgende keer opnieuw geprobeerd."""
    from monitor.alerts import FAILED, run_alerts
    from monitor.errors import MonitorError
    from monitor.report import err
    from monitor.store import Store

    cfg = load(config)

    def progress(outcome: AlertOutcome) -> None:
        err.print(f"{outcome.alert.school_id} ({outcome.alert.ref}): {LABELS[outcome.status]}", markup=False)

    run = run_alerts(cfg, Store(cfg.data_dir), send=send, progress=progress)
    print_alert_run(run, send, cfg.timezone)
    if run.failed:
        raise MonitorError(f"{count(run.count(FAILED), 'veiligheidsmelding')} niet verzonden; de reden staat "
                           "hierboven. Ze worden bij de volgende run opnieuw geprobeerd (of nu: monitor alert --send).")


def print_alert_run(run: AlertRun, send: bool, timezone: str) -> None:
    from zoneinfo import ZoneInfo

    from rich.table import Table

    from monitor.report import out

    if not run.outcomes:
        out.print("Geen nieuwe veiligheidssignalen om te melden.")
        return
    table = Table(title="Veiligheidsmeldingen", title_justify="left")
    for column in ("school", "kenmerk", "categorie", "geplaatst", "ontvangers", "status"):
        table.add_column(column, overflow="fold")
    for outcome in run.outcomes:
        a = outcome.alert
        posted = a.created_at.astimezone(ZoneInfo(timezone)).strftime("%d-%m-%Y %H:%M")
        table.add_row(a.school_id, a.ref, ", ".join(a.categories), posted, str(outcome.recipients or "-"),
                      LABELS[outcome.status])
    out.print(table)
    for outcome in run.outcomes:
        if outcome.error:
            out.print(f"{outcome.alert.school_id} ({outcome.alert.ref}): {outcome.error}", markup=False,
                      soft_wrap=True)
    if not send and run.count("te-verzenden"):
        out.print("Er is niets verstuurd. Verstuur met: monitor alert --send", markup=False)
