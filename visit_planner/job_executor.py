"""Where a job's work runs: ``--executor local|dask [--scheduler ADDRESS]``, opened as a clean
error when it cannot be.

Kept apart from :mod:`visit_planner.assign_job` (the solvers, OR-Tools and HiGHS, and the
contracts: seconds to import on a busy machine) so that a command can open its executor, and
refuse a wrong ``--scheduler`` address, before it imports the job that uses it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

from assignment.executor import (
    Executor,
    ExecutorLostError,
    ExecutorUnavailableError,
    open_executor,
)
from visit_planner.errors import VisitPlannerError

if TYPE_CHECKING:
    from assignment.plan import TownshipResult, TownshipTask

EXIT_RUN_LOST = 6
"""Exit code when the Dask scheduler was lost during the solves: nothing written or published
(unlike ``assign``'s exit 5, after which the other townships are written)."""


class ExecutorError(VisitPlannerError):
    """``--executor`` cannot run: Dask not installed, or its scheduler cannot be reached."""


class ExecutorLostRunError(ExecutorError):
    """The Dask scheduler was lost during the solves: the run failed, nothing was written or
    published; exit :data:`EXIT_RUN_LOST`."""

    exit_code = EXIT_RUN_LOST


def lost_township(task: TownshipTask, error: BaseException) -> TownshipResult:
    """A township the cluster gave up on (its worker kept dying, or it raised past the
    retries): reported like a township whose solve raised, its households unassigned."""
    from assignment.plan import failed_township

    return failed_township(task, error, 0.0)


@contextmanager
def job_executor(
    kind: str = "local",
    scheduler: str | None = None,
    processes: int | None = None,
    on_error: Callable[[Any, BaseException], Any] | None = None,
) -> Iterator[Executor]:
    """The executor of ``--executor KIND [--scheduler ADDRESS]``, open for the ``with``
    block; a setup failure (Dask missing, scheduler unreachable) is a clean
    :class:`ExecutorError`."""
    with ExitStack() as stack:
        try:
            executor = stack.enter_context(
                open_executor(kind, scheduler=scheduler, processes=processes, on_error=on_error)
            )
        except ExecutorUnavailableError as exc:
            raise ExecutorError(str(exc)) from None
        try:
            yield executor
        except ExecutorLostError as exc:  # the cluster went away during the run
            raise ExecutorLostRunError(
                f"{exc}; 未写出或发布任何结果 (nothing was written or published)"
            ) from None


def township_executor(
    kind: str = "local", scheduler: str | None = None, processes: int | None = None
) -> AbstractContextManager[Executor]:
    """:func:`job_executor` for township solves: a township the cluster gives up on becomes
    its ERROR result (:func:`lost_township`) instead of stopping the run."""
    return job_executor(kind, scheduler, processes, on_error=lost_township)
