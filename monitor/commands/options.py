"""Options and helpers shared by all command modules."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from monitor.config import Config

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Configuratiebestand (standaard ./monitor.toml of $MONITOR_CONFIG).",
        show_default=False,
    ),
]


def load(config_path: Path | None) -> Config:
    from monitor.config import load_config

    return load_config(config_path)


def fail(message: str, code: int = 1) -> NoReturn:
    """End the command with one ``fout:`` line on stderr and exit code ``code``."""
    typer.echo(f"fout: {message}", err=True)
    raise typer.Exit(code)
