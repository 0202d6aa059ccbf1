"""Read one input table from Parquet or CSV and cast it to its contract dtypes.

Casting is done here, once, at the boundary: every value that cannot be read as its column's
dtype is reported with the row's id (never silently turned into a null), a missing column is
reported by name, and columns outside the contract are dropped with a warning so that stray
personal data (names, ID-card numbers) never travels further.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from risk_model.personal import holds_personal_number, personal_values
from visit_planner.contracts.cells import (
    NON_ASCII,
    SPREADSHEET_SUFFIXES,
    as_written,
    columns_holding,
    header_names,
    header_note,
    is_unnamed,
    repeated_columns,
    repeated_rule,
    spreadsheet_refusal,
    unnamed_rule,
)
from visit_planner.contracts.report import Problem
from visit_planner.errors import ContractError
from visit_planner.vocabulary import ROLE_TERMS

_TRUE = ("true", "t", "1", "yes", "y", "是", "有", "√")
_FALSE = ("false", "f", "0", "no", "n", "否", "无", "×")

CODE_SYNONYMS: dict[str, dict[str, str]] = {
    "housing_safety_grade": {"A级": "A", "B级": "B", "C级": "C", "D级": "D"},
    "hazard_exposure": {"无": "none", "干旱": "drought", "滑坡": "landslide", "洪涝": "flood"},
    "role": {
        word: code
        for code, words in ROLE_TERMS.items()
        for word in words
        if word != code  # 基层干部, 村组干部, 网格员; "village official", "grid worker"
    },
}
"""How Chinese office exports write the contract's codes, per column (read as the code): a
role by the name every text of the tool gives it (a workers table keyed in 基层干部 had its
every row refused)."""

MONTH_FORMS = (
    r"^(?P<year>\d{4})\s*[-/.年]\s*(?P<month>\d{1,2})\s*"
    r"(?:月份?(?:\s*\d{1,2}\s*日)?|[-/.]\s*\d{1,2}\s*日?)?"
    r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
"""A month as offices and spreadsheets write it, read as ``YYYY-MM``: 2026-10, 2026/10,
2026.10, 2026年10月, and a date within the month (2026/10/1, 2026-10-01 00:00:00: what Excel
makes of a cell typed 2026-10 when the file is saved again)."""


def month_text(col: pl.Expr) -> pl.Expr:
    """``col`` (text) with each month written in one of :data:`MONTH_FORMS` as ``YYYY-MM``;
    other values as they were, for the column's rule to name (a month 13 stays itself)."""
    parts = col.str.extract_groups(MONTH_FORMS)
    month = parts.struct.field("month").cast(pl.Int32, strict=False)
    canonical = pl.concat_str(
        parts.struct.field("year"), pl.lit("-"), month.cast(pl.String).str.zfill(2)
    )
    return pl.when(month.is_between(1, 12)).then(canonical).otherwise(col)


MISSING_COLUMN_RULE = "缺少必需列 (required column is missing)"
"""The rule of a missing column (the reader's and pandera's, worded once)."""


def csv_text(path: Path) -> str:
    """A CSV file's text: UTF-8 (with or without BOM), else GB18030 (covers GBK, the default
    export of Chinese Excel); the file is named when it is neither."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        if mostly_utf8(raw):
            raise ContractError([mixed_encoding(path, raw)]) from None
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        raise ContractError(
            [
                f"{path}: 文件编码无法识别, 请另存为 UTF-8 编码的 CSV "
                "(not UTF-8 and not GBK/GB18030 text; save it as 'CSV UTF-8')"
            ]
        ) from None


def mostly_utf8(raw: bytes) -> bool:
    """Most non-ASCII text of ``raw`` (which is not UTF-8 throughout) is UTF-8: lines pasted
    from a GBK file into a UTF-8 one, which read whole as GB18030 would turn every UTF-8
    Chinese text of the file into other characters, without a word when their bytes happen
    to pair up. A GBK file read as UTF-8 gives a character for about one in five of its
    Chinese characters (bytes that happen to be UTF-8) and seven times as many invalid
    sequences (measured on random GB2312 text), so it is not taken for one."""
    loose = pl.Series([raw.decode("utf-8", errors="replace")])
    bad = loose.str.count_matches("\ufffd", literal=True).item()
    other = loose.str.count_matches(NON_ASCII).item()
    return other - bad > bad


def mixed_encoding(path: Path, raw: bytes) -> str:
    """Why ``path`` (its bytes ``raw``, UTF-8 for the most part: :func:`mostly_utf8`) is not
    read, naming its first line that is not UTF-8, in both languages."""
    line = next(n for n, text in enumerate(raw.split(b"\n"), start=1) if not _is_utf8(text))
    return (
        f"{path}: 第 {line} 行不是 UTF-8 编码, 而文件其余部分是, 可能是从 GBK 文件粘贴或合并"
        f"而来, 请将整个文件另存为 CSV UTF-8 (line {line} is not UTF-8 text while the rest of "
        "the file is: pasted or joined from a GBK file? save the whole file again as 'CSV UTF-8')"
    )


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


SEPARATORS = {
    ";": ("分号", "semicolons"),
    "\t": ("制表符", "tabs"),
    "|": ("竖线", "bars"),
    "\uff0c": ("全角逗号", "full-width commas"),  # ， typed with a Chinese input method
}
"""Column separators of other CSV dialects, named when a file uses one instead of commas."""


TYPED_ROWS = 10_000
"""Rows from which :func:`read_raw` infers a typed CSV's column types."""


