"""Dashboard accounts: who may sign in, with which role and jurisdiction, and signing in.

An account has a username (3 to 32 of ``a-z 0-9 _ . -``), a role (:data:`USER_ROLES`), a
jurisdiction (the prefecture; a county by its 6-digit id, e.g. 532626; a township by its 9-digit
id, e.g. 532626001; a supervisor needs a county or a township) and an argon2id password hash
(argon2-cffi's defaults, the low-memory profile of RFC 9106). A password has at least
:data:`MIN_PASSWORD_LENGTH` characters, does not contain the username and is not easy to
guess (:func:`check_password`, zxcvbn). It is never stored, logged or audited, only its hash,
and the hash never leaves this module (:class:`~visit_planner.store.rows.UserRow` has none).
Accounts are disabled, never deleted, so the audit log's names keep meaning something.

Signing in (:func:`authenticate`) verifies the password with argon2's constant-time verify,
outside any transaction (verification is slow on purpose, about 0.1 s, and must not hold the
database's write lock), and for an unknown username against a dummy hash, so that the time
taken does not tell which accounts exist. It then records the outcome in one write
transaction on the freshly read (on PostgreSQL row-locked) account:

- right password, active account: failed-login counter and lock cleared, the hash recomputed
  when argon2's parameters changed (``check_needs_rehash``); audited ``login``;
- wrong password: counter + 1; the :data:`MAX_FAILED_LOGINS`-th consecutive failure locks the
  account for :data:`LOCKOUT` (audited ``login.locked``), earlier ones ``login.failed``;
- unknown username, disabled account (said only to someone who gave its right password), an
  attempt while locked (the password is not even checked): ``login.failed`` with the reason.

Before any of that, the attempt's client address (``client``: the dashboard's; the CLI gives
none and is not limited) is checked: :data:`MAX_CLIENT_FAILURES` failed sign-ins from one
address within :data:`CLIENT_WINDOW`, whatever accounts they named (password spraying tries
one common password on many accounts, which no account's own lock sees), refuse every
sign-in from it, right password or not and without checking it, until the oldest of them is
:data:`CLIENT_WINDOW` old (``login.failed`` with reason ``client_blocked`` and
``blocked_until``); the failure that reaches the limit is audited ``login.client_blocked``
with the address as its subject. The failures are kept, address and time only, in
``login_failures`` (migration ``0006``) for :data:`CLIENT_WINDOW`, then deleted.

A lock that has run out gives a fresh :data:`MAX_FAILED_LOGINS` attempts; resetting the
password clears it at once. Every attempt is audited with the username as typed as its
subject (also when there is no such account; control characters replaced, cut to 64
characters), but an unknown name that no account could have (upper case, spaces, symbols,
too long: what a password typed into the username box looks like) is audited as
:data:`NOT_A_USERNAME`, never as typed, since the audit log can never be cut; its actor is
the account on success and ``anonymous`` otherwise. Unknown username
and wrong password give the same message. Adding an account, disabling it and resetting its
password are audited (``user.add``, ``user.disable``, ``user.password_reset``) in the
transaction that makes the change.

The ``users`` and ``login_failures`` tables are defined here, on the store's
:data:`~visit_planner.store.models.metadata` (this module owns them); migrations ``0003`` and
``0006`` build them.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Connection,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)

from visit_planner import clock
from visit_planner.errors import LoginError, StoreError
from visit_planner.store import audit, passwords
from visit_planner.store.checks import require_text
from visit_planner.store.codec import utc, utc_now
from visit_planner.store.engine import Database, serialize
from visit_planner.store.models import metadata
from visit_planner.store.rows import UserRow
from visit_planner.vocabulary import USER_ROLES

__all__ = [
    "ANONYMOUS",
    "CLIENT_WINDOW",
    "LOCKOUT",
    "MAX_CLIENT_FAILURES",
    "MAX_FAILED_LOGINS",
    "MIN_PASSWORD_LENGTH",
    "SCOPE_KINDS",
    "USER_ROLES",
    "ClientFailures",
    "add",
    "authenticate",
    "change_password",
    "check_email",
    "check_password",
    "check_role",
    "check_scope",
    "check_username",
    "clear_client_failures",
    "client_failures",
    "disable",
    "generate_password",
    "get",
    "get_by_email",
    "list_users",
    "login_failures_table",
    "reset_password",
    "taken_error",
    "users_table",
]

SCOPE_KINDS = ("prefecture", "county", "township")
MIN_PASSWORD_LENGTH = 10
MAX_FAILED_LOGINS = 5
"""Consecutive failed logins that lock an account."""
LOCKOUT = timedelta(minutes=15)
"""How long the lock lasts."""
MAX_CLIENT_FAILURES = 20
"""Failed sign-ins from one client address within :data:`CLIENT_WINDOW` that pause sign-in
from it: a township office behind one address, where several people mistype, stays well
below; a password spray of one guess per account is stopped after 20 accounts."""
CLIENT_WINDOW = timedelta(minutes=15)
"""How long a failed sign-in counts against its client address."""
ClientFailures = tuple[str, int, datetime | None]
"""A client address, its failed sign-ins within :data:`CLIENT_WINDOW`, and the end of its
pause (None: not paused)."""
ANONYMOUS = "anonymous"
"""The audit actor of a sign-in that did not succeed (nobody was authenticated)."""
GENERATED_LENGTH = 16
_GENERATED_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
"""Letters and digits without look-alikes (0 O 1 l I): 16 of them are about 93 bits."""

_USERNAME = re.compile(r"[a-z0-9_.-]{3,32}")
_SCOPE_IDS = {  # pattern, digits, example, the rule in Chinese
    "county": (re.compile(r"[0-9]{6}"), 6, "532626", "县代码应为 6 位数字"),
    "township": (re.compile(r"[0-9]{9}"), 9, "532626001", "乡镇代码应为 9 位数字"),
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_EMAIL_MAX = 254
_WRONG_ZH, _WRONG_EN = "用户名或密码错误", "wrong username or password"
_WRONG = f"{_WRONG_ZH} ({_WRONG_EN})"

_HASHER = PasswordHasher()
"""argon2id with argon2-cffi's default parameters (RFC 9106, low memory)."""


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


