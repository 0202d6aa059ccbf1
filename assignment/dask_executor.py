"""The Dask distributed executor: township solves (and scoring partitions) on a Dask cluster.

The only module that imports Dask (an optional extra: ``pip install .[dask]``). It implements
:class:`assignment.executor.Executor` with ``client.submit`` and ``as_completed``:

* **One task, one township.** A :class:`~assignment.plan.TownshipTask` already carries only its
  township's households and workers. Dataclass fields that are the *same object* in every task
  (the settings and solver options that :func:`~assignment.plan.township_tasks` hands to each
  task) are scattered to the workers once (``client.scatter(..., broadcast=True)``), sent as
  one future, and put back into each task on the worker: they are not pickled into every task.
* **Worker deaths are retried.** When a worker process dies mid-task (SIGKILL, out of
  memory), the scheduler reschedules its tasks on the surviving (or restarted) workers; a task
  that raises is retried ``retries`` times. Results are sorted by the caller, so the plan does
  not depend on which worker ran what.
* **A task that keeps failing is a result, not an abort.** When the scheduler gives up on a
  task (``KilledWorker`` after ``distributed.scheduler.allowed-failures`` deaths, or an
  exception after the retries), ``on_error(task, error)`` turns it into a result (for
  townships: :func:`assignment.plan.failed_township`, status ERROR, every household
  unassigned and the error in the diagnostics); without ``on_error`` the run stops and the
  error is raised.
* **Loopback only by default.** Without a scheduler address, :func:`dask_executor` starts a
  ``LocalCluster`` whose scheduler and workers bind to 127.0.0.1 and whose dashboard is off
  (Dask's default dashboard address listens on every interface). An address that cannot be
  reached fails within ``connect_timeout`` seconds with :class:`ExecutorUnavailableError`.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from dask import config as dask_config
from distributed import Client, LocalCluster, as_completed

from assignment.executor import TASKS_AHEAD, ExecutorUnavailableError

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_RETRIES = 2
"""How many times a task that raised is run again (worker deaths are rescheduled anyway)."""
CONNECT_TIMEOUT = 5.0
"""Seconds to reach a scheduler before giving up with a clear error."""
WORKER_SATURATION = 1.0
"""Tasks in flight per worker thread (Dask's default 1.1 gives a one-thread worker two). One:
a township is held by one worker at a time, so a worker that dies takes only the township it
was solving with it (Dask counts a death against every task in flight on that worker), and a
worker's memory holds one township's problem."""


@dataclasses.dataclass(frozen=True)
class _Shared:
    """Field values common to every task, scattered once and put back on the worker."""

    values: dict[str, Any]


def shared_fields(tasks: Sequence[Any]) -> tuple[str, ...]:
    """Names of the dataclass fields holding the same object (not None) in every task.

    Only worth hoisting when there are at least two tasks; non-dataclass tasks have none.
    """
    if len(tasks) < 2 or not all(dataclasses.is_dataclass(t) for t in tasks):
        return ()
    first = tasks[0]
    names = []
    for f in dataclasses.fields(first):
        value = getattr(first, f.name)
        if value is None or isinstance(value, str | int | float | bool | tuple):
            continue  # nothing to gain: small, and empty tuples are shared by the interpreter
        if all(getattr(t, f.name) is value for t in tasks[1:]):
            names.append(f.name)
    return tuple(names)


def call_with_shared(task: Any, *, fn: Callable[[Any], Any], shared: _Shared) -> Any:
    """On the worker: put the scattered shared fields back into ``task``, then run ``fn``."""
    return fn(dataclasses.replace(task, **shared.values))


class DaskExecutor:
    """Runs tasks on a Dask cluster through ``client`` (see the module docstring)."""

    def __init__(
        self,
        client: Client,
        *,
        retries: int = DEFAULT_RETRIES,
        on_error: Callable[[Any, BaseException], Any] | None = None,
        window: int | None = None,
    ) -> None:
        self.client = client
        self.retries = retries
        self.on_error = on_error
        self.window = window  # worker threads to keep busy (None: the cluster's, at run time)

    def run(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield ``fn(task)`` for every task as workers finish them (any order).

        Tasks are drawn from ``tasks`` as workers become free: :data:`TASKS_AHEAD` per worker
        thread are submitted ahead of the results, and one more for each result."""
        todo = iter(tasks)
        threads = sum(self.client.nthreads().values()) if self.window is None else self.window
        head = list(itertools.islice(todo, max(2, threads * TASKS_AHEAD)))
        if not head:
            return
        names = shared_fields(head)
        values = {n: getattr(head[0], n) for n in names}
        scattered: list[Any] = [
            self.client.scatter(_Shared(values), broadcast=True, hash=False) if names else None
        ]

        def submit(task: T) -> Any:
            shared = scattered[0]
            if shared is not None and all(getattr(task, n) is v for n, v in values.items()):
                slim = dataclasses.replace(task, **dict.fromkeys(names))  # type: ignore[type-var]
                return self.client.submit(
                    call_with_shared, slim, fn=fn, shared=shared, retries=self.retries, pure=False
                )
            return self.client.submit(fn, task, retries=self.retries, pure=False)

        live: dict[str, tuple[Any, T, int]] = {}  # key -> (future, task, times resubmitted)
        pending = as_completed(loop=self.client.loop)

        def start(task: T, again: int = 0) -> None:
            fut = submit(task)
            live[fut.key] = (fut, task, again)
            pending.add(fut)

        for task in head:
            start(task)
        try:
            for fut in pending:
                _, task, again = live.pop(fut.key)
                try:
                    result = fut.result()
                except Exception as exc:
                    # A result lost with its worker before it was fetched (the future is
                    # cancelled, not erred): run that task again, whole, up to ``retries``.
                    if fut.status != "error" and again < self.retries:
                        shared = scattered[0]
                        if shared is not None and shared.status != "finished":
                            # The shared fields were lost with every worker that held them
                            # (a worker that joined after the scatter has none): the task was
                            # cancelled for lost dependencies; scatter them again.
                            scattered[0] = self.client.scatter(
                                _Shared(values), broadcast=True, hash=False
                            )
                        start(task, again + 1)
                        continue
                    if self.on_error is None:  # the scheduler gave up on this task
                        raise
                    result = self.on_error(task, exc)
                finally:
                    fut.release()
                for task in todo:  # one new task for each finished one
                    start(task)
                    break
                yield result
        finally:
            for fut, _, _ in live.values():  # stopped early (an error, or the caller stopped)
                if not fut.done():
                    fut.cancel()


def _cluster(workers: int | None, allowed_failures: int | None) -> LocalCluster:
    """A local cluster of ``workers`` single-threaded processes, all on 127.0.0.1, no dashboard."""
    n = workers if workers is not None else (multiprocessing.cpu_count() or 1)
    scheduler_kwargs = {} if allowed_failures is None else {"allowed_failures": allowed_failures}
    return LocalCluster(
        scheduler_kwargs=scheduler_kwargs,
        n_workers=max(1, n),
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        worker_dashboard_address=None,
        silence_logs=logging.ERROR,
    )


@contextmanager
def dask_executor(
    scheduler: str | None = None,
    *,
    workers: int | None = None,
    retries: int = DEFAULT_RETRIES,
    on_error: Callable[[Any, BaseException], Any] | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
    allowed_failures: int | None = None,
) -> Iterator[DaskExecutor]:
    """A :class:`DaskExecutor` on the scheduler at ``scheduler`` (``tcp://HOST:PORT``), or on a
    new loopback ``LocalCluster`` of ``workers`` processes; closed (cluster stopped) on exit.

    ``allowed_failures`` (local cluster only; Dask's default is 3) is how many worker deaths
    while running one task the scheduler tolerates before it gives up on that task; a remote
    scheduler has its own setting (``DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES``).
    """
    cluster = None
    settings = {
        "distributed.comm.timeouts.connect": f"{connect_timeout}s",
        "distributed.scheduler.worker-saturation": WORKER_SATURATION,
    }
    with dask_config.set(settings):
        if scheduler is None:
            cluster = _cluster(workers, allowed_failures)
            address: Any = cluster
        else:
            address = scheduler
        try:
            client = Client(address, timeout=connect_timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            if cluster is not None:
                cluster.close()
            raise ExecutorUnavailableError(
                f"cannot reach the Dask scheduler at {scheduler} within {connect_timeout:g} s "
                f"(无法连接 Dask 调度器): {exc}. Is `dask scheduler` running there, and is the "
                "address tcp://HOST:PORT?"
            ) from None
    try:
        yield DaskExecutor(client, retries=retries, on_error=on_error)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
