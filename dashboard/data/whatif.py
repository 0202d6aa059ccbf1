"""The township page's what-if: one township of the user's jurisdiction solved again with
changed capacity or cadence and compared (nothing saved), and a planner publishing the result
as the month's amendment (audited).

A what-if carries the township's households and the plan solved for them, as a published run
does, so it is cut by role as every other query is (:func:`for_role`): a viewer gets the
figures without a household (the page shows them only), a data scientist the households with
their sensitive fields masked; planners and supervisors, who see them in scope, get it whole.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl

from dashboard.data.scope import ScopedAccess
from dashboard.data.sensitive import mask_frame
from dashboard.data.viewer import Viewer
from dashboard.errors import OutOfScopeError
from visit_planner.store import RunRow
from visit_planner.whatif import Changes, WhatIf, what_if


def _cut(frame: pl.DataFrame, viewer: Viewer) -> pl.DataFrame:
    """A frame of household rows as ``viewer`` may hold it: no row for a viewer, sensitive
    fields masked for a role without them, whole otherwise."""
    if viewer.sees_sensitive:
        return frame
    return frame.clear() if not viewer.sees_households else mask_frame(frame)


def _cut_optional(frame: pl.DataFrame | None, viewer: Viewer) -> pl.DataFrame | None:
    """:func:`_cut` of an optional input table (previous plan, conflicts, pins, forbids)."""
    return None if frame is None else _cut(frame, viewer)


def for_role(what: WhatIf, viewer: Viewer) -> WhatIf:
    """``what`` cut to what ``viewer``'s role may see of the township's households (the
    module docstring); its figures (``before``, ``after``) are aggregates, left as they are."""
    if viewer.sees_sensitive:
        return what
    inputs = what.inputs
    cut = replace(
        inputs,
        households=_cut(inputs.households, viewer),
        previous=_cut_optional(inputs.previous, viewer),
        conflicts=_cut_optional(inputs.conflicts, viewer),
        pins=_cut_optional(inputs.pins, viewer),
        forbids=_cut_optional(inputs.forbids, viewer),
    )
    result = what.solved.result
    solved = replace(
        what.solved,
        result=replace(
            result,
            plan=_cut(result.plan, viewer),
            issues=result.issues if viewer.sees_households else (),
        ),
        explanations=_cut(what.solved.explanations, viewer),
    )
    return replace(what, inputs=cut, solved=solved)


class WhatIfActions(ScopedAccess):
    """The township page's what-if."""

    def what_if(self, month: str, township_id: str, changes: Changes) -> WhatIf:
        """Re-solve one township in scope with ``changes`` and compare (nothing is saved); the
        result cut to the user's role (:func:`for_role`)."""
        _run, root = self._township_root(month, township_id)
        solved = what_if(Path(root), township_id, changes, month=month)
        return for_role(solved, self.viewer)

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
