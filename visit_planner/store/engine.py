"""Connecting to the store: which database, the engine, transactions and readable errors.

The store is SQLite in the workspace (``sqlite:///<workspace>/store.db``) unless a URL is given
(``--store-url``, else ``$VISIT_PLANNER_STORE_URL``), e.g.
``postgresql+psycopg://vp@127.0.0.1:55432/postgres``.

SQLite runs in WAL mode (readers never wait for the writer), with foreign keys on and a busy
timeout. Python's ``sqlite3`` driver does not begin transactions for SELECT or DDL, so the
engine emits ``BEGIN`` itself, and ``BEGIN IMMEDIATE`` for write transactions: a writer takes
the database's write lock at the start, so two writers are serialised instead of failing on a
lock upgrade halfway through. On PostgreSQL the same timeout is the session's ``lock_timeout``.

Every database error leaves :meth:`Database.read` / :meth:`Database.write` as a
:class:`~visit_planner.errors.StoreError` (a busy database or a held lock as
:class:`~visit_planner.errors.StoreBusyError`) with a message the CLI can print, after the
transaction has been rolled back.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.engine import URL, make_url

from visit_planner.errors import StoreBusyError, StoreError
from visit_planner.paths import STORE_URL_ENV, Workspace

__all__ = [
    "DEFAULT_BUSY_TIMEOUT",
    "STORE_URL_ENV",
    "Database",
    "masked_text",
    "parse_store_url",
    "serialize",
    "shown_url",
    "store_url",
]

DEFAULT_BUSY_TIMEOUT = 10.0
"""Seconds a writer waits for another writer's lock before the store reports it busy."""
CONNECT_TIMEOUT = 5
"""Seconds to wait for a PostgreSQL server to answer."""

_WRITE = "visit_planner_write"
_SQLITE_BUSY = ("database is locked", "database table is locked", "database schema is locked")
_PG_BUSY = {"55P03": "a lock", "40P01": "a deadlock", "40001": "a concurrent change"}
_PG_CONNECT = ("08", "28", "3D")  # connection exception, authorization, no such database
_PG_SHUTDOWN = ("57P01", "57P02", "57P03")  # admin or crash shutdown, cannot connect now
_PG_PRIVILEGE = "42501"  # insufficient_privilege
_PG_UNTRANSLATABLE = ("22P05", "22021")  # a character the database's encoding lacks
_ENV_HINT = f"--store-url / {STORE_URL_ENV}"
_PG_CONNECT_WHY = (
    # (what libpq or the server says, why in Chinese, what to do) for a connection refused
    # at its start, which psycopg gives no SQLSTATE: its English text is all there is (a
    # server set to other lc_messages gets the general advice).
    (
        re.compile(r"password authentication failed|authentication failed for user"),
        "用户名或密码错误",
        f"check the user name and password in {_ENV_HINT}",
    ),
    (
        re.compile(r"no password supplied"),
        "未提供密码",
        f"give the password in {_ENV_HINT} (postgresql+psycopg://USER:PASSWORD@HOST/DB) or "
        "in ~/.pgpass",
    ),
    (
        re.compile(r'database ".*" does not exist'),
        "数据库不存在",
        "create the database first (as the server's administrator, e.g. createdb -O USER "
        f"NAME), or correct its name in {_ENV_HINT}",
    ),
    (
        re.compile(r'role ".*" does not exist'),
        "数据库用户不存在",
        f"correct the user name in {_ENV_HINT}, or ask the server's administrator to create it",
    ),
    (
        re.compile(r"no pg_hba\.conf entry|permission denied for database|CONNECT privilege"),
        "服务器不允许此用户连接",
        "ask the server's administrator to let this user connect to the database from this "
        "machine (pg_hba.conf, GRANT CONNECT)",
    ),
)


