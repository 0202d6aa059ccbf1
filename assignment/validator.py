"""Independent plan validator: re-derives every rule of a plan from the raw inputs.

Nothing here reads the optimizer's data structures or the candidate arcs: role eligibility,
jurisdiction, travel time, hours, conflicts, pins and forbids are all recomputed from the
households, workers, scores, previous assignment, conflicts, pins and forbids, and from the
policy values in :class:`~assignment.domain.AssignmentSettings` (plain data, no solver state).
A plan is valid iff :func:`validate_plan` returns an empty list.

Each rule is one small function ``_check_<kind>`` returning the offending rows; the docstring of
each states the rule. The travel model (docs/architecture.md, "Policy defaults") is implemented
here on its own — straight-line haversine km x the household's county road factor / speed x 60,
twice for a round trip — so that a bug in the candidate builder cannot hide itself.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import polars as pl

from assignment.domain import (
    PLAN_COLUMNS,
    ROLE_NAMES_ZH,
    TIER_NAMES_ZH,
    AssignmentSettings,
    PlanInputs,
)
from assignment.errors import PlanFormatError

__all__ = [
    "EARTH_RADIUS_KM",
    "PLAN_COLUMNS",
    "PlanFormatError",
    "PlanInputs",
    "Tolerance",
    "Violation",
    "ViolationKind",
    "allowed_pairs",
    "haversine_km",
    "summarize_violations",
    "travel_minutes",
    "validate_plan",
    "violations_frame",
]

EARTH_RADIUS_KM = 6371.0088
CADRE = "cadre"
VILLAGE_OFFICIAL = "village_official"
GRID_WORKER = "grid_worker"


class ViolationKind(StrEnum):
    """Every kind of rule a plan can break."""

    DUPLICATE_HOUSEHOLD = "duplicate_household"
    MISSING_HOUSEHOLD = "missing_household"
    UNKNOWN_HOUSEHOLD = "unknown_household"
    UNKNOWN_WORKER = "unknown_worker"
    INACTIVE_WORKER = "inactive_worker"
    ROLE_INELIGIBLE = "role_ineligible"
    OUTSIDE_JURISDICTION = "outside_jurisdiction"
    CONFLICT_OF_INTEREST = "conflict_of_interest"
    OWN_HOUSEHOLD = "own_household"
    FORBIDDEN_PAIR = "forbidden_pair"
    PIN_NOT_HONOURED = "pin_not_honoured"
    OVER_HOURS = "over_hours"
    OVER_COUNT = "over_count"
    TIER_MISMATCH = "tier_mismatch"
    TOWNSHIP_MISMATCH = "township_mismatch"
    ROLE_MISMATCH = "role_mismatch"
    TRAVEL_MISMATCH = "travel_mismatch"
    HOURS_MISMATCH = "hours_mismatch"
    KEPT_PREVIOUS_MISMATCH = "kept_previous_mismatch"
    UP_COVER_MISMATCH = "up_cover_mismatch"


KIND_TITLES: dict[ViolationKind, tuple[str, str]] = {
    ViolationKind.DUPLICATE_HOUSEHOLD: ("农户重复出现", "household appears more than once"),
    ViolationKind.MISSING_HOUSEHOLD: ("农户被遗漏", "household silently dropped from the plan"),
    ViolationKind.UNKNOWN_HOUSEHOLD: ("未知农户", "household unknown or without a final tier"),
    ViolationKind.UNKNOWN_WORKER: ("未知走访人员", "worker unknown"),
    ViolationKind.INACTIVE_WORKER: ("走访人员已停用", "worker inactive"),
    ViolationKind.ROLE_INELIGIBLE: ("角色不可承接该类别", "role may not take this tier"),
    ViolationKind.OUTSIDE_JURISDICTION: ("超出管辖范围", "outside the worker's jurisdiction"),
    ViolationKind.CONFLICT_OF_INTEREST: ("存在利益冲突", "declared conflict of interest"),
    ViolationKind.OWN_HOUSEHOLD: ("走访人员本人家庭", "the worker's own household"),
    ViolationKind.FORBIDDEN_PAIR: ("违反禁止配对", "forbidden pairing"),
    ViolationKind.PIN_NOT_HONOURED: ("未执行指定配对", "pinned pairing not honoured"),
    ViolationKind.OVER_HOURS: ("超出月工时", "monthly hours exceeded"),
    ViolationKind.OVER_COUNT: ("超出包户上限", "max households exceeded"),
    ViolationKind.TIER_MISMATCH: ("类别与评估结果不符", "tier differs from the final tier"),
    ViolationKind.TOWNSHIP_MISMATCH: ("乡镇不符", "township differs from the household's"),
    ViolationKind.ROLE_MISMATCH: ("角色列不符", "role column differs from the worker's role"),
    ViolationKind.TRAVEL_MISMATCH: ("路程时间不符", "travel minutes inconsistent with locations"),
    ViolationKind.HOURS_MISMATCH: ("月工时不符", "hours per month inconsistent"),
    ViolationKind.KEPT_PREVIOUS_MISMATCH: ("延续标记不符", "kept_previous flag inconsistent"),
    ViolationKind.UP_COVER_MISMATCH: ("上位兜底标记不符", "up_cover flag inconsistent"),
}
_KIND_ORDER = {k: i for i, k in enumerate(ViolationKind)}


@dataclass(frozen=True)
class Violation:
    """One broken rule: which kind, which household and/or worker, and why (zh and en)."""

    kind: ViolationKind
    household_id: str | None
    worker_id: str | None
    detail_zh: str
    detail_en: str


@dataclass(frozen=True)
class Tolerance:
    """How far a reported number may be from the re-derived one (solvers round costs).

    Minutes: ``abs_minutes + rel x value``; capacity: ``hours`` over ``monthly_hours``.
    """

    abs_minutes: float = 0.05
    rel: float = 1e-3
    hours: float = 1e-3


TOL = Tolerance()


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


# ----------------------------------------------------------------------------- travel model


def haversine_km(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    """Great-circle distance in km between WGS84 points (degrees), element-wise."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def travel_minutes(
    km: np.ndarray, road_factor: np.ndarray | float, rules: AssignmentSettings
) -> np.ndarray:
    """Minutes per visit: km x road factor at ``speed_kmh``, doubled for a round trip."""
    legs = 2.0 if rules.round_trip else 1.0
    return np.asarray(km) * road_factor / rules.speed_kmh * 60.0 * legs


