"""Why the cost gap with coverage fixed stays open: the tier-1 part's bounds side by side.

Usage::

    .venv/bin/python bench/bench_cost_bound.py                  # seed 1, default
    .venv/bin/python bench/bench_cost_bound.py --seed 2 --variant tight --max-tier1 300

In a cadre-short township whose tier-1 coverage is proven maximal (K households), almost all
of the cost gap with coverage fixed is in *which* tier-1 households are left out: their
penalties (100,000-200,000 each) dwarf every other term. This benchmark takes the tier-1
part alone - the tier-1 households, the cadres' full capacities, exactly K covered,
minimising the tier-1 arcs' costs plus the penalties of those left out - which bounds the
tier-1 terms of every plan covering K (the lower households only take capacity away), and
sets three figures side by side:

* *plan*: the tier-1 terms of the pipeline's own plan (:func:`_solve_rest` on the township's
  open sub-problem after presolve, default ``SolverOptions()``);
* *LP*: the arc LP of the tier-1 part (with the pipeline's cardinality cuts and the
  "exactly K" row, :func:`assignment.solver.lp.solve_lp_relaxation`);
* *pattern*: the Dantzig-Wolfe (pattern) bound that the root of a branch-and-price would
  have - every cadre's load an integral set of households - by column generation, each
  cadre's pattern priced by an exact knapsack on hours rounded *down* to ``--delta`` h (a
  relaxation: the Lagrangian bound of every round is valid). Pins are ignored (also a
  relaxation). The same column generation on hours rounded *up* (every pattern truly fits)
  converges to a restriction of the true pattern master: the true pattern bound is at most
  its value. The table shows both ends;
* *MIP*: what a general MIP solver's search does with the tier-1 part (HiGHS on the arc
  formulation, one thread, from the plan's tier-1 part, at most ``--mip-nodes`` nodes: a
  work limit, so the figures do not depend on the machine's load): its proven bound and its
  best tier-1 part (the plan's unless it finds a better one). Where its bound stays near
  the LP's after thousands of nodes, a general search does not close the gap either.
* *CP-SAT* (``--cpsat-work`` deterministic seconds; 0: not run): CP-SAT on the tier-1 part,
  exactly K covered, hinted with the plan's tier-1 part, its search portfolio interleaved on
  one thread (``interleave_search``: the same result on any machine; with
  ``--cpsat-workers N`` its parallel portfolio on N threads, not the same from run to run),
  on integer hours
  rounded up and capacities down, so that every cover it returns fits in floats (checked):
  its best tier-1 part. That model is a restriction, so its bound is not one of the real
  problem and is not shown. Where it finds a cheaper cover than the plan, part of the cost
  gap is the plan's, not the bound's.

* *fixing* (``--fixing``): reduced-cost fixing from the tier-1 *count*'s LP. With its duals
  ``u`` (households), ``l`` (hours), ``n`` (households per worker), all >= 0, and reduced
  costs ``d = u + l h + n - 1`` per arc, every ``x`` in the box satisfies ``sum(x) = D -
  [sum(u (1 - covered)) + sum(l slack hours) + sum(n slack places) + sum(d x | d > 0) +
  sum(|d| (1 - x) | d < 0)]``, ``D`` the dual objective; every bracketed term is >= 0, so a
  plan covering K keeps each below the budget ``g = D - K``. An integral plan therefore
  covers every household with ``u > g`` and uses no arc with ``d > g``. The column shows the
  count LP, ``g``, how many households every plan covering K must cover and how many arcs none
  can use, and the tier-1 part's LP with those fixed (a valid bound: the fixed households'
  penalties are raised tenfold, which no plan covering K pays, and the arcs dropped). Where
  the fixed households are not the ones the LP leaves out, the bound does not move.

Gaps are relative to the open sub-problem's objective (as its cost gap is). Where *pattern*
is no better than *LP*, a stronger root (branch-and-price) does not close the gap: what is
left needs the search itself (branching on which households are left out) to finish; the
*MIP* column shows how far a general solver's search gets within its node limit.

Townships: the cadre-short ones of the cached ``bench_assign`` run (as in
``bench/bench_coverage.py``) with at most ``--max-tier1`` tier-1 households in the open
sub-problem (pricing time grows with them), or those named with ``--townships``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.optimize import OptimizeResult, linprog

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_assign import write_result  # noqa: E402
from bench_coverage import subproblems  # noqa: E402

from assignment.constraints import CAPACITY_TOL  # noqa: E402
from assignment.problem import ArcArrays  # noqa: E402
from assignment.solver import coverage, top_model  # noqa: E402
from assignment.solver.cheapest_cover import COST_SCALE  # noqa: E402
from assignment.solver.highs import solve_lp, solve_mip  # noqa: E402
from assignment.solver.lp import solve_lp_relaxation  # noqa: E402
from assignment.solver.options import SolverOptions  # noqa: E402
from assignment.solver.priority import top_mask, top_part  # noqa: E402
from assignment.solver.rows import assignment_rows  # noqa: E402
from assignment.solver.top_model import covered_top  # noqa: E402
from assignment.solver.township import _solve_rest  # noqa: E402
from visit_planner.offline import go_offline  # noqa: E402


@dataclass(frozen=True)
class Row:
    """One township's figures."""

    township: str
    tier1: int
    covered: int
    objective: float
    cost_bound: float
    plan_part: float
    lp_part: float
    pattern: float
    pattern_upper: float
    rounds: int
    converged: bool
    mip: tuple[str, float | None, float | None] | None  # status, best, bound
    cpsat: tuple[str, float] | None  # status, best tier-1 part found (the plan's if none)
    fixing: Fixing | None
    cpu: float


