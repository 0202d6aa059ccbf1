"""Standing overrides applied to a month's inputs: each rule applied or reported, never dropped."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tests.visit_planner.helpers import flat
from visit_planner.cli.narrow_encoding import narrow
from visit_planner.contracts import read_table
from visit_planner.errors import ContractError
from visit_planner.overrides import (
    APPLIED,
    CORRECTABLE_FIELDS,
    NOT_APPLIED,
    Override,
    apply_overrides,
    check_new_override,
    pin_outcomes,
    read_override_file,
)

DAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def month(small_prefecture):  # type: ignore[no-untyped-def]
    return small_prefecture.households, small_prefecture.workers


def test_correctable_fields_exclude_ids_tiers_and_audit_columns() -> None:
    for name in ("household_id", "township_id", "assessed_tier", "head_ethnicity", "head_gender"):
        assert name not in CORRECTABLE_FIELDS
    assert "members" in CORRECTABLE_FIELDS and "hazard_exposure" in CORRECTABLE_FIELDS


def test_each_kind_applies_or_says_why(month) -> None:  # type: ignore[no-untyped-def]
    hh, ws = month
    h0, h1 = hh["household_id"][0], hh["household_id"][1]
    active = ws.filter(pl.col("active"))["worker_id"][0]
    inactive = ws.filter(~pl.col("active"))["worker_id"]
    members = int(hh["members"][0])
    overrides = [
        Override(1, "tier", h0, "hotline", "sup1", tier=1),
        Override(
            2, "correction", h0, "re-visited", "sup1", field="members", value=str(members + 1)
        ),
        Override(3, "correction", h1, "typo", "sup1", field="members", value="two"),
        Override(4, "correction", h1, "typo", "sup1", field="head_gender", value="F"),
        Override(5, "forbid", h1, "relative", "sup1", worker_id=active),
        Override(6, "pin", "NOPE", "moved", "sup1", worker_id=active),
        Override(7, "forbid", h0, "left", "sup1", worker_id="W_GONE"),
        Override(8, "tier", h1, "old", "sup1", tier=2, expires_on=date(2026, 11, 30)),
        Override(9, "correction", h1, "bad", "sup1", field="elderly_65plus", value="99"),
    ]
    if inactive.len():
        overrides.append(Override(10, "pin", h1, "x", "sup1", worker_id=inactive[0]))
    got = apply_overrides(overrides, hh, ws, on=DAY)
    by_id = {o.override_id: o for o in got.outcomes}
    assert by_id[1].outcome == APPLIED and by_id[2].outcome == APPLIED
    assert by_id[5].outcome == APPLIED
    assert "does not fit" in by_id[3].reason
    assert "cannot be corrected" in by_id[4].reason
    assert "not in this month's data" in by_id[6].reason
    assert "W_GONE" in by_id[7].reason
    assert "expired" in by_id[8].reason
    assert by_id[9].outcome == NOT_APPLIED and "contradicts" in by_id[9].reason  # 99 > members
    if inactive.len():
        assert "inactive" in by_id[10].reason
    # Nothing silently dropped: every override but the pending pins has an outcome.
    assert set(by_id) == {o.id for o in overrides}
    fixed = got.households.filter(pl.col("household_id") == h0)
    assert int(fixed["members"][0]) == members + 1
    assert got.households.height == hh.height
    assert got.tier_overrides is not None
    assert got.tier_overrides.rows() == [(h0, 1, "#1 sup1: hotline")]
    assert got.forbids is not None and got.forbids.rows() == [(h1, active)]
    assert any("members" in n for n in got.notes[h0])


def test_pins_are_judged_by_the_plan(month) -> None:  # type: ignore[no-untyped-def]
    hh, ws = month
    h0, h1 = hh["household_id"][0], hh["household_id"][1]
    w = ws["worker_id"][0]
    pins = [
        Override(1, "pin", h0, "r", "a", worker_id=w),
        Override(2, "pin", h1, "r", "a", worker_id=w),
    ]
    got = apply_overrides(pins, hh, ws, on=DAY)
    assert got.outcomes == [] and got.pins is not None and got.pins.height == 2
    plan = pl.DataFrame({"household_id": [h0, h1], "worker_id": [w, None]})
    issue = f"pin {h1}→{w} breaks role_eligible and is ignored"
    outs, notes = pin_outcomes(pins, plan, [issue], decided=set())
    assert [(o.override_id, o.outcome) for o in outs] == [(1, APPLIED), (2, NOT_APPLIED)]
    assert outs[1].reason == issue
    assert h0 in notes


# ---------------------------------------------------------------- override files


def _file(tmp_path, rows: list[dict[str, object]], name: str = "o.csv"):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    frame = pl.DataFrame(rows, schema={k: pl.String for k in rows[0]})
    frame.write_csv(path) if name.endswith(".csv") else frame.write_parquet(path)
    return path


BAD_ROWS = [
    {"kind": "tier", "household_id": "H0000001", "worker_id": "", "tier": "5", "reason": "x"},
    {"kind": "pin", "household_id": "H0000002", "worker_id": "", "tier": "", "reason": ""},
    {"kind": "promote", "household_id": "H0000003", "worker_id": "", "tier": "", "reason": "x"},
    {"kind": "tier", "household_id": "NOPE", "worker_id": "", "tier": "1", "reason": "x"},
    {"kind": "tier", "household_id": "H0000001", "worker_id": "", "tier": "5", "reason": "x"},
]


def test_every_problem_of_an_override_file_at_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from visit_planner.overrides import parse_override_file

    path = _file(tmp_path, BAD_ROWS)
    ok, problems = parse_override_file(pl.read_csv(path, infer_schema=False), path, today=DAY,
                                       author="sup1")  # fmt: skip
    text = "\n".join(p.message() for p in problems)
    assert str(path) in text
    # Chinese first, the English in brackets, as the contracts' rules.
    assert "column 'tier': 类别须为 1/2/3 (must be 1, 2 or 3)" in text
    assert "第 2 行 line 2 (H0000001): 5" in text
    assert "column 'worker_id': 缺少 worker_id (a pin override needs worker_id)" in text
    assert "第 3 行 line 3" in text
    assert "column 'reason': 须填写原因 (every override needs a reason)" in text
    assert "column 'kind': 类型无效 (must be one of" in text and "第 4 行 line 4" in text
    assert (
        "重复, 首次见于第 2 行 (the same override twice; first at line 2)" in text
        and "第 6 行 line 6" in text
    )
    # Only the one clean row is left to be checked against the data (where NOPE fails).
    assert [(i, o.household_id) for i, o in ok] == [(3, "NOPE")]


def test_a_control_character_in_an_override_file_is_named_by_row(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A NUL byte in a reason was stored by SQLite, and refused by PostgreSQL as a database
    error naming no row, the whole import with it."""
    from visit_planner.overrides import CONTROL_CHARACTER_RULE, parse_override_file

    rows = [
        {"kind": "tier", "household_id": "H0000001", "worker_id": "", "tier": "1", "reason": "x"},
        {"kind": "tier", "household_id": "H0000002", "worker_id": "", "tier": "1",
         "reason": "乡镇\x00复核"},
    ]  # fmt: skip
    path = _file(tmp_path, rows)
    ok, problems = parse_override_file(
        pl.read_csv(path, infer_schema=False), path, today=DAY, author="sup1"
    )
    assert [o.household_id for _, o in ok] == ["H0000001"]
    assert [(p.column, p.rule) for p in problems] == [("reason", CONTROL_CHARACTER_RULE)]
    assert "第 3 行 line 3 (H0000002)" in problems[0].message()


