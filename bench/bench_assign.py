"""Benchmark of ``visit-planner assign`` on the synthetic prefecture (default and tight).

Usage::

    .venv/bin/python bench/bench_assign.py --scale 1 --processes 2
    .venv/bin/python bench/bench_assign.py --scale 1 --processes 2 --tight

The prefecture is generated once and cached under ``bench/.cache`` (not committed), in a
directory keyed by a hash of the generator's code, the scale and the seed (printed). Scores:
``assessed_tier`` (else the generator's ``true_tier``) as the final tier, the truth ``p_tier1``
as the risk. ``assign`` runs as a subprocess: wall time end to end (reading, solving, writing)
and the peak resident memory of its whole process tree (sampled from /proc every 0.2 s).

``--tight`` scales the ``monthly_hours`` and ``max_households`` of every peer group of workers
(a grid's grid workers, a village's officials, a township's cadres) so that the group's load in
the default plan becomes 85 % of its capacity (the issue's prototype setting).

The greedy baseline (``assignment.greedy``, per township) is run on the same inputs and
compared on the objective (arc costs + unassigned penalties), tier-1 coverage, travel, churn.
Results are written as markdown to ``bench/results/``.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assignment.bounds import relative_gap_net  # noqa: E402
from assignment.candidates import build_candidates  # noqa: E402
from assignment.domain import AssignmentSettings, PlanInputs  # noqa: E402
from assignment.greedy import greedy_plan  # noqa: E402
from assignment.plan import TownshipResult, TownshipTask, solve_township  # noqa: E402
from assignment.solver.options import SolverOptions  # noqa: E402
from assignment.validator import validate_plan  # noqa: E402
from visit_planner.offline import go_offline  # noqa: E402
from visit_planner.policy import load_policy, settings_from_policy  # noqa: E402
from visit_planner.synthetic.scores import truth_scores  # noqa: E402

TIGHT_UTILISATION = 0.85


GENERATOR_CODE = ("visit_planner/synthetic", "visit_planner/contracts/columns.py")
"""What ``generate`` runs: every file under the synthetic package, and the contract columns
it selects and clips to. The cache key hashes them, so a changed generator is re-run."""


def _write_scores(pref, path: Path) -> None:  # type: ignore[no-untyped-def]
    """The scores file: ``assessed_tier`` (else ``true_tier``) as final tier, truth p_tier1."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    truth_scores(pref, prefer_assessed=True).write_parquet(tmp)
    tmp.replace(path)


def cache_key(scale: float, seed: int) -> str:
    """``scale{scale}_seed{seed}_{12 hex}``: sha256 of the generator's code (the files of
    ``GENERATOR_CODE``, by relative path and content, caches left out), of the scores-file
    writer and of the parameters."""
    h = hashlib.sha256()
    files: list[Path] = []
    for rel in GENERATOR_CODE:
        p = ROOT / rel
        files += sorted(p.rglob("*")) if p.is_dir() else [p]
    for f in files:
        if not f.is_file() or "__pycache__" in f.parts or f.suffix in {".pyc", ".pyo"}:
            continue
        h.update(f.relative_to(ROOT).as_posix().encode() + b"\0")
        h.update(f.read_bytes() + b"\0")
    h.update(inspect.getsource(_write_scores).encode() + b"\0")
    h.update(f"scale={scale!r};seed={seed!r}".encode())
    return f"scale{scale:g}_seed{seed}_{h.hexdigest()[:12]}"


def prepare(scale: float, seed: int, cache: Path) -> Path:
    """Generate (once) the prefecture and a scores file into the cache directory.

    The directory is named by :func:`cache_key` (generator code, scale, seed), so figures
    never come from an older generator; the key is printed.
    """
    from visit_planner.synthetic import generate, write_prefecture

    key = cache_key(scale, seed)
    d = cache / key
    cached = (d / "scores.parquet").exists()
    print(f"prefecture cache key {key} ({'cached' if cached else 'generating'}): {d}", flush=True)
    if not cached:
        pref = generate(scale=scale, seed=seed)
        write_prefecture(pref, d)
        _write_scores(pref, d / "scores.parquet")
    return d


