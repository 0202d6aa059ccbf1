"""``audit`` and the read-only store commands on a workspace that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.visit_planner.helpers import flat, too_wide


def test_a_mistyped_home_is_refused_and_nothing_is_created(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    typo = tmp_path / "ws_none"
    for args in (
        ("audit", "verify"),
        ("audit", "list"),
        ("runs", "list"),
        ("overrides", "list"),
        ("overrides", "add", "--kind", "tier", "--household", "H1", "--tier", "1",
         "--reason", "x", "--data", str(tmp_path)),
    ):  # fmt: skip
        code, out, err = cli(*args, "--home", str(typo))
        assert code == 2, (args, out, err)
        assert f"workspace {typo} does not exist" in flat(err) and "--home" in err, (args, err)
        assert "Traceback" not in out + err
        assert not typo.exists(), args
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = cli("audit", "verify", "--home", str(empty))
    assert code == 2 and f"no store in workspace {empty}" in flat(err)
    assert list(empty.iterdir()) == []


def test_audit_verify_says_intact_once_and_finds_a_removed_last_entry(
    tmp_path: Path, cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    monkeypatch.setenv("COLUMNS", "80")
    home = ["--home", str(tmp_path / "ws")]
    code, out, err = cli("store", "upgrade", *home)
    assert code == 0, err
    from visit_planner.paths import Workspace
    from visit_planner.store import Store, store_url

    with Store.open(store_url(Workspace(tmp_path / "ws"))) as store:
        for i in range(3):
            store.append_audit("test.step", "tester", f"s{i}", {})
    code, out, _ = cli("audit", "verify", *home)
    assert code == 0 and out.count("intact") == 1 and out.count("审计日志完整") == 1
    assert "3 条 entries" in flat(out) and "#3" in out
    # At 80 columns (was one line of 124): wrapped at spaces, the chain's hash whole.
    assert too_wide(out, 80) == []
    assert any(re.fullmatch(r"\s*[0-9a-f]{64}", line) for line in out.splitlines()), out
    with sqlite3.connect(tmp_path / "ws" / "store.db") as conn:
        conn.execute("DELETE FROM audit WHERE seq = 3")
    code, out, err = cli("audit", "verify", *home)
    assert code == 4 and "entry 3 removed from the end" in flat(err) and "审计日志被篡改" in err


def test_audit_verify_and_list_name_an_entry_whose_time_was_edited(
    tmp_path: Path, cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A time that is no date, written into SQLite by hand: both commands used to end in a
    traceback (SQLAlchemy's 'Invalid isoformat string'); now verify names the entry (exit
    4) and list says which entry cannot be read (exit 2)."""
    import sqlite3

    monkeypatch.setenv("COLUMNS", "80")
    home = ["--home", str(tmp_path / "ws")]
    assert cli("store", "upgrade", *home)[0] == 0
    from visit_planner.paths import Workspace
    from visit_planner.store import Store, store_url

    with Store.open(store_url(Workspace(tmp_path / "ws"))) as store:
        for i in range(3):
            store.append_audit("test.step", "tester", f"s{i}", {})
    with sqlite3.connect(tmp_path / "ws" / "store.db") as conn:
        conn.execute("UPDATE audit SET at = 'garbage' WHERE seq = 2")
    code, out, err = cli("audit", "verify", *home)
    assert code == 4 and "Traceback" not in out + err
    assert "broken at entry 2" in flat(err) and "its time 'garbage' is not a date" in flat(err)
    code, out, err = cli("audit", "list", *home)
    assert code == 2 and "Traceback" not in out + err
    assert "audit entry 2 cannot be read" in flat(err) and "audit verify" in flat(err)
    code, out, _ = cli("audit", "list", "--limit", "1", *home)
    assert code == 0 and "#3" in out


