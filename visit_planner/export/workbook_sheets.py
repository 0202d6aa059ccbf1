"""The sheets of ``visit_lists.xlsx``: the export's two CSVs as a county clerk reads them.

Every row and column of ``visit_lists.csv`` and ``unassigned.csv``, in their order, under
headers in Chinese and English (:data:`labels.COLUMN_HEADERS`); codes and ids as text, so that
Excel and WPS show them as written and keep them when the file is saved again; tiers, roles and
where the reasons come from in words (一类户 tier 1, 基层干部 cadre), places by name beside their
code as in the CSV. Above each header: the month, the run and when it was published (Beijing
time), and the sheet's households by tier, to check the sheet against the index; and, for a
run that is no longer its month's current one, the notice every printed page has.

Sheets: the households on no list first (未分配农户, tier 1 first, as the index lists them),
then one sheet per county (``文山市 532601``), whose township column's filter gives a
township's lists. A sheet per county, not per township and not one for all: a county clerk's
share of a prefecture's export is one tab; a sheet per township would be over a hundred tabs
at full scale, their names cut to 31 characters; and a prefecture's million households would
not fit one sheet's 1,048,576 rows. A county that did not fit is continued on further sheets
(``文山市 532601 (2)``), none of its households left out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

import polars as pl

from assignment.domain import Role
from visit_planner import clock
from visit_planner.export import labels
from visit_planner.export.workbook import MAX_ROWS, Sheet, sheet_name

UNASSIGNED_SHEET: Final = "未分配农户 unassigned"
_UNKNOWN_COUNTY: Final = "县市未知 unknown county"


def workbook_sheets(
    rows: pl.DataFrame,
    unassigned: pl.DataFrame,
    *,
    month: str,
    run_id: str,
    stale: dict[str, str] | None,
    published: str | None = None,
    scope: dict[str, str] | None = None,
    max_rows: int = MAX_ROWS,
) -> list[Sheet]:
    """The unassigned households' sheet, then each county's visit lists (see the module
    docstring); ``rows`` and ``unassigned`` as their CSVs hold them; ``stale``: the notice of
    a run that is not current (``zh``, ``en``), None for the current run; ``published``: when
    the run was, in Beijing time (``2026-12-07 19:50``); ``scope``: the townships of a
    township-scoped export (:func:`labels.export_scope`), said below every sheet's title, and
    each county sheet's title names its townships instead of counting them; ``max_rows``:
    rows of a worksheet (smaller in tests)."""
    notices = ((f"{stale['zh']} / {stale['en']}", True),) if stale else ()
    if scope:
        notices = ((f"{scope['zh']} / {scope['en']}", False), *notices)
    where = f"{month} · 方案 run {run_id}" + (
        f" · 发布于 published {published} ({clock.ZONE})" if published else ""
    )
    n = unassigned.height
    title = (
        f"未分配农户 Unassigned households · {where}: {n:,} 户 households ({_tiers(unassigned)})"
        if n
        else f"未分配农户 Unassigned households · {where}: 0 户 — 所导出乡镇的全部农户均已分配"
        "走访人员 every household of the exported townships has a visitor"
    )
    notes = ((title, False), *notices)
    sheets = [Sheet(UNASSIGNED_SHEET, notes, _headers(unassigned, month), _words(unassigned))]
    room = max_rows - len(notices) - 2  # the title and the header
    for county, name, group in _counties(rows):
        tab = f"{name} {county}" if county else name
        place = f"{name} ({county})" if county else name
        parts = [group.slice(start, room) for start in range(0, max(group.height, 1), room)]
        for k, part in enumerate(parts, start=1):
            of = f" (第 {k}/{len(parts)} 部分 part {k} of {len(parts)})" if len(parts) > 1 else ""
            note = (
                f"走访清单 Visit lists · {where} · {place}{of}, "
                f"{_townships(part, county, named=scope is not None)}: {part.height:,} 户 "
                f"households ({_tiers(part)})"
            )
            suffix = f" ({k})" if k > 1 else ""
            sheets.append(
                Sheet(
                    sheet_name(tab)[: 31 - len(suffix)] + suffix,
                    ((note, False), *notices),
                    _headers(part, month),
                    _words(part),
                )
            )
    return sheets


def created_at(text: str, month: str) -> datetime:
    """The workbook's creation time: the run's (its manifest's ``created_at``), so that the
    same run gives the same bytes; the month's first day for a manifest without a readable
    time."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        when = datetime.fromisoformat(f"{month}-01")
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _counties(rows: pl.DataFrame) -> list[tuple[str | None, str, pl.DataFrame]]:
    """``(county code, its name, its rows)`` per county, by code (rows without a county
    last), each in the CSV's order."""
    out = []
    for (code,), group in rows.partition_by("county_id", as_dict=True, maintain_order=True).items():
        names = group["county_name"].drop_nulls()
        name = (
            (names[0] if names.len() and names[0] else labels.county_name(code) or str(code))
            if code is not None
            else _UNKNOWN_COUNTY
        )
        out.append((None if code is None else str(code), str(name), group))
    return sorted(out, key=lambda c: (c[0] is None, c[0] or ""))


def _tiers(frame: pl.DataFrame) -> str:
    """``一类户 80, 二类户 400, 三类户 831`` of ``frame``'s rows."""
    return ", ".join(f"{labels.TIER_ZH[t]} {int((frame['tier'] == t).sum()):,}" for t in (1, 2, 3))


def _townships(part: pl.DataFrame, county: str | None, *, named: bool) -> str:
    """The townships of a county sheet: counted (``3 个乡镇 townships``), or (``named``, a
    scoped export) each by name and code (``锦屏镇 (532626001)``)."""
    codes = sorted(str(t) for t in part["township_id"].drop_nulls().unique())
    if named:
        return ", ".join(labels.place(t, county) for t in codes)
    return f"{len(codes)} 个乡镇 township{'' if len(codes) == 1 else 's'}"


def _headers(frame: pl.DataFrame, month: str) -> tuple[tuple[str, str], ...]:
    """Each column's header in Chinese and English, the last visit's with the day it is
    counted to (:func:`labels.column_headers`)."""
    return labels.column_headers(frame.columns, month)


def _words(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its tier, roles and reason source in words, Chinese then English
    (``一类户 tier 1``); a value without words (none expected) is kept as it is."""
    tiers = {t: f"{labels.TIER_ZH[t]} tier {t}" for t in (1, 2, 3)}
    roles = {r.value: f"{labels.role_zh(r.value)} {labels.role_en(r.value)}" for r in Role}
    sources = {k: f"{zh} {en}" for k, (zh, en) in labels.REASON_SOURCE.items()}
    said: dict[str, dict[Any, str]] = {
        "tier": tiers, "role": roles, "nearest_role": roles, "reason_source": sources,
    }  # fmt: skip
    return frame.with_columns(
        pl.col(c)
        .cast(pl.String)
        .replace_strict({str(k): v for k, v in words.items()}, default=pl.col(c).cast(pl.String))
        for c, words in said.items()
        if c in frame.columns
    )
