"""Benchmark of ``plan``'s first stages in the coordinator: validate, then score and split.

Usage::

    .venv/bin/python bench/bench_validate.py --scales 1 4 --data-root DIR --model-home WS

For each scale, two fresh processes (their peaks are their own):

- ``whole``: :func:`visit_planner.contracts.load_inputs`, the whole-table validation the
  other commands use (``assign``, ``score``, ``check-plan``...) and ``plan`` used before;
- ``streamed``: what ``plan`` runs now: :func:`visit_planner.contracts.stream.stream_inputs`
  (the households in chunks of :data:`visit_planner.plan_townships.CHUNK_ROWS` rows into a
  work directory), then :func:`visit_planner.plan_townships.split_and_score` (scored chunk
  by chunk with the champion, cut by township), without overrides.

Peak memory: the process's resident set size sampled every 20 ms, the highest value during
each stage (the interpreter and the libraries ``plan`` imports included: both modes import
them first, and their size is given), and ``ru_maxrss`` at the end.

Inputs: ``DIR/scale<S>/2026-11`` as ``visit-planner generate --scale S --seed 1 --month
2026-11`` writes it, and a workspace ``WS`` with a champion model (only read: its registry
is copied to a temporary directory). Without ``--data-root``/``--model-home`` the script
generates them in ``--work`` (``generate``, then ``train`` and ``promote`` on scale 0.05).
Writes ``bench/results/validate_scale<S...>.md``.

``--explain DATA RUN`` measures the explain-and-check pass and the publication instead, with
the township plans of an earlier run RUN of DATA in place of the solves
(``bench/results/explain_stage.md``). ``--versus BEFORE_RUN AFTER_RUN`` measures the
comparison of a new plan with the previous run's (churn): the whole plans' columns at once,
as ``plan`` did, against :func:`visit_planner.runs.diff.diff_totals_in_parts`
(``bench/results/versus_parts.md``).

``--stream-times DATA`` times the validate stage alone, as ``plan`` runs it:
:func:`~visit_planner.contracts.stream.stream_inputs` of the input directory DATA into a
temporary work directory, in one fresh process, once to warm it up (imports, the page
cache) and then ``--repeat`` times (default 3); prints each time, their minimum and median,
the load average before and after. Nothing is written. The script imports the checkout it
is in: to compare two versions on a shared machine, copy it into the other checkout's
``bench/`` (``git archive COMMIT | tar -x -C DIR``) and run the two in turn.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MONTH = "2026-11"


class Peaks:
    """The highest resident set size per stage, sampled by a thread."""

    def __init__(self) -> None:
        self.current = 0
        self.stage_peak = 0
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @staticmethod
    def rss() -> int:
        """Resident set size of this process in bytes."""
        statm = Path("/proc/self/statm").read_text("ascii")
        return int(statm.split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _run(self) -> None:
        while not self._stop:
            self.stage_peak = max(self.stage_peak, self.rss())
            time.sleep(0.02)

    def take(self) -> int:
        """The peak since the last call (MB), and start a new stage."""
        peak = max(self.stage_peak, self.rss())
        self.stage_peak = self.rss()
        return peak // 2**20


def child(mode: str, data: Path, home: Path, work: Path) -> dict[str, object]:
    """One measured run in this process (a fresh interpreter)."""
    from visit_planner.offline import go_offline

    go_offline()
    # Both modes import what ``plan`` imports before it validates: the stage peaks are
    # then the stages' own, over the same libraries.
    import polars as pl

    from visit_planner.contracts import load_inputs
    from visit_planner.contracts.stream import stream_inputs
    from visit_planner.plan_townships import CHUNK_ROWS, INPUT_KIND, WorkDir
    from visit_planner.runs import diff_plans, diff_totals
    from visit_planner.runs.diff import diff_totals_in_parts

    peaks = Peaks()
    out: dict[str, object] = {"start_mb": peaks.take()}
    t0 = time.perf_counter()
    if mode.startswith("versus"):  # data: the earlier run's plan; home: the new run
        new = sorted((home / "townships").glob("*/plan.parquet"))
        keep = ["household_id", "worker_id", "tier", "township_id"]
        if mode == "versus-whole":  # as plan did: the new plan's columns, then the old
            compared = pl.concat([pl.read_parquet(p, columns=keep) for p in new])
            totals = diff_totals(diff_plans(pl.read_parquet(data, columns=keep), compared))
            out["households"] = compared.height
        else:
            n = pl.scan_parquet(new).select(pl.len()).collect().item()
            totals = diff_totals_in_parts(data, new, n)
            out["households"] = n
        out["validate_s"] = time.perf_counter() - t0
        out["validate_mb"] = peaks.take()
        out["totals"] = totals
    elif mode == "explain":  # data: the input directory; work: a run of it (its plans)
        t1 = _explain_stage(data, home, work, peaks, out)
        out["validate_s"] = t1 - t0
    elif mode == "whole":
        inputs = load_inputs(data)
        out["households"] = inputs.households.height
        out["validate_s"] = time.perf_counter() - t0
        out["validate_mb"] = peaks.take()
    else:
        w = WorkDir(work)
        streamed = stream_inputs(data, w.root / INPUT_KIND, CHUNK_ROWS)
        out["households"] = streamed.households.height
        out["validate_s"] = time.perf_counter() - t0
        out["validate_mb"] = peaks.take()
        t1 = time.perf_counter()
        month = _scored(streamed, data, home, w)
        out["townships"] = len(month.sizes)
        out["score_s"] = time.perf_counter() - t1
        out["score_mb"] = peaks.take()
        w.remove()
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    return out


def _scored(streamed: Any, data: Path, home: Path, work: Any) -> Any:
    """``plan``'s overrides (none standing) and score stages on the validated ``streamed``
    inputs: the month cut by township into ``work``."""
    import polars as pl

    from visit_planner.overrides import apply_overrides
    from visit_planner.plan_townships import split_and_score
    from visit_planner.risk_job import scoring_context

    applied = apply_overrides(
        [], streamed.households.filter(pl.lit(False)), streamed.workers, on=date(2026, 11, 1)
    )
    return split_and_score(
        streamed.households,
        streamed.workers,
        streamed.previous_assignment,
        streamed.conflicts,
        applied,
        scoring_context(home=home, source=str(data)),
        work,
    )


def _explain_stage(
    data: Path, home: Path, run_dir: Path, peaks: Peaks, out: dict[str, object]
) -> float:
    """``plan``'s passes 1 and 3 and its publication on ``data``, with the township plans of
    the earlier run ``run_dir`` of the same data in place of the solves (pass 2): the peak of
    the explain and check pass, and of the run-wide files' writing."""
    import polars as pl

    from assignment.domain import Status
    from assignment.plan import PrefectureResult
    from visit_planner.contracts.stream import stream_inputs
    from visit_planner.plan_townships import (
        CHUNK_ROWS,
        INPUT_KIND,
        Checked,
        Solved,
        WorkDir,
        township_frames,
        whole_loads,
    )
    from visit_planner.policy import load_policy, policy_text, settings_from_policy
    from visit_planner.runs import Provenance
    from visit_planner.runs.staged import StagedRun

    work = WorkDir(Path(tempfile.mkdtemp(prefix="bench_explain_")))
    try:
        streamed = stream_inputs(data, work.root / INPUT_KIND, CHUNK_ROWS)
        month = _scored(streamed, data, home, work)
        out["households"] = streamed.households.height
        del streamed
        work.path("plan", "any").parent.mkdir(parents=True, exist_ok=True)
        for tw in month.townships:
            shutil.copy2(run_dir / "townships" / tw / "plan.parquet", work.path("plan", tw))
        t1 = time.perf_counter()
        out["score_mb"] = peaks.take()
        diagnostics = pl.read_parquet(run_dir / "diagnostics.parquet")
        result = PrefectureResult(
            Status.FEASIBLE, 0.0, None, None, 0.0, pl.DataFrame(), diagnostics
        )
        solved = Solved(result, pl.DataFrame())
        settings = settings_from_policy(load_policy(None))
        loads = whole_loads(month)
        run = StagedRun(work.root / "staged")
        checked = Checked()
        per_township = []  # (peak MB while it was explained, checked and written, township)
        before = peaks.take()
        for tw in month.townships:
            frames, inputs = township_frames(
                month,
                tw,
                solved,
                loads,
                settings,
                lambda e: e.with_columns(pl.lit(None, pl.String).alias("overrides")),
                checked,
            )
            run.add_township(tw, frames, inputs, {})
            del frames, inputs
            per_township.append((peaks.take(), tw))
        out["explain_s"] = time.perf_counter() - t1
        out["explain_mb"] = max(before, *(mb for mb, _ in per_township))
        out["explain_top"] = [
            f"{tw} ({month.sizes[tw]:,} households): {mb:,} MB"
            for mb, tw in sorted(per_township, reverse=True)[:3]
        ]
        out["between_mb"] = Peaks.rss() // 2**20
        t2 = time.perf_counter()
        run.finish(
            diagnostics=diagnostics,
            worker_loads=loads,
            provenance=Provenance(policy_text=policy_text(None)),
            metrics={},
            places=None,
        )
        out["publish_s"] = time.perf_counter() - t2
        out["publish_mb"] = peaks.take()
        out["violations"] = len(checked.violations)
    finally:
        work.remove()
    return t1


