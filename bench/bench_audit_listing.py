"""``audit list --action/--since`` on a long audit log: its queries before and after 0007.

Usage::

    .venv/bin/python bench/bench_audit_listing.py                      # SQLite, 1 M entries
    .venv/bin/python bench/bench_audit_listing.py --store-url postgresql+psycopg://...

Builds a store at schema 0006 (a scratch SQLite file, or the empty PostgreSQL database
given), fills its audit table with ``--entries`` synthetic entries over five years (mostly
``login``; 1 % ``login.failed``, 0.1 % ``publish``, 40 ``override.revoke``: the rare action;
not a valid hash chain, for timing only), and times the queries ``audit list`` runs (best
of 3, in one connection) and prints their plans (SQLite's EXPLAIN QUERY PLAN, PostgreSQL's
EXPLAIN after ANALYZE), then upgrades to head (timed) and does it again. The actions the
log holds are read both ways: ``SELECT DISTINCT`` (before) and the skip over the index
:func:`visit_planner.store.audit.actions_recorded` does. Writes
``bench/results/audit_listing_<dialect>.md``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Select, insert, select, text

from visit_planner.store import audit as audit_log
from visit_planner.store.engine import Database
from visit_planner.store.models import audit, audit_head
from visit_planner.store.schema import migrate

RARE = "override.revoke"
SINCE = datetime(2026, 6, 1, tzinfo=UTC)
START = datetime(2021, 12, 1, tzinfo=UTC)


def _action(i: int, rare_every: int) -> str:
    if i % rare_every == 7:
        return RARE
    if i % 97 == 0:
        return "login.failed"
    if i % 1000 == 3:
        return "publish"
    return "login"


def fill(db: Database, n: int) -> float:
    """Insert ``n`` entries and the head record; seconds taken."""
    step = timedelta(days=5 * 365) / n
    rare_every = max(n // 40, 8)
    t0 = time.perf_counter()
    with db.write() as conn:
        batch: list[dict[str, Any]] = []
        for i in range(1, n + 1):
            batch.append(
                {
                    "seq": i,
                    "at": START + step * i,
                    "actor": f"planner{i % 50:02d}",
                    "action": _action(i, rare_every),
                    "subject": f"planner{i % 50:02d}",
                    "details_json": f'{{"client":"10.0.0.{i % 250}"}}',
                    "prev_hash": "0" * 64,
                    "hash": f"{i:064x}",
                }
            )
            if len(batch) == 20_000:
                conn.execute(insert(audit), batch)
                batch = []
        if batch:
            conn.execute(insert(audit), batch)
        conn.execute(insert(audit_head).values(id=1, seq=n, hash=f"{n:064x}"))
    return time.perf_counter() - t0


def _listing(actions: list[str], since: datetime | None) -> Select[Any]:
    """The statement :func:`audit_log.entries` runs for a limit of 20."""
    stmt = select(*audit_log._RAW_COLUMNS).order_by(audit.c.seq.desc())
    if actions:
        stmt = stmt.where(audit.c.action.in_(actions))
    if since is not None:
        stmt = stmt.where(audit.c.at >= since)
    return stmt.limit(20)


CASES: dict[str, tuple[Callable[[Connection], object], Select[Any]]] = {
    "actions held: SELECT DISTINCT": (
        lambda c: c.execute(select(audit.c.action).distinct()).all(),
        select(audit.c.action).distinct(),
    ),
    "actions held: skip (actions_recorded)": (
        audit_log.actions_recorded,
        audit_log.actions_statement(),
    ),
    f"--action {RARE}": (
        lambda c: audit_log.entries(c, 20, actions=[RARE]),
        _listing([RARE], None),
    ),
    f"--action {RARE},publish": (
        lambda c: audit_log.entries(c, 20, actions=[RARE, "publish"]),
        _listing([RARE, "publish"], None),
    ),
    "--since 2026-06-01": (lambda c: audit_log.entries(c, 20, since=SINCE), _listing([], SINCE)),
    f"--action {RARE} --since 2026-06-01": (
        lambda c: audit_log.entries(c, 20, actions=[RARE], since=SINCE),
        _listing([RARE], SINCE),
    ),
}


def _best(fn: Callable[[Connection], object], conn: Connection) -> float:
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        fn(conn)
        times.append(time.perf_counter() - t0)
    return min(times)


def _plan(conn: Connection, stmt: Select[Any]) -> list[str]:
    sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
    if conn.dialect.name == "postgresql":
        return [str(r[0]) for r in conn.exec_driver_sql("EXPLAIN " + sql)]
    return [str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]


def measure(db: Database, label: str) -> list[str]:
    """Markdown lines: each case's time and plan."""
    lines = [f"## {label}", "", "| query | best of 3 |", "|---|---:|"]
    plans: list[str] = []
    with db.read() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ANALYZE audit"))
        for name, (fn, stmt) in CASES.items():
            lines.append(f"| {name} | {_best(fn, conn) * 1000:.1f} ms |")
            plans += [f"{name}:", *(f"    {p}" for p in _plan(conn, stmt))]
    return [*lines, "", "```", *plans, "```", ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--store-url", help="an empty database (default: a scratch SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as scratch:
        url = args.store_url or f"sqlite:///{Path(scratch) / 'store.db'}"
        db = Database.connect(url)
        try:
            with db.write() as conn:
                migrate(conn, "0006")
            seconds = fill(db, args.entries)
            dialect = db.engine.dialect.name
            out = [
                f"# audit list on {args.entries:,} audit entries ({dialect})",
                "",
                "Command: `.venv/bin/python bench/bench_audit_listing.py --entries "
                f"{args.entries}" + (" --store-url <PostgreSQL>`" if args.store_url else "`"),
                f"Filled in {seconds:.1f} s.",
                "",
                *measure(db, "schema 0006 (no index on action)"),
            ]
            t0 = time.perf_counter()
            with db.write() as conn:
                migrate(conn, "head")
            out += [f"Upgrade 0006 → head: {time.perf_counter() - t0:.1f} s", ""]
            out += measure(db, "schema head (0007: ix_audit_action_seq)")
        finally:
            db.dispose()
    text_out = "\n".join(out)
    print(text_out)
    results = Path(__file__).parent / "results" / f"audit_listing_{dialect}.md"
    results.write_text(text_out + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
