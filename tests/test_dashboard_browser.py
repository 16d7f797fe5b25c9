"""The dashboard in a real headless Chromium (Debian's /usr/bin/chromium; Playwright downloads nothing).

One browser for the module. The page is built from a store whose school name and source name are HTML/script, with
links to posts switched on, so every test here also checks that nothing from the data runs as code.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageStat

from dashboards.build import write_dashboard
from dashboards.serve import make_server, url_of
from tests.test_dashboard import HOSTILE_SCHOOL, HOSTILE_SOURCE, NOW, make_config, seed_dashboard_store

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
CHARTS = ("chart-board-share", "chart-board-multiples", "chart-volume", "chart-sentiment", "chart-share",
          "chart-categories", "chart-reviews", "chart-coverage")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium ontbreekt ({CHROMIUM}); de dashboardtest heeft het nodig. Installeer het met "
                    "'apt-get install chromium' (of 'make browser').", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("dashboard-browser")
    config = make_config(tmp, hostile=True, link_posts=True)
    return write_dashboard(config, seed_dashboard_store(config, hostile=True), now=NOW)


@dataclass
class Visit:
    page: Any
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def rendered(self) -> int:
        return int(self.page.get_attribute("body", "data-rendered") or 0)

    def choose(self, select: str, label: str) -> None:
        before = self.rendered()
        self.page.select_option(select, label=label)
        wait_until(self.page, "before => Number(document.body.dataset.rendered) > before", before)


def wait_until(page: Any, function: str, arg: Any = None, timeout: float = 15.0) -> Any:
    """Poll a page function until it returns something truthy (Playwright's wait_for_function would need eval,
    which the page's Content-Security-Policy rightly forbids)."""
    deadline = time.monotonic() + timeout
    while True:
        result = page.evaluate(function, arg)
        if result or time.monotonic() > deadline:
            return result
        page.wait_for_timeout(50)


def visit(browser: Any, url: str, allowed: tuple[str, ...]) -> Iterator[Visit]:
    """Open ``url``; any request that is not ``allowed`` (a prefix) is recorded and aborted."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    seen = Visit(page)

    def is_allowed(address: str) -> bool:
        return address.startswith(allowed) or address.startswith(("data:", "blob:"))

    def route(route: Any) -> None:
        if is_allowed(route.request.url):
            route.continue_()
        else:
            seen.blocked.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page.on("request", lambda request: seen.requests.append(request.url))
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.on("console", lambda message: seen.errors.append(message.text) if message.type == "error" else None)
    page.on("dialog", lambda dialog: (seen.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(url)
    page.wait_for_selector("body[data-rendered]", timeout=30_000)
    yield seen
    assert not seen.errors, seen.errors
    assert not seen.blocked, f"the page tried to reach {seen.blocked}"
    assert all(is_allowed(address) for address in seen.requests), seen.requests
    assert not seen.dialogs, f"script from the data ran: {seen.dialogs}"
    assert page.evaluate("typeof window.__pwned") == "undefined"
    context.close()


@pytest.fixture
def from_file(browser: Any, index: Path) -> Iterator[Visit]:
    url = index.as_uri()
    yield from visit(browser, url, (url,))


def test_charts_draw_offline_from_the_file(from_file: Visit, tmp_path: Path) -> None:
    page = from_file.page
    undrawn = ("ids => ids.filter(id => { const e = document.getElementById(id);"
               " return !(e.data && e.data.length && e.querySelectorAll('g.trace, .hm image').length); })")
    wait_until(page, f"ids => ({undrawn})(ids).length === 0", list(CHARTS))
    assert page.evaluate(undrawn, list(CHARTS)) == [], "plotly drew no traces in these charts"
    # A viewport as tall as the page, and the charts redrawn for it, so the screenshot needs no resizing.
    page.set_viewport_size({"width": 1280, "height": page.evaluate("document.documentElement.scrollHeight")})
    page.evaluate("ids => Promise.all(ids.map(id => Plotly.Plots.resize(document.getElementById(id))))",
                  list(CHARTS))
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot))
    with Image.open(shot) as image:
        for chart in CHARTS:
            box = page.evaluate(
                "id => { const r = document.getElementById(id).getBoundingClientRect();"
                " return [r.left + scrollX, r.top + scrollY, r.right + scrollX, r.bottom + scrollY]; }", chart)
            assert box[2] - box[0] > 200 and box[3] - box[1] > 100, f"{chart} has no size: {box}"
            crop = image.crop(tuple(round(v) for v in box)).convert("L")
            assert ImageStat.Stat(crop).stddev[0] > 8, f"{chart} looks blank"
    assert from_file.requests == [page.url], "only the file itself is loaded"


def test_labels_from_the_data_show_literally_and_never_run(from_file: Visit) -> None:
    page = from_file.page
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert page.inner_text("#school-name") == HOSTILE_SCHOOL
    assert HOSTILE_SCHOOL in page.eval_on_selector_all("#filter-school option", "os => os.map(o => o.textContent)")
    assert HOSTILE_SOURCE in page.eval_on_selector_all("#filter-source option", "os => os.map(o => o.textContent)")
    first_row = page.eval_on_selector("#board-table tbody tr td", "td => td.textContent")
    assert first_row == HOSTILE_SCHOOL, "the school with an open safety signal comes first, shown as text"
    cells = page.eval_on_selector_all("#board-table tbody tr:first-child td", "tds => tds.map(t => t.textContent)")
    assert (cells[1], cells[2], cells[5]) == ("1", "3", "1"), "post 1 (pesten and bedreiging) is one safety signal"
    ticks = page.eval_on_selector_all("#chart-board-share .ytick text", "ts => ts.map(t => t.textContent)")
    assert HOSTILE_SCHOOL in ticks, ticks
    legend = page.eval_on_selector_all("#chart-volume .legendtext", "ts => ts.map(t => t.textContent)")
    assert HOSTILE_SOURCE in legend, legend
    links = page.eval_on_selector_all("#links-table a", "as => as.map(a => a.href)")
    assert links and all(link.startswith("https://nieuws.example/") for link in links)


def test_filters_redraw_the_charts(from_file: Visit) -> None:
    page = from_file.page
    from_file.choose("#filter-source", "regionieuws")
    assert page.evaluate("document.getElementById('chart-volume').data.map(t => t.name)") == ["regionieuws"]
    from_file.choose("#filter-category", "pesten")
    assert page.evaluate("document.getElementById('chart-categories').data.map(t => t.name)") == ["pesten"]
    assert "pesten" in page.inner_text("#board-category-header")
    from_file.choose("#filter-school", "Zilvermeer College")
    assert page.inner_text("#school-name") == "Zilvermeer College"
    assert page.evaluate("document.getElementById('chart-coverage').data[0].y") == ["regionieuws"]
    from_file.choose("#filter-source", "Alle bronnen")
    from_file.choose("#filter-from", "2026-W47")
    assert page.evaluate("document.getElementById('chart-sentiment').data.map(t => t.x)") == [["2026-W47"]]
    rows = page.evaluate("document.getElementById('chart-coverage').data[0].y")
    assert rows[:2] == ["regionieuws", "google-nieuws-zilvermeer"] and len(rows) == 3


def test_served_page_only_talks_to_localhost(browser: Any, index: Path) -> None:
    server = make_server(index.parent, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for seen in visit(browser, url_of(server), (url_of(server),)):
            assert seen.requests == [url_of(server)]
            assert seen.page.evaluate("document.getElementById('chart-share').data.length") == 3
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
