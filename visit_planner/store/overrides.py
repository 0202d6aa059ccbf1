"""Overrides of the plan's inputs and what became of them in each run.

An override is a tier (set a household's tier), a pin (keep a household with a worker), a
forbid (never give a household to a worker) or a correction (a household field's value, with
evidence). Each has an author, a reason and an optional expiry date; it is revoked, never
deleted or edited. Whether a run applied it, and why not, is recorded per run
(``override_outcomes``). Whether the households and workers exist is the caller's check
against the data; this module checks what the store alone can: the fields each kind needs,
an expiry not in the past, and no conflict with an override already in force
(:func:`conflict`: a second tier or pin for the same household, a second correction of the
same field, a pin and a forbid of the same pair, the same forbid twice). A conflicting
override is refused naming the one in force ("revoke #6 first"): overrides never replace each
other silently. Adding and revoking are audited in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy import Connection, insert, or_, select, update

from visit_planner import clock
from visit_planner.errors import StoreError
from visit_planner.personal_text import revoke_reason_refusal
from visit_planner.store import audit
from visit_planner.store.checks import check_choice, require_text
from visit_planner.store.codec import utc_now
from visit_planner.store.engine import serialize
from visit_planner.store.models import (
    OUTCOMES,
    OVERRIDE_KINDS,
    OVERRIDE_STATUSES,
    override_outcomes,
    overrides,
    runs,
)
from visit_planner.store.rows import OutcomeRow, OverrideRow

__all__ = [
    "REQUIRED",
    "add",
    "conflict",
    "conflict_message",
    "get",
    "list_overrides",
    "outcomes",
    "record_outcomes",
    "revoke",
]

REQUIRED: dict[str, tuple[str, ...]] = {
    "tier": ("tier",),
    "pin": ("worker_id",),
    "forbid": ("worker_id",),
    "correction": ("field", "value"),
}
"""The fields each kind needs; the other kind-specific fields must be left out."""
_SPECIFIC = ("worker_id", "tier", "field", "value")


def _check_fields(kind: str, given: dict[str, object]) -> None:
    """Each kind's fields present, the others absent, the tier one of the contract's tiers."""
    needed = REQUIRED[kind]
    missing = [f for f in needed if given[f] is None or given[f] == ""]
    if missing:
        raise StoreError(
            f"缺少必填字段: {', '.join(missing)} (a {kind} override needs {', '.join(missing)})"
        )
    extra = [f for f in _SPECIFIC if f not in needed and given[f] is not None]
    if extra:
        raise StoreError(
            f"多余字段: {', '.join(extra)} (a {kind} override takes no {', '.join(extra)})"
        )
    if kind == "tier":
        from visit_planner.contracts.columns import TIERS  # the contract's tiers, one definition

        if given["tier"] not in TIERS:
            raise StoreError(
                f"类别无效 (tier {given['tier']!r} is not one of {', '.join(map(str, TIERS))})"
            )


class Standing(Protocol):
    """What the conflict rule reads of an override (a stored row or one being added)."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def household_id(self) -> str: ...
    @property
    def worker_id(self) -> str | None: ...
    @property
    def field(self) -> str | None: ...


def conflict(new: Standing, other: Standing) -> tuple[str, str] | None:
    """Why ``new`` cannot be in force beside ``other`` (Chinese, English), None if it can.

    Both are about one household and: set its tier (only one tier can apply), pin it (a
    household goes to one worker), correct the same field (only one value can apply), pin and
    forbid the same worker (the forbid would silently beat the pin), or forbid the same worker
    twice. A forbid of another worker, or a correction of another field, stands beside it.
    """
    if new.household_id != other.household_id:
        return None
    kinds = {new.kind, other.kind}
    same_worker = new.worker_id == other.worker_id
    h, w = new.household_id, new.worker_id
    cases = [
        (kinds == {"tier"}, f"都设定农户 {h} 的类别", f"both set household {h}'s tier"),
        (kinds == {"pin"}, f"都指定农户 {h} 的走访人员", f"both pin household {h} to a worker"),
        (
            kinds == {"correction"} and new.field == other.field,
            f"都更正农户 {h} 的 {new.field}",
            f"both correct {new.field} of household {h}",
        ),
        (
            kinds == {"pin", "forbid"} and same_worker,
            f"农户 {h} 既被指定又被禁止给 {w}",
            f"household {h} would be both pinned to and forbidden from {w}",
        ),
        (
            kinds == {"forbid"} and same_worker,
            f"重复禁止 {h}→{w}",
            f"the same forbid {h}→{w} twice",
        ),
    ]
    return next(((zh, en) for hit, zh, en in cases if hit), None)