def test_audit_list_says_when_the_log_does_not_end_at_its_head(
    tmp_path: Path, cli, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    """Entries cut off the end were listed without a word (all of them: 'no entries yet',
    exit 0), though the head record knew; now the listing is followed by what happened and
    exits 4, as verify does. Also for an entry written by hand after the head, and for a
    head record removed."""
    from tests.visit_planner.store.helpers import (
        append_before_head,
        raw_engine,
        raw_sql,
        tamper_audit,
    )
    from visit_planner.store import Store
    from visit_planner.store.engine import parse_store_url

    opts = ["--home", str(tmp_path), "--store-url", db_url]
    with Store.open(db_url) as store:
        for i in range(3):
            store.append_audit("test.step", "tester", f"s{i}", {})
    code, out, err = cli("audit", "list", *opts)
    assert code == 0 and "#3" in out and err == ""
    with raw_engine(db_url) as engine, engine.begin() as conn:  # the head does not move
        append_before_head(conn, "by.hand", "intruder", "x", {})
    code, out, err = cli("audit", "list", *opts)
    assert code == 4 and "#4" in out
    assert flat(err) == (
        "警告 WARNING: 审计日志止于第 4 条, 链头记录止于第 3 条, 其后的条目非本程序写入 / the "
        "log ends at entry 4, its head record at entry 3: the entries after it were not "
        "written by visit-planner: run `visit-planner audit verify`"
    )
    tamper_audit(db_url, "DELETE FROM audit WHERE seq >= 3")
    code, out, err = cli("audit", "list", *opts)
    assert code == 4 and "#2" in out and "#3" not in out
    assert flat(err) == (
        "警告 WARNING: 审计日志止于第 2 条, 链头记录为第 3 条, 末尾条目被删除 / the log ends at "
        "entry 2, its head record at entry 3: entries were removed from its end: run "
        "`visit-planner audit verify`"
    )
    tamper_audit(db_url, "DELETE FROM audit WHERE seq = 2")
    raw_sql(
        db_url,
        *(
            ["DROP TRIGGER IF EXISTS audit_head_forward ON audit_head"]
            if parse_store_url(db_url).get_backend_name() == "postgresql"
            else []
        ),
        "DELETE FROM audit_head",
    )
    code, out, err = cli("audit", "list", *opts)
    assert code == 4 and "#1" in out
    assert flat(err) == (
        "警告 WARNING: 审计链头记录缺失, 审计日志止于第 1 条 / the head record is missing; the "
        "log ends at entry 1: run `visit-planner audit verify`"
    )
    tamper_audit(db_url, "DELETE FROM audit")
    raw_sql(db_url, "INSERT INTO audit_head (id, seq, hash) VALUES (1, 3, 'x')")
    code, out, err = cli("audit", "list", *opts)
    assert code == 4 and out == "" and "no entries yet" not in out + err
    assert flat(err).startswith("警告 WARNING: 审计日志已无条目, 链头记录为第 3 条, 末尾条目被删除")


def test_audit_list_says_why_an_address_was_paused_and_who_lifted_it_why(
    tmp_path: Path, cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """``login.client_blocked`` and ``login.client_cleared`` were listed with the address
    alone: not how many failures paused it nor until when, not how many were forgotten nor
    why. Now each entry has its details under it, both languages, within 80 columns."""
    from argon2 import PasswordHasher

    from visit_planner import clock
    from visit_planner.errors import LoginError
    from visit_planner.paths import Workspace
    from visit_planner.store import Store, store_url, users

    monkeypatch.setattr(users, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8192))
    monkeypatch.setenv("COLUMNS", "80")
    home = ["--home", str(tmp_path / "ws")]
    assert cli("store", "upgrade", *home)[0] == 0
    with Store.open(store_url(Workspace(tmp_path / "ws"))) as store:
        store.add_user(
            "alice", "planner", scope_kind="prefecture", password="Xq7#mPlanner-2026", actor="t"
        )
        for _ in range(21):  # the 20th pauses the address, the 21st is refused as paused
            with pytest.raises(LoginError):
                store.authenticate("alice", "not-her-password", client="10.0.0.7")
        store.disable_user("alice", "t", "离职 left the office")
        blocked = [e for e in store.audit_entries(40) if e.action == "login.client_blocked"]
    until = clock.shown(blocked[0].details["blocked_until"])
    code, _, err = cli("users", "unblock", "10.0.0.7", "--reason", "共用出口 shared NAT", *home)
    assert code == 0, err
    code, out, _ = cli("audit", "list", "--limit", "5", *home)
    assert code == 0 and too_wide(out, 80) == [], out
    words = flat(out)
    assert (
        "login.client_blocked 10.0.0.7 15 分钟内登录失败 20 次, 暂停此地址登录至 "
        f"{until} (20 failed sign-ins within 15 min: address paused until {until})"
    ) in words, out
    assert "10.0.0.7 · 来自 from 10.0.0.7" not in words  # the subject is the address
    # The failure refused because the address was paused says so (not "wrong password").
    assert f"此地址暂停登录中, 至 {until} (address paused until {until})" in words
    assert "user.disable alice 原因 reason: 离职 left the office" in words
    actor = re.search(r"#\d+ \S+ \S+ (\S+) login\.client_cleared", words)
    assert actor and actor[1] != "anonymous", out  # who lifted the pause
    assert words.endswith(
        "login.client_cleared 10.0.0.7 解除暂停, 清除 20 次失败记录 (pause lifted: 20 "
        "failures forgotten) 原因 reason: 共用出口 shared NAT"
    ), out


def _log_of_many_actions(home: Path) -> None:
    """A workspace whose log holds publishes, override revocations and failed sign-ins."""
    from visit_planner.paths import Workspace
    from visit_planner.store import Store, store_url

    Workspace(home).ensure()
    with Store.open(store_url(Workspace(home))) as store:
        for i in range(9):
            action = ("publish", "override.revoke", "login.failed")[i % 3]
            store.append_audit(action, "tester", f"s{i + 1}", {"reason": f"why {i + 1}"})


def test_audit_list_shows_only_the_actions_asked_for(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """A supervisor looking for every revocation or failed sign-in paged through the whole
    log: ``--action`` (repeatable, or a comma list) lists only those, the filter named."""
    _log_of_many_actions(tmp_path / "ws")
    home = ["--home", str(tmp_path / "ws")]
    code, out, err = cli("audit", "list", "--action", "override.revoke", *home)
    assert code == 0, err
    assert re.findall(r"^#(\d+)", out, re.M) == ["2", "5", "8"]
    assert "仅 only: override.revoke 撤销督导调整 override revoked" in flat(out)
    code, out, _ = cli(
        "audit", "list", "--action", "login.failed,publish", "--action", "publish",
        "--limit", "3", *home,
    )  # fmt: skip
    assert code == 0 and re.findall(r"^#(\d+)", out, re.M) == ["6", "7", "9"]
    assert too_wide(out, 80) == []


def test_an_unknown_action_is_refused_with_the_known_ones(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    _log_of_many_actions(tmp_path / "ws")
    code, out, err = cli(
        "audit", "list", "--action", "override.revoked", "--home", str(tmp_path / "ws")
    )
    assert code == 2 and out == ""
    assert "未知的操作 override.revoked (unknown action: override.revoked)" in flat(err)
    assert "override.revoke 撤销督导调整 override revoked" in flat(err)
    assert "login.failed 登录失败 failed sign-in" in flat(err)
    assert "Traceback" not in err


def test_audit_list_since_a_day_in_beijing_time(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    from tests.visit_planner.store.helpers import tamper_audit
    from visit_planner.paths import Workspace
    from visit_planner.store import store_url

    _log_of_many_actions(tmp_path / "ws")
    # Entries 1-4 on 2026-11-30 in Beijing time (15:59 UTC); 5-9 on 2026-12-01 (16:00 UTC).
    url = store_url(Workspace(tmp_path / "ws"))
    tamper_audit(url, "UPDATE audit SET at = '2026-11-30 15:59:00.000000' WHERE seq <= 4")
    tamper_audit(url, "UPDATE audit SET at = '2026-11-30 16:00:00.000000' WHERE seq > 4")
    home = ["--home", str(tmp_path / "ws")]
    code, out, err = cli("audit", "list", "--since", "2026-12-01", *home)
    assert code == 0, err
    assert re.findall(r"^#(\d+)", out, re.M) == ["5", "6", "7", "8", "9"]
    assert "自 since 2026-12-01 00:00 (北京时间 Beijing time)" in flat(out)
    code, out, _ = cli("audit", "list", "--since", "2026-12-02", "--action", "publish", *home)
    assert code == 0 and "no entries match" in out and "no entries yet" not in out
    code, _, err = cli("audit", "list", "--since", "12/01", *home)
    assert code == 2 and "is not a date YYYY-MM-DD" in flat(err)
