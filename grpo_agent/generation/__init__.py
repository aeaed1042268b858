"""Generation backends behind one interface (`Generator`)."""

from grpo_agent.generation.base import Completion, Generator, SamplingParams

__all__ = ["BACKENDS", "Completion", "Generator", "SamplingParams"]

BACKENDS = {
    "transformers": "grpo_agent.generation.hf:TransformersGenerator",
    "vllm": "grpo_agent.generation.vllm_backend:VLLMGenerator",
}
"""Backend name -> lazy ``module:Class`` entry point."""
