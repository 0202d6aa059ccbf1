"""The plan's reported columns against the re-derived values, one ``check_<kind>`` each.

``tier``, ``township_id``, ``role``, ``travel_minutes``, ``hours_per_month``,
``kept_previous`` and ``up_cover`` are what the plan says; each function compares one of them
with the value :func:`~assignment.validator.derive.derive` re-derived (numbers within
:data:`~assignment.validator.tolerance.TOL`) and returns the rows that differ.
"""

from __future__ import annotations

import polars as pl

from assignment.domain import AssignmentSettings
from assignment.validator.table import number_text, role_text, violation_rows, yes_no_text
from assignment.validator.tolerance import TOL
from assignment.validator.violations import ViolationKind


def _close(a: str, b: pl.Expr, rules: AssignmentSettings) -> pl.Expr:
    tol = TOL.abs_minutes + TOL.rel * b.abs()
    return (pl.col(a) - b).abs() <= tol


def check_tier_mismatch(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """The plan's ``tier`` is the household's final tier from the scores."""
    bad = d.filter((pl.col("tier") != pl.col("d_tier")).fill_null(pl.col("d_tier").is_not_null()))
    return violation_rows(
        bad,
        ViolationKind.TIER_MISMATCH,
        pl.format("方案类别 {}, 最终类别 {}", number_text("tier"), number_text("d_tier")),
        pl.format("plan tier {}, final tier {}", number_text("tier"), number_text("d_tier")),
    )


def check_township_mismatch(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """The plan's ``township_id`` is the household's township."""
    bad = d.filter(
        pl.col("h_known") & (pl.col("township_id") != pl.col("h_township")).fill_null(True)
    )
    return violation_rows(
        bad,
        ViolationKind.TOWNSHIP_MISMATCH,
        pl.format(
            "方案乡镇 {}, 农户乡镇 {}",
            pl.col("township_id").fill_null("null"),
            pl.col("h_township"),
        ),
        pl.format(
            "plan township {}, household township {}",
            pl.col("township_id").fill_null("null"),
            pl.col("h_township"),
        ),
    )


def check_role_mismatch(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """``role`` is the assigned worker's role (null or the tier's role when unassigned)."""
    assigned = pl.col("worker_id").is_not_null()
    bad = d.filter(
        pl.when(assigned & pl.col("w_known"))
        .then((pl.col("role") != pl.col("w_role")).fill_null(True))
        .when(~assigned)
        .then(
            pl.col("role").is_not_null()
            & (pl.col("role") != pl.col("d_paired_role")).fill_null(True)
        )
        .otherwise(False)
    )
    bad = bad.with_columns(pl.coalesce("w_role", "d_paired_role").alias("_expected_role"))
    return violation_rows(
        bad,
        ViolationKind.ROLE_MISMATCH,
        pl.format(
            "方案角色 {}, 应为 {}", role_text("role", "zh"), role_text("_expected_role", "zh")
        ),
        pl.format(
            "plan role {}, expected {}", role_text("role", "en"), role_text("_expected_role", "en")
        ),
    )


def _unassigned_number_ok(col: str) -> pl.Expr:
    return pl.col(col).is_null() | (pl.col(col).abs() <= 1e-9)


def check_travel_mismatch(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """``travel_minutes`` is the round-trip travel from the worker's base (null/0 unassigned)."""
    assigned = pl.col("worker_id").is_not_null()
    judged = assigned & pl.col("w_known") & pl.col("h_known")
    bad = d.filter(
        pl.when(judged)
        .then(~_close("travel_minutes", pl.col("d_travel"), rules).fill_null(False))
        .when(~assigned)
        .then(~_unassigned_number_ok("travel_minutes"))
        .otherwise(False)
    )
    return violation_rows(
        bad,
        ViolationKind.TRAVEL_MISMATCH,
        pl.format(
            "报告 {} 分钟, 按位置应为 {} 分钟",
            number_text("travel_minutes"),
            number_text("d_travel"),
        ),
        pl.format(
            "reported {} min, locations give {} min",
            number_text("travel_minutes"),
            number_text("d_travel"),
        ),
    )


def check_hours_mismatch(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """``hours_per_month`` = visits x (minutes on site + travel) / 60 (null/0 unassigned)."""
    assigned = pl.col("worker_id").is_not_null()
    tol = TOL.abs_minutes / 60.0 * 2 + TOL.rel * pl.col("d_hours").abs()
    bad = d.filter(
        pl.when(assigned & pl.col("d_hours").is_not_null())
        .then(~((pl.col("hours_per_month") - pl.col("d_hours")).abs() <= tol).fill_null(False))
        .when(~assigned)
        .then(~_unassigned_number_ok("hours_per_month"))
        .otherwise(False)
    )
    return violation_rows(
        bad,
        ViolationKind.HOURS_MISMATCH,
        pl.format(
            "报告 {} 小时/月, 应为 {}", number_text("hours_per_month", 3), number_text("d_hours", 3)
        ),
        pl.format(
            "reported {} h/month, expected {}",
            number_text("hours_per_month", 3),
            number_text("d_hours", 3),
        ),
    )


def check_kept_previous_mismatch(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """``kept_previous`` is true iff the worker is the household's worker in the previous
    assignment: last month's run's for a monthly plan; for an amended township, the month's
    earlier version's (worded for both: ``check-plan`` names which run each township was
    checked against)."""
    bad = d.filter(pl.col("kept_previous").fill_null(False) != pl.col("d_kept"))
    return violation_rows(
        bad,
        ViolationKind.KEPT_PREVIOUS_MISMATCH,
        pl.format(
            "方案标为延续: {}, 上次分配的走访人员 {}",
            yes_no_text("kept_previous", "zh"),
            pl.col("prev_worker").fill_null("无"),
        ),
        pl.format(
            "reported kept_previous: {}, the previous assignment's worker {}",
            yes_no_text("kept_previous", "en"),
            pl.col("prev_worker").fill_null("none"),
        ),
    )


def check_up_cover_mismatch(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """``up_cover`` is true iff the worker's role differs from the tier's paired role."""
    bad = d.filter(pl.col("w_known") | pl.col("worker_id").is_null()).filter(
        pl.col("up_cover").fill_null(False) != pl.col("d_up_cover")
    )
    return violation_rows(
        bad,
        ViolationKind.UP_COVER_MISMATCH,
        pl.format(
            "方案标为上位兜底: {}, 人员角色 {}, 类别对应角色 {}",
            yes_no_text("up_cover", "zh"),
            role_text("w_role", "zh"),
            role_text("d_paired_role", "zh"),
        ),
        pl.format(
            "reported up_cover: {}, worker role {}, tier's role {}",
            yes_no_text("up_cover", "en"),
            role_text("w_role", "en"),
            role_text("d_paired_role", "en"),
        ),
    )
