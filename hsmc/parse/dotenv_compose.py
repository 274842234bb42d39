"""A `.env` file as Docker Compose v2.40.3 reads it: its dotenv parser (compose-go v2.9.1,
`dotenv/parser.go`, `godotenv.go`, `env.go`) and the `${…}` substitution it applies to values
(`template/template.go`), ported from reading that source, quirks included, so that
`hsmc check --env-file` judges the values compose will use. tests/test_envfile_compose.py holds
each difference from a naive reader against the real binary.

What compose does, in short: a UTF-8 BOM is dropped; `export ` before a key is dropped; a key
ends at `=`, `:` (`KEY: value`) or the end of its line (a bare `KEY` takes its value from the
environment); an unquoted value ends at its line, a ` #` starts a comment, trailing blanks go;
a single-quoted value is raw; a double-quoted one may span lines and takes `\\n`-like escapes;
unquoted and double-quoted values expand `$VAR`, `${VAR}` and `${VAR:-…}`-like forms, looking
names up first in the process environment, then in the lines read so far. A key set in the
process environment keeps that value (compose merges the file under the environment).

The text is walked by index (never sliced from a position to the end): a 1 MiB file stays
linear. Errors carry the offset where compose stops; never a value.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Mapping
from typing import NamedTuple

# Go's unicode.IsSpace: ASCII blanks, NEL, NBSP and the Unicode White_Space characters (Python's
# str.isspace() also takes U+001C-U+001F, which Go does not).
_GO_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)
# the parser's own isSpace: blanks that do not end a line
_BLANK = frozenset("\t\v\f\r \x85\xa0")
_EXPORT = re.compile(r"export[\t\n\f\r ]+")  # Go's \s: no \v
_ESCAPE = re.compile(r"\\(?:[abcfnrtv$\"\\]|0[0-9]{0,3})")
_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    '"': '"',
}
# template.go's pattern. Go's (?i)[_a-z] also takes U+017F and U+212A (their case folds are s
# and k); Python's re.I would add U+0130 and U+0131 too, so the class is spelled out instead.
_NAME = "[_A-Za-z\u017f\u212a][_A-Za-z0-9\u017f\u212a]*"
_PATTERN = re.compile(
    rf"\$(?:(?P<escaped>\$)|(?P<named>{_NAME})|\{{(?:(?P<braced>{_NAME}(?::?[-+?](.*))?)\}}"
    r"|(?P<invalid>)))"
)
_OPERATORS = (":?", "?", ":-", "-", ":+", "+")
_NAME_RE = re.compile(_NAME)
_BRACES = re.compile(r"\{.?|\}", re.S)

# hsmc's limits, far above any real .env (a few references, nested once): compose has none, and
# without them a small file could make hsmc build gigabytes (`B=$A$A`, doubling per line), scan
# one line once per reference (quadratic), or recurse past Python's stack.
MAX_DOLLARS = 1000  # `$` characters in the file
# a reference is matched up to the end of its line, whose braces are then counted: per line,
# its `$` times (its length / 64 + its braces) is bounded (measured: at the bound, about 1 s)
MAX_LINE_WORK = 4 * 1024 * 1024
MAX_DEPTH = 32  # references nested in defaults
MAX_EXPANSION = 4 * 1024 * 1024  # characters that references insert, in all

Lookup = Callable[[str], str | None]


class ComposeEnvError(Exception):
    """Compose refuses the file: `offset` is where it stops, `problem` says why (no value)."""

    def __init__(self, offset: int, problem: str) -> None:
        super().__init__(problem)
        self.offset = offset
        self.problem = problem


class TooLarge(Exception):
    """The file is past one of hsmc's limits: `offset` is where, `problem` which."""

    def __init__(self, offset: int, problem: str) -> None:
        super().__init__(problem)
        self.offset = offset
        self.problem = problem


class Assignment(NamedTuple):
    key: str
    value: str | None  # None: a bare `KEY` that nothing sets (compose then leaves KEY unset)
    start: int  # offset of the statement (after `export`)
    end: int  # offset just past the value
    separator: int  # offset of the `=`, `:` or newline that ends the key; -1 at the file's end


class ComposeReading(NamedTuple):
    assignments: tuple[Assignment, ...]  # in file order, repeated keys included
    values: dict[str, str]  # the file's values, later lines winning (before the environment)


