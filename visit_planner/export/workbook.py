"""Excel workbooks for people to open in Excel or WPS (the one module that imports xlsxwriter).

A clerk opening the month's CSV in Excel sees every 12-digit code as ``5.32601E+11``, and saving
the file again destroys the codes. :func:`write_workbook` writes each String column as text
cells with the text number format (``@``): codes and ids show as written, survive re-saving,
and a code typed into such a cell stays text; Excel's "number stored as text" marks are turned
off for them. Numeric columns stay numbers. Each sheet has lines of its own above the header
(a title; a warning in red), a header row that wraps and stays in view (frozen panes) with an
autofilter, column widths from the longest value (a CJK character counted as two; a longer header
wraps within them, its row as high as its lines), and prints
on A4 landscape, one page wide, the header repeated on every page and a footer on each naming
the workbook, the sheet and the page of how many (第 3 页 / 共 41 页), so that a county's
printed pages can be told apart and put back in order. A column of sentences too long for
:data:`_WRAP_WIDTH` (the reasons, why a household is unassigned, the shortfall) wraps within
that width, every cell aligned to the top: before, such a cell was cut off at the next column,
on screen and on paper, in the middle of a reason.

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
_WRAP_WIDTH: Final = 48  # a column of sentences (reasons) wraps within this width
_LINE: Final = 15.0  # points: the height of a line of text (Calibri 11, Excel's default)
_HEADER_LINE: Final = 15.5  # points per line of the bold, wrapped header: 2 lines, 31
_MAX_LINES: Final = 27  # lines of a row: Excel's rows are at most 409 points high
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
    footer = footer_text(title)
    for sheet in sheets:
        ws = book.add_worksheet(sheet.name)
        _write_sheet(ws, sheet, formats)
        ws.set_footer(footer)
    try:
        book.close()
    except FileCreateError as exc:  # it wraps the OSError of the zip file
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else None
        raise cause or OSError(str(exc)) from None


def footer_text(title: str) -> str:
    """The printed footer of every sheet: ``title`` and the sheet's name on the left, the page
    of how many on the right, in Chinese and English (Excel's and WPS's codes ``&A`` for the
    sheet, ``&P`` the page, ``&N`` the pages; an ``&`` of ``title`` doubled to print as one)."""
    return f"&L{title.replace('&', '&&')} · &A&R第 &P 页 / 共 &N 页 · page &P of &N"


def _formats(book: Any) -> dict[str, Any]:
    """The cell formats used: header, text, wrap (text wrapping), note, warning, integer,
    decimal; a cell's content at its top, beside a wrapped cell's first line."""
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
        "text": book.add_format({"num_format": _TEXT, "valign": "top"}),
        "wrap": book.add_format({"num_format": _TEXT, "valign": "top", "text_wrap": True}),
        "note": book.add_format({"bold": True}),
        "warning": book.add_format({"bold": True, "font_color": "#C00000"}),
        "integer": book.add_format({"num_format": "0", "valign": "top"}),
        "decimal": book.add_format({"num_format": "0.0#", "valign": "top"}),
    }


def _write_sheet(ws: Any, sheet: Sheet, formats: dict[str, Any]) -> None:
    """Notes, header and rows of ``sheet`` in order (constant-memory mode writes each row
    once, in order), then the view: widths, frozen header, autofilter, print set-up."""
    frame, top = sheet.frame, sheet.header_row
    text = [dtype == pl.String for dtype in frame.dtypes]
    cell_formats, wrapped, widths = [], [], []
    for c, dtype in enumerate(frame.dtypes):
        if not (text[c] or dtype.is_numeric()):
            raise ValueError(f"{sheet.name}: column {frame.columns[c]} is {dtype}, not text or "
                             "a number")  # fmt: skip
        width = _width(frame.get_column(frame.columns[c]), sheet.headers[c])
        kind = _kind(dtype, width)
        cell_formats.append(formats[kind])
        if kind == "wrap":
            wrapped.append(frame.columns[c])
        widths.append(min(width, _WRAP_WIDTH))
        ws.set_column(c, c, widths[-1], formats[kind])
    for r, (note, warning) in enumerate(sheet.notes):
        ws.write_string(r, 0, note, formats["warning" if warning else "note"])
    ws.set_row(top, _HEADER_LINE * header_lines(sheet.headers, widths))  # Chinese, English
    for c, (zh, en) in enumerate(sheet.headers):
        ws.write_string(top, c, f"{zh}\n{en}", formats["header"])
    write_string, write_number, set_row = ws.write_string, ws.write_number, ws.set_row
    heights = row_heights(frame, wrapped)
    for r, (row, height) in enumerate(zip(frame.iter_rows(), heights, strict=True), start=top + 1):
        if height > _LINE:
            set_row(r, height)  # before the row's cells: constant-memory mode writes it whole
        for c, value in enumerate(row):
            if value is None:
                continue
            if text[c]:
                write_string(r, c, value, cell_formats[c])
            else:
                write_number(r, c, value, cell_formats[c])
    last_row, last_col = top + frame.height, max(frame.width - 1, 0)
    ws.freeze_panes(top + 1, 0)
    ws.autofilter(top, 0, last_row, last_col)
    if frame.height:
        ws.ignore_errors({"number_stored_as_text": f"A{top + 2}:XFD{last_row + 1}"})
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.7)  # inches: more of the page for text
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(top)
    ws.print_area(0, 0, last_row, last_col)  # not the text running on past the last column


def _kind(dtype: pl.DataType, width: float) -> str:
    """A column's cell format: text, wrapped text (wider than :data:`_WRAP_WIDTH`), integer
    or decimal."""
    if dtype == pl.String:
        return "wrap" if width > _WRAP_WIDTH else "text"
    return "integer" if dtype.is_integer() else "decimal"


def row_heights(frame: pl.DataFrame, wrapped: Sequence[str]) -> list[float]:
    """Each row's height in points: one line, or as many as its longest wrapped cell (of the
    columns ``wrapped``, each :data:`_WRAP_WIDTH` wide) takes, a little more than it needs
    rather than less, and 27 lines (405 points) at most, within the 409 points Excel allows a
    row. A row left at its default height showed only the first line of its reasons when
    LibreOffice printed the workbook; a height written in the file does not depend on the
    program fitting it."""
    if not wrapped or not frame.height:
        return [_LINE] * frame.height
    room = (_WRAP_WIDTH - 2) * 0.9  # a line breaks between words, before it is full
    lines = pl.max_horizontal(
        (
            (pl.col(c).str.len_chars() + pl.col(c).str.count_matches(_WIDE.pattern))
            .fill_null(0)
            .truediv(room)
            .ceil()
        )
        for c in wrapped
    ).clip(1, _MAX_LINES)
    return (frame.select(lines.alias("lines"))["lines"] * _LINE).to_list()


def _width(values: pl.Series, header: tuple[str, str]) -> float:
    """A column's width in Excel's units (about one Latin character): its longest value, a
    wide character counting two, or the header's longest word (:func:`_unbreakable`) where
    that is longer, and 6 at least (the caller wraps a column wider than
    :data:`_WRAP_WIDTH`). The header wraps within the width: before, a header as long as
    ``距上次走访天数 (截至 2026-11-30)`` made a column of two-digit numbers 41 wide, and the
    16 columns of a county sheet printed at 47 % to fit an A4 page's width."""
    cells = values.cast(pl.String).drop_nulls()
    widths = (cells.str.len_chars() + cells.str.count_matches(_WIDE.pattern)).to_list()
    longest = max(widths, default=0)
    head = max(_unbreakable(line) for line in header)
    return float(max(longest, head, _MIN_WIDTH - 2) + 2)


