"""Measure assignment.packing.improve_packing on pickled township arrays.

Usage: .venv/bin/python bench/bench_packing.py [--effort N] PICKLE [PICKLE ...]
Each PICKLE is an ``assignment.problem.TownshipArrays``; a plan ``NAME.choice.pkl`` beside it
(or in ``--choice-dir``) is used when present, otherwise the township solver's plan is computed
first (and cached in ``--choice-dir``). Prints tier-1
coverage, objective before/after and seconds per township.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import pickle
import time
from pathlib import Path

import numpy as np

from assignment.packing import PackingOptions, improve_packing
from assignment.problem import TownshipArrays
from assignment.township import solve_arrays

EFFORT = inspect.signature(improve_packing).parameters["effort"].default


def tier1_part(arr: TownshipArrays, plan: np.ndarray) -> float:
    """The tier-1 households' share of the objective: their costs, or their penalties."""
    t1 = np.flatnonzero(arr.households["tier"].to_numpy() == 1)
    got = plan[t1] >= 0
    return float(arr.arc_cost[plan[t1][got]].sum() + arr.penalty[t1[~got]].sum())


def main() -> None:
    """Run the packing step on each pickle and print one line of figures per township."""
    p = argparse.ArgumentParser()
    p.add_argument("pickles", nargs="+", type=Path)
    p.add_argument("--effort", type=int, default=EFFORT)
    p.add_argument(
        "--stages", default=",".join(map(str, PackingOptions.stages)), help="0 = swap search"
    )
    p.add_argument("--partners", type=int, default=PackingOptions.swap_partners)
    p.add_argument("--pool", type=int, default=PackingOptions.group_pool_per_worker)
    p.add_argument("--dtime", type=float, default=PackingOptions.group_deterministic_time)
    p.add_argument("--choice-dir", type=Path, help="cache of solver plans (NAME.choice.pkl)")
    args = p.parse_args()
    opts = PackingOptions(
        stages=tuple(int(v) for v in args.stages.split(",")),
        group_pool_per_worker=args.pool,
        swap_partners=args.partners,
        group_deterministic_time=args.dtime,
    )
    for path in args.pickles:
        with path.open("rb") as f:
            arr = pickle.load(f)
        name = path.stem + ".choice.pkl"
        cached = [d / name for d in (path.parent, args.choice_dir) if d and (d / name).exists()]
        if cached:
            with cached[0].open("rb") as f:
                choice = pickle.load(f)
        else:
            choice = solve_arrays(arr).choice
            if args.choice_dir:
                args.choice_dir.mkdir(parents=True, exist_ok=True)
                with (args.choice_dir / name).open("wb") as f:
                    pickle.dump(choice, f)
        tiers = arr.households["tier"].to_numpy()
        t0, c0 = time.perf_counter(), time.process_time()
        new, moved = improve_packing(arr, choice, effort=args.effort, options=opts)
        secs, cpu = time.perf_counter() - t0, time.process_time() - c0
        hours, count = arr.loads(new)
        assert np.all(hours <= arr.cap_hours + 1e-9) and np.all(count <= arr.cap_count)
        before, after = arr.objective_of(choice), arr.objective_of(new)
        cov = []
        for k in (1, 2, 3):
            t_k = tiers == k
            was, now = int((t_k & (choice >= 0)).sum()), int((t_k & (new >= 0)).sum())
            cov.append(f"t{k} {was}->{now}/{int(t_k.sum())}")
        print(
            f"{path.stem}: objective {before:,.0f} -> {after:,.0f} ({after - before:+,.0f}); "
            f"tier-1 part {tier1_part(arr, choice):,.0f} -> {tier1_part(arr, new):,.0f}; "
            f"covered {', '.join(cov)}; moved {moved}; {secs:.2f} s wall, {cpu:.2f} s cpu; "
            f"plan {hashlib.sha256(np.asarray(new, dtype=np.int64).tobytes()).hexdigest()[:12]}",
            flush=True,
        )


if __name__ == "__main__":
    main()
