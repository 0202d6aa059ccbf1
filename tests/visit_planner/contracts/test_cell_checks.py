"""The reader's checks of a table's cells (:func:`visit_planner.contracts.reader.cast_to_contract`)
look at a whole column first (does any value hold ``E+`` or a point, a character outside
ASCII, ``="``?) and go value by value only through the columns where one does, and read a
month column once per distinct month: each kind of bad cell is still refused with the
message the value-by-value checks gave (the texts below are theirs, taken from the code
before the whole-column checks), and every cell is read as they read it."""

from __future__ import annotations

import polars as pl
import pytest

from visit_planner.contracts.cells import as_written, columns_holding, non_ascii_columns
from visit_planner.contracts.reader import (
    CODE_SYNONYMS,
    FORM_SIGNS,
    _cast_expr,
    _few_values,
    cast_to_contract,
)

SPEC: dict[str, pl.DataType] = {
    "household_id": pl.String(),
    "village_id": pl.String(),
    "hazard_exposure": pl.String(),
    "month": pl.String(),
    "members": pl.Int16(),
    "alone": pl.Boolean(),
    "name_zh": pl.String(),
}
ROWS = 2000

SCIENTIFIC = (
    "编号被表格软件写成科学计数法, 末位数字可能已丢失, 请将该列设为文本格式后重新导出 (an id or "
    "code in scientific notation, as Excel shows a long number: its last digits may be lost; "
    "format the column as Text and export again)"
)
DECIMAL = (
    "类型错误, 编号与代码须存为文本, 不能是小数 (value is not a valid String: an id or code "
    "must be stored as text, not as a decimal number)"
)


def clean() -> pl.DataFrame:
    """A CSV table of ``ROWS`` good rows, as read (every column text)."""
    return pl.DataFrame({
        "household_id": [f"H{i:07d}" for i in range(ROWS)],
        "village_id": ["532601001001"] * ROWS,
        "hazard_exposure": ["none"] * ROWS,
        "month": ["2026-10"] * ROWS,
        "members": ["3"] * ROWS,
        "alone": ["否"] * ROWS,
        "name_zh": ["开化街道（老城区）"] * ROWS,
    })  # fmt: skip


def with_cells(df: pl.DataFrame, cells: list[tuple[int, str, str | None]]) -> pl.DataFrame:
    """``df`` with each (row, column, value) of ``cells`` written in."""
    for row, column, value in cells:
        at = pl.int_range(pl.len()) == row
        df = df.with_columns(
            pl.when(at).then(pl.lit(value, pl.String)).otherwise(pl.col(column)).alias(column)
        )
    return df


BAD_CELLS = [
    (5, "village_id", "5.32601E+11"),
    (1500, "village_id", "5.32601E+11"),
    (7, "household_id", "532601.0"),
    (1999, "household_id", "1.0e-3"),  # the last row: a search of the whole column finds it
    (9, "hazard_exposure", "1E+5"),
    (13, "members", "2.5"),
    (14, "members", "abc"),
    (15, "alone", "maybe"),
]
"""One of each kind of cell the value-by-value checks refused."""

READ_CELLS = [
    (11, "hazard_exposure", "1.5"),  # a point, but not a code's column: kept (a rule names it)
    (16, "household_id", "Ｈ０００００１６X"),  # full width
    (17, "village_id", '="532601001002"'),  # a text formula
    (18, "month", " 2026/10 "),
    (19, "month", "2026年9月"),
    (20, "month", "2026-13"),  # no month: kept for the month rule to name
    (21, "month", ""),
    (22, "month", None),
    (23, "household_id", "H00000\u200b23b"),  # a zero-width space
    (24, "name_zh", "Ｆｕｌｌ"),  # a place's name: kept as written
]
"""Cells read as meant (or kept, for a column rule to name)."""


