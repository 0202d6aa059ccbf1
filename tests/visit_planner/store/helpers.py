"""Helpers of the store tests: records to publish, SQL outside the store's API (tampering,
another writer), and other processes to race against."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, insert, select

from visit_planner.store import RunRecord, Store, TownshipRecord
from visit_planner.store.audit import GENESIS, entry_hash
from visit_planner.store.codec import canonical_json, utc_now
from visit_planner.store.engine import parse_store_url
from visit_planner.store.models import audit

REPO = Path(__file__).resolve().parents[3]
PG_SCRIPT = REPO / ".ci" / "postgres.sh"


@contextmanager
def raw_engine(db_url: str) -> Iterator[Engine]:
    """A plain engine on the test's database, outside the store's API (an attacker's or an
    administrator's own SQL)."""
    engine = create_engine(parse_store_url(db_url))
    try:
        yield engine
    finally:
        engine.dispose()


def raw_sql(db_url: str, *statements: str) -> list[Any]:
    """Run ``statements`` in one transaction outside the store; the last one's rows (if any)."""
    with raw_engine(db_url) as engine, engine.begin() as conn:
        result = None
        for statement in statements:
            result = conn.exec_driver_sql(statement)
        return list(result.all()) if result is not None and result.returns_rows else []


def tamper_audit(db_url: str, *statements: str) -> None:
    """Change the audit table as an attacker with the table owner's rights would: on
    PostgreSQL the append-only trigger is dropped first (the owner can), then ``statements``."""
    first = []
    if parse_store_url(db_url).get_backend_name() == "postgresql":
        first = ["DROP TRIGGER IF EXISTS audit_append_only ON audit"]
    raw_sql(db_url, *first, *statements)


def append_before_head(
    conn: Connection, action: str, actor: str, subject: str, details: dict[str, Any]
) -> None:
    """Append an audit entry as a store older than revision 0005 did (no ``audit_head`` row
    yet): to build an older store that an upgrade then brings to head."""
    last = conn.execute(select(audit.c.seq, audit.c.hash).order_by(audit.c.seq.desc())).first()
    seq = 1 if last is None else int(last.seq) + 1
    prev_hash = GENESIS if last is None else str(last.hash)
    at = utc_now()
    digest = entry_hash(
        prev_hash, seq=seq, at=at, actor=actor, action=action, subject=subject, details=details
    )
    conn.execute(
        insert(audit).values(
            seq=seq, at=at, actor=actor, action=action, subject=subject,
            details_json=canonical_json(details), prev_hash=prev_hash, hash=digest,
        )
    )  # fmt: skip


@contextmanager
def other_writer(db_url: str) -> Iterator[None]:
    """Another connection holding the write lock the store needs until the block ends:
    SQLite's database write lock (``BEGIN IMMEDIATE``), PostgreSQL's table locks on runs and
    audit (reads go on)."""
    parsed = parse_store_url(db_url)
    if parsed.get_backend_name() == "sqlite":
        conn = sqlite3.connect(str(parsed.database), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    with raw_engine(db_url) as engine, engine.connect() as sa_conn:
        sa_conn.exec_driver_sql("LOCK TABLE runs, audit IN EXCLUSIVE MODE")
        try:
            yield
        finally:
            sa_conn.rollback()


@contextmanager
def pg_database(admin_url: str, options: str = "") -> Iterator[str]:
    """A new, empty PostgreSQL database on ``admin_url``'s server (its URL, as the admin),
    dropped at the end: for the tests of what only PostgreSQL does (roles, privileges, a
    collation given by ``options`` of CREATE DATABASE)."""
    name = f"vp_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(parse_store_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" {options}'.strip())
        yield parse_store_url(admin_url).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@contextmanager
def pg_login_role(db_url: str) -> Iterator[str]:
    """A new login role with a password and no privileges, as an operator's application user
    is before the administrator grants it any: the URL of ``db_url``'s database as that
    role; the role and its grants dropped at the end."""
    role = f"vp_role_{uuid.uuid4().hex[:10]}"
    password = uuid.uuid4().hex
    raw_sql(db_url, f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    try:
        url = parse_store_url(db_url).set(username=role, password=password)
        yield url.render_as_string(hide_password=False)
    finally:
        raw_sql(db_url, f"DROP OWNED BY {role}", f"DROP ROLE {role}")


# ---------------------------------------------------------------------- records


def make_record(month: str = "2026-05", **changes: Any) -> RunRecord:
    """A run record with a new run id (a uuid4 hex, as the run writer makes)."""
    run_id = changes.pop("run_id", uuid.uuid4().hex)
    values: dict[str, Any] = {
        "run_id": run_id,
        "month": month,
        "created_at": datetime(2026, 4, 28, 9, 30, tzinfo=UTC),
        "created_by": "planner01",
        "code_version": "0.1.0",
        "policy_sha256": "a" * 64,
        "policy_text": "[tiers.1]\nvisits_per_month = 2\n",
        "plan_sha256": uuid.uuid4().hex * 2,
        "path": f"runs/{month}/{run_id}",
        "model_version": "risk-tier@champion v3",
        "inputs": {"households": {"path": "inputs/households.parquet", "sha256": "b" * 64}},
        "metrics": {"coverage_tier1": 0.99, "travel_minutes": 1234.5},
    }
    values.update(changes)
    return RunRecord(**values)


def make_townships(*ids: str) -> list[TownshipRecord]:
    """Township records for ``ids`` (two townships by default)."""
    return [
        TownshipRecord(
            township_id=tw,
            plan_sha256=uuid.uuid4().hex * 2,
            status="optimal",
            diagnostics={"households": 100 + i, "gap": 0.0, "bound": float("inf")},
        )
        for i, tw in enumerate(ids or ("532621101", "532621102"))
    ]


def publish(store: Store, month: str = "2026-05", **kwargs: Any) -> Any:
    """Publish a new run of ``month`` (a plan unless ``kind`` says otherwise)."""
    kwargs.setdefault("actor", "planner01")
    kwargs.setdefault("townships", make_townships())
    return store.publish_run(make_record(month), **kwargs)


# ---------------------------------------------------------------------- other processes


def spawn(code: str, *args: str) -> subprocess.Popen[str]:
    """Run ``code`` in a new Python process (``sys.argv[1:]`` = ``args``), pipes to talk."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )


def expect_line(proc: subprocess.Popen[str], expected: str) -> None:
    """Wait for the child's next line; fail with its stderr if it is not ``expected``."""
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if line != expected:
        proc.kill()
        _out, err = proc.communicate(timeout=10)
        pytest.fail(f"child process said {line!r}, not {expected!r}; stderr:\n{err}")


def finish(procs: Sequence[subprocess.Popen[str]], timeout: float = 60) -> list[str]:
    """Close the children's stdin, wait for them, assert they succeeded; their stdout."""
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, err
        outs.append(out)
    return outs
