"""Who is asking: the signed-in user's account name, role and jurisdiction, and what each role
may see and do.

A plain frozen record: :mod:`dashboard.auth` signs it into the session and the data layer
(:class:`~dashboard.data.DataAccess`) decides every read and action from it; the pages never
test it to hide a widget in place of a refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dashboard import i18n

ROLES = ("planner", "supervisor", "data_scientist", "viewer")
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Viewer:
    """The signed-in user: account name, role and jurisdiction."""

    username: str
    role: str
    scope_kind: str = "prefecture"  # prefecture | county | township
    scope_id: str | None = None

    def covers(self, township_id: str) -> bool:
        """Whether ``township_id`` lies in this user's jurisdiction. A county's townships are
        the codes that start with the county's and go on in digits: a text that only starts
        with it (``532626001/../532601001``, which a query joins into a path) lies nowhere."""
        if self.scope_kind == "prefecture":
            return True
        if self.scope_id is None:
            return False
        if self.scope_kind == "county":
            rest = township_id[len(self.scope_id) :]
            return township_id.startswith(self.scope_id) and _DIGITS.fullmatch(rest) is not None
        return township_id == self.scope_id

    @property
    def sees_households(self) -> bool:
        """Viewers see aggregates only."""
        return self.role != "viewer"

    @property
    def sees_sensitive(self) -> bool:
        """Planners and supervisors see sensitive household fields (in their scope)."""
        return self.role in ("planner", "supervisor")

    @property
    def may_correct(self) -> bool:
        """Planners and supervisors may submit and revoke overrides (督导调整)."""
        return self.role in ("planner", "supervisor")

    @property
    def may_publish(self) -> bool:
        """Only planners publish amendments and roll back runs."""
        return self.role == "planner"

    @property
    def may_roll_back(self) -> bool:
        """A rollback changes the whole month, every township: planners of the whole
        prefecture only (:meth:`~dashboard.data.DataAccess.rollback` refuses anyone else)."""
        return self.may_publish and self.scope_kind == "prefecture"

    def scope_label(self, lang: str) -> str:
        """The jurisdiction in ``lang`` (``zh`` or ``en``), places name first:
        ``全州`` / ``the prefecture``, ``丘北县 (532626)``, ``乡镇 锦屏镇 · 丘北县 (532626001)``
        (:func:`dashboard.i18n.scope`)."""
        return i18n.scope(self.scope_kind, self.scope_id, i18n.lang_of(lang))
