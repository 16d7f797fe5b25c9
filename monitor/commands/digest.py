"""CLI command: ``monitor digest`` (the weekly digest per school, and per board)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from monitor.commands.options import ConfigOption, load
from monitor.words import count

if TYPE_CHECKING:
    from monitor.digest import DigestResult

KINDS = {"digest": "weekoverzicht", "veiligheid": "veiligheid", "bestuur": "bestuur"}


def register(app: typer.Typer) -> None:
    """Add this feature's commands to ``app``."""
    app.command("digest")(digest)


def digest(
    school: Annotated[str | None, typer.Option("--school", help="Alleen deze school (id); dan geen bestuursoverzicht.")]
    = None,
    week: Annotated[
        str | None, typer.Option("--week", help="ISO-week, bijv. 2026-W47 (standaard: de vorige, volledige week).")
    ] = None,
    send: Annotated[bool, typer.Option("--send", help="Verstuur de digests per e-mail (vraagt [smtp]); wat voor deze "
                                       "week al verzonden is, wordt overgeslagen.")] = False,
    resend: Annotated[bool, typer.Option("--resend", help="Verstuur ook digests die voor deze week al verzonden zijn "
                                         "(de ontvangers krijgen ze dan nog een keer); betekent ook --send.")] = False,
    config: ConfigOption = None,
) -> None:
    """Maak het weekoverzicht per school (HTML en tekst in de gegevensmap) en verstuur het met --send."""
    from monitor.digest import run_digests
    from monitor.digest.weeks import parse_week
    from monitor.errors import MonitorError
    from monitor.report import err
    from monitor.store import Store

    cfg = load(config)
    if week is not None:
        try:
            week = parse_week(week)
        except MonitorError as exc:  # wrong usage: exit code 2, like other usage errors
            typer.echo(f"fout: {exc}", err=True)
            raise typer.Exit(2) from None
    if school is not None:
        cfg.school(school)

    def progress(result: DigestResult) -> None:
        err.print(f"{result.school_id} ({KINDS.get(result.kind, result.kind)}): {_status(result, cfg.timezone)}",
                  markup=False)

    results = run_digests(cfg, Store(cfg.data_dir), week=week, school_id=school, send=send or resend, resend=resend,
                          progress=progress)
    print_results(results, cfg.timezone)
    _explain_skipped(results, school)
    failed = [r for r in results if r.status == "mislukt"]
    if failed:
        names = ", ".join(f"{r.school_id} ({KINDS.get(r.kind, r.kind)})" for r in failed)
        raise MonitorError(
            f"{len(failed)} van {count(len(results), 'digest')} niet verzonden: {names}. De reden staat hierboven; de "
            f"bestanden staan wel klaar. Verstuur opnieuw met: monitor digest --week {results[0].week}"
            f"{f' --school {school}' if school else ''} --send (wat al verzonden is, wordt dan overgeslagen)"
        )


def _status(result: DigestResult, timezone: str) -> str:
    from monitor.digest.run import ALREADY_SENT
    from monitor.digest.status import local_time

    if result.status == ALREADY_SENT and result.sent_before is not None:
        return f"al verzonden op {local_time(result.sent_before, timezone)}, niet opnieuw verstuurd"
    return result.status


def _explain_skipped(results: list[DigestResult], school: str | None) -> None:
    from monitor.digest.run import ALREADY_SENT
    from monitor.report import out

    skipped = [r for r in results if r.status == ALREADY_SENT]
    if skipped:
        only = f" --school {school}" if school else ""
        out.print(f"{len(skipped)} digest(s) van week {skipped[0].week} waren al verzonden en zijn niet nog eens "
                  "verstuurd (de bestanden zijn wel opnieuw gemaakt). Wilt u ze toch nog een keer versturen (de "
                  f"ontvangers krijgen ze dan twee keer): monitor digest --week {skipped[0].week}{only} --resend",
                  markup=False, soft_wrap=True)


def print_results(results: list[DigestResult], timezone: str = "Europe/Amsterdam") -> None:
    from rich.table import Table

    from monitor.report import out

    if not results:
        out.print("Geen digests gemaakt.")
        return
    table = Table(title=f"Digests week {results[0].week}", title_justify="left")
    for column in ("school", "soort", "bestand", "ontvangers", "status"):
        table.add_column(column, overflow="fold")
    for result in results:
        table.add_row(result.school_id, KINDS.get(result.kind, result.kind), result.html_path.name,
                      ", ".join(result.recipients) or "-", _status(result, timezone))
    out.print(table)
    for result in results:
        if result.error:
            out.print(f"{result.school_id} ({KINDS.get(result.kind, result.kind)}): {result.error}",
                      markup=False, soft_wrap=True)
    out.print(f"De bestanden (HTML en tekst) staan in {results[0].html_path.parent}; open de HTML in een browser.",
              markup=False, soft_wrap=True)
