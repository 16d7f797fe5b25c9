"""Terminal output for the CLI (rich tables and progress on stderr). Dutch, for school staff."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from monitor.pipeline import CollectProgress, SourceRun
from monitor.words import count

if TYPE_CHECKING:
    from monitor.classify import ClassifyResult
    from monitor.cluster import WorkerStats
    from monitor.config import Config
    from monitor.matching import SchoolResult
    from monitor.store import Store

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


class CollectReporter(CollectProgress):
    """A spinner per source with running counts, on stderr (hidden when stderr is not a terminal)."""

    def __init__(self) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> CollectReporter:
        self.progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.progress.stop()

    def source_started(self, source: str) -> None:
        self.tasks[source] = self.progress.add_task(f"{source}: ophalen...", total=None)

    def page_stored(self, source: str, run: SourceRun) -> None:
        self.progress.update(self.tasks[source], description=f"{source}: {run.fetched} gelezen, {run.new} nieuw")

    def source_finished(self, run: SourceRun) -> None:
        self.progress.remove_task(self.tasks.pop(run.source))
        symbol = "✓" if run.status == "ok" else "✗"
        err.print(f"{symbol} {run.source}: {run.fetched} gelezen, {run.new} nieuw")


def print_runs(runs: Sequence[SourceRun]) -> None:
    table = Table(title="Ophalen", title_justify="left")
    for column in ("bron", "status", "gelezen", "nieuw", "dubbel", "geen school", "overgeslagen"):
        table.add_column(column, justify="left" if column in ("bron", "status") else "right")
    for run in runs:
        table.add_row(
            run.source,
            run.status,
            str(run.fetched),
            str(run.new),
            str(run.duplicates),
            str(run.unmatched),
            str(run.skipped),
        )
    out.print(table)
    for run in runs:
        for text in (run.message, *run.notices):
            if text:
                out.print(f"{run.source}: {text}", markup=False, soft_wrap=True)


def print_match(config: Config, results: Sequence[SchoolResult]) -> None:
    names = {s.id: s.name for s in config.schools}
    table = Table(title_justify="left")
    table.add_column("school")
    table.add_column("telt mee")
    table.add_column("waarom")
    for result in results:
        table.add_row(f"{names[result.school_id]} ({result.school_id})", "ja" if result.matched else "nee", result.rule)
    out.print(table)


CHECK_STYLES = {"ok": "green", "waarschuwing": "yellow", "fout": "bold red"}


def print_findings(findings: list[Any], title: str = "Controle") -> None:
    """The results of ``monitor check`` as a table: onderwerp, status, wat er is en wat te doen."""
    table = Table(title=title, title_justify="left")
    for column in ("onderwerp", "status", "toelichting"):
        table.add_column(column, overflow="fold")
    for finding in findings:
        table.add_row(finding.topic, Text(finding.status, style=CHECK_STYLES.get(finding.status, "")),
                      Text(finding.text))
    out.print(table)


def print_last_check(config: Config) -> None:
    """In ``monitor status``: the problems of the newest ``monitor check`` (also run at the service's start)."""
    from monitor.check import last_result, problems
    from monitor.digest.status import local_time

    result = last_result(config)
    if result is None:
        out.print("Controle: nog niet gedraaid (monitor check).")
        return
    at, findings = result
    found = problems(findings)
    when = local_time(datetime.fromisoformat(at), config.timezone)
    if not found:
        out.print(f"Controle ({when}): alles in orde.")
        return
    print_findings(found, f"Controle ({when}): {count(len(found), 'punt')} om op te lossen")


def print_status(config: Config, store: Store) -> None:
    runs = store.read_runs()
    table = Table(title="Bronnen (laatste run)", title_justify="left")
    for column in ("bron", "type", "laatste run", "status", "gelezen", "nieuw", "dubbel", "overgeslagen", "fouten"):
        table.add_column(column, justify="right" if column in RUN_COUNTS else "left")
    kinds = {s.name: s.type for s in config.sources}
    names = list(kinds) + sorted(set(runs["source"]) - set(kinds))
    remarks = []
    for name in names:
        mine = runs[runs["source"] == name]
        if mine.empty:
            table.add_row(name, kinds.get(name, "?"), "nog nooit", "-", *["-"] * len(RUN_COUNTS))
            continue
        last = mine.iloc[-1]
        when = last["started_at"].tz_convert(config.timezone).strftime("%Y-%m-%d %H:%M")
        table.add_row(
            name, str(last["connector"]), when, str(last["status"]), *(str(last[c]) for c in RUN_COUNTS.values())
        )
        failing = _failures_in_a_row(list(mine["status"]))
        if failing > 1:
            remarks.append(f"{name}: de laatste {failing} runs zijn mislukt.")
        remarks += [f"{name}: {text}" for text in (str(last["message"] or ""), *str(last["notices"] or "").splitlines())
                    if text]
    out.print(table)
    for remark in remarks:
        out.print(remark, soft_wrap=True, markup=False)
    posts = store.read("posts", columns=["school_id", "post_key"])
    counts = {str(k): int(v) for k, v in posts.groupby("school_id")["post_key"].nunique().items()}
    from monitor.attention import SAFETY, open_counts, open_posts

    opened = open_posts(store)
    open_all, open_safety = open_counts(opened), open_counts(opened.loc[opened["kind"] == SAFETY])
    schools = Table(title="Opgeslagen berichten per school", title_justify="left")
    for column in ("school", "berichten", "open", "waarvan veiligheid"):
        schools.add_column(column, justify="left" if column == "school" else "right")
    for school in config.schools:
        schools.add_row(school.name, str(counts.get(school.id, 0)), str(open_all.get(school.id, 0)),
                        str(open_safety.get(school.id, 0)))
    out.print(schools)
    out.print("Open: vraagt aandacht (negatief, veiligheid of onjuistheid) en is nog niet afgehandeld; "
              "zie monitor review list.", soft_wrap=True)
    from monitor.digest.status import print_deliveries

    print_deliveries(store, config.timezone)
    from monitor.alerts.status import print_alerts

    print_alerts(config, store)
    manifest = store.manifest()
    files = sum(len(v) for v in manifest.tables.values())
    out.print(
        f"Opslag: {store.root} — {store.size_bytes() / 1_000_000:.1f} MB in {files} bestanden, "
        f"schemaversie {manifest.schema_version}."
    )
    from monitor.scheduler.status import print_scheduler_status

    print_scheduler_status(config, store)
    print_last_check(config)


RUN_COUNTS = {
    "gelezen": "fetched",
    "nieuw": "new",
    "dubbel": "duplicates",
    "overgeslagen": "skipped",
    "fouten": "errors",
}


def _failures_in_a_row(statuses: list[str]) -> int:
    count = 0
    for status in reversed(statuses):
        if status != "mislukt":
            break
        count += 1
    return count


def print_connectors() -> None:
    from connectors.registry import get_connector_class, known_connectors

    table = Table(title="Brontypen", title_justify="left")
    table.add_column("type")
    table.add_column("wat")
    table.add_column("inloggegevens")
    for name in known_connectors():
        try:
            cls = get_connector_class(name)
        except Exception as exc:  # a broken plugin must not hide the others
            table.add_row(name, f"kan niet geladen worden: {type(exc).__name__}: {exc}", "-")
            continue
        table.add_row(name, cls.description, cls.credentials)
    out.print(table)


class ClassifyReporter:
    """A progress bar for scoring (texts done / pending), on stderr."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("berichten scoren"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err,
            transient=True,
        )
        self.task = self.progress.add_task("scoren", total=None)

    def __enter__(self) -> ClassifyReporter:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def update(self, done: int, total: int) -> None:
        self.progress.update(self.task, completed=done, total=total)


def print_classify(result: ClassifyResult) -> None:
    if not result.pending:
        out.print(f"Geen nieuwe berichten om te scoren (model {result.model_id}).")
        return
    out.print(
        f"{count(result.labelled, 'bericht')} gescoord ({result.scored_texts} unieke teksten) met model "
        f"{result.model_id}."
    )
    sentiments = ", ".join(f"{name}: {n}" for name, n in sorted(result.sentiments.items()))
    out.print(f"Sentiment (unieke teksten): {sentiments}")
    if result.flagged:
        out.print("Protocolcategorieën: " + ", ".join(f"{k}: {v}" for k, v in sorted(result.flagged.items())))


def print_workers(workers: Mapping[str, WorkerStats]) -> None:
    """Per-worker throughput after a cluster run (texts per second of model time, without transfer)."""
    if not workers:
        return
    out.print("Per werker: " + "; ".join(
        f"{name}: {count(s.texts, 'tekst')} in {count(s.tasks, 'taak')}, {s.per_second:.1f}/s"
        for name, s in sorted(workers.items(), key=lambda item: str(item[0]))
    ))
