"""``plan --executor dask`` against a real Dask cluster started as processes.

A ``dask scheduler`` and a ``dask worker`` (two worker processes, one thread each) are started
for each test that needs them with the commands of docs/distributed.md, every server of
theirs (the scheduler's and the workers' comms and HTTP servers, the nannies) on 127.0.0.1,
which the fixture checks, and stopped at the end, also when the test fails (the fixture's
finalizer kills their process groups and checks that no process of theirs is left). The
plans are compared row for row with the plan of local processes on the same inputs.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import psutil
import pytest

from tests.visit_planner.helpers import flat
from visit_planner.paths import resolve_workspace
from visit_planner.runs import RunManifest
from visit_planner.store import Store

M1 = "2026-11"
DASK = Path(sys.executable).with_name("dask")
VISIT_PLANNER = [sys.executable, "-m", "visit_planner"]


@dataclass(frozen=True)
class Month:
    """A month's input data and a workspace holding a champion model."""

    data: Path
    home: Path


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Month:
    from risk_model import TrainConfig
    from visit_planner.risk_job import promote_version, train_from_file
    from visit_planner.synthetic import generate, write_prefecture

    root = tmp_path_factory.mktemp("dask_cycle")
    data, home = root / M1, root / "workspace"
    write_prefecture(generate(scale=0.003, seed=2), data)
    train_from_file(data, home=home, config=TrainConfig(params={"max_iter": 30}))
    promote_version(1, data, home=home)
    return Month(data, home)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Cluster:
    """A running scheduler and worker: the address, their processes and their logs."""

    address: str
    scheduler: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes]
    worker_log: Path
    http_address: str  # the scheduler's HTTP server, as tcp://HOST:PORT (a likely typo)

    def worker_processes(self) -> list[psutil.Process]:
        """The worker processes the ``dask worker`` command's nannies spawned."""
        return [
            p
            for p in psutil.Process(self.worker.pid).children(recursive=True)
            if "spawn_main" in " ".join(p.cmdline())
        ]


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """Stop every process group of ``procs`` (TERM, then KILL), and wait for them."""
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        for p in procs:
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and any(p.poll() is None for p in procs):
            time.sleep(0.1)
    for p in procs:
        with contextlib.suppress(ProcessLookupError):  # nannies' children too
            os.killpg(p.pid, signal.SIGKILL)
        p.wait(timeout=5)
    # The groups' other members (the nannies' workers) are not our children: on a loaded
    # machine they may take a moment after SIGKILL to be gone (seen once on the fresh-clone
    # CI at load 7: a worker still listed right after the kill). Wait for them, boundedly.
    deadline = time.monotonic() + 10.0
    while _in_groups({p.pid for p in procs}) and time.monotonic() < deadline:
        time.sleep(0.1)


