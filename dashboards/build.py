"""Write the dashboard: ``index.html`` (self-contained: plotly.js, the script, the styles and the data inlined; works
offline, from a file share, without a CDN), ``weekly.csv``, ``weekly.xlsx`` and ``charts/*.png``.

Every file is written to a temporary name and moved into place, so a reader never sees half a page; the page goes
last, after the files it mentions. The page shows aggregates only (see ``dashboards.data``).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import logging
import os
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dashboards.charts import Chart
    from monitor.config import Config
    from monitor.store import Store

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SCRIPTS = ("dashboard.js", "board.js")
CHART_INDEX = "index.json"  # chart name -> key of the content it was drawn from


def default_out_dir(config: Config) -> Path:
    return config.data_dir / "dashboard"


def write_dashboard(config: Config, store: Store, out_dir: Path | None = None, *, now: datetime | None = None) -> Path:
    """Build the dashboard into ``out_dir`` (default ``<data_dir>/dashboard``); returns the path of index.html."""
    from dashboards.charts import charts as chart_list
    from dashboards.data import load
    from dashboards.exports import SEPARATORS, SHEET_TITLES, csv_bytes, exported, workbook_table, xlsx_bytes
    from dashboards.payload import attention_order, build_payload
    from dashboards.series import weekly_table
    from monitor.audit import actor_name, record
    from monitor.records import now_utc

    out = Path(out_dir) if out_dir is not None else default_out_dir(config)
    started = time.perf_counter()
    data = load(config, store, now or now_utc())
    payload = build_payload(data, config.language, config.dashboard.link_posts)
    page = render_page(payload, config.language, config.dashboard.link_posts)
    log.info("dashboardgegevens gelezen en pagina opgebouwd in %.2f s", time.perf_counter() - started)
    drawn = write_pngs(out / "charts", chart_list(data, payload["shares"], attention_order(data, payload["shares"]),
                                                  config.language))
    log.info("%d grafieken als PNG getekend (de andere waren niet veranderd)", drawn)
    weekly = weekly_table(data)
    table = csv_bytes(exported(weekly, config.language), SEPARATORS.get(config.language, ";"))
    # The workbook holds the CSV's numbers: with the CSV unchanged it is not written again (the slow part). It goes
    # first, so that a build stopped between the two leaves a CSV that differs and the next build redoes both.
    if not (_holds(out / "weekly.csv", table) and (out / "weekly.xlsx").exists()):
        atomic_write(out / "weekly.xlsx", xlsx_bytes(workbook_table(weekly, config.language),
                                                     SHEET_TITLES.get(config.language, SHEET_TITLES["nl"])))
        atomic_write(out / "weekly.csv", table)
    index = out / "index.html"
    atomic_write(index, page.encode("utf-8"))
    record(store, "dashboard", target=str(out), actor=actor_name(config),
           details={"schools": len(data.schools), "weeks": len(data.weeks), "link_posts": config.dashboard.link_posts})
    log.info("dashboard geschreven naar %s in %.2f s", index, time.perf_counter() - started)
    return index


def _holds(path: Path, content: bytes) -> bool:
    try:
        return path.read_bytes() == content
    except OSError:
        return False


def write_pngs(folder: Path, charts: list[Chart]) -> int:
    """Draw the charts whose content changed since the last build (``index.json`` keeps their keys), remove PNGs
    of charts that no longer exist; returns how many were drawn."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    index_path = folder / CHART_INDEX
    try:
        previous = json.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        previous = {}
    changed = [c for c in charts if previous.get(c.name) != c.key or not (folder / c.name).exists()]
    for chart, png in _render_all(changed):
        atomic_write(folder / chart.name, png)
    names = {chart.name for chart in charts}
    for stale in folder.glob("*.png"):
        if stale.name not in names:
            stale.unlink(missing_ok=True)
    index = json.dumps({chart.name: chart.key for chart in charts}, indent=1, sort_keys=True)
    atomic_write(index_path, index.encode("utf-8"))
    return len(changed)


def _render_all(charts: list[Chart]) -> Iterator[tuple[Chart, bytes]]:
    from dashboards.charts import render

    for chart in charts:
        yield chart, render(chart)


def render_page(payload: dict[str, Any], language: str, link_posts: bool) -> str:
    """The page: a jinja2 template with autoescape; only our own scripts, styles and the escaped JSON are raw."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined
    from markupsafe import Markup

    from dashboards.payload import to_json

    scripts = [_plotly_js(), *(_static(name) for name in SCRIPTS)]
    for script in scripts:
        if "</script" in script.lower():  # pragma: no cover - guards our own files and the plotly bundle
            raise ValueError("an inlined script contains '</script'")
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, undefined=StrictUndefined,
                      keep_trailing_newline=True)
    template = env.get_template("index.html.j2")
    return template.render(
        language=language,
        t=payload["texts"],
        csp=content_security_policy(scripts),
        css=Markup(_static("dashboard.css")),  # noqa: S704 - our own file
        data_json=Markup(to_json(payload)),  # noqa: S704 - every '<', '>' and '&' is escaped by to_json
        plotly_js=Markup(scripts[0]),  # noqa: S704 - the plotly.js bundle, checked above
        dashboard_js=Markup(scripts[1]),  # noqa: S704 - our own file
        board_js=Markup(scripts[2]),  # noqa: S704 - our own file
        link_posts=link_posts,
    )


def content_security_policy(scripts: list[str]) -> str:
    """Only these exact inline scripts may run (by hash: no injected script or event handler could), and the page
    may load nothing from anywhere (default-src 'none'); plotly needs inline styles and data:/blob: images."""
    hashes = " ".join(f"'sha256-{_sha256(script)}'" for script in scripts)
    return (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data: blob:; "
            "base-uri 'none'; form-action 'none'")


def atomic_write(path: Path, content: bytes) -> None:
    """Write to a temporary file beside ``path`` and move it into place (readers see the old or the new file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(content)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


@functools.cache
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]

    script: str = get_plotlyjs()
    return script


@functools.cache
def _sha256(script: str) -> str:
    return base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def _static(name: str) -> str:
    return (HERE / "static" / name).read_text(encoding="utf-8")
