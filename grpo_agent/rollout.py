"""Rollouts: G multi-turn episodes per task, generation batched across live episodes.

Scheduling. Every live episode is either waiting for the policy (its next prompt is ready) or
waiting for its environment. The main thread generates for waiting-for-policy episodes in
chunks of ``generation_batch_size`` and steps each finished chunk in a worker thread with
`envs.vector.step_many` (the one way codegym steps many envs: the chunk's sandbox requests go
out in one `run_many` call), so the sandbox runs one chunk while the next is being generated. When nothing is ready it waits until about half of the
outstanding episodes are back, which keeps generation batches large.

With ``overlap=False`` every round generates for all ready episodes and then waits for all their
steps: batches no longer depend on thread timing, so a seeded run is bit-reproducible (each
environment's first reset gets `seed + its index`).

A step on which the sandbox failed (the env raises `envs.errors.SandboxInfraError`, or reports
``info["status"] == "infra_error"``) ends its episode with status ``infra_error``: a broken
sandbox must never become a zero reward in the training batch, and one bad sample must not end
a run either, so the trainer drops that episode's group with a warning. Any other error of an
environment is a bug and raises `RolloutError`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Protocol, SupportsFloat

from envs.base import Transition
from envs.errors import SandboxInfraError
from envs.vector import SteppedBatch, step_many
from grpo_agent.chat import ChatRenderer
from grpo_agent.errors import RolloutError
from grpo_agent.generation.base import Completion, Generator, SamplingParams
from grpo_agent.trajectory import Message, Trajectory

INFRA_ERROR = "infra_error"
"""`Trajectory.status` of an episode on which the sandbox failed (not the candidate)."""

__all__ = [
    "INFRA_ERROR",
    "EnvFactory",
    "RolloutEngine",
    "RolloutSettings",
    "RolloutStats",
    "TextEnv",
    "task_id_of",
]


class TextEnv(Protocol):
    """The part of a codegym ``gymnasium.Env`` that rollouts use (string actions/observations)."""

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]: ...

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]: ...

    def close(self) -> None: ...


class EnvFactory(Protocol):
    """Builds one environment instance; rollouts keep a pool of them, one per live episode."""

    def __call__(self) -> TextEnv: ...


def task_id_of(task: Any) -> str:
    """The id of a `tasks.Task` or of a plain task-id string."""
    return str(getattr(task, "id", task))


@dataclass(frozen=True)
class RolloutSettings:
    sampling: SamplingParams
    group_size: int = 8
    max_turns: int = 1
    max_seq_len: int = 2048
    """Prompt + all turns; an episode whose next turn would not fit is truncated."""
    system_prompt: str | None = None
    generation_batch_size: int = 0
    """Most episodes per generation call (0: every ready episode)."""
    env_workers: int = 8
    overlap: bool = True
    seed: int = 0
    """Seeds each environment's first reset (Gymnasium seeds once, then the env's RNG runs on)."""
    seeded_streams: bool = False
    """Sample each turn from a random stream of its own, keyed by (`seed`, task id, sample
    index in the group, turn), instead of the generator's global one. A completion then no
    longer depends on what else shares its batch, and two policies rolled out with one seed
    draw the same random numbers for the same episode (common random numbers): where their
    distributions agree they sample the same tokens. Evaluation turns it on."""


@dataclass(frozen=True)
class RolloutStats:
    wall_seconds: float
    generation_seconds: float
    env_seconds: float
    """Sum of all ``env.step`` durations (they overlap each other and generation)."""
    env_wait_seconds: float
    """Time the main thread sat idle waiting for environments: the sandbox's critical-path cost."""
    generated_tokens: int
    generation_calls: int