class CsvLineError(pl.exceptions.ComputeError):
    """A line of a CSV file that cannot be read as a row of its table; ``reason`` says which
    and why, in Chinese and English (:func:`csv_line_problem`).

    Raised by :func:`read_raw` in place of polars' own error for the lines polars refuses (more
    fields than the header, a quote not closed: its text says neither where nor why) and for
    the line it does not refuse, one with fewer fields than the header, which it reads as a
    row padded with nulls (reported further on as "a null in a required field" of that row,
    not as the short line it is). A polars error, so every reader's handler of polars' errors
    words both alike: :func:`unreadable_reason` returns ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RowPlaces:
    """Where each row of a table's file is, to name a row that has no id in a message.

    A CSV row is named by the line an editor (or Excel) shows it on, the header being line 1:
    ``第 7 行 line 7``, as the reader's own messages about lines name them; a row's line is
    not simply its number + 1 once a quoted field spans lines, so the lines are recorded when
    the file is read. When they cannot be told (the ``csv`` module and polars read a
    different number of rows), a CSV row is named by its number after the header, said so:
    ``第 6 条记录 (record 6 after the header)``. Rows of a Parquet file (or of a frame a
    program built) keep their number, Chinese first as every label: ``第 6 行 row 6``
    (they read ``row 6``, in English alone)."""

    lines: pl.Series | None = None  # CSV: the line each row of the whole file starts on
    records: bool = False  # CSV whose lines could not be told: rows counted after the header

    def labels(self, rows: pl.Expr) -> pl.Expr:
        """The name of each row numbered ``rows`` (0-based, from the start of the file)."""
        if self.lines is not None:
            line = pl.lit(self.lines).gather(rows).cast(pl.String)
            return pl.concat_str(pl.lit("第 "), line, pl.lit(" 行 line "), line)
        number = (rows + 1).cast(pl.String)
        if self.records:
            return pl.concat_str(
                pl.lit("第 "),
                number,
                pl.lit(" 条记录 record "),
                number,
                pl.lit(" after the header"),
            )
        return pl.concat_str(pl.lit("第 "), number, pl.lit(" 行 row "), number)


def row_place(number: int, *, line: bool = False) -> str:
    """One row's place as :class:`RowPlaces` names it, for a row named one at a time: a CSV
    row by the editor line it is on (``第 7 行 line 7``, the header being line 1), a Parquet
    or program row by its 1-based number (``第 6 行 row 6``). Chinese and English side by
    side, not the English in brackets: a row's ids follow in brackets (``第 7 行 line 7
    (H0000007)``), and a stream without Chinese reads ``line 7 (H0000007)``, not ``(line
    7) (H0000007)``."""
    return f"第 {number} 行 {'line' if line else 'row'} {number}"


def csv_row_places(text: str, frame: pl.DataFrame) -> RowPlaces:
    """The line each row of ``frame`` (read from CSV ``text``) starts on. Counted in C when
    the file has one line per row and the header (no quoted field spans lines); otherwise
    by the ``csv`` module, which tells where each record starts."""
    count = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    if count == frame.height + 1:
        return RowPlaces(pl.int_range(2, frame.height + 2, dtype=pl.UInt32, eager=True))
    reader = csv.reader(io.StringIO(text))
    starts: list[int] = []
    start = 1
    for _ in reader:
        starts.append(start)
        start = reader.line_num + 1
    if len(starts) != frame.height + 1:  # polars and csv read the same rows, but be sure
        return RowPlaces(records=True)
    return RowPlaces(pl.Series(starts[1:], dtype=pl.UInt32))


def read_raw(
    path: Path,
    id_columns: tuple[str, ...] = (),
    *,
    typed: bool = False,
    names: Collection[str] = (),
) -> pl.DataFrame:
    """Read ``path`` (.parquet or .csv) as stored; CSV columns come back as strings (UTF-8 or
    GBK/GB18030 text), or with ``typed`` with the types polars infers from the first
    :data:`TYPED_ROWS` rows (tables outside the contracts: truth, overrides). A CSV whose one
    column's name holds another separator (``;``, a tab) is refused, named: its columns would
    otherwise all read as missing. A CSV line with more or fewer fields than the header, or a
    quote not closed, raises :class:`CsvLineError` naming the line and, where the line holds
    them, its ``id_columns``' values. Empty rows at the end of a CSV are not read, and header
    names are read as ``names`` ignoring case and spaces (:func:`read_noted`, which also says
    so)."""
    return read_noted(path, id_columns, typed=typed, names=names).frame


def read_placed(
    path: Path, id_columns: tuple[str, ...] = (), *, names: Collection[str] = ()
) -> tuple[pl.DataFrame, RowPlaces]:
    """:func:`read_raw` (as strings), with where each row is in the file: a CSV row's line,
    which messages about a row without an id name (:class:`RowPlaces`)."""
    read = read_noted(path, id_columns, names=names)
    return read.frame, read.places


@dataclass(frozen=True)
class ReadFile:
    """A file's table as :func:`read_noted` read it: the frame, where its rows are, and the
    notes (warnings) on how it was read: empty rows left out at its end, header names read
    as the columns they name."""

    frame: pl.DataFrame
    places: RowPlaces
    notes: tuple[Problem, ...] = ()


def read_noted(
    path: Path,
    id_columns: tuple[str, ...] = (),
    *,
    typed: bool = False,
    names: Collection[str] = (),
) -> ReadFile:
    """:func:`read_raw`'s frame with its rows' places and the notes on how it was read.

    The one rule of every table file a user gives (input tables, overrides): a CSV's empty
    rows at its end, which Excel and WPS save after rows once formatted (``,,,,`` or blank
    lines), are left out with a note naming the file and how many (:func:`trailing_empty`);
    an empty row before a record is still refused with its line (a record may be lost).
    Header names are read as meant (:func:`~.cells.header_names`): spaces around them,
    full-width forms, and, for one of ``names`` (the columns the caller knows), any case,
    with a note naming each name so read."""
    frame, text, notes = _read(path, id_columns, typed=typed, names=names)
    places = RowPlaces() if text is None else csv_row_places(text, frame)
    return ReadFile(frame, places, notes)


def trailing_empty(text: str) -> tuple[str, int]:
    """CSV ``text`` without the lines at its end that hold nothing but commas and spaces,
    and how many there were (lines of a data row, or the header, are kept whole: a last row
    ending in empty fields keeps its commas)."""
    end = len(text.rstrip(" \t\r\n,"))
    cut = text.find("\n", end)
    if cut < 0:
        return text, 0
    tail = text[cut + 1 :]
    count = tail.count("\n") + (1 if tail and not tail.endswith("\n") else 0)
    return text[: cut + 1], count


def empty_end_note(file: str, count: int) -> Problem:
    """The note that ``count`` empty rows at the end of ``file`` were not read."""
    rows = "row" if count == 1 else "rows"
    return Problem(
        file,
        "",
        f"文件末尾的 {count} 个空行已忽略 (ignored {count} empty {rows} at the end of the "
        "file, as Excel/WPS saves them)",
        severity="warning",
    )


def _read(
    path: Path, id_columns: tuple[str, ...], *, typed: bool, names: Collection[str] = ()
) -> tuple[pl.DataFrame, str | None, tuple[Problem, ...]]:
    """:func:`read_raw`'s frame, the file's text when it is a CSV (None: Parquet), and the
    notes on how it was read (:func:`read_noted`)."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame, notes = _named(pl.read_parquet(path), str(path), names)
        return frame, None, notes
    if suffix == ".csv":
        text, ended = trailing_empty(csv_text(path))
        try:
            frame = pl.read_csv(
                io.StringIO(text), infer_schema=typed, infer_schema_length=TYPED_ROWS
            )
        except pl.exceptions.PolarsError:
            if why := csv_line_problem(text, id_columns):
                raise CsvLineError(why) from None
            raise
        header = frame.columns[0] if frame.width == 1 else ""
        for sep, (zh, en) in SEPARATORS.items():
            if sep in header:
                raise ContractError([
                    f"{path}: 列以{zh}分隔, 须为逗号 (the columns are separated by {en} "
                    f"({sep!r}), not commas: save the file as comma-separated CSV)"
                ])  # fmt: skip
        frame, notes = _named(frame, str(path), names)
        if why := (
            short_line(text, frame, id_columns)
            or empty_rows(text, frame)
            or header_rows(text, frame)
        ):
            raise CsvLineError(why)
        return frame, text, (*notes, *((empty_end_note(str(path), ended),) if ended else ()))
    if suffix in SPREADSHEET_SUFFIXES:
        raise ContractError([spreadsheet_refusal(path, path.with_suffix(".csv").name)])
    raise ContractError([
        f"{path}: 不支持的文件类型 {suffix!r}, 请用 .parquet 或 .csv "
        f"(unsupported file type {suffix!r}; use .parquet or .csv)"
    ])  # fmt: skip


