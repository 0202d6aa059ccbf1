"""The hash-chained, append-only audit log.

Each entry carries the hash of the entry before it (``prev_hash``; the first one a row of
zeros) and its own ``hash = sha256(prev_hash + canonical JSON of {seq, at, actor, action,
subject, details})``. Editing an entry breaks its hash, removing one leaves a gap in ``seq``,
reordering breaks the chain, so :func:`verify` names the first entry that was touched.

A chain alone cannot show that entries were cut off its end (what is left is still a valid
chain), so every append also moves the head record (``audit_head``: the last entry's seq and
hash) in the same transaction, and :func:`verify` checks that the log ends exactly there: it
finds entries removed from the end, a last entry replaced, and entries added by someone
other than the application (on SQLite only until the application's next append moves the
head over them; on PostgreSQL a trigger refuses that append). What it cannot find: someone
who removes entries from the end and also sets the head back (on PostgreSQL only after
dropping the triggers that refuse it, which needs the tables' owner), or a whole database
restored from an older copy. For those,
write the head that ``audit verify`` prints down outside the store (e.g. in the monthly
report) and compare it later.

Appends are serialised so that two writers never chain onto the same ``prev_hash``: on
PostgreSQL by a transaction-scoped advisory lock (:func:`~visit_planner.store.engine.serialize`:
readers still read, and it needs no right on the table beyond INSERT, so an administrator may
grant the append-only log nothing more; ``LOCK TABLE ... IN EXCLUSIVE MODE`` needed UPDATE or
DELETE), on SQLite by the write transaction's ``BEGIN IMMEDIATE``. :func:`append` therefore
runs inside a :meth:`~visit_planner.store.engine.Database.write` transaction, usually the one
that makes the change it records, so the change and its entry commit together or not at all.
The module has no update or delete; on PostgreSQL a trigger refuses them from anyone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, String, func, insert, select, type_coerce, update

from visit_planner.errors import StoreError
from visit_planner.store.checks import require_text
from visit_planner.store.codec import canonical_json, iso, parse_json, utc, utc_now
from visit_planner.store.engine import serialize
from visit_planner.store.models import audit, audit_head
from visit_planner.store.rows import AuditCheck, AuditEntry

__all__ = ["GENESIS", "append", "entries", "entry_hash", "head_seq", "verify"]

GENESIS = "0" * 64
"""The ``prev_hash`` of the first entry."""


def entry_hash(
    prev_hash: str,
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    details: Any,
) -> str:
    """sha256(prev_hash + canonical JSON of the entry), hex."""
    body = canonical_json(
        {
            "seq": seq,
            "at": iso(at),
            "actor": actor,
            "action": action,
            "subject": subject,
            "details": details,
        }
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


SUBJECT_MAX = 64
"""The longest a text from outside (a typed username, a client address) is kept in an entry."""


def printable(text: object) -> str:
    """``text`` as it may stand in an entry when it comes from outside (a typed username, a
    client address): printable, at most :data:`SUBJECT_MAX` characters, never blank."""
    kept = "".join(c if c.isprintable() else "?" for c in str(text))
    if len(kept) > SUBJECT_MAX:
        kept = kept[: SUBJECT_MAX - 1] + "…"
    return kept if kept.strip() else "(blank)"


def client_details(client: str | None) -> dict[str, str]:
    """``{"client": address}`` for an entry's details, the address a dashboard user acted
    from (:func:`printable`); nothing when not known (the CLI)."""
    return {} if client is None else {"client": printable(client)}


def append(
    conn: Connection, action: str, actor: str, subject: str, details: Mapping[str, Any]
) -> AuditEntry:
    """Append one entry in ``conn``'s write transaction (see the module docstring)."""
    action = require_text(action, "audit action")
    actor = require_text(actor, "actor")
    subject = require_text(subject, "audit subject")
    serialize(conn, "audit log")
    last = conn.execute(
        select(audit.c.seq, audit.c.hash).order_by(audit.c.seq.desc()).limit(1)
    ).first()
    seq = 1 if last is None else int(last.seq) + 1
    prev_hash = GENESIS if last is None else str(last.hash)
    at = utc_now()
    details_json = canonical_json(details)
    stored_details = parse_json(details_json)  # what verify() will read back
    digest = entry_hash(
        prev_hash,
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        details=stored_details,
    )
    conn.execute(
        insert(audit).values(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            details_json=details_json,
            prev_hash=prev_hash,
            hash=digest,
        )
    )
    moved = conn.execute(
        update(audit_head).where(audit_head.c.id == 1).values(seq=seq, hash=digest)
    )
    if moved.rowcount == 0:
        conn.execute(insert(audit_head).values(id=1, seq=seq, hash=digest))
    return AuditEntry(seq, at, actor, action, subject, stored_details, prev_hash, digest)


