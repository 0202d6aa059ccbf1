"""Dashboard accounts: checks, argon2id passwords, sign-in with lockout, audit, migration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from argon2 import PasswordHasher
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import DBAPIError

from tests.visit_planner.store.helpers import (
    append_before_head,
    expect_line,
    finish,
    pg_database,
    raw_sql,
    spawn,
)
from visit_planner.errors import LoginError, StoreError, VisitPlannerError
from visit_planner.store import LOCKOUT, MAX_FAILED_LOGINS, Store, UserRow, head_revision, users
from visit_planner.store.engine import Database
from visit_planner.store.models import metadata
from visit_planner.store.schema import migrate

NOW = datetime(2026, 5, 2, 8, 0, tzinfo=UTC)
PASSWORD = "correct horse 7"
WRONG = "not-the-password-9"


def _add(
    store: Store,
    username: str = "planner01",
    *,
    role: str = "planner",
    scope_kind: str = "prefecture",
    scope_id: str | None = None,
    password: str = PASSWORD,
    actor: str = "admin01",
) -> UserRow:
    return store.add_user(
        username, role, scope_kind=scope_kind, scope_id=scope_id, password=password, actor=actor
    )


def _refused(store: Store, username: str, password: str, now: datetime = NOW) -> LoginError:
    with pytest.raises(LoginError) as refused:
        store.authenticate(username, password, now=now)
    return refused.value


# ---------------------------------------------------------------------- accounts


def test_add_get_and_list_users(store: Store) -> None:
    planner = _add(store, "planner01")
    lead = _add(store, "lead.qiubei", role="supervisor", scope_kind="county", scope_id="532626")
    viewer = _add(store, "viewer_01", role="viewer", scope_kind="township", scope_id="532626001")
    scientist = _add(store, "ds-01", role="data_scientist", actor="root")
    assert (planner.role, planner.scope_kind, planner.scope_id, planner.scope) == (
        "planner",
        "prefecture",
        None,
        "prefecture",
    )
    assert (lead.role, lead.scope, viewer.scope) == (
        "supervisor",
        "county:532626",
        "township:532626001",
    )
    assert (planner.active, planner.failed_logins, planner.locked_until) == (True, 0, None)
    assert (planner.created_by, scientist.created_by) == ("admin01", "root")
    assert planner.created_at == planner.password_changed_at
    assert planner.created_at.tzinfo is not None
    assert not hasattr(planner, "password_hash")  # the hash never leaves the store
    assert store.get_user("lead.qiubei") == lead
    assert store.list_users() == [scientist, lead, planner, viewer]  # by username
    entries = store.audit_entries()
    assert [(e.action, e.actor, e.subject) for e in entries] == [
        ("user.add", "admin01", "planner01"),
        ("user.add", "admin01", "lead.qiubei"),
        ("user.add", "admin01", "viewer_01"),
        ("user.add", "root", "ds-01"),
    ]
    assert entries[1].details == {
        "role": "supervisor",
        "scope_kind": "county",
        "scope_id": "532626",
    }
    with pytest.raises(StoreError, match="no user 'nobody'"):
        store.get_user("nobody")


BAD_ACCOUNTS = [
    ({"username": "ab"}, "3 to 32 characters"),
    ({"username": "x" * 33}, "3 to 32 characters"),
    ({"username": "Alice"}, "3 to 32 characters"),
    ({"username": "li wei"}, "3 to 32 characters"),
    ({"username": "张伟"}, "用户名"),
    ({"role": "admin"}, "role 'admin' is not one of planner, supervisor"),
    ({"scope_kind": "city", "scope_id": "5326"}, "scope 'city'"),
    ({"role": "supervisor"}, "a supervisor needs a county or township"),
    ({"scope_kind": "county", "scope_id": "53262"}, "must be 6 digits, e.g. 532626"),
    ({"scope_kind": "county", "scope_id": "53262a"}, "must be 6 digits"),
    ({"scope_kind": "county", "scope_id": "٥٣٢٦٢٦"}, "must be 6 digits"),  # Arabic-Indic digits
    ({"scope_kind": "county", "scope_id": None}, "county id None must be 6 digits"),
    ({"scope_kind": "township", "scope_id": "532626"}, "must be 9 digits, e.g. 532626001"),
    ({"scope_kind": "prefecture", "scope_id": "532626"}, "prefecture scope takes no id"),
    ({"password": "short-pw1"}, "too short: 9 characters, at least 10"),
    ({"password": ""}, "too short: 0 characters"),
    ({"actor": " "}, "actor is required"),
]


NAMES_BY_COLLATION = ["li_c", "lia", "li.b", "li-a", "li2", "lib"]
"""Account names a collation of the language sorts apart from their code points."""


def test_accounts_are_listed_by_code_point_on_either_database(store: Store) -> None:
    for name in NAMES_BY_COLLATION:
        _add(store, name)
    assert [u.username for u in store.list_users()] == sorted(NAMES_BY_COLLATION)


def test_accounts_are_listed_alike_in_a_database_of_another_collation(pg_admin_url: str) -> None:
    """A PostgreSQL database made in zh-CN (ICU) listed li_c, li-a, li.b, li2, lia, lib, where
    SQLite and a C database list li-a, li.b, li2, li_c, lia, lib: the same accounts in another
    order by backend."""
    zh = "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'zh-CN' LOCALE 'C.UTF-8'"
    with pg_database(pg_admin_url, zh) as db_url, Store.open(db_url) as store:
        collated = raw_sql(
            db_url,
            "SELECT x FROM (VALUES "
            + ", ".join(f"('{n}')" for n in NAMES_BY_COLLATION)
            + ") AS t(x) ORDER BY x",
        )
        assert [r[0] for r in collated] != sorted(NAMES_BY_COLLATION)  # the database's order
        for name in NAMES_BY_COLLATION:
            _add(store, name)
        assert [u.username for u in store.list_users()] == sorted(NAMES_BY_COLLATION)


def test_bad_accounts_are_refused(store: Store) -> None:
    _add(store, "planner01")
    for change, needle in BAD_ACCOUNTS:
        values: dict[str, Any] = {"username": "new_user", **change}
        with pytest.raises(StoreError) as refused:
            _add(store, **values)
        assert needle in str(refused.value), (change, str(refused.value))
        assert isinstance(refused.value, VisitPlannerError)  # the CLI prints it, no traceback
        if change.get("password"):
            assert str(change["password"]) not in str(refused.value)
    with pytest.raises(StoreError, match="'planner01' already exists"):
        _add(store, "planner01", role="viewer")
    assert [u.username for u in store.list_users()] == ["planner01"]
    assert store.get_user("planner01").role == "planner"
    assert [e.action for e in store.audit_entries()] == ["user.add"]  # refusals change nothing


# ---------------------------------------------------------------------- signing in


def test_a_right_password_signs_in_and_resets_the_counter(store: Store) -> None:
    _add(store)
    for n in (1, 2, 3):
        refused = _refused(store, "planner01", WRONG)
        assert (refused.reason, refused.locked_until) == ("wrong_password", None)
        assert store.get_user("planner01").failed_logins == n
    row = store.authenticate("planner01", PASSWORD, now=NOW)
    assert isinstance(row, UserRow)
    assert (row.username, row.role, row.scope_kind, row.scope_id) == (
        "planner01",
        "planner",
        "prefecture",
        None,
    )
    assert (row.failed_logins, row.locked_until) == (0, None)
    assert store.get_user("planner01") == row
    for _ in range(MAX_FAILED_LOGINS - 1):  # the counter starts again: 4 more do not lock
        _refused(store, "planner01", WRONG)
    assert store.get_user("planner01").locked_until is None
    assert store.authenticate("planner01", PASSWORD, now=NOW).failed_logins == 0


def test_five_failures_lock_the_account_for_15_minutes(store: Store) -> None:
    _add(store)
    assert MAX_FAILED_LOGINS == 5
    assert timedelta(minutes=15) == LOCKOUT
    for _ in range(4):
        assert _refused(store, "planner01", WRONG).reason == "wrong_password"
    locking = _refused(store, "planner01", WRONG, NOW + timedelta(seconds=30))
    until = NOW + timedelta(seconds=30) + LOCKOUT
    assert (locking.reason, locking.locked_until) == ("locked", until)
    assert "locked after 5 failed logins until 2026-05-02 16:15 Beijing time" in str(locking)
    assert str(locking).startswith(  # Chinese first, the English in brackets
        "用户名或密码错误; 连续登录失败 5 次，账号锁定至北京时间 2026-05-02 16:15 "
        "(wrong username or password; account planner01 is locked after 5 failed logins"
    )
    row = store.get_user("planner01")
    assert (row.failed_logins, row.locked_until) == (5, until)
    assert row.locked_at(until - timedelta(microseconds=1))
    assert not row.locked_at(until)

    # While locked even the right password is refused, saying until when; the lock stays.
    during = _refused(store, "planner01", PASSWORD, until - timedelta(seconds=1))
    assert (during.reason, during.locked_until) == ("locked", until)
    assert "until 2026-05-02 16:15 Beijing time" in str(during)
    assert "UTC" not in str(during)
    assert store.get_user("planner01").locked_until == until

    # At the end of the lock the right password works again and clears it.
    row = store.authenticate("planner01", PASSWORD, now=until)
    assert (row.failed_logins, row.locked_until) == (0, None)


def test_a_lock_that_ran_out_gives_fresh_attempts(store: Store) -> None:
    _add(store)
    for _ in range(MAX_FAILED_LOGINS):
        _refused(store, "planner01", WRONG)
    later = NOW + LOCKOUT + timedelta(minutes=1)
    assert _refused(store, "planner01", WRONG, later).reason == "wrong_password"
    row = store.get_user("planner01")
    assert (row.failed_logins, row.locked_until) == (1, None)


def test_unknown_users_and_wrong_passwords_look_the_same(store: Store) -> None:
    _add(store)
    unknown = _refused(store, "nobody", PASSWORD)
    wrong = _refused(store, "planner01", WRONG)
    assert (unknown.reason, wrong.reason) == ("unknown_user", "wrong_password")
    assert str(unknown) == str(wrong) == "用户名或密码错误 (wrong username or password)"
    assert isinstance(unknown, StoreError)


def test_disabled_accounts_cannot_sign_in(store: Store) -> None:
    _add(store)
    row = store.disable_user("planner01", "admin01", "left the county office")
    assert row.active is False
    refused = _refused(store, "planner01", PASSWORD)
    assert refused.reason == "disabled"
    assert "disabled" in str(refused) and "账号已停用" in str(refused)
    # Someone without the password learns nothing about the account's state.
    assert _refused(store, "planner01", WRONG).reason == "wrong_password"
    with pytest.raises(StoreError, match="already disabled"):
        store.disable_user("planner01", "admin01", "again")
    with pytest.raises(StoreError, match="no user 'nobody'"):
        store.disable_user("nobody", "admin01", "x")
    with pytest.raises(StoreError, match="reason is required"):
        store.disable_user("planner01", "admin01", "")
    assert store.audit_entries()[1].details == {"reason": "left the county office"}
    assert store.list_users() == [store.get_user("planner01")]  # kept, never deleted


def test_reset_password_unlocks_and_replaces_the_old_one(store: Store) -> None:
    added = _add(store)
    for _ in range(MAX_FAILED_LOGINS):
        _refused(store, "planner01", WRONG)
    new_password = "a new password 42"
    with pytest.raises(StoreError, match="too short"):
        store.reset_password("planner01", "short", "admin01")
    with pytest.raises(StoreError, match="no user 'nobody'"):
        store.reset_password("nobody", new_password, "admin01")
    row = store.reset_password("planner01", new_password, "admin01")
    assert (row.failed_logins, row.locked_until) == (0, None)
    assert row.password_changed_at > added.password_changed_at
    assert _refused(store, "planner01", PASSWORD).reason == "wrong_password"
    assert store.authenticate("planner01", new_password, now=NOW).username == "planner01"
    reset = next(e for e in store.audit_entries() if e.action == "user.password_reset")
    assert (reset.actor, reset.subject) == ("admin01", "planner01")
    assert reset.details == {
        "failed_logins_cleared": MAX_FAILED_LOGINS,
        "lock_cleared": (NOW + LOCKOUT).isoformat(timespec="microseconds"),
    }


def test_every_attempt_is_audited_and_the_chain_verifies(store: Store) -> None:
    _add(store)
    _add(store, "viewer01", role="viewer")
    store.disable_user("viewer01", "admin01", "test")
    store.authenticate("planner01", PASSWORD, now=NOW)
    _refused(store, "ghost", PASSWORD)
    _refused(store, "viewer01", PASSWORD)
    for _ in range(MAX_FAILED_LOGINS):
        _refused(store, "planner01", WRONG)
    _refused(store, "planner01", PASSWORD)  # locked
    _refused(store, "", PASSWORD)
    _refused(store, "x\n" * 50, PASSWORD)
    _refused(store, "Zhang-Wei.2026!", PASSWORD)  # a password typed into the username box
    logins = [e for e in store.audit_entries() if e.action.startswith("login")]
    assert [(e.action, e.actor, e.subject, e.details.get("reason")) for e in logins] == [
        ("login", "planner01", "planner01", None),
        ("login.failed", "anonymous", "ghost", "unknown_user"),
        ("login.failed", "anonymous", "viewer01", "disabled"),
        *[("login.failed", "anonymous", "planner01", "wrong_password")] * 4,
        ("login.locked", "anonymous", "planner01", "wrong_password"),
        ("login.failed", "anonymous", "planner01", "locked"),
        ("login.failed", "anonymous", "(blank)", "unknown_user"),
        ("login.failed", "anonymous", "(not a username)", "unknown_user"),
        ("login.failed", "anonymous", "(not a username)", "unknown_user"),
    ]
    # what no account could be called is never kept as typed: the log can never be cut
    assert not [e for e in store.audit_entries() if "Zhang-Wei" in f"{e.subject}{e.details}"]
    assert logins[0].details == {"rehashed": False}
    assert [e.details["failed_logins"] for e in logins[3:8]] == [1, 2, 3, 4, 5]
    until = (NOW + LOCKOUT).isoformat(timespec="microseconds")
    assert logins[7].details["locked_until"] == until
    assert logins[8].details == {"reason": "locked", "locked_until": until}
    check = store.verify_audit()
    assert check.ok, check.message


def test_every_attempt_records_the_address_it_came_from(store: Store) -> None:
    """The audit of a sign-in names the client address the caller gives, whatever the
    outcome (success, unknown name, wrong password, the lock, a locked or disabled account),
    made printable and cut like a subject; without one (the store's API) none is recorded."""
    _add(store)
    _add(store, "viewer01", role="viewer")
    store.disable_user("viewer01", "admin01", "test")
    at = "203.0.113.7"
    store.authenticate("planner01", PASSWORD, now=NOW, client=at)
    for name, password in [("ghost", PASSWORD), ("viewer01", PASSWORD)]:
        with pytest.raises(LoginError):
            store.authenticate(name, password, now=NOW, client=at)
    for _ in range(MAX_FAILED_LOGINS + 1):  # the last one while locked
        with pytest.raises(LoginError):
            store.authenticate("planner01", WRONG, now=NOW, client="2001:db8::5")
    with pytest.raises(LoginError):
        store.authenticate("ghost", PASSWORD, now=NOW, client="\n" + "9" * 100)
    store.authenticate("planner01", PASSWORD, now=NOW + LOCKOUT * 2)
    logins = [e for e in store.audit_entries() if e.action.startswith("login")]
    assert [(e.action, e.details.get("client")) for e in logins] == [
        ("login", at),
        ("login.failed", at),
        ("login.failed", at),
        *[("login.failed", "2001:db8::5")] * 4,
        ("login.locked", "2001:db8::5"),
        ("login.failed", "2001:db8::5"),
        ("login.failed", "?" + "9" * 62 + "…"),
        ("login", None),
    ]
    assert "client" not in logins[-1].details
    assert store.verify_audit().ok


def test_an_account_changes_its_own_password(store: Store) -> None:
    """The current password is checked (a wrong one counts towards the lock), the new one must
    meet the policy and differ; success replaces the hash and the stamp that ends the other
    sessions, audited with the client address, never a password."""
    before = _add(store)
    with pytest.raises(StoreError, match="too short"):
        store.change_password("planner01", PASSWORD, "short")
    with pytest.raises(StoreError, match="must differ"):
        store.change_password("planner01", PASSWORD, PASSWORD)
    with pytest.raises(LoginError, match="current password is wrong") as wrong:
        store.change_password("planner01", WRONG, "a new pass 2026", client="203.0.113.7")
    assert wrong.value.reason == "wrong_password"
    assert store.get_user("planner01").failed_logins == 1
    after = store.change_password("planner01", PASSWORD, "a new pass 2026", client="203.0.113.7")
    assert after.password_changed_at > before.password_changed_at and after.failed_logins == 0
    with pytest.raises(LoginError):
        store.authenticate("planner01", PASSWORD)
    store.authenticate("planner01", "a new pass 2026")
    changes = [e for e in store.audit_entries() if e.action.startswith("user.password_change")]
    assert [(e.action, e.actor, e.subject, e.details) for e in changes] == [
        (
            "user.password_change_refused", "planner01", "planner01",
            {"reason": "wrong_password", "failed_logins": 1, "locked_until": None,
             "client": "203.0.113.7"},
        ),
        ("user.password_change", "planner01", "planner01", {"client": "203.0.113.7"}),
    ]  # fmt: skip
    assert not [e for e in store.audit_entries() if "new pass" in str(e)]
    assert store.verify_audit().ok


def test_wrong_current_passwords_lock_the_account_as_sign_ins_do(store: Store) -> None:
    _add(store)
    for _ in range(MAX_FAILED_LOGINS - 1):
        with pytest.raises(LoginError):
            store.change_password("planner01", WRONG, "a new pass 2026")
    with pytest.raises(LoginError) as locked:
        store.change_password("planner01", WRONG, "a new pass 2026")
    assert locked.value.reason == "locked" and locked.value.locked_until is not None
    with pytest.raises(LoginError) as still:  # the right one too, while locked
        store.change_password("planner01", PASSWORD, "a new pass 2026")
    assert still.value.reason == "locked"
    with pytest.raises(LoginError, match="locked"):
        store.authenticate("planner01", PASSWORD)


def test_no_password_text_is_stored_anywhere(store: Store, db_url: str) -> None:
    first, second, typo = "first secret pw 1", "second secret pw 2", "typo secret pw 3"
    _add(store, password=first)
    store.authenticate("planner01", first, now=NOW)
    _refused(store, "planner01", typo)
    _refused(store, first, first)  # a password typed into the name field
    store.reset_password("planner01", second, "admin01")
    store.authenticate("planner01", second, now=NOW)
    _refused(store, "planner01", first)
    tables = ["users", "audit", "runs", "run_townships", "overrides", "month_locks"]
    cells = [str(v) for t in tables for row in raw_sql(db_url, f"SELECT * FROM {t}") for v in row]
    assert cells  # something was read
    for secret in (first, second, typo):
        assert not [c for c in cells if secret in c]
    # The password typed as a username is no name an account could have (it has spaces): the
    # audit log, which can never be cut, keeps that an unknown name was tried, not the text.
    assert [e.subject for e in store.audit_entries() if e.action == "login.failed"][1] == (
        "(not a username)"
    )
    ((stored_hash,),) = raw_sql(db_url, "SELECT password_hash FROM users")
    assert stored_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(stored_hash, second)


@pytest.mark.real_argon2
def test_an_outdated_hash_is_replaced_at_sign_in(store: Store, db_url: str) -> None:
    _add(store)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    raw_sql(db_url, f"UPDATE users SET password_hash = '{weak}'")
    before = store.get_user("planner01")
    store.authenticate("planner01", PASSWORD, now=NOW)
    ((stored,),) = raw_sql(db_url, "SELECT password_hash FROM users")
    assert stored != weak and not PasswordHasher().check_needs_rehash(stored)
    assert store.audit_entries()[-1].details == {"rehashed": True}
    assert store.get_user("planner01").password_changed_at == before.password_changed_at
    raw_sql(db_url, "UPDATE users SET password_hash = 'not a hash'")
    assert _refused(store, "planner01", PASSWORD).reason == "wrong_password"


GUESSER = """
import sys
from visit_planner.errors import LoginError
from visit_planner.store import Store
store = Store.open(sys.argv[1], busy_timeout=60)
print("ready", flush=True)
sys.stdin.readline()
for _ in range(int(sys.argv[2])):
    try:
        store.authenticate("planner01", "wrong guess 123")
    except LoginError as err:
        print(err.reason, flush=True)
"""


def test_concurrent_failures_are_all_counted(store: Store, db_url: str) -> None:
    _add(store)
    procs = [spawn(GUESSER, db_url, "3") for _ in range(2)]
    for proc in procs:
        expect_line(proc, "ready")
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    reasons = sorted(" ".join(finish(procs)).split())
    assert reasons.count("wrong_password") == MAX_FAILED_LOGINS - 1
    assert reasons.count("locked") == 2  # the one that locked it, and one after
    actions = [e.action for e in store.audit_entries() if e.action.startswith("login")]
    assert sorted(actions) == ["login.failed"] * 5 + ["login.locked"]
    assert store.get_user("planner01").failed_logins == MAX_FAILED_LOGINS
    assert store.verify_audit().ok


# ---------------------------------------------------------------------- schema


def test_a_store_at_the_previous_revision_is_refused_until_upgraded(
    db_url: str, dialect: str
) -> None:
    assert head_revision() == "0007"
    db = Database.connect(db_url)
    try:
        with db.write() as conn:
            migrate(conn, "0002")
            append_before_head(conn, "publish", "planner01", "run-before-users", {"version": 1})
    finally:
        db.dispose()
    with pytest.raises(StoreError) as refused:
        Store.open(db_url)
    assert "0002" in str(refused.value)
    assert "visit-planner store upgrade" in str(refused.value)

    result = Store.upgrade(db_url, actor="admin01")
    assert (result.before, result.after, result.changed) == ("0002", "0007", True)
    with Store.open(db_url) as store:
        assert store.list_users() == []
        _add(store)
        assert store.authenticate("planner01", PASSWORD, now=NOW).username == "planner01"
        entries = store.audit_entries()
        assert [e.action for e in entries] == ["publish", "store.upgrade", "user.add", "login"]
        assert entries[1].details == {"from": "0002", "to": "0007"}
        assert store.verify_audit().ok
    if dialect == "postgresql":  # the audit log's triggers stay: still append-only
        with pytest.raises(DBAPIError, match="append-only"):
            raw_sql(db_url, "UPDATE audit SET actor = 'someone' WHERE seq = 1")
        raw_sql(db_url, "UPDATE users SET failed_logins = 1")  # accounts do change

    db = Database.connect(db_url)
    try:
        with db.write() as conn:
            migrate(conn, "0002")  # down again: the table goes, the rest stays
        with db.read() as conn:
            present = set(inspect(conn).get_table_names())
    finally:
        db.dispose()
    assert "users" not in present
    assert set(metadata.tables) - {"users", "audit_head", "login_failures"} <= present


def test_the_migration_builds_the_users_table_of_the_module(db_url: str) -> None:
    Store.open(db_url).close()
    assert "users" in metadata.tables
    db = Database.connect(db_url)
    try:
        with db.read() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        db.dispose()
    assert diff == []


# ---------------------------------------------------------------------- e-mail (0004)


def test_an_account_may_carry_one_unique_email(store: Store) -> None:
    row = store.add_user(
        "sup01", "supervisor", scope_kind="county", scope_id="532626", password=PASSWORD,
        actor="admin01", email="  Li.Ming@Example.ORG ",
    )  # fmt: skip
    assert row.email == "li.ming@example.org"
    assert _add(store, "planner02").email is None
    assert store.get_user_by_email("LI.MING@example.org").username == "sup01"
    assert {u.username: u.email for u in store.list_users()} == {
        "planner02": None,
        "sup01": "li.ming@example.org",
    }
    with pytest.raises(StoreError, match="already belongs to user 'sup01'"):
        store.add_user(
            "sup02", "supervisor", scope_kind="county", scope_id="532626", password=PASSWORD,
            actor="admin01", email="li.ming@EXAMPLE.org",
        )  # fmt: skip
    for bad in ("li ming@example.org", "no-at-sign", "a@b", "x" * 250 + "@e.org"):
        with pytest.raises(StoreError, match="电子邮箱格式无效"):
            store.add_user(
                "viewer09", "viewer", scope_kind="prefecture", password=PASSWORD,
                actor="admin01", email=bad,
            )  # fmt: skip
    with pytest.raises(StoreError, match="找不到该邮箱的用户"):
        store.get_user_by_email("nobody@example.org")
    added = [e for e in store.audit_entries() if e.action == "user.add"]
    assert [e.details.get("email") for e in added] == [True, None]  # never the address itself
    assert "li.ming" not in str([e.details for e in store.audit_entries()])


def test_upgrading_to_0004_keeps_accounts_without_an_email(db_url: str) -> None:
    db = Database.connect(db_url)
    try:
        with db.write() as conn:
            migrate(conn, "0003")
    finally:
        db.dispose()
    raw_sql(
        db_url,
        "INSERT INTO users (username, role, scope_kind, scope_id, password_hash, active, "
        "failed_logins, created_at, created_by, password_changed_at) VALUES ('old01', "
        "'viewer', 'prefecture', NULL, 'x', TRUE, 0, '2026-01-01 00:00:00+00', 'admin01', "
        "'2026-01-01 00:00:00+00')",
    )
    assert Store.upgrade(db_url, actor="admin01").after == "0007"
    with Store.open(db_url) as store:
        assert [(u.username, u.email) for u in store.list_users()] == [("old01", None)]
    db = Database.connect(db_url)
    try:
        with db.write() as conn:
            migrate(conn, "0003")  # down again: the column goes, the account stays
        with db.read() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("users")}
    finally:
        db.dispose()
    assert "email" not in columns and "username" in columns