def _named(
    frame: pl.DataFrame, file: str, names: Collection[str]
) -> tuple[pl.DataFrame, tuple[Problem, ...]]:
    """``frame`` with its header names read as meant (:func:`~.cells.header_names`), and
    the note naming those so read (none when none were)."""
    renames = header_names(frame.columns, names)
    if not renames:
        return frame, ()
    note = Problem(file, "", header_note(renames), severity="warning")
    return frame.rename(renames), (note,)


def short_line(text: str, frame: pl.DataFrame, id_columns: tuple[str, ...] = ()) -> str | None:
    """The first line of CSV ``text`` with fewer fields than the header, and why (None when
    there is none): polars read ``text`` into ``frame`` without a word about it, padding its
    row with nulls.

    Such a row ends in a null, so nothing is counted unless the last column holds one (a null
    count costs nothing): a file whose last column is never empty is read as fast as before.
    Else, when every row was read from one line (no quoted field spans lines), the fields of
    the lines of those rows alone are counted, in polars; otherwise every line, by
    :func:`csv_line_problem`. A blank line is a short line (polars reads it as a row of
    nulls), but in a one-column file, where it is an empty value."""
    if frame.width < 2 or not frame.to_series(frame.width - 1).null_count():
        return None
    last = frame.to_series(frame.width - 1)
    lines = pl.Series([text]).str.split("\n").explode().str.strip_suffix("\r")
    if lines.len() and lines[-1] == "":
        lines = lines.head(-1)  # what follows the last line's end: no line
    if lines.len() != frame.height + 1:  # a quoted field over two lines or more
        return csv_line_problem(text, id_columns)
    padded = pl.DataFrame({"line": lines.slice(1)}).with_row_index("no", offset=2)
    padded = padded.filter(last.is_null()).with_columns(bare=pl.col("line"))
    if '"' in text:  # quoted fields, commas and all, out of the count
        padded = padded.with_columns(pl.col("bare").str.replace_all('"[^"]*"', ""))
        if padded["bare"].str.contains('"', literal=True).any():
            return csv_line_problem(text, id_columns)  # a quote these lines cannot pair
    commas = pl.col("bare").str.count_matches(",", literal=True)
    short = padded.filter(commas + (pl.col("line") != "").cast(pl.UInt32) < frame.width)
    if not short.height:
        return None
    number, line, _ = short.row(0)
    header, row = next(csv.reader([lines[0]])), next(csv.reader([line]), [])
    if len(header) != frame.width or len(row) >= len(header):  # csv counts otherwise
        return csv_line_problem(text, id_columns)
    return _field_count_problem(number, row, header, id_columns)