@dataclass(frozen=True)
class Fixing:
    """Reduced-cost fixing from the tier-1 count's LP (see the module docstring)."""

    count_lp: float  # the count LP's optimum (its dual objective D)
    budget: float  # g = D - K
    forced: int  # households every plan covering K covers (u > g)
    dropped: int  # arcs no plan covering K uses (d > g)
    lp_part: float  # the tier-1 part's LP ("exactly K") with those fixed


def reduced_cost_fixing(top: ArcArrays, k: int, opts: SolverOptions) -> Fixing | None:
    """The fixing of the module docstring on the tier-1 part ``top`` covering ``k``: the
    count's LP on hours rounded down and capacities up (every real plan fits it, so the
    argument holds for real plans; pins dropped, also a relaxation). None when an LP fails."""
    tm = top_model.top_model(top)
    hours, caps = top_model.scaled(top, tm, relaxed=True)
    a, hi = coverage._count_rows(top, tm, hours, caps)
    n = len(tm.items)
    res = solve_lp(-np.ones(len(tm.arcs)), a, hi, np.ones(len(tm.arcs)))
    if not res.ok:
        return None
    duals = np.maximum(-res.row_duals, 0.0)
    agent = top.arc_agent[tm.arcs]
    used = np.unique(agent)
    w_pos = np.full(top.n_agents, -1)
    w_pos[used] = np.arange(len(used))
    nw = len(used)
    u, lam, nu = duals[:n], duals[n : n + nw], duals[n + nw :]
    d = u[tm.item_of] + lam[w_pos[agent]] * hours + nu[w_pos[agent]] - 1.0
    dual_obj = float(duals @ hi + np.maximum(-d, 0.0).sum())
    budget = dual_obj - k
    tol = 1e-7
    forced = tm.items[u > budget + tol]
    keep = np.ones(top.n_arcs, dtype=bool)
    keep[tm.arcs[d > budget + tol]] = False
    penalty = top.penalty.copy()
    penalty[forced] *= 10.0
    fixed = replace(
        top,
        arc_item=top.arc_item[keep],
        arc_agent=top.arc_agent[keep],
        arc_cost=top.arc_cost[keep],
        arc_hours=top.arc_hours[keep],
        arc_pinned=np.zeros(int(keep.sum()), dtype=bool),
        penalty=penalty,
    )
    lp = solve_lp_relaxation(fixed, opts, (top_mask(fixed), k), cover_exact=True)
    return Fixing(
        count_lp=dual_obj,
        budget=budget,
        forced=len(forced),
        dropped=int((~keep).sum()),
        lp_part=lp.objective if lp.ok else float("nan"),
    )


def tier1_problem(arr: ArcArrays, is_top: np.ndarray) -> ArcArrays:
    """The tier-1 households alone on every worker's full capacity (no balance term)."""
    zero = np.zeros(arr.n_agents)
    sub, _ = arr.subset(np.flatnonzero(is_top), zero, np.zeros(arr.n_agents, dtype=np.int64))
    return replace(sub, soft_hours=None, overload_weight=0.0)


