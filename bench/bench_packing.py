"""Packing benchmark: tier-1 coverage of the cadre-short townships with and without packing.

Usage::

    .venv/bin/python bench/bench_packing.py --scale 1 --seed 1

Self-contained: the synthetic prefecture is generated (or reused from ``bench/.cache``, keyed
by the generator's code, scale and seed: ``bench_assign.prepare``) and read as ``assign``
reads it. Every township is solved once with the default :class:`SolverOptions` through
:func:`assignment.plan.solve_township` (the production path, greedy safeguard included), one
process, largest first. The *cadre-short* townships are those whose plan leaves tier-1
households uncovered; each is solved again with ``SolverOptions(packing_effort=0)`` (the
packing search of :mod:`assignment.solver.packing` off, in the main step and in the exact
tier-1 stage; everything else unchanged). Per township: households, tier-1 households,
cadres, tier-1 uncovered without / with packing, objective without / with, the packing step's
seconds and the township's solve seconds (CPU; the solver is single-threaded).

Writes ``bench/results/packing.md`` (other scales or seeds: ``packing_scale{S}_seed{N}.md``)
with the command at the top.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_assign import TimedSolve as Solved  # noqa: E402
from bench_assign import prepare, timed_solve, township_tasks_of, write_result  # noqa: E402

from assignment.plan import TownshipTask  # noqa: E402
from assignment.solver.options import SolverOptions  # noqa: E402
from visit_planner.offline import go_offline  # noqa: E402
from visit_planner.policy import load_policy, settings_from_policy  # noqa: E402


def solve(task: TownshipTask, options: SolverOptions) -> Solved:
    """Solve one township as ``assign`` does, with ``options``."""
    return timed_solve(task, options=options)


def notes(s: Solved) -> str:
    """Which late steps shaped the plan (from the solver's message)."""
    msg = s.result.diagnostics.get("message") or ""
    out = []
    if "greedy+ejection plan kept" in str(msg):
        out.append("greedy+ejection plan kept")
    if "plan improved" in str(msg):
        out.append("exact tier-1 stage improved")
    return ", ".join(out) or "-"


def main() -> None:
    """Screen every township, re-solve the cadre-short ones without packing, write the table."""
    go_offline()
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cache", type=Path, default=ROOT / "bench" / ".cache")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    args = ap.parse_args()
    started = time.gmtime()
    settings = settings_from_policy(load_policy())
    d = prepare(args.scale, args.seed, args.cache)
    tasks = township_tasks_of(d, settings)
    default = SolverOptions()
    off = SolverOptions(packing_effort=0)

    t0, cpu0 = time.perf_counter(), time.process_time()
    short: list[tuple[TownshipTask, Solved]] = []
    for k, task in enumerate(tasks, 1):
        s = solve(task, default)
        if s.result.unassigned_tier1 > 0:
            short.append((task, s))
        print(
            f"[{k}/{len(tasks)}] {task.township_id}: {task.households.height:,} households, "
            f"tier-1 uncovered {s.result.unassigned_tier1}, {s.cpu:.1f} s cpu",
            flush=True,
        )
    screen_wall, screen_cpu = time.perf_counter() - t0, time.process_time() - cpu0

    rows = []
    for task, with_p in sorted(short, key=lambda ts: ts[0].township_id):
        without = solve(task, off)
        print(
            f"{task.township_id}: tier-1 uncovered {without.result.unassigned_tier1} without "
            f"packing, {with_p.result.unassigned_tier1} with",
            flush=True,
        )
        hh = task.households
        cadres = task.workers.filter(
            (pl.col("role") == "cadre") & pl.col("active").fill_null(False)
        ).height
        rows.append((task, hh, cadres, without, with_p))

    seed_part = "" if args.seed == 1 else f" --seed {args.seed}"
    load = os.getloadavg()
    lines = [
        f"# Packing search on the cadre-short townships: scale {args.scale:g}, seed {args.seed}",
        "",
        f"Command: `nice -n 10 .venv/bin/python bench/bench_packing.py --scale {args.scale:g}"
        f"{seed_part}` (started {time.strftime('%Y-%m-%d %H:%M UTC', started)}; prefecture "
        f"cache key `{d.name}`). Machine: 2 cores, at times shared with other work; load "
        f"average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min), "
        "this run's own process makes about 1. Seconds below are CPU seconds of this "
        "process (the solver is single-threaded), which load changes little.",
        "",
        "Every township solved once with the default `SolverOptions()` through "
        "`assignment.plan.solve_township` (the `assign` path, greedy safeguard included), one "
        f"process: {len(tasks)} townships, {screen_cpu:.0f} s CPU ({screen_wall:.0f} s wall). "
        f"Cadre-short = the plan leaves tier-1 households uncovered: **{len(rows)}** "
        "townships, each solved again with `SolverOptions(packing_effort=0)` (packing search "
        f"off; default effort {default.packing_effort} work units). *objective*: arc costs + "
        "unassigned penalties + balance cost, as the solver minimises it; *packing s*: the "
        "packing step of the default solve; *solve s*: the whole township solve (CPU) "
        "without / with packing.",
        "",
        "| township | households | tier-1 households | cadres | tier-1 uncovered, no packing "
        "| tier-1 uncovered, packing | tier-1 covered by packing | objective, no packing "
        "| objective, packing | change | packing s | solve s | notes (with packing) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    tot = {"u0": 0, "u1": 0, "o0": 0.0, "o1": 0.0}
    gains = []
    for task, hh, cadres, without, with_p in rows:
        u0, u1 = without.result.unassigned_tier1, with_p.result.unassigned_tier1
        o0 = without.result.objective or 0.0
        o1 = with_p.result.objective or 0.0
        tot["u0"] += u0
        tot["u1"] += u1
        tot["o0"] += o0
        tot["o1"] += o1
        gains.append(u0 - u1)
        lines.append(
            f"| {task.township_id} | {hh.height:,} | {int((hh['tier'] == 1).sum()):,} | "
            f"{cadres} | {u0} | {u1} | {u0 - u1:+d} | {o0:,.0f} | {o1:,.0f} | "
            f"{(o1 - o0) / o0:+.3%} | {with_p.diag('packing_seconds'):.2f} | "
            f"{without.cpu:.1f} / {with_p.cpu:.1f} | {notes(with_p)} |"
        )
    if rows:
        lines.append(
            f"| **all {len(rows)}** | | | | {tot['u0']} | {tot['u1']} | "
            f"{tot['u0'] - tot['u1']:+d} | {tot['o0']:,.0f} | {tot['o1']:,.0f} | "
            f"{(tot['o1'] - tot['o0']) / tot['o0']:+.3%} | | | |"
        )
        lines += [
            "",
            f"Tier-1 households covered by packing per cadre-short township: "
            f"min {min(gains)}, max {max(gains)} (total {sum(gains)}).",
        ]
    else:
        lines += ["", "No township leaves tier-1 households uncovered at this scale."]
    name = (
        "packing.md"
        if (args.scale, args.seed) == (1.0, 1)
        else f"packing_scale{args.scale:g}_seed{args.seed}.md"
    )
    write_result(args.results, name, lines)


if __name__ == "__main__":
    main()
