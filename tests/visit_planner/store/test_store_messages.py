"""The store's refusals are written ``中文 (English)``, as the contracts' problems, and
:func:`visit_planner.vocabulary.zh_en` - the one place that knows the form - splits them into
their two languages (what a page showing one language reads)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest

from tests.visit_planner.store.helpers import make_record, make_townships
from visit_planner.errors import StoreError
from visit_planner.store import Store
from visit_planner.store.checks import check_choice, check_month, require_text
from visit_planner.store.engine import parse_store_url
from visit_planner.store.users import check_password, check_role, check_scope, check_username
from visit_planner.vocabulary import zh_en

CJK = re.compile("[\u4e00-\u9fff]")


def test_zh_en_splits_chinese_first_messages_and_nothing_else() -> None:
    assert zh_en("run 3f2a: 没有乡镇 (a run needs at least one township)") == (
        "run 3f2a: 没有乡镇",
        "run 3f2a: a run needs at least one township",
    )
    # the place is the longest lead before the Chinese: the file and the column
    assert zh_en("x/h.csv: column 'members': 类型错误 (value is not a valid Int16)") == (
        "x/h.csv: column 'members': 类型错误",
        "x/h.csv: column 'members': value is not a valid Int16",
    )
    # the English may hold brackets and colons of its own
    assert zh_en("数据库结构版本过旧 (at version 1 (old): run `x`)") == (
        "数据库结构版本过旧",
        "at version 1 (old): run `x`",
    )
    # not of the form: the old English-first order, a '中文 / English' pair, English only
    assert zh_en("run abc is already the current run of 2026-11 (已是当前方案)") is None
    assert zh_en("工作区 x 不存在 / workspace x does not exist") is None
    assert zh_en("no such file") is None


def _refusal(call: Callable[[], object]) -> str:
    with pytest.raises(StoreError) as err:
        call()
    return str(err.value)


def _checks() -> list[str]:
    return [
        _refusal(lambda: check_month("May")),
        _refusal(lambda: require_text(" ", "reason")),
        _refusal(lambda: check_choice("x", ("a", "b"), "status")),
        _refusal(lambda: check_username("A")),
        _refusal(lambda: check_role("boss")),
        _refusal(lambda: check_scope("supervisor", "prefecture", None)),
        _refusal(lambda: check_scope("viewer", "county", "53")),
        _refusal(lambda: check_password("short")),
        _refusal(lambda: check_password("123456789012")),
        _refusal(lambda: check_password("wang.fang.2026x", "wang.fang")),
        _refusal(lambda: parse_store_url("mysql://h/db")),
    ]


def test_every_store_refusal_reads_chinese_first_with_the_english_in_brackets(
    store: Store,
) -> None:
    first = make_record()
    store.publish_run(first, actor="planner01", townships=make_townships())
    current = _refusal(lambda: store.rollback("2026-05", first.run_id, actor="a", reason="r"))
    refusals = [
        *_checks(),
        current,
        _refusal(lambda: store.get_run("0000dead")),
        _refusal(lambda: store.get_run("x")),
        _refusal(lambda: store.rollback("2026-06", first.run_id, actor="a", reason="r")),
        _refusal(lambda: store.publish_run(first, actor="p", townships=make_townships())),
        _refusal(lambda: store.get_override(99)),
        _refusal(lambda: store.get_user("nobody")),
        _refusal(
            lambda: store.add_override(
                "pin", "H1", author="a", reason="r", worker_id="W1", expires_on=date(2000, 1, 1)
            )
        ),
        _refusal(lambda: store.add_override("tier", "H1", author="a", reason="r")),
    ]
    for text in refusals:
        parts = zh_en(text)
        assert parts is not None, text
        zh, en = parts
        assert CJK.search(zh) and not CJK.search(en), text
    assert zh_en(current) == (  # the whole English, its details kept
        "已是当前方案",
        f"run {first.run_id} is already the current run of 2026-05",
    )


def test_a_missing_value_and_a_month_out_of_range_are_named_in_chinese_too() -> None:
    """``runs rollback --reason " "`` said 'reason 不能为空': the Chinese half named the value
    in English; ``--month 2026-13`` 'is not of the form YYYY-MM', which it is."""
    assert _refusal(lambda: require_text(" ", "reason")) == (
        "原因不能为空 (reason is required and cannot be empty)"
    )
    assert _refusal(lambda: require_text("", "household id")).startswith("农户编号不能为空 (")
    assert _refusal(lambda: require_text(None, "plan_sha256")).startswith("必填项不能为空 (")
    assert _refusal(lambda: check_month("2026-13")) == (
        "月份格式应为 YYYY-MM, 月为 01-12 (month '2026-13' is not of the form YYYY-MM, with "
        "the month 01 to 12)"
    )