def knapsack(  # noqa: PLR0917  (the knapsack's data)
    values: np.ndarray,
    hours: np.ndarray,
    cap_hours: float,
    cap_count: int,
    delta: float,
    relaxed: bool,
) -> tuple[float, np.ndarray]:
    """Min of ``sum(values[S])`` over S with |S| <= cap_count and hours within capacity in
    units of ``delta`` h; (value, S as indices into ``values``). ``relaxed``: hours rounded
    down and the capacity up (every truly fitting S fits: a relaxation of the exact
    knapsack); otherwise hours up and the capacity down (every S found truly fits)."""
    keep = np.flatnonzero(values < 0)
    if relaxed:
        w = np.floor(hours[keep] / delta).astype(np.int64)
        cap = int(np.ceil((cap_hours + CAPACITY_TOL) / delta))
    else:
        w = np.ceil(hours[keep] / delta).astype(np.int64)
        cap = int(np.floor(cap_hours / delta))
    fits = w <= cap
    keep, w = keep[fits], w[fits]
    if len(keep) == 0 or cap_count <= 0:
        return 0.0, keep[:0]
    v = values[keep]
    k_max = min(cap_count, len(keep))
    dp = np.full((k_max + 1, cap + 1), np.inf)
    dp[0, 0] = 0.0
    take = np.zeros((len(keep), k_max + 1, cap + 1), dtype=bool)
    for j in range(len(keep)):
        cand = dp[:-1, : cap + 1 - w[j]] + v[j]
        take[j, 1:, w[j] :] = cand < dp[1:, w[j] :]
        np.minimum(dp[1:, w[j] :], cand, out=dp[1:, w[j] :])
    n_at, h_at = np.unravel_index(int(np.argmin(dp)), dp.shape)
    best = float(dp[n_at, h_at])
    chosen = []
    for j in range(len(keep) - 1, -1, -1):
        if n_at > 0 and take[j, n_at, h_at]:
            chosen.append(j)
            n_at -= 1
            h_at -= w[j]
    return best, keep[np.array(chosen, dtype=np.int64)]


@dataclass(frozen=True)
class Pattern:
    """One cadre's load: its position among the cadres, the households and their cost."""

    worker: int
    items: np.ndarray
    cost: float


def master_lp(top: ArcArrays, k: int, cols: list[Pattern], n_workers: int) -> OptimizeResult:
    """The pattern master: each household covered by at most one chosen pattern (else its
    penalty), exactly ``k`` covered, at most one pattern per cadre; fractional."""
    n, nc = top.n_items, len(cols)
    rows = np.concatenate([c.items for c in cols])
    col_of = np.repeat(np.arange(nc), [len(c.items) for c in cols])
    a_item = sp.csr_matrix((np.ones(len(rows)), (rows, col_of)), shape=(n, nc))
    a_eq = sp.vstack(
        [
            sp.hstack([a_item, sp.eye(n)]),
            sp.hstack([sp.csr_matrix((1, nc)), sp.csr_matrix(np.ones((1, n)))]),
        ]
    ).tocsr()
    col_w = np.array([c.worker for c in cols])
    a_ub = sp.hstack(
        [
            sp.csr_matrix((np.ones(nc), (col_w, np.arange(nc))), shape=(n_workers, nc)),
            sp.csr_matrix((n_workers, n)),
        ]
    ).tocsr()
    res = linprog(
        np.concatenate([[c.cost for c in cols], top.penalty]),
        A_ub=a_ub,
        b_ub=np.ones(n_workers),
        A_eq=a_eq,
        b_eq=np.r_[np.ones(n), n - k],
        bounds=(0, None),
        method="highs",
    )
    if res.status != 0:
        raise SystemExit(f"pattern master LP failed: {res.message}")
    return res


