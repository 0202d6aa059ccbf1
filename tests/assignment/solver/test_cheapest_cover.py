"""The cheapest tier-1 cover of the proven size: whom it leaves out, when it gathers hours."""

from __future__ import annotations

import numpy as np
import pytest

from assignment.solver import cheapest_cover
from assignment.solver.coverage import max_coverage
from assignment.solver.top_model import top_model
from tests.assignment.helpers import arc_arrays


def test_cheapest_cover_leaves_out_the_lowest_penalty_households() -> None:
    # One cadre with room for two of three equal-hour tier-1 households: the cheapest cover
    # of two leaves out the one with the lowest penalty (lowest risk).
    arr = arc_arrays(
        [(0, 0, 10.0, 3.0), (1, 0, 10.0, 3.0), (2, 0, 10.0, 3.0)],
        [150_000.0, 110_000.0, 190_000.0],
        cap_hours=[6.5],
        cap_count=[5],
    )
    cov = max_coverage(arr, np.full(3, -1, dtype=np.int64))
    assert cov.proven and cov.best == 2
    top = cheapest_cover.cheapest_cover(arr, cov)
    assert top is not None
    assert top.choice.tolist()[1] == -1 and (top.choice >= 0).sum() == 2
    assert top.objective == pytest.approx(20.0 + 110_000.0)


def test_the_gathering_search_runs_only_where_a_household_left_out_is_worth_a_place() -> None:
    # One cadre with room for one of two tier-1 households: leaving out the riskier one
    # (higher penalty) could be undone by a replace, leaving out the less risky one not.
    arr = arc_arrays(
        [(0, 0, 10.0, 3.0), (1, 0, 10.0, 3.0)], [100_000.0, 150_000.0], [4.0], [15], tier=[1, 1]
    )
    tm = top_model(arr)
    holds_riskier = np.array([-1, 1], dtype=np.int64)  # arc 1: household 1 on the cadre
    holds_safer = np.array([0, -1], dtype=np.int64)
    assert not cheapest_cover._worth_a_place(arr, tm, holds_riskier, None)
    assert cheapest_cover._worth_a_place(arr, tm, holds_safer, None)
    # An hour price that makes the riskier household's arc dearer than its extra penalty:
    # leaving it out is then the cheaper cover.
    price = np.array([0.0, 60_000.0])
    assert not cheapest_cover._worth_a_place(arr, tm, holds_safer, price)
    # Nothing left out: nothing to gather for.
    both = arc_arrays(
        [(0, 0, 10.0, 1.0), (1, 0, 10.0, 1.0)], [100_000.0, 150_000.0], [4.0], [15], tier=[1, 1]
    )
    assert not cheapest_cover._worth_a_place(both, top_model(both), np.array([0, 1]), None)
