"""The tier-1 sub-problem of a township, in the forms the tier-1 stage's solvers take.

The tier-1 stage (:mod:`assignment.solver.coverage`, the most households covered;
:mod:`assignment.solver.cheapest_cover`, the cheapest cover of that size) works on the
tier-1 households alone, on every worker's capacity less what its pinned lower households
take (:class:`TopModel`). This module gives that model its forms:

* integer hours and capacities for CP-SAT (:func:`scaled`, :func:`build_model`): *relaxed*
  (hours rounded down, capacities up: every real plan fits, so the model's optimum bounds
  the real one) or *conservative* (the reverse: every plan of the model is real);
* CP-SAT runs with one worker, a fixed seed and a limit in its *deterministic* work units
  (:func:`cp_solver`, :func:`solved`): a solve stopped by the safety clock instead is not
  used, so results depend neither on machine load nor on the number of processes;
* the cadre x household matrices the tabu searches take (:class:`Dense`);
* the check in floats every plan of the stage passes (:func:`fits`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from assignment.constraints import CAPACITY_TOL, fits_capacity
from assignment.problem import ArcArrays
from assignment.solver import cpsat as cp_model
from assignment.solver.priority import top_mask

HOURS_SCALE = 100_000  # CP-SAT works on integers: hours in units of 1e-5 h
SEED = 11


@dataclass(frozen=True)
class TopModel:
    """The tier-1 sub-problem's arrays: arcs (full-array indices) and residual capacities."""

    items: np.ndarray  # tier-1 households with an arc
    arcs: np.ndarray  # their arcs, full-array indices
    item_of: np.ndarray  # per arc: position in ``items``
    cap_hours: np.ndarray  # per worker, less pinned lower households
    cap_count: np.ndarray
    pinned_items: np.ndarray  # positions in ``items`` whose household is pinned


def top_model(arr: ArcArrays) -> TopModel:
    is_top = top_mask(arr)
    top_arc = is_top[arr.arc_item]
    arcs = np.flatnonzero(top_arc)
    items = np.unique(arr.arc_item[arcs])
    pos = np.full(arr.n_items, -1)
    pos[items] = np.arange(len(items))
    low_pinned = np.flatnonzero(arr.arc_pinned & ~top_arc)
    used_h = np.bincount(arr.arc_agent[low_pinned], arr.arc_hours[low_pinned], arr.n_agents)
    used_n = np.bincount(arr.arc_agent[low_pinned], minlength=arr.n_agents)
    pinned_items = np.unique(pos[arr.arc_item[arcs[arr.arc_pinned[arcs]]]])
    return TopModel(
        items=items,
        arcs=arcs,
        item_of=pos[arr.arc_item[arcs]],
        cap_hours=arr.cap_hours - used_h,
        cap_count=arr.cap_count - used_n,
        pinned_items=pinned_items,
    )


def scaled(arr: ArcArrays, tm: TopModel, relaxed: bool) -> tuple[np.ndarray, np.ndarray]:
    """Integer hours per tier-1 arc and capacity per worker, in units of 1/HOURS_SCALE h.

    ``relaxed``: hours rounded down and capacities (plus the solvers' tolerance) up, so every
    real plan fits (the model's optimum bounds the real one); otherwise hours up and
    capacities down, so every plan of the model fits in floats.
    """
    if relaxed:
        hours = np.floor(arr.arc_hours[tm.arcs] * HOURS_SCALE).astype(np.int64)
        caps = np.ceil((tm.cap_hours + CAPACITY_TOL) * HOURS_SCALE).astype(np.int64)
    else:
        hours = np.ceil(arr.arc_hours[tm.arcs] * HOURS_SCALE).astype(np.int64)
        caps = np.floor(tm.cap_hours * HOURS_SCALE).astype(np.int64)
    return hours, caps


def build_model(
    arr: ArcArrays, tm: TopModel, relaxed: bool
) -> tuple[cp_model.CpModel, list[cp_model.IntVar]]:
    """Variables (one per tier-1 arc), one-arc-per-household rows, pins and capacities.

    ``relaxed``: hours rounded down and capacities (plus the solvers' tolerance) up, so every
    real plan is feasible (the model's optimum bounds the real one); otherwise the reverse,
    so every plan of the model is real.
    """
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{a}") for a in tm.arcs]
    by_item: list[list[int]] = [[] for _ in range(len(tm.items))]
    for j, i in enumerate(tm.item_of):
        by_item[int(i)].append(j)
    for lits in by_item:
        model.add_at_most_one([x[j] for j in lits])
    for p in np.flatnonzero(arr.arc_pinned[tm.arcs]).tolist():
        model.add(x[p] == 1)
    hours, caps = scaled(arr, tm, relaxed)
    agent = arr.arc_agent[tm.arcs]
    order = np.argsort(agent, kind="stable")
    starts = np.searchsorted(agent[order], np.arange(arr.n_agents + 1))
    for w in range(arr.n_agents):
        mine = order[starts[w] : starts[w + 1]]
        if len(mine) == 0:
            continue
        if int(hours[mine].sum()) > caps[w]:
            model.add(sum(int(hours[j]) * x[int(j)] for j in mine) <= max(int(caps[w]), 0))
        if len(mine) > tm.cap_count[w]:
            model.add(sum(x[int(j)] for j in mine) <= max(int(tm.cap_count[w]), 0))
    return model, x


