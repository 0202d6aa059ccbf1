"""Benchmark of ``plan`` on local processes and on the local Dask cluster: wall time,
townships per second and peak memory, at several scales.

Usage::

    .venv/bin/python bench/bench_dask.py --scales 1 4 --processes 2

In a workspace under ``--work`` (default a temporary directory): generate the month 2026-11
at each ``--scale`` (seed ``--seed``), train and promote one model on the smallest scale's data,
then run, for every scale and executor, the CLI as a planner does::

    visit-planner plan --month 2026-11 --data DIR --executor local|dask --workers-processes P

(each run with a store database of its own, so that no run is another's previous month).
While it runs, the process tree is sampled every 0.1 s (psutil): the peak resident memory of
the ``plan`` process itself (the coordinator: reads, scores, checks and writes the month), the
peak of the largest worker process (one township's solve at a time), and the peak of the sum
over the tree. Each stage line ``plan`` prints is time-stamped on arrival, so the
coordinator's peak is attributed to the stage during which it was reached. Townships per
second are the run's townships over its ``assign`` stage. The machine's load average is
recorded (the 2 cores are shared with other jobs). Writes ``bench/results/dask_plan.md``
(or ``--name``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from visit_planner.offline import go_offline  # noqa: E402
from visit_planner.vocabulary import plan_stage_key  # noqa: E402

MONTH = "2026-11"
STAGE = re.compile(r"✓\s+([\d.]+) s\s+(.+)$")
MB = 1024 * 1024


def cli(home: Path, *args: str) -> float:
    """Run ``visit-planner ARGS`` to completion (must succeed); wall seconds."""
    env = {**os.environ, "VISIT_PLANNER_HOME": str(home)}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "visit_planner", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"visit-planner {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    return time.perf_counter() - start


@dataclass
class Run:
    """One measured ``plan``: wall, exit code, stages, memory peaks, load."""

    scale: float
    executor: str
    wall: float = 0.0
    code: int = 0
    stages: list[tuple[str, float, float]] = field(default_factory=list)  # name, s, at
    coordinator_peak: float = 0.0  # MB
    coordinator_peak_at: float = 0.0  # seconds after start
    worker_peak: float = 0.0
    tree_peak: float = 0.0
    load: list[float] = field(default_factory=list)
    samples: list[tuple[float, float]] = field(default_factory=list)  # (seconds, coordinator MB)
    households: int = 0
    townships: int = 0
    largest: int = 0
    output: str = ""

    @property
    def assign_seconds(self) -> float:
        return next((s for name, s, _ in self.stages if plan_stage_key(name) == "assign"), 0.0)

    def stage_at(self, t: float) -> str:
        """The stage running at ``t`` seconds (the first whose end is after it)."""
        for name, _, end in self.stages:
            if t <= end:
                return plan_stage_key(name)
        return "publish / exit"

    def stage_peaks(self) -> list[tuple[str, float]]:
        """The coordinator's peak RSS (MB) during each stage (from its start to its end),
        then after the last stage (writing the store, exiting)."""
        out, start = [], 0.0
        for name, _, end in self.stages:
            inside = [mb for t, mb in self.samples if start <= t <= end]
            out.append((plan_stage_key(name), max(inside, default=0.0)))
            start = end
        after = [mb for t, mb in self.samples if t > start]
        out.append(("after", max(after, default=0.0)))
        return out


def measure(  # noqa: PLR0917
    home: Path,
    data: Path,
    store: Path,
    scale: float,
    executor: str,
    procs: int,
    time_limit: float | None = None,
    progress: Path | None = None,
) -> Run:
    """``plan`` on ``data`` with ``executor``; samples the process tree until it ends. With
    ``progress``, each stage line and the coordinator's peak so far are appended to that
    file as they happen (a run that is stopped still leaves its figures)."""
    env = {**os.environ, "VISIT_PLANNER_HOME": str(home), "COLUMNS": "100"}
    args = [
        sys.executable, "-m", "visit_planner", "plan", "--month", MONTH, "--data", str(data),
        "--executor", executor, "--workers-processes", str(procs),
        "--store-url", f"sqlite:///{store}",
    ]  # fmt: skip
    if time_limit is not None:
        args += ["--time-limit", f"{time_limit:g}"]
    run = Run(scale, executor)

    def note(text: str) -> None:
        if progress is not None:
            with progress.open("a", encoding="utf-8") as out:
                out.write(f"{time.strftime('%H:%M:%S')} scale {scale:g} {executor}: {text}\n")

    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: list[str] = []

    def reader() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace")
            lines.append(line)
            m = STAGE.search(line.strip())
            if m:
                run.stages.append((m.group(2), float(m.group(1)), time.perf_counter() - start))
                note(
                    f"{m.group(2)} {float(m.group(1)):.1f} s; coordinator peak so far "
                    f"{run.coordinator_peak:,.0f} MB, largest worker {run.worker_peak:,.0f} MB, "
                    f"load {os.getloadavg()[0]:.1f}"
                )

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    root = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            own = root.memory_info().rss
            kids = root.children(recursive=True)
            rss = []
            for k in kids:
                try:
                    rss.append(k.memory_info().rss)
                except psutil.NoSuchProcess:
                    continue
        except psutil.NoSuchProcess:
            break
        now = time.perf_counter() - start
        run.samples.append((now, own / MB))
        if own / MB > run.coordinator_peak:
            run.coordinator_peak, run.coordinator_peak_at = own / MB, now
        run.worker_peak = max(run.worker_peak, max(rss, default=0) / MB)
        run.tree_peak = max(run.tree_peak, (own + sum(rss)) / MB)
        if not run.load or now > 5 * len(run.load):
            run.load.append(os.getloadavg()[0])
        time.sleep(0.1)
    run.code = proc.wait()
    run.wall = time.perf_counter() - start
    thread.join(timeout=10)
    run.output = "".join(lines)
    note(
        f"exit {run.code} after {run.wall:.1f} s; coordinator peak {run.coordinator_peak:,.0f} "
        f"MB, largest worker {run.worker_peak:,.0f} MB"
    )
    if run.code not in (0, 3, 5):
        raise SystemExit(f"plan --executor {executor} failed ({run.code}):\n{run.output}")
    return run


def describe(data: Path, run: Run) -> None:
    """Households, townships and the largest township of the month's data."""
    hh = pl.scan_parquet(data / "households.parquet").select("township_id")
    sizes = hh.group_by("township_id").len().collect()
    run.households = int(sizes["len"].sum())
    run.townships = sizes.height
    run.largest = int(sizes["len"].max())  # type: ignore[arg-type]


