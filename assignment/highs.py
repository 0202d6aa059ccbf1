"""HiGHS (through scipy.optimize) behind one module: sparse LPs with duals, and small MIPs.

scipy's HiGHS binding takes whole sparse matrices, so building a model with 10^5 columns
costs milliseconds, where a per-variable Python API would cost seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp


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
    time_limit: float | None = None,
) -> LPSolution:
    """Minimise ``c x`` s.t. ``a_ub x <= b_ub``, ``0 <= x <= upper`` with HiGHS dual simplex."""
    options: dict[str, object] = {"presolve": True}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    res = linprog(
        c,
        A_ub=a_ub,
        b_ub=b_ub,
        bounds=np.column_stack([np.zeros_like(upper), upper]),
        method="highs-ds",
        options=options,
    )
    if res.status != 0 or res.x is None:
        n = len(c)
        return LPSolution(False, str(res.message), np.zeros(n), float("nan"), np.zeros(len(b_ub)))
    return LPSolution(True, "optimal", res.x, float(res.fun), np.asarray(res.ineqlin.marginals))


@dataclass(frozen=True)
class MIPSolution:
    """A MIP outcome: status text, incumbent (or None), objective and proven dual bound."""

    status: str  # "optimal" | "feasible" | "infeasible" | "unknown"
    x: np.ndarray | None
    objective: float | None
    bound: float | None


def solve_mip(  # noqa: PLR0917  (the LP data, as scipy takes it)
    c: np.ndarray,
    a: sp.csr_matrix,
    lo: np.ndarray,
    hi: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    *,
    time_limit: float | None = None,
    rel_gap: float = 1e-9,
) -> MIPSolution:
    """Minimise ``c x`` s.t. ``lo <= a x <= hi``, ``lower <= x <= upper``, x binary (HiGHS)."""
    options: dict[str, object] = {"mip_rel_gap": rel_gap, "presolve": True}
    if time_limit is not None:
        options["time_limit"] = float(time_limit)
    res = milp(
        c,
        constraints=[LinearConstraint(a, lo, hi)] if a.shape[0] else None,
        integrality=np.ones(len(c), dtype=np.int8),
        bounds=Bounds(lower, upper),
        options=options,
    )
    bound = getattr(res, "mip_dual_bound", None)
    bound = None if bound is None or not np.isfinite(bound) else float(bound)
    if res.status == 0:
        x = np.round(res.x)
        return MIPSolution("optimal", x, float(c @ x), bound if bound is not None else float(c @ x))
    if res.x is not None:
        x = np.round(res.x)
        return MIPSolution("feasible", x, float(c @ x), bound)
    if res.status == 2:
        return MIPSolution("infeasible", None, None, None)
    return MIPSolution("unknown", None, None, bound)
