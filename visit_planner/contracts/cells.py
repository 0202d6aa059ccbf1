"""How a spreadsheet (Excel, WPS on Chinese Windows) writes the cells and header names of a
table, read as they are meant, before a column is cast (:mod:`.reader`): full-width letters
and digits, invisible characters, codes written as text formulas (``="532601"``), header
names typed with spaces, given twice or not at all; and a workbook where a table's CSV
belongs, refused with how to save it."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from pathlib import Path

import polars as pl

from visit_planner.typed_text import INVISIBLE, meant_text

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ods")
"""Workbooks of Excel, WPS (``.et``) and LibreOffice: not read (no workbook reader is
installed, and a workbook's cell formats would have to be guessed); their user is told how
to save the sheet as CSV."""


def spreadsheet_refusal(path: Path, csv_name: str) -> str:
    """The refusal of workbook ``path`` where a table's file is expected, saying how to save
    it as ``csv_name``, Chinese first."""
    return (
        f"{path}: 是 Excel/WPS 工作簿, 无法直接读取, 请在 Excel 或 WPS 中“另存为” “CSV UTF-8 "
        f"(逗号分隔)”, 文件名 {csv_name} (a spreadsheet workbook is not read: save the sheet "
        f"with Save As, type 'CSV UTF-8 (Comma delimited)', as {csv_name})"
    )


def header_names(columns: list[str], names: Collection[str] = ()) -> dict[str, str]:
    """The renames that make a CSV header's names as they are meant: a name typed with a
    space before or after it (``household_id ``, a no-break space copied from a web page)
    or in full-width letters read as the name itself, which a column rule then finds
    (``household_id`` was said to be missing from a file that visibly holds it); and one of
    ``names`` (the columns its reader knows: a table's contract) typed in another case
    (``Kind``, ``HOUSEHOLD_ID``) as that name. A name that would then read as another of the
    header's (:func:`repeated_columns` reports the two), or hold a comma (from a full-width
    one: two names run together), is left as it is."""
    meant = {name: _contract_name(name, names) for name in columns}
    folded = [meant_text(name).casefold() for name in columns]
    return {
        name: new
        for name, new in meant.items()
        if new != name and new and folded.count(new.casefold()) == 1 and "," not in new
    }


def _contract_name(name: str, names: Collection[str]) -> str:
    """Header name ``name`` as meant (:func:`meant_text`), or the one of ``names`` it is in
    another case."""
    meant = meant_text(name)
    if meant in names:
        return meant
    same = [known for known in names if known.casefold() == meant.casefold()]
    return same[0] if len(same) == 1 else meant


def header_note(renames: dict[str, str]) -> str:
    """The note that header names were read as other names (``renames``, from
    :func:`header_names`), each shown as typed, Chinese first."""
    shown = ", ".join(f"{old!r} → {new!r}" for old, new in renames.items())
    return (
        f"表头列名已按规定列名读取 (header names read as the columns they name, ignoring case, "
        f"spaces and full-width forms): {shown}"
    )


NON_ASCII = r"[^\x00-\x7f]"
"""A character outside ASCII."""

FOLDABLE = r"[^\x00-\x7f\u4e00-\u9fff]"
"""A character :func:`halfwidth` may change: outside ASCII and the CJK unified ideographs
(汉族, 男), which are all their own compatibility form (NFKC) and show as themselves."""


def halfwidth(df: pl.DataFrame, names: tuple[str, ...]) -> pl.DataFrame:
    """``df`` with its text columns among ``names`` in Unicode compatibility form (NFKC), as
    a reader takes them: full-width letters and digits typed with a Chinese input method
    (Ｈ０００１, １２, ２０２６－１０) read as H0001, 12, 2026-10, and a no-break or ideographic
    space as a space (stripped at either end by the cast), so an id so typed is the same id
    and not another household; invisible characters (:data:`INVISIBLE`: a zero-width space
    copied from a chat message) are taken out. Only a column holding a character other than
    ASCII and Chinese ideographs (:data:`FOLDABLE`) is normalized: most ids, codes and
    numbers hold none, which comparing their values' lengths in bytes and in characters
    tells (:func:`non_ascii_columns`) without a pattern search."""
    wide = columns_holding(df, non_ascii_columns(df, names), FOLDABLE)
    return df.with_columns(
        pl.col(name).str.normalize("NFKC").str.replace_all(INVISIBLE, "") for name in wide
    )


FORMULA_TEXT = r'^\s*="((?:[^"]|"")*)"\s*$'
"""A value written as a spreadsheet formula of a text (``="532601001001"``): how systems
export codes so that Excel keeps them as text, leading zeros and all digits. A ``"`` in the
text is doubled, as in every spreadsheet formula (``="=a""b"`` is the text ``=a"b``), so
the text inside holds no lone ``"``: ``="a"&"b"`` is a formula of another kind, not read."""


def formula_text(df: pl.DataFrame, names: tuple[str, ...]) -> pl.DataFrame:
    """``df`` with each value of its text columns among ``names`` written ``="…"`` read as
    the text inside (:data:`FORMULA_TEXT`), each doubled ``""`` in it as the one ``"`` it
    stands for: ``="532601"`` matched no other table's ``532601`` and no place name, and
    ``score --out`` writes a household id such as ``=a"b`` as ``="=a""b"``, which ``assign
    --scores`` must read as ``=a"b``. A ``""`` outside such a formula is kept as written.
    Only a column holding ``="`` somewhere (one search per column: :func:`columns_holding`)
    is rewritten, value by value."""
    marked = columns_holding(df, names, '="', literal=True)
    return df.with_columns(
        pl.when(pl.col(name).str.contains(FORMULA_TEXT))
        .then(pl.col(name).str.replace(FORMULA_TEXT, "$1").str.replace_all('""', '"', literal=True))
        .otherwise(pl.col(name))
        .alias(name)
        for name in marked
    )


def non_ascii_columns(df: pl.DataFrame, names: Sequence[str]) -> list[str]:
    """The text columns of ``df`` among ``names`` with a value holding a character outside
    ASCII: one whose UTF-8 bytes outnumber its characters (such a character takes two
    bytes or more), a column at a time (what the test holds, two lengths a value, is
    freed before the next)."""
    return [
        name
        for name in _text_columns(df, names)
        if df.select((pl.col(name).str.len_bytes() != pl.col(name).str.len_chars()).any()).item()
    ]


def _text_columns(df: pl.DataFrame, names: Sequence[str]) -> list[str]:
    """The columns of ``df`` among ``names`` that hold text."""
    return [name for name in names if name in df.columns and df.schema[name] == pl.String()]


def columns_holding(
    df: pl.DataFrame, names: Sequence[str], pattern: str, *, literal: bool = False
) -> list[str]:
    """The text columns of ``df`` among ``names`` where some value holds ``pattern`` (a
    regular expression that matches no line break, or with ``literal`` a text without
    one): the only ones a reader's rewrite or refusal of such values needs to go through
    value by value. Each column's values are searched joined into one text, a line break
    between two: one search of one text per column, where a search per value costs most in
    going from value to value. A column at a time: one joined text is held at once."""
    return [
        name
        for name in _text_columns(df, names)
        if df.select(pl.col(name).str.join("\n").str.contains(pattern, literal=literal)).item()
    ]


def as_written(df: pl.DataFrame, names: tuple[str, ...]) -> pl.DataFrame:
    """``df``'s columns among ``names`` as what their cells say, before each is cast: in
    half-width forms (:func:`halfwidth`), a text written ``="…"`` as the text inside
    (:func:`formula_text`). A place's name (``name_zh``, ``name_en``) is display text, kept
    as written: 开化街道（老城区） keeps its full-width brackets."""
    values = tuple(name for name in names if not name.startswith("name_"))
    return formula_text(halfwidth(df, values), values)


DOUBLED = re.compile(r"^(?P<name>.+)_duplicated_[0-9]+$")
"""The name polars gives a CSV column whose header name an earlier column has already."""


def repeated_columns(columns: list[str]) -> dict[str, list[int]]:
    """The names a header gives more than one column (as they are meant, in any case:
    ``members``, ``Members`` and ``members `` are one name, :func:`header_names`), each, as
    its first column writes it, with its columns' places (1-based):
    polars reads the second ``members`` as ``members_duplicated_0``, which would be dropped
    as a column outside the contract without a word on which of the two was read."""
    places: dict[str, list[int]] = {}
    for place, name in enumerate(columns, start=1):
        if is_unnamed(name):
            continue
        doubled = DOUBLED.match(name)
        base = doubled["name"] if doubled and doubled["name"] in columns else name
        places.setdefault(meant_text(base).casefold(), []).append(place)
    return {meant_text(columns[at[0] - 1]): at for at in places.values() if len(at) > 1}


def repeated_rule(places: list[int], columns: list[str] | None = None) -> str:
    """The rule of a column name the header gives the columns at ``places``; with the
    header's ``columns``, each named as typed when they differ (``Kind`` and ``kind``: one
    name in any case), not as polars names a second ``kind`` (``kind_duplicated_0``)."""
    typed = [columns[p - 1] for p in places] if columns else []
    shown = ", ".join(f"{p} ({name!r})" for p, name in zip(places, typed, strict=True))
    if not typed or any(DOUBLED.match(name) for name in typed):
        shown = ", ".join(map(str, places))
    return (
        f"列名重复, 见第 {'、'.join(map(str, places))} 列, 请只保留一列 (the header gives "
        f"{len(places)} columns this name: columns {shown}; keep one)"
    )


UNNAMED = re.compile(r"^(_duplicated_[0-9]+)?$")
"""The names polars gives a CSV column whose header cell is empty: ``""`` for the first,
``_duplicated_0`` and on for the others."""


def is_unnamed(name: str) -> bool:
    """Column ``name`` had no name in its CSV header (:data:`UNNAMED`)."""
    return UNNAMED.match(name) is not None


def unnamed_rule(places: list[int]) -> str:
    """The warning about columns at ``places`` (1-based) that have no name in the header,
    such as a spreadsheet saves after a formatted empty column: dropped, their values (if
    any) not read."""
    at = ", ".join(map(str, places))
    noun = "column" if len(places) == 1 else "columns"
    return (
        f"表头第 {at} 列没有列名, 已删除, 不再读取 (the header gives {noun} {at} no name: "
        "dropped, its values not read further)"
    )
