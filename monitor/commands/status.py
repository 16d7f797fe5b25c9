"""CLI command ``monitor status``: sources, posts per school, deliveries, alerts, the service's jobs, store size."""

from __future__ import annotations

import typer

from monitor.commands.options import ConfigOption, load


def register(app: typer.Typer) -> None:
    """Add this feature's commands to ``app``."""
    app.command()(status)


def status(config: ConfigOption = None) -> None:
    """Per bron: laatste run, nieuwe berichten en fouten; en hoe groot de opslag is."""
    from monitor.report import print_status
    from monitor.store import Store

    cfg = load(config)
    print_status(cfg, Store(cfg.data_dir))
