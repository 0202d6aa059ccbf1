"""Benchmark: explaining one household from a run (``explain --run``) vs from the input files.

Usage::

    .venv/bin/python bench/bench_explain.py --scale 0.1 --households 20

Generates the synthetic prefecture (truth-based scores: ``true_tier`` as the final tier,
``p_tier1`` as the risk), runs ``assign`` once through the library into a temporary directory,
then times, for the same randomly drawn households (fixed seed):

* the run reader: :class:`visit_planner.runs.RunReader` opened on the run directory, one
  household's explanation and ranked alternatives (what ``explain --run`` computes);
* the file form: ``run_explain`` with the plan and its input files (what ``explain --plan ...``
  computes: it reads and validates every input, then builds the township's candidates).

Writes ``bench/results/explain_scale<S>.md``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from visit_planner.assign_job import run_assign  # noqa: E402
from visit_planner.check_plan_job import PlanPaths, run_explain  # noqa: E402
from visit_planner.offline import go_offline  # noqa: E402
from visit_planner.policy import load_policy  # noqa: E402
from visit_planner.runs import RunReader  # noqa: E402
from visit_planner.synthetic import generate, write_prefecture  # noqa: E402
from visit_planner.synthetic.scores import truth_scores  # noqa: E402


def main() -> None:
    """Prepare one run, time both ways of explaining, write the table."""
    go_offline()
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--households", type=int, default=20, help="households explained")
    ap.add_argument("--file-form", type=int, default=3, help="of them also by the file form")
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        pref = generate(scale=args.scale, seed=args.seed)
        write_prefecture(pref, d)
        truth_scores(pref).write_parquet(d / "scores.parquet")
        paths = PlanPaths(
            d / "scores.parquet",
            d / "households.parquet",
            d / "workers.parquet",
            d / "previous_assignment.parquet",
            d / "conflicts.parquet",
        )
        t0 = time.perf_counter()
        run_assign(paths, None, d / "run", processes=args.processes)
        assign_s = time.perf_counter() - t0
        ids = sorted(pref.households["household_id"].to_list())
        picked = random.Random(args.seed).sample(ids, args.households)
        reader_s = []
        for hid in picked:
            t = time.perf_counter()
            reader = RunReader(d / "run")
            reader.explanation(hid)
            reader.alternatives(hid)
            reader_s.append(time.perf_counter() - t)
        file_s = []
        policy = load_policy()
        for hid in picked[: args.file_form]:
            t = time.perf_counter()
            run_explain(d / "run" / "plan.parquet", paths, policy, hid)
            file_s.append(time.perf_counter() - t)
    n = pref.households.height
    lines = [
        f"# explain: one household, scale {args.scale:g} ({n:,} households), seed {args.seed}",
        "",
        f"Command: `.venv/bin/python bench/bench_explain.py --scale {args.scale:g} "
        f"--households {args.households}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
        "); 2-core machine, shared.",
        "",
        f"- assign (to prepare the run): {assign_s:.1f} s",
        "",
        "| way | households | median s | max s |",
        "|---|---|---|---|",
        f"| run reader (`explain --run`) | {len(reader_s)} | {statistics.median(reader_s):.3f} "
        f"| {max(reader_s):.3f} |",
        f"| input files (`explain --plan ...`) | {len(file_s)} | "
        f"{statistics.median(file_s):.3f} | {max(file_s):.3f} |",
    ]
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / f"explain_scale{args.scale:g}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
