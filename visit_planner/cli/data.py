"""``generate`` and ``validate``: make a synthetic prefecture, check an input directory."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from visit_planner.cli._app import app, console, err_console
from visit_planner.contracts import format_problems, load_inputs


@app.command("generate")
def generate_cmd(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the Parquet files to.")],
    scale: Annotated[
        float, typer.Option("--scale", min=0.001, max=5.0, help="1.0 ≈ 1.0 M households.")
    ] = 0.01,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same data).")] = 1,
) -> None:
    """Generate a synthetic Wenshan prefecture (生成模拟文山州数据).

    Writes households, workers, previous_assignment, conflicts and truth (.parquet) into OUT,
    all or nothing.
    """
    from visit_planner.synthetic import generate, write_prefecture

    start = time.perf_counter()

    def stage(text: str) -> None:
        console.print(f"[dim]{time.perf_counter() - start:6.1f}s[/] {text}", highlight=False)

    with console.status("generating / 生成中…"):
        pref = generate(scale=scale, seed=seed, progress=stage)
        stage("writing Parquet files / 写出文件")
        write_prefecture(pref, out)
    _summary(pref.households, pref.workers, title=f"{out} (scale {scale}, seed {seed})")
    console.print(f"done in {time.perf_counter() - start:.1f}s / 完成")


def _summary(households: pl.DataFrame, workers: pl.DataFrame, title: str) -> None:
    table = Table(title=title)
    table.add_column("what / 项目")
    table.add_column("count / 数量", justify="right")
    rows = [
        ("counties / 县市", households["county_id"].n_unique()),
        ("townships / 乡镇", households["township_id"].n_unique()),
        ("villages / 村(社区)", households["village_id"].n_unique()),
        ("grids / 网格", households["grid_id"].n_unique()),
        ("households / 户", households.height),
    ]
    rows += [
        (f"workers: {role}", n)
        for role, n in workers.group_by("role").len().sort("role").iter_rows()
    ]
    tiers = households.group_by("assessed_tier").len().sort("assessed_tier")
    rows += [
        (f"assessed tier {t if t is not None else '— (none)'} / 评估类别", n)
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
    """Check an input directory against the data contracts (校验输入数据).

    Exits 0 when the data can be used (warnings are printed), 2 with every problem otherwise.
    """
    inputs = load_inputs(directory)
    if inputs.warnings:
        err_console.print(format_problems(inputs.warnings), highlight=False, markup=False)
    _summary(inputs.households, inputs.workers, title=f"{directory}: valid / 校验通过")