_UNITS = re.compile(rf"\s+|{_WIDE.pattern}|[^\s]+?(?=\s|{_WIDE.pattern}|$)")
"""What a line of a header wraps between: a space, a wide character (Excel and WPS break
Chinese between any two characters), a run of other characters (a word, a date)."""


def _unbreakable(line: str) -> int:
    """The width of ``line``'s longest unit that a wrap does not break (:data:`_UNITS`)."""
    return max((_display(u) for u in _UNITS.findall(line) if not u.isspace()), default=0)


def header_lines(headers: Sequence[tuple[str, str]], widths: Sequence[float]) -> int:
    """The lines of the tallest header, each header's Chinese and English wrapped in its
    column's width (``widths``, Excel's units, as :func:`_width` gives them, padding
    included): 2 when every line fits."""
    pairs = zip(headers, widths, strict=True)
    return max((_wrapped_lines(zh, w) + _wrapped_lines(en, w) for (zh, en), w in pairs), default=2)


def _wrapped_lines(line: str, width: float) -> int:
    """The lines ``line`` takes wrapped within ``width`` (less 2 of the cell's padding), a
    line broken before the unit that does not fit (:data:`_UNITS`), counted generously."""
    room, lines, at, gap = width - 2, 1, 0, 0
    for unit in _UNITS.findall(line):
        if unit.isspace():
            gap = 1 if at else 0
            continue
        size = _display(unit)
        if at and at + gap + size > room:
            lines, at = lines + 1, size
        else:
            at += gap + size
        gap = 0
    return lines


def _display(text: str) -> int:
    """``text``'s width in columns: a wide character counts two."""
    return len(text) + len(_WIDE.findall(text))
