"""Which tier-1 households can a maximal cover leave out? A best-first search with exact checks.

Usage::

    .venv/bin/python bench/bench_left_out.py --variant tight --townships 532624003

In a cadre-short township whose tier-1 coverage is proven maximal (K of n households), the
cost gap with coverage fixed is almost all in *which* households are left out: each one's
penalty is 100,000-200,000, every other term is small. The LP bound lets the cheapest
penalties go (fractionally), while the plan may leave out dearer ones; no bound in
``bench/bench_cost_bound.py`` (LP, pattern, HiGHS and CP-SAT searches) tells which is right.

This benchmark asks it directly, for townships where few households are left out (r = n - K
at most ``--max-left-out``):

1. *core*: can a cover of K households include every household the plan leaves out? Where
   CP-SAT proves it cannot (``--core-work`` deterministic seconds), every maximal cover
   leaves out at least one of them;
2. *search*: the sets S of r households in increasing order of their penalties, each
   skipped unless it meets that core, each checked by CP-SAT with every household outside
   S covered (``--work`` deterministic seconds, one thread). A proven-infeasible S is
   excluded; the search stops at the first S it cannot exclude (feasible, or undecided
   within the work limit), at the plan's own penalties, or after ``--max-checks`` checks.
   Every cover of K leaves out a set not yet excluded, so the penalties where it stops
   bound from below those of every maximal cover.

The models are CP-SAT's on hours rounded down and capacities up (``top_model.build_model``
relaxed), pins kept: every real plan is one of theirs, so "infeasible" holds for real plans.
The tier-1 part's bound is then that penalty bound plus the least arc cost of any K covered
(an LP, no penalties): each of the two bounds its own terms of every plan covering K.

Townships: as in ``bench/bench_cost_bound.py`` (the cached ``bench_assign`` run's
sub-problems after presolve). Writes ``bench/results/left_out_seed<S>_<variant>.md``.
"""

from __future__ import annotations

import argparse
import heapq
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_assign import write_result  # noqa: E402
from bench_cost_bound import tier1_problem  # noqa: E402
from bench_coverage import subproblems  # noqa: E402

from assignment.problem import ArcArrays  # noqa: E402
from assignment.solver import top_model  # noqa: E402
from assignment.solver.lp import solve_lp_relaxation  # noqa: E402
from assignment.solver.options import SolverOptions  # noqa: E402
from assignment.solver.priority import top_mask, top_part  # noqa: E402
from assignment.solver.top_model import covered_top  # noqa: E402
from assignment.solver.township import _solve_rest  # noqa: E402
from visit_planner.offline import go_offline  # noqa: E402


@dataclass(frozen=True)
class Row:
    """One township's figures (penalties and parts in the objective's units)."""

    township: str
    tier1: int
    covered: int
    objective: float
    plan_part: float
    lp_part: float
    plan_penalty: float  # the penalties of the households the plan leaves out
    least_penalty: float  # the r least penalties (what the LP may leave out)
    core: str  # the core check's outcome
    bound_penalty: float  # where the search stopped
    stop: str
    checks: int
    excluded: int
    travel: float  # the least arc cost of any K covered
    cpu: float

    @property
    def part_bound(self) -> float:
        """The tier-1 part's bound: the penalty bound plus the least arc cost."""
        return self.bound_penalty + self.travel


def cover_check(
    top: ArcArrays, tm: top_model.TopModel, k: int, work: float, *, covered: set[int], out: set[int]
) -> str:
    """CP-SAT's status for "exactly ``k`` covered, every household of ``covered`` covered and
    none of ``out``" (positions in ``tm.items``), on the relaxed model."""
    model, x = top_model.build_model(top, tm, relaxed=True)
    model.add(sum(x) == k)
    by_item: list[list[object]] = [[] for _ in range(len(tm.items))]
    for v, i in zip(x, tm.item_of, strict=True):
        by_item[int(i)].append(v)
    for i in covered:
        model.add(sum(by_item[i]) == 1)  # type: ignore[arg-type]
    for i in out:
        model.add(sum(by_item[i]) == 0)  # type: ignore[arg-type]
    solver = top_model.cp_solver(work, time_limit=20.0 * work)
    solver.parameters.num_workers = 1
    return str(solver.status_name(solver.solve(model)))


def best_first(pen: np.ndarray, r: int) -> Iterator[tuple[float, tuple[int, ...]]]:
    """The r-subsets of ``range(len(pen))`` in increasing order of their penalties' sum."""
    order = np.argsort(pen, kind="stable")
    first = tuple(range(r))
    seen = {first}
    heap = [(float(pen[order[list(first)]].sum()), first)]
    while heap:
        total, c = heapq.heappop(heap)
        yield total, tuple(int(order[j]) for j in c)
        for t in range(r):
            nxt = list(c)
            nxt[t] += 1
            if nxt[t] >= len(pen) or (t + 1 < r and nxt[t] >= nxt[t + 1]):
                continue
            key = tuple(nxt)
            if key not in seen:
                seen.add(key)
                heapq.heappush(heap, (float(pen[order[list(key)]].sum()), key))


def least_travel(top: ArcArrays, k: int, opts: SolverOptions) -> float:
    """The arc LP's least arc cost of exactly ``k`` tier-1 households covered."""
    free = replace(top, penalty=np.zeros_like(top.penalty))
    lp = solve_lp_relaxation(free, opts, (top_mask(free), k), cover_exact=True)
    return lp.objective if lp.ok else float("nan")


