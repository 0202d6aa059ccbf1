"""Checks of the values the store is given: clear :class:`StoreError` messages, never a
database constraint error the user cannot read."""

from __future__ import annotations

import re

from visit_planner.errors import StoreError

__all__ = ["check_choice", "check_month", "require_text"]

_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


_WORDS_ZH = {
    "reason": "原因",
    "actor": "操作人",
    "author": "操作人",
    "run id": "方案编号",
    "household id": "农户编号",
    "township id": "乡镇编号",
    "lock holder": "锁的持有者",
    "audit action": "审计操作",
    "audit subject": "审计对象",
}
"""The Chinese of the values :func:`require_text` is given by name (the Chinese half named
them in English: ``reason 不能为空``); any other is 必填项, a required value."""


def check_month(month: str) -> str:
    """``month`` if it is 'YYYY-MM' (month 01 to 12); a StoreError otherwise."""
    if not isinstance(month, str) or not _MONTH.fullmatch(month):
        raise StoreError(
            f"月份格式应为 YYYY-MM, 月为 01-12 (month {month!r} is not of the form YYYY-MM, "
            "with the month 01 to 12)"
        )
    return month


def require_text(value: str | None, what: str) -> str:
    """``value`` stripped; a StoreError when it is missing or blank."""
    if value is None or not isinstance(value, str) or not value.strip():
        zh = _WORDS_ZH.get(what, "必填项")
        raise StoreError(f"{zh}不能为空 ({what} is required and cannot be empty)")
    return value.strip()


def check_choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    """``value`` if it is one of ``allowed``; a StoreError naming the allowed values."""
    if value not in allowed:
        raise StoreError(f"{what} 取值无效 ({what} {value!r} is not one of {', '.join(allowed)})")
    return value
