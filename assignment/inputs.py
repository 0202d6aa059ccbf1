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
from assignment.domain import TIER_NAMES_ZH, AssignmentSettings

MAX_IDS = 10


@dataclass(frozen=True)
class InputIssue:
    """One input problem: ``kind`` is a stable code, ``message`` is Chinese / English."""

    kind: str
    township_id: str | None
    message: str
    ids: tuple[str, ...]


def _ids(values: list[str]) -> str:
    head = ", ".join(values[:MAX_IDS])
    return head + (f" … (+{len(values) - MAX_IDS})" if len(values) > MAX_IDS else "")


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
                f"capacity get no households: {_ids(ids)}",
                tuple(ids),
            )
        )
    return out


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
            f"上月分配引用了不存在的人员 {_ids(wids)} ({len(hids)} 户, 如 {_ids(hids[:3])}) / "
            f"previous assignment references unknown worker(s) {_ids(wids)} "
            f"for {len(hids)} household(s), e.g. {_ids(hids[:3])}: they count as changed",
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
            f"workers are ignored: {_ids(named)}",
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
                f"workers, their pins are ignored: {_ids(pairs)}",
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
                f"workers are ignored: {_ids(pairs)}",
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
        why = next(k for k in checks if not row[k])
        issues.append(
            InputIssue(
                "infeasible_pin",
                str(row["township_id"]),
                f"指定 {row['household_id']}→{row['worker_id']} 违反规则 {why}, 已忽略 / pin "
                f"{row['household_id']}→{row['worker_id']} breaks {why} and is ignored",
                (row["household_id"], row["worker_id"]),
            )
        )
    pins = pins.join(
        broken.select("household_id", "worker_id"), on=["household_id", "worker_id"], how="anti"
    )
    return pins, issues


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
        hids = grp["household_id"].to_list()
        issues.append(
            InputIssue(
                "infeasible_pin",
                str(grp["township_id"][0]),
                f"人员 {wid} 的指定超出其容量, 以下指定已忽略 / pins exceed worker {wid}'s "
                f"capacity; ignored: {_ids(hids)}",
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
                f"{len(ids)} tier-{tier} household(s) have no eligible worker: {_ids(ids)}",
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
