"""CLI commands that gather posts: ``monitor collect``, ``monitor import``, ``monitor recheck`` and ``monitor match``
(which school a text is about, and why)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from monitor.commands.options import ConfigOption, fail, load
from monitor.words import count

SourceOption = Annotated[list[str] | None, typer.Option("--source", "-s", help="Alleen deze bron (mag vaker).")]


def register(app: typer.Typer) -> None:
    """Add this feature's commands to ``app``."""
    app.command()(collect)
    app.command("import")(import_)
    app.command()(recheck)
    app.command()(match)


def collect(
    source: SourceOption = None,
    config: ConfigOption = None,
) -> None:
    """Haal nieuwe berichten op bij de bronnen en sla de berichten over je scholen op."""
    from monitor.pipeline import collect as run_collect
    from monitor.report import CollectReporter, print_runs
    from monitor.store import Store

    cfg = load(config)
    with CollectReporter() as reporter:
        runs = run_collect(cfg, Store(cfg.data_dir), source, reporter)
    print_runs(runs)
    failed = [r for r in runs if r.status != "ok"]
    if failed:
        names = ", ".join(r.source for r in failed)
        fail(f"{len(failed)} van {len(runs)} bronnen mislukt ({names}); de reden staat hierboven.")


def import_(
    file: Annotated[Path, typer.Argument(help="CSV of JSON Lines met url, text, date, platform (en evt. author).")],
    platform: Annotated[
        str | None, typer.Option("--platform", help="Platform voor rijen zonder platform (bv. facebook).")
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Verbeter een eerdere import: berichten die er al staan worden vervangen (tekst, velden; de labels "
            "vervallen, ze worden opnieuw beoordeeld) in plaats van als dubbel overgeslagen.",
        ),
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Importeer met de hand gevonden berichten (Facebook, Instagram, TikTok, WhatsApp-schermafbeeldingen)."""
    from monitor.pipeline import import_file
    from monitor.report import out, print_runs
    from monitor.store import Store

    cfg = load(config)
    run = import_file(cfg, Store(cfg.data_dir), file, platform, replace)
    print_runs([run])
    if run.duplicates and replace:
        out.print(f"{run.duplicates} dubbel: die stonden al precies zo opgeslagen en zijn niet gewijzigd.")
    elif run.duplicates:
        out.print(
            f"{run.duplicates} dubbel: die stonden al opgeslagen en zijn niet gewijzigd. Klopte een eerder "
            "geïmporteerde tekst niet (bijvoorbeeld verminkte letters zoals 'Ã©' voor 'é')? Verbeter het bestand en "
            f"importeer het met 'monitor import {file} --replace': dan worden die berichten vervangen.",
            markup=False,
            soft_wrap=True,
        )
    if run.status != "ok":
        fail(f"importeren van {file} mislukt; de reden staat hierboven.")


def recheck(
    source: SourceOption = None,
    config: ConfigOption = None,
) -> None:
    """Verwijder berichten die op het platform zijn verwijderd (verplicht voor Reddit)."""
    from monitor.pipeline import recheck_deletions
    from monitor.report import out
    from monitor.store import Store

    cfg = load(config)
    results = recheck_deletions(cfg, Store(cfg.data_dir), source)
    if not results:
        out.print("Geen bronnen die verwijderingen kunnen controleren.")
    for result in results:
        out.print(f"{result.source}: {count(result.checked, 'bericht')} gecontroleerd, {result.removed} verwijderd.")


def match(
    text: Annotated[str, typer.Argument(help="De tekst om te controleren.")],
    config: ConfigOption = None,
) -> None:
    """Laat per school zien of een tekst als vermelding telt, en waarom."""
    from monitor.matching import Matcher
    from monitor.report import print_match

    cfg = load(config)
    results = Matcher(cfg.schools).explain(text)
    print_match(cfg, results)