@dataclass
class _Episode:
    index: int
    group: int
    task: Any
    env: TextEnv
    seed: int | None = None
    """Seed of the env's first reset; None afterwards (the env's RNG carries on)."""
    messages: list[Message] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    mask: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    turns: int = 0
    reward: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)
    terminated: bool = False
    truncated: bool = False
    env_seconds: float = 0.0
    has_logprobs: bool = True
    turn_passed: list[bool] = field(default_factory=list)

    def extend(
        self, ids: Sequence[int], *, policy: bool, logprobs: Sequence[float] | None = None
    ) -> None:
        self.ids.extend(ids)
        self.mask.extend([1 if policy else 0] * len(ids))
        self.logprobs.extend(logprobs if logprobs is not None else [0.0] * len(ids))

    def to_trajectory(self) -> Trajectory:
        components = self.info.get("reward_components") or {}
        return Trajectory(
            task_id=task_id_of(self.task),
            group=self.group,
            input_ids=tuple(self.ids),
            loss_mask=tuple(self.mask),
            sampler_logprobs=tuple(self.logprobs) if self.has_logprobs else None,
            reward=self.reward,
            reward_components={k: float(v) for k, v in components.items()},
            messages=tuple(self.messages),
            num_turns=self.turns,
            terminated=self.terminated,
            truncated=self.truncated,
            tests_passed=int(self.info.get("tests_passed", 0) or 0),
            tests_total=int(self.info.get("tests_total", 0) or 0),
            status=str(self.info.get("status", "")),
            turn_passed=tuple(self.turn_passed),
            env_seconds=self.env_seconds,
        )


