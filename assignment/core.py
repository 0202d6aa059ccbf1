"""The generic capacitated-assignment core, independent of households.

Items, agents, candidate (item, agent) arcs each with a cost and a use of every agent resource,
hard agent capacities per resource, a soft penalty for leaving an item unassigned (``inf``:
the item must be assigned), pinned arcs (must) and forbidden arcs (never). Solved exactly by
OR-Tools CP-SAT (default) or by HiGHS branch-and-bound; the result carries the status, the
objective, a proven bound and the gap. The generalized assignment problem (GAP) of the
OR-Library is the special case with one resource and every item required.

Table-driven: the model is a long table of arcs; one boolean per arc; one row per item
(at most one arc, exactly one when required); one row per agent and resource (capacity);
the objective is a dot product.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import scipy.sparse as sp

from assignment.bounds import relative_gap
from assignment.domain import Status
from assignment.errors import InputError, SolverInternalError
from assignment.solver import cpsat as cp_model
from assignment.solver.highs import solve_mip

_SCALE = 1000  # fixed-point scale for non-integer data in CP-SAT


@dataclass(frozen=True)
class CoreProblem:
    """A capacitated assignment problem as arc arrays (see module docstring)."""

    n_items: int
    n_agents: int
    arc_item: np.ndarray
    arc_agent: np.ndarray
    arc_cost: np.ndarray
    arc_use: np.ndarray  # (n_arcs, n_resources)
    capacity: np.ndarray  # (n_agents, n_resources)
    unassigned_penalty: np.ndarray  # (n_items,), inf = must be assigned
    pinned: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    forbidden: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def n_arcs(self) -> int:
        """Number of candidate arcs."""
        return len(self.arc_item)

    def pinned_mask(self) -> np.ndarray:
        """Pinned flags per arc (all False when none given)."""
        return self.pinned if len(self.pinned) else np.zeros(self.n_arcs, dtype=bool)

    def allowed_mask(self) -> np.ndarray:
        """Arcs that may be used (not forbidden)."""
        return ~self.forbidden if len(self.forbidden) else np.ones(self.n_arcs, dtype=bool)


def gap_problem(cost: np.ndarray, use: np.ndarray, capacity: np.ndarray) -> CoreProblem:
    """A GAP instance (agents x items matrices, capacities) as a :class:`CoreProblem`."""
    m, n = cost.shape
    agent, item = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
    return CoreProblem(
        n_items=n,
        n_agents=m,
        arc_item=item.ravel(),
        arc_agent=agent.ravel(),
        arc_cost=cost.ravel().astype(float),
        arc_use=use.reshape(-1, 1).astype(float),
        capacity=np.asarray(capacity, dtype=float).reshape(-1, 1),
        unassigned_penalty=np.full(n, np.inf),
    )


@dataclass(frozen=True)
class CoreResult:
    """Outcome of a core solve. ``choice[i]`` is item i's arc index, -1 when unassigned."""

    status: Status
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    choice: np.ndarray
    message: str = ""


def _is_integral(a: np.ndarray) -> bool:
    finite = a[np.isfinite(a)]
    return bool(np.all(np.abs(finite - np.round(finite)) < 1e-9))


Method = Literal["cpsat", "highs"]
METHODS: tuple[Method, ...] = ("cpsat", "highs")


def evaluate(problem: CoreProblem, choice: np.ndarray) -> tuple[float, bool]:
    """Objective of ``choice`` and whether it respects every hard rule (independent check)."""
    chosen = choice[choice >= 0]
    cost = float(problem.arc_cost[chosen].sum())
    unassigned = np.flatnonzero(choice < 0)
    pen = problem.unassigned_penalty[unassigned]
    if np.any(~np.isfinite(pen)):
        return math.inf, False
    cost += float(pen.sum())
    ok = bool(np.all(problem.arc_item[chosen] == np.flatnonzero(choice >= 0)))
    load = np.zeros_like(problem.capacity)
    np.add.at(load, problem.arc_agent[chosen], problem.arc_use[chosen])
    ok &= bool(np.all(load <= problem.capacity + 1e-6))
    ok &= bool(np.all(problem.allowed_mask()[chosen]))
    pinned = np.flatnonzero(problem.pinned_mask())
    ok &= bool(np.all(choice[problem.arc_item[pinned]] == pinned))
    return cost, ok


