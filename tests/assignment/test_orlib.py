"""OR-Library GAP reader and the published optima of gap1."""

from __future__ import annotations

from pathlib import Path

import pytest

from assignment.core import solve_core
from assignment.errors import OrlibFormatError
from assignment.orlib import parse_gap, read_gap

DATA = Path(__file__).parent / "data"
ONE = "2 3\n1 2 3\n4 5 6\n1 1 1\n1 1 1\n2 2\n"


def test_single_and_counted() -> None:
    one = parse_gap(ONE, "x")
    assert len(one) == 1 and one[0].cost.shape == (2, 3)
    two = parse_gap("2\n" + ONE + ONE, "x")
    assert [i.name for i in two] == ["x-1", "x-2"]


def test_bad_files() -> None:
    with pytest.raises(OrlibFormatError, match=r"left over|expected"):
        parse_gap(ONE.rsplit(" ", 1)[0], "x")
    with pytest.raises(OrlibFormatError, match="non-numeric"):
        parse_gap("2 3 a", "x")


def test_gap1_published_optima() -> None:
    # OR-Library gapinfo: gap1 optima (profit maximisation) 336, 327, 339, 341, 326.
    instances = read_gap(DATA / "gap1.txt")
    got = [solve_core(i.to_problem(), maximize=True, time_limit=20).objective for i in instances]
    assert got == [336, 327, 339, 341, 326]
