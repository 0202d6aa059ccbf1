"""The Dask executor when things go wrong: workers dying more often than the retries, a
township whose workers keep dying, every worker leaving during a run (for good, or coming
back), a scheduler address that is malformed, silent, not Dask or not a scheduler, a scheduler
without workers, a worker that cannot import the project, and the local cluster's HTTP
servers (no dashboard, no port 8787, loopback only)."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from dask import config as dask_config
from distributed import LocalCluster
from distributed.client import FutureCancelledError

from assignment.dask_executor import (
    CONNECT_TIMEOUT,
    DEFAULT_RETRIES,
    SAME_PACKAGES,
    dask_executor,
    environment_problem,
    import_problem,
)
from assignment.executor import ExecutorLostError, ExecutorUnavailableError
from tests.assignment.helpers import listening_here


@dataclass(frozen=True)
class Job:
    """A task: ``deaths`` is how many times it kills its worker before it succeeds (counted
    in the file ``marker``); ``settings`` is shared by every task (sent to the cluster once)."""

    name: str
    marker: str
    deaths: int = 0
    settings: dict[str, int] = field(default_factory=dict)


def die_then_work(job: Job) -> tuple[str, int]:
    """On the worker: SIGKILL this worker process (as the OOM killer would) the first
    ``job.deaths`` times, then return the job's name and its shared settings' value."""
    marker = Path(job.marker)
    died = int(marker.read_text()) if marker.exists() else 0
    if died < job.deaths:
        marker.write_text(str(died + 1))
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.1)
    return job.name, job.settings["a"]


def as_error(job: Job, error: BaseException) -> tuple[str, str]:
    return job.name, f"{type(error).__name__}: {error}"


def jobs(marker: Path, deaths: int) -> list[Job]:
    shared = {"a": 7}
    return [Job(f"t{i}", str(marker), 0, shared) for i in range(4)] + [
        Job("victim", str(marker), deaths, shared)
    ]


def test_shared_inputs_survive_more_worker_deaths_than_the_retries(tmp_path: Path) -> None:
    # One worker: each death takes the only copy of the shared inputs with it. They used to
    # be scattered (lost for good, every task in flight cancelled "already forgotten", each
    # loss spending one of the executor's retries); now the scheduler computes them again.
    deaths = DEFAULT_RETRIES + 1
    marker = tmp_path / "deaths"
    with dask_executor(workers=1, on_error=as_error) as ex:
        results = dict(ex.run(die_then_work, jobs(marker, deaths)))
    assert marker.read_text() == str(deaths)  # the worker really died that often
    assert results == {"t0": 7, "t1": 7, "t2": 7, "t3": 7, "victim": 7}


def test_a_task_whose_workers_keep_dying_reports_killed_worker_and_how_often(
    tmp_path: Path,
) -> None:
    marker = tmp_path / "deaths"
    with dask_executor(workers=1, on_error=as_error, allowed_failures=1) as ex:
        results = dict(ex.run(die_then_work, jobs(marker, 99)))
    assert {k: v for k, v in results.items() if k != "victim"} == dict.fromkeys(
        ["t0", "t1", "t2", "t3"], 7
    )  # the others are unharmed
    error = str(results["victim"])
    assert error.startswith("KilledWorker: "), error
    assert "on 2 different workers, but all those workers died" in error  # allowed 1 + 1
    assert marker.read_text() == "2"
    assert "forgotten" not in error and "Cancelled" not in error


def nap(seconds: float) -> float:
    """On the worker: sleep, then give the seconds back."""
    time.sleep(seconds)
    return seconds


def process_cluster(**worker: str) -> LocalCluster:
    """One single-threaded worker process (with its nanny) on 127.0.0.1, no dashboard;
    ``worker``: more of LocalCluster's worker options (``memory_limit="1GB"``)."""
    return LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
        **worker,
    )


def test_a_run_whose_workers_all_leave_for_good_ends_with_one_clear_error() -> None:
    with (
        process_cluster() as cluster,
        dask_executor(cluster.scheduler_address, workers_gone_wait=2) as ex,
    ):
        threading.Timer(1.0, cluster.scale, (0,)).start()  # the only worker leaves
        start = time.monotonic()
        with pytest.raises(ExecutorLostError) as lost:
            list(ex.run(nap, [30.0, 30.0, 30.0]))
        waited = time.monotonic() - start
    assert 3.0 <= waited < 25.0, waited  # left at 1 s, given 2 s more (slack for a loaded CI)
    assert str(lost.value) == (
        f"Dask 工作进程全部离开, 请启动工作进程后重新运行 (every worker of the Dask scheduler at "
        f"{cluster.scheduler_address} left during the run and none came back within 2 s; the "
        f"unfinished tasks have no result: start workers with `dask worker "
        f"{cluster.scheduler_address}` and run again)"
    )


