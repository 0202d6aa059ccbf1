"""What each step of the tier-1 coverage stage adds, over whole prefectures at scale 1.

Usage::

    .venv/bin/python bench/bench_coverage_steps.py                   # seeds 1-3, CP-SAT on
    .venv/bin/python bench/bench_coverage_steps.py --seeds 2 --coverage-work 0
    .venv/bin/python bench/bench_coverage_steps.py --tight       # the tight variant's workers

Every township of the cached prefecture of ``bench/bench_assign.py`` (same generator, cache
key and scores file; generated on first use) is solved as ``assign`` solves it, in
``--processes`` worker processes, with the coverage stage's CP-SAT given ``--coverage-work``
units of deterministic time (the township solver's option, default 2.0; 0 leaves it out).
The steps of :func:`assignment.solver.coverage.max_coverage` (the tabu
search, each of its calls a step; the count LP's floor; the count MIP, CP-SAT), the LP
limit of the tier-1 households and
the cheapest cover are wrapped to record, per call, the CPU seconds, the count it started
from, the count it reached and its bound. The table says per step how often it ran, its
CPU seconds, how often it covered more than the count it started from, and how often its
bound was below every other step's in the township (without it, the township's bound would
be weaker), with the townships where it did either: a step that never does costs time for
nothing.

Instrumentation, not a timing benchmark: CPU seconds of one run on a shared machine vary by
up to 20 % from one run to the next.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_assign as ba  # noqa: E402

import assignment.solver.coverage as cov_mod  # noqa: E402
import assignment.solver.township as town_mod  # noqa: E402
from assignment.solver.options import SolverOptions  # noqa: E402
from visit_planner.offline import go_offline  # noqa: E402
from visit_planner.policy import load_policy, settings_from_policy  # noqa: E402

RECORDS: list[dict[str, Any]] = []
INSIDE: list[str] = []  # the steps running now: a step's inner calls are its part
STEPS = ("search", "lplimit", "mip", "cpsat", "fraclimit", "cheapest")


def _count(choice: Any) -> int | None:
    return None if choice is None else int((choice >= 0).sum())


def _wrap(name: str, fn: Callable[..., Any], facts: Callable[..., dict[str, Any]]) -> Any:
    def wrapped(*a: Any, **k: Any) -> Any:
        nested = bool(INSIDE)
        INSIDE.append(name)
        t0 = time.process_time()
        try:
            out = fn(*a, **k)
        finally:
            INSIDE.pop()
        if not nested:  # a step's inner calls are counted in the step itself
            RECORDS.append({"step": name, "cpu": time.process_time() - t0, **facts(a, out)})
        return out

    return wrapped


def _instrument() -> None:
    """Wrap the stage's steps (in this process and, by import, in every spawned worker)."""
    cov_mod._searched = _wrap(
        "search",
        cov_mod._searched,
        lambda a, r: {"start": _count(a[2]), "got": _count(r), "bound": None},
    )
    cov_mod._lp_limit = _wrap(
        "lplimit", cov_mod._lp_limit, lambda a, r: {"bound": None if r is None else r[0]}
    )
    cov_mod._fitting_mip = _wrap(
        "mip",
        cov_mod._fitting_mip,
        lambda a, r: {"start": a[2], "got": _count(r[0]), "bound": r[1]},
    )
    cov_mod._cpsat = _wrap(
        "cpsat",
        cov_mod._cpsat,
        lambda a, r: {"start": _count(a[2]), "got": r[0], "bound": r[2]},
    )
    town_mod.fractional_top_limit = _wrap(
        "fraclimit", town_mod.fractional_top_limit, lambda a, r: {"bound": r}
    )
    town_mod.cheapest_cover = _wrap("cheapest", town_mod.cheapest_cover, lambda a, r: {})


_instrument()


def _solve(job: tuple[Any, float]) -> dict[str, Any]:
    task, work = job
    RECORDS.clear()
    ts = ba.timed_solve(task, options=SolverOptions(coverage_work=work))
    cov = ts.result.diagnostics
    return {
        "township": task.township_id,
        "cpu": ts.cpu,
        "steps": list(RECORDS),
        "top_covered": int(cov.get("tier1_covered") or 0),  # type: ignore[call-overload]
        "top_proven": bool(cov.get("tier1_coverage_proven")),
    }