EMPTY_ROWS_SHOWN = 5
"""Lines named in :func:`empty_rows`'s message (the rest are counted)."""


def empty_rows(text: str, frame: pl.DataFrame) -> str | None:
    """The lines of CSV ``text`` (read into ``frame``) whose every field is empty, and what
    to do, in both languages (None when there are none). Those at the end of the file are
    not read (:func:`trailing_empty`), so these lie between records: a record may have been
    cleared there. Read as rows they broke every required column's rule (and, two of them,
    the ids' uniqueness) in a message each, none of which says that the row is empty.

    Nothing is counted unless the first column holds a null (a null count costs nothing);
    the lines are then numbered by the ``csv`` module, as an editor shows them (a quoted
    field may span lines)."""
    if frame.width < 2 or not frame.to_series(0).null_count():
        return None
    empty = frame.select(
        pl.all_horizontal(pl.all().cast(pl.String).str.strip_chars().fill_null("") == "")
    ).to_series()
    if not empty.any():
        return None
    reader = csv.reader(io.StringIO(text))
    next(reader, None)  # the header
    lines: list[int] = []
    start = 2
    for row in reader:
        if row and not any(field.strip() for field in row):
            lines.append(start)
        start = reader.line_num + 1
    if not lines:  # pragma: no cover - polars and csv read the same rows
        return None
    shown = ", ".join(str(n) for n in lines[:EMPTY_ROWS_SHOWN])
    more_zh = f"等 {len(lines)} 行" if len(lines) > EMPTY_ROWS_SHOWN else ""
    more_en = f" and {len(lines) - EMPTY_ROWS_SHOWN} more" if len(lines) > EMPTY_ROWS_SHOWN else ""
    noun = "line" if len(lines) == 1 else "lines"
    them = "it" if len(lines) == 1 else "them"
    return (
        f"第 {shown} 行{more_zh}所有字段为空, 位于记录之间, 可能缺了记录, 请补全或删除 ({noun} "
        f"{shown}{more_en}: every field empty, between records: a record lost? fill {them} in "
        f"or delete {them})"
    )


def header_rows(text: str, frame: pl.DataFrame) -> str | None:
    """The lines of CSV ``text`` (read into ``frame``) that repeat the header, and what to do,
    in both languages (None when there are none): files joined together (two townships'
    exports, each with its header) hold the second header as a row, which broke a type rule
    in every number column, each named by a row whose id was the id column's name.

    Nothing more is compared unless some row's first field is the first column's name."""
    if frame.width < 2 or frame.schema[frame.columns[0]] != pl.String():
        return None
    named = [c for c in frame.columns if not is_unnamed(c)]

    def value(c: str) -> pl.Expr:
        return pl.col(c).cast(pl.String).str.strip_chars().str.strip_chars_start("\ufeff")

    first = frame.select(value(frame.columns[0]) == frame.columns[0]).to_series()
    if not first.any():
        return None
    rows = frame.select(pl.all_horizontal(value(c) == c for c in named)).to_series()
    if not rows.any():
        return None
    places = csv_row_places(text, frame)
    index = rows.arg_true()
    lines = (index + 1 if places.lines is None else places.lines.gather(index)).to_list()
    shown = ", ".join(str(n) for n in lines[:EMPTY_ROWS_SHOWN])
    extra = len(lines) - EMPTY_ROWS_SHOWN
    more_zh, more_en = (f"等 {len(lines)} 处", f" and {extra} more") if extra > 0 else ("", "")
    what_zh, what_en = ("条记录", "record") if places.lines is None else ("行", "line")
    noun = what_en if len(lines) == 1 else f"{what_en}s"
    verb, them = ("repeats", "it") if len(lines) == 1 else ("repeat", "them")
    return (
        f"第 {shown} {what_zh}{more_zh}与表头相同, 请删除 ({noun} {shown}{more_en} {verb} the "
        f"header, as when files are joined together: delete {them})"
    )


