"""Policy: defaults load into typed values; invalid files are clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from visit_planner.cli.narrow_encoding import narrow
from visit_planner.contracts.input_paths import not_found
from visit_planner.errors import PolicyError
from visit_planner.policy import (
    Role,
    default_policy_text,
    load_policy,
    parse_policy,
    settings_from_policy,
)


def test_defaults_match_the_design() -> None:
    p = load_policy()
    assert [p.tier(t).role for t in (1, 2, 3)] == [
        Role.CADRE,
        Role.VILLAGE_OFFICIAL,
        Role.GRID_WORKER,
    ]
    assert [p.tier(t).visits_per_month for t in (1, 2)] == [2.0, 1.0]
    assert p.tier(3).visits_per_month == pytest.approx(1 / 3)
    assert [p.tier(t).minutes_on_site for t in (1, 2, 3)] == [45.0, 30.0, 20.0]
    assert p.travel.speed_kmh == 25.0
    s = settings_from_policy(p)  # the rules live in the settings; the policy holds values
    assert s.factor_for("532601") == 1.4
    assert s.factor_for("532624") == 1.55
    assert p.jurisdiction.area_of(Role.GRID_WORKER) == "grid"
    assert s.unassigned_base(1) > s.unassigned_base(2) > s.unassigned_base(3)
    assert len(p.risk.rules) >= 1


def test_policy_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(default_policy_text().replace("speed_kmh = 25.0", "speed_kmh = 30.0"), "utf-8")
    assert load_policy(path).travel.speed_kmh == 30.0


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ("speed_kmh = 25.0", "speed_kmh = -1", "travel.speed_kmh"),
        ('role = "cadre"                 # 基层干部', 'role = "mayor"', "tiers.1.role"),
        ("unassigned_penalty_tier1 = 100000.0", "unassigned_penalty_tier1 = 10.0", "tier-ordered"),
        ("[0.0, 3.0, 6.0]", "[1.0, 3.0, 6.0]", "diagonal"),
        ("min_tier = 2", "min_tier = 3", "min_tier"),
        ("balance_margin = 0.35", "balance_margin = 0.35\nsurprise = 1", "surprise"),
        ("balance_margin = 0.35", "balance_margin = -0.1", "objective.balance_margin"),
    ],
)
def test_invalid_values_name_the_field(old: str, new: str, needle: str) -> None:
    text = default_policy_text()
    assert old in text
    with pytest.raises(PolicyError) as exc:
        parse_policy(text.replace(old, new, 1), "my.toml")
    assert "my.toml" in str(exc.value)
    assert needle in str(exc.value)


@pytest.mark.parametrize(
    ("when", "needle"),
    [
        ("poverty_relapse_watch AND nosuchcol >= 1", "unknown column(s) nosuchcol"),
        ("head_ethnicity = 'miao'", "head_ethnicity: audit-only"),
        ("head_gender = 'female' AND elderly_living_alone", "head_gender: audit-only"),
        ("serious_illness_members + 1", "not a true/false condition"),
        ("serious_illness_members >=", "not a polars SQL condition"),
        ("housing_safety_grade + 1 > 2", "cannot be evaluated"),
    ],
)
def test_a_rules_condition_is_checked_when_the_policy_is_loaded(when: str, needle: str) -> None:
    # Before, a bad condition failed only in the score stage, after validation, without the
    # policy file or the field; a condition on ethnicity was accepted and raised households.
    text = default_policy_text()
    old = 'when = "poverty_relapse_watch AND serious_illness_members >= 1"'
    assert old in text
    with pytest.raises(PolicyError) as exc:
        parse_policy(text.replace(old, f"when = {when!r}", 1), "my.toml")
    message = str(exc.value)
    assert "my.toml" in message
    assert "risk.rules.1.when" in message
    assert needle in message


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("speed_kmh = 25.0", "sped_kmh = 25.0",
         "  - travel.sped_kmh: 不是策略文件的键, 请检查拼写 (not a key of the policy file: "
         "check its spelling; got 25.0)"),
        ("speed_kmh = 25.0", 'speed_kmh = "fast"',
         "  - travel.speed_kmh: 类型错误, 须为数字 (must be a number; got 'fast')"),
        ("speed_kmh = 25.0", "speed_kmh = -1",
         "  - travel.speed_kmh: 须大于 0.0 (must be > 0.0; got -1)"),
        ('role = "cadre"                 # 基层干部', 'role = "mayor"',
         "  - tiers.1.role: 取值不在允许范围 (must be one of 'cadre', 'village_official' or "
         "'grid_worker'; got 'mayor')"),
        ("min_tier = 2", "min_tier = 3",
         "  - risk.rules.0.min_tier: 取值不在允许范围 (must be one of 1 or 2; got 3)"),
        ('text_zh = "独居老人且住房为D级危房"\n', "",
         "  - risk.rules.0.text_zh: 缺少必填项 (required key is missing)"),
        ("[0.0, 3.0, 6.0]", "[1.0, 3.0, 6.0]",  # a table's own rule: not the whole table again
         "  - risk.cost_matrix: 对角线须为 0: 类别判对没有代价 (the diagonal must be 0: a correct "
         "tier costs nothing; got [[1.0, 3.0, 6.0], [1.0, 0.0, 1.5], [1.5, 1.0, 0.0]])"),
        ("[0.0, 3.0, 6.0],", "",
         "  - risk.cost_matrix: 须为 3 行 3 列: 真实类别 × 预测类别 (must be 3 rows of 3: true "
         "tier by predicted tier; got [[1.0, 0.0, 1.5], [1.5, 1.0, 0.0]])"),
        ("[tiers.2]", "[tiers.4]",  # a whole table's rule: Chinese first, at its key
         "  - tiers: 须恰好有 [tiers.1]、[tiers.2]、[tiers.3] 三节; 缺少 [tiers.2]; 多出 "
         "[tiers.4] (tiers must be exactly 1, 2 and 3; got 1, 3, 4)"),
        ("unassigned_penalty_tier1 = 100000.0", "unassigned_penalty_tier1 = 15000.0",
         "  - objective: 未覆盖罚分须一类户 > 2 × 二类户 > 4 × 三类户 (unassigned_penalty_tier1..3 "
         "must be tier-ordered with headroom for the risk bonus: tier1 > 2*tier2 and "
         "tier2 > 2*tier3; got 15000, 10000, 1000)"),
    ],
)  # fmt: skip
def test_an_invalid_value_reads_chinese_first_without_pydantics_words(
    old: str, new: str, line: str
) -> None:
    """Each problem a line: the field, the rule in Chinese, the English in brackets with the
    value given (it printed pydantic's English only: "Extra inputs are not permitted",
    "Input should be a valid number, unable to parse string as a number", "Field required"
    followed by the whole table)."""
    text = default_policy_text()
    assert old in text
    with pytest.raises(PolicyError) as exc:
        parse_policy(text.replace(old, new, 1), "my.toml")
    assert str(exc.value).splitlines() == ["my.toml: 策略文件有误 (invalid policy)", line]


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("visits_per_month = 1.0", 'visits_per_month = "0.5"',
         "  - tiers.2.visits_per_month: 类型错误, 须为数字 (must be a number; got '0.5')"),
        ("visits_per_month = 2.0", "visits_per_month = true",
         "  - tiers.1.visits_per_month: 类型错误, 须为数字 (must be a number; got true)"),
        ("round_trip = true", 'round_trip = "yes"',
         "  - travel.round_trip: 类型错误, 须为 true 或 false (must be true or false; got 'yes')"),
        ("round_trip = true", "round_trip = 1",
         "  - travel.round_trip: 类型错误, 须为 true 或 false (must be true or false; got 1)"),
        ('"532623" = 1.5', '"532623" = "1.5"',
         "  - travel.road_factor_by_county.532623: 类型错误, 须为数字 (must be a number; "
         "got '1.5')"),
        ("min_tier = 2", "min_tier = 1.5",
         "  - risk.rules.0.min_tier: 类型错误, 须为整数 (must be a whole number; got 1.5)"),
        ("min_tier = 2", "min_tier = true",
         "  - risk.rules.0.min_tier: 类型错误, 须为整数 (must be a whole number; got true)"),
        ("min_tier = 2", 'min_tier = "2"',
         "  - risk.rules.0.min_tier: 类型错误, 须为整数 (must be a whole number; got '2')"),
        ("speed_kmh = 25.0", "speed_kmh = inf",
         "  - travel.speed_kmh: 须为有限的数 (must be a finite number; got inf)"),
        ("unassigned_penalty_tier1 = 100000.0", "unassigned_penalty_tier1 = 1e400",
         "  - objective.unassigned_penalty_tier1: 须为有限的数 (must be a finite number; got inf)"),
    ],
)  # fmt: skip
def test_a_value_of_the_wrong_type_is_refused_not_converted(old: str, new: str, line: str) -> None:
    """TOML has types: "0.5" in quotes, true where a number goes, 1 where true/false goes,
    1.5 where a whole number goes were converted without a word (true became 1 visit a
    month, "yes" became true); inf switched a speed or a penalty off. Each is refused."""
    text = default_policy_text()
    assert old in text
    with pytest.raises(PolicyError) as exc:
        parse_policy(text.replace(old, new, 1), "my.toml")
    assert str(exc.value).splitlines() == ["my.toml: 策略文件有误 (invalid policy)", line]


def test_a_whole_number_is_a_number() -> None:
    text = default_policy_text().replace("speed_kmh = 25.0", "speed_kmh = 30")
    assert parse_policy(text).travel.speed_kmh == 30.0


def test_two_rules_with_one_code_are_refused() -> None:
    """A copied [[risk.rules]] block whose code was not renamed was accepted: two conditions
    behind one code in every raised household's reasons."""
    text = default_policy_text().replace(
        'code = "relapse_watch_serious_illness"', 'code = "alone_dangerous_housing"'
    )
    with pytest.raises(PolicyError) as exc:
        parse_policy(text, "my.toml")
    assert str(exc.value).splitlines() == [
        "my.toml: 策略文件有误 (invalid policy)",
        "  - risk.rules: 规则代码重复: alone_dangerous_housing (each [[risk.rules]] needs its "
        "own code; repeated: alone_dangerous_housing)",
    ]


