"""How the host reaches each container's executor: a Unix socket mounted into the container
where the engine is local, else the engine's attach stream (sandbox/docker_backend.py)."""

from __future__ import annotations

import glob
import os
import tempfile
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from sandbox import CallTest, FunctionRequest, Sandbox
from sandbox import docker_backend as backend

QUICK = FunctionRequest(
    source="def f(x):\n    return x * 3 + 1\n",
    entry_point="f",
    tests=(CallTest(args=(5,), expected=16), CallTest(args=(7,), expected=22)),
)


def transports(box: Sandbox) -> list[str]:
    return [worker.transport for worker in box._workers.values()]  # type: ignore[attr-defined]


def socket_dirs() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "codegym-host-*")))


@pytest.mark.parametrize(
    ("base_url", "local"),
    [
        ("http+docker://localhost", True),  # docker-py's form of any unix:// socket
        ("http://10.0.0.5:2375", False),
        ("https://engine.example:2376", False),
        ("http+docker://ssh", False),
        ("http+docker://localnpipe", False),
    ],
)
def test_only_a_unix_socket_engine_is_offered_the_host_socket(base_url: str, local: bool) -> None:
    client = SimpleNamespace(api=SimpleNamespace(base_url=base_url))
    assert backend.engine_is_local(client) is local


@pytest.mark.docker
def test_local_engine_talks_over_the_host_socket(fresh_sandbox: Callable[..., Sandbox]) -> None:
    before = socket_dirs()
    box = fresh_sandbox(pool_size=2)
    if not backend.engine_is_local(box.clients[0]):  # type: ignore[attr-defined]
        pytest.skip("the engine is not on a local Unix socket")
    assert transports(box) == ["socket", "socket"]
    assert all(r.passed for r in box.run_many([QUICK] * 6))
    assert socket_dirs() == before, "the socket's directory outlived the executor's connection"


@pytest.mark.docker
def test_stream_when_the_host_socket_is_turned_off(fresh_sandbox: Callable[..., Sandbox]) -> None:
    box = fresh_sandbox(pool_size=1, host_socket=False)
    assert transports(box) == ["stream"]
    assert box.run(QUICK).passed


@pytest.mark.docker
def test_executor_that_cannot_reach_the_socket_stays_on_the_stream(
    fresh_sandbox: Callable[..., Sandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As in an engine inside a VM, or one whose containers' root is another uid: the executor
    finds no socket it may connect to, says so on stdout, and is reached over the stream."""
    before = socket_dirs()
    monkeypatch.setattr(
        backend._HostSocket, "container_path", property(lambda self: "/run/codegym/none.sock")
    )
    box = fresh_sandbox(pool_size=1)
    assert transports(box) == ["stream"]
    assert box.run(QUICK).passed
    assert socket_dirs() == before, "the unused socket was left listening in its directory"


@pytest.mark.docker
def test_engine_that_refuses_the_mount_gets_a_container_without_it(
    fresh_sandbox: Callable[..., Sandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = backend._Container._create

    def refuse_mounts(self: Any, *args: Any) -> Any:
        if args[-1] is not None:
            raise RuntimeError("mounts denied: the path is not shared from the host")
        return real(self, *args)

    monkeypatch.setattr(backend._Container, "_create", refuse_mounts)
    box = fresh_sandbox(pool_size=1)
    assert transports(box) == ["stream"]
    assert box.run(QUICK).passed
