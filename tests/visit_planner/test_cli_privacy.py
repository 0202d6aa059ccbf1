"""The data-protection audit on the CLI: a table holding names, ID-card and mobile numbers is
trained on and scored, and every file written (workspace, MLflow, outputs) and every message
is scanned for them."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tests.visit_planner.helpers import flat

NUMBERS = re.compile(rb"[0-9]{11,}")


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/visit_planner/conftest.py


def people(n: int, seed: int = 0) -> pl.DataFrame:
    """Made-up heads of household: a name, an 18-digit ID-card number, an 11-digit mobile."""
    rng = np.random.default_rng(seed)
    surnames, given = "王李张刘陈杨黄赵", ("建国", "秀英", "桂花", "志强", "德明", "海燕")
    return pl.DataFrame(
        {
            "户主姓名": [f"{surnames[i % 8]}{given[i % 6]}{'甲乙丙'[i % 3]}" for i in range(n)],
            "身份证号": [f"532622{19500101 + i:08d}{rng.integers(100, 999)}X" for i in range(n)],
            "联系电话": [f"139{rng.integers(10**7, 10**8)}" for _ in range(n)],
        }
    )


def written(*roots: Path) -> list[tuple[str, bytes]]:
    """Every file under ``roots`` with its bytes, and each member of a zip file (an xlsx, a
    skops model) and the JSON lines of a Parquet file, as a scanner must read them."""
    out: list[tuple[str, bytes]] = []
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            data = path.read_bytes()
            out.append((str(path), data))
            if zipfile.is_zipfile(path):
                with zipfile.ZipFile(path) as z:
                    out += [(f"{path}!{m}", z.read(m)) for m in z.namelist()]
            if path.suffix == ".parquet":
                out.append((f"{path} (rows)", pl.read_parquet(path).write_ndjson().encode()))
    return out


def leaks(files: list[tuple[str, bytes]], who: pl.DataFrame) -> list[str]:
    """The files holding any of ``who``'s names or numbers."""
    numbers = {*who["身份证号"], *who["联系电话"]}
    names = [n.encode() for n in who["户主姓名"].head(200)]
    found = []
    for name, data in files:
        held = {m.decode() for m in NUMBERS.findall(data)}
        if held & numbers or any(n in data for n in names):
            found.append(name)
    return found


