"""CP-SAT (OR-Tools) behind one module: its model and solver classes, and the solver setup.

Every CP-SAT solve of the optimizer is deterministic: a fixed seed, a limit in deterministic
time (``work``) and, in the township solves, one thread, so that a plan does not depend on
the machine's load or core count; a wall-clock limit is a safety net only. CP-SAT takes
integers: each caller scales its hours and costs with the rounding its model needs (the
tier-1 stage's conservative and relaxed models, :mod:`assignment.solver.top_model`; the
packing search's safe rounding, :mod:`assignment.solver.packing`; the generic core's fixed
point, :mod:`assignment.core`), so that is left to them.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

__all__ = [
    "FEASIBLE",
    "INFEASIBLE",
    "MODEL_INVALID",
    "OPTIMAL",
    "UNKNOWN",
    "CpModel",
    "CpSolver",
    "CpSolverStatus",
    "IntVar",
    "LinearExpr",
    "new_solver",
]

CpModel = cp_model.CpModel
CpSolver = cp_model.CpSolver
CpSolverStatus = cp_model.CpSolverStatus
IntVar = cp_model.IntVar
LinearExpr = cp_model.LinearExpr
OPTIMAL = cp_model.OPTIMAL
FEASIBLE = cp_model.FEASIBLE
INFEASIBLE = cp_model.INFEASIBLE
MODEL_INVALID = cp_model.MODEL_INVALID
UNKNOWN = cp_model.UNKNOWN


def new_solver(
    *,
    seed: int,
    work: float | None,
    time_limit: float | None = None,
    workers: int = 1,
    params: tuple[tuple[str, object], ...] = (),
) -> cp_model.CpSolver:
    """A CP-SAT solver with ``seed``, at most ``work`` deterministic seconds (None: no
    limit), ``time_limit`` wall seconds as a safety net (None: none), ``workers`` threads,
    and further ``params`` (name, value) of CP-SAT's parameters."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = max(1, int(workers))
    solver.parameters.random_seed = int(seed)
    if work is not None:
        solver.parameters.max_deterministic_time = float(work)
    if time_limit is not None:
        solver.parameters.max_time_in_seconds = float(time_limit)
    for name, value in params:
        setattr(solver.parameters, name, value)
    return solver
