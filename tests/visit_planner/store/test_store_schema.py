"""Opening the store: a new database at head, older ones refused until upgraded, clear errors."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import exc, text

from tests.conftest import CliRun
from tests.visit_planner.helpers import flat
from tests.visit_planner.store.helpers import (
    append_before_head,
    pg_database,
    pg_login_role,
    publish,
    raw_engine,
    raw_sql,
)
from visit_planner.errors import StoreError, VisitPlannerError
from visit_planner.paths import Workspace
from visit_planner.store import STORE_URL_ENV, Store, head_revision
from visit_planner.store.engine import Database, parse_store_url
from visit_planner.store.models import metadata
from visit_planner.store.schema import SchemaStatus, migrate, refusal

TABLES = {
    "runs",
    "run_townships",
    "overrides",
    "override_outcomes",
    "audit",
    "audit_head",
    "month_locks",
    "users",
    "login_failures",
}


def _tables(db_url: str, dialect: str) -> set[str]:
    if dialect == "sqlite":
        rows = raw_sql(db_url, "SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        rows = raw_sql(db_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {r[0] for r in rows} - {"sqlite_sequence"}


def test_a_new_database_is_created_at_head(db_url: str, dialect: str) -> None:
    with Store.open(db_url) as store:
        assert store.dialect == dialect
        assert store.list_runs() == []
        assert store.audit_entries() == []
    assert _tables(db_url, dialect) == TABLES | {"alembic_version"}
    status = Store.schema_status(db_url)
    assert (status.state, status.current, status.head) == ("current", head_revision(), "0007")
    if dialect == "sqlite":
        assert raw_sql(db_url, "PRAGMA journal_mode")[0][0] == "wal"


def test_the_migrations_build_exactly_the_models(db_url: str) -> None:
    Store.open(db_url).close()
    db = Database.connect(db_url)
    try:
        with db.read() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        db.dispose()
    assert diff == []


def test_an_older_schema_is_refused_until_upgraded(db_url: str) -> None:
    db = Database.connect(db_url)
    try:
        with db.write() as conn:
            migrate(conn, "0001")
            append_before_head(conn, "publish", "planner01", "run-before-upgrade", {"version": 1})
    finally:
        db.dispose()

    with pytest.raises(StoreError) as refused:
        Store.open(db_url)
    message = str(refused.value)
    assert "0001" in message
    assert "visit-planner store upgrade" in message
    assert "overrides" not in raw_sql(db_url, "SELECT * FROM alembic_version")[0]

    result = Store.upgrade(db_url, actor="admin01")
    assert (result.before, result.after, result.changed) == ("0001", "0007", True)
    assert Store.upgrade(db_url, actor="admin01").changed is False  # idempotent
    with Store.open(db_url) as store:
        entries = store.audit_entries()
        assert [(e.seq, e.action, e.actor) for e in entries] == [
            (1, "publish", "planner01"),
            (2, "store.upgrade", "admin01"),
        ]
        assert entries[1].details == {"from": "0001", "to": "0007"}
        assert store.verify_audit().ok
        row = store.add_override("pin", "H0000001", author="a", reason="r", worker_id="W01")
        assert row.id == 1


def test_downgrade_to_base_and_back(db_url: str, dialect: str) -> None:
    Store.open(db_url).close()
    db = Database.connect(db_url)
    try:
        with db.write() as conn:
            migrate(conn, "base")
    finally:
        db.dispose()
    assert _tables(db_url, dialect) <= {"alembic_version"}
    if dialect == "postgresql":  # the triggers' functions went with them
        functions = (
            "SELECT proname FROM pg_proc WHERE proname IN ('vp_append_only', 'vp_run_status_only')"
        )
        assert raw_sql(db_url, functions) == []
    assert Store.upgrade(db_url).after == "0007"
    with Store.open(db_url) as store:
        assert store.list_runs() == []


def test_an_unknown_schema_version_is_refused(db_url: str) -> None:
    Store.open(db_url).close()
    raw_sql(db_url, "UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match=r"9999.*does not know"):
        Store.open(db_url)
    with pytest.raises(StoreError, match="9999") as refused:
        Store.upgrade(db_url)
    message = str(refused.value)  # no upgrade to suggest: the newer program reads it as it is
    assert message.startswith("数据库结构版本未知, 请使用更新版本的 visit-planner (")
    assert message.endswith("a newer visit-planner made it; use that version or a later one, "
                            "which reads it as it is)")  # fmt: skip
    assert "store upgrade" not in message


def test_a_database_that_is_not_a_store_is_refused(db_url: str) -> None:
    raw_sql(db_url, "CREATE TABLE households (household_id VARCHAR(16))")
    with pytest.raises(StoreError, match=r"households.*not a\s+store"):
        Store.open(db_url)
    with pytest.raises(StoreError, match="not a"):
        Store.upgrade(db_url)


def test_open_without_create_asks_for_upgrade(db_url: str, dialect: str) -> None:
    assert Store.schema_status(db_url).state == "empty"
    with pytest.raises(StoreError, match="visit-planner store upgrade"):
        Store.open(db_url, create=False)
    if dialect == "sqlite":
        assert not Path(db_url.removeprefix("sqlite:///")).exists()  # not even an empty file
    else:
        assert _tables(db_url, dialect) == set()  # nothing was created


def test_the_url_is_the_option_else_the_environment_else_the_workspace(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = Workspace(tmp_path / "home")
    monkeypatch.setenv(STORE_URL_ENV, db_url)
    with Store.for_workspace(workspace, "sqlite:///" + str(tmp_path / "option.db")) as store:
        assert store.where == str(tmp_path / "option.db")
    with Store.for_workspace(workspace) as store:
        publish(store)
        assert not workspace.root.exists()  # the environment's database, not the workspace's
    monkeypatch.delenv(STORE_URL_ENV)
    with Store.for_workspace(workspace) as store:
        assert store.where == str(workspace.store_db)  # the workspace is created for it
        assert store.list_runs() == []
    with Store.open(db_url) as store:
        assert len(store.list_runs()) == 1


def test_unreachable_or_invalid_databases_are_clear_errors(
    db_url: str, dialect: str, tmp_path: Path
) -> None:
    if dialect == "sqlite":
        missing = tmp_path / "no-such-dir" / "store.db"
        with pytest.raises(StoreError, match=r"the directory .*no-such-dir .*does not exist"):
            Store.open(f"sqlite:///{missing}")
        assert not missing.parent.exists()  # nothing left behind
        with pytest.raises(StoreError, match="cannot open the store database") as err:
            Store.open(f"sqlite:///{tmp_path}")  # a directory
        junk = tmp_path / "junk.db"
        junk.write_bytes(b"this is not a database" * 100)
        with pytest.raises(StoreError, match="not an SQLite database"):
            Store.open(f"sqlite:///{junk}")
    else:
        with pytest.raises(StoreError, match="cannot connect to the store database") as err:
            Store.open("postgresql://vp:secret@127.0.0.1:1/postgres")
        assert "secret" not in str(err.value)  # the password is never shown
        with pytest.raises(StoreError, match="cannot connect"):
            Store.upgrade("postgresql://vp@127.0.0.1:1/postgres")
        with pytest.raises(StoreError, match=r"cannot connect.*does not exist"):
            Store.open(db_url.rsplit("/", 1)[0] + "/no_such_database")
    assert isinstance(err.value, VisitPlannerError)  # the CLI prints it without a traceback
    with pytest.raises(StoreError, match="not a database URL"):
        Store.open("store.db")
    with pytest.raises(StoreError, match="SQLite and PostgreSQL only"):
        Store.open("mysql://vp@127.0.0.1/store")


def test_a_refused_connection_says_why_and_what_to_check(pg_admin_url: str) -> None:
    """A wrong password or a database not created yet said "cannot connect ...; check that
    the server is running", which it was, and the Chinese half gave no reason at all."""
    admin = parse_store_url(pg_admin_url)
    with pytest.raises(StoreError) as err:
        Store.upgrade(admin.set(database="vp_no_such_db").render_as_string(hide_password=False))
    message = flat(str(err.value))
    assert message.startswith("无法连接数据库: 数据库不存在 (cannot connect to the store database")
    assert 'database "vp_no_such_db" does not exist; create the database first' in message
    with pytest.raises(StoreError) as err:
        Store.open("postgresql://vp:s3cret@127.0.0.1:1/postgres")
    message = flat(str(err.value))
    assert message.startswith("无法连接数据库 (cannot connect")
    assert "check that the server is running, its host and port" in message
    assert "s3cret" not in message
    # What a server that asks for passwords says (this test's server trusts its clients).
    db = Database.connect("postgresql://op:s3cret@db.example/vp")
    said = {
        'FATAL:  password authentication failed for user "op"': (
            "无法连接数据库: 用户名或密码错误",
            "check the user name and password in --store-url",
        ),
        "fe_sendauth: no password supplied": ("无法连接数据库: 未提供密码", "~/.pgpass"),
        'FATAL:  role "op" does not exist': ("无法连接数据库: 数据库用户不存在", "user name"),
        'FATAL:  no pg_hba.conf entry for host "10.0.0.5", user "op", database "vp"': (
            "无法连接数据库: 服务器不允许此用户连接",
            "pg_hba.conf",
        ),
    }
    for driver_text, (zh, advice) in said.items():
        with pytest.raises(StoreError) as err, db.errors():
            orig = psycopg.OperationalError(f"connection failed: {driver_text}")
            raise exc.OperationalError("connect", None, orig)
        message = flat(str(err.value))
        assert message.startswith(f"{zh} (cannot connect to the store database "), message
        assert advice in message and "s3cret" not in message
        assert "check that the server is running" not in message


