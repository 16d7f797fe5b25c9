"""Week-by-value tables for one school (or all) from the aggregates: what the PNG charts and the CSV are made of."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dashboards.data import DashboardData

if TYPE_CHECKING:
    import pandas as pd


def counts(
    weekly: pd.DataFrame, measure: str, by: str | list[str], weeks: list[str], value: str | None = None
) -> pd.DataFrame:
    """Posts per week (rows, every week in ``weeks``) and ``by`` (columns: source, value, school_id or a list of
    them) for one measure (optionally one value) of these weekly rows; other weeks are left out."""
    frame = weekly[weekly["measure"] == measure]
    if value is not None:
        frame = frame[frame["value"] == value]
    table = frame.pivot_table(index="week", columns=by, values="posts", aggfunc="sum", fill_value=0)
    return table.reindex(weeks, fill_value=0).fillna(0).astype("int64")


def of_school(table: pd.DataFrame, school_id: str) -> pd.DataFrame:
    """One school's part of a ``counts`` table made ``by=["school_id", ...]`` (no columns if it has no rows)."""
    import pandas as pd

    if school_id in table.columns.get_level_values(0):
        part = table.xs(school_id, axis=1, level=0)
        assert isinstance(part, pd.DataFrame)
        return part
    return table.iloc[:, 0:0]


def review_counts(reviews: pd.DataFrame, weeks: list[str]) -> pd.DataFrame:
    """Open and handled posts per week (rows) and school (columns, then "open"/"handled")."""
    table = reviews.pivot_table(index="week", columns="school_id", values=["open", "handled"], aggfunc="sum",
                                fill_value=0)
    return table.swaplevel(axis=1).reindex(weeks, fill_value=0).fillna(0).astype("int64")


def weekly_table(data: DashboardData) -> pd.DataFrame:
    """The weekly table as exported: one row per school/week/source/measure/value, with the school's name."""
    names = dict(data.schools)
    frame = data.weekly.assign(school=data.weekly["school_id"].map(names))
    frame = frame.sort_values(["school_id", "week", "source", "measure", "value"], kind="stable")
    return frame[["school_id", "school", "week", "source", "measure", "value", "posts"]].reset_index(drop=True)
