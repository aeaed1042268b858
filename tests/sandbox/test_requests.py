"""Every request kind and verdict through the real Docker backend (and the local backend)."""

from __future__ import annotations

import pytest

from sandbox import (
    CallTest,
    CommandRequest,
    FunctionRequest,
    IOTest,
    Limits,
    Status,
    StdioRequest,
    make_sandbox,
)
from sandbox.docker_backend import DockerSandbox

pytestmark = pytest.mark.docker

FAST = Limits(timeout_s=10, test_timeout_s=2, cpu_s=2)
ADD = "def add(a, b):\n    return a + b\n"


def fn(source: str, *tests: CallTest, **kw) -> FunctionRequest:
    return FunctionRequest(
        source=source,
        entry_point=kw.pop("entry_point", "add"),
        tests=tests,
        limits=kw.pop("limits", FAST),
        **kw,
    )


def test_calls_pass_and_fail_with_details(docker_sandbox) -> None:
    ok, bad, hidden = docker_sandbox.run_many(
        [
            fn(ADD, CallTest((1, 2), 3), CallTest(((1,), (2,)), (1, 2))),
            fn("def add(a, b):\n    return a - b\n", CallTest((1, 2), 3, name="small")),
            fn("def add(a, b):\n    return a - b\n", CallTest((1, 2), 3), details=False),
        ]
    )
    assert ok.passed and ok.tests_passed == ok.tests_total == 2 and ok.fraction == 1.0
    assert not bad.passed and bad.status is Status.FAILED
    (t,) = bad.tests
    assert (t.name, t.input, t.expected, t.got) == ("small", "add(1, 2)", "3", "-1")
    assert hidden.tests[0].input is None and hidden.tests[0].got is None


def test_types_are_strict(docker_sandbox) -> None:
    res = docker_sandbox.run_many(
        [
            fn("def f():\n    return [1, 2]\n", CallTest((), (1, 2)), entry_point="f"),
            fn("def f():\n    return 1.0\n", CallTest((), 1), entry_point="f"),
            fn(
                "def f():\n    return 0.1 + 0.2\n",
                CallTest((), 0.3),
                entry_point="f",
                float_tol=1e-9,
            ),
            fn(
                "def f(s):\n    return {frozenset(s): b'x'}\n",
                CallTest(({1, 2},), {frozenset({1, 2}): b"x"}),
                entry_point="f",
            ),
        ]
    )
    assert [r.passed for r in res] == [False, False, True, True]


def test_partial_credit_counts_hidden_tests(docker_sandbox) -> None:
    src = "def f(x):\n    return x if x < 3 else 0\n"
    r = docker_sandbox.run(fn(src, *(CallTest((i,), i) for i in range(5)), entry_point="f"))
    assert (r.tests_passed, r.tests_total, r.passed) == (3, 5, False)


def test_load_failures(docker_sandbox) -> None:
    syntax, missing, raising = docker_sandbox.run_many(
        [
            fn("def add(a, b) return a", CallTest((1, 2), 3)),
            fn("def plus(a, b):\n    return a + b\n", CallTest((1, 2), 3)),
            fn("raise RuntimeError('boom at import')\n", CallTest((1, 2), 3)),
        ]
    )
    assert syntax.status is Status.COMPILE_ERROR and "SyntaxError" in syntax.message
    assert missing.status is Status.COMPILE_ERROR and "add" in missing.message
    assert raising.status is Status.RUNTIME_ERROR and "boom at import" in raising.message


def test_check_script_like_humaneval(docker_sandbox) -> None:
    setup = 'def helper(x):\n    return x * 2\n\ndef double(x):\n    """Return twice x."""\n'
    script = (
        "def check(candidate):\n"
        "    assert candidate(1) == helper(1)\n"
        "    assert candidate(2) == 4\n"
        "    assert double(5) == 10\n"  # the entry point's name means the candidate
        "    try:\n"
        "        candidate(-1)\n"
        "    except ValueError:\n"
        "        pass\n"
        "    else:\n"
        "        assert False\n"
    )
    good = "def double(x):\n    if x < 0:\n        raise ValueError('negative')\n    return 2 * x\n"
    wrong = "def double(x):\n    return x + 2 if x != 5 else 10\n"
    r_good, r_wrong = docker_sandbox.run_many(
        [
            FunctionRequest(
                source=good, entry_point="double", test_script=script, setup=setup, limits=FAST
            ),
            FunctionRequest(
                source=wrong, entry_point="double", test_script=script, setup=setup, limits=FAST
            ),
        ]
    )
    assert r_good.passed and r_good.tests_total == 3
    assert not r_wrong.passed
    assert [t.passed for t in r_wrong.tests] == [False, True, True]  # the try block is not counted


