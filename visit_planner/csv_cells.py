"""Text cells of the CSV files a user opens in Excel or WPS, safe from running as formulas.

Excel and WPS run a cell that opens with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return) as a formula when they open a CSV: ``=HYPERLINK("http://…?d="&A2,"点击")`` sends the
row to a web address when clicked. The text in the files this tool writes comes partly from
what users typed (ids and codes the contracts accept as any non-blank text, place names, a
supervisor's reason or evidence), so such a cell is written with a leading ``'``
(:func:`formula_safe`), which spreadsheets show as text. One definition for every CSV written
for people: the visit lists, the unassigned households, ``runs diff --out``, ``overrides
export-corrections`` and ``score --out`` as CSV.

A file the tool reads back (``train --corrections`` reads the corrections export) takes the
mark off again (:func:`formula_text_back`), so every value round-trips exactly: a text that
already opened with ``'`` and a formula character gets one ``'`` more when written and loses
exactly one when read, and any other text is written and read unchanged. Cells every reader
of the file reads as data, not only this tool's (the scores' ``household_id``, which ``assign
--scores`` matches to the households), are written as the formula of their text instead
(:func:`formula_text_cells`), which the contracts' reader reads as the text itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final

import polars as pl

FORMULA_START: Final = r"^'*[=+\-@\t\r]"
"""How a text opens that :func:`formula_safe` marks: as a formula would (OWASP's CSV injection
list), possibly behind ``'`` marks already (so that reading back is exact)."""

MARKED: Final = r"^'+[=+\-@\t\r]"
"""How a text :func:`formula_safe` marked opens: ``'`` then a formula's first character."""


def _rewritten(
    frame: pl.DataFrame, names: Iterable[str], pattern: str, rewrite: Callable[[pl.Expr], pl.Expr]
) -> pl.DataFrame:
    """``frame`` with each cell of its text columns among ``names`` that matches ``pattern``
    as ``rewrite`` makes it, every other cell as it is; only the columns holding such a cell
    are rewritten, numbers never."""
    touched = [
        name
        for name in names
        if name in frame.columns
        and frame.schema[name] == pl.String
        and frame[name].str.contains(pattern).any()
    ]
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(pattern))
        .then(rewrite(pl.col(name)))
        .otherwise(pl.col(name))
        .alias(name)
        for name in touched
    )


def formula_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text cell that opens as a formula (:data:`FORMULA_START`) written
    ``'`` first, so that a spreadsheet opening the CSV shows it as text instead of running it;
    only text columns holding such a cell are rewritten, numbers never."""
    return _rewritten(frame, frame.columns, FORMULA_START, lambda col: pl.lit("'") + col)


def formula_text_back(frame: pl.DataFrame, names: tuple[str, ...]) -> pl.DataFrame:
    """``frame``'s text columns among ``names`` as they were before :func:`formula_safe`
    marked them: one leading ``'`` taken off a cell that opens with ``'`` and a formula's first
    character (:data:`MARKED`); every other cell as it is."""
    return _rewritten(frame, names, MARKED, lambda col: col.str.slice(1))


def formula_text_cells(frame: pl.DataFrame, names: Iterable[str]) -> pl.DataFrame:
    """``frame`` with each text cell among ``names`` that a spreadsheet would run as a formula
    (:data:`FORMULA_START`: a household id ``=1+1`` or ``@H1``, which the contracts accept as
    any non-blank text) written as the formula of that text, ``="=1+1"`` (a ``"`` inside
    doubled): Excel and WPS show the text and run nothing, and the contracts' reader reads
    ``="…"`` as the text inside, as it reads codes exported so
    (:func:`~visit_planner.contracts.cells.formula_text`), so ``assign --scores`` matches the
    id to its household. A ``'`` mark (:func:`formula_safe`) would be read back as part of
    the id and match none."""
    return _rewritten(
        frame,
        names,
        FORMULA_START,
        lambda col: pl.lit('="') + col.str.replace_all('"', '""', literal=True) + pl.lit('"'),
    )
