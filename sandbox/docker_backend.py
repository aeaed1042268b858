"""The Docker backend: a warm pool of hardened, long-lived containers.

Each container runs the trusted executor (``sandbox/harness``) as its only program; no
``docker exec`` or ``docker run`` happens per request. The host talks to it over one of two
transports (`_Container.transport`):

- ``socket``: where the engine is local (a ``unix://`` socket), a Unix socket of this process,
  in a directory of its own (mode 0700) mounted read-only into the container. The executor
  connects at start-up, before any request exists; the host accepts that one connection and
  removes the socket and its directory at once. Requests and results then go straight between
  the two processes, not through the engine (which relays each byte of an attach stream
  through two more processes: about a tenth of the CPU of a HumanEval request).
- ``stream``: the container's attached stdin/stdout, relayed by the engine. For remote engines
  (``tcp://``, ``ssh://``), and wherever the executor cannot reach the socket (an engine in a
  VM, a user-namespace remap that makes the container's root another uid than this process's):
  it then says so on stdout and stays there.

The container is created with ``stdin_once`` and ``auto_remove``: if this process dies, even
by SIGKILL, its end of the transport closes, the executor exits and the engine removes the
container. Leftovers from a crashed engine are reaped at start-up by label.

Hardening of every container: no network, read-only root, a size-capped tmpfs for /tmp,
memory == memory+swap, a pids limit, a CPU quota, every capability dropped except SETUID,
SETGID and KILL (held only by the executor, which runs no foreign code; the tests and the
candidate run under two other uids with none), no-new-privileges, the engine's default
seccomp profile, and an init process that reaps zombies.

Placement: each container is pinned to CPUs of its own (as many as its quota), the ones the
engine's other sandbox containers use least (`plan_cpus`). A request's processes wake one
another dozens of times (the oracle calls the candidate once per assert); on one CPU a wake-up
needs no interrupt to another CPU, and on a virtual machine that makes a round trip about
three times cheaper (see docs/sandbox.md).
"""

from __future__ import annotations

import json
import logging
import math
import os
import secrets
import select
import shutil
import socket
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sandbox import image as image_mod
from sandbox.errors import EngineUnavailableError, ImageError, WorkerError
from sandbox.pool import WorkerPool
from sandbox.protocol import BOOTSTRAP, ExecutorConnection, executor_uids

log = logging.getLogger("codegym.sandbox")

LABEL = "codegym.sandbox"
OWNER_LABEL = "codegym.owner"
CPUS_LABEL = "codegym.cpus"  # the CPUs a container is pinned to ("" if none)
HARNESS_MB = 256
"""Memory of a container kept for the executor, the zygote and the oracle beyond its tmpfs."""
HOST_SOCKET_MOUNT = "/run/codegym"
"""Where a container sees the directory of its host socket (read-only)."""


def _owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{_process_start(os.getpid())}"


