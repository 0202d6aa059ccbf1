"""How values are written to the store: canonical JSON and UTC timestamps.

JSON columns (``*_json``) hold canonical JSON (sorted keys, no spaces, UTF-8, no NaN) so that
the same value is always the same text: the audit chain hashes it, and a reader on another
database gets byte-identical details. Timestamps are UTC; SQLite hands them back without a
zone, PostgreSQL in the session's zone, and :func:`utc` makes both the same aware value.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from visit_planner.clock import as_utc

__all__ = ["canonical_json", "iso", "parse_json", "plain", "utc", "utc_now"]


def plain(value: Any) -> Any:
    """``value`` as JSON-ready builtins: mappings to dicts with string keys, sequences to lists,
    non-finite floats (a solver's infinite gap) to None, dates to ISO text, numpy scalars to
    Python numbers, anything else to its text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [plain(v) for v in items]
    if isinstance(value, date):
        return iso(value) if isinstance(value, datetime) else value.isoformat()
    item = getattr(value, "item", None)  # numpy and polars scalars
    return plain(item()) if callable(item) else str(value)


def canonical_json(value: Any) -> str:
    """The one text of ``value``: sorted keys, compact separators, UTF-8 kept, no NaN."""
    return json.dumps(
        plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def parse_json(text: str | None) -> Any:
    """The value of a JSON column (None stays None)."""
    return None if text is None else json.loads(text)


utc = as_utc
"""``moment`` as an aware UTC datetime; a naive one (SQLite) is taken as UTC already: the rule
of :func:`visit_planner.clock.as_utc`, which shows the same moments to people."""


def utc_now() -> datetime:
    """Now, in UTC, to the microsecond (both databases keep microseconds)."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """The canonical text of a timestamp: UTC, ISO 8601, microseconds."""
    return utc(moment).isoformat(timespec="microseconds")
