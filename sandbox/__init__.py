"""Running untrusted code: hardened backends behind one `Sandbox` contract.

>>> from sandbox import make_sandbox, FunctionRequest, CallTest
>>> with make_sandbox("docker") as sb:                                  # doctest: +SKIP
...     sb.run(FunctionRequest(source="def f(x): return x + 1", entry_point="f",
...                            tests=(CallTest(args=(1,), expected=2),))).passed
True
"""

from sandbox.base import (
    CallTest,
    CommandRequest,
    ExecRequest,
    ExecResult,
    FunctionRequest,
    IOTest,
    Limits,
    Sandbox,
    Status,
    StdioRequest,
    TestOutcome,
)
from sandbox.registry import (
    SandboxHandle,
    available_backends,
    make_sandbox,
    register_backend,
)

__all__ = [
    "SandboxHandle",
    "CallTest",
    "CommandRequest",
    "ExecRequest",
    "ExecResult",
    "FunctionRequest",
    "IOTest",
    "Limits",
    "Sandbox",
    "Status",
    "StdioRequest",
    "TestOutcome",
    "available_backends",
    "make_sandbox",
    "register_backend",
]
