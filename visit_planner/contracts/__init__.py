"""Input data contracts (docs/architecture.md, "Data contracts"): columns, readers, validation."""

from visit_planner.contracts.columns import AUDIT_ONLY, HOUSEHOLDS, WORKERS
from visit_planner.contracts.report import Problem, format_problems
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