def table(runs: list[Run], args: argparse.Namespace, train_scale: float) -> list[str]:
    """The results as Markdown."""
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    scales = " ".join(f"{s:g}" for s in args.scales)
    more = f" --executors {' '.join(args.executors)}" if args.executors != ["local", "dask"] else ""
    more += f" --train-scale {train_scale:g}" if args.train_scale is not None else ""
    more += f" --time-limit {args.time_limit:g}" if args.time_limit is not None else ""
    lines = [
        "# `plan` on local processes and on the local Dask cluster",
        "",
        f"Command: `.venv/bin/python bench/bench_dask.py --scales {scales} --processes "
        f"{args.processes}{more}` ({when}). Seed {args.seed}; model trained on the scale-"
        f"{train_scale:g} data. {args.processes} worker processes in both cases (Dask: a "
        f"LocalCluster on 127.0.0.1, {args.processes} processes x 1 thread). The machine has "
        f"{psutil.cpu_count()} cores and {psutil.virtual_memory().total / 2**30:.1f} GB, shared "
        "with other jobs: its 1-minute load average during each run is given (above "
        f"{psutil.cpu_count()} means other jobs took CPU from this one).",
        "",
        "| scale | households | townships | largest township | executor | exit | wall s | "
        "assign s | townships/s | coordinator peak MB (stage) | largest worker peak MB | "
        "tree peak MB | load avg |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        tps = r.townships / r.assign_seconds if r.assign_seconds else float("nan")
        load = f"{min(r.load):.1f}-{max(r.load):.1f}" if r.load else "-"
        lines.append(
            f"| {r.scale:g} | {r.households:,} | {r.townships} | {r.largest:,} | {r.executor} | "
            f"{r.code} | {r.wall:.1f} | {r.assign_seconds:.1f} | {tps:.2f} | "
            f"{r.coordinator_peak:,.0f} ({r.stage_at(r.coordinator_peak_at)}) | "
            f"{r.worker_peak:,.0f} | {r.tree_peak:,.0f} | {load} |"
        )
    lines += ["", "Stages of each run (seconds, from its output):", ""]
    for r in runs:
        stages = "; ".join(f"{plan_stage_key(n)} {s:.1f}" for n, s, _ in r.stages)
        lines.append(f"- scale {r.scale:g}, {r.executor}: {stages}")
    lines += ["", "Coordinator peak RSS during each stage (MB; startup is in the first stage):", ""]
    for r in runs:
        peaks = "; ".join(f"{n} {mb:,.0f}" for n, mb in r.stage_peaks())
        lines.append(f"- scale {r.scale:g}, {r.executor}: {peaks}")
    return lines


def explain_memory(run_dir: Path, data: Path) -> str:
    """Peak RSS of this process before and after ``explain_plan`` on a published run's plan
    (the coordinator's step after the township solves), as one Markdown line."""
    import resource

    from assignment.explain import explain_plan
    from visit_planner.assign_job import AssignInputs
    from visit_planner.contracts import load_inputs
    from visit_planner.policy import load_policy, settings_from_policy

    def peak() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024

    plan = pl.read_parquet(run_dir / "plan.parquet")
    parts = sorted(run_dir.glob("townships/*/inputs/households.parquet"))
    hh = pl.concat([pl.read_parquet(p) for p in parts], how="vertical_relaxed")
    inputs = load_inputs(data)
    conflicts = inputs.conflicts if inputs.conflicts.height else None
    given = AssignInputs(hh, inputs.workers, inputs.previous_assignment, conflicts, None, None)
    before = peak()
    start = time.perf_counter()
    explain_plan(plan, None, given.plan_inputs(), settings_from_policy(load_policy(None)))
    return (
        f"- `explain_plan` alone on the published plan of {plan.height:,} households: peak RSS "
        f"{before:,} MB before, {peak():,} MB after ({time.perf_counter() - start:.1f} s); "
        f"`.venv/bin/python bench/bench_dask.py --explain-memory {run_dir} {data}`"
    )


def main() -> None:
    """Generate, train, measure, write the table."""
    go_offline()
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", type=float, nargs="+", default=[1.0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--executors", nargs="+", default=["local", "dask"])
    ap.add_argument("--work", type=Path, default=None, help="Keep (and reuse) data here.")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    ap.add_argument("--name", default="dask_plan")
    ap.add_argument(
        "--time-limit", type=float, default=None,
        help="Pass --time-limit (seconds per solver step) to plan: shorter solves, same memory.",
    )  # fmt: skip
    ap.add_argument(
        "--train-scale",
        type=float,
        default=None,
        help="Train on this scale's data (default: "
        "the smallest of --scales; an earlier run's model in --work is reused).",
    )
    ap.add_argument(
        "--explain-memory", nargs=2, type=Path, metavar=("RUN_DIR", "DATA"), default=None,
        help="Only measure explain_plan's memory on a published run (its data directory).",
    )  # fmt: skip
    args = ap.parse_args()
    if args.explain_memory is not None:
        print(explain_memory(*args.explain_memory))
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_dask_"))
    args.results.mkdir(parents=True, exist_ok=True)
    home = work / "ws"
    train_scale = args.train_scale if args.train_scale is not None else min(args.scales)
    data = {s: work / f"scale{s:g}" / MONTH for s in {*args.scales, train_scale}}
    for s, d in data.items():
        if not (d / "households.parquet").exists():
            cli(home, "generate", "--scale", f"{s:g}", "--seed", str(args.seed),
                "--month", MONTH, "--out", str(d))  # fmt: skip
    trained = work / f"trained_scale{train_scale:g}"
    if not trained.exists():
        cli(home, "train", "--data", str(data[train_scale]))
        cli(home, "promote", "--version", "1", "--data", str(data[train_scale]))
        trained.touch()
    runs = []
    for s in args.scales:
        for ex in args.executors:
            store = work / f"store_{s:g}_{ex}_{int(time.time())}.db"
            run = measure(
                home, data[s], store, s, ex, args.processes, args.time_limit,
                args.results / f"{args.name}.progress",
            )  # fmt: skip
            describe(data[s], run)
            runs.append(run)
            print(
                f"scale {s:g} {ex}: exit {run.code}, wall {run.wall:.1f} s, coordinator peak "
                f"{run.coordinator_peak:,.0f} MB, worker peak {run.worker_peak:,.0f} MB",
                flush=True,
            )
    lines = table(runs, args, train_scale)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / f"{args.name}.md").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))
    print(json.dumps({"work": str(work)}))


if __name__ == "__main__":
    main()
