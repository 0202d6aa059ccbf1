"""``store status``: where the store's schema stands against this program's, changing nothing;
and ``store upgrade`` of a store that holds a month's runs, overrides and accounts."""

from __future__ import annotations

from pathlib import Path

from tests.visit_planner.helpers import flat, too_wide
from tests.visit_planner.store.helpers import publish, raw_sql
from visit_planner.store import Store
from visit_planner.store.engine import Database
from visit_planner.store.schema import head_revision, migrate


def _at(url: str, revision: str) -> None:
    db = Database.connect(url)
    try:
        with db.write() as conn:
            migrate(conn, revision)
    finally:
        db.dispose()


def test_store_status_says_what_an_upgrade_would_do_and_changes_nothing(
    db_url: str, cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "80")
    where = ["--store-url", db_url]
    _at(db_url, "0004")
    code, out, err = cli("store", "status", *where)
    assert code == 1, err  # an administrator's script: status || upgrade
    text = flat(out)
    assert f"数据库版本 store schema: 0004 (本程序 this program: {head_revision()})" in text
    assert "数据库结构版本过旧" in text and "back it up, then run" in text
    assert "`visit-planner store upgrade --store-url" in text
    assert "store upgrade would apply: 0005 The audit log's head record" in text
    assert "0004 An optional" not in text  # already applied
    body = out.split("\n", 1)[1]  # the first line names the database: a long path stays whole
    assert too_wide(body, 80) == []
    assert raw_sql(db_url, "SELECT version_num FROM alembic_version") == [("0004",)]

    assert cli("store", "upgrade", *where)[0] == 0
    code, out, _ = cli("store", "status", *where)
    assert code == 0
    assert "状态 state: 已是最新 current" in out and "would apply" not in out

    raw_sql(db_url, "UPDATE alembic_version SET version_num = '9999'")
    code, out, _ = cli("store", "status", *where)
    assert code == 1  # made by a newer program: no upgrade to suggest
    assert "a newer visit-planner made it" in flat(out) and "would apply" not in out


def test_store_status_of_a_workspace_without_a_store_creates_nothing(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "ws"
    empty.mkdir()
    code, out, err = cli("store", "status", "--home", str(empty))
    assert code == 1, err
    assert "数据库版本 store schema: 空 empty" in out
    assert [line.split()[0] for line in out.splitlines() if line.startswith("  000")] == [
        "0001", "0002", "0003", "0004", "0005", "0006", "0007",
    ]  # fmt: skip
    assert list(empty.iterdir()) == []
    code, _, err = cli("store", "status", "--home", str(tmp_path / "typo"))
    assert code == 2 and "does not exist" in flat(err) and "Traceback" not in err
    assert not (tmp_path / "typo").exists()


def test_an_upgrade_keeps_a_months_runs_overrides_accounts_and_audit_chain(db_url: str) -> None:
    with Store.open(db_url) as store:
        run = publish(store, "2026-11")
        store.add_override("pin", "H0000001", author="sup01", reason="r", worker_id="W01")
        store.add_user(
            "zhang.wei",
            "planner",
            scope_kind="prefecture",
            password="a-long-password-1",
            actor="admin",
        )
        before = [(e.seq, e.action, e.hash) for e in store.audit_entries()]
    _at(db_url, "0004")  # the store as the previous version left it (no audit head)
    assert Store.upgrade(db_url, actor="admin").before == "0004"
    with Store.open(db_url) as store:
        assert store.current_run("2026-11").run_id == run.run_id
        assert [o.worker_id for o in store.list_overrides()] == ["W01"]
        assert store.get_user("zhang.wei").role == "planner"
        entries = store.audit_entries()
        assert [(e.seq, e.action, e.hash) for e in entries[: len(before)]] == before
        assert entries[-1].action == "store.upgrade"
        check = store.verify_audit()
        assert check.ok, check
        store.append_audit("test.after", "admin", "x", {})  # the head moves on from the log's
        assert store.verify_audit().ok


def _lock_row(db_url: str, month: str, holder: str, *, host: str, pid: int, hour: int) -> None:
    """A month's lock as another process left it (taken at ``hour`` UTC on 2026-12-01)."""
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from tests.visit_planner.store.helpers import raw_engine
    from visit_planner.store.models import month_locks

    with raw_engine(db_url) as engine, engine.begin() as conn:
        conn.execute(
            insert(month_locks).values(
                month=month,
                holder=holder,
                host=host,
                pid=pid,
                token=month,
                since=datetime(2026, 12, 1, hour, 0, tzinfo=UTC),
            )
        )


def test_store_status_lists_the_month_locks_and_whether_each_holder_runs_here(
    db_url: str, cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    from visit_planner.store.locks import default_holder, machine_identity

    monkeypatch.setenv("COLUMNS", "80")
    where = ["--store-url", db_url]
    with Store.open(db_url):
        pass  # the schema
    code, out, err = cli("store", "status", *where)
    assert code == 0, err
    assert "月份锁 month locks: 无 none" in out  # was: no word of the locks at all

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    here, dead = machine_identity(), int(gone.stdout)
    _lock_row(db_url, "2026-10", f"root@here pid {dead}", host=here, pid=dead, hour=1)
    _lock_row(db_url, "2026-11", "planner02@node7 pid 4242", host="node7 boot b7", pid=4242, hour=2)
    with Store.open(db_url) as store, store.month_lock("2026-12"):  # a plan running here
        code, out, err = cli("store", "status", *where)
        assert code == 0, err
        text = flat(out)
        assert "月份锁 month locks: 3 个 3 held" in text
        months = [line.split()[0] for line in out.splitlines() if line.startswith("  20")]
        assert months == ["2026-10", "2026-11", "2026-12"]
        assert (  # 01:00 UTC is 09:00 in Beijing
            "2026-10 root@here pid " + gone.stdout.strip()
            + " 自 since 2026-12-01 09:00:00 (北京时间 Beijing time) 本机进程 pid"
        ) in text  # fmt: skip
        assert "已不在运行, 该月下次编制时自动解除 (no longer running on this machine" in text
        assert "2026-11 planner02@node7 pid 4242 自 since 2026-12-01 10:00:00" in text
        assert "本机无法查验" in text and "machine node7 boot b7" in text
        assert "`visit-planner store unlock 2026-11 --reason TEXT`" in text
        assert f"2026-12 {default_holder()} 自 since" in text
        assert "仍在运行, 升级或重启前请等其完成 (running on this machine" in text
        body = out.split("\n", 1)[1]
        assert too_wide(body, 80) == []
        # Listing changes nothing: the three locks stay, no audit entry is written.
        audit_before = store.audit_entries()
    assert raw_sql(db_url, "SELECT month FROM month_locks ORDER BY month") == [
        ("2026-10",), ("2026-11",),
    ]  # fmt: skip
    with Store.open(db_url) as store:
        assert store.audit_entries() == audit_before


def test_store_status_lists_the_locks_of_a_store_before_its_upgrade(
    db_url: str, cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COLUMNS", "80")
    _at(db_url, "0004")
    _lock_row(db_url, "2026-11", "planner02@node7 pid 4242", host="node7", pid=4242, hour=2)
    code, out, _ = cli("store", "status", "--store-url", db_url)
    assert code == 1  # older: upgrade
    text = flat(out)
    assert "月份锁 month locks: 1 个 1 held" in text and "2026-11 planner02@node7" in text
    assert text.index("month locks") < text.index("store upgrade would apply")
