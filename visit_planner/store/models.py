"""The store's tables (SQLAlchemy Core), as the migrations in ``migrations/versions`` build them.

The migrations are the schema's history and never import this module; a test checks that the
database they build at head equals these definitions. Ids and account names only: no names of
people other than the operator accounts that act (``actor``, ``author``, ``created_by``).
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

__all__ = [
    "OUTCOMES",
    "OVERRIDE_KINDS",
    "OVERRIDE_STATUSES",
    "RUN_KINDS",
    "RUN_STATUSES",
    "audit",
    "audit_head",
    "metadata",
    "month_locks",
    "override_outcomes",
    "overrides",
    "run_townships",
    "runs",
]

RUN_KINDS = ("plan", "amend")
RUN_STATUSES = ("current", "superseded", "rolled_back")
OVERRIDE_KINDS = ("tier", "pin", "forbid", "correction")
OVERRIDE_STATUSES = ("active", "revoked")
OUTCOMES = ("applied", "not_applied")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


Stamp = DateTime(timezone=True)

runs = Table(
    "runs",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("month", String(7), nullable=False),
    Column("version", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("parent_run_id", String(64), ForeignKey("runs.run_id"), nullable=True),
    Column("status", String(16), nullable=False),
    Column("created_at", Stamp, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("model_version", String(256), nullable=True),
    Column("policy_sha256", String(64), nullable=False),
    Column("policy_text", Text, nullable=False),
    Column("inputs_json", Text, nullable=False),
    Column("code_version", String(64), nullable=False),
    Column("metrics_json", Text, nullable=False),
    Column("plan_sha256", String(64), nullable=False),
    Column("path", Text, nullable=False),
    CheckConstraint(_one_of("kind", RUN_KINDS), name="kind"),
    CheckConstraint(_one_of("status", RUN_STATUSES), name="status"),
    CheckConstraint("version >= 1", name="version"),
    Index("ix_runs_month_version", "month", "version", unique=True),
    # At most one current run per month, whatever the application does.
    Index(
        "ix_runs_one_current",
        "month",
        unique=True,
        sqlite_where=text("status = 'current'"),
        postgresql_where=text("status = 'current'"),
    ),
)

run_townships = Table(
    "run_townships",
    metadata,
    Column("run_id", String(64), ForeignKey("runs.run_id"), primary_key=True),
    Column("township_id", String(64), primary_key=True),
    Column("plan_sha256", String(64), nullable=False),
    Column("status", String(32), nullable=False),
    Column("diagnostics_json", Text, nullable=False),
)

audit = Table(
    "audit",
    metadata,
    # The application sets seq itself (last + 1, under the append lock): the hash covers it.
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", Stamp, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", String(256), nullable=False),
    Column("details_json", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # For `audit list --action` on a log of millions of entries (migration 0007): an
    # action's entries newest first, and the actions the log holds, one by one.
    Index("ix_audit_action_seq", "action", "seq"),
    sqlite_autoincrement=True,
)

audit_head = Table(
    "audit_head",
    metadata,
    # One row: the last entry's seq and hash, moved on in the transaction of every append, so
    # that entries cut off the end of the log are found (a chain alone cannot show that).
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    CheckConstraint("id = 1", name="one_row"),
)

month_locks = Table(
    "month_locks",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("holder", String(256), nullable=False),
    Column("host", String(256), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("pid_start", String(32), nullable=True),
    Column("token", String(32), nullable=False),
    Column("since", Stamp, nullable=False),
)

overrides = Table(
    "overrides",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("household_id", String(64), nullable=False),
    Column("worker_id", String(64), nullable=True),
    Column("tier", Integer, nullable=True),
    Column("field", String(64), nullable=True),
    Column("value", Text, nullable=True),
    Column("evidence", Text, nullable=True),
    Column("author", String(128), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", Stamp, nullable=False),
    Column("expires_on", Date, nullable=True),
    Column("status", String(16), nullable=False),
    Column("revoked_by", String(128), nullable=True),
    Column("revoked_at", Stamp, nullable=True),
    Column("revoke_reason", Text, nullable=True),
    CheckConstraint(_one_of("kind", OVERRIDE_KINDS), name="kind"),
    CheckConstraint(_one_of("status", OVERRIDE_STATUSES), name="status"),
    Index("ix_overrides_household_id", "household_id"),
    Index("ix_overrides_status", "status"),
    sqlite_autoincrement=True,
)

override_outcomes = Table(
    "override_outcomes",
    metadata,
    Column("override_id", Integer, ForeignKey("overrides.id"), primary_key=True),
    Column("run_id", String(64), ForeignKey("runs.run_id"), primary_key=True),
    Column("outcome", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    CheckConstraint(_one_of("outcome", OUTCOMES), name="outcome"),
    Index("ix_override_outcomes_run_id", "run_id"),
)
