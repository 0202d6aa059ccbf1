"""``store copy`` of a long-used store: seconds to copy it whole into another database.

Usage::

    .venv/bin/python bench/bench_store_copy.py                       # into a new SQLite file
    .venv/bin/python bench/bench_store_copy.py --to postgresql+psycopg://...   # an empty database

Builds a scratch SQLite store as years of use leave it: ``--entries`` audit entries (a valid
hash chain, since the copy verifies it before and after), ``--months`` months of runs (a plan
and an amendment each, 104 townships apiece, as at prefecture scale), 600 accounts and 2,000
overrides; then times :meth:`visit_planner.store.Store.copy` into the target (a new SQLite
file, or the empty PostgreSQL database given) and the target's own ``audit verify``. Writes
``bench/results/store_copy_<dialect>.md``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from visit_planner.store import Store
from visit_planner.store import audit as audit_log
from visit_planner.store.codec import canonical_json, parse_json
from visit_planner.store.engine import Database, parse_store_url
from visit_planner.store.models import audit, audit_head, overrides, run_townships, runs
from visit_planner.store.schema import ensure_current
from visit_planner.store.users import users_table

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2021, 12, 1, tzinfo=UTC)
TOWNSHIPS = 104


def _chain(n: int) -> list[dict[str, Any]]:
    """``n`` audit entries over five years, hash-chained as :func:`audit.append` writes them."""
    step = timedelta(days=5 * 365) / max(n, 1)
    rows, prev = [], audit_log.GENESIS
    for i in range(1, n + 1):
        action = "login.failed" if i % 97 == 0 else "login"
        details_json = canonical_json({"client": f"10.0.{i % 250}.{i % 200}"})
        at = START + step * i
        digest = audit_log.entry_hash(
            prev,
            seq=i,
            at=at,
            actor=f"user{i % 600:03d}",
            action=action,
            subject=f"user{i % 600:03d}",
            details=parse_json(details_json),
        )
        rows.append(
            {
                "seq": i,
                "at": at,
                "actor": f"user{i % 600:03d}",
                "action": action,
                "subject": f"user{i % 600:03d}",
                "details_json": details_json,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    return rows


def fill(url: str, entries: int, months: int) -> float:
    """A store at head at ``url`` holding the rows the module docstring lists; seconds."""
    t0 = time.perf_counter()
    db = Database.connect(url)
    ensure_current(db, create=True)
    chain = _chain(entries)
    now = START
    with db.write() as conn:
        conn.execute(
            insert(users_table),
            [
                {
                    "username": f"user{i:03d}",
                    "role": "viewer",
                    "scope_kind": "prefecture",
                    "scope_id": None,
                    "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$" + "x" * 60,
                    "active": True,
                    "failed_logins": 0,
                    "locked_until": None,
                    "created_at": now,
                    "created_by": "root",
                    "password_changed_at": now,
                    "email": None,
                }
                for i in range(600)
            ],
        )
        for m in range(months):
            month = f"{2022 + m // 12}-{m % 12 + 1:02d}"
            parent = None
            for version, kind in ((1, "plan"), (2, "amend")):
                run_id = uuid.uuid4().hex
                conn.execute(
                    insert(runs).values(
                        run_id=run_id,
                        month=month,
                        version=version,
                        kind=kind,
                        parent_run_id=parent,
                        status="current" if kind == "amend" else "superseded",
                        created_at=now,
                        created_by="planner01",
                        model_version="risk-tier v3",
                        policy_sha256="a" * 64,
                        policy_text="[tiers.1]\nvisits_per_month = 2\n" * 20,
                        inputs_json="{}",
                        code_version="0.1.0",
                        metrics_json=canonical_json({"coverage_tier1": 0.99}),
                        plan_sha256="b" * 64,
                        path=f"runs/{month}/{run_id}",
                    )
                )
                conn.execute(
                    insert(run_townships),
                    [
                        {
                            "run_id": run_id,
                            "township_id": f"5326{t:05d}",
                            "plan_sha256": "c" * 64,
                            "status": "optimal",
                            "diagnostics_json": canonical_json(
                                {"households": 10_000, "gap": 0.001}
                            ),
                        }
                        for t in range(TOWNSHIPS)
                    ],
                )
                parent = run_id
        conn.execute(
            insert(overrides),
            [
                {
                    "kind": "tier",
                    "household_id": f"H{i:07d}",
                    "tier": 1,
                    "author": "lead01",
                    "reason": "flood damage",
                    "created_at": now,
                    "status": "active",
                }
                for i in range(2_000)
            ],
        )
        for i in range(0, len(chain), 5_000):
            conn.execute(insert(audit), chain[i : i + 5_000])
        if chain:
            conn.execute(insert(audit_head).values(id=1, seq=entries, hash=chain[-1]["hash"]))
    db.dispose()
    return time.perf_counter() - t0


def main() -> None:
    """Build the source, copy it, verify the copy, write the table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--months", type=int, default=60)
    ap.add_argument("--to", default=None, help="an empty database (default: a new SQLite file)")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = f"sqlite:///{Path(tmp) / 'store.db'}"
        target = args.to or f"sqlite:///{Path(tmp) / 'copy.db'}"
        dialect = parse_store_url(target).get_backend_name()
        # Built in a child process, so that this one's peak memory is the copy's own.
        t0 = time.perf_counter()
        child = multiprocessing.get_context("spawn").Process(
            target=fill, args=(source, args.entries, args.months)
        )
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit(f"building the source store failed (exit {child.exitcode})")
        print(f"source built in {time.perf_counter() - t0:.1f} s", flush=True)
        t0 = time.perf_counter()
        cpu0 = time.process_time()
        result = Store.copy(source, target, actor="bench")
        seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        t0 = time.perf_counter()
        with Store.open(target, create=False) as copy:
            check = copy.verify_audit()
        verify = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert check.ok and check.head_seq == result.head_seq
    rows = ", ".join(f"{k} {v:,}" for k, v in result.rows.items())
    lines = [
        f"# store copy: SQLite into {dialect}",
        "",
        f"Command: `.venv/bin/python bench/bench_store_copy.py --entries {args.entries} "
        f"--months {args.months}{' --to URL' if args.to else ''}` "
        f"({datetime.now(UTC):%Y-%m-%d %H:%M} UTC). Machine: 2 cores; the target "
        f"{'a local PostgreSQL server' if args.to else 'a new SQLite file'}.",
        "",
        f"- rows copied: {rows}",
        f"- `Store.copy` (verify the source, copy in one transaction, verify the copy): "
        f"**{seconds:.1f} s** wall, {cpu:.1f} CPU s of this process; peak memory "
        f"{peak:,.0f} MB (the copying process; the source is built in another)",
        f"- `audit verify` of the copy afterwards: {verify:.1f} s; head #{check.head_seq}",
        "- load average at the end {:.1f} / {:.1f} / {:.1f} (1/5/15 min) on 2 cores".format(
            *os.getloadavg()
        ),
    ]
    args.results.mkdir(parents=True, exist_ok=True)
    out = args.results / f"store_copy_{dialect}.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
