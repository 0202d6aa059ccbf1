"""Messages read Chinese first: no error, warning or line of ``visit_planner``, ``assignment``
or ``risk_model`` is left in the old ``English (中文)`` order, whose Chinese came last as a
summary in brackets (``no run 'x' in the store (找不到方案)``). They are written
``中文 (English)`` (an error: ``找不到方案 (no run 'x' in the store)``, read by
:func:`visit_planner.vocabulary.zh_en`) or ``中文 English`` / ``中文 / English`` (a line).

Docstrings, comments and the commands' ``--help`` texts are not messages and are not read.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import assignment
import risk_model
import visit_planner

CJK = "\u4e00-\u9fff"
ENGLISH_THEN_CHINESE = re.compile(rf"^[^{CJK}]*[A-Za-z]{{3}}[^{CJK}]*\(\s*[{CJK}]")
"""English words and no Chinese before a bracket that opens with Chinese."""

SKIPPED = (
    "migrations",  # SQL of applied migrations: a trigger's text, not Python's
    "card.py",  # the model card, an English document that names the product in Chinese
)

PACKAGES = [Path(p.__file__).parent for p in (visit_planner, assignment, risk_model)]
MODULES = sorted(
    path
    for root in PACKAGES
    for path in root.rglob("*.py")
    if not any(part in SKIPPED for part in path.parts)
)


def _text(node: ast.AST) -> str | None:
    """A string literal or f-string as text, its placeholders as ``{}``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def _messages(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every string of a module but docstrings (a string alone as a statement) and
    ``help=`` and ``epilog=`` texts (``--help``); an f-string once, whole."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) or (
            isinstance(node, ast.keyword) and node.arg in ("help", "epilog")
        ):
            skip.add(id(node.value))
        elif isinstance(node, ast.JoinedStr):
            skip.update(id(v) for v in node.values)
    for node in ast.walk(tree):
        text = _text(node)
        if text is not None and id(node) not in skip:
            yield node.lineno, text


def test_the_rule_finds_the_old_order_and_passes_the_new() -> None:
    old = [
        "no run {} in the store (找不到方案)",
        "{}: the households table has no rows (没有农户)",
        "month must be YYYY-MM, got {} (月份格式应为 YYYY-MM)",
    ]
    new = [
        "找不到方案 (no run {} in the store)",
        "{}: 没有农户 (the households table has no rows)",
        "换人率 churn: {} (类别未变 tier unchanged)",
        "已输出 wrote {} 份清单 sheets",
        "{} (did not match)",
    ]
    assert all(ENGLISH_THEN_CHINESE.search(t) for t in old)
    assert not any(ENGLISH_THEN_CHINESE.search(t) for t in new)


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_no_message_is_left_english_first(module: Path) -> None:
    tree = ast.parse(module.read_text("utf-8"))
    found = [
        (line, text[:120])
        for line, text in _messages(tree)
        if any(ENGLISH_THEN_CHINESE.search(part) for part in text.split("\n"))
    ]
    assert found == [], f"{module}: write these 中文 (English): {found}"
