"""Which CPUs each sandbox container is pinned to (`plan_cpus`; no Docker needed)."""

from __future__ import annotations

import pytest

from sandbox.docker_backend import parse_cpuset, plan_cpus


@pytest.mark.parametrize(
    ("text", "cpus"),
    [("", []), ("3", [3]), ("0-2,5", [0, 1, 2, 5]), ("1,1", [1, 1]), ("a-b", []), ("2-", [])],
)
def test_parse_cpuset(text: str, cpus: list[int]) -> None:
    assert parse_cpuset(text) == cpus


def test_one_cpu_each_in_order_on_an_idle_engine() -> None:
    assert plan_cpus(4, range(4), width=1) == {0: "0", 1: "1", 2: "2", 3: "3"}


def test_more_containers_than_cpus_share_them_evenly() -> None:
    plan = plan_cpus(2, range(5), width=1)
    assert plan == {0: "0", 1: "1", 2: "0", 3: "1", 4: "0"}


def test_cpus_other_containers_use_come_last() -> None:
    # another pool on this engine holds CPUs 0 and 1 (twice) and 2 once
    plan = plan_cpus(4, range(3), width=1, taken=["0", "1", "0-2", ""])
    assert plan == {0: "3", 1: "2", 2: "3"}


def test_a_wider_quota_gets_as_many_cpus() -> None:
    assert plan_cpus(4, range(2), width=2) == {0: "0,1", 1: "2,3"}
    assert plan_cpus(4, [7], width=2, taken=["0,1"]) == {7: "2,3"}


def test_no_pinning_when_one_container_spans_every_cpu() -> None:
    assert plan_cpus(1, range(3), width=1) == {}
    assert plan_cpus(2, range(2), width=2) == {}


def test_cpus_the_engine_does_not_have_are_ignored() -> None:
    assert plan_cpus(2, range(2), width=1, taken=["5-9", "garbage"]) == {0: "0", 1: "1"}


def test_a_tmpfs_that_could_fill_the_container_is_refused() -> None:
    # Files in /tmp belong to no process: if they alone could fill the container's memory,
    # the out-of-memory killer would be left with only the harness to pick.
    from sandbox.docker_backend import DockerSandbox

    with pytest.raises(ValueError, match="raise memory_mb or lower tmpfs_mb"):
        DockerSandbox(memory_mb=768, tmpfs_mb=600)
