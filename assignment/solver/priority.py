"""Exact stage for the highest-penalty households (tier 1) when some are left uncovered.

Leaving a tier-1 household uncovered costs more than any amount of travel, so when the plan
leaves one uncovered the question that matters is whether *any* plan covers more. Where the
tier-1 sub-problem is small (few tier-1 households and cadres, as in a county-sized run or the
demo), it is searched exactly here; the LP-guided steps and local moves can miss a cover that
needs many households reshuffled across cadres.

* :func:`solve_top` - the *top* households (tier 1)
  alone on every worker's capacity (less its pinned lower households), with CP-SAT;
* :func:`merge_top` - a plan that takes that top assignment and keeps the rest of the current
  plan where it still fits (lower-penalty households leave the workers that the new top
  assignment fills, lowest penalty first; pinned ones never), for the caller to repair with
  ejections and keep only if the whole objective drops.

Deterministic: CP-SAT with one worker, a fixed seed and a deterministic-time limit (a solve
stopped by the safety clock instead is not used). Hours are rounded up and capacities down in
CP-SAT's integer model, so every plan it returns is feasible; on such a rounded model CP-SAT's
result is not claimed optimal (:func:`assignment.core.solve_core`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from assignment import constraints as rules
from assignment.core import CoreProblem, solve_core
from assignment.domain import Status
from assignment.problem import ArcArrays


@dataclass(frozen=True)
class TopSolution:
    """The top sub-problem's plan: arc index (of the full arrays) per top household."""

    items: np.ndarray  # top household indices
    choice: np.ndarray  # arc index in the full arrays per top household, -1 uncovered
    objective: float  # top households' part: arc costs + penalties of the uncovered
    optimal: bool  # proven optimal for the top part (never on a rounded model)


def top_mask(arr: ArcArrays) -> np.ndarray:
    """Per household: whether it is a tier-1 household (by its tier, never by its penalty, so
    that a township without tier 1 gives no other tier the tier-1 stages)."""
    return np.asarray(arr.tier == 1, dtype=bool)


def keeps_top_floor(arr: ArcArrays, choice: np.ndarray, floor: int) -> bool:
    """The tier-1 floor rule: whether ``choice`` covers at least ``floor`` tier-1 households.

    Tier-1 coverage comes first (lexicographically): once the coverage stage has a plan that
    covers ``floor`` tier-1 households, no later step (merge, ejection, packing) may publish a
    plan covering fewer, whatever it saves in cost. Which tier-1 households are covered, and
    everything else, stays free. ``floor`` 0 (before the coverage stage) allows every plan.
    """
    return floor <= 0 or int(((choice >= 0) & top_mask(arr)).sum()) >= floor


def top_items(arr: ArcArrays) -> np.ndarray:
    """Tier-1 households, by index."""
    return np.flatnonzero(top_mask(arr))


def needs_top_stage(arr: ArcArrays, choice: np.ndarray, max_arcs: int) -> bool:
    """Whether a top household with a candidate arc is uncovered and the stage is small enough."""
    is_top = top_mask(arr)
    has_arc = np.bincount(arr.arc_item, minlength=arr.n_items) > 0
    if not np.any(is_top & (choice < 0) & has_arc):
        return False
    return int(is_top[arr.arc_item].sum()) <= max_arcs


def solve_top(arr: ArcArrays, work: float, time_limit: float) -> TopSolution | None:
    """The top households alone on every worker's capacity less its pinned lower households
    (present in every plan), by CP-SAT; None when it finds no plan within the limits."""
    is_top = top_mask(arr)
    top = np.flatnonzero(is_top)
    pinned_low = np.flatnonzero(arr.arc_pinned & ~is_top[arr.arc_item])
    used_h = np.bincount(arr.arc_agent[pinned_low], arr.arc_hours[pinned_low], arr.n_agents)
    used_n = np.bincount(arr.arc_agent[pinned_low], minlength=arr.n_agents)
    sub, sub_arcs = arr.subset(top, used_h.astype(float), used_n)
    sub = replace(sub, overload_weight=0.0, soft_hours=None)
    problem = CoreProblem(
        n_items=sub.n_items,
        n_agents=sub.n_agents,
        arc_item=sub.arc_item,
        arc_agent=sub.arc_agent,
        arc_cost=sub.arc_cost,
        arc_use=np.column_stack([sub.arc_hours, np.ones(sub.n_arcs)]),
        capacity=np.column_stack([sub.cap_hours, sub.cap_count.astype(float)]),
        unassigned_penalty=sub.penalty,
        pinned=sub.arc_pinned,
    )
    start = time.perf_counter()
    res = solve_core(problem, time_limit=time_limit, deterministic_time=work, seed=0)
    if res.objective is None:
        return None
    if time.perf_counter() - start >= 0.95 * time_limit:
        return None  # stopped by the safety clock: machine-dependent, not used
    got = res.choice
    choice = np.where(got >= 0, sub_arcs[np.maximum(got, 0)], -1)
    objective = sub.objective_of(got)
    return TopSolution(
        items=top, choice=choice, objective=objective, optimal=res.status == Status.OPTIMAL
    )


def top_part(arr: ArcArrays, choice: np.ndarray) -> float:
    """The top households' part of ``choice``'s objective (arc costs + uncovered penalties)."""
    top = top_items(arr)
    c = choice[top]
    return float(arr.arc_cost[c[c >= 0]].sum() + arr.penalty[top][c < 0].sum())


def merge_top(arr: ArcArrays, choice: np.ndarray, top: TopSolution) -> np.ndarray:
    """``choice`` with the exact top assignment; others moved out where it no longer fits.

    The result is feasible: for every worker over its hours or count, its non-top, non-pinned
    households leave (lowest penalty first, then lowest index) until it fits. Pins are kept:
    the top solve respected every pin of a top household, and a pinned lower household stays.
    """
    new = choice.copy()
    new[top.items] = top.choice
    hours, count = arr.loads(new)
    over = np.flatnonzero(~rules.fits_capacity(hours, arr.cap_hours, count, arr.cap_count))
    if len(over) == 0:
        return new
    is_top = top_mask(arr)
    held = np.flatnonzero(new >= 0)
    agent = arr.arc_agent[new[held]]
    for w in over:
        mine = held[(agent == w) & ~is_top[held] & ~arr.arc_pinned[new[held]]]
        mine = mine[np.lexsort((mine, arr.penalty[mine]))]
        for i in mine:
            if rules.fits_capacity(hours[w], arr.cap_hours[w], count[w], arr.cap_count[w]):
                break
            hours[w] -= arr.arc_hours[new[i]]
            count[w] -= 1
            new[i] = -1
    return new
