"""Runs a project's own pytest tests inside the sandbox and reports each test's outcome.

This file is shipped to the sandbox as text, never imported by codegym on the host. It runs
in two ways, with the same code so that mining and grading agree on what a test id means:

- grading (`tasks.mining.grading`): the source of a ``FunctionRequest``, loaded first in the
  candidate's process as module ``solution``; the trusted check script in the oracle calls
  ``run(spec)`` once through the proxy and records each hidden test itself (docs/sandbox.md,
  "Repository tasks mined from real projects");
- mining (`tasks.mining.mine`): ``python3 _codegym_runner.py`` in a ``CommandRequest``, which
  prints the same report between two marker lines.

pytest runs with its defaults, never the project's configuration: ``-c /dev/null`` (so
setup.cfg, pyproject.toml, tox.ini and pytest.ini are not read), ``--confcutdir`` at the
repository root (no conftest.py above it), third-party plugin autoloading off, the cache off.
Before anything of the repository is imported, the modules pytest reports through are
recorded, and a run whose reporting machinery was replaced by the time it ends reports no
outcomes (`_tampered`). Stdlib and pytest only.
"""

import json
import os
import re
import sys

MARK = "=====codegym-pytest-report====="
MAX_MESSAGE = 1500

# pytest functions and methods whose replacement could turn a failure into a pass
_WATCHED = (
    ("_pytest.runner", "call_and_report"),
    ("_pytest.runner", "runtestprotocol"),
    ("_pytest.runner", "call_runtest_hook"),
    ("_pytest.runner", "check_interactive_exception"),
    ("_pytest.python", "Function.runtest"),
    ("_pytest.python", "pytest_pyfunc_call"),
    ("_pytest.reports", "TestReport.from_item_and_call"),
    ("_pytest.reports", "BaseReport.passed"),
    ("_pytest.reports", "BaseReport.failed"),
    ("_pytest.main", "pytest_runtestloop"),
    ("_pytest.skipping", "pytest_runtest_makereport"),
    ("_pytest.outcomes", "fail"),
    ("_pytest.outcomes", "skip"),
)


def _import_pytest():
    """Import pytest with the repository's root off sys.path, so that a ``pytest.py`` or
    ``_pytest/`` in it cannot stand in for the real one."""
    here = os.getcwd()
    saved = list(sys.path)
    sys.path[:] = [p for p in sys.path if p not in ("", ".", here)]
    os.environ.pop("PYTEST_ADDOPTS", None)
    os.environ.pop("PYTEST_PLUGINS", None)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        import _pytest.main  # noqa: F401
        import _pytest.outcomes  # noqa: F401
        import _pytest.python  # noqa: F401
        import _pytest.reports  # noqa: F401
        import _pytest.runner  # noqa: F401
        import _pytest.skipping  # noqa: F401
        import pytest
    finally:
        sys.path[:] = saved
    return pytest


def _lookup(module_name, dotted):
    obj = sys.modules.get(module_name)
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
    if isinstance(obj, property):
        obj = obj.fget
    return obj


def _identities():
    """What `_WATCHED` names are now: the objects and their code objects."""
    out = []
    for module_name, dotted in _WATCHED:
        obj = _lookup(module_name, dotted)
        func = getattr(obj, "__func__", obj)
        code = getattr(func, "__code__", None)
        out.append((id(sys.modules.get(module_name)), id(func), id(code)))
    return out


class _Collector:
    """The plugin that records each test's outcome: the worst of its setup, call and teardown."""

    def __init__(self, details):
        self.details = details
        self.outcomes = {}
        self.messages = {}
        self.errors = {}
        self.collected = 0
        self.manager = None
        self.plugins_at_start = set()

    def pytest_sessionstart(self, session):
        self.manager = session.config.pluginmanager
        self.plugins_at_start = {id(p) for p in self.manager.get_plugins()}

    def pytest_collectreport(self, report):
        if report.failed:
            self.errors[report.nodeid or "<session>"] = _text(report)[:MAX_MESSAGE]

    def pytest_collection_finish(self, session):
        self.collected = len(session.items)

    def pytest_runtest_logreport(self, report):
        nodeid = report.nodeid
        before = self.outcomes.get(nodeid)
        if report.when == "call":
            outcome = report.outcome  # passed | failed | skipped
            if getattr(report, "wasxfail", None) is not None:
                outcome = "xfail" if report.skipped else "xpass"
        elif report.failed:
            outcome = "error"
        elif report.skipped:
            outcome = "skipped"
        else:
            outcome = "passed" if before is None else before
        if before in ("failed", "error", "skipped", "xfail") and outcome == "passed":
            outcome = before
        if before == "failed" and outcome == "error":
            outcome = "failed"
        self.outcomes[nodeid] = outcome
        if report.failed and nodeid not in self.messages and len(self.messages) < self.details:
            self.messages[nodeid] = _text(report)


