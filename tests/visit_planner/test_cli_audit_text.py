"""The lines ``audit list`` prints under an entry (visit_planner.cli.audit_text)."""

from __future__ import annotations

from visit_planner.cli.audit_text import LOGIN_FAILURES, audit_detail_lines

UNTIL = "2026-12-07T07:33:12+00:00"  # 15:33 Beijing time


def test_a_failed_sign_in_says_why_and_when_it_locked_the_account() -> None:
    assert audit_detail_lines(
        "login.failed", {"reason": "wrong_password", "failed_logins": 5, "locked_until": UNTIL}
    ) == [
        "密码错误, 第 5 次, 账号锁定至 2026-12-07 15:33 "
        "(wrong password, failure 5: account locked until 2026-12-07 15:33)"
    ]
    assert audit_detail_lines("login.failed", {"reason": "unknown_user", "client": "x"}) == [
        "无此账号 (no such account)"
    ]
    for code in LOGIN_FAILURES:  # a code is never shown as if a person gave it as a reason
        line = audit_detail_lines("login.failed", {"reason": code})[0]
        assert "reason:" not in line and ("_" not in code or code not in line)


def test_a_reason_given_by_a_person_is_shown_and_nothing_is_made_up() -> None:
    assert audit_detail_lines("override.revoke", {"reason": " 已核实 checked "}) == [
        "原因 reason: 已核实 checked"
    ]
    assert audit_detail_lines("run.publish", {"run_id": "r1"}) == []
    assert audit_detail_lines("login.client_blocked", {}) == []  # details missing: no line
    assert audit_detail_lines("user.add", None) == []


def _actions_written_by_the_code() -> set[str]:
    """Every action the program's code appends to the audit log: the first argument of
    ``audit.append(conn, ...)`` and ``store.append_audit(...)``, and ``action="..."``."""
    import re
    from pathlib import Path

    import visit_planner

    found: set[str] = set()
    for path in Path(visit_planner.__file__).parent.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in re.finditer(r"(?:audit\.append|\.append_audit)\(\s*(?:conn,\s*)?", text):
            first = text[call.end() : call.end() + 200].split(",")[0]
            found.update(
                literal[1]
                for literal in re.finditer(r'"([^"]+)"', first)
                if not first[: literal.start()].rstrip().endswith("==")  # a compared value
            )
        found.update(re.findall(r'\baction="([^"]+)"', text))
    return found


def test_every_action_the_program_writes_can_be_asked_for() -> None:
    from visit_planner.cli.audit_text import AUDIT_ACTIONS

    written = _actions_written_by_the_code()
    assert {"login.failed", "override.revoke", "promote.forced", "lock.release"} <= written
    assert written <= set(AUDIT_ACTIONS), written - set(AUDIT_ACTIONS)


def test_actions_are_chosen_in_order_once_and_an_unknown_one_is_refused() -> None:
    import pytest

    from visit_planner.cli.audit_text import chosen_actions

    assert chosen_actions(["publish, login.failed", "publish"]) == ["publish", "login.failed"]
    assert chosen_actions(["old.action"], recorded=["old.action"]) == ["old.action"]
    with pytest.raises(ValueError, match=r"unknown action: publsh\); 可选 known actions"):
        chosen_actions(["publsh"])