def test_a_utf8_file_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    """Notepad's UTF-8 starts with a byte-order mark; it read as a TOML error at line 1."""
    path = tmp_path / "p.toml"
    path.write_bytes(b"\xef\xbb\xbf" + default_policy_text().encode("utf-8"))
    assert load_policy(path) == load_policy()


def test_a_policy_file_that_cannot_be_read_says_why(tmp_path: Path) -> None:
    gbk = tmp_path / "gbk.toml"  # a Chinese editor's default encoding: it raised a traceback
    gbk.write_bytes("# 文山州策略\n[travel]\nspeed_kmh = 25.0\n".encode("gbk"))
    folder = tmp_path / "policy.toml"
    folder.mkdir()
    expected = {
        gbk: "策略文件编码不是 UTF-8, 请另存为 UTF-8 (cannot read policy file: not UTF-8 text; "
        "save it as UTF-8)",
        folder: "策略文件是目录, 不是文件 (cannot read policy file: Is a directory)",
    }
    for path, why in expected.items():
        with pytest.raises(PolicyError) as exc:
            load_policy(path)
        assert str(exc.value) == f"{path}: {why}"
    with pytest.raises(PolicyError) as exc:
        parse_policy("[travel]\nspeed_kmh = = 25\n", "bad.toml")
    assert str(exc.value) == (
        "bad.toml: TOML 格式错误, 第 2 行第 13 列 (TOML syntax error: Invalid value (at line 2, "
        "column 13))"
    )
    # as the model spec's TOML error, English alone on a stream without Chinese (it read
    # "bad.toml: TOML not valid TOML: Invalid value ...": "TOML" twice)
    assert narrow(str(exc.value), "ascii") == (
        "bad.toml: TOML syntax error: Invalid value (at line 2, column 13)"
    )


