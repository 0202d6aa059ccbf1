"""Standard output that outlives its reader: ``visit-planner ... | head`` stops the printing,
never the work.

When the reader of a pipe goes away (``head -1``, ``less`` quit early), the next write to
standard output fails with ``BrokenPipeError``. Click answers that by ending the command at
once with exit 1: ``check-plan ... | head -1`` exited 1 instead of its own 0 or 4, and
``plan ... | head`` abandoned the month's plan at the next progress line (after scoring:
nothing solved or published, exit 1, not a word on stderr). :class:`ReaderGoneGuard` stands
in for ``sys.stdout`` while a command runs: the first failed write points the file descriptor
at ``os.devnull`` (what Python's documentation advises for ``SIGPIPE``, so nothing is left to
fail at exit either) and the rest of the output is dropped, so every command runs to its end
and exits with its own code: a plan is solved, checked and published; a check says its
verdict by its exit code. Messages on standard error are untouched.
"""

from __future__ import annotations

import os
from typing import IO, Any


class ReaderGoneGuard:
    """``stream`` (standard output) whose writes and flushes cannot fail because its reader
    went away: from then on, what is written is dropped (:attr:`reader_gone` is set)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.reader_gone = False

    def write(self, text: str) -> int:
        """Write ``text``; after the reader went away, drop it (its length is returned, as a
        write that succeeded)."""
        if not self.reader_gone:
            try:
                return self.stream.write(text)
            except BrokenPipeError:
                self._drop_the_rest()
        return len(text)

    def flush(self) -> None:
        """Flush; when the reader went away, drop what was pending."""
        try:
            self.stream.flush()
        except BrokenPipeError:
            self._drop_the_rest()

    def _drop_the_rest(self) -> None:
        """Point the stream's file descriptor at ``os.devnull``: what its buffer still holds,
        and the interpreter's last flush at exit, then succeed without a reader."""
        self.reader_gone = True
        try:
            descriptor = self.stream.fileno()
        except (AttributeError, OSError, ValueError):  # no descriptor (a test's stream)
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, descriptor)
        finally:
            os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        """Everything else (``isatty``, ``encoding``, ``fileno``...) is the stream's own."""
        return getattr(self.stream, name)