def township_tasks_of(  # type: ignore[no-untyped-def]
    d: Path, settings, workers: Path | None = None, *, previous: bool = True
):
    """The prepared prefecture ``d`` as one :class:`assignment.plan.TownshipTask` per township
    (largest first), read as ``assign`` reads it (contract readers; final tier and risk from
    the scores file); without last month's plan when ``previous`` is False (a programme's
    first month)."""
    from assignment.plan import township_tasks
    from visit_planner.assign_job import load_assign_inputs
    from visit_planner.plan_files import PlanPaths

    inputs = load_assign_inputs(
        PlanPaths(
            scores=d / "scores.parquet",
            households=d / "households.parquet",
            workers=workers or d / "workers.parquet",
            previous=d / "previous_assignment.parquet" if previous else None,
            conflicts=d / "conflicts.parquet",
        )
    )
    return township_tasks(
        inputs.households,
        inputs.workers,
        settings,
        previous=inputs.previous,
        conflicts=inputs.conflicts,
    )


@dataclass(frozen=True)
class TimedSolve:
    """One township solved in this process, with the CPU and wall seconds it took."""

    result: TownshipResult
    cpu: float
    wall: float

    def diag(self, key: str) -> float:
        """A numeric diagnostics value (0 when absent)."""
        return float(self.result.diagnostics.get(key) or 0.0)  # type: ignore[arg-type]


def timed_solve(
    task: TownshipTask,
    *,
    settings: AssignmentSettings | None = None,
    options: SolverOptions | None = None,
) -> TimedSolve:
    """Solve one township as ``assign`` does (``settings`` default to the task's)."""
    c0, t0 = time.process_time(), time.perf_counter()
    res = solve_township(
        task.households,
        task.workers,
        settings or task.settings,
        previous=task.previous,
        conflicts=task.conflicts,
        options=options or SolverOptions(),
    )
    return TimedSolve(res, time.process_time() - c0, time.perf_counter() - t0)


def pool_map(fn: Callable[[Any], Any], jobs: list[Any], processes: int) -> list[Any]:
    """``fn`` over ``jobs`` in ``processes`` spawned worker processes (polars and fork do
    not mix), results in completion order."""
    with mp.get_context("spawn").Pool(processes) as pool:
        out = list(pool.imap_unordered(fn, jobs))
        pool.close()  # let the workers exit on their own (terminate makes them print)
        pool.join()
    return out


def write_result(results: Path, name: str, lines: list[str]) -> Path:
    """Write a benchmark's markdown ``lines`` to ``results/name``, print them, return the path."""
    results.mkdir(parents=True, exist_ok=True)
    path = results / name
    path.write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))
    print(f"written {path}")
    return path


def _tree_rss_kb(root: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            stat = (p / "stat").read_text().rsplit(")", 1)[1].split()
            status = (p / "status").read_text()
        except OSError:
            continue
        children.setdefault(int(stat[1]), []).append(int(p.name))
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                rss[int(p.name)] = int(line.split()[1])
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def run_assign(
    d: Path, workers: Path, out: Path, processes: int, previous: bool = True
) -> tuple[float, float, int, float]:
    """Run the CLI; returns (wall seconds, peak tree RSS in GB, exit code, CPU seconds of the
    process and its reaped worker processes: a figure the machine's load hardly changes)."""
    cmd = [
        sys.executable,
        "-m",
        "visit_planner",
        "assign",
        "--scores",
        str(d / "scores.parquet"),
        "--households",
        str(d / "households.parquet"),
        "--workers",
        str(workers),
        *(("--previous", str(d / "previous_assignment.parquet")) if previous else ()),
        "--conflicts",
        str(d / "conflicts.parquet"),
        "--out",
        str(out),
        "--workers-processes",
        str(processes),
        "--overwrite",
    ]
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            time.sleep(0.2)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    code = proc.wait()
    wall = time.perf_counter() - start
    t.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, peak[0] / 1024 / 1024, code, cpu


def solve_in_process(
    d: Path, workers: Path, out: Path, processes: int, previous: bool = True
) -> tuple[float, float, int, float]:
    """The optimizer alone, as ``assign`` runs it (township tasks over ``processes`` worker
    processes), without the explanations and run files: writes ``plan.parquet`` and
    ``diagnostics.parquet`` to ``out``; returns (wall, peak tree RSS in GB, 0, CPU seconds
    of this process and its workers)."""
    from assignment.executor import default_executor
    from assignment.plan import combine_results, run_township_task

    settings = settings_from_policy(load_policy())
    before = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_kb(os.getpid()))
            time.sleep(0.2)

    t = threading.Thread(target=sample, daemon=True)
    start = time.perf_counter()
    t.start()
    tasks = township_tasks_of(d, settings, workers, previous=previous)
    results = list(default_executor(processes).run(run_township_task, tasks))
    res = combine_results(results, [], time.perf_counter() - start)
    out.mkdir(parents=True, exist_ok=True)
    res.plan.write_parquet(out / "plan.parquet")
    res.diagnostics.write_parquet(out / "diagnostics.parquet")
    wall = time.perf_counter() - start
    done.set()
    t.join()
    after = resource.getrusage(resource.RUSAGE_SELF)
    kids2 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(
        (b.ru_utime - a.ru_utime) + (b.ru_stime - a.ru_stime)
        for a, b in ((before, after), (kids, kids2))
    )
    return wall, peak[0] / 1024 / 1024, 0, cpu


