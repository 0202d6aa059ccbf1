"""Excel workbooks for people to open in Excel or WPS (the one module that imports xlsxwriter).

A clerk opening the month's CSV in Excel sees every 12-digit code as ``5.32601E+11``, and saving
the file again destroys the codes. :func:`write_workbook` writes each String column as text
cells with the text number format (``@``): codes and ids show as written, survive re-saving,
and a code typed into such a cell stays text; Excel's "number stored as text" marks are turned
off for them. Numeric columns stay numbers. Each sheet has lines of its own above the header
(a title; a warning in red), a header row that wraps and stays in view (frozen panes) with an
autofilter, column widths from the longest text (a CJK character counted as two), and prints
on A4 landscape, one page wide, the header repeated on every page.

Written in xlsxwriter's constant-memory mode, row by row into temporary files under
``tmpdir``: a prefecture's million rows take tens of megabytes; polars' ``write_excel`` builds
an Excel table in memory (600 MB for 100,000 rows of the visit lists, measured) and xlsxwriter
supports no table in constant-memory mode. Same sheets and ``created``, same bytes: the
document's creation time is the one given, not the clock, and xlsxwriter gives every part of
the zip the same fixed timestamp.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import polars as pl
import xlsxwriter
from xlsxwriter.exceptions import FileCreateError

MAX_ROWS: Final = 1_048_576
"""Rows of an Excel worksheet, the notes and the header included."""

_MAX_NAME: Final = 31  # characters of a sheet's name
_NOT_IN_NAME = re.compile(r"[\[\]:*?/\\]")
_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f"
    "\uff00-\uff60\uffe0-\uffe6]"
)  # East Asian wide and full-width characters: two columns each
_MIN_WIDTH: Final = 6
_MAX_WIDTH: Final = 60  # a column of sentences (reasons) is cut there; the cell holds it all
_TEXT: Final = 49  # Excel's built-in number format "@", text (Format Cells: Text)


@dataclass(frozen=True)
class Sheet:
    """One worksheet: ``notes`` (text, is a warning) above the header, one header per column
    of ``frame``, in Chinese and English (shown on two lines)."""

    name: str
    notes: tuple[tuple[str, bool], ...]
    headers: tuple[tuple[str, str], ...]
    frame: pl.DataFrame

    @property
    def header_row(self) -> int:
        """The header's row, 0-based (the data start below it)."""
        return len(self.notes)


def sheet_name(text: str) -> str:
    """``text`` as a worksheet's name: without the characters Excel refuses there
    (``[]:*?/\\``), no apostrophe at either end, at most 31 characters."""
    name = _NOT_IN_NAME.sub(" ", text).strip().strip("'").strip()
    return name[:_MAX_NAME].rstrip() or "Sheet"


def write_workbook(path: Path, sheets: Sequence[Sheet], *, title: str, created: datetime) -> None:
    """Write ``sheets`` as the workbook ``path``, its document properties titled ``title`` and
    created at ``created`` (the temporary files beside ``path``). An ``OSError`` when it
    cannot be written (xlsxwriter's own error carries it)."""
    for sheet in sheets:
        if len(sheet.headers) != sheet.frame.width:
            raise ValueError(f"{sheet.name}: {len(sheet.headers)} headers, {sheet.frame.width} "
                             "columns")  # fmt: skip
        if sheet.header_row + 1 + sheet.frame.height > MAX_ROWS:
            raise ValueError(f"{sheet.name}: {sheet.frame.height:,} rows do not fit a worksheet")
    book = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "tmpdir": str(path.parent), "nan_inf_to_errors": True},
    )
    book.set_properties({"title": title, "created": created.astimezone(UTC).replace(tzinfo=None)})
    formats = _formats(book)
    for sheet in sheets:
        _write_sheet(book.add_worksheet(sheet.name), sheet, formats)
    try:
        book.close()
    except FileCreateError as exc:  # it wraps the OSError of the zip file
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else None
        raise cause or OSError(str(exc)) from None


def _formats(book: Any) -> dict[str, Any]:
    """The cell formats used: header, text, note, warning, integer, decimal."""
    return {
        "header": book.add_format(
            {
                "bold": True,
                "text_wrap": True,
                "valign": "top",
                "bg_color": "#E7E6E6",
                "bottom": 1,
                "num_format": _TEXT,
            }
        ),
        "text": book.add_format({"num_format": _TEXT}),
        "note": book.add_format({"bold": True}),
        "warning": book.add_format({"bold": True, "font_color": "#C00000"}),
        "integer": book.add_format({"num_format": "0"}),
        "decimal": book.add_format({"num_format": "0.0#"}),
    }


def _write_sheet(ws: Any, sheet: Sheet, formats: dict[str, Any]) -> None:
    """Notes, header and rows of ``sheet`` in order (constant-memory mode writes each row
    once, in order), then the view: widths, frozen header, autofilter, print set-up."""
    frame, top = sheet.frame, sheet.header_row
    text = [dtype == pl.String for dtype in frame.dtypes]
    numeric = [
        formats["integer"] if dtype.is_integer() else formats["decimal"] for dtype in frame.dtypes
    ]
    for c, dtype in enumerate(frame.dtypes):
        if not (text[c] or dtype.is_numeric()):
            raise ValueError(f"{sheet.name}: column {frame.columns[c]} is {dtype}, not text or "
                             "a number")  # fmt: skip
        width = _width(frame.get_column(frame.columns[c]), sheet.headers[c])
        ws.set_column(c, c, width, formats["text"] if text[c] else numeric[c])
    for r, (note, warning) in enumerate(sheet.notes):
        ws.write_string(r, 0, note, formats["warning" if warning else "note"])
    ws.set_row(top, 31)  # two lines: Chinese above English
    for c, (zh, en) in enumerate(sheet.headers):
        ws.write_string(top, c, f"{zh}\n{en}", formats["header"])
    write_string, write_number, text_format = ws.write_string, ws.write_number, formats["text"]
    for r, row in enumerate(frame.iter_rows(), start=top + 1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if text[c]:
                write_string(r, c, value, text_format)
            else:
                write_number(r, c, value, numeric[c])
    last_row, last_col = top + frame.height, max(frame.width - 1, 0)
    ws.freeze_panes(top + 1, 0)
    ws.autofilter(top, 0, last_row, last_col)
    if frame.height:
        ws.ignore_errors({"number_stored_as_text": f"A{top + 2}:XFD{last_row + 1}"})
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(top)
    ws.print_area(0, 0, last_row, last_col)  # not the text running on past the last column


def _width(values: pl.Series, header: tuple[str, str]) -> float:
    """A column's width in Excel's units (about one Latin character): its longest value, or
    the longer of the header's two lines, a wide character counting two; within 6 to 60."""
    cells = values.cast(pl.String).drop_nulls()
    widths = (cells.str.len_chars() + cells.str.count_matches(_WIDE.pattern)).to_list()
    longest = max(widths, default=0)
    head = max(_display(line) for line in header)
    return float(min(max(longest, head, _MIN_WIDTH - 2) + 2, _MAX_WIDTH))


def _display(text: str) -> int:
    """``text``'s width in columns: a wide character counts two."""
    return len(text) + len(_WIDE.findall(text))
