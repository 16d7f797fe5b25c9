"""Command groups beyond the core ones in ``monitor/cli.py``, one module per feature.

Each module has ``register(app)``, which adds its commands; imports inside the commands stay lazy so that
``monitor --help`` stays instant.
"""

from __future__ import annotations

import typer


def register_all(app: typer.Typer) -> None:
    from monitor.commands import alert, dashboard, digest, model, privacy, service

    for module in (model, digest, alert, dashboard, service, privacy):
        module.register(app)
