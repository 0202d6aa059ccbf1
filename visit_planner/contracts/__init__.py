"""Input data contracts (docs/architecture.md, "Data contracts"): columns, readers, validation.

The readers and validation (:mod:`visit_planner.contracts.tables`) are imported on first use
(:func:`__getattr__`): they bring pandera and pandas, which a command that needs only the
place names of :mod:`visit_planner.contracts.places` (``users list``) or the column lists
should not load (``tests/visit_planner/test_cli_startup.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from visit_planner.contracts.columns import AUDIT_ONLY, HOUSEHOLDS, WORKERS
from visit_planner.contracts.report import Problem, format_problems

if TYPE_CHECKING:
    from visit_planner.contracts.tables import (
        TABLES,
        Inputs,
        empty_table,
        find_table,
        load_inputs,
        read_table,
        row_problems,
        validate_relations,
    )

_FROM_TABLES = frozenset(
    {"TABLES", "Inputs", "empty_table", "find_table", "load_inputs", "read_table",
     "row_problems", "validate_relations"}
)  # fmt: skip

__all__ = [
    "AUDIT_ONLY",
    "HOUSEHOLDS",
    "TABLES",
    "WORKERS",
    "Inputs",
    "Problem",
    "empty_table",
    "find_table",
    "format_problems",
    "load_inputs",
    "read_table",
    "row_problems",
    "validate_relations",
]


def __getattr__(name: str) -> Any:
    """The names of :mod:`visit_planner.contracts.tables`, imported when first asked for."""
    if name in _FROM_TABLES:
        from visit_planner.contracts import tables

        return getattr(tables, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
