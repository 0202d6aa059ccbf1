"""Fixed words and defaults that the command line's help names, importable for nothing.

Typer builds every command's options when ``visit_planner.cli`` is imported, so a value shown
in an option's help (the account roles, the override file's columns, the generator's default
month) has to be at hand then. Kept here, with no third-party import, ``visit-planner --help``
and the quick commands start without importing the store (SQLAlchemy), the contracts (pandera)
or the synthetic generator (NumPy) just to print them; the modules that enforce these values
import them from here (:mod:`visit_planner.store.users`, :mod:`visit_planner.overrides`,
:mod:`visit_planner.synthetic.next_month`), so there is one definition of each.
"""

from __future__ import annotations

from typing import Final

__all__ = ["DEFAULT_MONTH", "OVERRIDE_FILE_COLUMNS", "USER_ROLES"]

USER_ROLES = ("planner", "supervisor", "data_scientist", "viewer")
"""The roles of a dashboard account (``users add --role``)."""

OVERRIDE_FILE_COLUMNS = (
    "kind", "household_id", "worker_id", "tier", "field", "value", "evidence", "expires_on",
    "reason",
)  # fmt: skip
"""Columns of an override file (``overrides import``): ``kind``, ``household_id`` and
``reason`` always; ``worker_id`` for pin/forbid, ``tier`` for tier, ``field`` and ``value``
for correction; ``evidence`` and ``expires_on`` (YYYY-MM-DD) optional."""

DEFAULT_MONTH: Final = "2026-11"
"""The month ``generate`` makes unless told otherwise (YYYY-MM)."""
