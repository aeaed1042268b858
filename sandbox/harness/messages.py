"""The shapes of the harness's messages (stdlib only; runs in the sandbox).

The host sends a request as JSON (`sandbox.protocol.request_to_wire` builds it) and reads back
a `Response`; inside the container the executor, the zygote, the workers and the oracle pass
the others. They are plain dicts on the wire; these types let the type checker hold every
reader and writer to one shape. Only trusted processes build them: what a candidate sends is
checked where it is read (`wire.Channel.recv`, `codec`)."""

from __future__ import annotations

from typing import Literal, TypedDict


class Limits(TypedDict):
    """`sandbox.Limits` on the wire (see docs/sandbox.md, "Limits")."""

    timeout_s: float
    test_timeout_s: float
    cpu_s: float
    memory_mb: int
    processes: int
    output_bytes: int
    file_size_mb: int
    compile_timeout_s: float
    compile_memory_mb: int


class Request(TypedDict, total=False):
    """One request, any kind; `kind` says which keys it has (sandbox/protocol.py)."""

    kind: Literal["function", "stdio", "command"]
    limits: Limits
    details: bool
    # function
    source: str
    entry_point: str
    tests: list[dict]
    test_script: str
    setup: str
    check_name: str
    split_asserts: bool
    float_tol: float | None
    files: dict[str, str]
    # stdio
    language: Literal["python", "cpp"]
    compare: str
    # command
    command: str | list[str]
    stdin: str


class TestRecord(TypedDict, total=False):
    """One test's outcome as the oracle or the executor recorded it."""

    name: str
    passed: bool
    status: str
    message: str
    duration_s: float
    input: str
    expected: str
    got: str


class Response(TypedDict, total=False):
    """What the executor answers for one request (`sandbox.protocol.result_from_wire`)."""

    id: int | None
    status: str
    message: str
    tests_total: int
    tests: list[TestRecord]
    stdout: str
    stderr: str
    compile_output: str
    exit_code: int | None
    duration_s: float
    cpu_s: dict[str, float]
    infra_error: str
    pong: bool


class ExitInfo(TypedDict):
    """A child of the zygote that ended (`worker.exit_report`)."""

    exited: int
    status: int
    """As `os.waitpid` gives it."""
    cpu: float
    maxrss_kb: int


class SpawnSpec(TypedDict, total=False):
    """What the zygote's child is to become (`worker.worker_main`)."""

    mode: Literal["function", "script", "exec", "clean", "ahead"]
    limits: Limits
    workdir: str
    uid: int | None
    memory_mb: int
    nproc: bool
    clean: list[str]


class Supervised(TypedDict):
    """What `supervise.supervise` saw of one worker."""

    stdout: bytes
    stderr: bytes
    exit: ExitInfo | None
    """None while the worker is not reaped yet (see `Job.unreaped`) or vanished."""
    exceeded: bool
    """More output than the request's `output_bytes`."""
    timed_out: bool
    result: bytes
    """The oracle's result record (function requests), JSON."""
    oom: bool
    """The container's out-of-memory killer ran meanwhile (docs/sandbox.md, rule 5)."""
