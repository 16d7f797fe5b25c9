"""Log output of ``monitor run``: text lines or JSON lines on stderr (journald or a container runtime collects
them), with the values of every secret the config references replaced by ``***``.

Called by the CLI only; library modules just log through ``logging.getLogger(__name__)``. Nothing logs post texts
at INFO: job results are counts.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from monitor.config import Config, SecretRef

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
MIN_SECRET = 4  # shorter values would redact ordinary words


class RedactingFormatter(logging.Formatter):
    """Formats with ``inner``, then replaces every secret value (also in its JSON-escaped form)."""

    def __init__(self, inner: logging.Formatter, secrets: list[str]) -> None:
        super().__init__()
        self.inner = inner
        variants = {v for s in secrets for v in (s, json.dumps(s)[1:-1])}
        self.secrets = sorted(variants, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = self.inner.format(record)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


def configure(config: Config, level: int, json_lines: bool) -> None:
    """Replace the root handlers with one stderr handler in the chosen format."""
    if json_lines:
        from pythonjsonlogger.json import JsonFormatter

        inner: logging.Formatter = JsonFormatter(
            JSON_FIELDS, rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}
        )
    else:
        inner = logging.Formatter(TEXT_FORMAT)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(inner, secret_values(config)))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # urllib3 warns on every retry; the job result already says what went wrong.
    logging.getLogger("urllib3").setLevel(max(level, logging.ERROR))
    handler.addFilter(DutchSchedulerLines())


class DutchSchedulerLines(logging.Filter):
    """APScheduler's own harmless lines, in Dutch and at the level they deserve: a job still busy when its next
    turn comes is skipped once (that is how the service keeps one collection per source at a time), not a warning."""

    SKIPPED = "maximum number of running instances reached"

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("apscheduler") and self.SKIPPED in record.getMessage():
            job = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
            record.msg, record.args = "taak %s draait nog; deze beurt wordt overgeslagen (de volgende komt vanzelf)", (
                job,)
            record.levelno, record.levelname = logging.INFO, "INFO"
            return logging.getLogger().isEnabledFor(logging.INFO)
        return True


def level_from_env(verbose: bool) -> int:
    """INFO for the service unless MONITOR_LOG_LEVEL says otherwise; -v gives DEBUG."""
    if verbose:
        return logging.DEBUG
    level = logging.getLevelName(os.environ.get("MONITOR_LOG_LEVEL", "INFO").upper())
    return level if isinstance(level, int) else logging.INFO


def secret_values(config: Config) -> list[str]:
    """The values of the environment variables that the config's secret references point to."""
    names = {ref.env for ref in _secret_refs(config)}
    names |= {ref.env for source in config.sources for ref in _secret_refs(source.settings)}
    values = (os.environ.get(name, "") for name in sorted(names))
    return [v for v in values if len(v) >= MIN_SECRET]


def _secret_refs(value: Any) -> Iterator[SecretRef]:
    if isinstance(value, SecretRef):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _secret_refs(getattr(value, name))
        for extra in (value.model_extra or {}).values():
            yield from _secret_refs(extra)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _secret_refs(item)
    elif isinstance(value, dict):
        if isinstance(value.get("env"), str) and len(value) == 1:
            yield SecretRef(env=value["env"])
        for item in value.values():
            yield from _secret_refs(item)
