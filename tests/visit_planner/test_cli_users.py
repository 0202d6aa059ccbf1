"""``users`` as an administrator types it: add, list, disable, reset-password, bad input."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from tests.visit_planner.helpers import flat
from visit_planner.errors import LoginError
from visit_planner.store import Store

Cli = Callable[..., tuple[int, str, str]]
SHOWN = re.compile(r"\(仅显示一次 shown once\): (\S+)")


@pytest.fixture
def opts(db_url: str, tmp_path: Path) -> list[str]:
    """``--home`` and ``--store-url`` of the test's database (SQLite, then PostgreSQL)."""
    return ["--home", str(tmp_path), "--store-url", db_url]


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def _shown_password(out: str) -> str:
    found = SHOWN.findall(out)
    assert len(found) == 1, out  # printed exactly once
    return str(found[0])


def test_add_prints_a_password_that_signs_in(cli: Cli, opts: list[str], db_url: str) -> None:
    code, out, err = cli("users", "add", "lead01", "--role", "supervisor", "--scope",
                         "county:532626", *opts)  # fmt: skip
    assert code == 0, err
    # the role in both languages, Chinese first, as `users list` and the dashboard name it
    assert out.startswith("已新增 added lead01: 督导 supervisor, county:532626 丘北县\n")
    password = _shown_password(out)
    assert f"初始密码 initial password for lead01 (仅显示一次 shown once): {password}" in out
    assert len(password) == 16 and password.isalnum()
    with Store.open(db_url) as store:
        row = store.authenticate("lead01", password)
        assert (row.role, row.scope_kind, row.scope_id) == ("supervisor", "county", "532626")
        assert store.audit_entries()[0].action == "user.add"


def test_add_with_the_password_on_stdin_prints_none(
    cli: Cli, opts: list[str], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, "typed password 1\n")
    code, out, err = cli("users", "add", "viewer01", "--role", "viewer", "--scope",
                         "township:532626001", "--password-stdin", *opts)  # fmt: skip
    assert code == 0, err
    assert "typed password 1" not in out + err and "shown once" not in flat(out)
    with Store.open(db_url) as store:
        assert store.authenticate("viewer01", "typed password 1").scope == "township:532626001"


def test_list_shows_accounts_but_no_hashes(cli: Cli, opts: list[str]) -> None:
    code, _, err = cli("users", "list", *opts)
    assert code == 2 and "store upgrade" in flat(err)  # no store yet: nothing is created
    code, _, err = cli("store", "upgrade", *opts)
    assert code == 0, err
    code, out, _ = cli("users", "list", *opts)
    assert code == 0 and "no accounts" in flat(out)
    _, first, _ = cli("users", "add", "planner01", "--role", "planner", *opts)
    code, added, _ = cli("users", "add", "ds01", "--role", "data_scientist", "--scope",
                         "county:532622", "--email", "Wang.Fang@Example.org", *opts)  # fmt: skip
    assert code == 0 and "wang.fang@example.org" in added
    code, out, err = cli("users", "list", *opts)
    assert code == 0, err
    for text in (
        "planner01",
        "ds01",
        "数据分析员",  # the role in both languages, as the dashboard names it
        "data scientist",
        "计划员",
        "县 county",
        "532622",
        "砚山县",
        "prefecture",
        "active",
        "有效",
        "wang.fang@",
        "邮箱",
    ):  # fmt: skip  (a long address folds)
        assert text in out
    assert "$argon2" not in out and _shown_password(first) not in out
    assert out.index("ds01") < out.index("planner01")  # by name