def pattern_bound(  # noqa: PLR0917  (the column generation's data)
    top: ArcArrays, k: int, start: np.ndarray, delta: float, max_rounds: int, relaxed: bool
) -> tuple[float, float, int, bool]:
    """Column generation on the tier-1 part with exactly ``k`` covered, from the patterns of
    ``start`` (arc per household), each cadre priced by :func:`knapsack` (``relaxed`` or
    conservative hours).

    Returns (best Lagrangian bound, last master value, rounds, converged). Relaxed, the
    Lagrangian bound of every round is a valid lower bound of the true pattern bound;
    conservative, every pattern truly fits, so the converged master is a restriction of the
    true pattern master: the true pattern bound is at most that.
    """
    workers = np.unique(top.arc_agent)
    w_pos = np.full(top.n_agents, -1)
    w_pos[workers] = np.arange(len(workers))
    arcs_of = {int(w): np.flatnonzero(top.arc_agent == w) for w in workers}

    def pattern(w: int, arcs: np.ndarray) -> Pattern:
        return Pattern(int(w_pos[w]), top.arc_item[arcs], float(top.arc_cost[arcs].sum()))

    plan_arcs = start[start >= 0]
    cols = [pattern(int(w), plan_arcs[top.arc_agent[plan_arcs] == w]) for w in workers]
    best, master, converged, rounds = -np.inf, np.nan, False, 0
    while rounds < max_rounds:
        rounds += 1
        res = master_lp(top, k, cols, len(workers))
        master = float(res.fun)
        u = res.eqlin.marginals[: top.n_items]
        pi = res.ineqlin.marginals
        priced = 0.0
        added = 0
        for w in workers:
            arcs = arcs_of[int(w)]
            val, chosen = knapsack(
                top.arc_cost[arcs] - u[top.arc_item[arcs]],
                top.arc_hours[arcs],
                float(top.cap_hours[w]),
                int(top.cap_count[w]),
                delta,
                relaxed,
            )
            reduced = val - pi[w_pos[w]]
            if reduced < -1e-6:
                priced += reduced
                added += 1
                cols.append(pattern(int(w), arcs[chosen]))
        best = max(best, master + priced)  # Lagrangian bound: valid in every round
        if added == 0:
            converged = True
            break
    return best, master, rounds, converged


def tier1_mip(
    top: ArcArrays, k: int, start: np.ndarray, nodes: int
) -> tuple[str, float | None, float | None]:
    """HiGHS on the tier-1 part's arc formulation, exactly ``k`` covered, from the plan's
    tier-1 arcs ``start`` (arc per household), at most ``nodes`` nodes; objective and bound
    in the tier-1 part's terms (arc costs plus the penalties of those left out): (status,
    best tier-1 part found or None, proven bound or None)."""
    n, m, na = top.n_items, top.n_agents, top.n_arcs
    # The shared assignment rows, then "exactly k covered".
    a = sp.vstack(
        [
            assignment_rows(top.arc_item, top.arc_agent, top.arc_hours, n, m),
            sp.csr_matrix(np.ones((1, na))),
        ],
        format="csr",
    )
    lo = np.r_[np.full(n + 2 * m, -np.inf), k]
    hi = np.r_[np.ones(n), top.cap_hours + CAPACITY_TOL, top.cap_count.astype(float), k]
    c = top.arc_cost - top.penalty[top.arc_item]
    x0 = np.zeros(na)
    x0[start[start >= 0]] = 1.0
    sol = solve_mip(
        c,
        a,
        lo,
        hi,
        top.arc_pinned.astype(float),
        np.ones(na),
        node_limit=nodes,
        rel_gap=1e-6,
        start=x0,
    )
    const = float(top.penalty.sum())
    return (
        sol.status,
        None if sol.objective is None else sol.objective + const,
        None if sol.bound is None else sol.bound + const,
    )


def tier1_cpsat(
    top: ArcArrays, k: int, start: np.ndarray, work: float, workers: int = 1
) -> tuple[str, float]:
    """CP-SAT on the tier-1 part (see the module docstring), exactly ``k`` covered, from the
    plan's tier-1 arcs ``start`` (arc per household), within ``work`` deterministic seconds:
    (status, the best tier-1 part found: arc costs plus the penalties of those left out; the
    plan's when CP-SAT finds no cheaper cover that fits). With ``workers`` > 1 its usual
    parallel portfolio instead, one thread per worker: often better, but not the same from
    run to run."""
    tm = top_model.top_model(top)
    model, x = top_model.build_model(top, tm, relaxed=False)
    model.add(sum(x) == k)
    gain = top.arc_cost[tm.arcs] - top.penalty[top.arc_item[tm.arcs]]
    model.minimize(sum(round(g * COST_SCALE) * v for g, v in zip(gain, x, strict=True)))
    top_model.set_hint(model, x, tm, start)
    # The pipeline's CP-SAT settings (one thread, its seed, deterministic work), with the
    # search portfolio interleaved on that thread; the clock is a safety net only.
    solver = top_model.cp_solver(work, time_limit=10.0 * work)
    solver.parameters.interleave_search = workers == 1
    solver.parameters.num_workers = workers
    status = solver.status_name(solver.solve(model))
    plan = top_part(top, start)
    if status not in ("OPTIMAL", "FEASIBLE"):
        return status, plan
    got = top_model.values(solver, x, tm)
    full = np.full(top.n_items, -1, dtype=np.int64)
    full[tm.items] = got
    fits = top_model.fits(top, tm, got) and int((got >= 0).sum()) == k
    return status, min(plan, top_part(top, full)) if fits else plan


