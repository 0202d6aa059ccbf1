"""A published run whose files are damaged, as every reader meets it: a file missing, cut
short, not Parquet, rewritten without a column; the policy or the manifest gone.

Every reader goes through :class:`~visit_planner.runs.RunReader`, which refuses a damaged
file it is asked for, naming the file, what is wrong and what to do (``runs check RUN``,
restore from the backup); ``runs check`` and ``runs show`` name every damaged file. One
published month for the module (two versions, for ``runs diff``), copied per test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from tests.visit_planner.helpers import M1, Months, flat, plan, two_months
from visit_planner.errors import PlanFileError
from visit_planner.paths import Workspace
from visit_planner.store import Store, store_url


@pytest.fixture(scope="module")
def months(tmp_path_factory: pytest.TempPathFactory) -> Months:
    """Two published versions of :data:`M1`: the second, current, is damaged."""
    m = two_months(tmp_path_factory)
    url = store_url(Workspace(m.home))
    plan(m, url, M1, m.m1)
    plan(m, url, M1, m.m1)
    return m


def _copy(months: Months, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the workspace to damage, and its current run's directory."""
    home = tmp_path / "workspace"
    shutil.copytree(months.home, home)
    with Store.open(store_url(Workspace(home))) as store:
        row = store.current_run(M1)
    assert row is not None and row.version == 2
    return home, home / row.path


def _township(run: Path) -> str:
    return sorted(p.name for p in (run / "townships").iterdir())[0]


def _damage(run: Path, rel: str, how: str) -> None:
    path = run / rel
    if how == "missing":
        path.unlink()
    elif how == "cut short":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif how == "not parquet":
        path.write_text("household_id,worker_id\nH1,W1\n", "utf-8")
    else:  # a column dropped: valid Parquet, another file
        frame = pl.read_parquet(path)
        frame.drop(how).write_parquet(path)


WHAT = {"missing": "缺失 (missing", "cut short": "已损坏", "not parquet": "已损坏"}
"""How the refusal says what is wrong (a dropped column: 已被改动 (changed)."""

CASES = [
    ("places.parquet", "cut short"),  # read as the run is opened: every command met it
    ("plan.parquet", "not parquet"),
    ("diagnostics.parquet", "township_id"),
    ("households_index.parquet", "missing"),
    ("TW/plan.parquet", "worker_id"),
    ("TW/explanations.parquet", "cut short"),
    ("TW/inputs/households.parquet", "missing"),
]
"""(file, damage): ``TW`` is the run's first township's directory."""

READERS = {
    "places.parquet": {"export", "diff", "explain"},
    "plan.parquet": {"diff"},
    "diagnostics.parquet": {"export", "diff"},
    "households_index.parquet": {"explain"},
    "TW/plan.parquet": {"export", "explain"},
    "TW/explanations.parquet": {"export", "explain"},
    "TW/inputs/households.parquet": {"export", "explain"},
}
"""Which of the commands below read each file (the others read none of it and answer)."""


def _commands(home: Path, run: Path, tw: str, out: Path) -> dict[str, list[str]]:
    household = pl.read_parquet(run / "townships" / tw / "inputs" / "households.parquet")[
        "household_id"
    ][0]
    at = ["--home", str(home)]
    earlier = next(p for p in run.parent.iterdir() if p != run)  # version 1, intact
    return {
        "export": ["runs", "export", M1, "--out", str(out), *at],
        "diff": ["runs", "diff", earlier.name[:8], M1, *at],
        "explain": ["explain", "--run", str(run), "--household", household],
    }


@pytest.mark.parametrize(("rel", "how"), CASES)
def test_a_damaged_file_is_refused_by_each_reader_and_named_by_check_and_show(
    months: Months, cli, tmp_path: Path, rel: str, how: str
) -> None:  # type: ignore[no-untyped-def]
    home, run = _copy(months, tmp_path)
    tw = _township(run)
    commands = _commands(home, run, tw, tmp_path / "lists")
    real = rel.replace("TW", f"townships/{tw}")
    _damage(run, real, how)
    what = WHAT.get(how, "已被改动 (changed")
    run_id = run.name[:12]
    for name, args in commands.items():
        code, out, err = cli(*args)
        assert "Traceback" not in out + err, (name, err)
        if name not in READERS[rel]:
            assert code == 0, (name, out, err)  # it reads none of the file: its answer holds
            continue
        said = flat(err)
        assert code == 2, (name, code, out, err)
        assert out == "", (name, out)  # no partial output
        assert f"{run / real}: 方案文件{what}" in said, (name, said)
        assert f"`visit-planner runs check {run_id}` to see every damaged file" in said
        assert "restore the workspace from its backup: docs/deployment.md" in said
    if "export" in READERS[rel]:
        assert not (tmp_path / "lists").exists()  # export wrote nothing
    # runs check names it and checks no rule; runs show says so and exits 4.
    code, out, err = cli("runs", "check", M1, "--home", str(home))
    said = flat(out)
    assert code == 4 and "Traceback" not in out + err, out + err
    assert f"{real}: {what}" in said and "规则 rules:" not in said
    code, out, err = cli("runs", "show", M1, "--home", str(home))
    assert code == 4 and "Traceback" not in out + err, out + err
    assert f"已被修改 CHANGED: {real}" in flat(out)
    assert f"`visit-planner runs check {run_id}` names every damaged file" in flat(err)


