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
from assignment.bounds import relative_gap_net
from assignment.domain import (
    ROLE_NAMES_EN,
    ROLE_NAMES_ZH,
    TIER_NAMES_ZH,
    AssignmentSettings,
    Role,
    TierSettings,
    ids_text,
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
    en = ROLE_NAMES_EN[Role.CADRE]
    if cov.proven:
        return (
            f"已证明：现有人员最多可覆盖 {cov.upper}/{cov.households} 户{TIER_NAMES_ZH[1]}"
            f" / proven: no plan covers more than {cov.upper} of the {cov.households} tier-1 "
            f"households with the present {en}s and workers"
        )
    return (
        f"方案覆盖 {cov.best}/{cov.households} 户{TIER_NAMES_ZH[1]}，至多还可能多覆盖 "
        f"{cov.uncertainty} 户（未能在计算限额内证明） / the plan covers {cov.best} of the "
        f"{cov.households} tier-1 households; at most {cov.uncertainty} more may be coverable "
        "(not proven within the work limit)"
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


REFERENCE_CAPACITY = (20.0, 30)
"""Hours a month and households of a new worker where the township has no active worker of
the role to take the median of."""


def _travel_hours(
    grp: pl.DataFrame,
    bx: np.ndarray,
    by: np.ndarray,
    tp: TierSettings,
    settings: AssignmentSettings,
) -> np.ndarray:
    """Hours a month each household of ``grp`` needs from a worker at the nearest of the
    points (``bx``, ``by``): ``visits x (on-site + travel) / 60``."""
    factor = np.array([settings.factor_for(c) for c in grp["county_id"].to_list()])
    lon, lat = grp["lon"].to_numpy(), grp["lat"].to_numpy()
    km = _haversine(lon[:, None], lat[:, None], bx[None, :], by[None, :]).min(axis=1)
    trips = 2.0 if settings.round_trip else 1.0
    travel = km * factor / settings.speed_kmh * 60.0 * trips
    return np.asarray(tp.visits_per_month * (tp.minutes_on_site + travel) / 60.0)


def _present_hours(  # noqa: PLR0917  (one tier's figures)
    hh: pl.DataFrame,
    pool: pl.DataFrame,
    area_col: str,
    tp: TierSettings,
    settings: AssignmentSettings,
    arcs: pl.DataFrame | None,
) -> tuple[float, pl.DataFrame]:
    """More hours of the present workers: the hours each household of ``hh`` needs from the
    cheapest present worker allowed to visit it (its cheapest arc; without ``arcs``, the
    nearest worker of ``pool`` in its area), summed, and the households no present worker
    may visit (forbidden, a conflict, outside every jurisdiction, or no worker at all), for
    whom more hours of the present workers cannot help."""
    if arcs is not None:
        best = arcs.group_by("household_id").agg(pl.col("hours_per_month").min().alias("_h"))
        # Summed in ``hh``'s order (numpy on one array): a join's row order, and so a float
        # sum over it, may change from call to call.
        reach = hh.join(best, on="household_id", how="inner", maintain_order="left")
        total = float(np.sum(reach["_h"].to_numpy()))
        return total, hh.join(best, on="household_id", how="anti")
    total = 0.0
    alone = []
    for (area,), grp in hh.sort("household_id").group_by([area_col], maintain_order=True):
        base = pool.filter(pl.col(area_col) == area) if area is not None else pool.clear()
        if base.height == 0:
            alone.append(grp)
            continue
        total += float(
            _travel_hours(grp, base["lon"].to_numpy(), base["lat"].to_numpy(), tp, settings).sum()
        )
    return total, pl.concat(alone) if alone else hh.clear()


def shortfall(
    uncovered: pl.DataFrame,
    workers: pl.DataFrame,
    settings: AssignmentSettings,
    *,
    coverage: Coverage | None = None,
    arcs: pl.DataFrame | None = None,
) -> list[dict[str, object]]:
    """Capacity that would cover the uncovered households, one record per tier with any.

    ``uncovered``: household rows (household_id, tier, township/village/grid ids, lon, lat,
    county_id) left unassigned; ``workers``: the township's workers; ``arcs``: the
    township's allowed pairs (:func:`assignment.candidates.build_candidates`), which say who
    may visit whom. With ``coverage`` the tier-1 text leads with the proven figure
    (:func:`coverage_text`).

    Two figures, each honest on its own: new workers of the role (the township's median
    capacity, :data:`REFERENCE_CAPACITY` without one), based at the centre of the uncovered
    households of their area, packed first-fit decreasing (a packing that exists, so that
    many suffice); it depends only on the uncovered households, so fewer present workers
    never need fewer new ones for the same capacity. And more hours of the present workers,
    only for the households one of them may visit; the others (forbidden from every one, no
    worker at all) are named: only a new worker can cover them.
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
        med_h, med_n = REFERENCE_CAPACITY
        if pool.height:
            med_h = float(np.median(pool["monthly_hours"].cast(pl.Float64).to_numpy()))
            med_n = int(np.median(pool["max_households"].cast(pl.Float64).to_numpy()))
        bins = 0
        heavy: list[str] = []  # a household no new worker of that capacity can take alone
        for _area, grp in hh.sort("household_id").group_by([area_col], maintain_order=True):
            centre_x = np.array([grp["lon"].mean()], dtype=float)
            centre_y = np.array([grp["lat"].mean()], dtype=float)
            hours = _travel_hours(grp, centre_x, centre_y, tp, settings)
            too_much = hours > med_h
            heavy += grp.filter(pl.Series(too_much))["household_id"].to_list()
            bins += _ffd_bins(hours[~too_much], med_h, med_n)
        tier_arcs = (
            arcs.filter((pl.col("tier") == tier) & (pl.col("role") == role.value))
            if arcs is not None
            else None
        )
        present_h, alone = _present_hours(hh, pool, area_col, tp, settings, tier_arcs)
        extra_h = math.ceil(present_h)
        out.append(
            {
                "tier": tier,
                "households": hh.height,
                "role": role.value,
                "extra_workers": bins,
                "extra_hours": extra_h,
                "no_present_worker": alone.height,
                "beyond_new_worker": len(heavy),
                "text": _shortfall_text(
                    tier,
                    role,
                    hh.height,
                    bins,
                    (med_h, med_n),
                    extra_h,
                    alone,
                    coverage,
                    heavy=sorted(heavy),
                ),
            }
        )
    return out


def _hours(value: float) -> str:
    """Hours a month as the shortfall says them: to one decimal at most (a township's
    median capacity may be 32.9174 h; 26 stays 26)."""
    return f"{round(value, 1):g}"


def _shortfall_text(  # noqa: PLR0917  (the figures of one record)
    tier: int,
    role: Role,
    n: int,
    bins: int,
    capacity: tuple[float, int],
    extra_h: int,
    alone: pl.DataFrame,
    coverage: Coverage | None,
    *,
    heavy: list[str] | None = None,
) -> str:
    """One shortfall record in words, ``中文 / English`` (no ASCII ``; `` inside the Chinese,
    so that :func:`visit_planner.cli.summary_text.bilingual_lines` splits it right; the
    Chinese punctuated as Chinese: ，：（）).

    ``heavy``: the households that need more hours a month than a new worker of that
    capacity has (a policy of very long or very frequent visits): the new workers counted
    cover the others only, and these are named apart, since no number of such workers can
    take one of them (a household has one visitor)."""
    zh, en = ROLE_NAMES_ZH[role], ROLE_NAMES_EN[role]
    tier_zh = TIER_NAMES_ZH[tier]
    reach = n - alone.height
    heavy = heavy or []
    hours = _hours(capacity[0])
    cap_zh = f"每名 {hours} 小时/月、至多 {capacity[1]} 户"
    cap_en = f"{hours} h/month, at most {capacity[1]} households each"
    rest = n - len(heavy)
    if heavy:
        whom_zh, whom_en = f"其余 {rest} 户", f"the other {rest}"
    elif n == 1:
        whom_zh, whom_en = f"这 1 户未覆盖的{tier_zh}", f"the uncovered tier-{tier} household"
    else:
        whom_zh = f"全部 {n} 户未覆盖的{tier_zh}"
        whom_en = f"all {n} uncovered tier-{tier} households"
    workers_en = en if bins == 1 else f"{en}s"
    zh_text = f"需增加 {bins} 名{zh}（{cap_zh}）才能覆盖{whom_zh}"
    en_text = f"{bins} more {workers_en} ({cap_en}) would cover {whom_en}"
    if heavy:
        shown = ids_text(heavy)
        lead_zh = (
            f"{len(heavy)} 户未覆盖的{tier_zh}每户每月所需工时超过一名新增{zh}的 "
            f"{hours} 小时，增加同等人员无法覆盖：{shown}"
        )
        lead_en = (
            f"{len(heavy)} uncovered tier-{tier} "
            f"{'household needs' if len(heavy) == 1 else 'households each need'} more than a "
            f"new {en}'s {hours} h a month: no new {en} of that capacity can take "
            f"{'it' if len(heavy) == 1 else 'one'}: {shown}"
        )
        if rest:
            zh_text, en_text = f"{lead_zh}。{zh_text}", f"{lead_en}. {en_text}"
        else:
            zh_text, en_text = lead_zh, lead_en
    if reach and extra_h:
        of_zh = "" if reach == n else f"其中可由现有{zh}走访的 {reach} 户"
        of_en = "them" if reach == n else f"the {reach} of them they may visit"
        if rest:
            zh_text += f"，或现有{zh}共增加 {extra_h} 小时工时可覆盖{of_zh or '这些农户'}"
            en_text += f", or {extra_h} more hours of the present {en}s would cover {of_en}"
        else:  # no new worker can: the present workers' hours are the only figure
            zh_text += f"。现有{zh}共增加 {extra_h} 小时工时可覆盖{of_zh or '这些农户'}"
            en_text += f". {extra_h} more hours of the present {en}s would cover {of_en}"
    if alone.height:
        ids = alone["household_id"].sort().to_list()
        shown = ids_text(ids)
        zh_text += (
            f"。{alone.height} 户没有任何现有{zh}可以走访（禁止配对、利益冲突或无此类人员），"
            f"增加工时无济于事，只能由新增人员覆盖：{shown}"
        )
        en_text += (
            f". {alone.height} {'has' if alone.height == 1 else 'have'} no present {en} "
            f"allowed to visit {'it' if alone.height == 1 else 'them'} (forbidden, a "
            f"conflict, or none at all): more hours cannot help, only a new {en}: {shown}"
        )
    text = f"{zh_text} / {en_text}"
    if tier == 1 and coverage is not None:
        text = f"{coverage_text(coverage)}; {text}"
    return text


def _haversine(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * rules.EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _open_zh(uncertainty: int | None) -> str:
    """An open township's tier-1 uncertainty in words; None: its solve gave no coverage figure
    (a failed township, reported as failed elsewhere)."""
    if uncertainty is None:
        return "求解未完成, 一类户覆盖情况未知"
    return f"至多还可能多覆盖 {uncertainty} 户"


def _open_en(uncertainty: int | None) -> str:
    """:func:`_open_zh` in English."""
    if uncertainty is None:
        return "not solved, its tier-1 coverage is unknown"
    return f"at most {uncertainty} more may be coverable"


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
        f"{label(r['township_id'])} {_open_zh(r['tier1_uncertainty'])}"
        for r in open_.iter_rows(named=True)
    )
    en_open = "; ".join(
        f"{label(r['township_id'])} {_open_en(r['tier1_uncertainty'])}"
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
    model's gap, apart from the weighted model's ``gap``. Relative to the objective less the
    penalties no plan covering the maxima avoids (``unavoidable_penalty``, as each
    township's ``cost_gap``; absent in an older run's diagnostics: 0). None without such
    townships (or columns: diagnostics of an older run)."""
    if not {"cost_bound", "objective"} <= set(diagnostics.columns):
        return None
    rows = diagnostics.filter(
        pl.col("cost_bound").is_not_null() & pl.col("objective").is_not_null()
    )
    if rows.height == 0:
        return None
    paid = (
        float(rows["unavoidable_penalty"].fill_null(0.0).sum())
        if "unavoidable_penalty" in rows.columns
        else 0.0
    )
    return relative_gap_net(float(rows["objective"].sum()), float(rows["cost_bound"].sum()), paid)
