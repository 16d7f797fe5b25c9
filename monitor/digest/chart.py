"""A small PNG bar chart of the weekly counts per sentiment (the compared weeks and this one), for e-mail."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monitor.digest.build import WeekCounts

# Colour-blind safe (Okabe-Ito); the legend also names each colour.
COLOURS = {"negatief": "#D55E00", "neutraal": "#999999", "positief": "#009E73", "onzeker": "#E69F00",
           "ongelabeld": "#DDDDDD"}


def weekly_chart(weeks: list[WeekCounts], names: dict[str, str], this_week: str) -> bytes:
    """Stacked bars of posts per sentiment for each week (oldest first); ``names`` are the legend labels."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(5.6, 2.2), dpi=100)
    axes = figure.add_subplot()
    positions = list(range(len(weeks)))
    bottom = [0] * len(weeks)
    for name, colour in COLOURS.items():
        values = [w.sentiment.get(name, 0) for w in weeks]
        if not any(values):
            continue
        axes.bar(positions, values, bottom=bottom, color=colour, label=names[name], width=0.6)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    labels = [f"W{w.week[-2:]}" for w in weeks]
    if labels:
        labels[-1] = this_week
    axes.set_xticks(positions, labels, fontsize=8)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
    axes.tick_params(axis="y", labelsize=8)
    axes.set_ylim(0, max([*bottom, 1]) * 1.15)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if any(bottom):
        axes.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