# ---------------------------------------------------------------------- password policy

WEAK_PASSWORDS = [  # (password, what the message says is wrong with it)
    ("123456789012", "commonly used password"),  # 12 characters: long enough, and guessed first
    ("planner01-2026", "contains the account's username"),
    ("PLANNER01xyz", "contains the account's username"),  # any case
    ("Planner-01 river", "contains the account's username"),  # without its separators
    ("abcdefghijklmn", "consecutive letters or digits"),
    ("zzzzzzzzzzzz", "one character or word repeated"),
    ("zxcvbnm,./lkj", "neighbouring keys"),
    ("password1234", "commonly used password"),
]


def test_weak_passwords_are_refused_for_a_new_account(store: Store) -> None:
    """``123456789012`` and the account's own name were accepted: length was the only rule."""
    for password, why in WEAK_PASSWORDS:
        with pytest.raises(StoreError) as refused:
            _add(store, "planner01", password=password)
        message = str(refused.value)
        assert "(the password is too easy to guess: it " in message, (password, message)
        assert why in message, (password, message)
        assert password not in message and password.lower() not in message.lower()
        assert message.startswith("密码太容易被猜到：")
        assert "Choose a longer one made of several unrelated words or random characters" in (
            message
        )
    assert store.list_users() == [] and store.audit_entries() == []  # nothing written
    assert _add(store, "planner01", password="river jade kettle 42").active  # words pass


