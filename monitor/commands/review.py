"""CLI commands for what was done with a post: ``monitor review list | show | mark`` (discussed in real life, never
online)."""

from __future__ import annotations

from typing import Annotated

import typer

from monitor.commands.options import ConfigOption, load

review_app = typer.Typer(
    help="Wat is er met een bericht gedaan? Bespreken gebeurt in het echt, nooit online.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add this feature's commands to ``app``."""
    review_app.command("list")(review_list)
    review_app.command("show")(review_show)
    review_app.command("mark")(review_mark)
    app.add_typer(review_app, name="review")


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

    cfg = load(config)
    if school:
        cfg.school(school)
    print_review_list(items(Store(cfg.data_dir), school, all_items), cfg.timezone, all_items)


def review_show(
    post: Annotated[str, typer.Argument(help="Kenmerk uit 'monitor review list'.")],
    config: ConfigOption = None,
) -> None:
    """Eén bericht: tekst, link, labels (met scores en bewijs) en wat er al mee gedaan is."""
    from monitor.audit import actor_name, record
    from monitor.review import post_ref, resolve
    from monitor.review_view import print_review_show
    from monitor.store import Store

    cfg = load(config)
    store = Store(cfg.data_dir)
    print_review_show(store, post, cfg.timezone)
    record(store, "review-show", post_ref(resolve(store, post)), actor=actor_name(cfg))


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

    cfg = load(config)
    event = mark(Store(cfg.data_dir), post, status, note, actor_name(cfg, by))
    typer.echo(f"Vastgelegd: {STATUSES[event.status]} (door {event.actor}).")
