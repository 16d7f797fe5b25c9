"""The weekly table for management's own spreadsheets: ``weekly.xlsx`` and ``weekly.csv``, headers in the
dashboard's language.

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


def xlsx_bytes(frame: pd.DataFrame, title: str) -> bytes:
    """An Excel workbook: one sheet, bold header row that stays in view, a filter on every column, widths that
    fit; every text cell typed as text, so nothing in it is run as a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([str(c) for c in frame.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False):
        sheet.append([_cell(v) for v in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, column in enumerate(frame.columns, start=1):
        longest = max([len(str(column)), *(len(str(v)) for v in frame[column].tolist()[:1000])])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, longest + 2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _unsafe(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(CSV_UNSAFE_START)


def _cell(value: Any) -> Any:
    """Plain Python values for openpyxl (numpy integers and pandas' missing values are not)."""
    if value is None or value != value:  # NaN
        return None
    return value.item() if hasattr(value, "item") else value
