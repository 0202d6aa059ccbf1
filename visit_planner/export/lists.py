"""The rows of the visit lists: one per assigned household, one summary per worker, and one
per household the plan leaves unassigned.

Read from a run directory one township at a time (:class:`~visit_planner.runs.RunReader`):
the plan says who visits whom, the township's stored inputs give the household's village, grid
and last visit and the worker's hours, the run's policy gives each tier's cadence. The
``reasons`` column holds the household's risk reasons when the run stored scores that carry
them (those that raise the risk, without their magnitudes); otherwise the assignment reason
(pinned, up-cover, same visitor as last month, taking over from another worker, newly
assigned), and ``reason_source`` says which.

The unassigned households (:func:`township_unassigned`) come with the reason the run gives:
the township's failed solve (its diagnostics' error), else the household's explanation (the
nearest worker of an eligible role it did not get and why, e.g. at capacity, or that there is
none), and the township's shortfall text (the capacity that would cover its uncovered
households).
"""

from __future__ import annotations

from typing import Final

import polars as pl

from visit_planner.contracts.places import name_places, place_name
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

UNASSIGNED_COLUMNS: Final = (
    "household_id", "tier", "county_id", "county_name", "township_id", "township_name",
    "village_id", "village_name", "grid_id", "visits_per_month", "visits_due", "last_visit_days",
    "reasons", "previous_worker_id", "nearest_worker_id", "nearest_role", "reason_code",
    "reason_zh", "reason_en", "shortfall",
)  # fmt: skip
"""Columns of ``unassigned.csv``, in order: ``reasons`` what decided the household's tier,
as on a visit list (what to check on the visit the township arranges; empty where the run
stored no scores with reasons); ``reason_code`` is the explanation's
(:class:`assignment.explain.Reason`, e.g. ``at_capacity``, ``no_alternative``), or
``township_failed`` (the township's solve failed: the reason holds its error), or
``not_recorded`` (the run holds no explanation of the household), with its text in
``reason_zh`` and ``reason_en``; ``shortfall`` is the township's shortfall text of the run's
diagnostics (``中文 / English``, statements joined by ``; ``; empty where it has none)."""

REASON_TOWNSHIP_FAILED: Final = "township_failed"
REASON_NOT_RECORDED: Final = "not_recorded"

_MAGNITUDE = r"\s*[+-]\d+(\.\d+)?$"  # the signed contribution at the end of a reason's text


