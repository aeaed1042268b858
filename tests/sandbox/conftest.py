"""Fixtures of the sandbox tests: Docker sandboxes shared by the session, and a probe of what a
container holds between two requests (processes, files, IPC objects).

The probe is itself a request: a `CommandRequest` whose Python program reads ``/proc`` and the
writable places and prints a JSON report. It sees the container exactly as the next candidate
would, which is the view the trust boundary promises to keep clean (docs/sandbox.md, rule 5).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from sandbox import CallTest, CommandRequest, FunctionRequest, Limits, Sandbox
from sandbox.protocol import UID_BLOCK

CORRECT = "def f(x):\n    return x * 3 + 1\n"
"""The canonical solution of the task every attack targets: ``f(x) = 3x + 1``."""

CANONICAL = FunctionRequest(
    source=CORRECT,
    entry_point="f",
    tests=(CallTest(args=(5,), expected=16), CallTest(args=(7,), expected=22)),
    limits=Limits(timeout_s=10, test_timeout_s=5),
)

PROBE = r"""
import json, os
me = os.getpid()
procs = []
for entry in os.listdir("/proc"):
    if not entry.isdigit():
        continue
    try:
        with open(f"/proc/{entry}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        with open(f"/proc/{entry}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        continue  # exited while we looked
    # A process is gone only when every one of its threads is: a leader that ended alone
    # (the exit system call) is a zombie while its other threads run on.
    states = []
    for tid in os.listdir(f"/proc/{entry}/task") if os.path.isdir(f"/proc/{entry}/task") else []:
        try:
            with open(f"/proc/{entry}/task/{tid}/stat", "rb") as f:
                states.append(f.read().rpartition(b")")[2][1:2].decode())
        except OSError:
            pass
    if all(state in ("Z", "X") for state in states):
        continue
    procs.append({"pid": int(entry), "uid": int(fields["Uid"].split()[0]),
                  "name": fields["Name"].strip(), "cmd": cmd[:120], "self": int(entry) == me})
def ls(path):
    try:
        return sorted(os.listdir(path))
    except OSError as exc:
        return [f"<{exc.strerror}>"]
def ipc(kind):
    try:
        with open(f"/proc/sysvipc/{kind}") as f:
            return [line.split()[1] for line in f.readlines()[1:]]
    except OSError:
        return []
cwd = os.getcwd()
print(json.dumps({
    "procs": procs, "uid": os.getuid(), "cwd": cwd,
    "tmp": [name for name in ls("/tmp") if os.path.join("/tmp", name) != cwd],
    "workdir": ls(cwd), "shm": ls("/dev/shm"), "mqueue": ls("/dev/mqueue"),
    "sysv_shm": ipc("shm"), "sysv_msg": ipc("msg"), "sysv_sem": ipc("sem"),
}))
"""


@dataclass(frozen=True)
class ContainerState:
    """What the next request of a container finds (see `PROBE`)."""

    worker: str
    uid: int
    """The probe's, i.e. the candidate's, uid."""
    procs: tuple[dict[str, Any], ...]
    leftovers: dict[str, list[str]]
    """Non-empty writable places and IPC objects: /tmp (but the probe's own work dir), the
    work dir, /dev/shm, /dev/mqueue and the System V IPC tables."""

    @property
    def strays(self) -> list[dict[str, Any]]:
        """Processes other than init, the executor, the zygote, the oracle kept for the next
        request of the same tests, and the probe itself."""
        return [
            p
            for p in self.procs
            if not (p["self"] or p["pid"] == 1 or _is_harness(p, oracle_uid=oracle_uid(self.uid)))
        ]


def oracle_uid(candidate_uid: int) -> int:
    """The oracle's uid in the executor whose request ran as `candidate_uid`: the first of the
    executor's block of uids (`sandbox.protocol.executor_uids`)."""
    return candidate_uid - candidate_uid % UID_BLOCK


def _is_harness(proc: dict[str, Any], *, oracle_uid: int) -> bool:
    # Forked from the executor, started as `python3 -I -c <bootstrap>` by the backend: the
    # executor and the zygote as root, the oracle as its own uid, which no candidate can take.
    return proc["uid"] in (0, oracle_uid) and proc["cmd"].startswith("python3 -I -c ")


def probe(box: Sandbox) -> ContainerState:
    result = box.run(CommandRequest(files={}, command=["python3", "-c", PROBE]))
    assert result.exit_code == 0, f"the probe failed: {result.status} {result.stderr[-2000:]}"
    report = json.loads(result.stdout)
    places = ("tmp", "workdir", "shm", "mqueue", "sysv_shm", "sysv_msg", "sysv_sem")
    return ContainerState(
        worker=result.worker,
        uid=report["uid"],
        procs=tuple(report["procs"]),
        leftovers={place: report[place] for place in places if report[place]},
    )


def assert_pristine(box: Sandbox, worker: str) -> None:
    """The container that served `worker` still grades a correct solution as passed, and the
    next request there finds no stray process, file or IPC object."""
    after = box.run(CANONICAL)
    assert after.passed, f"a correct solution no longer passes: {after.status} {after.message}"
    if worker:
        assert after.worker == worker, f"container {worker} was replaced by {after.worker}"
    state = probe(box)
    assert state.worker == after.worker
    assert not state.strays, f"processes outlived their request: {state.strays}"
    assert not state.leftovers, f"the next request sees leftovers: {state.leftovers}"


# -- the Docker engine and sandboxes -------------------------------------------------------------


@pytest.fixture(scope="session")
def docker_client() -> Any:
    from sandbox.docker_backend import connect
    from sandbox.errors import EngineUnavailableError

    try:
        return connect()
    except EngineUnavailableError as exc:
        pytest.skip(f"no Docker engine: {exc}")


_LIVE: list[Any] = []


def _open_sandbox(**options: Any) -> Any:
    from sandbox import make_sandbox
    from sandbox.errors import EngineUnavailableError

    try:
        box = make_sandbox("docker", **options)
    except EngineUnavailableError as exc:
        pytest.skip(f"no Docker engine: {exc}")
    _LIVE.append(box)
    return box


@pytest.fixture(scope="session")
def docker_sandbox() -> Iterator[Sandbox]:
    """The session's Docker sandbox: two containers, as most tests need concurrency at most."""
    box = _open_sandbox(pool_size=2)
    try:
        yield box
    finally:
        box.close()


@pytest.fixture(scope="session")
def solo_sandbox() -> Iterator[Sandbox]:
    """One container: every request lands on it, so "the next request on the same container"
    is simply the next request."""
    box = _open_sandbox(pool_size=1)
    try:
        yield box
    finally:
        box.close()


@pytest.fixture(scope="session")
def our_containers(docker_client: Any) -> Callable[[], list[Any]]:
    """Containers (running or not) labelled as owned by this test process."""
    from sandbox.docker_backend import LABEL, OWNER_LABEL, _owner_id

    owner = _owner_id()

    def list_them() -> list[Any]:
        return docker_client.containers.list(
            all=True, filters={"label": [LABEL, f"{OWNER_LABEL}={owner}"]}
        )

    return list_them


@pytest.fixture(scope="session")
def pooled_containers() -> Callable[[], set[str]]:
    """Ids of the containers this directory's open sandboxes hold now (replacements included)."""

    def held() -> set[str]:
        return {
            worker.container.id
            for box in _LIVE
            if not box.closed
            for worker in list(box._workers.values())
            if hasattr(worker, "container")
        }

    return held


@pytest.fixture
def pristine() -> Callable[[Sandbox, str], None]:
    return assert_pristine


@pytest.fixture
def container_state() -> Callable[[Sandbox], ContainerState]:
    return probe


@pytest.fixture
def fresh_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """A factory of private Docker sandboxes, closed after the test: for tests that may leave
    their container dirty (a hole found) or that need other container options."""
    opened: list[Sandbox] = []

    def make(**options: Any) -> Sandbox:
        box = _open_sandbox(**options)
        opened.append(box)
        return box

    yield make
    for box in opened:
        box.close()
