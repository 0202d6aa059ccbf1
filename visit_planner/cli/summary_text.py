"""Lines shared by the summaries of ``assign``, ``plan`` and ``demo``: places by name and code,
one language a line where a sentence would wrap at 80 columns.

Light to import (the CLI's error printer uses :func:`wrapped_lines` on every run): polars, the
contracts (pandera) and the solver's diagnostics are imported by the functions that use them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from visit_planner.cli._app import console, err_console
from visit_planner.cli.narrow_encoding import (
    holds_chinese,
    narrow,
    said_in,
    says_nothing,
    says_something,
)

if TYPE_CHECKING:
    import polars as pl

    from visit_planner.contracts import Problem

_NEXT_CHINESE = re.compile(r";\s+(?=[\u4e00-\u9fff])")  # "...; 需增加" starts the next pair


def bilingual_lines(text: str) -> list[str]:
    """A ``中文 / English; 中文 / English`` text as one line per language, in order.

    Between two `` / `` the English of one pair is followed by the Chinese of the next, after
    the last ``; `` that precedes a Chinese character (an English part may itself hold a
    ``; `` and a Chinese term, as in ``(not proven; 基层干部 cadre)``)."""
    parts = text.split(" / ")
    lines = [parts[0]]
    for middle in parts[1:-1]:
        cuts = list(_NEXT_CHINESE.finditer(middle))
        if cuts:
            lines += [middle[: cuts[-1].start()], middle[cuts[-1].end() :]]
        else:
            lines.append(middle)
    if len(parts) > 1:
        lines.append(parts[-1])
    return [line.strip() for line in lines if line.strip()]


def print_shortfalls(diagnostics: pl.DataFrame) -> None:
    """Each township's tier-1 shortfall: the township by name and code, then its text one
    language a line, indented also where it wraps (reads at 80 columns and redirected)."""
    import polars as pl

    from visit_planner.contracts.places import place_label

    if not diagnostics.height or "shortfall" not in diagnostics.columns:
        return
    short = diagnostics.filter(pl.col("shortfall") != "")
    for tw, text in short.select("township_id", "shortfall").iter_rows():
        console.print(f"[yellow]{place_label(tw)}[/]:", highlight=False)
        for line in bilingual_lines(str(text)):
            if not says_something(line, console.encoding):
                continue  # its Chinese, on a stream that cannot carry it: the English follows
            for part in hanging(as_written(line, console), "  ", "  ", console.width):
                console.print(part, highlight=False, markup=False)


def print_coverage(diagnostics: pl.DataFrame) -> None:
    """Whether tier-1 coverage is proven maximal, Chinese then English, the townships not
    proven by name and code; continuation lines indented (reads at 80 columns)."""
    from assignment.diagnostics import coverage_summary
    from visit_planner.contracts.places import place_label

    for line in coverage_summary(diagnostics, place_label):
        if not says_something(line, console.encoding):
            continue  # its Chinese, on a stream that cannot carry it: the English follows
        for part in hanging(as_written(line, console), "", "  ", console.width):
            console.print(part, highlight=False, markup=False)


_NOT_AT_LINE_START = frozenset("，。、；：？！）」』》〉】,.;:!?)%")
"""Marks a line does not start with (Chinese line-breaking rules)."""
_NOT_AT_LINE_END = frozenset("（「『《〈【(")
"""Marks a line does not end with."""
_SPACES = re.compile(r"( +)")


def _wide(char: str) -> bool:
    """A character two columns wide (Chinese; full-width punctuation)."""
    return cell_len(char) == 2


def _pieces(word: str) -> list[str]:
    """``word`` cut where a line may break inside it: between two Chinese characters, never
    before a closing mark or after an opening one. A word without Chinese (an id, a path, a
    number) is one piece: it is never broken."""
    pieces, start = [], 0
    for i in range(1, len(word)):
        a, b = word[i - 1], word[i]
        if _wide(a) and _wide(b) and b not in _NOT_AT_LINE_START and a not in _NOT_AT_LINE_END:
            pieces.append(word[start:i])
            start = i
    return [*pieces, word[start:]]


def _words(text: str) -> list[tuple[str, str]]:
    """``text`` as ``(spaces before, word)`` pairs, split where a line may break at a space:
    not between a number and the Chinese word after it (``8 户``, ``26 小时``: a number keeps
    its measure word), which stay one word."""
    parts = _SPACES.split(text)
    words: list[tuple[str, str]] = []
    for i in range(0, len(parts), 2):
        sep, word = parts[i - 1] if i else "", parts[i]
        if not word:
            continue
        if words and words[-1][1][-1:].isdigit() and _wide(word[0]):
            words[-1] = (words[-1][0], words[-1][1] + sep + word)
        else:
            words.append((sep, word))
    return words


def wrap_text(text: str, width: int, *, first_width: int | None = None) -> list[str]:
    """``text`` broken into lines of at most ``width`` display columns (a Chinese character
    is two; ``first_width`` for the first line when given).

    Lines break at spaces, never between a number and its Chinese measure word; a Chinese
    word wider than a whole line also breaks between its characters (never before a closing
    mark). A word without Chinese - an id, a path, a number - is never broken: one longer
    than the line stays whole on a line of its own. A line's own indent is kept; the spaces
    where a line breaks are dropped."""
    lead = text[: len(text) - len(text.lstrip(" "))]
    limit = width if first_width is None else first_width
    lines: list[str] = []
    line = lead

    def room() -> int:
        return limit - cell_len(line)

    def new_line() -> None:
        nonlocal line, limit
        lines.append(line)
        line, limit = "", width

    for spaces, word in _words(text[len(lead) :]):
        sep = spaces if line.strip() else ""
        if cell_len(sep + word) <= room():
            line += sep + word
            continue
        pieces = _pieces(word)
        if cell_len(word) <= width or len(pieces) == 1:  # whole, on the next line
            if line.strip():
                new_line()
            line += word
            continue
        if cell_len(sep + pieces[0]) > room() and line.strip():
            new_line()
        elif line.strip():
            line += sep
        for piece in pieces:  # a Chinese word wider than a line: filled, then folded
            if cell_len(piece) > room() and line.strip():
                new_line()
            line += piece
    return [*lines, line]


def hanging(text: str, first: str, rest: str, width: int) -> list[str]:
    """``text`` wrapped (:func:`wrap_text`) to ``width`` display columns after the prefix
    ``first`` on its first line and ``rest`` on the others (a hanging indent)."""
    parts = wrap_text(
        text, max(20, width - cell_len(rest)), first_width=max(20, width - cell_len(first))
    )
    return [(rest if i else first) + part.rstrip() for i, part in enumerate(parts)]


def wrapped_lines(lines: Sequence[str], width: int) -> list[str]:
    """``lines`` (the first one a heading) laid out at ``width`` columns by
    :func:`wrap_text`: every line after the first indented two spaces, every continuation
    two more (a hanging indent)."""
    out = []
    for n, line in enumerate(lines):
        indent = "  " if n else ""
        out += hanging(line, indent, indent + "  ", width)
    return out


def as_written(text: str, out: Console) -> str:
    """``text`` as ``out`` will write it: the English alone on a stream that cannot carry
    Chinese (:func:`~visit_planner.cli.narrow_encoding.narrow`), so that it is wrapped as
    it will read, not at the width its Chinese would have taken."""
    encoding = out.encoding
    return text if holds_chinese(encoding) else narrow(text, encoding)


def print_hanging(
    text: str, out: Console = err_console, *, first: str = "", rest: str = "  ", style: str = ""
) -> None:
    """One message wrapped at ``out``'s width (:func:`hanging`): after ``first`` on its first
    line, ``rest`` on the others; never inside an id or a path. A word wider than the
    console (a long path with its ``:``) stays whole on its line: the console does not fold
    it. On a stream without Chinese the English alone is wrapped (:func:`as_written`); a
    message with nothing but Chinese to say is not printed."""
    if says_nothing(text, out.encoding):
        return
    for line in hanging(as_written(text, out), first, rest, out.width):
        out.print(Text(line, style=style), highlight=False, soft_wrap=True)


def print_wrapped(lines: Sequence[str], out: Console = console, *, style: str = "") -> None:
    """``lines`` (the first one a heading), each wrapped at ``out``'s width (never inside an
    id), every line after the first and every continuation indented two spaces. A word wider
    than the console (a long path) stays whole on its line: the console does not fold it."""
    for n, line in enumerate(lines):
        indent = "  " if n else ""  # a line of only Chinese on an ASCII stream: not printed
        print_hanging(line, out, first=indent, rest=indent + "  ", style=style)


def problem_texts(problems: Sequence[Problem]) -> list[str]:
    """One line per problem, errors first (the order of ``format_problems``), each labelled
    in both languages: ``警告 WARNING: FILE: column 'c': rule — 2 rows: H1, H2``."""
    return [p.labelled() for p in sorted(problems, key=lambda p: p.order)]


def print_problems(problems: Sequence[Problem], out: Console = err_console) -> None:
    """Each problem (:meth:`Problem.labelled`, errors first) wrapped at ``out``'s width,
    continuations indented, never inside a path or an id; warnings yellow, errors red."""
    for problem in sorted(problems, key=lambda p: p.order):
        style = "red" if problem.severity == "error" else "yellow"
        print_wrapped([problem.labelled()], out, style=style)


def print_input_notes(
    warnings: Sequence[Problem], issues: Sequence[str], *, limit: int = 20
) -> None:
    """What was left out of the inputs, on stderr: the readers' warnings (a column outside a
    contract, as ``validate`` prints them: :func:`print_problems`) and the input issues
    (``中文 / English``, one language a line, labelled ``输入 input:`` Chinese first as every
    other label, places by name and code), at most ``limit`` of those (the rest are in the
    diagnostics); wrapped to the terminal."""
    from visit_planner.contracts.places import name_places

    print_problems(warnings)
    for issue in issues[:limit]:
        text = name_places(issue)  # the issues name townships by code: "江那镇 (532622001)"
        zh, *rest = bilingual_lines(text) or [text]
        encoding = err_console.encoding
        if rest and (says_nothing(zh, encoding) or said_in(zh, " ".join(rest), encoding)):
            zh, *rest = rest  # no Chinese, and the English says it all: the label on it
        print_wrapped([f"输入 input: {zh}", *rest], err_console, style="yellow")
    if len(issues) > limit:
        err_console.print(
            f"… 其余 {len(issues) - limit} 条输入问题见诊断文件 / {len(issues) - limit} more "
            "input issues in diagnostics",
            highlight=False,
        )
