"""``codegym sandbox up|build|doctor|reap``: set up, check and tidy the Docker sandbox."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from sandbox.base import (
    CallTest,
    CommandRequest,
    FunctionRequest,
    IOTest,
    Limits,
    Status,
    StdioRequest,
)
from sandbox.errors import SandboxError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    up = sub.add_parser(
        "up",
        help="make sure the engine answers (as root: start an installed dockerd) and the image exists",
    )
    up.add_argument(
        "--install",
        action="store_true",
        help="also install docker.io and mmdebstrap with apt when missing (root, Debian/Ubuntu)",
    )
    build = sub.add_parser("build", help="build the sandbox image")
    build.add_argument(
        "--method",
        choices=("auto", "dockerfile", "debootstrap"),
        default="auto",
        help="auto: the Dockerfile if its base image can be had, else Debian packages (mmdebstrap)",
    )
    build.add_argument("--force", action="store_true", help="rebuild even if the image exists")
    sub.add_parser("doctor", help="check the engine, the image and the isolation; run a self-test")
    sub.add_parser("reap", help="remove sandbox containers left by dead processes")


def run(args: argparse.Namespace) -> int:
    from sandbox import docker_backend, image
    from sandbox.engine import ensure_engine

    try:
        if args.action == "up":
            ensure_engine(install=args.install)
            client = docker_backend.connect()
            tag = image.default_tag()
            if image.exists(client, tag):
                print(f"engine ok, image {tag} present")
            else:
                image.build(client, tag=tag, say=print)
                print(f"built {tag}")
            return 0
        if args.action == "build":
            client = docker_backend.connect()
            tag = image.default_tag()
            if image.exists(client, tag) and not args.force:
                print(f"{tag} already exists (use --force to rebuild)")
                return 0
            t0 = time.monotonic()
            image.build(client, tag=tag, method=args.method, force=args.force, say=print)
            print(f"built {tag} in {time.monotonic() - t0:.0f} s")
            return 0
        if args.action == "reap":
            n = docker_backend.reap_orphans(docker_backend.connect())
            print(f"removed {n} container(s)")
            return 0
        return doctor()
    except SandboxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def doctor() -> int:
    """Each check prints a line; a failed one says what to do. Exit 1 if any failed."""
    from sandbox import docker_backend, image

    failures = 0

    def check(name: str, fn: Callable[[], str], fix: str) -> bool:
        nonlocal failures
        try:
            detail = fn()
        except Exception as exc:  # noqa: BLE001 - reported, the next check still runs
            failures += 1
            print(f"FAIL  {name}: {exc}\n      fix: {fix}")
            return False
        print(f"ok    {name}" + (f": {detail}" if detail else ""))
        return True

    client = None

    def engine() -> str:
        nonlocal client
        client = docker_backend.connect()
        version = client.version()
        return f"Docker {version.get('Version')} (API {version.get('ApiVersion')})"

    if not check("engine", engine, "codegym sandbox up --install (root, Debian) or start Docker"):
        return 1
    tag = image.default_tag()

    def image_present() -> str:
        if not image.exists(client, tag):
            raise RuntimeError(f"{tag} is missing")
        return tag

    if not check("image", image_present, "codegym sandbox build"):
        return 1
    sb = docker_backend.DockerSandbox(pool_size=1, build=False)
    limits = Limits(timeout_s=20, test_timeout_s=10, memory_mb=256)
    try:

        def network_off() -> str:
            probe = (
                "import os, socket\n"
                "nets = sorted(os.listdir('/sys/class/net'))\n"
                "assert nets == ['lo'], nets\n"
                "try:\n"
                "    socket.create_connection(('1.1.1.1', 53), timeout=3)\n"
                "except OSError as e:\n"
                "    print('blocked:', e)\n"
                "else:\n"
                "    raise SystemExit('connected to 1.1.1.1')\n"
            )
            r = sb.run(
                CommandRequest(files={"p.py": probe}, command=["python3", "p.py"], limits=limits)
            )
            if r.exit_code != 0:
                raise RuntimeError(f"the network is reachable: {r.stdout}{r.stderr}")
            return "only loopback; outside connections fail"

        def memory_enforced() -> str:
            hog = "def f():\n    x = bytearray(600 * 2**20)\n    return len(x)\n"
            r = sb.run(
                FunctionRequest(
                    source=hog,
                    entry_point="f",
                    tests=(CallTest(expected=600 * 2**20),),
                    limits=limits,
                )
            )
            if r.status is not Status.MEMORY_LIMIT:
                raise RuntimeError(f"a 600 MB allocation under a 256 MB limit gave {r.status}")
            probe = (
                "import pathlib\n"
                "for p in ('/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/memory.max'):\n"
                "    f = pathlib.Path(p)\n"
                "    if f.exists():\n"
                "        print(f.read_text().strip()); break\n"
            )
            c = sb.run(
                CommandRequest(files={"p.py": probe}, command=["python3", "p.py"], limits=limits)
            )
            return f"per-request limit holds; container cgroup limit {c.stdout.strip()} bytes"

        def self_test() -> str:
            ok_fn = FunctionRequest(
                source="def add(a, b):\n    return a + b\n",
                entry_point="add",
                tests=(CallTest(args=(2, 3), expected=5),),
                limits=limits,
            )
            bad_fn = FunctionRequest(
                source="def add(a, b):\n    return a - b\n",
                entry_point="add",
                tests=(CallTest(args=(2, 3), expected=5),),
                limits=limits,
            )
            py = StdioRequest(
                source="print(sum(map(int, input().split())))",
                tests=(IOTest("2 3\n", "5\n"),),
                limits=limits,
            )
            cpp = StdioRequest(
                source="#include <iostream>\nint main(){long a,b;std::cin>>a>>b;std::cout<<a+b<<'\\n';}",
                language="cpp",
                tests=(IOTest("2 3\n", "5\n"),),
                limits=limits,
            )
            broken = StdioRequest(
                source="int main( {", language="cpp", tests=(IOTest("", ""),), limits=limits
            )
            got = [r.status for r in sb.run_many([ok_fn, bad_fn, py, cpp, broken])]
            want = [
                Status.PASSED,
                Status.FAILED,
                Status.PASSED,
                Status.PASSED,
                Status.COMPILE_ERROR,
            ]
            if got != want:
                raise RuntimeError(
                    f"expected {[str(s) for s in want]}, got {[str(s) for s in got]}"
                )
            return "function, stdio (Python, C++) and compile-error verdicts as expected"

        check("network disabled", network_off, "the engine must honour --network none")
        check("memory limit", memory_enforced, "the engine must support memory cgroups")
        check(
            "self-test",
            self_test,
            "see the messages above; rebuild with `codegym sandbox build --force`",
        )
    finally:
        sb.close()
    print("all checks passed" if not failures else f"{failures} check(s) failed")
    return 1 if failures else 0
