"""Does the solving order's pressure rule start the slow townships first?

Usage::

    .venv/bin/python bench/bench_schedule.py --seeds 1 2 3

For each seed's cached ``bench_assign.py --scale 1 --solver-only`` run (default capacities;
run it first), the tier-1 pressure of every township (:func:`assignment.schedule.top_pressure`:
tier-1 on-site hours per cadre hour) next to what the solve cost: the townships where the
tier-1 coverage stage ran (a tier-1 household left uncovered, or the stage took over 0.1 CPU
s) should all be at or above :data:`assignment.schedule.PRESSURE_FIRST`, so they start
first. Writes ``bench/results/schedule.md``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_assign import prepare  # noqa: E402

from assignment.domain import AssignmentSettings  # noqa: E402
from assignment.schedule import PRESSURE_FIRST, township_pressures  # noqa: E402


def seed_row(seed: int, cache: Path) -> dict[str, object]:
    """The seed's figures: pressures of the townships whose coverage stage ran and of the
    others, how many start first, and the CPU seconds on either side."""
    d = prepare(1.0, seed, cache)
    diag_path = d / "out_default" / "diagnostics.parquet"
    if not diag_path.exists():
        raise SystemExit(f"{diag_path} missing: run bench/bench_assign.py --scale 1 --seed {seed}")
    scores = pl.read_parquet(d / "scores.parquet")
    hh = pl.read_parquet(d / "households.parquet", columns=["household_id", "township_id"])
    tops = dict(
        hh.join(scores, on="household_id")
        .group_by("township_id")
        .agg((pl.col("final_tier") == 1).sum())
        .iter_rows()
    )
    workers = pl.read_parquet(d / "workers.parquet")
    pressure = township_pressures(tops, workers, AssignmentSettings())
    diag = pl.read_parquet(diag_path).with_columns(
        pl.col("township_id").replace_strict(pressure, return_dtype=pl.Float64).alias("pressure")
    )
    ran = (pl.col("top_stage_seconds") > 0.1) | (pl.col("unassigned_tier1") > 0)
    hit, rest = diag.filter(ran), diag.filter(~ran)
    return {
        "seed": seed,
        "townships": diag.height,
        "coverage stage ran": hit.height,
        "their lowest pressure": round(float(hit["pressure"].min() or 0.0), 3),
        "their CPU s (sum)": round(float(hit["cpu_seconds"].sum()), 1),
        "others' highest pressure": round(float(rest["pressure"].max() or 0.0), 3),
        "others' slowest CPU s": round(float(rest["cpu_seconds"].max() or 0.0), 1),
        f"start first (>= {PRESSURE_FIRST})": int((diag["pressure"] >= PRESSURE_FIRST).sum()),
    }


def main() -> None:
    """Print and write the table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--cache", type=Path, default=ROOT / "bench" / ".cache")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    args = ap.parse_args()
    rows = [seed_row(s, args.cache) for s in args.seeds]
    cols = list(rows[0])
    lines = [
        "# Solving order: tier-1 pressure of the slow townships (scale 1)",
        "",
        "Command: `.venv/bin/python bench/bench_schedule.py --seeds "
        f"{' '.join(map(str, args.seeds))}` (on the cached "
        "`bench_assign.py --scale 1 --solver-only` run of each seed).",
        "",
        "| " + " | ".join(cols) + " |",
        "|" + "---|" * len(cols),
        *("| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "schedule.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
