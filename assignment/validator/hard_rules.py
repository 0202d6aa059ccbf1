"""The hard rules of an assignment, one function ``check_<kind>`` per rule.

Each takes the derived frame (:func:`~assignment.validator.derive.derive`; the missing
household rule takes the plan's ids and the inputs) and returns the offending rows as
violations; its docstring states the rule. Role eligibility and jurisdiction are written here
from the policy's words, not taken from the optimizer. The rules on listed pairs (conflicts,
forbids, pins) are in :mod:`~assignment.validator.pairs`.
"""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

from assignment.domain import (
    ROLE_NAMES_EN,
    ROLE_NAMES_ZH,
    TIER_NAMES_ZH,
    AssignmentSettings,
    PlanInputs,
    Role,
)
from assignment.validator.table import empty_violations, number_text, role_text, violation_rows
from assignment.validator.tolerance import TOL
from assignment.validator.violations import ViolationKind

CADRE = "cadre"
VILLAGE_OFFICIAL = "village_official"
GRID_WORKER = "grid_worker"


def allowed_pairs(settings: AssignmentSettings) -> set[tuple[str, int]]:
    """(role, tier) pairs a worker may take: the tier's own role plus each enabled up-cover.

    Written here from the policy's words (not taken from the optimizer) on purpose.
    """
    pairs = {(str(rule.role), int(tier)) for tier, rule in settings.tiers.items()}
    if settings.cadre_takes_tier2:
        pairs.add((CADRE, 2))
    if settings.village_official_takes_tier3:
        pairs.add((VILLAGE_OFFICIAL, 3))
    return pairs


