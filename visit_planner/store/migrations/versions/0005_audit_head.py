"""The audit log's head record: the last entry's seq and hash, kept beside the chain.

A hash chain cannot show that entries were cut off its end: what is left is still a valid
chain. ``audit_head`` (one row) is updated in the same transaction as every append, so
``audit verify`` finds a log that ends before its head (entries removed from the end), or an
entry the application never wrote after it. Filled from the existing log on upgrade. On
PostgreSQL a trigger lets the head only move on by one entry (no delete, no truncate, no step
back), whoever connects.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_PG_GUARDS = """
CREATE FUNCTION vp_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.seq = OLD.seq + 1 THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit head only moves on by one entry: % refused (审计链头只能前进)',
        TG_OP;
END $$;

CREATE TRIGGER audit_head_forward BEFORE UPDATE OR DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION vp_audit_head_forward();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION vp_audit_head_forward();
"""

_PG_GUARDS_DROP = """
DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_head;
DROP TRIGGER IF EXISTS audit_head_forward ON audit_head;
DROP FUNCTION IF EXISTS vp_audit_head_forward();
"""


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
        sa.CheckConstraint("id = 1", name="ck_audit_head_one_row"),
    )
    op.execute(
        "INSERT INTO audit_head (id, seq, hash) "
        "SELECT 1, seq, hash FROM audit WHERE seq = (SELECT max(seq) FROM audit)"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_GUARDS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_GUARDS_DROP)
    op.drop_table("audit_head")
