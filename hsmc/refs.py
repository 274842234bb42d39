"""The `${…}` reference grammar (SPEC §2.4), shared by every stage that reads references.

validate (the secret rule) and interpolate (which replaces compile-time references and keeps
run-time ones) must agree on where a reference starts and ends, at any depth of nesting: a
second, simpler grammar is how a secret once slipped past the check. This module only splits a
string into tokens; it reports nothing, so that it belongs to no stage.

Scanning is linear in the length of the string, and a reference nested deeper than MAX_DEPTH
braces is one TOO_DEEP token: callers never recurse past that depth. A build reads the same few
strings many times over (`localhost`, `${HSM.host}` in every connection, each value once in
validate and again in interpolate), so each distinct string is split once: the tokens are
immutable, and the cache is bounded.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache
from typing import NamedTuple

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
RUNTIME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])(.*))?", re.S)
COMPILE_TIME = re.compile(
    r"(?:(HSM_MERGED_PARAMS)\.([A-Za-z0-9_.-]+)"
    r"|(HSM_PARAMS)\.([A-Za-z0-9_.-]+?)(?::-(.*))?"
    r"|(HSM)\.([A-Za-z0-9_]+))",
    re.S,
)
MAX_DEPTH = 32  # braces; compose itself has no limit, a person never needs more than a few


class Kind(Enum):
    TEXT = "text"  # literal text without `$`
    DOLLAR = "$$"  # an escaped, literal `$`
    LONE = "$"  # a `$` before no name and no brace (`$5`, a trailing `$`): a literal `$`
    BARE = "$NAME"  # `$NAME` without braces
    BRACED = "${…}"  # a whole reference, nested ones inside it included
    UNTERMINATED = "${"  # `${` without its closing brace: the token runs to the end
    TOO_DEEP = "deep"  # a reference nested deeper than MAX_DEPTH braces


# Immutable records that every build creates are NamedTuples: a dataclass costs ~0.4 ms to
# define at import (it compiles generated methods) and more to build an instance.
class Token(NamedTuple):
    kind: Kind
    text: str  # exactly as written

    @property
    def inner(self) -> str:
        """What stands between `${` and the closing `}` of a BRACED token."""
        return self.text[2:-1]


# Strings up to this length are split once per process: a synthetic build of 150 packages
# splits ~7,000 strings, ~1,100 of them distinct. Longer ones (rare; a file may hold 1 MiB) are
# split every time, so the cache stays under a few MiB in a long-lived process (the tests).
CACHED_LENGTH = 256


def tokens(s: str) -> tuple[Token, ...]:
    """Splits `s` into literal text and references, left to right."""
    return _cached_tokens(s) if len(s) <= CACHED_LENGTH else _tokens(s)


@lru_cache(maxsize=4096)
def _cached_tokens(s: str) -> tuple[Token, ...]:
    return _tokens(s)


def _tokens(s: str) -> tuple[Token, ...]:
    result: list[Token] = []
    i = 0
    while i < len(s):
        dollar = s.find("$", i)
        if dollar < 0:
            result.append(Token(Kind.TEXT, s[i:]))
            break
        if dollar > i:
            result.append(Token(Kind.TEXT, s[i:dollar]))
        token = _reference(s, dollar)
        result.append(token)
        i = dollar + len(token.text)
    return tuple(result)


def _reference(s: str, at: int) -> Token:
    nxt = s[at + 1 : at + 2]
    if nxt == "$":
        return Token(Kind.DOLLAR, "$$")
    if nxt != "{":
        name = NAME.match(s, at + 1)
        return Token(Kind.BARE, s[at : name.end()]) if name else Token(Kind.LONE, "$")
    end, deepest = closing_brace(s, at + 1)
    if end < 0:
        return Token(Kind.UNTERMINATED, s[at:])
    kind = Kind.TOO_DEEP if deepest > MAX_DEPTH else Kind.BRACED
    return Token(kind, s[at : end + 1])


def closing_brace(s: str, open_at: int) -> tuple[int, int]:
    """(index of the `}` that closes the `{` at `open_at`, or -1; the deepest nesting seen)."""
    depth = deepest = 0
    for i in range(open_at, len(s)):
        if s[i] == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif s[i] == "}":
            depth -= 1
            if depth == 0:
                return i, deepest
    return -1, deepest


def runtime(inner: str) -> tuple[str, str | None, str | None] | None:
    """(name, operator, rest) of a run-time reference's inside, or None when malformed.
    The operator is `:-`, `-`, `:?`, `?` or None; `rest` is the default or the message."""
    match = RUNTIME.fullmatch(inner)
    if match is None:
        return None
    return match.group(1), match.group(2), match.group(3)


def param_keys(s: str) -> list[str]:
    """The param keys that `${HSM_PARAMS.key…}` and `${HSM_MERGED_PARAMS.key}` references in
    `s` name, in order, once each (for `hsmc explain`)."""
    keys: list[str] = []
    for token in tokens(s):
        match = COMPILE_TIME.fullmatch(token.inner) if token.kind is Kind.BRACED else None
        key = match and (match.group(2) or match.group(4))
        if key and key not in keys:
            keys.append(key)
    return keys
