"""``assignment.inputs``: supervisor pins a plan cannot honour are released, each with every
rule it breaks in words (Chinese, English) and its township."""

from __future__ import annotations

import polars as pl

from assignment.candidates import build_candidates
from assignment.domain import AssignmentSettings
from assignment.inputs import capacity_pins, check_previous, clean_pins
from tests.assignment.helpers import households, workers

S = AssignmentSettings()


def _messages(pins: list[tuple[str, str]], forbids: pl.DataFrame | None = None) -> list[str]:
    hh = households([
        {"household_id": "h1", "tier": 1},
        {"household_id": "h3", "tier": 3},
        {"household_id": "far", "tier": 1, "township_id": "T2", "village_id": "V9",
         "grid_id": "G9"},
    ])  # fmt: skip
    ws = workers([
        {"worker_id": "c1", "role": "cadre", "own_household_id": "h3"},
        {"worker_id": "off", "role": "cadre", "active": False},
        {"worker_id": "g1"},
    ])  # fmt: skip
    conflicts = pl.DataFrame({"worker_id": ["c1"], "household_id": ["h1"]})
    frame = pl.DataFrame(pins, schema=["household_id", "worker_id"], orient="row")
    kept, issues = clean_pins(frame, hh, ws, conflicts, forbids, S)
    assert kept is not None and kept.height == 0  # every one of these pins is released
    return [i.message for i in issues if i.kind == "infeasible_pin"]


def test_a_released_pin_names_every_rule_it_breaks_in_words() -> None:
    """It said "违反规则 role_eligible" (the rule's code in the Chinese half, and only the
    first rule): a pin across townships read as a role problem alone."""
    got = _messages([("far", "c1"), ("h3", "c1"), ("h1", "g1")])
    assert got == [
        "指定 far→c1 (乡镇 T2) 已忽略: 农户不在该人员管辖范围内 (人员属乡镇 T1, 农户属乡镇 T2) / "
        "pin far→c1 (township T2) is ignored: outside that worker's jurisdiction (a cadre "
        "serves its own township: the worker's is T1, the household's T2)",
        "指定 h1→g1 (乡镇 T1) 已忽略: 网格员不承接一类户 / pin h1→g1 (township T1) is ignored: "
        "a grid worker does not serve tier-1 households",
        "指定 h3→c1 (乡镇 T1) 已忽略: 基层干部不承接三类户; 该人员本人家庭, 需回避 / pin h3→c1 "
        "(township T1) is ignored: a cadre does not serve tier-3 households; it is that "
        "worker's own household",
    ]


def test_inactive_conflicting_and_forbidden_pins_say_so() -> None:
    forbids = pl.DataFrame({"household_id": ["h1"], "worker_id": ["c1"]})
    got = _messages([("h1", "c1")], forbids)
    assert got == [
        "指定 h1→c1 (乡镇 T1) 已忽略: 与该人员存在利益冲突; 督导禁止该配对 / pin h1→c1 "
        "(township T1) is ignored: a declared conflict of interest; a supervisor forbade "
        "that pairing"
    ]
    assert _messages([("h1", "off")]) == [
        "指定 h1→off (乡镇 T1) 已忽略: 该人员已停用 / pin h1→off (township T1) is ignored: "
        "that worker is inactive"
    ]
    assert all("_" not in m for m in got)  # no rule code (role_eligible, not_forbidden, ...)


def test_pins_beyond_capacity_name_the_worker_and_township() -> None:
    hh = households([{"household_id": f"h{i}", "tier": 1} for i in range(3)])
    ws = workers([{"worker_id": "c1", "role": "cadre", "max_households": 1}])
    pins = pl.DataFrame({"household_id": ["h0", "h1", "h2"], "worker_id": ["c1"] * 3})
    arcs = build_candidates(hh, ws, None, None, S, pins=pins)
    arcs, issues = capacity_pins(arcs, ws)
    assert arcs.filter(pl.col("pinned"))["household_id"].to_list() == ["h0"]
    assert [i.message for i in issues] == [
        "人员 c1 (乡镇 T1) 的指定超出其容量, 以下指定已忽略: h1, h2 / pins exceed worker c1's "
        "capacity (township T1); ignored: h1, h2"
    ]


def test_an_unknown_previous_worker_says_in_both_languages_the_households_count_as_changed() -> (
    None
):
    """The Chinese half says what the English does: the households count as changed
    (计为换人), not only that the worker is unknown."""
    previous = pl.DataFrame({"household_id": ["h1", "h3"], "worker_id": ["ghost", "g1"]})
    (issue,) = check_previous(previous, workers([{"worker_id": "g1"}]))
    assert issue.kind == "previous_unknown_worker" and issue.ids == ("ghost",)
    zh, en = issue.message.split(" / ")
    assert zh == "上月分配引用了不存在的人员 ghost (1 户, 如 h1): 这些户计为换人"
    assert en.endswith("for 1 household(s), e.g. h1: they count as changed")


def test_a_policy_county_code_that_is_no_county_of_the_data_is_named() -> None:
    """A mistyped code in travel.road_factor_by_county was never used and never said: its
    county's travel silently took the default factor."""
    from dataclasses import replace

    from assignment.inputs import check_policy_counties

    settings = replace(S, road_factor_by_county={"532623": 1.5, "999999": 2.0})
    counties = pl.Series(["532623", "532623", "532601", None])
    (issue,) = check_policy_counties(settings, counties)
    assert issue.kind == "policy_unknown_county" and issue.ids == ("999999",)
    assert issue.message.startswith("策略 travel.road_factor_by_county 中的县代码不在数据中")
    assert "are no county of the data and are not used: 999999" in issue.message
    assert check_policy_counties(replace(settings, road_factor_by_county={}), counties) == []
