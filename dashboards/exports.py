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
    from openpyxl.cell.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    # Write-only: rows stream to the file as they come (an 80,000-row table in seconds, not minutes).
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
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
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _typed(sheet: Any, value: Any) -> Any:
    """A text value as a cell typed as text (never run as a formula); other values as they are."""
    if not isinstance(value, str):
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
