"""The following month of a synthetic prefecture: determinism, documented rates, fresh ids,
consistent truth, last month's pairing from a plan, and the ``generate`` options."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tests.visit_planner.helpers import flat
from visit_planner.contracts import load_inputs
from visit_planner.synthetic import next_month as nm
from visit_planner.synthetic import risk


@pytest.fixture(scope="module")
def month1(small_prefecture, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    """The small prefecture (scale 0.01, seed 1) as a month directory of 2026-11."""
    p = small_prefecture
    out = tmp_path_factory.mktemp("months") / "2026-11"
    info = nm.generated_month_info(p.households, p.workers, month="2026-11", seed=1, scale=0.01)
    nm.write_month(p.tables(), info, out)
    return out


@pytest.fixture(scope="module")
def month2(month1: Path) -> nm.MonthData:
    """The month after ``month1`` (seed 7, no plan)."""
    return nm.next_month(nm.read_month(month1), seed=7)


def _ids(frame: pl.DataFrame, column: str) -> set[str]:
    return set(frame[column].to_list())


def _number(ident: str) -> int:
    return int(ident[1:])


def test_same_seed_same_bytes_other_seed_other_data(month1: Path, tmp_path: Path) -> None:
    data = nm.read_month(month1)
    for name in ("a", "b"):
        got = nm.next_month(data, seed=7)
        nm.write_month(got.tables(), got.info, tmp_path / name)
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == sorted([*(f"{t}.parquet" for t in nm.TABLES), nm.MONTH_FILE])
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    other = nm.next_month(data, seed=8)
    assert not other.households.equals(nm.next_month(data, seed=7).households)


def test_change_counts_follow_the_documented_rates(month1: Path, month2: nm.MonthData) -> None:
    before = nm.read_month(month1)
    c = month2.info.changes
    n, w = before.households.height, before.workers.height
    assert c["households_left"] == round(nm.LEAVE_RATE * n) == 20
    assert c["households_moved"] == round(nm.MOVE_RATE * n) == 30
    assert c["households_new"] == round(nm.NEW_RATE * (n - 20)) == 50
    assert c["workers_left"] == round(nm.WORKER_LEAVE_RATE * w) > 0
    assert c["workers_joined"] == round(nm.WORKER_JOIN_RATE * w) > 0
    assert 0.10 <= c["households_reassessed"] / n <= 0.14  # 12 % + movers
    assert 0.015 <= c["tier_changed"] / n <= 0.04  # "about 2.5 %"
    assert month2.households.height == n - 20 + 50 == c["households_after"]

    # The counts are what the tables show.
    old, new = before.households, month2.households
    gone = _ids(old, "household_id") - _ids(new, "household_id")
    added = _ids(new, "household_id") - _ids(old, "household_id")
    assert len(gone) == 20 and len(added) == 50
    both = old.join(new, on="household_id", suffix="_new")
    moved = both.filter(pl.col("grid_id") != pl.col("grid_id_new"))
    assert moved.height == 30
    assert (moved["township_id"] == moved["township_id_new"]).all()
    assert ((moved["lon"] != moved["lon_new"]) | (moved["lat"] != moved["lat_new"])).all()
    changed = both.filter(
        pl.col("assessed_tier").is_not_null()
        & (pl.col("assessed_tier") != pl.col("assessed_tier_new"))
    )
    assert changed.height == c["tier_changed"]
    assert both["assessed_tier"].is_null().equals(both["assessed_tier_new"].is_null())
    # Reassessed households' last assessment became their previous tier.
    assert (changed["previous_tier_new"] == changed["assessed_tier"]).all()
    left_workers = _ids(before.workers, "worker_id") - _ids(month2.workers, "worker_id")
    joined = _ids(month2.workers, "worker_id") - _ids(before.workers, "worker_id")
    assert len(left_workers) == c["workers_left"] and len(joined) == c["workers_joined"]
    assert month2.workers.filter(pl.col("worker_id").is_in(list(joined)))["active"].all()


def test_new_ids_were_never_used(month1: Path, month2: nm.MonthData, tmp_path: Path) -> None:
    before = nm.read_month(month1)
    assert before.info.ids_issued == {"household": 10_000, "worker": before.workers.height}
    added_h = _ids(month2.households, "household_id") - _ids(before.households, "household_id")
    added_w = _ids(month2.workers, "worker_id") - _ids(before.workers, "worker_id")
    assert min(map(_number, added_h)) == before.info.ids_issued["household"] + 1
    assert min(map(_number, added_w)) == before.info.ids_issued["worker"] + 1
    assert month2.info.ids_issued == {
        "household": 10_050,
        "worker": before.info.ids_issued["worker"] + len(added_w),
    }
    # A third month never reuses an id of a household or worker that left in the second,
    # even when the highest id left: the record, not the data, holds the high-water mark.
    nm.write_month(month2.tables(), month2.info, tmp_path / "m2")
    last = month2.households["household_id"].max()
    data = nm.read_month(tmp_path / "m2")
    data = nm.MonthData(
        households=data.households.filter(pl.col("household_id") != last),
        workers=data.workers.with_columns(
            own_household_id=pl.when(pl.col("own_household_id") == last)
            .then(None)
            .otherwise(pl.col("own_household_id"))
        ),
        previous_assignment=data.previous_assignment.filter(pl.col("household_id") != last),
        conflicts=data.conflicts.filter(pl.col("household_id") != last),
        truth=data.truth.filter(pl.col("household_id") != last),
        info=data.info,
    )
    month3 = nm.next_month(data, seed=7)
    ever = _ids(before.households, "household_id") | _ids(month2.households, "household_id")
    fresh = _ids(month3.households, "household_id") - _ids(data.households, "household_id")
    assert fresh and not fresh & ever
    assert min(map(_number, fresh)) == 10_051


def test_truth_stays_consistent_with_the_rows(month1: Path, month2: nm.MonthData) -> None:
    h, t = month2.households, month2.truth
    assert t["household_id"].equals(h["household_id"])
    # The latent score is the risk score of every current row, moved and new ones included.
    assert np.allclose(t["latent_score"].to_numpy(), risk.risk_score(h), atol=1e-12)
    # The probabilities are the generator's Bayes function of the row and its previous tier.
    prev = h["previous_tier"].fill_null(0).to_numpy()
    bayes = risk.bayes_probabilities(t["latent_score"].to_numpy(), prev)
    assert np.allclose(t.select("p_tier1", "p_tier2", "p_tier3").to_numpy(), bayes, atol=1e-12)
    labelled = h["assessed_tier"].is_not_null()
    assert (h["assessed_tier"].filter(labelled) == t["true_tier"].filter(labelled)).all()
    # Rows that did not change are copied as they were.
    old = nm.read_month(month1)
    same = old.households.join(h, on=old.households.columns, how="semi", nulls_equal=True)
    assert same.height > 0.85 * old.households.height
    ids = same["household_id"].implode()
    assert old.truth.filter(pl.col("household_id").is_in(ids)).equals(
        t.filter(pl.col("household_id").is_in(ids))
    )


def test_without_a_plan_last_month_is_carried_with_months_advanced(
    month1: Path, month2: nm.MonthData
) -> None:
    before = nm.read_month(month1)
    prev = month2.previous_assignment
    assert prev["month"].unique().to_list() == ["2026-11"]
    assert before.previous_assignment["month"].unique().to_list() == ["2026-10"]
    c = month2.info.changes
    dropped = c["previous_dropped_household_left"] + c["previous_dropped_worker_left"]
    assert prev.height == c["previous_pairs"] == before.previous_assignment.height - dropped
    assert dropped > 0
    assert month2.info.month == "2026-12" and month2.info.of == "2026-11"
    assert month2.info.seed == 7 and month2.info.scale == 0.01


def test_previous_assignment_is_built_from_a_given_plan(month1: Path, tmp_path: Path) -> None:
    data = nm.read_month(month1)
    workers = data.workers["worker_id"]
    # A plan: every household assigned to some worker, a few unassigned, one unknown pair.
    plan = pl.concat(
        [
            data.households.select(
                "household_id",
                worker_id=workers.gather(np.arange(data.households.height) % workers.len()),
                tier=pl.lit(3, pl.Int8),
            ).with_columns(
                worker_id=pl.when(pl.int_range(pl.len()) % 100 == 0)
                .then(None)
                .otherwise(pl.col("worker_id"))
            ),
            pl.DataFrame(
                {"household_id": ["H9999999"], "worker_id": ["W000001"], "tier": [1]},
                schema_overrides={"tier": pl.Int8},
            ),
        ]
    )
    plan.write_parquet(tmp_path / "plan.parquet")
    previous = nm.read_previous_plan(tmp_path / "plan.parquet")
    got = nm.next_month(data, seed=7, previous_plan=previous)
    c = got.info.changes
    assigned = plan.filter(pl.col("worker_id").is_not_null())
    expected = assigned.join(got.households.select("household_id"), on="household_id").join(
        got.workers.select("worker_id"), on="worker_id"
    )
    assert got.previous_assignment.columns == ["household_id", "worker_id", "month"]
    assert got.previous_assignment["month"].unique().to_list() == ["2026-11"]
    assert got.previous_assignment.select("household_id", "worker_id").equals(
        expected.select("household_id", "worker_id").sort("household_id")
    )
    assert c["previous_dropped_unknown"] == 1
    left = data.households.join(got.households, on="household_id", how="anti")
    assert c["previous_dropped_household_left"] == assigned.join(left, on="household_id").height
    assert c["previous_dropped_worker_left"] > 0
    assert (
        c["previous_pairs"] + c["previous_dropped_unknown"]
        + c["previous_dropped_household_left"] + c["previous_dropped_worker_left"]
        == assigned.height
    )  # fmt: skip
    assert got.info.previous_plan_sha256 is not None and len(got.info.previous_plan_sha256) == 64


def test_a_plan_of_another_prefecture_is_refused(month1: Path, tmp_path: Path) -> None:
    from visit_planner.errors import PlanFileError

    pl.DataFrame({"household_id": ["X1"], "worker_id": ["Y1"]}).write_parquet(tmp_path / "p.pq")
    previous = nm.PreviousPlan(pl.read_parquet(tmp_path / "p.pq"), "0" * 64)
    with pytest.raises(PlanFileError, match="none of this prefecture"):
        nm.next_month(nm.read_month(month1), seed=7, previous_plan=previous)


def test_a_previous_plan_that_is_no_parquet_says_why(tmp_path: Path) -> None:
    """A cut-short plan file: why, in both languages, not polars' "File out of
    specification" (plan_files.read_file, which --previous-plan reads through)."""
    from visit_planner.errors import PlanFileError
    from visit_planner.plan_files import read_file

    path = tmp_path / "plan.parquet"
    pl.DataFrame({"household_id": ["H1"], "worker_id": ["W1"]}).write_parquet(path)
    path.write_bytes(path.read_bytes()[:30])
    with pytest.raises(PlanFileError) as refused:
        read_file(path, "plan", ("household_id", "worker_id"))
    assert str(refused.value) == (
        f"{path}: Parquet 文件不完整 (the Parquet file is cut short: copy or export it again)"
    )


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("{not json", "Expecting property name enclosed in double quotes"),
        ('["2026-11"]', "a JSON list, not an object"),  # it raised an AttributeError traceback
        ('{"scale": 0.01}', "missing"),
    ],
)
def test_a_broken_month_record_is_named(tmp_path: Path, text: str, why: str) -> None:
    from visit_planner.errors import ContractError

    (tmp_path / "month.json").write_text(text, "utf-8")
    with pytest.raises(ContractError) as refused:
        nm.MonthInfo.read(tmp_path)
    message = str(refused.value)
    assert message.startswith(
        f"{tmp_path / 'month.json'}: 月份记录无法读取, 请改正或删除 (cannot read the month "
        "record that generate writes: "
    )
    assert why in message and message.endswith("; fix or delete it)")


