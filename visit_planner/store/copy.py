"""Copy a whole store into another, empty database: SQLite to PostgreSQL, or back.

Why: a programme starts on the embedded SQLite store (``<workspace>/store.db``) and later
gets a PostgreSQL server; planners, supervisors and auditors must keep every run, override,
account and audit entry. Starting a new store would lose the hash-chained audit log, which
no export can carry over as a chain. ``visit-planner store copy --to URL`` moves it whole.

What the copy does, in order (:func:`copy_store`):

* the source must be at this program's schema (``store upgrade`` first), hold no month's
  planning lock (a plan running, or killed: the lock is the source's own business) and have
  an audit log that verifies: a broken log is refused, not laundered into a new database;
* the target gets this schema's tables when it has none (in the copy's transaction, so a
  refused or failed copy leaves no tables; an SQLite file it made is removed again), and is
  refused when it holds any row, or is at another schema;
* every table is read from one snapshot of the source and written to the target in one
  transaction (all or nothing), runs parents first, timestamps as the same UTC moments
  (SQLite hands them back without a zone), PostgreSQL's id sequences moved past the copied
  ids;
* the target's log gets one more entry, ``store.copy``, naming the source (no password), its
  head and the rows copied; then, still inside the transaction, the target's chain must
  verify to that entry and every table must hold the source's row count, or nothing is kept.

The source is only read: it stays as it was, a backup. Writes to it after the copy (a
dashboard left running against it) are not in the target; stop them first (docs/deployment.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, DateTime, Table, func, insert, select, text

from visit_planner.errors import StoreError
from visit_planner.store import audit as audit_log
from visit_planner.store.codec import utc
from visit_planner.store.engine import Database, serialize, shown_url
from visit_planner.store.models import (
    audit,
    audit_head,
    month_locks,
    override_outcomes,
    overrides,
    run_townships,
    runs,
)
from visit_planner.store.rows import AuditCheck, CopyResult
from visit_planner.store.schema import (
    SCHEMA_LOCK,
    ensure_current,
    migrate,
    refusal,
    schema_status,
)
from visit_planner.store.users import login_failures_table, users_table

__all__ = ["COPIED_TABLES", "copy_store"]

COPIED_TABLES: tuple[Table, ...] = (
    users_table,
    login_failures_table,
    runs,
    run_townships,
    overrides,
    override_outcomes,
    audit,
    audit_head,
)
"""Every table the copy writes, in an order that keeps foreign keys (runs before their
townships and outcomes, overrides before their outcomes). ``month_locks`` is not copied: a
lock belongs to a process using the source (the copy refuses a source holding one)."""

BATCH = 2_000
"""Rows per insert: a log of a million entries is streamed, never held whole."""

SEQUENCES = ((overrides, "id"), (login_failures_table, "id"), (audit, "seq"))
"""The columns whose PostgreSQL sequence hands out new ids: moved past the copied ones."""


def copy_store(source: Database, target: Database, *, actor: str) -> CopyResult:
    """Copy every row of ``source`` into the empty ``target`` (see the module docstring);
    a StoreError saying what to do when either is not fit, and nothing written then: the
    target's tables are created in the copy's own transaction, and an SQLite file the copy
    made is removed again when it fails."""
    _refuse_same_database(source, target)
    ensure_current(source, create=False)
    missing = target.missing_directory
    if missing is not None:
        raise target.no_directory_error(missing)
    made = target.file_missing
    try:
        with source.read() as src:
            check, counts = _checked_source(src, source)
            with target.write() as dst:
                # Two copies into one target: one waits, then finds rows.
                serialize(dst, SCHEMA_LOCK)
                _prepare_target(dst, target)
                for table in COPIED_TABLES:
                    for batch in _batches(_rows(src, table)):
                        dst.execute(insert(table), batch)
                if dst.dialect.name == "postgresql":
                    _move_sequences(dst)
                entry = audit_log.append(
                    dst,
                    "store.copy",
                    actor,
                    "store",
                    {
                        "from": source.where,
                        "from_head": None if check.head_seq is None else f"#{check.head_seq}",
                        "rows": counts,
                    },
                )
                _check_copy(dst, counts, entry.seq, target)
    except BaseException:
        if made:
            _remove_sqlite_file(target)
        raise
    return CopyResult(
        source=source.where,
        target=target.where,
        target_url=shown_url(target.engine.url),
        rows=counts,
        head_seq=entry.seq,
        head_hash=entry.hash,
    )


def _checked_source(conn: Connection, db: Database) -> tuple[AuditCheck, dict[str, int]]:
    """The source's verified log and its rows per table; a StoreError when a month's lock
    is held or the log does not verify."""
    _refuse_locked_months(conn, db)
    check = audit_log.verify(conn)
    if not check.ok:
        raise StoreError(
            f"{check.message}; 未复制 (the store {db.where} was not copied: a copy must carry "
            "a log that verifies; see `visit-planner audit verify`)"
        )
    return check, {t.name: _count(conn, t) for t in COPIED_TABLES}


def _prepare_target(conn: Connection, db: Database) -> None:
    """The target at this program's schema, empty: its tables created when it has none (in
    the copy's transaction), refused when it is at another schema or holds any row."""
    status = schema_status(conn)
    if status.state == "empty":
        migrate(conn, "head")
    elif status.state != "current":
        raise refusal(status, db.where, db.upgrade_command)
    _refuse_rows(conn, db)


