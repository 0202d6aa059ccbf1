"""Published runs: publishing, reading, rolling back (docs/architecture.md, "Runs and the store").

A month has versions 1, 2, ... of its plan; exactly one is ``current``. Publishing a run makes
it the next version and the current one (the previous current run becomes ``superseded``);
rolling back makes an earlier run current again and marks every later one ``rolled_back``.
Nothing is deleted, and a run never changes after publishing except for its status. Every
function takes a connection inside a transaction of :class:`~visit_planner.store.engine.
Database`; publish and rollback need a write transaction and append their audit entry in it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from sqlalchemy import Connection, func, insert, select, update

from visit_planner.errors import StoreError
from visit_planner.store import audit
from visit_planner.store.checks import check_choice, check_month, require_text
from visit_planner.store.codec import canonical_json, utc
from visit_planner.store.engine import serialize
from visit_planner.store.models import RUN_KINDS, run_townships, runs
from visit_planner.store.rows import RunRecord, RunRow, TownshipRecord, TownshipRow

__all__ = ["current", "get", "list_runs", "publish", "rollback", "townships_of"]

MIN_PREFIX = 6
_HEX = re.compile(r"[0-9a-f]+")


def _month_lock(conn: Connection, month: str) -> None:
    """Serialise publish and rollback of one month (PostgreSQL; SQLite writers already are)."""
    serialize(conn, f"visit-planner month {month}")


def current(conn: Connection, month: str) -> RunRow | None:
    """The month's current run, or None when nothing was published for it."""
    row = (
        conn.execute(
            select(runs).where(runs.c.month == check_month(month), runs.c.status == "current")
        )
        .mappings()
        .first()
    )
    return RunRow.from_db(row) if row else None


def get(conn: Connection, run_id: str, *, where: str = "") -> RunRow:
    """The run ``run_id``, or the one run whose id starts with it (at least 6 hex characters).
    ``where`` names the database in the refusal of a run it does not hold: with
    ``$VISIT_PLANNER_STORE_URL`` set, a run of the workspace's own store is not found, and
    "no run in the store" did not say which store was asked."""
    wanted = require_text(run_id, "run id")
    store = f"the store {where}" if where else "the store"
    row = conn.execute(select(runs).where(runs.c.run_id == wanted)).mappings().first()
    if row:
        return RunRow.from_db(row)
    prefix = wanted.lower()
    if len(prefix) < MIN_PREFIX or not _HEX.fullmatch(prefix):
        raise StoreError(
            f"找不到方案 (no run {wanted!r} in {store}; give the whole run id or at least "
            f"{MIN_PREFIX} of its leading hex characters)"
        )
    found = (
        conn.execute(
            select(runs)
            .where(runs.c.run_id.startswith(prefix, autoescape=True))
            .order_by(runs.c.run_id)
            .limit(6)
        )
        .mappings()
        .all()
    )
    if not found:
        raise StoreError(f"找不到方案 (no run starts with {wanted!r} in {store})")
    if len(found) > 1:
        ids = ", ".join(r["run_id"] for r in found[:5])
        raise StoreError(
            f"方案编号不唯一 (run id {wanted!r} is ambiguous: it starts {ids}"
            f"{', ...' if len(found) > 5 else ''}; give more characters)"
        )
    return RunRow.from_db(found[0])


def list_runs(conn: Connection, month: str | None = None) -> list[RunRow]:
    """Runs by month and version, of one month or all."""
    stmt = select(runs).order_by(runs.c.month, runs.c.version)
    if month is not None:
        stmt = stmt.where(runs.c.month == check_month(month))
    return [RunRow.from_db(r) for r in conn.execute(stmt).mappings()]


def townships_of(conn: Connection, run_id: str) -> list[TownshipRow]:
    """The townships of a run (by id or unique prefix), by township id."""
    run = get(conn, run_id)
    stmt = (
        select(run_townships)
        .where(run_townships.c.run_id == run.run_id)
        .order_by(run_townships.c.township_id)
    )
    return [TownshipRow.from_db(r) for r in conn.execute(stmt).mappings()]


def _check_record(record: RunRecord, townships: Sequence[TownshipRecord]) -> None:
    require_text(record.run_id, "run id")
    check_month(record.month)
    for name in ("created_by", "code_version", "policy_sha256", "plan_sha256", "path"):
        require_text(getattr(record, name), name)
    path = PurePosixPath(record.path)
    if path.is_absolute() or ".." in path.parts:
        raise StoreError(
            f"run {record.run_id}: 方案目录应为工作区内的相对路径 (path {record.path!r} must "
            "be relative to the workspace)"
        )
    if not townships:
        raise StoreError(f"run {record.run_id}: 没有乡镇 (a run needs at least one township)")
    ids = [require_text(t.township_id, "township id") for t in townships]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise StoreError(
            f"run {record.run_id}: 乡镇重复列出 (townships listed twice: {', '.join(duplicated)})"
        )
    for t in townships:
        require_text(t.plan_sha256, f"plan_sha256 of township {t.township_id}")
        require_text(t.status, f"status of township {t.township_id}")


