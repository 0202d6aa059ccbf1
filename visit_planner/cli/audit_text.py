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

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date, datetime, time
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


def promote_failed_line(details: Details) -> str | None:
    """``promote.failed``: the promotion entry above it did not take effect; where the
    champion alias is (as read after the failure) and the registry's error."""
    error = details.get("error")
    if error is None:
        return None
    now = details.get("champion_now")
    if not details.get("champion_known", True):
        zh = "无法读取模型注册表, 冠军状态未知"
        en = "the registry could not be read: where the champion alias is is unknown"
    elif now is None:
        zh, en = "冠军别名未移动, 仍无冠军模型", "the champion alias did not move: no champion"
    else:
        zh = f"冠军别名未移动, 版本 {now} 仍为冠军"
        en = f"the champion alias did not move: the champion is still version {now}"
    return f"{zh} ({en}); 错误 error: {error}"


def store_copy_line(details: Details) -> str | None:
    """``store.copy``: the store this one was copied from (no password) and its log's head
    then: the entries above this one are that store's, carried over whole."""
    source = details.get("from")
    if not isinstance(source, str):
        return None
    head = details.get("from_head") or "-"
    return f"复制自 copied from {source}; 源链头 its head then {head}"


RULES: dict[str, tuple[Callable[[Details], str | None], ...]] = {
    "store.copy": (store_copy_line,),
    "promote.failed": (promote_failed_line,),
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


# --------------------------------------------------------------------------- filters

AUDIT_ACTIONS: dict[str, tuple[str, str]] = {
    "login": ("登录", "sign-in"),
    "login.failed": ("登录失败", "failed sign-in"),
    "login.locked": ("账号锁定", "account locked"),
    "login.client_blocked": ("地址暂停登录", "address paused"),
    "login.client_cleared": ("解除地址暂停", "address pause lifted"),
    "user.add": ("新增账号", "account added"),
    "user.disable": ("停用账号", "account disabled"),
    "user.password_reset": ("重置密码", "password reset"),
    "user.password_change": ("修改密码", "password changed"),
    "user.password_change_refused": ("修改密码被拒", "password change refused"),
    "override.add": ("新增督导调整", "override added"),
    "override.revoke": ("撤销督导调整", "override revoked"),
    "promote": ("模型晋升", "model promoted"),
    "promote.forced": ("强制晋升", "forced promotion"),
    "promote.failed": ("晋升失败", "promotion failed"),
    "publish": ("发布方案", "run published"),
    "amend": ("发布修订方案", "amendment published"),
    "rollback": ("回滚方案", "run rolled back"),
    "store.upgrade": ("数据库升级", "store upgraded"),
    "store.copy": ("复制数据库", "store copied"),
    "lock.recover": ("收回月份锁", "month lock recovered"),
    "lock.release": ("释放月份锁", "month lock released"),
}
"""Every action visit-planner writes to the audit log, in words: what ``audit list
--action`` takes (a test checks the store's and the jobs' code writes no other)."""


def action_words(action: str, gap: str = " ") -> str:
    """``override.revoke 撤销督导调整 override revoked``: an action with its words in both
    languages (:data:`AUDIT_ACTIONS`), or alone when it has none (an older version's)."""
    return f"{action}{gap}{' '.join(AUDIT_ACTIONS.get(action, ('', '')))}".rstrip()


def chosen_actions(values: Sequence[str], recorded: Collection[str] = ()) -> list[str]:
    """The actions ``--action`` names (repeated, or a comma list: ``login.failed,
    override.revoke``), in order, each once. One that is neither an action this program
    writes (:data:`AUDIT_ACTIONS`) nor one ``recorded`` in the log (an older version's) is
    refused: ValueError naming it and listing the known ones, in both languages."""
    chosen: list[str] = []
    for value in values:
        for action in (a.strip() for a in value.split(",")):
            if action and action not in chosen:
                chosen.append(action)
    unknown = [a for a in chosen if a not in AUDIT_ACTIONS and a not in recorded]
    if unknown:
        known = [*AUDIT_ACTIONS, *sorted(set(recorded) - set(AUDIT_ACTIONS))]
        lines = [f"  {action_words(a, '  ')}" for a in known]
        names = ", ".join(unknown)
        raise ValueError(
            f"未知的操作 {names} (unknown action: {names}); 可选 known actions:\n"
            + "\n".join(lines)
        )
    if not chosen:
        raise ValueError("未给出操作 (no action given): e.g. --action override.revoke")
    return chosen


def since_day(value: str) -> datetime:
    """``--since 2026-12-01``: the start of that day in Beijing time (the times ``audit
    list`` shows), as an aware moment. ValueError, in both languages, for anything but a
    date YYYY-MM-DD."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"{value!r}: 日期格式应为 YYYY-MM-DD (is not a date YYYY-MM-DD, e.g. 2026-12-01)"
        ) from None
    return datetime.combine(day, time(), clock.BEIJING)


def filter_heading(actions: Sequence[str], since: datetime | None) -> str | None:
    """What ``audit list`` says it shows when filtered: ``仅 only: override.revoke 撤销督导调整
    override revoked; 自 since 2026-12-01 00:00 (北京时间 Beijing time)``; None when not."""
    parts = []
    if actions:
        words = [action_words(a) for a in actions]
        parts.append(f"仅 only: {', '.join(words)}")
    if since is not None:
        parts.append(f"自 since {clock.shown_both(since)}")
    return "; ".join(parts) if parts else None
