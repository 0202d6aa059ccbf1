"""The validator's violation types: every kind of broken rule, its title, one violation.

Kept apart from the rules so that the CLI, the plan job and the reports can name and count
violations (:data:`KIND_TITLES`) without loading the rules. The declaration order of
:class:`ViolationKind` is the order in which violations are listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ViolationKind(StrEnum):
    """Every kind of rule a plan can break."""

    DUPLICATE_HOUSEHOLD = "duplicate_household"
    MISSING_HOUSEHOLD = "missing_household"
    UNKNOWN_HOUSEHOLD = "unknown_household"
    UNKNOWN_WORKER = "unknown_worker"
    INACTIVE_WORKER = "inactive_worker"
    ROLE_INELIGIBLE = "role_ineligible"
    OUTSIDE_JURISDICTION = "outside_jurisdiction"
    CONFLICT_OF_INTEREST = "conflict_of_interest"
    OWN_HOUSEHOLD = "own_household"
    FORBIDDEN_PAIR = "forbidden_pair"
    PIN_NOT_HONOURED = "pin_not_honoured"
    OVER_HOURS = "over_hours"
    OVER_COUNT = "over_count"
    TIER_MISMATCH = "tier_mismatch"
    TOWNSHIP_MISMATCH = "township_mismatch"
    ROLE_MISMATCH = "role_mismatch"
    TRAVEL_MISMATCH = "travel_mismatch"
    HOURS_MISMATCH = "hours_mismatch"
    KEPT_PREVIOUS_MISMATCH = "kept_previous_mismatch"
    UP_COVER_MISMATCH = "up_cover_mismatch"


KIND_TITLES: dict[ViolationKind, tuple[str, str]] = {
    ViolationKind.DUPLICATE_HOUSEHOLD: ("农户重复出现", "household appears more than once"),
    ViolationKind.MISSING_HOUSEHOLD: ("农户被遗漏", "household silently dropped from the plan"),
    ViolationKind.UNKNOWN_HOUSEHOLD: ("未知农户", "household unknown or without a final tier"),
    ViolationKind.UNKNOWN_WORKER: ("未知走访人员", "worker unknown"),
    ViolationKind.INACTIVE_WORKER: ("走访人员已停用", "worker inactive"),
    ViolationKind.ROLE_INELIGIBLE: ("角色不可承接该类别", "role may not take this tier"),
    ViolationKind.OUTSIDE_JURISDICTION: ("超出管辖范围", "outside the worker's jurisdiction"),
    ViolationKind.CONFLICT_OF_INTEREST: ("存在利益冲突", "declared conflict of interest"),
    ViolationKind.OWN_HOUSEHOLD: ("走访人员本人家庭", "the worker's own household"),
    ViolationKind.FORBIDDEN_PAIR: ("违反禁止配对", "forbidden pairing"),
    ViolationKind.PIN_NOT_HONOURED: ("未执行指定配对", "pinned pairing not honoured"),
    ViolationKind.OVER_HOURS: ("超出月工时", "monthly hours exceeded"),
    ViolationKind.OVER_COUNT: ("超出包户上限", "max households exceeded"),
    ViolationKind.TIER_MISMATCH: ("类别与评估结果不符", "tier differs from the final tier"),
    ViolationKind.TOWNSHIP_MISMATCH: ("乡镇不符", "township differs from the household's"),
    ViolationKind.ROLE_MISMATCH: ("角色列不符", "role column differs from the worker's role"),
    ViolationKind.TRAVEL_MISMATCH: ("路程时间不符", "travel minutes inconsistent with locations"),
    ViolationKind.HOURS_MISMATCH: ("月工时不符", "hours per month inconsistent"),
    ViolationKind.KEPT_PREVIOUS_MISMATCH: ("延续标记不符", "kept_previous flag inconsistent"),
    ViolationKind.UP_COVER_MISMATCH: ("上位兜底标记不符", "up_cover flag inconsistent"),
}


@dataclass(frozen=True)
class Violation:
    """One broken rule: which kind, which household and/or worker, and why (zh and en)."""

    kind: ViolationKind
    household_id: str | None
    worker_id: str | None
    detail_zh: str
    detail_en: str
