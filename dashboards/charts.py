"""PNG versions of the charts (matplotlib, Agg), for slides and the digest: ``<school_id>-<chart>.png`` per school
and ``board-<chart>.png`` across schools, over the last ``PNG_WEEKS`` weeks.

Each chart is first reduced to plain numbers (a ``Chart``); its ``key`` is a hash of those numbers and labels, so a
rebuild only draws the charts whose content changed (drawing is most of the build time).
"""

from __future__ import annotations

import hashlib
import io
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dashboards.data import SENTIMENTS, DashboardData
from dashboards.series import counts, of_school, review_counts
from dashboards.texts import page_texts, value_label
from monitor.attention import SAFETY_CATEGORIES

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PNG_WEEKS = 26
DRAWING_VERSION = "1"  # bump when the drawing code changes, so cached PNGs are redrawn
SCHOOL_CHARTS = {"volume": "chart_volume", "sentiment": "chart_sentiment", "share": "chart_share",
                 "categories": "chart_categories", "reviews": "chart_reviews"}
COLOURS = {"negatief": "#c0392b", "neutraal": "#95a5a6", "positief": "#27ae60", "onzeker": "#e0b000",
           "ongelabeld": "#d5d8dc", "open": "#e67e22", "handled": "#2e86c1"}
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
           "#d62728")
Series = tuple[str, str, tuple[int, ...]]  # label, colour, one value per week
_CANVASES: dict[str, tuple[Figure, Axes]] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Chart:
    """One PNG: what kind of drawing, its title, the weeks and the numbers (plain tuples, hashable)."""

    name: str
    kind: str  # "stacked" (content: show totals?, series...), "share", "board-share" or "board-multiples"
    title: str
    weeks: tuple[str, ...]
    content: tuple[Any, ...]

    @property
    def key(self) -> str:
        text = repr((DRAWING_VERSION, self.kind, self.title, self.weeks, self.content))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def plain(text: str) -> str:
    """Text shown as is: matplotlib would read ``$...$`` as math and hide labels starting with ``_``."""
    text = text.replace("$", r"\$")
    return "\u200b" + text if text.startswith("_") else text


def charts(data: DashboardData, shares: dict[str, dict[str, list[Any]]], order: list[int], language: str
           ) -> list[Chart]:
    """Every PNG chart as numbers. ``order``: school indices, most attention first."""
    words = page_texts(language, data.rolling_weeks, list(SAFETY_CATEGORIES), "")
    weeks = data.weeks[-PNG_WEEKS:]
    start = len(data.weeks) - len(weeks)
    labels = {value: value_label(value, language) for value in (*SENTIMENTS, *data.categories)}
    labels |= {"open": words["open"], "handled": words["handled"]}
    out = []
    recent = data.weekly[data.weekly["week"].isin(weeks)]
    all_tables = {
        "volume": (counts(recent, "totaal", ["school_id", "source"], weeks), None),
        "sentiment": (counts(recent, "sentiment", ["school_id", "value"], weeks), list(SENTIMENTS)),
        "categories": (counts(recent, "categorie", ["school_id", "value"], weeks), data.categories),
        "reviews": (review_counts(data.reviews, weeks), ["open", "handled"]),
    }
    for index, (school_id, name) in enumerate(data.schools):
        tables = {chart: (of_school(table, school_id), columns) for chart, (table, columns) in all_tables.items()}
        for chart, key in SCHOOL_CHARTS.items():
            title = f"{name}: {words[key]}"
            if chart == "share":
                share = shares[f"{index}|-1"]
                content: tuple[Any, ...] = (*(tuple(share[k][start:]) for k in ("share", "low", "high")),
                                            (words["interval"], words["share_line"]))
                out.append(Chart(f"{school_id}-share.png", "share", title, tuple(weeks), content))
                continue
            table, columns = tables[chart]
            out.append(Chart(f"{school_id}-{chart}.png", "stacked", title, tuple(weeks),
                             (chart == "sentiment", *_series(table, columns, labels))))
    if data.schools:
        latest = tuple((data.schools[i][1], *(shares[f"{i}|-1"][k][-1] for k in ("share", "low", "high", "k", "n")))
                       for i in order)
        out.append(Chart("board-share.png", "board-share", words["chart_board_share"], (), latest))
        totals = counts(recent, "totaal", "school_id", weeks)
        negatives = counts(recent, "sentiment", "school_id", weeks, value="negatief")
        small = tuple((data.schools[i][1], _column(totals, data.schools[i][0]), _column(negatives, data.schools[i][0]))
                      for i in order)
        out.append(Chart("board-multiples.png", "board-multiples", words["chart_board_multiples"], tuple(weeks),
                         small))
    return out


