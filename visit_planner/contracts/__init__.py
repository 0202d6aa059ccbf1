"""Input data contracts (docs/architecture.md, "Data contracts"): columns, readers, validation.

The readers and validation (:mod:`visit_planner.contracts.tables`) and the column lists
(:mod:`visit_planner.contracts.columns`) are imported on first use (:func:`__getattr__`): they
bring pandera and pandas, or polars, which a command that needs only the place names of
:mod:`visit_planner.contracts.places` (``users list``), the column lists, or the check that its
paths are there (:mod:`visit_planner.contracts.input_paths`: ``validate /nonexistent``)
should not load (``tests/visit_planner/test_cli_startup.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from visit_planner.contracts.report import Problem, format_problems

if TYPE_CHECKING:
    from visit_planner.contracts.columns import AUDIT_ONLY, HOUSEHOLDS, WORKERS
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


_FROM_COLUMNS = frozenset({"AUDIT_ONLY", "HOUSEHOLDS", "WORKERS"})


def __getattr__(name: str) -> Any:
    """The names of :mod:`visit_planner.contracts.tables` and :mod:`.columns`, imported when
    first asked for."""
    if name in _FROM_TABLES:
        from visit_planner.contracts import tables

        return getattr(tables, name)
    if name in _FROM_COLUMNS:
        from visit_planner.contracts import columns

        return getattr(columns, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