def memory_starved_cluster(pause: float = 0.02) -> LocalCluster:
    """:func:`process_cluster` with a 1 GB limit whose worker pauses at ``pause`` of it (2 %:
    at once, for good, as a worker whose ``--memory-limit`` is below what the libraries
    alone take)."""
    with dask_config.set({
        "distributed.worker.memory.pause": pause,
        "distributed.worker.memory.target": False,
        "distributed.worker.memory.spill": False,
    }):  # fmt: skip
        return process_cluster(memory_limit="1GB")


def test_workers_paused_for_lack_of_memory_end_the_run_with_one_clear_error() -> None:
    # Dask leaves the tasks queued on a paused worker: the run used to wait for ever.
    with (
        memory_starved_cluster() as cluster,
        dask_executor(cluster.scheduler_address, paused_wait=3) as ex,
    ):
        start = time.monotonic()
        with pytest.raises(ExecutorLostError) as lost:
            list(ex.run(nap, [0.1, 0.1, 0.1]))
        waited = time.monotonic() - start
    assert 3.0 <= waited < 30.0, waited
    said = str(lost.value)
    assert said.startswith(
        "Dask 工作进程内存不足而暂停, 请给工作进程更多内存后重新运行 (nothing has run for 3 s "
        f"on the Dask scheduler at {cluster.scheduler_address}: 1 worker(s) paused for lack "
        "of memory, tcp://127.0.0.1:"
    ), said
    assert re.search(r" uses [\d,]+ MiB of its 954 MiB limit; start the workers with more", said)
    assert said.endswith(
        f"`dask worker {cluster.scheduler_address} --memory-limit 4GB` (the largest township "
        "needs about 1 GB), and run again)"
    )


def pause_now(dask_worker: Any) -> None:
    """On a worker: pause it (its memory is now above the pause threshold)."""
    dask_worker.memory_manager.memory_pause_fraction = 0.02


def test_a_task_still_running_on_a_paused_worker_is_waited_for() -> None:
    # Pausing stops new tasks, not the one running: while it runs, nothing is stalled.
    with (
        memory_starved_cluster(pause=0.9) as cluster,
        dask_executor(cluster.scheduler_address, paused_wait=1) as ex,
    ):
        threading.Timer(1.0, ex.client.run, (pause_now,)).start()
        assert list(ex.run(nap, [5.0])) == [5.0]
        paused = ex.client.scheduler_info(n_workers=-1)["workers"].values()
        assert [str(w["status"]) for w in paused] == ["paused"]  # it really was paused


def test_a_lost_scheduler_is_said_without_dasks_task_keys() -> None:
    """A scheduler killed mid-run cancels every future ``scheduler-connection-lost``; the
    message names the reason, not the internal key of whichever task came back first."""
    with loopback_cluster(1) as cluster, dask_executor(cluster.scheduler_address) as ex:
        cancelled = FutureCancelledError(
            "call_with_shared-0fb69854-ff70-4491-9ae8-1e0f316c6c04", "scheduler-connection-lost"
        )
        said = str(ex.lost_error(cancelled))
        closed = str(ex.lost_error(OSError("Stream is closed\nmore")))
    address = cluster.scheduler_address
    remedy = (
        f"the unfinished tasks have no result: start `dask scheduler` and `dask worker "
        f"{address}` again, or use --executor local, and run again)"
    )
    lead = "与 Dask 调度器的连接中断, 请重启调度器及其工作进程后重新运行"
    assert said == (
        f"{lead} (lost the Dask scheduler at {address} during the run: the tasks were "
        f"cancelled (scheduler-connection-lost); {remedy}"
    )
    assert closed == (
        f"{lead} (lost the Dask scheduler at {address} during the run: its connection "
        f"closed (OSError); {remedy}"
    )


def test_workers_that_come_back_within_the_wait_finish_the_run() -> None:
    with (
        process_cluster() as cluster,
        dask_executor(cluster.scheduler_address, workers_gone_wait=60) as ex,
    ):
        threading.Timer(0.5, cluster.scale, (0,)).start()
        threading.Timer(3.0, cluster.scale, (1,)).start()  # a new worker joins
        results = sorted(ex.run(nap, [1.0, 1.0, 1.0, 1.0]))
        assert len(cluster.scheduler_info["workers"]) == 1
    assert results == [1.0, 1.0, 1.0, 1.0]


