"""Checks of the values the store is given: clear :class:`StoreError` messages, never a
database constraint error the user cannot read."""

from __future__ import annotations

import re

from visit_planner.errors import StoreError

__all__ = ["check_choice", "check_month", "require_text"]

_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def check_month(month: str) -> str:
    """``month`` if it is 'YYYY-MM'; a StoreError otherwise."""
    if not isinstance(month, str) or not _MONTH.fullmatch(month):
        raise StoreError(f"月份格式应为 YYYY-MM (month {month!r} is not of the form YYYY-MM)")
    return month


def require_text(value: str | None, what: str) -> str:
    """``value`` stripped; a StoreError when it is missing or blank."""
    if value is None or not isinstance(value, str) or not value.strip():
        raise StoreError(f"{what} 不能为空 ({what} is required and cannot be empty)")
    return value.strip()


def check_choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    """``value`` if it is one of ``allowed``; a StoreError naming the allowed values."""
    if value not in allowed:
        raise StoreError(f"{what} 取值无效 ({what} {value!r} is not one of {', '.join(allowed)})")
    return value
