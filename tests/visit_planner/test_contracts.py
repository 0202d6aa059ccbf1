"""Input contracts: every kind of bad input gets a clear message and no output.

Each case copies the small synthetic prefecture, breaks one rule, and runs ``visit-planner
validate`` in-process: the exit code is 2, stderr names the file, the column and the rule and
the offending ids, there is no traceback, and nothing was written.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from tests.visit_planner.helpers import flat
from visit_planner.contracts import load_inputs, read_table
from visit_planner.errors import ContractError


def listing(directory: Path) -> list[tuple[str, int]]:
    return sorted((p.name, p.stat().st_size) for p in directory.iterdir())


@pytest.fixture
def inputs_dir(small_prefecture_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "inputs"
    shutil.copytree(small_prefecture_dir, out)
    return out


def rewrite(directory: Path, table: str, change: Callable[[pl.DataFrame], pl.DataFrame]) -> None:
    path = directory / f"{table}.parquet"
    change(pl.read_parquet(path)).write_parquet(path)


def first_id(df: pl.DataFrame, column: str = "household_id") -> str:
    return str(df[column][0])


def set_value(column: str, value: object, row_id: str, id_column: str = "household_id"):  # type: ignore[no-untyped-def]
    def change(df: pl.DataFrame) -> pl.DataFrame:
        return df.with_columns(
            pl.when(pl.col(id_column) == row_id)
            .then(pl.lit(value, dtype=df.schema[column]))
            .otherwise(pl.col(column))
            .alias(column)
        )

    return change


def test_valid_directory_passes(inputs_dir: Path, cli) -> None:
    rc, out, err = cli(*["validate", str(inputs_dir)])
    assert rc == 0, err
    assert "10,000" in out


def test_csv_directory_passes(small_prefecture, tmp_path: Path, cli) -> None:
    for name, frame in small_prefecture.tables().items():
        frame.write_csv(tmp_path / f"{name}.csv")
    rc, _, err = cli(*["validate", str(tmp_path)])
    assert rc == 0, err
    inputs = load_inputs(tmp_path)
    assert inputs.households.equals(small_prefecture.households)
    assert inputs.workers.equals(small_prefecture.workers)


def _assert_rejected(cli, directory: Path, *needles: str) -> str:  # type: ignore[no-untyped-def]
    before = listing(directory)
    rc, _, err = cli(*["validate", str(directory)])
    assert rc == 2
    assert "Traceback" not in err
    said = flat(err)
    for needle in needles:
        assert needle in said, f"{needle!r} not in {said!r}"
    assert listing(directory) == before  # nothing written
    return said


def test_missing_column(inputs_dir: Path, cli) -> None:
    rewrite(inputs_dir, "households", lambda df: df.drop("members"))
    _assert_rejected(
        cli,
        inputs_dir,
        "households.parquet",
        "'members'",
        "required column is missing",
    )


def test_wrong_type_in_csv(small_prefecture, tmp_path: Path, cli) -> None:
    for name, frame in small_prefecture.tables().items():
        frame.write_csv(tmp_path / f"{name}.csv")
    hh = pl.read_csv(tmp_path / "households.csv", infer_schema=False)
    bad_id = first_id(hh)
    hh.with_columns(
        pl.when(pl.col("household_id") == bad_id)
        .then(pl.lit("two"))
        .otherwise(pl.col("members"))
        .alias("members")
    ).write_csv(tmp_path / "households.csv")
    _assert_rejected(
        cli,
        tmp_path,
        "households.csv",
        "'members'",
        "应为整数 (value is not a whole number)",
        bad_id,
        "(two)",
    )


def test_fractional_count_is_not_truncated(inputs_dir: Path, cli) -> None:
    hh = pl.read_parquet(inputs_dir / "households.parquet")
    bad_id = first_id(hh)
    hh.with_columns(pl.col("members").cast(pl.Float64)).with_columns(
        pl.when(pl.col("household_id") == bad_id)
        .then(2.5)
        .otherwise(pl.col("members"))
        .alias("members")
    ).write_parquet(inputs_dir / "households.parquet")
    _assert_rejected(cli, inputs_dir, "'members'", "应为整数 (value is not a whole number)", bad_id)


def test_null_in_required_field(inputs_dir: Path, cli) -> None:
    hh = pl.read_parquet(inputs_dir / "households.parquet")
    bad_id = first_id(hh)
    rewrite(inputs_dir, "households", set_value("lon", None, bad_id))
    _assert_rejected(cli, inputs_dir, "'lon'", "null in a required field", bad_id)


def test_duplicate_ids(inputs_dir: Path, cli) -> None:
    w = pl.read_parquet(inputs_dir / "workers.parquet")
    dup = first_id(w, "worker_id")
    pl.concat([w, w.head(1)]).write_parquet(inputs_dir / "workers.parquet")
    _assert_rejected(cli, inputs_dir, "workers.parquet", "'worker_id'", "duplicate id", dup)


def test_an_unknown_own_household_is_ignored_and_the_worker_kept(inputs_dir: Path, cli) -> None:
    w = pl.read_parquet(inputs_dir / "workers.parquet")
    worker = first_id(w, "worker_id")
    rewrite(inputs_dir, "workers", set_value("own_household_id", "H9999999", worker, "worker_id"))
    rc, _, err = cli("validate", str(inputs_dir))
    assert rc == 0, err
    assert "the reference is ignored, the rows are kept" in flat(err) and worker in err
    assert "rows are left out" not in flat(err)
    assert worker in load_inputs(inputs_dir).workers["worker_id"].to_list()


def test_duplicate_ids_are_each_named_once(inputs_dir: Path, cli) -> None:
    # Three ids twice each: six rows, each id named once (before: "6 rows: H1, H2, H3, H1,
    # H2 and 1 more").
    hh = pl.read_parquet(inputs_dir / "households.parquet")
    pl.concat([hh, hh.head(3)]).write_parquet(inputs_dir / "households.parquet")
    rc, _, err = cli("validate", str(inputs_dir))
    assert rc == 2
    a, b, c = hh["household_id"].head(3).to_list()
    assert f"编号重复 (duplicate id) — 6 rows: {a}, {b}, {c} and more" in flat(err)


def test_household_areas_that_do_not_nest(inputs_dir: Path, cli) -> None:
    hh = pl.read_parquet(inputs_dir / "households.parquet")
    bad_id = first_id(hh)
    other_village = hh["village_id"].unique().sort()[-1]
    rewrite(inputs_dir, "households", set_value("village_id", other_village, bad_id))
    _assert_rejected(cli, inputs_dir, "'grid_id/village_id'", "do not nest", bad_id)


def test_worker_role_that_does_not_match_its_ids(inputs_dir: Path, cli) -> None:
    w = pl.read_parquet(inputs_dir / "workers.parquet")
    cadre = w.filter(pl.col("role") == "cadre")["worker_id"][0]
    rewrite(inputs_dir, "workers", set_value("grid_id", "X-GRID", cadre, "worker_id"))
    _assert_rejected(cli, inputs_dir, "'grid_id'", "a cadre must not carry", cadre)


def test_grid_worker_without_grid(inputs_dir: Path, cli) -> None:
    w = pl.read_parquet(inputs_dir / "workers.parquet")
    gw = w.filter(pl.col("role") == "grid_worker")["worker_id"][0]
    rewrite(inputs_dir, "workers", set_value("grid_id", None, gw, "worker_id"))
    _assert_rejected(cli, inputs_dir, "'grid_id'", "a grid_worker must carry a grid_id", gw)


def test_a_worker_in_an_area_without_households_is_a_warning(
    inputs_dir: Path, cli, tmp_path: Path
) -> None:
    # A cadre's township typed wrong: before, `validate` said nothing and `plan` reported a
    # shortfall of cadres in the real township.
    w = pl.read_parquet(inputs_dir / "workers.parquet")
    cadre = w.filter((pl.col("role") == "cadre") & pl.col("active"))["worker_id"][0]
    grid_worker = w.filter((pl.col("role") == "grid_worker") & pl.col("active"))["worker_id"][0]
    rewrite(inputs_dir, "workers", set_value("township_id", "532601077", cadre, "worker_id"))
    rewrite(inputs_dir, "workers", set_value("grid_id", "X-GRID", grid_worker, "worker_id"))
    rc, _out, err = cli("validate", str(inputs_dir))
    assert rc == 0, err  # usable: the worker is kept, and said to get nothing
    text = flat(err)
    none_here = "本月数据中该辖区无农户, 该人员无可分配农户 (no household of the month lives"
    assert f"column 'township_id': {none_here} in this worker's township" in text
    assert f"{cadre} (532601077)" in text and "该人员无可分配农户" in text
    assert f"column 'grid_id': {none_here}" in text and f"{grid_worker} (X-GRID)" in text
    from visit_planner.contracts.stream import stream_inputs

    whole = load_inputs(inputs_dir).warnings
    streamed = stream_inputs(inputs_dir, tmp_path / "chunks", 4_096).warnings  # as `plan` reads
    for warnings in (whole, streamed):
        named = {p.column: p.ids for p in warnings if p.ids in ((cadre,), (grid_worker,))}
        assert named == {"township_id": (cadre,), "grid_id": (grid_worker,)}


def test_coordinates_outside_the_prefecture(inputs_dir: Path, cli) -> None:
    hh = pl.read_parquet(inputs_dir / "households.parquet")
    bad_id = first_id(hh)
    rewrite(inputs_dir, "households", set_value("lon", 116.4, bad_id))
    _assert_rejected(cli, inputs_dir, "'lon'", "between 103.5 and 106.2", bad_id, "(116.4)")


def test_negative_capacity(inputs_dir: Path, cli) -> None:
    w = pl.read_parquet(inputs_dir / "workers.parquet")
    wid = first_id(w, "worker_id")
    rewrite(inputs_dir, "workers", set_value("monthly_hours", -5.0, wid, "worker_id"))
    rewrite(inputs_dir, "workers", set_value("max_households", -1, wid, "worker_id"))
    said = _assert_rejected(
        cli, inputs_dir, "'monthly_hours'", "'max_households'", "must be between 0 and 10000", wid
    )
    assert "between 0 and 744" in said


def test_an_absurd_capacity_is_refused(inputs_dir: Path, cli) -> None:
    """Hours had a ceiling (a month's 744), the household cap none: 2,000,000,000 passed
    `validate` and `plan` published with it."""
    w = pl.read_parquet(inputs_dir / "workers.parquet")
    wid = first_id(w, "worker_id")
    rewrite(inputs_dir, "workers", set_value("max_households", 2_000_000_000, wid, "worker_id"))
    _assert_rejected(
        cli, inputs_dir, "workers.parquet: column 'max_households'", "须在 0 与 10000 之间",
        "must be between 0 and 10000", f"{wid} (2000000000)",
    )  # fmt: skip


def test_unknown_tier(inputs_dir: Path, cli) -> None:
    hh = pl.read_parquet(inputs_dir / "households.parquet")
    bad_id = first_id(hh)
    rewrite(inputs_dir, "households", set_value("assessed_tier", 4, bad_id))
    _assert_rejected(cli, inputs_dir, "'assessed_tier'", "must be one of", bad_id, "(4)")


def test_unknown_role(inputs_dir: Path, cli) -> None:
    w = pl.read_parquet(inputs_dir / "workers.parquet")
    wid = first_id(w, "worker_id")
    rewrite(inputs_dir, "workers", set_value("role", "mayor", wid, "worker_id"))
    _assert_rejected(cli, inputs_dir, "'role'", "must be one of", wid, "(mayor)")


def test_missing_required_file(inputs_dir: Path, cli) -> None:
    (inputs_dir / "workers.parquet").unlink()
    _assert_rejected(cli, inputs_dir, "workers.parquet", "required table is missing")


def test_both_csv_and_parquet_is_ambiguous(inputs_dir: Path, cli) -> None:
    pl.read_parquet(inputs_dir / "workers.parquet").write_csv(inputs_dir / "workers.csv")
    _assert_rejected(cli, inputs_dir, "both workers.parquet and workers.csv")


def test_every_problem_of_a_file_is_reported_at_once(inputs_dir: Path) -> None:
    hh = pl.read_parquet(inputs_dir / "households.parquet")
    a, b = hh["household_id"][0], hh["household_id"][1]
    rewrite(inputs_dir, "households", set_value("lat", 30.0, a))
    rewrite(inputs_dir, "households", set_value("housing_safety_grade", "E", b))
    with pytest.raises(ContractError) as exc:
        read_table(inputs_dir / "households.parquet", "households")
    assert len(exc.value.problems) == 2


def test_extra_columns_are_dropped_with_a_warning(inputs_dir: Path) -> None:
    rewrite(inputs_dir, "households", lambda df: df.with_columns(head_name=pl.lit("张三")))
    inputs = load_inputs(inputs_dir)
    assert "head_name" not in inputs.households.columns
    assert any("head_name" in w.column and w.severity == "warning" for w in inputs.warnings)


def test_references_to_unknown_rows_are_named_and_left_out(inputs_dir: Path) -> None:
    prev = pl.read_parquet(inputs_dir / "previous_assignment.parquet")
    hid = prev["household_id"][0]
    rewrite(inputs_dir, "previous_assignment", set_value("worker_id", "W-GONE", hid))
    inputs = load_inputs(inputs_dir)
    assert inputs.previous_assignment.height == prev.height - 1
    messages = [w.message() for w in inputs.warnings]
    assert any("unknown worker" in m and hid in m for m in messages)


def test_chinese_office_exports_are_read(small_prefecture, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """GBK-encoded CSV (Chinese Excel's default), 是/否 booleans, D级 and 滑坡 as codes."""
    from visit_planner.contracts.tables import read_table

    hh = small_prefecture.households.head(20)
    zh_hazard = {"none": "无", "drought": "干旱", "landslide": "滑坡", "flood": "洪涝"}
    text = hh.with_columns(
        pl.col(c).replace_strict({True: "是", False: "否"}, return_dtype=pl.String)
        for c in ("elderly_living_alone", "low_income_allowance", "poverty_relapse_watch")
    ).with_columns(
        (pl.col("housing_safety_grade") + "级").alias("housing_safety_grade"),
        pl.col("hazard_exposure").replace_strict(zh_hazard).alias("hazard_exposure"),
    )
    path = tmp_path / "households.csv"
    path.write_bytes(text.write_csv().encode("gbk"))
    got, _ = read_table(path, "households")
    assert got["housing_safety_grade"].to_list() == hh["housing_safety_grade"].to_list()
    assert got["hazard_exposure"].to_list() == hh["hazard_exposure"].to_list()
    assert got["elderly_living_alone"].to_list() == hh["elderly_living_alone"].to_list()


def test_roles_written_by_their_names_are_read(small_prefecture, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A workers table keyed in as an office writes it, the role by the name every text of
    the tool gives it (基层干部, 村组干部, 网格员; or "grid worker"), was refused for every
    row ('must be one of cadre, village_official, grid_worker'); it is read as the role's
    code (the reader's cast, which every contract table goes through). Another word is
    refused."""
    from visit_planner.contracts.tables import read_table

    workers = small_prefecture.workers
    names = {"cadre": "基层干部", "village_official": "村组干部", "grid_worker": "网格员"}
    first_grid_worker = pl.int_range(pl.len()) == workers["role"].index_of("grid_worker")
    written = workers.with_columns(
        pl.when(first_grid_worker)
        .then(pl.lit("grid worker"))
        .otherwise(pl.col("role").replace_strict(names))
        .alias("role")
    )
    assert written["role"].value_counts().height == 4  # the three names and "grid worker"
    path = tmp_path / "workers.csv"
    path.write_bytes(written.write_csv().encode("gbk"))
    got, _ = read_table(path, "workers")
    assert got["role"].to_list() == workers["role"].to_list()
    written.with_columns(pl.lit("干部").alias("role")).write_csv(path)
    with pytest.raises(ContractError) as refused:
        read_table(path, "workers")
    assert "column 'role': 取值不在允许范围" in flat(str(refused.value))


def test_months_as_spreadsheets_write_them_are_read(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """A previous assignment saved again by Excel has 2026/10/1 for 2026-10: it was refused
    for every row, with the pattern ^\\d{4}-\\d{2}$ as the rule; now such months are read as
    2026-10, and one that is none (2026-13, Oct-26, 10/2026) is named in words."""
    from visit_planner.contracts.tables import read_table

    written = [
        "2026-10", "2026/10/1", "2026年10月", "2026.10", "2026-10-01 00:00:00", " 2026-9 ",
        "2026年9月1日", "2026/9",
    ]  # fmt: skip
    read = ["2026-10"] * 5 + ["2026-09"] * 3
    ids = [f"H{i:07d}" for i in range(len(written))]
    rows = pl.DataFrame({"household_id": ids, "worker_id": "W000001", "month": written})
    path = tmp_path / "previous_assignment.csv"
    path.write_bytes(rows.write_csv().encode("gbk"))
    got, _ = read_table(path, "previous_assignment")
    assert got["month"].to_list() == read
    bad = pl.DataFrame({"household_id": ["H1", "H2", "H3"], "worker_id": "W1",
                        "month": ["2026-13", "Oct-26", "10/2026"]})  # fmt: skip
    bad.write_csv(path)
    with pytest.raises(ContractError) as refused:
        read_table(path, "previous_assignment")
    assert flat(str(refused.value)) == (
        f"{path}: column 'month': 月份格式错误, 应为 YYYY-MM, 如 2026-10 (not a month: write it "
        "YYYY-MM, e.g. 2026-10; 2026/10, 2026/10/1 and 2026年10月 are read as 2026-10) — 3 rows: "
        "H1 (2026-13), H2 (Oct-26), H3 (10/2026)"
    )


def test_every_problem_of_a_file_in_one_run(small_prefecture, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from visit_planner.contracts.tables import read_table

    hh = small_prefecture.households.head(20).with_columns(pl.all().cast(pl.String))
    ids = hh["household_id"].to_list()
    broken = hh.with_columns(
        pl.when(pl.col("household_id") == ids[0]).then(pl.lit("two")).otherwise(pl.col("members"))
        .alias("members"),
        pl.when(pl.col("household_id") == ids[1]).then(pl.lit("E"))
        .otherwise(pl.col("housing_safety_grade")).alias("housing_safety_grade"),
    )  # fmt: skip
    path = tmp_path / "households.csv"
    broken.write_csv(path)
    with pytest.raises(ContractError) as info:
        read_table(path, "households")
    text = "\n".join(info.value.problems)
    assert "members" in text and ids[0] in text  # the type error ...
    assert "housing_safety_grade" in text and ids[1] in text  # ... and the value rule, together


# ---------------------------------------------------------------- places (optional)


def test_places_are_optional_and_read_with_the_inputs(inputs_dir: Path) -> None:
    from visit_planner.contracts.places import place_label

    (inputs_dir / "places.parquet").unlink(missing_ok=True)
    assert load_inputs(inputs_dir).places is None  # without names the texts show codes
    places = pl.DataFrame(
        {"code": ["532601001"], "level": ["township"], "name_zh": ["开化街道"], "name_en": [None]},
        schema_overrides={"name_en": pl.String},
    )
    text = places.write_csv()
    (inputs_dir / "places.csv").write_bytes(text.encode("gbk"))  # as Chinese Excel saves it
    got = load_inputs(inputs_dir).places
    assert got is not None and got["name_zh"].to_list() == ["开化街道"]
    assert place_label("532601001") == "开化街道 (532601001)"


def test_a_bad_places_file_names_file_rows_and_rules(inputs_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    (inputs_dir / "places.parquet").unlink(missing_ok=True)
    (inputs_dir / "places.csv").write_text(
        "code,level,name_zh,name_en\n532601001,乡镇,开化街道,\n532601001,township,,\n",
        encoding="utf-8",
    )
    before = listing(inputs_dir)
    code, out, err = cli("validate", str(inputs_dir))
    assert code == 2 and "Traceback" not in out + err
    for needle in ("places.csv", "column 'level'", "must be one of", "乡镇",
                   "column 'name_zh'", "column 'code'", "duplicate id", "532601001"):  # fmt: skip
        assert needle in err, needle
    assert listing(inputs_dir) == before


def test_several_columns_are_each_quoted(inputs_dir: Path) -> None:
    """Two columns outside the contract (or missing) read ``columns '空列', '常数'``, not
    ``column '空列, 常数'``, a name no file has; one column ``column '空列'``; for every caller
    of the reader, the model's wording of the rule (``extra_rule``) too."""
    from visit_planner.contracts.columns import WORKERS
    from visit_planner.contracts.reader import (
        MISSING_COLUMN_RULE,
        NOT_USED_BY_MODEL_RULE,
        cast_to_contract,
    )

    workers = pl.read_parquet(inputs_dir / "workers.parquet")
    two = workers.with_columns(空列=pl.lit(None, pl.String), 常数=pl.lit(1))
    _, problems = cast_to_contract(two, WORKERS, "w.csv", ("worker_id",))
    assert [p.message() for p in problems] == [
        "w.csv: columns '空列', '常数': 契约外的列, 已删除, 不再读取 "
        "(not in the contract: dropped, its values not read further)"
    ]
    assert problems[0].column == "空列, 常数" and problems[0].severity == "warning"
    one = workers.with_columns(空列=pl.lit(None, pl.String))
    _, problems = cast_to_contract(
        one, WORKERS, "w.csv", ("worker_id",), extra_rule=NOT_USED_BY_MODEL_RULE
    )
    assert [p.message() for p in problems] == [f"w.csv: column '空列': {NOT_USED_BY_MODEL_RULE}"]
    _, problems = cast_to_contract(workers.drop("lon", "lat"), WORKERS, "w.csv", ("worker_id",))
    assert [p.message() for p in problems] == [
        f"w.csv: columns 'lon', 'lat': {MISSING_COLUMN_RULE}"
    ]
    # Through a whole input directory, as `validate` and `plan` print it.
    rewrite(
        inputs_dir, "households", lambda df: df.with_columns(姓名=pl.lit("张三"), 电话=pl.lit("1"))
    )
    messages = [w.message() for w in load_inputs(inputs_dir).warnings]
    assert any("households.parquet: columns '姓名', '电话': 契约外的列" in m for m in messages)


def test_a_csv_row_without_an_id_is_named_by_its_line(inputs_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """A blank worker_id on line 6 of workers.csv (the header is line 1) is named
    ``第 6 行 line 6``, the line an editor or Excel shows, as the reader's messages about
    lines name them; it read ``row 5``, the row's number after the header."""
    workers = pl.read_parquet(inputs_dir / "workers.parquet").cast(pl.String)
    (inputs_dir / "workers.parquet").unlink()
    at = pl.int_range(pl.len())
    workers = workers.with_columns(
        pl.when(at == 4).then(None).otherwise("worker_id").alias("worker_id")
    )
    workers.write_csv(inputs_dir / "workers.csv")
    assert (inputs_dir / "workers.csv").read_text().splitlines()[5].startswith(",")
    rc, _, err = cli("validate", str(inputs_dir))
    assert rc == 2
    assert (
        "column 'worker_id': 必填项为空 (null in a required field) — 1 row: 第 6 行 line 6"
        in flat(err)
    )
    assert "row 5" not in err


def test_rows_are_named_by_record_when_their_lines_cannot_be_told() -> None:
    """Where the ``csv`` module reads another number of rows than polars, a CSV row's line
    cannot be told: it is named by its number after the header, said so, never as a line."""
    from visit_planner.contracts.reader import RowPlaces, csv_row_places, row_labels

    text = 'id,note\nA,"one\ntwo"\n,x\n'
    frame = pl.DataFrame({"id": ["A", None], "note": ["one\ntwo", "x"]})
    assert row_labels(frame, ("id",), places=csv_row_places(text, frame)).to_list() == [
        "A",
        "第 4 行 line 4",
    ]
    unknown = csv_row_places(text, frame.head(1))  # a row count the csv module does not read
    assert unknown == RowPlaces(records=True)
    labels = row_labels(
        frame.clear(1).with_columns(id=pl.lit(None, pl.String)), ("id",), 6, unknown
    )
    assert labels.to_list() == ["第 7 条记录 record 7 after the header"]
    # Parquet, or a frame: the row's number, Chinese first
    assert row_labels(frame, ("id",), 6).to_list() == ["A", "第 8 行 row 8"]


def test_a_parquet_row_without_an_id_is_named_in_both_languages(inputs_dir: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """A Parquet row has no editor line: it is named by its number, Chinese first as every
    other label of the message (it read ``row 5``, English alone, where a CSV row reads
    ``第 6 行 line 6``)."""
    path = inputs_dir / "workers.parquet"
    workers = pl.read_parquet(path)
    at = pl.int_range(pl.len())
    workers.with_columns(
        pl.when(at == 4).then(None).otherwise("worker_id").alias("worker_id")
    ).write_parquet(path)
    rc, _, err = cli("validate", str(inputs_dir))
    assert rc == 2
    assert (
        "workers.parquet: column 'worker_id': 必填项为空 (null in a required field) — 1 row: "
        "第 5 行 row 5"
    ) in flat(err)
