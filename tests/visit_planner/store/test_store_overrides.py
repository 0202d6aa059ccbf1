"""Overrides: each kind's fields, expiry, revocation, and their outcome in a run."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.visit_planner.store.helpers import publish
from visit_planner.errors import StoreError
from visit_planner.store import OverrideRow, Store

TODAY = date(2026, 5, 2)


def test_add_and_list_overrides(store: Store) -> None:
    tier = store.add_override(
        "tier", "H0000001", author="lead01", reason="flood damage", tier=1, today=TODAY
    )
    pin = store.add_override(
        "pin",
        "H0000002",
        author="lead01",
        reason="elderly, knows W07",
        worker_id="W07",
        expires_on=date(2026, 5, 31),
        today=TODAY,
    )
    forbid = store.add_override(
        "forbid", "H0000003", author="lead02", reason="conflict", worker_id="W09", today=TODAY
    )
    fix = store.add_override(
        "correction",
        "H0000004",
        author="lead02",
        reason="moved",
        field="village_id",
        value="V5326210203",
        evidence="village register 2026-04",
        expires_on=TODAY,  # expiring today is allowed
        today=TODAY,
    )
    assert [o.id for o in (tier, pin, forbid, fix)] == [1, 2, 3, 4]
    assert (tier.kind, tier.tier, tier.worker_id, tier.status) == ("tier", 1, None, "active")
    assert (pin.worker_id, pin.expires_on) == ("W07", date(2026, 5, 31))
    assert (fix.field, fix.value, fix.evidence) == ("village_id", "V5326210203", fix.evidence)
    assert store.get_override(2) == pin
    assert store.list_overrides() == [tier, pin, forbid, fix]
    assert [o.id for o in store.list_overrides(active_on=TODAY)] == [1, 2, 3, 4]
    assert [o.id for o in store.list_overrides(active_on=date(2026, 5, 3))] == [1, 2, 3]
    assert [o.id for o in store.list_overrides(active_on=date(2026, 6, 1))] == [1, 3]
    assert store.list_overrides(status="revoked") == []
    entries = store.audit_entries()
    assert [(e.action, e.actor, e.subject) for e in entries] == [
        ("override.add", "lead01", "override 1"),
        ("override.add", "lead01", "override 2"),
        ("override.add", "lead02", "override 3"),
        ("override.add", "lead02", "override 4"),
    ]
    assert entries[1].details["expires_on"] == "2026-05-31"
    assert entries[3].details["evidence"] == "village register 2026-04"


@pytest.mark.parametrize(
    ("kind", "fields", "message"),
    [
        ("tier", {}, "needs tier"),
        ("tier", {"tier": 4}, "tier 4 is not one of 1, 2, 3"),
        ("tier", {"tier": 2, "worker_id": "W01"}, "takes no worker_id"),
        ("pin", {}, "needs worker_id"),
        ("pin", {"worker_id": ""}, "needs worker_id"),
        ("forbid", {"worker_id": "W01", "tier": 1}, "takes no tier"),
        ("correction", {"field": "village_id"}, "needs value"),
        ("correction", {"value": "x"}, "needs field"),
        ("correction", {"field": "f", "value": "v", "worker_id": "W1"}, "takes no worker_id"),
        ("visit", {}, "override kind 'visit' is not one of"),
        ("pin", {"worker_id": "W01", "expires_on": date(2026, 5, 1)}, "2026-05-01 is in the past"),
        ("pin", {"worker_id": "W01", "reason": ""}, "reason is required"),
        ("pin", {"worker_id": "W01", "author": None}, "author is required"),
        ("pin", {"worker_id": "W01", "household_id": " "}, "household id is required"),
    ],
)
def test_invalid_overrides_are_refused(
    store: Store, kind: str, fields: dict[str, object], message: str
) -> None:
    args: dict[str, object] = {"author": "lead01", "reason": "why", "household_id": "H1"}
    args.update(fields)
    household = args.pop("household_id")
    with pytest.raises(StoreError, match=message):
        store.add_override(kind, household, today=TODAY, **args)  # type: ignore[arg-type]
    assert store.list_overrides() == []
    assert store.audit_entries() == []


def test_revoke_an_override(store: Store) -> None:
    pin = store.add_override("pin", "H1", author="lead01", reason="r", worker_id="W1")
    keep = store.add_override("forbid", "H2", author="lead01", reason="r", worker_id="W2")
    revoked = store.revoke_override(pin.id, "lead02", "worker moved away")
    assert (revoked.status, revoked.revoked_by, revoked.revoke_reason) == (
        "revoked",
        "lead02",
        "worker moved away",
    )
    assert revoked.revoked_at is not None
    assert (revoked.household_id, revoked.worker_id, revoked.author) == ("H1", "W1", "lead01")
    assert store.list_overrides(status="revoked") == [revoked]
    assert store.list_overrides(active_on=date.today()) == [keep]
    with pytest.raises(StoreError, match="already revoked by lead02"):
        store.revoke_override(pin.id, "lead01", "again")
    with pytest.raises(StoreError, match="no override 99"):
        store.revoke_override(99, "lead01", "unknown")
    with pytest.raises(StoreError, match="reason is required"):
        store.revoke_override(keep.id, "lead01", "")
    # A person's number in the reason would stay in the audit log for good: refused, for the
    # CLI's `overrides revoke` as for the dashboard (only the dashboard checked it), and never
    # repeated in the refusal.
    for reason in ("户主电话 13912345678 要求撤销", "户主身份证 53262619800101123X"):
        with pytest.raises(StoreError) as refused:
            store.revoke_override(keep.id, "lead01", reason)
        assert "撤销理由中含疑似" in str(refused.value)
        assert "13912345678" not in str(refused.value) and "1123X" not in str(refused.value)
    assert store.get_override(keep.id).status == "active"
    last = store.audit_entries(1)[0]
    assert (last.action, last.actor, last.details["reason"]) == (
        "override.revoke",
        "lead02",
        "worker moved away",
    )
    assert len(store.audit_entries()) == 3


def test_outcomes_per_run(store: Store) -> None:
    a = store.add_override("pin", "H1", author="lead01", reason="r", worker_id="W1")
    b = store.add_override("forbid", "H2", author="lead01", reason="r", worker_id="W2")
    run = publish(store, outcomes=[(a.id, "applied", ""), (b.id, "not_applied", "W2 left")])
    assert [(o.override_id, o.outcome, o.reason) for o in store.outcomes(run.run_id)] == [
        (a.id, "applied", ""),
        (b.id, "not_applied", "W2 left"),
    ]
    later = publish(store)
    assert store.outcomes(later.run_id) == []
    with pytest.raises(StoreError, match="reason why override 2 was not applied"):
        store.record_outcomes(later.run_id, [(b.id, "not_applied", "")])
    with pytest.raises(StoreError, match="outcome 'skipped' is not one of"):
        store.record_outcomes(later.run_id, [(b.id, "skipped", "x")])
    with pytest.raises(StoreError, match="no override 7"):
        store.record_outcomes(later.run_id, [(a.id, "applied", ""), (7, "applied", "")])
    with pytest.raises(StoreError, match="listed twice"):
        store.record_outcomes(later.run_id, [(a.id, "applied", ""), (a.id, "applied", "")])
    with pytest.raises(StoreError, match="already recorded"):
        store.record_outcomes(run.run_id, [(a.id, "not_applied", "changed my mind")])
    with pytest.raises(StoreError, match="no run"):
        store.record_outcomes("0" * 32, [(a.id, "applied", "")])
    assert store.outcomes(later.run_id) == []  # nothing from the refused calls
    recorded = store.record_outcomes(later.run_id[:8], [(a.id, "applied", "")])
    assert [(o.run_id, o.outcome) for o in recorded] == [(later.run_id, "applied")]
    assert len(store.outcomes(run.run_id)) == 2


@pytest.mark.parametrize(
    ("first", "second", "needle"),
    [
        (("tier", {"tier": 1}), ("tier", {"tier": 2}), "both set household H1's tier"),
        (("pin", {"worker_id": "W1"}), ("pin", {"worker_id": "W2"}), "both pin household H1"),
        (("pin", {"worker_id": "W1"}), ("pin", {"worker_id": "W1"}), "both pin household H1"),
        (("forbid", {"worker_id": "W1"}), ("pin", {"worker_id": "W1"}), "both pinned to and"),
        (("pin", {"worker_id": "W1"}), ("forbid", {"worker_id": "W1"}), "both pinned to and"),
        (("forbid", {"worker_id": "W1"}), ("forbid", {"worker_id": "W1"}), "the same forbid"),
        (
            ("correction", {"field": "members", "value": "3"}),
            ("correction", {"field": "members", "value": "4"}),
            "both correct members",
        ),
    ],
)
def test_an_override_conflicting_with_one_in_force_is_refused(
    store: Store,
    first: tuple[str, dict[str, object]],
    second: tuple[str, dict[str, object]],
    needle: str,
) -> None:
    standing = store.add_override(first[0], "H1", author="a", reason="r", today=TODAY, **first[1])  # type: ignore[arg-type]
    with pytest.raises(StoreError) as refused:
        store.add_override(second[0], "H1", author="a", reason="r", today=TODAY, **second[1])  # type: ignore[arg-type]
    message = str(refused.value)
    assert needle in message
    assert f"active override #{standing.id} ({first[0]})" in message
    assert f"revoke #{standing.id} first" in message and f"请先撤销 #{standing.id}" in message
    assert [o.id for o in store.list_overrides()] == [standing.id]
    assert len(store.audit_entries()) == 1
    store.revoke_override(standing.id, "a", "replaced")  # then the new one is accepted
    added = store.add_override(second[0], "H1", author="a", reason="r", today=TODAY, **second[1])  # type: ignore[arg-type]
    assert added.status == "active"


def test_overrides_that_can_stand_together_are_accepted(store: Store) -> None:
    store.add_override("forbid", "H1", author="a", reason="r", worker_id="W1", today=TODAY)
    store.add_override("forbid", "H1", author="a", reason="r", worker_id="W2", today=TODAY)
    store.add_override("pin", "H1", author="a", reason="r", worker_id="W3", today=TODAY)
    store.add_override("tier", "H1", author="a", reason="r", tier=1, today=TODAY)
    store.add_override("tier", "H2", author="a", reason="r", tier=1, today=TODAY)
    store.add_override(
        "correction", "H1", author="a", reason="r", field="members", value="3", today=TODAY
    )
    store.add_override(
        "correction", "H1", author="a", reason="r", field="disputes_12m", value="1", today=TODAY
    )
    # one that expired before today no longer conflicts
    store.add_override(
        "tier", "H3", author="a", reason="r", tier=2, expires_on=date(2026, 5, 31), today=TODAY
    )
    store.add_override("tier", "H3", author="a", reason="r", tier=1, today=date(2026, 6, 1))
    assert len(store.list_overrides()) == 9


def test_add_overrides_is_all_or_none(store: Store) -> None:
    items = [
        {"kind": "tier", "household_id": "H1", "author": "a", "reason": "r", "tier": 1},
        {"kind": "pin", "household_id": "H2", "author": "a", "reason": "r", "worker_id": "W1"},
        {"kind": "tier", "household_id": "H1", "author": "a", "reason": "r", "tier": 2},
    ]
    with pytest.raises(StoreError, match="both set household H1's tier"):
        store.add_overrides(items, today=TODAY)
    assert store.list_overrides() == [] and store.audit_entries() == []
    rows = store.add_overrides(items[:2], today=TODAY)
    assert [r.kind for r in rows] == ["tier", "pin"]  # (PostgreSQL does not reuse ids)
    assert [e.subject for e in store.audit_entries()] == [f"override {r.id}" for r in rows]


def test_adding_reads_only_the_households_own_overrides(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each override added read every override in force to look for a conflict, so an import
    was quadratic (2,000 rows on 1,500 standing: 157 s on PostgreSQL, every audited action
    and, on SQLite, every writer waiting meanwhile). Only the household's own are read now;
    the conflicts are found as before."""
    store.add_overrides(
        [
            {"kind": "tier", "household_id": f"H{i:04d}", "author": "a", "reason": "r", "tier": 2}
            for i in range(200)
        ],
        today=TODAY,
    )
    read: list[str] = []
    from_db = OverrideRow.from_db

    def counted(row: Any) -> OverrideRow:
        read.append(row["household_id"])
        return from_db(row)

    monkeypatch.setattr(OverrideRow, "from_db", counted)
    store.add_override("tier", "H9999", author="a", reason="r", tier=1, today=TODAY)
    assert read == ["H9999"]  # the new row read back, nothing of the 200 others
    read.clear()
    with pytest.raises(StoreError, match="both set household H0150's tier"):
        store.add_override("tier", "H0150", author="a", reason="r", tier=1, today=TODAY)
    assert read == ["H0150"]  # the one in force it conflicts with


