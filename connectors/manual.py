"""Posts found by hand: Facebook, Instagram, TikTok and WhatsApp have no public search, so staff collect what they
see (a link, or a screenshot typed over) in a spreadsheet and import it.

The file is CSV (a header row; comma or semicolon, as Dutch Excel writes) or JSON Lines, with the columns ``url``,
``text``, ``date``, ``platform`` and optionally ``author`` (Dutch names work too: link, tekst, datum, auteur). Each
row becomes one post with the row's platform, so a Facebook post imported twice, or found again later, is stored
once: its identity is the canonical link, or for a row without a link a hash of platform, time and text. A row that
cannot be read is skipped with a message naming its line number; the others are imported. Other columns are not
read (they could hold notes about pupils).

Text is never stored garbled (see ``connectors.manual_encoding``): a JSON Lines line that is not UTF-8, and a row
whose text was converted twice somewhere ("cafÃ©"), are refused with their line number; a CSV that mixes encodings
is refused whole. A row whose post is already stored is a duplicate; with ``replace`` (``monitor import
--replace``) it replaces the stored post when it differs, like an edited post, so an earlier wrong import can be
corrected. A row without a link that an earlier version of this import stored with its UTF-8 read as Windows-1252
(so its identity hashed the garbled text) is recognised too (``garbled_ids``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from pydantic import field_validator

from connectors.base import Connector, ConnectorSettings, MappingError, PayloadError, SourceUnavailableError
from connectors.links import canonical_url, is_web_url
from connectors.manual_encoding import BOM, csv_text, json_document, json_lines, mojibake
from monitor.config import School
from monitor.records import Page, Post, Query, RawPost, now_utc
from monitor.words import number as dutch_number

log = logging.getLogger(__name__)

PLATFORMS = ("facebook", "instagram", "tiktok", "whatsapp", "youtube", "linkedin", "x", "reddit", "anders")
_PLATFORM_ALIASES = {
    "fb": "facebook",
    "ig": "instagram",
    "insta": "instagram",
    "tik tok": "tiktok",
    "whats app": "whatsapp",
    "wa": "whatsapp",
    "yt": "youtube",
    "twitter": "x",
    "other": "anders",
    "overig": "anders",
    "overige": "anders",
}
_COLUMNS = {
    "url": "url",
    "link": "url",
    "text": "text",
    "tekst": "text",
    "bericht": "text",
    "date": "date",
    "datum": "date",
    "platform": "platform",
    "author": "author",
    "auteur": "author",
    "account": "author",
}
FIELDS = ("url", "text", "date", "platform", "author")
MAX_BYTES = 20_000_000
LOCAL_TIME = ZoneInfo("Europe/Amsterdam")
_DUTCH_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[ T,]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?$")
_FORMATS_HINT = "schrijf bijvoorbeeld 12-11-2026, 12-11-2026 14:30 of 2026-11-12T14:30"
MAX_NOTICE_ROWS = 10


def normalise_platform(value: str) -> str | None:
    """The platform name as stored (``Facebook`` -> ``facebook``, ``twitter`` -> ``x``), or None if unknown."""
    folded = " ".join(value.strip().lower().split())
    folded = _PLATFORM_ALIASES.get(folded, folded)
    return folded if folded in PLATFORMS else None


def _platform_list() -> str:
    return ", ".join(PLATFORMS[:-1]) + " of " + PLATFORMS[-1]


class ManualSettings(ConnectorSettings):
    path: Path
    default_platform: str | None = None
    replace: bool = False  # a row whose post is already stored replaces it (text, fields; labels go)

    @field_validator("default_platform")
    @classmethod
    def _known_platform(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        platform = normalise_platform(value)
        if platform is None:
            raise ValueError(f"onbekend platform '{value}'; kies uit {_platform_list()}")
        return platform


@dataclass(frozen=True)
class Row:
    """One readable row of the import file."""

    native_id: str
    platform: str
    url: str | None
    created_at: datetime
    text: str
    author: str | None


def parse_date(value: str, now: datetime | None = None) -> datetime:
    """ISO 8601 or Dutch dd-mm-jjjj [hh:mm]; a time without offset is Dutch local time. ValueError if unreadable."""
    text = value.strip()
    match = _DUTCH_DATE.match(text)
    if match:
        day, month, year, hour, minute, second = (int(g) if g else 0 for g in match.groups())
        moment = datetime(year, month, day, hour, minute, second)  # ValueError for 31-02-2026 or 25:00
    else:
        moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TIME)
    moment = moment.astimezone(UTC)
    if moment.year < 2000:
        raise ValueError("jaartal voor 2000")
    if moment > (now or now_utc()) + timedelta(days=1):
        raise ValueError("ligt in de toekomst")
    return moment


def parse_row(payload: Mapping[str, Any], default_platform: str | None) -> Row:
    """Check one row; MappingError (Dutch, with the line number) says what is wrong and how to fix it."""
    where = f"{payload.get('unit', 'regel')} {payload.get('line', '?')} van {payload.get('file', 'het bestand')}"
    if payload.get("problem"):
        raise MappingError(f"{where}: {payload['problem']}")
    text = str(payload.get("text") or "").replace("\r\n", "\n").strip()
    if not text:
        raise MappingError(f"{where}: de tekst ontbreekt (kolom text); typ of plak de tekst van het bericht")
    garbled = mojibake(text)
    if garbled:
        shown = ", ".join(f"'{bad}' waar '{meant}' bedoeld is" for bad, meant in garbled)
        raise MappingError(
            f"{where}: de tekst bevat verminkte letters ({shown}); het bestand is ergens twee keer omgezet (UTF-8 "
            "gelezen als Windows-1252 en weer opgeslagen) en verminkte tekst wordt niet bewaard. Verbeter de tekst "
            "of exporteer het bestand opnieuw als UTF-8, en importeer het opnieuw"
        )
    given = str(payload.get("platform") or "").strip()
    if not given and not default_platform:
        raise MappingError(
            f"{where}: het platform ontbreekt; vul de kolom platform in (bijvoorbeeld facebook) "
            "of geef een standaardplatform op (default_platform, of --platform bij monitor import)"
        )
    platform = normalise_platform(given) if given else default_platform
    if platform is None:
        raise MappingError(f"{where}: onbekend platform '{given}'; kies uit {_platform_list()}")
    date_text = str(payload.get("date") or "").strip()
    if not date_text:
        raise MappingError(f"{where}: de datum ontbreekt (kolom date); {_FORMATS_HINT}")
    try:
        created_at = parse_date(date_text)
    except ValueError as exc:
        reason = str(exc) if str(exc) in ("ligt in de toekomst", "jaartal voor 2000") else "niet te lezen"
        raise MappingError(f"{where}: datum '{date_text}' {reason}; {_FORMATS_HINT}") from None
    url = _url(str(payload.get("url") or "").strip(), where)
    native_id = url or _text_id(platform, created_at, text)
    author = str(payload.get("author") or "").strip() or None
    return Row(native_id, platform, url, created_at, text, author)


def _text_id(platform: str, created_at: datetime, text: str) -> str:
    """The identity of a row without a link."""
    basis = f"{platform}|{created_at.isoformat()}|{' '.join(text.split())}"
    return "sha256:" + hashlib.sha256(basis.encode()).hexdigest()[:32]


def garbled_ids(row: Row) -> tuple[str, ...]:
    """Identities an earlier import may have stored this row under: before a CSV was checked for mixed encodings,
    its UTF-8 could be read as Windows-1252, and for a row without a link the garbled text went into its identity."""
    if row.url or row.text.isascii():
        return ()
    try:
        garbled = row.text.encode("utf-8").decode("cp1252")
    except UnicodeDecodeError:  # such a file was refused whole, so nothing was stored
        return ()
    return (_text_id(row.platform, row.created_at, garbled),)


def _url(value: str, where: str) -> str | None:
    if not value:
        return None
    if "://" not in value and re.match(r"^[\w.-]+\.[a-z]{2,}(/|$)", value, re.IGNORECASE):
        value = "https://" + value  # 'www.facebook.com/...' as copied from an address bar
    canonical = canonical_url(value)
    if not is_web_url(canonical):
        raise MappingError(f"{where}: '{value}' is geen geldige link; begin met https://, of laat de kolom url leeg")
    return canonical


class ManualImportConnector(Connector):
    name: ClassVar[str] = "manual"
    platform: ClassVar[str] = "manual"  # each post carries its row's platform (facebook, instagram, ...)
    version: ClassVar[str] = "1"
    Settings: ClassVar[type[ConnectorSettings]] = ManualSettings
    credentials: ClassVar[str] = "geen"
    description: ClassVar[str] = (
        "Handmatige import (CSV of JSON Lines) van berichten die je zelf vond op Facebook, Instagram, TikTok "
        "of WhatsApp"
    )

    @property
    def path(self) -> Path:
        assert isinstance(self.settings, ManualSettings)
        return self.settings.path.expanduser()

    @property
    def default_platform(self) -> str | None:
        assert isinstance(self.settings, ManualSettings)
        return self.settings.default_platform

    @property
    def replace(self) -> bool:
        assert isinstance(self.settings, ManualSettings)
        return self.settings.replace

    def queries(self, schools: Sequence[School]) -> list[Query]:
        return [Query(id="file", text=str(self.path), school_ids=tuple(s.id for s in schools))]

    def fetch(self, query: Query, cursor: Mapping[str, Any]) -> Iterator[Page]:
        path = Path(query.text)
        data = _read(path)
        digest = hashlib.sha256(data).hexdigest()
        if cursor.get("sha256") == digest:
            log.info(
                "%s: %s is ongewijzigd sinds de vorige import; wat er al staat, wordt overgeslagen",
                self.source_name,
                path,
            )
        rows, notices = read_rows(data, path)
        fetched_at = now_utc()
        items: list[RawPost] = []
        problems: list[str] = []
        for payload in rows:
            try:
                native_id = parse_row(payload, self.default_platform).native_id
            except MappingError as exc:
                native_id = f"{path.name}:{payload['line']}"
                problems.append(str(exc))
            items.append(self.raw_post(native_id, payload, query.text, fetched_at))
        if problems:
            shown = "; ".join(problems[:MAX_NOTICE_ROWS])
            extra = f"; en nog {len(problems) - MAX_NOTICE_ROWS}" if len(problems) > MAX_NOTICE_ROWS else ""
            notices.append(f"{len(problems)} van {len(items)} regels niet geïmporteerd: {shown}{extra}")
        yield Page(items, {"sha256": digest}, notices=tuple(notices))

    def to_post(self, raw: RawPost) -> Post:
        row = parse_row(raw.payload, self.default_platform)
        return Post(
            platform=row.platform,
            native_id=row.native_id,
            url=row.url,
            created_at=row.created_at,
            fetched_at=raw.fetched_at,
            text=row.text,
            author=row.author,
            source=raw.source,
            query=raw.query,
            replaces=self.replace,
            earlier_ids=garbled_ids(row),
        )


def _read(path: Path) -> bytes:
    if not path.exists():
        raise SourceUnavailableError(
            f"Het importbestand {path} bestaat niet. Controleer het pad (een relatief pad telt vanaf de map "
            "waarin je het commando start)."
        )
    if not path.is_file():
        raise SourceUnavailableError(f"{path} is geen bestand (een map?). Geef het pad naar het CSV- of JSONL-bestand.")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise PayloadError(f"{path} is groter dan {dutch_number(MAX_BYTES)} bytes; splits het bestand in kleinere "
                           "delen.")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SourceUnavailableError(f"{path} kon niet worden gelezen ({exc.strerror or exc}).") from None


def read_rows(data: bytes, path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows of a CSV or JSON Lines file, each a payload with ``line``, ``file`` and the known columns; plus
    notices about the file as a whole."""
    suffix = path.suffix.lower()
    start = data.removeprefix(BOM).lstrip()[:1]
    if suffix in (".jsonl", ".json", ".ndjson") or (suffix != ".csv" and start in (b"{", b"[")):
        return _json_rows(data, path), []
    return _csv_rows(*csv_text(data, path), path)


