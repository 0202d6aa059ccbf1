"""Supervisors' standing corrections, applied to one month's inputs: one named rule each.

Four kinds (all with author, reason, created time and an optional expiry, kept in the store):

* ``tier`` - the household's tier is set (up or down); scoring marks it ``tier_source =
  override`` with the reason;
* ``pin`` - the household must go to this worker;
* ``forbid`` - the household must never go to this worker;
* ``correction`` - a field of the household's data is wrong: the corrected value replaces it
  before scoring (so the household is re-scored with it) and is kept for the next training set.

Each override either applies or is reported with the reason it could not apply this month
(the household moved away or left, the worker left or is inactive, the field is unknown, the
value does not fit the field's type) - never silently dropped. :func:`check_new_override`
refuses such input already when the override is added.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

import polars as pl

from assignment.constraints import (
    HARD_PAIR_RULES,
    area_columns,
    area_key,
    hard_pair_rules,
    role_eligible,
)
from assignment.domain import (
    ROLE_NAMES_EN,
    ROLE_NAMES_ZH,
    TIER_NAMES_ZH,
    AssignmentSettings,
    Role,
)
from visit_planner.contracts import columns as c
from visit_planner.contracts.cells import repeated_columns, repeated_rule
from visit_planner.contracts.reader import (
    DECIMAL_FORM,
    DECIMAL_TEXT_RULE,
    MISSING_COLUMN_RULE,
    SCIENTIFIC_FORM,
    SCIENTIFIC_TEXT_RULE,
    ReadFile,
    cast_to_contract,
    csv_text,
    kind_words,
    read_noted,
    row_place,
    unreadable_reason,
)
from visit_planner.contracts.relations import check_member_counts
from visit_planner.contracts.report import Problem, format_problems
from visit_planner.contracts.tables import row_problems
from visit_planner.errors import ContractError, VisitPlannerError
from visit_planner.personal_text import personal_number
from visit_planner.store.overrides import Standing, conflict, conflict_message
from visit_planner.typed_text import meant_text
from visit_planner.vocabulary import OVERRIDE_FILE_COLUMNS, OVERRIDE_KIND_ZH, zh_en

KINDS = ("tier", "pin", "forbid", "correction")

CORRECTABLE_FIELDS: tuple[str, ...] = tuple(
    name
    for name in c.HOUSEHOLDS
    if name
    not in {
        "household_id", "county_id", "township_id", "village_id", "grid_id",
        "previous_tier", "assessed_tier", *c.AUDIT_ONLY,
    }
)  # fmt: skip
"""Household fields a correction may change: the data fields, not ids, places (a move is a
data update, not a correction), tiers (use a tier override) or audit-only columns."""

APPLIED = "applied"
_AREAS = ("township_id", "village_id", "grid_id")
_PLACE_ZH = {"township": "乡镇", "village": "村", "grid": "网格"}
NOT_APPLIED = "not_applied"


@dataclass(frozen=True)
class Override:
    """One standing override as the store holds it (the fields its kind needs are set)."""

    id: int
    kind: str
    household_id: str
    reason: str
    author: str
    worker_id: str | None = None
    tier: int | None = None
    field: str | None = None
    value: str | None = None
    evidence: str | None = None
    expires_on: date | None = None


@dataclass(frozen=True)
class Outcome:
    """Whether an override applied to a month's plan, and why not where it did not."""

    override_id: int
    outcome: str  # APPLIED or NOT_APPLIED
    reason: str


@dataclass(frozen=True)
class AppliedOverrides:
    """A month's inputs with the standing overrides applied, and what happened to each."""

    households: pl.DataFrame  # corrected
    tier_overrides: pl.DataFrame | None  # household_id, tier, reason (for scoring)
    pins: pl.DataFrame | None  # household_id, worker_id
    forbids: pl.DataFrame | None  # household_id, worker_id
    outcomes: list[Outcome] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)  # household -> what applied


# ---------------------------------------------------------------- the rules


def household_present(o: Override, households: set[str]) -> str | None:
    """The household must be in this month's data (it may have moved away or left)."""
    if o.household_id not in households:
        return (
            f"农户 {o.household_id} 不在本月数据中(已迁出或注销) / household "
            f"{o.household_id} is not in this month's data (moved away or left)"
        )
    return None


def worker_present(o: Override, workers: dict[str, bool]) -> str | None:
    """A pin's or forbid's worker must be in this month's data and active."""
    if o.kind not in ("pin", "forbid") or o.worker_id is None:
        return None
    if o.worker_id not in workers:
        return (
            f"人员 {o.worker_id} 不在本月数据中(已离岗或编号有误) / worker {o.worker_id} is "
            "not in this month's data (left, or a wrong id)"
        )
    if not workers[o.worker_id]:
        return f"人员 {o.worker_id} 已停用 / worker {o.worker_id} is inactive"
    return None


def field_correctable(o: Override) -> str | None:
    """A correction must name a correctable household field."""
    if o.kind != "correction":
        return None
    if o.field not in CORRECTABLE_FIELDS:
        return (
            f"字段 {o.field!r} 不可更正 / field {o.field!r} cannot be corrected "
            f"(correctable: {', '.join(CORRECTABLE_FIELDS)})"
        )
    return None


_DAY = re.compile(
    r"(?P<y>\d{4})(?:[-/.]|年)(?P<m>\d{1,2})(?:[-/.]|月)(?P<d>\d{1,2})日?"
    r"(?:[ T]0?0:00(?::00(?:\.0+)?)?)?"
)
"""A day as a planner's spreadsheet writes it, year first: ``2027-01-31``, ``2027/1/31`` (how
Excel and WPS save a date column in a Chinese locale), ``2027.1.31``, ``2027年1月31日``,
optionally at midnight (``2027/1/31 0:00``, a date-time cell). A day-first or month-first
form (``31/01/2027``, ``1/31/2027``) is ambiguous and refused."""


def expiry_date(text: str) -> date:
    """The day ``text`` names (:data:`_DAY`, typed in full-width forms too); ValueError when it
    is no such day (``2027-02-30``) or not written year first. One rule for ``overrides add
    --expires``, ``overrides import`` and ``train --corrections``: a planner's file saved again
    from Excel or WPS writes ``2027/1/31``, which the import refused as no date."""
    found = _DAY.fullmatch(meant_text(text))
    if found is None:
        raise ValueError(text)
    return date(int(found["y"]), int(found["m"]), int(found["d"]))


