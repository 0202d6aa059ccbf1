"""Month locks across processes, stale-lock recovery, and a database busy with another writer."""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

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
from visit_planner.store import Store, locks
from visit_planner.store.locks import machine_identity
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
    here = machine_identity()
    with pytest.raises(StoreBusyError) as busy, store.month_lock("2026-05"):
        pass
    assert str(busy.value) == (  # 08:00 UTC is 16:00 Beijing time, the time people read
        "该月份正在由 planner02@node7 pid 4242 编制，开始于北京时间 2026-05-01 16:00:00; 该进程 "
        "(pid 4242) 在另一台机器或容器上, 或在本机重启之前 (其机器标识 node7; 本机 "
        f"{here}), 本机无法查验它是否仍在运行: 请等其完成; 若确认它已终止, 管理员可用 "
        "`visit-planner store unlock 2026-05 --reason TEXT` 解除锁定 (month 2026-05 is "
        "already being planned by planner02@node7 pid 4242 since 2026-05-01 16:00:00 Beijing "
        "time; that process, pid 4242, runs on another machine or container, or ran here "
        f"before a restart, so it cannot be checked from here (its machine node7; this one "
        f"{here}): wait until it has finished; if it is certainly gone, an administrator "
        "releases the lock with `visit-planner store unlock 2026-05 --reason TEXT`)"
    )
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


CLONE_HOLDS_LOCK = """
import os, socket, sys
from visit_planner.store import Store, locks
# A clone of this machine: the same host name, another boot (as two VMs of one image).
locks.machine_identity = lambda: f"{socket.gethostname()} boot clone-boot pidns pid:[1]"
store = Store.open(sys.argv[1])
with store.month_lock(sys.argv[2]):
    print("locked", flush=True)
    sys.stdin.readline()
    os._exit(0)  # its pid is then gone from this machine too
"""


def _gone_pid() -> int:
    """The pid of a process that has ended."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def _lock_row(db_url: str, **values: object) -> None:
    """A row of ``month_locks`` for 2026-05 as another process would have left it."""
    row: dict[str, object] = {"month": "2026-05", "holder": "planner02@vm pid 1", "token": "x"}
    row |= {"since": datetime(2026, 5, 1, 8, 0, tzinfo=UTC), **values}
    with raw_engine(db_url) as engine, engine.begin() as conn:
        conn.execute(insert(month_locks).values(**row))


def test_a_clones_lock_is_not_taken_for_a_dead_pid_of_this_machine(
    store: Store, db_url: str
) -> None:
    """Two machines of one host name sharing the store (cloned VMs, containers): each took
    the other's lock as its own left behind, its pid not running here, and removed it; two
    plans of one month ran at once. The clone's lock now names its machine, and is refused
    with who holds it, where and since when, and how to release it by hand."""
    child = spawn(CLONE_HOLDS_LOCK, db_url, "2026-05")
    expect_line(child, "locked")
    assert child.stdin is not None
    child.stdin.write("die\n")
    child.stdin.flush()
    finish([child])
    clone = f"{socket.gethostname()} boot clone-boot pidns pid:[1]"
    assert raw_sql(db_url, "SELECT host, pid FROM month_locks") == [(clone, child.pid)]
    with pytest.raises(StoreBusyError) as busy, store.month_lock("2026-05"):
        pytest.fail("a clone's lock was taken as this machine's own")
    message = str(busy.value)
    holder = f"{getpass.getuser()}@{socket.gethostname()} pid {child.pid}"
    assert message.startswith(f"该月份正在由 {holder} 编制，开始于北京时间 ")
    assert f"(其机器标识 {clone}; 本机 {machine_identity()})" in message
    assert f"(its machine {clone}; this one {machine_identity()})" in message
    assert "`visit-planner store unlock 2026-05 --reason TEXT`" in message
    assert store.force_release_month_lock("2026-05", actor="admin01", reason="clone gone") == (
        holder
    )
    with store.month_lock("2026-05"):  # released by hand, taken as usual
        pass


def test_a_lock_naming_only_this_host_name_is_not_recovered(store: Store, db_url: str) -> None:
    """A row whose machine is only this host name (written by a clone before the machine
    was recorded, or by an earlier version) cannot be checked here, even when its pid is
    not running: it is refused, not recovered."""
    pid = _gone_pid()
    _lock_row(db_url, host=socket.gethostname(), pid=pid, holder=f"planner02@vm pid {pid}")
    with pytest.raises(StoreBusyError, match="在另一台机器或容器上"), store.month_lock("2026-05"):
        pass
    assert raw_sql(db_url, "SELECT pid FROM month_locks") == [(pid,)]


def test_a_lock_of_this_machine_whose_pid_was_reused_is_recovered(
    store: Store, db_url: str
) -> None:
    """This machine's lock whose pid now belongs to another process (started at another
    time) is recovered: the pid alone would have kept the month locked."""
    _lock_row(db_url, host=machine_identity(), pid=os.getpid(), pid_start="1")
    with store.month_lock("2026-05") as lock:
        assert lock.holder.endswith(f"pid {os.getpid()}")
    entry = store.audit_entries(1)[0]
    assert (entry.action, entry.details["pid"]) == ("lock.recover", os.getpid())


def test_unlock_refuses_a_holder_running_on_this_machine(store: Store, db_url: str) -> None:
    """``store unlock`` of a month whose ``plan`` still runs here let a second plan start
    beside it; it is refused, naming the process, and the lock stays."""
    child = spawn(HOLD_LOCK, db_url, "2026-05")
    expect_line(child, "locked")
    with pytest.raises(StoreBusyError) as busy:
        store.force_release_month_lock("2026-05", actor="admin01", reason="stuck?")
    assert f"该进程 (pid {child.pid}) 仍在本机运行, 请等其完成" in str(busy.value)
    assert f"pid {child.pid}, is still running on this machine" in str(busy.value)
    assert raw_sql(db_url, "SELECT pid FROM month_locks") == [(child.pid,)]
    assert child.stdin is not None
    child.stdin.write("release\n")
    child.stdin.flush()
    assert finish([child])[0].strip() == "released"


def test_the_machine_identity_falls_back_where_the_kernel_ids_cannot_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Host name, boot id and pid namespace; the machine id where the boot id cannot be read;
    the host name alone without either (not Linux)."""
    host = socket.gethostname()
    boot, machine, pidns = tmp_path / "boot_id", tmp_path / "machine-id", tmp_path / "pid"
    boot.write_text("6dc3f29a-569a-4d19-85d4-9f938c32ec45\n")
    machine.write_text("3d1219c7c4c5404aaa1f6d2a48adfda4\n")
    pidns.symlink_to("pid:[4026531836]")
    monkeypatch.setattr(locks, "BOOT_ID", boot)
    monkeypatch.setattr(locks, "MACHINE_IDS", (tmp_path / "absent", machine))
    monkeypatch.setattr(locks, "PID_NAMESPACE", pidns)
    assert machine_identity() == (
        f"{host} boot 6dc3f29a-569a-4d19-85d4-9f938c32ec45 pidns pid:[4026531836]"
    )
    boot.unlink()
    assert machine_identity() == (
        f"{host} machine 3d1219c7c4c5404aaa1f6d2a48adfda4 pidns pid:[4026531836]"
    )
    machine.write_text("")
    pidns.unlink()
    assert machine_identity() == host


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


