"""Command-line usage errors (a mistyped option, a missing value, a number out of range) in
both languages, Chinese first, as every other message of the CLI.

Typer (and the Click under it) words these errors in English only and has no setting or
message catalogue for them: Typer 0.29's own copy of Click builds them as f-strings. So the
finished English message is read here and given a Chinese lead for each of the forms Typer
and Click write (:data:`LEADS`, :data:`DETAILS`), ``中文 (English)`` as the CLI's own errors
are, the English kept whole. A form not known here (a newer Typer's) still reads Chinese
first, as a usage error in general (:data:`GENERAL`); a message that already starts in
Chinese (the CLI's own checks of option values) is left as it is. The panel's title and
the line pointing to ``--help`` are Typer's module constants, set here too.

:func:`bilingual_usage_errors` installs this on Typer's error printer; importing
:mod:`visit_planner.cli._app` calls it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from typer import rich_utils

from visit_planner.contracts.input_paths import NOT_FOUND_ZH
from visit_planner.vocabulary import SEVERITY

# A lead form: the English message's start (named groups) and its Chinese, which names the
# same groups. Tried in order; the first that matches the whole message's start is used.
LEADS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"No such option:? (?P<opt>\S+?)\.?(?=$|\s)"), "没有选项 {opt}"),
    (re.compile(r"No such command:? (?P<cmd>\S+?)\.?(?=$|\s)"), "没有命令 {cmd}"),
    (re.compile(r"Option (?P<opt>\S+) requires (?:an argument|\d+ arguments)\."),
     "选项 {opt} 需要取值"),
    (re.compile(r"Option (?P<opt>\S+) does not take a value\."), "选项 {opt} 不取值"),
    (re.compile(r"Got unexpected extra arguments? ?(?:\(s\))? \((?P<args>.*)\)"),
     "多余的参数: {args}"),
    (re.compile(r"Missing argument (?P<hint>.+?)\."), "缺少参数 {hint}"),
    (re.compile(r"Missing option (?P<hint>.+?)\."), "缺少选项 {hint}"),
    (re.compile(r"Missing parameter:? (?P<hint>.+?)\.?$"), "缺少参数 {hint}"),
    (re.compile(r"Missing command\."), "缺少子命令"),
    (re.compile(r"Invalid value for (?P<hint>.+?): "), "{hint} 取值无效"),
    (re.compile(r"Invalid value: "), "取值无效"),
)  # fmt: skip

# What an invalid value's detail says (after "Invalid value for X: "), in Chinese. Tried in
# order; the first that matches anywhere in the detail is added to the lead after a colon.
DETAILS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?P<value>'[^']*') is not one of (?P<choices>.+?)\.?$"),
     "{value} 不在可选值 {choices} 之中"),
    (re.compile(r"(?P<value>'[^']*') is not a valid integer"), "{value} 不是整数"),
    (re.compile(r"(?P<value>'[^']*') is not a valid float"), "{value} 不是数字"),
    (re.compile(r"valid integer"), "应为整数"),
    (re.compile(r"valid number"), "应为数字"),
    (re.compile(r"valid boolean|be 'true' or 'false'"), "应为 true 或 false"),
    (re.compile(r"less than or equal to (?P<n>\S+?)\.?$"), "应不大于 {n}"),
    (re.compile(r"greater than or equal to (?P<n>\S+?)\.?$"), "应不小于 {n}"),
    (re.compile(r"less than (?P<n>\S+?)\.?$"), "应小于 {n}"),
    (re.compile(r"greater than (?P<n>\S+?)\.?$"), "应大于 {n}"),
    (re.compile(r"is not in the range (?P<range>.+?)\.?$"), "不在范围 {range} 内"),
    (re.compile(r"(?P<path>'[^']*') does not exist"), f"{{path}}: {NOT_FOUND_ZH}"),
    (re.compile(r"(?P<path>'[^']*') is a file"), "{path} 是文件, 应为目录"),
    (re.compile(r"(?P<path>'[^']*') is a directory"), "{path} 是目录, 应为文件"),
    (re.compile(r"(?P<path>'[^']*') is not readable"), "{path} 不可读"),
    (re.compile(r"(?P<path>'[^']*') is not writable"), "{path} 不可写"),
)  # fmt: skip

SUGGESTION = re.compile(r"Did you mean (?P<what>.+?)\?|\(Possible options: (?P<options>.+?)\)")
"""Click's and Typer's suggestion after a mistyped option or command."""

GENERAL = "命令行用法错误"
"""The Chinese lead of a usage error of a form not in :data:`LEADS`."""

ERRORS_PANEL_TITLE = SEVERITY["error"]
"""The error panel's title: the label of every other error of the CLI."""
HELP_HINT = "查看帮助 (for help): [blue]'{command_path} {help_option}'[/]"
"""Typer's "Try 'visit-planner plan --help' for help." line, Chinese first."""

_CJK = re.compile(r"[\u3400-\u9fff]")


def in_both_languages(message: str) -> str:
    """``message`` (a usage error as Typer or Click words it) as ``中文 (English)``: the
    Chinese of its form and of what it says of the value, and any suggestion; unchanged when
    it already starts in Chinese.

    >>> in_both_languages("No such option: --bogus")
    '没有选项 --bogus (No such option: --bogus)'
    >>> in_both_languages("Invalid value for '--scale': Input should be a valid number")
    "'--scale' 取值无效: 应为数字 (Invalid value for '--scale': Input should be a valid number)"
    """
    text = message.strip()
    if not text or _CJK.match(text):
        return message
    zh = GENERAL
    for form, chinese in LEADS:
        lead = form.match(text)
        if lead is not None:
            zh = chinese.format(**lead.groupdict())
            rest = text[lead.end() :]
            if _CJK.search(rest):  # the CLI's own check of the value, in both languages
                return f"{zh}: {rest}"
            detail = _detail(rest)
            if detail:
                zh = f"{zh}: {detail}"
            break
    suggestion = SUGGESTION.search(text)
    if suggestion is not None:
        zh = f"{zh}; 是否要用 {suggestion['what'] or suggestion['options']}?"
    return f"{zh} ({text})"


def _detail(rest: str) -> str:
    """The Chinese of what an invalid value's English detail says ("" when not known)."""
    for form, chinese in DETAILS:
        found = form.search(rest)
        if found is not None:
            return chinese.format(**found.groupdict())
    return ""


def _in_both_languages_printer(print_error: Callable[[Any], None]) -> Callable[[Any], None]:
    """Typer's error printer ``print_error``, the exception's message put in both languages
    (:func:`in_both_languages`) first."""

    def print_in_both_languages(error: Any) -> None:
        english = error.format_message
        error.format_message = lambda: in_both_languages(english())
        print_error(error)

    print_in_both_languages.wrapped = print_error  # type: ignore[attr-defined]
    return print_in_both_languages


def bilingual_usage_errors() -> None:
    """Make Typer print usage errors Chinese first (:func:`in_both_languages`), under a
    panel titled :data:`ERRORS_PANEL_TITLE`, with :data:`HELP_HINT`; idempotent. Typer's
    ``rich_utils.rich_format_error`` is looked up when an error is printed, so replacing it
    here takes effect for every command."""
    if not hasattr(rich_utils.rich_format_error, "wrapped"):
        rich_utils.rich_format_error = _in_both_languages_printer(  # type: ignore[assignment]
            rich_utils.rich_format_error
        )
    rich_utils.ERRORS_PANEL_TITLE = ERRORS_PANEL_TITLE
    rich_utils.RICH_HELP = HELP_HINT
