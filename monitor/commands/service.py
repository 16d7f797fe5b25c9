"""CLI command ``monitor run``: the service that collects, classifies, sends the digest and rebuilds the dashboard
on the schedule in ``[scheduler]``. See docs/operations.md."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from monitor.commands.options import ConfigOption, load


def register(app: typer.Typer) -> None:
    """Add this feature's commands to ``app``."""

    @app.command("run")
    def run(
        config: ConfigOption = None,
        health_port: Annotated[
            int | None,
            typer.Option("--health-port", min=0, max=65535,
                         help="/healthz en /metrics op 127.0.0.1:POORT (gaat voor [scheduler] health_port; 0: vrij).",
                         show_default=False),
        ] = None,
        only: Annotated[
            list[str] | None,
            typer.Option("--only", hidden=True,
                         help="Alleen deze taaktypen (collect, classify, alert, dashboard, digest, purge, recheck); "
                              "voor testen en beheer."),
        ] = None,
        time_scale: Annotated[
            float,
            typer.Option("--time-scale", hidden=True, min=1.0,
                         help="Testen: een minuut uit [scheduler] en every_minutes duurt 60/N seconden."),
        ] = 1.0,
    ) -> None:
        """Start de dienst: haalt op, sorteert, maakt de digest en het dashboard volgens [scheduler]."""
        import os

        from monitor.scheduler.logs import configure, level_from_env
        from monitor.scheduler.plan import parse_kinds
        from monitor.scheduler.run import run_service

        verbose = logging.getLogger().level == logging.DEBUG  # set by -v
        cfg = load(config)
        kinds = parse_kinds(only)
        configure(cfg, level_from_env(verbose), cfg.scheduler.json_logs)
        result = run_service(cfg, kinds, health_port, time_scale)
        if result.forced:  # a job thread is still running: do not wait for it
            logging.shutdown()
            os._exit(result.exit_code)
        raise typer.Exit(result.exit_code)
