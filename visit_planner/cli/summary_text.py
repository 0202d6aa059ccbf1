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
            for part in Text(line).wrap(console, max(20, console.width - 2)):
                console.print("  " + part.plain.rstrip(), highlight=False, markup=False)


def print_coverage(diagnostics: pl.DataFrame) -> None:
    """Whether tier-1 coverage is proven maximal, Chinese then English, the townships not
    proven by name and code; continuation lines indented (reads at 80 columns)."""
    from assignment.diagnostics import coverage_summary
    from visit_planner.contracts.places import place_label

    for line in coverage_summary(diagnostics, place_label):
        for i, part in enumerate(Text(line).wrap(console, max(20, console.width - 2))):
            console.print(("  " if i else "") + part.plain.rstrip(), highlight=False, markup=False)


def wrap_at_spaces(text: str, width: int) -> list[str]:
    """``text`` broken at spaces into lines of at most ``width`` cells (a Chinese character is
    two), never inside a word: an id, a path or a number longer than ``width`` stays whole on
    a line of its own. Runs of spaces where a line breaks are dropped."""
    lead = text[: len(text) - len(text.lstrip(" "))]  # a line's own indent is kept
    lines: list[str] = []
    line = lead
    for word in (w for w in text.split(" ") if w):
        if line.strip() and cell_len(line) + 1 + cell_len(word) > width:
            lines.append(line)
            line = ""
        line = f"{line} {word}" if line.strip() else line + word
    return [*lines, line]


def wrapped_lines(lines: Sequence[str], width: int) -> list[str]:
    """``lines`` (the first one a heading) laid out at ``width`` columns by
    :func:`wrap_at_spaces`: every line after the first indented two spaces, every
    continuation two more (a hanging indent)."""
    out = []
    for n, line in enumerate(lines):
        indent = "  " if n else ""
        for i, part in enumerate(wrap_at_spaces(line, max(20, width - len(indent) - 2))):
            out.append(indent + ("  " if i else "") + part.rstrip())
    return out


def print_wrapped(lines: Sequence[str], out: Console = console, *, style: str = "") -> None:
    """``lines`` (the first one a heading), each wrapped at ``out``'s width at spaces (never
    inside an id), every line after the first and every continuation indented two spaces."""
    for line in wrapped_lines(lines, out.width):
        out.print(Text(line, style=style), highlight=False)


def print_input_notes(
    warnings: Sequence[Problem], issues: Sequence[str], *, limit: int = 20
) -> None:
    """What was left out of the inputs, on stderr: the readers' warnings (a column outside a
    contract, in :func:`~visit_planner.contracts.format_problems`'s wording, as ``validate``
    prints them) and the input issues (``中文 / English``, one language a line), at most
    ``limit`` of those (the rest are in the diagnostics); wrapped to the terminal."""
    if warnings:
        from visit_planner.contracts import format_problems

        for line in format_problems(warnings).splitlines():
            print_wrapped([line], err_console, style="yellow")
    for text in issues[:limit]:
        zh, *rest = bilingual_lines(text) or [text]
        print_wrapped([f"input 输入: {zh}", *rest], err_console, style="yellow")
    if len(issues) > limit:
        err_console.print(
            f"… {len(issues) - limit} more input issues in diagnostics (其余输入问题见诊断文件)",
            highlight=False,
        )
