"""The Dask distributed executor: township solves (and scoring partitions) on a Dask cluster.

The only module that imports Dask (an optional extra: ``pip install .[dask]``). It implements
:class:`assignment.executor.Executor` with ``client.submit`` and ``as_completed``:

* **One task, one township.** A :class:`~assignment.plan.TownshipTask` already carries only its
  township's households and workers. Dataclass fields that are the *same object* in every task
  (the settings and solver options that :func:`~assignment.plan.township_tasks` hands to each
  task) are sent to the cluster once, as a task of their own whose result every township task
  depends on, and put back into each task on the worker: they are not pickled into every
  task. Not ``client.scatter``: scattered data that every holder of dies with is lost for
  good (the scheduler forgets the tasks that need it), while a task's result is computed
  again by the scheduler, so worker deaths never cost the shared inputs.
* **Worker deaths are retried by Dask.** When a worker process dies mid-task (SIGKILL, out of
  memory), the scheduler reschedules its tasks on the surviving (or restarted) workers and
  counts the death against the task (``distributed.scheduler.allowed-failures``); a task that
  raises is retried ``retries`` times. Results are sorted by the caller, so the plan does
  not depend on which worker ran what.
* **A task that keeps failing is a result, not an abort.** When the scheduler gives up on a
  task (``KilledWorker`` after ``allowed-failures`` + 1 deaths, its message naming how many
  workers died running it, or an exception after the retries), ``on_error(task, error)``
  turns it into a result (for townships: :func:`assignment.plan.failed_township`, status
  ERROR, every household unassigned and the error in the diagnostics); without ``on_error``
  the run stops and the error is raised.
* **Loopback only by default.** Without a scheduler address, :func:`dask_executor` starts a
  ``LocalCluster`` whose scheduler and workers bind to 127.0.0.1 and whose dashboard is off.
  (Dask always keeps an HTTP server in the scheduler and in each worker: here it serves only
  the health check, on a free port of 127.0.0.1, never 8787 on every interface.)
* **Every way of not getting a cluster is one clear error.** A scheduler address is first
  asked, within ``connect_timeout`` seconds in all (connection and Dask handshake), who it is:
  an address that is malformed (an ``http://`` one too: said before any connection), refuses,
  is silent, or is not a Dask scheduler (its HTTP port, a worker, another service) raises
  :class:`ExecutorUnavailableError` naming the address, and so does a scheduler without
  workers after :data:`WORKERS_WAIT` seconds, and a cluster whose scheduler or workers run
  other versions (:data:`SAME_PACKAGES`) than this one, or whose workers cannot import
  the project (:data:`PROJECT_MODULES`). A scheduler lost during a run raises
  :class:`ExecutorLostError`, and so does a cluster whose workers all left during the run
  and none came back within :data:`WORKERS_GONE_WAIT` seconds (tasks wait for workers that
  restart or join meanwhile, as Dask's own do, but not for ever), and so does a cluster on
  which nothing has run for :data:`PAUSED_WAIT` seconds while workers are paused for lack of
  memory (Dask leaves their tasks queued there: the run would wait for ever).
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
import multiprocessing
import socket
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from typing import Any, TypeVar, cast

from dask import config as dask_config
from distributed import Client, LocalCluster, as_completed
from distributed.client import FutureCancelledError
from distributed.comm import connect
from distributed.comm.addressing import parse_address, parse_host_port
from distributed.comm.registry import get_backend
from distributed.security import Security
from distributed.versions import VersionMismatchWarning

from assignment.executor import TASKS_AHEAD, ExecutorLostError, ExecutorUnavailableError

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_RETRIES = 2
"""How many times a task that raised is run again (worker deaths are rescheduled anyway)."""
CONNECT_TIMEOUT = 5.0
"""Seconds to reach a scheduler (connection and handshake) before giving up with a clear error."""
WORKERS_WAIT = 10.0
"""Seconds a scheduler without workers is given for its first worker to register (workers
started at the same time as ``plan``) before giving up with a clear error."""
WORKERS_GONE_WAIT = 120.0
"""Seconds a run waits when every worker has left the cluster (killed, their nodes lost)
before it ends with :class:`ExecutorLostError`: long enough for workers that a nanny or an
orchestrator restarts, short enough that a nightly run does not hang until morning."""
PAUSED_WAIT = 60.0
"""Seconds a run waits while nothing runs anywhere on the cluster and a worker is paused
(Dask pauses a worker whose memory passes 80 % of its ``--memory-limit``; a worker whose
limit is below what the libraries alone take stays paused for good, holding its tasks)
before it ends with :class:`ExecutorLostError` naming the workers and their memory."""
WORKERS_POLL = 2.0
"""Seconds between two questions to the scheduler about its workers, while results wait."""
RESULT_POLL = 0.1
"""Seconds between two looks at the finished tasks while none is ready (as Dask's own
``as_completed`` iteration)."""
HTTP_ROUTES = ["distributed.http.health"]
"""What the local cluster's HTTP servers serve (Dask cannot switch them off): the health check
only; no dashboard, no task or log pages, no proxy to the workers."""
WORKER_SATURATION = 1.0
"""Tasks in flight per worker thread (Dask's default 1.1 gives a one-thread worker two). One:
a township is held by one worker at a time, so a worker that dies takes only the township it
was solving with it (Dask counts a death against every task in flight on that worker), and a
worker's memory holds one township's problem."""


@dataclasses.dataclass(frozen=True)
class _Shared:
    """Field values common to every task, submitted once as a task of their own and put back
    on the worker."""

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
    """On the worker: put the shared fields back into ``task``, then run ``fn``."""
    return fn(dataclasses.replace(task, **shared.values))


def _held(shared: _Shared) -> _Shared:
    """The task that holds the shared fields on the cluster (its result is ``shared``):
    computed again by the scheduler if every worker holding it dies."""
    return shared


class DaskExecutor:
    """Runs tasks on a Dask cluster through ``client`` (see the module docstring)."""

    def __init__(
        self,
        client: Client,
        *,
        retries: int = DEFAULT_RETRIES,
        on_error: Callable[[Any, BaseException], Any] | None = None,
        window: int | None = None,
        address: str | None = None,
        workers_gone_wait: float = WORKERS_GONE_WAIT,
        paused_wait: float = PAUSED_WAIT,
    ) -> None:
        self.client = client
        self.paused_wait = paused_wait
        self.retries = retries
        self.on_error = on_error
        self.window = window  # worker threads to keep busy (None: the cluster's, at run time)
        self.address = address or str(client.scheduler.address if client.scheduler else "")
        self.workers_gone_wait = workers_gone_wait

    def scheduler_lost(self) -> bool:
        """Whether the client has lost its scheduler (reconnecting, or closed after failing
        to reconnect): nothing submitted to it will come back."""
        return self.client.status not in {"running", "newly-created"}

    def lost_error(self, exc: BaseException) -> ExecutorLostError:
        """The one-line error for a run that lost its cluster (``exc``: what Dask raised)."""
        if isinstance(exc, FutureCancelledError):  # its text leads with a task's key
            why = f"the tasks were cancelled ({exc.reason})"
        elif isinstance(exc, OSError):  # CommClosedError's text names Dask's internals
            why = f"its connection closed ({type(exc).__name__})"
        else:
            first = (str(exc).splitlines() or [""])[0].strip()
            why = f"{type(exc).__name__}{': ' + first if first else ''}"
        return ExecutorLostError(
            f"与 Dask 调度器的连接中断, 请重启调度器及其工作进程后重新运行 (lost the Dask "
            f"scheduler at {self.address} during the run: {why}; the unfinished tasks have no "
            f"result: start `dask scheduler` and `dask worker {self.address}` again, or use "
            "--executor local, and run again)"
        )

    def run(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        """Yield ``fn(task)`` for every task as workers finish them (any order).

        Tasks are drawn from ``tasks`` as workers become free: :data:`TASKS_AHEAD` per worker
        thread are submitted ahead of the results, and one more for each result. Raises
        :class:`ExecutorLostError` when the scheduler is lost meanwhile, or when the cluster
        has had no workers for ``workers_gone_wait`` seconds (until then tasks wait, as Dask's
        do: workers that restart, or new ones, pick them up)."""
        live: dict[str, tuple[Any, T, int]] = {}  # key -> (future, task, times resubmitted)
        try:
            yield from self._run(fn, iter(tasks), live)
        except Exception as exc:
            if self.scheduler_lost():
                raise self.lost_error(exc) from None
            raise
        finally:
            for fut, _, _ in live.values():  # stopped early (an error, or the caller stopped)
                if not fut.done() and not self.scheduler_lost():
                    fut.cancel()

    def _run(
        self, fn: Callable[[T], R], todo: Iterator[T], live: dict[str, tuple[Any, T, int]]
    ) -> Iterator[R]:
        """:meth:`run`, with the futures in flight kept in ``live`` for the caller."""
        threads = sum(self.client.nthreads().values()) if self.window is None else self.window
        head = list(itertools.islice(todo, max(2, threads * TASKS_AHEAD)))
        if not head:
            return
        names = shared_fields(head)
        values = {n: getattr(head[0], n) for n in names}
        shared = self.client.submit(_held, _Shared(values), pure=False) if names else None

        def submit(task: T) -> Any:
            if shared is not None and all(getattr(task, n) is v for n, v in values.items()):
                slim = dataclasses.replace(task, **dict.fromkeys(names))  # type: ignore[type-var]
                return self.client.submit(
                    call_with_shared, slim, fn=fn, shared=shared, retries=self.retries, pure=False
                )
            return self.client.submit(fn, task, retries=self.retries, pure=False)

        pending = as_completed(loop=self.client.loop)

        def start(task: T, again: int = 0) -> None:
            fut = submit(task)
            live[fut.key] = (fut, task, again)
            pending.add(fut)

        for task in head:
            start(task)
        try:
            for fut in self._completed(pending):
                _, task, again = live.pop(fut.key)
                try:
                    result = fut.result()
                except Exception as exc:
                    if self.scheduler_lost():
                        raise
                    # Cancelled, not erred (nothing of ours cancels while running): run the
                    # task again, whole, up to ``retries`` times.
                    if fut.status == "cancelled" and again < self.retries:
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
            if shared is not None and not self.scheduler_lost():
                shared.release()

    def _completed(self, pending: as_completed) -> Iterator[Any]:
        """The futures of ``pending`` as they finish (as iterating it gives them), but a
        cluster left without workers for ``workers_gone_wait`` seconds raises
        :class:`ExecutorLostError` instead of waiting for ever."""
        gone_since: float | None = None  # when the cluster was first seen without workers
        stalled_since: float | None = None  # ... with paused workers and nothing running
        asked = -WORKERS_POLL
        while not pending.is_empty():
            if pending.has_ready():
                stalled_since = None
                yield next(pending)
                continue
            now = time.monotonic()
            if now - asked >= WORKERS_POLL and not self.scheduler_lost():
                asked = now  # (a lost scheduler: the futures come back erred, run() says so)
                if self.client.nthreads():
                    gone_since = None
                elif gone_since is None:
                    gone_since = now
                elif now - gone_since >= self.workers_gone_wait:
                    raise self.workers_gone_error()
                paused = self.paused_and_idle()
                if not paused:
                    stalled_since = None
                elif stalled_since is None:
                    stalled_since = now
                elif now - stalled_since >= self.paused_wait:
                    raise self.paused_error(paused)
            time.sleep(RESULT_POLL)

    def paused_and_idle(self) -> dict[str, tuple[int, int]]:
        """The paused workers (address: memory used, memory limit, in bytes) when some worker
        is paused and no worker of the cluster is running a task; else empty.

        Dask does not move the tasks queued on a paused worker to a running one, nor the
        tasks that wait for them: a worker paused for good (its limit below what the
        libraries alone take) stops the run without an error. Asked of the scheduler alone
        (what the workers' heartbeats told it), never of the workers: a worker being
        restarted would hold the question up."""
        try:
            workers = self.client.run_on_scheduler(_workers_now())
        except Exception:  # the scheduler going away: judged at the next poll, or by run()
            return {}
        paused = {
            a: (used, limit) for a, (state, used, limit, _) in workers.items() if state == "paused"
        }
        if any(running for *_, running in workers.values()):
            return {}  # a task runs somewhere: the run moves
        return paused

    def paused_error(self, paused: dict[str, tuple[int, int]]) -> ExecutorLostError:
        """The one-line error for a run stopped by workers paused for lack of memory."""
        addr, (used, limit) = sorted(paused.items())[0]
        return ExecutorLostError(
            f"Dask 工作进程内存不足而暂停, 请给工作进程更多内存后重新运行 (nothing has run for "
            f"{self.paused_wait:g} s on the Dask scheduler at {self.address}: {len(paused)} "
            f"worker(s) paused for lack of memory, {addr} uses {used / 2**20:,.0f} MiB of its "
            f"{limit / 2**20:,.0f} MiB limit; start the workers with more memory, e.g. "
            f"`dask worker {self.address} --memory-limit 4GB` (the largest township needs "
            "about 1 GB), and run again)"
        )

    def workers_gone_error(self) -> ExecutorLostError:
        """The one-line error for a run whose cluster lost every worker for good."""
        return ExecutorLostError(
            f"Dask 工作进程全部离开, 请启动工作进程后重新运行 (every worker of the Dask "
            f"scheduler at {self.address} left "
            f"during the run and none came back within {self.workers_gone_wait:g} s; the "
            f"unfinished tasks have no result: start workers with `dask worker {self.address}` "
            "and run again)"
        )


def _workers_now() -> Callable[[Any], dict[str, tuple[str, int, int, int]]]:
    """A function for :meth:`Client.run_on_scheduler` giving each worker's status, memory
    used and limit (bytes), and how many tasks it is running (as its last heartbeat said).

    Made here as a closure, which cloudpickle sends by value: the scheduler runs it without
    importing this module (it needs only Dask, not visit-planner, nor this very version)."""

    def workers_now(dask_scheduler: Any) -> dict[str, tuple[str, int, int, int]]:
        return {
            addr: (
                ws.status.name,
                int(ws.memory.process),
                int(ws.memory_limit or 0),
                len(ws.executing),
            )
            for addr, ws in dask_scheduler.workers.items()
        }

    return workers_now


def _cluster(workers: int | None, allowed_failures: int | None) -> LocalCluster:
    """A local cluster of ``workers`` single-threaded processes, all on 127.0.0.1, no dashboard.

    ``dashboard_address=None`` alone is not enough: the scheduler's HTTP server (which Dask
    always starts) then takes port 8787, warning when it is in use. So the scheduler gets
    ``dashboard=False`` and a free port of 127.0.0.1, and (with :data:`HTTP_ROUTES`, set by
    the caller) its HTTP server and the workers' serve the health check only."""
    n = workers if workers is not None else (multiprocessing.cpu_count() or 1)
    scheduler_kwargs: dict[str, Any] = {"dashboard": False, "dashboard_address": "127.0.0.1:0"}
    if allowed_failures is not None:
        scheduler_kwargs["allowed_failures"] = allowed_failures
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


ADDRESS_HINT = "tcp://HOST:PORT, the scheduler's port, 8786 by default, not its HTTP port 8787"
"""What a scheduler address looks like, for the errors about one."""


def _unavailable(address: str, why: str) -> ExecutorUnavailableError:
    """The one error for a scheduler address that cannot be used, naming the address."""
    return ExecutorUnavailableError(
        f"无法连接 Dask 调度器 (cannot reach the Dask scheduler at {address}: {why}; is "
        f"`dask scheduler` running there, and is the address {ADDRESS_HINT}?)"
    )


def address_problem(address: str) -> str | None:
    """What is wrong with the form of ``address`` (nothing is asked of the network), or None.

    Said before any connection, so that a malformed address or an ``http://`` one (the
    scheduler's web page, copied from the browser) is not reported as a server that
    answered, nor in the words of Python's ``int()``."""
    if not address.strip():  # ``--scheduler "$UNSET"``: Dask would say "missing port in ''"
        return "the address is empty"
    try:
        scheme, location = parse_address(address)
    except ValueError as exc:
        return str(exc)
    if scheme in {"http", "https"}:
        return (
            f"a {scheme}:// address is a web page (the scheduler's dashboard), not the "
            "scheduler itself"
        )
    try:
        get_backend(scheme)
    except ValueError:
        return f"unknown address scheme {scheme!r} (tcp:// or tls://)"
    return _host_port_problem(location) if scheme in {"tcp", "tls"} else None


def _host_port_problem(location: str) -> str | None:
    """What is wrong with ``HOST:PORT`` of a TCP address, or None."""
    try:
        _, port = parse_host_port(location)
    except ValueError as exc:  # Dask's words, but int()'s for a port that is not a number
        return (
            str(exc)
            if "port" in str(exc) or "address" in str(exc)
            else (f"the port in {location!r} is not a number")
        )
    return None if 0 < port < 65536 else f"port {port} is not between 1 and 65535"


def _malformed(address: str, why: str) -> ExecutorUnavailableError:
    """The error for a scheduler address whose form is wrong (see :func:`address_problem`)."""
    shown = address.strip() or "''"
    return ExecutorUnavailableError(
        f"Dask 调度器地址格式错误 (not a Dask scheduler address: {shown}: {why}; the "
        f"address is {ADDRESS_HINT})"
    )


async def _identify(address: str, timeout: float, phase: list[str]) -> dict[str, Any]:
    """Connect to ``address`` and ask the server who it is (Dask's ``identity`` call);
    ``phase`` says how far it got (``connect``, then ``handshake``)."""
    scheme, location = parse_address(address)  # ValueError when malformed
    phase.append("connect")
    if scheme in {"tcp", "tls"}:  # the TCP connection alone first: refused, or none at all
        host, port = parse_host_port(location)
        _, writer = await asyncio.open_connection(host, port)
        writer.close()
    phase.append("handshake")
    args = Security().get_connection_args("client")
    comm = await connect(address, timeout=timeout, **args)
    try:
        await comm.write({"op": "identity", "reply": True})
        info = await comm.read()
    finally:
        comm.abort()
    return info if isinstance(info, dict) else {}


def check_scheduler(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Raise :class:`ExecutorUnavailableError` unless a Dask scheduler answers at ``address``
    within ``timeout`` seconds, connection and handshake together.

    Dask's own connect bounds the TCP connection but not the handshake read after it, so a
    server that accepts and stays silent (the scheduler's HTTP port) hangs ``Client`` for
    ever, and one that answers something else can make it allocate exabytes. Asked here
    first, in a thread of its own (callable from a running event loop), under one deadline;
    whatever it raises is the same clear error."""

    problem = address_problem(address)
    if problem is not None:
        raise _malformed(address, problem)
    phase: list[str] = []

    async def bounded() -> dict[str, Any]:
        return await asyncio.wait_for(_identify(address, timeout, phase), timeout)

    with ThreadPoolExecutor(1, thread_name_prefix="dask-check") as pool:
        try:
            info = pool.submit(asyncio.run, bounded()).result()
        except TimeoutError:
            why = (
                f"no connection within {timeout:g} s"
                if phase[-1:] == ["connect"]
                else f"it accepts connections but gave no Dask answer within {timeout:g} s"
            )
            raise _unavailable(address, why) from None
        except socket.gaierror as exc:  # the host name, not the server: said as such
            host = parse_address(address)[1].rsplit(":", 1)[0]
            why = f"the host name {host!r} does not resolve ({exc.strerror})"
            raise _unavailable(address, why) from None
        except Exception as exc:  # refused, not Dask's protocol, ...
            error = f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}"
            if phase[-1:] == ["handshake"]:  # connected: whatever answered is not Dask
                error = f"it answers, but not in Dask's protocol ({error})"
            raise _unavailable(address, error) from None
    kind = str(info.get("type", ""))
    if "Scheduler" not in kind:
        raise _unavailable(address, f"it answers as a Dask {kind or 'peer'}, not a scheduler")


SAME_PACKAGES = (
    "visit-planner",
    "dask",
    "distributed",
    "cloudpickle",
    "numpy",
    "polars",
    "ortools",
    "highspy",
    "scikit-learn",
)
"""Packages that must be at the coordinator's version on every worker: the project (workers
import the solve and scoring functions by name), Dask's protocol, and what a task's solve
or score runs on (another version could give another plan, or not read the task at all)."""
SCHEDULER_PACKAGES = ("dask", "distributed")
"""Packages that must be at the coordinator's version on the scheduler (Dask's protocol)."""


def _python(packages: dict[str, Any]) -> str:
    """``3.11`` from the ``python`` entry Dask reports (``3.11.7.final.0``)."""
    return ".".join(str(packages.get("python") or "?").split(".")[:2])


def _differences(theirs: dict[str, Any], here: dict[str, Any], names: Sequence[str]) -> list[str]:
    """How ``theirs`` (a node's packages, as Dask reports them) differs from ``here``."""
    said = (
        []
        if _python(theirs) == _python(here)
        else [f"Python {_python(theirs)} (here {_python(here)})"]
    )
    for name in names:
        if theirs.get(name) != here.get(name):
            version = theirs.get(name) or "not installed"
            said.append(f"{name} {version} (here {here.get(name) or 'not installed'})")
    return said


def environment_problem(versions: dict[str, Any], address: str) -> str | None:
    """The one-line error for a cluster whose scheduler or workers run another environment
    than this one (``versions``: :meth:`distributed.Client.get_versions` with
    :data:`SAME_PACKAGES`), or None.

    Said before any task: a worker without the project cannot even read a task (it dies, is
    restarted, dies again), which the run would otherwise see only as every worker gone, two
    minutes later; one with other versions could solve to another plan."""
    here = versions["client"]["packages"]
    found = []
    scheduler = _differences(versions["scheduler"]["packages"], here, SCHEDULER_PACKAGES)
    if scheduler:
        found.append(f"the scheduler has {', '.join(scheduler)}")
    workers = versions.get("workers") or {}
    odd = {
        name: said
        for name, info in sorted(workers.items())
        if isinstance(info, dict)
        and (said := _differences(info.get("packages") or {}, here, SAME_PACKAGES))
    }
    if odd:
        name, said = next(iter(odd.items()))
        found.append(f"{len(odd)} of {len(workers)} workers differ, {name} has {', '.join(said)}")
    if not found:
        return None
    return (
        f"Dask 集群的软件版本与本机不同 (the Dask cluster at {address} does not run this "
        f"environment: {'; '.join(found)}; install the same versions there, e.g. "
        "pip install '.[dask]' from this checkout, and restart it)"
    )


def _check_environment(client: Client, address: str) -> None:
    """Raise :class:`ExecutorUnavailableError` when the cluster runs another environment."""
    versions = cast(dict[str, Any], client.get_versions(packages=SAME_PACKAGES))  # sync
    problem = environment_problem(versions, address)
    if problem is not None:
        raise ExecutorUnavailableError(problem)


PROJECT_MODULES = ("assignment.dask_executor", "visit_planner", "risk_model")
"""Modules every worker must import before any task is sent: the task functions' packages.
Dask reports a package's version from its installed metadata, which an install whose code is
not there (an editable install of a checkout at another path, a ``PYTHONPATH`` that misses
it) still has: such a worker passes :data:`SAME_PACKAGES` and then cannot read the first
task; it ends, and the run would wait :data:`WORKERS_GONE_WAIT` seconds for workers that
never come back."""


def _imports_here(modules: Sequence[str]) -> Callable[[], str | None]:
    """A function for :meth:`Client.run` saying why a worker cannot import ``modules`` (the
    first that fails), or None.

    Made here as a closure, which cloudpickle sends by value: a worker that cannot import this
    module can still run it and say so, instead of dying on the message."""
    names = tuple(modules)

    def imports() -> str | None:
        import importlib

        for name in names:
            try:
                importlib.import_module(name)
            except BaseException as exc:  # anything an import raises: said, not raised
                first = (str(exc).splitlines() or [""])[0].strip()
                return f"cannot import {name} ({type(exc).__name__}{': ' + first if first else ''})"
        return None

    return imports


def import_problem(found: dict[str, Any], address: str) -> str | None:
    """The one-line error for workers that cannot import the project (``found``: what
    :func:`_imports_here` returned on each worker, or the exception that running it raised),
    or None. A worker whose connection failed (``OSError``: it died or is being restarted
    meanwhile) is not judged here: the run copes with workers that leave."""
    odd = {
        name: said
        for name, said in sorted(found.items())
        if said is not None and not isinstance(said, OSError)
    }
    if not odd:
        return None
    name, said = next(iter(odd.items()))
    if isinstance(said, BaseException):
        said = f"could not run the check ({type(said).__name__}: {said})"
    return (
        f"Dask 工作进程无法载入 visit-planner (the Dask cluster at {address} cannot run this "
        f"program's tasks: {len(odd)} of {len(found)} workers, {name} {said}; install this "
        "version there, e.g. pip install '.[dask]' from this checkout, and restart the workers)"
    )


def _check_imports(client: Client, address: str, modules: Sequence[str]) -> None:
    """Raise :class:`ExecutorUnavailableError` when a worker cannot import ``modules``."""
    found = client.run(_imports_here(modules), on_error="return")
    problem = import_problem(cast(dict[str, Any], found), address)
    if problem is not None:
        raise ExecutorUnavailableError(problem)


def _wait_for_workers(client: Client, address: str, wait: float) -> None:
    """Wait up to ``wait`` seconds for the scheduler's first worker, else a clear error."""
    try:
        client.wait_for_workers(1, timeout=wait)
    except TimeoutError:
        raise ExecutorUnavailableError(
            f"Dask 调度器没有工作进程 (the Dask scheduler at {address} has no workers; waited "
            f"{wait:g} s: start them with `dask worker {address}`)"
        ) from None


@contextmanager
def dask_executor(
    scheduler: str | None = None,
    *,
    workers: int | None = None,
    retries: int = DEFAULT_RETRIES,
    on_error: Callable[[Any, BaseException], Any] | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
    allowed_failures: int | None = None,
    workers_wait: float = WORKERS_WAIT,
    workers_gone_wait: float = WORKERS_GONE_WAIT,
    paused_wait: float = PAUSED_WAIT,
) -> Iterator[DaskExecutor]:
    """A :class:`DaskExecutor` on the scheduler at ``scheduler`` (``tcp://HOST:PORT``), or on a
    new loopback ``LocalCluster`` of ``workers`` processes; closed (cluster stopped) on exit.

    ``workers`` is for the local cluster only (refused with a scheduler address, whose
    workers are its own). A scheduler address is checked first (:func:`check_scheduler`) and
    must have a worker within ``workers_wait`` seconds, else
    :class:`ExecutorUnavailableError`; a run ends with
    :class:`ExecutorLostError` when all workers have been gone ``workers_gone_wait`` seconds,
    or nothing has run for ``paused_wait`` seconds with workers paused for lack of memory.
    ``allowed_failures`` (local cluster only; Dask's default is 3) is how many worker deaths
    while running one task the scheduler tolerates before it gives up on that task; a remote
    scheduler has its own setting (``DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES``).
    """
    if scheduler is not None and workers is not None:  # not silently ignored
        raise ExecutorUnavailableError(
            f"本机进程数不适用于已有的 Dask 集群 (--workers-processes is for local processes "
            f"and the local Dask cluster; the scheduler at {scheduler} has its own workers: "
            f"leave the option out, or start more with `dask worker {scheduler}`)"
        )
    cluster = None
    settings = {
        "distributed.comm.timeouts.connect": f"{connect_timeout}s",
        "distributed.scheduler.worker-saturation": WORKER_SATURATION,
        "distributed.scheduler.http.routes": HTTP_ROUTES,
        "distributed.worker.http.routes": HTTP_ROUTES,
    }
    with dask_config.set(settings):
        if scheduler is None:
            cluster = _cluster(workers, allowed_failures)
            address: Any = cluster
            name = str(cluster.scheduler_address)
        else:
            check_scheduler(scheduler, connect_timeout)
            address = name = scheduler
        try:
            with warnings.catch_warnings():  # Dask's table of versions: said in one line below
                warnings.simplefilter("ignore", VersionMismatchWarning)
                client = Client(address, timeout=connect_timeout, set_as_default=False)
        except Exception as exc:  # gone between the check and now
            if cluster is not None:
                cluster.close()
            raise _unavailable(name, f"{type(exc).__name__}: {exc}") from None
    quiet = _QuietWhenLost(client)
    logging.getLogger("distributed.client").addFilter(quiet)
    try:
        _wait_for_workers(client, name, workers_wait)
        if scheduler is not None:  # a local cluster runs this very environment
            _check_environment(client, name)
            _check_imports(client, name, PROJECT_MODULES)
        yield DaskExecutor(
            client,
            retries=retries,
            on_error=on_error,
            address=name,
            workers_gone_wait=workers_gone_wait,
            paused_wait=paused_wait,
        )
    finally:
        with suppress(Exception):  # already closed: the scheduler was lost
            client.close(timeout=connect_timeout)
        logging.getLogger("distributed.client").removeFilter(quiet)
        if cluster is not None:
            cluster.close()


RESCHEDULED = "Couldn't gather"
"""How the client's warning begins when a finished task's worker died before its result was
fetched (``Couldn't gather 1 keys, rescheduling ('call_with_shared-…',)``): Dask computes the
task again and the plan is the same, so the planner is not shown Dask's task keys."""


class _QuietWhenLost(logging.Filter):
    """Drops the client's log records (``Failed to reconnect``, tracebacks of its reconnection)
    once it has lost its scheduler: :meth:`DaskExecutor.run` reports that itself, in one line;
    and, at any time, its :data:`RESCHEDULED` warnings, which need nothing of the planner."""

    def __init__(self, client: Client) -> None:
        super().__init__()
        self.client = client

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg).startswith(RESCHEDULED):
            return False
        return self.client.status in {"running", "newly-created"}
