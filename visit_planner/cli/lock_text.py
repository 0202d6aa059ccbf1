"""How ``store status`` words the months' planning locks: which month, held by whom, since
when, and whether this machine sees the holder running - what an administrator checks before
an upgrade or a restart (a restart ends a running ``plan``; an upgrade must not run beside
one). Pure text, Chinese first with the English alongside; no store access here."""

from __future__ import annotations

from collections.abc import Sequence

from visit_planner import clock
from visit_planner.store.locks import HeldLock


def locks_heading(locks: Sequence[HeldLock]) -> str:
    """``月份锁 month locks: 无 none`` or ``… 2 个 2 held``."""
    if not locks:
        return "月份锁 month locks: 无 none"
    return f"月份锁 month locks: {len(locks)} 个 {len(locks)} held"


def lock_line(lock: HeldLock) -> str:
    """The lock's month, holder and time taken: ``2026-11 root@srv pid 812 自 since …``."""
    since = clock.shown_both(lock.since, seconds=True)
    return f"{lock.month} {lock.holder} 自 since {since}"


def holder_state_line(lock: HeldLock) -> str:
    """What this machine can tell of the holder, and what to do before an upgrade or restart
    (one rule per state, as :func:`visit_planner.store.locks.acquire` judges the lock)."""
    if lock.state == "running":
        return (
            f"本机进程 pid {lock.pid} 仍在运行, 升级或重启前请等其完成 (running on this "
            "machine: wait until it has finished before an upgrade or a restart)"
        )
    if lock.state == "gone":
        return (
            f"本机进程 pid {lock.pid} 已不在运行, 该月下次编制时自动解除 (no longer running "
            "on this machine: the month's next plan removes the lock)"
        )
    unlock = f"`visit-planner store unlock {lock.month} --reason TEXT`"
    return (
        f"进程 pid {lock.pid} 在另一台机器或容器上, 或在本机重启之前, 本机无法查验; 若确认已终止, "
        f"可用 {unlock} 解除 (runs on another machine or container, or ran here before a "
        f"restart: it cannot be checked from here; machine {lock.host}; once it is certainly "
        f"gone, release the lock with {unlock})"
    )
