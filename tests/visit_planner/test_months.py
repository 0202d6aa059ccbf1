"""Months written ``YYYY-MM`` (:mod:`visit_planner.months`): read, stepped, refused in words."""

from __future__ import annotations

import subprocess
import sys

import pytest

from visit_planner.months import month_after, month_before, parse_month


def test_month_arithmetic() -> None:
    assert parse_month("2026-11") == (2026, 11)
    assert month_after("2026-11") == "2026-12"
    assert month_after("2026-12") == "2027-01"
    assert month_before("2027-01") == "2026-12"
    assert month_before("2026-11") == "2026-10"


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "2026-1", "11", "2026/11", " 2026-11"])
def test_a_month_not_written_yyyy_mm_is_refused_in_both_languages(bad: str) -> None:
    with pytest.raises(ValueError) as exc:
        parse_month(bad)
    assert str(exc.value) == f"月份格式应为 YYYY-MM (month must be YYYY-MM, got {bad!r})"


def test_the_module_imports_nothing_but_the_standard_library() -> None:
    """A command refuses a bad month before it imports the data stack: parse_month lived in
    the synthetic generator, which imports NumPy and polars at its top."""
    script = (
        "import sys, json; import visit_planner.months; "
        "print(json.dumps(sorted(n for n in ('polars', 'numpy', 'pandera', 'pydantic') "
        "if n in sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"