HOLD_CLEARING = """
import sys, time
from visit_planner.store import Store
store = Store.open(sys.argv[1])
with store.clearing_lock(sys.argv[2]):
    print("clearing", flush=True)
    time.sleep(float(sys.stdin.readline()))  # the clean-up's moment
print("released", flush=True)
"""


def test_a_plan_starting_while_a_clean_up_holds_the_month_waits_for_it(
    store: Store, db_url: str
) -> None:
    """``runs list`` removes what killed plans left under each month's lock, taken for the
    moment: a ``plan`` of that month starting in that moment was refused as "already being
    planned". A clean-up's lock is now named as one, and ``month_lock`` waits for it (trying
    again outside any transaction) and then takes the month; past its wait it is refused,
    naming the clean-up."""
    child = spawn(HOLD_CLEARING, db_url, "2026-05")
    expect_line(child, "clearing")
    assert child.stdin is not None
    child.stdin.write("0.8\n")
    child.stdin.flush()
    started = time.monotonic()
    with store.month_lock("2026-05") as lock:
        waited = time.monotonic() - started
        assert lock.month == "2026-05"
    assert 0.3 < waited < locks.CLEARING_WAIT, waited
    assert finish([child])[0].split() == ["released"]

    child = spawn(HOLD_CLEARING, db_url, "2026-05")
    expect_line(child, "clearing")
    with pytest.raises(StoreBusyError) as busy, store.month_lock("2026-05", wait=0.3):
        pytest.fail("a plan took the month a clean-up held")
    assert f"pid {child.pid} (清理中断运行 clearing interrupted runs)" in str(busy.value)
    child.stdin.write("0\n")  # type: ignore[union-attr]
    child.stdin.flush()  # type: ignore[union-attr]
    finish([child])
    assert raw_sql(db_url, "SELECT count(*) FROM month_locks")[0][0] == 0


def test_a_clean_up_never_waits_for_a_month_being_planned(store: Store, db_url: str) -> None:
    """A clean-up leaves a month whose lock anyone holds (a plan, another clean-up) to it at
    once; and a plan's lock is never waited for by another plan either."""
    child = spawn(HOLD_LOCK, db_url, "2026-05")
    expect_line(child, "locked")
    for take in (store.clearing_lock, store.month_lock):
        started = time.monotonic()
        with pytest.raises(StoreBusyError), take("2026-05"):
            pytest.fail("two processes held the lock of 2026-05")
        assert time.monotonic() - started < 2.0  # refused at once, not after a wait
    finish([child])
    child = spawn(HOLD_CLEARING, db_url, "2026-05")
    expect_line(child, "clearing")
    started = time.monotonic()
    with pytest.raises(StoreBusyError), store.clearing_lock("2026-05"):
        pytest.fail("two clean-ups held the lock of 2026-05")
    assert time.monotonic() - started < 2.0
    child.stdin.write("0\n")  # type: ignore[union-attr]
    child.stdin.flush()  # type: ignore[union-attr]
    finish([child])
