"""Which jobs the config asks for: stable ids, triggers and job functions referenced by text.

Ids are stable (``collect:<source>``, ``recheck:<source>``, ``digest``, ``purge``, ``classify``, ``dashboard``), so a
restart with a changed config replaces jobs instead of adding duplicates. ``classify`` and ``dashboard`` are
one-shot jobs the service adds after a collection with new posts and after a classification run; ``alert`` runs after
every classification (and after a collection while a failed alert waits to be sent again).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.config import Config
from monitor.errors import ConfigError

KINDS = ("collect", "classify", "alert", "dashboard", "digest", "purge", "recheck")
ONE_SHOT_KINDS = ("classify", "alert", "dashboard")

FUNCTIONS = {
    "collect": "monitor.scheduler.jobs:collect_source",
    "classify": "monitor.scheduler.jobs:classify_posts",
    "alert": "monitor.scheduler.jobs:send_alerts",
    "dashboard": "monitor.scheduler.jobs:build_dashboard",
    "digest": "monitor.scheduler.jobs:send_digests",
    "purge": "monitor.scheduler.jobs:purge_data",
    "recheck": "monitor.scheduler.jobs:recheck_source",
}

DAYS = {"mon": "ma", "tue": "di", "wed": "wo", "thu": "do", "fri": "vr", "sat": "za", "sun": "zo"}


@dataclass(frozen=True)
class JobSpec:
    id: str
    kind: str
    args: tuple[str, ...]
    name: str  # shown by ``monitor status``; says when the job runs
    trigger: Any  # an APScheduler trigger
    run_now: bool = False  # a new job runs once right away (collection), instead of after its first interval

    @property
    def func(self) -> str:
        return FUNCTIONS[self.kind]

    def key(self) -> str:
        """What must be equal for a stored job to be kept as it is (with its next run time)."""
        return f"{self.func}|{self.args}|{self.name}|{trigger_key(self.trigger)}"


def job_id(kind: str, source: str | None = None) -> str:
    return f"{kind}:{source}" if source else kind


def parse_kinds(names: Collection[str] | None) -> tuple[str, ...]:
    """The job kinds to run (default: all); an unknown name is a usage error."""
    if not names:
        return KINDS
    unknown = sorted(set(names) - set(KINDS))
    if unknown:
        raise ConfigError(f"Onbekend taaktype {', '.join(unknown)}; kies uit: {', '.join(KINDS)}.")
    return tuple(k for k in KINDS if k in names)


def planned_jobs(config: Config, config_path: str, kinds: Collection[str], time_scale: float = 1.0) -> list[JobSpec]:
    """The recurring jobs for this config (one-shot jobs come from :func:`one_shot`)."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    from connectors.base import Connector
    from connectors.registry import get_connector_class

    tz = config.timezone
    sched = config.scheduler
    specs: list[JobSpec] = []
    sources = [s for s in config.sources if s.enabled]
    if "collect" in kinds:
        for source in sources:
            seconds = scaled(60 * (source.every_minutes or sched.collect_every_minutes), time_scale)
            specs.append(JobSpec(
                job_id("collect", source.name), "collect", (config_path, source.name),
                f"ophalen {source.name} (elke {_every(seconds)})",
                IntervalTrigger(seconds=seconds, timezone=tz), run_now=True,
            ))
    if "recheck" in kinds:
        hour, minute = _hh_mm(sched.recheck_time)
        for source in sources:
            if get_connector_class(source.type).deleted is Connector.deleted:
                continue  # this connector cannot see deletions
            specs.append(JobSpec(
                job_id("recheck", source.name), "recheck", (config_path, source.name),
                f"verwijderde berichten controleren {source.name} ({DAYS[sched.recheck_day]} {sched.recheck_time})",
                CronTrigger(day_of_week=sched.recheck_day, hour=hour, minute=minute, timezone=tz),
            ))
    if "digest" in kinds:
        hour, minute = _hh_mm(sched.digest_time)
        specs.append(JobSpec(
            "digest", "digest", (config_path,), f"weekdigest ({DAYS[sched.digest_day]} {sched.digest_time})",
            CronTrigger(day_of_week=sched.digest_day, hour=hour, minute=minute, timezone=tz),
        ))
    if "purge" in kinds:
        hour, minute = _hh_mm(sched.purge_time)
        specs.append(JobSpec(
            "purge", "purge", (config_path,), f"oude gegevens opruimen (dagelijks {sched.purge_time})",
            CronTrigger(hour=hour, minute=minute, timezone=tz),
        ))
    return specs


def one_shot(kind: str, config_path: str, when: datetime) -> JobSpec:
    """A job that runs once: classification after a collection, the dashboard after a classification."""
    from apscheduler.triggers.date import DateTrigger

    names = {"classify": "berichten sorteren (na ophalen)", "dashboard": "dashboard bijwerken (na sorteren)",
             "alert": "veiligheidsmeldingen versturen (na sorteren)"}
    return JobSpec(kind, kind, (config_path,), names[kind], DateTrigger(run_date=when))


def scaled(seconds: float, time_scale: float) -> int:
    """``--time-scale`` (a testing knob) shortens every minute of the config; never below one second."""
    return max(1, round(seconds / time_scale))


def trigger_key(trigger: Any) -> str:
    from apscheduler.triggers.interval import IntervalTrigger

    zone = getattr(trigger, "timezone", "")
    if isinstance(trigger, IntervalTrigger):
        return f"interval[{trigger.interval.total_seconds()}]@{zone}"
    return f"{trigger}@{zone}"


def _every(seconds: int) -> str:
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


def _hh_mm(text: str) -> tuple[int, int]:
    hour, minute = text.split(":")
    return int(hour), int(minute)
