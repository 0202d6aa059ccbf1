"""Checks of the solver's inputs that would otherwise fail silently or wrongly.

Each problem becomes an :class:`InputIssue` (kind, township, bilingual message naming the
ids); the offending piece is dropped or neutralised and everything else is still solved.
Nothing here raises for bad data.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from assignment import constraints as rules
from assignment.candidates import build_candidates, build_pairs
from assignment.domain import (
    MAX_IDS,
    ROLE_NAMES_EN,
    ROLE_NAMES_ZH,
    TIER_NAMES_ZH,
    AssignmentSettings,
    Role,
    ids_text,
)


@dataclass(frozen=True)
class InputIssue:
    """One input problem: ``kind`` is a stable code, ``message`` is Chinese / English."""

    kind: str
    township_id: str | None
    message: str
    ids: tuple[str, ...]


def check_workers(workers: pl.DataFrame) -> list[InputIssue]:
    """Active workers with zero (or missing) hours or household capacity."""
    bad = workers.filter(
        pl.col("active").fill_null(False)
        & (
            (pl.col("monthly_hours").fill_null(0) <= 0)
            | (pl.col("max_households").fill_null(0) <= 0)
        )
    ).sort("worker_id")
    out = []
    for (tw,), grp in bad.group_by(["township_id"], maintain_order=True):
        ids = grp["worker_id"].to_list()
        out.append(
            InputIssue(
                "zero_capacity",
                str(tw),
                f"{len(ids)} 名人员容量为零, 不会分配农户 / {len(ids)} worker(s) with zero "
                f"capacity get no households: {ids_text(ids)}",
                tuple(ids),
            )
        )
    return out


def check_policy_counties(settings: AssignmentSettings, counties: pl.Series) -> list[InputIssue]:
    """County codes of the policy's road factors (``travel.road_factor_by_county``) that are
    no county of the data (``counties``): a mistyped code is never used, and without a word
    its county's travel would silently take the default factor."""
    known = {str(c) for c in counties.drop_nulls().unique().to_list()}
    unknown = sorted(str(c) for c in settings.road_factor_by_county if str(c) not in known)
    if not unknown:
        return []
    return [
        InputIssue(
            "policy_unknown_county",
            None,
            f"策略 travel.road_factor_by_county 中的县代码不在数据中, 未被使用: "
            f"{ids_text(unknown)} / county code(s) of the policy's "
            f"travel.road_factor_by_county are no county of the data and are not used: "
            f"{ids_text(unknown)}",
            tuple(unknown),
        )
    ]


def check_previous(previous: pl.DataFrame | None, workers: pl.DataFrame) -> list[InputIssue]:
    """Previous assignments naming workers that do not exist (continuity cannot be kept)."""
    if previous is None or previous.height == 0:
        return []
    unknown = previous.join(workers.select("worker_id"), on="worker_id", how="anti")
    if unknown.height == 0:
        return []
    wids = sorted(unknown["worker_id"].unique().to_list())
    hids = sorted(unknown["household_id"].unique().to_list())
    return [
        InputIssue(
            "previous_unknown_worker",
            None,
            f"上月分配引用了不存在的人员 {ids_text(wids)} ({len(hids)} 户, "
            f"如 {ids_text(hids[:3])}): "
            "这些户计为换人 / "
            f"previous assignment references unknown worker(s) {ids_text(wids)} "
            f"for {len(hids)} household(s), e.g. {ids_text(hids[:3])}: they count as changed",
            tuple(wids),
        )
    ]


