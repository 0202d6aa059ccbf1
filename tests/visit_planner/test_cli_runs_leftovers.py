"""What killed plans left under runs/<month>/.staging-*: said and removed by ``plan`` even when
it then fails, and by ``runs list``; a month being planned is left alone."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.visit_planner.helpers import flat
from visit_planner.store import Store

WORK = ".staging-0123456789abcdef0123456789abcdef-work"
STAGING = ".staging-0123456789abcdef0123456789abcdee"


@pytest.fixture
def home(tmp_path: Path, cli) -> Path:  # type: ignore[no-untyped-def]
    """A workspace with a store and no runs."""
    ws = tmp_path / "ws"
    ws.mkdir()
    code, _, err = cli("store", "upgrade", "--home", str(ws))
    assert code == 0, err
    return ws


def _leave(home: Path, month: str, name: str, size: int = 4096) -> Path:
    """A directory a killed plan of ``month`` left, with a file of ``size`` bytes."""
    left = home / "runs" / month / name
    left.mkdir(parents=True)
    (left / "households.parquet").write_bytes(b"\0" * size)
    return left


def _duplicated_data(tmp_path: Path) -> Path:
    """A month's data the plan refuses once it holds the month's lock (a doubled household)."""
    from visit_planner.synthetic import generate, write_prefecture

    data = tmp_path / "data"
    write_prefecture(generate(scale=0.001, seed=2), data)
    households = pl.read_parquet(data / "households.parquet")
    pl.concat([households, households.head(3)]).write_parquet(data / "households.parquet")
    return data


def test_runs_list_removes_what_killed_plans_left_but_not_a_planned_months(home: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """``runs list`` (what a planner runs after a crash) said nothing and left the validated
    households of a killed plan in place until the next plan. It now removes them, under the
    month's lock taken for the moment, in one line a month; a month whose lock a live process
    holds (being planned: its directories are its own) is left alone, and cleared once free."""
    killed = _leave(home, "2026-11", WORK, 300_000)
    planned = _leave(home, "2026-10", STAGING)
    with Store.open(f"sqlite:///{home / 'store.db'}") as store, store.month_lock("2026-10"):
        code, out, err = cli("runs", "list", "--home", str(home))
    assert code == 0, err
    assert flat(out) == "尚无方案 / no runs yet"  # the listing alone on stdout
    said = flat(err)
    assert said.startswith(f"提示 note: {home / 'runs' / '2026-11'}")
    assert "已清理中断运行留下的临时目录 1 个" in said
    assert "removed 1 staging/work director(ies) of interrupted runs, 293 KB" in said
    assert "2026-10" not in said
    assert not killed.exists() and planned.is_dir()

    code, out, err = cli("runs", "list", "--home", str(home))  # 2026-10's lock given back
    assert code == 0, err
    assert str(home / "runs" / "2026-10") in err and "已清理" in err
    assert not planned.exists()
    code, out, err = cli("runs", "list", "--home", str(home))  # nothing left: nothing said
    assert (code, err) == (0, "")
    url = f"sqlite:///{home / 'store.db'}"
    with Store.open(url) as store, store.month_lock("2026-10"), store.month_lock("2026-11"):
        pass  # both given back


def test_a_plan_refused_on_its_data_still_says_what_it_removed(
    home: Path, tmp_path: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    """``plan`` removes what killed plans left before it validates; when its data was then
    refused the removal had happened but its note was never printed (the notes came with the
    published plan's summary). It is now printed as it happens."""
    data = _duplicated_data(tmp_path)
    killed = _leave(home, "2026-11", WORK, 300_000)

    code, out, err = cli("plan", "--month", "2026-12", "--data", str(data), "--home", str(home))
    assert code == 2, (out, err)
    assert "编号重复" in flat(err) and "Traceback" not in err  # refused on its data
    assert not killed.exists()
    said = flat(err)
    assert said.startswith(f"提示 note: {home / 'runs' / '2026-11'}"), err
    assert "已清理中断运行留下的临时目录 1 个" in said and "293 KB" in said
    assert said.index("293 KB") < said.index("编号重复")  # the note, then the refusal


def test_runs_list_says_what_it_could_not_remove(
    home: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A store that refuses the lock (an account without the right to write it) leaves the
    directories: ``runs list`` still lists, and says in one line what is left and why."""
    from visit_planner.errors import StoreError

    killed = _leave(home, "2026-11", WORK)

    def refused(self: Store, month: str, holder: str | None = None) -> None:
        raise StoreError("数据库权限不足 (permission denied for table month_locks)")

    monkeypatch.setattr(Store, "clearing_lock", refused)
    code, out, err = cli("runs", "list", "--home", str(home))
    assert code == 0, err
    assert flat(out) == "尚无方案 / no runs yet"
    said = flat(err)
    assert "中断运行留下的临时目录未清理 (2026-11: staging/work directories" in said, err
    assert "permission denied for table month_locks" in said and "the next plan" in said
    assert killed.is_dir() and "Traceback" not in err


def test_a_month_the_clean_up_leaves_empty_is_removed_but_not_one_with_a_run(
    home: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    """After ``runs list`` removed a killed plan's directories, ``runs/<month>/`` stayed,
    empty: a month directory with no run in it, as if the month had been planned. A month
    left empty by the clean-up now goes; one holding a run (anything but the leftovers)
    stays, and so does an empty month the clean-up did not touch."""
    killed = _leave(home, "2026-11", WORK)
    _leave(home, "2026-10", STAGING)
    run = home / "runs" / "2026-10" / "0123456789abcdef"
    run.mkdir()
    (run / "manifest.json").write_text("{}", "utf-8")
    untouched = home / "runs" / "2026-09"
    untouched.mkdir()

    code, _, err = cli("runs", "list", "--home", str(home))
    assert code == 0, err
    said = flat(err)
    assert said.count("已清理中断运行留下的临时目录 1 个") == 2, err
    assert "2026-11: 已清理中断运行留下的临时目录 1 个; 该月份无方案, 目录已一并删除" in said
    assert "4 KB; the month has no run: its directory went too)" in said
    assert said.count("its directory went too") == 1  # not 2026-10's
    assert not killed.parent.exists()  # 2026-11: nothing but the leftovers
    assert sorted(p.name for p in (home / "runs" / "2026-10").iterdir()) == [run.name]
    assert untouched.is_dir()


def test_a_plan_waiting_for_a_clean_up_says_so_at_once(
    home: Path, tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A ``plan`` starting while ``runs list`` clears the month waited (up to 30 s) for the
    clean-up's lock and printed nothing meanwhile: a hung command, to a planner. It now says
    it waits, in one line on stderr, before it goes on (here, to refuse its data)."""
    import threading

    from visit_planner.store import locks

    real = locks.acquire
    release = threading.Event()

    def released_soon(*args: object, wait: float, waiting: object = None) -> object:
        def told(seconds: float) -> None:
            waiting(seconds)  # type: ignore[operator]
            threading.Timer(0.5, release.set).start()  # the clean-up ends while plan waits

        return real(*args, wait=wait, waiting=None if waiting is None else told)  # type: ignore[arg-type]

    monkeypatch.setattr(locks, "acquire", released_soon)
    data = _duplicated_data(tmp_path)
    url = f"sqlite:///{home / 'store.db'}"
    taken = threading.Event()

    def clean_up() -> None:
        with Store.open(url) as store, store.clearing_lock("2026-12"):
            taken.set()
            release.wait(30)

    holder = threading.Thread(target=clean_up)
    holder.start()
    assert taken.wait(10)
    try:
        code, out, err = cli("plan", "--month", "2026-12", "--data", str(data), "--home", str(home))
    finally:
        release.set()
        holder.join()
    assert code == 2, (out, err)
    said = flat(err)
    line = (
        "2026-12 正在清理中断运行, 等其结束 (最多 30 秒) / 2026-12 is being cleared of what "
        "interrupted runs left: waiting for that (at most 30 s)"
    )
    assert said.startswith(line), err
    assert said.index(line) < said.index("编号重复")  # waited, then went on
    assert "gave up" not in said


def test_a_plan_giving_up_on_a_clean_up_says_how_long_it_waited(
    home: Path, tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A clean-up still holding the month when the wait ends: the refusal named the
    clean-up as if the month were being planned, with no word of the wait; it now says the
    plan waited and gave up. Both lines read in English alone on a stream without Chinese."""
    from visit_planner.cli.narrow_encoding import narrow
    from visit_planner.store import locks

    real = locks.acquire

    def short_wait(*args: object, wait: float, waiting: object = None) -> object:
        return real(*args, wait=min(wait, 0.5), waiting=waiting)  # type: ignore[arg-type]

    monkeypatch.setattr(locks, "acquire", short_wait)
    data = _duplicated_data(tmp_path)
    with Store.open(f"sqlite:///{home / 'store.db'}") as store, store.clearing_lock("2026-12"):
        code, out, err = cli("plan", "--month", "2026-12", "--data", str(data), "--home", str(home))
    assert code != 0 and out == "" and "Traceback" not in err, (code, out, err)
    said = flat(err)
    assert said.startswith("2026-12 正在清理中断运行, 等其结束 (最多 0 秒)"), err
    assert "(清理中断运行 clearing interrupted runs)" in said
    assert "已等待清理 1 秒仍未结束, 放弃 (waited 1 s for the clean-up to finish" in said
    assert "编号重复" not in said  # nothing was planned
    ascii_text = narrow(err, "ascii")
    assert "waiting for that (at most 0 s)" in ascii_text
    assert "then gave up: try again in a moment" in ascii_text
    assert not any(ord(c) > 127 for c in ascii_text)
