"""The township page's what-if: one township of the user's jurisdiction solved again with
changed capacity or cadence and compared (nothing saved), and a planner publishing the result
as the month's amendment (audited).
"""

from __future__ import annotations

from pathlib import Path

from dashboard.data.scope import ScopedAccess
from dashboard.errors import OutOfScopeError
from visit_planner.store import RunRow
from visit_planner.whatif import Changes, WhatIf, what_if


class WhatIfActions(ScopedAccess):
    """The township page's what-if."""

    def what_if(self, month: str, township_id: str, changes: Changes) -> WhatIf:
        """Re-solve one township in scope with ``changes`` and compare (nothing is saved)."""
        self._require(township_id)
        run = self.current_run(month)
        return what_if(Path(self._root(run)), township_id, changes, month=month)

    def publish_what_if(self, month: str, what: WhatIf, based_on: str) -> RunRow:
        """Publish a what-if as the month's next version (planners only; audited)."""
        from visit_planner.whatif_publish import publish_what_if

        if not self.viewer.may_publish:
            raise OutOfScopeError("只有计划员可以发布修订 / only planners publish amendments")
        self._require(what.township_id)
        return publish_what_if(
            what,
            month=month,
            based_on=based_on,
            home=self.workspace.root,
            store_url=self.store_url,
            actor=self.viewer.username,
        )