def store_url(workspace: Workspace, explicit: str | None = None) -> str:
    """The store's URL: ``explicit`` (``--store-url``) beats ``$VISIT_PLANNER_STORE_URL`` beats
    the workspace's ``store.db``."""
    if explicit:
        return explicit
    from_env = os.environ.get(STORE_URL_ENV)
    if from_env:
        return from_env
    return workspace_store_url(workspace)


def workspace_store_url(workspace: Workspace) -> str:
    """The URL of the workspace's own SQLite store, ``store.db``."""
    return f"sqlite:///{workspace.store_db}"


def parse_store_url(url: str) -> URL:
    """The URL as SQLAlchemy's; PostgreSQL without a driver gets psycopg (3), the one installed.

    Only SQLite and PostgreSQL are supported: the migrations and locks are written for them.
    """
    try:
        parsed = make_url(url)
    except (exc.ArgumentError, ValueError):  # ValueError: a port that is no number
        raise StoreError(
            f"数据库地址无效 ({masked_text(url)!r} is not a database URL; give e.g. "
            "sqlite:////path/store.db or postgresql+psycopg://user@host:port/dbname)"
        ) from None
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(
            f"{shown_url(parsed)}: 仅支持 SQLite 和 PostgreSQL "
            "(the store supports SQLite and PostgreSQL only)"
        )
    return parsed


_QUERY_PASSWORD = re.compile(r"(?i)([?&]password=)[^&]*")


def shown_url(url: URL) -> str:
    """``url`` for a message: its password as ``***``, also one given as the query parameter
    ``?password=`` (which libpq accepts, and SQLAlchemy's masking leaves in clear)."""
    return _QUERY_PASSWORD.sub(r"\1***", url.render_as_string(hide_password=True))


def masked_text(text: str) -> str:
    """A store URL that could not be parsed, as typed but with what may be its password as
    ``***``: the text between the user name's ``:`` and the last ``@``, and ``password=``."""
    text = re.sub(r"(?i)(password=)[^&\s]*", r"\1***", text)
    if "@" not in text:
        return text
    head, _, host = text.rpartition("@")
    scheme, sep, userinfo = head.rpartition("//")
    user, colon, _password = userinfo.partition(":")
    return f"{scheme}{sep}{user}:***@{host}" if colon else text