def conflict_message(other: Standing, why: tuple[str, str]) -> str:
    """The refusal of an override that conflicts with ``other`` (in force), saying the fix."""
    zh, en = why
    return (
        f"与现行督导调整 #{other.id} ({other.kind}) 冲突: {zh}; 如需更改, 请先撤销 #{other.id} / "
        f"conflicts with active override #{other.id} ({other.kind}): {en}; to change it, "
        f"revoke #{other.id} first (visit-planner overrides revoke {other.id} --reason ...)"
    )


def add(
    conn: Connection,
    kind: str,
    household_id: str,
    *,
    author: str,
    reason: str,
    worker_id: str | None = None,
    tier: int | None = None,
    field: str | None = None,
    value: str | None = None,
    evidence: str | None = None,
    expires_on: date | None = None,
    today: date | None = None,
    client: str | None = None,
) -> OverrideRow:
    """Record a new active override (write transaction); audited as ``override.add``, with
    the address a dashboard user submitted it from (``client``) when given.

    Refused (StoreError) when it conflicts with an override in force today (:func:`conflict`),
    naming that override and saying to revoke it first."""
    check_choice(kind, OVERRIDE_KINDS, "override kind")
    household_id = require_text(household_id, "household id")
    author = require_text(author, "author")
    reason = require_text(reason, "reason")
    _check_fields(kind, {"worker_id": worker_id, "tier": tier, "field": field, "value": value})
    today = today or clock.today()  # Wenshan's date: a server may be kept in UTC
    if expires_on is not None and expires_on < today:
        raise StoreError(
            f"失效日期不能早于今天 (expiry {expires_on.isoformat()} is in the past; today is "
            f"{today.isoformat()})"
        )
    serialize(conn, f"overrides of {household_id}")  # PostgreSQL: one adder per household
    new = _New(kind, household_id, worker_id, field)
    # Only the household's own overrides can conflict (:func:`conflict`); reading all of them
    # made an import quadratic (2,000 rows on 1,500 standing: 157 s holding the write lock).
    for other in list_overrides(conn, active_on=today, household_id=household_id):
        why = conflict(new, other)
        if why is not None:
            raise StoreError(conflict_message(other, why))
    result = conn.execute(
        insert(overrides).values(
            kind=kind,
            household_id=household_id,
            worker_id=worker_id,
            tier=tier,
            field=field,
            value=value,
            evidence=evidence,
            author=author,
            reason=reason,
            created_at=utc_now(),
            expires_on=expires_on,
            status="active",
        )
    )
    assert result.inserted_primary_key is not None
    row = get(conn, int(result.inserted_primary_key[0]))
    audit.append(
        conn,
        "override.add",
        author,
        f"override {row.id}",
        {
            "id": row.id,
            "kind": kind,
            "household_id": household_id,
            "worker_id": worker_id,
            "tier": tier,
            "field": field,
            "value": value,
            "evidence": evidence,
            "expires_on": expires_on,
            "reason": reason,
            **audit.client_details(client),
        },
    )
    return row


@dataclass(frozen=True)
class _New:
    """An override being added (no id yet), as :func:`conflict` reads it."""

    kind: str
    household_id: str
    worker_id: str | None
    field: str | None
    id: int = 0


def get(conn: Connection, override_id: int) -> OverrideRow:
    """The override ``override_id``; a StoreError when there is none."""
    row = conn.execute(select(overrides).where(overrides.c.id == override_id)).mappings().first()
    if row is None:
        raise StoreError(f"找不到该调整 (no override {override_id} in the store)")
    return OverrideRow.from_db(row)


