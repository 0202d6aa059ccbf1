"""Benchmark of the generic core on OR-Library generalized assignment instances.

Usage::

    .venv/bin/python bench/bench_gap.py --time-limit 60 --method cpsat

Runs every file in ``tests/assignment/data`` that is an OR-Library GAP file (``gap*.txt``
are profit-maximisation sets; ``c*``/``d*`` instances are cost minimisation) and compares
with the published optimum or best-known value (Beasley's OR-Library ``gapinfo``; the c/d
values are the optima commonly cited in the GAP literature). Writes
``bench/results/gap.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assignment.core import solve_core  # noqa: E402
from assignment.orlib import read_gap  # noqa: E402

# Published optimum (gap1-gap12, maximisation) or best known (c/d, minimisation).
KNOWN: dict[str, float] = {
    "gap1-1": 336,
    "gap1-2": 327,
    "gap1-3": 339,
    "gap1-4": 341,
    "gap1-5": 326,
    "d05100": 6353,
    "c05100": 1931,
}


def main() -> None:
    """Solve each instance and write the table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--method", default="cpsat", choices=["cpsat", "highs"])
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    data = ROOT / "tests" / "assignment" / "data"
    files = sorted(p for p in data.glob("*.txt"))
    lines = [
        "# OR-Library GAP benchmark",
        "",
        f"Command: `.venv/bin/python bench/bench_gap.py --time-limit {args.time_limit:g} "
        f"--method {args.method}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}), "
        f"{args.threads} CP-SAT workers, machine shared with other agents (times pessimistic).",
        "",
        "| instance | sense | status | objective | proven bound | gap | published | vs published "
        "| seconds |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for f in files:
        maximize = f.name.startswith("gap")
        for inst in read_gap(f):
            res = solve_core(
                inst.to_problem(),
                time_limit=args.time_limit,
                method=args.method,
                num_workers=args.threads,
                maximize=maximize,
            )
            known = KNOWN.get(inst.name)
            vs = "-"
            if known is not None and res.objective is not None:
                vs = f"{(res.objective - known) / known:+.3%}"
            lines.append(
                f"| {inst.name} | {'max' if maximize else 'min'} | {res.status.value} | "
                f"{res.objective} | {res.bound} | "
                f"{'-' if res.gap is None else f'{res.gap:.3%}'} | {known} | {vs} | "
                f"{res.seconds:.2f} |"
            )
            print(lines[-1], flush=True)
    out = ROOT / "bench" / "results" / "gap.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", "utf-8")


if __name__ == "__main__":
    main()
