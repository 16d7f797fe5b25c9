"""CLI command: ``monitor dashboard`` writes the self-contained dashboard and can serve it on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from monitor.commands.options import ConfigOption, load


def register(app: typer.Typer) -> None:
    """Add this feature's commands to ``app``."""
    app.command("dashboard")(dashboard)


def dashboard(
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Map voor het dashboard (standaard <data_dir>/dashboard).", show_default=False),
    ] = None,
    serve: Annotated[
        bool, typer.Option("--serve", help="Toon het daarna op http://127.0.0.1:POORT (Ctrl-C stopt).")
    ] = False,
    port: Annotated[
        int | None,
        typer.Option("--port", min=0, max=65535, help="Poort voor --serve (standaard 8765; --port zet --serve aan).",
                     show_default=False),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Maak het dashboard: trends per school en voor het bestuur, alleen aantallen (werkt offline, ook vanaf een
    netwerkschijf). Met --serve ook te bekijken op 127.0.0.1."""
    from dashboards.build import write_dashboard
    from dashboards.serve import DEFAULT_PORT
    from dashboards.serve import serve as serve_folder
    from monitor.report import out
    from monitor.store import Store

    cfg = load(config)
    index = write_dashboard(cfg, Store(cfg.data_dir), out_dir)
    out.print(f"Dashboard geschreven: {index}", markup=False, soft_wrap=True)
    out.print(f"Grafieken als PNG: {index.parent / 'charts'}; weektabel: {index.parent / 'weekly.xlsx'} (en .csv)",
              markup=False, soft_wrap=True)
    if not serve and port is None:
        out.print(f"Openen in de browser: {index.resolve().as_uri()}", markup=False, soft_wrap=True)
        return
    serve_folder(
        index.parent,
        DEFAULT_PORT if port is None else port,
        announce=lambda url: out.print(f"Het dashboard staat op {url} (alleen op deze computer). Ctrl-C stopt.",
                                       markup=False, soft_wrap=True),
    )
    out.print("Gestopt.")