def test_each_kind_of_bad_cell_gets_the_message_it_got_value_by_value() -> None:
    """Every refusal, its rule, count, first ids and values, in the order given before."""
    _, problems = cast_to_contract(
        with_cells(clean(), BAD_CELLS + READ_CELLS),
        SPEC,
        "f.csv",
        ("household_id",),
        months=("month",),
    )
    assert [p.message() for p in problems] == [
        f"f.csv: column 'household_id': {DECIMAL} — 2 rows: 532601.0 (532601.0), 1.0e-3 (1.0e-3)",
        f"f.csv: column 'village_id': {SCIENTIFIC} — 2 rows: H0000005 (5.32601E+11), "
        "H0001500 (5.32601E+11)",
        f"f.csv: column 'hazard_exposure': {SCIENTIFIC} — 1 row: H0000009 (1E+5)",
        "f.csv: column 'members': 类型错误, 应为整数 (value is not a whole number) — 2 rows: "
        "H0000013 (2.5), H0000014 (abc)",
        "f.csv: column 'alone': 类型错误, 应为是或否 (value is not yes or no) — 1 row: "
        "H0000015 (maybe)",
    ]


def value_by_value(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` cast as before the whole-column checks: every text value folded, searched for
    a text formula and matched against the refused forms of a number, every month read."""
    text = df.with_columns(
        pl.col(name).str.normalize("NFKC").str.replace_all("[\u200b\u200c\u200d\u2060\ufeff]", "")
        for name in SPEC
        if not name.startswith("name_")
    ).with_columns(
        pl.col(name).str.replace(r'^\s*="(.*)"\s*$', "$1")
        for name in SPEC
        if not name.startswith("name_")
    )
    return text.select(
        _cast_expr(name, pl.String(), dtype, month=name == "month").alias(name)
        for name, dtype in SPEC.items()
    )


@pytest.mark.parametrize(
    "cells", [[], READ_CELLS, BAD_CELLS + READ_CELLS], ids=["clean", "read", "bad"]
)
def test_every_cell_is_read_as_value_by_value(cells: list[tuple[int, str, str | None]]) -> None:
    """The cast table, cell for cell (a value of a column read once per distinct value
    comes back to its row), as the value-by-value checks read it."""
    df = with_cells(clean(), cells)
    # the counts, flags and months are read once per distinct value, the ids row by row
    assert _few_values(df, ["household_id", "month", "members", "alone"]) == [
        "month",
        "members",
        "alone",
    ]
    cast, _ = cast_to_contract(df, SPEC, "f.csv", ("household_id",), months=("month",))
    assert cast.equals(value_by_value(df))
    if cells:
        assert cast["household_id"][16] == "H0000016X"
        assert cast["household_id"][23] == "H0000023b"
        assert cast["village_id"][17] == "532601001002"
        assert cast["month"].slice(18, 5).to_list() == ["2026-10", "2026-09", "2026-13", None, None]
        assert cast["name_zh"][24] == "Ｆｕｌｌ"


def test_a_column_is_searched_as_a_whole() -> None:
    """A column is gone through value by value only when one of its values holds what is
    looked for, wherever it is; a Chinese text (汉族) is its own compatibility form, and is
    not folded."""
    df = pl.DataFrame({
        "ids": ["H1", "H2", "5.3E+11"],
        "codes": ["532601", "532601.0", "532602"],
        "words": ["none", "flood", "e+"],  # E+ or e-, in any case
        "han": ["汉族", "汉族", "壮族"],
        "wide": ["汉族", "Ｈ1", None],
        "plain": ["a", None, "b"],
        "number": [1, 2, 3],
    })  # fmt: skip
    names = df.columns
    assert columns_holding(df, names, FORM_SIGNS) == ["ids", "codes", "words"]
    assert columns_holding(df, names, '="', literal=True) == []
    assert non_ascii_columns(df, names) == ["han", "wide"]
    assert as_written(df, tuple(names)).equals(
        df.with_columns(pl.Series("wide", ["汉族", "H1", None]))
    )
    # values joined by a line break: E at the end of one and + at the start of the next
    # are not a sign
    assert columns_holding(pl.DataFrame({"a": ["ONE", "+1"]}), ["a"], FORM_SIGNS) == []


def test_the_cast_writes_no_sign_of_a_refused_number() -> None:
    """A code's synonyms (and a month's form, YYYY-MM) hold neither ``E+`` nor a point, so a
    column whose values hold none holds none once read (the whole-column search is made
    on the values as written)."""
    codes = pl.DataFrame({"code": [c for words in CODE_SYNONYMS.values() for c in words.values()]})
    assert columns_holding(codes, ["code"], FORM_SIGNS) == []
