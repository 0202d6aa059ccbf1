"""The candidates contract: which arcs exist and how they are priced."""

from __future__ import annotations

import random

import polars as pl
import pytest

from assignment import constraints as rules
from assignment.candidates import (
    CANDIDATE_COLUMNS,
    build_candidates,
    build_pairs,
    latest_previous,
)
from assignment.domain import AssignmentSettings
from tests.assignment.helpers import households, workers

S = AssignmentSettings()


def _world() -> tuple[pl.DataFrame, pl.DataFrame]:
    hh = households(
        [
            {"household_id": "h1", "tier": 1},
            {"household_id": "h2", "tier": 2},
            {"household_id": "h3", "tier": 3},
            {"household_id": "h4", "tier": 3, "grid_id": "G2"},
            {"household_id": "h5", "tier": 3, "village_id": "V2", "grid_id": "G9"},
        ]
    )
    ws = workers(
        [
            {"worker_id": "c1", "role": "cadre"},
            {"worker_id": "o1", "role": "village_official"},
            {"worker_id": "g1", "role": "grid_worker"},
            {"worker_id": "g2", "role": "grid_worker", "grid_id": "G2", "own_household_id": "h4"},
            {
                "worker_id": "g9",
                "role": "grid_worker",
                "active": False,
                "village_id": "V2",
                "grid_id": "G9",
            },
        ]
    )
    return hh, ws


def test_contract_columns_and_dtypes() -> None:
    hh, ws = _world()
    cand = build_candidates(hh, ws, None, None, S)
    assert tuple(cand.columns) == CANDIDATE_COLUMNS
    assert cand.schema["tier"] == pl.Int8
    assert cand.schema["role"] == pl.String
    assert cand["household_id"].to_list() == sorted(cand["household_id"].to_list())


def test_structure_of_arcs() -> None:
    hh, ws = _world()
    cand = build_candidates(hh, ws, None, None, S)
    arcs = set(zip(cand["household_id"], cand["worker_id"], strict=True))
    # tier 1: cadre only; tier 2: official or cadre; tier 3: grid's worker or village's official
    assert arcs == {
        ("h1", "c1"),
        ("h2", "o1"),
        ("h2", "c1"),
        ("h3", "g1"),
        ("h3", "o1"),
        ("h4", "o1"),
    }  # g2 owns h4; g9 inactive
    up = dict(
        zip(
            zip(cand["household_id"], cand["worker_id"], strict=True), cand["up_cover"], strict=True
        )
    )
    assert up[("h2", "c1")] and up[("h3", "o1")] and not up[("h3", "g1")]


def test_conflicts_forbids_pins_previous() -> None:
    hh, ws = _world()
    conflicts = pl.DataFrame({"worker_id": ["o1"], "household_id": ["h3"]})
    forbids = pl.DataFrame({"household_id": ["h2"], "worker_id": ["c1"]})
    pins = pl.DataFrame({"household_id": ["h2"], "worker_id": ["o1"]})
    prev = pl.DataFrame(
        {"household_id": ["h3", "h3"], "worker_id": ["o1", "g1"], "month": ["2026-09", "2026-10"]}
    )
    cand = build_candidates(hh, ws, prev, conflicts, S, pins=pins, forbids=forbids)
    arcs = set(zip(cand["household_id"], cand["worker_id"], strict=True))
    assert ("h3", "o1") not in arcs and ("h2", "c1") not in arcs
    row = cand.filter(pl.col("household_id") == "h3").row(0, named=True)
    assert row["worker_id"] == "g1" and row["kept_previous"] is True
    assert cand.filter(pl.col("household_id") == "h2")["pinned"].to_list() == [True]


def test_cost_and_hours() -> None:
    hh = households([{"household_id": "h", "tier": 2, "lat": 23.6}])
    ws = workers([{"worker_id": "c", "role": "cadre"}])
    prev = pl.DataFrame({"household_id": ["h"], "worker_id": ["zzz"], "month": ["2026-10"]})
    row = build_candidates(hh, ws, prev, None, S).row(0, named=True)
    t = row["travel_minutes"]
    assert t == pytest.approx(11.119 * 1.4 / 25 * 60 * 2, rel=1e-3)
    assert row["hours_per_month"] == pytest.approx((30 + t) / 60)
    assert row["cost"] == pytest.approx(t + 60 + 30)  # travel + up-cover + continuity


def test_county_road_factor() -> None:
    s = AssignmentSettings(road_factor_by_county={"532621": 2.8})
    hh = households([{"household_id": "h", "tier": 3, "lat": 23.6}])
    ws = workers([{"worker_id": "g"}])
    a = build_candidates(hh, ws, None, None, S)["travel_minutes"][0]
    b = build_candidates(hh, ws, None, None, s)["travel_minutes"][0]
    assert b == pytest.approx(2 * a)


