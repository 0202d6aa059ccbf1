"""The independent validator: a satisfied / violated pair for every kind of violation.

The world is tiny and hand-built: one township T1 (villages V1 with grids G1, G2; V2 with grid
G3), a cadre of another township, and a valid plan. Each broken plan changes one thing and
must raise exactly its own kind of violation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import polars as pl
import pytest

from assignment.domain import AssignmentSettings
from assignment.validator import (
    PlanFormatError,
    PlanInputs,
    ViolationKind,
    haversine_km,
    summarize_violations,
    travel_minutes,
    validate_plan,
    violations_frame,
)

S = AssignmentSettings()
K = ViolationKind


def world_households() -> pl.DataFrame:
    """Five households of township T1 in county 532621 (road factor 1.4)."""
    rows = [
        ("H1", "V1", "G1", 104.010, 23.500),
        ("H2", "V1", "G1", 104.000, 23.520),
        ("H3", "V1", "G1", 104.005, 23.505),
        ("H4", "V2", "G3", 104.100, 23.600),
        ("H5", "V2", "G3", 104.110, 23.610),
    ]
    return pl.DataFrame(
        {
            "household_id": [r[0] for r in rows],
            "county_id": ["532621"] * len(rows),
            "township_id": ["T1"] * len(rows),
            "village_id": [r[1] for r in rows],
            "grid_id": [r[2] for r in rows],
            "lon": [r[3] for r in rows],
            "lat": [r[4] for r in rows],
        }
    )


def world_workers() -> pl.DataFrame:
    """Cadres C1 (T1) and C2 (T2), officials VO1/VO2, grid workers GW1-GW3, inactive GWX."""
    rows = [
        ("C1", "cadre", "T1", None, None, 104.000, 23.500, 40.0, 10, None, True),
        ("C2", "cadre", "T2", None, None, 104.001, 23.501, 40.0, 10, None, True),
        ("VO1", "village_official", "T1", "V1", None, 104.002, 23.502, 30.0, 10, None, True),
        ("VO2", "village_official", "T1", "V2", None, 104.100, 23.600, 30.0, 10, None, True),
        ("GW1", "grid_worker", "T1", "V1", "G1", 104.004, 23.504, 20.0, 10, None, True),
        ("GW2", "grid_worker", "T1", "V1", "G2", 104.020, 23.520, 20.0, 10, None, True),
        ("GW3", "grid_worker", "T1", "V2", "G3", 104.105, 23.605, 20.0, 10, None, True),
        ("GWX", "grid_worker", "T1", "V1", "G1", 104.004, 23.504, 20.0, 10, None, False),
    ]
    cols = [
        "worker_id", "role", "township_id", "village_id", "grid_id", "lon", "lat",
        "monthly_hours", "max_households", "own_household_id", "active",
    ]  # fmt: skip
    frame = pl.DataFrame(
        [dict(zip(cols, r, strict=True)) for r in rows],
        schema_overrides={"village_id": pl.String, "grid_id": pl.String,
                          "own_household_id": pl.String},
    )  # fmt: skip
    return frame.with_columns(pl.lit("532621").alias("county_id"))


def world_scores() -> pl.DataFrame:
    """Final tiers: H1 tier 1, H2 and H5 tier 2, H3 and H4 tier 3."""
    return pl.DataFrame(
        {
            "household_id": ["H1", "H2", "H3", "H4", "H5"],
            "final_tier": [1, 2, 3, 3, 2],
            "p_tier1": [0.9, 0.3, 0.05, 0.02, 0.4],
        }
    )


def world_previous() -> pl.DataFrame:
    """Last month: H1 had C1 (kept), H3 had GW2 (changes)."""
    return pl.DataFrame(
        {"household_id": ["H1", "H3"], "worker_id": ["C1", "GW2"], "month": ["2026-10"] * 2}
    )


def world_inputs(**changes: object) -> PlanInputs:
    """The raw inputs of the tiny world; keyword arguments replace fields."""
    base = PlanInputs(
        households=world_households(),
        workers=world_workers(),
        scores=world_scores(),
        previous=world_previous(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def plan_from(pairs: dict[str, str | None], inputs: PlanInputs | None = None) -> pl.DataFrame:
    """A plan whose reported columns are computed from the raw inputs for ``pairs``."""
    inputs = inputs or world_inputs()
    hh = inputs.households.join(inputs.scores, on="household_id")
    wk = inputs.workers.select(
        "worker_id", "role", pl.col("lon").alias("w_lon"), pl.col("lat").alias("w_lat")
    )
    prev = dict(inputs.previous.select("household_id", "worker_id").iter_rows()) if (
        inputs.previous is not None) else {}  # fmt: skip
    rows = []
    for h in hh.sort("household_id").iter_rows(named=True):
        if h["household_id"] not in pairs:
            continue
        w_id = pairs[h["household_id"]]
        tier = h["final_tier"]
        paired = S.tier(tier).role.value
        if w_id is None:
            rows.append((h["household_id"], None, tier, None, None, None, False, False))
            continue
        w = wk.filter(pl.col("worker_id") == w_id).row(0, named=True)
        km = haversine_km(h["lon"], h["lat"], w["w_lon"], w["w_lat"])
        minutes = float(travel_minutes(km, 1.4, S))
        hours = S.tier(tier).visits_per_month * (S.tier(tier).minutes_on_site + minutes) / 60
        rows.append((h["household_id"], w_id, tier, w["role"], minutes, hours,
                     prev.get(h["household_id"]) == w_id, w["role"] != paired))  # fmt: skip
    return pl.DataFrame(
        rows,
        schema={
            "household_id": pl.String, "worker_id": pl.String, "tier": pl.Int8,
            "role": pl.String, "travel_minutes": pl.Float64, "hours_per_month": pl.Float64,
            "kept_previous": pl.Boolean, "up_cover": pl.Boolean,
        },
        orient="row",
    ).with_columns(pl.lit("T1").alias("township_id"))  # fmt: skip


VALID = {"H1": "C1", "H2": "VO1", "H3": "GW1", "H4": "GW3", "H5": None}


def kinds(plan: pl.DataFrame, inputs: PlanInputs, settings: AssignmentSettings = S) -> set[K]:
    return {v.kind for v in validate_plan(plan, inputs, settings)}


def _set(plan: pl.DataFrame, hh: str, **values: object) -> pl.DataFrame:
    return plan.with_columns(
        [
            pl.when(pl.col("household_id") == hh).then(pl.lit(v)).otherwise(pl.col(c)).alias(c)
            for c, v in values.items()
        ]
    )


def _worker(inputs: PlanInputs, wid: str, **values: object) -> PlanInputs:
    wk = inputs.workers.with_columns(
        [
            pl.when(pl.col("worker_id") == wid)
            .then(pl.lit(v, dtype=inputs.workers.schema[c]))
            .otherwise(pl.col(c))
            .alias(c)
            for c, v in values.items()
        ]
    )
    return replace(inputs, workers=wk)


def _pairs(h: str, w: str) -> pl.DataFrame:
    return pl.DataFrame({"household_id": [h], "worker_id": [w]})


# Each case: (kind, build broken (plan, inputs) from the valid ones).
Case = Callable[[pl.DataFrame, PlanInputs], tuple[pl.DataFrame, PlanInputs]]
BROKEN: dict[K, Case] = {
    K.DUPLICATE_HOUSEHOLD: lambda p, i: (
        pl.concat([p, p.filter(pl.col("household_id") == "H5")]), i),
    K.MISSING_HOUSEHOLD: lambda p, i: (p.filter(pl.col("household_id") != "H5"), i),
    K.UNKNOWN_HOUSEHOLD: lambda p, i: (
        pl.concat([p, p.filter(pl.col("household_id") == "H5").with_columns(
            pl.lit("H404").alias("household_id"))]), i),
    K.UNKNOWN_WORKER: lambda p, i: (_set(p, "H3", worker_id="GW404"), i),
    K.INACTIVE_WORKER: lambda p, i: (_set(p, "H3", worker_id="GWX"), i),
    K.ROLE_INELIGIBLE: lambda p, i: (plan_from({**VALID, "H1": "VO1"}), i),
    K.OUTSIDE_JURISDICTION: lambda p, i: (plan_from({**VALID, "H4": "GW1"}), i),
    K.CONFLICT_OF_INTEREST: lambda p, i: (p, replace(i, conflicts=_pairs("H3", "GW1"))),
    K.OWN_HOUSEHOLD: lambda p, i: (p, _worker(i, "GW1", own_household_id="H3")),
    K.FORBIDDEN_PAIR: lambda p, i: (p, replace(i, forbids=_pairs("H3", "GW1"))),
    K.PIN_NOT_HONOURED: lambda p, i: (p, replace(i, pins=_pairs("H2", "C1"))),
    K.OVER_HOURS: lambda p, i: (p, _worker(i, "GW1", monthly_hours=0.05)),
    K.OVER_COUNT: lambda p, i: (p, _worker(i, "GW1", max_households=0)),
    K.TIER_MISMATCH: lambda p, i: (_set(p, "H3", tier=2), i),
    K.TOWNSHIP_MISMATCH: lambda p, i: (_set(p, "H3", township_id="T2"), i),
    K.ROLE_MISMATCH: lambda p, i: (_set(p, "H3", role="cadre"), i),
    K.TRAVEL_MISMATCH: lambda p, i: (
        p.with_columns(pl.when(pl.col("household_id") == "H3").then(pl.col("travel_minutes") + 5)
                       .otherwise(pl.col("travel_minutes")).alias("travel_minutes")), i),
    K.HOURS_MISMATCH: lambda p, i: (
        p.with_columns(pl.when(pl.col("household_id") == "H3").then(pl.col("hours_per_month") + 1)
                       .otherwise(pl.col("hours_per_month")).alias("hours_per_month")), i),
    K.KEPT_PREVIOUS_MISMATCH: lambda p, i: (_set(p, "H1", kept_previous=False), i),
    K.UP_COVER_MISMATCH: lambda p, i: (_set(p, "H3", up_cover=True), i),
}  # fmt: skip


def test_valid_plan_has_no_violation() -> None:
    assert validate_plan(plan_from(VALID), world_inputs(), S) == []


def test_every_kind_has_a_broken_case() -> None:
    assert set(BROKEN) == set(ViolationKind)


@pytest.mark.parametrize("kind", list(ViolationKind), ids=lambda k: k.value)
def test_each_kind_is_caught_alone(kind: K) -> None:
    plan, inputs = BROKEN[kind](plan_from(VALID), world_inputs())
    violations = validate_plan(plan, inputs, S)
    assert {v.kind for v in violations} == {kind}
    v = violations[0]
    assert v.detail_zh and v.detail_en and v.detail_zh != v.detail_en
    # The Chinese detail in Chinese words: no role code or flag in English (it said "方案角色
    # cadre, 应为 grid_worker", "报告 true").
    codes = ("cadre", "village_official", "grid_worker", "true", "false", "null")
    assert not any(code in v.detail_zh for code in codes), v.detail_zh
    assert "_" not in v.detail_en.replace("kept_previous", "").replace("up_cover", "").replace(
        "max_households", ""
    ), v.detail_en


def test_reported_columns_are_named_in_each_language() -> None:
    plan, inputs = BROKEN[K.ROLE_MISMATCH](plan_from(VALID), world_inputs())
    (v,) = validate_plan(plan, inputs, S)
    assert (v.detail_zh, v.detail_en) == (
        "方案角色 基层干部, 应为 网格员",
        "plan role cadre, expected grid worker",
    )
    plan, inputs = BROKEN[K.UP_COVER_MISMATCH](plan_from(VALID), world_inputs())
    (v,) = validate_plan(plan, inputs, S)
    assert (v.detail_zh, v.detail_en) == (
        "方案标为上位兜底: 是, 人员角色 网格员, 类别对应角色 网格员",
        "reported up_cover: yes, worker role grid worker, tier's role grid worker",
    )
    plan, inputs = BROKEN[K.KEPT_PREVIOUS_MISMATCH](plan_from(VALID), world_inputs())
    (v,) = validate_plan(plan, inputs, S)
    assert v.detail_zh.startswith("方案标为延续: 否, 上次分配的走访人员 ")


# ---- satisfied counterparts that are close to the broken ones


def test_up_cover_allowed_by_policy_is_valid() -> None:
    plan = plan_from({**VALID, "H2": "C1", "H3": "VO1"})
    assert plan.filter(pl.col("up_cover")).height == 2
    assert validate_plan(plan, world_inputs(), S) == []


def test_up_cover_disabled_by_policy_is_ineligible() -> None:
    plan = plan_from({**VALID, "H2": "C1", "H3": "VO1"})
    strict = replace(S, cadre_takes_tier2=False, village_official_takes_tier3=False)
    violations = validate_plan(plan, world_inputs(), strict)
    assert {(v.kind, v.household_id) for v in violations} == {
        (K.ROLE_INELIGIBLE, "H2"),
        (K.ROLE_INELIGIBLE, "H3"),
    }


def test_lower_role_never_takes_higher_tier() -> None:
    plan = plan_from({**VALID, "H2": "GW1"})
    assert kinds(plan, world_inputs()) == {K.ROLE_INELIGIBLE}


def test_cadre_of_another_township_is_outside_jurisdiction() -> None:
    plan = plan_from({**VALID, "H1": "C2"})
    violations = validate_plan(plan, world_inputs(), S)
    assert [(v.kind, v.household_id, v.worker_id) for v in violations] == [
        (K.OUTSIDE_JURISDICTION, "H1", "C2")
    ]
    assert "T2" in violations[0].detail_en


def test_village_official_own_village_only() -> None:
    assert kinds(plan_from({**VALID, "H4": "VO1"}), world_inputs()) == {K.OUTSIDE_JURISDICTION}
    assert kinds(plan_from({**VALID, "H4": "VO2"}), world_inputs()) == set()


def test_pairs_not_in_plan_do_not_matter() -> None:
    inputs = world_inputs(
        conflicts=_pairs("H3", "GW2"), forbids=_pairs("H4", "GW1"), pins=_pairs("H3", "GW1")
    )
    assert validate_plan(plan_from(VALID), inputs, S) == []


def test_pin_on_unassigned_household_is_not_honoured() -> None:
    inputs = world_inputs(pins=_pairs("H5", "VO2"))
    violations = validate_plan(plan_from(VALID), inputs, S)
    assert [(v.kind, v.household_id, v.worker_id) for v in violations] == [
        (K.PIN_NOT_HONOURED, "H5", "VO2")
    ]
    assert "unassigned" in violations[0].detail_en


def test_capacity_exactly_full_is_valid() -> None:
    plan = plan_from(VALID)
    used = plan.filter(pl.col("worker_id") == "GW1")["hours_per_month"].sum()
    inputs = _worker(world_inputs(), "GW1", monthly_hours=used, max_households=1)
    assert validate_plan(plan, inputs, S) == []


def test_capacity_uses_rederived_hours_not_reported() -> None:
    # Under-reporting hours must not hide an overload: capacity uses the re-derived hours.
    plan = plan_from(VALID).with_columns(pl.lit(0.0).alias("hours_per_month"))
    inputs = _worker(world_inputs(), "GW1", monthly_hours=0.05)
    assert K.OVER_HOURS in kinds(plan, inputs)


def test_only_listed_townships_must_be_complete() -> None:
    plan = plan_from(VALID).filter(pl.col("household_id") != "H5")
    assert validate_plan(plan, world_inputs(), S, townships=["T9"]) == []
    assert kinds(plan, world_inputs()) == {K.MISSING_HOUSEHOLD}


def test_latest_previous_month_decides_kept() -> None:
    prev = pl.DataFrame(
        {"household_id": ["H1", "H1"], "worker_id": ["C2", "C1"], "month": ["2026-09", "2026-10"]}
    )
    plan = plan_from(VALID, world_inputs(previous=prev))
    assert plan.filter(pl.col("household_id") == "H1")["kept_previous"].item() is True
    assert validate_plan(plan, world_inputs(previous=prev), S) == []


def test_county_road_factor_is_applied() -> None:
    s = replace(S, road_factor_by_county={"532621": 1.5})
    assert kinds(plan_from(VALID), world_inputs(), s) == {K.TRAVEL_MISMATCH, K.HOURS_MISMATCH}


def test_travel_model_by_hand() -> None:
    # 0.1 degree of latitude is 11.1195 km; x1.4 road factor, 25 km/h, round trip.
    km = float(haversine_km(104.0, 23.4, 104.0, 23.5))
    assert km == pytest.approx(11.1195, abs=1e-3)
    assert float(travel_minutes(km, 1.4, S)) == pytest.approx(11.1195 * 1.4 / 25 * 60 * 2, abs=0.01)


def test_agrees_with_candidate_builder() -> None:
    """The optimizer's candidate numbers for the valid plan's arcs pass this validator."""
    from assignment.candidates import build_candidates

    inputs = world_inputs()
    hh = inputs.households.join(
        inputs.scores.select("household_id", pl.col("final_tier").alias("tier"),
                             pl.col("p_tier1").alias("risk")), on="household_id",
    )  # fmt: skip
    cand = build_candidates(hh, inputs.workers, inputs.previous, None, S)
    mine = plan_from(VALID).drop_nulls("worker_id")
    theirs = cand.join(mine.select("household_id", "worker_id"), on=["household_id", "worker_id"])
    assert theirs.height == mine.height
    plan = pl.concat(
        [
            theirs.select(mine.columns),
            plan_from(VALID).filter(pl.col("worker_id").is_null()),
        ],
        how="vertical_relaxed",
    )
    assert validate_plan(plan, inputs, S) == []


def test_missing_plan_column_is_a_format_error() -> None:
    with pytest.raises(PlanFormatError, match="travel_minutes"):
        validate_plan(plan_from(VALID).drop("travel_minutes"), world_inputs(), S)


def test_summary_and_frame() -> None:
    plan, inputs = BROKEN[K.OVER_HOURS](plan_from(VALID), world_inputs())
    plan = _set(plan, "H1", kept_previous=False)
    violations = validate_plan(plan, inputs, S)
    summary = summarize_violations(violations)
    assert summary["kind"].to_list() == ["over_hours", "kept_previous_mismatch"]
    assert summary["count"].to_list() == [1, 1]
    assert summary["title_zh"][0] == "超出月工时"
    frame = violations_frame(violations)
    assert frame.height == 2
    assert frame.filter(pl.col("kind") == "over_hours")["worker_id"].item() == "GW1"


def _optimizer_plan(inputs: PlanInputs) -> pl.DataFrame:
    from assignment.plan import solve_township

    hh = inputs.households.join(
        inputs.scores.select("household_id", pl.col("final_tier").cast(pl.Int8).alias("tier"),
                             pl.col("p_tier1").alias("risk")), on="household_id",
    )  # fmt: skip
    result = solve_township(
        hh, inputs.workers.filter(pl.col("township_id") == "T1"), S,
        previous=inputs.previous, conflicts=inputs.conflicts, pins=inputs.pins,
        forbids=inputs.forbids,
    )  # fmt: skip
    return result.plan


@pytest.mark.parametrize(
    "change",
    [
        lambda i: i,
        lambda i: _worker(_worker(i, "GW1", max_households=0), "VO1", max_households=0),
        lambda i: _worker(i, "C1", monthly_hours=0.5),
        lambda i: replace(i, pins=_pairs("H2", "C1"), forbids=_pairs("H4", "GW3"),
                          conflicts=_pairs("H3", "GW1")),
    ],
    ids=["plain", "officials_full", "cadre_short", "pins_forbids_conflicts"],
)  # fmt: skip
def test_optimizer_plans_pass(change: Callable[[PlanInputs], PlanInputs]) -> None:
    """Plans of A1's township optimizer pass this independent validator."""
    inputs = change(world_inputs())
    assert validate_plan(_optimizer_plan(inputs), inputs, S) == []
