"""Profile of the township solver: named townships of a cached prefecture, one at a time.

Usage::

    .venv/bin/python bench/bench_township.py --scale 1 --tight 532627017 532622008
    .venv/bin/python bench/bench_township.py --scale 1 --tight --top 8 --profile

Loads the prefecture that ``bench/bench_assign.py`` prepared (same cache key: generated once
when missing; ``--tight`` needs that benchmark's default plan, ``out_default``, to derive the
tight capacities the same way), builds the township tasks as ``assign`` does, and solves the
named townships (or the ``--top`` N with the most CPU seconds in the last full benchmark's
diagnostics) in this process, one at a time. Prints, per township, the CPU and wall seconds,
the solver's own stage split, the objective, the bound (of the user's weighted model) and its
gap, the tier-1 coverage, and where that is proven maximal the cost bound and gap with
coverage fixed, so a change can be judged on speed and plan quality together.
``--profile`` adds a cProfile listing of the heaviest functions (cumulative). ``--out FILE``
writes the table as markdown.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_assign import (  # noqa: E402
    cached_tight_workers,
    prepare,
    timed_solve,
    township_tasks_of,
)

from visit_planner.offline import go_offline  # noqa: E402
from visit_planner.policy import load_policy, settings_from_policy  # noqa: E402

STAGES = (
    "lp_seconds",
    "repair_seconds",
    "ejection_seconds",
    "packing_seconds",
    "top_stage_seconds",
    "bound_seconds",
    "coverage_fixed_bound_seconds",
)


def main() -> None:
    """Solve the chosen townships and print (and optionally write) their figures."""
    go_offline()
    ap = argparse.ArgumentParser()
    ap.add_argument("townships", nargs="*")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tight", action="store_true")
    ap.add_argument("--top", type=int, default=0, help="the N slowest (CPU) of the last run")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--cache", type=Path, default=ROOT / "bench" / ".cache")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    settings = settings_from_policy(load_policy())
    d = prepare(args.scale, args.seed, args.cache)
    variant = "tight" if args.tight else "default"
    workers = d / "workers.parquet"
    if args.tight:
        workers = cached_tight_workers(d)
    names = list(args.townships)
    if args.top:
        last = pl.read_parquet(d / f"out_{variant}" / "diagnostics.parquet")
        top = last.sort(["cpu_seconds", "township_id"], descending=[True, False]).head(args.top)
        names += [t for t in top["township_id"].to_list() if t not in names]
    t0 = time.perf_counter()
    tasks = {t.township_id: t for t in township_tasks_of(d, settings, workers)}
    print(f"tasks built in {time.perf_counter() - t0:.1f} s", flush=True)
    rows = []
    prof = cProfile.Profile() if args.profile else None
    for name in names:
        if name not in tasks:
            sys.exit(f"township {name} is not in the prefecture")
        if prof:
            prof.enable()
        ts = timed_solve(tasks[name])
        if prof:
            prof.disable()
        r = ts.result
        row = {
            "township": name,
            "households": int(ts.diag("households")),
            "cpu": ts.cpu,
            "wall": ts.wall,
            **{s.removesuffix("_seconds"): ts.diag(s) for s in STAGES},
            "rounds": int(ts.diag("pricing_rounds")),
            "objective": r.objective,
            "bound": r.bound,
            "gap": r.gap,
            "tier1": f"{int(ts.diag('tier1_covered'))}/{int(ts.diag('tier1_max_coverable'))}",
            # With coverage fixed (where coverage is proven maximal; else None).
            "cost_bound": r.diagnostics.get("cost_bound"),
            "cost_gap": r.diagnostics.get("cost_gap"),
            "status": r.status.value,
        }
        rows.append(row)
        print("  ".join(f"{k}={_cell(k, v)}" for k, v in row.items()), flush=True)
    table = pl.DataFrame(rows)
    with pl.Config(tbl_rows=100, tbl_cols=30, tbl_width_chars=250, float_precision=2):
        print(table)
        print(
            table.select(pl.col("cpu", "wall", *[s.removesuffix("_seconds") for s in STAGES]).sum())
        )
    if prof:
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(45)
        print(s.getvalue())
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(30)
        print(s.getvalue())
    if args.out:
        cols = list(rows[0])
        lines = [
            f"# township solves: scale {args.scale:g}, seed {args.seed}, {variant}",
            "",
            "| " + " | ".join(cols) + " |",
            "|" + "---|" * len(cols),
        ]
        for row in rows:
            lines.append("| " + " | ".join(_cell(k, v) for k, v in row.items()) + " |")
        args.out.write_text("\n".join(lines) + "\n", "utf-8")


def _cell(key: str, value: object) -> str:
    """A figure as printed: gaps in per cent (4 decimals), money to the unit, seconds to 2."""
    if not isinstance(value, float):
        return str(value)
    if key in ("gap", "cost_gap"):
        return f"{value:.4%}"
    if key in ("objective", "bound", "cost_bound"):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


if __name__ == "__main__":
    main()
