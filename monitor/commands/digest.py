"""CLI command: ``monitor digest`` (the weekly digest per school, and per board)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from monitor.commands.options import ConfigOption, load

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
    send: Annotated[bool, typer.Option("--send", help="Verstuur de digests per e-mail (vraagt [smtp]).")] = False,
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
        err.print(f"{result.school_id} ({KINDS.get(result.kind, result.kind)}): {result.status}", markup=False)

    results = run_digests(cfg, Store(cfg.data_dir), week=week, school_id=school, send=send, progress=progress)
    print_results(results)
    failed = [r for r in results if r.status == "mislukt"]
    if failed:
        names = ", ".join(f"{r.school_id} ({KINDS.get(r.kind, r.kind)})" for r in failed)
        raise MonitorError(
            f"{len(failed)} van {len(results)} digests niet verzonden: {names}. De reden staat hierboven; de "
            f"bestanden staan wel klaar. Verstuur opnieuw met: monitor digest --week {results[0].week} --send"
        )


def print_results(results: list[DigestResult]) -> None:
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
                      ", ".join(result.recipients) or "-", result.status)
    out.print(table)
    for result in results:
        if result.error:
            out.print(f"{result.school_id} ({KINDS.get(result.kind, result.kind)}): {result.error}",
                      markup=False, soft_wrap=True)
    out.print(f"De bestanden (HTML en tekst) staan in {results[0].html_path.parent}; open de HTML in een browser.",
              markup=False, soft_wrap=True)
