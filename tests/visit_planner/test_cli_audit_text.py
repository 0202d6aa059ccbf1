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
