"""Plain-data codec for values crossing the sandbox boundary (stdlib only; runs in the sandbox).

Values travel as JSON. Lists and scalars (None, bool, int of any size, float with nan/inf, str)
are themselves; other builtins are one-key objects: ``{"$t": [...]}`` tuple, ``{"$s": [...]}``
set, ``{"$f": [...]}`` frozenset, ``{"$d": [[k, v], ...]}`` dict, ``{"$b": "<base64>"}`` bytes,
``{"$ba": "<base64>"}`` bytearray, ``{"$c": [re, im]}`` complex.

Subclasses of builtins are sent as the builtin (a ``str`` subclass with a rigged ``__eq__``
arrives as a plain ``str``); any other object cannot cross. `decode` builds builtins only, so
nothing the candidate sends can run code in the process that decodes it.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

MAX_DEPTH = 200


class CodecError(ValueError):
    pass


def encode(value: Any, _depth: int = 0) -> Any:
    if _depth > MAX_DEPTH:
        raise CodecError("value is nested too deeply to leave the sandbox")
    if value is None or value is True or value is False:
        return value
    # Exact-type checks first: the common case, and immune to subclass tricks.
    t = type(value)
    if t is int or t is float or t is str:
        return value
    if t is list:
        return [encode(v, _depth + 1) for v in value]
    if isinstance(value, bool):  # a bool subclass cannot exist; kept for clarity
        return bool(value)
    if isinstance(value, int):
        return int.__index__(value)
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, tuple):
        return {"$t": [encode(v, _depth + 1) for v in tuple.__iter__(value)]}
    if isinstance(value, list):
        return [encode(v, _depth + 1) for v in list.__iter__(value)]
    if isinstance(value, dict):
        return {
            "$d": [[encode(k, _depth + 1), encode(v, _depth + 1)] for k, v in dict.items(value)]
        }
    if isinstance(value, frozenset):
        return {"$f": [encode(v, _depth + 1) for v in frozenset.__iter__(value)]}
    if isinstance(value, set):
        return {"$s": [encode(v, _depth + 1) for v in set.__iter__(value)]}
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, bytearray):
        return {"$ba": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, complex):
        return {"$c": [complex.__complex__(value).real, complex.__complex__(value).imag]}
    raise CodecError(
        f"a {t.__name__} object cannot leave the sandbox: only None, bool, int, float, complex, "
        "str, bytes, bytearray, list, tuple, dict, set and frozenset can"
    )


def decode(data: Any, _depth: int = 0) -> Any:
    if _depth > MAX_DEPTH:
        raise CodecError("value is nested too deeply")
    t = type(data)
    if data is None or t is bool or t is int or t is float or t is str:
        return data
    if t is list:
        return [decode(v, _depth + 1) for v in data]
    if t is dict and len(data) == 1:
        ((tag, body),) = data.items()
        if tag == "$t" and type(body) is list:
            return tuple(decode(v, _depth + 1) for v in body)
        if tag == "$d" and type(body) is list:
            out = {}
            for pair in body:
                if type(pair) is not list or len(pair) != 2:
                    raise CodecError("malformed dict entry")
                out[decode(pair[0], _depth + 1)] = decode(pair[1], _depth + 1)
            return out
        if tag == "$s" and type(body) is list:
            return {decode(v, _depth + 1) for v in body}
        if tag == "$f" and type(body) is list:
            return frozenset(decode(v, _depth + 1) for v in body)
        if tag == "$b" and type(body) is str:
            return base64.b64decode(body.encode("ascii"), validate=True)
        if tag == "$ba" and type(body) is str:
            return bytearray(base64.b64decode(body.encode("ascii"), validate=True))
        if tag == "$c" and type(body) is list and len(body) == 2:
            re, im = body
            if type(re) in (int, float) and type(im) in (int, float):
                return complex(re, im)
    raise CodecError(f"cannot decode {t.__name__} value")


def dumps(value: Any) -> bytes:
    return json.dumps(encode(value), separators=(",", ":")).encode()


def loads(data: bytes | str) -> Any:
    try:
        return decode(json.loads(data))
    except (RecursionError, TypeError) as exc:  # unhashable set member, dict key, ...
        raise CodecError(f"malformed value: {exc}") from None


def strict_equal(got: Any, expected: Any, tol: float | None = None) -> bool:
    """Equality that also demands the same types all the way down (``1 != 1.0 != True``,
    ``[1] != (1,)``). Floats (and complex parts) compare within `tol`, absolute or relative,
    when given; nan equals nan, since an expected nan is a deliberate answer."""
    t = type(got)
    if t is not type(expected):
        return False
    if t is float:
        if got == expected or (math.isnan(got) and math.isnan(expected)):
            return True
        return tol is not None and math.isclose(got, expected, rel_tol=tol, abs_tol=tol)
    if t is complex:
        return strict_equal(got.real, expected.real, tol) and strict_equal(
            got.imag, expected.imag, tol
        )
    if t is list or t is tuple:
        return len(got) == len(expected) and all(
            strict_equal(g, e, tol) for g, e in zip(got, expected, strict=False)
        )
    if t is dict:
        if len(got) != len(expected):
            return False
        keys = _strict_match(got, expected)
        return keys is not None and all(
            strict_equal(got[g], expected[e], tol) for g, e in keys.items()
        )
    if t is set or t is frozenset:
        return len(got) == len(expected) and _strict_match(got, expected) is not None
    return bool(got == expected)


def _strict_match(got: Any, expected: Any) -> dict[Any, Any] | None:
    """Pair each element (or key) of `expected` with the one of `got` that is strictly equal
    to it, or None if some has no partner. A hash lookup finds the candidate (``1.0``, ``True``
    and ``1+0j`` all find ``1``), `strict_equal` then demands the same type all the way down;
    a nan, which no lookup finds, is looked for among the elements left. Elements of a set
    are unequal to one another, so each has at most one partner."""
    index = {g: g for g in got}
    pairs: dict[Any, Any] = {}
    unmatched = []
    for e in expected:
        g = index.get(e, _MISSING)
        if g is not _MISSING and strict_equal(g, e):
            pairs[g] = e
        else:
            unmatched.append(e)
    if unmatched:
        rest = [g for g in got if g not in pairs]
        for e in unmatched:
            g = next((g for g in rest if strict_equal(g, e)), _MISSING)
            if g is _MISSING:
                return None
            rest.remove(g)
            pairs[g] = e
    return pairs


_MISSING = object()


def short_repr(value: Any, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 15] + f"... ({len(text)} chars)"
