"""``visit-planner assign`` (household plan) and ``visit-planner gap-solve`` (OR-Library GAP).

The solvers (OR-Tools, HiGHS) and the assignment job are imported by the commands that run
them; what the command signatures need (:class:`ExecutorKind`, the options) stays light,
since Typer reads every signature when the CLI is imported.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Column, Table

from visit_planner.cli._app import PolicyOption, app, console, err_console
from visit_planner.cli.summary_text import (
    print_coverage,
    print_hanging,
    print_input_notes,
    print_shortfalls,
    print_wrapped,
)
from visit_planner.errors import GapFileError
from visit_planner.vocabulary import TIER_TERMS, status_words, term

if TYPE_CHECKING:
    from assignment.executor import Executor
    from assignment.plan import PrefectureResult, TownshipResult
    from visit_planner.contracts import Problem
    from visit_planner.contracts.input_paths import PlanPaths


class ExecutorKind(StrEnum):
    """Where township solves (and scoring partitions) run: ``--executor``."""

    LOCAL = "local"
    DASK = "dask"


ExecutorOption = Annotated[
    ExecutorKind,
    typer.Option(
        "--executor",
        help="执行方式 — local: processes on this machine; dask: a Dask cluster (the optional "
        "extra 'dask' of visit-planner), --scheduler's or a new one on 127.0.0.1.",
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Dask 调度器地址 — Dask scheduler address tcp://HOST:PORT (with --executor dask); "
        "without it a local cluster on 127.0.0.1 is started.",
        show_default=False,
    ),
]


class GapMethod(StrEnum):
    """Exact methods of ``gap-solve`` (the generic core's solvers)."""

    CPSAT = "cpsat"
    HIGHS = "highs"


@app.command("gap-solve")
def gap_solve(  # noqa: PLR0917  (Typer options)
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", help="GAP 算例文件 — OR-Library GAP file (one instance or a count)."
        ),
    ],
    maximize: Annotated[
        bool,
        typer.Option("--maximize", help="求最大值 — Costs are profits (gap1-gap12 convention)."),
    ] = False,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="每个算例的秒数 — Seconds per instance.", min=0.1)
    ] = 60.0,
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON 输出 — One JSON object per line.")
    ] = False,
    method: Annotated[
        GapMethod,
        typer.Option(
            "--method",
            help="求解器 — cpsat (integers; rounded data gives no bound) or highs (exact on any "
            "data).",
        ),
    ] = GapMethod.CPSAT,
    threads: Annotated[
        int, typer.Option("--threads", help="CP-SAT 线程数 — CP-SAT workers.", min=1)
    ] = 2,
) -> None:
    """求解 GAP 实例 — Solve generalized assignment (GAP) instances.

    Prints each instance's objective, proven bound, gap and seconds.
    """
    from assignment.core import solve_core
    from assignment.errors import OrlibFormatError
    from assignment.orlib import read_gap

    try:
        instances = read_gap(file)
    except OrlibFormatError as exc:
        raise GapFileError(str(exc)) from None
    table = Table(
        "算例\ninstance",
        "状态\nstatus",
        "目标值\nobjective",
        # a bound on the other side when costs are profits: an upper bound
        "上界\nupper bound" if maximize else "下界\nlower bound",
        "差距\ngap",
        "秒\nseconds",
    )
    notes: list[str] = []
    for inst in instances:
        res = solve_core(
            inst.to_problem(),
            time_limit=time_limit,
            method=method.value,
            num_workers=threads,
            maximize=maximize,
        )
        row = {
            "instance": inst.name,
            "objective": res.objective,
            "bound": res.bound,
            "gap": res.gap,
            "seconds": round(res.seconds, 3),
            "status": res.status.value,
            "message": res.message,
        }
        if res.status.value != "optimal" and (res.bound is None or res.status.value != "feasible"):
            notes.append(f"{inst.name}: {res.message}")  # why no proven optimum, or no bound
        if as_json:
            typer.echo(json.dumps(row))
        else:
            table.add_row(
                inst.name,
                status_words(res.status.value),
                _fmt(res.objective),
                _fmt(res.bound),
                "-" if res.gap is None else f"{res.gap:.4%}",
                f"{res.seconds:.2f}",
            )
    if not as_json:
        console.print(table)
        for note in notes:
            print_hanging(note)


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:,.6g}"


ScoresOpt = Annotated[
    Path, typer.Option("--scores", help="评分文件 — Scores file (final_tier, p_tier1).")
]
HouseholdsOpt = Annotated[Path, typer.Option("--households", help="农户表 — Households file.")]
WorkersOpt = Annotated[Path, typer.Option("--workers", help="人员表 — Workers file.")]
OptPath = Path | None