def run(arr: ArcArrays, tw: str, args: argparse.Namespace) -> Row | None:
    """The figures of one township; None when not proven or too many left out."""
    opts = SolverOptions()
    c0 = time.process_time()
    sol = _solve_rest(arr, opts)
    cov = sol.coverage
    if cov is None or not cov.proven or sol.objective is None:
        print(f"{tw}: coverage not proven maximal", flush=True)
        return None
    k = covered_top(arr, sol.choice)
    is_top = top_mask(arr)
    top = tier1_problem(arr, is_top)
    tm = top_model.top_model(top)
    pen = top.penalty[tm.items]
    no_arc = float(top.penalty.sum() - pen.sum())  # households no cadre can take
    r = len(tm.items) - k
    if r > args.max_left_out:
        print(f"{tw}: {r} left out, above --max-left-out", flush=True)
        return None
    pos = np.full(top.n_items, -1)
    pos[tm.items] = np.arange(len(tm.items))
    plan_left = {int(pos[i]) for i in np.flatnonzero(sol.choice[is_top] < 0) if pos[i] >= 0}
    plan_penalty = float(pen[list(plan_left)].sum())
    lp = solve_lp_relaxation(top, opts, (top_mask(top), k), cover_exact=True)
    core = cover_check(top, tm, k, args.core_work, covered=plan_left, out=set())
    cores = [plan_left] if core == "INFEASIBLE" else []
    checks = excluded = 0
    stop, bound = "max checks", float("nan")
    for total, s in best_first(pen, r):
        chosen = set(s)
        if total >= plan_penalty - 1e-6:
            stop, bound = "the plan's penalties reached", plan_penalty
            break
        if any(not (c & chosen) for c in cores):
            continue
        if checks >= args.max_checks:
            bound = total
            break
        checks += 1
        status = cover_check(
            top, tm, k, args.work, covered=set(range(len(tm.items))) - chosen, out=chosen
        )
        if status != "INFEASIBLE":
            stop, bound = status.lower(), total
            break
        excluded += 1
    return Row(
        township=tw,
        tier1=top.n_items,
        covered=k,
        objective=float(sol.objective),
        plan_part=top_part(arr, sol.choice),
        lp_part=lp.objective if lp.ok else float("nan"),
        plan_penalty=plan_penalty + no_arc,
        least_penalty=float(np.sort(pen)[:r].sum()) + no_arc,
        core=core.lower(),
        bound_penalty=bound + no_arc,
        stop=stop,
        checks=checks,
        excluded=excluded,
        travel=least_travel(top, k, opts),
        cpu=time.process_time() - c0,
    )


def write_table(args: argparse.Namespace, rows: list[Row]) -> None:
    """The markdown of the rows so far."""
    load = os.getloadavg()
    cmd = " ".join(["bench/bench_left_out.py", *sys.argv[1:]])
    lines = [
        f"# Which tier-1 households a maximal cover can leave out: scale 1, seed {args.seed}, "
        f"{args.variant}",
        "",
        f"Command: `.venv/bin/python {cmd}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
        f"; load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on 2 cores). "
        "See the module docstring. *Penalties left out*: the plan's, the r least (what the LP "
        "may leave out) and the search's bound on every maximal cover's; *core*: CP-SAT on "
        '"every household the plan leaves out covered" (infeasible: each maximal cover '
        "leaves out one of them); *checks*: sets checked, of them proven infeasible; *tier-1 "
        "part*: the plan's, the arc LP's and the search's bound (penalty bound plus the least "
        f"arc cost of K covered), gaps relative to the open sub-problem's objective. CP-SAT: "
        f"{args.work:g} deterministic seconds a check, one thread. CPU seconds of this process.",
        "",
        "| township | tier-1 | covered (max) | penalties left out: plan / least / bound | core "
        "| stop | checks (infeasible) | plan part | LP part (gap) | search bound (gap) | CPU s |",
        "|---|---:|---:|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.township} | {r.tier1} | {r.covered} | {r.plan_penalty:,.0f} / "
            f"{r.least_penalty:,.0f} / {r.bound_penalty:,.0f} | {r.core} | {r.stop} | "
            f"{r.checks} ({r.excluded}) | {r.plan_part:,.0f} | {r.lp_part:,.0f} "
            f"({(r.plan_part - r.lp_part) / r.objective:.2%}) | {r.part_bound:,.0f} "
            f"({(r.plan_part - r.part_bound) / r.objective:.2%}) | {r.cpu:.0f} |"
        )
    write_result(args.results, args.name or f"left_out_seed{args.seed}_{args.variant}.md", lines)


def main() -> None:
    """Run the benchmark and write its table."""
    go_offline()
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--variant", choices=["default", "tight"], default="default")
    ap.add_argument("--townships", nargs="*", default=None)
    ap.add_argument("--max-left-out", type=int, default=3)
    ap.add_argument("--work", type=float, default=20.0, help="CP-SAT deterministic s a check")
    ap.add_argument("--core-work", type=float, default=60.0, help="the core check's")
    ap.add_argument("--max-checks", type=int, default=40)
    ap.add_argument("--cache", type=Path, default=ROOT / "bench" / ".cache")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    ap.add_argument("--name", default=None)
    args = ap.parse_args()
    rows: list[Row] = []
    for tw, (arr, _, _) in subproblems(args.seed, args.variant, args.townships, args.cache).items():
        row = run(arr, tw, args)
        if row is not None:
            print(row, flush=True)
            rows.append(row)
            write_table(args, rows)


if __name__ == "__main__":
    main()
