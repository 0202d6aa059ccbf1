"""How far a plan's reported numbers may stray from the validator's re-derived ones.

One value for the whole validator: the capacity rule (:mod:`.hard_rules`) and the reported
minutes and hours (:mod:`.reported`) judge with the same tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerance:
    """How far a reported number may be from the re-derived one (solvers round costs).

    Minutes: ``abs_minutes + rel x value``; capacity: ``hours`` over ``monthly_hours``.
    """

    abs_minutes: float = 0.05
    rel: float = 1e-3
    hours: float = 1e-3


TOL = Tolerance()
