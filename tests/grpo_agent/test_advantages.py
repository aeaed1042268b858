"""`group_advantages` and `informative_groups` against values worked out by hand."""

from __future__ import annotations

import pytest
import torch

from grpo_agent.advantages import group_advantages, informative_groups


def test_group_scale_divides_by_unbiased_group_std() -> None:
    # mean 0.5, deviations +-0.5, unbiased std sqrt(4 * 0.25 / 3) = 0.577350 -> A = +-0.866025
    rewards = torch.tensor([[1.0, 0.0, 0.0, 1.0]])
    adv = group_advantages(rewards, scale="group", eps=0.0)
    expected = torch.tensor([[0.866025, -0.866025, -0.866025, 0.866025]])
    torch.testing.assert_close(adv, expected, atol=1e-6, rtol=0)


def test_group_scale_adds_eps_to_the_std() -> None:
    rewards = torch.tensor([[1.0, 0.0, 0.0, 1.0]])
    adv = group_advantages(rewards, scale="group", eps=0.1)
    # 0.5 / (0.577350 + 0.1) = 0.738170
    assert adv[0, 0].item() == pytest.approx(0.738170, abs=1e-6)


def test_uniform_group_gets_zero_advantage_not_nan() -> None:
    adv = group_advantages(torch.tensor([[2.0, 2.0, 2.0]]), scale="group")
    assert adv.tolist() == [[0.0, 0.0, 0.0]]


def test_batch_scale_uses_the_std_of_all_rewards() -> None:
    # group means 0.5 and 2.5; std of [1, 0, 3, 2]: mean 1.5, squares 0.25+2.25+2.25+0.25 = 5,
    # 5 / 3 = 1.666667, sqrt = 1.290994 -> 0.5 / 1.290994 = 0.387298
    rewards = torch.tensor([[1.0, 0.0], [3.0, 2.0]])
    adv = group_advantages(rewards, scale="batch", eps=0.0)
    expected = torch.tensor([[0.387298, -0.387298], [0.387298, -0.387298]])
    torch.testing.assert_close(adv, expected, atol=1e-6, rtol=0)


def test_none_scale_is_the_centred_reward() -> None:
    rewards = torch.tensor([[1.0, 0.0], [3.0, 2.0], [0.25, 0.25]])
    adv = group_advantages(rewards, scale="none", eps=0.5)
    assert adv.tolist() == [[0.5, -0.5], [0.5, -0.5], [0.0, 0.0]]


def test_bad_inputs_say_what_to_do() -> None:
    with pytest.raises(ValueError, match="shape"):
        group_advantages(torch.ones(4))
    with pytest.raises(ValueError, match="unknown advantage scale"):
        group_advantages(torch.ones(2, 2), scale="rank")
    with pytest.raises(ValueError, match="group_size"):
        group_advantages(torch.ones(3, 1), scale="group")


def test_informative_groups_marks_groups_with_spread() -> None:
    rewards = torch.tensor([[1.0, 1.0], [0.0, 1.0], [0.3, 0.3]])
    assert informative_groups(rewards).tolist() == [False, True, False]
