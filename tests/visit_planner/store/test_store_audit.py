"""The audit chain: links, tamper detection naming the first bad entry, concurrent appenders."""

from __future__ import annotations

import hashlib
import itertools

import pytest
from sqlalchemy.exc import DBAPIError

from tests.visit_planner.store.helpers import expect_line, finish, raw_sql, spawn, tamper_audit
from visit_planner.errors import StoreError
from visit_planner.store import Store
from visit_planner.store.audit import GENESIS, entry_hash
from visit_planner.store.codec import canonical_json, iso


def _fill(store: Store, n: int = 5) -> None:
    for i in range(1, n + 1):
        store.append_audit("test.step", "tester", f"subject {i}", {"i": i, "名": "乡镇"})


def test_entries_chain_onto_each_other(store: Store) -> None:
    _fill(store)
    entries = store.audit_entries()
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS
    for before, entry in itertools.pairwise(entries):
        assert entry.prev_hash == before.hash
    first = entries[0]
    body = canonical_json(
        {
            "seq": 1,
            "at": iso(first.at),
            "actor": "tester",
            "action": "test.step",
            "subject": "subject 1",
            "details": {"i": 1, "名": "乡镇"},
        }
    )
    assert first.hash == hashlib.sha256((GENESIS + body).encode()).hexdigest()
    assert first.hash == entry_hash(
        GENESIS,
        seq=1,
        at=first.at,
        actor="tester",
        action="test.step",
        subject="subject 1",
        details=first.details,
    )
    check = store.verify_audit()
    assert (check.ok, check.entries, check.first_bad_seq) == (True, 5, None)
    assert (check.head_seq, check.head_hash) == (5, entries[-1].hash)
    assert "intact" in check.message
    assert [e.seq for e in store.audit_entries(2)] == [4, 5]


def test_an_empty_log_verifies(store: Store) -> None:
    check = store.verify_audit()
    assert (check.ok, check.entries, check.head_hash) == (True, 0, None)


def test_an_edited_entry_is_named(store: Store, db_url: str) -> None:
    _fill(store)
    tamper_audit(db_url, """UPDATE audit SET details_json = '{"i":99}' WHERE seq = 3""")
    check = store.verify_audit()
    assert (check.ok, check.first_bad_seq) == (False, 3)
    assert "entry 3 was edited" in (check.problem or "")
    assert "broken at entry 3" in check.message


def test_an_edited_and_rehashed_entry_breaks_the_next_link(store: Store, db_url: str) -> None:
    _fill(store)
    fourth = store.audit_entries()[3]
    forged = entry_hash(
        fourth.prev_hash,
        seq=4,
        at=fourth.at,
        actor="someone",
        action=fourth.action,
        subject=fourth.subject,
        details=fourth.details,
    )
    tamper_audit(db_url, f"UPDATE audit SET actor = 'someone', hash = '{forged}' WHERE seq = 4")
    check = store.verify_audit()
    assert (check.ok, check.first_bad_seq) == (False, 5)  # 4 holds, 5 no longer chains onto it
    assert "entry 5 does not chain onto entry 4" in (check.problem or "")


def test_a_removed_entry_is_named(store: Store, db_url: str) -> None:
    _fill(store)
    tamper_audit(db_url, "DELETE FROM audit WHERE seq = 3")
    check = store.verify_audit()
    assert (check.ok, check.first_bad_seq) == (False, 3)
    assert check.problem == (
        "条目被删除 (entry 3 is missing, removed: the log jumps from entry 2 to entry 4)"
    )
    tamper_audit(db_url, "DELETE FROM audit WHERE seq = 1")
    assert store.verify_audit().first_bad_seq == 1


def test_swapped_entries_are_named(store: Store, db_url: str) -> None:
    _fill(store)
    tamper_audit(  # entries 2 and 3 change places
        db_url,
        "UPDATE audit SET seq = -seq WHERE seq IN (2, 3)",
        "UPDATE audit SET seq = 3 WHERE seq = -2",
        "UPDATE audit SET seq = 2 WHERE seq = -3",
    )
    entries = store.audit_entries()
    assert [e.subject for e in entries] == [f"subject {i}" for i in (1, 3, 2, 4, 5)]
    check = store.verify_audit()
    assert (check.ok, check.first_bad_seq) == (False, 2)
    assert "does not chain onto entry 1" in (check.problem or "")


