"""The wording of printed visit lists: tiers, roles, visit cadence, places, assignment reasons.

One wording per thing, Chinese first with English alongside (tiers always 一类户/二类户/三类户).
Places are shown by name and code (``开化街道 (532601001)``) where the inputs had a places
table (:mod:`visit_planner.contracts.places`), else by code with the county's name (the 8 real
counties are always known).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from fractions import Fraction
from typing import Final

from assignment.domain import ROLE_NAMES_EN, ROLE_NAMES_ZH, TIER_NAMES_ZH, Role
from visit_planner.contracts.places import place_label, place_name
from visit_planner.synthetic.geography import COUNTIES

TIER_ZH: Final = dict(TIER_NAMES_ZH)
TIER_EN: Final = {1: "tier 1 (high)", 2: "tier 2 (medium)", 3: "tier 3 (low)"}
TIER_SOURCE: Final[dict[str | None, tuple[str, str]]] = {
    "model": ("风险模型", "the risk model"),
    "rule": ("政策规则", "a policy rule"),
    "override": ("督导调整", "a supervisor's override"),
    None: ("本方案未记录", "not recorded in this run"),
}
"""What decided a household's tier (scores' ``tier_source``), in Chinese and English."""

_COUNTY_NAMES: Final = {c.county_id: (c.name_zh, c.name_en) for c in COUNTIES}
_EVERY_MONTHS: Final = {2: ("每两个月 1 次", "every 2 months"), 3: ("每季度 1 次", "quarterly")}


def role_zh(role: str) -> str:
    """基层干部 / 村组干部 / 网格员."""
    return ROLE_NAMES_ZH[Role(role)]


def role_en(role: str) -> str:
    """cadre / village official / grid worker."""
    return ROLE_NAMES_EN[Role(role)]


def visits_due_parts(per_month: float) -> tuple[str, str]:
    """A tier's cadence in Chinese and English: (``每月 2 次``, ``2 a month``),
    (``每季度 1 次``, ``quarterly``).

    Whole numbers of visits a month are said per month; one visit every k months (1/k, k whole)
    per k months; anything else as a decimal per month.
    """
    if per_month >= 1 and float(per_month).is_integer():
        k = int(per_month)
        return f"每月 {k} 次", f"{k} a month"
    every = months_between_visits(per_month)
    if every is not None:
        return _EVERY_MONTHS.get(every, (f"每 {every} 个月 1 次", f"every {every} months"))
    return f"每月 {per_month:.2f} 次", f"{per_month:.2f} a month"


def months_between_visits(per_month: float) -> int | None:
    """k for a cadence of one visit every k months (``per_month`` = 1/k, k = 2 … 12: 3 for
    quarterly), else None (one or more visits a month, or a fraction that is no such
    cadence)."""
    if per_month <= 0 or per_month >= 1:
        return None
    every = Fraction(per_month).limit_denominator(12)
    if every.numerator == 1 and abs(float(every) - per_month) < 1e-9:
        return every.denominator
    return None


def visits_due(per_month: float) -> str:
    """A tier's cadence as one text, Chinese first: ``每月 2 次 / 2 a month``,
    ``每季度 1 次 / quarterly``."""
    zh, en = visits_due_parts(per_month)
    return f"{zh} / {en}"


def county_name(county_id: str | None) -> str:
    """``文山市 Wenshan`` for a known county code, else the empty string."""
    if county_id is None or county_id not in _COUNTY_NAMES:
        return ""
    zh, en = _COUNTY_NAMES[county_id]
    return f"{zh} {en}"


def place(code: str | None, county_id: str | None = None) -> str:
    """A place by name and code, ``开化街道 (532601001)``; without a known name, the code with
    its county's name where known, ``532601001 (文山市 Wenshan)``."""
    if not code:
        return "—"
    if place_name(code):
        return place_label(code)
    name = county_name(county_id)
    return f"{code} ({name})" if name else code


# Why a household is on this worker's list, when the run carries no risk reasons.
REASON_PINNED: Final = "督导指定 / pinned by a supervisor"
REASON_KEPT: Final = "延续上月走访人员 / same visitor as last month"
REASON_UP_COVER: Final = "上位兜底 / up-cover by a higher role"
REASON_NEW: Final = "本月新分配 / newly assigned this month"

# Why a household has its tier, where that was not the model: the override's reason, the
# rule's text in Chinese and English.
REASON_OVERRIDE: Final = "督导调整类别 / tier set by a supervisor {}"
REASON_RULE: Final = "政策规则: {} / policy rule: {}"

REASON_TAKING_OVER: Final = (
    "接替上月走访人员 {} / takes over from last month's visitor {}"  # the previous worker, twice
)

# Why a household is on no list: the run's reason, in Chinese and English.
REASON_NEAREST: Final = (
    "最近的可承接该类别的人员 {} ({}, 往返 {} 分钟): {}",
    "nearest worker of an eligible role {} ({}, {} min round trip): {}",
)
"""The explanation's reason after the nearest worker of an eligible role (the household did not
get it): its id, role, minutes per visit (round trip) and the reason's text."""
REASON_TOWNSHIP_FAILED: Final = (
    "乡镇求解失败, 全乡镇农户未分配",
    "the township's solve failed, none of its households is assigned",
)
"""Followed by the error as the run records it (in English)."""
REASON_NOT_RECORDED: Final = ("本方案未记录原因", "no reason recorded in this run")

SUPERSEDED: Final = (
    "本清单所属方案 {run} 已不是本月当前方案 (当前方案为 {current}), 请勿按本清单走访",
    "run {run} is no longer the month's current run (that is {current}): do not visit from "
    "this list",
)
"""Said on every page exported from a run that is not its month's current one (superseded
by a later plan or amendment, or rolled back): the run's id, the current run's id and
version."""
SUPERSEDED_MARK: Final = "已非当前方案 not the current run"
"""The same in a printed page's footer, which every page has."""

