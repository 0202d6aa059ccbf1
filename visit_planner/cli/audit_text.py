"""What ``audit list`` says under an entry: the details an auditor needs, in both languages.

``audit list`` printed only the time, actor, action and subject of each entry: a
``login.client_blocked`` did not say how many failed sign-ins paused the address nor until
when, a ``login.client_cleared`` neither how many failures were forgotten nor the reason
given, and a ``login.failed`` not why it failed. Each rule below reads one kind of entry's
details (as the store writes them) and returns its line, Chinese first with the English in
brackets; an entry without such details gets none. Times are Beijing time, as the list's
heading says. Pure functions: :mod:`visit_planner.cli.runs` prints what they return.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from visit_planner import clock

Details = Mapping[str, Any]


def _when(value: Any) -> str:
    """A stored moment (ISO text) as the list shows times; the text itself if it is none."""
    try:
        return clock.shown(value)
    except (TypeError, ValueError):
        return str(value)


def client_blocked_line(details: Details) -> str | None:
    """``login.client_blocked``: the failures that paused the address and until when."""
    failed, minutes = details.get("failed_logins"), details.get("window_minutes")
    until = details.get("blocked_until")
    if failed is None or until is None:
        return None
    window_zh = f"{minutes} 分钟内" if minutes is not None else ""
    window_en = f" within {minutes} min" if minutes is not None else ""
    return (
        f"{window_zh}登录失败 {failed} 次, 暂停此地址登录至 {_when(until)} "
        f"({failed} failed sign-ins{window_en}: address paused until {_when(until)})"
    )


def client_cleared_line(details: Details) -> str | None:
    """``login.client_cleared``: how many counted failures were forgotten (the actor, on the
    entry's first line, is who lifted the pause; the reason follows on its own line)."""
    cleared = details.get("failures_cleared")
    if cleared is None:
        return None
    return f"解除暂停, 清除 {cleared} 次失败记录 (pause lifted: {cleared} failures forgotten)"


LOGIN_FAILURES: dict[str, tuple[str, str]] = {
    "wrong_password": ("密码错误", "wrong password"),
    "unknown_user": ("无此账号", "no such account"),
    "locked": ("账号锁定中", "account locked"),
    "disabled": ("账号已停用", "account disabled"),
    "client_blocked": ("此地址暂停登录中", "address paused"),
}
"""The store's codes for why a sign-in failed (``login.failed``'s ``reason``), worded."""


def login_failed_line(details: Details) -> str | None:
    """``login.failed``: why (wrong password, no such account, locked, disabled, its address
    paused), the account's count of failures and until when it or the address is locked."""
    code = details.get("reason")
    if code not in LOGIN_FAILURES:
        return None
    zh, en = LOGIN_FAILURES[code]
    failed = details.get("failed_logins")
    if failed is not None:
        zh, en = f"{zh}, 第 {failed} 次", f"{en}, failure {failed}"
    until = details.get("locked_until") or details.get("blocked_until")
    if until is not None and code == "wrong_password":  # this failure locked the account
        zh, en = f"{zh}, 账号锁定至 {_when(until)}", f"{en}: account locked until {_when(until)}"
    elif until is not None:
        zh, en = f"{zh}, 至 {_when(until)}", f"{en} until {_when(until)}"
    return f"{zh} ({en})"


def reason_line(details: Details) -> str | None:
    """Any entry given a reason by a person (a pause lifted, an account disabled, an override
    revoked, a run rolled back, a forced promotion, a lock released): the reason, as given."""
    reason = details.get("reason")
    if not isinstance(reason, str) or not reason.strip() or reason in LOGIN_FAILURES:
        return None
    return f"原因 reason: {reason.strip()}"


RULES: dict[str, tuple[Callable[[Details], str | None], ...]] = {
    "login.client_blocked": (client_blocked_line,),
    "login.client_cleared": (client_cleared_line, reason_line),
    "login.failed": (login_failed_line,),
}
"""The lines each action gets, in order; every other action: :func:`reason_line`."""


def audit_detail_lines(action: str, details: Details | None) -> list[str]:
    """The lines ``audit list`` prints under an entry of ``action`` with ``details``."""
    if not isinstance(details, Mapping):
        return []
    rules = RULES.get(action, (reason_line,))
    return [line for rule in rules if (line := rule(details)) is not None]