def tight_workers(d: Path, plan: pl.DataFrame) -> Path:
    """Workers whose capacities put every peer group at 85 % utilisation of the default plan.

    A peer group is the workers who share a jurisdiction: a grid's grid workers, a village's
    officials, a township's cadres. Each group's ``monthly_hours`` and ``max_households`` are
    scaled so that the group's load in the default plan is 85 % of its capacity (the issue's
    prototype setting "every role near 85 % utilisation"). Groups the default plan does not
    use keep their capacity. Scaling whole groups, not single workers, leaves the packing of
    households onto workers to the optimizer, which is what makes the variant tight.
    """
    workers = pl.read_parquet(d / "workers.parquet")
    group = (
        pl.when(pl.col("role") == "grid_worker")
        .then(pl.col("grid_id"))
        .when(pl.col("role") == "village_official")
        .then(pl.col("village_id"))
        .otherwise(pl.col("township_id"))
    )
    workers = workers.with_columns(group.alias("_group"))
    used = (
        plan.filter(pl.col("worker_id").is_not_null())
        .group_by("worker_id")
        .agg(pl.col("hours_per_month").sum().alias("h"), pl.len().alias("n"))
    )
    per_group = (
        workers.filter(pl.col("active"))
        .join(used, on="worker_id", how="left")
        .group_by("role", "_group")
        .agg(
            pl.col("h").fill_null(0.0).sum().alias("h"),
            pl.col("n").fill_null(0).sum().alias("n"),
            pl.col("monthly_hours").sum().alias("H"),
            pl.col("max_households").sum().alias("N"),
        )
        .filter(pl.col("h") > 0)
        .with_columns(
            (pl.col("h") / pl.col("H") / TIGHT_UTILISATION).alias("fh"),
            (pl.col("n") / pl.col("N") / TIGHT_UTILISATION).alias("fn"),
        )
    )
    tight = (
        workers.join(
            per_group.select("role", "_group", "fh", "fn"), on=["role", "_group"], how="left"
        )
        .with_columns(
            (pl.col("monthly_hours") * pl.col("fh").fill_null(1.0)).alias("monthly_hours"),
            (pl.col("max_households") * pl.col("fn").fill_null(1.0))
            .ceil()
            .cast(pl.Int32)
            .alias("max_households"),
        )
        .drop("fh", "fn", "_group")
    )
    path = d / "workers_tight.parquet"
    tight.write_parquet(path)
    return path


def cached_tight_workers(d: Path, *, reuse: bool = False) -> Path:
    """:func:`tight_workers` of the cached default run of the prefecture ``d`` (``reuse``:
    the file written before, when there is one); exits naming the plan when that run is
    missing."""
    default_plan = d / "out_default" / "plan.parquet"
    if not default_plan.exists():
        raise SystemExit(
            f"{default_plan} missing: run bench_assign.py --solver-only on this prefecture first"
        )
    path = d / "workers_tight.parquet"
    if reuse and path.exists():
        return path
    return tight_workers(d, pl.read_parquet(default_plan))


def _proofs_by_step(diag: pl.DataFrame) -> str:
    """How many townships each step of the tier-1 count proved, read from the township
    messages ("tier-1 coverage proven maximal (N; proven by <step>)"), e.g.
    "tabu search 9, count MIP 1"; "" when no message names one."""
    steps = (
        diag.select(
            pl.col("message").str.extract(r"proven maximal \(\d+; proven by ([^)]*)\)").alias("s")
        )
        .drop_nulls()
        .group_by("s")
        .len()
        .sort(["len", "s"], descending=[True, False])
    )
    return ", ".join(f"{r['s']} {r['len']}" for r in steps.iter_rows(named=True))