def test_households_with_names_and_numbers_leave_none_in_the_workspace(
    small_prefecture_dir: Path, workspace: Path, tmp_path: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    """An office's households file carries the head's name, ID-card and mobile numbers: train
    and score drop those columns with a warning naming them, and nothing written (MLflow's
    database, artifacts, model, the scores and drift files) holds any of them."""
    data = tmp_path / "data"
    data.mkdir()
    for f in small_prefecture_dir.iterdir():
        (data / f.name).write_bytes(f.read_bytes())
    households = pl.read_parquet(data / "households.parquet")
    who = people(households.height)
    households.hstack(who).write_parquet(data / "households.parquet")
    rc, out, err = cli("train", "--data", str(data), "--max-iter", "20")
    assert rc == 0, err
    assert "'户主姓名', '身份证号', '联系电话': 契约外的列, 已删除" in flat(err)
    assert cli("promote", "--version", "1", "--data", str(data)).code == 0
    scores = tmp_path / "out" / "scores.parquet"
    rc, out2, err2 = cli("score", "--data", str(data), "--out", str(scores))
    assert rc == 0, err2
    files = written(workspace, scores.parent)
    assert any(name.endswith("model.skops") for name, _ in files)  # the scan saw the model
    assert leaks(files, who) == []
    assert leaks([("messages", (out + err + out2 + err2).encode())], who) == []


SURVEY_SPEC = """
id_column = "身份证号"
group_column = "site"
[target]
column = "grade"
classes = ["A", "B"]
[features]
numeric = ["x"]
categorical = ["备注"]
"""


def survey(n: int = 600) -> pl.DataFrame:
    """A survey keyed by the ID-card number, with a remarks column some of whose entries hold
    a contact's mobile."""
    rng = np.random.default_rng(1)
    who = people(n, seed=1)
    x = rng.normal(size=n)
    remarks = [f"联系人电话{p}" if i % 4 == 0 else "无" for i, p in enumerate(who["联系电话"])]
    return pl.DataFrame(
        {
            "身份证号": who["身份证号"],
            "site": [f"s{i % 12}" for i in range(n)],
            "x": x,
            "备注": remarks,
            "grade": np.where(x + rng.logistic(size=n) > 0.5, "A", "B"),
        }
    )


def test_a_remarks_feature_holding_mobiles_is_refused_and_nothing_is_registered(
    workspace: Path, tmp_path: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    """A categorical feature's every value is stored with the model in MLflow (encoder, drift
    reference): a remarks column holding contacts' mobiles was registered as is (800 of them
    in model.skops and drift_reference.json). Now training is refused naming the column and
    rows, never the numbers, and nothing reaches the workspace."""
    table = tmp_path / "survey.csv"
    frame = survey()
    frame.write_csv(table)
    spec = tmp_path / "spec.toml"
    spec.write_text(SURVEY_SPEC, encoding="utf-8")
    rc, out, err = cli("train", "--data", str(table), "--spec", str(spec))
    assert rc == 2
    assert "备注: 取值含疑似身份证号码或手机号码, 请删去号码或不用此列 (150 value(s)" in flat(err)
    assert "e.g. 第 1 行 row 1, 第 5 行 row 5, 第 9 行 row 9" in flat(err)
    assert "Traceback" not in err
    who = people(600, seed=1)
    assert leaks([("messages", (out + err).encode())], who) == []
    assert leaks(written(workspace), who) == [] if workspace.exists() else True


def test_a_bad_value_in_a_table_keyed_by_id_card_numbers_names_its_line(
    workspace: Path, tmp_path: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    """The reader named a bad value's row by its id, here the ID-card number itself."""
    frame = survey().with_columns(pl.lit("无").alias("备注"))
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 5).then(pl.lit("x")).otherwise(pl.col("x").cast(str))
        .alias("x")
    )  # fmt: skip
    table = tmp_path / "survey.csv"
    frame.write_csv(table)
    spec = tmp_path / "spec.toml"
    spec.write_text(SURVEY_SPEC, encoding="utf-8")
    rc, _, err = cli("train", "--data", str(table), "--spec", str(spec))
    assert rc == 2
    assert (
        "column 'x': 类型错误, 应为数字 (value is not a number) — 1 row: 第 7 行 line 7 (x)"
        in flat(err)
    )
    assert not NUMBERS.search(err.encode()), err


# --------------------------------------------------------------------------- the month on disk

AUDIT_ONLY_NAMES = (b"head_ethnicity", b"head_gender")
MLFLOW = ("mlflow.db", "mlartifacts")
"""The fairness audit's place: training logs its aggregates by group (fairness table, model
card, metrics named by attribute) to MLflow, where the attributes may be named."""


def audit_only_copies(files: list[tuple[str, bytes]], home: Path) -> list[str]:
    """The files that hold the audit-only ethnicity or gender outside MLflow's audit, or as a
    column of any table (a row per household) anywhere."""
    found = []
    for name, data in files:
        in_mlflow = Path(name.split("!")[0].split(" (rows)")[0]).is_relative_to(home) and (
            Path(name).relative_to(home).parts[0] in MLFLOW
        )
        named = any(n in data for n in AUDIT_ONLY_NAMES)
        if name.endswith(".parquet"):
            columns = pl.read_parquet_schema(name)
            named = named or any(c.encode() in AUDIT_ONLY_NAMES for c in columns)
            in_mlflow = False  # a table of households is no aggregate
        if named and not in_mlflow:
            found.append(name)
    return found


def test_a_month_planned_amended_and_exported_leaves_no_personal_data_on_disk(
    workspace: Path, tmp_path: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    """The month's commands on an office's households file that carries the heads' names,
    ID-card and mobile numbers beside the audit-only ethnicity and gender: plan, an
    amendment, a published what-if, explain, check-plan and the visit lists. No file written
    holds a name or number, and none but MLflow's fairness aggregates names the ethnicity or
    gender: every run kept both per household in townships/*/inputs/households.parquet
    (read by no planning, check, explanation or what-if), and an amendment or what-if
    copied them into the month's next version. A correction checked against that copy
    still is."""
    from visit_planner.paths import resolve_workspace
    from visit_planner.store import Store
    from visit_planner.synthetic import generate, write_prefecture
    from visit_planner.whatif import Changes, what_if
    from visit_planner.whatif_publish import publish_what_if

    data, out = tmp_path / "data", tmp_path / "out"
    write_prefecture(generate(scale=0.003, seed=3), data)
    households = pl.read_parquet(data / "households.parquet")
    who = people(households.height)
    households.hstack(who).write_parquet(data / "households.parquet")
    messages = []
    steps: list[tuple[str, ...]] = [
        ("train", "--data", str(data), "--max-iter", "20"),
        ("promote", "--version", "1", "--data", str(data)),
        ("plan", "--month", "2026-11", "--data", str(data), "--workers-processes", "1"),
    ]
    for args in steps:
        rc, o, e = cli(*args)
        assert rc in {0, 3}, e  # 3: a tier-1 shortfall, published
        messages.append(o + e)
    runs = sorted((workspace / "runs" / "2026-11").iterdir())
    assert len(runs) == 1
    run = runs[0]
    townships = sorted(p.name for p in (run / "townships").iterdir())
    stored = pl.read_parquet(run / "townships" / townships[0] / "inputs" / "households.parquet")
    assert stored.height > 0 and "lon" in stored.columns  # the copy a reader needs is kept
    # A correction is checked against the run's copy (with its every contract rule): without
    # the audit-only columns it must still be checked, not fail for want of them.
    first = stored.row(0, named=True)
    rc, o, e = cli(
        "overrides", "add", "--kind", "correction", "--household", first["household_id"],
        "--field", "members", "--value", str(first["members"] + 1), "--reason", "户口簿核实",
    )  # fmt: skip
    assert rc == 0, e
    messages.append(o + e)
    rc, o, e = cli(
        "plan", "--month", "2026-11", "--data", str(data), "--amend",
        "--township", townships[0], "--workers-processes", "1",
    )  # fmt: skip
    assert rc in {0, 3}, e
    messages.append(o + e)
    with Store.for_workspace(resolve_workspace(workspace), None) as store:
        current = store.current_run("2026-11")
    assert current is not None
    root = workspace / current.path
    tw = townships[-1]
    worker = pl.read_parquet(root / "townships" / tw / "worker_loads.parquet")["worker_id"][0]
    what = what_if(root, tw, Changes(hours={worker: 10.0}), month="2026-11")
    publish_what_if(what, month="2026-11", based_on=current.run_id, home=workspace)
    household = str(pl.read_parquet(root / "plan.parquet")["household_id"][0])
    steps = [
        ("explain", "--run", str(root), "--household", household),
        ("runs", "export", "current", "--month", "2026-11", "--out", str(out / "lists")),
        (
            "check-plan", "--plan", str(run / "plan.parquet"),
            "--scores", str(run / "scores.parquet"),
            "--households", str(data / "households.parquet"),
            "--workers", str(data / "workers.parquet"),
            "--conflicts", str(data / "conflicts.parquet"),
            "--previous", str(data / "previous_assignment.parquet"),
            "--out", str(out / "violations.csv"),
        ),
    ]  # fmt: skip
    for args in steps:
        rc, o, e = cli(*args)
        assert rc == 0, e
        messages.append(o + e)
    assert len(list((workspace / "runs" / "2026-11").iterdir())) == 3  # plan, amend, what-if
    files = written(workspace, out)
    assert any(n.endswith("inputs/households.parquet") for n, _ in files)  # the scan saw them
    assert any(n.endswith("visit_lists.xlsx") for n, _ in files)
    assert leaks(files, who) == []
    assert audit_only_copies(files, workspace) == []
    assert leaks([("messages", "".join(messages).encode())], who) == []
