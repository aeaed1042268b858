"""Faults of the Docker backend's surroundings: a container killed mid-request, the daemon
restarted mid-batch, the owning process killed, leftovers of dead owners.

The promise under test (docs/sandbox.md, "Results" and "Trust boundary", rule 5): a broken sandbox is an exception or a result with
`Status.INFRA_ERROR` after retries, never a hang, never a lost request, never a silent zero; the
pool heals itself; no container outlives its owner for long.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from sandbox import CallTest, ExecRequest, ExecResult, FunctionRequest, Limits, Sandbox, Status
from sandbox.errors import SandboxClosedError

pytestmark = [pytest.mark.docker, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]


def sleepy(seconds: float, x: int = 5) -> FunctionRequest:
    """A correct solution that takes `seconds`: long enough to be caught mid-request."""
    return FunctionRequest(
        source=f"import time\ndef f(x):\n    time.sleep({seconds})\n    return x * 3 + 1\n",
        entry_point="f",
        tests=(CallTest(args=(x,), expected=3 * x + 1),),
        limits=Limits(timeout_s=10, test_timeout_s=5),
    )


QUICK = FunctionRequest(
    source="def f(x):\n    return x * 3 + 1\n",
    entry_point="f",
    tests=(CallTest(args=(5,), expected=16),),
)


def run_many_bounded(
    box: Sandbox, requests: Sequence[ExecRequest], timeout_s: float
) -> list[ExecResult]:
    """`box.run_many(requests)` in a daemon thread: a hang fails the test instead of the run."""
    out: list[list[ExecResult]] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            out.append(box.run_many(requests))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=target, daemon=True, name="faults-batch")
    thread.start()
    thread.join(timeout_s)
    assert not thread.is_alive(), f"run_many did not return within {timeout_s} s"
    if errors:
        raise errors[0]
    return out[0]


def assert_every_request_answered(results: list[ExecResult], n: int) -> None:
    assert len(results) == n, f"{n} requests, {len(results)} results"
    for i, result in enumerate(results):
        assert result.passed or result.status is Status.INFRA_ERROR, f"request {i}: {result}"


def new_containers(our_containers: Callable[[], list[Any]], before: set[str]) -> list[Any]:
    return [c for c in our_containers() if c.id not in before]


def wait_until(condition: Callable[[], bool], timeout_s: float, step_s: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step_s)
    return condition()


# -- a container dies ------------------------------------------------------------------------


def test_container_killed_mid_request(
    fresh_sandbox: Callable[..., Sandbox], our_containers: Callable[[], list[Any]]
) -> None:
    before = {c.id for c in our_containers()}
    box = fresh_sandbox(pool_size=2)
    mine = new_containers(our_containers, before)
    assert len(mine) == 2
    batch = [sleepy(1.0, x) for x in range(8)]

    killer = threading.Timer(0.5, lambda: mine[0].kill())  # a request is sleeping in it
    killer.start()
    try:
        results = run_many_bounded(box, batch, timeout_s=120)
    finally:
        killer.cancel()
    assert_every_request_answered(results, len(batch))
    assert any(r.attempts > 1 for r in results), "no request noticed the kill"
    assert box.run(QUICK).passed, "the pool did not heal"
    # The dead container is gone, a fresh one holds its slot.
    alive = new_containers(our_containers, before)
    assert mine[0].id not in {c.id for c in alive}
    assert len(alive) == 2, [c.name for c in alive]


# -- the daemon restarts ------------------------------------------------------------------------


def _dockerd() -> tuple[int, list[str], dict[str, str], str] | None:
    """(pid, argv, environment, cwd) of the running dockerd, or None."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            comm = Path(f"/proc/{entry}/comm").read_text().strip()
            if comm != "dockerd":
                continue
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
            raw_env = Path(f"/proc/{entry}/environ").read_bytes().rstrip(b"\0").split(b"\0")
            cwd = os.readlink(f"/proc/{entry}/cwd")
        except OSError:
            continue
        env = dict(item.decode().split("=", 1) for item in raw_env if b"=" in item)
        return int(entry), [a.decode() for a in argv], env, cwd
    return None