def test_weak_passwords_are_refused_on_reset_and_on_change(store: Store) -> None:
    before = _add(store)
    with pytest.raises(StoreError, match="contains the account's username"):
        store.reset_password("planner01", "planner01planner01", "admin01")
    with pytest.raises(StoreError, match="commonly used password"):
        store.change_password("planner01", PASSWORD, "123456789012")
    row = store.get_user("planner01")
    assert row.password_changed_at == before.password_changed_at and row.failed_logins == 0
    assert store.authenticate("planner01", PASSWORD, now=NOW).username == "planner01"
    assert [e.action for e in store.audit_entries()] == ["user.add", "login"]


def test_generated_passwords_meet_the_policy() -> None:
    for _ in range(200):
        password = users.generate_password(username="abc")
        assert users.check_password(password, "abc") == password
        assert "abc" not in password.lower()


# ---------------------------------------------------------------------- one client address

SPRAYER = "203.0.113.66"


def test_one_address_failing_on_many_accounts_is_paused(store: Store) -> None:
    """Password spraying: one guess on each of many accounts never reaches an account's own
    lock (5 in a row); 20 failures from one address within 15 minutes pause sign-in from it,
    to every account and with the right password too, audited, until the first of them is
    15 minutes old. Other addresses and the store's API (no address) are not affected."""
    names = [f"planner{n:02d}" for n in range(4)]
    for name in names:
        _add(store, name)
    assert users.MAX_CLIENT_FAILURES == 20
    assert timedelta(minutes=15) == users.CLIENT_WINDOW
    step = timedelta(seconds=20)
    for n in range(users.MAX_CLIENT_FAILURES - 1):  # one guess per account, and unknown names
        name = names[n % 4] if n % 5 else f"ghost{n:02d}"
        refused = _refused_from(store, name, WRONG, NOW + n * step)
        assert refused.reason in ("wrong_password", "unknown_user"), (n, refused.reason)
    assert all(store.get_user(name).locked_until is None for name in names)  # no account lock
    counted = store.get_user("planner01").failed_logins

    last = NOW + (users.MAX_CLIENT_FAILURES - 1) * step
    reaching = _refused_from(store, "planner00", WRONG, last)
    until = NOW + users.CLIENT_WINDOW  # when the first of the 20 stops counting
    assert (reaching.reason, reaching.locked_until) == ("client_blocked", until)
    assert str(reaching).startswith(
        "用户名或密码错误; 此地址 15 分钟内登录失败 20 次，暂停从此地址登录至北京时间 "
        "2026-05-02 16:15 (wrong username or password; 20 failed sign-ins from this address "
        "within 15 minutes: sign-in from it, to any account, is paused until 2026-05-02 16:15"
    )

    during = _refused_from(store, "planner01", PASSWORD, until - timedelta(seconds=1))
    assert (during.reason, during.locked_until) == ("client_blocked", until)
    assert store.get_user("planner01").failed_logins == counted  # not checked, not counted
    assert store.authenticate("planner01", PASSWORD, now=last, client="203.0.113.67")
    assert store.authenticate("planner02", PASSWORD, now=last)  # no address: the CLI's API
    assert store.authenticate("planner03", PASSWORD, now=until, client=SPRAYER)  # resumed

    entries = [e for e in store.audit_entries() if e.action.startswith("login")]
    blocked = [e for e in entries if e.action == "login.client_blocked"]
    assert [(e.actor, e.subject, e.details) for e in blocked] == [
        (
            users.ANONYMOUS, SPRAYER,
            {"failed_logins": 20, "window_minutes": 15,
             "blocked_until": "2026-05-02T08:15:00.000000+00:00", "client": SPRAYER},
        )
    ]  # fmt: skip
    paused = [e for e in entries if e.details.get("reason") == "client_blocked"]
    assert [(e.action, e.subject, e.details["client"]) for e in paused] == [
        ("login.failed", "planner01", SPRAYER)
    ]
    assert store.verify_audit().ok


def test_the_window_slides_and_old_failures_are_forgotten(store: Store, db_url: str) -> None:
    """Failures spread wider than the window never pause an address (an office where people
    mistype now and then), and rows older than the window are deleted as new ones come."""
    _add(store)
    step = users.CLIENT_WINDOW / 10  # 10 per window: half the limit
    for n in range(3 * users.MAX_CLIENT_FAILURES // 2):
        assert _refused_from(store, "planner01", WRONG, NOW + n * step).reason in (
            "wrong_password",
            "locked",
        )
    db = Database.connect(db_url)
    try:
        with db.read() as conn:
            kept = conn.execute(select(func.count()).select_from(users.login_failures_table))
            assert kept.scalar_one() == 10  # the last window's only
    finally:
        db.dispose()


def _refused_from(store: Store, username: str, password: str, now: datetime) -> LoginError:
    with pytest.raises(LoginError) as refused:
        store.authenticate(username, password, now=now, client=SPRAYER)
    return refused.value
