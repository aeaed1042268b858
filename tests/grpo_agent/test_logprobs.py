"""The learner's log-probs: the fused, chunked `selected_logprobs` against autograd through the
textbook ``log_softmax(logits / τ)[targets]`` (values, entropies, gradients), and `token_logprobs`
on a model against a full forward."""

from __future__ import annotations

import pytest
import torch
from conftest import make_model

import grpo_agent.logprobs as logprobs_module
from grpo_agent.logprobs import selected_logprobs, token_logprobs


def textbook(logits: torch.Tensor, targets: torch.Tensor, temperature: float) -> torch.Tensor:
    z = logits[:, : targets.shape[1]].float() / temperature
    return torch.log_softmax(z, dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)


@pytest.mark.parametrize(
    ("dtype", "temperature", "grad_atol"),
    [(torch.float32, 1.0, 1e-6), (torch.float32, 0.7, 1e-6), (torch.bfloat16, 0.7, 1e-2)],
)
def test_values_entropy_and_gradient_match_autograd(
    monkeypatch: pytest.MonkeyPatch, dtype: torch.dtype, temperature: float, grad_atol: float
) -> None:
    monkeypatch.setattr(logprobs_module, "_CHUNK_ELEMENTS", 40)  # chunks of 3 rows of 11 ids
    torch.manual_seed(0)
    logits = (3 * torch.randn(3, 7, 11)).to(dtype).requires_grad_()
    targets = torch.randint(0, 11, (3, 6))  # the last logit column scores nothing
    weights = torch.randn(3, 6)

    out, entropy = selected_logprobs(logits, targets, temperature=temperature, with_entropy=True)
    (out * weights).sum().backward()
    fused_grad, logits.grad = logits.grad, None
    expected = textbook(logits, targets, temperature)
    (expected * weights).sum().backward()

    assert out.dtype == torch.float32 and fused_grad is not None and fused_grad.dtype == dtype
    torch.testing.assert_close(out, expected.detach(), atol=1e-5, rtol=0)
    torch.testing.assert_close(fused_grad, logits.grad, atol=grad_atol, rtol=0)
    assert fused_grad[:, -1].abs().max() == 0
    logp = torch.log_softmax(logits[:, :6].detach().float() / temperature, dim=-1)
    assert entropy is not None and not entropy.requires_grad
    torch.testing.assert_close(entropy, -(logp.exp() * logp).sum(-1), atol=1e-5, rtol=0)
    with torch.no_grad():  # the reference / old-policy path keeps no softmax buffer
        frozen, no_entropy = selected_logprobs(logits, targets, temperature=temperature)
    assert no_entropy is None
    torch.testing.assert_close(frozen, out.detach())


def test_backward_runs_once_and_says_why() -> None:
    logits = torch.randn(1, 3, 5, requires_grad=True)
    out, _ = selected_logprobs(logits, torch.tensor([[1, 2]]))
    out.sum().backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="recompute the forward"):
        out.sum().backward()


def test_mismatched_targets_are_refused() -> None:
    with pytest.raises(ValueError, match=r"K <= L"):
        selected_logprobs(torch.randn(2, 3, 5), torch.zeros(2, 4, dtype=torch.long))


def test_token_logprobs_match_a_full_forward_in_value_and_parameter_gradient() -> None:
    model = make_model(0)
    torch.manual_seed(1)
    ids = torch.randint(0, 21, (2, 9))
    mask = torch.ones_like(ids)
    mask[1, 7:] = 0  # right padding
    lp = token_logprobs(model, ids, mask, temperature=0.8, start=4).logprobs
    lp[:, 4:].sum().backward()
    fused = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    model.zero_grad()

    logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1].float() / 0.8
    full = torch.log_softmax(logits, dim=-1).gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
    full[:, 3:].sum().backward()  # columns 4.. of the stream
    assert lp[:, :4].abs().max() == 0
    torch.testing.assert_close(lp[:, 4:], full[:, 3:].detach(), atol=1e-5, rtol=0)
    for name, param in model.named_parameters():
        assert param.grad is not None
        torch.testing.assert_close(fused[name], param.grad, atol=1e-5, rtol=1e-4, msg=name)