class RolloutEngine:
    """Runs groups of episodes through injected environments and a generation backend."""

    def __init__(
        self,
        *,
        env_factory: EnvFactory | Callable[[], Any],
        generator: Generator,
        tokenizer: Any,
        settings: RolloutSettings,
    ) -> None:
        self.env_factory = env_factory
        self.generator = generator
        self.settings = settings
        self.renderer = ChatRenderer(tokenizer, system_prompt=settings.system_prompt)
        self._envs: list[TextEnv] = []
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, settings.env_workers), thread_name_prefix="env"
        )

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        for env in self._envs:
            env.close()
        self._envs.clear()

    def _env(self, i: int) -> tuple[TextEnv, int | None]:
        seed = None
        while len(self._envs) <= i:
            self._envs.append(self.env_factory())
            seed = self.settings.seed + len(self._envs) - 1
        return self._envs[i], seed

    # -- one batch --------------------------------------------------------------------------

    def collect(
        self, tasks: Sequence[Any], *, group_offset: int = 0
    ) -> tuple[list[Trajectory], RolloutStats]:
        """G trajectories per task, ordered task by task; `group` numbers start at `group_offset`."""
        start = time.perf_counter()
        g = self.settings.group_size
        episodes = []
        for i, task in enumerate(tasks):
            for j in range(g):
                env, seed = self._env(i * g + j)
                episodes.append(
                    _Episode(index=i * g + j, group=group_offset + i, task=task, env=env, seed=seed)
                )
        self._gen_s = self._wait_s = 0.0
        self._tokens = self._calls = 0

        resets = list(self._pool.map(lambda e: self._reset(e), episodes))
        for episode, (obs, _info) in zip(episodes, resets, strict=True):
            episode.messages, prompt = self.renderer.first_prompt(str(obs))
            episode.extend(prompt, policy=False)

        ready = list(episodes)
        pending: dict[Future[SteppedBatch], list[_Episode]] = {}  # a chunk's step, in flight
        while ready or pending:
            ready = [e for e in ready if self._fits(e)]
            if ready and (not pending or not self.settings.overlap or self._enough(ready, pending)):
                size = self.settings.generation_batch_size or len(ready)
                chunk, ready = ready[:size], ready[size:]
                actions = self._act(chunk)
                # the chunk's sandbox requests go out together (envs.vector.step_many)
                pending[self._pool.submit(step_many, [e.env for e in chunk], actions)] = chunk
                if self.settings.overlap and ready:
                    continue  # generate the next chunk while this one's step runs
            if not pending:
                continue
            waited = time.perf_counter()
            done, _ = wait(
                pending, return_when=FIRST_COMPLETED if self.settings.overlap else "ALL_COMPLETED"
            )
            self._wait_s += time.perf_counter() - waited
            for future in sorted(done, key=lambda f: pending[f][0].index):
                chunk = pending.pop(future)
                try:
                    batch = future.result()
                except Exception as exc:  # the batch itself broke, not one environment
                    raise RolloutError(
                        f"env.step failed: {exc}", task_id=task_id_of(chunk[0].task)
                    ) from exc
                share = batch.sandbox_s / len(chunk)
                for episode, outcome in zip(chunk, batch.outcomes, strict=True):
                    if self._after_step(episode, outcome, share):
                        ready.append(episode)
            ready.sort(key=lambda e: e.index)

        stats = RolloutStats(
            wall_seconds=time.perf_counter() - start,
            generation_seconds=self._gen_s,
            env_seconds=sum(e.env_seconds for e in episodes),
            env_wait_seconds=self._wait_s,
            generated_tokens=self._tokens,
            generation_calls=self._calls,
        )
        return [e.to_trajectory() for e in episodes], stats

    def _reset(self, episode: _Episode) -> tuple[Any, dict[str, Any]]:
        try:
            return episode.env.reset(seed=episode.seed, options={"task": episode.task})
        except Exception as exc:
            raise RolloutError(
                f"env.reset failed: {exc}", task_id=task_id_of(episode.task)
            ) from exc

    def _enough(
        self, ready: list[_Episode], pending: dict[Future[SteppedBatch], list[_Episode]]
    ) -> bool:
        """Enough episodes are back to generate for: half of those still in play."""
        stepping = sum(len(chunk) for chunk in pending.values())
        return len(ready) * 2 >= len(ready) + stepping

    def _fits(self, episode: _Episode) -> bool:
        """False (and the episode is closed as truncated) when the next turn cannot fit."""
        if len(episode.ids) + self.settings.sampling.max_new_tokens <= self.settings.max_seq_len:
            return True
        episode.truncated = True
        return False

    def _act(self, chunk: list[_Episode]) -> list[str]:
        """Generate one turn for each episode of `chunk`, splice it in, return the actions."""
        began = time.perf_counter()
        prompts = [e.ids for e in chunk]
        if self.settings.seeded_streams:
            seeds = [self._stream_seed(e) for e in chunk]
            completions = self.generator.generate(prompts, self.settings.sampling, seeds)
        else:
            completions = self.generator.generate(prompts, self.settings.sampling)
        self._gen_s += time.perf_counter() - began
        self._calls += 1
        actions = []
        for episode, completion in zip(chunk, completions, strict=True):
            actions.append(self._splice(episode, completion))
        return actions

    def _stream_seed(self, episode: _Episode) -> int:
        """The seed of `episode`'s next turn (`RolloutSettings.seeded_streams`)."""
        sample = episode.index % self.settings.group_size  # its place in the task's group
        key = f"{self.settings.seed}\0{task_id_of(episode.task)}\0{sample}\0{episode.turns}"
        return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")

    def _splice(self, episode: _Episode, completion: Completion) -> str:
        ids = list(completion.token_ids)
        self._tokens += len(ids)
        if completion.logprobs is None:
            episode.has_logprobs = False
        episode.extend(ids, policy=True, logprobs=completion.logprobs)
        episode.extend(
            self.renderer.close_assistant(ids, stop_token_id=completion.stop_token_id), policy=False
        )
        body = ids[:-1] if completion.stop_token_id is not None else ids
        action = self.renderer.reply_text(body)
        episode.messages.append(Message("assistant", action))
        return action

    def _after_step(
        self, episode: _Episode, outcome: Transition | BaseException | None, seconds: float
    ) -> bool:
        """Record a finished step; True when the episode needs another turn."""
        task_id = task_id_of(episode.task)
        if isinstance(outcome, SandboxInfraError):
            episode.info = {"status": INFRA_ERROR, "message": str(outcome)}
            return False
        if isinstance(outcome, BaseException):
            raise RolloutError(f"env.step failed: {outcome}", task_id=task_id) from outcome
        assert outcome is not None  # every episode of a chunk had an action
        obs, reward, terminated, truncated, info = outcome.as_tuple()
        if str(info.get("status", "")) == INFRA_ERROR:
            episode.info = {**info, "status": INFRA_ERROR}
            return False
        episode.turns += 1
        episode.reward += float(reward)
        episode.info = dict(info)
        total = int(info.get("tests_total", 0) or 0)
        episode.turn_passed.append(total > 0 and int(info.get("tests_passed", 0) or 0) == total)
        episode.env_seconds += seconds
        episode.terminated, episode.truncated = bool(terminated), bool(truncated)
        if terminated or truncated:
            return False
        if episode.turns >= self.settings.max_turns:
            episode.truncated = True
            return False
        episode.extend(self.renderer.next_prompt(episode.messages, str(obs)), policy=False)
        episode.messages.append(Message("user", str(obs)))
        return True
