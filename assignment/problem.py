"""One township's household problem as arrays: items (households), agents (workers), arcs.

Built from the candidate arcs (:mod:`assignment.candidates`), so every hard pair rule is
already applied; capacities and unassigned penalties come from the workers and households.
Row orders are sorted by id, so the arrays - and every solve - are deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from assignment import constraints as rules
from assignment.domain import AssignmentSettings


@dataclass(frozen=True)
class ArcArrays:
    """The numbers of a capacitated assignment: arcs, per-household penalty, capacities."""

    arc_item: np.ndarray
    arc_agent: np.ndarray
    arc_cost: np.ndarray
    arc_hours: np.ndarray
    arc_pinned: np.ndarray
    penalty: np.ndarray  # per household: base[tier] x (1 + risk)
    cap_hours: np.ndarray
    cap_count: np.ndarray

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

    def objective_of(self, choice: np.ndarray) -> float:
        """Objective of ``choice`` (arc index per household, -1 unassigned)."""
        chosen = choice[choice >= 0]
        return float(self.arc_cost[chosen].sum() + self.penalty[choice < 0].sum())

    def loads(self, choice: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Hours and household count per worker under ``choice``."""
        chosen = choice[choice >= 0]
        hours = np.bincount(self.arc_agent[chosen], self.arc_hours[chosen], self.n_agents).astype(
            float
        )
        count = np.bincount(self.arc_agent[chosen], minlength=self.n_agents)
        return hours, count

    def subset(
        self, items: np.ndarray, cap_hours: np.ndarray, cap_count: np.ndarray
    ) -> tuple[ArcArrays, np.ndarray]:
        """The sub-problem on ``items`` with the given capacities; also its arcs' indices here."""
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
            cap_hours=cap_hours,
            cap_count=cap_count,
        )
        return sub, arcs


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
        cap_hours=ws["monthly_hours"].to_numpy().astype(float),
        cap_count=ws["max_households"].to_numpy().astype(np.int64),
    )
