"""What goes into the store and what comes out of it, as frozen dataclasses.

``*Record`` types are what a caller hands in (:class:`RunRecord`, :class:`TownshipRecord`);
``*Row`` types are what the store returns, with the values the store assigned (version,
status, ids, timestamps). JSON columns come back parsed, timestamps as aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from visit_planner.store.codec import parse_json, utc

__all__ = [
    "AuditCheck",
    "AuditEntry",
    "CopyResult",
    "MonthLock",
    "OutcomeRow",
    "OverrideRow",
    "RunRecord",
    "RunRow",
    "TownshipRecord",
    "TownshipRow",
    "UpgradeResult",
    "UserRow",
]


@dataclass(frozen=True)
class RunRecord:
    """A run to publish: identity and provenance, as its manifest and run directory hold them.

    ``path`` is the run directory relative to the workspace (e.g. ``runs/2026-05/<run_id>``);
    the files must be in place before the run is published.
    """

    run_id: str
    month: str
    created_at: datetime
    created_by: str
    code_version: str
    policy_sha256: str
    policy_text: str
    plan_sha256: str
    path: str
    model_version: str | None = None
    inputs: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TownshipRecord:
    """One township of a run: the hash of its plan file, its solve status (``optimal``,
    ``feasible``, ``infeasible``, ``error``...) and its diagnostics row."""

    township_id: str
    plan_sha256: str
    status: str
    diagnostics: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunRow:
    """A published run (one row of ``runs``)."""

    run_id: str
    month: str
    version: int
    kind: str
    parent_run_id: str | None
    status: str
    created_at: datetime
    created_by: str
    model_version: str | None
    policy_sha256: str
    policy_text: str
    inputs: dict[str, Any]
    code_version: str
    metrics: dict[str, Any]
    plan_sha256: str
    path: str

    @classmethod
    def from_db(cls, row: Mapping[Any, Any]) -> RunRow:
        """From a ``runs`` row mapping."""
        values = {k: row[k] for k in cls.__dataclass_fields__ if k in row}
        values["created_at"] = utc(row["created_at"])
        values["inputs"] = parse_json(row["inputs_json"])
        values["metrics"] = parse_json(row["metrics_json"])
        return cls(**values)


@dataclass(frozen=True)
class TownshipRow:
    """One township of a published run (one row of ``run_townships``)."""

    run_id: str
    township_id: str
    plan_sha256: str
    status: str
    diagnostics: dict[str, Any]

    @classmethod
    def from_db(cls, row: Mapping[Any, Any]) -> TownshipRow:
        """From a ``run_townships`` row mapping."""
        return cls(
            run_id=row["run_id"],
            township_id=row["township_id"],
            plan_sha256=row["plan_sha256"],
            status=row["status"],
            diagnostics=parse_json(row["diagnostics_json"]),
        )


@dataclass(frozen=True)
class OverrideRow:
    """An override (one row of ``overrides``)."""

    id: int
    kind: str
    household_id: str
    worker_id: str | None
    tier: int | None
    field: str | None
    value: str | None
    evidence: str | None
    author: str
    reason: str
    created_at: datetime
    expires_on: date | None
    status: str
    revoked_by: str | None
    revoked_at: datetime | None
    revoke_reason: str | None

    @classmethod
    def from_db(cls, row: Mapping[Any, Any]) -> OverrideRow:
        """From an ``overrides`` row mapping."""
        values = {k: row[k] for k in cls.__dataclass_fields__}
        values["created_at"] = utc(row["created_at"])
        values["revoked_at"] = utc(row["revoked_at"]) if row["revoked_at"] else None
        return cls(**values)

    def active_on(self, day: date) -> bool:
        """Whether the override applies on ``day``: not revoked and not expired before it."""
        return self.status == "active" and (self.expires_on is None or self.expires_on >= day)


@dataclass(frozen=True)
class OutcomeRow:
    """Whether an override was applied in a run, and why not (one row of
    ``override_outcomes``)."""

    override_id: int
    run_id: str
    outcome: str
    reason: str


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the audit log; ``hash`` = sha256(prev_hash + canonical JSON of the entry)."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class AuditCheck:
    """The result of verifying the audit chain.

    ``first_bad_seq`` is the first entry that was edited, removed (a gap in ``seq``) or
    reordered, None when the chain is intact. ``head_hash`` is the last entry's hash: written
    down elsewhere, it also reveals entries cut off the end later.
    """

    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str | None = None
    head_seq: int | None = None
    head_hash: str | None = None

    @property
    def message(self) -> str:
        """What ``audit verify`` prints, in Chinese and English, said once."""
        if self.ok:
            head = f"#{self.head_seq} {self.head_hash}" if self.head_seq else "-"
            return f"审计日志完整 / audit log intact: {self.entries} 条 entries; 链头 head {head}"
        seq = self.first_bad_seq
        return f"审计日志被篡改, 自第 {seq} 条起 (audit log broken at entry {seq}): {self.problem}"


@dataclass(frozen=True)
class MonthLock:
    """A month's planning lock as held by this process."""

    month: str
    holder: str
    since: datetime
    token: str


@dataclass(frozen=True)
class UpgradeResult:
    """What ``store upgrade`` did: the schema revision before (None: a new database) and after,
    and the database it did it to, named for messages (its file, or its URL without password)."""

    before: str | None
    after: str
    where: str = ""

    @property
    def changed(self) -> bool:
        """Whether any migration ran."""
        return self.before != self.after


@dataclass(frozen=True)
class CopyResult:
    """What ``store copy`` did: the databases (named for messages, no password), the rows it
    copied per table (the source's counts), and the target log's head after its own
    ``store.copy`` entry."""

    source: str
    target: str
    target_url: str  # the target's URL without its password (``***``), to set it by
    rows: dict[str, int]
    head_seq: int
    head_hash: str


@dataclass(frozen=True)
class UserRow:
    """A dashboard account (one row of ``users``), without its password hash: the hash never
    leaves :mod:`visit_planner.store.users`, so no page or log can show it by accident.

    ``scope_kind`` is ``prefecture`` (``scope_id`` None), ``county`` (a 6-digit county id) or
    ``township`` (a 9-digit township id). ``locked_until`` is set by repeated failed logins.
    """

    username: str
    role: str
    scope_kind: str
    scope_id: str | None
    active: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    created_by: str
    password_changed_at: datetime
    email: str | None = None  # lower-case; single sign-on by the ``email`` claim

    @classmethod
    def from_db(cls, row: Mapping[Any, Any]) -> UserRow:
        """From a ``users`` row mapping (the hash column is left out)."""
        return cls(
            username=row["username"],
            role=row["role"],
            scope_kind=row["scope_kind"],
            scope_id=row["scope_id"],
            active=bool(row["active"]),
            failed_logins=int(row["failed_logins"]),
            locked_until=utc(row["locked_until"]) if row["locked_until"] else None,
            created_at=utc(row["created_at"]),
            created_by=row["created_by"],
            password_changed_at=utc(row["password_changed_at"]),
            email=row.get("email"),
        )

    @property
    def scope(self) -> str:
        """The jurisdiction as one word: ``prefecture``, ``county:532626``,
        ``township:532626001`` (the form ``users add --scope`` takes)."""
        return self.scope_kind if self.scope_id is None else f"{self.scope_kind}:{self.scope_id}"

    def locked_at(self, now: datetime) -> bool:
        """Whether failed logins keep the account locked at ``now``."""
        return self.locked_until is not None and utc(now) < self.locked_until
