"""Household-to-worker assignment: candidates, constraints, OR-Tools/HiGHS solvers, bounds.

Knows nothing of ``visit_planner``, the store or the UI: it takes polars frames and plain
dataclasses and returns result dataclasses.

Public API::

    solve_prefecture(households, workers, settings, previous=..., conflicts=..., pins=...,
                     forbids=..., processes=2) -> PrefectureResult
    solve_township(households_of_one_township, workers, settings, ...) -> TownshipResult
    solve_core(CoreProblem, ...) -> CoreResult          # generic capacitated assignment
    read_gap(path) -> list[GapInstance]                 # OR-Library GAP files
"""

from __future__ import annotations

from assignment.candidates import CANDIDATE_COLUMNS, build_candidates
from assignment.core import CoreProblem, CoreResult, gap_problem, solve_core
from assignment.domain import AssignmentSettings, Role, Status, Tier, TierSettings
from assignment.executor import Executor, LocalProcessExecutor, SerialExecutor
from assignment.inputs import InputIssue
from assignment.orlib import GapInstance, parse_gap, read_gap
from assignment.plan import (
    PLAN_COLUMNS,
    PrefectureResult,
    TownshipResult,
    solve_prefecture,
    solve_township,
)
from assignment.township import SolverOptions

__all__ = [
    "CANDIDATE_COLUMNS",
    "PLAN_COLUMNS",
    "AssignmentSettings",
    "CoreProblem",
    "CoreResult",
    "Executor",
    "GapInstance",
    "InputIssue",
    "LocalProcessExecutor",
    "PrefectureResult",
    "Role",
    "SerialExecutor",
    "SolverOptions",
    "Status",
    "Tier",
    "TierSettings",
    "TownshipResult",
    "build_candidates",
    "gap_problem",
    "parse_gap",
    "read_gap",
    "solve_core",
    "solve_prefecture",
    "solve_township",
]