@app.command("assign")
def assign_cmd(  # noqa: PLR0917  (Typer options)
    scores: ScoresOpt,
    households: HouseholdsOpt,
    workers: WorkersOpt,
    out: Annotated[
        Path, typer.Option("--out", help="输出目录 — Output directory (plan, diagnostics).")
    ],
    previous: Annotated[
        OptPath,
        typer.Option(
            "--previous",
            help="上月结对 — Previous assignment: its file, or last month's run (the run "
            "directory or its plan.parquet).",
            show_default=False,
        ),
    ] = None,
    conflicts: Annotated[
        OptPath,
        typer.Option(
            "--conflicts", help="利益冲突申报 — Conflicts of interest.", show_default=False
        ),
    ] = None,
    pins: Annotated[
        OptPath, typer.Option("--pins", help="指定人员 — Supervisor pins.", show_default=False)
    ] = None,
    forbids: Annotated[
        OptPath,
        typer.Option("--forbids", help="禁止配对 — Supervisor forbids.", show_default=False),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            help=(
                "每步求解的安全时限秒数 (默认 900); 某步因此停止时, 方案随机器负载而变 — "
                "Safety limit in seconds per solver step (default 900); a step stopped by it "
                "makes the plan depend on the machine's load."
            ),
            min=0.1,
            show_default=False,
        ),
    ] = None,
    township: Annotated[
        list[str] | None,
        typer.Option(
            "--township",
            help="只算这些乡镇 — Only these townships (code or name; repeatable).",
        ),
    ] = None,
    processes: Annotated[
        int | None,
        typer.Option(
            "--workers-processes",
            help="本机进程数 — Local worker processes (default: cores).",
            min=1,
            show_default=False,
        ),
    ] = None,
    policy: PolicyOption = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="覆盖 — Replace an earlier run in --out.")
    ] = False,
    executor: ExecutorOption = ExecutorKind.LOCAL,
    scheduler: SchedulerOption = None,
) -> None:
    """挂包分配 — Assign households to workers per township.

    Writes plan.parquet and diagnostics.parquet. Exits 3 when any tier-1 household is left
    uncovered (the shortfall is printed), 5 when a township's solve failed (named with its
    error; its households are left unassigned), 6 when the Dask scheduler was lost (nothing
    written), 2 on bad input (every problem named, nothing written).
    """
    from visit_planner.contracts.input_paths import PlanPaths, check_none_found
    from visit_planner.job_executor import township_executor
    from visit_planner.outputs import check_output_dir

    paths = PlanPaths(scores, households, workers, previous, conflicts, pins, forbids)
    # No input there at all (a wrong directory): refused at once, before the readers (pandera)
    # are imported, in the words and order the readers would use.
    check_none_found(paths)
    from visit_planner.contracts.places import read_places_beside

    read_places_beside(households)  # the place names beside the inputs, checked before work
    # The output directory, then the executor (a wrong --scheduler), checked before the job
    # and its solvers are imported (seconds on a busy machine): refused at once.
    check_output_dir(out, overwrite=overwrite, marker="manifest.json")
    with township_executor(executor.value, scheduler, processes) as runner:
        _assign_on(runner, paths, policy, out, time_limit, township, processes, overwrite)


def _assign_on(  # noqa: PLR0917  (the command's options, passed on)
    runner: Executor,
    paths: PlanPaths,
    policy: Path | None,
    out: Path,
    time_limit: float | None,
    township: list[str] | None,
    processes: int | None,
    overwrite: bool,
) -> None:
    """``assign`` on ``runner`` (opened by the command): the run, its progress and summary."""
    from visit_planner.assign_job import EXIT_TIER1_UNCOVERED, EXIT_TOWNSHIP_FAILED, run_assign

    # The bar is shown only once the output path and every input have been checked (at the
    # township count), so a refusal is never preceded by an empty bar; and only on a
    # terminal: redirected, Rich printed its last frame into the file (a bar of ━ and the
    # last township's status, as if it were the run's), and the summary says it all.
    # At 80 columns the description (the township just solved, by name and code, its status
    # and gap) takes what the fixed columns leave, cut at its end, never the elapsed time.
    bar = Progress(
        TextColumn("[bold]乡镇 townships", table_column=Column(no_wrap=True)),
        BarColumn(bar_width=8),
        MofNCompleteColumn(table_column=Column(no_wrap=True)),
        TimeElapsedColumn(table_column=Column(no_wrap=True, min_width=7)),
        TextColumn(
            "{task.description}",
            markup=False,
            table_column=Column(no_wrap=True, overflow="ellipsis", ratio=1),
        ),
        console=err_console,
        transient=False,
    )
    task = bar.add_task("", total=None)

    def on_total(n: int) -> None:
        bar.update(task, total=n)
        if err_console.is_terminal:
            bar.start()

    def on_done(r: TownshipResult) -> None:
        bar.update(task, advance=1, description=township_progress(r))

    try:
        result, inputs, manifest = run_assign(
            paths,
            policy,
            out,
            time_limit=time_limit,
            townships=township,
            processes=processes,
            progress=on_done,
            on_total=on_total,
            overwrite=overwrite,
            runner=runner,
        )
    finally:
        if bar.live.is_started:
            bar.stop()
    notes = [] if inputs.previous_run is None else [inputs.previous_run.note()]
    print_assign_summary(result, out, inputs.warnings, notes)
    console.print(
        f"运行 run {manifest.run_id[:12]}; 方案哈希 plan hash {manifest.plan_sha256[:16]}"
    )
    if result.failed_townships:
        raise typer.Exit(EXIT_TOWNSHIP_FAILED)
    if result.unassigned_tier1 > 0:
        raise typer.Exit(EXIT_TIER1_UNCOVERED)