class Server:
    """A TCP server on 127.0.0.1 that accepts connections and writes ``banner`` (if any) to
    each, then keeps it open without reading: a silent port, or another protocol's."""

    def __init__(self, banner: bytes = b"") -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.address = f"tcp://127.0.0.1:{self.sock.getsockname()[1]}"
        self.banner = banner
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed
                return
            self.conns.append(conn)
            if self.banner:
                conn.sendall(self.banner)

    def close(self) -> None:
        for conn in self.conns:
            conn.close()
        self.sock.close()


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    srv = Server(request.param)
    yield srv
    srv.close()


@pytest.mark.parametrize(
    ("server", "why"),
    [
        (b"", "gave no Dask answer within"),  # silent, like the scheduler's HTTP port
        # another service's greeting: read as a Dask frame length, Dask asked numpy for EiB
        (b"SSH-2.0-OpenSSH_9.6 Ubuntu-3ubuntu13.5\r\n" * 4, "not in Dask's protocol"),
    ],
    indirect=["server"],
)
def test_an_address_that_does_not_speak_dask_is_a_clear_error_within_the_timeout(
    server: Server, why: str
) -> None:
    start = time.monotonic()
    with pytest.raises(ExecutorUnavailableError) as info, dask_executor(server.address):
        pass
    assert time.monotonic() - start < CONNECT_TIMEOUT + 3
    message = str(info.value)
    assert message.startswith(
        f"无法连接 Dask 调度器 (cannot reach the Dask scheduler at {server.address}: "
    )
    assert why in message and "\n" not in message, message


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("tcp://127.0.0.1", "missing port number"),
        ("tpc://127.0.0.1:8786", "unknown address scheme 'tpc' \\(tcp:// or tls://\\)"),
        ("127.0.0.1:8786x", "the port in '127.0.0.1:8786x' is not a number"),
        ("tcp://127.0.0.1:99999", "port 99999 is not between 1 and 65535"),
        ("http://127.0.0.1:8787", "a http:// address is a web page .the scheduler's dashboard."),
        (" ", "the address is empty"),  # --scheduler "$UNSET_VARIABLE"
    ],
)
def test_a_malformed_address_is_refused_at_once_without_a_client(
    address: str, why: str, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused from the address alone: no connection tried, no Client made (a half-built
    Client waits out its 10 s timeout). Counted, not timed, so load cannot fail it."""
    import gc

    from assignment import dask_executor as module

    reached: list[str] = []

    def client(*args: object, **kwargs: object) -> None:
        reached.append("Client")
        raise AssertionError("a Client was made for a malformed address")

    async def connect(*args: object, **kwargs: object) -> None:
        reached.append("connect")
        raise AssertionError("a connection was tried for a malformed address")

    monkeypatch.setattr(module, "Client", client)
    monkeypatch.setattr(module, "connect", connect)
    with pytest.raises(ExecutorUnavailableError, match=why) as info, dask_executor(address):
        pass
    gc.collect()  # a half-built Client would complain here (Client.__del__)
    assert reached == []
    message = str(info.value)
    shown = address.strip() or "''"
    assert message.startswith(f"Dask 调度器地址格式错误 (not a Dask scheduler address: {shown}: ")
    assert message.endswith(
        "the address is tcp://HOST:PORT, the scheduler's port, 8786 by default, "
        "not its HTTP port 8787)"
    )
    # never reported as a server that answered, nor in Python's words
    assert "answers" not in message and "int()" not in message, message
    assert "Exception ignored" not in capfd.readouterr().err


def test_a_host_name_that_does_not_resolve_is_said_as_such() -> None:
    address = "tcp://no-such-host.invalid:8786"  # .invalid never resolves (RFC 2606)
    with pytest.raises(ExecutorUnavailableError) as info, dask_executor(address):
        pass
    message = str(info.value)
    assert message.startswith(
        f"无法连接 Dask 调度器 (cannot reach the Dask scheduler at {address}: the host name "
        "'no-such-host.invalid' does not resolve ("
    ), message
    assert "gaierror" not in message and "\n" not in message


def test_a_process_count_with_a_scheduler_address_is_refused_not_ignored() -> None:
    start = time.monotonic()
    with (
        pytest.raises(ExecutorUnavailableError) as info,
        dask_executor("tcp://127.0.0.1:8786", workers=3),
    ):
        pass
    assert time.monotonic() - start < 1  # before any connection
    assert str(info.value) == (
        "本机进程数不适用于已有的 Dask 集群 (--workers-processes is for local processes and "
        "the local Dask cluster; the scheduler at tcp://127.0.0.1:8786 has its own workers: "
        "leave the option out, or start more with `dask worker tcp://127.0.0.1:8786`)"
    )


def loopback_cluster(workers: int) -> LocalCluster:
    """A LocalCluster of ``workers`` in-process workers on 127.0.0.1, HTTP on a free port."""
    return LocalCluster(
        n_workers=workers,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
    )


@pytest.fixture(scope="module")
def idle_cluster() -> Iterator[LocalCluster]:
    """A scheduler on 127.0.0.1 without workers."""
    with loopback_cluster(0) as cluster:
        yield cluster


def test_a_scheduler_without_workers_is_a_clear_error(idle_cluster: LocalCluster) -> None:
    address = idle_cluster.scheduler_address
    start = time.monotonic()
    with pytest.raises(ExecutorUnavailableError) as info, dask_executor(address, workers_wait=1):
        pass
    assert time.monotonic() - start < 10
    assert str(info.value) == (
        f"Dask 调度器没有工作进程 (the Dask scheduler at {address} has no workers; waited "
        f"1 s: start them with `dask worker {address}`)"
    )


def test_a_workers_address_is_not_taken_for_a_scheduler() -> None:
    with loopback_cluster(1) as c:
        worker = next(iter(c.scheduler_info["workers"]))
        with (
            pytest.raises(ExecutorUnavailableError, match="answers as a Dask Worker, not a"),
            dask_executor(worker),
        ):
            pass


def test_the_local_cluster_has_no_dashboard_and_leaves_port_8787_alone() -> None:
    holder = socket.socket()
    try:  # whoever holds 8787 (this test, or another program), no warning about it
        holder.bind(("127.0.0.1", 8787))
        holder.listen()
    except OSError:
        pass
    try:
        with warnings.catch_warnings(record=True) as seen, dask_executor(workers=1) as ex:
            warnings.simplefilter("always")
            http = int(ex.client.scheduler_info()["services"]["dashboard"])
            listening = listening_here()
            url = f"http://127.0.0.1:{http}"
            with urllib.request.urlopen(url + "/health", timeout=5) as answer:
                assert answer.status == 200
            for page in ("/status", "/info/main/workers.html", "/metrics", "/proxy/1/x/status"):
                with pytest.raises(urllib.error.HTTPError) as refused:
                    urllib.request.urlopen(url + page, timeout=5)
                refused.value.close()  # its connection, else closed by the garbage collector
                assert refused.value.code == 404, page
    finally:
        holder.close()
    assert http != 8787 and ("127.0.0.1", http) in listening
    assert {ip for ip, _ in listening} == {"127.0.0.1"}, listening
    assert not [w for w in seen if "already in use" in str(w.message)]


def _versions(**changed: str | None) -> dict[str, Any]:
    """A ``Client.get_versions()`` answer of one scheduler and two workers in this very
    environment, but for ``changed`` (package -> version, None: not installed) on the
    second worker."""
    here = {"python": "3.11.7.final.0"} | {name: "1.0" for name in SAME_PACKAGES}
    odd = here | {name.replace("_", "-"): v for name, v in changed.items()}
    return {
        "client": {"packages": here},
        "scheduler": {"packages": dict(here)},
        "workers": {
            "tcp://127.0.0.1:40001": {"packages": dict(here)},
            "tcp://127.0.0.1:40002": {"packages": odd},
        },
    }


def test_a_cluster_in_this_environment_has_no_problem() -> None:
    assert environment_problem(_versions(), "tcp://127.0.0.1:8786") is None
    # another Python patch release is the same environment
    assert environment_problem(_versions(python="3.11.9.final.0"), "tcp://h:1") is None


def test_a_worker_of_another_environment_is_named_with_what_differs() -> None:
    versions = _versions(visit_planner=None, dask="2025.7.0", python="3.12.1.final.0")
    assert environment_problem(versions, "tcp://127.0.0.1:8786") == (
        "Dask 集群的软件版本与本机不同 (the Dask cluster at tcp://127.0.0.1:8786 does not run "
        "this environment: 1 of 2 workers differ, tcp://127.0.0.1:40002 has Python 3.12 "
        "(here 3.11), visit-planner not installed (here 1.0), dask 2025.7.0 (here 1.0); "
        "install the same versions there, e.g. pip install '.[dask]' from this checkout, "
        "and restart it)"
    )


def test_a_scheduler_of_another_dask_is_named() -> None:
    versions = _versions()
    versions["scheduler"]["packages"]["distributed"] = "2025.7.0"
    versions["scheduler"]["packages"]["numpy"] = "0.1"  # not needed by the scheduler
    problem = environment_problem(versions, "tcp://127.0.0.1:8786")
    assert problem is not None
    assert "the scheduler has distributed 2025.7.0 (here 1.0); install" in problem


def test_the_environment_check_passes_on_a_real_cluster_of_this_environment() -> None:
    with loopback_cluster(1) as cluster, dask_executor(cluster.scheduler_address) as ex:
        versions = ex.client.get_versions(packages=SAME_PACKAGES)
        assert environment_problem(versions, cluster.scheduler_address) is None
        assert sum(ex.run(abs, [-1, -2])) == 3


def test_the_clients_rescheduling_warning_is_not_shown_to_the_planner(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A worker killed after finishing a township, before its result was fetched: Dask's
    # client warned "Couldn't gather 1 keys, rescheduling ('call_with_shared-…',)" in the
    # middle of plan's stage list; the township is computed again, nothing to do.
    log = logging.getLogger("distributed.client")
    with (
        loopback_cluster(1) as cluster,
        dask_executor(cluster.scheduler_address),
        caplog.at_level(logging.WARNING, logger="distributed.client"),
    ):
        log.warning("Couldn't gather %s keys, rescheduling %s", 1, ("call_with_shared-0f",))
        log.warning("another warning")
    said = [r.getMessage() for r in caplog.records if r.name == "distributed.client"]
    assert said == ["another warning"]


BLOCKER = """
import sys

class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"assignment", "visit_planner", "risk_model"}:
            raise ImportError("no module " + repr(name) + " here")
        return None

