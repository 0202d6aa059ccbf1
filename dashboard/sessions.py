"""Sign-in sessions that survive a reload: a random token in a browser cookie, its hash here.

Streamlit forgets ``st.session_state`` when the browser reloads (a reload opens a new
session), so without more a reload signed the user out. After a sign-in the dashboard puts a
random token (:func:`secrets.token_urlsafe`, 256 bits) into a cookie; a new session that
presents it is signed in again as the same account. What is kept, and why it is safe enough:

* **only the token's SHA-256** is kept, in this server process's memory (never in the store,
  a log or the audit log): a copy of the server's memory or of the audit log signs no one in;
* **server-side expiry**: a token unused for :data:`IDLE_TIMEOUT` (8 h), or older than
  :data:`ABSOLUTE_LIMIT` (12 h), is refused whatever the cookie says; each page run of a
  signed-in session counts as use;
* **revoked at sign-out** (and when the session is refused for any reason): the hash is
  forgotten, so the cookie is worthless even if it was copied; a restart of the server forgets
  every token, as it already invalidated every signed session (``dashboard.auth._KEY``);
* the caller checks the account again against the store before resuming (active, same role,
  jurisdiction and password as at sign-in: a password reset ends the account's tokens) and
  audits the resumption (``login.resumed``).

The cookie is set by a small script (Streamlit 1.67 has no way for an app to set a cookie:
``st.login``'s cookie is set by its own server route; ``st.html(...,
unsafe_allow_javascript=True)`` runs a script in the page), so it cannot be ``HttpOnly``; it is
``SameSite=Strict`` (and ``Secure`` behind HTTPS). The dashboard shows no HTML of anyone else.
No Streamlit here: :mod:`dashboard.auth` does the page side.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Final

from dashboard.data import Viewer

IDLE_TIMEOUT: Final = timedelta(hours=8)
"""A token not used for this long is refused (signed out after a working day away)."""
ABSOLUTE_LIMIT: Final = timedelta(hours=12)
"""A token older than this is refused however often it is used (sign in once a day)."""


@dataclass(frozen=True)
class Session:
    """What a token stands for: the viewer signed in, when, when it was last used, and when
    the account's password had been set at the sign-in (``password_stamp``, ISO 8601; the
    caller refuses the token once the store's differs: a reset ends the account's sessions)."""

    viewer: Viewer
    created: datetime
    last_used: datetime
    password_stamp: str = ""

    def expired(self, now: datetime) -> bool:
        """Whether the idle timeout or the absolute limit has passed at ``now``."""
        return now - self.last_used > IDLE_TIMEOUT or now - self.created > ABSOLUTE_LIMIT


def token_hash(token: str) -> str:
    """The SHA-256 of a token (hex): how it is kept and named."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Sessions:
    """The live tokens of one server process, by hash (thread-safe: Streamlit runs each
    browser session's script in its own thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_hash: dict[str, Session] = {}

    @staticmethod
    def _now(now: datetime | None) -> datetime:
        return datetime.now(UTC) if now is None else now

    def start(
        self, viewer: Viewer, now: datetime | None = None, *, stamp: str = ""
    ) -> tuple[str, str]:
        """A new token for ``viewer`` signed in with the password set at ``stamp``: ``(token,
        its hash)``; the token goes to the browser and is not kept. Expired tokens are dropped
        on the way."""
        at = self._now(now)
        token = secrets.token_urlsafe(32)
        digest = token_hash(token)
        with self._lock:
            for key in [k for k, s in self._by_hash.items() if s.expired(at)]:
                del self._by_hash[key]
            self._by_hash[digest] = Session(viewer, at, at, stamp)
        return token, digest

    def resume(self, token: str, now: datetime | None = None) -> tuple[Session, str] | None:
        """The session of a token presented by a browser and its hash, marked as used; None
        when the token is unknown, revoked or expired (an expired one is also forgotten)."""
        return self.touch(token_hash(token), now)

    def touch(self, digest: str, now: datetime | None = None) -> tuple[Session, str] | None:
        """Like :meth:`resume`, by the hash a signed-in session keeps."""
        at = self._now(now)
        with self._lock:
            found = self._by_hash.get(digest)
            if found is None:
                return None
            if found.expired(at):
                del self._by_hash[digest]
                return None
            used = replace(found, last_used=at)
            self._by_hash[digest] = used
        return used, digest

    def revoke(self, digest: str | None) -> None:
        """Forget a token (sign-out; a refused session); nothing when unknown or None."""
        if digest is None:
            return
        with self._lock:
            self._by_hash.pop(digest, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._by_hash)


SESSIONS: Final = Sessions()
"""This server process's tokens."""
