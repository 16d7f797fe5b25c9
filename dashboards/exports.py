"""The weekly table for management's own spreadsheets: ``weekly.xlsx`` and ``weekly.csv``, headers in the
dashboard's language.

The CSV is the tidy table (one row per school, week, source, measure and value) for analysis tools; the workbook has
the same numbers laid out for reading in Excel: one row per school, week and source, one column per count. That is
also about 15 times fewer cells, which keeps the workbook quick to write for a board with many schools, and a board
whose rows pass Excel's limit gets more sheets instead of a cut-off table.

The CSV is in the dialect Excel expects where it is opened: with Dutch settings Excel splits on ``;`` (the comma is
the decimal sign), so a Dutch dashboard writes ``;``, an English one ``,``; both with a BOM, so accents survive.
Text cells a spreadsheet would run as a formula (``=HYPERLINK(...)`` in a school or source name) are written as
text: a leading apostrophe in the CSV, the string type in the workbook.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

CSV_UNSAFE_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such a cell as a formula
HEADERS = {
    "nl": {"school_id": "school_id", "school": "school", "week": "week", "source": "bron", "measure": "maat",
           "value": "waarde", "posts": "berichten"},
    "en": {"school_id": "school_id", "school": "school", "week": "week", "source": "source", "measure": "measure",
           "value": "value", "posts": "posts"},
}
SEPARATORS = {"nl": ";", "en": ","}
SHEET_TITLES = {"nl": "Weektabel", "en": "Weekly table"}
ID_COLUMNS = ["school_id", "school", "week", "source"]
EXCEL_MAX_ROWS = 1_048_576  # per sheet, the header row included


def exported(frame: pd.DataFrame, language: str) -> pd.DataFrame:
    """The table with the column names of ``language``."""
    return frame.rename(columns=HEADERS.get(language, HEADERS["nl"]))


def csv_bytes(frame: pd.DataFrame, separator: str = ",") -> bytes:
    """CSV (UTF-8 with BOM, so Excel shows accents); formula-like text cells get a leading apostrophe."""
    from pandas.api.types import is_numeric_dtype

    safe = frame.copy()
    for column in safe.columns:
        if not is_numeric_dtype(safe[column]):
            safe[column] = ["'" + v if _unsafe(v) else v for v in safe[column]]
    text: str = safe.to_csv(index=False, sep=separator, lineterminator="\n")
    return ("\ufeff" + text).encode("utf-8")


def workbook_table(weekly: pd.DataFrame, language: str) -> pd.DataFrame:
    """The weekly table (``dashboards.series.weekly_table``) laid out for a spreadsheet: one row per school, week
    and source; the column ``totaal`` and one column per ``measure: value`` (``sentiment: negatief``,
    ``categorie: pesten``, ...), zero where that row has none; id columns in the dashboard's language."""
    from monitor.aggregates import TOTAL

    if weekly.empty:
        return exported(weekly[ID_COLUMNS], language)
    label = [TOTAL if m == TOTAL else f"{m}: {v}" for m, v in zip(weekly["measure"], weekly["value"], strict=True)]
    # A school no longer in the config has no name; its rows keep their id instead of dropping out of the pivot.
    named = weekly.assign(column=label, school=weekly["school"].fillna(weekly["school_id"]))
    table = named.pivot_table(index=ID_COLUMNS, columns="column", values="posts",
                                                    aggfunc="sum", fill_value=0, sort=False)
    order = [TOTAL, *sorted(c for c in table.columns if c != TOTAL)]
    table = table.reindex(columns=[c for c in order if c in table.columns]).astype("int64")
    table.columns.name = None
    return exported(table.reset_index().sort_values(ID_COLUMNS, kind="stable"), language)


def xlsx_bytes(frame: pd.DataFrame, title: str, max_rows: int = EXCEL_MAX_ROWS) -> bytes:
    """An Excel workbook: bold header row that stays in view, a filter on every column, widths that fit; every
    text cell typed as text, so nothing in it is run as a formula. A table longer than a sheet continues on
    sheets "<title> 2", "<title> 3", ... (each with its header)."""
    from openpyxl import Workbook

    # Write-only: rows stream to the file as they come (openpyxl uses lxml for this when it is installed).
    book = Workbook(write_only=True)
    per_sheet = max_rows - 1
    for number, start in enumerate(range(0, max(1, len(frame)), per_sheet), start=1):
        name = title[:31] if number == 1 else f"{title[:26]} {number}"
        _write_sheet(book.create_sheet(name), frame.iloc[start:start + per_sheet])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_sheet(sheet: Any, frame: pd.DataFrame) -> None:
    from openpyxl.cell.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet.freeze_panes = "A2"
    for index, column in enumerate(frame.columns, start=1):
        longest = max([len(str(column)), *(len(str(v)) for v in frame[column].tolist()[:1000])])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, longest + 2)
    last = f"{get_column_letter(max(1, len(frame.columns)))}{len(frame) + 1}"
    sheet.auto_filter.ref = f"A1:{last}"
    bold = Font(bold=True)
    header = []
    for column in frame.columns:
        cell = WriteOnlyCell(sheet, value=str(column))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in frame.itertuples(index=False):
        sheet.append([_typed(sheet, _cell(v)) for v in row])


def _typed(sheet: Any, value: Any) -> Any:
    """A text value that openpyxl would take for a formula as a cell typed as text; other values as they are
    (openpyxl writes any other string as text already, and a cell object per value costs a third of the time)."""
    if not (isinstance(value, str) and value.startswith("=")):
        return value
    from openpyxl.cell.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def _unsafe(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(CSV_UNSAFE_START)


def _cell(value: Any) -> Any:
    """Plain Python values for openpyxl (numpy integers and pandas' missing values are not)."""
    if value is None or value != value:  # NaN
        return None
    return value.item() if hasattr(value, "item") else value