def render(chart: Chart) -> bytes:
    """The PNG of one chart."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    with _LOCK:
        if chart.kind == "board-share":
            fig = _board_share(chart)
        elif chart.kind == "board-multiples":
            fig = _board_multiples(chart)
        else:
            fig, ax = _canvas(chart.kind)
            if chart.kind == "share":
                _share(ax, chart)
            else:
                _stacked(ax, chart.weeks, chart.content[1:], totals=chart.content[0])
            ax.set_title(plain(chart.title), fontsize=10, loc="left")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue()


def _canvas(kind: str) -> tuple[Figure, Axes]:
    """A figure per kind of chart, reused with its axes emptied: creating axes and ticks is a large part of
    the drawing time."""
    from matplotlib.figure import Figure

    if kind not in _CANVASES:
        fig = Figure(figsize=(8, 3.4), dpi=100)
        fig.subplots_adjust(left=0.07, right=0.78, top=0.88, bottom=0.16)
        _CANVASES[kind] = (fig, fig.add_subplot())
    fig, ax = _CANVASES[kind]
    for artist in [*ax.collections, *ax.texts, *ax.lines, *ax.patches]:
        artist.remove()
    legend = ax.get_legend()
    if legend is not None:
        legend.remove()
    return fig, ax


def _series(table: pd.DataFrame, columns: list[str] | None, labels: dict[str, str]) -> tuple[Series, ...]:
    names = [str(c) for c in table.columns] if columns is None else [c for c in columns if c in table.columns]
    out = []
    for i, name in enumerate(names):
        values = tuple(int(v) for v in table[name])
        if any(values):
            out.append((labels.get(name, name), COLOURS.get(name, PALETTE[i % len(PALETTE)]), values))
    return tuple(out)


def _column(table: pd.DataFrame, name: str) -> tuple[int, ...]:
    return tuple(int(v) for v in table[name]) if name in table.columns else (0,) * len(table.index)


def _weeks_axis(ax: Axes, weeks: tuple[str, ...]) -> None:
    """Week numbers ("w47"), with the year at the first tick and where a new year starts."""
    step = max(1, -(-len(weeks) // 9))
    positions = list(range(0, len(weeks), step))
    labels, year = [], ""
    for i in positions:
        this_year, number = weeks[i].split("-W")
        labels.append(f"w{number}" if this_year == year else f"{this_year}\nw{number}")
        year = this_year
    ax.set_xticks(positions, labels, fontsize=7)
    ax.set_xlim(-0.6, len(weeks) - 0.4)
    ax.spines[["top", "right"]].set_visible(False)


def _bars(ax: Axes, bottoms: list[int], values: tuple[int, ...], colour: str, label: str | None) -> None:
    """One series of bars as a single collection (much faster to draw than one rectangle per bar)."""
    from matplotlib.collections import PolyCollection

    boxes = [[(x - 0.4, b), (x + 0.4, b), (x + 0.4, b + v), (x - 0.4, b + v)]
             for x, (b, v) in enumerate(zip(bottoms, values, strict=True)) if v]
    ax.add_collection(PolyCollection(boxes, facecolors=colour, linewidths=0, label=label))


def _stacked(ax: Axes, weeks: tuple[str, ...], series: tuple[Series, ...], totals: bool) -> None:
    """Stacked bars, with each week's total above its bar when ``totals``."""
    from matplotlib.ticker import MaxNLocator

    bottoms = [0] * len(weeks)
    for label, colour, values in series:
        _bars(ax, bottoms, values, colour, plain(label))
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    for x, total in enumerate(bottoms):
        if total and totals:
            ax.annotate(str(total), (x, total), ha="center", va="bottom", fontsize=6, xytext=(0, 1),
                        textcoords="offset points")
    ax.set_ylim(0, max(1, *bottoms) * 1.1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _weeks_axis(ax, weeks)
    if series:
        _legend(ax)


def _legend(ax: Axes) -> None:
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))


def _share(ax: Axes, chart: Chart) -> None:
    *parts, (interval, line) = chart.content
    value, low, high = ([v if v is not None else float("nan") for v in part] for part in parts)
    x = range(len(chart.weeks))
    ax.fill_between(x, low, high, color=COLOURS["negatief"], alpha=0.18, linewidth=0, label=plain(interval))
    ax.plot(x, value, color=COLOURS["negatief"], marker="o", markersize=3, label=plain(line))
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter("{x:.0%}")
    _weeks_axis(ax, chart.weeks)
    _legend(ax)


def _board_share(chart: Chart) -> Figure:
    from matplotlib.figure import Figure

    rows = chart.content
    fig = Figure(figsize=(8, 0.3 * len(rows) + 1.0), dpi=100)
    ax = fig.add_subplot()
    for row, (_name, value, low, high, k, n) in enumerate(rows):
        if value is None:
            ax.annotate(f"0/{n}", (0, row), xytext=(4, -3), textcoords="offset points", fontsize=7)
            continue
        ax.errorbar([value], [row], xerr=[[value - low], [high - value]], fmt="o", color=COLOURS["negatief"],
                    capsize=3)
        ax.annotate(f"{k}/{n}", (high, row), xytext=(4, -3), textcoords="offset points", fontsize=7)
    ax.set_yticks(range(len(rows)), [plain(str(r[0])) for r in rows], fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter("{x:.0%}")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(plain(chart.title), fontsize=10, loc="left")
    fig.tight_layout()
    return fig


def _board_multiples(chart: Chart) -> Figure:
    from matplotlib.figure import Figure

    rows = chart.content
    columns = min(4, len(rows))
    lines = -(-len(rows) // columns)
    fig = Figure(figsize=(2.6 * columns, 1.5 * lines + 0.5), dpi=100)
    peak = max([1, *(max(total, default=0) for _, total, _ in rows)])
    for n, (name, total, negative) in enumerate(rows):
        ax = fig.add_subplot(lines, columns, n + 1)
        _bars(ax, [0] * len(total), total, "#b0bec5", None)
        _bars(ax, [0] * len(negative), negative, COLOURS["negatief"], None)
        ax.set_xlim(-0.6, len(total) - 0.4)
        ax.set_ylim(0, peak * 1.05)
        ax.set_title(plain(str(name)), fontsize=8, loc="left")
        ax.set_xticks([])
        ax.tick_params(labelsize=6)
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(plain(chart.title), fontsize=10, x=0.01, ha="left")
    fig.tight_layout()
    return fig