def test_next_month_passes_the_contracts(month2: nm.MonthData, tmp_path: Path) -> None:
    nm.write_month(month2.tables(), month2.info, tmp_path / "m2")
    inputs = load_inputs(tmp_path / "m2")
    assert inputs.warnings == ()
    assert inputs.households.height == month2.households.height
    assert inputs.previous_assignment.height == month2.previous_assignment.height
    assert inputs.conflicts.height == month2.conflicts.height


def test_generate_cli_writes_months_and_next_months(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    m1, m2, m3 = tmp_path / "m1", tmp_path / "m2", tmp_path / "m3"
    code, _, err = cli("generate", "--scale", "0.01", "--month", "2027-01", "--out", str(m1))
    assert code == 0, err
    record = json.loads((m1 / "month.json").read_text("utf-8"))
    assert record["month"] == "2027-01" and record["of"] is None and record["seed"] == 1
    prev = pl.read_parquet(m1 / "previous_assignment.parquet")
    assert prev["month"].unique().to_list() == ["2026-12"]

    plan = prev.select("household_id", "worker_id")
    plan.write_parquet(tmp_path / "plan.parquet")
    code, out, err = cli(
        "generate", "--next-month-of", str(m1), "--seed", "3", "--out", str(m2),
        "--previous-plan", str(tmp_path / "plan.parquet"),
    )  # fmt: skip
    assert code == 0, err
    record = json.loads((m2 / "month.json").read_text("utf-8"))
    assert record["month"] == "2027-02" and record["of"] == "2027-01"
    assert record["scale"] == 0.01 and record["seed"] == 3
    # Chinese first, the English after ' / ', as the CLI's other tables
    assert "删除结对: 人员已离任 / pairs dropped: worker left" in flat(out)
    assert "本月变化 / changes 2027-01 → 2027-02" in flat(out)
    assert "新增农户 / new households" in out
    assert pl.read_parquet(m2 / "previous_assignment.parquet")["month"].unique().to_list() == [
        "2027-01"
    ]
    code, out, err = cli("validate", str(m2))
    assert code == 0, err
    assert "valid" in out

    code, _, err = cli("generate", "--next-month-of", str(m2), "--out", str(m3))
    assert code == 0, err
    assert json.loads((m3 / "month.json").read_text("utf-8"))["month"] == "2027-03"


def test_a_published_plan_of_another_month_is_refused(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    # A plan lying in a run folder carries its month in the manifest: November's plan given
    # for the December data would become January's previous assignment labelled December.
    from visit_planner.runs.manifest import RunManifest

    m1 = tmp_path / "m1"
    code, _, err = cli("generate", "--scale", "0.01", "--month", "2027-01", "--out", str(m1))
    assert code == 0, err
    run = tmp_path / "run"
    run.mkdir()
    prev = pl.read_parquet(m1 / "previous_assignment.parquet")
    prev.select("household_id", "worker_id").write_parquet(run / "plan.parquet")
    for month, ok in (("2026-12", False), ("2027-01", True)):
        manifest = RunManifest(
            "r" * 32, "2027-01-01T00:00:00Z", "t", "v", "0" * 64, "0" * 64, month
        )
        (run / "manifest.json").write_text(manifest.to_json(), "utf-8")
        out = tmp_path / f"next-{month}"
        args = ("--next-month-of", str(m1), "--previous-plan", str(run / "plan.parquet"))
        code, _, err = cli("generate", *args, "--out", str(out))
        if ok:
            assert code == 0, err
            continue
        assert code == 2 and "Traceback" not in err
        assert (
            "plan.parquet: 方案月份与数据月份不符 (this plan is of 2026-12, the data of 2027-01"
            in flat(err)
        )
        assert not out.exists()


@pytest.mark.parametrize(
    ("args", "hint", "zh"),
    [
        (["--next-month-of", "DIR", "--scale", "1"], "--scale", "由 --next-month-of 的目录决定"),
        (["--next-month-of", "DIR", "--month", "2026-12"], "--month", "由 --next-month-of"),
        (["--previous-plan", "plan.parquet"], "--previous-plan", "须与 --next-month-of 同用"),
        (["--month", "2026-13"], "--month", "月份格式应为 YYYY-MM"),
    ],
)
def test_generate_cli_refuses_options_that_do_not_fit(
    args: list[str], hint: str, zh: str, tmp_path: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    """Each refusal names the option, Chinese first with English (the English alone before)."""
    code, _, err = cli("generate", "--out", str(tmp_path / "x"), *args)
    assert code == 2 and hint in err and "Traceback" not in err
    text = flat(err)
    assert zh in text and text.index(zh) < text.index("(", text.index(zh))
    assert not (tmp_path / "x").exists()


def test_next_month_of_a_directory_without_truth(tmp_path: Path, month1: Path, cli) -> None:  # type: ignore[no-untyped-def]
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(month1, copy)
    (copy / "truth.parquet").unlink()
    code, _, err = cli("generate", "--next-month-of", str(copy), "--out", str(tmp_path / "y"))
    assert code == 2 and "truth" in err and "Traceback" not in err


def test_a_run_directory_is_taken_for_its_plan_and_another_directory_is_named(
    month1: Path, tmp_path: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    """--previous-plan given the published run's directory (what `plan` prints as its files):
    its plan.parquet is read, month check and all; it said "找不到文件 (file not found)" of a
    directory that is there. A directory without a plan is named as a directory."""
    from visit_planner.runs.manifest import RunManifest

    run = tmp_path / "run"
    run.mkdir()
    prev = pl.read_parquet(month1 / "previous_assignment.parquet")
    prev.select("household_id", "worker_id").write_parquet(run / "plan.parquet")
    stamp = "2026-11-01T00:00:00Z"
    manifest = RunManifest("r" * 32, stamp, "t", "v", "0" * 64, "0" * 64, "2026-11")
    (run / "manifest.json").write_text(manifest.to_json(), "utf-8")
    by_file, by_dir = tmp_path / "by-file", tmp_path / "by-dir"
    for given, out in ((run / "plan.parquet", by_file), (run, by_dir)):
        code, _, err = cli(
            "generate", "--next-month-of", str(month1), "--seed", "3",
            "--previous-plan", str(given), "--out", str(out),
        )  # fmt: skip
        assert code == 0, err
    assert (by_dir / "previous_assignment.parquet").read_bytes() == (
        by_file / "previous_assignment.parquet"
    ).read_bytes()
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = cli(
        "generate", "--next-month-of", str(month1), "--previous-plan", str(empty),
        "--out", str(tmp_path / "none"),
    )  # fmt: skip
    assert code == 2 and "Traceback" not in err
    assert f"{empty}: 是目录, 不是文件 (a directory, not a plan file" in flat(err)
    assert "找不到文件" not in err and not (tmp_path / "none").exists()
