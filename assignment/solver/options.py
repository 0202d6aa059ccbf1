"""Options of the township solver, and the tolerances its steps share."""

from __future__ import annotations

from dataclasses import dataclass

FRAC_TOL = 1e-6
RC_TOL = 1e-7


@dataclass(frozen=True)
class SolverOptions:
    """Tuning of the township solver.

    Limits are work units (node counts, CP-SAT deterministic time, packing effort), so that a
    plan does not depend on machine load; the time limits are safety nets only.
    """

    # The LP's first columns: each household's ``prune_k`` cheapest arcs, plus the arcs of a
    # greedy plan on its ``lp_start_arcs`` cheapest (lp._greedy_start; 0: none), which also
    # start the simplex; then ``pricing_per_item`` arcs priced in per household and round.
    # The same LP optimum either way (exact column generation); only the path changes. With
    # 1 + 16 instead of 2 + 0 the LP stage of a tight run at scale 1 took 55 / 51 / 50
    # instead of 68 / 64 / 63 CPU s (seeds 1-3, the same instances back to back; the run's
    # CPU 163 / 141 / 152 instead of 178 / 159 / 178 s), with the same tier-1 coverage and
    # open townships and objectives +0.05 / -0.04 / -0.02 %; the default runs took 119 /
    # 109 / 118 instead of 124 / 110 / 128 CPU s with objectives within 30 of before
    # (bench/bench_assign.py --scale 1 [--seed N] [--tight] --processes 2 --skip-greedy
    # --solver-only, with these two defaults changed). On the tight instances of the
    # committed results (seeds 1-2) the objective moved +0.21 / -0.02 % (532622008's cover
    # dearer), the coverage the same: the tier-1 stage follows the LP's duals, which a
    # degenerate LP's path changes. Before, 2 and 4 instead of 3 and 6
    # had taken the tight LP stage from 92 / 97 / 75 to 78 / 70 / 69 CPU s.
    prune_k: int = 1
    lp_start_arcs: int = 16
    max_pricing_rounds: int = 50
    pricing_per_item: int = 4
    knapsack_delta: float = 0.05
    # The repair MIP's arcs per split household (lowest LP reduced cost first). With 8 the
    # repairs took 42-77 CPU s a tight run at scale 1 (seeds 1-3), with 5 15-24 on the same
    # instances; the smaller MIP leaves more households uncovered, which the ejection and
    # packing steps after it cover again: on the same tight instances (seeds 1-3, with the
    # LP's columns above) the same tier-1 coverage and objectives 0.002-0.028 % higher
    # (bench/bench_assign.py --scale 1 [--seed N] --tight on commit 654a085 and after;
    # README).
    repair_arcs_per_item: int = 5
    # The relative gap at which the repair MIP stops (HiGHS' own). 8 arcs at 1 % was as fast
    # as 5 arcs at 1e-9 and kept the code before's township gaps, but in a programme's first
    # month (seed 1) township 532626004 then covered one tier-1 household fewer than with
    # last month's plan (the tier-1 searches start from the plan): not the default
    # (`bench/bench_assign.py --scale 1 [--seed N] [--tight | --no-previous] --processes 2
    # --skip-greedy --solver-only` with these two defaults changed).
    repair_rel_gap: float = 1e-9
    repair_free_workers: bool = False
    repair_node_limit: int = 100  # past ~100 nodes HiGHS is proving, not improving (bench_township)
    # Safety nets only (a repair stopped by its clock is not used): wide enough that a loaded
    # machine does not change the plan; the node limit bounds the repair's work. At load 22
    # on 2 cores a repair of 6.7 CPU s took over 60 s of wall clock (scale 1, tight), so the
    # clocks are 900 s: two orders of magnitude above the work the limits allow.
    repair_time_limit: float = 900.0
    lp_time_limit: float = 900.0
    packing_effort: int = (
        600  # work units of assignment.solver.packing (deterministic, not seconds)
    )
    coverage_work: float = 2.0  # CP-SAT deterministic time per tier-1 coverage model
    coverage_cost_work: float = 1.0  # CP-SAT deterministic time of the cheapest-cover stage
    coverage_time_limit: float = 600.0  # safety only: a solve stopped by it is not used
    # Multiplies every work limit of the tier-1 count (max_coverage: the tabu searches, the
    # count MIP, CP-SAT). Before the searches (commit 7a8edbd) 4 covered one more tier-1
    # household in seed 1's 6 open townships at 2.1 times their CPU, no bound moved
    # (bench/bench_coverage_effort.py).
    coverage_effort: float = 1.0
