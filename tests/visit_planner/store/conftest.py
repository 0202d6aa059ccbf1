"""Fixtures of the store tests: every test runs on SQLite and on PostgreSQL (``db_url``, in
``tests/visit_planner/conftest.py``, shared with the planning-cycle tests)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from visit_planner.store import Store, users
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


@pytest.fixture(autouse=True)
def quick_argon2(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at its least cost (one pass over 8 MiB: about 5 ms instead of 150 ms a hash),
    in this process only, for tests of what the store does with hashes, not of their cost; a
    test marked ``real_argon2`` keeps the program's parameters (the rehash-on-sign-in test)."""
    if request.node.get_closest_marker("real_argon2") is None:
        cheap = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
        monkeypatch.setattr(users, "_HASHER", cheap)
