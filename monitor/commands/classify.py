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
    cluster: Annotated[
        str | None,
        typer.Option("--cluster", metavar="local:N|tcp://HOST:PORT",
                     help="Reken op een Dask-cluster: N werkers op deze machine, of een draaiende scheduler."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Sorteer opgeslagen berichten op sentiment en protocolcategorie (offline Nederlands model)."""
    from monitor.classify import classify as run_classify
    from monitor.report import ClassifyReporter, print_classify, print_workers
    from monitor.store import Store

    cfg = load(config)
    spec = cluster or cfg.cluster.scheduler
    if spec is None:
        with ClassifyReporter() as reporter:
            result = run_classify(cfg, Store(cfg.data_dir), rescore=rescore, progress=reporter.update)
        print_classify(result)
        return
    from monitor.cluster import cluster_classifier, open_cluster

    with open_cluster(spec, worker_cache=cfg.data_dir / "cache") as client:
        classifier = cluster_classifier(client, cfg.model, cfg.data_dir)
        with ClassifyReporter() as reporter:
            result = run_classify(cfg, Store(cfg.data_dir), rescore=rescore, progress=reporter.update,
                                  classifier=classifier)
    print_classify(result)
    print_workers(classifier.workers)