def _engine_answers() -> bool:
    try:
        done = subprocess.run(["docker", "info"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _leftover_containerd() -> list[int]:
    """containerd processes that a stopped dockerd started and left (they hold its socket)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (
            cmdline
            and cmdline[0].endswith(b"containerd")
            and b"/var/run/docker/containerd/containerd.toml" in cmdline
        ):
            found.append(int(entry.name))
    return found


def _start_dockerd(argv: list[str], env: dict[str, str], cwd: str) -> None:
    # A dockerd stopped by SIGTERM may leave its managed containerd behind for a moment; a new
    # dockerd that starts meanwhile cannot reach it and gives up. Wait for it, then end it.
    wait_until(lambda: not _leftover_containerd(), 15, 0.2)
    for pid in _leftover_containerd():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with open("/var/log/dockerd.log", "ab") as log:
        subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=env,
            cwd=cwd,
            start_new_session=True,  # a daemon: it outlives this test process
        )


@pytest.fixture
def dockerd() -> Iterator[tuple[int, list[str], dict[str, str], str]]:
    """The hand-started dockerd, restored (started again, answering) after the test whatever
    happened in it."""
    if os.geteuid() != 0:
        pytest.skip("restarting dockerd needs root")
    if Path("/run/systemd/system").exists():
        pytest.skip("dockerd is managed by systemd here; this test restarts a hand-started one")
    found = _dockerd()
    if found is None:
        pytest.skip("no dockerd process on this machine (a remote engine?)")
    try:
        yield found
    finally:
        _, argv, env, cwd = found
        for _attempt in range(3):
            if _dockerd() is None:
                _start_dockerd(argv, env, cwd)
            if wait_until(_engine_answers, 60, 0.5):
                break
            stuck = _dockerd()  # started but not answering: end it and try again
            if stuck is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(stuck[0], signal.SIGKILL)
        assert _engine_answers(), "dockerd did not come back"


@pytest.mark.disruptive
def test_daemon_restarted_mid_batch(
    dockerd: tuple[int, list[str], dict[str, str], str],
    fresh_sandbox: Callable[..., Sandbox],
    our_containers: Callable[[], list[Any]],
) -> None:
    pid, argv, env, cwd = dockerd
    before = {c.id for c in our_containers()}
    box = fresh_sandbox(pool_size=2)
    batch = [sleepy(0.5, x) for x in range(8)]
    results: list[ExecResult] = []
    batch_thread = threading.Thread(
        target=lambda: results.extend(run_many_bounded(box, batch, timeout_s=240)), daemon=True
    )
    batch_thread.start()
    time.sleep(0.8)  # requests are in flight

    os.kill(pid, signal.SIGTERM)
    assert wait_until(lambda: not Path(f"/proc/{pid}").exists(), 60), "dockerd did not stop"
    _start_dockerd(argv, env, cwd)
    assert wait_until(_engine_answers, 60, 0.5), "dockerd did not come back"

    batch_thread.join(250)
    assert not batch_thread.is_alive(), "the batch hung across the daemon restart"
    assert_every_request_answered(results, len(batch))
    hit = [r for r in results if r.attempts > 1 or r.status is Status.INFRA_ERROR]
    assert hit, "no request was in flight during the restart: the test proved nothing"
    assert box.run(QUICK).passed, "the pool did not recover after the restart"
    box.close()
    left = new_containers(our_containers, before)
    assert not left, f"containers outlived the restart and close(): {[c.name for c in left]}"


# -- closing ----------------------------------------------------------------------------------


def test_close_removes_containers_and_refuses_requests(
    fresh_sandbox: Callable[..., Sandbox], our_containers: Callable[[], list[Any]]
) -> None:
    before = {c.id for c in our_containers()}
    box = fresh_sandbox(pool_size=2)
    assert all(r.passed for r in box.run_many([QUICK, QUICK, QUICK]))
    assert len(new_containers(our_containers, before)) == 2
    box.close()
    assert not new_containers(our_containers, before)
    with pytest.raises(SandboxClosedError):
        box.run(QUICK)
    with pytest.raises(SandboxClosedError):
        box.run_many([QUICK, QUICK])
    box.close()  # twice is fine


def test_close_waits_out_the_engines_own_removal(
    fresh_sandbox: Callable[..., Sandbox], our_containers: Callable[[], list[Any]]
) -> None:
    """A container whose executor has already exited is being removed by the engine itself
    (auto_remove) when `close` asks to remove it; `close` must still return only once it is
    gone. Without the wait, every round here left the container listed (or half-removed)."""
    before = {c.id for c in our_containers()}
    for _ in range(3):
        box = fresh_sandbox(pool_size=1)
        (worker,) = box._workers.values()  # type: ignore[attr-defined]
        worker._sock.shutdown(socket.SHUT_RDWR)  # the executor reads EOF and exits
        worker.container.wait(condition="not-running", timeout=30)
        box.close()
        left = new_containers(our_containers, before)
        assert not left, f"close() returned with {[c.name for c in left]} still there"


def test_close_releases_every_waiting_caller(fresh_sandbox: Callable[..., Sandbox]) -> None:
    """More callers than containers (e.g. env threads plus a batch): after `close()` each gets
    a result or `SandboxClosedError`; none waits forever for a container that will not come."""
    box = fresh_sandbox(pool_size=1)
    outcomes: dict[int, object] = {}

    def call(i: int) -> None:
        try:
            outcomes[i] = box.run(sleepy(1.0)).status
        except Exception as exc:  # noqa: BLE001 - checked below
            outcomes[i] = exc

    callers = [threading.Thread(target=call, args=(i,), daemon=True) for i in range(4)]
    for caller in callers:
        caller.start()
    time.sleep(0.5)  # one request runs, three wait for the container
    box.close()
    deadline = time.monotonic() + 15
    for caller in callers:
        caller.join(max(0.0, deadline - time.monotonic()))
    stuck = [i for i, caller in enumerate(callers) if caller.is_alive()]
    assert not stuck, f"callers {stuck} still wait after close(); the others got {outcomes}"
    odd = {i: o for i, o in outcomes.items() if isinstance(o, Exception)}
    odd = {i: o for i, o in odd.items() if not isinstance(o, SandboxClosedError)}
    assert not odd, f"close() made callers fail with other errors: {odd}"


CHILD = """
import sys, time
from sandbox import make_sandbox
box = make_sandbox("docker", pool_size=1)
print("ready", flush=True)
time.sleep(600)
"""


def test_sigkilled_owner_leaves_no_running_container(
    docker_client: Any, our_containers: Callable[[], list[Any]]
) -> None:
    from sandbox.docker_backend import LABEL, OWNER_LABEL

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        with open(f"/proc/{child.pid}/stat", "rb") as f:
            start = f.read().rpartition(b")")[2].split()[19].decode()
        owner = f"{socket.gethostname()}:{child.pid}:{start}"
        filters = {"label": [LABEL, f"{OWNER_LABEL}={owner}"]}
        assert len(docker_client.containers.list(filters=filters)) == 1
    finally:
        child.kill()
        child.wait()
    gone = wait_until(lambda: not docker_client.containers.list(filters=filters), 10)
    assert gone, "the container of a SIGKILLed owner is still running"


def test_startup_reaper_removes_leftovers_of_dead_owners(
    docker_client: Any, docker_sandbox: Sandbox, fresh_sandbox: Callable[..., Sandbox]
) -> None:
    # `docker_sandbox`: the image exists (built if need be) before the fake leftovers are made.
    import docker

    from sandbox import image
    from sandbox.docker_backend import LABEL, OWNER_LABEL, _owner_id

    host = socket.gethostname()
    made = []
    try:
        for owner in (f"{host}:999999:0", _owner_id(), f"elsewhere-{host}:999999:0"):
            made.append(
                docker_client.containers.create(
                    image.default_tag(),
                    command=["sleep", "600"],
                    labels={LABEL: "1", OWNER_LABEL: owner},
                )
            )
        made[0].start()
        fresh_sandbox(pool_size=1)  # its start-up reaps

        def exists(container: Any) -> bool:
            try:
                container.reload()
                return True
            except docker.errors.NotFound:
                return False

        assert not exists(made[0]), "a dead owner's container was not reaped"
        assert exists(made[1]), "a live owner's container was reaped"
        assert exists(made[2]), "another host's container was reaped"
    finally:
        for container in made:
            try:
                container.remove(force=True)
            except docker.errors.NotFound:
                pass
