"""Independent plan validator: re-derives every rule of a plan from the raw inputs.

Nothing here reads the optimizer's data structures or the candidate arcs: role eligibility,
jurisdiction, travel time, hours, conflicts, pins and forbids are all recomputed from the
households, workers, scores, previous assignment, conflicts, pins and forbids, and from the
policy values in :class:`~assignment.domain.AssignmentSettings` (plain data, no solver state).
A plan is valid iff :func:`validate_plan` returns an empty list.

Each rule is one small function ``check_<kind>`` returning the offending rows; the docstring of
each states the rule. The travel model (docs/architecture.md, "Policy defaults") is implemented
here on its own — straight-line haversine km x the household's county road factor / speed x 60,
twice for a round trip — so that a bug in the candidate builder cannot hide itself.

Modules, one concern each: :mod:`.violations` (the kinds, their titles, one violation),
:mod:`.tolerance`, :mod:`.travel` (the travel model), :mod:`.table` (the violation table's
shape), :mod:`.derive` (each plan row joined with its inputs and re-derived values),
:mod:`.hard_rules` and :mod:`.pairs` (the assignment's rules), :mod:`.reported` (the plan's
reported columns) and :mod:`.api` (the entry points, re-exported here).
"""

from __future__ import annotations

from assignment.domain import PLAN_COLUMNS, PlanInputs
from assignment.errors import PlanFormatError
from assignment.validator.api import (
    summarize_violations,
    validate_plan,
    violations_frame,
)
from assignment.validator.api import violations_table as violations_table
from assignment.validator.hard_rules import CADRE as CADRE
from assignment.validator.hard_rules import GRID_WORKER as GRID_WORKER
from assignment.validator.hard_rules import VILLAGE_OFFICIAL as VILLAGE_OFFICIAL
from assignment.validator.hard_rules import allowed_pairs
from assignment.validator.tolerance import TOL as TOL
from assignment.validator.tolerance import Tolerance
from assignment.validator.travel import EARTH_RADIUS_KM, haversine_km, travel_minutes
from assignment.validator.travel import road_factor_expr as road_factor_expr
from assignment.validator.violations import KIND_TITLES as KIND_TITLES
from assignment.validator.violations import Violation, ViolationKind

__all__ = [
    "EARTH_RADIUS_KM",
    "PLAN_COLUMNS",
    "PlanFormatError",
    "PlanInputs",
    "Tolerance",
    "Violation",
    "ViolationKind",
    "allowed_pairs",
    "haversine_km",
    "summarize_violations",
    "travel_minutes",
    "validate_plan",
    "violations_frame",
]
