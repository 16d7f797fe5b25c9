"""How the bytes of a manual import file become text, without ever corrupting it for good.

* **JSON Lines** is UTF-8 by definition: each line is decoded on its own (a BOM before the first line is dropped). A
  line that is not UTF-8 is one bad row, reported with its line number; the other lines are imported.
* **CSV** is decoded as a whole: UTF-8 (with or without BOM), or Windows-1252 when the *whole* file is, as Excel's
  plain "CSV" writes it. A file that mixes the two (some lines UTF-8 with accents, others only readable as
  Windows-1252, e.g. rows pasted together from two exports) is refused, naming the lines: reading it either way
  would garble one of the parts.
* **Mojibake**: text that was converted twice before it reached us ("cafÃ©" for "café": UTF-8 read as Windows-1252
  or Latin-1 and saved again) is recognised with ftfy, so that such a row can be refused instead of stored.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import ftfy

from connectors.base import PayloadError

BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # also the start of UTF-32 LE/BE
EXCEL_ADVICE = (
    "Sla het in Excel op met Opslaan als > 'CSV UTF-8 (door komma's gescheiden)' en importeer het opnieuw."
)
JSON_ADVICE = (
    "JSON Lines is altijd UTF-8: sla het bestand op als UTF-8 (in een teksteditor: Opslaan als > codering UTF-8) "
    "of exporteer het opnieuw uit het programma dat het maakte, en importeer het opnieuw"
)
MAX_LINES_NAMED = 10
MAX_EXAMPLES = 3
# ftfy's repair steps that mean: these characters are UTF-8 bytes that were read as another encoding
_UTF8_REREAD = (("decode", "utf-8"), ("apply", "decode_inconsistent_utf8"))


def _lines(data: bytes) -> list[bytes]:
    """The physical lines (numbered from 1 by position), without their line ending."""
    return [line.removesuffix(b"\r") for line in data.split(b"\n")]


def _refuse_utf16(data: bytes, path: Path, advice: str) -> None:
    if data.startswith(_UTF16_BOMS):
        raise PayloadError(f"{path} is opgeslagen als UTF-16 ('Unicode-tekst'), niet als UTF-8. {advice}")


def _bad_byte(error: UnicodeDecodeError) -> str:
    return f"byte 0x{error.object[error.start]:02X} op positie {error.start + 1}"


def json_lines(data: bytes, path: Path) -> list[tuple[int, str | None, str]]:
    """Each line of a JSON Lines file as (line number, text, problem): text is None when the line is not UTF-8,
    and problem then says so and what to do."""
    _refuse_utf16(data, path, JSON_ADVICE + ".")
    lines: list[tuple[int, str | None, str]] = []
    for number, raw in enumerate(_lines(data.removeprefix(BOM)), start=1):
        try:
            lines.append((number, raw.decode("utf-8"), ""))
        except UnicodeDecodeError as exc:
            lines.append((number, None, f"geen geldige UTF-8 ({_bad_byte(exc)}); {JSON_ADVICE}"))
    return lines


def json_document(data: bytes, path: Path) -> str:
    """A whole JSON document (a list of objects): UTF-8, with or without BOM."""
    _refuse_utf16(data, path, JSON_ADVICE + ".")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PayloadError(f"{path} is geen geldige UTF-8 (regel {line}: {_bad_byte(exc)}). {JSON_ADVICE}.") from None


def csv_text(data: bytes, path: Path) -> tuple[str, list[str]]:
    """A CSV file as text, with a notice when it was read as Windows-1252; PayloadError for a file that is not one
    encoding throughout (it names the lines) or not text at all."""
    _refuse_utf16(data, path, EXCEL_ADVICE)
    body = data.removeprefix(BOM)
    try:
        return body.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    utf8, other = _lines_by_encoding(body)
    if utf8 or body is not data:
        first = _named(utf8, "UTF-8") if utf8 else "het begint met het UTF-8-kenmerk (BOM)"
        raise PayloadError(
            f"{path} mengt twee tekencoderingen: {first}; {_named(other, 'geen UTF-8')}. Zo ingelezen zouden de "
            "letters met accenten (é, ë, ü) in een deel van de regels verminkt raken, dus er is niets geïmporteerd. "
            f"Waren de regels uit verschillende bestanden geplakt? {EXCEL_ADVICE}"
        )
    try:
        text = body.decode("cp1252")  # Excel's plain "CSV" (not "CSV UTF-8") on Windows
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        raise PayloadError(
            f"{path} is geen tekstbestand in UTF-8 of Windows-1252 (regel {line}: {_bad_byte(exc)}). {EXCEL_ADVICE}"
        ) from None
    return text, [
        f"{path.name} is geen UTF-8 en is als geheel gelezen als Windows-1252 (gewone 'CSV' uit Excel); kies in "
        "Excel voortaan 'CSV UTF-8'."
    ]


def _lines_by_encoding(body: bytes) -> tuple[list[int], list[int]]:
    """Numbers of the lines with letters beyond ASCII that are UTF-8, and of those that are not."""
    utf8, other = [], []
    for number, line in enumerate(_lines(body), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other.append(number)
        else:
            utf8.append(number)
    return utf8, other


def _named(numbers: list[int], what: str) -> str:
    shown = ", ".join(map(str, numbers[:MAX_LINES_NAMED]))
    more = f" en nog {len(numbers) - MAX_LINES_NAMED}" if len(numbers) > MAX_LINES_NAMED else ""
    return f"{'regel' if len(numbers) == 1 else 'regels'} {shown}{more} {'is' if len(numbers) == 1 else 'zijn'} {what}"


def mojibake(text: str) -> list[tuple[str, str]]:
    """Garbled pieces of ``text`` and what they were meant to be (``[("Ã©", "é")]``): UTF-8 that was read as
    Windows-1252 or Latin-1 somewhere. Empty for clean text, including text with accents, curly quotes or emoji."""
    if text.isascii():
        return []
    fixed, steps = ftfy.fix_encoding_and_explain(text)
    if fixed == text or not any(step in _UTF8_REREAD for step in steps or ()):
        return []
    pieces: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, text, fixed, autojunk=False)
    for tag, start, end, fixed_start, fixed_end in matcher.get_opcodes():
        piece = (text[start:end].strip(), fixed[fixed_start:fixed_end].strip())
        if tag != "equal" and piece[0] and piece not in pieces:
            pieces.append(piece)
    return pieces[:MAX_EXAMPLES]