def _text(report):
    """The failure as a user sees it in pytest's short output: the exception and its ``E``
    lines. Source lines and file locations are left out (they point at the fix)."""
    longrepr = report.longrepr
    crash = getattr(longrepr, "reprcrash", None)
    lines = []
    text = str(longrepr) if longrepr is not None else ""
    for line in text.splitlines():
        if line.startswith("E "):
            lines.append(line[2:].rstrip())
    if not lines and crash is not None:
        lines = str(crash.message).splitlines()
    if not lines:
        lines = [ln for ln in text.splitlines() if ln.strip()][-3:]
    message = "\n".join(lines)
    message = re.sub(r" at 0x[0-9a-fA-F]+", "", message)
    return message[:MAX_MESSAGE]


def run(spec):
    """Run the tests `spec["tests"]` (node ids or paths); `spec["pythonpath"]` holds extra
    import roots (``src``), `spec["files"]` are written first (tests the repository does not
    show), `spec["details"]` is how many failure messages to keep, and
    `spec["failures_only"]` leaves the passed tests out of `outcomes` (`n_passed` counts them).

    Returns ``{"outcomes": {nodeid: outcome}, "messages": {...}, "errors": {...},
    "collected": n, "exit": code}``; outcome is ``passed``, ``failed``, ``error``,
    ``skipped``, ``xfail`` or ``xpass``."""
    pytest = _import_pytest()
    before = _identities()
    here = os.getcwd()
    for path, text in (spec.get("files") or {}).items():  # hidden tests (a SWE-bench test patch)
        full = os.path.join(here, path)
        os.makedirs(os.path.dirname(full) or here, exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(text)
    for entry in reversed(spec.get("pythonpath") or []):
        sys.path.insert(0, os.path.join(here, entry))
    collector = _Collector(int(spec.get("details") or 0))
    args = [
        "-c", os.devnull, "--rootdir", here, "--confcutdir", here,
        "-p", "no:cacheprovider", "-p", "no:stepwise", "-p", "no:pastebin",
        "-q", "--tb=short", "--no-header", "-W", "ignore::DeprecationWarning",
    ]  # fmt: skip
    args += list(spec["tests"])
    try:
        code = int(pytest.main(args, plugins=[collector]))
    except SystemExit as exc:  # a test or the code under test called sys.exit
        code = exc.code if isinstance(exc.code, int) else 1
    sys.stdout.flush()
    if _identities() != before or _tampered(collector):
        return {"outcomes": {}, "messages": {}, "errors": {"<runner>": "pytest was modified"},
                "collected": 0, "exit": 3}  # fmt: skip
    outcomes = dict(collector.outcomes)
    n_passed = sum(1 for o in outcomes.values() if o == "passed")
    if spec.get("failures_only"):
        outcomes = {t: o for t, o in outcomes.items() if o != "passed"}
    return {
        "outcomes": outcomes,
        "n_passed": n_passed,
        "messages": dict(collector.messages),
        "errors": dict(collector.errors),
        "collected": collector.collected,
        "exit": code,
    }


def _tampered(collector):
    cls = type(collector)
    return (
        cls is not _Collector
        or cls.pytest_runtest_logreport.__code__ is not _LOGREPORT_CODE
        or cls.pytest_collectreport.__code__ is not _COLLECTREPORT_CODE
        or bool(_foreign_plugins(collector))
    )


def _foreign_plugins(collector):
    """Plugins registered during the run that are neither a conftest.py module nor pytest's
    own: code of the repository registered them at import (conftest.py files other than the
    task's own never reach the sandbox)."""
    if collector.manager is None:
        return []
    foreign = []
    for plugin in collector.manager.get_plugins():
        if id(plugin) in collector.plugins_at_start or plugin is collector:
            continue
        if isinstance(plugin, type(sys)):
            if os.path.basename(getattr(plugin, "__file__", "") or "") == "conftest.py":
                continue
        elif type(plugin).__module__.split(".")[0] in ("_pytest", "pytest"):
            continue
        foreign.append(plugin)
    return foreign


_LOGREPORT_CODE = _Collector.pytest_runtest_logreport.__code__
_COLLECTREPORT_CODE = _Collector.pytest_collectreport.__code__


def main():
    """Mining: run the spec in ``_codegym_spec.json``; the report goes to stdout, compressed
    (zlib, base64) between marker lines, and pytest's own output is discarded, since the
    sandbox returns only the start of a command's output."""
    import base64
    import zlib

    with open("_codegym_spec.json", encoding="utf-8") as f:
        spec = json.load(f)
    out = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        report = run(spec)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(out, 1)
    packed = base64.b64encode(zlib.compress(json.dumps(report).encode("utf-8"), 9)).decode()
    os.write(1, ("\n" + MARK + "\n" + packed + "\n" + MARK + "\n").encode())
    os._exit(0)  # no atexit hooks of the project's code after the report


if __name__ == "__main__":
    main()
