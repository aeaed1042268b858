"""Reward: a weighted sum of measured parts, paid as the change in the solution's score.

Each graded attempt gets a `Grade` (did it compile, what share of hidden tests passed, did all
pass). Its *score* is

    S = w_all_pass * all_pass + w_hidden_fraction * hidden_fraction + w_compile * compiled

and the reward of a step is the change of score plus the step's costs (potential-based shaping,
Ng, Harada & Russell 1999, with gamma = 1)::

    r_t = S(grade_t) - S(grade_{t-1}) - turn_cost - format_penalty * [action unparseable]

with S = 0 before the first attempt. A step that grades nothing (an unparseable action, a tool
call that only reads a file) leaves the grade as it was. Summed over an episode the rewards
telescope to ``S(final solution) - costs``: the return is the score of the code the agent ends
with, whichever turn it is read at, so a rollout cut short (token budget, context length) still
has the right return, and a per-turn learner sees which turn improved the code.

`info["reward_components"]` holds the weighted terms of ``r_t`` (they sum to the reward).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sandbox.base import ExecResult, Status

__all__ = ["Grade", "RewardComponents", "RewardConfig", "step_reward"]


@dataclass(frozen=True)
class RewardConfig:
    """Weights of the reward's parts. Defaults: score 1.0 for a full solution, in [0, 1].

    Why these defaults: the all-pass bonus dominates (0.6) because only a fully correct program
    is useful; partial credit (0.3 * share of hidden tests) gives GRPO groups in which no sample
    solves the task a gradient toward the ones that solve more cases; a small compile bonus (0.1)
    separates "runs but wrong" from "does not run", which matters most early in training of small
    models. The partial-credit weight is half the all-pass bonus so that passing 9 of 10 tests
    is worth far less than passing all 10 (0.37 vs 1.0): near-misses are not a resting place. The turn cost is off by
    default: it trades correctness for brevity and, in Repo-v0, taxes reading before editing;
    0.01-0.02 makes Function-v0 and Stdio-v0 prefer first-try solutions.
    """

    all_pass: float = 0.6
    """Paid once when every hidden test passes."""
    hidden_fraction: float = 0.3
    """Times the share of hidden tests passed (partial credit)."""
    compile: float = 0.1
    """Paid when the program compiles (Python: parses and imports; C++: g++ succeeds)."""
    format_penalty: float = 0.1
    """Subtracted for each action from which no program or tool call could be parsed."""
    turn_cost: float = 0.0
    """Subtracted on every step."""

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not isinstance(value, int | float) or value != value:
                raise ValueError(f"RewardConfig.{name} must be a number, got {value!r}")
        for name in ("format_penalty", "turn_cost"):
            if getattr(self, name) < 0:
                raise ValueError(
                    f"RewardConfig.{name} is subtracted, so it must be >= 0; "
                    f"got {getattr(self, name)!r}"
                )

    def score(self, grade: Grade) -> float:
        """S(grade): the worth of a solution, before costs."""
        return (
            self.all_pass * float(grade.all_pass)
            + self.hidden_fraction * grade.hidden_fraction
            + self.compile * float(grade.compiled)
        )


@dataclass(frozen=True)
class Grade:
    """What the hidden tests measured on one solution (unweighted)."""

    compiled: bool = False
    hidden_fraction: float = 0.0
    all_pass: bool = False

    @classmethod
    def of(cls, result: ExecResult) -> Grade:
        """The grade of a hidden-test result. `ExecResult.passed` already requires that the
        number of recorded tests equals the number expected, so a run that stops early (an exit
        at import, a crash between tests) cannot count as a pass."""
        return cls(
            compiled=result.status is not Status.COMPILE_ERROR,
            hidden_fraction=result.fraction,
            all_pass=result.passed,
        )


NO_GRADE = Grade()


@dataclass(frozen=True)
class RewardComponents:
    """The weighted terms of one step's reward; `total` is the reward."""

    all_pass: float = 0.0
    hidden_fraction: float = 0.0
    compile: float = 0.0
    format: float = 0.0
    turn_cost: float = 0.0

    @property
    def total(self) -> float:
        return self.all_pass + self.hidden_fraction + self.compile + self.format + self.turn_cost

    def as_dict(self) -> dict[str, float]:
        """A fresh dict (callers may keep or change it)."""
        return asdict(self)


def step_reward(
    config: RewardConfig, *, previous: Grade, current: Grade, format_ok: bool
) -> RewardComponents:
    """The terms of ``r_t = S(current) - S(previous) - turn_cost - format_penalty * [bad]``.

    Pass ``current=previous`` for a step that graded nothing.
    """
    return RewardComponents(
        all_pass=config.all_pass * (float(current.all_pass) - float(previous.all_pass)),
        hidden_fraction=config.hidden_fraction
        * (current.hidden_fraction - previous.hidden_fraction),
        compile=config.compile * (float(current.compiled) - float(previous.compiled)),
        format=0.0 if format_ok else -config.format_penalty,
        turn_cost=0.0 - config.turn_cost,  # 0.0, not -0.0, when the cost is off
    )
