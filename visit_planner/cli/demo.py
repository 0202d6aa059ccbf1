"""``demo``: the main job end to end on the embedded defaults (the README's first command)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from visit_planner.cli._app import HomeOption, app, console
from visit_planner.contracts import format_problems, load_inputs
from visit_planner.paths import resolve_workspace


@app.command("demo")
def demo_cmd(
    home: HomeOption = None,
    scale: Annotated[float, typer.Option("--scale", help="Size of the prefecture.")] = 0.01,
    seed: Annotated[int, typer.Option("--seed")] = 1,
) -> None:
    """Generate a small synthetic prefecture and run the whole job on it (演示全流程)."""
    from visit_planner.synthetic import generate, write_prefecture

    ws = resolve_workspace(home).ensure()
    data_dir: Path = ws.root / "demo" / "inputs"
    console.rule("1/2 generate / 生成模拟数据")
    pref = generate(scale=scale, seed=seed, progress=lambda s: console.print(f"  {s}"))
    write_prefecture(pref, data_dir)
    console.print(
        f"  {pref.households.height:,} households, {pref.workers.height:,} workers → {data_dir}"
    )
    console.rule("2/2 validate / 校验")
    inputs = load_inputs(data_dir)
    if inputs.warnings:
        console.print(format_problems(inputs.warnings), markup=False)
    console.print(f"  inputs valid / 输入数据校验通过: {data_dir}")
