"""Exceptions of the assignment package.

Solvers never raise for an infeasible or badly specified township: that is a result with a
status and a message. Exceptions are for programming errors and unusable arguments.

    AssignmentError
    ├── InputError      arguments that cannot be used at all (missing columns, bad settings)
    └── OrlibFormatError  a GAP file that does not follow the OR-Library format
"""

from __future__ import annotations


class AssignmentError(Exception):
    """Base class of the assignment package's exceptions."""


class InputError(AssignmentError):
    """Arguments that cannot be used at all; the message names the column or ids."""


class OrlibFormatError(AssignmentError):
    """A generalized-assignment file that does not follow the OR-Library text format."""
