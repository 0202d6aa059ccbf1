"""What-if for one township: change capacity or cadence, re-solve, compare - before saving.

A planner or supervisor asks "what if this cadre had 10 more hours", "what if we add a village
official here", "what if tier 2 were visited every two months": :func:`what_if` re-solves the
township of a published run with those changes, with the run's own inputs and scores and its
plan as the previous assignment (so only what the change requires moves), and reports coverage,
travel, churn and balance before and after. Nothing is saved here;
:func:`visit_planner.whatif_publish.publish_what_if` publishes the result as the month's next
version (an amendment: every other township's files carried over byte for byte), for planners.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from assignment.domain import AssignmentSettings, TierSettings
from visit_planner.assign_job import AssignInputs, SolvedPlan, solve_and_explain
from visit_planner.errors import VisitPlannerError
from visit_planner.runs import RunReader


@dataclass(frozen=True)
class NewWorker:
    """A worker to add for the what-if: role, area and capacity (placed at the area's centre)."""

    role: str
    monthly_hours: float
    max_households: int
    village_id: str | None = None
    grid_id: str | None = None


@dataclass(frozen=True)
class Changes:
    """What to change in one township."""

    hours: Mapping[str, float] = field(default_factory=dict)  # worker id -> monthly hours
    remove: tuple[str, ...] = ()  # worker ids that leave
    add: tuple[NewWorker, ...] = ()
    visits_per_month: Mapping[int, float] = field(default_factory=dict)  # tier -> cadence

    def describe(self) -> str:
        """The changes in words (for the amendment's audit entry)."""
        parts = [f"{w} {h:g} h" for w, h in sorted(self.hours.items())]
        parts += [f"remove {w}" for w in self.remove]
        parts += [f"add {n.role} {n.monthly_hours:g} h" for n in self.add]
        parts += [f"tier {t}: {v:g} visits/month" for t, v in sorted(self.visits_per_month.items())]
        return "; ".join(parts) or "no change"


@dataclass(frozen=True)
class WhatIf:
    """The township before and after the changes, and the solved plan after them."""

    township_id: str
    before: dict[str, float]
    after: dict[str, float]
    solved: SolvedPlan
    inputs: AssignInputs
    settings: AssignmentSettings
    changes: Changes
    seconds: float

    def delta(self) -> dict[str, float]:
        """After minus before, per figure."""
        return {k: self.after[k] - self.before.get(k, 0.0) for k in self.after}


def figures(plan: pl.DataFrame, diagnostics: Mapping[str, object]) -> dict[str, float]:
    """Coverage by tier, travel and balance of one township's plan."""
    out = {
        f"uncovered_tier{t}": float(
            plan.filter((pl.col("tier") == t) & pl.col("worker_id").is_null()).height
        )
        for t in (1, 2, 3)
    }
    out["covered"] = float(plan["worker_id"].is_not_null().sum())
    out["travel_hours_month"] = float(diagnostics.get("travel_minutes_month") or 0.0) / 60.0  # type: ignore[arg-type]
    out["balance_cost"] = float(diagnostics.get("balance_cost") or 0.0)  # type: ignore[arg-type]
    out["overloaded_workers"] = float(diagnostics.get("overloaded_workers") or 0.0)  # type: ignore[arg-type]
    return out


def _moved(published: pl.DataFrame, solved: pl.DataFrame) -> float:
    """How many households of ``published`` have another worker (or none) in ``solved``."""
    pairs = published.select("household_id", "worker_id").join(
        solved.select("household_id", pl.col("worker_id").alias("new")), on="household_id"
    )
    return float((~pairs["worker_id"].eq_missing(pairs["new"])).sum())


def _workers(reader: RunReader, township_id: str, changes: Changes) -> pl.DataFrame:
    """The township's workers with the hours changed, leavers inactive and new ones added."""
    stored = reader.inputs(township_id)["workers"]
    households = reader.inputs(township_id)["households"]
    if stored is None or households is None:
        raise VisitPlannerError(
            f"{reader.root}: 乡镇没有保存的输入 (township {township_id} has no stored inputs)"
        )
    workers = stored.filter(pl.col("township_id") == township_id)
    known = set(workers["worker_id"].to_list())
    unknown = sorted((set(changes.hours) | set(changes.remove)) - known)
    if unknown:
        raise VisitPlannerError(
            f"人员不在该乡镇 (worker(s) {', '.join(unknown)} not in township {township_id})"
        )
    for wid, hours in changes.hours.items():
        if hours < 0:
            raise VisitPlannerError(f"{wid}: 工时不得为负 (hours must be >= 0, got {hours:g})")
        workers = workers.with_columns(
            pl.when(pl.col("worker_id") == wid)
            .then(pl.lit(float(hours)))
            .otherwise(pl.col("monthly_hours"))
            .alias("monthly_hours")
        )
    if changes.remove:
        workers = workers.with_columns(
            pl.when(pl.col("worker_id").is_in(list(changes.remove)))
            .then(False)
            .otherwise(pl.col("active"))
            .alias("active")
        )
    new_rows = []
    for i, new in enumerate(changes.add, start=1):
        area = households
        if new.village_id is not None:
            area = area.filter(pl.col("village_id") == new.village_id)
        if new.grid_id is not None:
            area = area.filter(pl.col("grid_id") == new.grid_id)
        if area.height == 0:
            raise VisitPlannerError(
                f"新增人员的辖区内没有农户 (no households in the new worker's area "
                f"({new.village_id}))"
            )
        new_rows.append(
            {
                "worker_id": f"WHATIF{i:03d}",
                "role": new.role,
                "county_id": str(area["county_id"][0]),
                "township_id": township_id,
                "village_id": new.village_id,
                "grid_id": new.grid_id,
                "lon": float(area["lon"].mean()),  # type: ignore[arg-type]
                "lat": float(area["lat"].mean()),  # type: ignore[arg-type]
                "monthly_hours": float(new.monthly_hours),
                "max_households": int(new.max_households),
                "own_household_id": None,
                "active": True,
            }
        )
    if new_rows:
        workers = pl.concat(
            [workers, pl.DataFrame(new_rows, schema=workers.schema)], how="vertical_relaxed"
        )
    return workers


def _settings(base: AssignmentSettings, changes: Changes) -> AssignmentSettings:
    tiers = dict(base.tiers)
    for tier, per_month in changes.visits_per_month.items():
        if per_month <= 0:
            raise VisitPlannerError(
                f"每月走访次数须大于 0 (tier {tier}: visits per month must be > 0)"
            )
        old = tiers[tier]
        tiers[tier] = TierSettings(old.role, float(per_month), old.minutes_on_site)
    return replace(base, tiers=tiers)


def what_if(run_dir: Path, township_id: str, changes: Changes, *, month: str) -> WhatIf:
    """Re-solve ``township_id`` of the run in ``run_dir`` with ``changes`` (nothing saved)."""
    start = time.perf_counter()
    reader = RunReader(run_dir)
    if township_id not in reader.townships():
        raise VisitPlannerError(f"{township_id}: 乡镇不在方案中 (not in this run)")
    stored = reader.inputs(township_id)
    households = stored["households"]
    assert households is not None
    plan = reader.plan(township_id)
    diag_row = reader.diagnostics().filter(pl.col("township_id") == township_id).row(0, named=True)
    previous = plan.filter(pl.col("worker_id").is_not_null()).select(
        "household_id", "worker_id", pl.lit(month).alias("month")
    )
    inputs = AssignInputs(
        households=households,
        workers=_workers(reader, township_id, changes),
        previous=previous,
        conflicts=stored["conflicts"],
        pins=stored["pins"],
        forbids=stored["forbids"],
        model_version=reader.manifest.model_version,
    )
    settings = _settings(reader.settings, changes)
    solved = solve_and_explain(inputs, settings, townships=[township_id], processes=1)
    after_diag = solved.result.diagnostics.row(0, named=True)
    after = figures(solved.result.plan, after_diag)
    after["households_moved"] = _moved(plan, solved.result.plan)
    # A re-solve moves some households without any change (the published plan is the month's
    # solve, with its own previous assignment and work limits): solved unchanged too, so the
    # page can tell the change's moves from the re-solve's.
    unchanged = (
        solved
        if changes == Changes()
        else solve_and_explain(
            replace(inputs, workers=_workers(reader, township_id, Changes())),
            reader.settings,
            townships=[township_id],
            processes=1,
        )
    )
    after["moved_without_change"] = _moved(plan, unchanged.result.plan)
    before = figures(plan, diag_row)
    before["households_moved"] = before["moved_without_change"] = 0.0
    return WhatIf(
        township_id=township_id,
        before=before,
        after=after,
        solved=solved,
        inputs=inputs,
        settings=settings,
        changes=changes,
        seconds=time.perf_counter() - start,
    )
