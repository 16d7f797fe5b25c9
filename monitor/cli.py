"""The ``monitor`` command: this module only assembles the app from ``monitor/commands/`` (one module per command
group) and configures logging and output; heavy imports happen inside the commands, so ``monitor --help`` is
instant."""

from __future__ import annotations

import logging
import os
import sys
from typing import Annotated

import typer

from monitor.commands import register_all
from monitor.commands.dutch import install as speak_dutch
from monitor.errors import MonitorError, describe_os_error

speak_dutch()
app = typer.Typer(
    name="monitor",
    help="school-monitor: volg wat er openbaar over je school gezegd wordt, om het in het echt te bespreken.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _setup_logging(verbose: bool) -> None:
    level_name = "DEBUG" if verbose else os.environ.get("MONITOR_LOG_LEVEL", "WARNING").upper()
    level = logging.getLevelName(level_name)
    if not isinstance(level, int):
        level = logging.WARNING
    logging.basicConfig(stream=sys.stderr, level=level, format="%(levelname)s %(name)s: %(message)s")
    if not verbose:
        # urllib3 warns on every retry; the source's result already says what went wrong.
        logging.getLogger("urllib3").setLevel(max(level, logging.ERROR))


@app.callback()
def _main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Toon uitgebreide logregels.")] = False,
) -> None:
    _setup_logging(verbose)


register_all(app)


def main() -> None:
    try:
        app()
    except MonitorError as exc:  # raised outside typer's own handling, so exit here
        typer.echo(f"fout: {exc}", err=True)
        sys.exit(exc.exit_code)
    except OSError as exc:  # the machine: disk full, read-only, no permission; never a traceback
        typer.echo(f"fout: {describe_os_error(exc)}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("fout: afgebroken", err=True)
        sys.exit(130)
