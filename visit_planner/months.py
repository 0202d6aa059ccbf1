"""Months written ``YYYY-MM``: read one (:func:`parse_month`), step to the next or the one
before.

Standard library only, so that a command refuses a month that is not written ``YYYY-MM``
(``plan --month 2026-13``, ``generate --month 11``) at once, before it imports polars, NumPy
or pandera (a second or more on a busy machine) for the work it will not do. Every reader of a
month given by the user calls :func:`parse_month`: one rule, one wording.
"""

from __future__ import annotations

import re

__all__ = ["month_after", "month_before", "parse_month"]

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(month: str) -> tuple[int, int]:
    """Year and month of ``YYYY-MM``; ValueError (bilingual) for anything else."""
    m = _MONTH.match(month)
    if m is None:
        raise ValueError(f"月份格式应为 YYYY-MM (month must be YYYY-MM, got {month!r})")
    return int(m.group(1)), int(m.group(2))


def month_after(month: str) -> str:
    """The month after ``month`` (``YYYY-MM``)."""
    year, mon = parse_month(month)
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"


def month_before(month: str) -> str:
    """The month before ``month`` (``YYYY-MM``)."""
    year, mon = parse_month(month)
    return f"{year - (mon == 1):04d}-{(mon - 2) % 12 + 1:02d}"
