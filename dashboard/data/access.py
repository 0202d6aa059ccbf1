"""The one object the pages hold: :class:`DataAccess`, every query and action of the dashboard
for one signed-in user.

It joins the pages' query classes, each in a module of its own, over their one base
(:class:`~dashboard.data.scope.ScopedAccess`: the user, the store and the scope checks), so a
page calls ``ctx.data.township(...)`` or ``ctx.data.household(...)`` on one object built per
page run by :func:`dashboard.auth.page_context`. What is kept across page runs is kept at
module level (:mod:`dashboard.data.run_files` and the queries' own ``lru_cache`` functions),
never on this object.
"""

from __future__ import annotations

from dashboard.data.corrections import CorrectionQueries
from dashboard.data.household import HouseholdQueries
from dashboard.data.model import ModelQueries
from dashboard.data.overview import OverviewQueries
from dashboard.data.runs import RunQueries
from dashboard.data.township import TownshipQueries
from dashboard.data.whatif import WhatIfActions
from dashboard.data.worker import WorkerQueries


class DataAccess(
    RunQueries,
    OverviewQueries,
    TownshipQueries,
    HouseholdQueries,
    WorkerQueries,
    CorrectionQueries,
    ModelQueries,
    WhatIfActions,
):
    """What one signed-in user may read and do (see :mod:`dashboard.data`)."""