def read_compose(text: str, environ: Mapping[str, str]) -> ComposeReading:
    """The assignments and values compose reads from `text` (a BOM already removed), `environ`
    being the process environment it looks names up in first. Raises ComposeEnvError, and
    TooLarge past hsmc's limits."""
    _check_work(text)
    values: dict[str, str] = {}
    spent, at = 0, 0

    def lookup(name: str) -> str | None:
        nonlocal spent
        value = environ[name] if name in environ else values.get(name)
        spent += len(value or "")
        if spent > MAX_EXPANSION:
            raise TooLarge(at, "references that expand to more than 4 MiB")
        return value

    found: list[Assignment] = []
    size = len(text)
    while (at := _statement_start(text, at)) < size:
        key, separator, after = _key(text, at)
        if " " in key:
            raise ComposeEnvError(at, "a key cannot contain a space")
        if separator >= 0 and text[separator] == "\n":  # a bare KEY: from the environment
            inherited = lookup(key)
            if inherited is not None:
                values[key] = inherited
            found.append(Assignment(key, inherited, at, separator, separator))
            at = after
            continue
        value, end = _value(text, after, lookup)
        values[key] = value
        found.append(Assignment(key, value, at, end, separator))
        at = end
    return ComposeReading(tuple(found), values)


def _check_work(text: str) -> None:
    """Refuses, before any work, a file whose references would take long to expand."""
    if text.count("$") > MAX_DOLLARS:
        at = -1
        for _ in range(MAX_DOLLARS + 1):
            at = text.index("$", at + 1)
        raise TooLarge(at, f"more than {MAX_DOLLARS} `$`")
    at = 0
    for line in text.split("\n"):
        dollars = line.count("$")
        if dollars and dollars * (len(line) // 64 + line.count("{") + line.count("}")) > (
            MAX_LINE_WORK
        ):
            raise TooLarge(at, "a line too long for the references on it")
        at += len(line) + 1


def line_of(text: str) -> Callable[[int], int]:
    """offset → 1-based line number, in O(log n) after one pass over the text."""
    breaks = [i for i, c in enumerate(text) if c == "\n"]
    return lambda offset: bisect_right(breaks, offset - 1) + 1


def _statement_start(text: str, at: int) -> int:
    """The next statement: past blanks, newlines and `#` comment lines."""
    size = len(text)
    while True:
        while at < size and text[at] in _GO_SPACE:
            at += 1
        if at >= size or text[at] != "#":
            return at
        newline = text.find("\n", at)
        if newline < 0:
            return size
        at = newline


def _key(text: str, at: int) -> tuple[str, int, int]:
    """(key, offset of what ended it or -1, offset where the value starts)."""
    size = len(text)
    export = _EXPORT.match(text, at)
    if export:
        at += len("export")
        while at < size and text[at] in _BLANK:
            at += 1
    if at >= size:
        raise ComposeEnvError(at, "a statement is empty")
    for i in range(at, size):
        c = text[i]
        if c in _BLANK or c in "_.-[]":
            continue
        if c in "=:\n":
            key, separator, start = text[at:i], i, i + 1
            break
        if unicodedata.category(c)[0] not in "LN":
            raise ComposeEnvError(i, "a key holds a character compose does not take")
    else:  # the file ends inside the key: compose reads it as the value of an empty key
        key, separator, start = "", -1, at
    while start < size and text[start] in _BLANK:
        start += 1
    return _rstrip(key), separator, start


def _value(text: str, at: int, lookup: Lookup) -> tuple[str, int]:
    """(the value, the offset after it)."""
    quote = text[at] if at < len(text) else ""
    if quote not in ("'", '"'):
        newline = text.find("\n", at)
        end = len(text) if newline < 0 else newline
        raw = _rstrip(text[at:end].split(" #", 1)[0])
        return substitute(raw, lookup, at), min(end + 1, len(text))
    chars: list[str] = []
    escaped = False
    for i in range(at + 1, len(text)):
        c = text[i]
        if c != quote:
            if not escaped and c == "\\":
                escaped = True
                continue
            if escaped:
                escaped = False
                chars.append("\\")
            chars.append(c)
            continue
        if escaped:  # \" inside "…", \' inside '…'
            escaped = False
            chars.append(c)
            continue
        value = "".join(chars)
        if quote == '"':
            value = substitute(_expand_escapes(value), lookup, at)
        return value, i + 1
    raise ComposeEnvError(at, "a quoted value is not closed")


