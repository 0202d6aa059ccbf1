"""One wording per term across the command line: the glossary (visit_planner/vocabulary.py)
and the CLI's texts, none of which uses a wording the glossary replaced."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import visit_planner.cli
from visit_planner.vocabulary import (
    AVOIDED,
    PLAN_STAGES,
    PRODUCT,
    ROLE_TERMS,
    RUN_STATUS_ZH,
    TERMS,
    TIER_TERMS,
    plan_stage,
    plan_stage_key,
    term,
)

CLI = Path(visit_planner.cli.__file__).parent


def _texts(module: Path) -> list[tuple[int, str]]:
    """Every string constant of ``module`` (f-strings' literal parts and docstrings too)."""
    tree = ast.parse(module.read_text("utf-8"))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def test_the_glossary_has_one_wording_per_term() -> None:
    for words in (TERMS, TIER_TERMS, ROLE_TERMS):
        zh = [z for z, _ in words.values()]
        en = [e for _, e in words.values()]
        assert len(set(zh)) == len(zh) and len(set(en)) == len(en), words
    assert TERMS["worker"] == ("人员", "worker") and TERMS["household"] == ("农户", "household")
    assert TERMS["tier"] == ("类别", "tier") and TERMS["actor"] == ("操作人", "by")
    assert [z for z, _ in TIER_TERMS.values()] == ["一类户", "二类户", "三类户"]
    assert [z for z, _ in ROLE_TERMS.values()] == ["基层干部", "村组干部", "网格员"]
    assert term("tier1_uncovered") == "一类户未覆盖 tier-1 uncovered"
    assert term("actor", "\n", english_first=True) == "by\n操作人"


def test_plan_stages_are_printed_chinese_first_and_read_back_by_their_english_name() -> None:
    assert list(PLAN_STAGES) == [
        "validate", "overrides", "score", "assign", "explain", "check", "publish",
    ]  # fmt: skip
    assert plan_stage("assign") == "分配 / assign"
    assert [plan_stage_key(plan_stage(k)) for k in PLAN_STAGES] == list(PLAN_STAGES)


@pytest.mark.parametrize("module", sorted(CLI.glob("*.py")), ids=lambda p: p.name)
def test_no_cli_text_uses_a_replaced_wording(module: Path) -> None:
    found = [
        (line, word, f"use {AVOIDED[word]}")
        for line, text in _texts(module)
        for word in AVOIDED
        if word in text.replace(PRODUCT[0], "")  # the product's name is a name
    ]
    assert found == [], f"{module.name}: {found}"


def test_a_rollback_is_worded_as_the_run_status_words_it() -> None:
    """``runs rollback``'s help and the audit log's name of a rollback said 回退 while the
    run status (已回滚), the store's refusals and the dashboard's button say 回滚."""
    from visit_planner.cli.audit_text import AUDIT_ACTIONS

    assert RUN_STATUS_ZH["rolled_back"] == "已回滚"
    assert AUDIT_ACTIONS["rollback"] == ("回滚方案", "run rolled back")
    found = [
        (module.name, line)
        for module in sorted(CLI.glob("*.py"))
        for line, text in _texts(module)
        if "回退" in text
    ]
    assert found == []