def run_child(mode: str, data: Path, home: Path, work: Path) -> dict[str, object]:
    """``child`` in a new interpreter; its result with the 1-minute load average around it."""
    load0 = os.getloadavg()[0]
    proc = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(data), str(home), str(work)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "VISIT_PLANNER_HOME": str(home)},
    )
    if proc.returncode != 0:
        raise SystemExit(f"{mode} on {data} failed:\n{proc.stderr}")
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["load"] = f"{load0:.1f}-{os.getloadavg()[0]:.1f}"
    return result


def cli(home: Path, *args: str) -> None:
    """``visit-planner ARGS`` in the workspace ``home``."""
    env = {**os.environ, "VISIT_PLANNER_HOME": str(home)}
    subprocess.run([sys.executable, "-m", "visit_planner", *args], env=env, check=True)


def stream_times(data: Path, repeat: int) -> None:
    """Print the wall time of ``stream_inputs(data)`` (warmed up once), ``repeat`` times,
    with their minimum and median and the load averages around them."""
    import statistics

    from visit_planner.offline import go_offline

    go_offline()
    from visit_planner.contracts.stream import stream_inputs
    from visit_planner.plan_townships import CHUNK_ROWS

    def once() -> float:
        out = Path(tempfile.mkdtemp(prefix="bench_stream_"))
        try:
            start = time.perf_counter()
            stream_inputs(data, out / "inputs", CHUNK_ROWS)
            return time.perf_counter() - start
        finally:
            shutil.rmtree(out, ignore_errors=True)

    once()
    before = os.getloadavg()[0]
    times = [once() for _ in range(repeat)]
    after = os.getloadavg()[0]
    shown = ", ".join(f"{t:.2f}" for t in times)
    print(
        f"stream_inputs {data}: {shown} s; min {min(times):.2f} s, median "
        f"{statistics.median(times):.2f} s (load average {before:.1f} -> {after:.1f}; "
        f"chunks of {CHUNK_ROWS:,} rows)"
    )


