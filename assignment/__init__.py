"""Household-to-worker assignment: candidates, constraints, solvers with proven bounds,
explanations and an independent validator.

Knows nothing of ``visit_planner``, the store or the UI: it takes polars frames and plain
dataclasses and returns result dataclasses. The public surface is the names below; modules
not listed here (the solver steps under :mod:`assignment.solver`, the problem arrays) are
internals. Names are imported on first use, so ``import assignment`` (or a light module such
as :mod:`assignment.explain`) does not load OR-Tools or HiGHS.

Layout:

* the problem - :mod:`~assignment.domain` (tiers, roles, settings, statuses, input and plan
  contracts), :mod:`~assignment.constraints` (one named function per rule),
  :mod:`~assignment.candidates` (allowed arcs), :mod:`~assignment.inputs` (input issues),
  :mod:`~assignment.problem` (a township as arrays), :mod:`~assignment.bounds` (gaps and
  statuses);
* solving - :mod:`~assignment.plan` (townships as tasks over an
  :mod:`~assignment.executor`, local processes or :mod:`~assignment.dask_executor`, in the
  order of :mod:`~assignment.schedule`), :mod:`assignment.solver` (LP, bound, repair, packing,
  the tier-1 coverage stage), :mod:`~assignment.core` (the generic assignment core, GAP, with
  :mod:`~assignment.orlib`), :mod:`~assignment.tradeoff` (one county under several settings);
* reports - :mod:`~assignment.diagnostics`, :mod:`~assignment.explain`,
  :mod:`~assignment.alternatives`, :mod:`~assignment.loads`, :mod:`~assignment.greedy` (the
  baseline), :mod:`~assignment.validator` (independent re-check of a plan).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    # the problem
    "AssignmentSettings": "assignment.domain",
    "TierSettings": "assignment.domain",
    "Role": "assignment.domain",
    "Tier": "assignment.domain",
    "Status": "assignment.domain",
    "PlanInputs": "assignment.domain",
    "PLAN_COLUMNS": "assignment.domain",
    "CANDIDATE_COLUMNS": "assignment.candidates",
    "build_candidates": "assignment.candidates",
    "InputIssue": "assignment.inputs",
    # errors
    "AssignmentError": "assignment.errors",
    "InputError": "assignment.errors",
    "PlanFormatError": "assignment.errors",
    "OrlibFormatError": "assignment.errors",
    "SolverInternalError": "assignment.errors",
    # solving
    "solve_prefecture": "assignment.plan",
    "solve_township": "assignment.plan",
    "township_tasks": "assignment.plan",
    "run_township_task": "assignment.plan",
    "combine_results": "assignment.plan",
    "PrefectureResult": "assignment.plan",
    "TownshipResult": "assignment.plan",
    "TownshipTask": "assignment.plan",
    "SolverOptions": "assignment.solver.options",
    "Executor": "assignment.executor",
    "SerialExecutor": "assignment.executor",
    "LocalProcessExecutor": "assignment.executor",
    "CoreProblem": "assignment.core",
    "CoreResult": "assignment.core",
    "gap_problem": "assignment.core",
    "solve_core": "assignment.core",
    "GapInstance": "assignment.orlib",
    "parse_gap": "assignment.orlib",
    "read_gap": "assignment.orlib",
    # reports
    "explain_plan": "assignment.explain",
    "Reason": "assignment.explain",
    "REASON_TEXT": "assignment.explain",
    "alternatives": "assignment.alternatives",
    "worker_loads": "assignment.loads",
    "greedy_plan": "assignment.greedy",
    "validate_plan": "assignment.validator",
    "Violation": "assignment.validator",
    "ViolationKind": "assignment.validator",
}

__all__ = [
    "CANDIDATE_COLUMNS",
    "PLAN_COLUMNS",
    "REASON_TEXT",
    "AssignmentError",
    "AssignmentSettings",
    "CoreProblem",
    "CoreResult",
    "Executor",
    "GapInstance",
    "InputError",
    "InputIssue",
    "LocalProcessExecutor",
    "OrlibFormatError",
    "PlanFormatError",
    "PlanInputs",
    "PrefectureResult",
    "Reason",
    "Role",
    "SerialExecutor",
    "SolverInternalError",
    "SolverOptions",
    "Status",
    "Tier",
    "TierSettings",
    "TownshipResult",
    "TownshipTask",
    "Violation",
    "ViolationKind",
    "alternatives",
    "build_candidates",
    "combine_results",
    "explain_plan",
    "gap_problem",
    "greedy_plan",
    "parse_gap",
    "read_gap",
    "run_township_task",
    "solve_core",
    "solve_prefecture",
    "solve_township",
    "township_tasks",
    "validate_plan",
    "worker_loads",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'assignment' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, eagerly
    from assignment.alternatives import alternatives
    from assignment.candidates import CANDIDATE_COLUMNS, build_candidates
    from assignment.core import CoreProblem, CoreResult, gap_problem, solve_core
    from assignment.domain import (
        PLAN_COLUMNS,
        AssignmentSettings,
        PlanInputs,
        Role,
        Status,
        Tier,
        TierSettings,
    )
    from assignment.errors import (
        AssignmentError,
        InputError,
        OrlibFormatError,
        PlanFormatError,
        SolverInternalError,
    )
    from assignment.executor import Executor, LocalProcessExecutor, SerialExecutor
    from assignment.explain import REASON_TEXT, Reason, explain_plan
    from assignment.greedy import greedy_plan
    from assignment.inputs import InputIssue
    from assignment.loads import worker_loads
    from assignment.orlib import GapInstance, parse_gap, read_gap
    from assignment.plan import (
        PrefectureResult,
        TownshipResult,
        TownshipTask,
        combine_results,
        run_township_task,
        solve_prefecture,
        solve_township,
    )
    from assignment.solver.options import SolverOptions
    from assignment.validator import Violation, ViolationKind, validate_plan