users_table = Table(
    "users",
    metadata,
    Column("username", String(32), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("scope_kind", String(16), nullable=False),
    Column("scope_id", String(9), nullable=True),
    Column("password_hash", String(256), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("password_changed_at", DateTime(timezone=True), nullable=False),
    Column("email", String(254), nullable=True),  # lower-case; migration 0004
    CheckConstraint("length(username) BETWEEN 3 AND 32", name="username_length"),
    CheckConstraint(_one_of("role", USER_ROLES), name="role"),
    CheckConstraint(_one_of("scope_kind", SCOPE_KINDS), name="scope_kind"),
    CheckConstraint(
        "(scope_kind = 'prefecture' AND scope_id IS NULL) OR "
        "(scope_kind <> 'prefecture' AND scope_id IS NOT NULL)",
        name="scope_id",
    ),
    CheckConstraint("role <> 'supervisor' OR scope_kind <> 'prefecture'", name="supervisor_scope"),
    CheckConstraint("failed_logins >= 0", name="failed_logins"),
)
Index("ix_users_email", users_table.c.email, unique=True)

login_failures_table = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client", String(64), nullable=False),  # audit.client_details' address
    Column("at", DateTime(timezone=True), nullable=False),
)
Index("ix_login_failures_client_at", login_failures_table.c.client, login_failures_table.c.at)
Index("ix_login_failures_at", login_failures_table.c.at)


# --------------------------------------------------------------------------- checks


def check_username(username: str) -> str:
    """``username`` if it is 3 to 32 characters of ``a-z 0-9 _ . -``; a StoreError otherwise."""
    if not isinstance(username, str) or not _USERNAME.fullmatch(username):
        raise StoreError(
            "用户名须为 3–32 个小写字母、数字或 _ . - "
            f"(username {username!r} must be 3 to 32 characters of a-z, 0-9, '_', '.' and '-')"
        )
    return username


def taken_error(username: str) -> StoreError:
    """The refusal of a username another account (active or disabled) already has."""
    return StoreError(
        f"用户已存在 (user {username!r} already exists; disabled accounts are kept, so choose "
        "another name)"
    )


def check_email(email: str) -> str:
    """``email`` lower-cased if it looks like one address (``name@domain.tld``, at most 254
    characters, no spaces); a StoreError otherwise."""
    text = email.strip().lower() if isinstance(email, str) else ""
    if len(text) > _EMAIL_MAX or not _EMAIL.fullmatch(text):
        raise StoreError(
            f"电子邮箱格式无效 (e-mail {email!r} must be one address like name@example.org, "
            f"at most {_EMAIL_MAX} characters)"
        )
    return text


def check_role(role: str) -> str:
    """``role`` if it is one of :data:`USER_ROLES`; a StoreError otherwise."""
    if role not in USER_ROLES:
        raise StoreError(f"角色无效 (role {role!r} is not one of {', '.join(USER_ROLES)})")
    return role


def check_scope(role: str, scope_kind: str, scope_id: str | None) -> tuple[str, str | None]:
    """The jurisdiction ``(scope_kind, scope_id)`` if it suits ``role``; a StoreError otherwise.

    The prefecture takes no id, a county a 6-digit id, a township a 9-digit id; a supervisor
    corrects tiers and pairings in one county or township, so needs one of those.
    """
    if scope_kind not in SCOPE_KINDS:
        raise StoreError(
            f"管辖范围无效 (scope {scope_kind!r} is not one of {', '.join(SCOPE_KINDS)})"
        )
    if scope_kind == "prefecture":
        if scope_id is not None:
            raise StoreError(
                f"全州范围不需要代码 (a prefecture scope takes no id; got {scope_id!r})"
            )
        if role == "supervisor":
            raise StoreError(
                "督导须限定到县或乡镇 "
                "(a supervisor needs a county or township scope, e.g. county:532626)"
            )
        return scope_kind, None
    pattern, digits, example, chinese = _SCOPE_IDS[scope_kind]
    if not isinstance(scope_id, str) or not pattern.fullmatch(scope_id):
        raise StoreError(
            f"{chinese} ({scope_kind} id {scope_id!r} must be {digits} digits, e.g. {example})"
        )
    return scope_kind, scope_id


def check_password(password: str, username: str | None = None) -> str:
    """``password`` if it meets the policy; a StoreError otherwise, whose message says what
    was wrong and what to do, never the password. The policy: at least
    :data:`MIN_PASSWORD_LENGTH` characters, not containing ``username`` (the account's, when
    known), and not easy to guess by zxcvbn's estimate (:mod:`visit_planner.store.passwords`:
    no common password, one repeated or consecutive run, keyboard row or date). The same
    rule for ``users add``, ``users reset-password`` and the dashboard's password change."""
    length = len(password) if isinstance(password, str) else 0
    if length < MIN_PASSWORD_LENGTH:
        raise StoreError(
            f"密码太短：至少需要 {MIN_PASSWORD_LENGTH} 个字符 (the password is too short: "
            f"{length} characters, at least {MIN_PASSWORD_LENGTH} are needed)"
        )
    why = passwords.weakness(password, username)
    if why is not None:
        raise StoreError(
            f"密码太容易被猜到：{why[0]}。请改用几个不相关的词或随机字符组成的更长密码 "
            f"(the password is too easy to guess: {why[1]}. Choose a longer one made of "
            "several unrelated words or random characters)"
        )
    return password


def generate_password(length: int = GENERATED_LENGTH, username: str | None = None) -> str:
    """A random password of ``length`` letters and digits (``secrets``; no look-alikes) that
    meets the policy for ``username`` (drawn again in the rare case it does not, e.g. when
    it happens to contain the username)."""
    while True:
        password = "".join(secrets.choice(_GENERATED_ALPHABET) for _ in range(length))
        if length < MIN_PASSWORD_LENGTH or passwords.weakness(password, username) is None:
            return password


# --------------------------------------------------------------------------- hashing


def _hash(password: str) -> str:
    return _HASHER.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (argon2's constant-time verify); an
    unusable hash matches nothing."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    """A hash no password matches, verified against for unknown usernames."""
    return _hash(secrets.token_hex(32))


# --------------------------------------------------------------------------- accounts


def _fetch(conn: Connection, username: str, *, for_update: bool = False) -> Any:
    stmt = select(users_table).where(users_table.c.username == username)
    if for_update:
        stmt = stmt.with_for_update()
    return conn.execute(stmt).mappings().first()


def get(conn: Connection, username: str, *, for_update: bool = False, where: str = "") -> UserRow:
    """The account ``username`` (on PostgreSQL row-locked until commit with ``for_update``);
    a StoreError when there is none, naming the database ``where`` when given: with
    ``$VISIT_PLANNER_STORE_URL`` set, the workspace's own store is not the one asked, and
    "no user in the store" did not say which store was."""
    row = _fetch(conn, username, for_update=for_update)
    if row is None:
        store = f"the store {where}" if where else "the store"
        raise StoreError(f"找不到该用户 (no user {username!r} in {store})")
    return UserRow.from_db(row)


def get_by_email(conn: Connection, email: str) -> UserRow:
    """The account with the e-mail address ``email`` (compared lower-case); a StoreError when
    there is none."""
    text = email.strip().lower() if isinstance(email, str) else ""
    row = conn.execute(select(users_table).where(users_table.c.email == text)).mappings().first()
    if row is None:
        raise StoreError(f"找不到该邮箱的用户 (no user with e-mail {text!r} in the store)")
    return UserRow.from_db(row)


def list_users(conn: Connection) -> list[UserRow]:
    """Every account, disabled ones too, by username in code-point order: sorted here, since
    the database's own order follows its collation (a PostgreSQL database in zh-CN or en-US
    ignores ``_ . -`` at first, SQLite does not), so one store listed its accounts in another
    order than the other."""
    rows = [UserRow.from_db(r) for r in conn.execute(select(users_table)).mappings()]
    return sorted(rows, key=lambda row: row.username)


def add(
    db: Database,
    username: str,
    role: str,
    *,
    scope_kind: str,
    scope_id: str | None,
    password: str,
    actor: str,
    email: str | None = None,
) -> UserRow:
    """Create an active account (checked, password hashed before the transaction), with an
    optional e-mail address no other account has; audited as ``user.add`` with its role
    and scope (and ``email: true`` when one was given, never the address)."""
    username = check_username(username)
    email = None if email is None else check_email(email)
    role = check_role(role)
    scope_kind, scope_id = check_scope(role, scope_kind, scope_id)
    actor = require_text(actor, "actor")
    password_hash = _hash(check_password(password, username))
    now = utc_now()
    with db.write() as conn:
        if _fetch(conn, username) is not None:
            raise taken_error(username)
        if email is not None:
            taken = conn.execute(
                select(users_table.c.username).where(users_table.c.email == email)
            ).first()
            if taken is not None:
                raise StoreError(
                    f"该邮箱已被使用 (e-mail {email!r} already belongs to user {taken[0]!r})"
                )
        conn.execute(
            insert(users_table).values(
                username=username,
                role=role,
                scope_kind=scope_kind,
                scope_id=scope_id,
                password_hash=password_hash,
                active=True,
                failed_logins=0,
                locked_until=None,
                created_at=now,
                created_by=actor,
                password_changed_at=now,
                email=email,
            )
        )
        audit.append(
            conn,
            "user.add",
            actor,
            username,
            {"role": role, "scope_kind": scope_kind, "scope_id": scope_id}
            | ({"email": True} if email is not None else {}),  # whether, never the address
        )
        return get(conn, username)


def disable(
    conn: Connection, username: str, actor: str, reason: str, *, where: str = ""
) -> UserRow:
    """Disable an active account (write transaction): it can no longer sign in; audited as
    ``user.disable`` with the reason. ``where`` names the database when there is no such
    account (:func:`get`)."""
    actor = require_text(actor, "actor")
    reason = require_text(reason, "reason")
    row = get(conn, username, for_update=True, where=where)
    if not row.active:
        raise StoreError(f"该用户已停用 (user {username!r} is already disabled)")
    conn.execute(update(users_table).where(users_table.c.username == username).values(active=False))
    audit.append(conn, "user.disable", actor, username, {"reason": reason})
    return get(conn, username)


def reset_password(db: Database, username: str, new_password: str, actor: str) -> UserRow:
    """Set a new password (checked, hashed before the transaction), clearing failed logins
    and any lock; audited as ``user.password_reset`` (what was cleared, not the password)."""
    actor = require_text(actor, "actor")
    password_hash = _hash(check_password(new_password, username))
    with db.write() as conn:
        before = get(conn, username, for_update=True, where=db.where)
        conn.execute(
            update(users_table)
            .where(users_table.c.username == username)
            .values(
                password_hash=password_hash,
                password_changed_at=utc_now(),
                failed_logins=0,
                locked_until=None,
            )
        )
        audit.append(
            conn,
            "user.password_reset",
            actor,
            username,
            {"failed_logins_cleared": before.failed_logins, "lock_cleared": before.locked_until},
        )
        return get(conn, username)


def change_password(
    db: Database,
    username: str,
    current: str,
    new_password: str,
    *,
    client: str | None = None,
    now: datetime | None = None,
) -> UserRow:
    """The account's own password change (the dashboard's 修改密码 form): ``current`` must be
    its password, ``new_password`` meet the policy and differ from it. A wrong ``current``
    counts as a failed sign-in (the same lock after :data:`MAX_FAILED_LOGINS`: a session left
    open on a shared computer is no way to try passwords), audited
    ``user.password_change_refused``; a locked account is refused without a check. Success
    sets ``password_changed_at``, which ends the account's other sessions at their next run
    (as a reset does), and is audited ``user.password_change`` with ``client``; never the
    password in any entry or message."""
    moment = utc(now) if now is not None else utc_now()
    check_password(new_password, username)
    if new_password == current:
        raise StoreError(
            "新密码须与当前密码不同 (the new password must differ from the current one)"
        )
    with db.read() as conn:
        seen = _fetch(conn, username)
    if seen is None or not seen["active"]:
        raise LoginError(
            f"账号已停用，请联系管理员 (account {username} is disabled; ask an administrator)",
            reason="disabled",
        )
    until = _locked_until(seen, moment)
    if until is not None:
        raise _locked_error(username, until, just_now=False)
    ok = _verify(seen["password_hash"], current)
    new_hash = _hash(new_password) if ok else None
    details = audit.client_details(client)
    with db.write() as conn:
        outcome = _record_change(conn, username, seen["password_hash"], new_hash, moment, details)
    if isinstance(outcome, StoreError):
        raise outcome
    return outcome


def _record_change(  # noqa: PLR0917  (one attempt's parts)
    conn: Connection,
    username: str,
    checked_hash: str,
    new_hash: str | None,
    now: datetime,
    client: dict[str, str],
) -> UserRow | StoreError:
    """Apply and audit one password change (``new_hash`` None: the current password was
    wrong) on the freshly read account (write transaction)."""
    row = _fetch(conn, username, for_update=True)
    if row is None or row["password_hash"] != checked_hash:
        return StoreError(
            "密码已在此期间被修改，请重新登录 (the password was changed meanwhile; sign in again)"
        )
    where = users_table.c.username == username
    if new_hash is None:
        failed = int(row["failed_logins"]) + 1
        until = now + LOCKOUT if failed >= MAX_FAILED_LOGINS else None
        conn.execute(
            update(users_table).where(where).values(failed_logins=failed, locked_until=until)
        )
        audit.append(
            conn,
            "user.password_change_refused",
            username,
            username,
            {"reason": "wrong_password", "failed_logins": failed, "locked_until": until} | client,
        )
        if until is not None:
            return _locked_error(username, until, just_now=True)
        return LoginError("当前密码错误 (the current password is wrong)", reason="wrong_password")
    conn.execute(
        update(users_table)
        .where(where)
        .values(password_hash=new_hash, password_changed_at=now, failed_logins=0, locked_until=None)
    )
    audit.append(conn, "user.password_change", username, username, dict(client))
    return get(conn, username)


# --------------------------------------------------------------------------- signing in

NOT_A_USERNAME = "(not a username)"
"""The audit subject of a sign-in under a name no account could have (see the module
docstring): often a password typed into the username box, which must never be kept."""


def _unknown_subject(username: object) -> str:
    """The audit subject of a sign-in under an unknown name: the name when an account could
    have it (a mistyped or guessed username), else :data:`NOT_A_USERNAME` (or ``(blank)``)."""
    if isinstance(username, str) and _USERNAME.fullmatch(username):
        return username
    return "(blank)" if not str(username).strip() else NOT_A_USERNAME


def _locked_until(row: Any, now: datetime) -> datetime | None:
    """The end of the account's lock if it is locked at ``now``, else None."""
    until = row["locked_until"]
    return utc(until) if until is not None and now < utc(until) else None


