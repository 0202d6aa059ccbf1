"""Benchmark of the tier-1 coverage stage alone, on the cadre-short townships at scale 1.

Usage::

    .venv/bin/python bench/bench_coverage.py                     # seeds 1-3, default + tight
    .venv/bin/python bench/bench_coverage.py --seeds 1 --variants default --townships 532626004
    .venv/bin/python bench/bench_coverage.py --compare-bounds    # which side is weak

The prefecture is the cached one of ``bench/bench_assign.py`` (same generator, cache key and
scores file; generated on first use), read as ``assign`` reads it, with the tight workers as
that benchmark derives them (from its default plan, which must exist for ``--tight``: run
``bench_assign.py --scale 1 --seed S --solver-only`` once). Each township's arrays are built
as :func:`assignment.plan.solve_township` builds them, then presolved as
:func:`assignment.solver.township.solve_arrays` does; the coverage stage
(:func:`assignment.solver.coverage.max_coverage`) then runs on what presolve leaves open,
started from an *empty* plan (the pipeline hints it with its packing plan; an empty start is
the harder case). The sub-problems are pickled under the prefecture's cache directory, so
repeated runs only pay for the coverage stage.

Townships: by default every township the cached ``bench_assign`` run of that variant (else
the default run) left with an uncovered tier-1 household - the cadre-short ones.

``--compare-bounds`` also prints, per township, the older bounds (the relaxed CP-SAT model's
bound within its work limit, the compact LP of the tier-1 households with cardinality cuts)
next to the column-generation bound, to show which side (bound or plan) was weak.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_assign import (  # noqa: E402
    cached_tight_workers,
    prepare,
    township_tasks_of,
    write_result,
)

from assignment.candidates import build_candidates  # noqa: E402
from assignment.inputs import capacity_pins  # noqa: E402
from assignment.plan import TownshipTask  # noqa: E402
from assignment.problem import ArcArrays, township_arrays  # noqa: E402
from assignment.solver.coverage import Coverage, max_coverage  # noqa: E402
from assignment.solver.options import SolverOptions  # noqa: E402
from assignment.solver.repair import presolve  # noqa: E402
from visit_planner.offline import go_offline  # noqa: E402
from visit_planner.policy import load_policy, settings_from_policy  # noqa: E402

SUB_VERSION = 2  # bump when the pickled sub-problem's construction changes


def open_subproblem(task: TownshipTask) -> tuple[ArcArrays, np.ndarray, np.ndarray]:
    """The township's arrays after presolve, as :func:`solve_arrays` hands them on; also
    the household id of each of its households and the worker id of each of its arcs."""
    settings = task.settings
    arcs = build_candidates(
        task.households,
        task.workers,
        task.previous,
        task.conflicts,
        settings,
        pins=task.pins,
        forbids=task.forbids,
    )
    arcs, _ = capacity_pins(arcs, task.workers)
    arr = township_arrays(task.township_id, task.households, task.workers, arcs, settings)
    fixed = presolve(arr)
    has_arc = np.bincount(arr.arc_item, minlength=arr.n_items) > 0
    rest = np.flatnonzero((fixed < 0) & has_arc)
    h_used, n_used = arr.loads(fixed)
    sub, sub_arcs = arr.subset(rest, h_used, n_used)
    plain = ArcArrays(**{f: getattr(sub, f) for f in ArcArrays.__dataclass_fields__})
    hh_ids = arr.households["household_id"].to_numpy()[rest]
    worker_ids = arr.workers["worker_id"].to_numpy()[arr.arc_agent[sub_arcs]]
    return plain, hh_ids, worker_ids


def short_townships(d: Path, variant: str) -> list[str]:
    """Townships the cached ``bench_assign`` run of ``variant`` (else default) left with an
    uncovered tier-1 household."""
    for v in (variant, "default"):
        p = d / f"out_{v}" / "diagnostics.parquet"
        if p.exists():
            diag = pl.read_parquet(p)
            return sorted(diag.filter(pl.col("unassigned_tier1") > 0)["township_id"].to_list())
    raise SystemExit(
        f"{d}: no cached bench_assign run (out_default/diagnostics.parquet); run "
        "bench/bench_assign.py --solver-only for this seed first"
    )


def subproblems(seed: int, variant: str, names: list[str] | None, cache: Path) -> dict:
    """``{township_id: ArcArrays}`` of the named (or short) townships, from the pickle cache."""
    settings = settings_from_policy(load_policy())
    d = prepare(1.0, seed, cache)
    wanted = names or short_townships(d, variant)
    store = d / f"coverage_sub_v{SUB_VERSION}_{variant}"
    store.mkdir(exist_ok=True)
    out = {tw: store / f"{tw}.pkl" for tw in wanted}
    missing = [tw for tw, p in out.items() if not p.exists()]
    if missing:
        workers = d / "workers.parquet"
        if variant == "tight":
            workers = cached_tight_workers(d, reuse=True)
        tasks = {t.township_id: t for t in township_tasks_of(d, settings, workers)}
        unknown = sorted(set(missing) - set(tasks))
        if unknown:
            raise SystemExit(f"{d}: no such township (--townships): {', '.join(unknown)}")
        for tw in missing:
            sub = open_subproblem(tasks[tw])
            tmp = out[tw].with_suffix(f".{os.getpid()}.partial")
            tmp.write_bytes(pickle.dumps(sub))
            tmp.replace(out[tw])
    return {tw: pickle.loads(p.read_bytes()) for tw, p in out.items()}


def cached_plan(seed: int, variant: str, cache: Path) -> pl.DataFrame | None:
    """The cached ``bench_assign`` run's plan of this seed and variant, if any."""
    p = prepare(1.0, seed, cache) / f"out_{variant}" / "plan.parquet"
    return pl.read_parquet(p, columns=["household_id", "worker_id"]) if p.exists() else None