def list_overrides(
    conn: Connection,
    active_on: date | None = None,
    status: str | None = None,
    *,
    household_id: str | None = None,
) -> list[OverrideRow]:
    """Overrides by id: those in force on ``active_on`` (active, not expired before it) and/or
    of one ``status`` and/or of one household; all when all are None."""
    stmt = select(overrides).order_by(overrides.c.id)
    if household_id is not None:
        stmt = stmt.where(overrides.c.household_id == household_id)
    if status is not None:
        stmt = stmt.where(overrides.c.status == check_choice(status, OVERRIDE_STATUSES, "status"))
    if active_on is not None:
        stmt = stmt.where(
            overrides.c.status == "active",
            or_(overrides.c.expires_on.is_(None), overrides.c.expires_on >= active_on),
        )
    return [OverrideRow.from_db(r) for r in conn.execute(stmt).mappings()]


def revoke(
    conn: Connection, override_id: int, actor: str, reason: str, client: str | None = None
) -> OverrideRow:
    """Revoke an active override (write transaction); audited as ``override.revoke`` (with
    ``client``, the address a dashboard user acted from, when given). A reason
    holding an ID-card or mobile number is refused (the audit log keeps it for good), for the
    CLI and the dashboard alike."""
    actor = require_text(actor, "actor")
    reason = require_text(reason, "reason")
    if (refusal := revoke_reason_refusal(reason)) is not None:
        raise StoreError(f"{refusal[0]} ({refusal[1]})")
    row = get(conn, override_id)
    if row.status == "revoked":
        raise StoreError(
            f"该调整已撤销 (override {override_id} was already revoked by {row.revoked_by})"
        )
    conn.execute(
        update(overrides)
        .where(overrides.c.id == override_id, overrides.c.status == "active")
        .values(status="revoked", revoked_by=actor, revoked_at=utc_now(), revoke_reason=reason)
    )
    audit.append(
        conn,
        "override.revoke",
        actor,
        f"override {override_id}",
        {
            "id": override_id,
            "kind": row.kind,
            "household_id": row.household_id,
            "reason": reason,
            **audit.client_details(client),
        },
    )
    return get(conn, override_id)


def record_outcomes(
    conn: Connection, run_id: str, results: Iterable[tuple[int, str, str]]
) -> list[OutcomeRow]:
    """Record whether each override was applied in run ``run_id`` (write transaction).

    ``results`` are ``(override_id, 'applied' | 'not_applied', reason)``; a reason is required
    for ``not_applied``. Outcomes are recorded once per run and override, never changed.
    """
    rows = [_outcome(run_id, *r) for r in results]
    if not conn.execute(select(runs.c.run_id).where(runs.c.run_id == run_id)).first():
        raise StoreError(f"找不到方案 (no run {run_id} in the store)")
    ids = [r.override_id for r in rows]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise StoreError(
            f"run {run_id}: 调整重复列出 (overrides listed twice: {', '.join(map(str, twice))})"
        )
    known = set(conn.execute(select(overrides.c.id).where(overrides.c.id.in_(ids))).scalars())
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise StoreError(f"找不到该调整 (no override {', '.join(map(str, unknown))} in the store)")
    done = set(
        conn.execute(
            select(override_outcomes.c.override_id).where(
                override_outcomes.c.run_id == run_id, override_outcomes.c.override_id.in_(ids)
            )
        ).scalars()
    )
    if done:
        raise StoreError(
            f"run {run_id}: 结果已记录，不可修改 (outcomes of override "
            f"{', '.join(map(str, sorted(done)))} are already recorded and never change)"
        )
    if rows:
        conn.execute(
            insert(override_outcomes),
            [
                {
                    "override_id": r.override_id,
                    "run_id": run_id,
                    "outcome": r.outcome,
                    "reason": r.reason,
                }
                for r in rows
            ],
        )
    return rows


def _outcome(run_id: str, override_id: int, outcome: str, reason: str | None) -> OutcomeRow:
    check_choice(outcome, OUTCOMES, "outcome")
    if outcome == "not_applied":
        reason = require_text(reason, f"reason why override {override_id} was not applied")
    return OutcomeRow(int(override_id), run_id, outcome, (reason or "").strip())


def outcomes(conn: Connection, run_id: str) -> Sequence[OutcomeRow]:
    """The outcomes recorded for run ``run_id``, by override id."""
    stmt = (
        select(override_outcomes)
        .where(override_outcomes.c.run_id == run_id)
        .order_by(override_outcomes.c.override_id)
    )
    return [
        OutcomeRow(int(r.override_id), r.run_id, r.outcome, r.reason) for r in conn.execute(stmt)
    ]