def test_an_override_files_missing_column_is_worded_as_the_contracts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from visit_planner.contracts.reader import MISSING_COLUMN_RULE
    from visit_planner.overrides import check_tier_override_file, parse_override_file

    frame = pl.DataFrame({"kind": ["tier"], "household_id": ["H1"], "note": ["x"]})
    _, problems = parse_override_file(frame, tmp_path / "o.csv", today=DAY, author="sup1")
    assert [(p.column, p.rule) for p in problems][:1] == [("reason", MISSING_COLUMN_RULE)]
    assert problems[1].rule.startswith("未知列 (unknown column; the columns are kind, ")
    tiers = check_tier_override_file(frame, tmp_path / "t.csv", pl.Series(["H1"]))
    assert {p.rule for p in tiers} == {MISSING_COLUMN_RULE}
    assert tiers[0].message() == f"{tmp_path / 't.csv'}: column 'tier': {MISSING_COLUMN_RULE}"


def test_a_parquet_override_file_names_rows(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from visit_planner.overrides import parse_override_file

    path = _file(tmp_path, BAD_ROWS[:1], "o.parquet")
    _, problems = parse_override_file(pl.read_parquet(path), path, today=DAY, author="sup1")
    assert "第 1 行 row 1 (H0000001): 5" in problems[0].message()


def test_every_problem_of_a_tier_override_file_at_once(tmp_path, month) -> None:  # type: ignore[no-untyped-def]
    from visit_planner.errors import ContractError
    from visit_planner.overrides import require_valid_tier_overrides

    hh, _ = month
    h0, h1 = hh["household_id"][0], hh["household_id"][1]
    rows = [
        {"household_id": h0, "tier": "5", "reason": "hotline"},
        {"household_id": "NOPE", "tier": "1", "reason": "x"},
        {"household_id": h1, "tier": "1", "reason": ""},
        {"household_id": h0, "tier": "2", "reason": "again"},
    ]
    path = _file(tmp_path, rows)
    with pytest.raises(ContractError) as err:
        require_valid_tier_overrides(pl.read_csv(path, infer_schema=False), path, hh)
    text = str(err.value)
    assert text.count(str(path)) >= 5
    assert f"{path}: 调整文件有 4 处问题, 未评分 (4 problem(s) in the override file" in text
    for needle in ("第 2 行 line 2 (H", "农户不在数据中 (not in the scored households)",
                   "第 3 行 line 3 (NOPE)", "须填写原因 (every override needs a reason)",
                   "重复, 首次见于第 2 行 (the same household twice; "
                   "first at line 2)"):  # fmt: skip
        assert needle in text, needle


def test_overrides_import_is_all_or_nothing(tmp_path, small_prefecture_dir, month, cli) -> None:  # type: ignore[no-untyped-def]
    hh, ws = month
    h0, h1 = hh["household_id"][0], hh["household_id"][1]
    home = ["--home", str(tmp_path / "ws"), "--data", str(small_prefecture_dir)]
    good = {"kind": "tier", "household_id": h0, "worker_id": "", "tier": "1", "reason": "hotline"}
    gone = {"kind": "forbid", "household_id": h1, "worker_id": "W_GONE", "tier": "", "reason": "x"}
    bad = _file(tmp_path, [good, gone, {**good, "household_id": "NOPE"}, BAD_ROWS[1]])
    code, out, err = cli("overrides", "import", str(bad), *home)
    assert code == 2 and "workspace" in err and "does not exist" in flat(err)  # a mistyped --home
    assert not (tmp_path / "ws").exists()
    (tmp_path / "ws").mkdir()  # an existing workspace gets its store on the first override
    code, out, err = cli("overrides", "import", str(bad), *home)
    assert code != 0 and "Traceback" not in out + err
    assert f"{bad}: 文件有 4 处问题, 未导入任何调整 (4 problem(s); nothing was imported)" in flat(
        err
    )
    # File rules and data rules, each naming the file, the line and the ids.
    text = flat(err)
    assert (
        "第 3 行 line 3 (H0000002 → W_GONE)" in text
        and "worker W_GONE is not in this month" in text
    )
    assert (
        "第 4 行 line 4 (NOPE)" in text
        and "第 5 行 line 5 (H0000002)" in text
        and "needs worker_id" in text
    )
    code, out, _ = cli("overrides", "list", "--home", str(tmp_path / "ws"))
    assert "无调整 / no overrides" in flat(out)  # nothing applied
    active = ws.filter(pl.col("active"))["worker_id"][0]
    fine = _file(tmp_path, [good, {**gone, "worker_id": active}], "fine.csv")
    code, out, err = cli("overrides", "import", str(fine), *home)
    assert code == 0, err
    assert "已导入 imported 2 条调整 override(s), 来自 from " in flat(out)

    # A second tier override of the same household, in the store or in the file, is refused.
    again = _file(tmp_path, [{**good, "tier": "2"}], "again.csv")
    code, out, err = cli("overrides", "import", str(again), *home)
    assert code == 2 and "nothing was imported" in flat(err)
    assert "第 2 行 line 2 (H0000001)" in flat(err) and "active override #1 (tier)" in flat(err)
    assert "revoke #1 first" in flat(err) and "请先撤销 #1" in flat(err)
    two = _file(tmp_path, [{**gone, "worker_id": "W_X", "kind": "pin", "household_id": h0},
                           {**gone, "worker_id": "W_Y", "kind": "pin", "household_id": h0}],
                "two.csv")  # fmt: skip
    code, out, err = cli("overrides", "import", str(two), *home)
    text = flat(err)
    assert (
        code == 2
        and "第 3 行 line 3 (H0000001 → W_Y)" in text
        and "与第 2 行冲突" in text
        and "conflicts with line 2" in text
    )
    code, out, _ = cli("overrides", "list", "--home", str(tmp_path / "ws"))
    assert out.count("H0000001") == 1  # still only the first import's tier override


def test_two_tier_overrides_in_force_refuse_the_plan_naming_them(month) -> None:  # type: ignore[no-untyped-def]
    hh, ws = month
    h0 = hh["household_id"][0]
    overrides = [
        Override(6, "tier", h0, "gbk file", "sup1", tier=1),
        Override(7, "tier", h0, "rain", "sup1", tier=2),
        Override(8, "tier", hh["household_id"][1], "old", "sup1", tier=1,
                 expires_on=date(2026, 11, 30)),
        Override(9, "tier", hh["household_id"][1], "new", "sup1", tier=2),
    ]  # fmt: skip
    with pytest.raises(ContractError) as refused:
        apply_overrides(overrides, hh, ws, on=DAY)
    text = str(refused.value)
    assert f"{h0}: 类别调整 tier overrides #6, #7" in text
    assert "#8" not in text  # expired before the month: not in force
    assert "只能保留一条" in text and "visit-planner overrides revoke" in text


def test_a_pin_refusal_names_every_rule_it_breaks(month) -> None:  # type: ignore[no-untyped-def]
    from visit_planner.policy import load_policy, settings_from_policy

    hh, ws = month
    settings = settings_from_policy(load_policy())
    households = hh.with_columns(pl.lit(3, dtype=pl.Int8).alias("tier"))
    h = households.row(0, named=True)
    cadre = ws.filter(
        (pl.col("role") == "cadre") & (pl.col("township_id") != h["township_id"]) & pl.col("active")
    )["worker_id"][0]
    o = Override(0, "pin", h["household_id"], "x", "sup1", worker_id=cadre)
    (why,) = check_new_override(o, households, ws, settings, today=DAY)
    assert f"worker {cadre} may not serve household {h['household_id']}" in why
    assert "基层干部不承接三类户" in why and "a cadre does not serve tier-3 households" in why
    assert "outside the worker's jurisdiction" in why and "农户不在其管辖范围内" in why
    assert f"the household's {h['township_id']}" in why
    assert "not in this month's data" not in why  # the worker is there, in another township
    tier = Override(0, "tier", h["household_id"], "x", "sup1")
    assert check_new_override(tier, households, ws, settings, today=DAY) == [
        "类别调整须给出类别 (--tier 1/2/3) / a tier override needs --tier 1, 2 or 3"
    ]


def test_a_correction_that_breaks_a_rule_is_refused_in_the_contracts_words(  # type: ignore[no-untyped-def]
    month, tmp_path
) -> None:
    """The rule a corrected value breaks is worded as the contracts word it for an input file,
    in Chinese and English (once it was pandera's check name: ``isin(['none', ...])``)."""
    from visit_planner.policy import load_policy, settings_from_policy

    hh, ws = month
    settings = settings_from_policy(load_policy())
    h = hh["household_id"][0]
    hazard = Override(1, "correction", h, "typo", "sup1", field="hazard_exposure", value="tsunami")
    points = Override(2, "correction", h, "typo", "sup1", field="village_points", value="5000")
    (why_hazard,) = check_new_override(hazard, hh, ws, settings, today=DAY)
    assert why_hazard == (
        "值 'tsunami' 违反字段 灾害风险 (hazard_exposure) 的规则: 取值不在允许范围 / value "
        "'tsunami' breaks the rule(s) of hazard exposure (hazard_exposure): must be one of "
        "['none', 'drought', 'landslide', 'flood'] [isin(['none', 'drought', 'landslide', "
        "'flood'])]"
    )
    (why_points,) = check_new_override(points, hh, ws, settings, today=DAY)
    # each half in its own language: the Chinese names the rule too, without pandera's
    # check name (a Chinese page shows that half alone, and said only "违反字段 … 的规则":
    # not which values are allowed); it held the rule's English too, in brackets
    assert why_points == (
        "值 '5000' 违反字段 村规民约积分 (village_points) 的规则: 须在 0 与 1000 之间 / value "
        "'5000' breaks the rule(s) of village points (village_points): must be between 0 "
        "and 1000 [in_range(0, 1000)]"
    )
    assert narrow(why_points, "ascii") == (
        "value '5000' breaks the rule(s) of village points (village_points): must be "
        "between 0 and 1000 [in_range(0, 1000)]"
    )
    # A value of the wrong type, and one the household's other fields contradict, are named
    # by the field's words and what it must be, not by its dtype.
    two = Override(3, "correction", h, "typo", "sup1", field="members", value="two")
    (why_two,) = check_new_override(two, hh, ws, settings, today=DAY)
    assert why_two == (
        "值 'two' 不符合字段 家庭人口 (members): 须为整数 / value 'two' does not fit household "
        "members (members): a whole number"
    )
    many = Override(4, "correction", h, "typo", "sup1", field="elderly_65plus", value="99")
    (why_many,) = check_new_override(many, hh, ws, settings, today=DAY)
    assert why_many.startswith(
        "值 '99' 与该户其他信息不符: 65岁以上老人数 (elderly_65plus) 超过家庭人口 (99 > "
    )
    assert "/ value '99' contradicts the household: elderly 65+ (elderly_65plus) more than" in (
        why_many
    )
    # The words of reading a households file that holds the corrected value.
    path = tmp_path / "households.parquet"
    bad = pl.when(pl.col("household_id") == h).then(pl.lit("tsunami"))
    hh.with_columns(
        bad.otherwise(pl.col("hazard_exposure")).alias("hazard_exposure")
    ).write_parquet(path)
    with pytest.raises(ContractError) as refused:
        read_table(path, "households")
    assert (
        "column 'hazard_exposure': 取值不在允许范围 / must be one of ['none', 'drought', "
        "'landslide', 'flood'] [isin(['none', 'drought', 'landslide', 'flood'])]"
    ) in str(refused.value)
    # And a month's plan leaves them out with the same reasons.
    got = apply_overrides([hazard, points], hh, ws, on=DAY)
    assert [(x.outcome, x.reason) for x in got.outcomes] == [
        (NOT_APPLIED, why_hazard),
        (NOT_APPLIED, why_points),
    ]


def test_a_correction_to_the_value_already_held_is_refused_and_not_noted(month) -> None:  # type: ignore[no-untyped-def]
    """A correction that changes nothing (members=5 where the household has 5) is refused
    when added, naming household, field and value: it is a slip, and accepted it showed as
    '家庭人口 5 → 5' on the household's page. One already in force whose household's data
    has since caught up applies without a 'before → after' note, the outcome saying why."""
    from visit_planner.policy import load_policy, settings_from_policy

    hh, ws = month
    settings = settings_from_policy(load_policy())
    h = hh["household_id"][0]
    members = int(hh["members"][0])
    same = Override(1, "correction", h, "re-visited", "sup1", field="members", value=str(members))
    assert check_new_override(same, hh, ws, settings, today=DAY) == [
        f"更正未改变数据: 农户 {h} 的 家庭人口 (members) 已是 {members} / the correction "
        f"changes nothing: household {h}'s household members (members) is already {members}"
    ]
    km = float(hh["road_km_to_village_center"][0])
    as_typed = Override(
        2, "correction", h, "x", "sup1", field="road_km_to_village_center", value=f"{km:.4f}"
    )
    assert "changes nothing" in check_new_override(as_typed, hh, ws, settings, today=DAY)[0]
    got = apply_overrides([same], hh, ws, on=DAY)
    assert [(x.outcome, x.reason) for x in got.outcomes] == [
        (APPLIED, f"数据中 家庭人口 (members) 已是 {members}, 无需更正 / the data already "
         f"holds household members (members) = {members}")
    ]  # fmt: skip
    assert h not in got.notes
    assert got.households.equals(hh)


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ('kind,household_id,reason\ntier,H1,ok\ntier,H2,"unterminated\n',
         ["line 3: a quoted field is not closed", "第 3 行"]),
        ("kind,household_id,reason\ntier,H1,ok,extra\n", ["line 2 has 4 fields, the header 3"]),
        # A short line read as a row padded with nulls: "reason is empty" for that row.
        ("kind,household_id,reason\ntier,H1,ok\ntier,H2\n",
         ["line 3 has 2 fields, the header 3", "第 3 行只有 2 个字段, 列名有 3 个"]),
        ("", ["the file is empty", "文件为空"]),
    ],
)  # fmt: skip
def test_an_unreadable_override_file_names_the_file_and_line(
    tmp_path, text: str, needles: list[str]
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "o.csv"
    path.write_text(text, encoding="utf-8")
    message = _refusal_of(path, needles)
    assert "infer_schema_length" not in message and "ignore_errors" not in message


def _refusal_of(path: Path, needles: list[str]) -> str:
    """The message read_override_file refuses ``path`` with: it names the file first and
    says each of ``needles``."""
    with pytest.raises(ContractError) as refused:
        read_override_file(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: 无法读取调整文件 (cannot read the override file)")
    for needle in needles:
        assert needle in message
    return message


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        (b"kind,household_id,reason\ntier,H1,ok\n",
         ["不是 Parquet 文件", "not a Parquet file: it looks like CSV text, so name it .csv"]),
        (b"PAR1" + b"\x00" * 40, ["Parquet 文件不完整", "cut short"]),
    ],
)  # fmt: skip
def test_an_override_file_that_is_no_parquet_says_why(
    tmp_path: Path, content: bytes, needles: list[str]
) -> None:
    """It named polars' exception class and text ("ComputeError: parquet: File out of
    specification: …")."""
    path = tmp_path / "o.parquet"
    path.write_bytes(content)
    message = _refusal_of(path, needles)
    assert "Error" not in message and "specification" not in message