def check_forbids(
    forbids: pl.DataFrame | None, households: pl.DataFrame, workers: pl.DataFrame
) -> list[InputIssue]:
    """Forbids naming a household or a worker that does not exist: they forbid nothing, and
    are named (a typo in an id would otherwise leave the pairing it meant allowed, silently)."""
    if forbids is None or forbids.height == 0:
        return []
    pairs = forbids.select("household_id", "worker_id").unique()
    unknown = (
        pl.concat([
            pairs.join(households.select("household_id"), on="household_id", how="anti"),
            pairs.join(workers.select("worker_id"), on="worker_id", how="anti"),
        ])
        .unique()
        .sort("household_id", "worker_id")
    )  # fmt: skip
    if unknown.height == 0:
        return []
    named = [f"{h}✕{w}" for h, w in unknown.iter_rows()]
    return [
        InputIssue(
            "unknown_forbid",
            None,
            f"禁止配对引用了不存在的农户或人员, 已忽略 / forbids naming unknown households or "
            f"workers are ignored: {ids_text(named)}",
            tuple(named),
        )
    ]


def clean_pins(  # noqa: PLR0917  (mirrors build_candidates)
    pins: pl.DataFrame | None,
    households: pl.DataFrame,
    workers: pl.DataFrame,
    conflicts: pl.DataFrame | None,
    forbids: pl.DataFrame | None,
    settings: AssignmentSettings,
) -> tuple[pl.DataFrame | None, list[InputIssue]]:
    """Drop duplicate, unknown and ineligible pins, each reported with the rule it breaks;
    forbids naming unknown ids are reported too (:func:`check_forbids`).

    This is the one rule of which supervisor pins bind a plan: the solver keeps these, and
    ``check-plan`` holds a plan to these (:func:`binding_pins`), reporting the same issues.
    Capacity is checked per township by :func:`capacity_pins` once arcs are priced.
    """
    issues: list[InputIssue] = check_forbids(forbids, households, workers)
    if pins is None or pins.height == 0:
        return pins, issues
    pins = pins.select("household_id", "worker_id").unique().sort("household_id", "worker_id")
    dup = (
        pins.group_by("household_id")
        .agg(pl.col("worker_id"))
        .filter(pl.col("worker_id").list.len() > 1)
        .sort("household_id")
    )
    if dup.height:
        pairs = [f"{h}→{'/'.join(w)}" for h, w in dup.iter_rows()]
        issues.append(
            InputIssue(
                "duplicate_pin",
                None,
                f"同一农户被指定给多名人员, 这些指定均被忽略 / households pinned to several "
                f"workers, their pins are ignored: {ids_text(pairs)}",
                tuple(dup["household_id"].to_list()),
            )
        )
        pins = pins.join(dup.select("household_id"), on="household_id", how="anti")
    unknown = pins.join(households.select("household_id"), on="household_id", how="anti")
    unknown = (
        pl.concat([unknown, pins.join(workers.select("worker_id"), on="worker_id", how="anti")])
        .unique()
        .sort("household_id", "worker_id")
    )
    if unknown.height:
        pairs = [f"{h}→{w}" for h, w in unknown.iter_rows()]
        issues.append(
            InputIssue(
                "unknown_pin",
                None,
                f"指定引用了不存在的农户或人员, 已忽略 / pins naming unknown households or "
                f"workers are ignored: {ids_text(pairs)}",
                tuple(pairs),
            )
        )
        pins = pins.join(unknown, on=["household_id", "worker_id"], how="anti")
    # Which hard pair rule does each remaining pin break?
    hh = households.join(pins.select("household_id").unique(), on="household_id")
    pair = pins.join(hh, on="household_id").join(
        workers.select(
            "worker_id",
            "role",
            pl.col("township_id").alias("w_township_id"),
            pl.col("village_id").alias("w_village_id"),
            pl.col("grid_id").alias("w_grid_id"),
            "active",
            "own_household_id",
        ),
        on="worker_id",
    )
    flags = [("conflict", conflicts), ("forbidden", forbids)]
    for name, frame in flags:
        if frame is not None and frame.height:
            f = (
                frame.select("household_id", "worker_id")
                .unique()
                .with_columns(pl.lit(True).alias(name))
            )
            pair = pair.join(f, on=["household_id", "worker_id"], how="left")
        else:
            pair = pair.with_columns(pl.lit(None, dtype=pl.Boolean).alias(name))
    checks = rules.hard_pair_rules(settings)
    pair = pair.with_columns(*(e.alias(k) for k, e in checks.items()))
    broken = pair.filter(~pl.all_horizontal(list(checks))).sort("household_id")
    for row in broken.iter_rows(named=True):
        words = [_rule_words(k, row, settings) for k in checks if not row[k]]
        h, w, tw = row["household_id"], row["worker_id"], row["township_id"]
        issues.append(
            InputIssue(
                "infeasible_pin",
                str(tw),
                f"指定 {h}→{w} (乡镇 {tw}) 已忽略: {'; '.join(z for z, _ in words)} / pin {h}→{w} "
                f"(township {tw}) is ignored: " + "; ".join(e for _, e in words),
                (h, w),
            )
        )
    pins = pins.join(
        broken.select("household_id", "worker_id"), on=["household_id", "worker_id"], how="anti"
    )
    return pins, issues