EXPIRY_FORMS = "YYYY-MM-DD, YYYY/M/D, YYYY年M月D日"
"""How :func:`expiry_date` reads a day, as a refusal names them."""


def not_expired(o: Override, on: date) -> str | None:
    """An override with an expiry applies only up to that day."""
    if o.expires_on is not None and o.expires_on < on:
        return f"已于 {o.expires_on} 过期 / expired on {o.expires_on}"
    return None


def _field_words(field_name: str) -> tuple[str, str]:
    """A households field in words with its column name, (Chinese, English), as the reasons
    name it: ``("家庭人口 (members)", "household members (members)")``."""
    from risk_model.spec import household_spec

    zh, en = household_spec().label(field_name)
    return f"{zh} ({field_name})", f"{en} ({field_name})"


_CHECK_NAME = re.compile(r" \[\w+\(.*\)\]$")
"""The pandera check's name a contract rule ends with (`` [isin(['A', 'B'])]``)."""


def corrected_value(
    household: pl.DataFrame, field_name: str, value: str | None
) -> tuple[object, str | None]:
    """The corrected value in the field's contract type, checked with the household's other
    fields against the contract's rules (e.g. counts not above ``members``); or why not."""
    dtype = c.HOUSEHOLDS[field_name]
    raw = pl.DataFrame(
        {"household_id": ["x"], field_name: [value]}, schema_overrides={field_name: pl.String}
    )
    cast, problems = cast_to_contract(raw, {field_name: dtype}, "correction", ("household_id",))
    zh, en = _field_words(field_name)
    if any(p.severity == "error" for p in problems) or cast[field_name][0] is None:
        kind_zh, kind_en = kind_words(dtype)
        return None, (
            f"值 {value!r} 不符合字段 {zh}: 须为{kind_zh} / value {value!r} does not fit "
            f"{en}: {kind_en}"
        )
    new = cast[field_name][0]
    # A published run keeps no audit-only column (docs/privacy.md): the row is checked with
    # them missing (null), and their own problems are not the correction's.
    row = (
        household.with_columns(
            pl.lit(None, dtype=c.HOUSEHOLDS[a]).alias(a)
            for a in c.AUDIT_ONLY
            if a not in household.columns
        )
        .select(list(c.HOUSEHOLDS))
        .with_columns(pl.lit(new, dtype=dtype).alias(field_name))
    )
    impossible = check_member_counts(row, "correction")
    if impossible:
        zh_parts, en_parts = [], []
        for p in impossible:
            rule_zh, rule_en = zh_en(p.rule) or (p.rule, p.rule)
            col_zh, col_en = _field_words(p.column)
            shown = ", ".join(p.examples)
            zh_parts.append(f"{col_zh} {rule_zh} ({shown})")
            en_parts.append(f"{col_en} {rule_en} ({shown})")
        return None, (
            f"值 {value!r} 与该户其他信息不符: {'; '.join(zh_parts)} / value {value!r} "
            f"contradicts the household: {'; '.join(en_parts)}"
        )
    broken = [
        p
        for p in row_problems(row, "households", "correction")
        if p.severity == "error" and p.column not in c.AUDIT_ONLY
    ]
    if broken:
        # the Chinese half names the rule too (its Chinese): it said only "违反字段 … 的规则",
        # so a Chinese page never said which values are allowed; each half in its language
        halves = [_rule_halves(p.rule) for p in broken]
        where = ["" if p.column == field_name else f"{p.column}: " for p in broken]
        said_zh = "; ".join(w + r_zh for w, (r_zh, _) in zip(where, halves, strict=True))
        said_en = "; ".join(w + r_en for w, (_, r_en) in zip(where, halves, strict=True))
        return None, (
            f"值 {value!r} 违反字段 {zh} 的规则: {said_zh} / value {value!r} breaks the "
            f"rule(s) of {en}: {said_en}"
        )
    return new, None


def _rule_halves(rule: str) -> tuple[str, str]:
    """A contract rule's Chinese and its English (with the check's name, when it has one):
    ``不得小于 1 / must be >= 1 [greater_than_or_equal_to(1)]`` is ``("不得小于 1", "must be >=
    1 [greater_than_or_equal_to(1)]")``; ``必填项为空 (null in a required field)`` is
    ``("必填项为空", "null in a required field")``; a rule of neither form is both."""
    check = _CHECK_NAME.search(rule)
    bare = _CHECK_NAME.sub("", rule)
    name = check.group(0) if check else ""
    if " / " in bare:
        rule_zh, rule_en = bare.split(" / ", 1)
        return rule_zh, rule_en + name
    both = zh_en(bare)
    return (both[0], both[1] + name) if both else (bare, rule)


def unchanged(household_id: str, field_name: str, value: object) -> str:
    """Why a correction to the value the household already holds is refused when added: it
    changes nothing, so it is a slip (the wrong household or field, a stale note) that would
    stand in the audit log and on the household's page as a correction (``5 → 5``)."""
    zh, en = _field_words(field_name)
    return (
        f"更正未改变数据: 农户 {household_id} 的 {zh} 已是 {value} / the correction changes "
        f"nothing: household {household_id}'s {en} is already {value}"
    )


def _already(field_name: str, value: object) -> str:
    """A correction in force whose household's data now holds its value: applied, but it
    changed nothing, so no ``before → after`` note is written for the household."""
    zh, en = _field_words(field_name)
    return f"数据中 {zh} 已是 {value}, 无需更正 / the data already holds {en} = {value}"


# ---------------------------------------------------------------- applying


