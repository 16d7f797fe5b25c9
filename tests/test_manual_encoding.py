"""``monitor import`` never corrupts text for good: real files in every encoding mix, through the real command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from connectors.manual_encoding import mojibake
from monitor.cli import app
from monitor.config import load_config
from monitor.setup import example_config_text
from monitor.store import Store
from tests.factories import label_row

GOOD = "De reünie van het Zilvermeer College: één avond in het café"
OTHER = "Het Zilvermeer College zoekt ouders voor de ‘sinterklaasviering’ 🎁"
LINKLESS = "Klas 2B van het Zilvermeer College: één lokaal voor 34 leerlingen 😭"
URL = "https://www.facebook.com/groups/ouders/posts/77"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(example_config_text(), encoding="utf-8")
    return path


def monitor_import(config_file: Path, file: Path, *options: str) -> Result:
    return CliRunner().invoke(app, ["import", str(file), "--config", str(config_file), *options])


def store_of(config_file: Path) -> Store:
    return Store(load_config(config_file).data_dir)


def stored_texts(config_file: Path) -> list[str]:
    return sorted(store_of(config_file).read_posts()["text"])


def assert_nothing_garbled(config_file: Path) -> None:
    store = store_of(config_file)
    for table, column in (("posts", "text"), ("raw", "payload"), ("posts", "author")):
        for value in store.read(table, columns=[column])[column].dropna():
            assert "\ufffd" not in value and not mojibake(json.dumps(value, ensure_ascii=False)), (table, value)


def csv_bytes(rows: list[tuple[str, str, str]], encoding: str | list[str] = "utf-8") -> bytes:
    """A CSV as Excel writes it (semicolons); ``encoding`` per data row when a list."""
    encodings = encoding if isinstance(encoding, list) else [encoding] * len(rows)
    lines = [b"url;text;date;platform"]
    lines += [f"{url};{text};{date};facebook".encode(enc)
              for (url, text, date), enc in zip(rows, encodings, strict=True)]
    return b"\r\n".join(lines) + b"\r\n"


def jsonl_line(text: str, **extra: Any) -> bytes:
    return json.dumps({"text": text, "date": "2026-11-20T19:00", "platform": "whatsapp", **extra},
                      ensure_ascii=False).encode("utf-8")


def test_jsonl_line_that_is_not_utf8_is_skipped_with_its_number_and_the_rest_is_exact(
    config_file: Path, tmp_path: Path
) -> None:
    file = tmp_path / "gevonden.jsonl"
    bad = b'{"text": "Zilvermeer College \xff kapot", "date": "2026-11-20", "platform": "whatsapp"}'
    file.write_bytes(b"\xef\xbb\xbf" + jsonl_line(GOOD) + b"\r\n" + bad + b"\r\n")

    result = monitor_import(config_file, file)

    assert result.exit_code == 0, result.output
    assert stored_texts(config_file) == [GOOD], "the valid line is stored exactly, the other is not stored"
    assert "regel 2 van gevonden.jsonl: geen geldige UTF-8 (byte 0xFF" in result.output
    assert "JSON Lines is altijd UTF-8" in result.output
    assert "Excel" not in result.output and "Windows-1252" not in result.output
    assert_nothing_garbled(config_file)


def test_csv_mixing_utf8_and_windows_1252_is_refused_naming_the_lines(config_file: Path, tmp_path: Path) -> None:
    file = tmp_path / "geplakt.csv"
    rows = [("", GOOD, "20-11-2026"), ("", "Zilvermeer College: alles goed", "21-11-2026"),
            ("", "Zilvermeer College, één vraag", "21-11-2026")]
    file.write_bytes(csv_bytes(rows, ["utf-8", "utf-8", "cp1252"]))

    result = monitor_import(config_file, file)

    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "mengt twee tekencoderingen: regel 2 is UTF-8; regel 4 is geen UTF-8" in output
    assert "Opslaan als > 'CSV UTF-8" in output
    assert stored_texts(config_file) == [], "nothing is imported from a mixed file"


def test_a_whole_windows_1252_csv_from_excel_is_read_right(config_file: Path, tmp_path: Path) -> None:
    file = tmp_path / "excel.csv"
    rows = [("", GOOD, "20-11-2026 19:00"), (URL, "Café-avond: Zilvermeer College “groot succes”", "21-11-2026")]
    file.write_bytes(csv_bytes(rows, "cp1252"))

    result = monitor_import(config_file, file)

    assert result.exit_code == 0, result.output
    assert stored_texts(config_file) == sorted([GOOD, "Café-avond: Zilvermeer College “groot succes”"])
    assert "als geheel gelezen als Windows-1252" in " ".join(result.output.split())
    assert_nothing_garbled(config_file)


def test_a_row_converted_twice_somewhere_is_refused_with_its_line(config_file: Path, tmp_path: Path) -> None:
    file = tmp_path / "dubbel-omgezet.csv"
    garbled = GOOD.encode("utf-8").decode("cp1252")  # 'reÃ¼nie ... Ã©Ã©n ... cafÃ©'
    file.write_bytes(csv_bytes([("", OTHER, "20-11-2026"), ("", garbled, "20-11-2026")]))

    result = monitor_import(config_file, file)

    assert result.exit_code == 0, result.output
    assert stored_texts(config_file) == [OTHER]
    output = " ".join(result.output.split())
    assert "regel 3 van dubbel-omgezet.csv: de tekst bevat verminkte letters ('Ã¼' waar 'ü' bedoeld is" in output
    assert "twee keer omgezet" in output
    assert_nothing_garbled(config_file)


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("reÃ¼nie", [("Ã¼", "ü")]),
        ("Ã©Ã©n keer", [("Ã©Ã©", "éé")]),
        ("itâ€™s laat", [("â€™", "’")]),
        ("â€œwat zei juf?", [("â€œ", "“")]),
        ("Ã«xtra, Ã¶f Ã¯", [("Ã«", "ë"), ("Ã¶", "ö"), ("Ã¯", "ï")]),
        ("twee keer: ÃƒÂ©", [("ÃƒÂ©", "é")]),
        ("half goed: één, half niet: cafÃ©", [("Ã©", "é")]),
        ("De reünie, één café, naïef, coördinator, ‘quotes’, “meer”, € 5,- en 😭", []),
        ("Groep 8 – 25° – 1½ uur – Ærø – Ã", []),
        ("x\x85y", []),  # a C1 control character is something else, not UTF-8 read wrongly
    ],
)
def test_the_mojibake_detector(text: str, pieces: list[tuple[str, str]]) -> None:
    assert mojibake(text) == pieces


def garbled_import(config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What an import stored before these checks: the UTF-8 file read as Windows-1252. Returns the post keys."""
    garbled = [(URL, GOOD.encode("utf-8").decode("cp1252"), "20-11-2026 19:00"),
               ("", LINKLESS.encode("utf-8").decode("cp1252"), "21-11-2026")]
    file = tmp_path / "toen.csv"
    file.write_bytes(csv_bytes(garbled))
    with monkeypatch.context() as patch:
        patch.setattr("connectors.manual.mojibake", lambda text: [])
        assert monitor_import(config_file, file).exit_code == 0
    store = store_of(config_file)
    posts = store.read_posts()
    assert len(posts) == 2 and all("Ã" in text for text in posts["text"])
    with store.transaction() as tx:
        tx.append_labels([label_row(key, at, "negatief", ["pesten"])
                          for key, at in zip(posts["post_key"], posts["created_at"], strict=True)])
    return list(posts["post_key"])