def solve_core(
    problem: CoreProblem,
    *,
    time_limit: float = 60.0,
    method: Method = "cpsat",
    num_workers: int = 1,
    maximize: bool = False,
    seed: int = 0,
    hint: np.ndarray | None = None,
    deterministic_time: float | None = None,
) -> CoreResult:
    """Solve ``problem`` exactly (up to ``time_limit`` seconds) with CP-SAT or HiGHS.

    ``maximize`` treats arc costs as profits (OR-Library GAP ``gap1``-``gap12`` convention);
    then objective and bound are profits and the bound is an upper bound. ``hint`` (CP-SAT
    only) is a starting choice in the form of :attr:`CoreResult.choice` (arc per item, -1 =
    unassigned), e.g. another solve's result: CP-SAT starts its search from it.

    CP-SAT works on integers. Data that is not integral is scaled by 1000; where that is not
    exact either, CP-SAT solves a *rounded* model (costs rounded, uses up, capacities down):
    every plan it returns is feasible for the given model, but its optimality and bound are
    those of the rounded model, so the result says FEASIBLE and carries no bound (use
    ``method="highs"`` for an exact solve of such data). ``deterministic_time`` (CP-SAT only)
    limits the search in CP-SAT's deterministic work units, so the result does not depend on
    machine load; ``time_limit`` then is only a safety net.

    A bound is never clamped: a solver bound that contradicts its own plan gives
    ``Status.ERROR`` with the figures in the message.
    """
    if method not in METHODS:
        raise InputError(f"unknown method {method!r}: use one of {', '.join(METHODS)}")
    if hint is not None and len(hint) != problem.n_items:
        raise InputError(f"hint has {len(hint)} entries for {problem.n_items} items")
    _check_finite(problem)
    signed = problem
    if maximize:
        signed = replace(
            problem,
            arc_cost=-problem.arc_cost,
            unassigned_penalty=np.where(
                np.isfinite(problem.unassigned_penalty), -problem.unassigned_penalty, np.inf
            ),
        )
    start = time.perf_counter()
    if method == "cpsat" and (too_large := _too_large_for_cpsat(signed)):
        res: _Raw = (Status.INVALID, None, None, np.full(problem.n_items, -1), too_large)
    elif method == "cpsat":
        res = _solve_cpsat(signed, time_limit, num_workers, seed, hint, deterministic_time)
    else:
        res = _solve_highs(signed, time_limit)
    status, objective, bound, choice, message = res
    seconds = time.perf_counter() - start
    try:
        gap = relative_gap(objective, bound)
    except SolverInternalError as exc:
        status, gap, message = Status.ERROR, None, f"{message}; {exc}"
    if maximize:
        objective = None if objective is None else -objective
        bound = None if bound is None else -bound
    return CoreResult(status, objective, bound, gap, seconds, choice, message)


_Raw = tuple[Status, float | None, float | None, np.ndarray, str]

_INFEASIBLE = "已证明不可行 (proven infeasible: no assignment keeps every rule and capacity)"
_PINNED_FORBIDDEN = "不可行: 指定的配对被禁止 (infeasible: a pinned arc is forbidden)"
_NO_SOLUTION = "时限内未找到可行解 (no solution within the time limit)"

_CPSAT_MAX = 2**53
"""Largest sum of scaled costs, or of an agent's scaled uses, CP-SAT is given: integers a
float holds exactly, far inside CP-SAT's 64-bit arithmetic (which refuses a model whose sums
may overflow, and whose constants must fit in 64 bits)."""


def _check_finite(p: CoreProblem) -> None:
    """Refuse data with no value (NaN anywhere; an infinite cost, use or capacity): no solver
    can price it. An infinite unassigned penalty is the one infinity allowed (must assign)."""
    named = (("arc_cost", p.arc_cost), ("arc_use", p.arc_use), ("capacity", p.capacity))
    bad = [name for name, a in named if not np.all(np.isfinite(a))]
    if np.any(np.isnan(p.unassigned_penalty)):
        bad.append("unassigned_penalty")
    if bad:
        raise InputError(
            f"数据含非有限值 (not a finite number (NaN or infinity) in {', '.join(bad)})"
        )