def apply_overrides(
    overrides: Sequence[Override],
    households: pl.DataFrame,
    workers: pl.DataFrame,
    *,
    on: date,
) -> AppliedOverrides:
    """Apply the standing overrides to one month's households (corrections) and turn the rest
    into the frames scoring and assignment take. Pins and forbids whose household and worker
    are present are passed on; whether a pin is honoured is decided by the assignment (it
    reports ineligible or over-capacity pins), see :func:`pin_outcomes`."""
    present = set(households["household_id"].to_list())
    active = dict(workers.select("worker_id", pl.col("active").fill_null(False)).iter_rows())
    outcomes: list[Outcome] = []
    notes: dict[str, list[str]] = {}
    tiers: list[tuple[str, int, str]] = []
    pins: list[tuple[str, str]] = []
    forbids: list[tuple[str, str]] = []
    corrected = households
    _refuse_two_tiers(overrides, on)
    for o in sorted(overrides, key=lambda x: x.id):
        why = (
            not_expired(o, on)
            or household_present(o, present)
            or worker_present(o, active)
            or field_correctable(o)
        )
        if why is None and o.kind == "correction" and o.field is not None:
            row = corrected.filter(pl.col("household_id") == o.household_id)
            value, why = corrected_value(row, o.field, o.value)
            if why is None and row[o.field][0] == value:  # the month's data caught up
                outcomes.append(Outcome(o.id, APPLIED, _already(o.field, value)))
                continue
            if why is None:
                before = row[o.field][0]
                corrected = corrected.with_columns(
                    pl.when(pl.col("household_id") == o.household_id)
                    .then(pl.lit(value, dtype=c.HOUSEHOLDS[o.field]))
                    .otherwise(pl.col(o.field))
                    .alias(o.field)
                )
                notes.setdefault(o.household_id, []).append(
                    f"数据更正 correction #{o.id}: {o.field} {before} → {value} ({o.reason})"
                )
        if why is not None:
            outcomes.append(Outcome(o.id, NOT_APPLIED, why))
            continue
        if o.kind == "tier" and o.tier is not None:
            tiers.append((o.household_id, int(o.tier), f"#{o.id} {o.author}: {o.reason}"))
            notes.setdefault(o.household_id, []).append(
                f"类别调整 tier override #{o.id}: {o.tier} ({o.reason})"
            )
        elif o.kind == "pin" and o.worker_id is not None:
            pins.append((o.household_id, o.worker_id))
            continue  # its outcome comes from the plan (pin_outcomes)
        elif o.kind == "forbid" and o.worker_id is not None:
            forbids.append((o.household_id, o.worker_id))
            notes.setdefault(o.household_id, []).append(
                f"禁止配对 forbid #{o.id}: {o.worker_id} ({o.reason})"
            )
        outcomes.append(Outcome(o.id, APPLIED, ""))
    return AppliedOverrides(
        households=corrected,
        tier_overrides=_frame(tiers, ["household_id", "tier", "reason"]),
        pins=_frame(pins, ["household_id", "worker_id"]),
        forbids=_frame(forbids, ["household_id", "worker_id"]),
        outcomes=outcomes,
        notes=notes,
    )


def _refuse_two_tiers(overrides: Sequence[Override], on: date) -> None:
    """Raise a ContractError naming every household with two tier overrides in force on
    ``on``: only one tier can apply, and picking one would silently drop the other. Adding
    such a pair is refused (:func:`visit_planner.store.overrides.conflict`); this catches
    stores written before that check."""
    by_household: dict[str, list[int]] = {}
    for o in overrides:
        if o.kind == "tier" and not_expired(o, on) is None:
            by_household.setdefault(o.household_id, []).append(o.id)
    twice = {h: sorted(ids) for h, ids in sorted(by_household.items()) if len(ids) > 1}
    if not twice:
        return
    raise ContractError([
        "同一农户有多条现行类别调整, 只能保留一条, 未制定方案 / several tier overrides are in "
        "force for the same household; only one can apply, nothing was planned:",
        *(
            f"  农户 household {h}: 类别调整 tier overrides {', '.join(f'#{i}' for i in ids)}"
            for h, ids in twice.items()
        ),
        "请撤销不应生效的那条后重试 / revoke the one that should not apply, then plan again: "
        "visit-planner overrides revoke ID --reason ...",
    ])  # fmt: skip


def pin_outcomes(
    overrides: Sequence[Override], plan: pl.DataFrame, issues: Sequence[str], decided: set[int]
) -> tuple[list[Outcome], dict[str, list[str]]]:
    """Outcomes of the pins not decided yet (``decided``: ids with an outcome already): applied
    when the plan pairs the household with the pinned worker; otherwise not applied, with the
    assignment's own message about that pin where it gave one."""
    got = dict(plan.select("household_id", "worker_id").iter_rows())
    out: list[Outcome] = []
    notes: dict[str, list[str]] = {}
    for o in overrides:
        if o.kind != "pin" or o.id in decided:
            continue
        if got.get(o.household_id) == o.worker_id:
            out.append(Outcome(o.id, APPLIED, ""))
            notes.setdefault(o.household_id, []).append(
                f"指定人员 pin #{o.id}: {o.worker_id} ({o.reason})"
            )
            continue
        said = [m for m in issues if o.household_id in m and (o.worker_id or "") in m]
        out.append(
            Outcome(
                o.id,
                NOT_APPLIED,
                said[0]
                if said
                else f"方案未采用该指定 / the plan could not honour pin {o.household_id}→"
                f"{o.worker_id}",
            )
        )
    return out, notes


def _frame(rows: Sequence[tuple[object, ...]], names: list[str]) -> pl.DataFrame | None:
    if not rows:
        return None
    return pl.DataFrame(rows, schema=names, orient="row")


def personal_numbers(o: Override) -> str | None:
    """Why the override's free text (``reason``, ``evidence``) may not be kept: it holds an
    ID-card or mobile number (full-width digits too). The text goes into every run's
    explanations and scores, the visit lists and the audit log, which never forget, and no
    person's number may be there; the household is named by its id. The refusal never repeats
    the number. None when there is none."""
    found = []
    for name, zh, text in (("reason", "原因", o.reason), ("evidence", "依据", o.evidence)):
        if (what := personal_number(text)) is not None:
            found.append((name, zh, *what))
    if not found:
        return None
    zh = "、".join(f"{z}中含疑似{w}" for _, z, w, _ in found)
    en = "; ".join(f"{name} holds what looks like {w}" for name, _, _, w in found)
    return (
        f"{zh}, 请勿填写个人身份信息 / {en}: an override's text goes into every run's "
        "explanations, the visit lists and the audit log, so no name, ID-card or phone number "
        "may be in it; name the household by its id"
    )


