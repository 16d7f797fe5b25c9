"""The ``monitor`` command. Only this module configures logging and output; heavy imports happen per command,
so ``monitor --help`` is instant."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from monitor.commands import register_all
from monitor.commands.options import ConfigOption, load
from monitor.errors import MonitorError

if TYPE_CHECKING:
    from monitor.config import Config

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


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"fout: {message}", err=True)
    raise typer.Exit(code)


def _load(config_path: Path | None) -> Config:
    return load(config_path)


@app.callback()
def _main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Toon uitgebreide logregels.")] = False,
) -> None:
    _setup_logging(verbose)


@app.command()
def init(
    path: Annotated[Path | None, typer.Argument(help="Waar het bestand komt (standaard: --config).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overschrijf een bestaand bestand.")] = False,
    config: ConfigOption = None,
) -> None:
    """Schrijf een voorbeeldconfiguratie met uitleg (twee fictieve scholen)."""
    from monitor.config import config_path
    from monitor.setup import write_example_config

    path = path or config_path(config)
    write_example_config(path, force=force)
    typer.echo(f"Voorbeeldconfiguratie geschreven naar {path}. Pas scholen en bronnen aan en draai 'monitor collect'.")


@app.command()
def collect(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Alleen deze bron (mag vaker).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Haal nieuwe berichten op bij de bronnen en sla de berichten over je scholen op."""
    from monitor.pipeline import collect as run_collect
    from monitor.report import CollectReporter, print_runs
    from monitor.store import Store

    cfg = _load(config)
    with CollectReporter() as reporter:
        runs = run_collect(cfg, Store(cfg.data_dir), source, reporter)
    print_runs(runs)
    failed = [r for r in runs if r.status != "ok"]
    if failed:
        names = ", ".join(r.source for r in failed)
        _fail(f"{len(failed)} van {len(runs)} bronnen mislukt ({names}); de reden staat hierboven.")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV of JSON Lines met url, text, date, platform (en evt. author).")],
    platform: Annotated[
        str | None, typer.Option("--platform", help="Platform voor rijen zonder platform (bv. facebook).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Importeer met de hand gevonden berichten (Facebook, Instagram, TikTok, WhatsApp-schermafbeeldingen)."""
    from monitor.pipeline import import_file
    from monitor.report import print_runs
    from monitor.store import Store

    cfg = _load(config)
    run = import_file(cfg, Store(cfg.data_dir), file, platform)
    print_runs([run])
    if run.status != "ok":
        _fail(f"importeren van {file} mislukt; de reden staat hierboven.")


@app.command()
def recheck(
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Alleen deze bron (mag vaker).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Verwijder berichten die op het platform zijn verwijderd (verplicht voor Reddit)."""
    from monitor.pipeline import recheck_deletions
    from monitor.report import out
    from monitor.store import Store

    cfg = _load(config)
    results = recheck_deletions(cfg, Store(cfg.data_dir), source)
    if not results:
        out.print("Geen bronnen die verwijderingen kunnen controleren.")
    for result in results:
        out.print(f"{result.source}: {result.checked} berichten gecontroleerd, {result.removed} verwijderd.")


@app.command()
def classify(
    rescore: Annotated[bool, typer.Option("--rescore", help="Alles opnieuw scoren met het huidige model.")] = False,
    config: ConfigOption = None,
) -> None:
    """Sorteer opgeslagen berichten op sentiment en protocolcategorie (offline Nederlands model)."""
    from monitor.classify import classify as run_classify
    from monitor.report import ClassifyReporter, print_classify
    from monitor.store import Store

    cfg = _load(config)
    with ClassifyReporter() as reporter:
        result = run_classify(cfg, Store(cfg.data_dir), rescore=rescore, progress=reporter.update)
    print_classify(result)


review_app = typer.Typer(
    help="Wat is er met een bericht gedaan? Bespreken gebeurt in het echt, nooit online.", no_args_is_help=True
)
app.add_typer(review_app, name="review")


@review_app.command("list")
def review_list(
    school: Annotated[str | None, typer.Option("--school", help="Alleen deze school (id).")] = None,
    all_items: Annotated[
        bool, typer.Option("--all", help="Alle berichten, ook afgehandelde en berichten die geen actie vragen.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Open berichten: ze vragen aandacht (negatief, veiligheid of onjuistheid) en zijn nog niet afgehandeld."""
    from monitor.review import review_list as items
    from monitor.review_view import print_review_list
    from monitor.store import Store

    cfg = _load(config)
    if school:
        cfg.school(school)
    print_review_list(items(Store(cfg.data_dir), school, all_items), cfg.timezone, all_items)


@review_app.command("show")
def review_show(
    post: Annotated[str, typer.Argument(help="Kenmerk uit 'monitor review list'.")],
    config: ConfigOption = None,
) -> None:
    """Eén bericht: tekst, link, labels (met scores en bewijs) en wat er al mee gedaan is."""
    from monitor.audit import actor_name, record
    from monitor.review import post_ref, resolve
    from monitor.review_view import print_review_show
    from monitor.store import Store

    cfg = _load(config)
    store = Store(cfg.data_dir)
    print_review_show(store, post, cfg.timezone)
    record(store, "review-show", post_ref(resolve(store, post)), actor=actor_name(cfg))


@review_app.command("mark")
def review_mark(
    post: Annotated[str, typer.Argument(help="Kenmerk uit 'monitor review list'.")],
    status: Annotated[
        str, typer.Option("--status", help="besproken, geen-actie, gecorrigeerd of doorgezet-veiligheid")
    ],
    note: Annotated[str, typer.Option("--note", help="Korte toelichting (geen namen van leerlingen).")] = "",
    by: Annotated[str | None, typer.Option("--by", help="Wie (standaard de gebruikersnaam).")] = None,
    config: ConfigOption = None,
) -> None:
    """Leg vast wat er met een bericht is gedaan; het blijft open tot het gemarkeerd is."""
    from monitor.audit import actor_name
    from monitor.review import STATUSES, mark
    from monitor.store import Store

    cfg = _load(config)
    event = mark(Store(cfg.data_dir), post, status, note, actor_name(cfg, by))
    typer.echo(f"Vastgelegd: {STATUSES[event.status]} (door {event.actor}).")


@app.command()
def match(
    text: Annotated[str, typer.Argument(help="De tekst om te controleren.")],
    config: ConfigOption = None,
) -> None:
    """Laat per school zien of een tekst als vermelding telt, en waarom."""
    from monitor.matching import Matcher
    from monitor.report import print_match

    cfg = _load(config)
    results = Matcher(cfg.schools).explain(text)
    print_match(cfg, results)


@app.command()
def status(config: ConfigOption = None) -> None:
    """Per bron: laatste run, nieuwe berichten en fouten; en hoe groot de opslag is."""
    from monitor.report import print_status
    from monitor.store import Store

    cfg = _load(config)
    print_status(cfg, Store(cfg.data_dir))


@app.command()
def connectors() -> None:
    """Toon de beschikbare brontypen en welke inloggegevens ze nodig hebben."""
    from monitor.report import print_connectors

    print_connectors()


@app.command()
def demo(
    directory: Annotated[Path, typer.Option("--dir", help="Map voor de demogegevens.")] = Path("demo-data"),
) -> None:
    """Draai alles offline van begin tot eind met voorbeeldberichten over twee fictieve scholen."""
    from monitor.demo import run_demo

    run_demo(directory)


register_all(app)


def main() -> None:
    try:
        app()
    except MonitorError as exc:  # raised outside typer's own handling, so exit here
        typer.echo(f"fout: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("fout: afgebroken", err=True)
        sys.exit(130)
