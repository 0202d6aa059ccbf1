"""Per-township diagnostics: coverage, utilisation by role, and shortfalls with the capacity
that would cover them (computed by packing, not guessed).

The shortfall of a tier is priced with the tier's own role (tier 1: cadres, 2: village
officials, 3: grid workers) inside each uncovered household's area of that role (the
township, its village, its grid). Each uncovered household needs ``visits x (on-site +
travel) / 60`` hours, with travel from the nearest worker of that role in the area (or, where
there is none, from the centre of the uncovered households of the area). The extra hours are
the sum; the extra workers are the number of bins of a first-fit-decreasing packing per area
into workers of the role's median capacity (hours and households) - a packing that exists,
so that many new workers provably suffice.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from assignment import constraints as rules
from assignment.bounds import relative_gap
from assignment.domain import (
    ROLE_NAMES_EN,
    ROLE_NAMES_ZH,
    TIER_NAMES_ZH,
    AssignmentSettings,
    Role,
)

if TYPE_CHECKING:
    from assignment.solver.coverage import Coverage


def coverage_figures(cov: Coverage | None) -> dict[str, object]:
    """A township's tier-1 coverage as diagnostics columns, reported apart from the cost gap.

    ``tier1_max_coverable`` is the proven upper bound (no plan covers more tier-1
    households); ``tier1_coverage_proven`` says the plan reaches it; ``tier1_uncertainty`` is
    how many more tier-1 households at most may be coverable than the plan covers (0 when
    proven). All None when nothing was solved (a failed township).
    """
    if cov is None:
        return {
            "tier1_households": None,
            "tier1_covered": None,
            "tier1_max_coverable": None,
            "tier1_coverage_proven": None,
            "tier1_uncertainty": None,
        }
    return {
        "tier1_households": cov.households,
        "tier1_covered": cov.best,
        "tier1_max_coverable": cov.upper,
        "tier1_coverage_proven": cov.proven,
        "tier1_uncertainty": cov.uncertainty,
    }


def coverage_text(cov: Coverage) -> str:
    """The proven tier-1 figure in words (Chinese, then English), for the shortfall text."""
    zh, en = ROLE_NAMES_ZH[Role.CADRE], ROLE_NAMES_EN[Role.CADRE]
    if cov.proven:
        return (
            f"已证明: 现有人员最多可覆盖 {cov.upper}/{cov.households} 户{TIER_NAMES_ZH[1]}"
            f" / proven: no plan covers more than {cov.upper} of the {cov.households} tier-1 "
            f"households with the present {en}s and workers"
        )
    return (
        f"方案覆盖 {cov.best}/{cov.households} 户{TIER_NAMES_ZH[1]}, 至多还可能多覆盖 "
        f"{cov.uncertainty} 户(未能在计算限额内证明) / the plan covers {cov.best} of the "
        f"{cov.households} tier-1 households; at most {cov.uncertainty} more may be coverable "
        f"(not proven within the work limit; {zh} {en})"
    )


def utilisation_by_role(loads: pl.DataFrame) -> dict[str, float]:
    """Hours used / hours available per role (active workers with capacity only), the highest
    single worker's utilisation, the spread (highest minus mean worker utilisation) and, when
    ``loads`` has ``fair_share``, the largest excess of a worker's utilisation over its peer
    group's fair share (:func:`assignment.constraints.balance_threshold`): the balance figure
    that compares each worker with its own peers."""
    out = {}
    for role in Role:
        active = pl.col("active").fill_null(False) if "active" in loads.columns else pl.lit(True)
        w = loads.filter((pl.col("role") == role.value) & (pl.col("monthly_hours") > 0) & active)
        cap = float(w["monthly_hours"].sum()) if w.height else 0.0
        out[f"utilisation_{role.value}"] = float(w["hours_used"].sum()) / cap if cap else 0.0
        spread = rules.balance_spread(w) if w.height else None
        have = spread is not None and spread.height > 0
        out[f"max_utilisation_{role.value}"] = (
            float(spread["max_utilisation"][0]) if have else 0.0  # type: ignore[index]
        )
        out[f"spread_utilisation_{role.value}"] = (
            float(spread["spread"][0]) if have else 0.0  # type: ignore[index]
        )
        if "fair_share" in w.columns:
            excess = w.select(
                (pl.col("hours_used") / pl.col("monthly_hours") - pl.col("fair_share")).max()
            ).item()
            out[f"above_fair_share_{role.value}"] = float(excess) if excess is not None else 0.0
    return out


def _ffd_bins(hours: np.ndarray, cap_hours: float, cap_count: int) -> int:
    # First-fit decreasing on two resources: a valid packing, so its bin count suffices.
    if len(hours) == 0:
        return 0
    if cap_hours <= 0 or cap_count <= 0:
        return len(hours)
    bins_h: list[float] = []
    bins_n: list[int] = []
    for h in np.sort(hours)[::-1]:
        for b in range(len(bins_h)):
            if rules.fits_capacity(bins_h[b] + h, cap_hours, bins_n[b] + 1, cap_count):
                bins_h[b] += h
                bins_n[b] += 1
                break
        else:
            bins_h.append(float(h))
            bins_n.append(1)
    return max(len(bins_h), math.ceil(float(hours.sum()) / cap_hours))


def shortfall(
    uncovered: pl.DataFrame,
    workers: pl.DataFrame,
    settings: AssignmentSettings,
    *,
    coverage: Coverage | None = None,
) -> list[dict[str, object]]:
    """Capacity that would cover the uncovered households, one record per tier with any.

    ``uncovered``: household rows (household_id, tier, township/village/grid ids, lon, lat,
    county_id) left unassigned; ``workers``: the township's workers. With ``coverage`` the
    tier-1 text leads with the proven figure (:func:`coverage_text`): how many tier-1
    households the present workers can cover at most, or how many more may be coverable.
    """
    out: list[dict[str, object]] = []
    for tier in (1, 2, 3):
        hh = uncovered.filter(pl.col("tier") == tier)
        if hh.height == 0:
            continue
        tp = settings.tier(tier)
        role = tp.role
        area_col = rules.area_key(settings.jurisdiction[role])
        pool = workers.filter(
            (pl.col("role") == role.value)
            & pl.col("active").fill_null(False)
            & (pl.col("monthly_hours").fill_null(0) > 0)
        )
        caps_h = pool["monthly_hours"].cast(pl.Float64).to_numpy()
        caps_n = pool["max_households"].cast(pl.Float64).to_numpy()
        med_h = float(np.median(caps_h)) if len(caps_h) else 0.0
        med_n = int(np.median(caps_n)) if len(caps_n) else 0
        if med_h <= 0:  # no such worker anywhere here: use the prefecture-wide default
            med_h, med_n = 20.0, 30
        total_h = 0.0
        bins = 0
        for (area,), grp in hh.sort("household_id").group_by([area_col], maintain_order=True):
            base = pool.filter(pl.col(area_col) == area) if area is not None else pool.clear()
            if base.height:
                bx, by = base["lon"].to_numpy(), base["lat"].to_numpy()
            else:
                bx = np.array([grp["lon"].mean()])
                by = np.array([grp["lat"].mean()])
            factor = np.array([settings.factor_for(c) for c in grp["county_id"].to_list()])
            lon, lat = grp["lon"].to_numpy(), grp["lat"].to_numpy()
            km = _haversine(lon[:, None], lat[:, None], bx[None, :], by[None, :]).min(axis=1)
            trips = 2.0 if settings.round_trip else 1.0
            travel = km * factor / settings.speed_kmh * 60.0 * trips
            hours = tp.visits_per_month * (tp.minutes_on_site + travel) / 60.0
            total_h += float(hours.sum())
            bins += _ffd_bins(hours, med_h, med_n)
        extra_h = math.ceil(total_h)
        zh, en = ROLE_NAMES_ZH[role], ROLE_NAMES_EN[role]
        workers_en = en if bins == 1 else f"{en}s"
        households_en = "household" if hh.height == 1 else "households"
        text = (
            f"需增加 {bins} 名{zh}(或 {extra_h} 小时{zh}工时)才能覆盖全部 {hh.height} 户"
            f"未覆盖的{TIER_NAMES_ZH[tier]} / {bins} more {workers_en} or {extra_h} more "
            f"{en}-hours would cover all {hh.height} uncovered tier-{tier} {households_en}"
        )
        if tier == 1 and coverage is not None:
            text = f"{coverage_text(coverage)}; {text}"
        out.append(
            {
                "tier": tier,
                "households": hh.height,
                "role": role.value,
                "extra_workers": bins,
                "extra_hours": extra_h,
                "text": text,
            }
        )
    return out


def _haversine(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * rules.EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def coverage_summary(diagnostics: pl.DataFrame, label: Callable[[str], str] = str) -> list[str]:
    """The prefecture's tier-1 coverage proof in two lines (Chinese, then English): in how
    many townships the plan's tier-1 coverage is proven maximal, and each township where it
    is not (shown by ``label``, e.g. name and code), with how many more tier-1 households
    may be coverable. Empty without the columns (diagnostics of an older run)."""
    if "tier1_coverage_proven" not in diagnostics.columns or diagnostics.height == 0:
        return []
    proven = diagnostics["tier1_coverage_proven"].fill_null(False)
    n, k = diagnostics.height, int(proven.sum())
    open_ = diagnostics.filter(~proven).sort("township_id")
    zh_open = "; ".join(
        f"{label(r['township_id'])} 至多还可能多覆盖 {r['tier1_uncertainty'] or '?'} 户"
        for r in open_.iter_rows(named=True)
    )
    en_open = "; ".join(
        f"{label(r['township_id'])} at most {r['tier1_uncertainty'] or '?'} more may be coverable"
        for r in open_.iter_rows(named=True)
    )
    fixed = cost_gap_with_coverage_fixed(diagnostics)
    zh_fixed = "" if fixed is None else f"; 一类户覆盖固定时的成本差距 {fixed:.3%}"
    en_fixed = "" if fixed is None else f"; cost gap with coverage fixed {fixed:.3%}"
    return [
        f"一类户覆盖数已证明为最大: {k}/{n} 个乡镇{zh_fixed}"
        + (f"; 未证明: {zh_open}" if zh_open else ""),
        f"tier-1 coverage proven maximal in {k} of {n} townships{en_fixed}"
        + (f"; not proven: {en_open}" if en_open else ""),
    ]


def cost_gap_with_coverage_fixed(diagnostics: pl.DataFrame) -> float | None:
    """The plan's cost gap over the townships whose tier-1 coverage is proven maximal, each
    against its bound for plans covering that maximum (``cost_bound``): the lexicographic
    model's gap, apart from the weighted model's ``gap``. None without such townships (or
    columns: diagnostics of an older run)."""
    if not {"cost_bound", "objective"} <= set(diagnostics.columns):
        return None
    rows = diagnostics.filter(
        pl.col("cost_bound").is_not_null() & pl.col("objective").is_not_null()
    )
    if rows.height == 0:
        return None
    return relative_gap(float(rows["objective"].sum()), float(rows["cost_bound"].sum()))