def check_duplicate_household(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """Each household appears in the plan exactly once."""
    dup = (
        d.filter(pl.col("household_id").is_duplicated())
        .group_by("household_id")
        .agg(pl.len().alias("n"), pl.col("worker_id").first())
        .sort("household_id")
    )
    return violation_rows(
        dup,
        ViolationKind.DUPLICATE_HOUSEHOLD,
        pl.format("农户在方案中出现 {} 次", pl.col("n")),
        pl.format("household appears {} times in the plan", pl.col("n")),
    )


def check_unknown_household(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """Every plan row names a known household that has a final tier of 1, 2 or 3."""
    bad = d.filter(~pl.col("h_known") | ~pl.col("d_tier").is_in([1, 2, 3]).fill_null(False))
    return violation_rows(
        bad,
        ViolationKind.UNKNOWN_HOUSEHOLD,
        pl.when(~pl.col("h_known"))
        .then(pl.lit("农户不在农户表中"))
        .otherwise(pl.lit("农户没有有效的最终类别(1/2/3)")),
        pl.when(~pl.col("h_known"))
        .then(pl.lit("household not in the households input"))
        .otherwise(pl.lit("household has no final tier 1/2/3 in the scores")),
    )


def check_missing_household(
    plan_ids: pl.DataFrame, inputs: PlanInputs, townships: Collection[str] | None
) -> pl.DataFrame:
    """Every scored tier-1/2/3 household is in the plan, assigned or explicitly unassigned."""
    need = inputs.scores.select(
        pl.col("household_id").cast(pl.String), pl.col("final_tier").cast(pl.Int64)
    ).filter(pl.col("final_tier").is_in([1, 2, 3]))
    if townships is not None:
        tw = inputs.households.select(
            pl.col("household_id").cast(pl.String), pl.col("township_id").cast(pl.String)
        )
        need = need.join(tw, on="household_id", how="inner").filter(
            pl.col("township_id").is_in(list(townships))
        )
    miss = need.join(plan_ids, on="household_id", how="anti").sort("household_id")
    return violation_rows(
        miss,
        ViolationKind.MISSING_HOUSEHOLD,
        pl.format("{}既未分配也未标记为未分配", _tier_zh("final_tier")),
        pl.format("tier-{} household neither assigned nor marked unassigned", pl.col("final_tier")),
        wk=None,
    )


def check_unknown_worker(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """An assigned worker exists in the workers input."""
    bad = d.filter(pl.col("worker_id").is_not_null() & ~pl.col("w_known"))
    return violation_rows(
        bad,
        ViolationKind.UNKNOWN_WORKER,
        pl.lit("走访人员不在人员表中"),
        pl.lit("worker not in the workers input"),
    )


def check_inactive_worker(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """An assigned worker is active."""
    bad = d.filter(pl.col("w_known") & ~pl.col("active").fill_null(False))
    return violation_rows(
        bad,
        ViolationKind.INACTIVE_WORKER,
        pl.lit("走访人员状态为停用"),
        pl.lit("worker is not active"),
    )


def _tier_zh(col: str) -> pl.Expr:
    """A tier column in the project's words (一类户, 二类户, 三类户; the number otherwise)."""
    return pl.col(col).replace_strict(
        {int(t): name for t, name in TIER_NAMES_ZH.items()},
        default=pl.format("{}类户", pl.col(col)),
        return_dtype=pl.String,
    )


def check_role_ineligible(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """The worker's role may take the household's tier (paired role or an enabled up-cover)."""
    ok = pl.any_horizontal(
        [(pl.col("w_role") == role) & (pl.col("_t") == tier)
         for role, tier in sorted(allowed_pairs(rules))]
    ).fill_null(False)  # fmt: skip
    bad = d.filter(pl.col("w_known") & pl.col("_t").is_not_null() & ~ok)
    return violation_rows(
        bad,
        ViolationKind.ROLE_INELIGIBLE,
        pl.format("{}不可承接{}", role_text("w_role", "zh"), _tier_zh("_t")),
        pl.format("a {} may not take a tier-{} household", role_text("w_role", "en"), pl.col("_t")),
    )


_AREA_LEVELS = {
    "township": ("township",),
    "village": ("township", "village"),
    "grid": ("township", "village", "grid"),
}
_AREA_ZH = {"township": "乡镇", "village": "村", "grid": "网格"}


def check_outside_jurisdiction(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """The household lies in the worker's area: own grid / own village / own township.

    Areas nest, so "own village" means the same township and village ids (and so on), which
    stays right even where village or grid ids are only unique inside their parent.
    """
    parts = []
    for role, area in sorted(rules.jurisdiction.items()):
        levels = _AREA_LEVELS[area]
        differs = pl.any_horizontal(
            [(pl.col(f"h_{lv}") != pl.col(f"w_{lv}")).fill_null(True) for lv in levels]
        )
        sub = d.filter(
            pl.col("w_known") & pl.col("h_known") & (pl.col("w_role") == str(role)) & differs
        )
        h_area = pl.col(f"h_{levels[-1]}").fill_null("null")
        w_area = pl.col(f"w_{levels[-1]}").fill_null("null")
        parts.append(
            violation_rows(
                sub,
                ViolationKind.OUTSIDE_JURISDICTION,
                pl.format(
                    "{}只能走访本{}农户: 农户属 {}, 人员属 {}",
                    pl.lit(ROLE_NAMES_ZH.get(Role(str(role)), str(role))),
                    pl.lit(_AREA_ZH[area]),
                    h_area,
                    w_area,
                ),
                pl.format(
                    "a {} may only visit its own {}: household in {}, worker in {}",
                    pl.lit(ROLE_NAMES_EN.get(Role(str(role)), str(role))),
                    pl.lit(area),
                    h_area,
                    w_area,
                ),
            )
        )
    return pl.concat(parts) if parts else empty_violations()


def check_own_household(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """A worker never visits their own household."""
    bad = d.filter((pl.col("own_household_id") == pl.col("household_id")).fill_null(False))
    return violation_rows(
        bad,
        ViolationKind.OWN_HOUSEHOLD,
        pl.lit("走访人员被分配了本人家庭"),
        pl.lit("worker assigned their own household"),
    )


def check_over_hours(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """A worker's re-derived hours per month stay within ``monthly_hours``."""
    load = (
        d.filter(pl.col("w_known"))
        .group_by("worker_id")
        .agg(pl.col("d_hours").sum().alias("used"), pl.col("monthly_hours").first())
        .filter(pl.col("used") > pl.col("monthly_hours") + TOL.hours)
        .sort("worker_id")
    )
    return violation_rows(
        load,
        ViolationKind.OVER_HOURS,
        pl.format("月工时 {} 超过上限 {}", number_text("used"), number_text("monthly_hours")),
        pl.format(
            "{} hours per month exceed the capacity of {}",
            number_text("used"),
            number_text("monthly_hours"),
        ),
        hh=None,
    )


def check_over_count(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """A worker takes at most ``max_households`` households."""
    load = (
        d.filter(pl.col("w_known"))
        .group_by("worker_id")
        .agg(pl.len().alias("n"), pl.col("max_households").first())
        .filter(pl.col("n") > pl.col("max_households"))
        .sort("worker_id")
    )
    return violation_rows(
        load,
        ViolationKind.OVER_COUNT,
        pl.format("包户 {} 户, 超过上限 {} 户", pl.col("n"), pl.col("max_households")),
        pl.format("{} households exceed max_households {}", pl.col("n"), pl.col("max_households")),
        hh=None,
    )