def cp_solver(work: float, time_limit: float) -> cp_model.CpSolver:
    # Full LP relaxation with cuts at every node: it proves these counts at once where the
    # default level leaves the last household open (measured on the demo's short township).
    return cp_model.new_solver(
        seed=SEED, work=work, time_limit=time_limit, params=(("linearization_level", 2),)
    )


def set_hint(
    model: cp_model.CpModel, x: list[cp_model.IntVar], tm: TopModel, chosen: np.ndarray
) -> None:
    """Hint the arcs of ``chosen`` (a full-array arc per household, -1 none)."""
    model.clear_hints()
    picked = chosen[tm.items]
    for j, a in enumerate(tm.arcs):
        model.add_hint(x[j], bool(picked[tm.item_of[j]] == a))


def fits(arr: ArcArrays, tm: TopModel, choice: np.ndarray) -> bool:
    """Whether a tier-1 assignment (arc per household of ``tm.items``) fits in floats."""
    got = choice[choice >= 0]
    hours = np.bincount(arr.arc_agent[got], arr.arc_hours[got], arr.n_agents)
    count = np.bincount(arr.arc_agent[got], minlength=arr.n_agents)
    return bool(np.all(fits_capacity(hours, tm.cap_hours, count, tm.cap_count)))


def values(solver: cp_model.CpSolver, x: list[cp_model.IntVar], tm: TopModel) -> np.ndarray:
    out = np.full(len(tm.items), -1, dtype=np.int64)
    for j, v in enumerate(x):
        if solver.boolean_value(v):
            out[tm.item_of[j]] = tm.arcs[j]
    return out


def solved(
    model: cp_model.CpModel,
    x: list[cp_model.IntVar],
    tm: TopModel,
    work: float,
    time_limit: float,
    *,
    started: float,
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus, np.ndarray | None]:
    """CP-SAT on ``model`` within ``work`` deterministic time: (the solver, its status, its
    plan as an arc per household of ``tm.items``, or None when it found none or its safety
    clock, ``time_limit`` from ``started``, stopped it: a result that depends on the
    machine's load is not used)."""
    solver = cp_solver(work, time_limit)
    code = solver.solve(model)
    late = time.perf_counter() - started >= 0.95 * time_limit
    if late or code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return solver, code, None
    return solver, code, values(solver, x, tm)


@dataclass(frozen=True)
class Dense:
    """The tier-1 sub-problem as the tabu searches take it: cadre x household matrices."""

    cadres: np.ndarray  # workers with a tier-1 arc
    arc_at: np.ndarray  # full-array arc of (cadre, household of ``tm.items``), -1 none
    hours: np.ndarray  # its hours, inf where no arc
    fixed: np.ndarray  # per household of ``tm.items``: pinned

    def cadre_of(self, arr: ArcArrays, choice: np.ndarray) -> np.ndarray:
        """A cadre row per household of ``choice`` (arc per household, -1 uncovered)."""
        pos = np.full(arr.n_agents, -1, dtype=np.int64)
        pos[self.cadres] = np.arange(len(self.cadres))
        return np.where(choice >= 0, pos[arr.arc_agent[np.maximum(choice, 0)]], -1)

    def arcs_of(self, cadre: np.ndarray) -> np.ndarray:
        """The arc per household of a cadre row per household (-1 uncovered)."""
        return np.where(cadre >= 0, self.arc_at[np.maximum(cadre, 0), np.arange(len(cadre))], -1)


def dense_form(arr: ArcArrays, tm: TopModel) -> Dense:
    agent = arr.arc_agent[tm.arcs]
    cadres = np.unique(agent)
    arc_at = np.full((len(cadres), len(tm.items)), -1, dtype=np.int64)
    arc_at[np.searchsorted(cadres, agent), tm.item_of] = tm.arcs
    hours = np.where(arc_at >= 0, arr.arc_hours[np.maximum(arc_at, 0)], np.inf)
    fixed = np.zeros(len(tm.items), dtype=bool)
    fixed[tm.pinned_items] = True
    return Dense(cadres, arc_at, hours, fixed)


def covered_top(arr: ArcArrays, choice: np.ndarray) -> int:
    """Tier-1 households covered by ``choice``."""
    return int(((choice >= 0) & top_mask(arr)).sum())
