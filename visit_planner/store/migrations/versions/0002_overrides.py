"""Overrides (tier, pin, forbid, data correction) and their outcome in each run.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "overrides",
        sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("household_id", sa.String(64), nullable=False),
        sa.Column("worker_id", sa.String(64), nullable=True),
        sa.Column("tier", sa.Integer, nullable=True),
        sa.Column("field", sa.String(64), nullable=True),
        sa.Column("value", sa.Text, nullable=True),
        sa.Column("evidence", sa.Text, nullable=True),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("expires_on", sa.Date, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("revoked_by", sa.String(128), nullable=True),
        sa.Column("revoked_at", Stamp, nullable=True),
        sa.Column("revoke_reason", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_overrides"),
        sa.CheckConstraint(
            "kind IN ('tier', 'pin', 'forbid', 'correction')", name="ck_overrides_kind"
        ),
        sa.CheckConstraint("status IN ('active', 'revoked')", name="ck_overrides_status"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_overrides_household_id", "overrides", ["household_id"])
    op.create_index("ix_overrides_status", "overrides", ["status"])
    op.create_table(
        "override_outcomes",
        sa.Column("override_id", sa.Integer, nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("override_id", "run_id", name="pk_override_outcomes"),
        sa.ForeignKeyConstraint(
            ["override_id"], ["overrides.id"], name="fk_override_outcomes_override_id_overrides"
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.run_id"], name="fk_override_outcomes_run_id_runs"
        ),
        sa.CheckConstraint(
            "outcome IN ('applied', 'not_applied')", name="ck_override_outcomes_outcome"
        ),
    )
    op.create_index("ix_override_outcomes_run_id", "override_outcomes", ["run_id"])


def downgrade() -> None:
    op.drop_index("ix_override_outcomes_run_id", table_name="override_outcomes")
    op.drop_table("override_outcomes")
    op.drop_index("ix_overrides_status", table_name="overrides")
    op.drop_index("ix_overrides_household_id", table_name="overrides")
    op.drop_table("overrides")