def _by_definition(
    hh: pl.DataFrame,
    ws: pl.DataFrame,
    prev: pl.DataFrame,
    lists: dict[str, pl.DataFrame],
    s: AssignmentSettings,
) -> pl.DataFrame:
    """The candidates straight from their definition: the wide pair frame of build_pairs with
    the previous worker and the listed pairs joined on, filtered and priced by the rules."""
    factor = {c: s.factor_for(c) for c in hh["county_id"].unique().to_list()}
    pairs = build_pairs(hh, ws, s).join(latest_previous(prev), on="household_id", how="left")
    for name, listed in lists.items():
        flag = listed.unique().with_columns(pl.lit(True).alias(name))
        pairs = pairs.join(flag, on=["household_id", "worker_id"], how="left")
    return (
        pairs.filter(pl.all_horizontal(list(rules.hard_pair_rules(s).values())))
        .with_columns(
            pl.col("county_id").replace_strict(factor, default=s.road_factor).alias("road_factor")
        )
        .with_columns(
            rules.travel_minutes_per_visit(s).alias("travel_minutes"),
            rules.is_up_cover(s).alias("up_cover"),
            (pl.col("previous_worker_id") == pl.col("worker_id"))
            .fill_null(False)
            .alias("kept_previous"),
            pl.col("pinned").fill_null(False),
        )
        .with_columns(rules.hours_per_month(s).alias("hours_per_month"))
        .with_columns(
            (
                rules.travel_minutes_per_month(s)
                + rules.up_cover_penalty(s)
                + rules.continuity_penalty(s)
            ).alias("cost")
        )
        .select(pl.col(CANDIDATE_COLUMNS))
        .with_columns(pl.col("tier").cast(pl.Int8))
        .sort("household_id", "worker_id")
    )


def _random_case(
    rnd: random.Random,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, dict[str, pl.DataFrame]]:
    """Random areas (some grids missing), inactive workers, own households, previous workers
    (some unknown), conflicts, forbids and pins (half of them pairs of build_pairs)."""
    hh = households(
        [
            {
                "household_id": f"h{i:03d}",
                "tier": rnd.choice([1, 2, 3, 3]),
                "village_id": rnd.choice(["V1", "V2"]),
                "grid_id": rnd.choice(["G1", "G2", None]),
                "county_id": rnd.choice(["532621", "532623"]),
                "lon": 104 + rnd.random() / 10,
            }
            for i in rnd.sample(range(100), 40)
        ]
    )
    ws = workers(
        [
            {
                "worker_id": f"w{j:02d}",
                "role": (role := rnd.choice(["cadre", "village_official", "grid_worker"])),
                "village_id": None if role == "cadre" else rnd.choice(["V1", "V2"]),
                "grid_id": rnd.choice(["G1", "G2"]) if role == "grid_worker" else None,
                "active": rnd.choice([True, True, False, None]),
                "own_household_id": rnd.choice([None, *hh["household_id"]]),
                "lat": 23.5 + rnd.random() / 10,
            }
            for j in rnd.sample(range(30), 12)
        ]
    )
    hids, wids = hh["household_id"].to_list(), [*ws["worker_id"], "nobody"]
    near = build_pairs(hh, ws, S).select("household_id", "worker_id")

    def listed(n: int) -> pl.DataFrame:
        some = pl.DataFrame(
            {"household_id": rnd.choices(hids, k=n), "worker_id": rnd.choices(wids, k=n)}
        )
        return pl.concat([some, near.sample(min(n, near.height), seed=rnd.randrange(1000))])

    prev = listed(25).unique("household_id")
    return hh, ws, prev, {"conflict": listed(10), "forbidden": listed(10), "pinned": listed(10)}


def test_arcs_match_their_definition() -> None:
    # build_candidates works on row numbers and narrow frames: it must give the same frame.
    rnd = random.Random(7)
    kept = pinned = 0
    for _ in range(4):
        hh, ws, prev, lists = _random_case(rnd)
        for s in (S, AssignmentSettings(cadre_takes_tier2=False, round_trip=False)):
            cand = build_candidates(
                hh, ws, prev, lists["conflict"], s, pins=lists["pinned"], forbids=lists["forbidden"]
            )
            assert cand.equals(_by_definition(hh, ws, prev, lists, s))
            kept += int(cand["kept_previous"].sum())
            pinned += int(cand["pinned"].sum())
    assert kept > 0 and pinned > 0


def test_no_pairs_keeps_the_contract_schema() -> None:
    hh, ws = _world()
    for h, w in ((hh.clear(), ws), (hh, ws.clear())):
        cand = build_candidates(h, w, None, None, S)
        assert cand.height == 0
        assert cand.schema == build_candidates(hh, ws, None, None, S).schema
