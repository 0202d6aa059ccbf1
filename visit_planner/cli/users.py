"""``users``: the dashboard's accounts (仪表盘账号), kept in the store.

visit-planner users add NAME --role R [--scope county:ID|township:ID] [--password-stdin]
                  | list | disable NAME --reason TEXT | reset-password NAME [--password-stdin]

Without ``--password-stdin``, ``add`` and ``reset-password`` make a random 16-character
password and print it once: hand it to the account's owner; it is stored only as an argon2id
hash and cannot be shown again. With it, the password is the first line of standard input (or
typed without echo at a terminal), so it never appears in the shell's history or the process
list. The acting account recorded in the audit log is the operating-system account. A scope's
county or township, by code or name, must be a place of the newest current run (the built-in
places before any run is published: :mod:`visit_planner.store.jurisdictions`).

The store (SQLAlchemy, argon2) is imported when a command opens it, not with the CLI.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.table import Table

from visit_planner import clock
from visit_planner.actor import current_actor
from visit_planner.cli._app import HomeOption, app, console
from visit_planner.cli.plan import StoreUrlOption
from visit_planner.cli.summary_text import print_hanging
from visit_planner.paths import resolve_workspace
from visit_planner.vocabulary import USER_ROLE_WORDS, USER_ROLES

if TYPE_CHECKING:
    from visit_planner.store import Store, UserRow

users_app = typer.Typer(
    help="仪表盘账号 — Dashboard accounts: role, jurisdiction, password.", no_args_is_help=True
)
app.add_typer(users_app, name="users")

NameArgument = Annotated[
    str, typer.Argument(metavar="NAME", help="账号 — Account name: 3-32 of a-z 0-9 _ . -")
]
PasswordStdinOption = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="从标准输入读取密码 — Read the password from the first line of standard input "
        "(default: make a random one and print it once).",
    ),
]


@contextmanager
def _store(home: Path | None, url: str | None, *, create: bool = False) -> Iterator[Store]:
    # Only ``users add`` may create the workspace's store; the others refuse a mistyped
    # --home instead of opening a new, empty store (see Store.for_workspace).
    from visit_planner.store import Store

    with Store.for_workspace(resolve_workspace(home), url, create=create) as store:
        yield store


def parse_scope(scope: str | None) -> tuple[str, str | None]:
    """``--scope`` as ``(scope_kind, scope_id)``: none or ``prefecture`` is the whole
    prefecture; ``county:ID`` and ``township:ID`` name one (the store checks the id)."""
    if scope is None or scope == "prefecture":
        return "prefecture", None
    kind, sep, ident = scope.partition(":")
    if not sep or kind not in ("county", "township") or not ident:
        raise typer.BadParameter(
            f"{scope!r}: 管辖范围格式无效 (use county:ID such as county:532626, township:ID "
            "such as township:532626001, or prefecture)",
            param_hint="--scope",
        )
    return kind, ident


def _checked_scope(
    store: Store, home: Path | None, kind: str, scope_id: str | None
) -> tuple[str | None, str]:
    """The scope's id as a code, and the place's name to show after it (`` 锦屏镇``): a county
    or township given by code or name must be one of the newest current run's (the built-in
    places before any run), else a StoreError lists close ones. A mistyped code made an
    account that saw nothing. Warns when nothing of the kind is known to check it against."""
    if scope_id is None:
        return None, ""
    from visit_planner.store.jurisdictions import known_places, resolve_scope

    known = known_places(store, resolve_workspace(home).root)
    code, warning = resolve_scope(kind, scope_id, known)
    if warning:
        print_hanging(f"警告 WARNING: {warning}", style="yellow")
    name = known.of(kind).get(code, ("", None))[0]
    return code, f" {name}" if name else ""


def _check_account(
    username: str, role: str, scope_kind: str, scope_id: str | None, email: str | None
) -> None:
    """Refuse what is wrong with the account itself (its name, e-mail, a supervisor without
    a county or township) before the store is opened and the scope looked up: a bad name
    was refused only after a warning that the scope could not be checked, as if the scope
    were the problem (and the workspace's store was created for nothing)."""
    from visit_planner.store.users import check_email, check_scope, check_username

    check_username(username)
    if email is not None:
        check_email(email)
    if scope_id is None:  # a given id is checked once resolved (it may be a name)
        check_scope(role, scope_kind, None)


def _require_new(store: Store, username: str) -> None:
    """Refuse a name already taken before the scope is looked up (and warned about); the
    store checks again when it adds the account."""
    from visit_planner.store.users import taken_error

    if any(u.username == username for u in store.list_users()):
        raise taken_error(username)


def _read_password() -> str:
    """One password from standard input: typed without echo at a terminal, else the first
    line (its line ending removed, nothing else)."""
    if sys.stdin.isatty():
        return getpass.getpass("密码 password: ")
    return sys.stdin.readline().rstrip("\r\n")


def _show_once(username: str, password: str, *, reset: bool = False) -> None:
    """The password made for ``username``, Chinese first (new after a reset, else initial)."""
    line = (
        f"新密码 new password for {username} (仅显示一次 shown once): {password}"
        if reset
        else f"初始密码 initial password for {username} (仅显示一次 shown once): {password}"
    )
    console.print(
        line,
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


@users_app.command("add")
def users_add(  # noqa: PLR0917  (Typer options)
    username: NameArgument,
    role: Annotated[str, typer.Option("--role", help="角色 — " + " | ".join(USER_ROLES))],
    scope: Annotated[
        str | None,
        typer.Option(
            "--scope",
            help="管辖范围 — county:ID or township:ID, by code or name (county:532626, "
            "township:锦屏镇), a place of the newest run (default: the whole prefecture; a "
            "supervisor needs one).",
            show_default=False,
        ),
    ] = None,
    password_stdin: PasswordStdinOption = False,
    home: HomeOption = None,
    store_url: StoreUrlOption = None,
    email: Annotated[
        str | None,
        typer.Option(
            "--email",
            help="电子邮箱 — The account's e-mail address (single sign-on may match it).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """新增账号 — Create a dashboard account; audited."""
    if role not in USER_ROLES:
        raise typer.BadParameter(
            f"{role!r}: 角色无效 (use one of {', '.join(USER_ROLES)})", param_hint="--role"
        )
    from visit_planner.store.users import check_password, generate_password

    scope_kind, scope_id = parse_scope(scope)
    _check_account(username, role, scope_kind, scope_id, email)
    password = _read_password() if password_stdin else generate_password(username=username)
    check_password(password, username)
    with _store(home, store_url, create=True) as store:
        _require_new(store, username)
        scope_id, place = _checked_scope(store, home, scope_kind, scope_id)
        row = store.add_user(
            username,
            role,
            scope_kind=scope_kind,
            scope_id=scope_id,
            password=password,
            actor=current_actor(),
            email=email,
        )
    mail = f", {row.email}" if row.email else ""
    console.print(
        f"已新增 added {row.username}: {_role_cell(row.role, ' ')}, "
        f"{'全州 prefecture' if row.scope_id is None else row.scope}{place}{mail}",
        highlight=False,
    )
    if not password_stdin:
        _show_once(row.username, password)


def _status(row: UserRow, now: datetime) -> str:
    """``有效 active``, ``已停用 disabled`` or ``锁定 locked→HH:MM`` (the dashboard's words)."""
    if not row.active:
        return "已停用\ndisabled"
    if row.locked_at(now) and row.locked_until is not None:
        return f"锁定\nlocked→{clock.to_beijing(row.locked_until):%H:%M}"
    return "有效\nactive"


def _role_cell(role: str, sep: str = "\n") -> str:
    """The account's role in both languages, Chinese first (``督导`` / ``supervisor``), as the
    dashboard names it (:data:`~visit_planner.vocabulary.USER_ROLE_WORDS`)."""
    zh, en = USER_ROLE_WORDS.get(role, (role, role))
    return f"{zh}{sep}{en}"


_SCOPE_ZH = {"prefecture": "全州", "county": "县", "township": "乡镇"}


def _scope_cell(row: UserRow) -> str:
    """The jurisdiction in a narrow cell that never breaks an id: its kind in both languages,
    then the code and, where known, the place's name (``乡镇 township`` / ``532626001`` /
    ``锦屏镇``). ``township:532626001`` on one line was folded mid-code at 80 columns."""
    from visit_planner.contracts.places import place_name

    kind = f"{_SCOPE_ZH.get(row.scope_kind, '')} {row.scope_kind}".strip()
    if row.scope_id is None:
        return kind
    name = place_name(row.scope_id, "zh")
    return "\n".join(x for x in (kind, row.scope_id, name) if x)


def _remember_run_places(store: Store, home: Path | None) -> None:
    """Remember the place names of the newest current run (its ``places.parquet``), so that
    accounts' jurisdictions are named; nothing when there is no run or it has no names."""
    from visit_planner.contracts.places import remember_places
    from visit_planner.store.jurisdictions import newest_run_places

    remember_places(newest_run_places(store, resolve_workspace(home).root))


@users_app.command("list")
def users_list(home: HomeOption = None, store_url: StoreUrlOption = None) -> None:
    """账号列表 — Every account, disabled ones too.

    Never a password or its hash. Status is 有效 active, 已停用 disabled or 锁定 locked→HH:MM
    (when the lock ends, Beijing time 北京时间); who added an account and when is in the audit
    log (`audit list`).
    """
    with _store(home, store_url) as store:
        rows = store.list_users()
        _remember_run_places(store, home)
    now = datetime.now(UTC)
    table = Table(
        "账号 · 邮箱\nuser · e-mail", "角色\nrole", "范围\nscope", "状态\nstatus", "失败\nfailed",
        "密码设置\npassword\nset", box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0),
    )  # fmt: skip
    table.columns[0].overflow = "fold"  # never cut a name or an e-mail short
    for column in table.columns[1:]:
        column.no_wrap = True  # the role, the scope's code, the status and date stay whole
    statuses = [_status(r, now) for r in rows]
    for r, status in zip(rows, statuses, strict=True):
        table.add_row(
            r.username + (f"\n{r.email}" if r.email else ""), _role_cell(r.role), _scope_cell(r),
            status,
            str(r.failed_logins),
            f"{clock.to_beijing(r.password_changed_at):%Y-%m-%d}", style="" if r.active else "dim",
        )  # fmt: skip
    console.print(table if rows else "尚无账号 / no accounts yet")
    if any("locked" in status for status in statuses):
        console.print(
            f"locked→HH:MM: 锁定至{clock.ZONE_ZH} HH:MM / locked until HH:MM {clock.ZONE_EN}",
            highlight=False,
        )


@users_app.command("disable")
def users_disable(
    username: NameArgument,
    reason: Annotated[
        str, typer.Option("--reason", help="原因 — Why (recorded in the audit log).")
    ],
    home: HomeOption = None,
    store_url: StoreUrlOption = None,
) -> None:
    """停用账号 — Disable an account; audited.

    It can no longer sign in, and is kept.
    """
    with _store(home, store_url) as store:
        row = store.disable_user(username, current_actor(), reason)
    console.print(f"已停用 disabled {row.username}", highlight=False)


@users_app.command("reset-password")
def users_reset_password(
    username: NameArgument,
    password_stdin: PasswordStdinOption = False,
    home: HomeOption = None,
    store_url: StoreUrlOption = None,
) -> None:
    """重置密码 — Set a new password and unlock the account.

    Audited. A disabled account stays disabled (said so).
    """
    from visit_planner.store.users import generate_password

    password = _read_password() if password_stdin else generate_password(username=username)
    with _store(home, store_url) as store:
        row = store.reset_password(username, password, current_actor())
    console.print(
        f"密码已重置, 登录失败次数与锁定已清除 / password reset for {row.username}; failed logins "
        "and lock cleared",
        highlight=False,
    )
    if not row.active:  # the password is set, but a disabled account signs in with none
        print_hanging(
            f"注意 NOTE: 该账号已停用, 新密码也不能登录 (account {row.username} is disabled: it "
            "cannot sign in with the new password either)",
            style="yellow",
        )
    if not password_stdin:
        _show_once(row.username, password, reset=True)


@users_app.command("blocked")
def users_blocked(home: HomeOption = None, store_url: StoreUrlOption = None) -> None:
    """登录受限地址 — Addresses with failed sign-ins, paused or not.

    Failed dashboard sign-ins of the last 15 minutes by client address: 20 failures from
    one address within 15 minutes, whatever accounts they named, pause sign-in from it
    until the first of them is 15 minutes old (暂停至 paused until, Beijing time 北京时间).
    `users unblock ADDRESS` lifts a pause.
    """
    with _store(home, store_url) as store:
        rows = store.client_failures()
    if not rows:
        console.print("近 15 分钟无登录失败 / no failed sign-ins in the last 15 minutes")
        return
    table = Table(
        "地址\naddress", "失败\nfailed", "暂停至\npaused until",
        box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0),
    )  # fmt: skip
    table.columns[0].overflow = "fold"
    for address, failures, until in rows:
        paused = "—" if until is None else f"{clock.to_beijing(until):%H:%M}"
        table.add_row(address, str(failures), paused)
    console.print(table)
    console.print(f"时间为{clock.ZONE_ZH} / times are {clock.ZONE_EN}", highlight=False)


@users_app.command("unblock")
def users_unblock(
    address: Annotated[
        str, typer.Argument(metavar="ADDRESS", help="地址 — As `users blocked` shows it.")
    ],
    reason: Annotated[
        str, typer.Option("--reason", help="原因 — Why (recorded in the audit log).")
    ],
    home: HomeOption = None,
    store_url: StoreUrlOption = None,
) -> None:
    """解除地址限制 — Lift an address's sign-in pause; audited.

    Its counted failed sign-ins are forgotten.
    """
    with _store(home, store_url) as store:
        cleared = store.clear_client_failures(address, current_actor(), reason)
    console.print(
        f"已解除 unblocked {address}: 清除 {cleared} 次失败 / {cleared} failed sign-ins forgotten",
        highlight=False,
        markup=False,
    )
