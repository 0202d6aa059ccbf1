"""Month locks: one ``plan`` per month at a time, across processes and machines.

Taking the lock inserts the month's row into ``month_locks`` and commits at once, so every
other process sees it; leaving deletes it (also when the block fails). A second process finds
the row and gets :class:`~visit_planner.errors.StoreBusyError` naming the month, the holder
(``user@host pid N``) and since when. The lock keeps ``plan``, ``plan --amend`` and a
published what-if of one month apart: with it held, ``plan`` also removes the staging
directories a killed run of the month left, which another live run would be writing.

A clean-up of what killed plans left (``runs list``, or ``plan`` clearing another month)
takes a month's lock for a moment, without waiting, named as a clean-up
(:func:`clearing_holder`); a ``plan`` of the month starting in that moment waits for it
(:data:`CLEARING_WAIT` at most) instead of being refused as busy.

A row is left behind only when its process died. Whether that process is gone can be checked
only on its own machine, so the row records the machine as :func:`machine_identity` names it
(column ``host``): the host name, the kernel's boot id and the pid namespace. Two virtual
machines cloned from one image share a host name (and often ``/etc/machine-id``), and
containers of one host share its boot id, but not both; with the host name alone, each clone
sharing a workspace took the other's lock as its own, found that pid not running and removed
it: two plans of one month at once. Only a row with this process's identity is checked (its
pid gone, or now a process started at another time) and then removed, in the audit log; any
other (another machine or container, this machine before a restart, a row written before the
identity was recorded) is never judged by its pid: the refusal says who holds it, where and
since when, and how to release it by hand, ``visit-planner store unlock MONTH --reason TEXT``
(:func:`force_release`, audited), which refuses a holder still running on this machine.

:func:`held` lists the locks as they stand, each judged as a refusal would judge it (running
here, gone from here, or elsewhere and so unknown), for ``visit-planner store status``: an
administrator about to upgrade or restart sees which months are being planned, by whom and
since when, without taking or changing any lock.
"""

from __future__ import annotations

import getpass
import os
import socket
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, delete, insert, select

from visit_planner import clock
from visit_planner.errors import StoreBusyError
from visit_planner.store import audit
from visit_planner.store.checks import check_month, require_text
from visit_planner.store.codec import utc, utc_now
from visit_planner.store.engine import Database, serialize
from visit_planner.store.models import month_locks
from visit_planner.store.rows import MonthLock

__all__ = [
    "HeldLock",
    "acquire",
    "clearing_holder",
    "current_user",
    "default_holder",
    "force_release",
    "held",
    "release",
]


def current_user() -> str:
    """The operating-system account running this process (an account name, not a person's)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def default_holder() -> str:
    """How this process names itself as a lock holder: ``user@host pid N``."""
    return f"{current_user()}@{socket.gethostname()} pid {os.getpid()}"


BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
"""The kernel's id of the current boot (Linux): new at every boot, random on each clone."""

MACHINE_IDS = (Path("/etc/machine-id"), Path("/var/lib/dbus/machine-id"))
"""The machine id (systemd, D-Bus), read where the boot id cannot be."""

PID_NAMESPACE = Path("/proc/self/ns/pid")
"""This process's pid namespace (a link ``pid:[N]``): a container's own, else the host's."""

HOST_WIDTH = 256
"""The width of ``month_locks.host``, which holds :func:`machine_identity`."""


def _first_line(path: Path) -> str | None:
    """The stripped first line of ``path``, None when it cannot be read or is empty."""
    try:
        text = path.read_text("ascii", errors="replace").strip()
    except OSError:
        return None
    return text.splitlines()[0] if text else None


