"""A `.env` file as Kustomize v5.8.1 (kubectl 1.37) reads it for a secretGenerator's `envs:`
(`api/kv/kv.go`, read to learn, not copied), and where that differs from compose's reading.

Kustomize reads one line at a time (Go's bufio.Scanner: a trailing `\\r` goes; a line of 64 KiB
or more ends the file silently), drops leading blanks, skips empty and `#` lines, and splits at
the first `=`: the key is everything before it and the value everything after, as written —
quotes, ` # comments`, `$VAR`, `export `, blanks around `=`. A line without `=` is a key with an
empty value; a repeated key is an error. hsmc refuses every line where this differs from what
compose reads (tests/test_envfile_kustomize.py proves each with the real kubectl), so that the
cluster's Secret holds the values compose would give.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple

from hsmc.parse.dotenv_compose import _GO_SPACE, Assignment, ComposeReading

# bufio.MaxScanTokenSize: a line this long or longer (in bytes, without its newline) stops
# Kustomize's scanner, and kv.go does not look at the scanner's error
SCANNER_LIMIT = 64 * 1024


# Names that YAML reads as a boolean or null; a name starting with a digit, `.`, `+` or `-` may
# read as a number. Kustomize writes the Secret's data keys unquoted, reads them back as such,
# and stops: "json: unsupported type" (measured with kubectl 1.37.1).
_NOT_STRINGS = frozenset(
    ("true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL", "~")
)


class Pair(NamedTuple):
    key: str
    value: str
    line: int  # 1-based


class Difference(NamedTuple):
    offset: int  # where in the text the difference starts
    name: str  # the variable, as compose reads it ("" when compose reads no name there)
    reason: str
    value_at: int  # where the value starts (what a snippet hides), -1 when there is none


def read_kustomize(text: str) -> list[Pair]:
    """The key/value pairs Kustomize reads from `text` (a BOM already removed)."""
    pairs = []
    for number, line in enumerate(text.split("\n"), start=1):
        if _too_long(line):
            break
        line = line.removesuffix("\r")
        start = 0
        while start < len(line) and line[start] in _GO_SPACE:
            start += 1
        line = line[start:]
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        if key:  # kv.go skips a line with an empty key, as it skips comments
            pairs.append(Pair(key, value, number))
    return pairs


def differences(
    text: str, reading: ComposeReading, line_of: Callable[[int], int]
) -> Iterator[Difference]:
    """Every statement Kustomize reads differently from compose (compose having read the file
    with an empty environment: a cluster has none), in file order."""
    pairs = read_kustomize(text)
    by_line = {p.line: p for p in pairs}
    long_at = _long_line(text)
    covered: set[int] = set()
    seen: set[str] = set()
    for a in reading.assignments:
        if long_at is not None and a.start >= long_at:
            break  # Kustomize reads nothing from there on: said once, below
        first, last = line_of(a.start), line_of(max(a.start, a.end - 1))
        covered.update(range(first, last + 1))
        pair = by_line.get(first)
        if a.key in seen:
            yield _at(text, a, a.start, "it is set twice, which Kustomize refuses")
        elif a.key in _NOT_STRINGS or a.key[:1] in tuple("0123456789.+-"):
            why = "Kustomize writes the name as a YAML key that is not a string, and fails"
            yield _at(text, a, a.start, why)
        elif first != last:
            yield _at(text, a, a.start, "its value spans lines; Kustomize reads each line alone")
        elif pair is None or (pair.key, pair.value) != (a.key, a.value):
            yield _explained(text, a)
        seen.add(a.key)
    for pair in pairs:
        if pair.line not in covered:  # not expected: compose starts a statement on every line
            at = _line_start(text, pair.line)
            yield Difference(at, "", "Kustomize reads a variable here, compose none", at)
    if long_at is not None:
        why = "a line of 64 KiB or more silently ends Kustomize's reading"
        yield Difference(long_at, "", why, long_at)


def _too_long(line: str) -> bool:
    return len(line.encode("utf-8", "surrogatepass")) >= SCANNER_LIMIT


def _long_line(text: str) -> int | None:
    """The offset of the first line Kustomize's scanner stops at, if any."""
    at = 0
    for line in text.split("\n"):
        if _too_long(line):
            return at
        at += len(line) + 1
    return None


def _line_start(text: str, line: int) -> int:
    at = 0
    for _ in range(line - 1):
        at = text.index("\n", at) + 1
    return at


def _at(text: str, a: Assignment, offset: int, reason: str) -> Difference:
    bare = a.separator < 0 or text[a.separator] == "\n"
    return Difference(offset, a.key, reason, -1 if bare else a.separator + 1)


def _explained(text: str, a: Assignment) -> Difference:
    """Why Kustomize's pair on this line differs, pointing at the first cause (a cause inside
    the value points at the value's start: the value itself is never shown)."""
    if a.separator < 0 or text[a.separator] == "\n":
        why = "it has no `=`: Kustomize sets an empty value, compose takes the environment's"
        return _at(text, a, a.start, why)
    if text.startswith("export", a.start):
        return _at(text, a, a.start, "Kustomize reads `export` as part of the name")
    if text[a.separator] == ":":
        return _at(text, a, a.separator, "Kustomize reads only `NAME=value`, not `NAME: value`")
    value_at = a.separator + 1
    line_end = text.find("\n", value_at)
    raw = text[value_at : len(text) if line_end < 0 else line_end].removesuffix("\r")
    key_text = text[a.start : a.separator]
    if key_text != key_text.rstrip() or raw[:1].isspace():
        return _at(text, a, a.start, "Kustomize keeps the blanks around `=`")
    causes = (
        (raw[:1] in ("'", '"'), "Kustomize keeps the quotes as part of the value"),
        (" #" in raw, "Kustomize keeps ` #…` as part of the value"),
        ("$" in raw, "Kustomize does not expand `$` (write the value itself)"),
        (raw != raw.rstrip(), "Kustomize keeps trailing blanks"),
    )
    why = next((why for applies, why in causes if applies), "")
    return _at(text, a, value_at, why or "Kustomize reads this line differently from compose")