APPENDER = """
import sys
from visit_planner.errors import StoreError
from visit_planner.store import Store
store = Store.open(sys.argv[1], busy_timeout=60)
name, n = sys.argv[2], int(sys.argv[3])
print("ready", flush=True)
sys.stdin.readline()
for i in range(n):
    store.append_audit("test.append", name, f"{name} {i}", {"i": i})
print("done", flush=True)
"""


def test_concurrent_appenders_keep_the_chain_valid(store: Store, db_url: str) -> None:
    n, writers = 20, 3
    procs = [spawn(APPENDER, db_url, f"writer{w}", str(n)) for w in range(writers)]
    for proc in procs:
        expect_line(proc, "ready")
    for proc in procs:  # all start appending at once
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    assert all(out.strip() == "done" for out in finish(procs))
    entries = store.audit_entries()
    assert [e.seq for e in entries] == list(range(1, n * writers + 1))
    assert len({e.prev_hash for e in entries}) == n * writers  # nobody chained onto the same
    for w in range(writers):  # every writer's entries are there, in its own order
        mine = [e.details["i"] for e in entries if e.actor == f"writer{w}"]
        assert mine == list(range(n))
    assert store.verify_audit().ok


def test_entries_removed_from_the_end_are_found(store: Store, db_url: str) -> None:
    _fill(store)
    tamper_audit(db_url, "DELETE FROM audit WHERE seq = 5")
    check = store.verify_audit()  # what is left is a valid chain: the head record tells
    assert (check.ok, check.first_bad_seq) == (False, 5)
    assert "entry 5 removed from the end" in (check.problem or "")
    assert "审计日志被篡改" in check.message and "broken at entry 5" in check.message
    tamper_audit(db_url, "DELETE FROM audit WHERE seq >= 3")
    check = store.verify_audit()
    assert (check.ok, check.first_bad_seq) == (False, 3)
    assert "entries 3-5 removed from the end" in (check.problem or "")
    tamper_audit(db_url, "DELETE FROM audit")
    assert store.verify_audit().first_bad_seq == 1


def test_a_replaced_last_entry_is_found(store: Store, db_url: str) -> None:
    _fill(store, 3)
    entries = store.audit_entries()
    forged = entry_hash(
        entries[1].hash, seq=3, at=entries[2].at, actor="x", action="a", subject="s", details={}
    )
    tamper_audit(  # a well-chained entry 3 of someone else's instead of the real one
        db_url,
        f"UPDATE audit SET actor = 'x', action = 'a', subject = 's', details_json = '{{}}', "
        f"hash = '{forged}' WHERE seq = 3",
    )
    check = store.verify_audit()
    assert (check.ok, check.first_bad_seq) == (False, 3)
    assert "entry 3 was replaced" in (check.problem or "")


def test_an_entry_added_outside_the_store_is_found(store: Store, db_url: str, dialect: str) -> None:
    _fill(store, 2)
    last = store.audit_entries()[-1]
    at = last.at
    digest = entry_hash(last.hash, seq=3, at=at, actor="x", action="a", subject="s", details={})
    tamper_audit(
        db_url,
        "INSERT INTO audit (seq, at, actor, action, subject, details_json, prev_hash, hash) "
        f"SELECT 3, at, 'x', 'a', 's', '{{}}', '{last.hash}', '{digest}' FROM audit WHERE seq = 2",
    )
    check = store.verify_audit()
    assert (check.ok, check.first_bad_seq) == (False, 3)
    assert "entry 3 was not written by visit-planner" in (check.problem or "")
    if dialect == "postgresql":  # the head moves on by one only: no append over it
        with pytest.raises(StoreError, match="only moves on by one"):
            store.append_audit("test.step", "tester", "after", {})
        assert store.verify_audit().first_bad_seq == 3
    else:  # SQLite has no trigger: the next append vouches for entry 3 (a known limit)
        store.append_audit("test.step", "tester", "after", {})
        assert store.verify_audit().ok