def test_two_rows_setting_different_values_are_a_conflict_not_a_duplicate(tmp_path, month) -> None:  # type: ignore[no-untyped-def]
    """Two rows giving one household tier 1 and tier 2 (or a field two values) were both
    refused as 重复 (the same override twice); they conflict, and are now said to. A pin to a
    worker who may not serve the household was filed under household_id: it is the worker."""
    from visit_planner.overrides import (
        check_overrides_against_data,
        check_overrides_against_store,
        parse_override_file,
    )
    from visit_planner.policy import load_policy, settings_from_policy

    hh, ws = month
    h = hh.row(0, named=True)
    row = {"kind": "tier", "household_id": h["household_id"], "worker_id": "", "tier": "1",
           "field": "", "value": "", "reason": "x"}  # fmt: skip
    fix = {**row, "kind": "correction", "tier": "", "field": "members", "value": "4"}
    far = ws.filter(
        (pl.col("role") == "grid_worker") & (pl.col("grid_id") != h["grid_id"]) & pl.col("active")
    )["worker_id"][0]
    pin = {**row, "kind": "pin", "tier": "", "worker_id": far}
    path = _file(tmp_path, [row, {**row, "tier": "2"}, row, fix, {**fix, "value": "5"}, pin])
    ok, problems = parse_override_file(
        pl.read_csv(path, infer_schema=False), path, today=DAY, author="sup1"
    )
    text = flat("\n".join(p.message() for p in problems))
    assert (
        "重复, 首次见于第 2 行 (the same override twice; first at line 2) — 1 row: 第 4 行 line 4"
        in text
    )
    assert text.count("重复") == 1  # lines 3 and 6 set another value: not duplicates
    conflicts = flat("\n".join(p.message() for p in check_overrides_against_store(ok, path, [])))
    assert f"与第 2 行冲突: 都设定农户 {h['household_id']} 的类别" in conflicts
    assert "— 1 row: 第 3 行 line 3" in conflicts
    assert f"conflicts with line 5: both correct members of household {h['household_id']}" in (
        conflicts
    )
    households = hh.with_columns(pl.lit(3, dtype=pl.Int8).alias("tier"))
    settings = settings_from_policy(load_policy())
    found = check_overrides_against_data(
        [(i, o) for i, o in ok if o.kind == "pin"], path, lambda o: (households, ws), settings,
        today=DAY,
    )  # fmt: skip
    assert [(p.column, p.ids) for p in found] == [
        ("worker_id", (f"第 7 行 line 7 ({h['household_id']} → {far})",))
    ]