def _sqlite_setup(engine: Engine, busy_timeout: float) -> None:
    """WAL, foreign keys and a busy timeout on every connection; BEGIN emitted by SQLAlchemy."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver must not begin transactions
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _pg_options(url: URL, busy_timeout: float) -> str:
    """The PostgreSQL session options: the store's ``lock_timeout``, then the operator's own
    (``$PGOPTIONS``, then the URL's ``?options=``, e.g. ``-csearch_path=store`` to keep the
    store in a schema of its own), which libpq would otherwise drop for the store's: the
    store was then made in ``public`` without a word. An option given twice, the last wins."""
    lock_ms = max(1, int(busy_timeout * 1000))  # 0 would mean "wait forever"
    given = url.query.get("options", ())
    theirs = [os.environ.get("PGOPTIONS", ""), *([given] if isinstance(given, str) else given)]
    return " ".join([f"-c lock_timeout={lock_ms}", *(o.strip() for o in theirs if o.strip())])


@dataclass
class Database:
    """One store database: its engine, how to name it in messages, and its transactions."""

    engine: Engine
    busy_timeout: float

    @classmethod
    def connect(cls, url: str, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Database:
        """An engine for ``url`` (no connection is made yet)."""
        parsed = parse_store_url(url)
        try:
            if parsed.get_backend_name() == "sqlite":
                engine = create_engine(parsed, connect_args={"timeout": busy_timeout})
                _sqlite_setup(engine, busy_timeout)
            else:
                engine = create_engine(
                    parsed,
                    connect_args={
                        "connect_timeout": CONNECT_TIMEOUT,
                        "application_name": "visit-planner",
                        # UTF-8 whatever the database's encoding: a SQL_ASCII database (a
                        # cluster made under the C locale) handed text over as bytes, and the
                        # first connection ended in a TypeError traceback.
                        "client_encoding": "utf8",
                        "options": _pg_options(parsed, busy_timeout),
                    },
                )
        except (exc.ArgumentError, exc.NoSuchModuleError, ImportError) as err:
            raise StoreError(
                f"{shown_url(parsed)}: 数据库驱动不可用 (cannot use this database driver: {err})"
            ) from err
        return cls(engine, busy_timeout)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def where(self) -> str:
        """The database named for messages: the file for SQLite, the URL without password."""
        url = self.engine.url
        if self.dialect == "sqlite":
            return url.database or ":memory:"
        return shown_url(url)

    @property
    def upgrade_command(self) -> str:
        """``visit-planner store upgrade --store-url URL`` for this database, for messages that
        suggest it: the URL repeated (password masked as ``***``, as in :attr:`where`), since
        the command without it would upgrade the workspace's SQLite store instead."""
        url = self.engine.url
        shown = shlex.quote(shown_url(url))
        command = f"`visit-planner store upgrade --store-url {shown}`"
        if url.password or "***" in shown:
            command += " (请将 *** 换成实际密码 with the real password for ***)"
        return command

    @property
    def file_missing(self) -> bool:
        """Whether this is an SQLite file that does not exist yet (connecting would create it)."""
        name = self.engine.url.database
        if self.dialect != "sqlite" or not name or name == ":memory:" or name.startswith("file:"):
            return False
        return not Path(name).exists()

    @property
    def missing_directory(self) -> Path | None:
        """The directory an SQLite file should be in, when it does not exist (SQLite creates
        the file, never its directory); None otherwise."""
        name = self.engine.url.database
        if self.dialect != "sqlite" or not name or name == ":memory:" or name.startswith("file:"):
            return None
        parent = Path(name).parent
        return None if parent.is_dir() else parent

    def no_directory_error(self, directory: Path) -> StoreError:
        """The refusal of an SQLite store whose ``directory`` does not exist: neither opening
        nor ``store upgrade`` can make it (it said "run store upgrade", which then failed)."""
        return StoreError(
            f"数据库所在目录不存在 (the directory {directory} of the store database "
            f"{self.where} does not exist: check --store-url / {STORE_URL_ENV}, or create the "
            "directory first)"
        )

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction on one snapshot (PostgreSQL: repeatable read; SQLite in WAL mode
        reads one snapshot anyway); rolled back at the end, never takes the write lock."""
        with self.errors(), self.engine.connect() as conn:
            if self.dialect == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin() as tx:
                yield conn
                tx.rollback()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: committed when the block ends, rolled back when it raises.

        SQLite: ``BEGIN IMMEDIATE`` (the database's write lock from the start, so writers are
        serialised). PostgreSQL: read committed; writers that must be serialised call
        :func:`serialize` or lock the table they append to.
        """
        with self.errors(), self.engine.connect() as conn:
            conn.execution_options(**{_WRITE: True})
            with conn.begin():
                yield conn

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Database errors raised inside the block become StoreError / StoreBusyError."""
        try:
            yield
        except exc.DBAPIError as err:
            raise self._translate(err) from err

    def dispose(self) -> None:
        """Close the engine's pooled connections."""
        self.engine.dispose()

    def _translate(self, err: exc.DBAPIError) -> StoreError:
        """A message a user can act on for a driver's error."""
        text_ = str(err.orig).strip()
        first = text_.splitlines()[0] if text_ else type(err.orig).__name__
        specific = (
            self._sqlite_error(first) if self.dialect == "sqlite" else self._pg_error(err, first)
        )
        if specific is not None:
            return specific
        if isinstance(err, exc.IntegrityError):
            return StoreError(f"违反约束 (the store database refused the change: {first})")
        return StoreError(f"数据库错误 (store database error at {self.where}: {first})")

    def _sqlite_error(self, first: str) -> StoreError | None:
        lowered = first.lower()
        if any(s in lowered for s in _SQLITE_BUSY):
            return StoreBusyError(
                f"数据库正忙，请稍后重试 (the store database {self.where} is busy: another "
                f"process has been writing to it for more than {self.busy_timeout:g} s; try "
                "again when the other command has finished)"
            )
        missing = self.missing_directory
        if missing is not None and "unable to open database file" in lowered:
            return self.no_directory_error(missing)
        known = {
            "unable to open database file": (
                f"无法打开数据库 (cannot open the store database {self.where}: the file or its "
                "directory does not exist or cannot be written; check --store-url / "
                f"{STORE_URL_ENV} and the workspace directory)"
            ),
            "file is not a database": f"{self.where}: 不是数据库文件 (not an SQLite database)",
            "readonly database": f"{self.where}: 数据库只读 (the store database is read-only)",
        }
        for needle, message in known.items():
            if needle in lowered:
                return StoreError(message)
        return None

    def _pg_error(self, err: exc.DBAPIError, first: str) -> StoreError | None:
        state = getattr(err.orig, "sqlstate", None)
        if state in _PG_BUSY:
            return StoreBusyError(
                f"数据库正忙，请稍后重试 (the store database {self.where} is busy: this change "
                f"waited for {_PG_BUSY[state]} held by another session; try again when the "
                "other command has finished)"
            )
        connecting = state is None or state[:2] in _PG_CONNECT  # a shutdown's is 57P0x
        if isinstance(err, exc.OperationalError) and connecting:
            return self._connect_error(first)
        return self._pg_state_error(state, first)

    def _pg_state_error(self, state: str | None, first: str) -> StoreError | None:
        """The message of an error the server gave its SQLSTATE for, when it is one a user
        can act on."""
        if state in _PG_SHUTDOWN:
            return StoreError(
                f"数据库服务器中断了连接 (the store database server of {self.where} ended the "
                f"connection: {first}; it was shut down or restarted, and a change this command "
                "was making was not saved: run it again once the server is back)"
            )
        if state == _PG_PRIVILEGE:
            user = self.engine.url.username
            who = f"the database user {user!r}" if user else "the database user"
            return StoreError(
                f"数据库权限不足 ({who} lacks a privilege in the store database {self.where}: "
                f"{first}; `visit-planner store upgrade` must run as a user that may create "
                "tables in the database (e.g. its owner); the user of every other command "
                "needs SELECT, INSERT, UPDATE and DELETE on the store's tables and USAGE on "
                "its sequences: ask the server's administrator to GRANT them)"
            )
        if state in _PG_UNTRANSLATABLE:
            return StoreError(
                f"数据库编码无法保存该文字, 未作任何修改 (the store database {self.where} is not "
                f"in UTF8 and cannot hold a character of the text given: {first}; nothing was "
                "changed: leave that character out, or keep the store in a database created "
                "with ENCODING 'UTF8')"
            )
        if state == "P0001":  # raised by the store's own triggers
            return StoreError(f"拒绝修改 (the store database refused the change: {first})")
        return None

    def _connect_error(self, first: str) -> StoreError:
        """The refusal of a connection that failed: why, in both languages, when libpq's or
        the server's words say it (a wrong password is no server that is down), and what to
        check."""
        for pattern, why_zh, advice in _PG_CONNECT_WHY:
            if pattern.search(first):
                return StoreError(
                    f"无法连接数据库: {why_zh} (cannot connect to the store database "
                    f"{self.where}: {first}; {advice})"
                )
        return StoreError(
            f"无法连接数据库 (cannot connect to the store database {self.where}: {first}; "
            f"check that the server is running, its host and port, and {_ENV_HINT})"
        )


def _lock_key(name: str) -> int:
    """A signed 64-bit advisory-lock key for ``name`` (stable across processes)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def serialize(conn: Connection, name: str) -> None:
    """Serialise write transactions about ``name`` (a month, the schema) until commit.

    PostgreSQL: a transaction-scoped advisory lock (waits up to the lock timeout). SQLite: a
    write transaction already holds the database's write lock (``BEGIN IMMEDIATE``).
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(name)})