# The workbook's column headers (visit_lists.xlsx): each CSV column's name for a person, in
# Chinese and English, in the printed sheets' words (户编号 Household, 走访事由 Reasons, …).
COLUMN_HEADERS: Final[dict[str, tuple[str, str]]] = {
    "worker_id": ("人员编号", "worker"),
    "role": ("角色", "role"),
    "county_id": ("县市编号", "county code"),
    "county_name": ("县市", "county"),
    "township_id": ("乡镇编号", "township code"),
    "township_name": ("乡镇", "township"),
    "village_id": ("村编号", "village code"),
    "village_name": ("村", "village"),
    "grid_id": ("网格编号", "grid"),
    "household_id": ("户编号", "household"),
    "tier": ("类别", "tier"),
    "visits_per_month": ("每月应走访次数", "visits a month"),
    "visits_due": ("走访频次", "visit frequency"),  # the tier's cadence, not this month's due
    "reasons": ("走访事由", "reasons"),
    "reason_source": ("事由来源", "reasons from"),
    "last_visit_days": ("距上次走访天数", "days since last visit"),  # + as of: last_visit_header
    "previous_worker_id": ("上次分配人员", "previous worker"),
    "nearest_worker_id": ("最近可承接人员", "nearest eligible worker"),
    "nearest_role": ("其角色", "its role"),
    "reason_code": ("原因代码", "reason code"),
    "reason_zh": ("未分配原因", "why unassigned, in Chinese"),
    "reason_en": ("未分配原因 (英文)", "why unassigned, in English"),
    "shortfall": ("乡镇缺口", "township's shortfall"),
}

REASON_SOURCE: Final[dict[str, tuple[str, str]]] = {
    "risk": TIER_SOURCE["model"],
    "rule": TIER_SOURCE["rule"],
    "override": TIER_SOURCE["override"],
    "assignment": ("分配情况", "the assignment"),
}
"""Where a visit list's ``reasons`` come from (its ``reason_source``), in Chinese and English:
the risk model's reasons, a policy rule's, a supervisor's override, or (the run stored no
scores with reasons) the assignment's (pinned, same visitor as last month, …)."""


def last_visit_as_of(month: str) -> str:
    """The day the month's ``last_visit_days`` are counted to: the last day of the month
    before ``month`` (``2026-12`` → ``2026-11-30``), as ``YYYY-MM-DD``.

    The households table of a month describes the households as the month begins: a household
    visited during the previous month has 0 to 29 days (how the synthetic month's refresh,
    :mod:`visit_planner.synthetic.next_month`, counts them too). The sheets said "days ago"
    without a day, which a clerk filing the sheet a month later cannot read; the input holds
    no day of the visit itself, so the figure stays a count of days, with this day beside it.
    """
    first = date.fromisoformat(f"{month}-01")
    return (first - timedelta(days=1)).isoformat()


def last_visit_header(month: str) -> tuple[str, str]:
    """The header of ``last_visit_days`` with the day it is counted to, in Chinese and English:
    (``距上次走访天数 (截至 2026-11-30)``, ``days since last visit, as of 2026-11-30``), the
    dashboard's wording of the column."""
    zh, en = COLUMN_HEADERS["last_visit_days"]
    day = last_visit_as_of(month)
    return f"{zh} (截至 {day})", f"{en}, as of {day}"


def last_visit_note(month: str) -> dict[str, str]:
    """The sentence above a printed table that says the day its days since the last visit
    are counted to (``zh``, ``en``); the column's header stays short, as its A4 column is
    narrow."""
    day = last_visit_as_of(month)
    return {
        "zh": f"“距上次走访天数”截至 {day} (上月末)。",
        "en": f"Days since last visit are counted to {day}, the end of the previous month.",
    }


def column_headers(columns: Sequence[str], month: str) -> tuple[tuple[str, str], ...]:
    """Each column's header in Chinese and English (:data:`COLUMN_HEADERS`), the last visit's
    with the day it is counted to (:func:`last_visit_header`)."""
    return tuple(
        last_visit_header(month) if c == "last_visit_days" else COLUMN_HEADERS[c] for c in columns
    )


_SCOPE_NAMED: Final = 3  # townships named in a title; more are counted (a footer holds 255)


def export_scope(
    townships: Sequence[str], run_townships: int, counties: Mapping[str, str | None]
) -> dict[str, str] | None:
    """What a township-scoped export covers, for its titles and its index, or None when it
    covers every township of the run: ``zh``/``en`` name every township exported by name and
    code with how many of the run's (``仅导出本方案 8 个乡镇中的 1 个: 锦屏镇 (532626001)``),
    ``short`` names them (up to three, else counts them) for the workbook's title and the
    printed footers. A scoped workbook was titled as if for the whole run (``1 个乡镇``), so
    a township's clerk could not tell from a page that other townships' lists exist, nor a
    county's clerk which townships the file holds. ``counties``: each township's county code
    (its name is shown when the places table has no name for the township)."""
    if len(townships) >= run_townships:
        return None
    names = [place(t, counties.get(t)) for t in townships]
    k = len(townships)
    short = ", ".join(names) if k <= _SCOPE_NAMED else f"{k} 个乡镇 townships"
    return {
        "zh": f"仅导出本方案 {run_townships} 个乡镇中的 {k} 个: {', '.join(names)}",
        "en": f"{k} of the run's {run_townships} townships only: {', '.join(names)}",
        "short": f"仅 only {short}",
    }