class TierOrPin(Protocol):
    """What :func:`tier_and_pin_agree` reads of an override in force: an :class:`Override` or
    the store's row (:class:`~visit_planner.store.models.OverrideRow`) as it is."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def household_id(self) -> str: ...
    @property
    def worker_id(self) -> str | None: ...
    @property
    def tier(self) -> int | None: ...


@dataclass(frozen=True)
class FileRow:
    """An earlier row of the file being imported, as the rules across rows read it: the
    override it asks for and where it is, ``("第 2 行", "line 2")``."""

    where: tuple[str, str]
    override: Override


def check_new_override(
    o: Override,
    households: pl.DataFrame,
    workers: pl.DataFrame,
    settings: AssignmentSettings,
    *,
    today: date,
    in_force: Sequence[TierOrPin] = (),
    in_file: Sequence[FileRow] = (),
) -> list[str]:
    """Why a new override cannot be accepted against the current data (empty: it can).

    ``households`` needs the contract columns and ``tier`` (null where unknown); ``workers``
    the workers contract. Refused: an expiry in the past, an unknown household or worker, a
    field that cannot be corrected or a value that breaks the contract, a pin to a worker who
    may not serve the household (role, jurisdiction, inactive, own household), a tier outside
    1-3, and a reason or evidence holding an ID-card or phone number (:func:`personal_numbers`).
    The same rules decide later whether the override still applies. ``in_force``: the
    overrides standing today (the store's); a pin and a tier override of one household must
    agree on the worker's role (:func:`tier_and_pin_agree`), whichever comes second.
    ``in_file``: the earlier rows of the file being imported, held to the same rule as those
    in force (a file's tier override and pin of one household were both accepted where
    ``overrides add`` refused the second).
    """
    problems = [
        why
        for why in (
            None if o.expires_on is None or o.expires_on >= today else (
                f"到期日 {o.expires_on} 已过 / expiry {o.expires_on} is in the past"
            ),
            household_present(o, set(households["household_id"].to_list())),
            worker_present(
                o, dict(workers.select("worker_id", pl.col("active").fill_null(False)).iter_rows())
            ),
            field_correctable(o),
            personal_numbers(o),
        )
        if why is not None
    ]  # fmt: skip
    if problems:
        return problems
    if o.kind == "tier" and o.tier is None:
        return ["类别调整须给出类别 (--tier 1/2/3) / a tier override needs --tier 1, 2 or 3"]
    if o.kind == "tier" and o.tier not in (1, 2, 3):
        return [f"类别须为 1/2/3 / tier must be 1, 2 or 3, got {o.tier}"]
    row = households.filter(pl.col("household_id") == o.household_id)
    if o.kind == "correction" and o.field is not None:
        value, why = corrected_value(row, o.field, o.value)
        if why is None and row.height and row[o.field][0] == value:
            why = unchanged(o.household_id, o.field, value)
        return [why] if why else []
    why = tier_and_pin_agree(o, in_force, workers, settings) or tier_and_pin_agree_in_file(
        o, in_file, workers, settings
    )
    disagree = [why] if why else []
    if o.kind != "pin" or o.worker_id is None:
        return disagree
    # Every reason at once: a pin to another township's grid worker of a household a standing
    # override makes tier 1 was told only of the tier, then of the jurisdiction once fixed.
    # The role rule is left to the disagreement, which says it with the override to revoke.
    skip = frozenset({"role_eligible"} if disagree else ())
    tiers = [*in_force, *(r.override for r in in_file)]
    return _pin_rules(o, o.worker_id, row, workers, settings, tiers, skip) + disagree


def _pin_rules(  # noqa: PLR0917  (the pin and what it is checked against)
    o: Override,
    worker_id: str,
    row: pl.DataFrame,
    workers: pl.DataFrame,
    settings: AssignmentSettings,
    in_force: Sequence[TierOrPin],
    skip: frozenset[str] = frozenset(),
) -> list[str]:
    """Why the pin's worker may not serve its household (every hard pair rule broken but
    those in ``skip``), at the tier the next plan gives it: a standing tier override's, else
    the newest run's."""
    standing = _standing_tier(o.household_id, in_force)
    tier = pl.col("tier") if standing is None else pl.lit(standing)
    hh = row.with_columns(
        tier.fill_null(_tier_of_role(settings, workers, worker_id)).cast(pl.Int8).alias("tier")
    )
    broken = _broken_pair_rules(hh, workers, worker_id, settings, skip)
    if not broken:
        return []
    return [
        f"人员 {worker_id} 不能承接农户 {o.household_id} / worker {worker_id} "
        f"may not serve household {o.household_id}: " + "; ".join(broken)
    ]


def _standing_tier(household_id: str, in_force: Sequence[TierOrPin]) -> int | None:
    """The tier a standing tier override sets for the household (None: none stands)."""
    return next(
        (
            x.tier
            for x in in_force
            if x.kind == "tier" and x.household_id == household_id and x.tier in (1, 2, 3)
        ),
        None,
    )


def _disagreement(
    o: Override,
    others: Sequence[TierOrPin],
    workers: pl.DataFrame,
    settings: AssignmentSettings,
) -> tuple[TierOrPin, TierOrPin, int, Role] | None:
    """The household's tier override or pin among ``others`` that ``o`` cannot stand beside,
    with the pin, the tier and the pinned worker's role: (other, pin, tier, role); None when
    they agree (or there is none)."""
    # Not itself: the stored row it is (same id), or the very row of a file (not stored yet,
    # every one id 0, so told apart by identity).
    mine = [
        x
        for x in others
        if x.household_id == o.household_id and x is not o and not (x.id == o.id != 0)
    ]
    pin: TierOrPin | None
    tier: int | None
    if o.kind == "pin" and o.worker_id is not None:
        other = next((x for x in mine if x.kind == "tier" and x.tier in (1, 2, 3)), None)
        pin, tier = o, other.tier if other else None
    elif o.kind == "tier" and o.tier in (1, 2, 3):
        other = next((x for x in mine if x.kind == "pin" and x.worker_id), None)
        pin, tier = other, o.tier
    else:
        return None
    if other is None or pin is None or tier is None:
        return None
    worker = workers.filter(pl.col("worker_id") == pin.worker_id)
    if worker.height == 0:
        return None  # a pin to a worker who has left: its own outcome says so
    role = Role(str(worker["role"][0]))
    pair = pl.DataFrame({"tier": [tier], "role": [role.value]})
    if pair.select(role_eligible(settings)).item():
        return None
    return other, pin, tier, role


