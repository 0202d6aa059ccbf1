"""The township page's queries: one township in the user's jurisdiction (its diagnostics,
demand against capacity, uncovered households and worker loads) and its map's points.

Every query here names its township and is refused outside the jurisdiction
(:meth:`~dashboard.data.scope.ScopedAccess._require`) before any of its files is read; viewers
get the aggregates without a household.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import polars as pl

from dashboard.data import run_files
from dashboard.data.scope import PAGE_ROWS, ScopedAccess
from visit_planner.runs.summary import roles_frame, tiers_frame


@lru_cache(maxsize=256)
def _shortfall_hours(root: str, township_id: str) -> tuple[tuple[int, str, int], ...]:
    """The township's shortfall records as ``(tier, role, extra_hours)``: the hours more of the
    tier's present workers (of ``role``) that would cover its uncovered households.

    The run keeps these records only as the ``shortfall`` sentence, so they are computed again
    from the township's stored inputs by the function that wrote it
    (:func:`assignment.diagnostics.shortfall`, with the same allowed arcs), which gives the
    same figures as the sentence and ``runs show``; kept per process."""
    from assignment.diagnostics import shortfall
    from assignment.inputs import capacity_pins

    reader = run_files.reader(root)
    plan = run_files.township_frame(root, township_id, "plan")
    stored = reader.inputs(township_id)
    households, workers = stored["households"], stored["workers"]
    if plan is None or households is None or workers is None:
        return ()
    workers = workers.filter(pl.col("township_id") == township_id)
    settings = reader.settings
    arcs = reader.candidates(township_id, stored)
    arcs, _issues = capacity_pins(arcs, workers)
    open_ids = plan.filter(pl.col("worker_id").is_null()).select("household_id")
    uncovered = households.join(open_ids, on="household_id", how="semi")
    records = shortfall(uncovered, workers, settings, arcs=arcs)
    return tuple((int(r["tier"]), str(r["role"]), int(r["extra_hours"])) for r in records)  # type: ignore[call-overload]


class TownshipQueries(ScopedAccess):
    """The township page (and the worker page's map)."""

    def township(self, month: str, township_id: str) -> dict[str, Any]:
        """One township: its diagnostics row, demand and capacity by role, the uncovered
        households (a page of them) and worker loads; an error outside the user's scope.

        ``demand`` has one row per tier: ``hours_covered`` (its covered households' hours),
        ``extra_hours`` (the shortfall's extra hours of the tier's role, 0 without one) and
        ``hours``, their sum: the demand including the uncovered households."""
        run, root = self._township_root(month, township_id)
        diag = run_files.whole(root, "diagnostics").filter(pl.col("township_id") == township_id)
        plan = run_files.township_frame(root, township_id, "plan")
        loads = run_files.township_frame(root, township_id, "worker_loads")
        assert plan is not None and loads is not None  # every run township has both
        summary = run_files.summary(root, township_id)
        uncovered = plan.filter(pl.col("worker_id").is_null()).sort("tier", "household_id")
        # Demand of a tier: the hours of its covered households (the summary's) plus, where the
        # township falls short, the extra hours its present workers would need for the
        # uncovered ones: the summary's hours alone would equal the hours used.
        short = bool(diag["shortfall"][0]) if "shortfall" in diag.columns else False
        records = _shortfall_hours(root, township_id) if short else ()
        extra = {tier: hours for tier, _role, hours in records}
        demand = (
            tiers_frame([summary])
            .select("tier", "households", pl.col("hours").alias("hours_covered"))
            .with_columns(
                pl.col("tier")
                .replace_strict(extra, default=0, return_dtype=pl.Float64)
                .alias("extra_hours")
            )
            .with_columns((pl.col("hours_covered") + pl.col("extra_hours")).alias("hours"))
        )
        capacity = roles_frame([summary]).select("role", "hours_available", "hours_used", "workers")
        return {
            "run": run,
            "diagnostics": diag.row(0, named=True),
            "demand": demand.sort("tier"),
            "capacity": capacity.sort("role"),
            "uncovered": uncovered.head(PAGE_ROWS) if self.viewer.sees_households else None,
            "uncovered_count": uncovered.height,
            "loads": loads.sort("utilisation_hours", descending=True, nulls_last=True).head(
                PAGE_ROWS
            ),
        }

    def areas(self, month: str, township_id: str) -> pl.DataFrame:
        """The township's villages and grids (``village_id, grid_id``, one row a grid, in
        order): where a worker added in a what-if serves (a village official its village, a
        grid worker its grid). Codes only, no household: open to every role in scope."""
        _run, root = self._township_root(month, township_id)
        households = run_files.township_input(root, township_id, "households")
        if households is None:
            return pl.DataFrame(schema={"village_id": pl.String, "grid_id": pl.String})
        return households.select("village_id", "grid_id").unique().sort("village_id", "grid_id")

    def map_points(self, month: str, township_id: str) -> dict[str, pl.DataFrame]:
        """Households (lon, lat, tier, covered) and worker bases of one township, for a map
        drawn without any base map (offline). Viewers get no household points."""
        _run, root = self._township_root(month, township_id)
        households = run_files.township_input(root, township_id, "households")
        workers = run_files.township_input(root, township_id, "workers")
        plan = run_files.township_frame(root, township_id, "plan")
        out: dict[str, pl.DataFrame] = {}
        if households is not None and plan is not None and self.viewer.sees_households:
            out["households"] = households.select("household_id", "village_id", "lon", "lat").join(
                plan.select("household_id", "tier", "worker_id"), on="household_id", how="left"
            )
        if workers is not None:
            out["workers"] = workers.filter(pl.col("township_id") == township_id).select(
                "worker_id", "role", "lon", "lat", "active"
            )
        return out