def _cpsat_scales(p: CoreProblem) -> tuple[int, int]:
    """The fixed-point scales of costs and of uses CP-SAT works at: 1 for integral data."""
    cost_scale = 1 if _is_integral(p.arc_cost) and _is_integral(p.unassigned_penalty) else _SCALE
    use_scale = 1 if _is_integral(p.arc_use) and _is_integral(p.capacity) else _SCALE
    return cost_scale, use_scale


def _too_large_for_cpsat(p: CoreProblem) -> str | None:
    """Why the scaled data does not fit CP-SAT's integers (None when it does)."""
    arcs = np.flatnonzero(p.allowed_mask())
    cost_scale, use_scale = _cpsat_scales(p)
    pen = p.unassigned_penalty[p.arc_item[arcs]]
    cost = np.abs((p.arc_cost[arcs] - np.where(np.isfinite(pen), pen, 0.0)) * cost_scale).sum()
    finite = p.unassigned_penalty[np.isfinite(p.unassigned_penalty)]
    cost += np.abs(finite * cost_scale).sum()
    use = np.zeros((p.n_agents, p.capacity.shape[1]))
    np.add.at(use, p.arc_agent[arcs], np.abs(p.arc_use[arcs] * use_scale))
    if cost <= _CPSAT_MAX and use.max(initial=0.0) <= _CPSAT_MAX:
        return None
    what = "costs" if cost > _CPSAT_MAX else "an agent's resource uses"
    return (
        f"数据过大, CP-SAT 的整数无法精确表示, 请用 highs 方法 (the {what} add up to more than "
        f"2^53 (scaled by {cost_scale if cost > _CPSAT_MAX else use_scale:g}), beyond what "
        "CP-SAT's integers hold exactly: method 'highs' solves it)"
    )


def _solve_cpsat(  # noqa: PLR0917  (solve_core's options, passed through)
    p: CoreProblem,
    time_limit: float,
    num_workers: int,
    seed: int,
    hint: np.ndarray | None,
    deterministic_time: float | None = None,
) -> _Raw:
    allowed = p.allowed_mask()
    pinned = p.pinned_mask()
    arcs = np.flatnonzero(allowed)
    cost_scale, use_scale = _cpsat_scales(p)
    # Exact when the scaled data is integral; otherwise CP-SAT solves a rounded model.
    exact = all(
        _is_integral(a * s)
        for a, s in (
            (p.arc_cost, cost_scale),
            (p.unassigned_penalty, cost_scale),
            (p.arc_use, use_scale),
            (p.capacity, use_scale),
        )
    )

    model = cp_model.CpModel()
    x = {int(a): model.new_bool_var(f"x{a}") for a in arcs}
    by_item: list[list[int]] = [[] for _ in range(p.n_items)]
    for a in arcs:
        by_item[int(p.arc_item[a])].append(int(a))
    objective_terms: list[tuple[int, cp_model.IntVar]] = []
    constant = 0.0
    # Each item takes at most one arc; exactly one when leaving it unassigned is not allowed.
    for i, item_arcs in enumerate(by_item):
        lits = [x[a] for a in item_arcs]
        pen = p.unassigned_penalty[i]
        if not np.isfinite(pen):
            model.add_exactly_one(lits)
        elif lits:
            model.add_at_most_one(lits)
        if np.isfinite(pen):
            # cost(arc) - penalty per chosen arc, plus the penalty as a constant.
            constant += pen
    # Pinned arcs must be used.
    for a in np.flatnonzero(pinned & allowed):
        model.add(x[int(a)] == 1)
    if np.any(pinned & ~allowed):
        return Status.INFEASIBLE, None, None, np.full(p.n_items, -1), _PINNED_FORBIDDEN
    # Each agent's use of each resource stays within its capacity.
    for r in range(p.capacity.shape[1]):
        uses = np.ceil(p.arc_use[:, r] * use_scale - 1e-9).astype(np.int64)
        # A capacity beyond every sum of uses binds nothing: clipped, it fits in 64 bits.
        caps = np.floor(
            np.clip(p.capacity[:, r] * use_scale, -_CPSAT_MAX - 1, _CPSAT_MAX + 1) + 1e-9
        ).astype(np.int64)
        by_agent: list[list[int]] = [[] for _ in range(p.n_agents)]
        for a in arcs:
            if uses[a]:
                by_agent[int(p.arc_agent[a])].append(int(a))
        for g, agent_arcs in enumerate(by_agent):
            if agent_arcs and uses[agent_arcs].sum() > caps[g]:
                model.add(sum(int(uses[a]) * x[a] for a in agent_arcs) <= int(caps[g]))
    # Objective: arc costs, minus the penalty an item avoids by being assigned.
    for a in arcs:
        pen = p.unassigned_penalty[p.arc_item[a]]
        c = p.arc_cost[a] - (pen if np.isfinite(pen) else 0.0)
        objective_terms.append((round(c * cost_scale), x[int(a)]))
    model.minimize(sum(c * v for c, v in objective_terms))
    if hint is not None:
        for arc, var in x.items():
            model.add_hint(var, bool(hint[p.arc_item[arc]] == arc))

    solver = cp_model.new_solver(
        seed=seed, work=deterministic_time, time_limit=time_limit, workers=num_workers
    )
    code = solver.solve(model)
    choice = np.full(p.n_items, -1, dtype=np.int64)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for arc, v in x.items():
            if solver.boolean_value(v):
                choice[int(p.arc_item[arc])] = arc
        objective, _ok = evaluate(p, choice)
        if not exact:
            return (
                Status.FEASIBLE,
                objective,
                None,
                choice,
                f"数据不是 1/{_SCALE} 的整数倍, CP-SAT 解的是舍入后的模型, 没有所给模型的界; "
                f"highs 方法可精确求解 ({solver.status_name(code)} on a rounded model (data not "
                f"integral at 1/{_SCALE}): no proven bound for the given model; method 'highs' "
                "solves it exactly)",
            )
        bound = solver.best_objective_bound / cost_scale + constant
        status = Status.OPTIMAL if code == cp_model.OPTIMAL else Status.FEASIBLE
        return status, objective, bound, choice, solver.status_name(code)
    if code == cp_model.INFEASIBLE:
        return Status.INFEASIBLE, None, None, choice, _INFEASIBLE
    if code == cp_model.MODEL_INVALID:
        return Status.INVALID, None, None, choice, solver.status_name(code)
    return Status.UNKNOWN, None, None, choice, _NO_SOLUTION