def _line_ids(
    row: list[str], header: list[str], id_columns: tuple[str, ...]
) -> list[tuple[str, str]]:
    """``("worker_id", "W1")``: each of ``id_columns`` that CSV line ``row`` holds, with its
    value (none where the line is too short to hold it, holds it empty, or holds a person's
    ID-card or mobile number there: the line's number names it)."""
    places = [(name, header.index(name)) for name in id_columns if name in header]
    return [
        (name, row[i].strip())
        for name, i in places
        if i < len(row) and row[i].strip() and not holds_personal_number(row[i])
    ]


def csv_line_problem(text: str, id_columns: tuple[str, ...] = ()) -> str | None:
    """The first line of CSV ``text`` that cannot be read as a row, and why, in Chinese and
    English (None when every line can): a line with more or fewer fields than the header (a
    blank line has none, but in a one-column file, where it is an empty value), or a quoted
    field that is not closed (the parser's own text says neither where nor why). Lines are
    numbered as an editor shows them, the header line 1; the line's ``id_columns`` values are
    named where the line holds them."""
    if not text.strip():
        return "文件为空, 第 1 行须为列名 (the file is empty: line 1 must name the columns)"
    reader = csv.reader(io.StringIO(text), strict=True)
    header: list[str] | None = None
    start = 1
    try:
        for row in reader:
            if header is None:
                header = row
            elif len(row) != len(header) and (row or len(header) > 1):
                return _field_count_problem(start, row, header, id_columns)
            start = reader.line_num + 1
    except csv.Error:
        return (
            f"第 {start} 行: 引号未闭合或格式错误 (line {start}: a quoted field is not closed "
            'or the quoting is broken: an unmatched ")'
        )
    return None


def _field_count_problem(
    line: int, row: list[str], header: list[str], id_columns: tuple[str, ...]
) -> str:
    """Line ``line``'s ``row`` has more or fewer fields than ``header``: why, in both
    languages, with the line's ids."""
    have, need = len(row), len(header)
    if not row:
        return (
            f"第 {line} 行是空行, 没有字段, 列名有 {need} 个, 请删除该行 (line {line} is blank: "
            f"0 fields, the header {need}; delete the empty line)"
        )
    ids = _line_ids(row, header, id_columns)
    zh = "".join(f", {name} 为 {value}" for name, value in ids) + (", " if ids else "")
    en = f" ({', '.join(f'{name} {value}' for name, value in ids)})" if ids else ""
    fields = "1 field" if have == 1 else f"{have} fields"
    if have > need:
        return (
            f"第 {line} 行{zh}有 {have} 个字段, 列名有 {need} 个 (line {line}{en} has "
            f"{fields}, the header {need}: a missing or extra comma?)"
        )
    return (
        f"第 {line} 行{zh}只有 {have} 个字段, 列名有 {need} 个, 是否漏了值或逗号 (line {line}{en} "
        f"has {fields}, the header {need}: a value or a comma left out?)"
    )


PARQUET_MAGIC = b"PAR1"


def unreadable_reason(path: Path, exc: Exception) -> str:
    """Why ``path`` could not be read as a table (``exc``: the reader's exception), in
    Chinese and English, for a message after the file's name: an empty file, a .parquet that
    is no Parquet (CSV text under the wrong name) or is cut short, the line of a CSV that
    cannot be read as a row (:class:`CsvLineError`); else the reader's own first line."""
    try:
        size = path.stat().st_size
    except OSError as gone:  # removed, or never there: say so rather than fail on it
        return f"无法读取文件 (cannot read the file: {gone.strerror or gone})"
    if size == 0:
        return "文件为空 (the file is empty: 0 bytes)"
    if isinstance(exc, CsvLineError):
        return exc.reason
    if path.suffix.lower() == ".parquet":
        with path.open("rb") as f:
            head = f.read(len(PARQUET_MAGIC))
            f.seek(max(size - len(PARQUET_MAGIC), 0))
            tail = f.read()
        if head != PARQUET_MAGIC:
            text = b"\x00" not in head and b"," in path.read_bytes()[:4096]
            hint = ": it looks like CSV text, so name it .csv" if text else ""
            return f"不是 Parquet 文件 (not a Parquet file{hint})"
        if tail != PARQUET_MAGIC:
            return "Parquet 文件不完整 (the Parquet file is cut short: copy or export it again)"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else "?"
    return f"无法读取文件 (cannot read the file: {first})"