@pytest.mark.parametrize(
    ("reason", "evidence", "said"),
    [
        ("户主身份证 53260119700101123X 独居", None, "原因中含疑似身份证号码"),
        # typed in full-width digits
        ("身份证５３２６０１１９７００１０１１２３Ｘ", None, "原因中含疑似身份证号码"),
        ("old card 532601700101123", None, "原因中含疑似身份证号码"),
        ("独居", "户口本, 联系电话 13812345678", "依据中含疑似手机号码"),
    ],
)
def test_an_id_card_or_phone_number_in_an_overrides_text_is_refused(
    month,  # type: ignore[no-untyped-def]
    reason: str,
    evidence: str | None,
    said: str,
) -> None:
    """A supervisor's reason '户主身份证 5326…X 独居' was accepted and went, whole, into the
    run's explanations and scores, the visit lists' unassigned sheet and the audit log."""
    from visit_planner.policy import load_policy, settings_from_policy

    hh, ws = month
    settings = settings_from_policy(load_policy())
    households = hh.with_columns(pl.lit(3, dtype=pl.Int8).alias("tier"))
    h = households["household_id"][0]
    o = Override(0, "tier", h, reason, "sup1", tier=1, evidence=evidence)
    (why,) = check_new_override(o, households, ws, settings, today=DAY)
    assert why.startswith(said) and "请勿填写个人身份信息 / " in why
    assert "no name, ID-card or phone number may be in it" in why
    digits = "".join(ch for ch in f"{reason}{evidence}" if ch.isdigit())
    assert digits[:11] not in why  # the number is not repeated
    fine = Override(0, "tier", h, "2026年12月5日入户, 独居老人 3 人", "sup1", tier=1)
    assert check_new_override(fine, households, ws, settings, today=DAY) == []


