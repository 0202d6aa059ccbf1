"""Exact two-constraint knapsack by dynamic programming, used for Lagrangian lower bounds.

Weights are rounded *down* to a grid of ``delta`` hours and the capacity is rounded down in
the same units: every truly feasible subset stays feasible after rounding, so the DP optimum
is a relaxation (never above the true minimum) and any bound built from it stays valid.

The result is the plain (count x hours) DP's to the last bit. The items are sorted by value
(most negative first) and the DP adds them in that order, so each DP cell holds the minimum,
over the subsets it stands for, of the subset's *sequential* float sum in value order. Float
addition is monotone in each operand, so that sum is monotone in each of the subset's sorted
values: a subset with elementwise no larger sorted values is never worse. The shortcuts rely
on that, and none changes the result in any bit:

* dominance: an item that cannot join all the earlier (so no less negative) items weighing
  no more than it is never needed - one of them can take its place (:func:`_items`);
* the count limit is cut to the most items that fit by hours: when the count cannot bind the
  DP runs over hours only, and when the hours cannot bind the best subset is the most
  negative items;
* the DP tracks each cell's *exact* rounded hours (the minimum over all cells is the same
  minimum), so row ``j`` (``j`` items) starts at ``j`` times the lightest weight and the
  table stays narrow; an item only updates the rows and hours it can reach, and not the rows
  whose subsets can no longer beat a feasible (greedy) subset (:func:`_first_live_row`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


def knapsack_min(
    values: np.ndarray,
    hours: np.ndarray,
    cap_hours: float,
    cap_count: int,
    delta: float = 0.02,
) -> float:
    """Min of ``sum(values[S])`` over subsets S with hours <= cap_hours and |S| <= cap_count.

    Only negative values can help, so others are ignored. Returns a value <= the exact optimum
    (equal to it when the hours are multiples of ``delta``).
    """
    grid = _rounded(values, hours, cap_hours, cap_count, delta)
    if grid is None:
        return 0.0
    v, w, cap = grid
    # Items that fit together without rounding trouble: if all fit, take all.
    if w.sum() <= cap and len(v) <= cap_count:
        return float(v.sum())
    items = _items(v, w, cap, cap_count)
    if items.heaviest[-1] <= cap:
        # Any k items fit: the hours cannot bind, the k most negative values are the best
        # (summed in order, as the DP would).
        return float(np.cumsum(items.v[: items.k])[-1])
    feasible, _ = _greedy(items, cap)
    return float(_best_by_hours(items, cap, feasible).min())


def knapsack_min_overload(  # noqa: PLR0917  (the knapsack's data)
    values: np.ndarray,
    hours: np.ndarray,
    cap_hours: float,
    cap_count: int,
    soft_hours: float,
    weight: float,
    delta: float = 0.02,
) -> float:
    """Min of ``sum(values[S]) + weight * max(0, hours(S) - soft_hours)`` over feasible S.

    The knapsack of a worker with a workload-balance threshold: a DP over the *exact* rounded
    hours of the subset. Hours are rounded down, so each subset's hours - and so its overload -
    are never overestimated: the result is a relaxation (never above the true minimum). The
    overload never decreases with the hours, so dropping dominated items keeps it exact.
    """
    base = weight * max(0.0, -soft_hours)  # overload already incurred at zero hours
    grid = _rounded(values, hours, cap_hours, cap_count, delta)
    if grid is None:
        return base
    v, w, cap = grid
    items = _items(v, w, cap, cap_count)
    # The overload is >= 0: no best subset's values sum to more than a feasible objective.
    value, rounded = _greedy(items, cap)
    feasible = value + weight * max(rounded * delta - soft_hours, 0.0)
    best_at = _best_by_hours(items, cap, feasible)
    over = weight * np.maximum(np.arange(len(best_at)) * delta - soft_hours, 0.0)
    return float(np.min(best_at + over))


def _rounded(
    values: np.ndarray, hours: np.ndarray, cap_hours: float, cap_count: int, delta: float
) -> tuple[np.ndarray, np.ndarray, int] | None:
    """The items that can help, on the rounded grid: (negative values, their weights rounded
    down to ``delta``, each within the capacity rounded down; that capacity), or None when no
    item can be taken (then the empty subset is the best)."""
    keep = values < 0
    v = values[keep]
    if len(v) == 0 or cap_count <= 0 or cap_hours < 0:
        return None
    w = np.floor(hours[keep] / delta + 1e-9).astype(np.int64)
    cap = int(np.floor(cap_hours / delta + 1e-9))
    fits = w <= cap
    if not fits.any():
        return None
    return v[fits], w[fits], cap


class _Items(NamedTuple):
    """A knapsack's undominated items, sorted by value, and its useful count limit."""

    v: np.ndarray  # values, ascending (most negative first)
    w: np.ndarray  # rounded weights, each <= cap
    room: np.ndarray  # per item: no feasible subset holding it has more items (<= k)
    k: int  # no feasible subset has more items: min(cap_count, the most that fit by hours)
    heaviest: np.ndarray  # heaviest[j - 1]: the most weight of j items, j = 1..k
    count_binds: bool  # whether more than cap_count items fit by hours


