"""Problems found in input data, and how they are worded for users.

A :class:`Problem` names the file, the column or field, the rule and the first offending ids,
so a planner can fix the source without reading code. Errors stop the run; warnings are shown
and the named rows are left out (never silently).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from visit_planner.vocabulary import SEVERITY

MAX_IDS_SHOWN = 5

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One broken rule in one file, with the first few offending ids."""

    file: str
    column: str
    rule: str
    ids: tuple[str, ...] = ()
    count: int = 0
    severity: Severity = "error"
    examples: tuple[str, ...] = field(default=())
    columns: tuple[str, ...] = field(default=())  # several columns (``column`` joins them)

    @classmethod
    def of_columns(
        cls, file: str, names: Sequence[str], rule: str, severity: Severity = "error"
    ) -> Problem:
        """One problem of several columns (missing ones, ones outside the contract): each
        quoted in the message, ``columns 'a', 'b'``, not ``column 'a, b'`` (one name that
        no file has); ``column`` still holds them joined, for sorting and merging."""
        return cls(file, ", ".join(names), rule, severity=severity, columns=tuple(names))

    def where(self) -> str:
        """The file, and the column or columns, as the message begins."""
        if len(self.columns) > 1:
            quoted = ", ".join(f"'{c}'" for c in self.columns)
            return f"{self.file}: columns {quoted}"
        return f"{self.file}: column '{self.column}'" if self.column else self.file

    @property
    def order(self) -> tuple[bool, str, str]:
        """Where it is listed among others: errors first, then by file and column."""
        return (self.severity != "error", self.file, self.column)

    def labelled(self) -> str:
        """The message after its severity in both languages: ``警告 WARNING: FILE: …``."""
        return f"{SEVERITY.get(self.severity, self.severity)}: {self.message()}"

    def message(self) -> str:
        """The one-line user message."""
        text = f"{self.where()}: {self.rule}"
        if self.count:
            labelled = [
                f"{i} ({v})" if v else i
                for i, v in zip(self.ids, self.examples or ("",) * len(self.ids), strict=False)
            ][:MAX_IDS_SHOWN]
            shown = list(dict.fromkeys(labelled))  # a repeated id (a duplicate) named once
            if len(shown) < len(labelled):  # the rows outnumber their ids: no count of ids
                more = " and more" if self.count > len(labelled) else ""
            else:
                more = f" and {self.count - len(shown):,} more" if self.count > len(shown) else ""
            noun = "row" if self.count == 1 else "rows"
            text += f" — {self.count:,} {noun}: {', '.join(shown)}{more}"
        return text


def format_problems(problems: Sequence[Problem]) -> str:
    """All problems, errors first, one per line, each labelled in both languages:
    ``警告 WARNING: FILE: column 'c': rule — 2 rows: H1, H2``."""
    return "\n".join(p.labelled() for p in sorted(problems, key=lambda p: p.order))