def _remove_sqlite_file(db: Database) -> None:
    """Remove the SQLite file (and its WAL files) a failed copy created."""
    db.dispose()
    name = db.engine.url.database
    if db.dialect == "sqlite" and name:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(name + suffix).unlink(missing_ok=True)


def _refuse_same_database(source: Database, target: Database) -> None:
    """Copying a store onto itself would find it not empty; say the real mistake instead."""
    if _identity(source) == _identity(target):
        raise StoreError(
            f"源数据库与目标数据库相同 (--to names the store being copied, {source.where}: "
            "give another database)"
        )


def _identity(db: Database) -> str:
    """The database a URL names: an SQLite file by its resolved path, a server database by
    host, port and name (whoever connects)."""
    url = db.engine.url
    if db.dialect == "sqlite":
        name = url.database or ":memory:"
        return f"sqlite:{Path(name).resolve() if name != ':memory:' else name}"
    return f"{db.dialect}:{url.host or ''}:{url.port or ''}/{url.database or ''}"


def _refuse_locked_months(conn: Connection, db: Database) -> None:
    held = [str(r.month) for r in conn.execute(select(month_locks.c.month).order_by("month"))]
    if held:
        months = ", ".join(held)
        raise StoreError(
            f"月份 {months} 正在编制或被中断, 未复制 (the store {db.where} holds the planning "
            f"lock of {months}: a plan is running, or was killed; wait for it, or see "
            "`visit-planner store status` and `store unlock`; nothing was copied)"
        )


def _refuse_rows(conn: Connection, db: Database) -> None:
    filled = [t.name for t in (*COPIED_TABLES, month_locks) if _count(conn, t)]
    if filled:
        raise StoreError(
            f"目标数据库不是空的, 未复制 (the target {db.where} already holds rows in "
            f"{', '.join(filled)}: a store is copied only into an empty database; nothing was "
            "copied)"
        )


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _rows(conn: Connection, table: Table) -> Iterator[dict[str, Any]]:
    """``table``'s rows as insert values, timestamps as aware UTC moments; runs parents
    first (an amendment names the run it amends)."""
    stamps = [c.name for c in table.columns if isinstance(c.type, DateTime)]
    if table is runs:
        rows: Iterator[dict[str, Any]] = iter(_parents_first(conn))
    else:
        order = list(table.primary_key.columns)
        stmt = select(table).order_by(*order).execution_options(yield_per=BATCH)
        rows = (dict(r._mapping) for r in conn.execute(stmt))
    for values in rows:
        for name in stamps:
            if values[name] is not None:
                values[name] = utc(values[name])
        yield values


def _parents_first(conn: Connection) -> list[dict[str, Any]]:
    """Every run, each after the run it names as parent (creation order otherwise)."""
    rows = [dict(r._mapping) for r in conn.execute(select(runs).order_by(runs.c.created_at))]
    by_id = {str(r["run_id"]): r for r in rows}
    placed: set[str] = set()
    ordered: list[dict[str, Any]] = []

    def place(run_id: str) -> None:
        if run_id in placed:
            return
        placed.add(run_id)
        parent = by_id[run_id]["parent_run_id"]
        if parent is not None and str(parent) in by_id:
            place(str(parent))
        ordered.append(by_id[run_id])

    for r in rows:
        place(str(r["run_id"]))
    return ordered


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _move_sequences(conn: Connection) -> None:
    """PostgreSQL hands out ids from a sequence that explicit inserts do not move: set each
    past the largest copied id, so the next override or failed sign-in gets a new one.
    (SQLite's AUTOINCREMENT counter follows explicit ids by itself.)"""
    for table, column in SEQUENCES:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column}'), "
                f"COALESCE(MAX({column}), 1), MAX({column}) IS NOT NULL) FROM {table.name}"
            )
        )


def _check_copy(conn: Connection, counts: Mapping[str, int], head: int, db: Database) -> None:
    """Inside the target's transaction: the chain verifies to the copy's own entry and every
    table holds the source's rows (the log one more); a StoreError rolls everything back."""
    check = audit_log.verify(conn)
    if not check.ok or check.head_seq != head:
        raise StoreError(
            f"复制后审计日志校验失败, 未复制 (the copy's audit log does not verify on {db.where}: "
            f"{check.problem or f'head #{check.head_seq}, expected #{head}'}; nothing was kept)"
        )
    for table in COPIED_TABLES:
        # The copy's entry is one more in the log, and the head record is one row.
        want = 1 if table is audit_head else counts[table.name] + (table is audit)
        got = _count(conn, table)
        if got != want:
            raise StoreError(
                f"复制后行数不符, 未复制 (the copy of {table.name} holds {got} rows on "
                f"{db.where}, the source {want}; nothing was kept)"
            )