def test_the_head_record_follows_every_append(store: Store, db_url: str, dialect: str) -> None:
    assert raw_sql(db_url, "SELECT seq, hash FROM audit_head") == []
    _fill(store, 3)
    head = store.audit_entries()[-1]
    assert [tuple(r) for r in raw_sql(db_url, "SELECT seq, hash FROM audit_head")] == [
        (3, head.hash)
    ]
    check = store.verify_audit()
    assert check.ok and f"#3 {head.hash}" in check.message
    assert check.message.count("intact") == 1  # said once, in both languages
    if dialect == "postgresql":  # the head only moves on by one, whoever connects
        for statement in (
            "UPDATE audit_head SET seq = 2",
            "DELETE FROM audit_head",
            "TRUNCATE audit_head",
        ):
            with pytest.raises(DBAPIError, match="only moves on"):
                raw_sql(db_url, statement)


def test_an_entry_whose_details_are_not_json_is_named_by_verify_and_entries(
    store: Store, db_url: str
) -> None:
    _fill(store)
    tamper_audit(db_url, "UPDATE audit SET details_json = 'not json' WHERE seq = 4")
    check = store.verify_audit()
    assert (check.ok, check.first_bad_seq) == (False, 4)
    assert "entry 4 was edited: its details are not JSON" in (check.problem or "")
    assert [e.seq for e in store.audit_entries(1)] == [5]  # the entries after it still read
    with pytest.raises(StoreError) as caught:
        store.audit_entries(2)
    assert "audit entry 4 cannot be read" in str(caught.value)
    assert "audit verify" in str(caught.value)


def test_an_entry_whose_time_is_no_date_is_named_by_verify_and_entries(
    store: Store, db_url: str, dialect: str
) -> None:
    """SQLite keeps any text in the ``at`` column: reading it used to end ``audit verify``
    (the tamper check itself) and ``audit list`` in SQLAlchemy's ValueError. PostgreSQL's
    timestamp column refuses such a value."""
    _fill(store)
    if dialect == "postgresql":
        with pytest.raises(DBAPIError):
            tamper_audit(db_url, "UPDATE audit SET at = 'garbage' WHERE seq = 3")
        assert store.verify_audit().ok
        return
    tamper_audit(db_url, "UPDATE audit SET at = 'garbage' WHERE seq = 3")
    check = store.verify_audit()
    assert (check.ok, check.first_bad_seq) == (False, 3)
    assert "entry 3 was edited: its time 'garbage' is not a date" in (check.problem or "")
    assert [e.seq for e in store.audit_entries(2)] == [4, 5]
    with pytest.raises(StoreError, match="audit entry 3 cannot be read"):
        store.audit_entries()
    tamper_audit(db_url, "UPDATE audit SET at = 5 WHERE seq = 3")
    assert "its time 5 is not a date" in (store.verify_audit().problem or "")


def test_a_listing_filters_by_action_and_day_in_the_query(store: Store, db_url: str) -> None:
    """``audit list --action/--since``: the store selects the entries (the last ``limit`` of
    those that match), and says where the whole log ends and where its head record does."""
    from datetime import UTC, datetime, timedelta

    for i in range(6):
        store.append_audit("override.revoke" if i % 2 else "publish", "tester", f"s{i}", {})
    entries, last, head = store.audit_listing(2, actions=["override.revoke"])
    assert [(e.seq, e.action) for e in entries] == [(4, "override.revoke"), (6, "override.revoke")]
    assert (last, head) == (6, 6)
    both, _, _ = store.audit_listing(None, actions=["publish", "override.revoke"])
    assert [e.seq for e in both] == [1, 2, 3, 4, 5, 6]
    tamper_audit(db_url, "UPDATE audit SET at = '2020-01-01 00:00:00' WHERE seq <= 2")
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    recent, _, _ = store.audit_listing(None, since=datetime(2021, 1, 1, tzinfo=UTC))
    assert [e.seq for e in recent] == [3, 4, 5, 6]
    assert store.audit_listing(None, since=tomorrow)[0] == []
    assert store.audit_actions() == ["override.revoke", "publish"]


