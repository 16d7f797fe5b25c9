"""The dashboard: Wilson intervals, the numbers in the page, aggregates only, escaping, exports, cache, serving, CLI.

The page itself is rendered in a real browser in ``test_dashboard_browser.py``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageStat

from dashboards import build as build_module
from dashboards import charts as charts_module
from dashboards.build import atomic_write, write_dashboard
from dashboards.serve import make_server, url_of
from dashboards.stats import rolling_shares, rolling_sum, share, wilson
from monitor.audit import read_audit
from monitor.config import Config, load_config
from monitor.errors import MonitorError
from monitor.pipeline import SourceRun
from monitor.review import mark
from monitor.setup import example_config_text
from monitor.store import Store
from tests.factories import MONDAY_W47, labelled, post_row, seed

REGENBOOG, ZILVERMEER = "regenboog-zoetermeer", "zilvermeer-almere"
HOSTILE_SCHOOL = '<img src=x onerror="window.__pwned=1;alert(1)"> <b>vet</b> & $x$'
HOSTILE_SOURCE = "</script><script>window.__pwned=2;alert(2)</script><!--"
NOW = MONDAY_W47 + timedelta(days=1)
SECRET = "GEHEIM-TEKST"


def make_config(tmp_path: Path, *, hostile: bool = False, link_posts: bool = False, language: str = "nl") -> Config:
    """The example configuration, optionally with a school name full of HTML, links on, or English."""
    text = example_config_text()
    replacements = {'language = "nl"': f'language = "{language}"'}
    if hostile:
        replacements['name = "IKC De Regenboog"'] = "name = " + json.dumps(HOSTILE_SCHOOL)
    if link_posts:
        replacements["link_posts = false"] = "link_posts = true"
    for old, new in replacements.items():
        assert text.count(old) == 1, f"the example configuration no longer has {old!r}"
        text = text.replace(old, new)
    path = tmp_path / "monitor.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def seed_dashboard_store(config: Config, *, hostile: bool = False) -> Store:
    """Eleven posts over weeks 40-47 of 2026, one of them marked, and a few collection runs."""
    store = Store(config.data_dir)
    w = MONDAY_W47
    odd_source = HOSTILE_SOURCE if hostile else "ouderforum"
    specs: list[tuple[int, str, str | None, list[str], Any, str]] = [
        (1, REGENBOOG, "negatief", ["pesten", "bedreiging"], w, "regionieuws"),
        (2, REGENBOOG, "positief", ["compliment"], w, "regionieuws"),
        (3, REGENBOOG, "neutraal", [], w, "regionieuws"),
        (4, REGENBOOG, None, [], w, "regionieuws"),
        (5, REGENBOOG, "negatief", ["ervaring"], w - timedelta(weeks=1), odd_source),
        (6, REGENBOOG, "negatief", [], w - timedelta(weeks=1), "regionieuws"),
        (7, REGENBOOG, "onzeker", [], w - timedelta(weeks=1), "regionieuws"),
        (8, REGENBOOG, "positief", [], w - timedelta(weeks=3), "regionieuws"),
        (9, ZILVERMEER, "neutraal", [], w, "google-nieuws-zilvermeer"),
        (10, ZILVERMEER, "negatief", ["kleineren"], w - timedelta(weeks=7), "regionieuws"),
        (11, ZILVERMEER, "negatief", [], w - timedelta(weeks=7), "regionieuws"),
    ]
    posts, labels = [], []
    for n, school, sentiment, flagged, created, source in specs:
        text = f"{SECRET}-{n} <script>window.__pwned=3</script>"
        if sentiment is None:
            posts.append(post_row(n, school, text, created, source=source))
            continue
        post, label = labelled(n, school, text, sentiment, flagged, created_at=created, source=source)
        posts.append(post)
        labels.append(label)
    seed(store, posts, labels)
    mark(store, "rss:2", "besproken", actor="test")
    with store.transaction() as tx:
        for source, started, status in [("regionieuws", w, "ok"), ("regionieuws", w - timedelta(weeks=1), "mislukt"),
                                        ("google-nieuws-zilvermeer", w, "ok"), (odd_source, w, "ok")]:
            tx.add_run(SourceRun(source=source, connector="rss", started_at=started, finished_at=started,
                                 status=status).row())
    return store


def page_data(index: Path) -> dict[str, Any]:
    html = index.read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', html, re.S)
    assert block, "the data block is missing"
    data: dict[str, Any] = json.loads(block.group(1))
    return data


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Store, Path]:
    tmp = tmp_path_factory.mktemp("dashboard")
    config = make_config(tmp)
    store = seed_dashboard_store(config)
    return config, store, write_dashboard(config, store, now=NOW)


# ---- statistics ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    # Newcombe (1998), Statistics in Medicine 17:857-872, table I, method 3 (Wilson score, no continuity correction)
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718),
     (5, 10, 0.2366, 0.7634), (3, 3, 0.4385, 1.0)],
)
def test_wilson_matches_published_values(k: int, n: int, low: float, high: float) -> None:
    got = wilson(k, n)
    assert got == (pytest.approx(low, abs=5e-5), pytest.approx(high, abs=5e-5))


def test_wilson_edges_and_errors() -> None:
    assert wilson(0, 1)[0] == 0.0 and wilson(1, 1)[1] == 1.0
    assert share(0, 0).share is None and share(0, 0).low is None
    with pytest.raises(ValueError, match="positive"):
        wilson(0, 0)
    with pytest.raises(ValueError, match="between"):
        wilson(4, 3)


def test_rolling_shares_sum_over_the_window() -> None:
    assert rolling_sum([1, 0, 2, 0, 5], 2) == [1, 1, 2, 2, 5]
    shares = rolling_shares([1, 0, 2, 0], [1, 2, 2, 0], window=2)
    assert [(s.k, s.n) for s in shares] == [(1, 1), (1, 3), (2, 4), (2, 2)]
    assert shares[2].share == 0.5 and (shares[2].low, shares[2].high) == wilson(2, 4)
    with pytest.raises(ValueError, match="window"):
        rolling_sum([1], 0)


# ---- what the page holds -----------------------------------------------------------------------------------------
def test_writes_page_csv_and_pngs_and_records_it(built: tuple[Config, Store, Path]) -> None:
    config, store, index = built
    out = config.data_dir / "dashboard"
    assert index == out / "index.html"
    charts = sorted(p.name for p in (out / "charts").glob("*.png"))
    expected = [f"{school}-{chart}.png" for school in (REGENBOOG, ZILVERMEER)
                for chart in ("categories", "reviews", "sentiment", "share", "volume")]
    assert charts == sorted([*expected, "board-multiples.png", "board-share.png"])
    for name in charts:
        with Image.open(out / "charts" / name) as image:
            assert image.format == "PNG" and image.width >= 500
            assert ImageStat.Stat(image.convert("L")).stddev[0] > 5, f"{name} is blank"
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")], "temporary files left behind"
    events = read_audit(store)
    events = events[events["action"] == "dashboard"]
    assert len(events) == 1 and events["target"].iloc[0] == str(out)


def test_page_numbers_match_the_aggregates(built: tuple[Config, Store, Path]) -> None:
    _, _, index = built
    data = page_data(index)
    assert data["weeks"] == [f"2026-W{n}" for n in range(40, 48)]
    assert [s["id"] for s in data["schools"]] == [REGENBOOG, ZILVERMEER]
    assert data["sources"] == ["regionieuws", "google-nieuws-zilvermeer", "ouderforum"]
    cube = data["cube"]
    totals: dict[str, int] = {}
    for school, measure, posts in zip(cube["school"], cube["measure"], cube["posts"], strict=True):
        if data["measures"][measure] == "totaal":
            totals[data["schools"][school]["id"]] = totals.get(data["schools"][school]["id"], 0) + posts
    assert totals == {REGENBOOG: 8, ZILVERMEER: 3}
    latest = {key: values[-1] for key, values in data["shares"]["0|-1"].items()}
    # W44-W47: posts 1, 2, 3, 5, 6, 7, 8 are classified (4 is not); 1, 5 and 6 are negative
    assert (latest["k"], latest["n"]) == (3, 7)
    low, high = wilson(3, 7)
    assert latest["low"] == pytest.approx(low, abs=1e-4) and latest["high"] == pytest.approx(high, abs=1e-4)
    regionieuws_only = data["shares"]["0|0"]
    assert (regionieuws_only["k"][-1], regionieuws_only["n"][-1]) == (2, 6)
    assert data["shares"]["1|-1"]["n"][0] == 2 and data["shares"]["1|-1"]["share"][0] == 1.0
    assert data["openItems"] == [3, 2], "open: needs action, not marked (1, 5, 6; 10, 11); 2 was marked"
    assert sum(data["reviews"]["open"]) == 5
    kinds: dict[tuple[int, str], int] = {}
    for school, measure, value, posts in zip(cube["school"], cube["measure"], cube["value"], cube["posts"],
                                             strict=True):
        if data["measures"][measure] in ("aandacht", "categorie"):
            key = (school, data["measures"][measure] + ":" + data["values"][value])
            kinds[key] = kinds.get(key, 0) + posts
    assert kinds[(0, "aandacht:veiligheid")] == 1, "post 1 is flagged pesten and bedreiging: one safety signal"
    assert kinds[(0, "categorie:pesten")] + kinds[(0, "categorie:bedreiging")] == 2
    assert data["safetyOpen"] == [1, 0], "post 1 (pesten); post 10 (kleineren) is older than the 4-week window"
    handled = sum(data["reviews"]["handled"])
    assert handled == 1
    coverage = {(data["sources"][s], data["weeks"][w]): (ok, failed) for s, w, ok, failed in
                zip(*(data["coverage"][c] for c in ("source", "week", "ok", "failed")), strict=True)}
    assert coverage[("regionieuws", "2026-W46")] == (0, 1) and coverage[("regionieuws", "2026-W47")] == (1, 0)
    assert data["sourceSchools"][1] == [1], "google-nieuws-zilvermeer only covers the Zilvermeer College"
    assert data["links"] is None


def test_page_and_exports_hold_no_post_texts_authors_or_links(built: tuple[Config, Store, Path]) -> None:
    _, _, index = built
    out = index.parent
    for path in (index, out / "weekly.csv"):
        text = path.read_text(encoding="utf-8")
        assert SECRET not in text and "p-000" not in text and "nieuws.example/" not in text, path.name


def test_never_reads_post_texts_or_authors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = make_config(tmp_path, link_posts=True)
    store = seed_dashboard_store(config)
    asked: list[tuple[str, tuple[str, ...]]] = []
    original = Store.read

    def spy(self: Store, table: str, columns: list[str] | None = None, *args: Any, **kwargs: Any) -> Any:
        asked.append((table, tuple(columns or ("<all>",))))
        return original(self, table, columns, *args, **kwargs)

    monkeypatch.setattr(Store, "read", spy)
    write_dashboard(config, store, now=NOW)
    posts_columns = {c for table, columns in asked if table in ("posts", "raw") for c in columns}
    assert posts_columns <= {"post_key", "school_id", "url", "source"}, posts_columns


def test_link_posts_adds_only_links_of_open_posts(tmp_path: Path) -> None:
    config = make_config(tmp_path, link_posts=True)
    store = seed_dashboard_store(config)
    with store.transaction() as tx:
        tx.add_posts([post_row(12, REGENBOOG, "x", MONDAY_W47, url="javascript:alert(1)")])
    index = write_dashboard(config, store, now=NOW)
    links = page_data(index)["links"]
    urls = {link["url"] for link in links}
    assert "https://nieuws.example/1" in urls, "open post in the window"
    assert "https://nieuws.example/2" not in urls, "post 2 was marked as discussed"
    assert "https://nieuws.example/10" not in urls, "older than the window"
    assert not [u for u in urls if not u.startswith("https://")], "only http(s) links"
    assert {link["categories"] for link in links if link["url"].endswith("/1")} == {"bedreiging, pesten"}
    html = index.read_text(encoding="utf-8")
    assert SECRET not in html and "p-000" not in html


def test_labels_from_the_config_cannot_break_out_of_the_page(tmp_path: Path) -> None:
    config = make_config(tmp_path, hostile=True)
    index = write_dashboard(config, seed_dashboard_store(config, hostile=True), now=NOW)
    html = index.read_text(encoding="utf-8")
    page = html.replace(build_module._plotly_js(), "")
    assert "<img" not in page and "<script>window.__pwned" not in page and "<!--" not in page
    assert html.lower().count("</script") == html.lower().count("<script") == 4, "no script block closed early"
    data = page_data(index)
    assert data["schools"][0]["name"] == HOSTILE_SCHOOL, "shown literally, not dropped or mangled"
    assert HOSTILE_SOURCE in data["sources"]
    with (index.parent / "weekly.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert {row["school"] for row in rows if row["school_id"] == REGENBOOG} == {HOSTILE_SCHOOL}


def test_english_labels(tmp_path: Path) -> None:
    config = make_config(tmp_path, language="en")
    index = write_dashboard(config, seed_dashboard_store(config), now=NOW)
    html = index.read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "Posts per week, per source" in html
    data = page_data(index)
    assert data["labels"]["negatief"] == "negative" and data["texts"]["open"] == "open"
    assert "Weekly counts are small" in data["texts"]["small_numbers_note"]


def test_weekly_csv_is_the_aggregate_table(built: tuple[Config, Store, Path]) -> None:
    _, store, index = built
    raw = (index.parent / "weekly.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "a BOM, so spreadsheets read the accents"
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert list(rows[0]) == ["school_id", "school", "week", "bron", "maat", "waarde", "berichten"], "Dutch Excel"
    from monitor.aggregates import read_weekly

    assert len(rows) == len(read_weekly(store))
    negative = [r for r in rows if r["school_id"] == REGENBOOG and r["maat"] == "sentiment"
                and r["waarde"] == "negatief"]
    assert sorted((r["week"], r["berichten"]) for r in negative) == [("2026-W46", "1"), ("2026-W46", "1"),
                                                                  ("2026-W47", "1")]


def test_csv_cells_cannot_become_formulas() -> None:
    import pandas as pd

    from dashboards.exports import csv_bytes, xlsx_bytes

    frame = pd.DataFrame({"school": ["=HYPERLINK(1)", "gewoon", "-1+2"], "posts": [1, 2, 3]})
    text = csv_bytes(frame)
    assert text.decode("utf-8-sig").splitlines() == ["school,posts", "'=HYPERLINK(1),1", "gewoon,2", "'-1+2,3"]
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx_bytes(frame, "t"))).active
    assert [(c.value, c.data_type) for c in sheet["A"][1:]] == [("=HYPERLINK(1)", "s"), ("gewoon", "s"), ("-1+2", "s")]


def test_weekly_xlsx_has_the_csv_numbers_one_row_per_school_week_and_source(built: tuple[Config, Store, Path]) -> None:
    from openpyxl import load_workbook

    _, _, index = built
    sheet = load_workbook(index.parent / "weekly.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert sheet.title == "Weektabel" and header[:5] == ("school_id", "school", "week", "bron", "totaal")
    assert "sentiment: negatief" in header and sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    with (index.parent / "weekly.csv").open(encoding="utf-8-sig") as handle:
        expected: dict[tuple[str, ...], int] = {}
        for r in csv.DictReader(handle, delimiter=";"):
            column = "totaal" if r["maat"] == "totaal" else f"{r['maat']}: {r['waarde']}"
            key = (r["school_id"], r["week"], r["bron"], column)
            expected[key] = expected.get(key, 0) + int(r["berichten"])
    found = {(row[0], row[2], row[3], name): value for row in rows[1:]
             for name, value in zip(header[4:], row[4:], strict=True) if value}
    assert found == expected and len(rows) - 1 == len({k[:3] for k in expected})


def test_workbook_continues_on_a_second_sheet_past_the_row_limit_and_keeps_unknown_schools() -> None:
    import pandas as pd
    from openpyxl import load_workbook

    from dashboards.exports import workbook_table, xlsx_bytes

    weekly = pd.DataFrame({"school_id": ["a", "a", "weg"], "school": ["A", "A", None], "week": ["2026-W01"] * 3,
                           "source": ["rss", "rss", "rss"], "measure": ["totaal", "categorie", "totaal"],
                           "value": ["", "pesten", ""], "posts": [3, 1, 2]})
    table = workbook_table(weekly, "nl")
    assert table.to_dict("records") == [
        {"school_id": "a", "school": "A", "week": "2026-W01", "bron": "rss", "totaal": 3, "categorie: pesten": 1},
        {"school_id": "weg", "school": "weg", "week": "2026-W01", "bron": "rss", "totaal": 2, "categorie: pesten": 0}]
    book = load_workbook(io.BytesIO(xlsx_bytes(table, "Weektabel", max_rows=2)))
    assert book.sheetnames == ["Weektabel", "Weektabel 2"]
    assert [[c.value for c in row] for row in book["Weektabel 2"].iter_rows()] == [
        ["school_id", "school", "week", "bron", "totaal", "categorie: pesten"], ["weg", "weg", "2026-W01", "rss", 2, 0]]


def test_rebuild_writes_the_workbook_only_when_the_numbers_changed(built: tuple[Config, Store, Path]) -> None:
    config, store, index = built
    workbook = index.parent / "weekly.xlsx"
    inode = workbook.stat().st_ino  # a rewrite moves a new file into place (another inode)
    write_dashboard(config, store, index.parent, now=NOW)
    assert workbook.stat().st_ino == inode
    (index.parent / "weekly.csv").write_bytes(b"old numbers")
    write_dashboard(config, store, index.parent, now=NOW)
    assert workbook.stat().st_ino != inode


def test_rebuild_draws_only_changed_charts_and_removes_stale_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(tmp_path)
    store = seed_dashboard_store(config)
    drawn: list[str] = []
    original = charts_module.render

    def counting(chart: charts_module.Chart) -> bytes:
        drawn.append(chart.name)
        return original(chart)

    monkeypatch.setattr(charts_module, "render", counting)
    index = write_dashboard(config, store, now=NOW)
    assert len(drawn) == 12
    drawn.clear()
    write_dashboard(config, store, now=NOW)
    assert drawn == [], "nothing changed, nothing redrawn"
    seed(store, [post_row(20, ZILVERMEER, "nieuw", MONDAY_W47)])
    write_dashboard(config, store, now=NOW)
    assert drawn and all(n.startswith((ZILVERMEER, "board-")) for n in drawn), drawn
    (index.parent / "charts" / "weg-school-volume.png").write_bytes(b"old")
    write_dashboard(config, store, now=NOW)
    assert not (index.parent / "charts" / "weg-school-volume.png").exists()


def test_an_empty_store_gives_a_page(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    index = write_dashboard(config, Store(config.data_dir), tmp_path / "leeg", now=NOW)
    data = page_data(index)
    assert data["weeks"] == ["2026-W47"] and data["cube"]["posts"] == [] and data["openItems"] == [0, 0]
    assert (tmp_path / "leeg" / "charts" / "board-share.png").exists()


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "index.html"
    target.write_text("oud", encoding="utf-8")

    def broken(src: Any, dst: Any) -> None:
        raise OSError("schijf vol")

    monkeypatch.setattr(build_module.os, "replace", broken)
    with pytest.raises(OSError, match="schijf vol"):
        atomic_write(target, b"nieuw")
    assert target.read_text(encoding="utf-8") == "oud" and list(tmp_path.iterdir()) == [target]


# ---- serving and the command ---------------------------------------------------------------------------------------
def test_serves_the_folder_on_localhost_only(built: tuple[Config, Store, Path]) -> None:
    import threading

    _, _, index = built
    server = make_server(index.parent, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert server.server_address[0] == "127.0.0.1"
        with urllib.request.urlopen(url_of(server), timeout=10) as response:
            assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
            assert b"dashboard-data" in response.read()
        with pytest.raises(urllib.error.HTTPError) as listing:
            urllib.request.urlopen(url_of(server) + "charts/", timeout=10)
        assert listing.value.code == 404, "no directory listings"
        with pytest.raises(MonitorError, match="al in gebruik"):
            make_server(index.parent, server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_serving_a_folder_without_dashboard_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(MonitorError, match="monitor dashboard"):
        make_server(tmp_path, 0)


def test_cli_writes_the_dashboard(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from monitor.cli import app

    config = make_config(tmp_path)
    seed_dashboard_store(config)
    arguments = ["dashboard", "--out", str(tmp_path / "uit"), "-c", str(tmp_path / "monitor.toml")]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert "Dashboard geschreven" in result.output and (tmp_path / "uit" / "index.html").exists()
    assert (tmp_path / "uit" / "index.html").resolve().as_uri() in result.output.replace("\n", "")


def default_sigint() -> None:
    """A shell's background job starts with SIGINT ignored, and Python then never raises KeyboardInterrupt: the
    child gets the default disposition, as in a terminal."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_serve_command_prints_the_address_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    config = make_config(tmp_path)
    seed_dashboard_store(config)
    process = subprocess.Popen([sys.executable, "-m", "monitor", "dashboard", "--port", "0", "-c",
                                str(tmp_path / "monitor.toml")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, preexec_fn=default_sigint)
    try:
        assert process.stdout is not None
        address = None
        for line in process.stdout:
            found = re.search(r"http://127\.0\.0\.1:\d+/", line)
            if found:
                address = found.group(0)
                break
        assert address, "the address is printed"
        with urllib.request.urlopen(address, timeout=10) as response:
            assert response.status == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0 and "Gestopt." in out and err == ""
