"""``plan``'s printed summary (visit_planner/cli/plan.py)."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import pytest

from visit_planner.cli.plan import not_applied_line
from visit_planner.contracts.places import forget_places, remember_places


@pytest.fixture
def jinping() -> Iterator[None]:
    row = {"code": "532626001", "level": "township", "name_zh": "锦屏镇", "name_en": "Jinping"}
    remember_places(pl.DataFrame([row]))
    yield
    forget_places()


def test_a_correction_not_applied_names_its_township_by_name_and_code(jinping: None) -> None:
    """The list of corrections not applied read '指定 H0000001→W000188 (乡镇 532626001) 已忽略'
    after a summary that names every other township '锦屏镇 (532626001)'."""
    reason = (
        "指定 H0000001→W000188 (乡镇 532626001) 已忽略: 网格员不承接一类户 / pin "
        "H0000001→W000188 (township 532626001) is ignored: a grid worker does not serve "
        "tier-1 households"
    )  # as the assignment words a released pin (assignment.inputs.binding_pins)
    line = not_applied_line(2, reason)
    assert line.startswith("#2 未生效 not applied: 指定 H0000001→W000188")
    assert "(乡镇 锦屏镇 Jinping (532626001))" in line
    assert "(township 锦屏镇 Jinping (532626001))" in line
    assert "H0000001" in line and "W000188" in line  # ids are not place codes
    forget_places()
    assert not_applied_line(2, reason) == f"#2 未生效 not applied: {reason}"  # no names: codes
