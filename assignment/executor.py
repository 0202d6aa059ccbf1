"""The executor seam: how independent township problems are run.

An executor takes a picklable top-level function and tasks (a list, or any iterable: tasks
are drawn from it only as workers become free, at most a few per worker ahead, so that a
caller can build each task - read one township - when it is about to run, and the
coordinator never holds every task at once) and yields results as they complete. Callers
sort results by key afterwards, so the plan is identical whatever the
executor or the number of processes. Local processes are the default; the Dask backend
(:mod:`assignment.dask_executor`, the optional extra ``.[dask]``) implements the same
:class:`Executor` with ``client.submit`` + ``as_completed``. :func:`open_executor` picks one by
name (``local`` or ``dask``), as the CLI's ``--executor`` does.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from assignment.errors import AssignmentError

T = TypeVar("T")
R = TypeVar("R")

EXECUTORS = ("local", "dask")
"""The executors :func:`open_executor` knows, by name."""
DASK_INSTALL_HINT = "pip install 'visit-planner[dask]'  (or: pip install 'dask[distributed]')"


class ExecutorUnavailableError(AssignmentError):
    """The executor asked for cannot run: Dask not installed, or its scheduler unreachable."""


class ExecutorLostError(ExecutorUnavailableError):
    """The executor was lost during a run (the Dask scheduler went away): the unfinished tasks
    have no result."""


TASKS_AHEAD = 2
"""Tasks handed out per worker at a time (one running, one waiting): more only costs memory."""


class Executor(Protocol):
    """Runs ``fn`` over ``tasks``, yielding results in completion order."""

    def run(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield ``fn(task)`` for every task, in any order."""
        ...


class SerialExecutor:
    """Runs tasks one after another in this process (tests, one core, debugging)."""

    def run(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield ``fn(task)`` in task order (each task drawn when it is run)."""
        for task in tasks:
            yield fn(task)


class LocalProcessExecutor:
    """Runs tasks in ``processes`` local worker processes (spawned: safe with polars/HiGHS).

    A run of a single task (an amendment of one township) runs it in this process instead: a
    spawned worker imports the whole stack first, which took 4.7 of the 5.2 s of a
    10,000-household township's assign stage (``plan --amend``, ``bench/bench_plan.py
    --scale 1``), and the result does not depend on where it is computed.
    """

    def __init__(self, processes: int) -> None:
        self.processes = max(1, int(processes))

    def run(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield results as workers finish them; at most :data:`TASKS_AHEAD` tasks per
        process are drawn from ``tasks`` ahead of the results."""
        todo = iter(tasks)
        window = self.processes * TASKS_AHEAD
        first = list(itertools.islice(todo, window))
        if len(first) <= 1:  # ``tasks`` held at most one task (``window`` is at least 2)
            yield from SerialExecutor().run(fn, first)
            return
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=self.processes, mp_context=ctx) as pool:
            pending: set[Future[R]] = {pool.submit(fn, task) for task in first}
            try:
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in done:
                        yield fut.result()
                        for task in todo:  # one new task for each finished one
                            pending.add(pool.submit(fn, task))
                            break
            except BaseException:
                # A failed task, Ctrl-C, SIGTERM or a caller that stops reading: the tasks
                # not yet started are dropped. Leaving the block would otherwise run every
                # one of them first (shutdown waits for queued work), so a stopped plan
                # went on solving townships for minutes before it ended.
                pool.shutdown(wait=True, cancel_futures=True)
                raise


def default_executor(processes: int | None = None) -> Executor:
    """Local processes (one per core by default); serial when one process is asked for."""
    n = processes if processes is not None else (multiprocessing.cpu_count() or 1)
    return SerialExecutor() if n <= 1 else LocalProcessExecutor(n)


@contextmanager
def open_executor(
    kind: str = "local",
    *,
    scheduler: str | None = None,
    processes: int | None = None,
    on_error: Callable[[Any, BaseException], Any] | None = None,
) -> Iterator[Executor]:
    """The executor named ``kind``, open for the duration of the ``with`` block.

    ``local``: :func:`default_executor` (``processes`` local processes). ``dask``: the cluster
    at ``scheduler`` (``tcp://HOST:PORT``), or a loopback ``LocalCluster`` of ``processes``
    workers when no address is given; ``on_error(task, error)`` turns a task the cluster gave
    up on into a result. Raises :class:`ExecutorUnavailableError` with what to do when Dask is
    not installed or the scheduler cannot be reached.
    """
    if kind not in EXECUTORS:
        raise ExecutorUnavailableError(
            f"未知执行器 (unknown executor {kind!r}: use one of {', '.join(EXECUTORS)})"
        )
    if kind == "local":
        if scheduler is not None:
            raise ExecutorUnavailableError(
                "调度器地址仅用于 dask 执行器 (--scheduler is for --executor dask)"
            )
        yield default_executor(processes)
        return
    try:
        from assignment.dask_executor import dask_executor
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in {"dask", "distributed"}:
            raise
        raise ExecutorUnavailableError(
            f"未安装 Dask (--executor dask needs Dask, which is not installed): {DASK_INSTALL_HINT}"
        ) from None
    with dask_executor(scheduler, workers=processes, on_error=on_error) as executor:
        yield executor
