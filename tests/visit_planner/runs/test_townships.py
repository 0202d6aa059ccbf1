"""Townships named on the command line (``plan --amend --township``, ``runs export``,
``check-plan``): by code or name, read as typed."""

from __future__ import annotations

import polars as pl
import pytest

from visit_planner.contracts.places import remember_places
from visit_planner.errors import PlanFileError
from visit_planner.runs.townships import township_codes

PLACES = pl.DataFrame({
    "code": ["539926001", "539926002"],
    "level": ["township", "township"],
    "name_zh": ["锦屏镇", "八寨镇"],
    "name_en": ["Jinping", None],
})  # fmt: skip
"""Codes of no real place: no other test's names change."""


def test_a_township_typed_in_full_width_or_with_invisible_characters_is_found() -> None:
    """A code typed by a Chinese input method in full width, or a name pasted with a
    zero-width space or an ideographic space, was 'not in run'; it is read as meant, as ids
    typed on the command line are."""
    remember_places(PLACES)
    towns = ["539926001", "539926002"]
    given = ["５３９９２６００１", "八寨镇\u200b", "\u3000Jinping\u3000"]
    assert township_codes(given, towns, PLACES, "r1") == ["539926001", "539926002"]
    with pytest.raises(PlanFileError) as missing:
        township_codes(["５３９９９９００１"], towns, PLACES, "r1")
    assert str(missing.value).startswith(  # named as read, the run's townships by name
        "乡镇不在本月方案中 (township(s) 539999001 are not in run r1; its townships: "
        "锦屏镇 Jinping (539926001), 八寨镇 (539926002))"
    )


def test_a_township_copied_as_the_tool_prints_it_is_found() -> None:
    """Every text of the tool names a township in both languages, ``锦屏镇 Jinping
    (539926001)``; copied from a summary or a refusal's list into ``--township``, that name
    (with or without its code) was 'not in run', though each half alone was found."""
    remember_places(PLACES)
    towns = ["539926001", "539926002"]
    assert township_codes(["锦屏镇 Jinping"], towns, PLACES, "r1") == ["539926001"]
    given = ["锦屏镇 Jinping (539926001)", "八寨镇 (539926002)"]
    assert township_codes(given, towns, PLACES, "r1") == ["539926001", "539926002"]
    with pytest.raises(PlanFileError, match=r"township\(s\) 锦屏镇 \(539999001\) are not"):
        township_codes(["锦屏镇 (539999001)"], towns, PLACES, "r1")  # a code of no township
