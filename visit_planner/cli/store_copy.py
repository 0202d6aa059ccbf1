"""``visit-planner store copy``: the whole store into another, empty database.

The way from the embedded SQLite store to a PostgreSQL server (or back) without losing a run,
an override, an account or an entry of the hash-chained audit log
(:mod:`visit_planner.store.copy` does the work and its checks; this prints what it did).
"""

from __future__ import annotations

import shlex
from typing import Annotated

import typer

from visit_planner.actor import current_actor
from visit_planner.cli._app import HomeOption, console
from visit_planner.cli.plan import StoreUrlOption
from visit_planner.cli.runs import store_app
from visit_planner.cli.summary_text import print_hanging
from visit_planner.paths import STORE_URL_ENV, resolve_workspace

TABLE_WORDS: dict[str, str] = {
    "users": "账号 accounts",
    "login_failures": "失败登录 failed sign-ins",
    "runs": "方案 runs",
    "run_townships": "乡镇结果 township results",
    "overrides": "督导调整 overrides",
    "override_outcomes": "调整结果 override outcomes",
    "audit": "审计条目 audit entries",
    "audit_head": "链头记录 head record",
}
"""Each copied table in words, in the order the copy writes them."""

ToOption = Annotated[
    str,
    typer.Option(
        "--to",
        metavar="URL",
        help="目标数据库 — The database to copy into, empty or new (an SQLite file is "
        "created), e.g. postgresql+psycopg://vp@127.0.0.1/vp; the password from ~/.pgpass "
        "or PGPASSWORD, not in the URL.",
        show_default=False,
    ),
]


@store_app.command("copy")
def store_copy(to: ToOption, home: HomeOption = None, store_url: StoreUrlOption = None) -> None:
    """复制数据库 — Copy the whole store into another, empty database.

    From the embedded SQLite store to a PostgreSQL server (or back): every run, override,
    account and audit entry, in one transaction, the audit chain verified on the copy, which
    gets one more entry (store.copy). The source is only read and stays as it was. Stop the
    dashboard and wait for running plans first: a source holding a month's planning lock is
    refused, and what is written to it after the copy is not in the copy.
    """
    from visit_planner.store import Store
    from visit_planner.store import store_url as resolve_url

    workspace = resolve_workspace(home)
    Store.require_workspace(workspace, store_url)
    source = resolve_url(workspace, store_url)
    result = Store.copy(source, to, actor=current_actor())
    print_hanging(f"源数据库 from: {result.source}", console, rest="  ")
    print_hanging(f"目标数据库 to: {result.target}", console, rest="  ")
    console.print("已复制 copied:", highlight=False)
    width = max(len(str(n)) for n in result.rows.values())
    for table, n in result.rows.items():
        console.print(f"  {n:>{width},}  {TABLE_WORDS.get(table, table)}", highlight=False)
    print_hanging(
        f"副本的审计日志完整 / the copy's audit log is intact: 链头 head #{result.head_seq} "
        f"{result.head_hash} (即本次复制的 store.copy 条目 / this copy's store.copy entry; "
        "请在数据库之外记下 note it outside the store)",
        console,
        rest="  ",
    )
    shown = shlex.quote(result.target_url)
    note = " (请将 *** 换成实际密码 with the real password for ***)" if "***" in shown else ""
    console.print("今后请使用新数据库 / use the new store from now on:", highlight=False)
    # One line however long: a command to paste (the terminal folds it, not the program).
    console.print(f"  export {STORE_URL_ENV}={shown}", highlight=False, soft_wrap=True)
    if note:
        console.print(f"  {note.strip()}", highlight=False)
    print_hanging(
        "原数据库未改动, 请保留为备份, 不要再写入 / the old store is unchanged: keep it as a "
        "backup and write nothing more to it",
        console,
        rest="  ",
    )
