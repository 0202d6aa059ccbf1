"""``demo``: the main job end to end on the embedded defaults (the README's first command).

generate → validate → train (MLflow, registered) → promote (gate) → score → assign →
check-plan, all under the workspace. Each step calls the very command function a user would
run, so the demo shows exactly what the commands print and cannot drift from them.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer

from visit_planner.assign_job import EXIT_TIER1_UNCOVERED
from visit_planner.cli._app import HomeOption, app, console
from visit_planner.cli.assign import assign_cmd
from visit_planner.cli.check_plan import check_plan_cmd
from visit_planner.cli.data import generate_cmd, validate_cmd
from visit_planner.cli.model import promote_cmd, score_cmd, train_cmd
from visit_planner.paths import resolve_workspace

STEPS = 7


def _step(n: int, title: str, command: str) -> None:
    console.rule(f"{n}/{STEPS} {title}")
    console.print(f"[dim]$ visit-planner {command}[/]", highlight=False)


@app.command("demo")
def demo_cmd(
    home: HomeOption = None,
    scale: Annotated[float, typer.Option("--scale", help="Size of the prefecture.")] = 0.01,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the prefecture.")] = 1,
) -> None:
    """Run the whole job on a small synthetic prefecture (演示全流程).

    Exits 0 when every step ran and the plan passed the independent validator. The synthetic
    prefecture has a few townships short of cadres on purpose, so the demo ends by reporting
    the tier-1 shortfall and the capacity that would cover it, rather than failing on it.
    """
    from visit_planner.risk_job import list_models  # imports MLflow: only when needed

    started = time.perf_counter()
    ws = resolve_workspace(home).ensure()
    run_dir = ws.root / "demo"
    data_dir = run_dir / "inputs"
    hh = data_dir / "households.parquet"
    workers = data_dir / "workers.parquet"
    previous = data_dir / "previous_assignment.parquet"
    conflicts = data_dir / "conflicts.parquet"
    scores = run_dir / "scores.parquet"
    plan_dir = run_dir / "plan"

    _step(1, "generate / 生成模拟数据", f"generate --scale {scale} --seed {seed} --out {data_dir}")
    generate_cmd(out=data_dir, scale=scale, seed=seed)

    _step(2, "validate / 校验输入", f"validate {data_dir}")
    validate_cmd(directory=data_dir)

    _step(3, "train / 训练风险模型", f"train --data {hh}")
    train_cmd(data=hh, home=ws.root)
    newest = max(int(v.version) for v in list_models(ws.root))

    _step(4, "promote / 晋升冠军模型", f"promote --version {newest} --data {hh}")
    promote_cmd(version=newest, data=hh, home=ws.root)

    _step(5, "score / 评分", f"score --data {hh} --out {scores}")
    score_cmd(data=hh, out=scores, home=ws.root)

    _step(6, "assign / 挂包分配", f"assign --scores {scores} ... --out {plan_dir}")
    try:
        assign_cmd(
            scores=scores,
            households=hh,
            workers=workers,
            out=plan_dir,
            previous=previous,
            conflicts=conflicts,
        )
        shortfall = False
    except typer.Exit as exc:
        if exc.exit_code != EXIT_TIER1_UNCOVERED:
            raise
        shortfall = True

    _step(7, "check-plan / 独立校验方案", f"check-plan --plan {plan_dir / 'plan.parquet'} ...")
    check_plan_cmd(
        plan=plan_dir / "plan.parquet",
        scores=scores,
        households=hh,
        workers=workers,
        previous=previous,
        conflicts=conflicts,
    )

    console.rule(f"done in {time.perf_counter() - started:.0f} s / 完成")
    if shortfall:
        console.print(
            "Some tier-1 households could not be covered: the shortfall above says which "
            "townships and what capacity would cover them (`assign` itself exits "
            f"{EXIT_TIER1_UNCOVERED} on this). / 部分一类户无法覆盖, 见上方缺口说明。"
        )
    console.print(f"workspace / 工作区: {ws.root}")