def test_a_files_person_number_is_filed_under_its_column(tmp_path, month) -> None:  # type: ignore[no-untyped-def]
    """overrides import and score --overrides refuse a reason or evidence holding an ID-card
    or phone number as 'overrides add' does, under the column that holds it (not 'tier')."""
    from visit_planner.overrides import (
        check_overrides_against_data,
        check_tier_override_file,
        parse_override_file,
    )
    from visit_planner.policy import load_policy, settings_from_policy

    hh, ws = month
    h = hh["household_id"][0]
    row = {"kind": "tier", "household_id": h, "worker_id": "", "tier": "1", "field": "",
           "value": "", "evidence": "", "reason": "联系 13912345678"}  # fmt: skip
    fix = {**row, "kind": "correction", "tier": "", "field": "members", "value": "9",
           "evidence": "户口本 532601197001011234", "reason": "核实"}  # fmt: skip
    path = _file(tmp_path, [row, fix])
    ok, problems = parse_override_file(
        pl.read_csv(path, infer_schema=False), path, today=DAY, author="sup1"
    )
    assert problems == [] and len(ok) == 2
    households = hh.with_columns(pl.lit(3, dtype=pl.Int8).alias("tier"))
    found = check_overrides_against_data(
        ok, path, lambda o: (households, ws), settings_from_policy(load_policy()), today=DAY
    )
    assert sorted(p.column for p in found) == ["evidence", "reason"]
    assert all("请勿填写个人身份信息" in p.rule for p in found)
    tiers = pl.DataFrame(
        {"household_id": [h], "tier": ["1"], "reason": ["身份证 532601197001011234"]}
    )
    (problem,) = check_tier_override_file(tiers, tmp_path / "t.csv", pl.Series([h]))
    assert problem.column == "reason" and problem.rule.startswith("原因中含疑似身份证号码")


def _grid_pair(hh: pl.DataFrame, ws: pl.DataFrame, k: int = 0) -> tuple[str, str]:
    """The k-th household (tier 3 by its data) with an active grid worker of its own grid."""
    grid_workers = ws.filter((pl.col("role") == "grid_worker") & pl.col("active")).select(
        "grid_id", "worker_id"
    )
    tier3 = hh.filter(pl.coalesce("assessed_tier", "previous_tier") == 3)
    pairs = tier3.join(grid_workers.unique("grid_id", keep="first"), on="grid_id")
    return pairs["household_id"][k], pairs["worker_id"][k]


