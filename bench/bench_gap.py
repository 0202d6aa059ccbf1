"""Benchmark of the generic core on the OR-Library generalized assignment (GAP) instances.

Usage::

    .venv/bin/python bench/bench_gap.py                      # everything, about 20 min
    .venv/bin/python bench/bench_gap.py --sets gap --time-limit 30   # gap1-gap12 only

Runs the 60 instances of ``gap1``..``gap12`` (``tests/assignment/data``, profit
maximisation) and the 12 instances of the larger sets ``gapc`` and ``gapd``
(``bench/data/orlib``, cost minimisation; named ``c05100``..``d20200`` as in the
literature) with :func:`assignment.core.solve_core`, one time limit per instance, and
compares each result with the published value: the optimum for ``gap1``..``gap12``
(Beasley's OR-Library ``gapinfo``), the best known value for ``c``/``d``.

gap1-gap12 are solved by CP-SAT (the core's default). Each c/d instance gets a budget
(``--cd-time-limit`` for 100 jobs, twice that for 200) spent by default as a chain: HiGHS
branch-and-bound for half of it, then CP-SAT for the other half starting from HiGHS'
incumbent (``solve_core(..., hint=...)``); the reported bound is the better of the two
proven bounds (measured on d10100 and d20200: the chain beats either method alone with the
whole budget). ``--cd-method cpsat`` or ``highs`` uses one method for the whole budget. Writes
``bench/results/gap.md`` (per-instance table and summary lines). The provenance of the
data and of the published values is in ``tests/assignment/data/README.md`` and
``bench/data/orlib/README.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assignment.bounds import relative_gap  # noqa: E402
from assignment.core import CoreResult, solve_core  # noqa: E402
from assignment.domain import Status  # noqa: E402
from assignment.orlib import GapInstance, read_gap  # noqa: E402

SMALL_DIR = ROOT / "tests" / "assignment" / "data"
LARGE_DIR = ROOT / "bench" / "data" / "orlib"
OUT = ROOT / "bench" / "results" / "gap.md"

# Published optima of gap1-gap12 (profit maximisation), OR-Library gapinfo, in file order.
_SMALL_OPTIMA: dict[int, tuple[int, ...]] = {
    1: (336, 327, 339, 341, 326),
    2: (434, 436, 420, 419, 428),
    3: (580, 564, 573, 570, 564),
    4: (656, 644, 673, 647, 664),
    5: (563, 558, 564, 568, 559),
    6: (761, 759, 758, 752, 747),
    7: (942, 949, 968, 945, 951),
    8: (1133, 1134, 1141, 1117, 1127),
    9: (709, 717, 712, 723, 706),
    10: (958, 963, 960, 947, 947),
    11: (1139, 1178, 1195, 1171, 1171),
    12: (1451, 1449, 1433, 1447, 1446),
}

# Best known values of the c/d instances (cost minimisation), as listed with the
# OR-Library data (see bench/data/orlib/README.md for the sources and caveats).
KNOWN: dict[str, float] = {
    **{f"gap{s}-{k + 1}": float(v) for s, opt in _SMALL_OPTIMA.items() for k, v in enumerate(opt)},
    "c05100": 1931,
    "c05200": 3456,
    "c10100": 1402,
    "c10200": 2806,
    "c20100": 1243,
    "c20200": 2391,
    "d05100": 6353,
    "d05200": 12742,
    "d10100": 6347,
    "d10200": 12430,
    "d20100": 6185,
    "d20200": 12241,
}


@dataclass(frozen=True)
class Case:
    """One benchmark instance: its name, data, sense and time limit."""

    name: str
    instance: GapInstance
    maximize: bool
    time_limit: float


def large_name(letter: str, inst: GapInstance) -> str:
    """Literature name of a c/d instance, e.g. ``d05100`` (5 agents, 100 jobs)."""
    m, n = inst.cost.shape
    return f"{letter}{m:02d}{n}"


def cases(sets: set[str], small_limit: float, large_limit: float) -> list[Case]:
    """The instances to run; 200-job c/d instances get twice ``large_limit``."""
    out: list[Case] = []
    if "gap" in sets:
        for s in range(1, 13):
            for inst in read_gap(SMALL_DIR / f"gap{s}.txt"):
                out.append(Case(inst.name, inst, True, small_limit))
    for letter in ("c", "d"):
        if letter in sets:
            for inst in read_gap(LARGE_DIR / f"gap{letter}.txt"):
                limit = large_limit * max(1.0, inst.cost.shape[1] / 100)
                out.append(Case(large_name(letter, inst), inst, False, limit))
    return out


def deviation(case: Case, res: CoreResult) -> float | None:
    """How much worse than the published value (relative; negative = better than it)."""
    known = KNOWN.get(case.name)
    if known is None or res.objective is None:
        return None
    worse = known - res.objective if case.maximize else res.objective - known
    return worse / known


def _num(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{round(v):,}" if abs(v - round(v)) < 1e-6 else f"{v:,.2f}"


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.3%}"


def row(case: Case, res: CoreResult, method: str) -> str:
    """One Markdown table row."""
    m, n = case.instance.cost.shape
    known = KNOWN.get(case.name)
    return (
        f"| {case.name} | {'max' if case.maximize else 'min'} | {m}x{n} | {method} "
        f"| {res.status.value} "
        f"| {_num(res.objective)} | {_num(res.bound)} | {_pct(res.gap)} | {_num(known)} "
        f"| {_pct(deviation(case, res))} | {case.time_limit:g} | {res.seconds:.2f} |"
    )


def contradiction(case: Case, res: CoreResult) -> bool:
    """True when our proven bound excludes the published value (a data or solver error)."""
    known = KNOWN.get(case.name)
    if known is None or res.bound is None:
        return False
    return res.bound < known - 1e-6 if case.maximize else res.bound > known + 1e-6


def summary(results: list[tuple[Case, CoreResult]]) -> list[str]:
    """Summary lines: optima reached on gap1-12, deviation and gaps on c/d."""
    lines: list[str] = []
    small = [(c, r) for c, r in results if c.maximize]
    if small:
        hit = sum(1 for c, r in small if deviation(c, r) == 0)
        proven = sum(1 for _, r in small if r.status.value == "optimal")
        secs = [r.seconds for _, r in small]
        lines.append(
            f"- gap1-gap12: **{hit}/{len(small)}** instances reach the published optimum, "
            f"{proven}/{len(small)} proven optimal by the solver; "
            f"{sum(secs):.1f} s in total, slowest {max(secs):.2f} s."
        )
    large = [(c, r) for c, r in results if not c.maximize]
    if large:
        devs = [d for c, r in large if (d := deviation(c, r)) is not None]
        gaps = [r.gap for _, r in large if r.gap is not None]
        hit = sum(1 for d in devs if abs(d) < 1e-12)
        proven = sum(1 for _, r in large if r.status.value == "optimal")
        secs = [r.seconds for _, r in large]
        mean_dev = sum(devs) / len(devs) if devs else float("nan")
        lines.append(
            f"- c/d sets ({len(large)} instances): mean deviation from the best known value "
            f"**{mean_dev:.3%}**, max **{max(devs, default=float('nan')):.3%}**; "
            f"{hit}/{len(large)} equal the best known value, {proven}/{len(large)} proven "
            f"optimal; mean proven gap {sum(gaps) / max(len(gaps), 1):.3%}, max "
            f"{max(gaps, default=float('nan')):.3%}; {sum(secs):.0f} s in total."
        )
    bad = [c.name for c, r in results if contradiction(c, r)]
    lines.append(
        "- Proven bounds contradicting a published value: "
        + (", ".join(bad) if bad else "none")
        + "."
    )
    return lines


def solve_case(case: Case, method: str, threads: int) -> tuple[CoreResult, str]:
    """Solve one case; ``method`` ``chain`` = HiGHS then CP-SAT from its incumbent."""
    problem = case.instance.to_problem()
    if method != "chain":
        res = solve_core(
            problem,
            time_limit=case.time_limit,
            method=method,
            num_workers=threads,
            maximize=case.maximize,
        )
        return res, method
    half = case.time_limit / 2
    first = solve_core(problem, time_limit=half, method="highs", maximize=case.maximize)
    if first.status in (Status.OPTIMAL, Status.INFEASIBLE):
        return first, "highs"
    hint = first.choice if first.objective is not None else None
    second = solve_core(
        problem,
        time_limit=half,
        num_workers=threads,
        maximize=case.maximize,
        hint=hint,
    )
    return combine(case, first, second), "highs+cpsat"


def combine(case: Case, first: CoreResult, second: CoreResult) -> CoreResult:
    """Best incumbent and best proven bound of two solves of the same case, times added."""
    sign = -1.0 if case.maximize else 1.0
    runs = [(r.objective, r) for r in (first, second) if r.objective is not None]
    if not runs:
        return second
    obj, best = min(runs, key=lambda t: sign * t[0])
    bounds = [r.bound for r in (first, second) if r.bound is not None]
    bound = (min if case.maximize else max)(bounds) if bounds else None
    gap = None if bound is None else relative_gap(sign * obj, sign * bound)
    done = bound is not None and sign * (obj - bound) < 1 - 1e-9  # integer data
    return CoreResult(
        Status.OPTIMAL if done else best.status,
        obj,
        bound,
        0.0 if done else gap,
        first.seconds + second.seconds,
        best.choice,
        f"{first.message}; {second.message}",
    )


def main() -> None:
    """Solve each instance and write ``bench/results/gap.md``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", default="gap,c,d", help="comma list of gap, c, d")
    ap.add_argument("--time-limit", type=float, default=30.0, help="seconds per gap1-12 instance")
    ap.add_argument(
        "--cd-time-limit",
        type=float,
        default=120.0,
        help="seconds per 100-job c/d instance (200-job instances get twice this)",
    )
    ap.add_argument("--method", default="cpsat", choices=["cpsat", "highs"], help="for gap1-gap12")
    ap.add_argument(
        "--cd-method",
        default="chain",
        choices=["chain", "cpsat", "highs"],
        help="for c/d: chain = HiGHS for half the budget, then CP-SAT from its incumbent",
    )
    ap.add_argument("--threads", type=int, default=2, help="CP-SAT workers")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    sets = {s.strip() for s in args.sets.split(",") if s.strip()}
    todo = cases(sets, args.time_limit, args.cd_time_limit)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    results: list[tuple[Case, CoreResult]] = []
    table = [
        "| instance | sense | m x n | method | status | objective | proven bound | gap "
        "| published | worse than published | limit s | seconds |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for case in todo:
        res, used = solve_case(case, args.method if case.maximize else args.cd_method, args.threads)
        results.append((case, res))
        table.append(row(case, res, used))
        print(table[-1], flush=True)
    wall = time.perf_counter() - t0
    lines = [
        "# OR-Library GAP benchmark",
        "",
        f"Command: `.venv/bin/python bench/bench_gap.py --sets {','.join(sorted(sets))} "
        f"--time-limit {args.time_limit:g} --cd-time-limit {args.cd_time_limit:g} "
        f"--method {args.method} --cd-method {args.cd_method} --threads {args.threads}` "
        f"(started {started}; "
        f"{wall / 60:.1f} min wall clock). Machine: {os.cpu_count()} cores shared with other "
        f"agents (load average {load:.1f} at the start), so times are pessimistic.",
        "",
        "gap1-gap12: profit maximisation, published optima (OR-Library gapinfo), solved by "
        "CP-SAT. c/d: cost minimisation, best known values; 200-job instances get twice the "
        "c/d time limit; *highs+cpsat* = HiGHS for half the budget, then CP-SAT from its "
        "incumbent, bound = the better proven bound of the two (*highs* alone when it proves "
        "optimality in its half). "
        "*gap* is the solver's proven relative gap; *worse than published* is "
        "(published - objective)/published for maximisation and "
        "(objective - published)/published for minimisation (0 = equal, negative = better).",
        "",
        "## Summary",
        "",
        *summary(results),
        "",
        "## Instances",
        "",
        *table,
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".md.tmp")
    tmp.write_text("\n".join(lines), "utf-8")
    tmp.replace(args.out)
    print("\n".join(summary(results)))


if __name__ == "__main__":
    main()
