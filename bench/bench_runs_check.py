"""Benchmark of reading a published ``--scale 1`` run back from the CLI: ``runs check``,
``runs show`` and ``runs export --township``.

Usage::

    .venv/bin/python bench/bench_runs_check.py --scale 1
    .venv/bin/python bench/bench_runs_check.py --scale 1 --code . --code /tmp/old-checkout

The workspace is bench_dashboard's (``bench/.cache/dashboard_scale<S>_seed<N>``, prepared by
:func:`bench_dashboard.prepare` when missing: generate, train, promote, plan the month
2026-11). Each command is the CLI a planner runs (a subprocess, wall clock end to end with
interpreter start) on the month's current run, ``--repeats`` times:

* ``runs check RUN``: every file of the run hashed against its manifest and the store, then
  the independent validator on the whole plan;
* ``runs show RUN``: provenance, figures, overrides (it verifies the files too);
* ``runs export RUN --township T --out DIR``: the visit lists of the township closest to
  10 k households.

Beside each wall-clock figure the command's peak resident memory (GNU time's ``%M``) and
the load average before it (the machine is shared). ``--code DIR`` (repeatable) runs the CLI
of another checkout of the project (``PYTHONPATH=DIR``, this venv), e.g. a ``git worktree``
of an older commit, on the same workspace: a command that checkout does not have is shown as
``—``. Writes ``bench/results/runs_check_scale<S>.md``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_assign import write_result  # noqa: E402
from bench_dashboard import published, target  # noqa: E402
from bench_plan import M1  # noqa: E402

from visit_planner.offline import go_offline  # noqa: E402

CODE_DIRS = ("visit_planner", "assignment", "dashboard", "risk_model")
"""The project's packages: a checkout whose files there differ from its commit is marked."""
TIME = "/usr/bin/time"
"""GNU time: the command's peak resident set (``%M``, KiB)."""


@dataclass(frozen=True)
class Timing:
    """One command's run: wall seconds, peak RSS (MiB), exit code, 1-min load before, and
    whether the checkout's CLI lacks the command."""

    seconds: float
    peak_mib: float
    code: int
    load: float
    missing: bool