def machine_identity() -> str:
    """Where this process runs, as far as its pids mean anything: ``host boot B pidns N``.

    The host name, then the kernel's boot id (or, where it cannot be read, the machine id:
    ``machine M``), then the pid namespace (``pidns pid:[N]``) where readable. Two processes
    with the same identity see the same processes under the same pids; with a different one
    (another machine or container, or this machine before a restart) a pid says nothing.
    Without ``/proc`` (not Linux) it is the host name, and machine id if any: the host name
    must then be unique among the machines sharing a store.
    """
    parts = [socket.gethostname()]
    boot = _first_line(BOOT_ID)
    machine = None if boot else next(filter(None, map(_first_line, MACHINE_IDS)), None)
    if boot:
        parts.append(f"boot {boot}")
    elif machine:
        parts.append(f"machine {machine}")
    with suppress(OSError):
        parts.append(f"pidns {PID_NAMESPACE.readlink()}")
    return " ".join(parts)[:HOST_WIDTH]


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


def _here(row: Any, identity: str) -> bool:
    """Whether the lock ``row`` was taken by a process of this machine (``identity``)."""
    return bool(row.host == identity)


def _busy(month: str, row: Any, identity: str) -> StoreBusyError:
    """The refusal of ``month``'s lock held in ``row``: wait for a holder running here; one
    of another machine (``identity``: this one's) is named with where it runs and how to
    release its lock by hand once it is certainly gone."""
    since = utc(row.since)
    zh_since, en_since = (clock.shown_in(since, lang, seconds=True) for lang in ("zh", "en"))
    zh = f"该月份正在由 {row.holder} 编制，开始于{zh_since}"
    en = f"month {month} is already being planned by {row.holder} since {en_since}"
    if _here(row, identity):
        return StoreBusyError(
            f"{zh}; 该进程 (pid {row.pid}) 仍在本机运行, 请等其完成 ({en}; that process, pid "
            f"{row.pid}, is still running on this machine: wait until it has finished)"
        )
    unlock = f"`visit-planner store unlock {month} --reason TEXT`"
    return StoreBusyError(
        f"{zh}; 该进程 (pid {row.pid}) 在另一台机器或容器上, 或在本机重启之前 (其机器标识 "
        f"{row.host}; 本机 {identity}), 本机无法查验它是否仍在运行: 请等其完成; 若确认它已终止, "
        f"管理员可用 {unlock} 解除锁定 ({en}; that process, pid {row.pid}, runs on another "
        "machine or container, or ran here before a restart, so it cannot be checked from "
        f"here (its machine {row.host}; this one {identity}): wait until it has finished; if "
        f"it is certainly gone, an administrator releases the lock with {unlock})"
    )


HolderState = Literal["running", "gone", "elsewhere"]
"""A lock's holder as this machine can tell: still running here, no longer running here (the
month's next ``plan`` removes the lock), or on another machine or container, or here before a
restart (its pid means nothing here: :func:`force_release` once it is certainly gone)."""


@dataclass(frozen=True)
class HeldLock:
    """A month's lock as the store holds it, and what this machine can tell of its holder."""

    month: str
    holder: str  # ``user@host pid N`` as the holder named itself
    host: str  # the holder's machine identity (:func:`machine_identity`)
    pid: int
    since: datetime  # UTC
    state: HolderState


def _holder_state(row: Any, identity: str) -> HolderState:
    """Whether the holder of the lock ``row`` runs here, has gone from here, or is elsewhere:
    the judgement :func:`acquire` makes before recovering a lock."""
    if not _here(row, identity):
        return "elsewhere"
    return "running" if _alive(int(row.pid), row.pid_start) else "gone"


def held(db: Database) -> list[HeldLock]:
    """Every month's lock, by month, with its holder's state; reads only (a lock whose holder
    has gone stays until the month's next ``plan`` or ``store unlock`` removes it, audited)."""
    identity = machine_identity()
    with db.read() as conn:
        rows = conn.execute(select(month_locks).order_by(month_locks.c.month)).all()
    return [
        HeldLock(
            month=str(row.month),
            holder=str(row.holder),
            host=str(row.host),
            pid=int(row.pid),
            since=utc(row.since),
            state=_holder_state(row, identity),
        )
        for row in rows
    ]


def _lock_name(month: str) -> str:
    return f"visit-planner month lock {month}"


