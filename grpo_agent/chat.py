"""Splice sampled token ids into a tokenizer's chat template.

A multi-turn episode is the chat ``[system?, user(obs0), assistant(act0), user(obs1), ...]``.
Re-rendering and re-tokenizing that chat after each turn would change the policy's tokens (the
decoded text of sampled ids does not always tokenize back to the same ids), and the learner would
then compute log-probs of tokens the policy never sampled. So the stream is built incrementally:

1. the first prompt: the template rendered up to the generation prompt, tokenized;
2. the sampled ids, verbatim (mask 1);
3. the template's end-of-assistant scaffolding (e.g. ``<|im_end|>\\n``), minus the stop token the
   model already produced;
4. the next observation: the text the template adds between the end of the assistant turn and
   the next generation prompt, found as the difference of two renderings, tokenized.

Steps 3 and 4 need a template whose rendering of a shorter chat is a prefix of the rendering of a
longer one, which holds for ChatML, Llama and most instruct templates; `ChatRenderer` checks it
and raises `ChatTemplateError` otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from grpo_agent.errors import ChatTemplateError
from grpo_agent.trajectory import Message

__all__ = ["ChatRenderer"]

_SENTINEL = "\u2063codegym-sentinel\u2063"


class ChatRenderer:
    """Renders chat scaffolding to token ids around sampled assistant ids."""

    def __init__(self, tokenizer: Any, *, system_prompt: str | None = None) -> None:
        if not getattr(tokenizer, "chat_template", None):
            raise ChatTemplateError(
                "the tokenizer has no chat template; set `tokenizer.chat_template` (a Jinja "
                "string) or load an instruct model's tokenizer"
            )
        self.tokenizer = tokenizer
        self.system_prompt = system_prompt
        probe = [*self._system(), Message("user", "u")]
        with_generation_prompt = self.render(probe, generation_prompt=True)
        closed = self.render([*probe, Message("assistant", _SENTINEL)])
        if not closed.startswith(with_generation_prompt + _SENTINEL):
            raise ChatTemplateError(
                "the chat template renders an assistant turn differently from its generation "
                "prompt, so sampled ids cannot be spliced in; use a template where "
                "render(chat, add_generation_prompt=True) + reply is a prefix of "
                "render(chat + [assistant reply])"
            )
        self.assistant_suffix = closed[len(with_generation_prompt) + len(_SENTINEL) :]
        """Text the template puts after an assistant message's content, e.g. ``<|im_end|>\\n``."""

    def _system(self) -> list[Message]:
        return [Message("system", self.system_prompt)] if self.system_prompt else []

    def render(self, messages: Sequence[Message], *, generation_prompt: bool = False) -> str:
        text = self.tokenizer.apply_chat_template(
            [m.as_dict() for m in messages], tokenize=False, add_generation_prompt=generation_prompt
        )
        if not isinstance(text, str):
            raise ChatTemplateError(f"apply_chat_template returned {type(text).__name__}, not str")
        return text

    def encode(self, text: str) -> list[int]:
        """Token ids of scaffolding text; the template already wrote any BOS it wants."""
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def first_prompt(self, observation: str) -> tuple[list[Message], list[int]]:
        """The opening chat and its ids, ending with the generation prompt."""
        messages = [*self._system(), Message("user", observation)]
        return messages, self.encode(self.render(messages, generation_prompt=True))

    def close_assistant(
        self, sampled_ids: Sequence[int], *, stop_token_id: int | None
    ) -> list[int]:
        """Scaffolding ids to append after an assistant turn's sampled ids.

        `stop_token_id` is the id that ended generation (the last sampled id), or None when the
        turn hit the token cap. When the stop token's text opens the template's suffix (ChatML's
        ``<|im_end|>``), the sampled stop token stands for it and only the rest is appended.
        """
        suffix = self.assistant_suffix
        if stop_token_id is not None and sampled_ids and sampled_ids[-1] == stop_token_id:
            stop_text = self.tokenizer.decode([stop_token_id], skip_special_tokens=False)
            if stop_text and suffix.startswith(stop_text):
                suffix = suffix[len(stop_text) :]
        return self.encode(suffix) if suffix else []

    def next_prompt(self, messages: Sequence[Message], observation: str) -> list[int]:
        """Ids of the next user turn plus the generation prompt; `messages` ends with the reply."""
        before = self.render(messages)
        after = self.render([*messages, Message("user", observation)], generation_prompt=True)
        if not after.startswith(before):
            raise ChatTemplateError(
                "the chat template re-renders earlier turns when a message is added (it is not "
                "prefix-stable), so a multi-turn stream cannot be extended; use max_turns=1 or a "
                "prefix-stable template"
            )
        return self.encode(after[len(before) :])

    def reply_text(self, sampled_ids: Sequence[int]) -> str:
        """The action text of a turn: the sampled ids decoded without special tokens."""
        return str(self.tokenizer.decode(list(sampled_ids), skip_special_tokens=True))