def test_a_policy_file_not_there_is_refused_as_every_input_path(tmp_path: Path) -> None:
    """A --policy that is not there read "策略文件不存在 (cannot read policy file: No such
    file or directory)", where every other input the user names reads as not_found words it:
    the option, the path, 找不到文件或目录 (no such file or directory)."""
    gone = tmp_path / "nope.toml"
    with pytest.raises(PolicyError) as exc:
        load_policy(gone)
    assert str(exc.value) == not_found(gone, "--policy")
    assert str(exc.value) == f"--policy {gone}: 找不到文件或目录 (no such file or directory)"
    with pytest.raises(PolicyError) as exc:  # a policy a program found: named by its path
        load_policy(gone, given_as=None)
    assert str(exc.value) == f"{gone}: 找不到文件或目录 (no such file or directory)"


def test_not_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="TOML syntax error"):
        parse_policy("tiers = [", "bad.toml")
    with pytest.raises(PolicyError, match="no such file or directory"):
        load_policy(tmp_path / "nope.toml")


def test_the_embedded_policy_is_the_assignment_default() -> None:
    # One configuration model: unit tests that build AssignmentSettings() run the production
    # objective (balance term included).
    from assignment.domain import AssignmentSettings
    from visit_planner.policy import settings_from_policy

    assert settings_from_policy(load_policy()) == AssignmentSettings()


def test_importing_the_light_modules_does_not_load_the_solvers() -> None:
    import subprocess
    import sys

    code = (
        "import sys, assignment, assignment.explain, assignment.alternatives, "
        "assignment.validator, visit_planner.policy; "
        "print(sorted(m for m in ('ortools', 'highspy', 'scipy.optimize') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("minutes_on_site = 45.0", "minutes_on_site = 4500.0",
         "  - tiers.1.minutes_on_site: 不得大于 480.0 (must be <= 480.0; got 4500.0)"),
        ("visits_per_month = 2.0", "visits_per_month = 20.0e1",
         "  - tiers.1.visits_per_month: 不得大于 31.0 (must be <= 31.0; got 200.0)"),
    ],
)  # fmt: skip
def test_a_visit_longer_than_a_working_day_or_more_than_daily_is_refused(
    old: str, new: str, line: str
) -> None:
    """4500 typed for 45 minutes on site was accepted: the run solved, then left all of the
    tier's households uncovered (exit 3, each "needs more than a new cadre's 24 h"). A
    visit of more than a working day, or more than one a day, is refused before anything
    runs, naming the key and the value."""
    text = default_policy_text()
    assert old in text
    with pytest.raises(PolicyError) as exc:
        parse_policy(text.replace(old, new, 1), "my.toml")
    assert str(exc.value).splitlines() == ["my.toml: 策略文件有误 (invalid policy)", line]


def test_the_longest_visit_and_the_daily_cadence_are_allowed() -> None:
    text = (
        default_policy_text()
        .replace("minutes_on_site = 45.0", "minutes_on_site = 480.0", 1)
        .replace("visits_per_month = 2.0", "visits_per_month = 31.0", 1)
    )
    policy = parse_policy(text)
    assert policy.tier(1).minutes_on_site == 480.0
    assert policy.tier(1).visits_per_month == 31.0
