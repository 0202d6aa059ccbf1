"""Month locks: one ``plan`` per month at a time, across processes and machines.

Taking the lock inserts the month's row into ``month_locks`` and commits at once, so every
other process sees it; leaving deletes it. A second process finds the row and gets
:class:`~visit_planner.errors.StoreBusyError` naming the month, the holder (``user@host pid
N``) and since when. A row is left behind only when its process died; when that process was on
this host and no longer runs (its pid is gone, or now belongs to a process started at another
time), the next taker removes it and says so in the audit log. A lock held from another host
cannot be checked from here; :func:`force_release` removes it, audited.
"""

from __future__ import annotations

import getpass
import os
import socket
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from visit_planner import clock
from visit_planner.errors import StoreBusyError
from visit_planner.store import audit
from visit_planner.store.checks import check_month, require_text
from visit_planner.store.codec import utc, utc_now
from visit_planner.store.engine import Database, serialize
from visit_planner.store.models import month_locks
from visit_planner.store.rows import MonthLock

__all__ = ["acquire", "current_user", "default_holder", "force_release", "release"]


def current_user() -> str:
    """The operating-system account running this process (an account name, not a person's)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def default_holder() -> str:
    """How this process names itself as a lock holder: ``user@host pid N``."""
    return f"{current_user()}@{socket.gethostname()} pid {os.getpid()}"


def _start_time(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, from /proc), None if unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()  # after "pid (comm)"; field 22 is the start
    return fields[19] if len(fields) > 19 else None


def _alive(pid: int, started: str | None) -> bool:
    """Whether process ``pid`` on this host is still the one that took the lock."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by another account
    now = _start_time(pid)
    return started is None or now is None or now == started


def _busy(month: str, row: Any) -> StoreBusyError:
    since = utc(row.since)
    unlock = f"`visit-planner store unlock {month} --reason TEXT`"
    return StoreBusyError(
        f"该月份正在由 {row.holder} 编制，开始于{clock.shown_in(since, 'zh', seconds=True)}; "
        f"请等其完成; 若该进程已在另一台机器上终止, 管理员可用 {unlock} 解除锁定 "
        f"(month {month} is already being planned by {row.holder} since "
        f"{clock.shown_in(since, 'en', seconds=True)}; wait until it has finished; if that "
        f"process is gone on another machine, an administrator releases the lock with {unlock})"
    )


def _lock_name(month: str) -> str:
    return f"visit-planner month lock {month}"


def acquire(db: Database, month: str, holder: str | None = None) -> MonthLock:
    """Take ``month``'s lock (committed at once), recovering a stale one on this host."""
    check_month(month)
    holder = require_text(holder, "lock holder") if holder is not None else default_holder()
    host, pid = socket.gethostname(), os.getpid()
    token = uuid.uuid4().hex
    since = utc_now()
    with db.write() as conn:
        serialize(conn, _lock_name(month))
        row = conn.execute(select(month_locks).where(month_locks.c.month == month)).first()
        if row is not None:
            if row.host != host or _alive(int(row.pid), row.pid_start):
                raise _busy(month, row)
            _remove(
                conn, row, action="lock.recover", actor=current_user(), why="holder process is gone"
            )
        conn.execute(
            insert(month_locks).values(
                month=month,
                holder=holder,
                host=host,
                pid=pid,
                pid_start=_start_time(pid),
                token=token,
                since=since,
            )
        )
    return MonthLock(month=month, holder=holder, since=since, token=token)


def release(db: Database, lock: MonthLock) -> None:
    """Give ``lock`` back (only this holder's row is removed)."""
    with db.write() as conn:
        conn.execute(
            delete(month_locks).where(
                month_locks.c.month == lock.month, month_locks.c.token == lock.token
            )
        )


def force_release(db: Database, month: str, *, actor: str, reason: str) -> str | None:
    """Remove ``month``'s lock whoever holds it (audited); the holder it had, or None."""
    check_month(month)
    actor = require_text(actor, "actor")
    reason = require_text(reason, "reason")
    with db.write() as conn:
        serialize(conn, _lock_name(month))
        row = conn.execute(select(month_locks).where(month_locks.c.month == month)).first()
        if row is None:
            return None
        _remove(conn, row, action="lock.release", actor=actor, why=reason)
        return str(row.holder)


def _remove(conn: Connection, row: Any, *, action: str, actor: str, why: str) -> None:
    """Remove the lock ``row`` and say so in the audit log."""
    month = row.month
    conn.execute(delete(month_locks).where(month_locks.c.month == month))
    audit.append(
        conn,
        action,
        actor,
        f"month {month}",
        {
            "holder": row.holder,
            "host": row.host,
            "pid": int(row.pid),
            "since": utc(row.since),
            "reason": why,
        },
    )