def test_a_database_user_without_privileges_is_told_which_to_ask_for(pg_admin_url: str) -> None:
    """An application user without rights got '数据库错误 (store database error ...:
    permission denied for schema public)', nothing said of whom or what to grant."""
    with pg_database(pg_admin_url) as db_url, pg_login_role(db_url) as user_url:
        raw_sql(db_url, "REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        user = parse_store_url(user_url)
        with pytest.raises(StoreError) as err:
            Store.upgrade(user_url)
        message = flat(str(err.value))
        assert message.startswith(
            f"数据库权限不足 (the database user '{user.username}' lacks a privilege in the store "
            f"database postgresql+psycopg://{user.username}:***@"
        )
        assert "permission denied for schema public; `visit-planner store upgrade` must run" in (
            message
        )
        assert str(user.password) not in message
        assert _tables(db_url, "postgresql") == set()  # nothing half-made
        Store.upgrade(db_url, actor="dba")  # by the database's owner
        with pytest.raises(StoreError, match=r"数据库权限不足 .*alembic_version"):
            Store.open(user_url)
        raw_sql(  # what the message says to grant is enough for the store's work
            db_url,
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "
            f"{user.username}",
            f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {user.username}",
        )
        with Store.open(user_url) as store:
            publish(store)
            store.add_override("tier", "H0000001", author="sup01", reason="r", tier=1)
            with store.month_lock("2026-06"):
                pass
            assert store.verify_audit().ok


def test_the_append_only_audit_log_needs_no_right_beyond_insert(pg_admin_url: str) -> None:
    """Appends were serialised by LOCK TABLE audit IN EXCLUSIVE MODE, which needs UPDATE or
    DELETE on the table: an administrator who granted the append-only log only SELECT and
    INSERT broke every audited action (sign-ins included). An advisory lock needs none."""
    with pg_database(pg_admin_url) as db_url, pg_login_role(db_url) as user_url:
        Store.upgrade(db_url, actor="dba")
        user = parse_store_url(user_url).username
        raw_sql(
            db_url,
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {user}",
            f"REVOKE UPDATE, DELETE, TRUNCATE ON audit FROM {user}",
            f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {user}",
        )
        with Store.open(user_url) as store:
            store.add_override("tier", "H0000001", author="sup01", reason="r", tier=1)
            publish(store)
            check = store.verify_audit()
        assert check.ok and check.entries >= 2


def test_the_urls_own_session_options_are_kept(
    pg_admin_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``?options=-csearch_path=store`` (libpq's way to keep the store in a schema of its own)
    was replaced by the store's lock_timeout: the store was made in ``public``, silently."""
    with pg_database(pg_admin_url) as db_url:
        raw_sql(db_url, "CREATE SCHEMA store_a", "CREATE SCHEMA store_b")
        in_a = f"{db_url}?options=-csearch_path%3Dstore_a"
        assert Store.upgrade(in_a, actor="dba").after == head_revision()
        with Store.open(in_a) as store:
            publish(store)
        monkeypatch.setenv("PGOPTIONS", "-c search_path=store_b")  # libpq's environment
        with Store.open(db_url) as store:
            assert store.list_runs() == []  # a new store, in store_b
        schemas = raw_sql(
            db_url,
            "SELECT table_schema, count(*) FROM information_schema.tables "
            "WHERE table_name IN ('runs', 'audit', 'alembic_version') GROUP BY table_schema",
        )
        assert sorted(schemas) == [("store_a", 3), ("store_b", 3)]  # none in public
        assert raw_sql(db_url, "SELECT count(*) FROM store_a.runs") == [(1,)]
        db = Database.connect(in_a, busy_timeout=2.5)
        try:
            with db.read() as conn:  # the store's lock timeout is set beside them
                assert conn.execute(text("SHOW lock_timeout")).scalar_one() == "2500ms"
        finally:
            db.dispose()


def test_a_database_not_in_utf8_keeps_the_text_or_says_it_cannot(pg_admin_url: str) -> None:
    """A SQL_ASCII database (a cluster made under the C locale) handed text over as bytes: the
    first connection ended in a TypeError traceback. The store now talks UTF-8 to any
    database; one whose encoding lacks a character (EUC_CN: no 𠀀) refuses that text in
    words, changing nothing, where it said '数据库错误 (store database error ...)'."""
    text_ = "核实𠀀「引号」彝族"
    ascii_db = "TEMPLATE template0 ENCODING 'SQL_ASCII' LOCALE 'C'"
    with pg_database(pg_admin_url, ascii_db) as db_url:
        assert Store.upgrade(db_url, actor="dba").after == head_revision()
        with Store.open(db_url) as store:
            store.add_override("tier", "H1", author="sup01", reason=text_, tier=1)
            assert [o.reason for o in store.list_overrides()] == [text_]
            assert store.verify_audit().ok
    euc_db = "TEMPLATE template0 ENCODING 'EUC_CN' LOCALE 'C'"
    with pg_database(pg_admin_url, euc_db) as db_url, Store.open(db_url) as store:
        with pytest.raises(StoreError) as err:
            store.add_override("tier", "H1", author="sup01", reason=text_, tier=1)
        message = flat(str(err.value))
        assert message.startswith("数据库编码无法保存该文字, 未作任何修改 (the store database ")
        assert 'has no equivalent in encoding "EUC_CN"' in message
        assert store.list_overrides() == [] and store.audit_entries() == []
        store.add_override("tier", "H1", author="sup01", reason="核实「引号」彝族", tier=1)
        assert [o.reason for o in store.list_overrides()] == ["核实「引号」彝族"]


def test_a_connection_the_server_ends_is_said_so(pg_admin_url: str) -> None:
    """A server shut down in the middle of a command read '数据库错误 (store database error
    ...: terminating connection due to administrator command)'."""
    with pg_database(pg_admin_url) as db_url, Store.open(db_url) as store:
        db = Database.connect(db_url)
        try:
            with pytest.raises(StoreError) as err, db.write() as conn:
                pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
                with raw_engine(db_url) as admin, admin.begin() as other:
                    other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                conn.execute(text("SELECT 1"))
        finally:
            db.dispose()
        message = flat(str(err.value))
        assert message.startswith("数据库服务器中断了连接 (the store database server of ")
        assert "terminating connection due to administrator command" in message
        assert "run it again once the server is back" in message
        assert store.list_runs() == []  # the store goes on once the server answers


def test_a_workspace_or_store_that_does_not_exist_is_refused_without_creating_it(
    tmp_path: Path, db_url: str, dialect: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(STORE_URL_ENV, raising=False)
    typo = Workspace(tmp_path / "ws_typo")
    with pytest.raises(StoreError, match=r"workspace .*ws_typo does not exist.*--home"):
        Store.for_workspace(typo, create=False)
    assert not typo.root.exists()  # nothing was created
    empty = Workspace(tmp_path / "empty")
    empty.root.mkdir()
    with pytest.raises(StoreError, match=r"no store in workspace .*empty.*store upgrade"):
        Store.for_workspace(empty, create=False)
    assert list(empty.root.iterdir()) == []
    # a server (or another file) named by URL: a database without the schema is refused too
    with pytest.raises(StoreError, match=r"no store at .* yet"):
        Store.for_workspace(empty, db_url, create=False)
    assert _tables(db_url, dialect) == set()
    Store.for_workspace(empty, db_url).close()  # creating is the default (plan, users add)
    with Store.for_workspace(typo, db_url, create=False) as store:  # the URL wins: no workspace
        assert store.list_runs() == []
    Store.for_workspace(empty).close()
    assert empty.store_db.is_file()


SUGGESTED = re.compile(r"`(visit-planner store upgrade[^`]*)`")


def test_the_suggested_upgrade_names_the_database_given(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., CliRun]
) -> None:
    """``runs list --store-url URL`` on an empty database suggests ``store upgrade`` with the
    same URL: copied as printed, it creates that store, not the workspace's SQLite one."""
    monkeypatch.delenv(STORE_URL_ENV, raising=False)
    default_home = tmp_path / "default-home"
    monkeypatch.setenv("VISIT_PLANNER_HOME", str(default_home))
    code, _, err = cli("runs", "list", "--store-url", db_url)
    assert code == 2 and "Traceback" not in err
    said = flat(err)
    found = SUGGESTED.search(said)
    assert found, said
    args = shlex.split(found.group(1))
    password = parse_store_url(db_url).password
    shown = parse_store_url(db_url).render_as_string(hide_password=True)
    assert args == ["visit-planner", "store", "upgrade", "--store-url", shown]
    if password:  # the password is never printed: the user types it in place of ***
        assert password not in err and "***" in args[-1]
        args[-1] = args[-1].replace("***", password)

    code, out, err = cli(*args[1:])  # the suggestion, run as printed
    assert code == 0, err
    assert "→ 0007" in flat(out)
    assert Store.schema_status(db_url).state == "current"
    assert not (default_home / "store.db").exists()  # the workspace's store was not touched
    code, out, _ = cli("runs", "list", "--store-url", db_url)
    assert code == 0


def test_the_suggested_upgrade_masks_the_password() -> None:
    db = Database.connect("postgresql://vp:s3cret@db.example:5432/vpempty")
    try:
        command = db.upgrade_command
    finally:
        db.dispose()
    assert "s3cret" not in command
    found = SUGGESTED.search(command)
    assert found, command
    assert shlex.split(found.group(1))[-2:] == [
        "--store-url",
        "postgresql+psycopg://vp:***@db.example:5432/vpempty",  # quoted for the shell
    ]
    assert "请将 *** 换成实际密码" in command  # says what to type in its place
    old = refusal(SchemaStatus("0001", "0006", "old"), db.where, command)
    assert str(old).startswith("数据库结构版本过旧 (the store database ")
    assert "back it up, then run `visit-planner store upgrade --store-url" in str(old)


@pytest.mark.parametrize(
    ("url", "shown"),
    [  # a port that is no number was a ValueError traceback; unparsable text was echoed whole
        ("postgresql://vp:s3cret@127.0.0.1:abc/vp", "'postgresql://vp:***@127.0.0.1:abc/vp'"),
        ("postgresql://vp:s3cret@[::1/vp", "'postgresql://vp:***@[::1/vp'"),
        ("postgresql//vp:s3cret@db.example/vp", "'postgresql//vp:***@db.example/vp'"),
        ("host=db password=s3cret", "'host=db password=***'"),
    ],
)
def test_a_url_that_cannot_be_parsed_is_named_without_its_password(url: str, shown: str) -> None:
    with pytest.raises(StoreError) as refused:
        parse_store_url(url)
    assert str(refused.value).startswith(f"数据库地址无效 ({shown} is not a database URL;")
    assert "s3cret" not in str(refused.value)


def test_a_password_given_as_a_query_parameter_is_masked_too(
    cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    """libpq takes ``?password=``; SQLAlchemy's masking leaves it in clear, and a refused
    connection printed it (the server at port 1 refuses at once)."""
    url = "postgresql://vp@127.0.0.1:1/vp?sslmode=disable&password=s3cret"
    db = Database.connect(url)
    try:
        assert db.where == "postgresql+psycopg://vp@127.0.0.1:1/vp?password=***&sslmode=disable"
        assert "s3cret" not in db.upgrade_command and "请将 *** 换成实际密码" in db.upgrade_command
    finally:
        db.dispose()
    code, out, err = cli("runs", "list", "--home", str(tmp_path), "--store-url", url)
    assert code == 2 and "无法连接数据库" in flat(err) and "password=***" in flat(err)
    assert "s3cret" not in out + err and "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [["runs", "list"], ["audit", "verify"], ["store", "upgrade"], ["users", "add", "carol01",
                                                                    "--role", "viewer"]],
)  # fmt: skip
def test_an_sqlite_store_in_a_missing_directory_names_the_directory(
    cli: Callable[..., CliRun], tmp_path: Path, args: list[str]
) -> None:
    """``runs list`` said there was no store yet and to run ``store upgrade``, which then
    failed with "the file or its directory does not exist": SQLite never makes a directory.
    Every command now names the missing directory, and nothing is created."""
    home = tmp_path / "ws"
    home.mkdir()
    url = f"sqlite:///{tmp_path / 'nodir' / 'store.db'}"
    code, out, err = cli(*args, "--home", str(home), "--store-url", url)
    assert code == 2 and "Traceback" not in err, err
    assert flat(err) == (
        f"错误 ERROR: 数据库所在目录不存在 (the directory {tmp_path / 'nodir'} of the store "
        f"database {tmp_path / 'nodir' / 'store.db'} does not exist: check --store-url / "
        f"{STORE_URL_ENV}, or create the directory first)"
    )
    assert "shown once" not in flat(out)
    assert not (tmp_path / "nodir").exists() and not any(home.iterdir())