_PLACE_WORDS = {"township_id": ("乡镇", "township"), "village_id": ("村", "village"),
                "grid_id": ("网格", "grid")}  # fmt: skip


def _rule_words(
    rule: str, pair: dict[str, object], settings: AssignmentSettings
) -> tuple[str, str]:
    """A hard pair rule (:func:`assignment.constraints.hard_pair_rules`) a pin breaks, in
    words (Chinese, English), with the role, tier or places that break it."""
    role = Role(str(pair["role"]))
    if rule == "role_eligible":
        tier = int(str(pair["tier"]))
        return (
            f"{ROLE_NAMES_ZH[role]}不承接{TIER_NAMES_ZH[tier]}",
            f"a {ROLE_NAMES_EN[role]} does not serve tier-{tier} households",
        )
    if rule == "in_jurisdiction":
        area = rules.area_columns(settings.jurisdiction[role])
        col = next((c for c in area if pair[c] != pair[f"w_{c}"]), area[-1])
        zh, en = _PLACE_WORDS[col]
        return (
            f"农户不在该人员管辖范围内 (人员属{zh} {pair[f'w_{col}'] or '-'}, 农户属{zh} "
            f"{pair[col] or '-'})",
            f"outside that worker's jurisdiction (a {ROLE_NAMES_EN[role]} serves its own {en}: "
            f"the worker's is {pair[f'w_{col}'] or '-'}, the household's {pair[col] or '-'})",
        )
    return _RULE_WORDS[rule]


_RULE_WORDS = {
    "worker_active": ("该人员已停用", "that worker is inactive"),
    "not_own_household": ("该人员本人家庭, 需回避", "it is that worker's own household"),
    "no_declared_conflict": ("与该人员存在利益冲突", "a declared conflict of interest"),
    "not_forbidden": ("督导禁止该配对", "a supervisor forbade that pairing"),
}
"""The rules said without detail, in the explanations' words (assignment.explain)."""


def capacity_pins(
    arcs: pl.DataFrame, workers: pl.DataFrame
) -> tuple[pl.DataFrame, list[InputIssue]]:
    """Un-pin arcs beyond a worker's capacity (pins kept in household-id order while they fit)."""
    pinned = arcs.filter(pl.col("pinned")).sort("worker_id", "household_id")
    if pinned.height == 0:
        return arcs, []
    caps = workers.select("worker_id", "monthly_hours", "max_households")
    over = (
        pinned.join(caps, on="worker_id", how="left")
        .with_columns(
            pl.col("hours_per_month").cum_sum().over("worker_id").alias("_h"),
            pl.int_range(1, pl.len() + 1).over("worker_id").alias("_n"),
        )
        .filter(
            (pl.col("_h") > pl.col("monthly_hours").fill_null(0) + rules.CAPACITY_TOL)
            | (pl.col("_n") > pl.col("max_households").fill_null(0))
        )
    )
    if over.height == 0:
        return arcs, []
    issues = []
    for (wid,), grp in over.group_by(["worker_id"], maintain_order=True):
        hids, tw = grp["household_id"].to_list(), grp["township_id"][0]
        issues.append(
            InputIssue(
                "infeasible_pin",
                str(tw),
                f"人员 {wid} (乡镇 {tw}) 的指定超出其容量, 以下指定已忽略: {ids_text(hids)} / pins "
                f"exceed worker {wid}'s capacity (township {tw}); ignored: {ids_text(hids)}",
                (str(wid), *hids),
            )
        )
    drop = over.select("household_id", "worker_id").with_columns(pl.lit(False).alias("_keep"))
    arcs = (
        arcs.join(drop, on=["household_id", "worker_id"], how="left")
        .with_columns((pl.col("pinned") & pl.col("_keep").fill_null(True)).alias("pinned"))
        .drop("_keep")
    )
    return arcs, issues


