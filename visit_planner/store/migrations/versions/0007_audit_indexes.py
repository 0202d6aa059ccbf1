"""An index on the audit log's action, for ``audit list --action``.

Every sign-in is audited, so after a few years the log holds millions of entries; without
it, finding the last entries of a rare action (``--action override.revoke``) walked the
whole log from its end, and so did listing the actions the log holds (which ``--action``
checks its names against). ``(action, seq)`` gives an action's entries newest first, as the
listing reads them, and the actions one by one. Built from the existing log on upgrade.

No index on the time: ``--since`` reads the log from its end (the newest entries are the
last seqs), where the entries it wants are, and neither SQLite nor PostgreSQL chose an index
on ``at`` over that for the listing's query (EXPLAIN on a log of a million entries).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_action_seq", "audit", ["action", "seq"])


def downgrade() -> None:
    op.drop_index("ix_audit_action_seq", table_name="audit")