def start_plan(
    arr: ArcArrays, hh_ids: np.ndarray, worker_ids: np.ndarray, plan: pl.DataFrame | None
) -> np.ndarray:
    """The cached ``bench_assign`` plan's tier-1 assignment on the sub-problem (arc per
    household, -1 uncovered; lower households left out), or an empty plan without one."""
    start = np.full(arr.n_items, -1, dtype=np.int64)
    if plan is None:
        return start
    got = dict(zip(plan["household_id"].to_list(), plan["worker_id"].to_list(), strict=True))
    is_top = arr.tier[arr.arc_item] == 1
    for a in np.flatnonzero(is_top):
        i = int(arr.arc_item[a])
        if got.get(hh_ids[i]) == worker_ids[a]:
            start[i] = a
    return start


def run_one(arr: ArcArrays, start: np.ndarray, opts: SolverOptions) -> tuple[Coverage, float]:
    """The coverage stage from ``start`` with the tightening the pipeline applies where it
    is not proven (the tier-1 LP's floor, as in :func:`assignment.solver.township`);
    (result, CPU seconds)."""
    from dataclasses import replace

    from assignment.solver.lp import fractional_top_limit

    c0 = time.process_time()
    cov = max_coverage(arr, start, opts.coverage_work, opts.coverage_time_limit)
    if not cov.proven:
        k = fractional_top_limit(arr, opts, start=cov.plan(arr.n_items))
        if k is not None and cov.best <= k < cov.upper:
            cov = replace(cov, upper=k)
    return cov, time.process_time() - c0


def compare_bounds(arr: ArcArrays, opts: SolverOptions) -> dict[str, float]:
    """The older stage next to the new one (see the module docstring): CP-SAT alone on the
    relaxed model from an empty plan (best, bound) and the floor of the tier-1 LP with
    cardinality cuts."""
    from assignment.solver.coverage import _cpsat
    from assignment.solver.lp import fractional_top_limit
    from assignment.solver.top_model import top_model

    lp_k = fractional_top_limit(arr, opts)
    tm = top_model(arr)
    empty = np.full(len(tm.items), -1, dtype=np.int64)
    cp_best, _, cp_upper = _cpsat(arr, tm, empty, opts.coverage_work, opts.coverage_time_limit)
    return {"lp": float(lp_k if lp_k is not None else -1), "cp_best": cp_best, "cp": cp_upper}


