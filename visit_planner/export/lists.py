"""The rows of the visit lists: one per assigned household, and one summary per worker.

Read from a run directory one township at a time (:class:`~visit_planner.runs.RunReader`):
the plan says who visits whom, the township's stored inputs give the household's village, grid
and last visit and the worker's hours, the run's policy gives each tier's cadence. The
``reasons`` column holds the household's risk reasons when the run stored scores that carry
them (those that raise the risk, without their magnitudes); otherwise the assignment reason
(pinned, up-cover, same visitor as last month, taking over from another worker, newly
assigned), and ``reason_source`` says which.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from visit_planner.contracts.places import place_name
from visit_planner.errors import PlanFileError
from visit_planner.export import labels
from visit_planner.runs import RunReader

LIST_COLUMNS: Final = (
    "worker_id", "role", "county_id", "county_name", "township_id", "township_name", "village_id",
    "village_name", "grid_id", "household_id", "tier", "visits_per_month", "visits_due",
    "reasons", "reason_source", "last_visit_days",
)  # fmt: skip
"""Columns of ``visit_lists.csv``, in order (the names empty where the run has none)."""

WORKER_COLUMNS: Final = (
    "worker_id", "role", "county_id", "township_id", "village_id", "grid_id", "monthly_hours",
    "active", "households", "hours_planned", "tier1", "tier2", "tier3",
)  # fmt: skip
"""Columns of the per-worker summary (the sheet headers and the index)."""

_MAGNITUDE = r"\s*[+-]\d+(\.\d+)?$"  # the signed contribution at the end of a reason's text


def township_rows(reader: RunReader, township_id: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The visit-list rows (:data:`LIST_COLUMNS`) and worker summaries (:data:`WORKER_COLUMNS`)
    of one township of the run."""
    plan = reader.plan(township_id)
    inputs = reader.inputs(township_id)
    households, workers = inputs["households"], inputs["workers"]
    if households is None or workers is None:
        raise PlanFileError(f"{reader.root}: township {township_id} has no stored inputs")
    assigned = plan.filter(pl.col("worker_id").is_not_null())
    cadence = {t: reader.policy.tier(t).visits_per_month for t in (1, 2, 3)}
    rows = (
        assigned.select(
            "household_id", "worker_id", "role", pl.col("tier").cast(pl.Int8),
            *[c for c in ("kept_previous", "up_cover", "pinned") if c in assigned.columns],
        )
        .join(
            households.select(
                "household_id", "county_id", "township_id", "village_id", "grid_id",
                "last_visit_days",
            ),
            on="household_id",
            how="left",
        )
        .join(_previous_workers(reader, township_id), on="household_id", how="left")
        .with_columns(
            visits_per_month=pl.col("tier").replace_strict(cadence, return_dtype=pl.Float64),
            visits_due=pl.col("tier").replace_strict(
                {t: labels.visits_due(v) for t, v in cadence.items()}, return_dtype=pl.String
            ),
            _assignment=_assignment_reason(assigned.columns),
        )
        .with_columns(
            county_name=_names(pl.col("county_id")),
            township_name=_names(pl.col("township_id")),
            village_name=_names(pl.col("village_id")),
        )
    )  # fmt: skip
    risk = _risk_reasons(reader, township_id)
    if risk is not None:
        rows = rows.join(risk, on="household_id", how="left")
    else:
        rows = rows.with_columns(_risk=pl.lit(None, pl.String))
    rows = rows.with_columns(
        reasons=pl.coalesce("_risk", "_assignment"),
        reason_source=pl.when(pl.col("_risk").is_not_null())
        .then(pl.lit("risk"))
        .otherwise(pl.lit("assignment")),
    )
    rows = rows.select(LIST_COLUMNS).sort("worker_id", "tier", "village_id", "household_id")
    hours = assigned.group_by("worker_id").agg(
        pl.col("hours_per_month").sum().alias("hours_planned")
    )
    return rows, _worker_summaries(workers, rows, hours, township_id)


def _names(code: pl.Expr) -> pl.Expr:
    """The place name of each code (Chinese; empty when unknown)."""
    return code.map_elements(lambda c: place_name(c, "zh"), return_dtype=pl.String)


def unassigned_count(reader: RunReader, township_id: str) -> int:
    """Households of the township's plan left without a worker (on no list)."""
    return int(reader.plan(township_id)["worker_id"].null_count())


def _previous_workers(reader: RunReader, township_id: str) -> pl.DataFrame:
    """``household_id, previous_worker_id`` from the township's explanations."""
    expl = reader.explanations(township_id)
    if "previous_worker_id" not in expl.columns:
        return pl.DataFrame(schema={"household_id": pl.String, "previous_worker_id": pl.String})
    return expl.select("household_id", "previous_worker_id").unique("household_id", keep="first")


def _assignment_reason(plan_columns: list[str]) -> pl.Expr:
    """Why the household is on this worker's list, from the plan's flags (first that holds)."""

    def flag(name: str) -> pl.Expr:
        return pl.col(name).fill_null(False) if name in plan_columns else pl.lit(False)

    previous = pl.col("previous_worker_id")
    return (
        pl.when(flag("pinned"))
        .then(pl.lit(labels.REASON_PINNED))
        .when(flag("up_cover"))
        .then(pl.lit(labels.REASON_UP_COVER))
        .when(flag("kept_previous"))
        .then(pl.lit(labels.REASON_KEPT))
        .when(previous.is_not_null() & (previous != pl.col("worker_id")))
        .then(pl.format(labels.REASON_TAKING_OVER, previous, previous))
        .otherwise(pl.lit(labels.REASON_NEW))
    )


def _risk_reasons(reader: RunReader, township_id: str) -> pl.DataFrame | None:
    """``household_id, _risk``: the texts of the reasons that raise a household's risk, or None
    when the run stored no scores with reasons."""
    scores = reader.scores(township_id)
    if scores is None or "reasons" not in scores.columns:
        return None
    dtype = scores.schema["reasons"]
    if not isinstance(dtype, pl.List):
        return None
    inner = dtype.inner
    items = pl.col("reasons")
    if isinstance(inner, pl.Struct) and "text" in {f.name for f in inner.fields}:
        has_sign = "contribution" in {f.name for f in inner.fields}
        kept = (
            items.list.eval(pl.element().filter(pl.element().struct.field("contribution") > 0))
            if has_sign
            else items
        )
        texts = kept.list.eval(pl.element().struct.field("text").str.replace(_MAGNITUDE, ""))
    elif inner == pl.String:
        texts = items
    else:
        return None
    joined = texts.list.join("; ")
    return scores.select(
        pl.col("household_id").cast(pl.String),
        pl.when(joined.str.len_chars() > 0).then(joined).alias("_risk"),
    ).unique("household_id", keep="first")


def _worker_summaries(
    workers: pl.DataFrame, rows: pl.DataFrame, hours: pl.DataFrame, township_id: str
) -> pl.DataFrame:
    """Every worker of the township with its households, hours planned and tier counts."""
    load = rows.group_by("worker_id").agg(
        pl.len().alias("households"),
        *[(pl.col("tier") == t).sum().alias(f"tier{t}") for t in (1, 2, 3)],
    )
    return (
        workers.filter(pl.col("township_id") == township_id)
        .join(load, on="worker_id", how="left")
        .join(hours, on="worker_id", how="left")
        .with_columns(
            pl.col("households", "tier1", "tier2", "tier3").fill_null(0).cast(pl.Int64),
            pl.col("hours_planned").fill_null(0.0),
        )
        .select(WORKER_COLUMNS)
        .sort("worker_id")
    )
