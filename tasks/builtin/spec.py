"""Specs of built-in tasks, the family registry, and how a spec becomes a prompt.

A *family* is a seeded generator: ``make(rng, index)`` returns one spec, and the builder calls it
`count` times with one `random.Random` per family, so every family's output depends only on the
seed and its own code. A spec holds what a task needs before any code has run:

- `FunctionSpec`: signature, docstring, a reference solution (source text) and an independent
  oracle `solve` (plain Python in the generator) that computes the expected return values. The
  build checks the reference against the oracle in a subprocess, so a typo in either fails loudly.
- `StdioSpec`: statement, I/O format, a reference program (Python or C++17) and the stdin of each
  case. Expected outputs come only from running the reference.

Splits are decided per family: every task of a family lands in the same split, so two variants
that differ only in their constants can never straddle train and test. A ``val`` family names
the training family whose skill it tests (`Family.of`): its tasks are new operations, wordings
and examples of that skill, and the build refuses any whose prompt is a near-duplicate of a
training prompt (`tasks.leakage`).
"""

from __future__ import annotations

import random
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Difficulty = Literal["easy", "medium", "hard"]
Split = Literal["train", "val", "test"]
Kind = Literal["function", "stdio"]


@dataclass(frozen=True)
class FunctionSpec:
    """One function task before its expected values are computed."""

    name: str
    params: str
    """The parameter list as written in the signature, e.g. ``"xs: list[int], k: int"``."""
    returns: str
    doc: str
    """What the function returns, in a sentence or two; the examples are appended by the prompt."""
    reference: str
    solve: Callable[..., Any]
    """Oracle for the expected values; must not mutate its arguments."""
    public: tuple[tuple[Any, ...], ...]
    hidden: tuple[tuple[Any, ...], ...]
    difficulty: Difficulty
    tags: tuple[str, ...] = ()
    float_tol: float | None = None


@dataclass(frozen=True)
class StdioSpec:
    """One stdio task before its expected outputs are computed."""

    title: str
    statement: str
    input_format: str
    output_format: str
    language: Literal["python", "cpp"]
    reference: str
    public: tuple[str, ...]
    hidden: tuple[str, ...]
    difficulty: Difficulty
    tags: tuple[str, ...] = ()
    float_tol: float | None = None


Spec = FunctionSpec | StdioSpec


@dataclass(frozen=True)
class Family:
    name: str
    kind: Kind
    split: Split
    count: int
    make: Callable[[random.Random, int], Spec] = field(repr=False)
    of: str | None = None
    """val families: the training family whose skill they test (None for train and test)."""


FAMILIES: dict[str, Family] = {}


def family(
    name: str, *, kind: Kind, split: Split, count: int, of: str | None = None
) -> Callable[[Callable[[random.Random, int], Spec]], Callable[[random.Random, int], Spec]]:
    """Register a generator as the family `name` (`count` tasks, all in `split`); a val family
    says which training family it belongs to with `of`."""
    if (split == "val") != (of is not None):
        raise ValueError(f"family {name!r}: give `of` (a training family) exactly for split val")

    def register(make: Callable[[random.Random, int], Spec]) -> Callable[..., Spec]:
        if name in FAMILIES:
            raise ValueError(f"family {name!r} is registered twice")
        FAMILIES[name] = Family(name=name, kind=kind, split=split, count=count, make=make, of=of)
        return make

    return register


# -- building specs ---------------------------------------------------------------------------


def fn(
    name: str,
    params: str,
    returns: str,
    doc: str,
    body: str,
    solve: Callable[..., Any],
    public: Iterable[Any],
    hidden: Iterable[Any],
    difficulty: Difficulty,
    tags: Sequence[str] = (),
    *,
    header: str = "",
    float_tol: float | None = None,
) -> FunctionSpec:
    """A `FunctionSpec` whose reference is ``header`` + ``def name(params) -> returns:`` + body.

    Test inputs that are not tuples are single arguments: ``public=[1, 2]`` means ``f(1)``,
    ``f(2)``.
    """
    body = textwrap.dedent(body).strip("\n")
    reference = f"{header.strip()}\n\n\n" if header.strip() else ""
    reference += f"def {name}({params}) -> {returns}:\n{textwrap.indent(body, '    ')}\n"
    return FunctionSpec(
        name=name,
        params=params,
        returns=returns,
        doc=doc,
        reference=reference,
        solve=solve,
        public=_as_args(public),
        hidden=_as_args(hidden),
        difficulty=difficulty,
        tags=tuple(tags),
        float_tol=float_tol,
    )


def _as_args(values: Iterable[Any]) -> tuple[tuple[Any, ...], ...]:
    return tuple(v if isinstance(v, tuple) else (v,) for v in values)