def _process_start(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rpartition(b")")[2].split()[19].decode()
    except (OSError, IndexError):
        return "?"


def engine_kwargs(host: str | Mapping[str, Any]) -> dict[str, Any]:
    """``docker.DockerClient`` arguments for one entry of `hosts`: a URL (``unix://``,
    ``tcp://``, ``ssh://``), or a mapping ``{url, tls: {ca_cert, client_cert, client_key,
    verify}, use_ssh_client}``. `tls` is what ``docker --tlsverify --tlscacert ... --tlscert
    ... --tlskey ...`` takes; `use_ssh_client` runs the system's ``ssh`` for ``ssh://`` (else the
    docker SDK needs paramiko)."""
    if isinstance(host, str):
        return {"base_url": host}
    unknown = set(host) - {"url", "tls", "use_ssh_client"}
    if "url" not in host or unknown:
        raise ValueError(
            f"a sandbox host is a URL or {{url, tls, use_ssh_client}}, got {dict(host)!r}"
        )
    kwargs: dict[str, Any] = {"base_url": host["url"]}
    if host.get("use_ssh_client"):
        kwargs["use_ssh_client"] = True
    tls = host.get("tls")
    if tls:
        from docker.tls import TLSConfig

        cert, key = tls.get("client_cert"), tls.get("client_key")
        kwargs["tls"] = TLSConfig(
            client_cert=(cert, key) if cert and key else None,
            ca_cert=tls.get("ca_cert"),
            verify=tls.get("verify", True),
        )
    return kwargs


def connect(base_url: str | Mapping[str, Any] | None = None, *, timeout: float = 30.0) -> Any:
    """A docker-py client for `base_url` (``None``: the environment's DOCKER_HOST, with its
    DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, or the local socket; else a `hosts` entry, see
    `engine_kwargs`), checked with a ping. Raises `EngineUnavailableError` saying how to start
    one."""
    import docker

    kwargs = engine_kwargs(base_url) if base_url else None  # a malformed entry: ValueError
    try:
        client = (
            docker.DockerClient(timeout=timeout, **kwargs)
            if kwargs
            else docker.from_env(timeout=timeout)
        )
        client.ping()
    except Exception as exc:  # noqa: BLE001 - every way of not answering means the same here
        where = base_url or os.environ.get("DOCKER_HOST") or "the local socket"
        raise EngineUnavailableError(
            f"no Docker engine answers at {where} ({exc}). Start one: `sudo systemctl start "
            "docker`, or `codegym sandbox up --install` (root on Debian/Ubuntu: installs "
            "docker.io and starts dockerd), or use the local backend (`--sandbox local`, no "
            "isolation)."
        ) from exc
    return client


def reap_orphans(client: Any) -> int:
    """Remove sandbox containers whose owning process (on this host) is gone."""
    removed = 0
    host = socket.gethostname()
    # One listing call: `containers.list` inspects each container after listing it, and fails
    # on one that another process removed in between (a pool shutting down beside this one).
    for container in client.api.containers(all=True, filters={"label": LABEL}):
        owner = (container.get("Labels") or {}).get(OWNER_LABEL, "")
        owner_host, _, rest = owner.partition(":")
        pid_text, _, start = rest.partition(":")
        if owner_host != host or not pid_text.isdigit():
            continue
        if _process_start(int(pid_text)) == start:
            continue  # its owner is alive
        try:
            client.api.remove_container(container["Id"], force=True)
            removed += 1
        except Exception:  # noqa: BLE001 - already gone, or being removed
            pass
    if removed:
        log.info("removed %d sandbox containers left by dead processes", removed)
    return removed


def parse_cpuset(text: str) -> list[int]:
    """CPU numbers of a cpuset list such as ``"0-2,5"``; [] for "" or anything malformed."""
    cpus: list[int] = []
    try:
        for part in filter(None, text.split(",")):
            lo, dash, hi = part.partition("-")
            cpus.extend(range(int(lo), int(hi if dash else lo) + 1))
    except ValueError:
        return []
    return cpus


def plan_cpus(
    ncpu: int, slots: Iterable[int], width: int, taken: Iterable[str] = ()
) -> dict[int, str]:
    """The cpuset of each slot's container: `width` CPUs of `ncpu`, the least used first,
    counting the cpusets in `taken` (the engine's other sandbox containers) and the plan so
    far; the lowest number among equals. Empty when one container's share is every CPU."""
    if width >= ncpu:
        return {}
    use = [0] * ncpu
    for spec in taken:
        for cpu in parse_cpuset(spec):
            if cpu < ncpu:
                use[cpu] += 1
    plan = {}
    for slot in slots:
        cpus = sorted(sorted(range(ncpu), key=lambda cpu: (use[cpu], cpu))[:width])
        for cpu in cpus:
            use[cpu] += 1
        plan[slot] = ",".join(map(str, cpus))
    return plan


def engine_is_local(client: Any) -> bool:
    """Whether `client` reaches its engine over a Unix socket (docker-py's base URL for one),
    the only kind of engine whose containers may be able to mount a directory of this host."""
    return bool(client.api.base_url == "http+docker://localhost")


class _HostSocket:
    """A listening Unix socket in a fresh directory of its own, for one container's executor:
    the directory is mode 0700 and the socket 0600, so only this process's uid (the
    container's root, where the engine runs containers as this uid or as root and this
    process is root) can connect. It takes one connection and is removed right after it."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="codegym-host-")  # 0700
        self.name = f"{secrets.token_hex(8)}.sock"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.sock.bind(os.path.join(self.dir, self.name))
            os.chmod(os.path.join(self.dir, self.name), 0o600)
            self.sock.listen(1)
        except OSError:
            self.close()
            raise

    @property
    def container_path(self) -> str:
        return f"{HOST_SOCKET_MOUNT}/{self.name}"

    def accept(self) -> socket.socket:
        conn, _ = self.sock.accept()
        self.close()
        conn.setblocking(True)
        return conn

    def close(self) -> None:
        """Stop listening and remove the socket and its directory (the container's mount
        keeps an empty, deleted directory)."""
        self.sock.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def engine_plan(client: Any, ncpu: int, slots: Iterable[int], width: int) -> dict[int, str]:
    """`plan_cpus` for the engine `client` talks to, which has `ncpu` CPUs: counting the CPUs
    of its running sandbox containers."""
    taken = [
        (c.get("Labels") or {}).get(CPUS_LABEL, "")
        for c in client.api.containers(filters={"label": LABEL})
    ]
    return plan_cpus(ncpu, slots, width, taken)


class _Container:
    """One hardened container running the executor, and the connection to it."""

    def __init__(
        self,
        client: Any,
        *,
        image: str,
        slot: int,
        opts: Mapping[str, Any],
        cpuset: str | None = None,
        host_socket: bool = False,
    ) -> None:
        self.client = client
        self.cpuset = cpuset
        self.host_socket = host_socket
        self.transport = "stream"  # or "socket": how this process reaches the executor
        cfg = {
            **executor_uids(),
            "work_root": "/tmp",
            "clean_dirs": ["/tmp", "/dev/shm"],
            "scan_procs": True,
        }
        try:
            self._launch(client, image, cfg, slot, opts)
        except WorkerError as exc:
            # An engine confined to fewer CPUs than it reports refuses some, when it creates
            # the container or when it starts it: run unpinned then.
            if not self.cpuset or "cpu" not in str(exc).lower():
                raise
            log.warning(
                "the engine refuses to pin a sandbox container to CPUs %s (%s); it runs unpinned",
                self.cpuset,
                exc,
            )
            self.cpuset = None
            self._launch(client, image, cfg, slot, opts)

    def _launch(
        self, client: Any, image: str, cfg: dict, slot: int, opts: Mapping[str, Any]
    ) -> None:
        """Create and start the container, connect to its executor, wait for its greeting."""
        listener = _HostSocket() if self.host_socket else None
        try:
            try:
                self.container = self._create(client, image, cfg, slot, opts, listener)
            except Exception as exc:  # noqa: BLE001 - translated at the edge
                if listener is None:
                    raise WorkerError(f"cannot create a sandbox container: {exc}") from exc
                # Perhaps the engine refuses the mount (a path it does not share): without it
                # the executor is reached over the stream.
                listener.close()
                listener = None
                try:
                    self.container = self._create(client, image, cfg, slot, opts, None)
                except Exception as again:  # noqa: BLE001
                    raise WorkerError(f"cannot create a sandbox container: {again}") from again
                log.info("the engine cannot mount a host socket (%s); using its stream", exc)
            self.name = self.container.short_id
            try:
                self._connect(opts["start_timeout_s"], listener)
            except Exception as exc:
                self.close()
                if isinstance(exc, WorkerError):
                    raise
                raise WorkerError(
                    f"cannot start the sandbox container: {exc}", worker=self.name
                ) from exc
        finally:
            if listener is not None:
                listener.close()

    def _connect(self, timeout: float, listener: _HostSocket | None) -> None:
        """Start the container and reach its executor: over `listener` if it connects there,
        else over the attach stream (where an executor offered the socket first says that it
        cannot reach it)."""
        deadline = time.monotonic() + timeout
        sock = self.client.api.attach_socket(
            self.container.id, params={"stdin": 1, "stdout": 1, "stderr": 0, "stream": 1}
        )
        self._sock = getattr(sock, "_sock", sock)
        self._sock.setblocking(True)
        self.container.start()
        if listener is not None:
            ready, _, _ = select.select([listener.sock, self._sock], [], [], timeout)
            if listener.sock in ready:
                stream, self._sock = self._sock, listener.accept()
                stream.close()  # stdin_once: the executor no longer reads that stdin
                self.transport = "socket"
        self.connection = ExecutorConnection(
            name=self.name,
            send=self._sock.sendall,
            fileno=self._sock.fileno(),
            recv=self._sock.recv,
            demux=self.transport == "stream",
        )
        self.connection.start(
            timeout=max(0.0, deadline - time.monotonic()),
            refused_socket=listener is not None and self.transport == "stream",
        )

    def _create(
        self,
        client: Any,
        image: str,
        cfg: dict,
        slot: int,
        opts: Mapping[str, Any],
        listener: _HostSocket | None,
    ) -> Any:
        if listener is not None:
            cfg = dict(cfg, host_socket=listener.container_path)
        return client.containers.create(
            image,
            command=["python3", "-I", "-c", BOOTSTRAP, json.dumps(cfg)],
            volumes=(
                {listener.dir: {"bind": HOST_SOCKET_MOUNT, "mode": "ro"}}
                if listener is not None
                else None
            ),
            # detach=False makes docker-py set StdinOnce: the container's stdin closes
            # when our attach stream does, and the executor exits.
            stdin_open=True,
            detach=False,
            auto_remove=True,
            user="0",
            network_mode="none",
            read_only=True,
            tmpfs={"/tmp": f"rw,exec,nosuid,nodev,size={opts['tmpfs_mb']}m,mode=1777"},
            shm_size=f"{opts['shm_mb']}m",
            mem_limit=f"{opts['memory_mb']}m",
            memswap_limit=f"{opts['memory_mb']}m",
            pids_limit=opts["pids"],
            nano_cpus=int(opts["cpus"] * 1e9),
            cap_drop=["ALL"],
            cap_add=["SETUID", "SETGID", "KILL"],
            security_opt=["no-new-privileges"],
            init=True,
            ipc_mode="private",
            # No System V IPC and no POSIX message queues: their objects live in the
            # container's IPC namespace, not in a file the clean-up removes, so they would
            # pass data to the next request and pin memory for good. (multiprocessing's
            # locks and queues use /dev/shm and pipes, which stay available.)
            sysctls={
                "kernel.shmmax": "0",
                "kernel.shmall": "0",
                "kernel.shm_rmid_forced": "1",
                "kernel.msgmni": "0",
                "kernel.sem": "0 0 0 0",
                "fs.mqueue.queues_max": "0",
            },
            labels={
                LABEL: "1",
                OWNER_LABEL: _owner_id(),
                "codegym.slot": str(slot),
                CPUS_LABEL: self.cpuset or "",
            },
            cpuset_cpus=self.cpuset,
        )

    def close(self) -> None:
        sock = getattr(self, "_sock", None)
        if sock is not None:
            try:
                # shutdown first: it wakes a thread blocked reading this socket (close alone
                # may leave it waiting until its timeout)
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                sock.close()
            except OSError:
                pass
        try:
            self.container.remove(force=True)
        except Exception:  # noqa: BLE001 - auto_remove may have won the race
            # The engine may still be removing it (auto_remove, started when the stream
            # closed): a closed sandbox leaves no container behind, so wait for that.
            try:
                self.container.wait(condition="removed", timeout=10)
            except Exception:  # noqa: BLE001 - already gone, or the engine is unreachable
                pass


class DockerSandbox(WorkerPool):
    """Sandbox backed by a pool of hardened Docker containers.

    Args:
        pool_size: containers (each runs one request at a time). Default: CPU cores.
        pipeline: requests a container may hold at once: the next waits in its input and
            starts as soon as the previous result is out (1: no pipelining).
        hosts: Docker engines to spread the pool over, round-robin: URLs (``unix://``,
            ``tcp://``, ``ssh://``) or ``{url, tls, use_ssh_client}`` mappings (`engine_kwargs`).
            Default: the environment's engine (DOCKER_HOST or the local socket).
        image: the sandbox image; default: this version's recipe tag, built when missing.
        build: build the image when it is missing (else raise `ImageError`).
        memory_mb: memory (== memory+swap) of each container; it must hold the candidate
            (`Limits.memory_mb`), the tests and the executor.
        cpus: CPU quota of each container.
        pin_cpus: pin each container to CPUs of its own, ``ceil(cpus)`` of them, the ones the
            engine's sandbox containers use least; False leaves placement to the kernel.
        host_socket: on a local engine (``unix://``), reach each executor over a Unix socket
            mounted into its container rather than the engine's attach stream (the module's
            docstring); False: always the stream.
        pids: process limit of each container.
        tmpfs_mb: size of each container's writable /tmp.
        retries: attempts after the first when a container breaks mid-request.
    """

    def __init__(
        self,
        *,
        pool_size: int | None = None,
        hosts: Sequence[str | Mapping[str, Any]] | None = None,
        image: str | None = None,
        build: bool = True,
        memory_mb: int = 2048,
        cpus: float = 1.0,
        pids: int = 256,
        tmpfs_mb: int = 512,
        shm_mb: int = 16,
        retries: int = 2,
        start_timeout_s: float = 60.0,
        pipeline: int = 2,
        pin_cpus: bool = True,
        host_socket: bool = True,
    ) -> None:
        if tmpfs_mb + shm_mb + HARNESS_MB > memory_mb:
            # Files in /tmp and /dev/shm are charged to the container's memory but belong to no
            # process: if they alone could fill it, the out-of-memory killer would have only
            # the harness left to pick once the candidate's processes are gone (rule 5).
            raise ValueError(
                f"tmpfs_mb + shm_mb ({tmpfs_mb} + {shm_mb}) must leave at least {HARNESS_MB} MB "
                f"of memory_mb ({memory_mb}) to the harness: raise memory_mb or lower tmpfs_mb"
            )
        super().__init__(
            pool_size=pool_size or os.cpu_count() or 1, retries=retries, pipeline=pipeline
        )
        urls: list[str | Mapping[str, Any] | None] = list(hosts) if hosts else [None]
        self.clients = [connect(url) for url in urls]
        self._host_socket = [host_socket and engine_is_local(client) for client in self.clients]
        self.image = image or image_mod.default_tag()
        self._opts = {
            "memory_mb": memory_mb,
            "cpus": cpus,
            "pids": pids,
            "tmpfs_mb": tmpfs_mb,
            "shm_mb": shm_mb,
            "start_timeout_s": start_timeout_s,
        }
        for client in self.clients:
            reap_orphans(client)
            if not image_mod.exists(client, self.image):
                if not build or image is not None:
                    raise ImageError(
                        f"the sandbox image {self.image} is not on the engine "
                        f"{client.api.base_url}; build it with `codegym sandbox build`"
                    )
                image_mod.build(client, tag=self.image)
        self.cpusets: dict[int, str] = {}  # slot -> the CPUs its containers are pinned to
        if pin_cpus:
            # Slot i runs on clients[i % len(clients)]. Planned per engine, not per URL: two
            # URLs may reach one engine (its socket and tcp://), whose CPUs their slots share.
            engines: dict[str, tuple[Any, int, list[int]]] = {}
            for index, client in enumerate(self.clients):
                info = client.info()
                key = info.get("ID") or client.api.base_url
                mine = range(index, self.pool_size, len(self.clients))
                engines.setdefault(key, (client, int(info.get("NCPU") or 1), []))[2].extend(mine)
            for client, ncpu, slots in engines.values():
                self.cpusets.update(engine_plan(client, ncpu, sorted(slots), math.ceil(cpus)))
        self._fill()

    def _start_worker(self, slot: int) -> _Container:
        client = self.clients[slot % len(self.clients)]
        container = _Container(
            client,
            image=self.image,
            slot=slot,
            opts=self._opts,
            cpuset=self.cpusets.get(slot),
            host_socket=self._host_socket[slot % len(self.clients)],
        )
        if container.cpuset is None:
            self.cpusets.pop(slot, None)  # the engine refused them; its next container too
        return container
