"""Benchmark: generate the synthetic prefecture (target: scale 1 in < 60 s and < 4 GB).

Runs ``visit-planner generate`` in a child process (so that peak memory is the command's own)
and records wall time, peak RSS and the sizes generated.

    .venv/bin/python bench/bench_generate.py --scale 1 [--seed 1] [--repeat 1]

Writes bench/results/generate.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

RESULTS = Path(__file__).parent / "results" / "generate.md"


def run_once(scale: float, seed: int, out: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (GB) of one ``generate`` run in a fresh process."""
    cmd = [
        sys.executable,
        "-m",
        "visit_planner",
        "generate",
        "--scale",
        str(scale),
        "--seed",
        str(seed),
        "--out",
        str(out),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak_kb, before) / 1024 / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "prefecture"
        runs = [run_once(args.scale, args.seed, out) for _ in range(args.repeat)]
        h = pl.read_parquet(out / "households.parquet")
        w = pl.read_parquet(out / "workers.parquet")
        size_mb = sum(p.stat().st_size for p in out.iterdir()) / 1e6
    best = min(r[0] for r in runs)
    peak = max(r[1] for r in runs)
    lines = [
        "# Generator benchmark",
        "",
        f"Command: `.venv/bin/python bench/bench_generate.py --scale {args.scale} "
        f"--seed {args.seed} --repeat {args.repeat}`",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "",
        "| scale | households | workers | townships | villages | grids | wall s (best) "
        "| peak RSS GB | files MB |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {args.scale} | {h.height:,} | {w.height:,} | {h['township_id'].n_unique()} | "
        f"{h['village_id'].n_unique():,} | {h['grid_id'].n_unique():,} | {best:.1f} | {peak:.2f} | "
        f"{size_mb:.0f} |",
        "",
        f"All runs (wall s): {', '.join(f'{r[0]:.1f}' for r in runs)}",
    ]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