def township_rows(reader: RunReader, township_id: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The visit-list rows (:data:`LIST_COLUMNS`) and worker summaries (:data:`WORKER_COLUMNS`)
    of one township of the run."""
    plan = reader.plan(township_id)
    inputs = reader.inputs(township_id)
    households, workers = inputs["households"], inputs["workers"]
    if households is None or workers is None:
        raise PlanFileError(
            f"{reader.root}: 方案未保存该乡镇的输入数据 (township {township_id} has no stored "
            "inputs)"
        )
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
        .then(pl.col("_source") if "_source" in rows.columns else pl.lit("risk"))
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


def township_unassigned(
    reader: RunReader, township_id: str, *, shortfall: str = "", error: str | None = None
) -> pl.DataFrame:
    """Every household of the township's plan left without a worker (:data:`UNASSIGNED_COLUMNS`),
    tier 1 first, then by village and id; ``shortfall`` and ``error``: the township's
    diagnostics (its shortfall text; the error of a failed solve)."""
    plan = reader.plan(township_id)
    missing = plan.filter(pl.col("worker_id").is_null()).select(
        pl.col("household_id").cast(pl.String), pl.col("tier").cast(pl.Int8)
    )
    if missing.height == 0:
        return pl.DataFrame(schema=_UNASSIGNED_SCHEMA)
    households = reader.inputs(township_id)["households"]
    place_cols = ("county_id", "township_id", "village_id", "grid_id")
    if households is None:  # never drop a household for want of its inputs: ids only
        households = pl.DataFrame(
            schema={"household_id": pl.String, **dict.fromkeys(place_cols, pl.String),
                    "last_visit_days": pl.Int64}
        )  # fmt: skip
    cadence = {t: reader.policy.tier(t).visits_per_month for t in (1, 2, 3)}
    rows = (
        missing.join(
            households.select(
                pl.col("household_id").cast(pl.String),
                *[pl.col(c).cast(pl.String) for c in place_cols],
                pl.col("last_visit_days").cast(pl.Int64),
            ).unique("household_id", keep="first"),
            on="household_id",
            how="left",
        )
        .join(_explained(reader, township_id), on="household_id", how="left")
        .join(_tier_reasons(reader, township_id), on="household_id", how="left")
        .with_columns(
            pl.col("township_id").fill_null(township_id),
            visits_per_month=pl.col("tier").replace_strict(cadence, return_dtype=pl.Float64),
            visits_due=pl.col("tier").replace_strict(
                {t: labels.visits_due(v) for t, v in cadence.items()}, return_dtype=pl.String
            ),
        )
        .with_columns(
            county_name=_names(pl.col("county_id")),
            township_name=_names(pl.col("township_id")),
            village_name=_names(pl.col("village_id")),
        )
    )
    why = [_why_unassigned(r, error) for r in rows.iter_rows(named=True)]
    return (
        rows.with_columns(
            reason_code=pl.Series([w[0] for w in why], dtype=pl.String),
            reason_zh=pl.Series([w[1] for w in why], dtype=pl.String),
            reason_en=pl.Series([w[2] for w in why], dtype=pl.String),
            shortfall=pl.lit(shortfall or "", pl.String),
        )
        .select(UNASSIGNED_COLUMNS)
        .sort("tier", "village_id", "household_id", nulls_last=True)
    )


_UNASSIGNED_SCHEMA: Final = {
    c: pl.Int8 if c == "tier"
    else pl.Float64 if c == "visits_per_month"
    else pl.Int64 if c == "last_visit_days"
    else pl.String
    for c in UNASSIGNED_COLUMNS
}  # fmt: skip

_EXPLAINED: Final = {
    "previous_worker_id": pl.String, "nearest_worker_id": pl.String, "nearest_role": pl.String,
    "_travel": pl.Float64, "_code": pl.String, "_zh": pl.String, "_en": pl.String,
}  # fmt: skip


def _explained(reader: RunReader, township_id: str) -> pl.DataFrame:
    """``household_id``, the previous worker, and the nearest worker of an eligible role the
    household did not get with the reason (:data:`_EXPLAINED`), from the township's
    explanations; null where the run's explanations lack a column."""
    expl = reader.explanations(township_id)
    source = {
        "previous_worker_id": "previous_worker_id", "nearest_worker_id": "alt_worker_id",
        "nearest_role": "alt_role", "_travel": "alt_travel_minutes", "_code": "reason_code",
        "_zh": "reason_zh", "_en": "reason_en",
    }  # fmt: skip
    return expl.select(
        pl.col("household_id").cast(pl.String),
        *[
            (pl.col(src) if src in expl.columns else pl.lit(None)).cast(_EXPLAINED[name])
            .alias(name)
            for name, src in source.items()
        ],
    ).unique("household_id", keep="first")  # fmt: skip


def _tier_reasons(reader: RunReader, township_id: str) -> pl.DataFrame:
    """``household_id, reasons``: what decided each household's tier (:func:`_risk_reasons`),
    empty when the run stored no scores with reasons."""
    risk = _risk_reasons(reader, township_id)
    if risk is None:
        return pl.DataFrame(schema={"household_id": pl.String, "reasons": pl.String})
    return risk.select("household_id", pl.col("_risk").alias("reasons"))


def _why_unassigned(r: dict[str, object], error: str | None) -> tuple[str, str, str]:
    """``(reason_code, 中文, English)`` of one unassigned household (see
    :data:`UNASSIGNED_COLUMNS`)."""
    if error:
        zh, en = labels.REASON_TOWNSHIP_FAILED
        return REASON_TOWNSHIP_FAILED, f"{zh}: {error}", f"{en}: {error}"
    code = r["_code"]
    if not code:
        return REASON_NOT_RECORDED, *labels.REASON_NOT_RECORDED
    zh, en = name_places(str(r["_zh"] or "")), name_places(str(r["_en"] or ""))
    worker, role, travel = r["nearest_worker_id"], r["nearest_role"], r["_travel"]
    if not worker:
        return str(code), zh, en
    trip = f"{travel:.0f}" if isinstance(travel, float) else "—"
    near_zh, near_en = labels.REASON_NEAREST
    return (
        str(code),
        near_zh.format(worker, labels.role_zh(str(role)) if role else "—", trip, zh),
        near_en.format(worker, labels.role_en(str(role)) if role else "—", trip, en),
    )


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
    """``household_id, _risk, _source``: what decided each household's tier as the list's
    reason (:func:`_tier_reason`), or None when the run stored no scores with reasons."""
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
    risk = pl.when(joined.str.len_chars() > 0).then(joined)
    source, reason = _tier_reason(reader, scores.columns, risk)
    return scores.select(
        pl.col("household_id").cast(pl.String), reason.alias("_risk"), source.alias("_source")
    ).unique("household_id", keep="first")


def _tier_reason(reader: RunReader, columns: list[str], risk: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """``(source, reason)`` of a household's tier from its scores' ``tier_source``: a
    supervisor's override with its reason (the model's reasons argue for the tier the override
    replaced, e.g. a tier-3 household a supervisor made 一类户), a policy rule with its text
    before the risk reasons, else the risk reasons (``risk``). Runs whose scores lack those
    columns give the risk reasons."""
    if "tier_source" not in columns:
        return pl.lit("risk"), risk
    source = pl.col("tier_source")
    override = (
        pl.format(labels.REASON_OVERRIDE, _override_text(pl.col("override_reason")))
        if "override_reason" in columns
        else pl.lit(None, pl.String)
    )
    rules = {
        r.code: labels.REASON_RULE.format(r.text_zh, r.text_en) for r in reader.policy.risk.rules
    }
    rule = (
        pl.col("rule").replace_strict(rules, default=pl.col("rule"), return_dtype=pl.String)
        if "rule" in columns
        else pl.lit(None, pl.String)
    )
    with_rule = pl.concat_str([rule, risk], separator="; ", ignore_nulls=True)
    reason = (
        pl.when((source == "override") & override.is_not_null())
        .then(override)
        .when((source == "rule") & rule.is_not_null())
        .then(with_rule)
        .otherwise(risk)
    )
    kind = (
        pl.when((source == "override") & override.is_not_null())
        .then(pl.lit("override"))
        .when((source == "rule") & rule.is_not_null())
        .then(pl.lit("rule"))
        .otherwise(pl.lit("risk"))
    )
    return kind, reason


def _override_text(reason: pl.Expr) -> pl.Expr:
    """A tier override's reason as scoring records it (``#6 author: text``) without the
    account that wrote it: ``#6: text`` (the sheet goes to the visitor; the author is in the
    store and the audit log)."""
    return reason.str.replace(r"^(#\d+) [^:]*: ", "${1}: ")


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
