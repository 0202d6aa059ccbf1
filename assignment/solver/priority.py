"""The tier-1 households' place in a plan: which they are, the floor rule, the merge.

Leaving a tier-1 household uncovered costs more than any amount of travel, so tier-1
coverage comes first. The tier-1 stage finds the most tier-1 households any plan covers
(:mod:`assignment.solver.coverage`) and the cheapest cover of that many
(:mod:`assignment.solver.cheapest_cover`); this module holds
what the other steps share about tier 1:

* :func:`top_mask` / :func:`top_items` - the tier-1 households (by tier, never by penalty);
* :func:`keeps_top_floor` - the floor rule: no later step publishes a plan covering fewer;
* :func:`top_part` - the tier-1 part of a plan's objective;
* :func:`merge_top` - a plan that takes a tier-1 assignment (:class:`TopSolution`) and keeps
  the rest of the current plan where it still fits (lower-penalty households leave the
  workers that the new tier-1 assignment fills, lowest penalty first; pinned ones never), for
  the caller to repair with ejections and keep only if the whole objective drops.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assignment import constraints as rules
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