def test_disable_stops_sign_in(cli: Cli, opts: list[str], db_url: str) -> None:
    _, out, _ = cli("users", "add", "planner01", "--role", "planner", *opts)
    password = _shown_password(out)
    code, out, err = cli("users", "disable", "planner01", "--reason", "moved away", *opts)
    assert code == 0, err
    assert "disabled" in out
    with Store.open(db_url) as store, pytest.raises(LoginError, match="disabled"):
        store.authenticate("planner01", password)
    code, out, _ = cli("users", "list", *opts)
    assert "disabled" in out and "已停用" in out
    # A new password for a disabled account was handed out as if it would sign in.
    code, out, err = cli("users", "reset-password", "planner01", *opts)
    assert code == 0, err
    assert (
        "注意 NOTE: 该账号已停用, 新密码也不能登录 (account planner01 is disabled: it cannot "
        "sign in with the new password either)"
    ) in flat(err)  # a warning, as users add's
    with Store.open(db_url) as store, pytest.raises(LoginError, match="disabled"):
        store.authenticate("planner01", _shown_password(out))


def test_an_unknown_account_is_refused_naming_the_store_asked(
    cli: Cli, opts: list[str], db_url: str, tmp_path: Path
) -> None:
    """'no user in the store' did not say which: with VISIT_PLANNER_STORE_URL set, the
    workspace's own store is not the one asked."""
    cli("users", "add", "planner01", "--role", "planner", *opts)
    with Store.open(db_url) as store:
        where = store.where
    for args in (["disable", "nobody", "--reason", "x"], ["reset-password", "nobody"]):
        code, out, err = cli("users", *args, *opts)
        assert code == 2, out
        assert f"找不到该用户 (no user 'nobody' in the store {where})" in flat(err)
        assert "shown once" not in out


def test_list_shows_when_a_lock_ends_in_beijing_time(
    cli: Cli, opts: list[str], db_url: str
) -> None:
    # The status said locked→HH:MM in UTC; the administrators read Beijing time (UTC+8).
    cli("users", "add", "planner01", "--role", "planner", *opts)
    with Store.open(db_url) as store:
        for _ in range(5):
            with pytest.raises(LoginError):
                store.authenticate("planner01", "not the password")
        row = store.get_user("planner01")
    assert row.locked_until is not None
    code, out, err = cli("users", "list", *opts)
    assert code == 0, err
    beijing = row.locked_until + timedelta(hours=8)
    assert f"locked→{beijing:%H:%M}" in out and "锁定" in out
    assert "locked→HH:MM: 锁定至北京时间 HH:MM / locked until HH:MM Beijing time" in flat(out)
    assert f"{row.password_changed_at + timedelta(hours=8):%Y-%m-%d}" in out  # the Beijing day
    assert "UTC" not in out