def tier_and_pin_agree(
    o: Override,
    in_force: Sequence[TierOrPin],
    workers: pl.DataFrame,
    settings: AssignmentSettings,
) -> str | None:
    """Why ``o`` (a pin or a tier override) cannot stand beside the household's standing tier
    override or pin (None: it can): the next plan sets the household's tier first, and a pin
    to a worker whose role does not serve that tier is then released (a grid worker does not
    serve a tier-1 household). Checked against the tier that will apply, not the newest
    run's, so the supervisor hears it now and not from the month's plan. The message says
    which override stands in the way and both ways out."""
    found = _disagreement(o, in_force, workers, settings)
    if found is None:
        return None
    other, pin, tier, role = found
    zh_tier, h, w = TIER_NAMES_ZH[tier], o.household_id, pin.worker_id
    zh_role, en_role = ROLE_NAMES_ZH[role], ROLE_NAMES_EN[role]
    if o.kind == "pin":
        return (
            f"农户 {h} 有现行类别调整 #{other.id}, 下次方案起为{zh_tier}, 而人员 {w} 是{zh_role}, "
            f"不承接{zh_tier}: 请指定一名承接{zh_tier}的人员, 或先撤销 #{other.id} / household "
            f"{h} has standing tier override #{other.id}, so the next plan makes it tier {tier}, "
            f"and worker {w} is a {en_role}, who does not serve tier-{tier} households: pin a "
            f"worker who does, or revoke #{other.id} first"
        )
    return (
        f"农户 {h} 有现行指定 #{other.id} (人员 {w}, {zh_role}), {zh_role}不承接{zh_tier}: 调为"
        f"{zh_tier}后该指定将失效; 请先撤销 #{other.id}, 再调整类别并另行指定 / household {h} "
        f"has standing pin #{other.id} to worker {w}, a {en_role}, who does not serve tier-"
        f"{tier} households: made tier {tier}, it would lose that pin; revoke #{other.id} "
        "first, then set the tier and pin a worker who serves it"
    )


def tier_and_pin_agree_in_file(
    o: Override,
    in_file: Sequence[FileRow],
    workers: pl.DataFrame,
    settings: AssignmentSettings,
) -> str | None:
    """:func:`tier_and_pin_agree` across the rows of one file: why ``o`` cannot stand beside
    a tier override or pin of its household on an earlier row (None: it can), naming that
    row. Importing both would leave a pin the next plan releases, as ``overrides add``
    refuses for the second of the two entered one by one."""
    rows = [r.override for r in in_file]
    found = _disagreement(o, rows, workers, settings)
    if found is None:
        return None
    other, pin, tier, role = found
    at_zh, at_en = next(r.where for r in in_file if r.override is other)
    zh_tier, h, w = TIER_NAMES_ZH[tier], o.household_id, pin.worker_id
    zh_role, en_role = ROLE_NAMES_ZH[role], ROLE_NAMES_EN[role]
    if o.kind == "pin":
        return (
            f"农户 {h} 在本文件{at_zh}调为{zh_tier}, 而人员 {w} 是{zh_role}, 不承接{zh_tier}: "
            f"请指定一名承接{zh_tier}的人员, 或删去其中一行 / the tier override on {at_en} of "
            f"this file makes household {h} tier {tier}, and worker {w} is a {en_role}, who "
            f"does not serve tier-{tier} households: pin a worker who does, or remove one of "
            "the two rows"
        )
    return (
        f"农户 {h} 在本文件{at_zh}指定给人员 {w} ({zh_role}), {zh_role}不承接{zh_tier}: 调为"
        f"{zh_tier}后该指定将失效; 请删去其中一行, 或改为指定一名承接{zh_tier}的人员 / "
        f"{at_en} of this file pins household {h} to worker {w}, a {en_role}, who does not "
        f"serve tier-{tier} households: made tier {tier}, it would lose that pin; remove one "
        f"of the two rows, or pin a worker who serves tier {tier}"
    )


def _broken_pair_rules(
    household: pl.DataFrame,
    workers: pl.DataFrame,
    worker_id: str,
    settings: AssignmentSettings,
    skip: frozenset[str] = frozenset(),
) -> list[str]:
    """Every hard pair rule (:data:`assignment.constraints.HARD_PAIR_RULES`, the assignment's
    own definitions) the household and worker break, each said in plain words with the ids
    and places that break it - not only the first, so the supervisor sees the whole reason."""
    worker = workers.filter(pl.col("worker_id") == worker_id)
    pair = household.join(
        worker.select(
            "worker_id", "role", *(pl.col(c).alias(f"w_{c}") for c in _AREAS), "active",
            "own_household_id",
        ),
        how="cross",
    ).with_columns(  # declared conflicts and forbids are checked elsewhere (the store)
        pl.lit(None, dtype=pl.Boolean).alias(k) for k in ("conflict", "forbidden")
    )  # fmt: skip
    rules = hard_pair_rules(settings)
    kept = pair.select(**rules).row(0, named=True)
    h, w = pair.row(0, named=True), worker_id
    tier = int(h["tier"])
    role = Role(h["role"])
    area = settings.jurisdiction[role]
    col = next((c for c in area_columns(area) if h[c] != h[f"w_{c}"]), area_key(area))
    place = col.removesuffix("_id")
    texts = {
        "role_eligible": (
            f"{ROLE_NAMES_ZH[role]}不承接{TIER_NAMES_ZH[tier]} / a {ROLE_NAMES_EN[role]} does "
            f"not serve tier-{tier} households"
        ),
        "in_jurisdiction": (
            f"农户不在其管辖范围内 ({_PLACE_ZH[place]}: 人员 {h[f'w_{col}']}, 农户 {h[col]}) / "
            f"outside the worker's jurisdiction (a {ROLE_NAMES_EN[role]} serves its own "
            f"{area}; the worker's {place} is {h[f'w_{col}']}, the household's {h[col]})"
        ),
        "worker_active": f"人员 {w} 已停用 / worker {w} is inactive",
        "not_own_household": f"这是该人员本人的家庭 / it is {w}'s own household",
    }
    return [
        texts.get(rule, rule)
        for rule in HARD_PAIR_RULES
        if kept[rule] is False and rule not in skip
    ]


