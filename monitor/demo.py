"""`monitor demo`: the whole product as it stands, offline, on bundled sample posts about two fictional schools.

The sample feeds are served by a local HTTP server on 127.0.0.1 that the demo starts and stops, so the real
connector code (HTTP, conditional requests, feedparser) runs exactly as it does against a news site.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

from monitor.errors import MonitorError
from monitor.setup import SOURCES_MARKER, example_config_text

log = logging.getLogger(__name__)

MARKER_FILE = ".school-monitor-demo"
DEMO_FEEDS = {
    "regionieuws": ("regionieuws.xml", None),
    "ouderforum": ("ouderforum.atom", None),
    "google-nieuws-zilvermeer": ("schoolnieuws-zilvermeer.xml", ["zilvermeer-almere"]),
}
EXAMPLES = (
    "Wat een mooie kerstmarkt vandaag op De Regenboog! Dank aan alle juffen en meesters",
    "De Regenboog speeltuin in Gouda is weer open",
    "Gemeentehuis Zoetermeer hijst de regenboogvlag",
    "Hele dag gezwommen in het Zilvermeer bij Assen",
)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("demo-server: " + format, *args)


@contextmanager
def serve_directory(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port); yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, name="demo-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def demo_config_text(base_url: str, extra_sources: str = "") -> str:
    """The example config with its sources replaced by the local sample feeds and platform APIs."""
    head = example_config_text().split(SOURCES_MARKER)[0]
    head = head.replace('data_dir = "monitor-data"', 'data_dir = "data"')
    # The example leaves the second school without recipients; the demo sends its digests too.
    school_line = 'exclude = ["recreatieplas", "strandbad"]\n'
    head = head.replace(school_line, school_line + 'recipients = ["communicatie@zilvermeer.example"]\n'
                        'safety_recipients = ["vertrouwenspersoon@zilvermeer.example"]\n')
    # The demo shows the board digest too: switch on the example's commented [digest.board] block.
    board = head.split("# [digest.board]", 1)[1].split("\n\n", 1)[0]
    head = head.replace("# [digest.board]" + board, "[digest.board]" + board.replace("\n# ", "\n"))
    lines = [SOURCES_MARKER, "# Demo: voorbeeldfeeds via een lokale server op 127.0.0.1.", ""]
    for name, (filename, schools) in DEMO_FEEDS.items():
        lines += ["[[sources]]", f'name = "{name}"', 'type = "rss"', f'url = "{base_url}/{filename}"']
        if schools:
            lines.append("schools = [" + ", ".join(f'"{s}"' for s in schools) + "]")
        lines.append("")
    lines += ["# Demo: platform-API's (X, Reddit, Mastodon, Bluesky) op 127.0.0.1.", extra_sources]
    return head + "\n".join(lines)


def prepare_directory(directory: Path) -> None:
    """Start from an empty demo directory (keeping the model cache); refuse to wipe a folder the demo did not make."""
    if directory.exists() and any(directory.iterdir()):
        if not (directory / MARKER_FILE).exists():
            raise MonitorError(
                f"{directory} bestaat al en is geen demomap; kies een andere map met --dir of maak hem leeg."
            )
        for child in directory.iterdir():
            if child.name == "data":
                for item in child.iterdir():
                    if item.name != "cache":  # the converted model (~500 MB) is reused between demo runs
                        shutil.rmtree(item) if item.is_dir() else item.unlink()
            elif child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MARKER_FILE).write_text("Deze map is gemaakt door 'monitor demo' en mag weg.\n")


def run_demo(directory: Path) -> None:
    from monitor.config import load_config
    from monitor.demo_platforms import demo_platforms, sources_toml
    from monitor.matching import Matcher
    from monitor.pipeline import collect, import_file, recheck_deletions
    from monitor.report import CollectReporter, out, print_match, print_runs, print_status
    from monitor.store import Store

    directory = directory.resolve()
    prepare_directory(directory)
    out.rule("school-monitor demo (offline, fictieve scholen)")
    with (
        as_file(files("monitor").joinpath("demo_data")) as feeds,
        serve_directory(Path(feeds)) as base_url,
        demo_platforms() as platforms,
    ):
        config_file = directory / "monitor.toml"
        config_file.write_text(demo_config_text(base_url, sources_toml(platforms)), encoding="utf-8")
        config = load_config(config_file)
        out.print(f"1. Configuratie geschreven: {config_file}")
        out.print(f"   {len(config.schools)} scholen, {len(config.sources)} bronnen; alles via servers op 127.0.0.1")
        store = Store(config.data_dir)

        out.print("\n2. Ophalen met de echte connectors (feedparser, tweepy, praw, Mastodon.py, atproto):")
        with CollectReporter() as reporter:
            print_runs(collect(config, store, progress=reporter))

        out.print("\n3. Nogmaals ophalen: niets dubbel (cursors, 304 'niet gewijzigd', ontdubbelen):")
        print_runs(collect(config, store))

        out.print("\n4. Met de hand gevonden berichten importeren ('monitor import'), met één foute regel:")
        print_runs([import_file(config, store, Path(feeds) / "manual-import.csv")])

        _demo_recheck(config, store, platforms, recheck_deletions, out)

    out.print("\n6. Sorteren met het offline Nederlandse model ('monitor classify'):")
    _demo_classify(config, store)
    out.print("\n   Direct daarna: veiligheidsmeldingen aan de veiligheidscontactpersoon ('monitor alert --send'):")
    _demo_alerts(config, store, directory)

    out.print("\n7. Waarom telt een bericht wel of niet mee? ('monitor match TEKST')")
    matcher = Matcher(config.schools)
    for text in EXAMPLES:
        out.print(f"   [bold]{text}[/bold]")
        print_match(config, matcher.explain(text))

    out.print("\n8. Het weekoverzicht ('monitor digest --send'), verstuurd naar een lokale mailserver:")
    _demo_digest(config, store, directory)

    out.print("\n9. Het trenddashboard voor het management ('monitor dashboard'), alleen aantallen:")
    _demo_dashboard(config, store)

    out.print("\n10. Concepten voor de privacyfunctionaris ('monitor privacy-docs'):")
    _demo_privacy_docs(config, directory)

    out.print("\n11. De webapp voor medewerkers ('monitor web'): een account per rol ('monitor user add'):")
    from monitor.demo_web import demo_users

    demo_users(config, config_file, out)

    out.print("\n12. Stand van zaken ('monitor status'):")
    print_status(config, store)
    _print_samples(store)
    out.print(
        f"\nKlaar. Gegevens staan in {config.data_dir} (Parquet, per school en week).\n"
        f"Zelf verder kijken: monitor status --config {config_file}\n"
        f"                    monitor review list --config {config_file}\n"
        f"                    monitor match \"tekst\" --config {config_file}"
    )


def _demo_recheck(config: Any, store: Any, platforms: list[Any], recheck: Any, out: Any) -> None:
    """Delete one Reddit post on the (fake) platform and show that 'monitor recheck' removes it here too."""
    reddit = next((p for p in platforms if p.type == "reddit"), None)
    if reddit is None or not hasattr(reddit.fake, "mark_deleted"):
        return
    posts = store.read_posts(columns=["native_id", "source"])
    mine = posts[posts["source"] == reddit.source]["native_id"]
    if mine.empty:
        return
    reddit.fake.mark_deleted(str(mine.iloc[0]))
    out.print("\n5. Een Reddit-bericht is op Reddit verwijderd; 'monitor recheck' haalt het hier ook weg:")
    for result in recheck(config, store, [reddit.source]):
        out.print(f"   {result.source}: {result.checked} gecontroleerd, {result.removed} verwijderd")


def _demo_classify(config: Any, store: Any) -> None:
    import json

    from rich.table import Table

    from monitor.classify import classify, read_labels
    from monitor.report import ClassifyReporter, out, print_classify

    with ClassifyReporter() as reporter:
        result = classify(config, store, progress=reporter.update)
    print_classify(result)
    labels = read_labels(store, result.model_id)
    posts = store.read_posts(columns=["post_key", "school_id", "text"]).merge(labels, on="post_key")
    table = Table(title="Per school: sentiment en signalen (aantal berichten)", title_justify="left")
    for column in ("school", "negatief", "neutraal", "positief", "onzeker", "signalen (protocolcategorieën)"):
        table.add_column(column)
    for school in config.schools:
        mine = posts[posts["school_id"] == school.id]
        counts = mine["sentiment"].value_counts()
        flagged: dict[str, int] = {}
        for categories in mine["categories"]:
            for name, score in json.loads(categories).items():
                if score["flagged"]:
                    flagged[name] = flagged.get(name, 0) + 1
        signals = ", ".join(f"{name} {n}" for name, n in sorted(flagged.items(), key=lambda kv: -kv[1]))
        numbers = (str(int(counts.get(s, 0))) for s in ("negatief", "neutraal", "positief", "onzeker"))
        table.add_row(school.name, *numbers, signals or "-")
    out.print(table)


def _demo_alerts(config: Any, store: Any, directory: Path) -> None:
    """Alerts for the flagged posts, as the service sends them right after classifying: to a local mail server.
    Most sample posts have fixed dates, so "now" is an hour after the newest flagged one, as when the service saw it
    (older posts than ``max_age_days`` before that get no alert: they were in a digest already)."""
    from datetime import timedelta

    from monitor.alerts import pending_alerts, run_alerts
    from monitor.config import SmtpConfig
    from monitor.digest.smtp_local import local_smtp_server, received_messages
    from monitor.report import out

    any_age = config.model_copy(update={"alerts": config.alerts.model_copy(update={"max_age_days": 366})})
    flagged = pending_alerts(any_age, store)
    if not flagged:
        out.print("   Geen berichten in bedreiging, seksuele intimidatie of pesten.")
        return
    now = max(alert.created_at for alert in flagged) + timedelta(hours=1)
    mailbox = directory / "mail-meldingen"
    with local_smtp_server(mailbox) as (host, port):
        smtp = SmtpConfig(host=host, port=port, security="none", sender="school-monitor@demo.example")
        run = run_alerts(config.model_copy(update={"smtp": smtp}), store, send=True, now=now)
    for outcome in run.outcomes:
        who = ", ".join(config.school(outcome.alert.school_id).safety_recipients) or "niemand (wacht)"
        out.print(f"   {outcome.alert.ref} {outcome.alert.school_id:<22} {', '.join(outcome.alert.categories):<22} "
                  f"{outcome.status} aan {who}", markup=False)
    if not run.outcomes:
        out.print("   Geen nieuwe signalen in bedreiging, seksuele intimidatie of pesten.")
    out.print(f"   {len(received_messages(mailbox))} melding(en) ontvangen door de lokale mailserver, bewaard in "
              f"{mailbox}. Elk bericht wordt één keer gemeld.", markup=False)


def _demo_digest(config: Any, store: Any, directory: Path) -> None:
    """Digests for the week with the most posts (the sample posts have fixed dates), e-mailed to an SMTP server on
    127.0.0.1 that keeps them as .eml."""
    from monitor.config import SmtpConfig
    from monitor.digest import run_digests
    from monitor.digest.smtp_local import local_smtp_server, received_messages
    from monitor.report import out

    weeks = store.read("post_index", columns=["week"])["week"].value_counts()
    if weeks.empty:
        out.print("   Geen berichten, dus geen weekoverzicht.")
        return
    busiest = max(weeks.index, key=lambda week: (int(weeks[week]), str(week)))
    mailbox = directory / "mail"
    with local_smtp_server(mailbox) as (host, port):
        smtp = SmtpConfig(host=host, port=port, security="none", sender="school-monitor@demo.example")
        results = run_digests(config.model_copy(update={"smtp": smtp}), store, week=str(busiest), send=True)
    for result in results:
        who = ", ".join(result.recipients) or "niemand"
        out.print(f"   {result.kind:<10} {result.school_id:<22} {result.status} aan {who}")
        out.print(f"              {result.html_path}")
    out.print(f"   {len(received_messages(mailbox))} e-mails ontvangen door de lokale mailserver, bewaard in {mailbox}")
    _print_other_posts([r.html_path.with_suffix(".txt") for r in results if r.kind == "digest"], out)


def _print_other_posts(text_files: list[Path], out: Any) -> None:
    """Every post of the week is in the digest once: the counts line and the compact last section of the school
    digest with the most posts there."""
    sections: dict[Path, tuple[str, list[str]]] = {}
    for path in text_files:
        content = path.read_text(encoding="utf-8")
        other = content.split("8. Overige berichten", 1)[-1].split("\n--\n", 1)[0]
        counts = next((line for line in content.splitlines() if line.startswith("Deze week ")), "")
        sections[path] = (counts, [line for line in other.splitlines() if line.startswith(("- ", "["))])
    if not sections:
        return
    path = max(sections, key=lambda p: len(sections[p][1]))
    counts, lines = sections[path]
    out.print(f"   Uit {path.name}: {counts}", markup=False, soft_wrap=True)
    out.print("   8. Overige berichten (neutraal, 'controleer' of nog niet beoordeeld):", markup=False)
    for line in lines[:6] or ["(geen)"]:
        out.print(f"     {line}", markup=False, soft_wrap=True)
    if len(lines) > 6:
        out.print(f"     ... en nog {len(lines) - 6} regels", markup=False)


def _demo_dashboard(config: Any, store: Any) -> None:
    from dashboards.build import write_dashboard
    from monitor.report import out

    index = write_dashboard(config, store)
    out.print(f"   Dashboard (werkt offline, ook vanaf een netwerkschijf): {index}")
    out.print(f"   Weektabel: {index.parent / 'weekly.csv'}; grafieken als PNG in {index.parent / 'charts'}")


def _demo_privacy_docs(config: Any, directory: Path) -> None:
    from monitor.governance import write_documents
    from monitor.report import out

    for path in write_documents(config, directory / "privacy-docs"):
        out.print(f"   {path}")


def _print_samples(store: Any) -> None:
    from rich.table import Table

    from monitor.report import out

    posts = store.read_posts(columns=["created_at", "school_id", "source", "author", "text", "match_rule"])
    table = Table(title="Laatste vijf opgeslagen berichten (auteur als pseudoniem)", title_justify="left")
    for column in ("datum", "school", "bron", "auteur", "tekst", "waarom"):
        table.add_column(column, overflow="fold")
    for row in posts.tail(5).itertuples():
        text = row.text.replace("\n", " ")
        table.add_row(
            row.created_at.strftime("%Y-%m-%d"),
            row.school_id,
            row.source,
            row.author if isinstance(row.author, str) else "-",
            text[:70] + ("…" if len(text) > 70 else ""), row.match_rule,
        )
    out.print(table)