def test_reset_password_prints_a_new_one_or_reads_it(
    cli: Cli, opts: list[str], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, out, _ = cli("users", "add", "planner01", "--role", "planner", *opts)
    assert out.startswith("已新增 added planner01: 计划员 planner, 全州 prefecture\n")
    old = _shown_password(out)
    code, out, err = cli("users", "reset-password", "planner01", *opts)
    assert code == 0, err
    new = _shown_password(out)
    assert new != old
    assert f"新密码 new password for planner01 (仅显示一次 shown once): {new}" in out
    with Store.open(db_url) as store:
        with pytest.raises(LoginError):
            store.authenticate("planner01", old)
        assert store.authenticate("planner01", new).failed_logins == 0
    _stdin(monkeypatch, "chosen password 2\r\n")
    code, out, err = cli("users", "reset-password", "planner01", "--password-stdin", *opts)
    assert code == 0, err
    assert "shown once" not in flat(out) and "chosen password 2" not in flat(out)
    with Store.open(db_url) as store:
        assert store.authenticate("planner01", "chosen password 2").username == "planner01"


def test_bad_input_exits_2_without_a_traceback(
    cli: Cli, opts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("users", "add", "planner01", "--role", "planner", *opts)[0] == 0
    cases = [
        (["add", "x1", "--role", "planner"], "3 to 32 characters"),
        (["add", "Bob", "--role", "planner"], "3 to 32 characters"),
        (["add", "new01", "--role", "boss"], "boss"),
        (["add", "new01", "--role", "planner", "--scope", "city:1"], "county:ID"),
        (["add", "new01", "--role", "planner", "--scope", "county"], "county:ID"),
        (["add", "new01", "--role", "planner", "--scope", "county:5326"], "6 digits"),
        (["add", "new01", "--role", "viewer", "--scope", "township:532626"], "9 digits"),
        (["add", "new01", "--role", "supervisor"], "county or township"),
        (["add", "planner01", "--role", "viewer"], "already exists"),
        (["add", "new01"], "--role"),
        (["add", "new01", "--role", "viewer", "--email", "not-an-address"], "电子邮箱格式无效"),
        (["disable", "nobody", "--reason", "x"], "no user 'nobody'"),
        (["disable", "planner01"], "--reason"),
        (["reset-password", "nobody"], "no user 'nobody'"),
    ]
    for args, needle in cases:
        code, out, err = cli("users", *args, *opts)
        assert code == 2, (args, out, err)
        assert needle in flat(err), (args, err)
        assert "Traceback" not in out + err, args
        assert "shown once" not in flat(out), args  # no password handed out for a refused account
    _stdin(monkeypatch, "short-pw\n")
    code, out, err = cli("users", "add", "new01", "--role", "viewer", "--password-stdin", *opts)
    assert code == 2 and "too short" in flat(err)
    assert "short-pw" not in out + err and "Traceback" not in out + err
    _stdin(monkeypatch, "short-pw\n")
    code, _, err = cli("users", "reset-password", "planner01", "--password-stdin", *opts)
    assert code == 2 and "too short" in flat(err)
    code, out, _ = cli("users", "list", *opts)
    assert "new01" not in out


@pytest.mark.parametrize(
    "args", [["list"], ["disable", "lead01", "--reason", "left"], ["reset-password", "lead01"]]
)
def test_commands_that_read_accounts_refuse_a_missing_workspace(
    cli: Cli, tmp_path: Path, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A mistyped --home must be reported, not answered from a new, empty store.
    monkeypatch.delenv("VISIT_PLANNER_STORE_URL", raising=False)
    home = tmp_path / "no_such_workspace"
    code, out, err = cli("users", *args, "--home", str(home))
    assert code == 2, out + err
    assert "does not exist" in flat(err) and str(home) in err
    assert not home.exists()


def test_list_keeps_names_and_codes_whole_at_80_columns(
    cli: Cli, opts: list[str], db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 80 columns 'township:532626001' was folded into 'township:5326260' / '01' and a
    22-character account name cut in two; now the scope is its kind, its code and the
    place's name (from the newest run's places, the counties' built in), each whole."""
    import polars as pl

    from tests.visit_planner.helpers import too_wide
    from tests.visit_planner.store.helpers import publish

    monkeypatch.setenv("COLUMNS", "80")
    assert cli("store", "upgrade", *opts)[0] == 0
    with Store.open(db_url) as store:
        run = publish(store, "2026-11")
    run_dir = tmp_path / run.path
    run_dir.mkdir(parents=True)
    pl.DataFrame(
        {"code": ["532626001"], "level": ["township"], "name_zh": ["锦屏镇"], "name_en": [None]},
        schema_overrides={"name_en": pl.String},
    ).write_parquet(run_dir / "places.parquet")
    for args in (
        ("longname.supervisor01", "--role", "supervisor", "--scope", "township:532626001"),
        ("lead02", "--role", "supervisor", "--scope", "county:532626"),
    ):
        mail = f"{args[0]}.long.address@wenshan.gov.cn"
        assert cli("users", "add", *args, "--email", mail, *opts)[0] == 0
    code, out, err = cli("users", "list", *opts)
    assert code == 0, err
    assert too_wide(out, 80) == []
    words = out.split()
    for whole in ("longname.supervisor01", "532626001", "锦屏镇", "532626", "丘北县"):
        assert whole in words, (whole, out)
    assert "乡镇 township" in out and "县 county" in out and "township:" not in out


def _run_with_places(store: Store, root: Path, *townships: str) -> str:
    """Publish a run of ``townships`` whose places table names two of them (锦屏镇 and 新华镇,
    both 'Jinping' in English, to share a name) and the county 丘北县; its short id."""
    import polars as pl

    from tests.visit_planner.store.helpers import make_townships, publish

    run = publish(store, "2026-11", townships=make_townships(*townships))
    (root / run.path).mkdir(parents=True)
    pl.DataFrame(
        {
            "code": ["532626", "532626001", "532628001"],
            "level": ["county", "township", "township"],
            "name_zh": ["丘北县", "锦屏镇", "新华镇"],
            "name_en": ["Qiubei", "Jinping", "Jinping"],
        }
    ).write_parquet(root / run.path / "places.parquet")
    return str(run.run_id[:12])


def test_add_refuses_a_scope_that_names_no_known_place(
    cli: Cli, opts: list[str], db_url: str, tmp_path: Path
) -> None:
    """'--scope township:999999999' made an account that saw nothing (only the id's form was
    checked): a county or township must be a place of the newest run (the built-in places
    before any run), given by code or by a name no other place shares; a refusal lists close
    places or the known ones, Chinese first, and adds no account."""

    def refused(scope: str) -> str:
        code, out, err = cli("users", "add", "lead09", "--role", "supervisor", "--scope", scope,
                             *opts)  # fmt: skip
        assert code == 2, (scope, out, err)
        assert "Traceback" not in out + err and "shown once" not in flat(out)
        return flat(err)

    def added(name: str, scope: str) -> str:
        code, out, err = cli("users", "add", name, "--role", "viewer", "--scope", scope, *opts)
        assert code == 0, (scope, err)
        return flat(out)

    # No run yet: the prefecture's built-in counties and townships name places and suggest
    # close ones, but another code is kept with a warning (a deployment's codes may differ).
    code, out, err = cli("users", "add", "viewer00", "--role", "viewer", "--scope",
                         "township:532626099", *opts)  # fmt: skip
    assert code == 0 and "township:532626099" in flat(out)
    assert "警告 WARNING: 尚无方案, 全州内置地名中没有这个乡镇, 请核对编号 (--scope " \
        "township:532626099 is not among the prefecture's built-in places" in flat(err)  # fmt: skip
    assert "相近的 close: 新店彝族乡 (532626009)" in flat(err)
    err = refused("township:新点乡")  # a name must be known: it cannot be kept as a code
    assert "错误 ERROR: 尚无方案, 全州内置地名中没有这个乡镇 (--scope township:新点乡 is no " \
        "township of the prefecture's built-in places" in err  # fmt: skip
    assert "它是县 (it is a county): --scope county:532626 (丘北县)" in refused("township:丘北县")
    assert "6 digits" in refused("county:53262")  # a malformed code: the store's rule
    assert "township:532626002 曰者镇" in added("viewer01", "township:曰者镇")
    assert "county:532626 丘北县" in added("viewer02", "county:qiubei")
    # A run published: its townships, the counties they lie in, its places' names.
    with Store.open(db_url) as store:
        run = _run_with_places(store, tmp_path, "532626001", "532628001", "532601002")
    err = refused("township:532626002")  # built in, but not in the newest run
    assert f"最新方案 2026-11 v1 中没有这个乡镇 (--scope township:532626002 is no township of " \
        f"the newest run, 2026-11 v1 {run})" in err  # fmt: skip
    assert "相近的 close: 锦屏镇 (532626001)" in err
    assert "它是乡镇 (it is a township): --scope township:532626001 (锦屏镇)" in refused(
        "county:锦屏镇"
    )
    err = refused("county:532622")  # 砚山县 has no township in the run
    assert "最新方案 2026-11 v1 中没有这个县" in err
    assert "相近的 close: " in err and "丘北县 (532626)" in err  # the run's counties by code
    err = refused("township:jinping")
    assert "乡镇名称重复, 请用编号" in err and "锦屏镇 (532626001), 新华镇 (532628001)" in err
    assert "township:532626001 锦屏镇" in added("viewer03", "township:锦屏镇")
    assert "county:532628 富宁县" in added("viewer04", "county:富宁县")  # built-in name
    assert "township:532601002" in added("viewer05", "township:532601002")  # no name: code
    with Store.open(db_url) as store:
        scopes = {u.username: u.scope for u in store.list_users()}
        assert [e.action for e in store.audit_entries()].count("user.add") == len(scopes)
    assert scopes == {
        "viewer00": "township:532626099",
        "viewer01": "township:532626002",
        "viewer02": "county:532626",
        "viewer03": "township:532626001",
        "viewer04": "county:532628",
        "viewer05": "township:532601002",
    }


def test_a_scope_by_name_from_another_workspace_says_the_names_are_not_there(
    cli: Cli, db_url: str, tmp_path: Path
) -> None:
    """A store shared by URL, read with another --home (the dashboard's machine): the newest
    run's places.parquet is not there, and '--scope township:锦屏镇' was refused as 'no
    township of the newest run', which it is; now the refusal says its names cannot be read
    there and to give the code or the run's workspace."""
    planned_in = tmp_path / "planner_ws"
    with Store.open(db_url) as store:
        run = _run_with_places(store, planned_in, "532626001", "532628001")
    elsewhere = tmp_path / "dashboard_ws"
    elsewhere.mkdir()
    opts = ["--store-url", db_url, "--role", "supervisor", "--scope"]
    code, out, err = cli("users", "add", "lead01", *opts, "township:锦屏镇", "--home",
                         str(elsewhere))  # fmt: skip
    assert code == 2 and "shown once" not in flat(out)
    assert flat(err).startswith(
        "错误 ERROR: 最新方案 2026-11 v1 的地名无法读取: 该方案目录不在此工作区, 无法按名称核对, "
        "请用编号或指定其工作区 --home (--scope township:锦屏镇 gives a township by name, but "
        f"of the newest run, 2026-11 v1 {run}, its directory {elsewhere}/runs/2026-11/"
    )
    assert "is no township of" not in flat(err)
    code, out, err = cli("users", "add", "lead01", *opts, "township:532626001", "--home",
                         str(elsewhere))  # fmt: skip
    assert code == 0, err  # by code it is checked against the run's townships in the store
    code, out, err = cli("users", "add", "lead02", *opts, "township:锦屏镇", "--home",
                         str(planned_in))  # fmt: skip
    assert code == 0 and "township:532626001 锦屏镇" in flat(out), err


def test_add_refuses_the_account_before_looking_up_its_scope(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bad name, e-mail or password was refused only after the warning that the scope could
    not be checked (as if the scope were the problem), and the workspace's store was created
    for nothing; a taken name likewise after that warning. The account is checked first."""
    monkeypatch.delenv("VISIT_PLANNER_STORE_URL", raising=False)
    home = ["--home", str(tmp_path)]
    unknown = ["--scope", "township:532626099"]  # no run yet: kept with a warning
    cases = [
        (["Bad Name", "--role", "viewer", *unknown], "username 'Bad Name' must be 3 to 32"),
        (["bo", "--role", "supervisor", "--scope", "county:锦屏"], "username 'bo' must be"),
        (["viewer01", "--role", "viewer", *unknown, "--email", "bad"], "e-mail 'bad' must be"),
    ]
    for args, needle in cases:
        code, out, err = cli("users", "add", *args, *home)
        assert code == 2, (args, out, err)
        assert flat(err).startswith("错误 ERROR: ") and needle in flat(err), (args, err)
        assert "WARNING" not in err and "shown once" not in flat(out), (args, err)
    _stdin(monkeypatch, "short-pw\n")
    code, _, err = cli("users", "add", "viewer01", "--role", "viewer", *unknown,
                       "--password-stdin", *home)  # fmt: skip
    assert code == 2 and "too short" in flat(err) and "WARNING" not in err
    assert not (tmp_path / "store.db").exists()  # nothing created for a refused account
    assert cli("users", "add", "viewer01", "--role", "viewer", *home)[0] == 0
    code, out, err = cli("users", "add", "viewer01", "--role", "viewer", *unknown, *home)
    assert code == 2 and "already exists" in flat(err)
    assert "WARNING" not in err and "shown once" not in flat(out)


def test_a_guessable_password_on_stdin_is_refused_with_what_to_do(
    cli: Cli, opts: list[str], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``123456789012`` and the account's own name were accepted (length was the only rule):
    refused now by add and reset-password alike, naming the pattern, never the password."""
    for args, typed, why in [
        (["add", "wang.fang", "--role", "viewer"], "123456789012", "commonly used password"),
        (["add", "wang.fang", "--role", "viewer"], "WangFang-2026", "the account's username"),
    ]:
        _stdin(monkeypatch, typed + "\n")
        code, out, err = cli("users", *args, "--password-stdin", *opts)
        assert code == 2, (typed, out, err)
        assert flat(err).startswith("错误 ERROR: 密码太容易被猜到：") and why in flat(err), err
        assert typed not in out + err and "Traceback" not in err
    _stdin(monkeypatch, "river jade kettle 42\n")
    assert cli("users", "add", "wang.fang", "--role", "viewer", "--password-stdin", *opts)[0] == 0
    _stdin(monkeypatch, "wangfang.wangfang\n")
    code, _, err = cli("users", "reset-password", "wang.fang", "--password-stdin", *opts)
    assert code == 2 and "the account's username" in flat(err)
    with Store.open(db_url) as store:
        assert store.authenticate("wang.fang", "river jade kettle 42").username == "wang.fang"


def test_an_administrator_sees_and_lifts_a_paused_address(
    cli: Cli, opts: list[str], db_url: str
) -> None:
    """A township office behind one address that mistyped 20 times in 15 minutes is paused
    for everyone in it; ``users blocked`` shows it and ``users unblock`` (with a reason, audited)
    lifts the pause at once."""
    office = "203.0.113.40"
    with Store.open(db_url) as store:
        store.add_user("clerk01", "viewer", scope_kind="prefecture", password="river jade "
                       "kettle 42", actor="tests")  # fmt: skip
        for n in range(20):
            with pytest.raises(LoginError):
                store.authenticate(f"staff{n:02d}", f"typo number {n}", client=office)
        with pytest.raises(LoginError, match="paused until"):
            store.authenticate("clerk01", "river jade kettle 42", client=office)
    code, out, err = cli("users", "blocked", *opts)
    assert code == 0, err
    [line] = [row for row in out.splitlines() if office in row]
    assert re.fullmatch(rf" {re.escape(office)} +20 +\d\d:\d\d", line), line
    assert "时间为北京时间 / times are Beijing time" in out
    assert max(len(row) for row in out.splitlines()) <= 80
    code, _, err = cli("users", "unblock", office, *opts)
    assert code == 2 and "--reason" in err
    code, out, err = cli("users", "unblock", office, "--reason", "office NAT", *opts)
    assert (code, flat(out)) == (0, f"已解除 unblocked {office}: 清除 20 次失败 / 20 failed "
                                    "sign-ins forgotten"), err  # fmt: skip
    with Store.open(db_url) as store:
        assert store.authenticate("clerk01", "river jade kettle 42", client=office)
        cleared = [e for e in store.audit_entries() if e.action == "login.client_cleared"]
        assert [(e.subject, e.details) for e in cleared] == [
            (office, {"failures_cleared": 20, "reason": "office NAT"})
        ]
    assert "近 15 分钟无登录失败" in cli("users", "blocked", *opts)[1]
