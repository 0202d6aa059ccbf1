"""One township's household problem as arrays: items (households), agents (workers), arcs.

Built from the candidate arcs (:mod:`assignment.candidates`), so every hard pair rule is
already applied; capacities and unassigned penalties come from the workers and households.
Row orders are sorted by id, so the arrays - and every solve - are deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import polars as pl

from assignment import constraints as rules
from assignment.constraints import balance_threshold, overload_cost
from assignment.domain import AssignmentSettings


@dataclass(frozen=True)
class ArcArrays:
    """The numbers of a capacitated assignment: arcs, per-household penalty, capacities.

    With ``overload_weight > 0`` every hour a worker works above its ``soft_hours`` (the
    workload-balance threshold, :func:`assignment.constraints.balance_threshold`) costs
    ``overload_weight`` in the objective; ``cap_hours`` stays the hard limit.
    """

    arc_item: np.ndarray
    arc_agent: np.ndarray
    arc_cost: np.ndarray
    arc_hours: np.ndarray
    arc_pinned: np.ndarray
    penalty: np.ndarray  # per household: base[tier] x (1 + risk)
    cap_hours: np.ndarray
    cap_count: np.ndarray
    tier: np.ndarray  # per household: 1, 2 or 3 (the tier-1 stages use it, not the penalty)
    soft_hours: np.ndarray | None = None  # per worker; None: no balance term
    overload_weight: float = 0.0

    @property
    def n_items(self) -> int:
        """Number of households."""
        return len(self.penalty)

    @property
    def n_agents(self) -> int:
        """Number of workers."""
        return len(self.cap_hours)

    @property
    def n_arcs(self) -> int:
        """Number of candidate arcs."""
        return len(self.arc_item)

    @cached_property
    def cheapest_order(self) -> np.ndarray:
        """Arc indices grouped by household, cheapest first (ties by arc index): the order in
        which the LP's first columns, its greedy start and the ejection step scan each
        household's arcs. A township has up to about 10^6 arcs, so the sort is done once
        per arrays (the arrays are never changed in place; ``replace`` and ``subset`` make
        new ones). The same permutation as ``np.lexsort((arange, arc_cost, arc_item))`` (ties
        in index order, -0.0 equal to 0.0), from polars' stable sort on one thread, which
        is cheaper than numpy's three-key lexsort."""
        keys = pl.DataFrame({"item": self.arc_item, "cost": self.arc_cost + 0.0})
        order = keys.select(
            pl.arg_sort_by(["item", "cost"], maintain_order=True, multithreaded=False)
        )
        return order.to_series().to_numpy().astype(np.int64)

    def cheapest_arc(self) -> np.ndarray:
        """Per household its cheapest arc (the lowest index among equally cheap ones), -1
        for a household without arcs: ``cheapest_order``'s first arc of each household,
        found without sorting when the arcs are grouped by household (as built)."""
        out = np.full(self.n_items, -1, dtype=np.int64)
        if self.n_arcs == 0:
            return out
        item = self.arc_item
        if np.any(item[1:] < item[:-1]):
            order = self.cheapest_order
            first = np.r_[True, item[order][1:] != item[order][:-1]]
            out[item[order[first]]] = order[first]
            return out
        starts = np.flatnonzero(np.r_[True, item[1:] != item[:-1]])
        low = np.minimum.reduceat(self.arc_cost, starts)
        sizes = np.diff(np.r_[starts, self.n_arcs])
        at_low = np.flatnonzero(self.arc_cost == np.repeat(low, sizes))
        first = at_low[np.r_[True, item[at_low][1:] != item[at_low][:-1]]]
        out[item[first]] = first
        return out

    def overloadable(self) -> np.ndarray:
        """Per worker: whether it can work above its balance threshold (a cost can arise)."""
        if self.overload_weight <= 0:
            return np.zeros(self.n_agents, dtype=bool)
        return self.soft() < self.cap_hours - 1e-9

    def soft(self) -> np.ndarray:
        """Per-worker hours above which overload is charged (``cap_hours`` when off)."""
        if self.soft_hours is None or self.overload_weight <= 0:
            return self.cap_hours
        return np.minimum(self.soft_hours, self.cap_hours)

    def overload(self, hours: np.ndarray) -> float:
        """Balance cost of per-worker ``hours``."""
        return overload_cost(hours, self.soft(), self.overload_weight)

    def objective_of(self, choice: np.ndarray) -> float:
        """Objective of ``choice`` (arc index per household, -1 unassigned)."""
        chosen = choice[choice >= 0]
        value = float(self.arc_cost[chosen].sum() + self.penalty[choice < 0].sum())
        if self.overload_weight > 0:
            value += self.overload(self.loads(choice)[0])
        return value

    def loads(self, choice: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Hours and household count per worker under ``choice``."""
        chosen = choice[choice >= 0]
        hours = np.bincount(self.arc_agent[chosen], self.arc_hours[chosen], self.n_agents).astype(
            float
        )
        count = np.bincount(self.arc_agent[chosen], minlength=self.n_agents)
        return hours, count

    def subset(
        self, items: np.ndarray, used_hours: np.ndarray, used_count: np.ndarray
    ) -> tuple[ArcArrays, np.ndarray]:
        """The sub-problem on ``items`` given what other households already use of each worker;
        also its arcs' indices here. Capacities and balance thresholds shrink by that use."""
        pos = np.full(self.n_items, -1)
        pos[items] = np.arange(len(items))
        arcs = np.flatnonzero(pos[self.arc_item] >= 0)
        sub = ArcArrays(
            arc_item=pos[self.arc_item[arcs]],
            arc_agent=self.arc_agent[arcs],
            arc_cost=self.arc_cost[arcs],
            arc_hours=self.arc_hours[arcs],
            arc_pinned=self.arc_pinned[arcs],
            penalty=self.penalty[items],
            tier=self.tier[items],
            cap_hours=np.maximum(self.cap_hours - used_hours, 0.0),
            cap_count=np.maximum(self.cap_count - used_count, 0),
            soft_hours=None if self.soft_hours is None else self.soft() - used_hours,
            overload_weight=self.overload_weight,
        )
        return sub, arcs

    def arcs_in_subset(self, choice: np.ndarray, sub_arcs: np.ndarray) -> np.ndarray:
        """``choice`` (an arc index here per household, -1 none) in the indices of the
        sub-problem whose arcs are ``sub_arcs`` (as :meth:`subset` returns them): -1 where
        there is no arc or the arc is not in the sub-problem."""
        local = np.full(self.n_arcs, -1, dtype=np.int64)
        local[sub_arcs] = np.arange(len(sub_arcs))
        return np.where(choice >= 0, local[np.maximum(choice, 0)], -1)

    def restrict(self, arcs: np.ndarray) -> ArcArrays:
        """The same problem with only ``arcs`` (indices here) as candidates."""
        return replace(
            self,
            arc_item=self.arc_item[arcs],
            arc_agent=self.arc_agent[arcs],
            arc_cost=self.arc_cost[arcs],
            arc_hours=self.arc_hours[arcs],
            arc_pinned=self.arc_pinned[arcs],
        )


@dataclass(frozen=True)
class TownshipArrays(ArcArrays):
    """Arc arrays of one township with its frames; ``arcs`` keeps candidate rows in arc order."""

    township_id: str = ""
    households: pl.DataFrame = field(default_factory=pl.DataFrame)
    workers: pl.DataFrame = field(default_factory=pl.DataFrame)
    arcs: pl.DataFrame = field(default_factory=pl.DataFrame)


def township_arrays(
    township_id: str,
    households: pl.DataFrame,
    workers: pl.DataFrame,
    arcs: pl.DataFrame,
    settings: AssignmentSettings,
) -> TownshipArrays:
    """Index one township's households, workers and candidate arcs as arrays."""
    hh = (
        households.sort("household_id")
        .with_columns(rules.unassigned_penalty(settings).alias("penalty"))
        .with_row_index("_i")
    )
    ws = (
        workers.sort("worker_id")
        .with_columns(
            pl.col("monthly_hours").fill_null(0.0).clip(lower_bound=0.0),
            pl.col("max_households").fill_null(0).clip(lower_bound=0),
        )
        .with_row_index("_a")
    )
    idx = (
        arcs.select("household_id", "worker_id")
        .join(hh.select("household_id", "_i"), on="household_id", how="left")
        .join(ws.select("worker_id", "_a"), on="worker_id", how="left")
    )
    if idx["_i"].null_count() or idx["_a"].null_count():
        keep = idx["_i"].is_not_null() & idx["_a"].is_not_null()
        arcs = arcs.filter(keep)
        idx = idx.filter(keep)
    soft = ws.select("worker_id").join(
        balance_threshold(ws, arcs, settings), on="worker_id", how="left", maintain_order="left"
    )
    ws = ws.with_columns(soft["fair_share"].fill_null(0.0))
    return TownshipArrays(
        township_id=township_id,
        households=hh.drop("_i"),
        workers=ws.drop("_a"),
        arcs=arcs,
        arc_item=idx["_i"].to_numpy().astype(np.int64),
        arc_agent=idx["_a"].to_numpy().astype(np.int64),
        arc_cost=arcs["cost"].to_numpy().astype(float),
        arc_hours=arcs["hours_per_month"].to_numpy().astype(float),
        arc_pinned=arcs["pinned"].to_numpy().astype(bool),
        penalty=hh["penalty"].to_numpy().astype(float),
        tier=hh["tier"].to_numpy().astype(np.int8),
        cap_hours=ws["monthly_hours"].to_numpy().astype(float),
        cap_count=ws["max_households"].to_numpy().astype(np.int64),
        soft_hours=soft["soft_hours"].to_numpy().astype(float),
        overload_weight=float(settings.balance_weight),
    )
