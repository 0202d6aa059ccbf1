"""Tests of assignment.solver.packing: exchanges that cover more, feasibility, pins, determinism."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assignment.problem import ArcArrays
from assignment.solver.packing import PackingOptions, improve_packing
from tests.assignment.helpers import arc_arrays, brute_force, feasible

Arc = tuple[int, int, float, float]  # item, agent, cost, hours


def test_swaps_one_held_household_for_two_smaller_uncovered_ones() -> None:
    # One worker of 10 h holds a 10 h household (penalty 100); two 5 h households of
    # penalty 80 each are uncovered. Covering both instead is better: 100 < 160.
    arr = arc_arrays(
        [(0, 0, 1.0, 10.0), (1, 0, 1.0, 5.0), (2, 0, 1.0, 5.0)],
        penalty=[100.0, 80.0, 80.0],
        cap_hours=[10.0],
        cap_count=[5],
    )
    start = np.array([0, -1, -1])
    new, moved = improve_packing(arr, start)
    assert new.tolist() == [-1, 1, 2]
    assert moved == 3
    assert arr.objective_of(new) == 102.0 < arr.objective_of(start) == 161.0
    assert feasible(arr, new)


def test_keeps_the_better_household_when_the_swap_does_not_pay() -> None:
    # Same shape, but the held household is worth more than the two small ones together.
    arr = arc_arrays(
        [(0, 0, 1.0, 10.0), (1, 0, 1.0, 5.0), (2, 0, 1.0, 5.0)],
        penalty=[200.0, 80.0, 80.0],
        cap_hours=[10.0],
        cap_count=[5],
    )
    start = np.array([0, -1, -1])
    new, moved = improve_packing(arr, start)
    assert new.tolist() == [0, -1, -1]
    assert moved == 0


def test_moves_a_household_to_a_neighbour_to_make_room() -> None:
    # Worker 0 (6 h) holds X, which costs it 6 h but worker 1 only 3 h (worker 1 has 3 h
    # free). U (penalty 50 < X's 90) can only go to worker 0. The best plan moves X to
    # worker 1 and gives U to worker 0: a two-worker exchange no single worker finds alone.
    arr = arc_arrays(
        [(0, 0, 1.0, 6.0), (0, 1, 2.0, 3.0), (1, 1, 1.0, 3.0), (2, 0, 1.0, 6.0)],
        penalty=[90.0, 90.0, 50.0],
        cap_hours=[6.0, 6.0],
        cap_count=[5, 5],
    )
    start = np.array([0, 2, -1])
    assert feasible(arr, start)
    new, moved = improve_packing(arr, start)
    assert new.tolist() == [1, 2, 3]
    assert moved == 2
    assert arr.objective_of(new) == brute_force(arr)
    # With single workers only, the exchange is out of reach.
    single, _ = improve_packing(arr, start, options=PackingOptions(stages=(1,)))
    assert single.tolist() == start.tolist()


def test_inserts_an_uncovered_household_that_fits() -> None:
    arr = arc_arrays(
        [(0, 0, 1.0, 2.0), (1, 0, 3.0, 2.0), (1, 1, 1.0, 2.0)],
        penalty=[10.0, 10.0],
        cap_hours=[4.0, 4.0],
        cap_count=[5, 5],
    )
    new, moved = improve_packing(arr, np.array([0, -1]))
    assert new.tolist() == [0, 2]  # the cheaper arc that fits
    assert moved == 1


def test_pinned_households_stay_even_when_dropping_them_would_pay() -> None:
    arr = arc_arrays(
        [(0, 0, 1.0, 10.0), (1, 0, 1.0, 5.0), (2, 0, 1.0, 5.0)],
        penalty=[100.0, 80.0, 80.0],
        cap_hours=[10.0],
        cap_count=[5],
        pinned=(0,),
    )
    new, moved = improve_packing(arr, np.array([0, -1, -1]))
    assert new.tolist() == [0, -1, -1]
    assert moved == 0


def test_count_capacity_is_respected() -> None:
    # Hours would allow both small households, the count cap (1) does not.
    arr = arc_arrays(
        [(0, 0, 1.0, 10.0), (1, 0, 1.0, 5.0), (2, 0, 1.0, 5.0)],
        penalty=[100.0, 80.0, 80.0],
        cap_hours=[10.0],
        cap_count=[1],
    )
    new, _ = improve_packing(arr, np.array([0, -1, -1]))
    assert new.tolist() == [0, -1, -1]


def test_returns_the_plan_unchanged_when_nothing_is_uncovered() -> None:
    arr = arc_arrays([(0, 0, 1.0, 1.0), (1, 1, 1.0, 1.0)], [5.0, 5.0], [1.0, 1.0], [1, 1])
    start = np.array([0, 1])
    new, moved = improve_packing(arr, start)
    assert new.tolist() == [0, 1]
    assert moved == 0
    assert new is not start  # the caller's array is never modified in place


@dataclass(frozen=True)
class _Surcharged(ArcArrays):
    """ArcArrays whose objective adds a cost per household above one on worker 0."""

    surcharge: float = 1000.0

    def objective_of(self, choice: np.ndarray) -> float:
        _, count = self.loads(choice)
        return super().objective_of(choice) + self.surcharge * max(int(count[0]) - 1, 0)


def test_moves_are_judged_by_objective_of() -> None:
    # The swap of test 1 would pay on costs and penalties, but this objective's extra term
    # (like a workload-balance cost) makes it worse: it must be refused.
    base = arc_arrays(
        [(0, 0, 1.0, 10.0), (1, 0, 1.0, 5.0), (2, 0, 1.0, 5.0)],
        penalty=[100.0, 80.0, 80.0],
        cap_hours=[10.0],
        cap_count=[5],
    )
    arr = _Surcharged(**{f: getattr(base, f) for f in base.__dataclass_fields__})
    start = np.array([0, -1, -1])
    new, moved = improve_packing(arr, start)
    assert arr.objective_of(new) <= arr.objective_of(start)
    assert new.tolist() == [0, -1, -1]
    assert moved == 0


def random_instance(seed: int, n: int, m: int, degree: int) -> ArcArrays:
    """Households with ``degree`` random workers each, tight capacities, varied penalties."""
    rng = np.random.default_rng(seed)
    arcs: list[Arc] = []
    for i in range(n):
        for w in sorted(rng.choice(m, size=min(degree, m), replace=False).tolist()):
            arcs.append((i, w, float(rng.uniform(0, 5)), float(rng.uniform(1.0, 4.0))))
    penalty = rng.uniform(50, 100, size=n).tolist()
    return arc_arrays(arcs, penalty, rng.uniform(4.0, 8.0, size=m).tolist(), [3] * m)


def greedy_plan(arr: ArcArrays) -> np.ndarray:
    """A feasible start: households in index order, their first arc that fits."""
    choice = np.full(arr.n_items, -1, dtype=np.int64)
    for a in range(arr.n_arcs):
        i = int(arr.arc_item[a])
        if choice[i] >= 0:
            continue
        choice[i] = a
        hours, count = arr.loads(choice)
        if hours[arr.arc_agent[a]] > arr.cap_hours[arr.arc_agent[a]] or (
            count[arr.arc_agent[a]] > arr.cap_count[arr.arc_agent[a]]
        ):
            choice[i] = -1
    return choice


def test_random_instances_feasible_never_worse_and_near_optimal() -> None:
    reached = 0
    for seed in range(6):
        arr = random_instance(seed, n=7, m=3, degree=2)
        start = greedy_plan(arr)
        assert feasible(arr, start)
        new, moved = improve_packing(arr, start)
        assert feasible(arr, new)
        assert arr.objective_of(new) <= arr.objective_of(start)
        assert moved == int((new != start).sum())
        best = brute_force(arr)
        assert arr.objective_of(new) >= best - 1e-9
        reached += arr.objective_of(new) <= best + 1e-9
    # Groups of two cover every pair of these three workers' exchanges: mostly optimal.
    assert reached >= 4


def test_deterministic() -> None:
    arr = random_instance(11, n=120, m=12, degree=4)
    start = greedy_plan(arr)
    first, moved_1 = improve_packing(arr, start)
    second, moved_2 = improve_packing(arr, start)
    assert first.tolist() == second.tolist()
    assert moved_1 == moved_2
    assert arr.objective_of(first) < arr.objective_of(start)
    assert feasible(arr, first)


def test_swap_search_exchanges_households_to_cover_one_more_on_each_side() -> None:
    # Workers 0 and 1 (4 h each) each hold a household that is cheaper (2 h) for the other.
    # Exchanging them frees 2 h on both, which covers U (worker 0 only) and V (worker 1 only).
    arr = arc_arrays(
        [
            (0, 0, 1.0, 4.0),  # X at worker 0: held
            (0, 1, 1.0, 2.0),
            (1, 1, 1.0, 4.0),  # Y at worker 1: held
            (1, 0, 1.0, 2.0),
            (2, 0, 1.0, 2.0),  # U
            (3, 1, 1.0, 2.0),  # V
        ],
        penalty=[90.0, 90.0, 50.0, 50.0],
        cap_hours=[4.0, 4.0],
        cap_count=[5, 5],
    )
    start = np.array([0, 2, -1, -1])
    new, moved = improve_packing(arr, start, options=PackingOptions(stages=(0,)))
    assert new.tolist() == [1, 3, 4, 5]
    assert moved == 4
    assert arr.objective_of(new) == brute_force(arr)
    assert feasible(arr, new)


def test_swap_search_moves_a_household_to_a_partner_with_room() -> None:
    # The two-worker instance of the exchange test, searched by the swap stage alone.
    arr = arc_arrays(
        [(0, 0, 1.0, 6.0), (0, 1, 2.0, 3.0), (1, 1, 1.0, 3.0), (2, 0, 1.0, 6.0)],
        penalty=[90.0, 90.0, 50.0],
        cap_hours=[6.0, 6.0],
        cap_count=[5, 5],
    )
    new, _ = improve_packing(arr, np.array([0, 2, -1]), options=PackingOptions(stages=(0,)))
    assert new.tolist() == [1, 2, 3]


def test_effort_zero_only_inserts_what_fits() -> None:
    arr = arc_arrays(
        [(0, 0, 1.0, 10.0), (1, 0, 1.0, 5.0), (2, 0, 1.0, 5.0), (3, 1, 1.0, 1.0)],
        penalty=[100.0, 80.0, 80.0, 10.0],
        cap_hours=[10.0, 1.0],
        cap_count=[5, 5],
    )
    new, moved = improve_packing(arr, np.array([0, -1, -1, -1]), effort=0)
    assert new.tolist() == [0, -1, -1, 3]
    assert moved == 1


def test_empty_problem() -> None:
    arr = arc_arrays([], [], [], [])
    new, moved = improve_packing(arr, np.zeros(0, dtype=np.int64))
    assert len(new) == 0
    assert moved == 0


def test_insertions_are_judged_by_objective_of() -> None:
    # Covering household 1 on worker 0 would pay on costs and penalties (penalty 500), but
    # this objective's surcharge on a second household at worker 0 (1000) outweighs it.
    base = arc_arrays(
        [(0, 0, 1.0, 1.0), (1, 0, 1.0, 1.0)],
        penalty=[500.0, 500.0],
        cap_hours=[5.0],
        cap_count=[5],
    )
    arr = _Surcharged(**{f: getattr(base, f) for f in base.__dataclass_fields__})
    new, moved = improve_packing(arr, np.array([0, -1]))
    assert new.tolist() == [0, -1]
    assert moved == 0


def test_swap_search_drops_a_cheaper_household_to_make_room() -> None:
    # X moves from worker 0 to worker 1 (2 h there), which only fits if worker 1 drops G
    # (penalty 20); worker 0 then covers U (penalty 80): 20 uncovered instead of 80.
    arr = arc_arrays(
        [
            (0, 0, 1.0, 4.0),  # X at worker 0: held
            (0, 1, 1.0, 2.0),
            (1, 1, 1.0, 4.0),  # G at worker 1: held
            (2, 0, 1.0, 4.0),  # U
        ],
        penalty=[90.0, 20.0, 80.0],
        cap_hours=[4.0, 4.0],
        cap_count=[5, 5],
    )
    new, moved = improve_packing(arr, np.array([0, 2, -1]), options=PackingOptions(stages=(0,)))
    assert new.tolist() == [1, -1, 3]
    assert moved == 3
    assert arr.objective_of(new) == brute_force(arr)