def _solve_highs(p: CoreProblem, time_limit: float) -> _Raw:
    allowed = p.allowed_mask()
    pinned = p.pinned_mask()
    n = p.n_arcs
    pen = p.unassigned_penalty
    finite = np.isfinite(pen)
    c = p.arc_cost - np.where(finite, pen, 0.0)[p.arc_item]
    constant = float(pen[finite].sum())
    rows_item = sp.csr_matrix((np.ones(n), (p.arc_item, np.arange(n))), shape=(p.n_items, n))
    lo_item = np.where(finite, 0.0, 1.0)
    blocks = [rows_item]
    lo = [lo_item]
    hi = [np.ones(p.n_items)]
    for r in range(p.capacity.shape[1]):
        blocks.append(
            sp.csr_matrix((p.arc_use[:, r], (p.arc_agent, np.arange(n))), shape=(p.n_agents, n))
        )
        lo.append(np.full(p.n_agents, -np.inf))
        hi.append(p.capacity[:, r])
    a = sp.vstack(blocks).tocsr()
    lower = pinned.astype(float)
    upper = allowed.astype(float)
    if np.any(lower > upper):
        return Status.INFEASIBLE, None, None, np.full(p.n_items, -1), _PINNED_FORBIDDEN
    sol = solve_mip(
        c, a, np.concatenate(lo), np.concatenate(hi), lower, upper, time_limit=time_limit
    )
    choice = np.full(p.n_items, -1, dtype=np.int64)
    if sol.x is not None:
        chosen = np.flatnonzero(sol.x > 0.5)
        choice[p.arc_item[chosen]] = chosen
        objective, _ok = evaluate(p, choice)
        bound = None if sol.bound is None else sol.bound + constant
        status = Status.OPTIMAL if sol.status == "optimal" else Status.FEASIBLE
        return status, objective, bound, choice, sol.status
    if sol.status == "infeasible":
        return Status.INFEASIBLE, None, None, choice, _INFEASIBLE
    return Status.UNKNOWN, None, None, choice, sol.status