def signed(a: int, b: int, var: str = "x") -> str:
    """``a*var + b`` written the way a person would: ``3 * x - 4``, ``-x + 2``, ``5 * x``."""
    head = var if a == 1 else f"-{var}" if a == -1 else f"{a} * {var}"
    if b == 0:
        return head
    return f"{head} {'+' if b > 0 else '-'} {abs(b)}"


def rand_ints(rng: random.Random, n: int, lo: int = -20, hi: int = 20) -> list[int]:
    return [rng.randint(lo, hi) for _ in range(n)]


WORDS = (
    "apple banana cherry delta echo fox grape hill iron jade kite lemon moon nest olive pear "
    "quartz river stone tiger umbra violet wolf yarn zebra cloud ember frost glow honey ink"
).split()


def rand_words(rng: random.Random, n: int) -> list[str]:
    return [rng.choice(WORDS) for _ in range(n)]


# -- stdio specs ----------------------------------------------------------------------------

CPP_HEAD = "#include <bits/stdc++.h>\nusing namespace std;\n\n"
PY_HEAD = "import sys\n\n"


def pick_language(i: int) -> Literal["python", "cpp"]:
    """Even variants are Python, odd variants C++: a family's two languages get different
    constants, and neither language is starved."""
    return "python" if i % 2 == 0 else "cpp"


def stdio(
    title: str,
    statement: str,
    input_format: str,
    output_format: str,
    *,
    i: int,
    py: str,
    cpp: str,
    public: Sequence[str],
    hidden: Sequence[str],
    difficulty: Difficulty,
    tags: Sequence[str] = (),
    float_tol: float | None = None,
) -> StdioSpec:
    """A `StdioSpec` in the language `pick_language(i)`; `py` and `cpp` are the program bodies
    (the standard headers are added here)."""
    language = pick_language(i)
    source = (
        PY_HEAD + textwrap.dedent(py).strip() + "\n"
        if language == "python"
        else CPP_HEAD + textwrap.dedent(cpp).strip() + "\n"
    )
    return StdioSpec(
        title=title,
        statement=statement,
        input_format=input_format,
        output_format=output_format,
        language=language,
        reference=source,
        public=tuple(public),
        hidden=tuple(hidden),
        difficulty=difficulty,
        tags=tuple(tags),
        float_tol=float_tol,
    )


def array_input(rng: random.Random, n: int, lo: int, hi: int) -> str:
    return f"{n}\n{' '.join(str(rng.randint(lo, hi)) for _ in range(n))}\n"


ARRAY_FORMAT = (
    "The first line holds n (1 <= n <= 100000). The second line holds n integers a_1 .. a_n "
    "with |a_i| <= 10^9."
)


# -- prompts ----------------------------------------------------------------------------------


def call_repr(name: str, args: tuple[Any, ...]) -> str:
    return f"{name}({', '.join(repr(a) for a in args)})"


def function_prompt(spec: FunctionSpec, examples: Sequence[tuple[tuple[Any, ...], Any]]) -> str:
    """The prompt of a function task: one instruction line, then a ``python`` block holding the
    signature and a docstring (description + doctest examples) for the model to continue."""
    doc = textwrap.fill(spec.doc, width=88)
    lines = [f'    """{doc.splitlines()[0]}']
    lines += [f"    {line}" for line in doc.splitlines()[1:]]
    for args, expected in examples:
        lines += ["", f"    >>> {call_repr(spec.name, args)}", f"    {expected!r}"]
    lines.append('    """')
    return (
        "Write a Python function.\n\n```python\n"
        f"def {spec.name}({spec.params}) -> {spec.returns}:\n" + "\n".join(lines) + "\n```\n"
    )


_LANGUAGE_LINE = {
    "python": "Write a complete Python 3 program",
    "cpp": "Write a complete C++17 program",
}


def stdio_prompt(spec: StdioSpec, examples: Sequence[tuple[str, str]]) -> str:
    """The prompt of a stdio task: language line, statement, Input/Output sections, examples."""
    parts = [
        f"{_LANGUAGE_LINE[spec.language]} that reads standard input and writes standard output.",
        f"# {spec.title}",
        textwrap.fill(spec.statement, width=88),
        "## Input\n" + textwrap.fill(spec.input_format, width=88),
        "## Output\n" + textwrap.fill(spec.output_format, width=88),
    ]
    for i, (stdin, stdout) in enumerate(examples, start=1):
        parts.append(
            f"## Example {i}\nInput:\n```\n{stdin.rstrip()}\n```\nOutput:\n```\n{stdout.rstrip()}\n```"
        )
    return "\n\n".join(parts) + "\n"
