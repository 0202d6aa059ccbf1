"""``demo``: the main job end to end on the embedded defaults (the README's first command).

generate → validate → train (MLflow, registered) → promote (gate) → plan the month (score,
assign, independent check, publish into the store) → generate the next month → plan it (last
month's run is the previous assignment) → list the runs, diff them, print the visit lists →
serve the dashboard with a demo planner account (unless ``--no-dashboard``).
Each step calls the very command function a user would run, so the demo shows exactly what
the commands print and cannot drift from them.
"""

from __future__ import annotations

import shlex
import time
from typing import Annotated

import typer
from rich.cells import cell_len

from visit_planner.cli._app import HomeOption, app, console
from visit_planner.cli.data import SCALE_MAX, SCALE_MIN, SEED_MIN, generate_cmd, validate_cmd
from visit_planner.cli.model import promote_cmd, train_cmd
from visit_planner.cli.plan import plan_cmd
from visit_planner.cli.runs import runs_diff, runs_export, runs_list
from visit_planner.cli.summary_text import wrap_text
from visit_planner.paths import Workspace, resolve_workspace

STEPS = 10
DEMO_ACCOUNT = "demo-planner"
MONTHS = ("2026-11", "2026-12")


def command_lines(command: str, width: int) -> str:
    """``$ visit-planner COMMAND``, continued over lines at its options (``\\``) when it is
    wider than ``width`` display columns (a path may hold Chinese), so that it reads at 80
    columns and can still be pasted."""
    line = f"$ visit-planner {command}"
    if cell_len(line) <= width:
        return line
    head, *options = line.split(" --")
    return " \\\n    ".join([head, *(f"--{o}" for o in options)])


def shortfall_note(width: int) -> list[str]:
    """The demo's closing note when a month left tier-1 households uncovered: the Chinese,
    then the English, each wrapped at ``width`` (the English was broken by hand at 66
    columns, and the command's name showed its Markdown backticks)."""
    from visit_planner.assign_job import EXIT_TIER1_UNCOVERED

    zh = "部分一类户无法覆盖, 见上方缺口说明(乡镇与所需人员)。"
    en = (
        "Some tier-1 households could not be covered: the shortfall above says which "
        f"townships and what capacity would cover them (plan itself exits "
        f"{EXIT_TIER1_UNCOVERED} on this)."
    )
    return [*wrap_text(zh, width), *wrap_text(en, width)]


def _step(n: int, title: str, command: str) -> None:
    console.rule(f"{n}/{STEPS} {title}")
    console.print(
        f"[dim]{command_lines(command, console.width)}[/]", highlight=False, soft_wrap=True
    )


def _plan(month: str, data: object, home: object) -> bool:
    """Plan the month; True when a tier-1 shortfall was published (exit 3 of ``plan``)."""
    from visit_planner.assign_job import EXIT_TIER1_UNCOVERED

    try:
        plan_cmd(month=month, data=data, home=home)  # type: ignore[arg-type]
    except typer.Exit as exc:
        if exc.exit_code != EXIT_TIER1_UNCOVERED:
            raise
        return True
    return False


