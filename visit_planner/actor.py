"""Who runs a command: recorded as the actor of runs, overrides and audit entries.

The operating-system account name (``getpass.getuser``), or an explicit one; an account name,
never a person's name or ID number.
"""

from __future__ import annotations

import getpass


def current_actor(actor: str | None = None) -> str:
    """``actor`` if given, else the operating-system account running this process."""
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