def test_the_overrides_of_one_household(store: Store) -> None:
    """``Store.list_overrides(household_id=)``: one household's overrides, standing and
    revoked, by id, and with the other filters as before (the dashboard's household page asked
    for every override of the prefecture and kept one household's)."""
    first = store.add_override("tier", "H0000001", author="a", reason="r", tier=1, today=TODAY)
    store.add_override("tier", "H0000002", author="a", reason="r", tier=2, today=TODAY)
    pin = store.add_override(
        "pin", "H0000001", author="a", reason="r", worker_id="W07", today=TODAY
    )
    store.add_override("forbid", "H0000003", author="a", reason="r", worker_id="W07", today=TODAY)
    revoked = store.revoke_override(first.id, "b", "moved")
    assert store.list_overrides(household_id="H0000001") == [revoked, pin]
    assert store.list_overrides(status="active", household_id="H0000001") == [pin]
    assert store.list_overrides(active_on=TODAY, household_id="H0000001") == [pin]
    assert store.list_overrides(household_id="H0000009") == []
    assert len(store.list_overrides()) == 4


def test_an_amendment_carries_the_outcomes_of_the_townships_it_did_not_resolve(
    store: Store,
) -> None:
    """An amendment recorded only the outcomes of its re-solved townships' overrides: the
    others, applied in the plan it carries over, had none in the month's current run."""
    a = store.add_override("tier", "H1", author="lead01", reason="r", tier=1)
    b = store.add_override("pin", "H2", author="lead01", reason="r", worker_id="W2")
    c = store.add_override("forbid", "H3", author="lead01", reason="r", worker_id="W3")
    plan = publish(store, outcomes=[(a.id, "applied", ""), (b.id, "not_applied", "W2 left")])
    amend = publish(
        store, kind="amend", parent_run_id=plan.run_id, outcomes=[(b.id, "applied", "")]
    )
    assert [(o.override_id, o.outcome, o.reason) for o in store.outcomes(amend.run_id)] == [
        (a.id, "applied", ""),  # carried over with its township's plan
        (b.id, "applied", ""),  # decided by the amendment, not the parent's 'not_applied'
    ]
    assert c.id not in {o.override_id for o in store.outcomes(amend.run_id)}  # added since
    again = publish(store, kind="amend", parent_run_id=amend.run_id)
    assert [o.override_id for o in store.outcomes(again.run_id)] == [a.id, b.id]
    assert store.outcomes(publish(store).run_id) == []  # a new plan decides everything itself


def test_without_a_date_an_expiry_is_checked_against_wenshans_date(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store's own default was the machine's date: on a server kept in UTC, before 08:00
    in Wenshan, an expiry of Wenshan's yesterday was accepted as not yet past."""
    from datetime import timedelta

    from visit_planner import clock

    machine = date.today()
    monkeypatch.setattr(clock, "today", lambda now=None: machine + timedelta(days=1))
    with pytest.raises(StoreError, match=rf"expiry {machine.isoformat()} is in the past"):
        store.add_override("tier", "H1", author="a", reason="r", tier=1, expires_on=machine)