# ---------------------------------------------------------------------- index on action (0007)


def _fill_raw(db_url: str, n: int, rare: str) -> None:
    """``n`` entries (``login``, every 500th ``rare``) written straight into the table: a
    log long enough for the planner to weigh an index (not a valid chain)."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert

    from visit_planner.store.engine import Database
    from visit_planner.store.models import audit

    start = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [
        dict(
            seq=i,
            at=start + timedelta(minutes=i),
            actor="planner01",
            subject="planner01",
            action=rare if i % 500 == 0 else "login",
            details_json="{}",
            prev_hash=GENESIS,
            hash=f"{i:064x}",
        )
        for i in range(1, n + 1)
    ]
    db = Database.connect(db_url)
    try:
        with db.write() as conn:
            conn.execute(insert(audit), rows)
    finally:
        db.dispose()


def _plan_of_listing(db_url: str, action: str) -> str:
    """The database's plan for the query ``audit list --action ACTION --limit 20`` runs."""
    from sqlalchemy import select, text

    from visit_planner.store import audit as audit_log
    from visit_planner.store.engine import Database
    from visit_planner.store.models import audit

    stmt = (
        select(*audit_log._RAW_COLUMNS)
        .where(audit.c.action.in_([action]))
        .order_by(audit.c.seq.desc())
        .limit(20)
    )
    db = Database.connect(db_url)
    try:
        with db.read() as conn:
            sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
            if conn.dialect.name == "postgresql":
                conn.execute(text("ANALYZE audit"))
                return "\n".join(str(r[0]) for r in conn.exec_driver_sql("EXPLAIN " + sql))
            return "\n".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    finally:
        db.dispose()


def test_0007_indexes_the_log_by_action_and_the_listing_uses_it(db_url: str) -> None:
    """``audit list --action`` on a long log walked the whole log from its end for a rare
    action (no index on action: SQLite 'SCAN audit', PostgreSQL a backward scan of the
    primary key). 0007 adds one; the listing's query as written uses it, on a store upgraded
    from 0006 with its entries."""
    from sqlalchemy import inspect

    from visit_planner.store.engine import Database
    from visit_planner.store.schema import migrate

    db = Database.connect(db_url)
    try:
        with db.write() as conn:
            migrate(conn, "0006")
    finally:
        db.dispose()
    _fill_raw(db_url, 20_000, "override.revoke")
    assert "ix_audit_action_seq" not in _plan_of_listing(db_url, "override.revoke")

    assert Store.upgrade(db_url, actor="admin01").after == "0007"
    db = Database.connect(db_url)
    try:
        with db.read() as conn:
            indexes = {i["name"]: i["column_names"] for i in inspect(conn).get_indexes("audit")}
    finally:
        db.dispose()
    assert indexes["ix_audit_action_seq"] == ["action", "seq"]
    assert "ix_audit_action_seq" in _plan_of_listing(db_url, "override.revoke")
    with Store.open(db_url) as store:
        found, last, _ = store.audit_listing(20, actions=["override.revoke"])
        assert [e.seq for e in found] == list(range(10_500, 20_001, 500))
        assert last == 20_001  # the upgrade's own entry
        assert store.audit_actions() == ["login", "override.revoke", "store.upgrade"]

    db = Database.connect(db_url)
    try:
        with db.write() as conn:
            migrate(conn, "0006")  # down again: the index goes, the entries stay
        with db.read() as conn:
            names = {i["name"] for i in inspect(conn).get_indexes("audit")}
    finally:
        db.dispose()
    assert "ix_audit_action_seq" not in names


def test_the_actions_held_are_each_action_once_in_order(store: Store) -> None:
    """``audit list --action`` checks its names against the actions the log holds, read by a
    skip over the index (a recursive query), not a scan: the same answer as DISTINCT."""
    assert store.audit_actions() == []
    store.append_audit("publish", "planner01", "run-1", {})
    assert store.audit_actions() == ["publish"]
    for action in ("user.add", "login", "publish", "login", "a.first", "z.last"):
        store.append_audit(action, "planner01", "x", {})
    assert store.audit_actions() == ["a.first", "login", "publish", "user.add", "z.last"]
