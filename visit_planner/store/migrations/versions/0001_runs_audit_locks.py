"""Runs, run townships, the audit log and month locks.

On PostgreSQL, triggers make the audit log and run townships append-only and let a run change
only its status, whoever connects (the application has no such path either).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Stamp = sa.DateTime(timezone=True)

_PG_GUARDS = """
CREATE FUNCTION vp_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % refused (只能追加，不能修改或删除)',
        TG_TABLE_NAME, TG_OP;
END $$;

CREATE FUNCTION vp_run_status_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'status') = (to_jsonb(OLD) - 'status') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'a published run is immutable: % on runs refused (已发布方案不可修改)',
        TG_OP;
END $$;

CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION vp_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION vp_append_only();
CREATE TRIGGER run_townships_append_only BEFORE UPDATE OR DELETE ON run_townships
    FOR EACH ROW EXECUTE FUNCTION vp_append_only();
CREATE TRIGGER run_townships_no_truncate BEFORE TRUNCATE ON run_townships
    FOR EACH STATEMENT EXECUTE FUNCTION vp_append_only();
CREATE TRIGGER runs_status_only BEFORE UPDATE OR DELETE ON runs
    FOR EACH ROW EXECUTE FUNCTION vp_run_status_only();
CREATE TRIGGER runs_no_truncate BEFORE TRUNCATE ON runs
    FOR EACH STATEMENT EXECUTE FUNCTION vp_append_only();
"""

_PG_GUARDS_DROP = """
DROP TRIGGER IF EXISTS runs_no_truncate ON runs;
DROP TRIGGER IF EXISTS runs_status_only ON runs;
DROP TRIGGER IF EXISTS run_townships_no_truncate ON run_townships;
DROP TRIGGER IF EXISTS run_townships_append_only ON run_townships;
DROP TRIGGER IF EXISTS audit_no_truncate ON audit;
DROP TRIGGER IF EXISTS audit_append_only ON audit;
DROP FUNCTION IF EXISTS vp_run_status_only();
DROP FUNCTION IF EXISTS vp_append_only();
"""


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("parent_run_id", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("model_version", sa.String(256), nullable=True),
        sa.Column("policy_sha256", sa.String(64), nullable=False),
        sa.Column("policy_text", sa.Text, nullable=False),
        sa.Column("inputs_json", sa.Text, nullable=False),
        sa.Column("code_version", sa.String(64), nullable=False),
        sa.Column("metrics_json", sa.Text, nullable=False),
        sa.Column("plan_sha256", sa.String(64), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("run_id", name="pk_runs"),
        sa.ForeignKeyConstraint(
            ["parent_run_id"], ["runs.run_id"], name="fk_runs_parent_run_id_runs"
        ),
        sa.CheckConstraint("kind IN ('plan', 'amend')", name="ck_runs_kind"),
        sa.CheckConstraint(
            "status IN ('current', 'superseded', 'rolled_back')", name="ck_runs_status"
        ),
        sa.CheckConstraint("version >= 1", name="ck_runs_version"),
    )
    op.create_index("ix_runs_month_version", "runs", ["month", "version"], unique=True)
    op.create_index(
        "ix_runs_one_current",
        "runs",
        ["month"],
        unique=True,
        sqlite_where=sa.text("status = 'current'"),
        postgresql_where=sa.text("status = 'current'"),
    )
    op.create_table(
        "run_townships",
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("township_id", sa.String(64), nullable=False),
        sa.Column("plan_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("diagnostics_json", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "township_id", name="pk_run_townships"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name="fk_run_townships_run_id_runs"),
    )
    op.create_table(
        "audit",
        sa.Column("seq", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("at", Stamp, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(256), nullable=False),
        sa.Column("details_json", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "month_locks",
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("holder", sa.String(256), nullable=False),
        sa.Column("host", sa.String(256), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("pid_start", sa.String(32), nullable=True),
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column("since", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("month", name="pk_month_locks"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_GUARDS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_GUARDS_DROP)
    op.drop_table("month_locks")
    op.drop_table("audit")
    op.drop_table("run_townships")
    op.drop_index("ix_runs_one_current", table_name="runs")
    op.drop_index("ix_runs_month_version", table_name="runs")
    op.drop_table("runs")
