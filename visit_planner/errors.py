"""Exceptions of the application package.

Every error a user can cause derives from :class:`VisitPlannerError`; the CLI catches it,
prints its message and exits non-zero without a traceback. Messages name the file, the
column or field, the rule broken and the first offending ids.

    VisitPlannerError
    ├── PolicyError        invalid policy file or value
    ├── ContractError      input data that breaks a data contract
    ├── PlanFileError      a plan, scores, pins or forbids file that cannot be used
    ├── GapFileError       an OR-Library GAP file that cannot be read or parsed
    ├── RiskJobError       a risk-model job (train, promote, score) that cannot run
    ├── WorkspaceError     the workspace directory cannot be used
    ├── StoreError         the store database cannot be opened, is at the wrong schema
    │   │                  version, or refuses a change (unknown run, invalid override)
    │   ├── StoreBusyError another process holds the month's planning lock or the database
    │   └── LoginError     a sign-in refused (unknown user or wrong password, disabled, locked)
    └── OutputError        an output path that cannot be used (visit_planner.outputs)

Other packages extend the tree: ``dashboard.errors`` (DashboardError, OutOfScopeError);
``PlanRefusedError`` (a plan the independent check refused) lives with the steps the plan and
an amendment share (``visit_planner.plan_steps``).
"""

from __future__ import annotations

from datetime import datetime


class VisitPlannerError(Exception):
    """Base class of every error the CLI reports as a clean message."""

    exit_code = 2


class PolicyError(VisitPlannerError):
    """The policy file is missing, malformed or holds an invalid value."""


class ContractError(VisitPlannerError):
    """Input data breaks a data contract (docs/architecture.md, "Data contracts")."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class WorkspaceError(VisitPlannerError):
    """The workspace directory cannot be created or written."""


class PlanFileError(VisitPlannerError):
    """A plan, scores, pins or forbids file that cannot be used (names the file and column)."""


class GapFileError(VisitPlannerError):
    """An OR-Library GAP file that cannot be read or parsed."""


class RiskJobError(VisitPlannerError):
    """A train, promote or score job that cannot run; the message says why and what to do."""


class StoreError(VisitPlannerError):
    """The store database cannot be used or refuses a change; the message says what to do."""


class StoreBusyError(StoreError):
    """Another process holds what this one needs: a month's planning lock (the message names
    the month, the holder and since when) or the database's write lock past the busy timeout."""


class LoginError(StoreError):
    """A sign-in the store refused: unknown user or wrong password (one message for both, so
    it does not tell which accounts exist), a disabled account, or one locked by repeated
    failures (the message says until when).

    ``reason`` is ``unknown_user``, ``wrong_password``, ``disabled``, ``locked`` or
    ``client_blocked`` (too many failures from the attempt's client address) for the caller's
    own logic; show the message, not the reason. ``locked_until`` is the end of the lock (an
    aware UTC datetime) when the account or the address is locked, else None.
    """

    def __init__(self, message: str, *, reason: str, locked_until: datetime | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.locked_until = locked_until
