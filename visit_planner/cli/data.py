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
from visit_planner.cli.summary_text import print_problems
from visit_planner.vocabulary import DEFAULT_MONTH

if TYPE_CHECKING:
    import polars as pl

SCALE_MIN, SCALE_MAX = 0.001, 5.0
"""The range of ``--scale`` (``generate``, ``demo``): the generator's own limits, (0, 5]."""
SEED_MIN = 0
"""The least ``--seed`` (NumPy's generators take non-negative seeds only)."""


@app.command("generate")
def generate_cmd(  # noqa: PLR0917  (Typer options)
    out: Annotated[Path, typer.Option("--out", help="Directory to write the Parquet files to.")],
    scale: Annotated[
        float | None,
        typer.Option(
            "--scale",
            min=SCALE_MIN,
            max=SCALE_MAX,
            help="1.0 ≈ 1.0 M households (default 0.01; with --next-month-of it comes from DIR).",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", min=SEED_MIN, help="Random seed (same seed, same data).")
    ] = 1,
    month: Annotated[
        str | None,
        typer.Option(
            "--month",
            help=f"The month of the data, YYYY-MM (default {DEFAULT_MONTH}; with "
            "--next-month-of the month after DIR's).",
            show_default=False,
        ),
    ] = None,
    next_month_of: Annotated[
        Path | None,
        typer.Option(
            "--next-month-of",
            metavar="DIR",
            help="Make the month after DIR (a directory written by generate) instead of a new "
            "prefecture: a few households reassessed, moved, gone or new, a few workers "
            "leave and join (下月数据).",
            show_default=False,
        ),
    ] = None,
    previous_plan: Annotated[
        Path | None,
        typer.Option(
            "--previous-plan",
            metavar="PLAN.parquet",
            help="With --next-month-of: the plan.parquet of DIR's published run; its pairs "
            "become the new previous_assignment (default: DIR's, months advanced).",
            show_default=False,
        ),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace earlier generated data in --out.")
    ] = False,
) -> None:
    """Write a synthetic prefecture or its next month (生成模拟数据).

    A synthetic Wenshan prefecture (文山州): writes households, workers, previous_assignment,
    conflicts, truth and places (.parquet) and month.json into OUT, all or nothing. With
    --next-month-of DIR, OUT holds the month after DIR's (changes and rates:
    visit_planner/synthetic/next_month.py).
    """
    from visit_planner.outputs import check_output_dir
    from visit_planner.synthetic.next_month import parse_month

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
                    "comes from the --next-month-of directory; leave it out", param_hint=name
                )
        _next_month(next_month_of, out, seed, previous_plan)
        return
    if previous_plan is not None:
        raise typer.BadParameter("only with --next-month-of", param_hint="--previous-plan")
    _generate(out, 0.01 if scale is None else scale, seed, month or DEFAULT_MONTH)


def _stage_printer() -> Callable[[str], None]:
    start = time.perf_counter()

    def stage(text: str) -> None:
        console.print(f"[dim]{time.perf_counter() - start:6.1f}s[/] {text}", highlight=False)

    return stage


def _generate(out: Path, scale: float, seed: int, month: str) -> None:
    import polars as pl

    from visit_planner.synthetic import generate
    from visit_planner.synthetic.next_month import generated_month_info, month_before, write_month

    start = time.perf_counter()
    stage = _stage_printer()
    with console.status("generating / 生成中…"):
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
    _summary(pref.households, pref.workers, out, f"{month}, scale {scale}, seed {seed}")
    console.print(f"done in {time.perf_counter() - start:.1f}s / 完成")


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
    with console.status("generating the next month / 生成下月数据…"):
        stage(f"reading {source} / 读取上月数据")
        data = read_month(source)
        plan = read_previous_plan(plan_path) if plan_path is not None else None
        if plan is not None and plan_path is not None:
            check_plan_month(data, plan, plan_path)
        stage(f"changes of {data.info.month} → next month / 本月变化")
        nxt = next_month(data, seed, plan)
        stage("写出文件 / writing Parquet files")
        write_month(nxt.tables(), nxt.info, out)
    info = nxt.info
    _summary(nxt.households, nxt.workers, out, f"{info.month}, of {info.of}, seed {seed}")
    table = Table(title=f"changes {info.of} → {info.month} / 本月变化")
    table.add_column("change / 变化")
    table.add_column("count / 数量", justify="right")
    order = [k for k in _CHANGE_TEXT if k in info.changes]
    for what in order + sorted(set(info.changes) - set(order)):
        table.add_row(_CHANGE_TEXT.get(what, what), f"{info.changes[what]:,}")
    console.print(table)
    source_text = (
        "上月方案 the given plan" if plan is not None else f"{source} (月份顺延 months advanced)"
    )
    console.print(
        f"previous_assignment 上月结对 from {source_text}", highlight=False, soft_wrap=True
    )
    console.print(f"done in {time.perf_counter() - start:.1f}s / 完成")