def main() -> None:
    """Measure each scale and write the table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", type=float, nargs="+", default=[1.0])
    ap.add_argument("--data-root", type=Path, default=None)
    ap.add_argument("--model-home", type=Path, default=None)
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    ap.add_argument(
        "--versus",
        nargs=2,
        type=Path,
        default=None,
        metavar=("BEFORE_RUN", "AFTER_RUN"),
        help="Only compare two run directories' plans: whole plans, then in parts.",
    )
    ap.add_argument(
        "--explain",
        nargs=2,
        type=Path,
        default=None,
        metavar=("DATA", "RUN"),
        help="Only plan's explain-and-check pass and publication on DATA, with the township "
        "plans of the earlier run RUN of the same data in place of the solves.",
    )
    ap.add_argument(
        "--stream-times",
        type=Path,
        default=None,
        metavar="DATA",
        help="Only time plan's validate stage (stream_inputs) on DATA, --repeat times.",
    )
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", nargs=4, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.stream_times:
        stream_times(args.stream_times, args.repeat)
        return
    if args.child:
        mode, data, home, work = args.child
        print(json.dumps(child(mode, Path(data), Path(home), Path(work))))
        return
    if args.explain:
        if args.model_home is None:
            raise SystemExit("--explain needs --model-home WS (the model of the run)")
        home = Path(tempfile.mkdtemp(prefix="bench_registry_"))
        shutil.copy2(args.model_home / "mlflow.db", home / "mlflow.db")
        shutil.copytree(args.model_home / "mlartifacts", home / "mlartifacts")
        data, run_dir = args.explain
        r = run_child("explain", data, home, run_dir)
        shutil.rmtree(home, ignore_errors=True)
        lines = [
            "# `plan`'s explain, check and publish stages: coordinator peak memory",
            "",
            f"Command: `.venv/bin/python bench/bench_validate.py --model-home WS --explain DATA "
            f"RUN` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}): validate and score "
            "DATA as `plan` does, then explain, check and write every township and the "
            "run-wide files with the township plans of RUN (an earlier run of DATA) in place "
            "of the solves. A fresh process; peak RSS sampled every 20 ms (libraries "
            "included).",
            "",
            "| households | validate+score peak MB | explain+check s | explain+check peak MB "
            "| publish s | publish peak MB | violations | after imports MB | load avg |",
            "|---|---|---|---|---|---|---|---|---|",
            f"| {r['households']:,} | {r['score_mb']:,} | {r['explain_s']:.1f} "
            f"| {r['explain_mb']:,} | {r['publish_s']:.1f} | {r['publish_mb']:,} "
            f"| {r['violations']} | {r['start_mb']:,} | {r['load']} |",
            "",
            "The townships whose explain-and-check step peaked highest (peak RSS of the "
            "process during that township's step): "
            + "; ".join(str(t) for t in r["explain_top"])  # type: ignore[attr-defined]
            + ". "
            f"Resident after the last township: {r['between_mb']:,} MB.",
        ]
        args.results.mkdir(parents=True, exist_ok=True)
        (args.results / "explain_stage.md").write_text("\n".join(lines) + "\n", "utf-8")
        print("\n".join(lines))
        return
    if args.versus:
        before, after = args.versus
        found = {
            mode: run_child(mode, before / "plan.parquet", after, before)
            for mode in ("versus-whole", "versus-parts")
        }
        assert found["versus-whole"]["totals"] == found["versus-parts"]["totals"]
        lines = [
            "# `plan`'s comparison with the previous run: coordinator peak memory",
            "",
            f"Command: `.venv/bin/python bench/bench_validate.py --versus BEFORE_RUN AFTER_RUN` "
            f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}), on two runs of the same "
            "month; each way in a fresh process, peak RSS sampled every 20 ms (libraries "
            "included). Both give the same totals (checked).",
            "",
            "| households | comparison | seconds | peak MB | after imports MB | load avg |",
            "|---|---|---|---|---|---|",
            *(
                f"| {r['households']:,} | {mode} | {r['validate_s']:.1f} | {r['validate_mb']:,} "
                f"| {r['start_mb']:,} | {r['load']} |"
                for mode, r in found.items()
            ),
        ]
        args.results.mkdir(parents=True, exist_ok=True)
        (args.results / "versus_parts.md").write_text("\n".join(lines) + "\n", "utf-8")
        print("\n".join(lines))
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_validate_"))
    root, model_home = args.data_root, args.model_home
    if root is None or model_home is None:
        root, model_home = work / "data", work / "ws"
        for s in (0.05, *args.scales):
            d = root / f"scale{s:g}" / MONTH
            if not d.is_dir():
                cli(model_home, "generate", "--scale", f"{s:g}", "--seed", "1", "--month", MONTH,
                    "--out", str(d))  # fmt: skip
        small = root / "scale0.05" / MONTH
        cli(model_home, "train", "--data", str(small))
        cli(model_home, "promote", "--version", "1", "--data", str(small))
    home = work / "registry"  # the model workspace's registry, copied: never written to
    if not home.is_dir():
        home.mkdir(parents=True)
        shutil.copy2(model_home / "mlflow.db", home / "mlflow.db")
        shutil.copytree(model_home / "mlartifacts", home / "mlartifacts")
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rows = []
    for s in args.scales:
        data = root / f"scale{s:g}" / MONTH
        for mode in ("whole", "streamed"):
            r = run_child(mode, data, home, work / f"plan-work-{s:g}")
            print(f"scale {s:g} {mode}: {r}", flush=True)
            rows.append((s, mode, r))
    scales = " ".join(f"{s:g}" for s in args.scales)
    lines = [
        "# `plan`'s validate and score stages: coordinator peak memory",
        "",
        f"Command: `.venv/bin/python bench/bench_validate.py --scales {scales} --data-root DIR "
        f"--model-home WS` ({started}); data of `visit-planner generate --scale S --seed 1`, "
        "model trained on scale 0.05. Each mode in a fresh process; peak RSS sampled every "
        "20 ms per stage (interpreter and libraries included). The machine has 2 cores shared "
        "with other jobs: the 1-minute load average before and after each run is given.",
        "",
        "| scale | households | validation | validate s | validate peak MB | score s "
        "| score peak MB | after imports MB | ru_maxrss MB | load avg |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s, mode, r in rows:
        how = "load_inputs (whole)" if mode == "whole" else "stream_inputs (chunks)"
        score = f"{r['score_s']:.1f} | {r['score_mb']:,}" if "score_mb" in r else "- | -"
        lines.append(
            f"| {s:g} | {r['households']:,} | {how} | {r['validate_s']:.1f} "
            f"| {r['validate_mb']:,} | {score} | {r['start_mb']:,} | {r['maxrss_mb']:,} "
            f"| {r['load']} |"
        )
    args.results.mkdir(parents=True, exist_ok=True)
    name = "validate_scale" + "_".join(f"{s:g}" for s in args.scales) + ".md"
    (args.results / name).write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
