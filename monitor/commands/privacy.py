"""CLI commands for privacy: purge, forget, rematch, export, privacy-docs and audit."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from monitor.commands.options import ConfigOption, load
from monitor.errors import MonitorError
from monitor.words import count

if TYPE_CHECKING:
    from monitor.erasure import Request

AuthorOption = Annotated[
    str | None, typer.Option("--author", help="Account van de auteur (met of zonder @; hoofdletters maken niet uit).")
]
PlatformOption = Annotated[
    str | None, typer.Option("--platform", help="Alleen dit platform (x, reddit, mastodon, bluesky, rss, ...).")
]
MAX_SHOWN = 20  # rows listed by 'rematch' before it only counts
TABLE_NAMES = {
    "posts": "berichten (rijen per school)",
    "raw": "ruwe platformgegevens",
    "labels": "labels van het model",
    "post_index": "ontdubbelindex",
    "reviews": "beoordelingen (notitie gewist, status blijft)",
    "alerts": "veiligheidsmeldingen (welk bericht gemeld is)",
}


def purge(config: ConfigOption = None) -> None:
    """Ruim oude gegevens op volgens de bewaartermijnen in [privacy] (de planner doet dit dagelijks)."""
    from monitor.report import out
    from monitor.retention import purge as run_purge
    from monitor.store import Store

    cfg = load(config)
    for line in run_purge(cfg, Store(cfg.data_dir)).lines():
        out.print(line, markup=False)


def forget(
    author: AuthorOption = None,
    url: Annotated[str | None, typer.Option("--url", help="Link van het bericht.")] = None,
    text: Annotated[
        str | None, typer.Option("--text-contains", help="Berichten met deze tekst (hoofdletters maken niet uit).")
    ] = None,
    platform: PlatformOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Niet om bevestiging vragen.")] = False,
    config: ConfigOption = None,
) -> None:
    """Verwijderverzoek: wis alle sporen van berichten (van een auteur, met een link of met een tekst)."""
    from monitor.erasure import find
    from monitor.erasure import forget as run_forget
    from monitor.report import out
    from monitor.store import Store

    cfg = load(config)
    store = Store(cfg.data_dir)
    request = _request(author, url, text, platform)
    found = find(cfg, store, request)
    out.print(f"Gevonden: {count(len(found.keys), 'bericht')}. Dit wordt gewist:", markup=False)
    for table, rows in found.counts.items():
        out.print(f"  {TABLE_NAMES.get(table, table)}: {rows}", markup=False)
    if request.author:
        out.print("Nieuwe berichten van dit account worden daarna niet meer opgeslagen.", markup=False)
    _confirm(yes)
    result = run_forget(cfg, store, found, request)
    out.print(f"Gewist: {count(result.posts, 'bericht')} met alle sporen; vastgelegd in het logboek.", markup=False)
    print_pages(result.remade, result.removed, result.dashboard_rebuilt)


def rematch(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Niet om bevestiging vragen.")] = False,
    config: ConfigOption = None,
) -> None:
    """Pas de huidige schoolregels (namen, exclude, ...) opnieuw toe op opgeslagen berichten; wat niet meer past
    wordt met alle sporen gewist (na bevestiging of met --yes)."""
    from monitor.rematch import apply, plan
    from monitor.report import out
    from monitor.review import post_ref
    from monitor.store import Store

    cfg = load(config)
    store = Store(cfg.data_dir)
    found = plan(cfg, store)
    per_school = found.per_school()
    out.print(f"Gecontroleerd: {found.checked} opgeslagen berichten (per school). Past niet meer: {len(found.rows)}.",
              markup=False)
    for school, number in sorted(per_school.items()):
        out.print(f"  {school}: {count(number, 'bericht')}", markup=False)
    for row in found.rows.head(MAX_SHOWN).itertuples():
        text = " ".join(str(row.text or "").split())
        out.print(f"    {post_ref(str(row.post_key))} {row.school_id}: {text[:60]}{'…' if len(text) > 60 else ''} "
                  f"({row.reason})", markup=False, soft_wrap=True)
    if len(found.rows) > MAX_SHOWN:
        out.print(f"    ... en nog {len(found.rows) - MAX_SHOWN}", markup=False)
    if found.gone_schools:
        out.print(f"Niet meer in de configuratie: {', '.join(found.gone_schools)}; hun berichten horen bij het "
                  "wissen (staat de school er per ongeluk niet meer in? herstel dan eerst de configuratie).",
                  markup=False, soft_wrap=True)
    if found.rows.empty:
        out.print("Niets te wissen: alle opgeslagen berichten passen bij de huidige regels.", markup=False)
        return
    _confirm(yes)
    done = apply(cfg, store, found)
    out.print(f"Gewist: {count(done.rows, 'rij')} per school, waarvan {count(done.posts, 'bericht')} helemaal; "
              "vastgelegd in het logboek.", markup=False)
    print_pages(done.pages.remade, done.pages.removed, done.pages.dashboard_rebuilt)


def _confirm(yes: bool) -> None:
    if yes:
        return
    if not _interactive():
        raise MonitorError("Bevestig het wissen met --yes (er is geen terminal om het te vragen).")
    if not typer.confirm("Doorgaan met wissen?", default=False):
        raise typer.Exit(1)


def print_pages(remade: list[str], removed: list[str], dashboard_rebuilt: bool) -> None:
    """What happened to the saved digests and the dashboard that showed removed posts (nothing was e-mailed)."""
    from monitor.report import out

    for path in remade:
        out.print(f"  opnieuw gemaakt zonder deze berichten (niet verzonden): {path}", markup=False, soft_wrap=True)
    for path in removed:
        out.print(f"  bestand verwijderd (kon niet opnieuw gemaakt worden): {path}", markup=False, soft_wrap=True)
    if dashboard_rebuilt:
        out.print("  dashboard opnieuw gemaakt zonder deze berichten.", markup=False)


def export(
    author: AuthorOption = None,
    platform: PlatformOption = None,
    fmt: Annotated[str, typer.Option("--format", help="json of csv.")] = "json",
    output: Annotated[Path | None, typer.Option("--out", help="Schrijf naar dit bestand (standaard: scherm).")] = None,
    config: ConfigOption = None,
) -> None:
    """Inzageverzoek: alle bewaarde berichten van één auteur, als JSON of CSV."""
    import json

    from monitor.erasure import export as run_export
    from monitor.erasure import export_csv
    from monitor.store import Store

    if fmt not in ("json", "csv"):
        raise MonitorError(f"Onbekend formaat '{fmt}'; kies json of csv.")
    if not author:
        raise MonitorError("Geef het account met --author.")
    cfg = load(config)
    data = run_export(cfg, Store(cfg.data_dir), _request(author, None, None, platform))
    text = export_csv(data) if fmt == "csv" else json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    typer.echo(f"{count(data['verzoek']['berichten'], 'bericht')} geëxporteerd naar {output}.", err=True)


def privacy_docs(
    out_dir: Annotated[Path | None, typer.Option("--out", help="Map voor de concepten (standaard <data_dir>/privacy).")]
    = None,
    config: ConfigOption = None,
) -> None:
    """Maak concepten voor de FG: DPIA-paragraaf, verwerkingsregister, privacyverklaring en MR-notitie."""
    from monitor.governance import DOCUMENTS, write_documents
    from monitor.report import out

    cfg = load(config)
    paths = write_documents(cfg, out_dir or cfg.data_dir / "privacy")
    for path in paths:
        out.print(f"{DOCUMENTS[path.name]}: {path}", markup=False)
    out.print("Dit zijn concepten: laat ze toetsen door de functionaris gegevensbescherming.", markup=False)


def audit(
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Hoeveel van de laatste regels.")] = 50,
    config: ConfigOption = None,
) -> None:
    """Het logboek: wie wat heeft bekeken, gemarkeerd, geëxporteerd, gewist of opgeruimd."""
    from rich.table import Table

    from monitor.audit import ACTIONS, read_audit
    from monitor.report import out
    from monitor.store import Store

    cfg = load(config)
    events = read_audit(Store(cfg.data_dir)).tail(limit)
    if events.empty:
        out.print("Het logboek is nog leeg.")
        return
    table = Table(title=f"Logboek (laatste {len(events)})", title_justify="left")
    for column in ("wanneer (UTC)", "wie", "wat", "waarover"):
        table.add_column(column)
    for row in events.itertuples():
        action = str(row.action)
        table.add_row(f"{row.at:%Y-%m-%d %H:%M}", _plain(row.actor), ACTIONS.get(action, action), _plain(row.target))
    out.print(table)


def _interactive() -> bool:
    return sys.stdin.isatty()


def _plain(value: Any) -> str:
    from rich.markup import escape

    return escape(str(value))


def _request(author: str | None, url: str | None, text: str | None, platform: str | None) -> Request:
    from monitor.erasure import Request

    return Request(author=author, url=url, text=text, platform=platform)


def register(app: typer.Typer) -> None:
    """Add this feature's commands to ``app``."""
    app.command()(purge)
    app.command()(forget)
    app.command()(rematch)
    app.command()(export)
    app.command("privacy-docs")(privacy_docs)
    app.command()(audit)