def _column(name: str) -> str | None:
    return _COLUMNS.get(name.strip().strip('"').lstrip("\ufeff").strip().lower())


def _delimiter(header: str) -> str:
    def score(delimiter: str) -> tuple[int, int]:
        known = sum(1 for cell in header.split(delimiter) if _column(cell))
        return known, header.count(delimiter)

    return max((";", ",", "\t"), key=score)


def _csv_rows(text: str, notices: list[str], path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    if not header_line:
        raise PayloadError(f"{path} is leeg; verwacht een kopregel met url, text, date, platform (en evt. author).")
    delimiter = _delimiter(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] = []
    for cells in reader:
        if any(cell.strip() for cell in cells):
            header = cells
            break
    columns = [_column(cell) for cell in header]
    found = {c for c in columns if c}
    missing = [c for c in ("text", "date") if c not in found]
    if missing:
        raise PayloadError(
            f"{path}: de kopregel mist de kolom(men) {', '.join(missing)} (gevonden: {', '.join(header)}). "
            "Verwacht: url, text, date, platform en eventueel author (of link, tekst, datum, auteur)."
        )
    ignored = [cell.strip() for cell, column in zip(header, columns, strict=True) if not column and cell.strip()]
    if ignored:
        notices.append(f"{path.name}: kolom(men) {', '.join(ignored)} niet gelezen (alleen {', '.join(FIELDS)}).")
    rows: list[dict[str, Any]] = []
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rows.append({"line": line, "unit": "regel", "file": path.name, "problem": f"onleesbare CSV ({exc})"})
            break
        if not any(cell.strip() for cell in cells):
            continue
        payload: dict[str, Any] = {"line": line, "unit": "regel", "file": path.name}
        for column, cell in zip(columns, cells, strict=False):
            if column and cell.strip():
                payload[column] = cell
        if any(cell.strip() for cell in cells[len(columns) :]):
            payload["problem"] = (
                f"meer kolommen dan in de kopregel; staat er een '{delimiter}' in de tekst? "
                "Zet de tekst dan tussen aanhalingstekens"
            )
        rows.append(payload)
    return rows, notices


def _json_rows(data: bytes, path: Path) -> list[dict[str, Any]]:
    if data.removeprefix(BOM).lstrip().startswith(b"["):
        try:
            values = json.loads(json_document(data, path))
        except json.JSONDecodeError as exc:
            raise PayloadError(f"{path} is geen geldige JSON (regel {exc.lineno}: {exc.msg}).") from None
        return [_json_payload(value, index, "item", path) for index, value in enumerate(values, start=1)]
    rows = []
    for number, line, problem in json_lines(data, path):
        if line is None:
            rows.append({"line": number, "unit": "regel", "file": path.name, "problem": problem})
            continue
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append(
                {"line": number, "unit": "regel", "file": path.name, "problem": f"geen geldige JSON ({exc.msg})"}
            )
            continue
        rows.append(_json_payload(value, number, "regel", path))
    return rows


def _json_payload(value: Any, number: int, unit: str, path: Path) -> dict[str, Any]:
    payload: dict[str, Any] = {"line": number, "unit": unit, "file": path.name}
    if not isinstance(value, dict):
        payload["problem"] = "verwacht een object met url, text, date, platform ({...})"
        return payload
    for key, item in value.items():
        column = _column(str(key))
        if column and item is not None and str(item).strip():
            payload[column] = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
    return payload
