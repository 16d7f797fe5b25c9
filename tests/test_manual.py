"""Manual import (CSV / JSON Lines of posts found by hand), through the real pipeline and store."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from connectors.base import MappingError, PayloadError, SourceUnavailableError
from connectors.manual import ManualImportConnector, ManualSettings, normalise_platform, parse_date
from monitor.config import Config, load_config
from monitor.errors import ConfigError
from monitor.pipeline import collect
from monitor.records import Post
from monitor.setup import SOURCES_MARKER, example_config_text
from monitor.store import Store
from tests.conftest import DEMO_DATA

HEAD = example_config_text().split(SOURCES_MARKER)[0]

ROWS = [
    ["url", "text", "date", "platform", "author"],
    [
        "https://m.facebook.com/groups/ouders/posts/1/?mibextid=abc",
        "Waarom is de nieuwsbrief van IKC De Regenboog zo laat?",
        "10-11-2026 19:42",
        "Facebook",
        "Marieke",
    ],
    [
        "",
        "Klas 2B van het Zilvermeer College zit met 34 leerlingen in één lokaal",
        "2026-11-18T12:40:00+01:00",
        "whatsapp",
        "",
    ],
    [
        "https://www.instagram.com/p/CzR3gT8s1Ab/",
        "Sponsorloop, Zilvermeer College, Almere!",
        "13-11-2026",
        "ig",
        "@sport",
    ],
]


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",", bom: bool = False) -> Path:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))
    return path


def read(
    path: Path, default_platform: str | None = None
) -> tuple[ManualImportConnector, list[Post | str], tuple[str, ...]]:
    """All rows of a file: a Post, or the MappingError message for a bad row; plus the page notices."""
    connector = ManualImportConnector("import", ManualSettings(path=path, default_platform=default_platform))
    [query] = connector.queries([])
    [page] = list(connector.fetch(query, {}))
    out: list[Post | str] = []
    for raw in page.items:
        try:
            out.append(connector.to_post(raw))
        except MappingError as exc:
            out.append(str(exc))
    return connector, out, page.notices


def posts_only(results: list[Post | str]) -> list[Post]:
    return [r for r in results if isinstance(r, Post)]


@pytest.mark.parametrize(
    ("delimiter", "bom"),
    [(",", False), (";", False), (";", True), ("\t", True)],
    ids=["comma", "semicolon", "bom", "tab"],
)
def test_csv_dialects_give_the_same_posts(tmp_path: Path, delimiter: str, bom: bool) -> None:
    path = write_csv(tmp_path / "gevonden.csv", ROWS, delimiter, bom)
    _, results, notices = read(path)
    posts = posts_only(results)
    assert len(posts) == 3 and notices == ()
    facebook, whatsapp, instagram = posts
    assert facebook.platform == "facebook"
    assert facebook.native_id == facebook.url == "https://www.facebook.com/groups/ouders/posts/1"
    assert facebook.created_at == datetime(2026, 11, 10, 18, 42, tzinfo=UTC), "Dutch local time (winter: +01:00)"
    assert facebook.author == "Marieke" and facebook.text.startswith("Waarom is de nieuwsbrief")
    assert whatsapp.platform == "whatsapp" and whatsapp.url is None and whatsapp.author is None
    assert whatsapp.native_id.startswith("sha256:")
    assert whatsapp.created_at == datetime(2026, 11, 18, 11, 40, tzinfo=UTC)
    assert instagram.platform == "instagram" and instagram.url == "https://www.instagram.com/p/CzR3gT8s1Ab"
    assert instagram.created_at == datetime(2026, 11, 12, 23, 0, tzinfo=UTC), "a date alone is local midnight"


def test_dutch_column_names_multiline_text_and_excel_ansi(tmp_path: Path) -> None:
    text = 'url;tekst;datum;platform;auteur;notitie\r\n;"Eerste regel\r\ntweede; regel";12-11-2026;TikTok;;geheim\r\n'
    text += ";Café-avond bij De Regenboog;13-11-2026 20:00;tiktok;@x;\r\n"
    path = tmp_path / "excel.csv"
    path.write_bytes(text.encode("cp1252"))
    connector, results, notices = read(path)
    first, second = posts_only(results)
    assert first.text == "Eerste regel\ntweede; regel"
    assert second.text == "Café-avond bij De Regenboog", "Windows-1252 from Excel is read"
    assert any("Windows-1252" in n for n in notices)
    assert any("notitie" in n for n in notices), "columns that are not read are named"
    [query] = connector.queries([])
    [page] = list(connector.fetch(query, {}))
    assert [raw.payload["line"] for raw in page.items] == [2, 4], "a row starts on its own line"
    assert all("notitie" not in raw.payload for raw in page.items), "unknown columns are not kept"


def test_json_lines_and_json_arrays(tmp_path: Path) -> None:
    lines = [
        {
            "url": "https://www.tiktok.com/@leerling/video/73?is_from_webapp=1",
            "text": "zilvermeer huiswerk 😭",
            "date": "2026-11-17T21:30:00+01:00",
            "platform": "tiktok",
            "author": "@leerling",
        },
        {"text": "Regenboog-ouders in de app", "date": "17-11-2026", "platform": "whatsapp"},
    ]
    path = tmp_path / "gevonden.jsonl"
    path.write_text(
        "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n\n{kapot\n", encoding="utf-8"
    )
    _, results, notices = read(path)
    tiktok, whatsapp, broken = results
    assert isinstance(tiktok, Post) and tiktok.native_id == "https://www.tiktok.com/@leerling/video/73"
    assert isinstance(whatsapp, Post) and whatsapp.platform == "whatsapp"
    assert broken == "regel 4 van gevonden.jsonl: geen geldige JSON (Expecting property name enclosed in double quotes)"
    assert notices and "regel 4" in notices[0]

    array = tmp_path / "export.json"
    array.write_text(json.dumps([lines[0], "geen object"]), encoding="utf-8")
    _, results, _ = read(array)
    assert isinstance(results[0], Post)
    assert results[1] == "item 2 van export.json: verwacht een object met url, text, date, platform ({...})"

    sniffed = tmp_path / "zonder-extensie"
    sniffed.write_text(json.dumps(lines[1]), encoding="utf-8")
    assert isinstance(read(sniffed)[1][0], Post)


BAD_ROWS = [
    (["", "", "12-11-2026", "facebook", ""], "regel 2 van bad.csv: de tekst ontbreekt"),
    (["", "Zilvermeer College", "31-02-2026", "facebook", ""], "regel 3 van bad.csv: datum '31-02-2026' niet te lezen"),
    (["", "Zilvermeer College", "46338", "facebook", ""], "regel 4 van bad.csv: datum '46338' niet te lezen"),
    (
        ["", "Zilvermeer College", "12-11-2099", "facebook", ""],
        "regel 5 van bad.csv: datum '12-11-2099' ligt in de toekomst",
    ),
    (["", "Zilvermeer College", "12-11-2026", "snapchat", ""], "regel 6 van bad.csv: onbekend platform 'snapchat'"),
    (["", "Zilvermeer College", "12-11-2026", "", ""], "regel 7 van bad.csv: het platform ontbreekt"),
    (["", "Zilvermeer College", "", "x", ""], "regel 8 van bad.csv: de datum ontbreekt"),
    (
        ["javascript:alert(1)", "Zilvermeer College", "12-11-2026", "x", ""],
        "regel 9 van bad.csv: 'javascript:alert(1)'",
    ),
    (
        ["", "Zilvermeer College", "12-11-2026", "x", "", "extra"],
        "regel 10 van bad.csv: meer kolommen dan in de kopregel",
    ),
]


def test_bad_rows_name_their_line_and_the_problem(tmp_path: Path) -> None:
    rows = [ROWS[0], *[row for row, _ in BAD_ROWS], ["", "", "", "", ""], ROWS[1]]
    _, results, notices = read(write_csv(tmp_path / "bad.csv", rows))
    messages = [r for r in results if isinstance(r, str)]
    assert len(messages) == len(BAD_ROWS), "the blank line is ignored"
    for message, (_, expected) in zip(messages, BAD_ROWS, strict=True):
        assert message.startswith(expected), message
    assert len(posts_only(results)) == 1
    [notice] = notices
    assert notice.startswith(f"{len(BAD_ROWS)} van {len(BAD_ROWS) + 1} regels niet geïmporteerd: regel 2")


def test_default_platform_fills_empty_cells(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "fb.csv", [["text", "date"], ["Zilvermeer College in Almere", "12-11-2026 08:05"]])
    _, [post], _ = read(path, default_platform="Facebook")
    assert isinstance(post, Post) and post.platform == "facebook"
    with pytest.raises(ValidationError, match="onbekend platform 'myspace'"):
        ManualSettings(path=path, default_platform="myspace")


def test_file_problems_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailableError, match="bestaat niet"):
        read(tmp_path / "nergens.csv")
    with pytest.raises(SourceUnavailableError, match="geen bestand"):
        read(tmp_path)
    no_date = write_csv(tmp_path / "kop.csv", [["url", "bericht", "wanneer"], ["", "tekst", "12-11-2026"]])
    with pytest.raises(PayloadError, match=r"mist de kolom\(men\) date \(gevonden: url, bericht, wanneer\)"):
        read(no_date)
    empty = tmp_path / "leeg.csv"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(PayloadError, match="is leeg"):
        read(empty)
    binary = tmp_path / "plaatje.csv"
    binary.write_bytes(b"\x81\x8d\x8f\x90\x9d")
    with pytest.raises(PayloadError, match="CSV UTF-8"):
        read(binary)


def test_dates() -> None:
    now = datetime(2026, 11, 21, tzinfo=UTC)
    assert parse_date("2026-07-01 14:30", now) == datetime(2026, 7, 1, 12, 30, tzinfo=UTC), "summer time: +02:00"
    assert parse_date("1-7-2026 14.30", now) == datetime(2026, 7, 1, 12, 30, tzinfo=UTC)
    assert parse_date("01/07/2026", now) == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
    assert parse_date("2026-11-12T10:00:00Z", now) == datetime(2026, 11, 12, 10, 0, tzinfo=UTC)
    for bad in ("12-13-2026", "2026/11/12", "gisteren", "12-11-26", "1999-01-01"):
        with pytest.raises(ValueError, match=r"\w"):
            parse_date(bad, now)
    assert normalise_platform(" Twitter ") == "x" and normalise_platform("Other") == "anders"
    assert normalise_platform("snapchat") is None


# --- through the pipeline ------------------------------------------------------------------------------------------


def manual_config(tmp_path: Path, path: Path, **options: str) -> Config:
    extra = "".join(f'{key} = "{value}"\n' for key, value in options.items())
    config_file = tmp_path / "monitor.toml"
    config_file.write_text(
        HEAD + f'\n[[sources]]\nname = "handmatig"\ntype = "manual"\npath = "{path}"\n{extra}', encoding="utf-8"
    )
    return load_config(config_file)


def test_demo_file_imports_with_one_line_numbered_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = manual_config(tmp_path, DEMO_DATA / "manual-import.csv")
    store = Store(config.data_dir)
    [run] = collect(config, store)
    assert (run.status, run.fetched, run.new, run.unmatched, run.skipped) == ("ok", 8, 6, 1, 1), run.message
    assert run.notices == [
        "1 van 8 regels niet geïmporteerd: regel 9 van manual-import.csv: de tekst ontbreekt (kolom text); "
        "typ of plak de tekst van het bericht"
    ]
    assert "regel 9 van manual-import.csv: de tekst ontbreekt" in caplog.text
    posts = store.read_posts()
    assert set(posts["platform"]) == {"facebook", "instagram", "tiktok", "whatsapp"}
    assert set(posts["school_id"]) == {"regenboog-zoetermeer", "zilvermeer-almere"}
    assert posts["author"].dropna().str.startswith("p-").all(), "authors are pseudonymised"
    assert store.read_state()[("handmatig", "file")]["sha256"]

    [again] = collect(config, store)
    assert (again.new, again.duplicates, again.skipped) == (0, 6, 1), "re-importing the same file adds nothing"
    assert len(store.read_posts()) == len(posts)


def test_the_same_post_found_twice_is_stored_once(tmp_path: Path) -> None:
    first = write_csv(tmp_path / "week46.csv", ROWS[:3], ";")
    later = write_csv(
        tmp_path / "week47.csv",
        [
            ROWS[0],
            # the same Facebook post, copied from a browser this time, and the same WhatsApp message typed again
            ["https://www.facebook.com/groups/ouders/posts/1?fbclid=IwAR", ROWS[1][1], "10-11-2026 19:42", "fb", "M."],
            [
                "",
                "Klas 2B van het Zilvermeer  College zit met 34 leerlingen in één lokaal",
                "18-11-2026 12:40",
                "WhatsApp",
                "",
            ],
            ["", "Nieuw: Zilvermeer College zoekt docenten", "19-11-2026", "linkedin", ""],
        ],
    )
    config = manual_config(tmp_path, first)
    store = Store(config.data_dir)
    [run] = collect(config, store)
    assert run.new == 2
    config = manual_config(tmp_path, later)
    [run2] = collect(config, store)
    assert (run2.new, run2.duplicates) == (1, 2)
    keys = set(store.read_posts()["post_key"])
    assert "facebook:https://www.facebook.com/groups/ouders/posts/1" in keys
    assert {key.split(":")[0] for key in keys} == {"facebook", "whatsapp", "linkedin"}


def test_missing_file_fails_this_source_only(tmp_path: Path) -> None:
    config = manual_config(tmp_path, tmp_path / "weg.csv")
    [run] = collect(config, Store(config.data_dir))
    assert run.status == "mislukt" and "bestaat niet" in run.message


def test_unknown_default_platform_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="default_platform"):
        manual_config(tmp_path, tmp_path / "x.csv", default_platform="hyves")
