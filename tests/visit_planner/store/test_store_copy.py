"""``Store.copy``: a whole store into another, empty database (SQLite <-> PostgreSQL), checked
row for row, the audit chain carried over and verified, refusals that leave both unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.visit_planner.store.helpers import pg_database, publish, raw_sql, tamper_audit
from visit_planner.errors import LoginError, StoreError
from visit_planner.store import Store
from visit_planner.store import copy as store_copy
from visit_planner.store.rows import AuditCheck

PASSWORD = "correct horse 7"
TODAY = date(2026, 5, 2)


@pytest.fixture
def other_url(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A new, empty database of the other kind than ``db_url``'s: the copy crosses over."""
    if db_url.startswith("sqlite"):
        with pg_database(request.getfixturevalue("pg_admin_url")) as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'copy.db'}"


def _fill(store: Store) -> None:
    """Every kind of row: accounts, a failed sign-in, a plan and its amendment with
    townships, overrides (one revoked) with outcomes, and their audit entries."""
    store.add_user("plan01", "planner", scope_kind="prefecture", password=PASSWORD, actor="root")
    store.add_user(
        "lead01",
        "supervisor",
        scope_kind="township",
        scope_id="532621101",
        password=PASSWORD,
        actor="plan01",
    )
    with pytest.raises(LoginError):
        store.authenticate("lead01", "not-the-password-9", client="10.0.0.7")
    plan = publish(store, "2026-05")
    amend = publish(store, "2026-05", kind="amend", parent_run_id=plan.run_id)
    tier = store.add_override(
        "tier", "H0000001", author="lead01", reason="flood damage", tier=1, today=TODAY
    )
    pin = store.add_override(
        "pin", "H0000002", author="lead01", reason="knows W07", worker_id="W07", today=TODAY
    )
    store.revoke_override(pin.id, "lead01", "moved away")
    store.record_outcomes(amend.run_id, [(tier.id, "applied", "tier set")])


def _contents(store: Store) -> dict[str, object]:
    runs = store.list_runs()
    return {
        "runs": runs,
        "townships": [store.run_townships(r.run_id) for r in runs],
        "outcomes": [store.outcomes(r.run_id) for r in runs],
        "overrides": store.list_overrides(),
        "users": store.list_users(),
        "failures": store.client_failures(),
    }


def test_a_store_moves_whole_to_the_other_kind_of_database(db_url: str, other_url: str) -> None:
    with Store.open(db_url) as source:
        _fill(source)
        before = _contents(source)
        entries = source.audit_entries()
        head = source.verify_audit()
    result = Store.copy(db_url, other_url, actor="root")
    assert result.rows["runs"] == 2 and result.rows["overrides"] == 2
    assert result.rows["audit"] == len(entries) and result.head_seq == len(entries) + 1
    with Store.open(other_url, create=False) as copy:
        assert _contents(copy) == before  # every row, timestamps as the same moments
        copied = copy.audit_entries()
        assert copied[:-1] == entries  # the same chain, hash for hash
        last = copied[-1]
        assert (last.action, last.actor, last.prev_hash) == ("store.copy", "root", head.head_hash)
        assert last.details["from_head"] == f"#{head.head_seq}"
        assert last.details["rows"]["audit"] == len(entries)
        check = copy.verify_audit()
        assert check.ok and (check.head_seq, check.head_hash) == (result.head_seq, result.head_hash)
        # The copy is a working store: a password signs in, new ids follow the copied ones
        # (PostgreSQL's sequences were moved past them), the chain goes on.
        assert copy.authenticate("lead01", PASSWORD).username == "lead01"
        new = copy.add_override(
            "forbid", "H0000003", author="lead01", reason="conflict", worker_id="W09", today=TODAY
        )
        assert new.id == 3
        assert copy.verify_audit().ok
    with Store.open(db_url, create=False) as source:  # only read
        assert _contents(source) == before and source.audit_entries() == entries


def test_a_target_with_rows_is_refused_and_left_as_it_was(db_url: str, tmp_path: Path) -> None:
    target = f"sqlite:///{tmp_path / 'target.db'}"
    with Store.open(db_url) as source:
        publish(source)
    with Store.open(target) as other:
        publish(other, "2026-06")
    with pytest.raises(StoreError, match="already holds rows in runs, run_townships, audit"):
        Store.copy(db_url, target, actor="root")
    with Store.open(target, create=False) as other:
        assert [r.month for r in other.list_runs()] == ["2026-06"]
        assert len(other.audit_entries()) == 1


def test_copying_a_store_onto_itself_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    Store.open(url).close()
    same = f"sqlite:///{tmp_path / 'x' / '..' / 'store.db'}"
    (tmp_path / "x").mkdir()
    with pytest.raises(StoreError, match="names the store being copied"):
        Store.copy(url, same, actor="root")


def test_a_source_holding_a_months_lock_is_refused(db_url: str, tmp_path: Path) -> None:
    target = tmp_path / "target.db"
    busy = pytest.raises(StoreError, match="holds the planning lock of 2026-05")
    with Store.open(db_url) as source, source.month_lock("2026-05"), busy:
        Store.copy(db_url, f"sqlite:///{target}", actor="root")
    assert not target.exists()  # no partial output: the file it would have made is not there


def test_a_broken_audit_log_is_not_copied(db_url: str, tmp_path: Path) -> None:
    with Store.open(db_url) as source:
        publish(source)
        publish(source, "2026-06")
    tamper_audit(db_url, "DELETE FROM audit WHERE seq = 1")
    with pytest.raises(StoreError, match=r"audit log broken at entry 1.*was not copied"):
        Store.copy(db_url, f"sqlite:///{tmp_path / 'target.db'}", actor="root")
    assert not (tmp_path / "target.db").exists()


def test_a_copy_that_does_not_verify_keeps_nothing(
    db_url: str, other_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All or nothing: the check inside the target's transaction failing rolls back every
    row copied before it."""
    with Store.open(db_url) as source:
        _fill(source)
    real = store_copy.audit_log.verify
    calls: list[int] = []

    def second_check_fails(conn: object) -> AuditCheck:
        calls.append(1)
        check = real(conn)  # type: ignore[arg-type]
        return check if len(calls) == 1 else AuditCheck(False, 0, 3, "edited")

    monkeypatch.setattr(store_copy.audit_log, "verify", second_check_fails)
    with pytest.raises(StoreError, match=r"does not verify.*nothing was kept"):
        Store.copy(db_url, other_url, actor="root")
    monkeypatch.undo()
    # Not even the tables: they were made in the transaction rolled back (an SQLite file made
    # for the copy is gone), so the same command can be run again.
    assert Store.schema_status(other_url).state == "empty"
    if other_url.startswith("sqlite"):
        assert not Path(other_url.removeprefix("sqlite:///")).exists()
    else:
        assert raw_sql(other_url, "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'") == [
            (0,)
        ]
    assert Store.copy(db_url, other_url, actor="root").rows["runs"] == 2