def plan_figures(
    plan: pl.DataFrame, previous: pl.DataFrame, cost: pl.DataFrame, hh: pl.DataFrame, settings
) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Objective (same terms as the optimizer), coverage, travel and churn of a plan."""
    base = {t: settings.unassigned_base(t) for t in (1, 2, 3)}
    j = (
        plan.select("household_id", "worker_id")
        .join(cost, on=["household_id", "worker_id"], how="left")
        .join(hh.select("household_id", "tier", "risk"), on="household_id")
        .join(
            previous.select("household_id", pl.col("worker_id").alias("prev")),
            on="household_id",
            how="left",
        )
    )
    pen = pl.col("tier").replace_strict(base, return_dtype=pl.Float64) * (1 + pl.col("risk"))
    out = j.select(
        pl.when(pl.col("worker_id").is_null())
        .then(pen)
        .otherwise(pl.col("cost"))
        .sum()
        .alias("objective"),
        pl.col("travel_month").sum().alias("travel"),
        *[
            ((pl.col("tier") == t) & pl.col("worker_id").is_not_null()).sum().alias(f"cov{t}")
            for t in (1, 2, 3)
        ],
        *[(pl.col("tier") == t).sum().alias(f"n{t}") for t in (1, 2, 3)],
        (pl.col("prev").is_not_null() & (pl.col("prev") != pl.col("worker_id")).fill_null(True))
        .sum()
        .alias("changed"),
        pl.col("prev").is_not_null().sum().alias("with_prev"),
    ).row(0, named=True)
    return {k: float(v) for k, v in out.items()}


def greedy_all(  # noqa: PLR0917
    hh: pl.DataFrame,
    workers: pl.DataFrame,
    prev: pl.DataFrame,
    conflicts: pl.DataFrame,
    settings,  # type: ignore[no-untyped-def]
    ours: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame, float]:
    """Greedy plan of every township and the arc costs of both plans (township by township)."""
    start = time.perf_counter()
    plans, costs = [], []
    for tw in sorted(hh["township_id"].unique().to_list()):
        h = hh.filter(pl.col("township_id") == tw)
        w = workers.filter(pl.col("township_id") == tw)
        ids = h["household_id"].implode()
        p = prev.filter(pl.col("household_id").is_in(ids))
        c = conflicts.filter(pl.col("household_id").is_in(ids))
        cand = build_candidates(h, w, p, c, settings)
        plans.append(greedy_plan(cand, h, w, conflicts=c))
        costs.append(
            cand.select(
                "household_id",
                "worker_id",
                "cost",
                (
                    pl.col("travel_minutes")
                    * pl.col("tier").replace_strict(
                        {t: settings.tier(t).visits_per_month for t in (1, 2, 3)},
                        return_dtype=pl.Float64,
                    )
                ).alias("travel_month"),
            )
        )
    return pl.concat(plans), pl.concat(costs), time.perf_counter() - start


def first_month_lines(diag: pl.DataFrame, with_previous: Path) -> list[str]:
    """Tier-1 coverage per township without last month's plan against the run with it (the
    issue's first-month check): equal counts, both proven maximal, and any difference named."""
    if not with_previous.exists():
        return ["- run with the previous plan not in the cache: coverage not compared"]
    cols = ["township_id", "tier1_covered", "tier1_coverage_proven"]
    both = diag.select(cols).join(
        pl.read_parquet(with_previous).select(cols), on="township_id", suffix="_with"
    )
    equal = both.filter(pl.col("tier1_covered") == pl.col("tier1_covered_with"))
    proven = both.filter(pl.col("tier1_coverage_proven") & pl.col("tier1_coverage_proven_with"))
    differ = both.filter(pl.col("tier1_covered") != pl.col("tier1_covered_with"))
    lines = [
        f"- first month (no previous plan) against the run with it: tier-1 coverage equal in "
        f"**{equal.height}/{both.height}** townships ({int(both['tier1_covered'].sum()):,} vs "
        f"{int(both['tier1_covered_with'].sum()):,} covered); proven maximal in both runs in "
        f"{proven.height}/{both.height}"
    ]
    lines += [
        f"  - {tw}: {a} without, {b} with (proven: {p} without, {q} with)"
        for tw, a, p, b, q in differ.sort("township_id").iter_rows()
    ]
    return lines


