"""Month locks across processes, stale-lock recovery, and a database busy with another writer."""

from __future__ import annotations

import getpass
import os
import socket
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from tests.visit_planner.store.helpers import (
    expect_line,
    finish,
    make_record,
    make_townships,
    other_writer,
    raw_engine,
    raw_sql,
    spawn,
)
from visit_planner import clock
from visit_planner.errors import StoreBusyError, StoreError
from visit_planner.store import Store
from visit_planner.store.models import month_locks

HOLD_LOCK = """
import os, sys
from visit_planner.store import Store
from visit_planner.store.models import month_locks
store = Store.open(sys.argv[1])
with store.month_lock(sys.argv[2]):
    print("locked", flush=True)
    if sys.stdin.readline().strip() == "die":
        os._exit(0)  # gone without giving the lock back, as a killed process would be
print("released", flush=True)
"""


def test_month_lock_is_exclusive_across_processes(store: Store, db_url: str) -> None:
    child = spawn(HOLD_LOCK, db_url, "2026-05")
    expect_line(child, "locked")
    before = clock.shown(datetime.now(UTC))[:10]  # the day in Beijing time
    with pytest.raises(StoreBusyError) as busy, store.month_lock("2026-05"):
        pytest.fail("two processes held the lock of 2026-05")
    message = str(busy.value)
    holder = f"{getpass.getuser()}@{socket.gethostname()} pid {child.pid}"
    assert "month 2026-05" in message
    assert holder in message
    assert f"since {before}" in message
    with store.month_lock("2026-06") as other:  # another month is free
        assert other.month == "2026-06"

    assert child.stdin is not None
    child.stdin.write("release\n")
    child.stdin.flush()
    assert finish([child])[0].strip() == "released"
    with store.month_lock("2026-05", holder="planner01@ops pid 1") as lock:
        assert (lock.month, lock.holder) == ("2026-05", "planner01@ops pid 1")
    assert raw_sql(db_url, "SELECT count(*) FROM month_locks")[0][0] == 0


def test_a_dead_holders_lock_is_recovered(store: Store, db_url: str) -> None:
    child = spawn(HOLD_LOCK, db_url, "2026-05")
    expect_line(child, "locked")
    assert child.stdin is not None
    child.stdin.write("die\n")
    child.stdin.flush()
    assert finish([child])[0].strip() == ""  # it never released the lock
    assert raw_sql(db_url, "SELECT pid FROM month_locks")[0][0] == child.pid

    with store.month_lock("2026-05") as lock:
        assert lock.holder.endswith(f"pid {os.getpid()}")
    entry = store.audit_entries(1)[0]
    assert (entry.action, entry.subject) == ("lock.recover", "month 2026-05")
    assert entry.details["pid"] == child.pid
    assert entry.details["reason"] == "holder process is gone"


def test_a_lock_is_given_back_when_the_block_fails(store: Store, db_url: str) -> None:
    with pytest.raises(ValueError, match="solver blew up"), store.month_lock("2026-05"):
        raise ValueError("solver blew up")
    assert raw_sql(db_url, "SELECT count(*) FROM month_locks")[0][0] == 0
    with (  # the same process cannot take it twice either
        store.month_lock("2026-05"),
        pytest.raises(StoreBusyError, match="2026-05"),
        store.month_lock("2026-05"),
    ):
        pass
    with pytest.raises(StoreError, match="YYYY-MM"), store.month_lock("May"):
        pass


def test_a_lock_from_another_host_is_released_only_by_force(store: Store, db_url: str) -> None:
    with raw_engine(db_url) as engine, engine.begin() as conn:  # a lock taken on node7
        conn.execute(
            insert(month_locks).values(
                month="2026-05",
                holder="planner02@node7 pid 4242",
                host="node7",
                pid=4242,
                token="x",
                since=datetime(2026, 5, 1, 8, 0, tzinfo=UTC),
            )
        )
    with (
        pytest.raises(
            StoreBusyError,  # 08:00 UTC is 16:00 Beijing time, the time people read
            match=r"^该月份正在由 planner02@node7 pid 4242 编制，开始于北京时间 2026-05-01 "
            r"16:00:00; 请等其完成; 若该进程已在另一台机器上终止, 管理员可用 `visit-planner "
            r"store unlock 2026-05 --reason TEXT` 解除锁定 \(month 2026-05 is already being "
            r"planned by .* since 2026-05-01 16:00:00 Beijing time; wait until it has "
            r"finished; if that process is gone on another machine, an administrator releases "
            r"the lock with `visit-planner store unlock 2026-05 --reason TEXT`\)$",
        ),
        store.month_lock("2026-05"),
    ):
        pass
    assert store.force_release_month_lock("2026-05", actor="admin01", reason="node7 died") == (
        "planner02@node7 pid 4242"
    )
    assert store.force_release_month_lock("2026-05", actor="admin01", reason="again") is None
    entry = store.audit_entries(1)[0]
    assert (entry.action, entry.actor, entry.details["reason"]) == (
        "lock.release",
        "admin01",
        "node7 died",
    )
    with store.month_lock("2026-05"):
        pass


def test_a_database_busy_with_another_writer_is_a_clear_error(db_url: str) -> None:
    with Store.open(db_url, busy_timeout=0.3) as store:
        with other_writer(db_url):
            started = time.monotonic()
            with pytest.raises(StoreBusyError, match=r"^数据库正忙，请稍后重试 \(.* is busy"):
                store.publish_run(make_record(), actor="planner01", townships=make_townships())
            with pytest.raises(StoreBusyError, match="is busy"):
                store.add_override("pin", "H1", author="lead01", reason="r", worker_id="W1")
            assert time.monotonic() - started < 5  # waited for the busy timeout, not forever
            assert store.list_runs() == []  # readers are not blocked
        # nothing of the refused changes is left, and the store works again
        assert (store.list_runs(), store.list_overrides(), store.audit_entries()) == ([], [], [])
        run = store.publish_run(make_record(), actor="planner01", townships=make_townships())
        assert run.version == 1
        assert store.verify_audit().ok
