"""Exceptions of the assignment package.

Solvers never raise for an infeasible or badly specified township: that is a result with a
status and a message. Exceptions are for unusable arguments and for impossible results.

    AssignmentError
    ├── InputError            arguments that cannot be used at all (missing columns, bad
    │   │                     settings, ambiguous previous assignments)
    │   └── PlanFormatError   a plan frame without the plan contract's columns
    ├── OrlibFormatError      a GAP file that does not follow the OR-Library format
    └── SolverInternalError   a solver result that cannot be true (a bound above its own
                              objective): a bug, reported per township, never hidden
"""

from __future__ import annotations


class AssignmentError(Exception):
    """Base class of the assignment package's exceptions."""


class InputError(AssignmentError):
    """Arguments that cannot be used at all; the message names the column or ids."""


class PlanFormatError(InputError):
    """A plan that lacks the plan contract's columns (the message names them)."""


class OrlibFormatError(AssignmentError):
    """A generalized-assignment file that does not follow the OR-Library text format."""


class SolverInternalError(AssignmentError):
    """A solver produced a result that cannot be true; a bug to report, not a user error."""