_CHANGE_TEXT = {  # in the order shown; keys of MonthInfo.changes
    "households_before": "households last month / 上月农户数",
    "households_after": "households this month / 本月农户数",
    "households_reassessed": "households reassessed / 重新评估的农户",
    "tier_changed": "assessed tier changed / 评估类别变化",
    "true_tier_changed": "true tier changed (truth) / 真实类别变化",
    "visit_recorded": "reassessed: visit recorded last month / 上月已走访",
    "hotline_added": "reassessed: hotline request added / 新增热线诉求",
    "hotline_expired": "reassessed: hotline request expired / 热线诉求过期",
    "dispute_added": "reassessed: dispute added / 新增纠纷",
    "dispute_expired": "reassessed: dispute expired / 纠纷过期",
    "elderly_now_alone": "reassessed: elderly now living alone / 老人转为独居",
    "illness_added": "reassessed: serious illness added / 新增重病",
    "housing_worse": "reassessed: housing one grade worse / 住房等级下降",
    "housing_repaired": "reassessed: housing repaired / 危房改造",
    "households_moved": "households moved / 迁居农户",
    "households_left": "households left / 迁出农户",
    "households_new": "new households / 新增农户",
    "workers_before": "workers last month / 上月人员",
    "workers_after": "workers this month / 本月人员",
    "workers_left": "workers left / 离任人员",
    "workers_joined": "workers joined / 新任人员",
    "own_household_cleared": "workers' own household left / 人员本人的农户迁出",
    "previous_pairs": "last month's pairs kept / 上月结对",
    "previous_dropped_household_left": "pairs dropped: household left / 农户已迁出",
    "previous_dropped_worker_left": "pairs dropped: worker left / 人员已离任",
    "previous_dropped_unknown": "plan pairs not in the prefecture / 方案中不存在的编号",
    "conflicts_dropped": "conflicts dropped / 删除利益冲突申报",
    "conflicts_added": "conflicts declared by new workers / 新增利益冲突申报",
}


def _summary(households: pl.DataFrame, workers: pl.DataFrame, folder: Path, title: str) -> None:
    """The folder on its own line (a path may be long), then a short table of what it holds."""
    from assignment.domain import ROLE_NAMES_EN, ROLE_NAMES_ZH, TIER_NAMES_ZH, Role

    console.print(str(folder), highlight=False, markup=False, soft_wrap=True)
    table = Table(title=title)
    table.add_column("what / 项目")
    table.add_column("count / 数量", justify="right")
    rows = [
        ("counties / 县市", households["county_id"].n_unique()),
        ("townships / 乡镇", households["township_id"].n_unique()),
        ("villages / 村(社区)", households["village_id"].n_unique()),
        ("grids / 网格", households["grid_id"].n_unique()),
        ("households / 农户", households.height),
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
        Path, typer.Argument(help="Directory with households, workers, ... (.parquet or .csv).")
    ],
) -> None:
    """Check an input directory against the contracts (校验输入数据).

    Exits 0 when the data can be used (warnings are printed), 2 with every problem otherwise.
    """
    from visit_planner.contracts import load_inputs

    inputs = load_inputs(directory)
    print_problems(inputs.warnings)
    _summary(inputs.households, inputs.workers, directory, "valid / 校验通过")