def main() -> None:
    """Run the benchmark and write its markdown."""
    go_offline()
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--tight", action="store_true")
    ap.add_argument("--skip-greedy", action="store_true")
    ap.add_argument(
        "--solver-only",
        action="store_true",
        help="Time the optimizer in this process (township tasks over --processes workers), "
        "without assign's explanations and run files.",
    )
    ap.add_argument(
        "--no-previous",
        action="store_true",
        help="Without last month's plan (a programme's first month); the tier-1 coverage is "
        "compared per township with the run with it, when that run is in the cache.",
    )
    ap.add_argument("--reuse-run", action="store_true", help="Reuse the last assign run.")
    ap.add_argument("--cache", type=Path, default=ROOT / "bench" / ".cache")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    args = ap.parse_args()
    settings = settings_from_policy(load_policy())
    d = prepare(args.scale, args.seed, args.cache)
    variant = "tight" if args.tight else "default"
    workers_path = d / "workers.parquet"
    if args.tight:
        default_plan = d / "out_default" / "plan.parquet"
        if not default_plan.exists():
            run = solve_in_process if args.solver_only else run_assign
            run(d, workers_path, d / "out_default", args.processes)
        workers_path = cached_tight_workers(d)
    out = d / f"out_{variant}{'_noprev' if args.no_previous else ''}"
    timing = out / "bench_run.json"
    if args.reuse_run and timing.exists():
        saved = json.loads(timing.read_text())
        wall, peak_gb, code, cpu = saved[:4]
        # The load average at the end of that run (older files lack it: now's, then).
        load = tuple(saved[4]) if len(saved) > 4 else os.getloadavg()
    else:
        run = solve_in_process if args.solver_only else run_assign
        wall, peak_gb, code, cpu = run(
            d, workers_path, out, args.processes, previous=not args.no_previous
        )
        load = os.getloadavg()
        out.mkdir(parents=True, exist_ok=True)
        timing.write_text(json.dumps([wall, peak_gb, code, cpu, list(load)]))
    plan = pl.read_parquet(out / "plan.parquet")
    diag = pl.read_parquet(out / "diagnostics.parquet")

    hh = pl.read_parquet(d / "households.parquet").join(
        pl.read_parquet(d / "scores.parquet").select(
            "household_id", pl.col("final_tier").alias("tier"), pl.col("p_tier1").alias("risk")
        ),
        on="household_id",
    )
    workers = pl.read_parquet(workers_path)
    prev = pl.read_parquet(d / "previous_assignment.parquet")
    if args.no_previous:
        prev = prev.clear()
    conflicts = pl.read_parquet(d / "conflicts.parquet")
    lines = [
        f"# assign benchmark: scale {args.scale:g}, seed {args.seed}, {variant} capacities",
        "",
        f"Command: `.venv/bin/python bench/bench_assign.py --scale {args.scale:g} "
        f"{'' if args.seed == 1 else f'--seed {args.seed} '}--processes {args.processes}"
        f"{' --tight' if args.tight else ''}{' --skip-greedy' if args.skip_greedy else ''}"
        f"{' --solver-only' if args.solver_only else ''}"
        f"{' --no-previous' if args.no_previous else ''}` "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; prefecture cache key "
        f"`{d.name}`). Machine: 2 cores, at times shared with other work: the load "
        "average at the end of the run (below) says how busy it was; this run's own two "
        "processes make about 2.",
        "",
        f"- households {hh.height:,}; workers {workers.height:,}; townships {diag.height}",
        (
            "- optimizer alone (`--solver-only`: township tasks read as `assign` reads them, "
            "solved, plan and diagnostics written; no explanations or run files): "
            if args.solver_only
            else "- `assign` end to end: "
        )
        + f"wall clock **{wall:.1f} s** with {args.processes} "
        f"processes; peak memory of the process tree **{peak_gb:.2f} GB**; exit code {code}",
        f"- CPU seconds of `assign` and its worker processes {cpu:.0f} s (on an otherwise idle "
        f"2-core machine the wall time would be about {cpu / args.processes:.0f} s plus the "
        f"serial reading and writing); load average at the end {load[0]:.1f} / {load[1]:.1f} "
        f"/ {load[2]:.1f} (1/5/15 min) on 2 cores",
    ]
    obj, bound = float(diag["objective"].sum()), float(diag["bound"].sum())
    lp = float(diag["lp_bound"].sum())
    gap = (obj - bound) / obj
    lines += [
        f"- objective {obj:,.0f}; sum of proven (Lagrangian) bounds of the weighted model "
        f"{bound:,.0f}; "
        f"LP with cardinality cuts "
        f"{lp:,.0f}; **gap {gap:.3%}** (LP+cuts gap {(obj - lp) / obj:.3%})",
        f"- township gaps: median {diag['gap'].median():.4%}, 90th pct "
        f"{diag['gap'].quantile(0.9):.4%}, max {diag['gap'].max():.3%}; townships with gap "
        f"<= 0.5 %: {(diag['gap'] <= 0.005).sum()}/{diag.height}",
    ]
    if "tier1_coverage_proven" in diag.columns:
        proven = diag.filter(pl.col("tier1_coverage_proven").fill_null(False))
        open_ = diag.filter(~pl.col("tier1_coverage_proven").fill_null(False))
        # With coverage fixed: each proven township's bound of the plans that cover its
        # maximum (`cost_bound`; older runs lack it and had only the weighted model's bound).
        fixed = "cost_bound" if "cost_bound" in diag.columns else "bound"
        po, pb = float(proven["objective"].sum()), float(proven[fixed].sum())
        # The cost gap is relative to the objective less the penalties every plan covering
        # the maxima pays (`unavoidable_penalty`, as `plan` reports it); the share of the
        # whole objective is the figure of runs before that column.
        paid = (
            float(proven["unavoidable_penalty"].fill_null(0.0).sum())
            if "unavoidable_penalty" in proven.columns
            else 0.0
        )
        net = relative_gap_net(po, pb, paid) or 0.0
        lines.append(
            f"- tier-1 coverage proven maximal in **{proven.height}/{diag.height}** townships "
            f"({int(diag['tier1_covered'].sum()):,} of {int(diag['tier1_households'].sum()):,} "
            f"tier-1 households covered, proven maximum "
            f"{int(diag['tier1_max_coverable'].sum()):,}); cost gap with coverage fixed "
            f"(proven townships) **{net:.3%}**: objective {po:,.0f} less the penalties no plan "
            f"covering the maxima avoids {paid:,.0f}, less their bound {pb:,.0f} "
            f"({(po - pb) / po if po else 0.0:.3%} of the whole objective)"
        )
        by_step = _proofs_by_step(diag)
        if by_step:
            lines.append(f"- of them, with tier-1 households left uncovered, proven by: {by_step}")
        lines.append(
            "- not closed within the work limit: "
            + (
                "; ".join(
                    f"{r['township_id']} (at most {r['tier1_uncertainty']} more tier-1 "
                    "households may be coverable)"
                    for r in open_.iter_rows(named=True)
                )
                or "none"
            )
        )
    no_short = diag.filter(pl.col("unassigned_tier1") == 0)
    if no_short.height:
        o, b = float(no_short["objective"].sum()), float(no_short["bound"].sum())
        lines.append(
            f"- townships without a tier-1 shortfall ({no_short.height}): gap {(o - b) / o:.3%}"
        )
    short = diag.filter(pl.col("unassigned_tier1") > 0)
    if short.height:
        o, b = float(short["objective"].sum()), float(short["bound"].sum())
        lines.append(
            f"- townships with a tier-1 shortfall ({short.height}): gap {(o - b) / o:.3%}"
            f"; {int(short['unassigned_tier1'].sum())} tier-1 households uncovered"
        )
        if "cost_gap" in short.columns:
            fixed_short = short.filter(pl.col("cost_gap").is_not_null()).sort("township_id")
            lines.append(
                "- of them with coverage proven maximal, cost gap with coverage fixed (gap of "
                "the weighted model): "
                + (
                    "; ".join(
                        f"{r['township_id']} {r['cost_gap']:.3%} ({r['gap']:.3%})"
                        for r in fixed_short.iter_rows(named=True)
                    )
                    or "none"
                )
            )
    near = diag.with_columns((pl.col("households") - 10_000).abs().alias("_d")).sort("_d").head(3)
    lines.append(
        "- townships closest to 10 k households: "
        + "; ".join(
            f"{r['township_id']} ({r['households']:,} households) {r['seconds']:.2f} s"
            for r in near.iter_rows(named=True)
        )
    )
    lines.append(
        f"- sum of township CPU seconds "
        f"{diag['cpu_seconds'].sum() if 'cpu_seconds' in diag.columns else float('nan'):.0f} s"
    )
    stages = ("lp", "repair", "ejection", "packing", "top_stage", "bound", "coverage_fixed_bound")
    lines.append(
        f"- slowest township {diag['seconds'].max():.1f} s wall; sum of township wall seconds "
        f"{diag['seconds'].sum():.0f} s; solver stages in CPU seconds (summed over townships): "
        + ", ".join(
            f"{s.replace('_', ' ')} {diag[f'{s}_seconds'].sum():.0f}"
            for s in stages
            if f"{s}_seconds" in diag.columns
        )
    )
    lines.append(
        f"- candidate arcs {int(diag['arcs'].sum()):,}; LP columns after pricing "
        f"{int(diag['lp_columns'].sum()):,}; households fixed by presolve "
        f"{int(diag['presolved_households'].sum()):,}"
    )
    util = ", ".join(
        f"{r} {diag[f'utilisation_{r}'].mean():.1%}"
        for r in ("cadre", "village_official", "grid_worker")
    )
    lines.append(f"- mean township utilisation by role (hours): {util}")
    spread = ", ".join(
        f"{r} {diag[f'spread_utilisation_{r}'].mean():.1%}"
        for r in ("cadre", "village_official", "grid_worker")
    )
    lines.append(
        f"- workload balance: cost {diag['balance_cost'].sum():,.0f} "
        f"({diag['balance_cost'].sum() / obj:.3%} of the objective); "
        f"{int(diag['overloaded_workers'].sum()):,} workers above their threshold; "
        f"mean township spread (highest minus mean utilisation): {spread}; "
        "largest utilisation above the peer group's fair share, mean over townships: "
        + ", ".join(
            f"{r} {diag[f'above_fair_share_{r}'].mean():.1%}"
            for r in ("cadre", "village_official", "grid_worker")
        )
    )
    start = time.perf_counter()
    violations = validate_plan(
        plan,
        PlanInputs(
            households=pl.read_parquet(d / "households.parquet"),
            workers=workers,
            scores=pl.read_parquet(d / "scores.parquet"),
            previous=prev,
            conflicts=conflicts,
        ),
        settings,
    )
    lines.append(
        f"- independent validator (`check-plan` rules): {len(violations)} violations "
        f"({time.perf_counter() - start:.1f} s)"
    )
    if not args.skip_greedy:
        gplan, cost, gsec = greedy_all(hh, workers, prev, conflicts, settings, plan)
        ours = plan_figures(plan, prev, cost, hh, settings)
        theirs = plan_figures(gplan, prev, cost, hh, settings)
        lines += [
            "",
            "Objective here: arc costs + unassigned penalties (the greedy baseline has no "
            "balance term, so it is left out of both).",
            "",
            "| plan | objective | above bound | tier-1 covered | tier-2 covered | "
            "tier-3 covered | travel min/month | churn |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, f in (("optimizer", ours), (f"greedy ({gsec:.0f} s)", theirs)):
            lines.append(
                f"| {name} | {f['objective']:,.0f} | {(f['objective'] - bound) / bound:.2%} | "
                f"{int(f['cov1']):,}/{int(f['n1']):,} | {int(f['cov2']):,}/{int(f['n2']):,} | "
                f"{int(f['cov3']):,}/{int(f['n3']):,} | {f['travel']:,.0f} | "
                f"{f['changed'] / max(f['with_prev'], 1):.1%} |"
            )
    if args.no_previous:
        lines += first_month_lines(diag, d / f"out_{variant}" / "diagnostics.parquet")
    lines += ["", "Shortfalls (township: text):", ""]
    lines += [
        f"- {r[0]}: {r[1]}"
        for r in diag.filter(pl.col("shortfall") != "")
        .select("township_id", "shortfall")
        .iter_rows()
    ] or ["- none"]
    args.results.mkdir(parents=True, exist_ok=True)
    seed_part = "" if args.seed == 1 else f"_seed{args.seed}"
    seed_part += "_solver" if args.solver_only else ""
    seed_part += "_noprev" if args.no_previous else ""
    path = args.results / f"assign_scale{args.scale:g}{seed_part}_{variant}.md"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