def step_table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per step: calls, CPU seconds, calls that covered more than the count they started
    from, calls whose bound was below the bound of every other step of the township (the
    township's bound would be weaker without it)."""
    out = []
    for step in STEPS:
        calls = more = alone = 0
        cpu = 0.0
        where: list[str] = []
        for r in rows:
            for k, s in enumerate(r["steps"]):
                if s["step"] != step:
                    continue
                calls += 1
                cpu += s["cpu"]
                got, start, b = s.get("got"), s.get("start"), s.get("bound")
                others = [
                    o["bound"]
                    for j, o in enumerate(r["steps"])
                    if j != k and o.get("bound") is not None
                ]
                is_alone = b is not None and all(b < o for o in others)
                is_more = got is not None and start is not None and got > start
                alone += int(is_alone)
                more += int(is_more)
                if step == "cpsat" and (is_alone or is_more):
                    where.append(f"{r['township']} ({start} -> {got}, bound {b})")
        out.append(
            {
                "step": step,
                "calls": calls,
                "cpu": cpu,
                "more": more,
                "alone": alone,
                "where": "; ".join(where),
            }
        )
    return out


def main() -> None:
    """Run the instrumented solves and write ``bench/results/coverage_steps.md``."""
    go_offline()
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--processes", type=int, default=2)
    default_work = SolverOptions().coverage_work
    ap.add_argument("--coverage-work", type=float, default=default_work)
    ap.add_argument(
        "--tight",
        action="store_true",
        help="the tight workers of bench_assign.py (needs its default run of the seed)",
    )
    ap.add_argument("--cache", type=Path, default=ROOT / "bench" / ".cache")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    args = ap.parse_args()
    settings = settings_from_policy(load_policy())
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        "# Tier-1 coverage stage: what each step adds (scale 1, "
        f"{'tight' if args.tight else 'default'} capacities)",
        "",
        "Command: `.venv/bin/python bench/bench_coverage_steps.py --seeds "
        f"{' '.join(map(str, args.seeds))} --processes {args.processes} --coverage-work "
        f"{args.coverage_work:g}{' --tight' if args.tight else ''}` ({stamp}).",
        "",
        "Steps: `search` the tabu search of the count (each call: from the plan or the "
        "count LP's whole arcs, best-fit or lightest-first insertion), `lplimit` the floor "
        "of the count's LP, `mip` the tier-1 count MIP (townships up to 16,000 tier-1 "
        "arcs), `cpsat` "
        "CP-SAT on the count, `fraclimit` the LP limit of the tier-1 households, `cheapest` the "
        "cheapest cover of that many. *more*: calls that covered more than the count they "
        "started from; *best bound alone*: calls whose bound was below every other step's "
        "bound in the township (without the step, the township's bound would be weaker).",
        "",
        "| seed | step | calls | CPU s | covered more | best bound alone | where (CP-SAT) |",
        "|---|---|---|---|---|---|---|",
    ]
    for seed in args.seeds:
        d = ba.prepare(1.0, seed, args.cache)
        workers = ba.cached_tight_workers(d) if args.tight else None
        tasks = ba.township_tasks_of(d, settings, workers)
        jobs = [(t, args.coverage_work) for t in tasks]
        rows = ba.pool_map(_solve, jobs, args.processes)
        total = sum(r["cpu"] for r in rows)
        covered = sum(r["top_covered"] for r in rows)
        proven = sum(r["top_proven"] for r in rows)
        for s in step_table(rows):
            lines.append(
                f"| {seed} | {s['step']} | {s['calls']} | {s['cpu']:.0f} | {s['more']} | "
                f"{s['alone']} | {s['where']} |"
            )
        lines.append(
            f"| {seed} | all townships | {len(rows)} | {total:.0f} | {covered:,} tier-1 "
            f"covered | coverage proven in {proven} | |"
        )
    work = "" if args.coverage_work == default_work else f"_work{args.coverage_work:g}"
    ba.write_result(args.results, f"coverage_steps{'_tight' if args.tight else ''}{work}.md", lines)


if __name__ == "__main__":
    main()
