"""Fixed words and defaults that the command line's help names, importable for nothing.

Typer builds every command's options when ``visit_planner.cli`` is imported, so a value shown
in an option's help (the account roles, the override file's columns, the generator's default
month) has to be at hand then. Kept here, with no third-party import, ``visit-planner --help``
and the quick commands start without importing the store (SQLAlchemy), the contracts (pandera)
or the synthetic generator (NumPy) just to print them; the modules that enforce these values
import them from here (:mod:`visit_planner.store.users`, :mod:`visit_planner.overrides`,
:mod:`visit_planner.synthetic.next_month`), so there is one definition of each.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "AVOIDED",
    "DEFAULT_MONTH",
    "OVERRIDE_FILE_COLUMNS",
    "OVERRIDE_KIND_ZH",
    "OVERRIDE_OUTCOMES",
    "PLAN_STAGES",
    "PRODUCT",
    "ROLE_TERMS",
    "RUN_KIND_ZH",
    "RUN_STATUS_ZH",
    "SOLVE_STATUS",
    "TERMS",
    "TIER_TERMS",
    "USER_ROLES",
    "USER_ROLE_WORDS",
    "outcome_words",
    "plan_stage",
    "plan_stage_key",
    "status_words",
    "term",
    "zh_en",
]

USER_ROLES = ("planner", "supervisor", "data_scientist", "viewer")
"""The roles of a dashboard account (``users add --role``)."""

USER_ROLE_WORDS: Final[dict[str, tuple[str, str]]] = {
    "planner": ("计划员", "planner"),
    "supervisor": ("督导", "supervisor"),
    "data_scientist": ("数据分析员", "data scientist"),
    "viewer": ("浏览者", "viewer"),
}
"""Each account role in words (Chinese, English): ``users list`` and the dashboard say these."""

OVERRIDE_FILE_COLUMNS = (
    "kind", "household_id", "worker_id", "tier", "field", "value", "evidence", "expires_on",
    "reason",
)  # fmt: skip
"""Columns of an override file (``overrides import``): ``kind``, ``household_id`` and
``reason`` always; ``worker_id`` for pin/forbid, ``tier`` for tier, ``field`` and ``value``
for correction; ``evidence`` and ``expires_on`` (YYYY-MM-DD) optional."""

DEFAULT_MONTH: Final = "2026-11"
"""The month ``generate`` makes unless told otherwise (YYYY-MM)."""


# --------------------------------------------------------------------------- glossary

TERMS: Final[dict[str, tuple[str, str]]] = {
    "household": ("农户", "household"),
    "households": ("农户数", "households"),  # a count; after a number the measure word 户
    "worker": ("人员", "worker"),
    "tier": ("类别", "tier"),
    "tier_changed": ("类别变化", "tier changed"),
    "uncovered": ("未覆盖", "uncovered"),
    "tier1_uncovered": ("一类户未覆盖", "tier-1 uncovered"),
    "worker_changed": ("换人", "worker changed"),
    "churn": ("换人率", "churn"),  # of the households whose tier did not change
    "actor": ("操作人", "by"),  # who did it: the account in the audit log
    "township": ("乡镇", "township"),
    "run": ("方案", "run"),
    "override": ("督导调整", "override"),
    "unassigned": ("未分配", "unassigned"),  # a household with no visitor this month
}
"""The command line's glossary: one Chinese and one English wording per term, as the
dashboard and the README word them (人员 worker, 农户 household, 类别 tier, 未覆盖
uncovered). Every text of ``visit_planner/cli`` uses these words; a test checks that none of
:data:`AVOIDED` is left."""

TIER_TERMS: Final[dict[int, tuple[str, str]]] = {
    1: ("一类户", "tier 1"),
    2: ("二类户", "tier 2"),
    3: ("三类户", "tier 3"),
}
"""The fixed names of the tiers (a tier is shown by its name, never as a bare number)."""

ROLE_TERMS: Final[dict[str, tuple[str, str]]] = {
    "cadre": ("基层干部", "cadre"),
    "village_official": ("村组干部", "village official"),
    "grid_worker": ("网格员", "grid worker"),
}
"""The fixed names of the workers' roles."""

AVOIDED: Final[dict[str, str]] = {
    "住户": "农户 (household)",
    "工作人员": "人员 (worker)",
    "分类": "类别 (tier)",
    "tier chg.": "tier changed",
    "unc.": "uncovered",
    "short\n": "tier-1 uncovered",
    "by 人员": "by 操作人 (who did it)",
    "by\n人员": "by\n操作人",
    "actor\n人员": "by\n操作人",
    "/ 户": "农户",
    "households 户数": "households 农户数",
}
"""Wordings the glossary replaced (value: the glossary's), kept out of the CLI's texts."""

