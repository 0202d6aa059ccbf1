"""HiGHS behind one module: sparse LPs with duals, LPs grown column by column, small MIPs.

Models go in as whole sparse matrices (scipy's ``linprog`` for one-off LPs, ``highspy``'s
``HighsLp`` for the incremental LP and the MIPs), so building a model with 10^5 columns costs
milliseconds, where a per-variable Python API would cost seconds.

Every HiGHS instance runs on one thread. The MIPs once went through scipy's own HiGHS build,
which takes every core: with one township per process on a 2-core machine the processes'
threads competed for the cores, and the work depended on the machine's core count. On the
same tight instances back to back (scale 1, seed 1) the run's CPU seconds fell from 406 to
375, the tier-1 stage's from 113 to 85 (``bench/bench_assign.py --scale 1 --processes 2
--tight --skip-greedy --solver-only``; ``bench/results/assign_scale1_solver_tight_scipy_mip.md``
before, ``assign_scale1_solver_tight.md`` after).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog


@dataclass(frozen=True)
class LPSolution:
    """An LP optimum: primal ``x``, objective, and duals of the <= rows (<= 0 for minimise)."""

    ok: bool
    message: str
    x: np.ndarray
    objective: float
    row_duals: np.ndarray


def solve_lp(
    c: np.ndarray,
    a_ub: sp.csr_matrix,
    b_ub: np.ndarray,
    upper: np.ndarray,
    *,
    time_limit: float | None = None,
    lower: np.ndarray | None = None,
) -> LPSolution:
    """Minimise ``c x`` s.t. ``a_ub x <= b_ub``, ``lower <= x <= upper`` (HiGHS dual simplex)."""
    options: dict[str, object] = {"presolve": True}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    res = linprog(
        c,
        A_ub=a_ub,
        b_ub=b_ub,
        bounds=np.column_stack([np.zeros_like(upper) if lower is None else lower, upper]),
        method="highs-ds",
        options=options,
    )
    if res.status != 0 or res.x is None:
        n = len(c)
        return LPSolution(False, str(res.message), np.zeros(n), float("nan"), np.zeros(len(b_ub)))
    return LPSolution(True, "optimal", res.x, float(res.fun), np.asarray(res.ineqlin.marginals))


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence file descriptor 1 (HiGHS' C++ MIP code can print debug lines to stdout)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:  # noqa: PTH123
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


@dataclass(frozen=True)
class MIPSolution:
    """A MIP outcome: status text, incumbent (or None), objective and proven dual bound."""

    status: str  # "optimal" | "feasible" | "infeasible" | "unknown"
    x: np.ndarray | None
    objective: float | None
    bound: float | None


def solve_mip(  # noqa: PLR0917  (the MIP's data, as a sparse LP is given)
    c: np.ndarray,
    a: sp.csr_matrix,
    lo: np.ndarray,
    hi: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    *,
    time_limit: float | None = None,
    rel_gap: float = 1e-9,
    node_limit: int | None = None,
    integrality: np.ndarray | None = None,
    primal_focus: bool = False,
    rens: bool = True,
    start: np.ndarray | None = None,
) -> MIPSolution:
    """Minimise ``c x`` s.t. ``lo <= a x <= hi``, ``lower <= x <= upper`` (HiGHS).

    Every variable is integer unless ``integrality`` (1 integer, 0 continuous) says otherwise.
    ``primal_focus``: for a node-limited solve wanted for its plan, not its bound: branching
    on pseudo-costs from the first node (no strong branching) and no restart, so the node
    budget goes to finding plans; the bound returned is still proven, possibly weaker.
    ``rens=False`` skips HiGHS's RENS heuristic (a sub-MIP around the root LP's solution),
    where it costs more than it finds (the tier-1 count MIP, :func:`~assignment.solver.
    coverage._mip`).
    """
    h = _new_highs()
    h.setOptionValue("mip_rel_gap", float(rel_gap))
    if primal_focus:
        h.setOptionValue("mip_pscost_minreliable", 0)
        h.setOptionValue("mip_allow_restart", False)
    if not rens:
        h.setOptionValue("mip_heuristic_run_rens", False)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    if node_limit is not None:
        h.setOptionValue("mip_max_nodes", int(node_limit))
    m = sp.csc_matrix(a)
    m.sort_indices()
    model = highspy.HighsLp()
    model.num_col_, model.num_row_ = len(c), m.shape[0]
    model.col_cost_ = np.asarray(c, dtype=np.float64)
    model.col_lower_ = np.asarray(lower, dtype=np.float64)
    model.col_upper_ = np.asarray(upper, dtype=np.float64)
    model.row_lower_ = np.asarray(lo, dtype=np.float64)
    model.row_upper_ = np.asarray(hi, dtype=np.float64)
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = m.indptr.astype(np.int32)
    model.a_matrix_.index_ = m.indices.astype(np.int32)
    model.a_matrix_.value_ = m.data.astype(np.float64)
    kinds = np.ones(len(c), dtype=np.int8) if integrality is None else integrality
    integer, continuous = highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous
    model.integrality_ = [integer if k else continuous for k in kinds.tolist()]
    with _quiet_stdout():
        h.passModel(model)
        if start is not None:
            given = highspy.HighsSolution()
            given.col_value = np.asarray(start, dtype=np.float64).tolist()
            given.value_valid = True
            h.setSolution(given)
        h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
    feasible = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    if status == highspy.HighsModelStatus.kOptimal:
        x = _rounded(np.asarray(h.getSolution().col_value), integrality)
        return MIPSolution("optimal", x, float(c @ x), bound if bound is not None else float(c @ x))
    if feasible:
        x = _rounded(np.asarray(h.getSolution().col_value), integrality)
        return MIPSolution("feasible", x, float(c @ x), bound)
    if status == highspy.HighsModelStatus.kInfeasible:
        return MIPSolution("infeasible", None, None, None)
    return MIPSolution("unknown", None, None, bound)


def _rounded(x: np.ndarray, integrality: np.ndarray | None) -> np.ndarray:
    # Integer variables come back within HiGHS' tolerance of an integer: round them only.
    if integrality is None:
        return np.round(x)
    return np.where(integrality > 0, np.round(x), x)


_BANNER_DONE = False


def _new_highs() -> highspy.Highs:
    """A silent HiGHS instance (its first construction prints a banner to fd 1: swallowed)."""
    global _BANNER_DONE  # noqa: PLW0603  (a once-per-process fact about the C library)
    if _BANNER_DONE:
        h = highspy.Highs()
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as devnull:  # noqa: PTH123
                os.dup2(devnull.fileno(), 1)
                h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _BANNER_DONE = True
    h.setOptionValue("output_flag", False)
    # One thread everywhere (see the module docstring); HiGHS also keeps one scheduler per
    # process, and an instance asking for another thread count than the first fails to run.
    h.setOptionValue("threads", 1)
    return h


class IncrementalLP:
    """``min c x, rows lower <= A x <= upper, lb <= x <= ub`` grown column by column.

    Re-solves warm-start from the previous basis, which makes column generation cheap.
    """

    def __init__(self, row_lower: np.ndarray, row_upper: np.ndarray) -> None:
        self._h = _new_highs()
        # Primal simplex, no presolve: x = 0 is feasible, and warm starts after adding columns
        # stay primal feasible (measured ~3x faster than dual simplex on township LPs).
        self._h.setOptionValue("presolve", "off")
        self._h.setOptionValue("simplex_strategy", 4)
        inf = highspy.kHighsInf
        lo = np.where(np.isfinite(row_lower), row_lower, -inf).astype(np.float64)
        hi = np.where(np.isfinite(row_upper), row_upper, inf).astype(np.float64)
        self._h.addRows(
            len(lo), lo, hi, 0, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0)
        )
        self.n_cols = 0

    def add_columns(
        self, cost: np.ndarray, lower: np.ndarray, upper: np.ndarray, matrix: sp.csc_matrix
    ) -> None:
        """Append columns (``matrix`` has one column per new variable, all rows)."""
        m = matrix.tocsc()
        m.sort_indices()
        self._h.addCols(
            len(cost),
            cost.astype(np.float64),
            lower.astype(np.float64),
            upper.astype(np.float64),
            int(m.nnz),
            m.indptr[:-1].astype(np.int32),
            m.indices.astype(np.int32),
            m.data.astype(np.float64),
        )
        self.n_cols += len(cost)

    def set_basis(self, col_basic: np.ndarray, row_basic: np.ndarray) -> bool:
        """Start the next solve from a basis: ``col_basic``/``row_basic`` flag the basic
        columns and row slacks; other columns sit at their lower bound, other rows at their
        upper bound. A crash basis for speed only: HiGHS repairs or rejects a basis that does
        not fit (returns False then), and the optimum does not depend on it."""
        basic = highspy.HighsBasisStatus.kBasic
        lower = highspy.HighsBasisStatus.kLower
        upper = highspy.HighsBasisStatus.kUpper
        basis = highspy.HighsBasis()
        basis.col_status = [basic if b else lower for b in col_basic.tolist()]
        basis.row_status = [basic if b else upper for b in row_basic.tolist()]
        basis.valid = True
        return self._h.setBasis(basis) == highspy.HighsStatus.kOk

    def solve(self, time_limit: float | None = None) -> LPSolution:
        """Solve (warm) and return primal, objective and row duals (<= 0 on binding <= rows)."""
        if time_limit is not None:
            self._h.setOptionValue("time_limit", float(time_limit))
        self._h.run()
        status = self._h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            return LPSolution(
                False,
                self._h.modelStatusToString(status),
                np.zeros(self.n_cols),
                float("nan"),
                np.zeros(0),
            )
        sol = self._h.getSolution()
        return LPSolution(
            True,
            "optimal",
            np.asarray(sol.col_value),
            self._h.getInfo().objective_function_value,
            np.asarray(sol.row_dual),
        )