def run(arr: ArcArrays, tw: str, args: argparse.Namespace) -> Row | None:
    """The figures of one township; None when its coverage is not proven maximal."""
    opts = SolverOptions()
    c0 = time.process_time()
    sol = _solve_rest(arr, opts)
    cov = sol.coverage
    if cov is None or not cov.proven or sol.cost_bound is None or sol.objective is None:
        return None
    k = covered_top(arr, sol.choice)
    is_top = top_mask(arr)
    top = tier1_problem(arr, is_top)
    # The plan's tier-1 arcs in the tier-1 part's numbering (same order: subset keeps it).
    arc_pos = np.full(arr.n_arcs, -1)
    arc_pos[np.flatnonzero(is_top[arr.arc_item])] = np.arange(top.n_arcs)
    start = np.full(top.n_items, -1, dtype=np.int64)
    chosen = sol.choice[is_top]
    start[chosen >= 0] = arc_pos[chosen[chosen >= 0]]
    lp = solve_lp_relaxation(top, opts, (top_mask(top), k), start=start, cover_exact=True)
    pattern, _, rounds, converged = pattern_bound(
        top, k, start, args.delta, args.rounds, relaxed=True
    )
    _, pattern_upper, rounds_up, converged_up = pattern_bound(
        top, k, start, args.delta, args.rounds, relaxed=False
    )
    mip = tier1_mip(top, k, start, args.mip_nodes) if args.mip_nodes > 0 else None
    cpsat = (
        tier1_cpsat(top, k, start, args.cpsat_work, args.cpsat_workers)
        if args.cpsat_work > 0
        else None
    )
    fixing = reduced_cost_fixing(top, k, opts) if args.fixing else None
    return Row(
        township=tw,
        tier1=top.n_items,
        covered=k,
        objective=sol.objective,
        cost_bound=float(sol.cost_bound),
        plan_part=top_part(arr, sol.choice),
        lp_part=lp.objective if lp.ok else float("nan"),
        pattern=pattern,
        pattern_upper=pattern_upper,
        rounds=rounds + rounds_up,
        converged=converged and converged_up,
        mip=mip,
        cpsat=cpsat,
        fixing=fixing,
        cpu=time.process_time() - c0,
    )


def write_table(args: argparse.Namespace, rows: list[Row]) -> None:
    """The markdown of the rows so far."""
    load = os.getloadavg()
    cmd = " ".join(["bench/bench_cost_bound.py", *sys.argv[1:]])
    lines = [
        f"# Tier-1 part's bounds with coverage fixed: scale 1, seed {args.seed}, {args.variant}",
        "",
        f"Command: `.venv/bin/python {cmd}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
        f"; load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on 2 cores). "
        "Open sub-problem of each cadre-short township after presolve; *cost gap*: the "
        "pipeline's cost gap with coverage fixed on it. The tier-1 part's figures: its terms in "
        "the plan, its arc LP and its pattern (Dantzig-Wolfe) bound, each gap relative to the "
        "open sub-problem's objective (see the module docstring); pricing on hours rounded "
        f"down to {args.delta:g} h, at most {args.rounds} rounds each: the true pattern bound lies "
        "between the best Lagrangian bound on hours rounded down (lower) and the converged "
        "master on hours rounded up (upper); *rounds*: both together; *MIP*: HiGHS on the tier-1 "
        f"part (one thread, at most {args.mip_nodes} nodes): its status, best tier-1 part found "
        "and proven bound; *CP-SAT*: its best tier-1 part within "
        f"{args.cpsat_work:g} deterministic seconds ({_cpsat_mode(args.cpsat_workers)}; 0: not "
        "run). *Fixing*: the tier-1 count's LP, its budget g over the proven maximum, the "
        "households every plan covering it must cover (and the arcs none can use), and the "
        "tier-1 part's LP with them fixed, its gap to the plan's part (see the module "
        "docstring; not run: without --fixing). "
        "CPU seconds of this process.",
        "",
        "| township | tier-1 | covered (max) | cost gap | plan part | LP part | pattern bound "
        "(lower - upper) | gap to LP | gap to pattern bound | rounds | MIP: best / bound | "
        "gap to MIP bound | CP-SAT: best (gap to the plan) | fixing: count LP (g), forced "
        "households (arcs dropped), LP part after (gap) | CPU s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---|---:|",
    ]
    for r in rows:
        cost_gap = (r.objective - r.cost_bound) / r.objective
        lines.append(
            f"| {r.township} | {r.tier1} | {r.covered} | {cost_gap:.3%} | {r.plan_part:,.0f} | "
            f"{r.lp_part:,.0f} | {_pattern_cells(r)} | {_mip_cells(r)} | {_cpsat_cell(r)} | "
            f"{_fixing_cell(r)} | {r.cpu:.0f} |"
        )
    write_result(args.results, args.name or f"cost_bound_seed{args.seed}_{args.variant}.md", lines)


