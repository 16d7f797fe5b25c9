"""The job functions of ``monitor run``, referenced by text (``monitor.scheduler.jobs:collect_source``).

Each takes only the config path (and a source name), loads the config fresh, so an edited file counts from the
next run on, and calls a plain pipeline step: the same functions the CLI commands call. The result is a
:class:`JobOutcome`; an exception is logged by APScheduler with its traceback and recorded as ``fout``, and the job
stays scheduled.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from monitor.config import Config, load_config
from monitor.records import now_utc
from monitor.scheduler import history
from monitor.scheduler.plan import job_id
from monitor.store import Store
from monitor.words import count

log = logging.getLogger(__name__)

POSTPONED = "uitgesteld"  # the service was stopping: the run was not started and goes back to the job store

# Set by the service when it stops: a run that was already queued is handed back instead of started.
STOPPING = threading.Event()


@dataclass(frozen=True)
class JobOutcome:
    status: str = history.OK  # ok, fout, or uitgesteld
    summary: str = ""  # counts only: never post texts
    error: str = ""
    source: str | None = None
    new_posts: int = 0
    collect_errors: int = 0
    digests_sent: int = 0
    alerts_sent: int = 0
    alerts_failed: int = 0
    alerts_waiting: int = 0
    follow_up: tuple[str, ...] = ()  # job kinds to run next (classify after new posts, dashboard after classify)
    started_at: datetime | None = None
    finished_at: datetime | None = None


def _run(kind: str, config_path: str, source: str | None, body: Callable[[Config, Store], JobOutcome]) -> JobOutcome:
    started = now_utc()
    if STOPPING.is_set():
        return JobOutcome(POSTPONED, started_at=started, finished_at=started)
    try:
        config = load_config(config_path)
        history.write_marker(config.data_dir, job_id(kind, source), started)
        outcome = body(config, Store(config.data_dir))
    except BaseException as exc:
        exc.monitor_started_at = started  # type: ignore[attr-defined]  # read by the service's listener
        raise
    return replace(outcome, source=source, started_at=started, finished_at=now_utc())


def collect_source(config_path: str, source: str) -> JobOutcome:
    """Collect one source; a failed source is ``fout`` with its reason. New posts lead to classification."""

    def body(config: Config, store: Store) -> JobOutcome:
        from monitor.pipeline import STATUS_OK, collect

        if not config.source(source).enabled:  # switched off since the service started
            return JobOutcome(summary="bron staat uit (enabled = false); verdwijnt bij de volgende start uit de "
                                      "planning")
        rematched = _rematch_changed_rules(config, store)
        (run,) = collect(config, store, [source])
        summary = f"{run.fetched} gelezen, {run.new} nieuw, {run.duplicates} dubbel, {run.skipped} overgeslagen"
        summary += rematched
        return JobOutcome(
            history.OK if run.status == STATUS_OK else history.FAILED, summary, run.message,
            new_posts=run.new, collect_errors=run.errors, follow_up=_after_collect(store, run.new),
        )

    return _run("collect", config_path, source, body)


def _rematch_changed_rules(config: Config, store: Store) -> str:
    """The schools' rules changed since the last collection: stored posts that no longer match go (see
    ``monitor.rematch``). Returns a note for the summary."""
    from monitor.rematch import rematch_if_rules_changed

    done = rematch_if_rules_changed(config, store)
    if done is None:
        return ""
    return f"; schoolregels gewijzigd: {done.rows} rijen die niet meer passen verwijderd"


def classify_posts(config_path: str) -> JobOutcome:
    """Score the posts without a label; the dashboard is rebuilt after a run that labelled something."""

    def body(config: Config, store: Store) -> JobOutcome:
        from monitor.classify import classify

        result = classify(config, store)
        summary = f"{count(result.labelled, 'bericht')} gescoord met {result.model_id}"
        return JobOutcome(summary=summary, follow_up=("alert", "dashboard") if result.labelled else ("alert",))

    return _run("classify", config_path, None, body)


def _after_collect(store: Store, new_posts: int) -> tuple[str, ...]:
    """New posts are classified (and alerted after that); without new posts a failed alert is tried again."""
    from monitor.alerts import retry_due

    if new_posts:
        return ("classify",)
    return ("alert",) if retry_due(store) else ()


def send_alerts(config_path: str) -> JobOutcome:
    """Immediate safety alerts for newly flagged posts; sent when [smtp] is configured, else they wait."""

    def body(config: Config, store: Store) -> JobOutcome:
        from monitor.alerts import run_alerts

        if config.smtp is None and config.alerts.enabled:
            log.warning("veiligheidsmeldingen wachten: er is geen [smtp]-sectie in de configuratie")
        run = run_alerts(config, store, send=config.smtp is not None)
        waiting = run.waiting + run.count("te-verzenden")
        summary = f"{run.sent} veiligheidsmeldingen verzonden, {run.failed} mislukt, {waiting} wachten"
        outcome = JobOutcome(summary=summary, alerts_sent=run.sent, alerts_failed=run.failed, alerts_waiting=waiting)
        if run.failed:
            return replace(outcome, status=history.FAILED, error=f"{count(run.failed, 'veiligheidsmelding')} niet "
                           "verzonden; volgt bij de volgende run, zie 'monitor status'")
        return outcome

    return _run("alert", config_path, None, body)


def build_dashboard(config_path: str) -> JobOutcome:
    def body(config: Config, store: Store) -> JobOutcome:
        from dashboards.build import write_dashboard

        path = write_dashboard(config, store)
        return JobOutcome(summary=f"dashboard geschreven: {path}")

    return _run("dashboard", config_path, None, body)


def send_digests(config_path: str) -> JobOutcome:
    """The weekly digest of the last complete week; sent by e-mail when [smtp] is configured."""

    def body(config: Config, store: Store) -> JobOutcome:
        from monitor.digest import run_digests
        from monitor.digest.run import ALREADY_SENT, FAILED, SENT

        results = run_digests(config, store, send=config.smtp is not None)
        sent = sum(r.status == SENT for r in results)
        failed = [r for r in results if r.status == FAILED]
        summary = f"{count(len(results), 'digest')} gemaakt, {sent} verzonden"
        if any(r.status == ALREADY_SENT for r in results):  # e.g. sent by hand before this (caught-up) run
            summary += f", {sum(r.status == ALREADY_SENT for r in results)} waren al verzonden"
        if failed:
            who = ", ".join(f"{r.school_id} ({r.kind})" for r in failed)
            return JobOutcome(history.FAILED, summary, f"{len(failed)} digests niet verzonden: {who}; zie "
                              "'monitor status'", digests_sent=sent)
        return JobOutcome(summary=summary, digests_sent=sent)

    return _run("digest", config_path, None, body)


def purge_data(config_path: str) -> JobOutcome:
    def body(config: Config, store: Store) -> JobOutcome:
        from monitor.retention import purge

        return JobOutcome(summary="; ".join(purge(config, store).lines()))

    return _run("purge", config_path, None, body)


def recheck_source(config_path: str, source: str) -> JobOutcome:
    def body(config: Config, store: Store) -> JobOutcome:
        from monitor.pipeline import recheck_deletions

        results = recheck_deletions(config, store, [source])
        checked, removed = sum(r.checked for r in results), sum(r.removed for r in results)
        return JobOutcome(summary=f"{count(checked, 'bericht')} gecontroleerd, {removed} verwijderd")

    return _run("recheck", config_path, source, body)