_RAW_COLUMNS = (
    audit.c.seq,
    type_coerce(audit.c.at, String).label("at"),
    audit.c.actor,
    audit.c.action,
    audit.c.subject,
    audit.c.details_json,
    audit.c.prev_hash,
    audit.c.hash,
)
"""The audit table's columns with ``at`` as the database hands it over, unconverted: SQLite
keeps whatever text someone wrote into it by hand, and SQLAlchemy's own conversion would end
the reading of the whole log in a traceback at the first time that is no date
(:func:`_moment` converts it, or says it cannot)."""


def _moment(value: object) -> datetime | None:
    """An entry's ``at`` as a datetime (PostgreSQL's driver already gives one; SQLite gives
    the ISO text SQLAlchemy wrote), None when it is no date (edited by hand)."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _unreadable(row: Any) -> str | None:
    """Why ``row`` cannot be read as an entry (its time is no date, its details no JSON), in
    Chinese and English; None when it can."""
    seq = int(row.seq)
    if _moment(row.at) is None:
        return f"条目被篡改 (entry {seq} was edited: its time {row.at!r} is not a date)"
    try:
        json.loads(row.details_json)
    except (TypeError, ValueError):
        return f"条目被篡改 (entry {seq} was edited: its details are not JSON)"
    return None


def _entry(row: Any) -> AuditEntry:
    """One row of :data:`_RAW_COLUMNS` as an entry; a StoreError naming the entry when it was
    edited so that it cannot be read (``audit list`` then says so instead of a traceback)."""
    why = _unreadable(row)
    moment = _moment(row.at)
    if why is not None or moment is None:
        raise StoreError(
            f"审计日志第 {int(row.seq)} 条无法读取 (audit entry {int(row.seq)} cannot be read): "
            f"{why}; 请运行 run `visit-planner audit verify`"
        )
    return AuditEntry(
        seq=int(row.seq),
        at=utc(moment),
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        details=parse_json(row.details_json),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def entries(
    conn: Connection,
    limit: int | None = None,
    *,
    actions: Collection[str] = (),
    since: datetime | None = None,
) -> list[AuditEntry]:
    """The last ``limit`` entries (all when None), oldest first; only those of ``actions``
    when any are given, and only those at or after ``since`` when given. The filters are
    the query's: a supervisor looking for every revocation in a long log does not read the
    whole log into memory."""
    stmt = select(*_RAW_COLUMNS).order_by(audit.c.seq.desc())
    if actions:
        stmt = stmt.where(audit.c.action.in_(sorted(set(actions))))
    if since is not None:
        stmt = stmt.where(audit.c.at >= utc(since))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_entry(row) for row in reversed(conn.execute(stmt).all())]


def actions_recorded(conn: Connection) -> list[str]:
    """Every action the log holds at least one entry of, in order.

    Read as a skip over the index on action (the first action, then the first one after
    it, ...): a few index look-ups per action. ``SELECT DISTINCT`` read every entry before
    every ``audit list --action``: on a log of a million entries 41 ms on SQLite and 0.41 s on
    PostgreSQL, against under 1 ms (``bench/bench_audit_listing.py``)."""
    return sorted(str(a) for a in conn.execute(actions_statement()).scalars())


def actions_statement() -> Select[tuple[str]]:
    """The query of :func:`actions_recorded`: a recursive CTE, each step the least action
    greater than the last (one index look-up on SQLite and PostgreSQL alike)."""
    first = select(func.min(audit.c.action).label("action")).cte("recorded", recursive=True)
    later = (
        select(func.min(audit.c.action)).where(audit.c.action > first.c.action).scalar_subquery()
    )
    recorded = first.union_all(select(later).where(first.c.action.is_not(None)))
    return select(recorded.c.action).where(recorded.c.action.is_not(None))


def last_seq(conn: Connection) -> int | None:
    """The seq of the log's last entry; None when it has none."""
    return conn.execute(select(func.max(audit.c.seq))).scalar_one_or_none()


