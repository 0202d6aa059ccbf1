"""``assign``'s progress bar (visit_planner.cli.assign).

The bar named each township just solved by its code alone (``532626001 feasible gap 0.611%``)
and said its status in English only, where every other output names places by name and
code and says a status in both languages.
"""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import pytest

from assignment.domain import Status
from assignment.plan import TownshipResult
from visit_planner.cli.assign import township_progress


@pytest.fixture
def jinping() -> Iterator[None]:
    """The places table knows township 532626001 as 锦屏镇."""
    from visit_planner.contracts.places import forget_places, remember_places

    forget_places()
    remember_places(pl.DataFrame({"code": ["532626001"], "name_zh": ["锦屏镇"], "name_en": [None]}))
    yield
    forget_places()


def _solved(township: str, status: Status, gap: float | None) -> TownshipResult:
    return TownshipResult(
        township_id=township,
        status=status,
        objective=None,
        bound=None,
        lp_bound=None,
        gap=gap,
        seconds=1.0,
        plan=pl.DataFrame(),
        diagnostics={},
    )


@pytest.mark.usefixtures("jinping")
def test_the_bar_names_the_township_by_name_and_code_and_its_status_in_both_languages() -> None:
    text = township_progress(_solved("532626001", Status.FEASIBLE, 0.00611))
    assert text == "锦屏镇 (532626001) 可行 feasible 差距 gap 0.611%"
    assert township_progress(_solved("532626001", Status.ERROR, None)) == (
        "锦屏镇 (532626001) 出错 error 差距 gap -"
    )


@pytest.mark.usefixtures("jinping")
def test_a_township_without_a_name_is_shown_by_its_code() -> None:
    text = township_progress(_solved("532626099", Status.OPTIMAL, 0.0))
    assert text == "532626099 最优 optimal 差距 gap 0.000%"