def road_factor_expr(rules: AssignmentSettings, county_col: str = "county_id") -> pl.Expr:
    """Road factor of each row's county: the county override, else the default."""
    if not rules.road_factor_by_county:
        return pl.lit(rules.road_factor, dtype=pl.Float64)
    return (
        pl.col(county_col)
        .cast(pl.String)
        .replace_strict(
            dict(rules.road_factor_by_county), default=rules.road_factor, return_dtype=pl.Float64
        )
    )


# ----------------------------------------------------------------------------- helpers


def _require(frame: pl.DataFrame, columns: Collection[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise PlanFormatError(f"{name}: missing column(s) {', '.join(missing)}")


def _ids(frame: pl.DataFrame | None, cols: Collection[str]) -> pl.DataFrame | None:
    if frame is None:
        return None
    return frame.select([pl.col(c).cast(pl.String) for c in cols]).unique(maintain_order=True)


def _num(col: str, digits: int = 2) -> pl.Expr:
    return pl.col(col).round(digits).cast(pl.String).fill_null("null")


def _rows(  # noqa: PLR0917
    frame: pl.DataFrame,
    kind: ViolationKind,
    zh: pl.Expr,
    en: pl.Expr,
    hh: str | None = "household_id",
    wk: str | None = "worker_id",
) -> pl.DataFrame:
    """Shape offending rows into the violation table."""
    return frame.select(
        pl.lit(kind.value).alias("kind"),
        (pl.col(hh) if hh else pl.lit(None)).cast(pl.String).alias("household_id"),
        (pl.col(wk) if wk else pl.lit(None)).cast(pl.String).alias("worker_id"),
        zh.cast(pl.String).alias("detail_zh"),
        en.cast(pl.String).alias("detail_en"),
    )


def _close(a: str, b: pl.Expr, rules: AssignmentSettings) -> pl.Expr:
    tol = TOL.abs_minutes + TOL.rel * b.abs()
    return (pl.col(a) - b).abs() <= tol


# ----------------------------------------------------------------------------- derivation


def _derive(plan: pl.DataFrame, inputs: PlanInputs, rules: AssignmentSettings) -> pl.DataFrame:
    """Join each plan row with its raw household, worker, score and previous worker.

    Adds the re-derived ``d_tier``, ``d_travel``, ``d_hours``, ``d_kept``, ``d_up_cover``.
    """
    hh = inputs.households.select(
        pl.col("household_id").cast(pl.String),
        pl.col("county_id").cast(pl.String).alias("h_county"),
        pl.col("township_id").cast(pl.String).alias("h_township"),
        pl.col("village_id").cast(pl.String).alias("h_village"),
        pl.col("grid_id").cast(pl.String).alias("h_grid"),
        pl.col("lon").cast(pl.Float64).alias("h_lon"),
        pl.col("lat").cast(pl.Float64).alias("h_lat"),
        pl.lit(True).alias("h_known"),
    ).unique("household_id", keep="first", maintain_order=True)
    wk = inputs.workers.select(
        pl.col("worker_id").cast(pl.String),
        pl.col("role").cast(pl.String).alias("w_role"),
        pl.col("township_id").cast(pl.String).alias("w_township"),
        pl.col("village_id").cast(pl.String).alias("w_village"),
        pl.col("grid_id").cast(pl.String).alias("w_grid"),
        pl.col("lon").cast(pl.Float64).alias("w_lon"),
        pl.col("lat").cast(pl.Float64).alias("w_lat"),
        pl.col("monthly_hours").cast(pl.Float64),
        pl.col("max_households").cast(pl.Int64),
        pl.col("own_household_id").cast(pl.String),
        pl.col("active").cast(pl.Boolean),
        pl.lit(True).alias("w_known"),
    ).unique("worker_id", keep="first", maintain_order=True)
    sc = inputs.scores.select(
        pl.col("household_id").cast(pl.String),
        pl.col("final_tier").cast(pl.Int64).alias("d_tier"),
    ).unique("household_id", keep="first", maintain_order=True)
    prev = _latest_previous(inputs.previous)

    d = (
        plan.with_row_index("_row")
        .with_columns(
            pl.col("household_id").cast(pl.String),
            pl.col("worker_id").cast(pl.String),
            pl.col("township_id").cast(pl.String),
            pl.col("role").cast(pl.String),
            pl.col("tier").cast(pl.Int64),
            pl.col("travel_minutes").cast(pl.Float64),
            pl.col("hours_per_month").cast(pl.Float64),
        )
        .join(hh, on="household_id", how="left", maintain_order="left")
        .join(sc, on="household_id", how="left", maintain_order="left")
        .join(wk, on="worker_id", how="left", maintain_order="left")
        .join(prev, on="household_id", how="left", maintain_order="left")
        .with_columns(
            pl.col("h_known").fill_null(False),
            pl.col("w_known").fill_null(False),
            road_factor_expr(rules, "h_county").alias("_factor"),
        )
    )
    km = haversine_km(
        d["h_lon"].to_numpy(), d["h_lat"].to_numpy(), d["w_lon"].to_numpy(), d["w_lat"].to_numpy()
    )
    travel = travel_minutes(km, d["_factor"].to_numpy(), rules)
    tier_for_rules = pl.coalesce("d_tier", "tier")
    visits = tier_for_rules.replace_strict(
        {t: r.visits_per_month for t, r in rules.tiers.items()},
        default=None,
        return_dtype=pl.Float64,
    )
    onsite = tier_for_rules.replace_strict(
        {t: r.minutes_on_site for t, r in rules.tiers.items()},
        default=None,
        return_dtype=pl.Float64,
    )
    paired = tier_for_rules.replace_strict(
        {t: str(r.role) for t, r in rules.tiers.items()}, default=None, return_dtype=pl.String
    )
    assigned = pl.col("worker_id").is_not_null()
    return d.with_columns(
        pl.Series("d_travel", travel, dtype=pl.Float64),
        paired.alias("d_paired_role"),
        tier_for_rules.alias("_t"),
    ).with_columns(
        pl.when(assigned & pl.col("w_known") & pl.col("h_known"))
        .then(visits * (onsite + pl.col("d_travel")) / 60.0)
        .alias("d_hours"),
        (assigned & (pl.col("worker_id") == pl.col("prev_worker")).fill_null(False)).alias(
            "d_kept"
        ),
        (assigned & pl.col("w_known") & (pl.col("w_role") != pl.col("d_paired_role")))
        .fill_null(False)
        .alias("d_up_cover"),
    )


def _latest_previous(previous: pl.DataFrame | None) -> pl.DataFrame:
    """Last month's worker of each household (the latest ``month`` when several are given).

    Several rows for one household and month are refused (:class:`PlanFormatError`): the
    validator never guesses which of them the planner meant.
    """
    if previous is None or previous.height == 0:
        return pl.DataFrame(schema={"household_id": pl.String, "prev_worker": pl.String})
    cols = [pl.col("household_id").cast(pl.String), pl.col("worker_id").cast(pl.String)]
    keys = ["household_id"]
    if "month" in previous.columns:
        cols.append(pl.col("month").cast(pl.String))
        keys.append("month")
    prev = previous.select(cols)
    ambiguous = prev.group_by(keys).len().filter(pl.col("len") > 1)
    if ambiguous.height:
        ids = ambiguous["household_id"].unique().sort().head(10).to_list()
        raise PlanFormatError(
            f"previous assignment: {ambiguous.height} household-month(s) with several "
            f"workers (ambiguous): {', '.join(ids)}"
        )
    prev = prev.sort(keys).unique("household_id", keep="last", maintain_order=True)
    return prev.select("household_id", pl.col("worker_id").alias("prev_worker"))


# ----------------------------------------------------------------------------- hard rules


def _check_duplicate_household(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """Each household appears in the plan exactly once."""
    dup = (
        d.filter(pl.col("household_id").is_duplicated())
        .group_by("household_id")
        .agg(pl.len().alias("n"), pl.col("worker_id").first())
        .sort("household_id")
    )
    return _rows(
        dup,
        ViolationKind.DUPLICATE_HOUSEHOLD,
        pl.format("农户在方案中出现 {} 次", pl.col("n")),
        pl.format("household appears {} times in the plan", pl.col("n")),
    )


def _check_unknown_household(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """Every plan row names a known household that has a final tier of 1, 2 or 3."""
    bad = d.filter(~pl.col("h_known") | ~pl.col("d_tier").is_in([1, 2, 3]).fill_null(False))
    return _rows(
        bad,
        ViolationKind.UNKNOWN_HOUSEHOLD,
        pl.when(~pl.col("h_known"))
        .then(pl.lit("农户不在农户表中"))
        .otherwise(pl.lit("农户没有有效的最终类别(1/2/3)")),
        pl.when(~pl.col("h_known"))
        .then(pl.lit("household not in the households input"))
        .otherwise(pl.lit("household has no final tier 1/2/3 in the scores")),
    )


def _check_missing_household(
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
    return _rows(
        miss,
        ViolationKind.MISSING_HOUSEHOLD,
        pl.format("{}既未分配也未标记为未分配", _tier_zh("final_tier")),
        pl.format("tier-{} household neither assigned nor marked unassigned", pl.col("final_tier")),
        wk=None,
    )


def _check_unknown_worker(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """An assigned worker exists in the workers input."""
    bad = d.filter(pl.col("worker_id").is_not_null() & ~pl.col("w_known"))
    return _rows(
        bad,
        ViolationKind.UNKNOWN_WORKER,
        pl.lit("走访人员不在人员表中"),
        pl.lit("worker not in the workers input"),
    )


def _check_inactive_worker(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """An assigned worker is active."""
    bad = d.filter(pl.col("w_known") & ~pl.col("active").fill_null(False))
    return _rows(
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


def _role_zh(col: str) -> pl.Expr:
    """A role column in the project's words (基层干部, 村组干部, 网格员; the code otherwise)."""
    return pl.col(col).replace_strict(
        {r.value: name for r, name in ROLE_NAMES_ZH.items()},
        default=pl.col(col),
        return_dtype=pl.String,
    )


def _check_role_ineligible(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """The worker's role may take the household's tier (paired role or an enabled up-cover)."""
    ok = pl.any_horizontal(
        [(pl.col("w_role") == role) & (pl.col("_t") == tier)
         for role, tier in sorted(allowed_pairs(rules))]
    ).fill_null(False)  # fmt: skip
    bad = d.filter(pl.col("w_known") & pl.col("_t").is_not_null() & ~ok)
    return _rows(
        bad,
        ViolationKind.ROLE_INELIGIBLE,
        pl.format("{}不可承接{}", _role_zh("w_role"), _tier_zh("_t")),
        pl.format("role {} may not take a tier-{} household", pl.col("w_role"), pl.col("_t")),
    )


_AREA_LEVELS = {
    "township": ("township",),
    "village": ("township", "village"),
    "grid": ("township", "village", "grid"),
}
_AREA_ZH = {"township": "乡镇", "village": "村", "grid": "网格"}
_ROLE_ZH = {CADRE: "基层干部", VILLAGE_OFFICIAL: "村组干部", GRID_WORKER: "网格员"}


def _check_outside_jurisdiction(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
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
            _rows(
                sub,
                ViolationKind.OUTSIDE_JURISDICTION,
                pl.format(
                    "{}只能走访本{}农户: 农户属 {}, 人员属 {}",
                    pl.lit(_ROLE_ZH.get(str(role), str(role))),
                    pl.lit(_AREA_ZH[area]),
                    h_area,
                    w_area,
                ),
                pl.format(
                    "a {} may only visit its own {}: household in {}, worker in {}",
                    pl.lit(str(role)),
                    pl.lit(area),
                    h_area,
                    w_area,
                ),
            )
        )
    return pl.concat(parts) if parts else _empty()


def _pair_join(d: pl.DataFrame, pairs: pl.DataFrame | None) -> pl.DataFrame:
    ids = _ids(pairs, ["household_id", "worker_id"])
    if ids is None:
        return d.clear()
    return d.filter(pl.col("worker_id").is_not_null()).join(
        ids, on=["household_id", "worker_id"], how="semi"
    )


def _check_conflict_of_interest(d: pl.DataFrame, conflicts: pl.DataFrame | None) -> pl.DataFrame:
    """A declared conflict-of-interest pair is never assigned."""
    return _rows(
        _pair_join(d, conflicts),
        ViolationKind.CONFLICT_OF_INTEREST,
        pl.lit("该人员与农户申报了利益冲突"),
        pl.lit("worker declared a conflict of interest with this household"),
    )


def _check_own_household(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """A worker never visits their own household."""
    bad = d.filter((pl.col("own_household_id") == pl.col("household_id")).fill_null(False))
    return _rows(
        bad,
        ViolationKind.OWN_HOUSEHOLD,
        pl.lit("走访人员被分配了本人家庭"),
        pl.lit("worker assigned their own household"),
    )


def _check_forbidden_pair(d: pl.DataFrame, forbids: pl.DataFrame | None) -> pl.DataFrame:
    """A supervisor-forbidden pair is never assigned."""
    return _rows(
        _pair_join(d, forbids),
        ViolationKind.FORBIDDEN_PAIR,
        pl.lit("督导禁止该配对"),
        pl.lit("a supervisor forbade this pairing"),
    )


def _check_pin_not_honoured(d: pl.DataFrame, pins: pl.DataFrame | None) -> pl.DataFrame:
    """Every supervisor pin (household -> worker) is in the plan."""
    ids = _ids(pins, ["household_id", "worker_id"])
    if ids is None:
        return _empty()
    got = d.select("household_id", pl.col("worker_id").alias("plan_worker"))
    bad = (
        ids.join(got, on="household_id", how="left")
        .group_by(["household_id", "worker_id"], maintain_order=True)
        .agg(pl.col("plan_worker").drop_nulls())
        .filter(~pl.col("plan_worker").list.contains(pl.col("worker_id")))
        .with_columns(
            pl.col("plan_worker").list.join(",").replace("", "unassigned/未分配").alias("_got")
        )
        .sort(["household_id", "worker_id"])
    )
    return _rows(
        bad,
        ViolationKind.PIN_NOT_HONOURED,
        pl.format("指定由 {} 走访, 方案为 {}", pl.col("worker_id"), pl.col("_got")),
        pl.format("pinned to {}, plan has {}", pl.col("worker_id"), pl.col("_got")),
    )


def _check_over_hours(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """A worker's re-derived hours per month stay within ``monthly_hours``."""
    load = (
        d.filter(pl.col("w_known"))
        .group_by("worker_id")
        .agg(pl.col("d_hours").sum().alias("used"), pl.col("monthly_hours").first())
        .filter(pl.col("used") > pl.col("monthly_hours") + TOL.hours)
        .sort("worker_id")
    )
    return _rows(
        load,
        ViolationKind.OVER_HOURS,
        pl.format("月工时 {} 超过上限 {}", _num("used"), _num("monthly_hours")),
        pl.format(
            "{} hours per month exceed the capacity of {}", _num("used"), _num("monthly_hours")
        ),
        hh=None,
    )


def _check_over_count(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """A worker takes at most ``max_households`` households."""
    load = (
        d.filter(pl.col("w_known"))
        .group_by("worker_id")
        .agg(pl.len().alias("n"), pl.col("max_households").first())
        .filter(pl.col("n") > pl.col("max_households"))
        .sort("worker_id")
    )
    return _rows(
        load,
        ViolationKind.OVER_COUNT,
        pl.format("包户 {} 户, 超过上限 {} 户", pl.col("n"), pl.col("max_households")),
        pl.format("{} households exceed max_households {}", pl.col("n"), pl.col("max_households")),
        hh=None,
    )


# ----------------------------------------------------------------------------- reported columns


def _check_tier_mismatch(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """The plan's ``tier`` is the household's final tier from the scores."""
    bad = d.filter((pl.col("tier") != pl.col("d_tier")).fill_null(pl.col("d_tier").is_not_null()))
    return _rows(
        bad,
        ViolationKind.TIER_MISMATCH,
        pl.format("方案类别 {}, 最终类别 {}", _num("tier"), _num("d_tier")),
        pl.format("plan tier {}, final tier {}", _num("tier"), _num("d_tier")),
    )


def _check_township_mismatch(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """The plan's ``township_id`` is the household's township."""
    bad = d.filter(
        pl.col("h_known") & (pl.col("township_id") != pl.col("h_township")).fill_null(True)
    )
    return _rows(
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


def _check_role_mismatch(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
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
    return _rows(
        bad,
        ViolationKind.ROLE_MISMATCH,
        pl.format(
            "方案角色 {}, 应为 {}",
            pl.col("role").fill_null("null"),
            pl.coalesce("w_role", "d_paired_role").fill_null("null"),
        ),
        pl.format(
            "plan role {}, expected {}",
            pl.col("role").fill_null("null"),
            pl.coalesce("w_role", "d_paired_role").fill_null("null"),
        ),
    )


def _unassigned_number_ok(col: str) -> pl.Expr:
    return pl.col(col).is_null() | (pl.col(col).abs() <= 1e-9)


def _check_travel_mismatch(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
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
    return _rows(
        bad,
        ViolationKind.TRAVEL_MISMATCH,
        pl.format("报告 {} 分钟, 按位置应为 {} 分钟", _num("travel_minutes"), _num("d_travel")),
        pl.format(
            "reported {} min, locations give {} min", _num("travel_minutes"), _num("d_travel")
        ),
    )


def _check_hours_mismatch(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
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
    return _rows(
        bad,
        ViolationKind.HOURS_MISMATCH,
        pl.format("报告 {} 小时/月, 应为 {}", _num("hours_per_month", 3), _num("d_hours", 3)),
        pl.format(
            "reported {} h/month, expected {}", _num("hours_per_month", 3), _num("d_hours", 3)
        ),
    )


def _check_kept_previous_mismatch(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """``kept_previous`` is true iff the worker is last month's worker of the household."""
    bad = d.filter(pl.col("kept_previous").fill_null(False) != pl.col("d_kept"))
    return _rows(
        bad,
        ViolationKind.KEPT_PREVIOUS_MISMATCH,
        pl.format(
            "报告 {}, 上月走访人员 {}",
            pl.col("kept_previous"),
            pl.col("prev_worker").fill_null("无"),
        ),
        pl.format(
            "reported {}, last month's worker {}",
            pl.col("kept_previous"),
            pl.col("prev_worker").fill_null("none"),
        ),
    )


def _check_up_cover_mismatch(d: pl.DataFrame, rules: AssignmentSettings) -> pl.DataFrame:
    """``up_cover`` is true iff the worker's role differs from the tier's paired role."""
    bad = d.filter(pl.col("w_known") | pl.col("worker_id").is_null()).filter(
        pl.col("up_cover").fill_null(False) != pl.col("d_up_cover")
    )
    return _rows(
        bad,
        ViolationKind.UP_COVER_MISMATCH,
        pl.format(
            "报告 {}, 人员角色 {}, 类别对应角色 {}",
            pl.col("up_cover"),
            pl.col("w_role").fill_null("无"),
            pl.col("d_paired_role").fill_null("null"),
        ),
        pl.format(
            "reported {}, worker role {}, tier's role {}",
            pl.col("up_cover"),
            pl.col("w_role").fill_null("none"),
            pl.col("d_paired_role").fill_null("null"),
        ),
    )


_ROW_CHECKS: tuple[Callable[[pl.DataFrame, AssignmentSettings], pl.DataFrame], ...] = (
    _check_duplicate_household,
    _check_unknown_household,
    _check_unknown_worker,
    _check_inactive_worker,
    _check_role_ineligible,
    _check_outside_jurisdiction,
    _check_own_household,
    _check_over_hours,
    _check_over_count,
    _check_tier_mismatch,
    _check_township_mismatch,
    _check_role_mismatch,
    _check_travel_mismatch,
    _check_hours_mismatch,
    _check_kept_previous_mismatch,
    _check_up_cover_mismatch,
)


def _empty() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "kind": pl.String,
            "household_id": pl.String,
            "worker_id": pl.String,
            "detail_zh": pl.String,
            "detail_en": pl.String,
        }
    )


# ----------------------------------------------------------------------------- public API


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

    d = _derive(plan, inputs, rules)
    parts = [check(d, rules) for check in _ROW_CHECKS]
    parts.append(_check_missing_household(d.select("household_id"), inputs, townships))
    parts.append(_check_conflict_of_interest(d, inputs.conflicts))
    parts.append(_check_forbidden_pair(d, inputs.forbids))
    parts.append(_check_pin_not_honoured(d, inputs.pins))
    out = pl.concat([p.select(_empty().columns) for p in parts], how="vertical_relaxed")
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
        return _empty()
    return pl.DataFrame(
        {
            "kind": [v.kind.value for v in violations],
            "household_id": [v.household_id for v in violations],
            "worker_id": [v.worker_id for v in violations],
            "detail_zh": [v.detail_zh for v in violations],
            "detail_en": [v.detail_en for v in violations],
        },
        schema=_empty().schema,
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
