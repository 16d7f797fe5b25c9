"""The one configuration file (``monitor.toml``), validated with pydantic.

Precedence: command-line option > environment variable > file. Secrets are never written in the file, only
referenced (``token = { env = "X_BEARER_TOKEN" }``) and resolved when a source needs them.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from monitor.config_errors import format_validation_error, numbers_not_text
from monitor.errors import ConfigError, SecretMissingError

DEFAULT_CONFIG_NAME = "monitor.toml"
ENV_CONFIG = "MONITOR_CONFIG"
ENV_DATA_DIR = "MONITOR_DATA_DIR"
ENV_LOG_LEVEL = "MONITOR_LOG_LEVEL"

_SLUG = r"^[a-z0-9][a-z0-9_-]*$"


class StrictModel(BaseModel):
    """Unknown keys are errors, not silently ignored; so is a number written as text (``port = "587"``)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
    _numbers_not_text = field_validator("*", mode="before")(numbers_not_text)


class SecretRef(StrictModel):
    """A reference to a secret in the environment: ``{ env = "NAME" }``."""

    env: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")

    def resolve(self, purpose: str = "") -> str:
        value = os.environ.get(self.env, "")
        if not value:
            why = f" (nodig voor {purpose})" if purpose else ""
            raise SecretMissingError(
                f"De omgevingsvariabele {self.env} is niet gezet{why}. "
                f"Zet hem, bijvoorbeeld: export {self.env}=..."
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _refuse_literal(cls, data: Any) -> Any:
        if isinstance(data, str):
            raise ValueError(
                'een geheim hoort niet in het bestand; verwijs naar een omgevingsvariabele: { env = "NAAM" }'
            )
        return data


class School(StrictModel):
    id: str = Field(pattern=_SLUG, description="Short stable identifier, e.g. 'regenboog-zoetermeer'.")
    name: str = Field(min_length=2)
    town: str | None = None
    brin: str | None = Field(default=None, pattern=r"^[0-9]{2}[A-Z]{2}([0-9]{2})?$")
    aliases: list[str] = Field(default_factory=list)
    handles: list[str] = Field(default_factory=list)
    hashtags: list[str] = Field(default_factory=list)
    include: list[str] = Field(default_factory=list, description="Extra context terms that confirm a match.")
    exclude: list[str] = Field(default_factory=list, description="Terms that veto a match; they always win.")
    ambiguous: list[str] = Field(default_factory=list, description="Aliases that need a context term.")
    distinctive: list[str] = Field(default_factory=list, description="Aliases that never need context.")
    recipients: list[str] = Field(default_factory=list, description="Who gets the weekly digest (communications).")
    safety_recipients: list[str] = Field(
        default_factory=list, description="The school's safety contact(s): the only ones who get the safety section."
    )

    @field_validator("recipients", "safety_recipients")
    @classmethod
    def _email_form(cls, addresses: list[str]) -> list[str]:
        return _email_addresses(addresses)

    @field_validator("aliases", "include", "exclude", "ambiguous", "distinctive")
    @classmethod
    def _no_empty_terms(cls, terms: list[str]) -> list[str]:
        cleaned = [t.strip() for t in terms]
        if any(len(t) < 2 for t in cleaned):
            raise ValueError("elke term moet minstens 2 tekens hebben")
        return cleaned

    @field_validator("handles")
    @classmethod
    def _handle_form(cls, handles: list[str]) -> list[str]:
        out = []
        for handle in handles:
            handle = handle.strip()
            if not re.fullmatch(r"@?[A-Za-z0-9_.]{2,50}(@[A-Za-z0-9.-]+)?", handle):
                raise ValueError(f"'{handle}' is geen account-naam (verwacht zoiets als @schoolnaam)")
            out.append(handle if handle.startswith("@") else "@" + handle)
        return out

    @field_validator("hashtags")
    @classmethod
    def _hashtag_form(cls, tags: list[str]) -> list[str]:
        out = []
        for tag in tags:
            tag = tag.strip()
            if not re.fullmatch(r"#?\w{2,100}", tag):
                raise ValueError(f"'{tag}' is geen hashtag (verwacht zoiets als #SchoolnaamPlaats, zonder spaties)")
            out.append(tag if tag.startswith("#") else "#" + tag)
        return out


def _email_addresses(addresses: list[str]) -> list[str]:
    out = []
    for address in addresses:
        address = address.strip()
        if not re.fullmatch(r"[^@\s<>,;]+@[^@\s<>,;]+\.[A-Za-z]{2,}", address):
            raise ValueError(f"'{address}' is geen e-mailadres (verwacht zoiets als naam@school.nl)")
        out.append(address)
    return out


class PrivacyConfig(StrictModel):
    pseudonymise_authors: bool = True
    pseudonym_key: SecretRef = SecretRef(env="MONITOR_PSEUDONYM_KEY")
    # Display handles are only kept (for the safety contact) when a school explicitly turns this on.
    keep_handles_for_safety: bool = False
    raw_retention_days: int = Field(default=14, ge=1, le=365)  # platform payloads, kept for re-mapping only
    post_retention_weeks: int = Field(default=26, ge=1, le=520)  # posts, labels, review texts; aggregates stay
    actor: str | None = None  # name recorded in the audit log (default: the logged-in user)


class BoardConfig(StrictModel):
    """A school board (bestuur): one extra digest across all its schools."""

    name: str = Field(min_length=2)
    recipients: list[str] = Field(min_length=1)
    schools: list[str] | None = None  # default: all schools in this file

    @field_validator("recipients")
    @classmethod
    def _email_form(cls, addresses: list[str]) -> list[str]:
        return _email_addresses(addresses)


class SmtpConfig(StrictModel):
    """Where digests are sent. Username and password come from the environment, never from this file."""

    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: SecretRef | None = None
    password: SecretRef | None = None
    sender: str = Field(min_length=3)
    timeout_seconds: float = Field(default=30, gt=0, le=600)
    attempts: int = Field(default=3, ge=1, le=10)

    @field_validator("sender")
    @classmethod
    def _sender_form(cls, sender: str) -> str:
        return _email_addresses([sender])[0]


class DigestConfig(StrictModel):
    history_weeks: int = Field(default=4, ge=1, le=26)  # previous weeks to compare the counts with
    board: BoardConfig | None = None


ALERT_CATEGORIES = ("bedreiging", "seksuele_intimidatie", "pesten", "kleineren", "persoonsgegevens", "beeldmateriaal")


class AlertsConfig(StrictModel):
    """Immediate e-mail to a school's safety_recipients for every post newly flagged in one of ``categories``."""

    enabled: bool = True
    categories: list[str] = Field(default_factory=lambda: ["bedreiging", "seksuele_intimidatie", "pesten"])
    max_age_days: int = Field(default=14, ge=1, le=366)  # older posts are not alerted (they were in a digest)

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, names: list[str]) -> list[str]:
        unknown = [n for n in names if n not in ALERT_CATEGORIES]
        if unknown:
            raise ValueError(f"onbekende categorie {', '.join(unknown)}; kies uit: {', '.join(ALERT_CATEGORIES)}")
        return list(dict.fromkeys(names))