sys.meta_path.insert(0, Blocked())
"""
"""A ``sitecustomize`` that makes the project unimportable while its installed metadata (and
so every version Dask reports) stays: a worker started from another checkout or environment."""


def test_a_worker_that_cannot_import_the_project_is_named_before_any_task(
    tmp_path: Path,
) -> None:
    # Such a worker passed the version check (the metadata is there), died on the first
    # task's message, and the run waited 120 s for workers before saying "every worker left".
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    env = os.environ | {"PYTHONPATH": str(tmp_path)}
    with loopback_cluster(0) as cluster:
        address = cluster.scheduler_address
        worker = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--no-nanny",
             "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard",
             "--dashboard-address", "127.0.0.1:0"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            start = time.monotonic()
            with (
                pytest.raises(ExecutorUnavailableError) as info,
                dask_executor(address, workers_wait=30),
            ):
                pass
            assert time.monotonic() - start < 30
            assert worker.poll() is None  # asked, not killed by a task it could not read
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    said = str(info.value)
    assert said.startswith(
        f"Dask 工作进程无法载入 visit-planner (the Dask cluster at {address} cannot run this "
        "program's tasks: 1 of 1 workers, tcp://127.0.0.1:"
    ), said
    assert said.endswith(
        " cannot import assignment.dask_executor (ImportError: no module 'assignment' here); "
        "install this version there, e.g. pip install '.[dask]' from this checkout, and "
        "restart the workers)"
    ), said


def test_workers_that_cannot_import_the_project_are_counted_and_the_first_named() -> None:
    assert import_problem({"tcp://h:1": None, "tcp://h:2": None}, "tcp://h:8786") is None
    found: dict[str, Any] = {
        "tcp://h:3": "cannot import visit_planner (ModuleNotFoundError: nope)",
        "tcp://h:1": None,
        "tcp://h:2": RuntimeError("odd"),
        "tcp://h:4": OSError("gone"),  # died meanwhile: the run copes with workers leaving
    }
    assert import_problem(found, "tcp://h:8786") == (
        "Dask 工作进程无法载入 visit-planner (the Dask cluster at tcp://h:8786 cannot run this "
        "program's tasks: 2 of 4 workers, tcp://h:2 could not run the check (RuntimeError: "
        "odd); "
        "install this version there, e.g. pip install '.[dask]' from this checkout, and "
        "restart the workers)"
    )
