"""The :class:`Store`: one object for the application, each call one transaction.

The store's concerns live in their own modules (``engine``, ``schema``, ``runs``,
``overrides``, ``audit``, ``locks``, ``users``) as functions on a connection; this class opens
the transaction each call needs, so that a change and its audit entry commit together or not at
all, and so that no caller holds a transaction open across its own slow work (a solve, or
hashing a password).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import date, datetime
from types import TracebackType
from typing import Any

from visit_planner.errors import StoreError
from visit_planner.paths import Workspace
from visit_planner.store import audit, locks, overrides, runs, schema, users
from visit_planner.store.copy import copy_store
from visit_planner.store.engine import DEFAULT_BUSY_TIMEOUT, Database, store_url
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

__all__ = ["Store"]


class Store:
    """The application's store of runs, overrides and the audit log (see the package docs).

    >>> with Store.open("sqlite:////tmp/w/store.db") as store:  # doctest: +SKIP
    ...     store.current_run("2026-05")
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(
        cls, url: str, *, create: bool = True, busy_timeout: float = DEFAULT_BUSY_TIMEOUT
    ) -> Store:
        """Open the store at ``url``; an empty database is created at the newest schema.

        A database at an older or unknown schema version is refused (StoreError saying to run
        ``visit-planner store upgrade``), as is an unreachable or locked one. ``busy_timeout``
        is how long a write waits for another writer before StoreBusyError.
        """
        db = Database.connect(url, busy_timeout)
        try:
            schema.ensure_current(db, create=create)
        except BaseException:
            db.dispose()
            raise
        return cls(db)

    @classmethod
    def for_workspace(
        cls,
        workspace: Workspace,
        url: str | None = None,
        *,
        create: bool = True,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    ) -> Store:
        """Open the workspace's store: ``url`` (``--store-url``), else
        ``$VISIT_PLANNER_STORE_URL``, else ``<workspace>/store.db``.

        ``create``: the workspace and an empty store are created when missing (commands that
        record something: plan, users add, demo). ``create=False`` is for commands that read
        or change what is recorded: a workspace or store that does not exist is refused
        (StoreError naming the path), and nothing is created - so a mistyped ``--home`` is
        reported instead of opening a new, empty store. For a server URL "does not exist"
        means its schema was never created (``visit-planner store upgrade`` creates it).
        """
        resolved = store_url(workspace, url)
        if resolved == f"sqlite:///{workspace.store_db}":
            if create:
                workspace.ensure()
            else:
                cls.require_workspace(workspace, url)
            if not create and not workspace.store_db.is_file():
                raise StoreError(
                    f"工作区 {workspace.root} 中没有数据库, 未创建任何文件 / no store in "
                    f"workspace {workspace.root} ({workspace.store_db.name} is missing): "
                    "nothing was published or recorded there yet. Check --home or "
                    "$VISIT_PLANNER_HOME, or create the store with `visit-planner store upgrade "
                    f"--home {shlex.quote(str(workspace.root))}`; nothing was created"
                )
        return cls.open(resolved, create=create, busy_timeout=busy_timeout)

    @staticmethod
    def require_workspace(workspace: Workspace, url: str | None = None) -> None:
        """Refuse (StoreError naming it) a workspace directory that does not exist when the
        store is the workspace's ``store.db`` - a mistyped ``--home`` - creating nothing."""
        default = store_url(workspace, url) == f"sqlite:///{workspace.store_db}"
        if default and not workspace.root.is_dir():
            raise StoreError(
                f"工作区 {workspace.root} 不存在, 未创建任何文件 / workspace {workspace.root} "
                "does not exist: check --home or $VISIT_PLANNER_HOME; nothing was created"
            )

    @staticmethod
    def upgrade(
        url: str, *, actor: str | None = None, busy_timeout: float = DEFAULT_BUSY_TIMEOUT
    ) -> UpgradeResult:
        """Migrate the database at ``url`` to the newest schema (create it when empty)."""
        db = Database.connect(url, busy_timeout)
        try:
            result = schema.upgrade(db, actor=actor or locks.current_user())
            return replace(result, where=db.where)
        finally:
            db.dispose()

    @staticmethod
    def copy(
        source_url: str,
        target_url: str,
        *,
        actor: str | None = None,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    ) -> CopyResult:
        """Copy the whole store at ``source_url`` into the empty database at ``target_url``
        (``visit-planner store copy``; :mod:`visit_planner.store.copy`)."""
        source = Database.connect(source_url, busy_timeout)
        target = Database.connect(target_url, busy_timeout)
        try:
            return copy_store(source, target, actor=actor or locks.current_user())
        finally:
            source.dispose()
            target.dispose()

    @staticmethod
    def schema_status(url: str) -> schema.SchemaStatus:
        """The database's schema revision and this program's (for ``store status``)."""
        db = Database.connect(url)
        try:
            if db.file_missing:  # do not create the file just to look at it
                return schema.SchemaStatus(None, schema.head_revision(), "empty")
            with db.read() as conn:
                return schema.schema_status(conn)
        finally:
            db.dispose()

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._db.dialect

    @property
    def where(self) -> str:
        """The database, named for messages (no password)."""
        return self._db.where

    def close(self) -> None:
        """Close the store's connections."""
        self._db.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ runs

    def publish_run(
        self,
        record: RunRecord,
        *,
        actor: str,
        townships: Sequence[TownshipRecord],
        kind: str = "plan",
        parent_run_id: str | None = None,
        outcomes: Iterable[tuple[int, str, str]] | None = None,
    ) -> RunRow:
        """Publish a run as its month's next version and current run, in one transaction:
        the previous current run becomes superseded, the townships and the overrides'
        outcomes (optional) are stored, the audit log gets ``publish`` or ``amend``.

        An amendment decides the overrides of the townships it re-solves; the others' plans
        are its parent's, carried over, and so are their outcomes (:meth:`outcomes` of the
        parent for every override the amendment did not decide): without them, those
        overrides had no outcome in the month's current run (``runs show`` listed none, the
        dashboard's corrections page called applied ones pending)."""
        decided = list(outcomes or ())
        with self._db.write() as conn:
            row = runs.publish(
                conn,
                record,
                actor=actor,
                townships=townships,
                kind=kind,
                parent_run_id=parent_run_id,
            )
            if kind == "amend" and parent_run_id is not None:
                ids = {int(o[0]) for o in decided}
                decided += [
                    (o.override_id, o.outcome, o.reason)
                    for o in overrides.outcomes(conn, parent_run_id)
                    if o.override_id not in ids
                ]
            if decided:
                overrides.record_outcomes(conn, row.run_id, decided)
            return row

    def current_run(self, month: str) -> RunRow | None:
        """The month's current run, None when nothing is published for it."""
        with self._db.read() as conn:
            return runs.current(conn, month)

    def get_run(self, run_id: str) -> RunRow:
        """A run by id or by a unique prefix of at least 6 hex characters."""
        with self._db.read() as conn:
            return runs.get(conn, run_id, where=self.where)

    def list_runs(self, month: str | None = None) -> list[RunRow]:
        """Runs by month and version (one month's, or all)."""
        with self._db.read() as conn:
            return runs.list_runs(conn, month)

    def run_townships(self, run_id: str) -> list[TownshipRow]:
        """A run's townships, by township id."""
        with self._db.read() as conn:
            return runs.townships_of(conn, run_id)

    def rollback(self, month: str, to_run_id: str, *, actor: str, reason: str) -> RunRow:
        """Make an earlier run of ``month`` current again; later runs become rolled_back."""
        with self._db.write() as conn:
            return runs.rollback(conn, month, to_run_id, actor=actor, reason=reason)

    # ------------------------------------------------------------------ month locks

    @contextmanager
    def month_lock(
        self,
        month: str,
        holder: str | None = None,
        *,
        wait: float = locks.CLEARING_WAIT,
        waiting: Callable[[float], None] | None = None,
    ) -> Iterator[MonthLock]:
        """Hold ``month``'s planning lock for the block (exclusive across processes).

        Raises StoreBusyError naming the month, the holder and since when if another process
        holds it; one held by a clean-up (:meth:`clearing_lock`) is waited for, up to
        ``wait`` seconds (``waiting(wait)`` told when that wait starts). If the block fails
        and the lock cannot be given back either, the block's error wins; the row left
        behind is recovered as stale once this process has ended.
        """
        lock = locks.acquire(self._db, month, holder, wait=wait, waiting=waiting)
        try:
            yield lock
        except BaseException:
            with suppress(StoreError):
                locks.release(self._db, lock)
            raise
        locks.release(self._db, lock)

    @contextmanager
    def clearing_lock(self, month: str) -> Iterator[MonthLock]:
        """Hold ``month``'s lock for a clean-up of what killed plans left: taken without
        waiting (StoreBusyError when anyone holds it: the month is left to its holder) and
        named as a clean-up (:func:`~visit_planner.store.locks.clearing_holder`), which a
        ``plan`` taking :meth:`month_lock` in that moment waits for instead of refusing."""
        with self.month_lock(month, locks.clearing_holder(), wait=0.0) as lock:
            yield lock

    def force_release_month_lock(self, month: str, *, actor: str, reason: str) -> str | None:
        """Remove ``month``'s lock whoever holds it (audited); the holder it had, or None."""
        return locks.force_release(self._db, month, actor=actor, reason=reason)

    # ------------------------------------------------------------------ overrides

    def add_override(
        self,
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
        """Record an override: ``tier`` needs tier, ``pin``/``forbid`` need worker_id,
        ``correction`` needs field and value; an expiry is not in the past. Audited (with
        ``client``, the address a dashboard user submitted it from, when given)."""
        with self._db.write() as conn:
            return overrides.add(
                conn,
                kind,
                household_id,
                author=author,
                reason=reason,
                worker_id=worker_id,
                tier=tier,
                field=field,
                value=value,
                evidence=evidence,
                expires_on=expires_on,
                today=today,
                client=client,
            )

    def add_overrides(
        self, items: Sequence[Mapping[str, Any]], *, today: date | None = None
    ) -> list[OverrideRow]:
        """Record several overrides in one transaction, all or none (``overrides import``):
        each item holds :meth:`add_override`'s arguments (``kind``, ``household_id``,
        ``author``, ``reason`` and the kind's fields). Each is checked as :meth:`add_override`
        checks it, also against the items before it; audited one entry each."""
        with self._db.write() as conn:
            return [overrides.add(conn, **item, today=today) for item in items]

    def get_override(self, override_id: int) -> OverrideRow:
        """One override by id."""
        with self._db.read() as conn:
            return overrides.get(conn, override_id)

    def list_overrides(
        self,
        active_on: date | None = None,
        status: str | None = None,
        *,
        household_id: str | None = None,
    ) -> list[OverrideRow]:
        """Overrides in force on ``active_on`` and/or of ``status`` ('active'|'revoked') and/or
        of one household (the dashboard's household page asks for its household's only, not
        for every override of the prefecture)."""
        with self._db.read() as conn:
            return overrides.list_overrides(conn, active_on, status, household_id=household_id)

    def revoke_override(
        self, override_id: int, actor: str, reason: str, client: str | None = None
    ) -> OverrideRow:
        """Revoke an active override; audited (with ``client`` when given)."""
        with self._db.write() as conn:
            return overrides.revoke(conn, override_id, actor, reason, client)

    def record_outcomes(
        self, run_id: str, results: Iterable[tuple[int, str, str]]
    ) -> list[OutcomeRow]:
        """Record ``(override_id, 'applied'|'not_applied', reason)`` for a run, once."""
        with self._db.write() as conn:
            run = runs.get(conn, run_id)
            return overrides.record_outcomes(conn, run.run_id, results)

    def outcomes(self, run_id: str) -> list[OutcomeRow]:
        """The overrides' outcomes in a run, by override id."""
        with self._db.read() as conn:
            run = runs.get(conn, run_id)
            return list(overrides.outcomes(conn, run.run_id))

    # ------------------------------------------------------------------ audit

    def append_audit(
        self, action: str, actor: str, subject: str, details: Mapping[str, Any]
    ) -> AuditEntry:
        """Append an entry to the audit log (for actions outside the store, e.g. an export)."""
        with self._db.write() as conn:
            return audit.append(conn, action, actor, subject, details)

    def verify_audit(self) -> AuditCheck:
        """Check the audit chain; names the first edited, removed or reordered entry."""
        with self._db.read() as conn:
            return audit.verify(conn)

    def audit_entries(self, limit: int | None = None) -> list[AuditEntry]:
        """The last ``limit`` audit entries (all when None), oldest first."""
        with self._db.read() as conn:
            return audit.entries(conn, limit)

    def audit_listing(
        self,
        limit: int | None = None,
        *,
        actions: Collection[str] = (),
        since: datetime | None = None,
    ) -> tuple[list[AuditEntry], int | None, int | None]:
        """What ``audit list`` shows, read together: the last ``limit`` entries (all when
        None) of ``actions`` (any when empty) at or after ``since`` (when given), oldest
        first and filtered in the query; the seq of the log's last entry, and the seq its
        head record says it ends at (None: no entry, no head record)."""
        with self._db.read() as conn:
            found = audit.entries(conn, limit, actions=actions, since=since)
            return found, audit.last_seq(conn), audit.head_seq(conn)

    def audit_actions(self) -> list[str]:
        """Every action the audit log holds an entry of, in order."""
        with self._db.read() as conn:
            return audit.actions_recorded(conn)

    # ------------------------------------------------------------------ dashboard accounts

    def add_user(
        self,
        username: str,
        role: str,
        *,
        scope_kind: str,
        scope_id: str | None = None,
        password: str,
        actor: str,
        email: str | None = None,
    ) -> UserRow:
        """Create an active dashboard account, with an optional e-mail address (unique,
        lower-cased); audited (never the password).

        ``role`` is planner, supervisor, data_scientist or viewer; ``scope_kind`` prefecture
        (no ``scope_id``), county (6 digits) or township (9 digits), a supervisor needing a
        county or township; the password has at least 10 characters. StoreError otherwise.
        """
        return users.add(
            self._db,
            username,
            role,
            scope_kind=scope_kind,
            scope_id=scope_id,
            password=password,
            actor=actor,
            email=email,
        )

    def get_user(self, username: str) -> UserRow:
        """One account (without its password hash); StoreError when there is none."""
        with self._db.read() as conn:
            return users.get(conn, username, where=self.where)

    def get_user_by_email(self, email: str) -> UserRow:
        """The account with this e-mail address (any case); StoreError when there is none."""
        with self._db.read() as conn:
            return users.get_by_email(conn, email)

    def list_users(self) -> list[UserRow]:
        """Every account, disabled ones too, by username."""
        with self._db.read() as conn:
            return users.list_users(conn)

    def disable_user(self, username: str, actor: str, reason: str) -> UserRow:
        """Disable an account (it can no longer sign in; kept, never deleted); audited."""
        with self._db.write() as conn:
            return users.disable(conn, username, actor, reason, where=self.where)

    def reset_password(self, username: str, new_password: str, actor: str) -> UserRow:
        """Set a new password (same policy) and clear failed logins and any lock; audited."""
        return users.reset_password(self._db, username, new_password, actor)

    def change_password(
        self, username: str, current: str, new_password: str, *, client: str | None = None
    ) -> UserRow:
        """The account's own password change, checked against its current password (a wrong
        one counts towards the lock); ends its other sessions; audited with ``client``."""
        return users.change_password(self._db, username, current, new_password, client=client)

    def client_failures(self, now: datetime | None = None) -> list[users.ClientFailures]:
        """Client addresses with counted failed sign-ins: ``(address, failures, paused
        until or None)`` (a pause: 20 within 15 minutes), the paused first."""
        with self._db.read() as conn:
            return users.client_failures(conn, now)

    def clear_client_failures(self, client: str, actor: str, reason: str) -> int:
        """Lift the pause of a client address (its counted failures forgotten); audited."""
        return users.clear_client_failures(self._db, client, actor, reason)

    def authenticate(
        self,
        username: str,
        password: str,
        *,
        now: datetime | None = None,
        client: str | None = None,
    ) -> UserRow:
        """The account if ``password`` is right and it may sign in at ``now`` (default: now).

        Raises LoginError (a StoreError) for an unknown user or a wrong password (one message
        for both), a disabled account, or a locked one (until when: 5 consecutive failures lock
        it for 15 minutes). Every attempt is counted and audited before the error is raised,
        with ``client`` (the address it came from, when the caller knows it) in its details.
        """
        return users.authenticate(self._db, username, password, now=now, client=client)