def test_a_pin_and_a_tier_override_must_agree_whichever_comes_second(month) -> None:  # type: ignore[no-untyped-def]
    """A pin accepted while a tier override was pending was released by the next plan ('网格
    员不承接一类户'): the pin was checked against the newest run's tier, not the one the
    override sets. Now refused up front, naming the override and both ways out."""
    from visit_planner.policy import load_policy, settings_from_policy

    hh, ws = month
    settings = settings_from_policy(load_policy())
    households = hh.with_columns(pl.lit(3, dtype=pl.Int8).alias("tier"))
    h, gw = _grid_pair(hh, ws)
    pin = Override(0, "pin", h, "next door", "sup1", worker_id=gw)
    assert check_new_override(pin, households, ws, settings, today=DAY) == []
    tier1 = Override(5, "tier", h, "lives alone", "sup1", tier=1)
    (why,) = check_new_override(pin, households, ws, settings, today=DAY, in_force=[tier1])
    assert f"农户 {h} 有现行类别调整 #5, 下次方案起为一类户" in why
    assert f"人员 {gw} 是网格员, 不承接一类户" in why and "或先撤销 #5" in why
    assert f"household {h} has standing tier override #5, so the next plan makes it tier 1" in why
    assert "pin a worker who does, or revoke #5 first" in why
    # The other order: the pin stands, the tier override is refused.
    standing_pin = Override(6, "pin", h, "next door", "sup1", worker_id=gw)
    new_tier = Override(0, "tier", h, "lives alone", "sup1", tier=1)
    (why,) = check_new_override(
        new_tier, households, ws, settings, today=DAY, in_force=[standing_pin]
    )
    assert f"有现行指定 #6 (人员 {gw}, 网格员), 网格员不承接一类户" in why
    assert f"household {h} has standing pin #6 to worker {gw}, a grid worker" in why
    assert "revoke #6 first" in why
    # A tier the pinned worker serves, an override of another household, or a pin to a worker
    # who has left (its own outcome says so) are no disagreement.
    tier3 = Override(0, "tier", h, "x", "sup1", tier=3)
    assert (
        check_new_override(tier3, households, ws, settings, today=DAY, in_force=[standing_pin])
        == []
    )
    other = Override(5, "tier", "H_OTHER", "x", "sup1", tier=1)
    assert check_new_override(pin, households, ws, settings, today=DAY, in_force=[other]) == []
    # The pin is judged at the tier that will apply: a tier-1 household (by the run) that a
    # standing override makes tier 3 may be pinned to its grid worker.
    as_tier1 = hh.with_columns(pl.lit(1, dtype=pl.Int8).alias("tier"))
    assert check_new_override(pin, as_tier1, ws, settings, today=DAY)  # refused: tier 1
    down = Override(7, "tier", h, "moved in with family", "sup1", tier=3)
    assert check_new_override(pin, as_tier1, ws, settings, today=DAY, in_force=[down]) == []
    # A pin that also breaks another rule is told both, once each: the jurisdiction (a grid
    # worker of another grid) and the override it disagrees with; the role only through it.
    grid = hh.filter(pl.col("household_id") == h)["grid_id"][0]
    far = ws.filter(
        (pl.col("role") == "grid_worker") & pl.col("active") & (pl.col("grid_id") != grid)
    )["worker_id"][0]
    elsewhere = Override(0, "pin", h, "next door", "sup1", worker_id=far)
    jurisdiction, tier_first = check_new_override(
        elsewhere, households, ws, settings, today=DAY, in_force=[tier1]
    )
    assert "outside the worker's jurisdiction" in jurisdiction and "serve tier" not in jurisdiction
    assert "has standing tier override #5" in tier_first


def test_overrides_add_and_import_refuse_a_pin_a_tier_override_would_release(  # type: ignore[no-untyped-def]
    tmp_path, small_prefecture_dir, month, cli
) -> None:
    hh, ws = month
    home = ["--home", str(tmp_path / "ws"), "--data", str(small_prefecture_dir)]
    (tmp_path / "ws").mkdir()
    (h1, gw1), (h2, gw2) = _grid_pair(hh, ws, 0), _grid_pair(hh, ws, 1)
    add = ["overrides", "add", *home]
    code, out, err = cli(*add, "--kind", "tier", "--household", h1, "--tier", "1", "--reason", "r")
    assert code == 0, err
    code, out, err = cli(*add, "--kind", "pin", "--household", h1, "--worker", gw1, "--reason", "r")
    assert code == 2 and "Traceback" not in out + err
    assert "有现行类别调整 #1" in flat(err) and "revoke #1 first" in flat(err)
    code, out, err = cli(*add, "--kind", "pin", "--household", h2, "--worker", gw2, "--reason", "r")
    assert code == 0, err
    tier = {"kind": "tier", "household_id": h2, "worker_id": "", "tier": "2", "reason": "r"}
    code, out, err = cli("overrides", "import", str(_file(tmp_path, [tier])), *home)
    assert code == 2 and "nothing was imported" in flat(err)
    assert f"第 2 行 line 2 ({h2})" in flat(err) and "standing pin #2" in flat(err)
    code, out, _ = cli("overrides", "list", "--home", str(tmp_path / "ws"))
    assert "#3" not in out  # neither refused one was added


def _tier1_grid_pair(hh: pl.DataFrame, ws: pl.DataFrame) -> tuple[str, str]:
    """A household tier 1 by its data with an active grid worker of its own grid."""
    grid_workers = ws.filter((pl.col("role") == "grid_worker") & pl.col("active")).select(
        "grid_id", "worker_id"
    )
    tier1 = hh.filter(pl.coalesce("assessed_tier", "previous_tier") == 1)
    pairs = tier1.join(grid_workers.unique("grid_id", keep="first"), on="grid_id")
    return pairs["household_id"][0], pairs["worker_id"][0]


def test_a_files_tier_override_and_pin_must_agree_across_its_rows(tmp_path, month) -> None:  # type: ignore[no-untyped-def]
    """A file with a tier-1 override of H on one row and a pin of H to its grid worker on a
    later row was accepted whole, where the same two added one by one are refused (the next
    plan released the pin): the rows were checked against the store's overrides only. Now each
    row is checked against the file's earlier rows too, whichever comes first, naming both
    lines; and a pin is judged at the tier an earlier row sets."""
    from visit_planner.overrides import check_overrides_against_data, parse_override_file
    from visit_planner.policy import load_policy, settings_from_policy

    hh, ws = month
    settings = settings_from_policy(load_policy())
    households = hh.with_columns(pl.coalesce("assessed_tier", "previous_tier").alias("tier"))
    h, gw = _grid_pair(hh, ws)
    row = {"kind": "tier", "household_id": h, "worker_id": "", "tier": "1", "reason": "独居"}
    pin = {**row, "kind": "pin", "worker_id": gw, "tier": "", "reason": "邻居"}
    other = {**row, "household_id": hh["household_id"][1], "tier": "2"}

    def check(rows: list[dict[str, object]], name: str) -> list:  # type: ignore[type-arg]
        path = _file(tmp_path, rows, name)
        ok, problems = parse_override_file(
            pl.read_csv(path, infer_schema=False), path, today=DAY, author="sup1"
        )
        assert problems == [] and len(ok) == len(rows)
        return check_overrides_against_data(
            ok, path, lambda o: (households, ws), settings, today=DAY
        )

    (p,) = check([row, other, other | {"household_id": hh["household_id"][2]}, pin], "a.csv")
    text = flat(p.message())
    assert p.column == "worker_id" and p.ids == (f"第 5 行 line 5 ({h} → {gw})",)
    assert f"农户 {h} 在本文件第 2 行调为一类户, 而人员 {gw} 是网格员, 不承接一类户" in text
    assert f"the tier override on line 2 of this file makes household {h} tier 1" in text
    assert "pin a worker who does, or remove one of the two rows" in text
    # The other order: the pin first, the tier override refused.
    (p,) = check([pin, other, row], "b.csv")
    text = flat(p.message())
    assert p.column == "tier" and p.ids == (f"第 4 行 line 4 ({h})",)
    assert f"农户 {h} 在本文件第 2 行指定给人员 {gw} (网格员), 网格员不承接一类户" in text
    assert f"line 2 of this file pins household {h} to worker {gw}, a grid worker" in text
    # A tier the pinned worker serves is no disagreement.
    assert check([row | {"tier": "3"}, pin], "c.csv") == []
    # A tier-1 household (by its data) that an earlier row makes tier 3 may be pinned to its
    # grid worker, as overrides add allows after the tier override; alone it may not.
    h1, gw1 = _tier1_grid_pair(hh, ws)
    down = {**row, "household_id": h1, "tier": "3"}
    pin1 = {**pin, "household_id": h1, "worker_id": gw1}
    assert check([down, pin1], "d.csv") == []
    (p,) = check([pin1], "e.csv")
    assert "网格员不承接一类户" in p.rule