def test_timeout_inside_try_is_not_an_expected_exception(docker_sandbox) -> None:
    script = (
        "def check(candidate):\n"
        "    try:\n"
        "        candidate(-1)\n"
        "    except Exception:\n"
        "        pass\n"
    )
    hang = "def f(x):\n    while True:\n        pass\n"
    r = docker_sandbox.run(
        FunctionRequest(source=hang, entry_point="f", test_script=script, limits=FAST)
    )
    assert not r.passed and r.status is Status.TIMEOUT


def test_repository_functions_through_candidate_function(docker_sandbox) -> None:
    files = {"calc/__init__.py": "", "calc/ops.py": "def mul(a, b):\n    return a * b\n"}
    script = (
        "mul = candidate_function('calc.ops:mul')\n"
        "def check(candidate):\n"
        "    assert mul(3, 4) == 12\n"
        "    assert candidate(2, 5) == 10\n"
    )
    r = docker_sandbox.run(
        FunctionRequest(
            source="", entry_point="calc.ops:mul", files=files, test_script=script, limits=FAST
        )
    )
    assert r.passed, r


def test_stdio_python_and_cpp(docker_sandbox) -> None:
    cases = (IOTest("1 2\n", "3\n"), IOTest("10 -4\n", "6\n"))
    cpp = '#include <cstdio>\nint main(){long a,b;scanf("%ld %ld",&a,&b);printf("%ld\\n",a+b);}\n'
    res = docker_sandbox.run_many(
        [
            StdioRequest(
                source="a, b = map(int, input().split())\nprint(a + b)\n", tests=cases, limits=FAST
            ),
            StdioRequest(
                source="a, b = map(int, input().split())\nprint(a - b)\n", tests=cases, limits=FAST
            ),
            StdioRequest(source=cpp, language="cpp", tests=cases, limits=FAST),
            StdioRequest(source="int main( {", language="cpp", tests=cases, limits=FAST),
            StdioRequest(source="print(1/0)", tests=cases, limits=FAST),
            StdioRequest(source="def (:", tests=cases, limits=FAST),
            StdioRequest(source="import time\ntime.sleep(10)", tests=cases[:1], limits=FAST),
        ]
    )
    assert [r.status for r in res] == [
        Status.PASSED,
        Status.FAILED,
        Status.PASSED,
        Status.COMPILE_ERROR,
        Status.RUNTIME_ERROR,
        Status.COMPILE_ERROR,
        Status.TIMEOUT,
    ]
    assert res[1].tests[0].got == "'-1\\n'"
    assert "error" in res[3].compile_output
    assert "ZeroDivisionError" in res[4].stderr


def test_command(docker_sandbox) -> None:
    r = docker_sandbox.run(
        CommandRequest(files={"a/b.txt": "hi"}, command="cat a/b.txt; exit 3", limits=FAST)
    )
    assert (r.exit_code, r.stdout, r.status) == (3, "hi", Status.RUNTIME_ERROR)
    r = docker_sandbox.run(
        CommandRequest(files={}, command=["python3", "-c", "print(6*7)"], limits=FAST)
    )
    assert (r.exit_code, r.stdout.strip(), r.passed) == (0, "42", True)


def test_run_many_keeps_order(docker_sandbox) -> None:
    reqs = [fn(f"def add(a, b):\n    return {i}\n", CallTest((0, 0), i)) for i in range(12)]
    res = docker_sandbox.run_many(reqs)
    assert all(r.passed for r in res)
    slow_first = [
        fn("import time\ndef add(a, b):\n    time.sleep(0.5)\n    return 1\n", CallTest((0, 0), 1)),
        fn(ADD, CallTest((1, 1), 2)),
    ]
    assert [r.passed for r in docker_sandbox.run_many(slow_first)] == [True, True]


def test_local_backend_runs_the_same_harness() -> None:
    with pytest.warns(UserWarning, match="not isolation"):
        sb = make_sandbox("local", pool_size=1)
    with sb:
        ok, bad, io = sb.run_many(
            [
                fn(ADD, CallTest((1, 2), 3)),
                fn("import sys\nsys.exit(0)\n", CallTest((1, 2), 3)),
                StdioRequest(
                    source="print(input()[::-1])", tests=(IOTest("abc\n", "cba\n"),), limits=FAST
                ),
            ]
        )
    assert ok.passed and not bad.passed and io.passed


