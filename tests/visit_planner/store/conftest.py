"""Fixtures of the store tests: every test runs on SQLite and on PostgreSQL (``db_url``, in
``tests/visit_planner/conftest.py``, shared with the planning-cycle tests)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from visit_planner.store import Store
from visit_planner.store.engine import parse_store_url

PG_URL_ENV = "VISIT_PLANNER_TEST_PG_URL"


@pytest.fixture
def dialect(db_url: str) -> str:
    """``sqlite`` or ``postgresql``: the kind of database of this test."""
    return parse_store_url(db_url).get_backend_name()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A new store at head on the test's database."""
    opened = Store.open(db_url, busy_timeout=5.0)
    yield opened
    opened.close()
