"""Explanations: every reason code on the tiny world, worker loads, ranked alternatives."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from test_validator import VALID, _pairs, _worker, plan_from, world_inputs

from assignment.alternatives import alternatives
from assignment.domain import AssignmentSettings, PlanInputs
from assignment.errors import InputError
from assignment.explain import HOUSEHOLD_EXPLANATION_COLUMNS, Reason, explain_plan
from assignment.loads import worker_loads
from assignment.validator import validate_plan

S = AssignmentSettings()


def _reasons(plan: pl.DataFrame, inputs: PlanInputs) -> dict[str, tuple[str | None, str]]:
    expl, _ = explain_plan(plan, None, inputs, S)
    return {
        h: (w, r)
        for h, w, r in expl.select("household_id", "alt_worker_id", "reason_code").iter_rows()
    }


def test_reasons_on_the_valid_plan() -> None:
    inputs = world_inputs()
    plan = plan_from(VALID)
    expl, loads = explain_plan(plan, None, inputs, S)
    assert expl.columns == list(HOUSEHOLD_EXPLANATION_COLUMNS)
    assert expl["household_id"].to_list() == ["H1", "H2", "H3", "H4", "H5"]
    got = _reasons(plan, inputs)
    assert got["H1"] == ("C2", Reason.OUTSIDE_JURISDICTION)  # the other township's cadre
    assert got["H2"] == ("C2", Reason.OUTSIDE_JURISDICTION)  # a cadre may up-cover tier 2
    assert got["H3"] == ("GWX", Reason.INACTIVE)  # same base as GW1 but inactive
    assert got["H4"] == ("VO2", Reason.PLAN_TRADEOFF)  # nearer, free, but an up-cover
    assert got["H5"] == ("VO2", Reason.PLAN_TRADEOFF)
    h1 = expl.filter(pl.col("household_id") == "H1").row(0, named=True)
    assert h1["worker_id"] == "C1" and h1["kept_previous"] is True
    assert h1["previous_worker_id"] == "C1"
    assert "管辖" in h1["reason_zh"] and "jurisdiction" in h1["reason_en"]
    assert "T2" in h1["reason_en"]
    assert loads.height == inputs.workers.height


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda i: _worker(i, "VO2", max_households=0), Reason.AT_CAPACITY),
        (lambda i: _worker(i, "VO2", monthly_hours=0.01), Reason.AT_CAPACITY),
        (lambda i: replace(i, conflicts=_pairs("H4", "VO2")), Reason.CONFLICT_OF_INTEREST),
        (lambda i: _worker(i, "VO2", own_household_id="H4"), Reason.OWN_HOUSEHOLD),
        (lambda i: replace(i, forbids=_pairs("H4", "VO2")), Reason.FORBIDDEN),
        (lambda i: replace(i, pins=_pairs("H4", "GW3")), Reason.PINNED_ELSEWHERE),
        (lambda i: _worker(i, "VO2", active=False), Reason.INACTIVE),
    ],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_each_reason_for_the_nearest_other_worker(change, reason: Reason) -> None:
    inputs = change(world_inputs())
    assert _reasons(plan_from(VALID), inputs)["H4"] == ("VO2", reason)


def test_at_capacity_text_has_the_load() -> None:
    inputs = _worker(world_inputs(), "VO2", max_households=0)
    expl, _ = explain_plan(plan_from(VALID), None, inputs, S)
    text = expl.filter(pl.col("household_id") == "H4")["reason_en"].item()
    assert "0/0 households" in text


def test_farther_when_assigned_the_nearest() -> None:
    plan = plan_from({**VALID, "H4": "VO2"})
    assert validate_plan(plan, world_inputs(), S) == []
    assert _reasons(plan, world_inputs())["H4"] == ("GW3", Reason.FARTHER)


def test_farther_text_holds_for_a_worker_as_far_as_the_assigned_one() -> None:
    # GW3 at VO2's place: as far from H4 as its assigned worker, so "no nearer", never
    # "farther" (the text a supervisor reads next to two equal travel times).
    vo2 = world_inputs().workers.filter(pl.col("worker_id") == "VO2").row(0, named=True)
    inputs = _worker(world_inputs(), "GW3", lon=vo2["lon"], lat=vo2["lat"])
    plan = plan_from({**VALID, "H4": "VO2"}, inputs)
    expl, _ = explain_plan(plan, None, inputs, S)
    row = expl.filter(pl.col("household_id") == "H4").row(0, named=True)
    assert row["reason_code"] == Reason.FARTHER
    assert row["alt_travel_minutes"] == pytest.approx(row["travel_minutes"])
    assert row["reason_zh"] == "该人员并不比已分配人员近"
    assert row["reason_en"] == "that worker is no nearer than the one assigned"


def test_no_alternative_when_no_other_worker_of_the_role() -> None:
    inputs = world_inputs()
    inputs = replace(inputs, workers=inputs.workers.filter(pl.col("worker_id") != "C2"))
    assert _reasons(plan_from(VALID), inputs)["H1"] == (None, Reason.NO_ALTERNATIVE)


def test_worker_loads() -> None:
    plan = plan_from({**VALID, "H3": "GW1", "H4": "VO2"})
    inputs = _worker(world_inputs(), "GW1", monthly_hours=2.0, max_households=4)
    loads = worker_loads(plan, inputs.workers).filter(pl.col("worker_id").is_in(["GW1", "GW2"]))
    gw1, gw2 = loads.iter_rows(named=True)
    h3 = plan.filter(pl.col("household_id") == "H3")["hours_per_month"].item()
    assert gw1["households"] == 1 and gw1["hours_used"] == pytest.approx(h3)
    assert gw1["utilisation_hours"] == pytest.approx(h3 / 2.0)
    assert gw1["utilisation_count"] == pytest.approx(0.25)
    assert gw2["households"] == 0 and gw2["hours_used"] == 0.0
    vo2 = worker_loads(plan, inputs.workers).filter(pl.col("worker_id") == "VO2").row(0, named=True)
    assert vo2["up_cover_households"] == 1


# ---------------------------------------------------------------- alternatives (hand-made arcs)


def _alt_world(
    caps: dict[str, tuple[float, int]], pins: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, PlanInputs]:
    """h on A (cost 10); g on C (cost 3) with fallbacks A (cost 6) and D (cost 7)."""
    arcs = pl.DataFrame(
        [
            ("h", "A", 1.0, 10.0), ("h", "B", 1.0, 15.0), ("h", "C", 1.0, 12.0),
            ("g", "C", 1.0, 3.0), ("g", "A", 1.0, 6.0), ("g", "D", 1.0, 7.0),
        ],
        schema={"household_id": pl.String, "worker_id": pl.String,
                "hours_per_month": pl.Float64, "cost": pl.Float64},
        orient="row",
    ).with_columns(
        pl.lit("village_official").alias("role"), pl.col("cost").alias("travel_minutes")
    )  # fmt: skip
    plan = pl.DataFrame(
        {
            "household_id": ["h", "g"], "worker_id": ["A", "C"], "tier": [2, 2],
            "role": ["village_official"] * 2, "travel_minutes": [10.0, 3.0],
            "hours_per_month": [1.0, 1.0], "kept_previous": [False, False],
            "up_cover": [False, False], "township_id": ["T1", "T1"],
        }
    )  # fmt: skip
    workers = pl.DataFrame(
        {
            "worker_id": list(caps), "role": ["village_official"] * len(caps),
            "township_id": ["T1"] * len(caps), "village_id": ["V1"] * len(caps),
            "grid_id": [None] * len(caps), "active": [True] * len(caps),
            "monthly_hours": [c[0] for c in caps.values()],
            "max_households": [c[1] for c in caps.values()],
        },
        schema_overrides={"grid_id": pl.String},
    )  # fmt: skip
    scores = pl.DataFrame({"household_id": ["h", "g"], "final_tier": [2, 2], "p_tier1": [0.5, 0.1]})
    inputs = PlanInputs(households=pl.DataFrame(), workers=workers, scores=scores, pins=pins)
    return plan, arcs, inputs


def test_alternative_with_room_costs_the_arc_difference() -> None:
    plan, arcs, inputs = _alt_world({"A": (9, 9), "B": (9, 9), "C": (9, 9), "D": (9, 9)})
    alt = alternatives("h", plan, arcs, inputs, S)
    assert alt["worker_id"].to_list() == ["C", "B"]
    assert alt["objective_change"].to_list() == [2.0, 5.0]
    assert alt["fits"].to_list() == [True, True]
    assert alt["displaced_household_id"].to_list() == [None, None]
    assert alt["rank"].to_list() == [1, 2]


def test_full_alternative_displaces_cheapest_to_its_fallback() -> None:
    # C full: g is displaced. A (freed by h) is g's cheapest fallback: change 6 - 3 = 3.
    plan, arcs, inputs = _alt_world({"A": (9, 1), "B": (9, 9), "C": (9, 1), "D": (9, 9)})
    alt = alternatives("h", plan, arcs, inputs, S).filter(pl.col("worker_id") == "C")
    row = alt.row(0, named=True)
    assert row["displaced_household_id"] == "g"
    assert row["displaced_fallback_worker_id"] == "A"
    assert row["arc_change"] == pytest.approx(2.0)
    assert row["displaced_change"] == pytest.approx(3.0)
    assert row["objective_change"] == pytest.approx(5.0)
    assert "moves g to A" in row["note_en"]


def test_displaced_household_may_end_unassigned() -> None:
    # h moves to C and frees A, but g needs 5 h on A (only 1.5 h free) and D has no slot:
    # g has no room anywhere and is left unassigned at its penalty.
    plan, arcs, inputs = _alt_world({"A": (1.5, 1), "B": (9, 9), "C": (1.0, 1), "D": (9, 0)})
    arcs = arcs.with_columns(
        pl.when((pl.col("household_id") == "g") & (pl.col("worker_id") == "A"))
        .then(5.0).otherwise(pl.col("hours_per_month")).alias("hours_per_month")
    )  # fmt: skip
    row = (
        alternatives("h", plan, arcs, inputs, S)
        .filter(pl.col("worker_id") == "C")
        .row(0, named=True)
    )
    penalty = S.unassigned_base(2) * 1.1
    assert row["displaced_fallback_worker_id"] is None
    assert row["displaced_change"] == pytest.approx(penalty - 3.0)


def test_pinned_household_is_never_displaced() -> None:
    pins = pl.DataFrame({"household_id": ["g"], "worker_id": ["C"]})
    plan, arcs, inputs = _alt_world({"A": (9, 1), "B": (9, 9), "C": (9, 1), "D": (9, 9)}, pins)
    row = (
        alternatives("h", plan, arcs, inputs, S)
        .filter(pl.col("worker_id") == "C")
        .row(0, named=True)
    )
    assert row["fits"] is False and row["objective_change"] is None
    assert alternatives("h", plan, arcs, inputs, S)["worker_id"].to_list()[-1] == "C"


def test_switches_without_a_change_are_ranked_nearest_first() -> None:
    # B takes no household and C holds a pinned one: neither switch has a change, and the
    # nearer worker (C, 12 min) comes before B (15 min), not in worker-id order.
    pins = pl.DataFrame({"household_id": ["g"], "worker_id": ["C"]})
    plan, arcs, inputs = _alt_world({"A": (9, 9), "B": (9, 0), "C": (9, 1), "D": (9, 9)}, pins)
    alt = alternatives("h", plan, arcs, inputs, S)
    assert alt["worker_id"].to_list() == ["C", "B"]
    assert alt["objective_change"].to_list() == [None, None]
    assert alt["travel_minutes"].to_list() == [12.0, 15.0]


def test_unassigned_household_compares_with_its_penalty() -> None:
    plan, arcs, inputs = _alt_world({"A": (9, 9), "B": (9, 9), "C": (9, 9), "D": (9, 9)})
    plan = plan.with_columns(
        pl.when(pl.col("household_id") == "h").then(None).otherwise(pl.col("worker_id"))
        .alias("worker_id")
    )  # fmt: skip
    alt = alternatives("h", plan, arcs, inputs, S)
    assert alt["worker_id"].to_list() == ["A", "C", "B"]
    assert alt["objective_change"][0] == pytest.approx(10.0 - S.unassigned_base(2) * 1.5)


def test_unknown_household_is_an_error() -> None:
    plan, arcs, inputs = _alt_world({"A": (9, 9)})
    with pytest.raises(InputError, match="nope"):
        alternatives("nope", plan, arcs, inputs, S)


def test_no_workers_at_all_means_no_alternative() -> None:
    inputs = world_inputs()
    inputs = replace(inputs, workers=inputs.workers.clear())
    plan = plan_from({h: None for h in VALID}, world_inputs())
    expl, loads = explain_plan(plan, None, inputs, S)
    assert set(expl["reason_code"]) == {Reason.NO_ALTERNATIVE.value}
    assert expl["alt_worker_id"].null_count() == expl.height
    assert loads.height == 0


def test_extra_plan_columns_are_ignored() -> None:
    plan = plan_from(VALID).with_columns(
        pl.lit(1.0).alias("cost"), pl.lit("x").alias("previous_worker_id")
    )
    expl, _ = explain_plan(plan, None, world_inputs(), S)
    assert expl.columns == list(HOUSEHOLD_EXPLANATION_COLUMNS)
    assert expl.filter(pl.col("household_id") == "H1")["previous_worker_id"].item() == "C1"


# ---------------------------------------------------------------- plan trade-off: which cause


def _with_gw4(inputs: PlanInputs, monthly_hours: float = 20.0) -> PlanInputs:
    """A second grid worker of H4's grid standing at H4's door (nearer than GW3, with room)."""
    gw3 = inputs.workers.filter(pl.col("worker_id") == "GW3")
    gw4 = gw3.with_columns(
        pl.lit("GW4").alias("worker_id"), pl.lit(104.100).alias("lon"),
        pl.lit(23.600).alias("lat"), pl.lit(monthly_hours).alias("monthly_hours"),
    )  # fmt: skip
    return replace(inputs, workers=pl.concat([inputs.workers, gw4]))


def _tradeoff(inputs: PlanInputs, household: str, settings: AssignmentSettings = S) -> str:
    expl, _ = explain_plan(plan_from(VALID, inputs), None, inputs, settings)
    row = expl.filter(pl.col("household_id") == household).row(0, named=True)
    assert row["reason_code"] == Reason.PLAN_TRADEOFF
    return f"{row['reason_zh']} | {row['reason_en']}"


def test_tradeoff_says_up_cover_when_the_nearer_worker_is_a_higher_role() -> None:
    text = _tradeoff(world_inputs(), "H4")  # VO2 is nearer and free, but a village official
    assert "no up-cover" in text and "上位兜底" in text
    assert "last month" not in text and "capacity kept" not in text and "not optimal" not in text


def test_tradeoff_says_continuity_when_the_worker_is_last_months() -> None:
    previous = pl.DataFrame({"household_id": ["H4"], "worker_id": ["GW3"], "month": ["2026-10"]})
    text = _tradeoff(_with_gw4(world_inputs(previous=previous)), "H4")
    assert "keeps last month's worker GW3" in text and "延续上月走访人员 GW3" in text
    assert "up-cover" not in text and "capacity kept" not in text and "not optimal" not in text


def test_tradeoff_says_balance_when_the_nearer_worker_would_go_above_its_share() -> None:
    settings = replace(S, balance_weight=100.0)
    text = _tradeoff(_with_gw4(world_inputs(), monthly_hours=0.15), "H4", settings)
    assert "capacity kept for others" in text and "均衡份额" in text
    assert "last month" not in text and "up-cover" not in text and "not optimal" not in text


def test_tradeoff_says_not_optimal_when_no_rule_favours_the_plan() -> None:
    # Same as the balance case but with the policy's weight: the balance term costs less than
    # the travel the move saves, so nothing justifies the plan's pairing.
    text = _tradeoff(_with_gw4(world_inputs(), monthly_hours=0.15), "H4")
    assert "not optimal" in text and "未达最优" in text and "would save" in text
    # An unvisited household with a free worker of its tier's own role: not optimal either.
    assert "not optimal" in _tradeoff(world_inputs(), "H5")


def test_the_worker_area_of_an_outside_jurisdiction_alternative_leaves_out_what_it_has_not() -> (
    None
):
    """A cadre has a township but no village or grid: the detail read "人员属 T1 乡镇 - 村 -
    网格", the value before its word and dashes for the rest."""
    from assignment.explain import _worker_area

    frame = pl.DataFrame(
        {"w_township_id": ["T1", "T2"], "w_village_id": [None, "V2"], "w_grid_id": [None, "G2"]}
    )
    zh = frame.select(_worker_area(("人员属乡镇", "村", "网格"), "、"))
    en = frame.select(_worker_area(("worker in township", "village", "grid"), ", "))
    assert zh.to_series().to_list() == [" (人员属乡镇 T1)", " (人员属乡镇 T2、村 V2、网格 G2)"]
    assert en.to_series().to_list() == [
        " (worker in township T1)", " (worker in township T2, village V2, grid G2)"
    ]  # fmt: skip


@pytest.mark.parametrize("hours", [20.0, 0.6])
def test_only_some_households_gives_their_rows_of_the_whole_explanation(hours: float) -> None:
    """``explain`` asks for one household: ``only`` returns its row as the whole plan's
    explanation has it, trade-off causes included (GW4 with room, or near its balance
    threshold), in the plan's order."""
    inputs = _with_gw4(world_inputs(), monthly_hours=hours)
    plan = plan_from(VALID, inputs)
    whole, loads = explain_plan(plan, None, inputs, S)
    assert "plan_tradeoff" in whole["reason_code"].to_list()
    for h in whole["household_id"]:
        part, part_loads = explain_plan(plan, None, inputs, S, only=[h])
        assert_frame_equal(part, whole.filter(pl.col("household_id") == h))
        assert_frame_equal(part_loads, loads)
    some, _ = explain_plan(plan, None, inputs, S, only={"H5", "H1"})
    assert some["household_id"].to_list() == ["H1", "H5"]
