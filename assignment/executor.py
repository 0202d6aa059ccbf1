"""The executor seam: how independent township problems are run.

An executor takes a picklable top-level function and a list of tasks and yields results as
they complete. Callers sort results by key afterwards, so the plan is identical whatever the
executor or the number of processes. Local processes are the default; a Dask backend only
needs to implement :class:`Executor` (``client.map`` + ``as_completed``).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Runs ``fn`` over ``tasks``, yielding results in completion order."""

    def run(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]:
        """Yield ``fn(task)`` for every task, in any order."""
        ...


class SerialExecutor:
    """Runs tasks one after another in this process (tests, one core, debugging)."""

    def run(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]:
        """Yield ``fn(task)`` in task order."""
        for task in tasks:
            yield fn(task)


class LocalProcessExecutor:
    """Runs tasks in ``processes`` local worker processes (spawned: safe with polars/HiGHS)."""

    def __init__(self, processes: int) -> None:
        self.processes = max(1, int(processes))

    def run(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]:
        """Yield results as workers finish them."""
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=self.processes, mp_context=ctx) as pool:
            futures = [pool.submit(fn, t) for t in tasks]
            for fut in as_completed(futures):
                yield fut.result()


def default_executor(processes: int | None = None) -> Executor:
    """Local processes (one per core by default); serial when one process is asked for."""
    n = processes if processes is not None else (multiprocessing.cpu_count() or 1)
    return SerialExecutor() if n <= 1 else LocalProcessExecutor(n)
