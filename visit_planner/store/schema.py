"""The store's schema version: Alembic migrations run in code, and the check at open.

The migrations live in the package (``migrations/``); the Alembic configuration is built here,
so no ``alembic.ini`` is needed at run time. :func:`ensure_current` is what opening the store
does: a new, empty database is created at the newest revision (head); a database at an older
revision is refused with the instruction to run ``visit-planner store upgrade``
(:func:`upgrade`). Both check and migrate inside one write transaction, serialised against
other processes doing the same, so a failed migration leaves the database as it was (SQLite
and PostgreSQL both roll back DDL).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from visit_planner.errors import StoreError
from visit_planner.store import audit
from visit_planner.store.engine import Database, serialize
from visit_planner.store.rows import UpgradeResult

__all__ = [
    "MIGRATIONS",
    "SchemaStatus",
    "alembic_config",
    "ensure_current",
    "head_revision",
    "migrate",
    "pending",
    "refusal",
    "schema_status",
    "upgrade",
]

MIGRATIONS = Path(__file__).parent / "migrations"
SCHEMA_LOCK = "visit-planner schema"


def alembic_config(connection: Connection | None = None) -> Config:
    """The Alembic configuration of the store, built in code (optionally bound to a
    connection that migrations then run in)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest schema revision this program knows."""
    head = _script().get_current_head()
    assert head is not None, "the store has no migrations"
    return head


@cache
def _known_revisions() -> frozenset[str]:
    return frozenset(rev.revision for rev in _script().walk_revisions())


@dataclass(frozen=True)
class SchemaStatus:
    """Where a database stands: its revision, this program's head, and what that means.

    ``state`` is ``empty`` (no tables), ``current`` (at head), ``old`` (a known older
    revision), ``unknown`` (a revision this program does not know: a newer program made it)
    or ``foreign`` (tables but no revision: not a store).
    """

    current: str | None
    head: str
    state: str
    tables: tuple[str, ...] = ()


def schema_status(conn: Connection) -> SchemaStatus:
    """The schema status of the database ``conn`` is connected to."""
    head = head_revision()
    current = MigrationContext.configure(conn).get_current_revision()
    if current is None:
        tables = tuple(t for t in inspect(conn).get_table_names() if t != "alembic_version")
        return SchemaStatus(None, head, "foreign" if tables else "empty", tables)
    if current == head:
        return SchemaStatus(current, head, "current")
    if current in _known_revisions():
        return SchemaStatus(current, head, "old")
    return SchemaStatus(current, head, "unknown")


def pending(current: str | None) -> list[tuple[str, str]]:
    """The revisions ``store upgrade`` would apply to a database at ``current`` (None: an
    empty one), oldest first, each with the first line of its description; empty for a
    database at head or at a revision this program does not know."""
    if current is not None and current not in _known_revisions():
        return []
    revisions = _script().iterate_revisions("head", current or "base")
    steps = [(rev.revision, (rev.doc or "").splitlines()[0]) for rev in revisions]
    return [step for step in reversed(steps) if step[0] != current]


def refusal(
    status: SchemaStatus, where: str, upgrade: str = "`visit-planner store upgrade`"
) -> StoreError:
    """The error for a database the program cannot use as it is. ``upgrade`` is the command
    it suggests: :attr:`Database.upgrade_command`, naming this database's URL, so that the
    command copied as printed upgrades this database and not the workspace's store."""
    if status.state == "old":
        return StoreError(
            f"数据库结构版本过旧 (the store database {where} is at schema version "
            f"{status.current}, older than this program's {status.head}; back it up, then run "
            f"{upgrade})"
        )
    if status.state == "unknown":
        # No upgrade is needed or possible here: the newer program reads it as it is (this
        # said "install it and run store upgrade", which would change nothing).
        return StoreError(
            f"数据库结构版本未知, 请使用更新版本的 visit-planner (the store database {where} is "
            f"at schema version {status.current}, which this program does not know, it knows "
            f"up to {status.head}: a newer visit-planner made it; use that version or a later "
            "one, which reads it as it is)"
        )
    if status.state == "foreign":
        shown = ", ".join(status.tables[:5]) + (", ..." if len(status.tables) > 5 else "")
        return StoreError(
            f"{where}: 不是 visit-planner 数据库 (it holds tables, {shown}, but no "
            "visit-planner schema version: it is not a store; point --store-url or "
            "VISIT_PLANNER_STORE_URL at an empty database or an existing store)"
        )
    return StoreError(
        f"数据库尚未创建 (there is no store at {where} yet: run {upgrade} to create it)"
    )


def migrate(conn: Connection, target: str = "head") -> None:
    """Upgrade (or, with a lower ``target``, downgrade) the schema inside ``conn``'s
    transaction. The caller commits."""
    current = MigrationContext.configure(conn).get_current_revision()
    if current is not None and target != "head" and _is_ancestor(target, current):
        command.downgrade(alembic_config(conn), target)
    else:
        command.upgrade(alembic_config(conn), target)


def _is_ancestor(older: str, newer: str) -> bool:
    """Whether revision ``older`` comes strictly before ``newer``."""
    if older == "base":
        return True
    return older != newer and any(
        rev.revision == older for rev in _script().iterate_revisions(newer, "base")
    )


def ensure_current(db: Database, *, create: bool = True) -> None:
    """Use the database as it is if at head; create it when empty (and ``create``); refuse it
    otherwise (see the module docstring)."""
    missing = db.missing_directory
    if missing is not None:
        raise db.no_directory_error(missing)
    if db.file_missing and not create:  # refuse without leaving an empty file behind
        raise refusal(SchemaStatus(None, head_revision(), "empty"), db.where, db.upgrade_command)
    with db.read() as conn:
        status = schema_status(conn)
    if status.state == "current":
        return
    if status.state != "empty" or not create:
        raise refusal(status, db.where, db.upgrade_command)
    with db.write() as conn:
        serialize(conn, SCHEMA_LOCK)
        status = schema_status(conn)  # another process may have created it meanwhile
        if status.state == "empty":
            migrate(conn, "head")
        elif status.state != "current":
            raise refusal(status, db.where, db.upgrade_command)


def upgrade(db: Database, *, actor: str) -> UpgradeResult:
    """Bring the database to head (creating it when empty); audited when it migrated an
    existing store."""
    with db.write() as conn:
        serialize(conn, SCHEMA_LOCK)
        status = schema_status(conn)
        if status.state in ("unknown", "foreign"):
            raise refusal(status, db.where, db.upgrade_command)
        if status.state != "current":
            migrate(conn, "head")
            if status.current is not None:
                audit.append(
                    conn,
                    "store.upgrade",
                    actor,
                    "schema",
                    {"from": status.current, "to": status.head},
                )
    return UpgradeResult(before=status.current, after=status.head)
