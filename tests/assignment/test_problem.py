"""ArcArrays: the orders its steps scan arcs in."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from assignment.problem import ArcArrays
from tests.assignment.helpers import arc_arrays, random_township


def _with_ties(arr: ArcArrays, seed: int, *, shuffle: bool) -> ArcArrays:
    """``arr`` with costs rounded to whole minutes (many ties), a few of them -0.0, and its
    arcs shuffled (no longer grouped by household) when ``shuffle``."""
    rng = np.random.default_rng(seed)
    if shuffle:
        arr = arr.restrict(rng.permutation(arr.n_arcs))
    cost = np.round(arr.arc_cost / 20.0)
    cost = np.where(rng.random(arr.n_arcs) < 0.1, -0.0, cost)
    return replace(arr, arc_cost=cost)


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_cheapest_order_is_the_lexsort_by_household_cost_index(seed: int, shuffle: bool) -> None:
    arr = _with_ties(random_township(seed, n_items=60, n_agents=8), seed, shuffle=shuffle)
    expected = np.lexsort((np.arange(arr.n_arcs), arr.arc_cost, arr.arc_item))
    assert np.array_equal(arr.cheapest_order, expected)
    assert arr.cheapest_order.dtype == np.int64


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_cheapest_arc_is_the_first_cheapest_of_each_household(seed: int, shuffle: bool) -> None:
    arr = _with_ties(random_township(seed, n_items=60, n_agents=8), seed, shuffle=shuffle)
    got = arr.cheapest_arc()
    for i in range(arr.n_items):
        arcs = np.flatnonzero(arr.arc_item == i)
        if len(arcs) == 0:
            assert got[i] == -1
            continue
        low = arr.arc_cost[arcs].min()
        assert got[i] == arcs[arr.arc_cost[arcs] == low][0]  # lowest index among the cheapest


def test_cheapest_arc_of_a_household_without_arcs_is_none() -> None:
    arr = arc_arrays(
        [(0, 0, 5.0, 1.0), (2, 0, 3.0, 1.0), (2, 1, 3.0, 1.0)], [1e3] * 3, [8.0] * 2, [3] * 2
    )
    assert arr.cheapest_arc().tolist() == [0, -1, 1]
    empty = arc_arrays([], [1e3], [8.0], [3])
    assert empty.cheapest_arc().tolist() == [-1]
    assert empty.cheapest_order.tolist() == []
