"""Usage errors (a mistyped option, a missing or bad value) read Chinese first, the English
whole beside it (visit_planner.cli.usage_errors)."""

from __future__ import annotations

import pytest

from visit_planner.cli.usage_errors import GENERAL, in_both_languages

FORMS = [
    ("No such option: --bogus", "没有选项 --bogus"),
    ("No such option: --mnth Did you mean --month?", "没有选项 --mnth; 是否要用 --month?"),
    ("No such command 'shwo'. Did you mean 'show'?", "没有命令 'shwo'; 是否要用 'show'?"),
    ("Option '--month' requires an argument.", "选项 '--month' 需要取值"),
    ("Option '--dry-run' does not take a value.", "选项 '--dry-run' 不取值"),
    ("Got unexpected extra argument(s) (a b)", "多余的参数: a b"),
    ("Got unexpected extra argument (a)", "多余的参数: a"),
    ("Missing argument 'directory'.", "缺少参数 'directory'"),
    ("Missing option '--scores'.", "缺少选项 '--scores'"),
    (
        "Invalid value for '--executor': Value error, 'foo' is not one of 'local', 'dask'.",
        "'--executor' 取值无效: 'foo' 不在可选值 'local', 'dask' 之中",
    ),
    (
        "Invalid value for '--scale': Input should be a valid number, unable to parse string",
        "'--scale' 取值无效: 应为数字",
    ),
    ("Invalid value for '--seed': Input should be a valid integer", "'--seed' 取值无效: 应为整数"),
    (
        "Invalid value for '--test-fraction': Input should be less than or equal to 0.5",
        "'--test-fraction' 取值无效: 应不大于 0.5",
    ),
    (
        "Invalid value for '--seed': Input should be greater than or equal to 0",
        "'--seed' 取值无效: 应不小于 0",
    ),
    ("Invalid value for '--n': Input should be greater than 0", "'--n' 取值无效: 应大于 0"),
    (
        "Invalid value for '--run': Directory 'x' does not exist.",
        "'--run' 取值无效: 'x': 找不到文件或目录",
    ),
    (
        "Invalid value for '--plan': File 'd' is a directory.",
        "'--plan' 取值无效: 'd' 是目录, 应为文件",
    ),
]


@pytest.mark.parametrize(("english", "chinese"), FORMS)
def test_each_form_reads_chinese_first_with_the_english_whole(english: str, chinese: str) -> None:
    assert in_both_languages(english) == f"{chinese} ({english})"


def test_a_form_not_known_reads_as_a_usage_error_and_chinese_is_left_as_it_is() -> None:
    assert in_both_languages("Something new went wrong.") == (
        f"{GENERAL} (Something new went wrong.)"
    )
    own = "角色无效 (use one of planner, supervisor)"
    assert in_both_languages(own) == own
    # The CLI's own check of a value, behind Typer's English lead: the lead in Chinese, the
    # check's own words after it, not repeated.
    assert in_both_languages(f"Invalid value for --role: 'admin': {own}") == (
        f"--role 取值无效: 'admin': {own}"
    )


def test_a_mistyped_option_is_told_in_both_languages_with_the_help_line(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("plan", "--bogus")
    assert run.code == 2
    assert "没有选项 --bogus (No such option: --bogus)" in run.err
    assert "错误 ERROR" in run.err
    # In process the program's name is pytest's; the hint names the command and --help.
    assert "查看帮助 (for help): '" in run.err and " plan --help'" in run.err
    assert "Traceback" not in run.err


def test_a_value_out_of_range_names_the_option_and_the_limit(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("train", "--test-fraction", "0.9", "--data", "x")
    assert run.code == 2
    flat = " ".join(run.err.split())  # the panel wraps at the console's width
    assert "'--test-fraction' 取值无效: 应不大于 0.5 (Invalid value for '--test-fraction'" in flat
