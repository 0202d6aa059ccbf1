"""``generate`` and ``validate``: make a synthetic prefecture (or its next month), check an
input directory.

The generator and the contracts (NumPy, pandera) are imported by the commands, not with the
CLI; the default month shown in the help comes from :mod:`visit_planner.vocabulary`."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from visit_planner.cli._app import app, console
from visit_planner.cli.summary_text import print_hanging, print_input_notes, print_problems
from visit_planner.contracts.input_paths import check_found
from visit_planner.vocabulary import DEFAULT_MONTH

if TYPE_CHECKING:
    import polars as pl

SCALE_MIN, SCALE_MAX = 0.001, 5.0
"""The range of ``--scale`` (``generate``, ``demo``): the generator's own limits, (0, 5]."""
SEED_MIN = 0
"""The least ``--seed`` (NumPy's generators take non-negative seeds only)."""


@app.command("generate")
def generate_cmd(  # noqa: PLR0917  (Typer options)
    out: Annotated[
        Path, typer.Option("--out", help="输出目录 — Directory to write the Parquet files to.")
    ],
    scale: Annotated[
        float | None,
        typer.Option(
            "--scale",
            min=SCALE_MIN,
            max=SCALE_MAX,
            help="规模 — 1.0 ≈ 1.0 M households (default 0.01; with --next-month-of it comes from "
            "DIR).",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int,
        typer.Option("--seed", min=SEED_MIN, help="随机种子 — Random seed (same seed, same data)."),
    ] = 1,
    month: Annotated[
        str | None,
        typer.Option(
            "--month",
            help=f"数据月份 — The month of the data, YYYY-MM (default {DEFAULT_MONTH}; with "
            "--next-month-of the month after DIR's).",
            show_default=False,
        ),
    ] = None,
    next_month_of: Annotated[
        Path | None,
        typer.Option(
            "--next-month-of",
            metavar="DIR",
            help="下月数据 — Make the month after DIR (a directory written by generate) instead "
            "of a new prefecture: a few households reassessed, moved, gone or new, a few workers "
            "leave and join.",
            show_default=False,
        ),
    ] = None,
    previous_plan: Annotated[
        Path | None,
        typer.Option(
            "--previous-plan",
            metavar="PLAN.parquet",
            help="上月方案 — With --next-month-of: the plan.parquet of DIR's published run (or "
            "that run's directory); its pairs become the new previous_assignment (default: "
            "DIR's, months advanced).",
            show_default=False,
        ),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="覆盖 — Replace earlier generated data in --out.")
    ] = False,
) -> None:
    """生成模拟数据 — Write a synthetic prefecture or its next month.

    A synthetic Wenshan prefecture (文山州): writes households, workers, previous_assignment,
    conflicts, truth and places (.parquet) and month.json into OUT, all or nothing. With
    --next-month-of DIR, OUT holds the month after DIR's (changes and rates:
    visit_planner/synthetic/next_month.py).
    """
    from visit_planner.months import parse_month
    from visit_planner.outputs import check_output_dir

    check_output_dir(out, overwrite=overwrite, marker="households.parquet")
    if month is not None:
        try:
            parse_month(month)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--month") from None
    if next_month_of is not None:
        for given, name in ((scale, "--scale"), (month, "--month")):
            if given is not None:
                raise typer.BadParameter(
                    f"由 --next-month-of 的目录决定, 请删去此选项 ({name} comes from the "
                    "--next-month-of directory; leave it out)",
                    param_hint=name,
                )
        # Every path named refused at once, before the heavy imports and the first stage line.
        check_found([("--next-month-of", next_month_of), ("--previous-plan", previous_plan)])
        _next_month(next_month_of, out, seed, previous_plan)
        return
    if previous_plan is not None:
        raise typer.BadParameter(
            "须与 --next-month-of 同用 (only with --next-month-of: the plan of that month)",
            param_hint="--previous-plan",
        )
    _generate(out, 0.01 if scale is None else scale, seed, month or DEFAULT_MONTH)


def _stage_printer() -> Callable[[str], None]:
    start = time.perf_counter()

    def stage(text: str) -> None:
        console.print(f"[dim]{time.perf_counter() - start:6.1f}s[/] {text}", highlight=False)

    return stage


