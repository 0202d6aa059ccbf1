"""Exceptions of the dashboard.

VisitPlannerError (visit_planner.errors)
└── DashboardError
    └── OutOfScopeError   the signed-in user may not see or do this (another
                          jurisdiction, or a role without access)
"""

from __future__ import annotations

from visit_planner.errors import VisitPlannerError


class DashboardError(VisitPlannerError):
    """Base class of the dashboard's errors; pages show the message, never a traceback."""


class OutOfScopeError(DashboardError):
    """The signed-in user may not see or do this (another jurisdiction, or the role)."""