@app.command("demo")
def demo_cmd(
    home: HomeOption = None,
    scale: Annotated[
        float,
        typer.Option(
            "--scale",
            min=SCALE_MIN,
            max=SCALE_MAX,
            help="规模 — Size of the prefecture (1.0 ≈ 1.0 M households).",
        ),
    ] = 0.01,
    seed: Annotated[
        int, typer.Option("--seed", min=SEED_MIN, help="随机种子 — Seed of the prefecture.")
    ] = 1,
    no_dashboard: Annotated[
        bool,
        typer.Option(
            "--no-dashboard", help="不启动仪表盘 — Stop after the runs; do not serve the dashboard."
        ),
    ] = False,
) -> None:
    """演示全流程 — Run the whole job on a small synthetic prefecture.

    Two months in a row. Exits 0 when every step ran and both plans passed the
    independent check and were published. The synthetic
    prefecture has a few townships short of cadres on purpose,
    so the demo reports the tier-1 shortfall and the capacity
    that would cover it, rather than failing on it.
    """
    from visit_planner.model_registry import list_models  # imports MLflow: only when needed
    from visit_planner.store import Store

    started = time.perf_counter()
    ws = resolve_workspace(home).ensure()
    first, second = (ws.root / "data" / m for m in MONTHS)
    q1, q2 = shlex.quote(str(first)), shlex.quote(str(second))  # shown as commands to copy

    _step(1, "生成模拟数据 / generate", f"generate --scale {scale} --seed {seed} --out {q1}")
    generate_cmd(out=first, scale=scale, seed=seed, month=MONTHS[0], overwrite=True)

    _step(2, "校验输入 / validate", f"validate {q1}")
    validate_cmd(directory=first)

    _step(3, "训练风险模型 / train", f"train --data {q1}")
    train_cmd(data=first, home=ws.root)
    newest = max(int(v.version) for v in list_models(ws.root))

    _step(4, "晋升冠军模型 / promote", f"promote --version {newest} --data {q1}")
    promote_cmd(version=newest, data=first, home=ws.root)

    _step(5, f"月度计划 / plan {MONTHS[0]}", f"plan --month {MONTHS[0]} --data {q1}")
    short = _plan(MONTHS[0], first, ws.root)

    with Store.for_workspace(ws) as store:
        run1 = store.current_run(MONTHS[0])
    assert run1 is not None  # plan_cmd published it (or raised)
    plan1 = ws.root / run1.path / "plan.parquet"
    _step(
        6,
        "下月数据 / next month",
        f"generate --next-month-of {q1} --seed {seed + 1} "
        f"--previous-plan {shlex.quote(str(plan1))} --out {q2}",
    )
    generate_cmd(
        out=second, seed=seed + 1, next_month_of=first, previous_plan=plan1, overwrite=True
    )

    _step(7, f"月度计划 / plan {MONTHS[1]}", f"plan --month {MONTHS[1]} --data {q2}")
    short = _plan(MONTHS[1], second, ws.root) or short

    with Store.for_workspace(ws) as store:
        run2 = store.current_run(MONTHS[1])
    assert run2 is not None
    _step(8, "方案记录 / runs", f"runs list; runs diff {run1.run_id[:8]} {run2.run_id[:8]}")
    runs_list(home=ws.root)
    runs_diff(a=run1.run_id, b=run2.run_id, home=ws.root)

    sheets = ws.root / "visit_lists" / MONTHS[1]
    _step(
        9,
        "走访清单 / export",
        f"runs export {run2.run_id[:8]} --out {shlex.quote(str(sheets))} --overwrite",
    )
    runs_export(run=run2.run_id, out=sheets, overwrite=True, home=ws.root)

    console.rule(f"完成 / done in {time.perf_counter() - started:.0f} s")
    if short:
        for line in shortfall_note(console.width):
            console.print(line, highlight=False, markup=False, soft_wrap=True)
    console.print(f"工作区 workspace: {ws.root}")
    console.print(f"方案 runs: {ws.root / 'runs'}\n数据库 store: {store_named(ws)}")
    console.print(f"走访清单 visit lists: {sheets / 'index.html'}")
    if no_dashboard:
        return
    _step(10, "仪表盘 / dashboard", "dashboard")
    password = _demo_account(ws)
    console.print(
        f"登录 sign in: {DEMO_ACCOUNT} / {password}\n"
        "  全州计划员账号, 密码仅显示一次 (a planner of the whole prefecture;\n"
        "  the password is shown once) — Ctrl-C 停止仪表盘 stops the dashboard",
        highlight=False,
    )
    from visit_planner.cli.dashboard import dashboard

    dashboard(home=ws.root, store_url=None, port=8501)


def store_named(ws: Workspace) -> str:
    """The store the demo's runs went to, as messages name it: the workspace's ``store.db``,
    or the database of ``$VISIT_PLANNER_STORE_URL`` (its URL without the password). The demo
    said ``store.db`` whatever the store was, a file that a PostgreSQL setup never has."""
    from visit_planner.store import store_url
    from visit_planner.store.engine import Database

    db = Database.connect(store_url(ws))  # makes no connection
    try:
        return db.where
    finally:
        db.dispose()


def _demo_account(ws: Workspace) -> str:
    """The demo planner's account with a new random password (created or reset; audited)."""
    from visit_planner.actor import current_actor
    from visit_planner.errors import StoreError
    from visit_planner.store import Store
    from visit_planner.store.users import generate_password

    password = generate_password()
    with Store.for_workspace(ws) as store:
        try:
            store.get_user(DEMO_ACCOUNT)
        except StoreError:
            store.add_user(
                DEMO_ACCOUNT, "planner", scope_kind="prefecture", password=password,
                actor=current_actor(),
            )  # fmt: skip
        else:
            store.reset_password(DEMO_ACCOUNT, password, current_actor())
    return password
