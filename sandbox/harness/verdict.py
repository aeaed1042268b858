"""From what a process did (exit status, output, time) to a status; output comparison for
stdio tasks (stdlib only; runs in the sandbox)."""

from __future__ import annotations

import os
import signal

from sandbox.harness.messages import ExitInfo, Limits, Supervised

RETURN_CAP = 16 * 1024  # bytes of stdout/stderr sent back per request


def exited_ok(info: ExitInfo | None) -> bool:
    return info is not None and os.WIFEXITED(info["status"]) and os.WEXITSTATUS(info["status"]) == 0


def exit_code(info: ExitInfo | None) -> int | None:
    if info is None:
        return None
    status = info["status"]
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else None


def exit_verdict(
    info: ExitInfo | None, limits: Limits, message: str, *, oom: bool = False
) -> tuple[str, str]:
    """Why did the candidate's process end? -> (status, message). `oom`: the container's
    out-of-memory killer ran while it did (and it can only pick a candidate's process)."""
    if info is None:
        return "crashed", message
    status = info["status"]
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and info["cpu"] >= limits["cpu_s"]):
            return "timeout", f"CPU time limit of {limits['cpu_s']} s exceeded"
        if sig == signal.SIGKILL and info["maxrss_kb"] >= 0.8 * limits["memory_mb"] * 1024:
            return "memory_limit", f"memory limit of {limits['memory_mb']} MB exceeded"
        if sig == signal.SIGKILL and oom:
            return (
                "memory_limit",
                "the candidate's processes ran the sandbox out of memory "
                f"(each may use {limits['memory_mb']} MB)",
            )
        if sig == signal.SIGXFSZ:
            return "output_limit", f"file size limit of {limits['file_size_mb']} MB exceeded"
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        return "crashed", f"killed by {name}"
    code = os.WEXITSTATUS(status)
    return (
        "runtime_error",
        f"the candidate's process exited with code {code} before the tests finished",
    )


def run_verdict(out: Supervised, limits: Limits) -> tuple[str | None, str]:
    """Status of a finished program run, or None when it exited 0 (compare its output)."""
    if out["exceeded"]:
        return "output_limit", f"more than {limits['output_bytes']} bytes of output"
    if out["timed_out"]:
        return "timeout", f"no exit within {limits['test_timeout_s']} s"
    info = out["exit"]
    if info is None:
        return "crashed", "the process vanished"
    status = info["status"]
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        return None, ""
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 125:
        return "compile_error", "syntax error"
    tail = out["stderr"][-2000:]
    if b"MemoryError" in tail or b"std::bad_alloc" in tail:
        return "memory_limit", f"memory limit of {limits['memory_mb']} MB exceeded"
    if os.WIFEXITED(status):
        return "runtime_error", f"exit code {os.WEXITSTATUS(status)}"
    return exit_verdict(info, limits, "", oom=out.get("oom", False))


def outputs_match(got: str, expected: str, mode: str, tol: float | None) -> bool:
    if mode == "exact":
        return got == expected
    if mode == "tokens":
        return tokens_match(got.split(), expected.split(), tol)
    g, e = normalise_lines(got), normalise_lines(expected)
    if len(g) != len(e):
        return False
    if tol is None:
        return g == e
    return all(tokens_match(a.split(), b.split(), tol) for a, b in zip(g, e, strict=False))


def normalise_lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def tokens_match(got: list[str], expected: list[str], tol: float | None) -> bool:
    if len(got) != len(expected):
        return False
    for a, b in zip(got, expected, strict=False):
        if a == b:
            continue
        if tol is None:
            return False
        try:
            x, y = float(a), float(b)
        except ValueError:
            return False
        if not abs(x - y) <= tol * max(1.0, abs(y)):
            return False
    return True


def clip(data: bytes, cap: int = RETURN_CAP) -> str:
    text = data[:cap].decode("utf-8", "replace")
    return text if len(data) <= cap else text + f"\n... [{len(data) - cap} more bytes]"