def _generate(out: Path, scale: float, seed: int, month: str) -> None:
    import polars as pl

    from visit_planner.months import month_before
    from visit_planner.synthetic import generate
    from visit_planner.synthetic.next_month import generated_month_info, write_month

    start = time.perf_counter()
    stage = _stage_printer()
    with console.status("生成中 / generating…"):
        pref = generate(scale=scale, seed=seed, progress=stage)
        tables = pref.tables()
        tables["previous_assignment"] = tables["previous_assignment"].with_columns(
            month=pl.lit(month_before(month))
        )
        info = generated_month_info(
            pref.households, pref.workers, month=month, seed=seed, scale=scale
        )
        stage("写出文件 / writing Parquet files")
        write_month(tables, info, out)
    _summary(
        pref.households, pref.workers, out, f"{month}, 规模 scale {scale}, 随机种子 seed {seed}"
    )
    console.print(f"完成 / done in {time.perf_counter() - start:.1f}s")


def _next_month(source: Path, out: Path, seed: int, plan_path: Path | None) -> None:
    from visit_planner.synthetic.next_month import (
        check_plan_month,
        next_month,
        read_month,
        read_previous_plan,
        write_month,
    )

    start = time.perf_counter()
    stage = _stage_printer()
    with console.status("生成下月数据 / generating the next month…"):
        stage(f"读取上月数据 / reading {source}")
        data = read_month(source)
        plan = read_previous_plan(plan_path) if plan_path is not None else None
        if plan is not None and plan_path is not None:
            check_plan_month(data, plan, plan_path)
        stage(f"本月变化 / changes of {data.info.month} → next month")
        nxt = next_month(data, seed, plan)
        stage("写出文件 / writing Parquet files")
        write_month(nxt.tables(), nxt.info, out)
    info = nxt.info
    _summary(
        nxt.households,
        nxt.workers,
        out,
        f"{info.month}, 接续 after {info.of}, 随机种子 seed {seed}",
    )
    table = Table(title=f"本月变化 / changes {info.of} → {info.month}", title_justify="left")
    table.add_column("变化 / change")
    table.add_column("数量 / count", justify="right")
    order = [k for k in _CHANGE_TEXT if k in info.changes]
    for what in order + sorted(set(info.changes) - set(order)):
        table.add_row(_CHANGE_TEXT.get(what, what), f"{info.changes[what]:,}")
    console.print(table)
    source_text = (
        "上月方案 the given plan" if plan is not None else f"{source} (月份顺延 months advanced)"
    )
    console.print(
        f"上月结对 previous_assignment 取自 from {source_text}", highlight=False, soft_wrap=True
    )
    console.print(f"完成 / done in {time.perf_counter() - start:.1f}s")


_CHANGE_TEXT = {  # in the order shown; keys of MonthInfo.changes
    "households_before": "上月农户数 / households last month",
    "households_after": "本月农户数 / households this month",
    "households_reassessed": "重新评估的农户 / households reassessed",
    "tier_changed": "评估类别变化 / assessed tier changed",
    "true_tier_changed": "真实类别变化 / true tier changed (truth)",
    "visit_recorded": "重新评估: 上月已走访 / reassessed: visit recorded last month",
    "hotline_added": "重新评估: 新增热线诉求 / reassessed: hotline request added",
    "hotline_expired": "重新评估: 热线诉求过期 / reassessed: hotline request expired",
    "dispute_added": "重新评估: 新增纠纷 / reassessed: dispute added",
    "dispute_expired": "重新评估: 纠纷过期 / reassessed: dispute expired",
    "elderly_now_alone": "重新评估: 老人转为独居 / reassessed: elderly now living alone",
    "illness_added": "重新评估: 新增重病 / reassessed: serious illness added",
    "housing_worse": "重新评估: 住房等级下降 / reassessed: housing one grade worse",
    "housing_repaired": "重新评估: 危房改造 / reassessed: housing repaired",
    "households_moved": "迁居农户 / households moved",
    "households_left": "迁出农户 / households left",
    "households_new": "新增农户 / new households",
    "workers_before": "上月人员 / workers last month",
    "workers_after": "本月人员 / workers this month",
    "workers_left": "离任人员 / workers left",
    "workers_joined": "新任人员 / workers joined",
    "own_household_cleared": "人员本人的农户迁出 / workers' own household left",
    "previous_pairs": "保留的上月结对 / last month's pairs kept",
    "previous_dropped_household_left": "删除结对: 农户已迁出 / pairs dropped: household left",
    "previous_dropped_worker_left": "删除结对: 人员已离任 / pairs dropped: worker left",
    "previous_dropped_unknown": "删除结对: 方案中不存在的编号 / plan pairs not in the prefecture",
    "conflicts_dropped": "删除利益冲突申报 / conflicts dropped",
    "conflicts_added": "新增利益冲突申报 / conflicts declared by new workers",
}