def _tier_of_role(settings: AssignmentSettings, workers: pl.DataFrame, worker_id: str) -> int:
    """Where the household's tier is unknown: the tier the worker's role serves (so only
    jurisdiction, activity and own household are checked)."""
    role = workers.filter(pl.col("worker_id") == worker_id)["role"][0]
    return next(t for t in (1, 2, 3) if settings.tier(t).role.value == role)


# ---------------------------------------------------------------- override files

TIER_OVERRIDE_FILE_COLUMNS = ("household_id", "tier", "reason")
"""Columns of a tier-override file (``score --overrides``)."""

_NEEDS: dict[str, tuple[str, ...]] = {
    "tier": ("tier",),
    "pin": ("worker_id",),
    "forbid": ("worker_id",),
    "correction": ("field", "value"),
}


CONTROL_CHARACTER_RULE = (
    "含控制字符 (如 NUL), 请检查文件是否损坏或另存为 CSV UTF-8 "
    "(holds a control character such as NUL: a damaged file, or one saved in another "
    "encoding; save it again as CSV UTF-8)"
)
"""A cell with a control character (a NUL byte, say): SQLite stored it, PostgreSQL refused
the whole import with a database error naming no row."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _with_control_characters(row: dict[str, object]) -> list[str]:
    """The columns of ``row`` whose text holds a control character other than tab and line
    ends (:data:`CONTROL_CHARACTER_RULE`)."""
    return [c for c, v in row.items() if isinstance(v, str) and _CONTROL.search(v)]


def _text(value: object) -> str | None:
    """A cell as stripped text, None when empty."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _id_text(value: object) -> str | None:
    """An id, kind, field, tier or date cell as meant (:func:`~visit_planner.typed_text.
    meant_text`), None when empty: ``Ｈ００００００１`` typed in full width, or an id pasted from
    a chat message with a zero-width space, is the household H0000001, as ``overrides add``
    and the data files read it (it was 'not in this month's data', though it looked the
    same)."""
    if value is None:
        return None
    return meant_text(str(value)) or None


def row_name(path: Path | str, i: int) -> str:
    """Where row ``i`` (0-based data row) is as the user sees the file: the CSV line (the
    header is line 1, as in an editor or Excel), or the Parquet row (1-based), Chinese first:
    ``第 2 行 line 2``, ``第 1 行 row 1``."""
    if str(path).lower().endswith(".csv"):
        return row_place(i + 2, line=True)
    return row_place(i + 1)


def _row_words(path: Path | str, i: int) -> tuple[str, str]:
    """:func:`row_name`'s two halves, (Chinese, English), for a message that is worded in
    both: ``("第 2 行", "line 2")``."""
    zh, en = row_name(path, i).split(" 行 ", 1)
    return f"{zh} 行", en


def _row_label(path: Path | str, i: int, row: dict[str, object]) -> str:
    """Where the row is, with the ids it names."""
    ids = [x for x in (_id_text(row.get("household_id")), _id_text(row.get("worker_id"))) if x]
    return row_name(path, i) + (f" ({' → '.join(ids)})" if ids else "")


def _collect(found: dict[tuple[str, str], list[str]], column: str, rule: str, label: str) -> None:
    found.setdefault((column, rule), []).append(label)


def _problems(path: Path | str, found: dict[tuple[str, str], list[str]]) -> list[Problem]:
    return [
        Problem(str(path), column, rule, tuple(labels), count=len(labels))
        for (column, rule), labels in found.items()
    ]


def _tier_of(value: object) -> int | None:
    text = _id_text(value)
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() and int(number) in (1, 2, 3) else None


def _number_form(text: str | None) -> str | None:
    """Why an id cell cannot be read as the id it was: a spreadsheet saved a long numeric id
    in scientific notation (``5.32601E+17``: its last digits lost) or as a decimal
    (``532601.0``), the contracts' rules for the data files. It was refused as 'not in this
    month's data (moved away or left)', which sent the planner looking for the household."""
    if text is None:
        return None
    if re.search(SCIENTIFIC_FORM, text):
        return SCIENTIFIC_TEXT_RULE
    if re.search(DECIMAL_FORM, text):
        return DECIMAL_TEXT_RULE
    return None


_KIND_OF = {"worker_id": "pin", "tier": "tier", "field": "correction", "value": "correction"}
"""The kind of override a kind-specific column belongs to (a worker_id to a pin or forbid)."""


def _not_taken(kind: str | None, row: dict[str, object]) -> list[str]:
    """The kind-specific columns (worker_id, tier, field, value) a row of this kind fills but
    does not take: a tier override's worker_id, a pin's tier. They were dropped without a
    word, so a planner who wrote a tier and a worker on one row believed the household
    pinned; ``overrides add`` refuses them ('a tier override takes no worker_id')."""
    if kind not in KINDS:
        return []
    return [
        col for col in _KIND_OF if col not in _NEEDS[kind] and _id_text(row.get(col)) is not None
    ]


def _not_taken_rule(kind: str, column: str) -> str:
    """Why a kind-specific cell of another kind is refused, and the row to write instead."""
    other = _KIND_OF[column]
    kind_zh, other_zh = OVERRIDE_KIND_ZH[kind], OVERRIDE_KIND_ZH[other]
    return (
        f"{kind_zh}不填此列, 请留空; 如需{other_zh}, 请另起一行, kind 为 {other} / a {kind} "
        f"override takes no {column}: leave it empty, or write the {other} override on a "
        f"row of its own (kind {other})"
    )


def read_override_file(path: Path) -> pl.DataFrame:
    """An override file (CSV, UTF-8 or GBK, or Parquet) as strings (:func:`read_override_table`
    without its notes)."""
    return read_override_table(path).frame