def publish(
    conn: Connection,
    record: RunRecord,
    *,
    actor: str,
    townships: Sequence[TownshipRecord],
    kind: str = "plan",
    parent_run_id: str | None = None,
) -> RunRow:
    """Publish ``record`` as the month's next version and its current run (write transaction).

    An amendment (``kind='amend'``) names the run it amends, which must be the month's current
    run. The previous current run becomes ``superseded``; the audit entry is ``publish`` or
    ``amend``.
    """
    actor = require_text(actor, "actor")
    check_choice(kind, RUN_KINDS, "run kind")
    _check_record(record, townships)
    month = record.month
    _month_lock(conn, month)
    if conn.execute(select(runs.c.run_id).where(runs.c.run_id == record.run_id)).first():
        raise StoreError(
            f"方案已发布，不可修改 (run {record.run_id} is already published; a published run "
            "never changes)"
        )
    previous = current(conn, month)
    parent = _check_parent(conn, kind, parent_run_id, month, previous)
    last = conn.execute(select(func.max(runs.c.version)).where(runs.c.month == month)).scalar()
    version = int(last or 0) + 1
    if previous is not None:
        conn.execute(
            update(runs).where(runs.c.run_id == previous.run_id).values(status="superseded")
        )
    conn.execute(
        insert(runs).values(
            run_id=record.run_id,
            month=month,
            version=version,
            kind=kind,
            parent_run_id=parent,
            status="current",
            created_at=utc(record.created_at),
            created_by=record.created_by,
            model_version=record.model_version,
            policy_sha256=record.policy_sha256,
            policy_text=record.policy_text,
            inputs_json=canonical_json(record.inputs),
            code_version=record.code_version,
            metrics_json=canonical_json(record.metrics),
            plan_sha256=record.plan_sha256,
            path=record.path,
        )
    )
    conn.execute(
        insert(run_townships),
        [
            {
                "run_id": record.run_id,
                "township_id": t.township_id,
                "plan_sha256": t.plan_sha256,
                "status": t.status,
                "diagnostics_json": canonical_json(t.diagnostics),
            }
            for t in townships
        ],
    )
    audit.append(
        conn,
        "publish" if kind == "plan" else "amend",
        actor,
        record.run_id,
        {
            "month": month,
            "version": version,
            "parent_run_id": parent,
            "superseded": previous.run_id if previous else None,
            "plan_sha256": record.plan_sha256,
            "policy_sha256": record.policy_sha256,
            "townships": len(townships),
            "path": record.path,
        },
    )
    return get(conn, record.run_id)


def _check_parent(
    conn: Connection, kind: str, parent_run_id: str | None, month: str, previous: RunRow | None
) -> str | None:
    """The parent's full id; an amendment must amend the month's current run."""
    if parent_run_id is None:
        if kind == "amend":
            raise StoreError(
                f"修订须指明原方案 (an amendment of {month} must name the run it amends)"
            )
        return None
    parent = get(conn, parent_run_id)
    if parent.month != month:
        raise StoreError(
            f"原方案月份不符 (run {parent.run_id} is of month {parent.month}, not {month})"
        )
    if kind == "amend" and (previous is None or previous.run_id != parent.run_id):
        now = previous.run_id if previous else "none"
        raise StoreError(
            f"只能修订当前方案 (run {parent.run_id} is not the current run of {month}, which "
            f"is {now}; amend the current run)"
        )
    return parent.run_id


def rollback(conn: Connection, month: str, to_run_id: str, *, actor: str, reason: str) -> RunRow:
    """Make an earlier run of ``month`` current again (write transaction).

    Every later run becomes ``rolled_back`` (kept, never deleted); the audit entry names them.
    """
    actor = require_text(actor, "actor")
    reason = require_text(reason, "reason")
    check_month(month)
    _month_lock(conn, month)
    target = get(conn, to_run_id)
    if target.month != month:
        raise StoreError(
            f"方案月份不符 (run {target.run_id} is of month {target.month}, not {month})"
        )
    now = current(conn, month)
    if now is None:
        raise StoreError(f"该月份没有当前方案 ({month} has no current run to roll back)")
    if now.run_id == target.run_id:
        raise StoreError(
            f"已是当前方案 (run {target.run_id} is already the current run of {month})"
        )
    if target.version > now.version:
        raise StoreError(
            f"只能回滚到更早的方案 (run {target.run_id}, version {target.version}, is later "
            f"than the current run, version {now.version}: roll back only to an earlier run)"
        )
    later = [
        str(r)
        for r in conn.execute(
            select(runs.c.run_id)
            .where(
                runs.c.month == month,
                runs.c.version > target.version,
                runs.c.status != "rolled_back",
            )
            .order_by(runs.c.version)
        ).scalars()
    ]
    conn.execute(update(runs).where(runs.c.run_id.in_(later)).values(status="rolled_back"))
    conn.execute(update(runs).where(runs.c.run_id == target.run_id).values(status="current"))
    audit.append(
        conn,
        "rollback",
        actor,
        target.run_id,
        {
            "month": month,
            "version": target.version,
            "from_run_id": now.run_id,
            "rolled_back": later,
            "reason": reason,
        },
    )
    return get(conn, target.run_id)
