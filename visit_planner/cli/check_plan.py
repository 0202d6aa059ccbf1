"""``check-plan`` (independent plan validator) and ``explain`` (why this worker, what else).

The jobs (the validator, SciPy's nearest-worker search, the policy and the contracts) are
imported by the commands that run them, so that importing the CLI stays quick.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from visit_planner.cli._app import PolicyOption, app, console
from visit_planner.cli.summary_text import print_input_notes
from visit_planner.errors import PlanFileError
from visit_planner.typed_text import typed_id

if TYPE_CHECKING:
    import polars as pl

    from assignment.validator import Violation

EXIT_VIOLATIONS = 4

PlanOpt = Annotated[Path, typer.Option("--plan", help="方案文件 — Plan file (.parquet or .csv).")]
ScoresOpt = Annotated[
    Path, typer.Option("--scores", help="评分文件 — Scores file (final_tier, p_tier1).")
]
HouseholdsOpt = Annotated[Path, typer.Option("--households", help="农户表 — Households file.")]
WorkersOpt = Annotated[Path, typer.Option("--workers", help="人员表 — Workers file.")]
PreviousOpt = Annotated[
    Path | None,
    typer.Option(
        "--previous",
        help="上月结对 — Previous assignment: its file, or last month's run (the run "
        "directory or its plan.parquet).",
        show_default=False,
    ),
]
ConflictsOpt = Annotated[
    Path | None,
    typer.Option("--conflicts", help="利益冲突申报 — Conflicts of interest.", show_default=False),
]
PinsOpt = Annotated[
    Path | None,
    typer.Option(
        "--pins", help="指定人员 — Supervisor pins (household_id, worker_id).", show_default=False
    ),
]
ForbidsOpt = Annotated[
    Path | None,
    typer.Option(
        "--forbids",
        help="禁止配对 — Supervisor forbids (household_id, worker_id).",
        show_default=False,
    ),
]


def check_violations_out(out: Path | None) -> None:
    """Refuse, before any work, a ``--out`` of ``check-plan`` or ``runs check`` that is a
    directory: the violations' file would be renamed onto it at the end, a traceback after
    the whole check (``IsADirectoryError``)."""
    if out is not None and out.is_dir():
        raise PlanFileError(f"{out}: 输出路径是目录 (is a directory; give a file name)")


def write_atomic(frame: pl.DataFrame, path: Path) -> None:
    """Write ``frame`` to the Parquet file ``path`` whole or not at all (``--out`` of
    ``check-plan`` and ``runs check``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        frame.write_parquet(tmp)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _townships_of(
    violations: Sequence[Violation], households: Path, workers: Path
) -> dict[tuple[str | None, str | None], str]:
    """The township of each violation's household (from the households file), else of its
    worker (from the workers file): the validator's violations name no township. Only the
    ids of ``violations`` are looked up; the files were read and checked by the job."""
    import polars as pl

    def lookup(path: Path, column: str, ids: set[str]) -> dict[str, str]:
        if not ids:
            return {}
        columns = [column, "township_id"]
        frame = (
            pl.read_csv(path, columns=columns, infer_schema=False)
            if path.suffix.lower() == ".csv"
            else pl.read_parquet(path, columns=columns)
        )
        frame = frame.filter(pl.col(column).cast(pl.String).is_in(sorted(ids)))
        return {str(i): str(t) for i, t in frame.iter_rows() if t is not None}

    by_household = lookup(households, "household_id", {v.household_id for v in violations
                                                       if v.household_id})  # fmt: skip
    by_worker = lookup(workers, "worker_id", {v.worker_id for v in violations if v.worker_id})
    return {
        (v.household_id, v.worker_id): by_household.get(v.household_id or "")
        or by_worker.get(v.worker_id or "", "")
        for v in violations
    }


def violation_lines(
    violations: Sequence[Violation],
    townships: Mapping[tuple[str | None, str | None], str],
    width: int,
) -> list[str]:
    """Each violation as a short block, readable at ``width`` columns with nothing cut: the
    rule broken (Chinese, English, the kind as ``--out`` writes it), the household and the
    worker, the township by name and code, then the detail in each language, wrapped."""
    from assignment.validator import KIND_TITLES
    from visit_planner.cli.summary_text import hanging
    from visit_planner.contracts.places import name_places, place_label

    lines: list[str] = []
    for n, v in enumerate(violations, 1):
        zh, en = KIND_TITLES[v.kind]
        lead = f"{n}. "
        pad = " " * len(lead)
        lines += hanging(f"{zh} {en} ({v.kind.value})", lead, pad, width)
        who = [
            f"农户 household {v.household_id}" if v.household_id else "",
            f"人员 worker {v.worker_id}" if v.worker_id else "",
        ]
        if any(who):
            lines.append(pad + " · ".join(w for w in who if w))
        township = townships.get((v.household_id, v.worker_id))
        if township:
            lines.append(f"{pad}乡镇 township: {place_label(township)}")
        lines += hanging(name_places(v.detail_zh), pad, pad + "  ", width)
        lines += hanging(name_places(v.detail_en), pad, pad + "  ", width)
    return lines


@app.command("check-plan")
def check_plan_cmd(  # noqa: PLR0917  (Typer options)
    plan: PlanOpt,
    scores: ScoresOpt,
    households: HouseholdsOpt,
    workers: WorkersOpt,
    previous: PreviousOpt = None,
    conflicts: ConflictsOpt = None,
    pins: PinsOpt = None,
    forbids: ForbidsOpt = None,
    policy: PolicyOption = None,
    township: Annotated[
        list[str] | None,
        typer.Option(
            "--township",
            help="只校验这些乡镇 — Only these townships must be complete (code or name; "
            "repeatable).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="违规明细文件 — Write every violation to this Parquet file.",
            show_default=False,
        ),
    ] = None,
    show: Annotated[
        int, typer.Option("--show", help="列出违规数 — Violations to list.", min=0)
    ] = 20,
) -> None:
    """独立校验走访方案 — Check a plan against the inputs and policy.

    Re-derives every rule (eligibility, jurisdiction, conflicts, pins, forbids, capacity,
    travel and hours) from the raw inputs and the policy, without the optimizer's data.
    Exits 4 when any rule is broken.

    A plan in an `assign --out` directory is checked against the tables it was made from,
    compared by content: the same tables as CSV or Parquet, in any column or row order, are
    accepted; a table that differs is named, with its rows added, removed or changed.
    """
    from visit_planner.check_plan_job import run_check_plan
    from visit_planner.contracts.places import read_places_beside
    from visit_planner.plan_files import PlanPaths
    from visit_planner.policy import load_policy

    check_violations_out(out)
    paths = PlanPaths(scores, households, workers, previous, conflicts, pins, forbids)
    read_places_beside(households)  # names for the messages (checked like any input)
    result = run_check_plan(plan, paths, load_policy(policy), townships=township)
    print_input_notes(result.warnings, [*result.notes, *(i.message for i in result.issues)])
    if out is not None:
        from assignment.validator import violations_frame

        write_atomic(violations_frame(result.violations), out)
    if result.valid:
        console.print(
            f"[green]方案通过校验 / plan valid[/]: {result.plan_rows:,} 行 rows, "
            "0 处违规 violations",
            highlight=False,
        )
        return
    print_violations(
        result.summary,
        result.violations,
        lambda shown: _townships_of(shown, households, workers),
        show,
        "方案未通过校验 / plan INVALID",
    )
    raise typer.Exit(EXIT_VIOLATIONS)


def print_violations(
    summary: pl.DataFrame,
    violations: Sequence[Violation],
    places_of: Callable[[Sequence[Violation]], Mapping[tuple[str | None, str | None], str]],
    show: int,
    verdict: str,
) -> None:
    """The rules a plan breaks, as ``check-plan`` and ``runs check`` print them: a table by
    kind (``summary``: kind, count, the rule in Chinese and English), the first ``show``
    ``violations`` a numbered line each with the township ``places_of`` gives them
    (:func:`violation_lines`), then ``verdict`` with their count."""
    table = Table(title="违规类型统计 / violations by kind")
    for col in ("类型\nkind", "数量\ncount", "违反的规则\nrule broken"):
        table.add_column(col, justify="right" if col.endswith("count") else "left")
    for kind, count, zh, en in summary.iter_rows():
        table.add_row(kind, f"{count:,}", f"{zh}\n{en}")
    console.print(table)
    if show:
        shown = violations[:show]
        console.print(
            f"违规明细 violations, first {len(shown):,} of {len(violations):,}:",
            highlight=False,
        )
        for line in violation_lines(shown, places_of(shown), console.width):
            console.print(line, highlight=False, markup=False)
    console.print(f"[red]{verdict}[/]: {len(violations):,} 处违规 violations", highlight=False)


@app.command("explain")
def explain_cmd(  # noqa: PLR0917  (Typer options)
    household: Annotated[
        str,
        typer.Option("--household", help="农户编号 — Household id to explain.", callback=typed_id),
    ],
    run: Annotated[
        Path | None,
        typer.Option(
            "--run",
            help="方案目录 — An `assign --out` directory: everything is read from it (fast; no "
            "other file needed).",
            show_default=False,
        ),
    ] = None,
    plan: Annotated[
        Path | None,
        typer.Option("--plan", help="方案文件 — Plan file (without --run).", show_default=False),
    ] = None,
    scores: Annotated[
        Path | None,
        typer.Option(
            "--scores", help="评分文件 — Scores file (without --run).", show_default=False
        ),
    ] = None,
    households: Annotated[
        Path | None,
        typer.Option(
            "--households", help="农户表 — Households file (without --run).", show_default=False
        ),
    ] = None,
    workers: Annotated[
        Path | None,
        typer.Option(
            "--workers", help="人员表 — Workers file (without --run).", show_default=False
        ),
    ] = None,
    previous: PreviousOpt = None,
    conflicts: ConflictsOpt = None,
    pins: PinsOpt = None,
    forbids: ForbidsOpt = None,
    policy: PolicyOption = None,
    top: Annotated[
        int, typer.Option("--top", help="列出备选人员数 — Alternatives to list.", min=1)
    ] = 10,
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON 输出 — One JSON object, for scripts.")
    ] = False,
) -> None:
    """类别与配对说明 — Why a household has its tier and its worker.

    Says how the tier came about (the risk model with its probabilities and main reasons, and
    the policy's costs that make its tier the least expected cost; a policy rule; or a
    supervisor's override) where the scores have it, then lists what
    switching to each other allowed worker would cost: ranked by the change in the objective
    (minutes-equivalent per month), with the household that would be displaced when that
    worker is full. With `--run DIR` (an `assign --out` or published run directory) only the
    household's township is read, with the run's own inputs and policy; otherwise pass the
    plan and its input files.
    """
    from visit_planner.check_plan_job import explain_from_run, run_explain
    from visit_planner.cli.explain_text import alternative_lines, household_lines, tier_lines
    from visit_planner.cli.narrow_encoding import without_chinese_twins
    from visit_planner.contracts.places import read_places_beside
    from visit_planner.plan_files import PlanPaths
    from visit_planner.policy import load_policy

    files = {"--plan": plan, "--scores": scores, "--households": households, "--workers": workers}
    if run is not None:
        given = [k for k, v in {**files, "--previous": previous, "--conflicts": conflicts,
                                "--pins": pins, "--forbids": forbids,
                                "--policy": policy}.items() if v is not None]  # fmt: skip
        if given:
            raise PlanFileError(
                f"--run 与输入文件二选一 (--run reads the run's own inputs and policy; drop "
                f"{', '.join(given)})"
            )
        result = explain_from_run(run, household)
        stored = run / "policy.toml"  # the policy the run was scored and solved under
        explain_policy = load_policy(stored) if stored.is_file() else None
    else:
        missing = [k for k, v in files.items() if v is None]
        if missing:
            raise PlanFileError(
                f"缺少参数 (explain needs --run DIR, or {', '.join(missing)} with the plan's "
                "input files)"
            )
        assert plan and scores and households and workers  # narrowed by the check above
        paths = PlanPaths(scores, households, workers, previous, conflicts, pins, forbids)
        read_places_beside(households)  # names for the text (checked like any input)
        explain_policy = load_policy(policy)
        result = run_explain(plan, paths, explain_policy, household)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "household": result.household,
                    "score": result.score,
                    "alternatives": result.alternatives.head(top).to_dicts(),
                },
                ensure_ascii=False,
                default=str,
            )
        )
        return
    lines = household_lines(result.household, console.width, result.alternatives)
    # After the household's line: why it has its tier.
    cost = explain_policy.risk.cost_matrix if explain_policy else None
    rules = (
        {r.code: (r.text_zh, r.text_en) for r in explain_policy.risk.rules}
        if explain_policy
        else {}
    )
    lines[1:1] = tier_lines(result.score, console.width, cost, rules)
    lines += ["", *alternative_lines(result.alternatives.head(top), console.width)]
    lines = without_chinese_twins(lines, console.encoding)
    console.print("\n".join(lines), highlight=False, markup=False)