def read_override_table(path: Path) -> ReadFile:
    """An override file (CSV, UTF-8 or GBK, or Parquet) as strings, read by the input tables'
    rule (:func:`~visit_planner.contracts.reader.read_noted`): empty rows at its end left
    out and header names read as :data:`OVERRIDE_FILE_COLUMNS` in any case, with notes
    saying so; a ContractError naming the file, the line and what is wrong with it, in
    Chinese and English, when it cannot be read (instead of the CSV parser's own text)."""
    try:
        return read_noted(path, names=OVERRIDE_FILE_COLUMNS)
    except ContractError:
        raise  # an unsupported suffix or encoding, already worded
    except Exception as exc:  # polars raises many kinds on malformed files
        why = _empty_csv(path)
        raise ContractError([
            f"{path}: 无法读取调整文件 (cannot read the override file): "
            + (why or unreadable_reason(path, exc))
        ]) from None  # fmt: skip


def _empty_csv(path: Path) -> str | None:
    """An empty CSV override file, told which columns its first line must name (None for any
    other file: why that one cannot be read is the contracts' ``unreadable_reason``, which
    also finds the CSV line that does not parse)."""
    if path.suffix.lower() != ".csv" or csv_text(path).strip():
        return None
    need = "the file is empty: line 1 must name the columns " + ",".join(OVERRIDE_FILE_COLUMNS)
    return f"文件为空, 第 1 行须为列名 ({need})"


def parse_override_file(
    frame: pl.DataFrame, path: Path | str, *, today: date, author: str
) -> tuple[list[tuple[int, Override]], list[Problem]]:
    """The overrides an override file asks for, and every problem of the file (all rows, all
    rules, in one pass): missing columns, an unknown kind, an empty household or reason, the
    field a kind needs missing, a tier outside 1-3, a correction of a field that cannot be
    corrected, an expiry that is not a date or is past, the same override twice. Returns the
    overrides of the rows without a problem (with their 0-based row; ``id`` 0: not stored
    yet), to be checked against the data too, and the problems: import nothing unless the
    problems of both checks are none."""
    doubled = repeated_columns(frame.columns)  # Kind and kind: refused, both named
    twice = {frame.columns[p - 1] for at in doubled.values() for p in at}
    missing = [col for col in ("kind", "household_id", "reason") if col not in frame.columns]
    unknown = [c for c in frame.columns if c not in OVERRIDE_FILE_COLUMNS and c not in twice]
    problems = [
        Problem(str(path), name, repeated_rule(at, frame.columns))
        for name, at in doubled.items()
    ] + [Problem(str(path), col, MISSING_COLUMN_RULE) for col in missing] + [
        Problem(
            str(path), col,
            f"未知列 (unknown column; the columns are {', '.join(OVERRIDE_FILE_COLUMNS)})",
        )
        for col in unknown
    ]  # fmt: skip
    if doubled:
        return [], problems
    if frame.height == 0:
        problems.append(Problem(str(path), "", "文件没有数据行 (the file has no rows)"))
    if missing:
        return [], problems
    found: dict[tuple[str, str], list[str]] = {}
    out: list[tuple[int, Override]] = []
    seen: dict[tuple[object, ...], int] = {}
    for i, row in enumerate(frame.iter_rows(named=True)):
        label = _row_label(path, i, row)
        problems_before = sum(map(len, found.values()))
        kind = (_id_text(row.get("kind")) or "").lower() or None
        household = _id_text(row.get("household_id"))
        reason = _text(row.get("reason"))
        for col in _with_control_characters(row):
            _collect(found, col, CONTROL_CHARACTER_RULE, label)
        if kind not in KINDS:
            _collect(found, "kind", f"类型无效 (must be one of {', '.join(KINDS)})", label)
        if household is None:
            _collect(found, "household_id", "农户编号为空 (must not be empty)", label)
        if reason is None:
            _collect(found, "reason", "须填写原因 (every override needs a reason)", label)
        for need in _NEEDS.get(kind or "", ()):
            if _id_text(row.get(need)) is None:
                _collect(found, need, f"缺少 {need} (a {kind} override needs {need})", label)
        for col in ("household_id", "worker_id"):
            if (lost := _number_form(_id_text(row.get(col)))) is not None:
                _collect(found, col, lost, f"{label}: {row[col]}")
        for extra in _not_taken(kind, row):
            _collect(found, extra, _not_taken_rule(kind or "", extra), f"{label}: {row[extra]}")
        tier = _tier_of(row.get("tier"))
        if kind == "tier" and _id_text(row.get("tier")) is not None and tier is None:
            _collect(found, "tier", "类别须为 1/2/3 (must be 1, 2 or 3)", f"{label}: {row['tier']}")
        field_name = _id_text(row.get("field"))
        if kind == "correction" and field_name is not None:
            probe = Override(0, kind, household or "", "", author, field=field_name)
            if field_correctable(probe) is not None:
                _collect(
                    found, "field",
                    f"不可更正 (cannot be corrected; correctable: {', '.join(CORRECTABLE_FIELDS)})",
                    f"{label}: {field_name}",
                )  # fmt: skip
        expires_on: date | None = None
        expires_text = _text(row.get("expires_on"))
        if expires_text is not None:
            try:
                expires_on = expiry_date(expires_text)
            except ValueError:
                _collect(found, "expires_on", f"日期格式错误, 应为 {EXPIRY_FORMS} (is not a "
                         f"day written {EXPIRY_FORMS})", f"{label}: {expires_text}")  # fmt: skip
            else:
                if expires_on < today:
                    _collect(found, "expires_on", f"已过期 (is in the past; today is {today})",
                             f"{label}: {expires_text}")  # fmt: skip
        # The same override twice: what it sets too (a second tier or value for the same
        # household or field is a conflict, reported as such by check_overrides_against_store).
        key = (
            kind, household, _id_text(row.get("worker_id")), field_name,
            tier if kind == "tier" else None,
            _text(row.get("value")) if kind == "correction" else None,
        )  # fmt: skip
        if key in seen:
            zh, en = _row_words(path, seen[key])
            _collect(found, "household_id", f"重复, 首次见于{zh} (the same override twice; "
                     f"first at {en})", label)  # fmt: skip
        seen.setdefault(key, i)
        if sum(map(len, found.values())) == problems_before:
            assert kind is not None and household is not None and reason is not None
            out.append((i,
                Override(
                    id=0, kind=kind, household_id=household, reason=reason, author=author,
                    worker_id=_id_text(row.get("worker_id")) if kind in ("pin", "forbid") else None,
                    tier=tier if kind == "tier" else None,
                    field=field_name if kind == "correction" else None,
                    value=_text(row.get("value")) if kind == "correction" else None,
                    evidence=_text(row.get("evidence")), expires_on=expires_on,
                ))
            )  # fmt: skip
    return out, problems + _problems(path, found)