def _locked_error(username: str, until: datetime, *, just_now: bool) -> LoginError:
    lead_zh, lead_en = (f"{_WRONG_ZH}; ", f"{_WRONG_EN}; ") if just_now else ("", "")
    return LoginError(
        f"{lead_zh}连续登录失败 {MAX_FAILED_LOGINS} 次，账号锁定至{clock.shown_in(until, 'zh')} "
        f"({lead_en}account {username} is locked after {MAX_FAILED_LOGINS} failed logins until "
        f"{clock.shown_in(until, 'en')}; try again then, or ask an administrator to reset the "
        "password)",
        reason="locked",
        locked_until=until,
    )


def authenticate(
    db: Database,
    username: str,
    password: str,
    *,
    now: datetime | None = None,
    client: str | None = None,
) -> UserRow:
    """The account, if ``password`` is its password and it may sign in now; otherwise a
    LoginError, raised after the attempt was recorded (see the module docstring). ``client``
    (the address the attempt came from, as the caller knows it: the dashboard's
    :func:`~dashboard.auth.client_address`) goes into the attempt's audit entry as
    ``details.client`` whatever the outcome; None records none."""
    moment = utc(now) if now is not None else utc_now()
    password = password if isinstance(password, str) else ""
    details = audit.client_details(client)
    with db.read() as conn:
        seen = _fetch(conn, username) if isinstance(username, str) else None
        blocked = "client" in details and _client_blocked_until(conn, details["client"], moment)
    verified: tuple[str, bool] | None = None  # (the hash checked, whether it matched)
    if blocked:
        pass  # refused whatever the password: nothing to learn from trying
    elif seen is None:
        _verify(_dummy_hash(), password)  # the same work as for a real account
    elif _locked_until(seen, moment) is None:
        verified = (seen["password_hash"], _verify(seen["password_hash"], password))
    with db.write() as conn:
        outcome = _record(conn, username, password, verified, moment, details)
    if isinstance(outcome, LoginError):
        raise outcome
    return outcome


