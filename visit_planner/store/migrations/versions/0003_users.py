"""Dashboard accounts: role, jurisdiction, argon2id password hash, failed-login lockout.

An account changes (password, failed logins, lock, disabled) and is never deleted, so the
table has no append-only trigger; the audit log's triggers on PostgreSQL stay as they are.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("scope_kind", sa.String(16), nullable=False),
        sa.Column("scope_id", sa.String(9), nullable=True),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", Stamp, nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("password_changed_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("username", name="pk_users"),
        sa.CheckConstraint("length(username) BETWEEN 3 AND 32", name="ck_users_username_length"),
        sa.CheckConstraint(
            "role IN ('planner', 'supervisor', 'data_scientist', 'viewer')", name="ck_users_role"
        ),
        sa.CheckConstraint(
            "scope_kind IN ('prefecture', 'county', 'township')", name="ck_users_scope_kind"
        ),
        sa.CheckConstraint(
            "(scope_kind = 'prefecture' AND scope_id IS NULL) OR "
            "(scope_kind <> 'prefecture' AND scope_id IS NOT NULL)",
            name="ck_users_scope_id",
        ),
        sa.CheckConstraint(
            "role <> 'supervisor' OR scope_kind <> 'prefecture'",
            name="ck_users_supervisor_scope",
        ),
        sa.CheckConstraint("failed_logins >= 0", name="ck_users_failed_logins"),
    )


def downgrade() -> None:
    op.drop_table("users")