def check_overrides_against_data(
    overrides: Sequence[tuple[int, Override]],
    path: Path | str,
    data_for: Callable[[Override], tuple[pl.DataFrame, pl.DataFrame]],
    settings: AssignmentSettings,
    *,
    today: date,
    in_force: Sequence[TierOrPin] = (),
) -> list[Problem]:
    """Every override of a file checked against the month's data (:func:`check_new_override`):
    one problem per row that cannot be accepted, naming the row, its ids and the rule. A pin
    and a tier override must agree with those ``in_force`` (:func:`tier_and_pin_agree`) and
    with those on the file's earlier rows (:func:`tier_and_pin_agree_in_file`), as they
    would when added one by one; a pin is judged at the tier an earlier row sets."""
    found: dict[tuple[str, str], list[str]] = {}
    earlier: list[FileRow] = []
    for i, o in overrides:
        before = tuple(earlier)
        earlier.append(FileRow(_row_words(path, i), o))
        try:
            households, workers = data_for(o)
        except VisitPlannerError as exc:  # e.g. the household is in no published run
            _collect(found, "household_id", str(exc), f"{row_name(path, i)} ({o.household_id})")
            continue
        checks = check_new_override(
            o, households, workers, settings, today=today, in_force=in_force, in_file=before
        )
        for why in checks:
            ids = " → ".join(x for x in (o.household_id, o.worker_id) if x)
            _collect(found, _field_of(o, why), why, f"{row_name(path, i)} ({ids})")
    return _problems(path, found)


def check_overrides_against_store(
    overrides: Sequence[tuple[int, Override]], path: Path | str, in_force: Sequence[Standing]
) -> list[Problem]:
    """Every override of a file that conflicts with an override in force (``in_force``, from
    the store) or with an earlier row of the file (:func:`~visit_planner.store.overrides.
    conflict`): one problem per row, naming the override or line it conflicts with. The store
    refuses them too; checking here reports every one, with its line, before anything is
    added."""
    found: dict[tuple[str, str], list[str]] = {}
    earlier: list[tuple[int, Override]] = []
    for i, o in overrides:
        label = f"{row_name(path, i)} ({' → '.join(x for x in (o.household_id, o.worker_id) if x)})"
        for other in in_force:
            why = conflict(o, other)
            if why is not None:
                _collect(found, "household_id", conflict_message(other, why), label)
        for j, prior in earlier:
            why = conflict(o, prior)
            if why is not None:
                zh, en = why
                at_zh, at_en = _row_words(path, j)
                _collect(found, "household_id", f"与{at_zh}冲突: {zh} / conflicts with "
                         f"{at_en}: {en}", label)  # fmt: skip
        earlier.append((i, o))
    return _problems(path, found)


def _field_of(o: Override, why: str) -> str:
    """The file column a data check's message is about: the household's when the message is
    about the household itself (not in this month's data), the worker's
    when it names the worker (gone, inactive, may not serve the household: a pin's refusal
    names both, and the worker is what is wrong); the reason's or the evidence's when it holds a
    person's number (:func:`personal_numbers`, the reason named first when both do)."""
    if why == household_present(o, set()):
        return "household_id"
    if why == personal_numbers(o):
        return "reason" if why.startswith("原因") else "evidence"
    if o.worker_id and o.worker_id in why:
        return "worker_id"
    return {"tier": "tier", "correction": "value"}.get(o.kind, "worker_id")


def check_tier_override_file(
    frame: pl.DataFrame, path: Path | str, household_ids: pl.Series
) -> list[Problem]:
    """Every problem of a tier-override file (``score --overrides``) in one pass: missing
    columns, an empty or duplicate household, an unknown household (not in the scored data),
    a tier outside 1-3, an empty reason or one holding a person's number."""
    missing = [col for col in TIER_OVERRIDE_FILE_COLUMNS if col not in frame.columns]
    if missing:
        return [Problem(str(path), col, MISSING_COLUMN_RULE) for col in missing]
    known = set(household_ids.cast(pl.String).to_list())
    found: dict[tuple[str, str], list[str]] = {}
    first: dict[str, int] = {}
    for i, row in enumerate(frame.select(TIER_OVERRIDE_FILE_COLUMNS).iter_rows(named=True)):
        label = _row_label(path, i, row)
        household = _text(row["household_id"])
        if household is None:
            _collect(found, "household_id", "农户编号为空 (must not be empty)", label)
        elif household not in known:
            _collect(found, "household_id", "农户不在数据中 (not in the scored households)", label)
        elif household in first:
            zh, en = _row_words(path, first[household])
            _collect(found, "household_id", f"重复, 首次见于{zh} (the same household twice; "
                     f"first at {en})", label)  # fmt: skip
        if household is not None:
            first.setdefault(household, i)
        if _tier_of(row["tier"]) is None:
            _collect(found, "tier", "类别须为 1/2/3 (must be 1, 2 or 3)", f"{label}: {row['tier']}")
        reason = _text(row["reason"])
        if reason is None:
            _collect(found, "reason", "须填写原因 (every override needs a reason)", label)
        elif (why := personal_numbers(Override(0, "tier", "", reason, ""))) is not None:
            _collect(found, "reason", why, label)
    return _problems(path, found)


def require_valid_tier_overrides(
    frame: pl.DataFrame, path: Path | str, households: pl.DataFrame
) -> None:
    """Raise a :class:`ContractError` with every problem of a tier-override file for the
    ``households`` being scored, if any."""
    ids = (
        households["household_id"]
        if "household_id" in households.columns
        else pl.Series([], dtype=pl.String)
    )
    problems = check_tier_override_file(frame, path, ids)
    if problems:
        raise ContractError([
            f"{path}: 调整文件有 {len(problems)} 处问题, 未评分 "
            f"({len(problems)} problem(s) in the override file; nothing was scored)",
            format_problems(problems),
        ])  # fmt: skip
