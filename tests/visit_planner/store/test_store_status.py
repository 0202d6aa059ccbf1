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
        "0001", "0002", "0003", "0004", "0005",
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