def _summary(households: pl.DataFrame, workers: pl.DataFrame, folder: Path, title: str) -> None:
    """The folder on its own line (a path may be long), ``title`` on the next, then a table
    of what it holds. The title was the table's, centred over it: on a stream without
    Chinese, where the table is barely wider than it, it began with a lone space
    (`` 2026-12, of 2026-11, seed 1``) or broke before its last word."""
    from assignment.domain import ROLE_NAMES_EN, ROLE_NAMES_ZH, TIER_NAMES_ZH, Role

    console.print(str(folder), highlight=False, markup=False, soft_wrap=True)
    print_hanging(title, console)
    table = Table()
    table.add_column("项目 / what")
    table.add_column("数量 / count", justify="right")
    rows = [
        ("县市 / counties", households["county_id"].n_unique()),
        ("乡镇 / townships", households["township_id"].n_unique()),
        ("村（社区） / villages", households["village_id"].n_unique()),
        ("网格 / grids", households["grid_id"].n_unique()),
        ("农户 / households", households.height),
    ]
    rows += [
        (f"{ROLE_NAMES_ZH[Role(role)]} / {ROLE_NAMES_EN[Role(role)]}s", n)
        for role, n in workers.group_by("role").len().sort("role").iter_rows()
    ]
    tiers = households.group_by("assessed_tier").len().sort("assessed_tier")
    rows += [
        (f"{TIER_NAMES_ZH[t]} / assessed tier {t}" if t is not None else "未评估 / not assessed", n)
        for t, n in tiers.iter_rows()
    ]
    for what, n in rows:
        table.add_row(what, f"{n:,}")
    console.print(table)


@app.command("validate")
def validate_cmd(
    directory: Annotated[
        Path,
        typer.Argument(
            metavar="DIR",
            help="输入目录 — Directory with households, workers, ... (.parquet or .csv).",
        ),
    ],
) -> None:
    """校验输入数据 — Check an input directory against the contracts.

    Exits 0 when the data can be used (warnings are printed), 2 with every problem otherwise.
    """
    from visit_planner.contracts.input_paths import check_input_directory

    check_input_directory(directory)  # at once: the readers bring pandera (about a second)
    from visit_planner.contracts import load_inputs

    inputs = load_inputs(directory)
    print_problems(inputs.warnings)
    print_input_notes((), staffing_issues(inputs.households, inputs.workers))
    _summary(inputs.households, inputs.workers, directory, "校验通过 / valid")


def staffing_issues(households: pl.DataFrame, workers: pl.DataFrame) -> list[str]:
    """What ``plan`` will say of the workers before it assigns anyone, in its words (the
    solver's input checks, :mod:`assignment.inputs`): active workers with no hours or no
    room for a household, and townships of the month's households without an active
    worker, whose households no one can be given (every tier-1 household among them
    uncovered). ``validate`` called such data valid without a word; ``plan`` then exited 3."""
    import polars as pl

    from assignment.inputs import check_coverage, check_workers

    issues = check_workers(workers)
    active = workers.filter(pl.col("active").fill_null(False))["township_id"].unique()
    unstaffed = households.filter(~pl.col("township_id").is_in(active.implode()))
    no_arcs = pl.DataFrame(schema={"household_id": pl.String})
    for (tw,), hh in unstaffed.sort("township_id").group_by("township_id", maintain_order=True):
        issues += check_coverage(no_arcs, hh, workers.filter(pl.col("township_id") == tw))
    return [issue.message for issue in issues]