class DashboardConfig(StrictModel):
    link_posts: bool = False  # aggregates only by default; true adds links to posts for roles that need them
    rolling_weeks: int = Field(default=4, ge=1, le=13)  # window for the smoothed share lines


class WebConfig(StrictModel):
    """The web app for school staff (``monitor web``; with ``enabled`` also inside ``monitor run``)."""

    enabled: bool = False
    host: str = "127.0.0.1"  # only this machine; put a TLS reverse proxy in front (docs/operations.md)
    port: int = Field(default=8080, ge=1, le=65535)
    base_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(/[^\s]*)?$")  # links in e-mails to posts


class SchedulerConfig(StrictModel):
    """When ``monitor run`` does what. Times are HH:MM in the configured timezone."""

    collect_every_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)  # sources without their own schedule
    digest_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    digest_time: str = Field(default="07:30", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    purge_time: str = Field(default="03:15", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    recheck_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "sun"
    recheck_time: str = Field(default="04:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    misfire_grace_minutes: int = Field(default=6 * 60, ge=1)  # a restart within this still runs missed jobs once
    stop_timeout_seconds: int = Field(default=600, ge=1)  # how long a running job may finish on shutdown
    health_port: int | None = Field(default=None, ge=1024, le=65535)  # /healthz and /metrics on 127.0.0.1
    json_logs: bool = False


class ModelConfig(StrictModel):
    """The Dutch model stage. The default runs offline on the bundled encoder and the project's own heads."""

    name: str = Field(default="builtin", description="'builtin', or a Hugging Face model id or local folder")
    allow_download: bool = False  # a hub model is only downloaded when this is true
    uncertain_below: float = Field(default=0.5, gt=0, lt=1)  # top sentiment probability below this: 'onzeker'
    neutral_band: float = Field(default=0.2, ge=0, lt=1)  # binary hub models: |pos - neg| below this is neutral
    category_threshold: float = Field(default=0.5, gt=0, lt=1)
    precision: Literal["int8", "fp32"] = "int8"  # int8: dynamic quantisation, several times faster on CPU
    batch_size: int = Field(default=32, ge=1, le=512)
    max_length: int = Field(default=128, ge=16, le=512)


class ClusterConfig(StrictModel):
    """Re-scoring on a Dask cluster (``monitor classify --rescore --cluster ...``); see docs/operations.md."""

    scheduler: str | None = Field(default=None, description="'local:N' or a Dask scheduler, e.g. 'tcp://host:8786'")


class SourceConfig(BaseModel):
    """One connector instance. Keys beyond these are the connector's own settings, checked by its model."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    name: str = Field(pattern=_SLUG)
    type: str = Field(min_length=1)
    enabled: bool = True
    schools: list[str] | None = Field(default=None, description="Limit matching to these school ids.")
    every_minutes: int | None = Field(default=None, ge=1, description="Own collection interval for the scheduler.")
    _settings: BaseModel | None = PrivateAttr(default=None)

    @property
    def settings(self) -> BaseModel:
        if self._settings is None:  # pragma: no cover - load_config always sets it
            raise ConfigError(f"bron {self.name}: instellingen zijn niet gecontroleerd")
        return self._settings

    def connector_options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Config(StrictModel):
    data_dir: Path = Path("monitor-data")
    language: Literal["nl", "en"] = "nl"
    timezone: str = "Europe/Amsterdam"
    privacy: PrivacyConfig = PrivacyConfig()
    model: ModelConfig = ModelConfig()
    cluster: ClusterConfig = ClusterConfig()
    smtp: SmtpConfig | None = None
    digest: DigestConfig = DigestConfig()
    alerts: AlertsConfig = AlertsConfig()
    dashboard: DashboardConfig = DashboardConfig()
    web: WebConfig = WebConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    schools: list[School] = Field(min_length=1)
    sources: list[SourceConfig] = Field(default_factory=list)
    _path: Path | None = PrivateAttr(default=None)

    @property
    def path(self) -> Path | None:
        return self._path

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"onbekende tijdzone '{name}' (bijvoorbeeld Europe/Amsterdam)") from None
        return name

    @model_validator(mode="after")
    def _cross_checks(self) -> Config:
        _require_unique([s.id for s in self.schools], "schools", "id")
        _require_unique([s.name for s in self.sources], "sources", "name")
        known = {s.id for s in self.schools}
        for i, source in enumerate(self.sources):
            for school_id in source.schools or []:
                if school_id not in known:
                    raise ValueError(
                        f"sources[{i}].schools: onbekende school '{school_id}' (bekend: {', '.join(sorted(known))})"
                    )
        board = self.digest.board
        for school_id in (board.schools or []) if board else []:
            if school_id not in known:
                raise ValueError(
                    f"digest.board.schools: onbekende school '{school_id}' (bekend: {', '.join(sorted(known))})"
                )
        return self

    def school(self, school_id: str) -> School:
        for school in self.schools:
            if school.id == school_id:
                return school
        raise ConfigError(f"Onbekende school '{school_id}'. Bekend: {', '.join(s.id for s in self.schools)}")

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "geen"
        raise ConfigError(f"Onbekende bron '{name}'. Bronnen in de configuratie: {known}")


def _require_unique(values: list[str], list_name: str, key: str) -> None:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            raise ValueError(f"{list_name}[{i}].{key}: '{value}' komt vaker voor; elke {key} moet uniek zijn")
        seen.add(value)


def config_path(option: str | Path | None) -> Path:
    """Where the config file is: the option, else $MONITOR_CONFIG, else ./monitor.toml."""
    if option:
        return Path(option)
    return Path(os.environ.get(ENV_CONFIG) or DEFAULT_CONFIG_NAME)


def load_config(path: str | Path | None = None) -> Config:
    """Read, validate and return the config; every problem becomes one ConfigError naming file and key path."""
    file = config_path(path)
    if not file.is_file():
        raise ConfigError(
            f"Configuratiebestand {file} niet gevonden. Maak er een met 'monitor init' "
            f"of geef het pad met --config of {ENV_CONFIG}."
        )
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8-sig"))  # Notepad writes a BOM
    except UnicodeDecodeError:
        raise ConfigError(f"{file}: het bestand is geen UTF-8 tekst.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: geen geldige TOML ({exc}).") from None
    try:
        config = Config.model_validate(data)
        _validate_source_settings(config)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(file, exc, Config)) from None
    except ValueError as exc:  # cross checks raised outside pydantic
        raise ConfigError(f"{file}: de configuratie klopt niet (1 probleem):\n  - {exc}") from None
    config._path = file.resolve()
    return _apply_data_dir(config, file)


def _validate_source_settings(config: Config) -> None:
    from connectors.registry import UnknownConnectorError, get_connector_class

    for i, source in enumerate(config.sources):
        try:
            connector = get_connector_class(source.type)
        except UnknownConnectorError as exc:
            raise ValueError(f"sources[{i}].type: {exc}") from None
        try:
            source._settings = connector.Settings.model_validate(source.connector_options())
        except ValidationError as exc:
            raise _prefixed(exc, ("sources", i)) from None


def _prefixed(exc: ValidationError, prefix: tuple[str | int, ...]) -> ValidationError:
    """Re-raise a connector-settings error with the key path of the source it belongs to."""
    from pydantic_core import InitErrorDetails

    details: list[InitErrorDetails] = []
    for err in exc.errors():
        detail: InitErrorDetails = {
            "type": err["type"],
            "loc": prefix + tuple(err["loc"]),
            "input": err.get("input"),
        }
        if "ctx" in err:
            detail["ctx"] = err["ctx"]
        details.append(detail)
    return ValidationError.from_exception_data("Config", details)


def _apply_data_dir(config: Config, file: Path) -> Config:
    override = os.environ.get(ENV_DATA_DIR)
    data_dir = Path(override) if override else config.data_dir
    if not data_dir.is_absolute():
        # Relative to the config file, so the same file works from any working directory.
        data_dir = (file.parent if not override else Path.cwd()) / data_dir
    updated = config.model_copy(update={"data_dir": data_dir.resolve()})
    updated._path = config._path
    return updated