def write_table(args: argparse.Namespace, rows: list[dict]) -> None:
    """The markdown of the rows so far (rewritten after each township)."""
    load = os.getloadavg()
    cmd = " ".join(["bench/bench_coverage.py", *sys.argv[1:]])
    lines = [
        "# Tier-1 coverage stage alone: cadre-short townships at scale 1",
        "",
        f"Command: `.venv/bin/python {cmd}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
        f"; load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on 2 shared "
        "cores). Each township's open sub-problem (after presolve) as the pipeline builds it, "
        "the coverage stage started from the tier-1 part of the cached `bench_assign` plan of "
        "that seed and variant (`start`: what the pipeline's plan covered; `--empty-start`: "
        "none); CPU seconds of this process.",
        "",
    ]
    for seed in args.seeds:
        for variant in args.variants:
            part = [r for r in rows if r["seed"] == seed and r["variant"] == variant]
            if not part:
                continue
            n_proven = sum(r["proven"] for r in part)
            lines += [
                f"## seed {seed}, {variant}: proven in {n_proven}/{len(part)} townships, "
                f"{sum(r['cpu'] for r in part):.1f} CPU s",
                "",
                "| township | tier-1 open | start | best | bound | proven | CPU s |"
                + (" LP bound | CP-SAT alone: best / bound |" if args.compare_bounds else ""),
                "|---|---:|---:|---:|---:|---|---:|"
                + ("---:|---:|" if args.compare_bounds else ""),
            ]
            for r in part:
                extra = (
                    f" {r['lp']:.0f} | {r['cp_best']:.0f} / {r['cp']:.0f} |"
                    if args.compare_bounds
                    else ""
                )
                lines.append(
                    f"| {r['township']} | {r['tier1']} | {r['start']} | {r['best']} | "
                    f"{r['bound']} | "
                    f"{'yes' if r['proven'] else 'no: at most ' + str(r['bound'] - r['best'])}"
                    f" | {r['cpu']:.1f} |{extra}"
                )
            lines.append("")
    write_result(args.results, args.name, lines)


def main() -> None:
    """Run the benchmark and write ``bench/results/coverage.md``."""
    go_offline()
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--variants", nargs="+", default=["default", "tight"])
    ap.add_argument("--townships", nargs="*", default=None)
    ap.add_argument("--compare-bounds", action="store_true")
    ap.add_argument(
        "--empty-start",
        action="store_true",
        help="Start from an empty plan, not the cached bench_assign run's plan.",
    )
    ap.add_argument("--cache", type=Path, default=ROOT / "bench" / ".cache")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    ap.add_argument("--name", default="coverage.md")
    args = ap.parse_args()
    opts = SolverOptions()
    rows = []
    for seed in args.seeds:
        for variant in args.variants:
            subs = subproblems(seed, variant, args.townships, args.cache)
            plan = None if args.empty_start else cached_plan(seed, variant, args.cache)
            for tw, (arr, hh_ids, worker_ids) in subs.items():
                start = start_plan(arr, hh_ids, worker_ids, plan)
                cov, cpu = run_one(arr, start, opts)
                row = {
                    "seed": seed,
                    "variant": variant,
                    "township": tw,
                    "tier1": cov.households,
                    "start": int((start >= 0).sum()),
                    "best": cov.best,
                    "bound": cov.upper,
                    "proven": cov.proven,
                    "cpu": cpu,
                    "message": cov.message,
                }
                if args.compare_bounds:
                    row.update(compare_bounds(arr, opts))
                print(row, flush=True)
                rows.append(row)
                write_table(args, rows)


if __name__ == "__main__":
    main()
