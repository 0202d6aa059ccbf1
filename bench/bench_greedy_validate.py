"""Benchmark: greedy baseline, independent validator and explanations on the synthetic prefecture.

Usage::

    .venv/bin/python bench/bench_greedy_validate.py --scale 1.0 --seed 1

Writes what it prints, with the peak memory of the process, to
``bench/results/greedy_validate.md``.

Scores are the generator's truth (``true_tier`` as the final tier, ``p_tier1`` as the risk),
so this needs no trained model. Prints seconds per stage and the plan figures the optimizer is
compared against: coverage by tier, travel, churn and the objective (arc costs + unassigned
penalties, the same terms the optimizer minimises, without the optional balance term).
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import polars as pl

from assignment.candidates import build_candidates
from assignment.domain import PlanInputs
from assignment.explain import explain_plan
from assignment.greedy import greedy_plan
from assignment.validator import validate_plan
from visit_planner.offline import go_offline
from visit_planner.policy import load_policy, settings_from_policy
from visit_planner.synthetic import generate
from visit_planner.synthetic.scores import truth_scores


def main() -> None:
    """Run the stages and print the figures."""
    go_offline()
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-explain", action="store_true")
    args = ap.parse_args()
    settings = settings_from_policy(load_policy())
    timings: dict[str, float] = {}

    lines: list[str] = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    def timed(name: str, fn, *a, **k):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        out = fn(*a, **k)
        timings[name] = time.perf_counter() - t
        say(f"- {name}: {timings[name]:.2f} s")
        return out

    pref = timed("generate", generate, scale=args.scale, seed=args.seed)
    scores = truth_scores(pref)
    hh = pref.households.join(
        scores.select(
            "household_id", pl.col("final_tier").alias("tier"), pl.col("p_tier1").alias("risk")
        ),
        on="household_id",
    )

    def candidates_by_county() -> pl.DataFrame:
        # Townships never share workers, so building the arcs county by county gives the same
        # table with a far lower peak memory than one prefecture-wide join.
        parts = []
        for county in sorted(hh["county_id"].unique().to_list()):
            hh_c = hh.filter(pl.col("county_id") == county)
            parts.append(
                build_candidates(
                    hh_c, pref.workers.filter(pl.col("county_id") == county),
                    pref.previous_assignment, pref.conflicts, settings,
                )
            )  # fmt: skip
        return pl.concat(parts).sort("household_id", "worker_id")

    cand = timed("candidates", candidates_by_county)
    plan = timed("greedy", greedy_plan, cand, hh, pref.workers, conflicts=pref.conflicts)
    inputs = PlanInputs(
        households=pref.households, workers=pref.workers, scores=scores,
        previous=pref.previous_assignment, conflicts=pref.conflicts,
    )  # fmt: skip
    violations = timed("validate", validate_plan, plan, inputs, settings)
    if not args.skip_explain:
        expl, _loads = timed("explain", explain_plan, plan, cand, inputs, settings)
        reasons = expl.group_by("reason_code").len().sort("reason_code")
    say(f"- households {hh.height:,}; workers {pref.workers.height:,}; arcs {cand.height:,}")
    say(f"- validator violations of the greedy plan: {len(violations)}")

    cost = plan.join(
        cand.select("household_id", "worker_id", "cost"), on=["household_id", "worker_id"],
        how="left",
    ).join(hh.select("household_id", "risk"), on="household_id")  # fmt: skip
    penalty = pl.col("tier").cast(pl.Int64).replace_strict(
        {t: settings.unassigned_base(t) for t in (1, 2, 3)}, return_dtype=pl.Float64
    ) * (1 + pl.col("risk"))
    objective = cost.select(
        pl.when(pl.col("worker_id").is_null()).then(penalty).otherwise(pl.col("cost")).sum()
    ).item()
    visits = (
        pl.col("tier")
        .cast(pl.Int64)
        .replace_strict(
            {t: settings.tier(t).visits_per_month for t in (1, 2, 3)}, return_dtype=pl.Float64
        )
    )
    travel = plan.select((visits * pl.col("travel_minutes").fill_null(0)).sum()).item()
    cover = (
        plan.group_by("tier")
        .agg(
            pl.len().alias("households"), pl.col("worker_id").is_not_null().mean().alias("covered")
        )
        .sort("tier")
    )
    prev = pref.previous_assignment.select("household_id").unique()
    churn = (
        plan.join(prev, on="household_id", how="semi")
        .select((~pl.col("kept_previous")).mean())
        .item()
    )
    say(f"- greedy objective (minutes-equivalent / month): {objective:,.0f}")
    say(f"- travel minutes per month: {travel:,.0f}")
    say(f"- churn (changed worker, of households with one last month): {churn:.3%}")
    say(f"- up-cover households: {plan['up_cover'].sum():,}")
    for tier, n, covered in cover.iter_rows():
        uncovered = n - round(n * covered)
        say(f"- tier {tier}: {n:,} households, covered {covered:.3%}, uncovered {uncovered:,}")
    if not args.skip_explain:
        say(f"- explanation reasons: {dict(reasons.iter_rows())}")
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    say(f"- peak memory of the process: {peak_gb:.2f} GB")
    head = [
        "# Greedy baseline, independent validator, explanations",
        "",
        f"Command: `.venv/bin/python bench/bench_greedy_validate.py --scale {args.scale:g} "
        f"--seed {args.seed}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}); 2-core "
        "machine shared with other jobs. Scores are the generator's truth (`true_tier` as the "
        "final tier, `p_tier1` as the risk); candidates are built county by county.",
        "",
    ]
    out = Path(__file__).resolve().parent / "results" / "greedy_validate.md"
    out.write_text("\n".join(head + lines) + "\n", "utf-8")


if __name__ == "__main__":
    main()
