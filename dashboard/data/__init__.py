"""The dashboard's one data-access layer: every page asks here, and only here.

It takes the signed-in :class:`Viewer` and returns only what their role and jurisdiction allow,
so scope is enforced in the data layer, not by hiding widgets: a supervisor of township A gets
:class:`~dashboard.errors.OutOfScopeError` for anything of township B, whatever page, query
parameter, session state or crafted household id asked for it.

* **scope** - ``prefecture`` sees every township; ``county:532626`` the townships of that county
  (township ids start with the county's six digits); ``township:532626001`` one township;
* **roles** - planners and supervisors see households in scope with their sensitive fields
  (disputes, petitions, illness, disability; no role sees ethnicity or gender); data
  scientists see households with those fields masked; viewers see aggregates only (no
  household or worker pages).

Published runs never change, so their files are read once per process and kept
(:mod:`~dashboard.data.run_files`, keyed by the run directory): a page's second paint reads
nothing. Which run is current is asked of the store on every call
(:meth:`DataAccess.current_run`), never kept: an amendment or a rollback published meanwhile
(by the CLI too) shows at the next rerun, and the new run's directory is a new key
(``tests/dashboard/test_session_browser.py``).
No Streamlit here: pages call :class:`DataAccess`; this package is plain Python and tested as
such (``tests/dashboard/data/``).

Modules, one concern each:

* :mod:`~dashboard.data.viewer` - the signed-in user and what each role may;
* :mod:`~dashboard.data.scope` - the base of every query: the store, the month's current run,
  the townships in scope and the scope checks with their one refusal;
* :mod:`~dashboard.data.run_files` - a published run's reader and frames, kept per process;
* :mod:`~dashboard.data.sensitive` - the sensitive fields and their masking;
* :mod:`~dashboard.data.overview`, :mod:`~dashboard.data.township`,
  :mod:`~dashboard.data.household`, :mod:`~dashboard.data.worker`,
  :mod:`~dashboard.data.corrections`, :mod:`~dashboard.data.runs`,
  :mod:`~dashboard.data.model` - each page's queries;
* :mod:`~dashboard.data.whatif` - the township page's what-if and its publishing;
* :mod:`~dashboard.data.access` - :class:`DataAccess`, which joins them.

The names below are the pages' (``from dashboard.data import ...``); the rest is the package's.
"""

from __future__ import annotations

from dashboard.data.access import DataAccess
from dashboard.data.model import Drift, ModelReport, model_candidates
from dashboard.data.overview import Overview
from dashboard.data.scope import PAGE_ROWS, SCOPED_METRICS
from dashboard.data.sensitive import (
    SENSITIVE_FIELDS,
    SHEET_WITHHELD,
    WITHHELD_REASONS,
    WITHHELD_RULE,
)
from dashboard.data.viewer import ROLES, Viewer

__all__ = [
    "PAGE_ROWS",
    "ROLES",
    "SCOPED_METRICS",
    "SENSITIVE_FIELDS",
    "SHEET_WITHHELD",
    "WITHHELD_REASONS",
    "WITHHELD_RULE",
    "DataAccess",
    "Drift",
    "ModelReport",
    "Overview",
    "Viewer",
    "model_candidates",
]
