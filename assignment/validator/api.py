"""The validator's entry points: the violations of a plan, as a table, a list or counts.

:func:`violations_table` checks the inputs' columns, derives the plan's rows
(:mod:`~assignment.validator.derive`) and runs every rule (:mod:`~assignment.validator.hard_rules`,
:mod:`~assignment.validator.pairs`, :mod:`~assignment.validator.reported`), listing the
violations by kind (:class:`~assignment.validator.violations.ViolationKind`'s order), household
and worker.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import polars as pl

from assignment.domain import PLAN_COLUMNS, AssignmentSettings, PlanInputs
from assignment.errors import PlanFormatError
from assignment.validator.derive import derive
from assignment.validator.hard_rules import (
    check_duplicate_household,
    check_inactive_worker,
    check_missing_household,
    check_outside_jurisdiction,
    check_over_count,
    check_over_hours,
    check_own_household,
    check_role_ineligible,
    check_unknown_household,
    check_unknown_worker,
)
from assignment.validator.pairs import (
    check_conflict_of_interest,
    check_forbidden_pair,
    check_pin_not_honoured,
)
from assignment.validator.reported import (
    check_hours_mismatch,
    check_kept_previous_mismatch,
    check_role_mismatch,
    check_tier_mismatch,
    check_township_mismatch,
    check_travel_mismatch,
    check_up_cover_mismatch,
)
from assignment.validator.table import empty_violations
from assignment.validator.violations import KIND_TITLES, Violation, ViolationKind

_KIND_ORDER = {k: i for i, k in enumerate(ViolationKind)}


def _require(frame: pl.DataFrame, columns: Collection[str], name: str) -> None:
    """Refuse an input without a column the rules read (:class:`PlanFormatError`)."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise PlanFormatError(f"{name}: missing column(s) {', '.join(missing)}")


_ROW_CHECKS: tuple[Callable[[pl.DataFrame, AssignmentSettings], pl.DataFrame], ...] = (
    check_duplicate_household,
    check_unknown_household,
    check_unknown_worker,
    check_inactive_worker,
    check_role_ineligible,
    check_outside_jurisdiction,
    check_own_household,
    check_over_hours,
    check_over_count,
    check_tier_mismatch,
    check_township_mismatch,
    check_role_mismatch,
    check_travel_mismatch,
    check_hours_mismatch,
    check_kept_previous_mismatch,
    check_up_cover_mismatch,
)


def violations_table(
    plan: pl.DataFrame,
    inputs: PlanInputs,
    settings: AssignmentSettings,
    *,
    townships: Collection[str] | None = None,
) -> pl.DataFrame:
    """Every violation as a frame (``kind``, ``household_id``, ``worker_id``, details).

    ``townships`` restricts the "silently dropped household" check to those townships (for a
    plan solved for some townships only); every other rule applies to every plan row.
    """
    rules = settings
    _require(plan, PLAN_COLUMNS, "plan")
    _require(
        inputs.households,
        ["household_id", "county_id", "township_id", "village_id", "grid_id", "lon", "lat"],
        "households",
    )
    _require(
        inputs.workers,
        [
            "worker_id",
            "role",
            "township_id",
            "village_id",
            "grid_id",
            "lon",
            "lat",
            "monthly_hours",
            "max_households",
            "own_household_id",
            "active",
        ],
        "workers",
    )
    _require(inputs.scores, ["household_id", "final_tier"], "scores")
    for name, frame in (
        ("previous", inputs.previous),
        ("conflicts", inputs.conflicts),
        ("pins", inputs.pins),
        ("forbids", inputs.forbids),
    ):
        if frame is not None:
            _require(frame, ["household_id", "worker_id"], name)

    d = derive(plan, inputs, rules)
    parts = [check(d, rules) for check in _ROW_CHECKS]
    parts.append(check_missing_household(d.select("household_id"), inputs, townships))
    parts.append(check_conflict_of_interest(d, inputs.conflicts))
    parts.append(check_forbidden_pair(d, inputs.forbids))
    parts.append(check_pin_not_honoured(d, inputs.pins))
    out = pl.concat([p.select(empty_violations().columns) for p in parts], how="vertical_relaxed")
    order = pl.DataFrame(
        {"kind": [k.value for k in ViolationKind], "_k": list(range(len(ViolationKind)))}
    )
    return (
        out.join(order, on="kind", how="left")
        .sort(["_k", "household_id", "worker_id"], nulls_last=True)
        .drop("_k")
    )


def validate_plan(
    plan: pl.DataFrame,
    inputs: PlanInputs,
    settings: AssignmentSettings,
    *,
    townships: Collection[str] | None = None,
) -> list[Violation]:
    """Re-check ``plan`` against the raw ``inputs``; the plan is valid iff the list is empty.

    ``settings`` are the policy values (the same object the optimizer is given).
    """
    table = violations_table(plan, inputs, settings, townships=townships)
    return [
        Violation(
            ViolationKind(r["kind"]),
            r["household_id"],
            r["worker_id"],
            r["detail_zh"],
            r["detail_en"],
        )
        for r in table.iter_rows(named=True)
    ]


def violations_frame(violations: list[Violation]) -> pl.DataFrame:
    """The violations as a polars frame (for Parquet or a table)."""
    if not violations:
        return empty_violations()
    return pl.DataFrame(
        {
            "kind": [v.kind.value for v in violations],
            "household_id": [v.household_id for v in violations],
            "worker_id": [v.worker_id for v in violations],
            "detail_zh": [v.detail_zh for v in violations],
            "detail_en": [v.detail_en for v in violations],
        },
        schema=empty_violations().schema,
    )


def summarize_violations(violations: list[Violation]) -> pl.DataFrame:
    """Count of violations by kind with the kind's title in Chinese and English."""
    counts: dict[ViolationKind, int] = {}
    for v in violations:
        counts[v.kind] = counts.get(v.kind, 0) + 1
    kinds = sorted(counts, key=_KIND_ORDER.__getitem__)
    return pl.DataFrame(
        {
            "kind": [k.value for k in kinds],
            "count": [counts[k] for k in kinds],
            "title_zh": [KIND_TITLES[k][0] for k in kinds],
            "title_en": [KIND_TITLES[k][1] for k in kinds],
        },
        schema={"kind": pl.String, "count": pl.Int64, "title_zh": pl.String, "title_en": pl.String},
    )
