"""Messages read Chinese first: no error, warning or line of ``visit_planner``, ``assignment``
or ``risk_model`` is left in the old ``English (中文)`` order, whose Chinese came last as a
summary in brackets (``no run 'x' in the store (找不到方案)``). They are written
``中文 (English)`` (an error: ``找不到方案 (no run 'x' in the store)``, read by
:func:`visit_planner.vocabulary.zh_en`) or ``中文 English`` / ``中文 / English`` (a line).

Docstrings and comments are not messages and are not read. The commands' ``--help`` texts
are read from the command tree Typer builds (:func:`test_every_help_text_reads_chinese_first`):
each command's and option's help, the ``--help`` option's own included, opens with its
Chinese, ``中文 — English`` (``生成模拟数据 — Write a synthetic prefecture or its next month.``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer._click import Command, Context  # Typer 0.29 builds on its own copy of Click

import assignment
import risk_model
import visit_planner
from visit_planner.cli import app

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


HELP_FORM = re.compile(rf"^(?:[A-Za-z][\w-]* )?[{CJK}][^\n—]*? — \S")
"""A help text's first line: Chinese first (after a name such as ``MLflow`` or ``JSON`` at
most: ``MLflow 地址``), then `` — `` and the English."""


def _help_texts(command: Command, path: str) -> Iterator[tuple[str, str]]:
    """``(where, text)`` for the help of ``command``, of its options and arguments and of its
    ``--help`` option (Click's, not among ``params``: it reads "Show this message and exit."
    unless the app words it), and so on down every sub-command, visible or hidden."""
    yield path, command.help or ""
    if command.epilog:
        yield f"{path} (epilog)", command.epilog
    for param in [*command.params, command.get_help_option(Context(command))]:
        if param is not None:
            yield f"{path} {param.opts[0]}", getattr(param, "help", None) or ""
    for name, sub in getattr(command, "commands", {}).items():
        yield from _help_texts(sub, f"{path} {name}")


HELP_TEXTS = list(_help_texts(typer.main.get_command(app), "visit-planner"))


def test_every_help_text_reads_chinese_first() -> None:
    assert len(HELP_TEXTS) > 150  # the root, ~35 commands and their options, all read
    helps = [where for where, _ in HELP_TEXTS if where.endswith(" --help")]
    assert len(helps) > 35  # every command's and group's own --help option, read too
    found = [(where, text[:80]) for where, text in HELP_TEXTS if not HELP_FORM.search(text)]
    assert found == [], f"write these 中文 — English: {found}"


def test_the_help_rule_finds_the_old_order_and_an_empty_help() -> None:
    assert not HELP_FORM.search("Write a synthetic prefecture or its next month (生成模拟数据).")
    assert not HELP_FORM.search("Policy TOML file (default: the embedded policy).")
    assert not HELP_FORM.search("")
    assert not HELP_FORM.search("Policy TOML file (策略文件) — the embedded one by default.")
    assert HELP_FORM.search("MLflow 地址 — MLflow tracking URI.")
    assert HELP_FORM.search("生成模拟数据 — Write a synthetic prefecture or its next month.")
    assert not HELP_FORM.search("Show this message and exit.")  # Click's --help, as it was


def test_the_help_option_reads_chinese_first_where_it_is_shown(cli) -> None:  # type: ignore[no-untyped-def]
    """``--help`` lists itself, last, in Chinese first like the options above it; Click's
    English-only line is gone from every level (the root, a command, a sub-app's command)."""
    for args in ([], ["validate"], ["runs", "list"]):
        code, out, _ = cli(*args, "--help")
        assert code == 0
        flat_out = " ".join(out.split())
        assert "--help 显示本帮助并退出 — Show this message and exit." in flat_out, out
        assert flat_out.count("Show this message and exit.") == 1
