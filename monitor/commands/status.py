"""CLI commands ``monitor status`` (sources, posts per school, deliveries, alerts, the service's jobs, store size,
the last setup check) and ``monitor check`` (is everything in place)."""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.commands.options import ConfigOption, load


def register(app: typer.Typer) -> None:
    """Add this feature's commands to ``app``."""
    app.command()(status)
    app.command()(check)


def status(config: ConfigOption = None) -> None:
    """Per bron: laatste run, nieuwe berichten en fouten; en hoe groot de opslag is."""
    from monitor.report import print_status
    from monitor.store import Store

    cfg = load(config)
    print_status(cfg, Store(cfg.data_dir))


def check(
    smtp: Annotated[bool, typer.Option("--smtp", help="Ook verbinden met de mailserver en inloggen (verstuurt "
                                       "niets).")] = False,
    sources: Annotated[bool, typer.Option("--sources", help="Ook de eerste pagina van elke bron lezen (slaat niets "
                                          "op).")] = False,
    config: ConfigOption = None,
) -> None:
    """Controleer de installatie: configuratie, geheimen, tijdzone, schijfruimte, ontvangers, model; met --smtp en
    --sources ook de mailserver en de bronnen."""
    from monitor.check import PROBLEM, problems, run_checks
    from monitor.report import print_findings
    from monitor.words import count

    cfg = load(config)  # a config that does not load is the first problem, with its own message
    findings = run_checks(cfg, smtp=smtp, sources=sources)
    print_findings(findings)
    bad = [f for f in findings if f.status == PROBLEM]
    if not (smtp and sources):
        typer.echo("Ook online controleren (mailserver, bronnen): monitor check --smtp --sources")
    if bad:
        typer.echo(f"fout: {count(len(bad), 'probleem')} gevonden; wat te doen staat in de tabel hierboven.",
                   err=True)
        raise typer.Exit(1)
    warnings = problems(findings)
    typer.echo(f"{count(len(warnings), 'waarschuwing')}, geen fouten." if warnings else "Alles in orde.")
