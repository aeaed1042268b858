"""What confines a candidate's process beyond its uid and rlimits (stdlib only; runs in the
sandbox). Applied by the zygote to every child it forks, right after the fork, while the child
is still root (see docs/sandbox.md, "Trust boundary", rule 5).

Out-of-memory victims. When a container's memory cgroup runs out, the kernel kills the process
with the highest ``oom_score_adj``-weighted size. A child's score is raised to 1000, the
maximum, so that a candidate's process always goes before the executor, the zygote and the
oracle (which keep the score the container started with, 0). A process may lower its own score
down to a floor that only CAP_SYS_RESOURCE can move, and which is 0 where that capability is
missing (as on many Docker hosts): so the candidate must not be able to write its score back.
It can write it once it is dumpable (``prctl(PR_SET_DUMPABLE, 1)``, or any ``exec``), since
``/proc/self/oom_score_adj`` then belongs to its uid.

Landlock (Linux >= 5.13) closes that door: the child restricts itself so that it may create,
write, truncate, rename or remove files only below the writable places of the container (the
work root, ``/dev/shm``) and write ``/dev/null``. Every other path, ``/proc/self/*`` included,
is read-only to it and to everything it starts; the restriction cannot be lifted. The root
filesystem is read-only anyway, so a correct solution notices nothing. Reads are not
restricted.

The ruleset is built once in the zygote (`Confinement.build`) and only applied per child, one
system call."""

from __future__ import annotations

import os
import struct

OOM_SCORE_ADJ = b"1000"

# Landlock's system calls have the same numbers on every architecture (the generic table).
_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# Access rights (include/uapi/linux/landlock.h); the ABI version that introduced each.
_WRITE_FILE = 1 << 1
_REMOVE_DIR = 1 << 4
_REMOVE_FILE = 1 << 5
_MAKE_CHAR = 1 << 6
_MAKE_DIR = 1 << 7
_MAKE_REG = 1 << 8
_MAKE_SOCK = 1 << 9
_MAKE_FIFO = 1 << 10
_MAKE_BLOCK = 1 << 11
_MAKE_SYM = 1 << 12
_REFER = 1 << 13  # ABI 2
_TRUNCATE = 1 << 14  # ABI 3

_WRITE_ABI1 = (
    _WRITE_FILE
    | _REMOVE_DIR
    | _REMOVE_FILE
    | _MAKE_CHAR
    | _MAKE_DIR
    | _MAKE_REG
    | _MAKE_SOCK
    | _MAKE_FIFO
    | _MAKE_BLOCK
    | _MAKE_SYM
)
_FILE_RIGHTS = _WRITE_FILE | _TRUNCATE  # the rights a rule on a single file may carry


class Confinement:
    """The Landlock ruleset of the container's children, or none where the kernel lacks it."""

    def __init__(self, ruleset_fd: int | None = None, abi: int = 0, syscall=None) -> None:
        self.ruleset_fd = ruleset_fd
        self.abi = abi
        self._syscall = syscall

    @classmethod
    def build(cls, writable: list[str]) -> Confinement:
        """A ruleset that lets a process write below `writable` (and /dev/null) only.
        Without Landlock (an old kernel, a seccomp profile that refuses it, not Linux) the
        result confines nothing (`landlock` False) and the host is told so."""
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            syscall = libc.syscall
            syscall.restype = ctypes.c_long
            abi = syscall(_CREATE_RULESET, None, ctypes.c_size_t(0), _CREATE_RULESET_VERSION)
            if abi < 1:
                return cls()
            handled = _WRITE_ABI1 | (_REFER if abi >= 2 else 0) | (_TRUNCATE if abi >= 3 else 0)
            attr = ctypes.create_string_buffer(struct.pack("<Q", handled), 8)
            fd = syscall(_CREATE_RULESET, attr, ctypes.c_size_t(8), 0)
            if fd < 0:
                return cls()
            rules = [(path, handled) for path in writable] + [("/dev/null", handled & _FILE_RIGHTS)]
            for path, access in rules:
                try:
                    target = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue  # a writable place this container lacks: nothing to allow
                try:
                    # struct landlock_path_beneath_attr { __u64 allowed_access; __s32 parent_fd; }
                    # __attribute__((packed))
                    rule = ctypes.create_string_buffer(struct.pack("<Qi", access, target), 12)
                    if syscall(_ADD_RULE, fd, _RULE_PATH_BENEATH, rule, 0) != 0:
                        os.close(fd)
                        return cls()
                finally:
                    os.close(target)
            if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:  # Landlock requires it
                os.close(fd)
                return cls()
            return cls(fd, abi, syscall)
        except (OSError, AttributeError, ImportError):
            return cls()

    @property
    def landlock(self) -> bool:
        return self.ruleset_fd is not None

    def apply(self) -> None:
        """In a freshly forked child, still root: make it the first out-of-memory victim, then
        take away its writes outside the writable places. Order matters: the Landlock
        restriction would forbid the score's own write."""
        try:
            fd = os.open("/proc/self/oom_score_adj", os.O_WRONLY)
            try:
                os.write(fd, OOM_SCORE_ADJ)
            finally:
                os.close(fd)
        except OSError:
            pass
        if self.ruleset_fd is not None:
            if self._syscall(_RESTRICT_SELF, self.ruleset_fd, 0) != 0:
                os._exit(122)  # never run a candidate unconfined where confinement was built
            os.close(self.ruleset_fd)
