"""What `ensure_engine` does when no engine answers: which fix it names, when it starts dockerd.

The engine, apt and dockerd are replaced by recorders here: these tests are about the decision,
the real start-up path runs in every fresh-clone `make test`.
"""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from sandbox import engine
from sandbox.errors import EngineUnavailableError


@pytest.fixture
def host(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> dict[str, Any]:
    """A host with no answering engine; tests set uid and installed programs."""
    state: dict[str, Any] = {"uid": 0, "installed": {"apt-get"}, "started": [], "ran": []}

    def popen(cmd: list[str], **_: Any) -> None:
        state["started"].append(cmd)

    def run(cmd: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        state["ran"].append(cmd)
        if cmd[:2] == ["apt-get", "install"]:
            state["installed"].update({"dockerd", "mmdebstrap"})
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.setattr(engine, "DOCKERD_LOG", str(tmp_path / "dockerd.log"))
    monkeypatch.setattr(engine.os, "geteuid", lambda: state["uid"])
    monkeypatch.setattr(
        engine.shutil, "which", lambda exe: f"/usr/bin/{exe}" if exe in state["installed"] else None
    )
    monkeypatch.setattr(engine.subprocess, "Popen", popen)
    monkeypatch.setattr(engine.subprocess, "run", run)
    monkeypatch.setattr(engine, "engine_answers", lambda timeout=5.0: bool(state["started"]))
    return state


def test_root_starts_an_installed_dockerd_without_install(host: dict[str, Any]) -> None:
    host["installed"].add("dockerd")
    engine.ensure_engine(say=lambda _: None)
    assert host["started"] == [["dockerd"]]
    assert host["ran"] == []  # nothing installed


def test_root_without_dockerd_is_told_to_use_install(host: dict[str, Any]) -> None:
    with pytest.raises(EngineUnavailableError, match="sandbox up --install"):
        engine.ensure_engine(say=lambda _: None)
    assert host["started"] == []


def test_install_installs_then_starts(host: dict[str, Any]) -> None:
    engine.ensure_engine(install=True, say=lambda _: None)
    assert ["apt-get", "install", "-y", "-q", "docker.io", "mmdebstrap"] in host["ran"]
    assert host["started"] == [["dockerd"]]


def test_non_root_is_told_how_to_start_docker(host: dict[str, Any]) -> None:
    host["uid"] = 1000
    host["installed"].add("dockerd")
    with pytest.raises(EngineUnavailableError, match="systemctl start docker"):
        engine.ensure_engine(install=True, say=lambda _: None)
    assert host["started"] == [] and host["ran"] == []


def test_unreachable_docker_host_names_it(
    host: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", "tcp://10.0.0.9:2375")
    with pytest.raises(EngineUnavailableError, match="10.0.0.9"):
        engine.ensure_engine(install=True, say=lambda _: None)
