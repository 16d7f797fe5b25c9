"""CLI command ``monitor classify``: sort stored posts with the Dutch model."""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.commands.options import ConfigOption, load


def register(app: typer.Typer) -> None:
    """Add this feature's commands to ``app``."""
    app.command()(classify)


def classify(
    rescore: Annotated[bool, typer.Option("--rescore", help="Alles opnieuw scoren met het huidige model.")] = False,
    config: ConfigOption = None,
) -> None:
    """Sorteer opgeslagen berichten op sentiment en protocolcategorie (offline Nederlands model)."""
    from monitor.classify import classify as run_classify
    from monitor.report import ClassifyReporter, print_classify
    from monitor.store import Store

    cfg = load(config)
    with ClassifyReporter() as reporter:
        result = run_classify(cfg, Store(cfg.data_dir), rescore=rescore, progress=reporter.update)
    print_classify(result)
