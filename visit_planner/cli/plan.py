"""``visit-planner plan``: the month's plan (or a mid-month amendment), published as a run.

The plan job (scoring with MLflow and scikit-learn, the solvers, the store) is imported when
the command runs, not with the CLI; :data:`StoreUrlOption`, shared by the store's commands,
stays light.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from visit_planner.cli._app import HomeOption, PolicyOption, app, console, err_console
from visit_planner.cli.assign import ExecutorKind, ExecutorOption, SchedulerOption
from visit_planner.cli.summary_text import (
    print_coverage,
    print_hanging,
    print_input_notes,
    print_problems,
    print_shortfalls,
    print_wrapped,
)
from visit_planner.vocabulary import RUN_KIND_ZH, TIER_TERMS, outcome_words, term

if TYPE_CHECKING:
    from collections.abc import Sequence

    from assignment.executor import Executor
    from assignment.inputs import InputIssue
    from visit_planner.plan_steps import PlanOutcome

OVERRIDE_ISSUES = frozenset({"duplicate_pin", "unknown_pin", "infeasible_pin", "unknown_forbid"})
"""The solver's input issues of pins and forbids: in ``plan`` those are the standing
overrides', said as each override's outcome (not applied, and why)."""

StoreUrlOption = Annotated[
    str | None,
    typer.Option(
        "--store-url",
        help="数据库地址 — Store database URL (default: the environment's, else SQLite in the "
        "workspace; see `visit-planner --help`).",
        show_default=False,
    ),
]


@app.command("plan")
def plan_cmd(  # noqa: PLR0917  (Typer options)
    month: Annotated[str, typer.Option("--month", help="计划月份 — The month to plan, YYYY-MM.")],
    data: Annotated[
        Path,
        typer.Option(
            "--data", help="数据目录 — The month's input directory (households, workers...)."
        ),
    ],
    amend: Annotated[
        bool,
        typer.Option(
            "--amend", help="接诉即办 — Re-solve only --township(s) of the month's current run."
        ),
    ] = False,
    township: Annotated[
        list[str] | None,
        typer.Option(
            "--township",
            help="修订乡镇 — Township to amend, by code or name, e.g. 532626001 or 锦屏镇 "
            "(repeatable; with --amend).",
        ),
    ] = None,
    processes: Annotated[
        int | None,
        typer.Option(
            "--workers-processes",
            min=1,
            help="本机进程数 — Local worker processes.",
            show_default=False,
        ),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            min=0.1,
            help=(
                "每步求解的安全时限秒数 (默认 900); 某步因此停止时, 方案随机器负载而变 — "
                "Safety limit in seconds per solver step (default 900); a step stopped by it "
                "makes the plan depend on the machine's load."
            ),
            show_default=False,
        ),
    ] = None,
    mlflow_uri: Annotated[
        str | None,
        typer.Option("--mlflow-uri", help="MLflow 地址 — MLflow tracking URI.", show_default=False),
    ] = None,
    policy: PolicyOption = None,
    home: HomeOption = None,
    store_url: StoreUrlOption = None,
    executor: ExecutorOption = ExecutorKind.LOCAL,
    scheduler: SchedulerOption = None,
) -> None:
    """月度走访计划 — Plan the month and publish it as a new run.

    Validate, apply the standing overrides, score with the champion, assign (last month's
    current run is the previous assignment), check independently, publish. Exits 3 when a
    tier-1 household is left uncovered (the run is published: the shortfall is a fact to show),
    4 when the independent check refuses the plan (nothing published), 5 when a township failed
    (the rest published, the run marked partial), 6 when the Dask scheduler was lost (nothing
    published), 2 on bad input (every problem named, nothing published).
    """
    if amend and not township:
        raise typer.BadParameter(
            "修订须至少指定一个 --township 乡镇 (--amend needs at least one --township)",
            param_hint="--amend",
        )
    if township and not amend:
        raise typer.BadParameter(
            "--township 只用于 --amend 修订 (--township is for --amend: a whole plan of the "
            "month solves every township)",
            param_hint="--township",
        )
    refuse_before_work(month, data, policy)
    from visit_planner.job_executor import township_executor

    # The executor before the job: an unreachable scheduler is refused before the job and its
    # libraries (scoring, the solvers, the store: seconds to import on a busy machine).
    with township_executor(executor.value, scheduler, processes) as runner:
        _plan_on(runner, month, data, policy, home, store_url, mlflow_uri, processes,
                 time_limit, amend=amend, township=township, executor=executor.value,
                 scheduler=scheduler)  # fmt: skip


def _plan_on(  # noqa: PLR0917  (the command's options, passed on)
    runner: Executor,
    month: str,
    data: Path,
    policy: Path | None,
    home: Path | None,
    store_url: str | None,
    mlflow_uri: str | None,
    processes: int | None,
    time_limit: float | None,
    *,
    amend: bool,
    township: list[str] | None,
    executor: str,
    scheduler: str | None,
) -> None:
    """``plan`` on ``runner`` (opened by the command): the run, its stages and summary."""
    import polars as pl

    from visit_planner.assign_job import EXIT_TIER1_UNCOVERED, EXIT_TOWNSHIP_FAILED
    from visit_planner.contracts.places import place_label
    from visit_planner.plan_job import run_plan
    from visit_planner.plan_steps import PlanRequest

    req = PlanRequest(
        month=month,
        data=data,
        policy_path=policy,
        home=home,
        store_url=store_url,
        mlflow_uri=mlflow_uri,
        processes=processes,
        time_limit=time_limit,
        amend_townships=tuple(township or ()),
        executor=executor,
        scheduler=scheduler,
    )

    headed = False

    def heading() -> None:
        # Printed with the first stage done, not before: a refusal that comes first (an
        # amendment's township not in the run, the month locked by another plan) prints
        # its error alone, as the refusals of refuse_before_work do.
        nonlocal headed
        if not headed:
            console.print(f"[bold]计划 plan {month}[/]" + (" (修订 amend)" if amend else ""))
            headed = True

    def stage(name: str, seconds: float) -> None:
        heading()
        console.print(f"  [green]✓[/] {seconds:6.1f} s  {name}", highlight=False)

    def cleared(note: str) -> None:
        # At once: a plan that then fails (its data refused) still says what it removed.
        print_hanging(f"提示 note: {note}", style="yellow")

    def waiting(seconds: float) -> None:
        # At once: the wait is silent otherwise, and reads as a hung command.
        print_hanging(waiting_line(month, seconds), style="yellow")

    outcome = run_plan(req, report=stage, cleared=cleared, runner=runner, waiting=waiting)
    heading()
    print_plan_summary(outcome)
    result = outcome.solved.result
    if result.failed_townships:
        failed = result.diagnostics.filter(pl.col("error").is_not_null())
        for tw, n, error in failed.select("township_id", "households", "error").iter_rows():
            print_wrapped(
                [
                    f"乡镇 {place_label(tw)} 求解失败, 其 {n:,} 户未分配",
                    f"township {place_label(tw)} failed, its {n:,} households are "
                    f"unassigned: {error}",
                ],
                err_console,
                style="bold red",
            )
        print_hanging(
            f"部分方案 partial run: {failed.height:,} 个乡镇求解失败 township(s) failed, the "
            f"others are published - exit {EXIT_TOWNSHIP_FAILED}",
            style="bold red",
        )
        raise typer.Exit(EXIT_TOWNSHIP_FAILED)
    if int(outcome.run.metrics.get("tier1_uncovered", 0)) > 0:
        raise typer.Exit(EXIT_TIER1_UNCOVERED)


def waiting_line(month: str, seconds: float) -> str:
    """What ``plan`` says when the month's lock is held by a clean-up of what killed runs left
    (``runs list``, or a ``plan`` of another month) and it waits for it."""
    return (
        f"{month} 正在清理中断运行, 等其结束 (最多 {seconds:.0f} 秒) / {month} is being "
        f"cleared of what interrupted runs left: waiting for that (at most {seconds:.0f} s)"
    )


def refuse_before_work(month: str, data: Path, policy: Path | None = None) -> None:
    """The refusals ``run_plan`` makes before any work (a month not written ``YYYY-MM``, data
    of another month, a data directory without its required tables, a policy file that is not
    there or not a valid policy), made before the heading ``计划 plan MONTH`` is printed: a
    refused command prints its error alone, not a heading and a "✓ validate" that read as if
    the month were being planned. ``run_plan`` makes them again (cheap), for its other
    callers. A ``--data`` or ``--policy`` that is not there and a month not written
    ``YYYY-MM`` are refused first, before the readers bring polars and pandera (about a
    second): at once."""
    from visit_planner.contracts.input_paths import check_found, check_input_directory

    check_found([("--data", data), ("--policy", policy)])
    check_input_directory(data, "--data")
    from visit_planner.errors import PlanFileError
    from visit_planner.months import parse_month

    try:
        parse_month(month)
    except ValueError as exc:
        raise PlanFileError(f"--month: {exc}") from None
    from visit_planner.contracts.tables import check_tables_present
    from visit_planner.plan_files import check_data_month
    from visit_planner.policy import load_policy

    check_data_month(data, month)
    check_tables_present(data)
    load_policy(policy)  # its TOML and its rules


def print_plan_summary(outcome: PlanOutcome) -> None:
    """The published run, coverage, travel, churn against the previous run, overrides."""
    run, m = outcome.run, outcome.run.metrics
    console.print(
        f"已发布 published: {term('run')} {run.run_id[:12]} = {run.month} v{run.version} "
        f"({RUN_KIND_ZH.get(run.kind, '')} {run.kind})\n"
        f"方案哈希 plan hash {run.plan_sha256[:16]}"
    )
    if outcome.amended:
        print_amended(outcome)
    table = Table(term("tier"), term("households"), term("uncovered"))
    for t in (1, 2, 3):
        table.add_row(
            " ".join(TIER_TERMS[t]),
            f"{m.get(f'tier{t}_households', 0):,}",
            f"{m.get(f'tier{t}_uncovered', 0):,}",
        )
    console.print(table)
    travel = float(m.get("travel_minutes_month") or 0.0)
    gap = m.get("gap")
    console.print(
        f"路途 travel {travel / 60:,.0f} h/month; 差距 gap "
        + ("- (未证明 not proven)" if gap is None else f"{float(gap):.3%}")
    )
    print_coverage(outcome.solved.result.diagnostics)
    prev, versus = outcome.previous_run, outcome.versus_previous
    if prev is not None and versus is not None:
        console.print(
            f"对比 against {prev.month} v{prev.version} ({prev.run_id[:12]}):\n"
            f"  {term('churn')}: {versus['churn_tier_unchanged']:.2%} "
            f"({int(versus['changed_tier_unchanged']):,} / {int(versus['tier_unchanged']):,}, "
            "类别未变 tier unchanged)\n"
            f"  {term('tier_changed')}: {int(versus['tier_changed']):,}"
        )
    applied = len(outcome.outcomes) - len(outcome.not_applied)
    console.print(
        f"{term('override')}: {applied:,} {outcome_words('applied')}, "
        f"{len(outcome.not_applied):,} {outcome_words('not_applied')}",
        highlight=False,
    )
    for o in outcome.not_applied:
        print_hanging(
            not_applied_line(o.override_id, o.reason),
            first="  ",
            rest="    ",
            style="yellow",
        )
    print_problems(outcome.input_warnings)  # as `validate` words them: nothing left unsaid
    print_input_notes((), input_notes(outcome.solved.result.issues))
    for w in outcome.warnings:
        print_hanging(f"评分 score: {w}", style="yellow")
    print_shortfalls(outcome.solved.result.diagnostics)
    for note in outcome.notices:
        print_hanging(f"提示 note: {note}", style="yellow")
    console.print(f"文件 files: {outcome.run_dir}")


def not_applied_line(override_id: int, reason: str) -> str:
    """``#2 未生效 not applied: 指定 H1→W2 (乡镇 锦屏镇 (532626001)) 已忽略: …``: an override the
    plan could not apply, with the places its reason names by code (the assignment's messages
    carry bare codes) named as well, as every other text of the summary names them."""
    from visit_planner.contracts.places import name_places

    return f"#{override_id} {outcome_words('not_applied')}: {name_places(reason)}"


def print_amended(outcome: PlanOutcome) -> None:
    """Which townships an amendment re-solved (by name and code) and how many it carried
    over from the run before: every figure after it is the whole run's."""
    from visit_planner.contracts.places import place_label

    named = ", ".join(place_label(tw) for tw in outcome.amended)
    others = outcome.solved.result.diagnostics.height - len(outcome.amended)
    prev = outcome.previous_run  # the month's version the amendment started from
    zh, en = ("上一版", "the version before") if prev is None else (f"v{prev.version}",) * 2
    print_wrapped([
        f"重新求解 re-solved: {named}",
        f"其余 {others} 个乡镇沿用 {zh}, 以下为整个方案的数字 / the other {others} "
        f"township(s) are carried over from {en}; the figures below are the whole run's",
    ])  # fmt: skip


def input_notes(issues: Sequence[InputIssue]) -> list[str]:
    """The solver's input issues ``plan`` prints, as ``assign`` does: workers with no hours
    or no room for a household, last month's pairs with a worker who has left, households no
    worker may visit. Those of pins and forbids (:data:`OVERRIDE_ISSUES`) are left out: the
    overrides' outcomes say them. ``plan`` said none of these: a worker keyed in with 0 hours
    got no household without a word."""
    return [issue.message for issue in issues if issue.kind not in OVERRIDE_ISSUES]