def binding_pins(  # noqa: PLR0917  (mirrors build_candidates)
    pins: pl.DataFrame | None,
    households: pl.DataFrame,
    workers: pl.DataFrame,
    previous: pl.DataFrame | None,
    conflicts: pl.DataFrame | None,
    forbids: pl.DataFrame | None,
    settings: AssignmentSettings,
) -> tuple[pl.DataFrame | None, list[InputIssue]]:
    """The pins a plan made from these inputs must honour, and the issues of the others: the
    solver's two steps, :func:`clean_pins` then :func:`capacity_pins` on the pinned
    households' arcs (a pin's hours do not depend on the other households), so that
    ``check-plan`` never calls a pin the solver released "not honoured".

    ``households`` needs the candidate columns (with ``tier`` and ``risk``)."""
    pins, issues = clean_pins(pins, households, workers, conflicts, forbids, settings)
    if pins is None or pins.height == 0:
        return pins, issues
    pinned_hh = households.filter(pl.col("household_id").is_in(pins["household_id"].implode()))
    arcs = build_candidates(
        pinned_hh, workers, previous, conflicts, settings, pins=pins, forbids=forbids
    )
    arcs, capacity = capacity_pins(arcs, workers)
    kept = arcs.filter(pl.col("pinned")).select("household_id", "worker_id")
    return pins.join(kept, on=["household_id", "worker_id"], how="semi"), [*issues, *capacity]


def check_coverage(
    arcs: pl.DataFrame, households: pl.DataFrame, workers: pl.DataFrame | None = None
) -> list[InputIssue]:
    """Households with no eligible worker at all, by township and tier; where the township's
    workers are all inactive (or it has none), that cause is said instead."""
    none = households.join(arcs.select("household_id").unique(), on="household_id", how="anti")
    out = []
    if none.height and workers is not None:
        active = int(workers["active"].fill_null(False).sum()) if workers.height else 0
        if active == 0:
            tw = str(none["township_id"][0])
            cause_zh, cause_en = (
                (
                    "该乡镇所有人员均已停用",
                    f"every one of its {workers.height} workers is inactive",
                )
                if workers.height
                else ("该乡镇没有人员", "it has no workers")
            )
            return [
                InputIssue(
                    "no_active_worker",
                    tw,
                    f"乡镇 {tw}: {cause_zh}, {none.height} 户无人可分配 / township {tw}: "
                    f"{cause_en}, so none of its {none.height} households can be assigned",
                    tuple(none["household_id"].head(MAX_IDS).to_list()),
                )
            ]
    for (tw, tier), grp in none.sort("township_id", "tier", "household_id").group_by(
        ["township_id", "tier"], maintain_order=True
    ):
        ids = grp["household_id"].to_list()
        out.append(
            InputIssue(
                "no_eligible_worker",
                str(tw),
                f"乡镇 {tw} 有 {len(ids)} 户{TIER_NAMES_ZH[int(tier)]}没有任何可分配的人员 / "
                f"township {tw}: "
                f"{len(ids)} tier-{tier} household(s) have no eligible worker: {ids_text(ids)}",
                tuple(ids),
            )
        )
    return out


__all__ = [
    "InputIssue",
    "binding_pins",
    "build_pairs",
    "capacity_pins",
    "check_coverage",
    "check_forbids",
    "check_previous",
    "check_workers",
    "clean_pins",
]
