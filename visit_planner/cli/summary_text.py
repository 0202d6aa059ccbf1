"""Lines shared by the summaries of ``assign``, ``plan`` and ``demo``: places by name and code,
one language a line where a sentence would wrap at 80 columns."""

from __future__ import annotations

import re

import polars as pl
from rich.text import Text

from assignment.diagnostics import coverage_summary
from visit_planner.cli._app import console
from visit_planner.contracts.places import place_label

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
    for line in coverage_summary(diagnostics, place_label):
        for i, part in enumerate(Text(line).wrap(console, max(20, console.width - 2))):
            console.print(("  " if i else "") + part.plain.rstrip(), highlight=False, markup=False)