SEVERITY: Final[dict[str, str]] = {"error": "错误 ERROR", "warning": "警告 WARNING"}
"""An input problem's label, in both languages (every listing of problems uses it)."""

PRODUCT: Final = ("家庭分类评估与挂包走访", "Household risk tiers and visit assignment")
"""The product's name (the README's title): a name, kept as it is, 分类 included."""


SOLVE_STATUS: Final[dict[str, tuple[str, str]]] = {
    "optimal": ("最优", "optimal"),
    "feasible": ("可行", "feasible"),
    "infeasible": ("不可行", "infeasible"),
    "unknown": ("未知", "unknown"),
    "invalid": ("无效", "invalid"),
    "error": ("出错", "error"),
}
"""A solve's status (a run's, a township's), the dashboard's words."""

OVERRIDE_OUTCOMES: Final[dict[str, tuple[str, str]]] = {
    "applied": ("已生效", "applied"),
    "not_applied": ("未生效", "not applied"),
}
"""What became of an override in a run, the dashboard's words."""


PLAN_STAGES: Final[dict[str, str]] = {
    "validate": "校验",
    "overrides": "督导调整",
    "score": "评分",
    "assign": "分配",
    "explain": "解释",
    "check": "校验方案",
    "publish": "发布",
}
"""``plan``'s stages in order, by their English name, with their Chinese."""


def plan_stage(key: str) -> str:
    """``分配 / assign``: a stage of ``plan`` as it is reported (and printed), Chinese first."""
    return f"{PLAN_STAGES[key]} / {key}"


def plan_stage_key(label: str) -> str:
    """The stage's English name in a label :func:`plan_stage` wrote (``分配 / assign`` ->
    ``assign``): for code that reads ``plan``'s printed stages (the benchmarks)."""
    return label.rpartition(" / ")[2].strip()


RUN_STATUS_ZH: Final = {"current": "当前", "superseded": "已被取代", "rolled_back": "已回滚"}
"""A run's status in Chinese (the dashboard's wording), shown beside the English."""

RUN_KIND_ZH: Final = {"plan": "编制", "amend": "修订"}
"""A run's kind in Chinese, shown beside the English."""

OVERRIDE_KIND_ZH: Final = {
    "tier": "类别调整",
    "pin": "指定人员",
    "forbid": "禁止配对",
    "correction": "数据更正",
}
"""An override's kind in Chinese, the dashboard's wording: ``overrides list`` and the
import's refusals say these."""


def status_words(status: object) -> str:
    """``可行 feasible``: a solve's status in both languages (the stored value alone when it
    has no Chinese)."""
    zh, en = SOLVE_STATUS.get(str(status), ("", str(status)))
    return f"{zh} {en}".strip()


def outcome_words(outcome: str) -> str:
    """``已生效 applied``: an override's outcome in both languages."""
    zh, en = OVERRIDE_OUTCOMES.get(outcome, ("", outcome))
    return f"{zh} {en}".strip()


_ZH_THEN_EN: Final = re.compile(
    r"(?P<lead>[^\u4e00-\u9fff]*: )?"  # where: a file, a column, a run ("run 3f2a: ")
    r"(?P<zh>[^()]*[\u4e00-\u9fff][^()]*?) "  # the Chinese, a summary
    r"\((?P<en>[^\u4e00-\u9fff]*)\)",  # the English, with the details
    re.DOTALL,
)


def zh_en(message: str) -> tuple[str, str] | None:
    """The Chinese and the English of a message written as this project's errors are,
    ``[where: ]中文 (English)`` (the contracts', the store's, the jobs'), each with its
    ``where``: ``("run 3f2a: 没有乡镇", "run 3f2a: a run needs at least one township")``.
    None for a text not of that form (``中文 / English``, an English-only text). The one
    place that knows the form, for code that shows one language (the dashboard)."""
    found = _ZH_THEN_EN.fullmatch(message.strip())
    if found is None:
        return None
    lead = found["lead"] or ""
    return lead + found["zh"].strip(), lead + found["en"].strip()


def term(key: str, sep: str = " ", *, english_first: bool = False) -> str:
    """``农户 household``: a glossary term (:data:`TERMS`), Chinese first (or English first,
    for the tables whose headers read English over Chinese)."""
    zh, en = TERMS[key]
    return f"{en}{sep}{zh}" if english_first else f"{zh}{sep}{en}"