def _cpsat_mode(workers: int) -> str:
    """How CP-SAT searched, for the table's header."""
    if workers == 1:
        return "one thread, its portfolio interleaved: the same result on every run"
    return f"{workers} threads, its parallel portfolio: not the same from run to run"


def _pattern_cells(r: Row) -> str:
    """The pattern bound's cells (bound, gap to the LP, gap to the bound, rounds); "not run"
    with ``--rounds 0``."""
    lp_gap = f"{(r.plan_part - r.lp_part) / r.objective:.3%}"
    if r.rounds == 0:
        return f"not run | {lp_gap} | - | 0"
    return (
        f"{r.pattern:,.0f} - {r.pattern_upper:,.0f} | {lp_gap} | "
        f"{(r.plan_part - r.pattern_upper) / r.objective:.3%} - "
        f"{(r.plan_part - r.pattern) / r.objective:.3%} | {r.rounds}"
        f"{'' if r.converged else ' (not converged)'}"
    )


def _cpsat_cell(r: Row) -> str:
    """CP-SAT's status and best tier-1 part, and how far below the plan's it is."""
    if r.cpsat is None:
        return "not run"
    status, best = r.cpsat
    return f"{status}: {best:,.0f} ({(best - r.plan_part) / r.objective:+.3%})"


def _fixing_cell(r: Row) -> str:
    """The reduced-cost fixing's figures: count LP and budget, what it fixes, the LP after."""
    if r.fixing is None:
        return "not run"
    f = r.fixing
    return (
        f"{f.count_lp:.3f} ({f.budget:.3f}), {f.forced} of {r.tier1} ({f.dropped} arcs), "
        f"{f.lp_part:,.0f} ({(r.plan_part - f.lp_part) / r.objective:.3%})"
    )


def _mip_cells(r: Row) -> str:
    """The MIP's two cells: status, best and bound; the plan's gap to the bound."""
    if r.mip is None:
        return "not run | -"
    status, found, bound = r.mip
    best = "none" if found is None else f"{found:,.0f}"
    if bound is None:
        return f"{status}: {best} / none | -"
    return f"{status}: {best} / {bound:,.0f} | {(r.plan_part - bound) / r.objective:.3%}"


def main() -> None:
    """Run the benchmark and write ``bench/results/cost_bound_seed<S>_<variant>.md``."""
    go_offline()
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--variant", choices=["default", "tight"], default="default")
    ap.add_argument("--townships", nargs="*", default=None)
    ap.add_argument("--max-tier1", type=int, default=250)
    ap.add_argument("--delta", type=float, default=0.002)
    ap.add_argument("--rounds", type=int, default=400, help="0: no pattern bound")
    ap.add_argument("--mip-nodes", type=int, default=5000, help="0: no MIP column")
    ap.add_argument(
        "--cpsat-work", type=float, default=0.0, help="deterministic seconds; 0: no CP-SAT"
    )
    ap.add_argument(
        "--cpsat-workers", type=int, default=1, help="above 1: parallel, not reproducible"
    )
    ap.add_argument("--fixing", action="store_true", help="add the reduced-cost fixing column")
    ap.add_argument("--cache", type=Path, default=ROOT / "bench" / ".cache")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    ap.add_argument("--name", default=None)
    args = ap.parse_args()
    rows: list[Row] = []
    subs = subproblems(args.seed, args.variant, args.townships, args.cache)
    for tw, (arr, _, _) in subs.items():
        n_top = int(top_mask(arr).sum())
        if args.townships is None and n_top > args.max_tier1:
            print(f"{tw}: {n_top} tier-1 households, above --max-tier1: skipped", flush=True)
            continue
        row = run(arr, tw, args)
        if row is None:
            print(f"{tw}: coverage not proven maximal: no cost bound with coverage fixed")
            continue
        print(row, flush=True)
        rows.append(row)
        write_table(args, rows)


if __name__ == "__main__":
    main()
