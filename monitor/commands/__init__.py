"""Every command of ``monitor``, one module per command group (``monitor/cli.py`` only assembles them).

Each module has ``register(app)``, which adds its commands; imports inside the commands stay lazy so that
``monitor --help`` stays instant.
"""

from __future__ import annotations

import typer


def register_all(app: typer.Typer) -> None:
    from monitor.commands import (
        alert,
        classify,
        collect,
        dashboard,
        digest,
        model,
        privacy,
        review,
        service,
        setup,
        status,
        users,
        web,
    )

    for module in (setup, collect, classify, review, digest, alert, dashboard, service, web, privacy, status, users,
                   model):
        module.register(app)
