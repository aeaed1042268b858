"""Making sure a Docker engine answers: detect, start, and on request install one.

As root, `ensure_engine` starts an installed but stopped ``dockerd`` in the background and waits
until it answers. With ``install=True`` (what ``make test`` and ``codegym sandbox up --install``
use on a fresh Debian/Ubuntu machine) it first installs ``docker.io`` (and ``mmdebstrap``, for
building the image without a registry) with apt. Anywhere else it says exactly what to do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable

from sandbox.errors import EngineUnavailableError

DOCKERD_LOG = "/var/log/codegym-dockerd.log"


def engine_answers(timeout: float = 5.0) -> bool:
    try:
        import docker

        client = docker.from_env(timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # noqa: BLE001 - any failure means "no"
        return False


def ensure_engine(
    *, install: bool = False, wait_s: float = 90.0, say: Callable[[str], None] = print
) -> None:
    """Return once a Docker engine answers; raise `EngineUnavailableError` with the fix."""
    if engine_answers():
        return
    if os.environ.get("DOCKER_HOST"):
        raise EngineUnavailableError(
            f"DOCKER_HOST={os.environ['DOCKER_HOST']} does not answer; start that engine or "
            "unset DOCKER_HOST to use the local one"
        )
    root = os.geteuid() == 0
    apt = root and shutil.which("apt-get") is not None
    if not root or (shutil.which("dockerd") is None and not (install and apt)):
        how = (
            "run `codegym sandbox up --install` (installs docker.io and starts dockerd)"
            if apt
            else "start it (`sudo systemctl start docker`, or `sudo dockerd &`), or install "
            "Docker (https://docs.docker.com/engine/install/); make sure your user can reach "
            "/var/run/docker.sock (`sudo usermod -aG docker $USER`)"
        )
        raise EngineUnavailableError(f"no Docker engine answers. To fix: {how}.")
    missing = [
        p
        for p, exe in (("docker.io", "dockerd"), ("mmdebstrap", "mmdebstrap"))
        if shutil.which(exe) is None
    ]
    if missing and install and apt:
        say(f"installing {' '.join(missing)} with apt-get ...")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", *missing]):
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if proc.returncode != 0:
                raise EngineUnavailableError(
                    f"`{' '.join(cmd)}` failed ({proc.returncode}):\n{proc.stderr[-2000:]}"
                )
    say(f"starting dockerd in the background (log: {DOCKERD_LOG}) ...")
    with open(DOCKERD_LOG, "ab") as log:
        subprocess.Popen(
            ["dockerd"], stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True
        )
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if engine_answers(timeout=2.0):
            say("dockerd is up")
            return
        time.sleep(0.5)
    raise EngineUnavailableError(f"dockerd did not answer within {wait_s:.0f} s; see {DOCKERD_LOG}")