def listening(pgids: set[int]) -> set[tuple[str, int]]:
    """The (address, port) pairs the processes of the groups ``pgids`` listen on."""
    found = set()
    for p in psutil.process_iter(["pid"]):
        try:
            if os.getpgid(p.pid) in pgids:
                found |= {
                    (c.laddr.ip, c.laddr.port)
                    for c in p.net_connections(kind="inet")
                    if c.status == psutil.CONN_LISTEN
                }
        except (ProcessLookupError, psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def _in_groups(pgids: set[int]) -> list[int]:
    left = []
    for p in psutil.process_iter(["pid"]):
        try:
            if os.getpgid(p.pid) in pgids and p.status() != psutil.STATUS_ZOMBIE:
                left.append(p.pid)
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return left


@pytest.fixture
def cluster(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cluster]:
    """A scheduler and a worker of two processes on 127.0.0.1; ``allowed_failures`` from an
    indirect parameter (Dask's default 3 when not given)."""
    allowed = getattr(request, "param", None)
    port, http_port = _free_port(), _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0"}
    if allowed is not None:
        env["DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES"] = str(allowed)
    procs: list[subprocess.Popen[bytes]] = []
    worker_log = tmp_path / "worker.log"
    try:
        with (tmp_path / "scheduler.log").open("wb") as slog:
            procs.append(
                subprocess.Popen(
                    [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                     "--no-dashboard", "--dashboard-address", f"127.0.0.1:{http_port}"],
                    stdout=slog, stderr=subprocess.STDOUT, env=env, start_new_session=True,
                )
            )  # fmt: skip
        with worker_log.open("wb") as wlog:
            procs.append(
                subprocess.Popen(
                    [str(DASK), "worker", address, "--nworkers", "2", "--nthreads", "1",
                     "--host", "127.0.0.1", "--no-dashboard", "--dashboard-address",
                     "127.0.0.1:0", "--death-timeout", "60"],
                    stdout=wlog, stderr=subprocess.STDOUT, env=env, start_new_session=True,
                )
            )  # fmt: skip
        deadline = time.monotonic() + 90
        while worker_log.read_text(errors="replace").count("Registered to:") < 2:
            assert procs[0].poll() is None, (tmp_path / "scheduler.log").read_text()
            assert procs[1].poll() is None, worker_log.read_text()
            assert time.monotonic() < deadline, "the Dask workers did not register in 90 s"
            time.sleep(0.2)
        servers = listening({p.pid for p in procs})
        assert ("127.0.0.1", port) in servers and ("127.0.0.1", http_port) in servers, servers
        # scheduler comm + HTTP, 2 nannies, 2 workers' comm + HTTP: all on loopback only
        assert len(servers) >= 8 and {ip for ip, _ in servers} == {"127.0.0.1"}, servers
        yield Cluster(address, procs[0], procs[1], worker_log, f"tcp://127.0.0.1:{http_port}")
    finally:
        pgids = {p.pid for p in procs}
        _stop(procs)
        left = _in_groups(pgids)
        assert not left, f"stray Dask processes left behind: {left}"


def plan_cli(month: Month, *args: str) -> subprocess.Popen[str]:
    """``visit-planner plan --month M1 --data DATA ARGS`` in the month's workspace."""
    env = {**os.environ, "VISIT_PLANNER_HOME": str(month.home)}
    return subprocess.Popen(
        [*VISIT_PLANNER, "plan", "--month", M1, "--data", str(month.data), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(proc: subprocess.Popen[str], timeout: float = 600) -> tuple[int, str]:
    out, _ = proc.communicate(timeout=timeout)
    return proc.returncode, out


def current_run_dir(month: Month) -> Path:
    """The directory of the month's current run (the one ``plan`` just published)."""
    workspace = resolve_workspace(month.home)
    with Store.for_workspace(workspace, None) as store:
        run = store.current_run(M1)
    assert run is not None
    return workspace.root / run.path


def published(month: Month) -> pl.DataFrame:
    """The plan of the month's current run."""
    return pl.read_parquet(current_run_dir(month) / "plan.parquet")


@pytest.fixture(scope="module")
def local_plan(month: Month) -> pl.DataFrame:
    code, out = finish(plan_cli(month, "--executor", "local", "--workers-processes", "2"))
    assert code in {0, 3}, out
    return published(month)


def test_plan_on_a_dask_cluster_equals_the_local_plan(
    month: Month, local_plan: pl.DataFrame, cluster: Cluster
) -> None:
    code, out = finish(plan_cli(month, "--executor", "dask", "--scheduler", cluster.address))
    assert code in {0, 3}, out
    plan = published(month)
    assert plan.equals(local_plan)  # row for row, every column
    assert plan["township_id"].n_unique() > 1


def _kill_a_busy_worker(cluster: Cluster, proc: subprocess.Popen[str], kill: bool = True) -> int:
    """SIGKILL a worker process as soon as the scheduler has a township task on it (only wait
    for that when not ``kill``); its pid.

    Asked of the scheduler (``Client.processing``), not guessed from CPU time: on a quiet
    machine this data's townships solve in well under a second, faster than any CPU
    threshold above the imports' could tell."""
    from distributed import Client

    with Client(cluster.address, timeout=10) as client:
        pids = client.run(os.getpid)  # worker address -> its process id
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            busy = [addr for addr, keys in client.processing().items() if keys]
            if busy:
                pid = int(pids[busy[0]])
                if kill:
                    psutil.Process(pid).send_signal(signal.SIGKILL)
                return pid
            time.sleep(0.005)
    pytest.fail(f"no worker became busy while plan ran:\n{finish(proc)[1]}")


def test_a_worker_killed_mid_run_is_survived_with_the_same_plan(
    month: Month, local_plan: pl.DataFrame, cluster: Cluster
) -> None:
    proc = plan_cli(month, "--executor", "dask", "--scheduler", cluster.address)
    killed = _kill_a_busy_worker(cluster, proc)
    code, out = finish(proc)
    assert code in {0, 3}, out
    assert "partial" not in out
    assert published(month).equals(local_plan)
    log = cluster.worker_log.read_text(errors="replace")
    assert f"Worker process {killed} was killed by signal 9" in log


@pytest.mark.parametrize("cluster", [0], indirect=True)  # the scheduler gives up at once
def test_a_township_the_cluster_gives_up_on_is_reported_and_the_rest_published(
    month: Month, local_plan: pl.DataFrame, cluster: Cluster
) -> None:
    proc = plan_cli(month, "--executor", "dask", "--scheduler", cluster.address)
    _kill_a_busy_worker(cluster, proc)
    code, out = finish(proc)
    assert code == 5, out  # EXIT_TOWNSHIP_FAILED, after publishing the rest
    assert "部分方案 partial run" in flat(out) and "KilledWorker" in out
    assert "Traceback" not in out
    plan = published(month)
    metrics = RunManifest.read(current_run_dir(month)).metrics
    failed = metrics["failed_townships"]
    assert metrics["partial"] is True and failed
    lost = plan.filter(pl.col("township_id").is_in(failed))
    assert lost.height and lost["worker_id"].null_count() == lost.height  # none missing
    kept = plan.filter(~pl.col("township_id").is_in(failed))
    assert kept.equals(local_plan.filter(~pl.col("township_id").is_in(failed)))
    assert plan.height == local_plan.height


def test_an_unreachable_scheduler_is_a_clear_error_within_seconds(month: Month) -> None:
    port = _free_port()
    start = time.monotonic()
    code, out = finish(
        plan_cli(month, "--executor", "dask", "--scheduler", f"tcp://127.0.0.1:{port}"), 60
    )
    assert code != 0 and time.monotonic() - start < 30
    assert f"tcp://127.0.0.1:{port}" in out and "无法连接 Dask 调度器" in flat(out)
    assert "Traceback" not in out


def test_the_schedulers_http_port_is_a_clear_error_within_seconds(
    month: Month, cluster: Cluster
) -> None:
    """The port next to the scheduler's (8787 beside 8786) accepts connections but does not
    speak Dask: it used to hang ``plan`` for ever."""
    start = time.monotonic()
    code, out = finish(plan_cli(month, "--executor", "dask", "--scheduler", cluster.http_address))
    assert code == 2 and time.monotonic() - start < 40, out
    said = flat(out)  # the message as one line, whatever the wrapping
    assert (
        f"无法连接 Dask 调度器 (cannot reach the Dask scheduler at {cluster.http_address}:" in said
    )
    assert "gave no Dask answer within 5 s" in said and "Traceback" not in out


@pytest.mark.parametrize(
    "address", ["tcp://127.0.0.1", "tpc://127.0.0.1:8786", "http://127.0.0.1:8787"]
)
def test_a_malformed_scheduler_address_is_one_message(month: Month, address: str) -> None:
    code, out = finish(plan_cli(month, "--executor", "dask", "--scheduler", address), 60)
    assert code == 2, out
    said = flat(out)
    assert f"Dask 调度器地址格式错误 (not a Dask scheduler address: {address}:" in said
    assert "answers" not in said
    assert "Traceback" not in out and "Exception ignored" not in flat(out)


def test_losing_the_scheduler_mid_run_fails_cleanly_and_publishes_nothing(
    month: Month, local_plan: pl.DataFrame, cluster: Cluster
) -> None:
    before = current_run_dir(month)
    proc = plan_cli(month, "--executor", "dask", "--scheduler", cluster.address)
    _kill_a_busy_worker(cluster, proc, kill=False)  # a township is being solved
    cluster.scheduler.send_signal(signal.SIGKILL)
    code, out = finish(proc, 120)
    assert code == 6, out  # EXIT_RUN_LOST: the scheduler was lost, nothing published
    said = flat(out)
    lead = (
        "错误 ERROR: 与 Dask 调度器的连接中断, 请重启调度器及其工作进程后重新运行 (lost the "
        f"Dask scheduler at {cluster.address} during the run"
    )
    assert lead in said and said.count("错误 ERROR") == 1, out
    assert "; 未写出或发布任何结果 (nothing was written or published)" in said
    # what to do, and which townships the run did not solve (by name and code)
    assert "start `dask scheduler` and `dask worker" in said
    unfinished = re.search(
        r"未完成的乡镇 (\d+)/(\d+) 个 \(\1 of \2 townships unfinished\): ([^;]+);", said
    )
    assert unfinished is not None and int(unfinished[1]) >= 1, out  # one was being solved
    named = r"[^,()]+ \(\d{9}\)"  # 开化街道 Kaihua Subdistrict (532601001)
    assert re.fullmatch(rf"{named}(, {named})*", unfinished[3]), out
    assert "Traceback" not in out and "Failed to reconnect" not in said
    assert "ConnectionPool" not in said  # Dask's internals are not the planner's business
    assert current_run_dir(month) == before  # the previous run stays current
    leftovers = [p.name for p in before.parent.iterdir() if not (p / "manifest.json").exists()]
    assert not leftovers  # no staging or work directory left behind
    # the month's lock was released: the next plan runs
    code, out = finish(plan_cli(month, "--executor", "local", "--workers-processes", "2"))
    assert code in {0, 3}, out
    assert published(month).equals(local_plan)