def row_labels(
    df: pl.DataFrame,
    id_columns: tuple[str, ...],
    offset: int = 0,
    places: RowPlaces | None = None,
) -> pl.Series:
    """A printable id per row: the id column(s), or where missing (or a person's ID-card or
    mobile number, :func:`risk_model.personal.personal_values`) the row's place in its file
    (``places``: a CSV row's line; by default ``第 N 行 row N``, 1-based); counted from the
    start of the file when ``df`` is a chunk whose first row is the file's row ``offset + 1``."""
    present = [col for col in id_columns if col in df.columns]
    row_no = (places or RowPlaces()).labels(pl.int_range(pl.len()) + offset)
    if not present:
        return df.select(row_no.alias("label")).to_series()
    ids = pl.concat_str([pl.col(col).cast(pl.String) for col in present], separator="/")
    both = df.select(ids.alias("id"), row_no.alias("row"))
    # An id that is a person's ID-card or mobile number (a spec's id_column = "身份证号") is
    # never repeated in a message: its row's place names it instead.
    personal = personal_values(both["id"])
    return both.select(
        pl.when(personal).then(pl.col("row")).otherwise(pl.coalesce("id", "row")).alias("label")
    ).to_series()


SCIENTIFIC_FORM = r"^[0-9](?:\.[0-9]+)?[Ee][+-][0-9]+$"
"""A number in scientific notation as a spreadsheet writes a long one (``5.32601E+11``): in a
text column (an id or a code) it is a value whose digits were lost, never a value itself."""

DECIMAL_FORM = r"^[+-]?[0-9]+\.0+$"
"""A whole number written as a decimal (``532601.0``): in a column of ids or codes, a code
a program wrote from a number column, which matches no other table's ``532601``."""


def _cast_expr(
    name: str,
    source: pl.DataType,
    target: pl.DataType,
    *,
    month: bool = False,
    refusable: bool = True,
) -> pl.Expr:
    """The cast of column ``name`` from ``source`` to ``target``: null where a value cannot
    be read as ``target`` (reported by the caller); ``month``: a month column, its
    spreadsheet forms read as ``YYYY-MM`` (:func:`month_text`). ``refusable``: a text
    column's values may be numbers in a refused form (:func:`refusable_columns`), so each
    is matched against them; False when none is (they are not matched one by one)."""
    col = pl.col(name)
    if target == pl.Boolean() and source == pl.String():
        low = col.str.strip_chars().str.to_lowercase()
        return (
            pl.when(low.is_in(_TRUE))
            .then(pl.lit(True))
            .when(low.is_in(_FALSE))
            .then(pl.lit(False))
            .otherwise(pl.lit(None, pl.Boolean))
        )
    if source == pl.String():
        col = col.str.strip_chars()
        col = pl.when(col == "").then(None).otherwise(col)
        if name in CODE_SYNONYMS:
            col = col.replace(CODE_SYNONYMS[name])
        if month:
            col = month_text(col)
    if target.is_integer() and source.is_float():
        # Refuse 2.5 members rather than truncating it to 2.
        return pl.when(col == col.floor()).then(col.cast(target, strict=False))
    if target.is_integer() and source == pl.String():
        # "2.0" from a spreadsheet is fine; "2.5" is not.
        as_float = col.cast(pl.Float64, strict=False)
        return pl.when(as_float == as_float.floor()).then(as_float.cast(target, strict=False))
    if target == pl.String():
        return _text_expr(col, source, code=is_code(name), refusable=refusable)
    return col.cast(target, strict=False)


def is_code(name: str) -> bool:
    """Column ``name`` holds ids or codes (``household_id``, a places table's ``code``)."""
    return name.endswith("_id") or name == "code"


def _text_expr(
    col: pl.Expr,
    source: pl.DataType,
    *,
    code: bool,
    refusable: bool = True,
) -> pl.Expr:
    """``col`` (of ``source`` dtype) as a text column: null where the value is a number
    whose digits cannot be trusted (scientific notation) or, in a column of ids or codes
    (``code``), a decimal number, for the caller to report; unless not ``refusable``, a
    column known to hold neither (:func:`refusable_columns`)."""
    if source.is_float():
        # An id or code saved as a decimal number reads "532601.0": refused, not matched to
        # nothing (every reference to it "unknown") or to a rounded neighbour.
        return pl.lit(None, pl.String)
    if source != pl.String():
        return col.cast(pl.String)
    if not refusable:
        return col
    # A 12-digit village code shown by Excel as 5.32601E+11 and saved so: its last digits
    # are gone, and the villages of a county would read as one.
    refused = col.str.contains(SCIENTIFIC_FORM)
    if code:  # 532601.0, as a program writes a number column: as refused as a Parquet float
        refused = refused | col.str.contains(DECIMAL_FORM)
    return pl.when(refused.not_()).then(col)


FORM_SIGNS = r"[Ee][+-]|\."
"""What a value in a refused form of a number holds, whatever else it holds: ``E+`` (or
``e-``...) in scientific notation (:data:`SCIENTIFIC_FORM`), a point in a decimal
(:data:`DECIMAL_FORM`); the cast's rewrites of a text (spaces stripped, a code's synonym, a
month's form) write neither."""


def refusable_columns(text: pl.DataFrame, names: list[str]) -> set[str]:
    """The text columns of ``text`` among ``names`` whose values may be numbers in a form
    refused in a text column (:data:`SCIENTIFIC_FORM`, :data:`DECIMAL_FORM`): those holding
    their sign (:data:`FORM_SIGNS`), found by one search per column
    (:func:`~.cells.columns_holding`). Ids, codes and words hold none as a rule, and their
    values are then not matched against the forms' patterns one by one."""
    return set(columns_holding(text, names, FORM_SIGNS))


