"""The HiGHS module: MIPs and the incremental LP in one process, and edge cases of the MIP."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from assignment.solver.highs import IncrementalLP, solve_mip


def knapsack_mip() -> tuple[np.ndarray, sp.csr_matrix, np.ndarray, np.ndarray]:
    """max 5a + 4b + 3c s.t. 2a + 3b + c <= 4 (binary): optimum a + c = 8."""
    c = -np.array([5.0, 4.0, 3.0])
    a = sp.csr_matrix(np.array([[2.0, 3.0, 1.0]]))
    return c, a, np.array([-np.inf]), np.array([4.0])


def test_a_mip_and_an_incremental_lp_run_one_after_the_other_in_one_process() -> None:
    # HiGHS keeps one scheduler per process: every instance must ask for the same threads.
    c, a, lo, hi = knapsack_mip()
    first = solve_mip(c, a, lo, hi, np.zeros(3), np.ones(3))
    lp = IncrementalLP(np.array([-np.inf]), np.array([4.0]))
    lp.add_columns(c, np.zeros(3), np.ones(3), sp.csc_matrix(a))
    relaxed = lp.solve()
    second = solve_mip(c, a, lo, hi, np.zeros(3), np.ones(3))
    assert first.status == second.status == "optimal"
    assert first.objective == second.objective == pytest.approx(-8.0)
    assert first.x is not None and np.array_equal(first.x, [1.0, 0.0, 1.0])
    assert relaxed.ok and relaxed.objective == pytest.approx(-(8.0 + 4.0 / 3.0))  # b at 1/3


def test_a_mip_without_rows_sits_at_its_bounds() -> None:
    got = solve_mip(
        np.array([1.0, -2.0]),
        sp.csr_matrix((0, 2)),
        np.zeros(0),
        np.zeros(0),
        np.zeros(2),
        np.array([3.0, 4.0]),
    )
    assert got.status == "optimal"
    assert got.x is not None and np.array_equal(got.x, [0.0, 4.0])
    assert got.objective == pytest.approx(-8.0)


def test_an_infeasible_mip_says_so() -> None:
    c, a, _, _ = knapsack_mip()
    got = solve_mip(c, a, np.array([7.0]), np.array([7.0]), np.zeros(3), np.ones(3))
    assert got.status == "infeasible" and got.x is None and got.bound is None


def test_a_start_point_is_the_first_incumbent_and_an_unfit_one_is_ignored() -> None:
    c, a, lo, hi = knapsack_mip()
    # No node to search: the start (b alone, value 4) is all a zero-node solve can return.
    kept = solve_mip(c, a, lo, hi, np.zeros(3), np.ones(3), node_limit=0, start=np.array([0, 1, 0]))
    assert kept.status in {"feasible", "optimal"} and kept.objective is not None
    assert kept.objective <= -4.0  # the start's value or better
    solved = solve_mip(c, a, lo, hi, np.zeros(3), np.ones(3), start=np.array([0, 1, 0]))
    assert solved.status == "optimal" and solved.objective == pytest.approx(-8.0)
    # All three take 6 > 4 hours: not a feasible start; the solve still finds the optimum.
    unfit = solve_mip(c, a, lo, hi, np.zeros(3), np.ones(3), start=np.array([1, 1, 1]))
    assert unfit.status == "optimal" and unfit.objective == pytest.approx(-8.0)


def test_continuous_columns_stay_fractional() -> None:
    c, a, lo, hi = knapsack_mip()
    got = solve_mip(c, a, lo, hi, np.zeros(3), np.ones(3), integrality=np.array([1, 0, 1]))
    # a and c whole (3 of the 4 units), b takes the last unit as a third: 8 + 4/3.
    assert got.status == "optimal" and got.x is not None
    assert got.x[1] == pytest.approx(1.0 / 3.0)
    assert got.objective == pytest.approx(-(8.0 + 4.0 / 3.0))


def multiple_knapsack_mip(
    seed: int,
) -> tuple[np.ndarray, sp.csr_matrix, np.ndarray, np.ndarray, int]:
    """A random multiple-knapsack MIP (24 items, 4 bins of 13) small enough to solve to the
    end: (c, a, lo, hi, number of columns)."""
    rng = np.random.default_rng(seed)
    n_items, n_bins = 24, 4
    weight = rng.integers(2, 9, size=n_items).astype(float)
    value = rng.integers(1, 20, size=n_items).astype(float)
    k = n_items * n_bins
    item, bin_ = np.repeat(np.arange(n_items), n_bins), np.tile(np.arange(n_bins), n_items)
    a = sp.csr_matrix(
        (
            np.concatenate([np.ones(k), weight[item]]),
            (np.concatenate([item, n_items + bin_]), np.concatenate([np.arange(k)] * 2)),
        ),
        shape=(n_items + n_bins, k),
    )
    hi = np.concatenate([np.ones(n_items), np.full(n_bins, 13.0)])
    lo = np.full(len(hi), -np.inf)
    c = -value[item]
    return c, a, lo, hi, k


@pytest.mark.parametrize("seed", range(6))
def test_primal_focus_changes_the_search_not_the_optimum_or_the_bounds_validity(
    seed: int,
) -> None:
    # A multiple-knapsack MIP small enough to solve to the end both ways: the same optimum,
    # and a node-limited solve's bound never above it (minimise: the bound is a lower bound).
    c, a, lo, hi, k = multiple_knapsack_mip(seed)
    full = solve_mip(c, a, lo, hi, np.zeros(k), np.ones(k))
    focused = solve_mip(c, a, lo, hi, np.zeros(k), np.ones(k), primal_focus=True)
    assert full.status == focused.status == "optimal"
    assert focused.objective == pytest.approx(full.objective)
    assert focused.x is not None and np.all(a @ focused.x <= hi + 1e-9)
    for nodes in (1, 3):
        cut = solve_mip(c, a, lo, hi, np.zeros(k), np.ones(k), node_limit=nodes, primal_focus=True)
        assert cut.bound is not None and full.objective is not None
        assert cut.bound <= full.objective + 1e-6
        if cut.x is not None:
            assert np.all(a @ cut.x <= hi + 1e-9)  # its plan is feasible
            assert float(c @ cut.x) >= full.objective - 1e-6


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_without_rens_the_same_optimum_and_valid_bounds(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The count MIP's setting: HiGHS is really told (the option read back), and the search
    # without that heuristic ends at the same optimum, its node-limited bounds still valid.
    import assignment.solver.highs as highs_module

    made: list[object] = []
    new = highs_module._new_highs

    def recording() -> object:
        h = new()
        made.append(h)
        return h

    monkeypatch.setattr(highs_module, "_new_highs", recording)
    c, a, lo, hi, k = multiple_knapsack_mip(seed)
    full = solve_mip(c, a, lo, hi, np.zeros(k), np.ones(k))
    assert made[-1].getOptionValue("mip_heuristic_run_rens")[1] is True  # type: ignore[attr-defined]
    lean = solve_mip(c, a, lo, hi, np.zeros(k), np.ones(k), primal_focus=True, rens=False)
    assert made[-1].getOptionValue("mip_heuristic_run_rens")[1] is False  # type: ignore[attr-defined]
    assert full.status == lean.status == "optimal"
    assert lean.objective == pytest.approx(full.objective)
    for nodes in (1, 3):
        cut = solve_mip(
            c, a, lo, hi, np.zeros(k), np.ones(k), node_limit=nodes, primal_focus=True, rens=False
        )
        assert cut.bound is not None and full.objective is not None
        assert cut.bound <= full.objective + 1e-6
        if cut.x is not None:
            assert np.all(a @ cut.x <= hi + 1e-9)