def test_check_names_every_damaged_file_at_once(months: Months, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    home, run = _copy(months, tmp_path)
    tw = _township(run)
    _damage(run, "places.parquet", "not parquet")
    _damage(run, "plan.parquet", "worker_id")
    _damage(run, f"townships/{tw}/plan.parquet", "missing")
    (run / "policy.toml").unlink()
    code, out, err = cli("runs", "check", M1, "--home", str(home), "--out", str(tmp_path / "v.pq"))
    said = flat(out)
    assert code == 4 and "Traceback" not in out + err, out + err
    assert "文件 files: 与方案清单不符 CHANGED (4)" in said
    assert "places.parquet: 已损坏, 无法读取 (damaged: not readable Parquet:" in said
    assert "plan.parquet: 已被改动 (changed: its hash is not the one manifest.json" in said
    assert f"townships/{tw}/plan.parquet: 缺失 (missing: manifest.json records it)" in said
    assert "policy.toml: 缺失 (missing" in said
    assert "restore the workspace from its backup" in said
    assert not (tmp_path / "v.pq").exists()  # no rule checked: no violations file


@pytest.mark.parametrize("how", ["missing", "not json"])
def test_a_damaged_manifest_is_refused_saying_to_restore(
    months: Months, cli, tmp_path: Path, how: str
) -> None:  # type: ignore[no-untyped-def]
    home, run = _copy(months, tmp_path)
    manifest = run / "manifest.json"
    if how == "missing":
        manifest.unlink()
    else:
        manifest.write_text("{not json", "utf-8")
    tw = _township(run)
    commands = _commands(home, run, tw, tmp_path / "lists")
    commands["check"] = ["runs", "check", M1, "--home", str(home)]
    commands["show"] = ["runs", "show", M1, "--home", str(home)]
    for name, args in commands.items():
        code, out, err = cli(*args)
        said = flat(err)
        assert code == 2 and out == "" and "Traceback" not in err, (name, out, err)
        assert "manifest.json" in said and "restore the workspace from its backup" in said, (
            name,
            said,
        )


def test_a_policy_damaged_after_publication_is_refused_where_it_is_read(
    months: Months, cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Cut short, still TOML: it read as the run's policy with its rules gone."""
    home, run = _copy(months, tmp_path)
    policy = run / "policy.toml"
    text = policy.read_text("utf-8")
    policy.write_text(text[: text.index("[", 1)], "utf-8")
    commands = _commands(home, run, _township(run), tmp_path / "lists")
    code, out, err = cli(*commands["explain"])
    said = flat(err)
    assert code == 2 and out == "" and "Traceback" not in err, err
    assert f"{policy}: 方案文件已被改动 (changed" in said
    code, out, err = cli("runs", "show", M1, "--home", str(home))
    assert code == 4 and "已被修改 CHANGED: policy.toml" in flat(out), out + err


def test_plan_refuses_last_months_damaged_plan_as_its_previous_assignment(
    months: Months, tmp_path: Path
) -> None:
    from visit_planner.plan_job import previous_from_run

    home, run = _copy(months, tmp_path)
    _damage(run, "plan.parquet", "cut short")
    workspace = Workspace(home)
    with Store.open(store_url(workspace)) as store, pytest.raises(PlanFileError) as refused:
        previous_from_run(store, workspace, "2026-12")
    assert f"{run / 'plan.parquet'}: 方案文件已损坏" in str(refused.value)


AMEND_CASES = [
    ("plan.parquet", "cut short", "已损坏, 无法读取 (damaged"),
    ("worker_loads.parquet", "worker_id", "已被改动 (changed"),
    ("policy.toml", "minutes_on_site", "已被改动 (changed"),
]
"""(file of the current run, damage, what the refusal says is wrong)."""


@pytest.mark.parametrize("case", AMEND_CASES)
def test_an_amendment_of_a_damaged_current_run_is_refused_before_its_work(
    months: Months, cli, tmp_path: Path, case: tuple[str, str, str]
) -> None:  # type: ignore[no-untyped-def]
    """The amendment read the month's run's whole-run frames directly, after its re-solve:
    a cut-short plan.parquet was polars' ComputeError (a traceback), a worker_loads
    rewritten without a column was published into the new version, and a policy edited
    since (a valid one: tier 1's minutes on site 45 -> 60) was the policy the townships
    were re-solved under. Now each is refused before any work, and nothing is published."""
    rel, how, what = case
    home, run = _copy(months, tmp_path)
    if rel == "policy.toml":
        text = (run / rel).read_text("utf-8")
        assert "minutes_on_site = 45.0" in text
        (run / rel).write_text(text.replace("minutes_on_site = 45.0", "minutes_on_site = 60.0", 1))
    else:
        _damage(run, rel, how)
    tw = _township(run)
    code, out, err = cli(
        "plan", "--month", M1, "--data", str(months.m1), "--home", str(home),
        "--workers-processes", "1", "--amend", "--township", tw,
    )  # fmt: skip
    said = flat(err)
    assert code == 2 and "Traceback" not in out + err, (code, out, err)
    assert f"{run / rel}: 方案文件{what}" in said, said
    assert f"`visit-planner runs check {run.name[:12]}` to see every damaged file" in said
    with Store.open(store_url(Workspace(home))) as store:
        current = store.current_run(M1)
    assert current is not None and current.version == 2  # nothing published
    assert sorted(p.name for p in run.parent.iterdir()) == sorted(
        p.name for p in (months.home / run.relative_to(home)).parent.iterdir()
    )  # no run or staging directory left
