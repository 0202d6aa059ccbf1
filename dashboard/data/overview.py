"""The overview page's query: the month at a glance over the user's townships.

Read from the townships' summaries (written at publish time) and the run's small diagnostics
file, never from plan rows: households by tier, utilisation by role, shortfalls and whether the
plan is proven, summed over the townships in scope only.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dashboard.data import run_files
from dashboard.data.scope import ScopedAccess
from visit_planner.runs.summary import roles_frame, tiers_frame
from visit_planner.store import RunRow


@dataclass(frozen=True)
class Overview:
    """The month at a glance for the user's scope."""

    run: RunRow
    townships: pl.DataFrame  # one row per township in scope: ids, sizes, coverage, shortfall
    by_tier: pl.DataFrame  # tier, households, covered, uncovered
    by_role: pl.DataFrame  # role, hours used, hours available, utilisation
    proven: bool  # every township in scope has a proven bound
    tier1_proven: bool  # every township's tier-1 coverage is proven maximal
    gap: float | None  # objective vs proven bound over the scope
    centres: pl.DataFrame  # township_id, lon, lat: where each township's households are


class OverviewQueries(ScopedAccess):
    """The overview page."""

    def overview(self, month: str) -> Overview:
        """Households by tier, tier-1 coverage, utilisation by role and shortfalls, in scope,
        from the townships' summaries (written at publish time: no plan row is read)."""
        run = self.current_run(month)
        root = self._root(run)
        in_scope = self.townships(month)
        summaries = [run_files.summary(root, tw) for tw in in_scope]
        diag = run_files.whole(root, "diagnostics").filter(pl.col("township_id").is_in(in_scope))
        towns = diag.select(
            "township_id",
            "households",
            "workers",
            "status",
            "gap",
            "unassigned_tier1",
            "unassigned_tier2",
            "unassigned_tier3",
            "shortfall",
            "extra_cadres",
            *[c for c in diag.columns if c.startswith("utilisation_")],
        ).sort("township_id")
        proven = bool(summaries) and all(s.proven for s in summaries)
        objective = sum(s.objective or 0.0 for s in summaries)
        gap = None
        if proven and objective > 0:
            bound = sum(s.bound or 0.0 for s in summaries)
            gap = max(0.0, objective - bound) / objective
        centres = pl.DataFrame(
            [(s.township_id, s.lon, s.lat) for s in summaries if s.lon is not None],
            schema={"township_id": pl.String, "lon": pl.Float64, "lat": pl.Float64},
            orient="row",
        )
        by_role = roles_frame(summaries).filter(pl.col("hours_available") > 0)
        tier1_proven = bool(summaries) and all(s.tier1_proven for s in summaries)
        return Overview(
            run, towns, tiers_frame(summaries), by_role, proven, tier1_proven, gap, centres
        )
