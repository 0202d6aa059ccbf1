"""Household-to-worker assignment: candidates, constraints, OR-Tools/HiGHS solvers, bounds.

Knows nothing of ``visit_planner``, the store or the UI: it takes polars frames and plain
dataclasses and returns result dataclasses.
"""

from __future__ import annotations

from assignment.candidates import CANDIDATE_COLUMNS, build_candidates
from assignment.domain import AssignmentSettings, Role, Status, Tier, TierSettings

__all__ = [
    "CANDIDATE_COLUMNS",
    "AssignmentSettings",
    "Role",
    "Status",
    "Tier",
    "TierSettings",
    "build_candidates",
]
