"""Alembic migrations of the store (run in code by :mod:`visit_planner.store.schema`)."""
