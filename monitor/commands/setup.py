"""CLI commands to get started: ``monitor init``, ``monitor connectors`` and ``monitor demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from monitor.commands.options import ConfigOption


def register(app: typer.Typer) -> None:
    """Add this feature's commands to ``app``."""
    app.command()(init)
    app.command()(connectors)
    app.command()(demo)


def init(
    path: Annotated[Path | None, typer.Argument(help="Waar het bestand komt (standaard: --config).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overschrijf een bestaand bestand.")] = False,
    config: ConfigOption = None,
) -> None:
    """Schrijf een voorbeeldconfiguratie met uitleg (twee fictieve scholen)."""
    from monitor.config import config_path
    from monitor.setup import write_example_config

    path = path or config_path(config)
    write_example_config(path, force=force)
    typer.echo(f"Voorbeeldconfiguratie geschreven naar {path}. Pas scholen en bronnen aan en draai 'monitor collect'.")


def connectors() -> None:
    """Toon de beschikbare brontypen en welke inloggegevens ze nodig hebben."""
    from monitor.report import print_connectors

    print_connectors()


def demo(
    directory: Annotated[Path, typer.Option("--dir", help="Map voor de demogegevens.")] = Path("demo-data"),
) -> None:
    """Draai alles offline van begin tot eind met voorbeeldberichten over twee fictieve scholen."""
    from monitor.demo import run_demo

    run_demo(directory)
