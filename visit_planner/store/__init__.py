"""The store: published runs, overrides, dashboard accounts and the audit log in one database.

docs/architecture.md, "Runs and the store". SQLite in the workspace (``<workspace>/store.db``)
by default, PostgreSQL (or another SQLite file) by URL: ``--store-url`` beats
``$VISIT_PLANNER_STORE_URL`` beats the workspace (:func:`store_url`). The run's files live in
its run directory; the store holds what the run is, which run of a month is current, and who
did what. Every error a user can cause is a :class:`~visit_planner.errors.StoreError`
(:class:`~visit_planner.errors.StoreBusyError` for a held month lock or a busy database,
:class:`~visit_planner.errors.LoginError` for a refused sign-in), raised after the transaction
was rolled back (a refused sign-in's count and audit entry are committed first).

API (each call is one transaction)::

    Store.open(url, *, create=True, busy_timeout=10.0) -> Store
    Store.for_workspace(workspace, url=None, *, busy_timeout=10.0) -> Store
    Store.upgrade(url, *, actor=None) -> UpgradeResult          # `visit-planner store upgrade`
    Store.copy(source_url, target_url, *, actor=None) -> CopyResult  # `store copy`
    Store.schema_status(url) -> SchemaStatus
    store.close()  /  with Store.open(url) as store: ...

    store.publish_run(record, *, actor, townships, kind="plan", parent_run_id=None,
                      outcomes=None) -> RunRow
    store.current_run(month) -> RunRow | None
    store.get_run(run_id_or_prefix) -> RunRow
    store.list_runs(month=None) -> list[RunRow]
    store.run_townships(run_id) -> list[TownshipRow]
    store.rollback(month, to_run_id, *, actor, reason) -> RunRow

    with store.month_lock(month, holder=None) as lock: ...       # StoreBusyError if held
    store.force_release_month_lock(month, *, actor, reason) -> str | None

    store.add_override(kind, household_id, *, author, reason, worker_id=None, tier=None,
                       field=None, value=None, evidence=None, expires_on=None) -> OverrideRow
    store.add_overrides([{kind, household_id, author, reason, ...}, ...]) -> [OverrideRow]
    store.get_override(id) -> OverrideRow
    store.list_overrides(active_on=None, status=None, *, household_id=None) -> [OverrideRow]
    store.revoke_override(id, actor, reason) -> OverrideRow
    store.record_outcomes(run_id, [(override_id, outcome, reason), ...]) -> list[OutcomeRow]
    store.outcomes(run_id) -> list[OutcomeRow]

    store.add_user(username, role, *, scope_kind, scope_id=None, password, actor) -> UserRow
    store.get_user(username) -> UserRow
    store.list_users() -> list[UserRow]
    store.disable_user(username, actor, reason) -> UserRow
    store.reset_password(username, new_password, actor) -> UserRow
    store.authenticate(username, password, *, now=None) -> UserRow  # LoginError if refused

    store.append_audit(action, actor, subject, details) -> AuditEntry
    store.verify_audit() -> AuditCheck                           # .ok, .first_bad_seq, .message
    store.audit_entries(limit=None) -> list[AuditEntry]

    records_from_run_dir(run_dir, workspace) -> (RunRecord, [TownshipRecord])
    published_run_dir(workspace, run) -> Path       # StoreError: not in this workspace

Tables (schema by the Alembic migrations in ``migrations/``; :mod:`.models` mirrors them)::

    runs             run_id pk, month 'YYYY-MM', version (1.. per month), kind plan|amend,
                     parent_run_id, status current|superseded|rolled_back, created_at,
                     created_by, model_version, policy_sha256, policy_text, inputs_json,
                     code_version, metrics_json, plan_sha256, path (relative to the workspace);
                     unique (month, version); at most one current run per month
    run_townships    (run_id, township_id) pk, plan_sha256 of the township's plan file,
                     status (the township's solve status), diagnostics_json
    overrides        id pk, kind tier|pin|forbid|correction, household_id, worker_id, tier,
                     field, value, evidence, author, reason, created_at, expires_on,
                     status active|revoked, revoked_by, revoked_at, revoke_reason
    override_outcomes (override_id, run_id) pk, outcome applied|not_applied, reason
    audit            seq pk, at, actor, action, subject, details_json, prev_hash, hash
                     (hash = sha256(prev_hash + canonical JSON of the entry))
    month_locks      month pk, holder, host, pid, pid_start, token, since
    users            username pk (3-32 of a-z 0-9 _ . -), role planner|supervisor|
                     data_scientist|viewer, scope_kind prefecture|county|township, scope_id
                     (null for the prefecture; a supervisor has a county or township),
                     password_hash (argon2id), active, failed_logins, locked_until,
                     created_at, created_by, password_changed_at

Runs, run townships and audit entries are never updated or deleted by the application (a run's
status changes by publish and rollback only); on PostgreSQL, triggers refuse it from anyone.
Only ids and operator account names are stored, no names of people. Accounts are disabled,
never deleted; a password is never stored or audited, and its hash never leaves
:mod:`.users` (:class:`UserRow` has none). Five consecutive failed logins lock an account for
15 minutes; every sign-in attempt is audited (``login``, ``login.failed``, ``login.locked``).
"""

from visit_planner.store.engine import DEFAULT_BUSY_TIMEOUT, STORE_URL_ENV, store_url
from visit_planner.store.from_run import published_run_dir, records_from_run_dir
from visit_planner.store.rows import (
    AuditCheck,
    AuditEntry,
    CopyResult,
    MonthLock,
    OutcomeRow,
    OverrideRow,
    RunRecord,
    RunRow,
    TownshipRecord,
    TownshipRow,
    UpgradeResult,
    UserRow,
)
from visit_planner.store.schema import SchemaStatus, head_revision
from visit_planner.store.store import Store
from visit_planner.store.users import (
    LOCKOUT,
    MAX_FAILED_LOGINS,
    MIN_PASSWORD_LENGTH,
    SCOPE_KINDS,
    USER_ROLES,
)

__all__ = [
    "DEFAULT_BUSY_TIMEOUT",
    "LOCKOUT",
    "MAX_FAILED_LOGINS",
    "MIN_PASSWORD_LENGTH",
    "SCOPE_KINDS",
    "STORE_URL_ENV",
    "USER_ROLES",
    "AuditCheck",
    "AuditEntry",
    "CopyResult",
    "MonthLock",
    "OutcomeRow",
    "OverrideRow",
    "RunRecord",
    "RunRow",
    "SchemaStatus",
    "Store",
    "TownshipRecord",
    "TownshipRow",
    "UpgradeResult",
    "UserRow",
    "head_revision",
    "published_run_dir",
    "records_from_run_dir",
    "store_url",
]