def _client_blocked_until(conn: Connection, client: str, now: datetime) -> datetime | None:
    """When sign-in from ``client`` resumes, if it has :data:`MAX_CLIENT_FAILURES` failures
    within :data:`CLIENT_WINDOW` before ``now``: the moment fewer remain; else None."""
    table = login_failures_table
    times = (
        conn.execute(
            select(table.c.at)
            .where(table.c.client == client, table.c.at > now - CLIENT_WINDOW)
            .order_by(table.c.at)
        )
        .scalars()
        .all()
    )
    if len(times) < MAX_CLIENT_FAILURES:
        return None
    return utc(times[len(times) - MAX_CLIENT_FAILURES]) + CLIENT_WINDOW


def client_failures(conn: Connection, now: datetime | None = None) -> list[ClientFailures]:
    """Every client address with failed sign-ins still counted at ``now`` (default: now):
    ``(address, failures, paused until or None)``, the paused first, then by address. What an
    administrator reads before lifting a pause (``users blocked``)."""
    moment = utc(now) if now is not None else utc_now()
    table = login_failures_table
    rows = conn.execute(
        select(table.c.client, func.count())
        .where(table.c.at > moment - CLIENT_WINDOW)
        .group_by(table.c.client)
    ).all()
    found = [(str(c), int(n), _client_blocked_until(conn, str(c), moment)) for c, n in rows]
    return sorted(found, key=lambda row: (row[2] is None, row[0]))


