"""Gaps and statuses from an objective and a proven bound: one definition for every solver.

A bound is reported as the solver proved it, never clamped to the objective. A minimisation
bound above its own plan's objective (beyond floating-point noise) is impossible: it means a
bug, so it raises :class:`~assignment.errors.SolverInternalError`, which the township runner
reports as that township's error instead of turning it into "gap 0, optimal".
"""

from __future__ import annotations

from assignment.domain import Status
from assignment.errors import SolverInternalError

BOUND_TOL = 1e-6
"""Relative tolerance within which a bound above the objective is floating-point noise."""

OPTIMAL_GAP = 1e-9
"""A plan whose relative gap is at most this is reported as optimal."""


def check_bound(objective: float, bound: float) -> None:
    """Raise :class:`SolverInternalError` when a lower ``bound`` exceeds ``objective``."""
    if bound > objective + BOUND_TOL * max(1.0, abs(objective)):
        raise SolverInternalError(
            f"proven bound {bound:,.6f} is above the plan's objective {objective:,.6f}: "
            "a solver bug, not a result"
        )


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """(objective - bound) / |objective| for a minimisation; None without both figures.

    Within :data:`BOUND_TOL` a bound above the objective gives gap 0; beyond it,
    :func:`check_bound` raises.
    """
    if objective is None or bound is None:
        return None
    check_bound(objective, bound)
    return max(0.0, objective - bound) / max(abs(objective), 1e-9)


def relative_gap_net(
    objective: float | None, bound: float | None, unavoidable: float
) -> float | None:
    """(objective - bound) / (objective - unavoidable): the gap as a share of what decisions
    can still change, ``unavoidable`` a part of the objective every plan in question pays
    (at most ``bound``). None without both figures.

    The bound is checked against the whole objective (:func:`check_bound`: floating-point
    noise is relative to the sums that make it), never against the remainder, which may be
    small; the gap is at most 1."""
    if objective is None or bound is None:
        return None
    check_bound(objective, bound)
    distance = max(0.0, objective - bound)
    return distance / max(objective - unavoidable, distance, 1e-9)


def status_from_gap(gap: float | None) -> Status:
    """OPTIMAL when the plan is proven optimal (gap within :data:`OPTIMAL_GAP`), else FEASIBLE."""
    return Status.OPTIMAL if gap is not None and gap <= OPTIMAL_GAP else Status.FEASIBLE