def test_overrides_import_refuses_a_tier_and_pin_of_one_file_as_add_does(  # type: ignore[no-untyped-def]
    tmp_path, small_prefecture_dir, month, cli
) -> None:
    hh, ws = month
    home = ["--home", str(tmp_path / "ws"), "--data", str(small_prefecture_dir)]
    (tmp_path / "ws").mkdir()
    h, gw = _grid_pair(hh, ws)
    tier = {"kind": "tier", "household_id": h, "worker_id": "", "tier": "1", "reason": "独居"}
    pin = {**tier, "kind": "pin", "worker_id": gw, "tier": "", "reason": "邻居"}
    forbid = {**pin, "kind": "forbid", "household_id": hh["household_id"][1]}
    path = _file(tmp_path, [tier, forbid, pin])
    code, out, err = cli("overrides", "import", str(path), *home)
    text = flat(err)
    assert code == 2 and "Traceback" not in out + err
    assert f"{path}: 文件有 1 处问题, 未导入任何调整 (1 problem(s); nothing was imported)" in text
    assert f"column 'worker_id': 农户 {h} 在本文件第 2 行调为一类户" in text
    assert f"第 4 行 line 4 ({h} → {gw})" in text
    code, out, _ = cli("overrides", "list", "--home", str(tmp_path / "ws"))
    assert "无调整 / no overrides" in flat(out)  # nothing recorded, the good rows neither


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2027-01-31", date(2027, 1, 31)), ("2027/1/31", date(2027, 1, 31)),
        ("2027/01/31", date(2027, 1, 31)), ("2027.1.31", date(2027, 1, 31)),
        ("2027年1月31日", date(2027, 1, 31)), ("2027/1/31 0:00", date(2027, 1, 31)),
        ("2027-01-31 00:00:00", date(2027, 1, 31)), ("２０２７／１／３１", date(2027, 1, 31)),
        ("31/01/2027", None), ("1/31/2027", None), ("2027-02-30", None),
        ("2027/1/31 13:30", None), ("46418", None), ("soon", None),
    ],
)  # fmt: skip
def test_an_expiry_is_read_as_a_spreadsheet_saves_it(text: str, day: date | None) -> None:
    """A planner's file saved from Excel or WPS writes a date column 2027/1/31 (or a
    date-time cell 2027/1/31 0:00): overrides import refused every such row as 'not a date
    YYYY-MM-DD'. Year-first forms are read; day- or month-first ones are ambiguous, a time of
    day other than midnight and a day that does not exist are refused."""
    from visit_planner.overrides import expiry_date

    if day is None:
        with pytest.raises(ValueError):
            expiry_date(text)
    else:
        assert expiry_date(text) == day