NOT_IN_CONTRACT_RULE = (
    "契约外的列, 已删除, 不再读取 (not in the contract: dropped, its values not read further)"
)
"""The rule of a column outside a table's contract (:func:`cast_to_contract`'s warning)."""

NOT_USED_BY_MODEL_RULE = (
    "模型不使用的列, 已删除, 不再读取 (not used by the model: dropped, its values not read further)"
)
"""The same for a table read with a model's own spec (its features, id and target): a
feature the spec names but training dropped (constant or almost all missing) is such a
column too, so "not in the contract" would mislead."""


SCIENTIFIC_TEXT_RULE = (
    "编号被表格软件写成科学计数法, 末位数字可能已丢失, 请将该列设为文本格式后重新导出 "
    "(an id or code in scientific notation, as Excel shows a long number: its last digits "
    "may be lost; format the column as Text and export again)"
)


def unknown_columns_rule(missing: list[str]) -> str:
    """The rule of a file's columns outside its contract when some of the contract's are
    missing: perhaps the same columns under other names (a header a clerk typed in Chinese,
    户编号 for household_id), so the header's names are said to be the contract's, in
    English, the first missing one named."""
    return (
        f"列名不在契约中; 表头须用契约规定的英文列名, 如缺少的 '{missing[0]}' (not a column "
        f"of the contract: the header must use the contract's English names, such as the "
        f"missing '{missing[0]}')"
    )


DECIMAL_TEXT_RULE = (
    "类型错误, 编号与代码须存为文本, 不能是小数 (value is not a valid String: an id or code "
    "must be stored as text, not as a decimal number)"
)


def _text_rule(source: pl.DataType, refused: pl.Series) -> str:
    """The rule the ``refused`` values of a text column read from ``source`` break: a
    decimal number (a number column, or text like 532601.0), else scientific notation."""
    if source.is_float() or not refused.str.contains(SCIENTIFIC_FORM).all():
        return DECIMAL_TEXT_RULE
    return SCIENTIFIC_TEXT_RULE


def kind_words(dtype: pl.DataType) -> tuple[str, str]:
    """What a value of ``dtype`` must be, (Chinese, English): 整数 / a whole number, ...: the
    words of a type error, for a user who does not know what ``Float64`` is."""
    if dtype.is_integer():
        return "整数", "a whole number"
    if dtype.is_float():
        return "数字", "a number"
    if dtype == pl.Boolean:
        return "是或否", "yes or no"
    if isinstance(dtype, pl.Enum):
        levels = ", ".join(dtype.categories.to_list())
        return f"以下之一: {levels}", f"one of {levels}"
    if dtype == pl.Date:
        return "日期 (YYYY-MM-DD)", "a date (YYYY-MM-DD)"
    return str(dtype), str(dtype)


def type_rule(dtype: pl.DataType, *, optional: bool = False) -> str:
    """The rule a value that cannot be read as ``dtype`` breaks, Chinese first:
    ``类型错误, 应为数字 (value is not a number)``; of an ``optional`` column (one that may
    be empty), also that an empty cell is how to say there is none (a clerk writes 无 or NA
    for an unassessed household's previous tier)."""
    zh, en = kind_words(dtype)
    if optional:
        return f"类型错误, 应为{zh}, 无值请留空 (value is not {en}; leave it empty for none)"
    return f"类型错误, 应为{zh} (value is not {en})"


def cast_to_contract(
    df: pl.DataFrame,
    spec: dict[str, pl.DataType],
    file: str,
    id_columns: tuple[str, ...],
    offset: int = 0,
    *,
    known: tuple[str, ...] = (),
    extra_rule: str = NOT_IN_CONTRACT_RULE,
    months: tuple[str, ...] = (),
    places: RowPlaces | None = None,
    optional: tuple[str, ...] = (),
) -> tuple[pl.DataFrame, list[Problem]]:
    """Keep the contract's columns in contract order, cast each, and report what fails.

    Returns the cast frame (only meaningful when no error was reported) and the problems.
    ``offset``: the rows before ``df`` in its file, when ``df`` is a chunk of it (row numbers
    in the messages are the file's). ``known``: columns the file's producer writes that are
    not read here (e.g. a scores file's ``reasons``): dropped without a warning. Other
    columns outside ``spec`` are dropped with a warning worded by ``extra_rule``.
    ``months``: text columns holding a month, read as ``YYYY-MM`` from the other ways
    spreadsheets write one (:data:`MONTH_FORMS`). ``places``: how a row without an id is
    named (:class:`RowPlaces`: a CSV row by its line; default ``第 N 行 row N``).
    ``optional``: columns that may be empty (a value of the wrong type there is told that an
    empty cell says "none": :func:`type_rule`).
    """
    problems: list[Problem] = []
    doubled = repeated_columns(df.columns)
    problems += [Problem(file, name, repeated_rule(at, df.columns)) for name, at in doubled.items()]
    df = df.drop(df.columns[place - 1] for at in doubled.values() for place in at[1:])
    missing = [name for name in spec if name not in df.columns]
    extra = [name for name in df.columns if name not in spec and name not in known]
    unnamed = [place for place, name in enumerate(df.columns, start=1) if is_unnamed(name)]
    extra = [name for name in extra if not is_unnamed(name)]
    if unnamed:
        problems.append(Problem(file, "", unnamed_rule(unnamed), severity="warning"))
    if missing:
        problems.append(Problem.of_columns(file, missing, MISSING_COLUMN_RULE))
        if extra:  # perhaps the missing ones, named otherwise (户编号 for household_id)
            problems.append(Problem.of_columns(file, extra, unknown_columns_rule(missing)))
        return df, problems
    if extra:
        problems.append(Problem.of_columns(file, extra, extra_rule, severity="warning"))
    text = as_written(df, tuple(spec))
    cast = _cast(df, text, spec, months)
    labels: pl.Series | None = None  # named only when a value is refused
    for name, dtype in spec.items():
        bad = _unreadable(df[name], text[name], cast[name])
        n_bad = int(bad.sum())
        if n_bad:
            if labels is None:
                labels = row_labels(df, id_columns, offset, places)
            problems.append(
                Problem(
                    file,
                    name,
                    _text_rule(df.schema[name], df[name].filter(bad))
                    if dtype == pl.String()
                    else type_rule(dtype, optional=name in optional),
                    ids=tuple(labels.filter(bad).head(5).to_list()),
                    count=n_bad,
                    examples=tuple(str(v) for v in df[name].filter(bad).head(5).to_list()),
                )
            )
    return cast, problems