CLEARING = "清理中断运行 clearing interrupted runs"
"""How a lock taken only to remove what killed plans left (``runs list``, or ``plan`` for
another month) names its purpose, after its holder (:func:`clearing_holder`)."""

CLEARING_WAIT = 30.0
"""Seconds :func:`acquire` waits, by default, for a month's lock held by a clean-up
(:func:`clearing_holder`): it holds the lock for the moment of removing a few directories,
so a ``plan`` starting in that moment waits for it instead of being refused as busy."""

CLEARING_POLL = 0.1
"""Seconds between two tries while waiting for a clean-up's lock."""


def clearing_holder() -> str:
    """How a clean-up's lock names its holder: ``user@host pid N (清理中断运行 clearing
    interrupted runs)``, which :func:`acquire` waits for (and a refusal names)."""
    return f"{default_holder()} ({CLEARING})"


def _clearing(row: Any) -> bool:
    """Whether the lock ``row`` was taken by a clean-up (:func:`clearing_holder`)."""
    return str(row.holder).endswith(f"({CLEARING})")


def acquire(
    db: Database,
    month: str,
    holder: str | None = None,
    *,
    wait: float = CLEARING_WAIT,
    waiting: Callable[[float], None] | None = None,
) -> MonthLock:
    """Take ``month``'s lock (committed at once), recovering a stale one on this host.

    A lock held by a clean-up (:func:`clearing_holder`) is waited for, up to ``wait``
    seconds, trying again every :data:`CLEARING_POLL` seconds outside any transaction (the
    clean-up gives it back through the same database); any other holder is refused at once
    (StoreBusyError), as is a clean-up still holding it after ``wait`` (the refusal then
    says how long it waited). ``waiting(wait)`` is told once, when the wait starts: ``plan``
    says so, instead of seconds of silence that read as a hung command."""
    check_month(month)
    holder = require_text(holder, "lock holder") if holder is not None else default_holder()
    started = time.monotonic()
    deadline = started + wait
    told = False
    while True:
        got = _try_acquire(db, month, holder)
        if isinstance(got, MonthLock):
            return got
        if time.monotonic() >= deadline:
            if told:
                raise StoreBusyError(f"{got}; {gave_up_words(time.monotonic() - started)}")
            raise got
        if waiting is not None and not told:
            waiting(wait)
        told = True
        time.sleep(CLEARING_POLL)


def gave_up_words(seconds: float) -> str:
    """What a refusal after waiting for a clean-up adds: how long it waited."""
    return (
        f"已等待清理 {seconds:.0f} 秒仍未结束, 放弃 (waited {seconds:.0f} s for the clean-up "
        "to finish, then gave up: try again in a moment)"
    )


def _try_acquire(db: Database, month: str, holder: str) -> MonthLock | StoreBusyError:
    """One try at ``month``'s lock: the lock, or the refusal (returned, to wait) when a
    running clean-up holds it; raises StoreBusyError for any other live holder."""
    host, pid = machine_identity(), os.getpid()
    token = uuid.uuid4().hex
    since = utc_now()
    with db.write() as conn:
        serialize(conn, _lock_name(month))
        row = conn.execute(select(month_locks).where(month_locks.c.month == month)).first()
        if row is not None:
            if not _here(row, host) or _alive(int(row.pid), row.pid_start):
                if _clearing(row):
                    return _busy(month, row, host)
                raise _busy(month, row, host)
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
    """Remove ``month``'s lock whoever holds it (audited); the holder it had, or None.

    Refused (StoreBusyError) while the holder runs on this machine: releasing the lock of a
    live ``plan`` lets a second one of the month start beside it."""
    check_month(month)
    actor = require_text(actor, "actor")
    reason = require_text(reason, "reason")
    with db.write() as conn:
        serialize(conn, _lock_name(month))
        row = conn.execute(select(month_locks).where(month_locks.c.month == month)).first()
        if row is None:
            return None
        here = machine_identity()
        if _here(row, here) and _alive(int(row.pid), row.pid_start):
            raise _busy(month, row, here)
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