def _items(v: np.ndarray, w: np.ndarray, cap: int, cap_count: int) -> _Items:
    """Sort the items by value and drop the dominated ones (they never change the result).

    Item ``i`` is dropped when it cannot join all the earlier items that weigh no more than
    it within the count and hours limits: a feasible subset holding ``i`` then misses one of
    them, and swapping it in gives no more hours and elementwise no larger sorted values - a
    value never larger. So a best subset with the smallest sum of positions holds no dropped
    item. The lightest items that fit together are all kept, so at least ``k`` items remain.
    """
    order = np.lexsort((w, v))  # most valuable first: a stable, deterministic order
    v, w = v[order], w[order]
    lightest = np.cumsum(np.sort(w))
    most = int(np.searchsorted(lightest, cap, side="right"))  # the most items that fit
    k = min(cap_count, most)
    count, hours = _lighter_before(w)
    keep = (count < k) & (hours + w <= cap)
    v, w = v[keep], w[keep]
    room = np.minimum(k, 1 + np.searchsorted(lightest, cap - w, side="right"))
    heaviest = np.cumsum(np.sort(w)[::-1][:k])
    return _Items(v, w, room, k, heaviest, k < most)


def _lighter_before(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each item, how many earlier items weigh no more than it, and their total weight."""
    levels = np.unique(w)
    rank = np.searchsorted(levels, w)
    lighter = np.greater_equal.outer(levels, w)  # lighter[r, i]: w[i] <= levels[r]
    # Running totals over the items: entry [rank[i], i] counts items 0..i (i itself too).
    count = np.add.accumulate(lighter, axis=1, dtype=np.int64)[rank, np.arange(len(w))]
    hours = np.add.accumulate(lighter * w, axis=1)[rank, np.arange(len(w))]
    return count - 1, hours - w


def _greedy(items: _Items, cap: int) -> tuple[float, int]:
    """A feasible subset: items by value while they fit; its value (summed in order) and hours."""
    taken, hours = [], 0
    for i, wi in enumerate(items.w.tolist()):
        if hours + wi <= cap:
            taken.append(i)
            hours += wi
            if len(taken) == items.k:
                break
    return float(np.cumsum(items.v[taken])[-1]), hours


def _best_by_hours(items: _Items, cap: int, ceiling: float) -> np.ndarray:
    """``best[c]``: min value of at most ``k`` items with rounded hours exactly ``c`` (inf if none).

    The array ends at the most hours ``k`` items can reach (at most ``cap``). Cells that
    cannot lead to a subset with values summing to at most ``ceiling`` may be left above
    their minimum (every cell still holds the value of one of its subsets): the caller's
    minimum is exact when its best subset's values sum to no more than ``ceiling``.
    """
    v, w, k = items.v, items.w, items.k
    reach = min(cap, int(items.heaviest[-1]))
    if not items.count_binds:
        # A one-dimensional DP over hours. After item i only the hours up to the sum of the
        # weights so far are reachable.
        best = np.full(reach + 1, np.inf)
        best[0] = 0.0
        end = np.minimum(reach + 1, 1 + np.cumsum(w))
        for vi, wi, e in zip(v.tolist(), w.tolist(), end.tolist(), strict=True):
            dst = best[wi:e]
            np.minimum(dst, best[: e - wi] + vi, out=dst)
        return best
    # Row j holds the subsets of exactly j items, column c' their hours j * w_min + c' (no j
    # items weigh less than j * w_min). Column c' of row j matters up to
    # last[j] = min(cap, most hours of j items) - j * w_min; the cells beyond only ever hold
    # subsets above the capacity (so do their successors) and are left out at the end.
    w_min = int(w.min())
    shift = w - w_min
    last = np.minimum(cap, np.concatenate(([0], items.heaviest))) - np.arange(k + 1) * w_min
    width = int(last.max()) + 1
    dp = np.full((k + 1, width), np.inf)
    dp[0, 0] = 0.0
    # Item i reads rows lo..r-1 and writes rows lo+1..r: i + 1 items so far, at most `room`
    # items with it, and rows below lo can no longer lead to a best subset. Columns from
    # `end` on are unreachable so far: past the sum of the shifts.
    top = np.minimum(np.arange(1, len(v) + 1), items.room)
    lo = _first_live_row(v, k, ceiling)
    end = np.minimum(width, 1 + np.cumsum(shift))
    steps = zip(v.tolist(), shift.tolist(), lo.tolist(), top.tolist(), end.tolist(), strict=True)
    for vi, si, a, r, e in steps:
        if a < r:
            dst = dp[a + 1 : r + 1, si:e]
            np.minimum(dst, dp[a:r, : e - si] + vi, out=dst)
    best = np.full(reach + 1, np.inf)
    for j in range(k + 1):
        seg = best[j * w_min : j * w_min + int(last[j]) + 1]
        np.minimum(seg, dp[j, : len(seg)], out=seg)
    return best


def _first_live_row(v: np.ndarray, k: int, ceiling: float) -> np.ndarray:
    """Per item i, the lowest row of the DP that may still lead to a subset within ``ceiling``.

    The j items of a cell before item i sum to no less than the j most negative values,
    ``p[j]`` (summed in order, as the DP does), and at most k - j of the items i.. can join
    them, adding no less than the first k - j of them. When that total exceeds ``ceiling``,
    no cell of row j leads to a best subset. Row k never qualifies (``p[k]`` is the least
    any k items sum to); rows below the first row that may are skipped. The margin covers
    the float rounding of these sums many times over.
    """
    n = len(v)
    p = np.zeros(n + 1)
    np.cumsum(v, out=p[1:])
    j = np.arange(k + 1)
    i = np.arange(n)[:, None]
    least = p[np.minimum(i + (k - j), n)] - p[i] + p[j]  # [i, j]: no cell of row j does better
    return np.argmax(least <= ceiling + 1e-9 * float(np.abs(v).sum()), axis=1)
