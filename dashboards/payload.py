"""The data block embedded in the page: compact columns of indices, plus the rolling shares computed in Python.

The page's script only slices and sums these numbers and draws them; every statistic (the Wilson intervals) is
computed here, in one tested place (``dashboards.stats``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from dashboards.data import LABELLED, SENTIMENTS, DashboardData
from dashboards.stats import rolling_shares
from dashboards.texts import page_texts, value_label
from monitor.attention import SAFETY_CATEGORIES

if TYPE_CHECKING:
    import pandas as pd

MEASURES = ("totaal", "sentiment", "categorie", "aandacht")
ALL = -1  # index meaning "all schools" or "all sources"


def build_payload(data: DashboardData, language: str, link_posts: bool) -> dict[str, Any]:
    weeks = data.weeks
    school_ids = [school_id for school_id, _ in data.schools]
    schools = {school_id: i for i, school_id in enumerate(school_ids)}
    sources = data.sources
    values = sorted(set(data.weekly["value"].unique()) | set(SENTIMENTS) | set(data.categories))
    weekly = data.weekly
    words = page_texts(language, data.rolling_weeks, list(SAFETY_CATEGORIES),
                       data.generated_at.strftime("%Y-%m-%d %H:%M"))
    return {
        "language": language,
        "texts": words,
        "labels": {value: value_label(value, language) for value in values},
        "weeks": data.weeks,
        "schools": [{"id": school_id, "name": name} for school_id, name in data.schools],
        "sources": data.sources,
        "sourceSchools": [_covered(data, name, schools) for name in data.sources],
        "categories": data.categories,
        "sentiments": list(SENTIMENTS),
        "measures": list(MEASURES),
        "values": values,
        "rolling": data.rolling_weeks,
        "cube": {
            "school": _indices(weekly["school_id"], school_ids),
            "week": _indices(weekly["week"], weeks),
            "source": _indices(weekly["source"], sources),
            "measure": _indices(weekly["measure"], list(MEASURES)),
            "value": _indices(weekly["value"], values),
            "posts": weekly["posts"].tolist(),
        },
        "shares": negative_shares(data),
        "reviews": {
            "school": _indices(data.reviews["school_id"], school_ids),
            "week": _indices(data.reviews["week"], weeks),
            "open": data.reviews["open"].tolist(),
            "handled": data.reviews["handled"].tolist(),
        },
        "coverage": {
            "source": _indices(data.coverage["source"], sources),
            "week": _indices(data.coverage["week"], weeks),
            "ok": data.coverage["ok"].tolist(),
            "partial": data.coverage["partial"].tolist(),
            "failed": data.coverage["failed"].tolist(),
        },
        "safetyOpen": [data.safety_open.get(school_id, 0) for school_id, _ in data.schools],
        "openItems": [data.open_items.get(school_id, 0) for school_id, _ in data.schools],
        "links": _links(data, schools, language) if link_posts and data.links is not None else None,
    }


def negative_shares(data: DashboardData) -> dict[str, dict[str, list[Any]]]:
    """Rolling negative share per ``"<school>|<source>"`` (index, or -1 for all), over all weeks.

    ``k``/``n`` are the negative and classified posts in the window ending at each week; ``share``, ``low`` and
    ``high`` the share and its 95% Wilson interval (None where the window has no classified posts)."""
    import numpy as np

    frame = data.weekly[(data.weekly["measure"] == "sentiment") & data.weekly["value"].isin(LABELLED)]
    shape = (len(data.schools), len(data.sources), len(data.weeks))
    at = (np.asarray(_indices(frame["school_id"], [s for s, _ in data.schools]), dtype=np.intp),
          np.asarray(_indices(frame["source"], data.sources), dtype=np.intp),
          np.asarray(_indices(frame["week"], data.weeks), dtype=np.intp))
    posts = frame["posts"].to_numpy(dtype=np.int64)
    totals, negatives = np.zeros(shape, np.int64), np.zeros(shape, np.int64)
    np.add.at(totals, at, posts)
    np.add.at(negatives, at, np.where(frame["value"].to_numpy() == "negatief", posts, 0))
    out: dict[str, dict[str, list[Any]]] = {}
    for school in (ALL, *range(shape[0])):
        school_totals = totals.sum(axis=0) if school == ALL else totals[school]
        school_negatives = negatives.sum(axis=0) if school == ALL else negatives[school]
        for source in (ALL, *range(shape[1])):
            n = school_totals.sum(axis=0) if source == ALL else school_totals[source]
            k = school_negatives.sum(axis=0) if source == ALL else school_negatives[source]
            shares = rolling_shares(k.tolist(), n.tolist(), data.rolling_weeks)
            out[f"{school}|{source}"] = {
                "k": [s.k for s in shares],
                "n": [s.n for s in shares],
                "share": [_round(s.share) for s in shares],
                "low": [_round(s.low) for s in shares],
                "high": [_round(s.high) for s in shares],
            }
    return out


def to_json(payload: dict[str, Any]) -> str:
    """JSON safe inside a ``<script type="application/json">`` block: no ``<`` can close it or open a comment."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _covered(data: DashboardData, source: str, schools: dict[str, int]) -> list[int] | None:
    covered = data.source_schools.get(source)
    return None if covered is None else [schools[s] for s in covered if s in schools]


def _indices(column: pd.Series[Any], names: list[str]) -> list[int]:
    """Position of each value in ``names`` (vectorised: the cube has tens of thousands of rows)."""
    import pandas as pd

    positions = pd.Index(names).get_indexer(pd.Index(column))
    if len(positions) and positions.min() < 0:
        raise ValueError(f"values not in the list: {sorted(set(column[positions < 0]))[:5]}")
    result: list[int] = positions.tolist()
    return result


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _links(data: DashboardData, schools: dict[str, int], language: str) -> list[dict[str, Any]]:
    assert data.links is not None
    frame = data.links
    return [
        {"school": schools[str(school_id)], "ref": str(ref), "week": str(week), "source": str(source),
         "categories": ", ".join(value_label(str(c), language) for c in categories), "url": str(url)}
        for school_id, ref, week, source, categories, url in zip(
            *(frame[c].tolist() for c in ("school_id", "ref", "week", "source", "categories", "url")), strict=True
        )
    ]


def attention_order(data: DashboardData, shares: dict[str, dict[str, list[Any]]]) -> list[int]:
    """School indices, most attention first: open safety signals, then open posts, then the lower bound of the
    negative share in the latest window (the page's script sorts the same way for the chosen filters)."""

    def key(index: int) -> tuple[int, int, float, str]:
        school_id, name = data.schools[index]
        low = shares[f"{index}|{ALL}"]["low"][-1]
        return (-data.safety_open.get(school_id, 0), -data.open_items.get(school_id, 0),
                -(low if low is not None else -1.0), name)

    return sorted(range(len(data.schools)), key=key)