def _cast(
    df: pl.DataFrame, text: pl.DataFrame, spec: dict[str, pl.DataType], months: tuple[str, ...]
) -> pl.DataFrame:
    """``text`` (``df``'s cells as written: :func:`~.cells.as_written`) cast to ``spec``
    (:func:`_cast_expr`), in one lazy query, so that a value's stripped text used by several
    steps of its cast is computed once; a text column's values are matched against the
    refused forms of a number only if it may hold one (:func:`refusable_columns`), and a
    column of text read as something else (a number, yes or no, a month, a code's synonym)
    that holds few distinct values (:func:`_few_values`: a count, a flag, a month) is read
    once per distinct value (:func:`_per_value`), not once per row."""
    texts = [
        name for name, dtype in spec.items() if dtype == pl.String() and df.schema[name] == dtype
    ]
    refusable = refusable_columns(text, texts)
    casts = {
        name: _cast_expr(
            name,
            df.schema[name],
            dtype,
            month=name in months,
            refusable=name in refusable or name not in texts,
        ).alias(name)
        for name, dtype in spec.items()
    }
    read = [
        name
        for name, dtype in spec.items()
        if df.schema[name] == pl.String()
        and (dtype != pl.String() or name in months or name in CODE_SYNONYMS)
    ]
    for name in _few_values(text, read):
        casts[name] = _per_value(text, name, casts[name])
    return text.lazy().select(casts.values()).collect()


FEW_VALUES = 16
"""A column holds few distinct values when its rows outnumber them this many times over:
reading each distinct value once and matching it back to the rows (a hash join) then costs
a third to a quarter of reading every row (a count, a flag or a month column of a chunk of
65,536 households read from CSV: 2 ms against 7 to 10 ms)."""


def _few_values(text: pl.DataFrame, names: list[str]) -> list[str]:
    """The columns of ``text`` among ``names`` holding few distinct values (:data:`FEW_VALUES`),
    told by an estimate of their count (a column's values are then read as often as the
    estimate is off: each way reads the same)."""
    if not names or text.height < FEW_VALUES:
        return []
    counts = text.select(pl.col(name).approx_n_unique() for name in names).row(0)
    return [name for name, n in zip(names, counts, strict=True) if n * FEW_VALUES <= text.height]


def _per_value(text: pl.DataFrame, name: str, cast: pl.Expr) -> pl.Expr:
    """Column ``name`` of ``text`` read by ``cast`` (an expression of that column, value by
    value, null for a null): each distinct value read once, the rows then looked up in
    what they read (a hash table of the distinct values, no copy of the column)."""
    values = text.get_column(name).unique().drop_nulls()
    read = values.to_frame().select(cast).to_series()
    return pl.col(name).replace_strict(values, read, default=None, return_dtype=read.dtype)


def failed_cast_rows(
    raw: pl.DataFrame, cast: pl.DataFrame, spec: dict[str, pl.DataType]
) -> pl.Series:
    """Rows where some value could not be read as its column's dtype (as reported by
    :func:`cast_to_contract`), so the other rules can still be checked on the rest."""
    bad = pl.Series("bad", [False] * raw.height)
    names = tuple(name for name in spec if name in raw.columns)
    text = as_written(raw, names)
    for name in names:
        bad = bad | _unreadable(raw[name], text[name], cast[name])
    return bad


def _unreadable(raw: pl.Series, text: pl.Series, cast: pl.Series) -> pl.Series:
    """The values of a column (``raw`` as stored, ``text`` as :func:`as_written` reads it)
    that hold something and yet could not be ``cast``: not an empty cell, nor ``=""``."""
    bad = raw.is_not_null() & cast.is_null()
    if not bad.any():  # the good path: every value held was cast
        return bad.fill_null(False)
    if text.dtype == pl.String():
        bad = bad & (text.str.strip_chars() != "")
    return bad.fill_null(False)