def commit_of(code: Path) -> str:
    """The short commit of the checkout ``code`` (``?`` when it is not a git checkout), with
    ``+uncommitted`` when its code differs from that commit (a shared checkout's work in
    progress is timed with it)."""
    proc = subprocess.run(
        ["git", "-C", str(code), "rev-parse", "--short", "HEAD"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    dirty = subprocess.run(
        ["git", "-C", str(code), "diff", "--quiet", "HEAD", "--", *CODE_DIRS], check=False
    ).returncode
    return (proc.stdout.strip() or "?") + (" +uncommitted" if dirty == 1 else "")


def run_cli(code: Path, home: Path, args: list[str], log: Path) -> Timing:
    """``python -m visit_planner ARGS`` of checkout ``code`` on workspace ``home``; its output
    is appended to ``log``. The peak memory is GNU time's (``%M``): the rusage of a child
    forked from this process would count this process's own resident set, since Linux keeps
    the high-water mark across ``exec``."""
    env = {**os.environ, "VISIT_PLANNER_HOME": str(home), "PYTHONPATH": str(code)}
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        peak = Path(tmp) / "peak"
        start = time.perf_counter()
        proc = subprocess.run(
            [TIME, "-f", "%M", "-o", str(peak), sys.executable, "-m", "visit_planner", *args],
            env=env, cwd=code, capture_output=True, text=True, check=False,
        )  # fmt: skip
        seconds = time.perf_counter() - start
        peak_kib = int(peak.read_text().split()[-1])
    text = proc.stdout + proc.stderr
    with log.open("a", encoding="utf-8") as kept:
        kept.write(f"\n$ {' '.join(args)}  (code {code}, exit {proc.returncode})\n{text}")
    missing = proc.returncode == 2 and "No such command" in text
    return Timing(seconds, peak_kib / 1024, proc.returncode, load, missing)


def timed(code: Path, home: Path, command: list[str], *, township: str, work: Path,
          log: Path) -> Timing:  # fmt: skip
    """One run of ``command`` (an export into a scratch directory, removed after)."""
    if command[1] != "export":
        return run_cli(code, home, command, log)
    scratch = Path(tempfile.mkdtemp(prefix="runs_export_", dir=work))
    try:
        extra = ["--township", township, "--out", str(scratch / "lists")]
        return run_cli(code, home, [*command, *extra], log)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def cells(runs: list[Timing]) -> str:
    """The table cells of one command's runs: seconds, peak MiB, load, exit codes."""
    exits = ", ".join(sorted({str(t.code) for t in runs}))
    if all(t.missing for t in runs):
        return f"— (not in this code) | — | — | {exits}"
    return " | ".join(
        (
            " / ".join(f"**{t.seconds:.2f}**" for t in runs),
            " / ".join(f"{t.peak_mib:,.0f}" for t in runs),
            " / ".join(f"{t.load:.1f}" for t in runs),
            exits,
        )
    )


def main() -> None:
    """Prepare (or reuse) the workspace, time the commands, write the table."""
    go_offline()
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument(
        "--code", type=Path, action="append", default=None,
        help="A checkout whose CLI to time (repeatable; default: this one).",
    )  # fmt: skip
    ap.add_argument("--work", type=Path, default=None, help="Keep the workspace here.")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    args = ap.parse_args()
    work, home, ran, run_dir = published(args.work, args.scale, args.seed, args.processes)
    run_id = run_dir.name  # a run's directory is named by its id
    files = len(list(run_dir.rglob("*.parquet")))
    size_mib = sum(p.stat().st_size for p in run_dir.rglob("*") if p.is_file()) / 2**20
    who = target(run_dir, "prefecture")
    codes = [c.resolve() for c in (args.code or [ROOT])]
    log = work / "runs_check.log"
    log.write_text("")
    commands = {
        "runs check": ["runs", "check", run_id],
        "runs show": ["runs", "show", run_id],
        f"runs export --township {who.township}": ["runs", "export", run_id],
    }
    rows: list[str] = []
    for name, command in commands.items():
        timings: dict[Path, list[Timing]] = {code: [] for code in codes}
        for _ in range(args.repeats):
            for code in codes:  # in turn, so that the machine's load meets each alike
                timings[code].append(
                    timed(code, home, command, township=who.township, work=work, log=log)
                )
        for code, runs in timings.items():
            rows.append(f"| {name} | {commit_of(code)} | {cells(runs)} |")
    lines = [
        f"# Reading a published run back, scale {args.scale:g}, seed {args.seed}",
        "",
        "Command: `.venv/bin/python bench/bench_runs_check.py --scale "
        f"{args.scale:g}{''.join(f' --code <{commit_of(c)}>' for c in codes if args.code)}` "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}); the month {M1}'s run "
        f"{run_id[:12]} ({files:,} Parquet files, {size_mib:,.0f} MiB) of bench_dashboard's "
        "workspace; each command a subprocess of the CLI (interpreter start included), "
        f"{args.repeats} runs each (figures in order; the checkouts take turns). Peak "
        "memory: the command's maximum resident set (MiB, GNU time's %M). Load: the 1-min "
        "load average before each run (2 cores shared with other jobs). `<commit>`: a git "
        "worktree of that commit.",
        "",
        "| command | code | seconds | peak MiB | load | exit |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        "Workspace preparation this time (skipped when cached): "
        + (", ".join(f"{k} {v:.0f} s" for k, v in ran.items()) or "all cached"),
    ]
    write_result(args.results, f"runs_check_scale{args.scale:g}.md", lines)


if __name__ == "__main__":
    main()