def head_seq(conn: Connection) -> int | None:
    """The seq the head record says the log ends at; None when there is no head record."""
    return conn.execute(select(audit_head.c.seq)).scalar_one_or_none()


def verify(conn: Connection) -> AuditCheck:
    """Walk the chain in ``seq`` order and name the first entry that does not hold.

    An entry fails when its ``seq`` skips one (the skipped entry was removed), when its
    ``prev_hash`` is not the previous entry's hash (reordered, or an earlier entry removed or
    re-hashed), or when its content no longer gives its hash (edited). Then the log must end
    at the head record (see the module docstring): entries removed from the end, a replaced
    last entry, or entries after the head are reported too.
    """
    total = conn.execute(select(func.count()).select_from(audit)).scalar_one()
    stmt = select(*_RAW_COLUMNS).order_by(audit.c.seq).execution_options(yield_per=1000)
    expected_seq, prev_hash = 1, GENESIS
    with conn.execute(stmt) as result:
        for row in result:
            problem = _problem(row, expected_seq, prev_hash)
            if problem is not None:
                bad_seq, text = problem
                return AuditCheck(ok=False, entries=total, first_bad_seq=bad_seq, problem=text)
            prev_hash = row.hash
            expected_seq += 1
    count = expected_seq - 1
    head = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).first()
    problem = _head_problem(head, count, prev_hash)
    if problem is not None:
        bad_seq, text = problem
        return AuditCheck(ok=False, entries=total, first_bad_seq=bad_seq, problem=text)
    return AuditCheck(
        ok=True,
        entries=count,
        head_seq=count or None,
        head_hash=prev_hash if count else None,
    )


def _problem(row: Any, expected_seq: int, prev_hash: str) -> tuple[int, str] | None:
    """The first bad seq and what is wrong with it, if ``row`` does not hold."""
    seq = int(row.seq)
    if seq != expected_seq:
        last = f"entry {expected_seq - 1}" if expected_seq > 1 else "the start"
        return expected_seq, (
            f"条目被删除 (entry {expected_seq} is missing, removed: the log jumps from {last} "
            f"to entry {seq})"
        )
    if row.prev_hash != prev_hash:
        return seq, (
            f"条目链断开 (entry {seq} does not chain onto entry {seq - 1}: entries were "
            "reordered, or an earlier entry was removed or edited and re-hashed)"
        )
    unreadable = _unreadable(row)
    moment = _moment(row.at)
    if unreadable is not None or moment is None:
        return seq, unreadable or f"entry {seq} cannot be read"
    digest = entry_hash(
        row.prev_hash,
        seq=seq,
        at=moment,
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        details=json.loads(row.details_json),
    )
    if digest != row.hash:
        return seq, f"条目被篡改 (entry {seq} was edited: its content does not match its hash)"
    return None


def _head_problem(head: Any, count: int, last_hash: str) -> tuple[int, str] | None:
    """Where an intact chain of ``count`` entries (last hash ``last_hash``) disagrees with the
    head record ``head`` (None: no head row), and how."""
    if head is None:
        if count == 0:
            return None
        return count, (
            f"审计链头记录缺失 (the head record is missing: the log's {count} entries cannot be "
            "checked for entries removed from the end)"
        )
    head_seq = int(head.seq)
    if head_seq > count:
        removed = f"entry {head_seq}" if head_seq == count + 1 else (
            f"entries {count + 1}-{head_seq}"
        )  # fmt: skip
        return count + 1, (
            f"末尾条目被删除 ({removed} removed from the end: the head record says the log "
            f"reaches entry {head_seq}, it ends at {count or 'no entry'})"
        )
    if head_seq < count:
        return head_seq + 1, (
            f"条目被私自追加 (entry {head_seq + 1} was not written by visit-planner: the head "
            f"record ends at entry {head_seq}, the log goes on to {count})"
        )
    if head.hash != last_hash:
        return count, (
            f"末条目被替换 (entry {count} was replaced: its hash is not the one the head record "
            "holds)"
        )
    return None
