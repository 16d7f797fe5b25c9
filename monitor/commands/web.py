"""CLI command ``monitor web``: the web app for school staff (agenda, safety lane, trends, beheer)."""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.commands.options import ConfigOption, load


def register(app: typer.Typer) -> None:
    """Add this feature's commands to ``app``."""
    app.command()(web)


def web(
    host: Annotated[str | None, typer.Option("--host", help="Adres (standaard [web] host, 127.0.0.1: alleen deze "
                                              "computer).")] = None,
    port: Annotated[int | None, typer.Option("--port", min=1, max=65535, help="Poort (standaard [web] port, 8080).")]
    = None,
    config: ConfigOption = None,
) -> None:
    """Start de webapp: inloggen, de agenda van de week, de veiligheidslijn en de trends, elk voor de juiste rol."""
    from monitor.report import out
    from monitor.web.app import serve

    cfg = load(config)
    chosen_host = host or cfg.web.host
    if chosen_host not in ("127.0.0.1", "localhost", "::1"):
        out.print(f"Let op: de webapp luistert op {chosen_host}, dus ook voor andere computers. Zet er een "
                  "TLS-proxy voor (docs/operations.md); zonder TLS gaan wachtwoorden onversleuteld over het net.",
                  markup=False, soft_wrap=True)
    serve(cfg, chosen_host, port or cfg.web.port,
          announce=lambda url: out.print(f"De webapp staat op {url} . Ctrl-C stopt.", markup=False, soft_wrap=True))
    out.print("Gestopt.")
