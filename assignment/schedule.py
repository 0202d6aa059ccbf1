"""The order in which townships are solved: the slowest first, so the last to finish is short.

Townships run in parallel, one per process, so the month's wall time is about the larger of
(total work / processes) and the work of whatever township starts last. Household count
predicts most townships' work, but not the slowest: where cadres are short of the tier-1
households, the tier-1 coverage stage (:mod:`assignment.solver.coverage`) proves how many
can be covered, and that costs far more than size. At ``--scale 1`` (seeds 1-3) every
township whose coverage stage ran (5-7 per seed, 86-111 CPU s: about half of the run's
179-207) had tier-1 on-site hours of at least 0.46 of its cadres' monthly hours; 8-15
townships per seed are at 0.4 or more, the others each took at most 4.7 CPU s
(``bench/bench_schedule.py``, ``bench/results/schedule.md``).

So: townships under *pressure* (the top tier's on-site hours per hour of the role that serves
it at least :data:`PRESSURE_FIRST`) first, most pressed first; then the rest, largest first.
The order changes only when each township's plan is ready, never the plan: results are
sorted by township afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import polars as pl

from assignment.domain import AssignmentSettings

PRESSURE_FIRST = 0.4
"""Townships at least this pressed start first (on-site hours only: travel about doubles
them at scale 1, so 0.4 is a township whose cadres are about 80 % booked by tier 1)."""


def top_pressure(top_households: int, top_hours: float, settings: AssignmentSettings) -> float:
    """On-site hours a month that the top tier (tier 1) needs, per monthly hour of the workers
    of the role that serves it; infinite when it needs some and there are none."""
    tier = settings.tier(1)
    need = top_households * tier.visits_per_month * tier.minutes_on_site / 60.0
    if top_hours <= 0:
        return math.inf if need > 0 else 0.0
    return need / top_hours


def township_pressures(
    top_households: Mapping[str, int], workers: pl.DataFrame, settings: AssignmentSettings
) -> dict[str, float]:
    """:func:`top_pressure` of every township of ``top_households`` (tier-1 households per
    township); the serving role's hours are summed from ``workers`` (``township_id``,
    ``role``, ``monthly_hours``)."""
    role = str(settings.tier(1).role)
    serving = pl.col("role") == role
    if "active" in workers.columns:  # an inactive worker serves nobody this month
        serving = serving & pl.col("active").fill_null(True)
    hours = dict(
        workers.filter(serving)
        .group_by("township_id")
        .agg(pl.col("monthly_hours").sum())
        .iter_rows()
    )
    return {
        tw: top_pressure(n, float(hours.get(tw, 0.0) or 0.0), settings)
        for tw, n in top_households.items()
    }


def solve_order(sizes: Mapping[str, int], pressures: Mapping[str, float]) -> list[str]:
    """Township ids of ``sizes`` (households per township) in solving order: pressed ones
    (``pressures`` at least :data:`PRESSURE_FIRST`) most pressed first, then by size, largest
    first; ties by id, so the order is deterministic."""

    def key(tw: str) -> tuple[int, float, str]:
        p = pressures.get(tw, 0.0)
        if p >= PRESSURE_FIRST:
            return (0, -p, tw)
        return (1, -float(sizes[tw]), tw)

    return sorted(sizes, key=key)
