"""What the kernel says about the container's processes: who is alive (thread by thread), whose
uid, how much CPU, and the memory cgroup's out-of-memory kills (stdlib only; runs in the
sandbox). The clean-up of docs/sandbox.md, "Trust boundary", rule 5, is built on these."""

from __future__ import annotations

import os
import signal
import time


def process_cpu(pid: int) -> float:
    """CPU seconds `pid` has run so far (0.0 if it is gone)."""
    try:  # os-level: a Python file object costs more than the read itself
        fd = os.open(f"/proc/{pid}/schedstat", os.O_RDONLY)
        try:
            return int(os.read(fd, 256).split()[0]) / 1e9
        finally:
            os.close(fd)
    except (OSError, ValueError, IndexError):
        return 0.0


def other_pids(ours: tuple[int, ...], uids: tuple[range, ...] | None = None) -> list[int]:
    """Processes of this pid namespace but ours and init; when `uids` is given, only those
    whose uid is in one of its ranges."""
    pids = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in ours and p != "1"]
    if uids is None:
        return pids
    return [pid for pid in pids if any(process_uid(pid) in r for r in uids)]


def process_uid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"Uid:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def is_defunct(pid: int) -> bool:
    """True when no thread of process `pid` can run any more: it is gone, or every one of its
    threads is a zombie. Not the leader's state alone: a leader that ended by itself (the
    `exit` system call, not `exit_group`) shows as a zombie while its other threads run on."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return True
    for tid in tids:
        try:
            fd = os.open(f"/proc/{pid}/task/{tid}/stat", os.O_RDONLY)
        except OSError:
            continue  # that thread is gone
        try:
            state = os.read(fd, 512).rpartition(b")")[2][1:2]
        except OSError:
            continue
        finally:
            os.close(fd)
        if state not in (b"Z", b"X"):
            return False
    return True


def kill_all(ours: tuple[int, ...], uids: tuple[range, ...] | None, *, rounds: int = 200) -> bool:
    """SIGKILL every process `other_pids` finds until none is alive (`is_defunct`); a fork
    racing the kill is caught by the next round. False if some still live after `rounds`."""
    for _ in range(rounds):
        alive = [pid for pid in other_pids(ours, uids) if not is_defunct(pid)]
        if not alive:
            return True
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.001)
    return False


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _oom_counter() -> str | None:
    for path in ("/sys/fs/cgroup/memory/memory.oom_control", "/sys/fs/cgroup/memory.events"):
        if os.access(path, os.R_OK):
            return path
    return None


OOM_COUNTER = _oom_counter()
"""The container's memory cgroup file that counts out-of-memory kills (cgroup v1 or v2)."""


def oom_kills() -> int:
    """How many processes the container's out-of-memory killer has killed so far (0 where the
    cgroup does not say)."""
    if OOM_COUNTER is None:
        return 0
    try:
        fd = os.open(OOM_COUNTER, os.O_RDONLY)
        try:
            data = os.read(fd, 4096)
        finally:
            os.close(fd)
    except OSError:
        return 0
    for line in data.splitlines():
        if line.startswith(b"oom_kill "):
            return int(line.split()[1])
    return 0