def test_pool_spreads_over_several_engine_urls() -> None:
    url = "unix:///var/run/docker.sock"
    with make_sandbox("docker", pool_size=2, hosts=[url, url]) as sb:
        assert isinstance(sb, DockerSandbox)
        assert len(sb.clients) == 2  # one client per URL; slot i uses client i % 2
        res = sb.run_many([fn(ADD, CallTest((i, 1), i + 1)) for i in range(4)])
    assert all(r.passed for r in res)
    assert len({r.worker for r in res}) == 2  # both slots served
    if sb.clients[0].info()["NCPU"] >= 2:  # one engine behind both URLs: its CPUs are shared out
        assert len(set(sb.cpusets.values())) == 2


def test_containers_are_pinned_to_cpus_of_their_own(fresh_sandbox, docker_client) -> None:
    ncpu = docker_client.info()["NCPU"]
    sb = fresh_sandbox(pool_size=2)
    assert all(r.passed for r in sb.run_many([fn(ADD, CallTest((i, 1), i + 1)) for i in range(4)]))
    pinned = {}
    for worker in sb._workers.values():
        worker.container.reload()
        pinned[worker.container.id] = worker.container.attrs["HostConfig"]["CpusetCpus"]
        assert worker.container.labels["codegym.cpus"] == pinned[worker.container.id]
    if ncpu < 2:
        assert set(pinned.values()) == {""}  # one CPU: nothing to choose
    else:
        assert len(set(pinned.values())) == 2 and "" not in pinned.values()
    unpinned = fresh_sandbox(pool_size=1, pin_cpus=False)
    (worker,) = unpinned._workers.values()
    assert worker.container.attrs["HostConfig"]["CpusetCpus"] == ""
    assert unpinned.run(fn(ADD, CallTest((1, 1), 2))).passed


@pytest.mark.parametrize("when", ["create", "start"])
def test_cpus_the_engine_refuses_leave_the_container_unpinned(
    when, fresh_sandbox, docker_client, monkeypatch, caplog
) -> None:
    # An engine confined to fewer CPUs than it reports refuses a cpuset when it creates the
    # container (it checks) or only when it starts it (the kernel does).
    import docker.models.containers

    from sandbox import docker_backend

    ncpu = docker_client.info()["NCPU"]
    if when == "create":
        monkeypatch.setattr(docker_backend, "engine_plan", lambda *a, **k: {0: str(ncpu + 7)})
    else:
        monkeypatch.setattr(docker_backend, "engine_plan", lambda *a, **k: {0: "0"})
        start = docker.models.containers.Container.start

        def refuse_cpusets(self, **kwargs):
            if self.attrs["HostConfig"]["CpusetCpus"]:
                raise docker.errors.APIError("write cpuset.cpus: invalid argument")
            return start(self, **kwargs)

        monkeypatch.setattr(docker.models.containers.Container, "start", refuse_cpusets)
    with caplog.at_level("WARNING", logger="codegym.sandbox"):
        sb = fresh_sandbox(pool_size=1)
    assert "unpinned" in caplog.text
    (worker,) = sb._workers.values()
    assert worker.container.attrs["HostConfig"]["CpusetCpus"] == ""
    assert worker.container.labels["codegym.cpus"] == ""
    assert sb.cpusets == {}
    assert sb.run(fn(ADD, CallTest((1, 1), 2))).passed


def test_code_compiles_as_python_would_not_under_the_harness_futures(docker_sandbox) -> None:
    # The harness modules use `from __future__ import annotations`; code they compile must not
    # inherit it: an annotation naming nothing is a NameError, and annotations are objects.
    undefined = "def add(a: Undefined, b) -> int:\n    return a + b\n"
    res = docker_sandbox.run(fn(undefined, CallTest((1, 1), 2)))
    assert res.status == Status.RUNTIME_ERROR and "NameError" in res.message
    real = "def add(a: int, b):\n    return add.__annotations__['a'] is int\n"
    assert docker_sandbox.run(fn(real, CallTest((1, 1), True))).passed
    script = FunctionRequest(
        source=ADD,
        entry_point="add",
        setup="def helper(x: int) -> int:\n    return x\n",
        test_script="def check(candidate):\n    assert helper.__annotations__['x'] is int\n",
        limits=FAST,
    )
    assert docker_sandbox.run(script).passed
    stdio = StdioRequest(
        source="def f(x: int): pass\nprint(f.__annotations__['x'] is int)\n",
        tests=(IOTest("", "True\n"),),
        limits=FAST,
    )
    assert docker_sandbox.run(stdio).passed