def _rstrip(s: str) -> str:
    end = len(s)
    while end and s[end - 1] in _GO_SPACE:
        end -= 1
    return s[:end]


def _expand_escapes(s: str) -> str:
    def one(match: re.Match[str]) -> str:
        escape = match.group()
        if escape == "\\$":
            return "$$"  # a literal `$` for the substitution that follows
        if escape.startswith("\\0"):
            # `\0123` is the octal escape `\123`; Go takes exactly three octal digits up to
            # 255 and leaves anything else as written
            digits = escape[2:]
            if len(digits) == 3 and set(digits) <= set("01234567") and int(digits, 8) <= 255:
                return chr(int(digits, 8))
            return escape
        return _SIMPLE_ESCAPES.get(escape[1], escape)  # `\c` is matched, and left as is

    return _ESCAPE.sub(one, s)


def substitute(template: str, lookup: Lookup, at: int = 0, depth: int = 0) -> str:
    """`${…}` and `$NAME` replaced as compose-go's template.Substitute does. `at` is the offset
    errors report.

    template.go matches `${NAME:-…}` greedily up to the last `}` of the line, cuts the match at
    the brace that closes the reference, and substitutes the rest of the match as a template of
    its own: the same as going on from the cut, which this loop does (recursing would overflow
    Python's stack on a line of many references)."""
    if depth > MAX_DEPTH:
        raise TooLarge(at, f"references nested more than {MAX_DEPTH} deep")
    out: list[str] = []
    pos = 0
    while (match := _PATTERN.search(template, pos)) is not None:
        value, resume = _replacement(match, lookup, at, depth)
        out += (template[pos : match.start()], value)
        pos = resume
    out.append(template[pos:])
    return "".join(out)


def _replacement(match: re.Match[str], lookup: Lookup, at: int, depth: int) -> tuple[str, int]:
    """(what replaces the reference `match` starts with, where the scan goes on)."""
    substring = match.group()
    operator = _first_operator(substring)
    close = _first_closing_brace(substring)
    end = match.end()
    if close > -1:
        substring, end = substring[: close + 1], match.start() + close + 1
    cut = _PATTERN.match(substring)
    assert cut is not None  # the cut keeps `${name` … `}`, which the pattern takes
    if cut.group("escaped"):
        return "$", end
    name, braced = cut.group("named"), False
    if not name:
        name, braced = cut.group("braced"), True
    if not name:
        raise ComposeEnvError(at, "a `${` is not a valid reference")
    if braced and operator is not None and operator in name:
        return _apply(name, operator, lookup, at, depth), end
    # not applied: template.go drops what follows the cut (nothing, for `${NAME}` and `$NAME`)
    return lookup(name) or "", match.end()


def _first_operator(substring: str) -> str | None:
    """The operator written first in the match (template.go sorts them by position). In a
    `${NAME…` match it stands right after the name, if anywhere: only that much is searched."""
    name = _NAME_RE.match(substring, 2) if substring.startswith("${") else None
    window = substring[: name.end() + 2] if name else ""
    placed = [(window.find(op), op) for op in _OPERATORS if op in window]
    return min(placed)[1] if placed else None


def _first_closing_brace(s: str) -> int:
    """template.go's getFirstBraceClosingIndex, including its skip of the character after each
    `{`; it jumps from brace to brace."""
    depth = 0
    for brace in _BRACES.finditer(s):
        if brace.group() == "}":
            depth -= 1
            if depth == 0:
                return brace.start()
        else:  # `{` and the character after it, which Go skips
            depth += 1
    return -1


def _apply(inner: str, operator: str, lookup: Lookup, at: int, depth: int) -> str:
    name, argument = inner.split(operator, 1)
    # v2.9.1 substitutes the default (or message) before it looks the name up: an error in it
    # stops compose even when it is not used (compose-go made this lazy in 2026, ddb94f1)
    argument = substitute(argument, lookup, at, depth + 1)
    value = lookup(name)
    if operator in (":?", "?"):
        if value is None or (operator == ":?" and value == ""):
            raise ComposeEnvError(at, f"`${{{name}{operator}…}}` needs {name} to be set")
        return value
    if operator in (":-", "-"):
        if value is None or (operator == ":-" and value == ""):
            return argument
        return value
    if value is not None and (operator == "+" or value != ""):  # `:+` and `+`
        return argument
    return value or ""