def township_progress(result: TownshipResult) -> str:
    """The progress bar's words for a township just solved: the township by name and code,
    its status in both languages (:func:`~visit_planner.vocabulary.status_words`) and the
    proven gap: ``锦屏镇 (532626001) 最优 optimal 差距 gap 0.000%``. The bar named the
    township by code alone and said its status in English only."""
    from visit_planner.contracts.places import place_label

    gap = "-" if result.gap is None else f"{result.gap:.3%}"
    return f"{place_label(result.township_id)} {status_words(result.status.value)} 差距 gap {gap}"


def print_assign_summary(
    result: PrefectureResult,
    out: Path,
    warnings: Sequence[Problem] = (),
    notes: Sequence[str] = (),
) -> None:
    """Print coverage by tier, objective, bound, gap, shortfalls, and what was left out of
    the inputs (``warnings`` of the file readers, the solver's input issues), after the
    ``notes`` on the inputs (``中文 / English``: the run taken as the previous assignment)."""
    import polars as pl

    from visit_planner.assign_job import EXIT_TIER1_UNCOVERED, EXIT_TOWNSHIP_FAILED
    from visit_planner.contracts.places import place_label

    plan, diag = result.plan, result.diagnostics
    table = Table(term("tier"), term("households"), "已覆盖 covered", term("uncovered"))
    for t in (1, 2, 3):
        p = plan.filter(pl.col("tier") == t)
        cov = p.filter(pl.col("worker_id").is_not_null()).height
        table.add_row(" ".join(TIER_TERMS[t]), f"{p.height:,}", f"{cov:,}", f"{p.height - cov:,}")
    console.print(table)
    hours = float(plan["hours_per_month"].fill_null(0).sum()) if plan.height else 0.0
    travel = (
        float(diag["travel_minutes_month"].fill_null(0).sum())
        if "travel_minutes_month" in diag.columns
        else 0.0
    )
    bound = "-" if result.bound is None else f"{result.bound:,.1f}"
    gap = "- (未证明 / not proven)" if result.gap is None else f"{result.gap:.3%}"
    console.print(
        f"路途 travel {travel / 60:,.0f} h/month; 走访工时 visit hours {hours:,.0f} h/month\n"
        f"目标值 objective {result.objective:,.1f}; 下界 proven bound {bound}\n"
        f"差距 gap {gap}\n"  # its own line: "- (未证明 / not proven)" is never split at 80 columns
        f"{diag.height} 个乡镇 townships, 用时 in {result.seconds:.1f} s"
    )
    print_coverage(diag)
    failed = diag.filter(pl.col("error").is_not_null()) if "error" in diag.columns else diag.clear()
    for row in failed.iter_rows(named=True):
        tw = place_label(row["township_id"])
        print_wrapped(
            [
                f"乡镇 {tw} 求解失败, 其 {row['households']:,} 户未分配",
                f"township {tw} failed, its {row['households']:,} households are left "
                f"unassigned: {row['error']}",
            ],
            err_console,
            style="bold red",
        )
    print_shortfalls(diag)
    print_input_notes(warnings, [*notes, *(issue.message for issue in result.issues)])
    console.print(
        f"已输出 wrote {out}/:\n  plan, diagnostics, explanations, worker_loads (.parquet),\n"
        "  townships/, manifest.json",
        highlight=False,
    )
    if result.failed_townships:
        print_hanging(
            f"{len(result.failed_townships):,} 个乡镇求解失败 township(s) failed - "
            f"exit {EXIT_TOWNSHIP_FAILED}",
            style="bold red",
        )
    elif result.unassigned_tier1:
        print_hanging(
            f"{term('tier1_uncovered')}: {result.unassigned_tier1:,} - exit {EXIT_TIER1_UNCOVERED}",
            style="bold red",
        )