def clear_client_failures(db: Database, client: str, actor: str, reason: str) -> int:
    """Forget the counted failed sign-ins of ``client`` (an administrator lifting a pause,
    e.g. of a township office whose people share one address): how many were forgotten;
    audited ``login.client_cleared`` with the reason, also when there were none."""
    actor = require_text(actor, "actor")
    reason = require_text(reason, "reason")
    address = audit.printable(require_text(client, "address"))
    table = login_failures_table
    with db.write() as conn:
        serialize(conn, f"login client {address}")
        cleared = conn.execute(delete(table).where(table.c.client == address)).rowcount
        audit.append(
            conn,
            "login.client_cleared",
            actor,
            address,
            {"failures_cleared": int(cleared or 0), "reason": reason},
        )
    return int(cleared or 0)


def _client_blocked_error(until: datetime, *, just_now: bool) -> LoginError:
    lead_zh, lead_en = (f"{_WRONG_ZH}; ", f"{_WRONG_EN}; ") if just_now else ("", "")
    minutes = int(CLIENT_WINDOW.total_seconds() // 60)
    return LoginError(
        f"{lead_zh}此地址 {minutes} 分钟内登录失败 {MAX_CLIENT_FAILURES} 次，"
        f"暂停从此地址登录至{clock.shown_in(until, 'zh')} "
        f"({lead_en}{MAX_CLIENT_FAILURES} failed sign-ins from this address within {minutes} "
        f"minutes: sign-in from it, to any account, is paused until "
        f"{clock.shown_in(until, 'en')}; try again then)",
        reason="client_blocked",
        locked_until=until,
    )


def _record(  # noqa: PLR0917  (one attempt's parts)
    conn: Connection,
    username: str,
    password: str,
    verified: tuple[str, bool] | None,
    now: datetime,
    client: dict[str, str],
) -> UserRow | LoginError:
    """Apply and audit one sign-in attempt (write transaction): refused at once while its
    client address is paused (:func:`_client_blocked_until`), else judged on the account
    (:func:`_record_account`); a failure is counted against the address, and the one that
    reaches :data:`MAX_CLIENT_FAILURES` pauses it. ``client`` (:func:`audit.client_details`)
    is added to every entry's details; without one, no address is limited."""
    address = client.get("client")
    if address is None:
        return _record_account(conn, username, password, verified, now, client)
    serialize(conn, f"login client {address}")  # PostgreSQL: one count per address at a time
    until = _client_blocked_until(conn, address, now)
    if until is not None:
        known = isinstance(username, str) and _fetch(conn, username) is not None
        subject = audit.printable(username) if known else _unknown_subject(username)
        audit.append(
            conn,
            "login.failed",
            ANONYMOUS,
            subject,
            {"reason": "client_blocked", "blocked_until": until} | client,
        )
        return _client_blocked_error(until, just_now=False)
    outcome = _record_account(conn, username, password, verified, now, client)
    if not isinstance(outcome, LoginError):
        return outcome
    table = login_failures_table
    conn.execute(delete(table).where(table.c.at <= now - CLIENT_WINDOW))  # no longer counted
    conn.execute(insert(table).values(client=address, at=now))
    until = _client_blocked_until(conn, address, now)
    if until is None:
        return outcome
    audit.append(
        conn,
        "login.client_blocked",
        ANONYMOUS,
        audit.printable(address),
        {
            "failed_logins": MAX_CLIENT_FAILURES,
            "window_minutes": int(CLIENT_WINDOW.total_seconds() // 60),
            "blocked_until": until,
        }
        | client,
    )
    return _client_blocked_error(until, just_now=True)


def _record_account(  # noqa: PLR0917  (one attempt's parts)
    conn: Connection,
    username: str,
    password: str,
    verified: tuple[str, bool] | None,
    now: datetime,
    client: dict[str, str],
) -> UserRow | LoginError:
    """Apply and audit one sign-in attempt on the fresh account row (write transaction)."""
    subject = audit.printable(username)
    row = _fetch(conn, username, for_update=True) if isinstance(username, str) else None
    if row is None:
        audit.append(
            conn,
            "login.failed",
            ANONYMOUS,
            _unknown_subject(username),
            {"reason": "unknown_user"} | client,
        )
        return LoginError(_WRONG, reason="unknown_user")
    until = _locked_until(row, now)
    if until is not None:
        audit.append(
            conn,
            "login.failed",
            ANONYMOUS,
            subject,
            {"reason": "locked", "locked_until": until} | client,
        )
        return _locked_error(username, until, just_now=False)
    stored = row["password_hash"]
    if verified is not None and verified[0] == stored:
        ok = verified[1]
    else:  # the password changed, or a lock ended, since the first look: check again
        ok = _verify(stored, password)
    # A lock that has run out gives fresh attempts.
    failed = 0 if row["locked_until"] is not None else int(row["failed_logins"])
    where = users_table.c.username == username
    if not ok:
        failed += 1
        if failed >= MAX_FAILED_LOGINS:
            until = now + LOCKOUT
            conn.execute(
                update(users_table).where(where).values(failed_logins=failed, locked_until=until)
            )
            audit.append(
                conn,
                "login.locked",
                ANONYMOUS,
                subject,
                {"reason": "wrong_password", "failed_logins": failed, "locked_until": until}
                | client,
            )
            return _locked_error(username, until, just_now=True)
        conn.execute(
            update(users_table).where(where).values(failed_logins=failed, locked_until=None)
        )
        audit.append(
            conn,
            "login.failed",
            ANONYMOUS,
            subject,
            {"reason": "wrong_password", "failed_logins": failed} | client,
        )
        return LoginError(_WRONG, reason="wrong_password")
    if not row["active"]:
        audit.append(conn, "login.failed", ANONYMOUS, subject, {"reason": "disabled"} | client)
        return LoginError(
            f"账号已停用，请联系管理员 (account {username} is disabled; ask an administrator)",
            reason="disabled",
        )
    values: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
    rehashed = _HASHER.check_needs_rehash(stored)
    if rehashed:  # argon2's parameters changed since it was set: same password, new hash
        values["password_hash"] = _hash(password)
    conn.execute(update(users_table).where(where).values(**values))
    audit.append(conn, "login", username, subject, {"rehashed": rehashed} | client)
    return get(conn, username)
