"""Alembic environment of the store.

The application runs migrations in code (:mod:`visit_planner.store.schema`): it passes an open
connection, already inside the transaction that also checks the version and audits the upgrade,
as ``config.attributes["connection"]``, so a failed migration leaves nothing behind. A developer
may also run the ``alembic`` command with ``sqlalchemy.url`` set (e.g. to write a revision).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from visit_planner.store.models import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("the store's migrations run against a database, not as SQL scripts")

given = config.attributes.get("connection")
if given is not None:
    _run(given)
else:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set sqlalchemy.url (alembic -x is not used) to the store's URL")
    with create_engine(url).begin() as conn:
        _run(conn)