def test_an_override_files_cells_are_read_as_meant(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Ids typed in full width or pasted with a zero-width space, a kind capitalized, a tier in
    full width and an expiry as a spreadsheet saves it are the overrides they look like (an
    id with a zero-width space was 'not in this month's data' though it looked the same); an
    expiry that cannot be read is refused, naming the forms that can."""
    from visit_planner.overrides import parse_override_file

    rows = [
        {"kind": "tier", "household_id": "Ｈ００００００１", "worker_id": "", "tier": "1",
         "reason": "独居，电话核实", "expires_on": "2027/1/31"},
        {"kind": "Forbid", "household_id": "H0000002\u200b", "worker_id": " W000205 ",
         "tier": "", "reason": "纠纷", "expires_on": "2027年1月31日"},
        {"kind": "tier", "household_id": "H0000003", "worker_id": "", "tier": "２",
         "reason": "x", "expires_on": "2027/1/31 0:00"},
    ]  # fmt: skip
    path = _file(tmp_path, rows)
    ok, problems = parse_override_file(
        pl.read_csv(path, infer_schema=False), path, today=DAY, author="sup1"
    )
    assert problems == []
    assert [(o.kind, o.household_id, o.worker_id, o.tier, o.expires_on) for _, o in ok] == [
        ("tier", "H0000001", None, 1, date(2027, 1, 31)),
        ("forbid", "H0000002", "W000205", None, date(2027, 1, 31)),
        ("tier", "H0000003", None, 2, date(2027, 1, 31)),
    ]
    assert ok[0][1].reason == "独居，电话核实"  # free text kept as typed, full-width comma too
    bad = _file(tmp_path, [{**rows[0], "expires_on": "31/01/2027"}], "bad.csv")
    _, problems = parse_override_file(
        pl.read_csv(bad, infer_schema=False), bad, today=DAY, author="sup1"
    )
    (p,) = problems
    assert p.column == "expires_on" and p.ids == ("第 2 行 line 2 (H0000001): 31/01/2027",)
    assert "日期格式错误, 应为 YYYY-MM-DD, YYYY/M/D, YYYY年M月D日" in p.rule


def test_a_cell_an_overrides_kind_does_not_take_is_refused_not_dropped(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A row 'tier, H, W000001, 1' was imported as a tier override, its worker dropped without
    a word: the planner believed the household pinned too (overrides add refuses it: 'a tier
    override takes no worker_id'). Each such cell is refused under its column, naming the row
    to write instead."""
    from visit_planner.overrides import parse_override_file

    base = {"kind": "tier", "household_id": "H0000001", "worker_id": "", "tier": "1",
            "field": "", "value": "", "reason": "x"}  # fmt: skip
    rows = [
        {**base, "worker_id": "W000001"},
        {**base, "kind": "pin", "household_id": "H0000002", "worker_id": "W000002"},
        {**base, "kind": "forbid", "household_id": "H0000003", "worker_id": "W000003",
         "tier": "", "field": "members", "value": "4"},
        {**base, "kind": "correction", "household_id": "H0000004", "tier": "",
         "field": "members", "value": "4"},
    ]  # fmt: skip
    path = _file(tmp_path, rows)
    ok, problems = parse_override_file(
        pl.read_csv(path, infer_schema=False), path, today=DAY, author="sup1"
    )
    assert [o.household_id for _, o in ok] == ["H0000004"]  # the one row as its kind takes
    said = {p.column: (p.ids, flat(p.rule)) for p in problems}
    assert sorted(said) == ["field", "tier", "value", "worker_id"]
    ids, rule = said["worker_id"]
    assert ids == ("第 2 行 line 2 (H0000001 → W000001): W000001",)
    assert rule == (
        "类别调整不填此列, 请留空; 如需指定人员, 请另起一行, kind 为 pin / a tier override "
        "takes no worker_id: leave it empty, or write the pin override on a row of its own "
        "(kind pin)"
    )
    # a stream without Chinese: the English alone, the row by its line (it read "(kind a
    # tier override takes no worker_id ... - 1 row: (line 2) (H0000001 -> W000001)")
    (message,) = [narrow(p.message(), "ascii") for p in problems if p.column == "worker_id"]
    assert message == (
        f"{path}: column 'worker_id': a tier override takes no worker_id: leave it empty, or "
        "write the pin override on a row of its own (kind pin) - 1 row: line 2 (H0000001 -> "
        "W000001): W000001"
    )
    assert said["tier"][0] == ("第 3 行 line 3 (H0000002 → W000002): 1",)
    assert said["field"][0] == ("第 4 行 line 4 (H0000003 → W000003): members",)


def test_an_id_a_spreadsheet_saved_as_a_number_is_named_so(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A long numeric id shown by Excel as 5.32601E+17 (its last digits lost) or saved as
    532601.0 was refused as 'not in this month's data (moved away or left)'; it is now named
    by the contracts' own rule for a data file: format the column as text."""
    from visit_planner.contracts.reader import DECIMAL_TEXT_RULE, SCIENTIFIC_TEXT_RULE
    from visit_planner.overrides import parse_override_file

    rows = [
        {"kind": "tier", "household_id": "5.32601E+17", "worker_id": "", "tier": "1",
         "reason": "x"},
        {"kind": "pin", "household_id": "H0000001", "worker_id": "532601.0", "tier": "",
         "reason": "x"},
    ]  # fmt: skip
    path = _file(tmp_path, rows)
    ok, problems = parse_override_file(
        pl.read_csv(path, infer_schema=False), path, today=DAY, author="sup1"
    )
    assert ok == []
    assert sorted((p.column, p.rule, p.ids) for p in problems) == [
        ("household_id", SCIENTIFIC_TEXT_RULE, ("第 2 行 line 2 (5.32601E+17): 5.32601E+17",)),
        ("worker_id", DECIMAL_TEXT_RULE, ("第 3 行 line 3 (H0000001 → 532601.0): 532601.0",)),
    ]


def test_an_override_file_as_excel_saves_it_is_imported_with_notes(  # type: ignore[no-untyped-def]
    tmp_path, small_prefecture_dir, month, cli
) -> None:
    """An override file typed in Excel/WPS: headers 'Kind', ' household_id ', 'TIER',
    'Reason' and empty rows after the last override. It was refused whole ("delete them",
    then every header an unknown column). The file is now read by the input tables' rule:
    imported, with a note on the headers read as meant and one on the empty rows; an empty
    row between overrides is still refused with its line, and 'Kind' beside 'kind' with
    both columns named."""
    hh, _ = month
    h0 = hh["household_id"][0]
    home = ["--home", str(tmp_path / "ws"), "--data", str(small_prefecture_dir)]
    (tmp_path / "ws").mkdir()
    path = tmp_path / "o.csv"
    path.write_text(f"Kind, household_id ,TIER,Reason\ntier,{h0},1,hotline\n,,,\n,,,\r\n\n")
    code, out, err = cli("overrides", "import", str(path), *home)
    assert code == 0, err
    assert "已导入 imported 1 条调整 override(s)" in flat(out)
    assert (
        f"警告 WARNING: {path}: 表头列名已按规定列名读取 (header names read as the columns "
        "they name, ignoring case, spaces and full-width forms): 'Kind' → 'kind', "
        "' household_id ' → 'household_id', 'TIER' → 'tier', 'Reason' → 'reason'"
    ) in flat(err)
    assert (
        f"警告 WARNING: {path}: 文件末尾的 3 个空行已忽略 (ignored 3 empty rows at the end of "
        "the file, as Excel/WPS saves them)"
    ) in flat(err)
    inside = tmp_path / "inside.csv"
    inside.write_text(f"kind,household_id,tier,reason\n,,,\ntier,{h0},2,x\n")
    code, out, err = cli("overrides", "import", str(inside), *home)
    assert code == 2 and "Traceback" not in out + err
    assert "第 2 行所有字段为空" in flat(err) and "line 2: every field empty" in flat(err)
    twice = tmp_path / "twice.csv"
    twice.write_text(f"Kind,household_id,kind,reason\ntier,{h0},tier,x\n")
    code, out, err = cli("overrides", "import", str(twice), *home)
    assert code == 2 and "nothing was imported" in flat(err)
    assert (
        f"{twice}: column 'Kind': 列名重复, 见第 1、3 列, 请只保留一列 (the header gives 2 "
        "columns this name: columns 1 ('Kind'), 3 ('kind'); keep one)"
    ) in flat(err)
    code, out, _ = cli("overrides", "list", "--home", str(tmp_path / "ws"))
    assert flat(out).count("hotline") == 1  # the first file's override alone