def test_replace_corrects_an_earlier_wrong_import(
    config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_keys = garbled_import(config_file, tmp_path, monkeypatch)
    fixed = tmp_path / "verbeterd.csv"
    fixed.write_bytes(csv_bytes([(URL, GOOD, "20-11-2026 19:00"), ("", LINKLESS, "21-11-2026")]))

    again = monitor_import(config_file, fixed)
    assert again.exit_code == 0, again.output
    assert "2 dubbel: die stonden al opgeslagen en zijn niet gewijzigd" in again.output
    assert "--replace" in again.output
    assert stored_texts(config_file) != sorted([GOOD, LINKLESS]), "without --replace nothing changes"
    assert len(store_of(config_file).read_posts()) == 2, "nor is the corrected row without a link added beside it"

    replaced = monitor_import(config_file, fixed, "--replace")

    assert replaced.exit_code == 0, replaced.output
    output = " ".join(replaced.output.split())
    assert "Vervangen door een nieuwere versie: 2 berichten" in output
    store = store_of(config_file)
    posts = store.read_posts()
    assert sorted(posts["text"]) == sorted([GOOD, LINKLESS]), "the texts are corrected"
    assert len(posts) == 2 and posts["post_key"].is_unique, "nothing is duplicated"
    assert f"facebook:{URL}" in set(posts["post_key"]), "a post with a link keeps its identity"
    labels = store.read("labels")
    assert not set(labels["post_key"]) & {*old_keys, *posts["post_key"]}, "old labels are gone: scored again"
    assert len(store.read("raw")) == 2, "the raw payloads are the corrected ones"
    assert_nothing_garbled(config_file)

    same = monitor_import(config_file, fixed, "--replace")
    assert "vervangen" not in same.output and "2 dubbel: die stonden al precies zo opgeslagen" in same.output


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bom.csv", b"\xef\xbb\xbfurl;text\n;a\n;caf\xe9\n", "het begint met het UTF-8-kenmerk (BOM); regel 3 is geen"),
        ("unicode.csv", "url\ttext\n".encode("utf-16"), "is opgeslagen als UTF-16"),
        ("lijst.json", b'[{"text": "caf\xc3\xa9"},\n {"text": "caf\xe9"}]', "geen geldige UTF-8 (regel 2: byte 0xE9"),
        ("unicode.jsonl", '{"text": "é"}\n'.encode("utf-16"), "JSON Lines is altijd UTF-8"),
    ],
)
def test_files_that_cannot_be_read_without_garbling_are_refused_whole(
    config_file: Path, tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    file = tmp_path / name
    file.write_bytes(data)
    result = monitor_import(config_file, file)
    assert result.exit_code == 1 and message in " ".join(result.output.split()), result.output
