"""An input file's text, spans into it, and strictyaml errors turned into diagnostics.

strictyaml is not imported here: its exceptions are read by their attributes, so that a build
whose files all come from the parse cache never imports it.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from hsmc import observe
from hsmc.errors import Diagnostic, did_you_mean, printable
from hsmc.keys import KNOWN_KEYS
from hsmc.model import Span
from hsmc.parse.tree import Node
from hsmc.record import Record, setfield


class SourceFile(Record):
    path: Path
    shown: str  # the path as diagnostics show it
    text: str
    lines: tuple[str, ...]  # of `text`

    def __init__(self, path: Path, shown: str, text: str) -> None:
        # YAML breaks lines at LF, CR and CRLF only (not at U+0085, U+2028, … as str does).
        lines = re.split(r"\r\n|\r|\n", text)
        if len(lines) > 1 and lines[-1] == "":
            lines.pop()
        setfield(self, "path", path)
        setfield(self, "shown", shown)
        setfield(self, "text", text)
        setfield(self, "lines", tuple(lines))

    @property
    def blank(self) -> bool:
        """Nothing but blank lines and comments: an empty document."""
        return all(not line.strip() or line.lstrip().startswith("#") for line in self.lines)

    def line(self, number: int) -> str:
        return self.lines[number - 1] if 0 < number <= len(self.lines) else ""

    def span(self, line: int, col: int = 1, length: int = 1) -> Span:
        """A span; a position past the end (where a parser reports the end of the file) is
        moved to the end of the last line."""
        if line > len(self.lines):
            line = max(1, len(self.lines))
            col = len(self.line(line)) + 1
        return Span(self.shown, line, col, length, self.line(line))

    def line_span(self, line: int) -> Span:
        """The whole content of a line (indentation left out)."""
        text = self.line(line)
        stripped = text.lstrip()
        return self.span(line, len(text) - len(stripped) + 1, max(1, len(stripped.rstrip())))

    def parent_line(self, line: int) -> int:
        """The nearest line above with less indentation (the key a nested block belongs to)."""
        indent = len(self.line(line)) - len(self.line(line).lstrip())
        for number in range(line - 1, 0, -1):
            text = self.line(number)
            if text.strip() and len(text) - len(text.lstrip()) < indent:
                return number
        return line

    def col_span(self, line: int, col: int) -> Span:
        return self.span(line, col, 1)

    def key_span(self, line: int, key: str) -> Span:
        at = self.line(line).find(key) if key else -1
        return self.span(line, at + 1, len(key)) if at >= 0 else self.line_span(line)

    def value_span(self, line: int, value: str) -> Span:
        """Where a scalar value stands: after `key:` or `- ` on its line."""
        text = self.line(line)
        start = _value_start(text)
        at = text.find(value, start) if value else -1
        if at < 0:
            return self.span(line, start + 1, max(1, len(text) - start))
        if (
            at > 0
            and text[at - 1] in "\"'"
            and text[at + len(value) : at + len(value) + 1] == text[at - 1]
        ):
            return self.span(line, at, len(value) + 2)  # the quoted scalar, quotes included
        return self.span(line, at + 1, max(1, len(value)))

    def node_span(self, node: Node) -> Span:
        """The span of a scalar (value or key) node, quotes included."""
        line, col = node.line, node.col
        source = self.line(line)
        length = max(1, len(node.text()) + (2 if source[col - 1 : col] in ("'", '"') else 0))
        if not 0 < line <= len(self.lines):
            return self.span(line, col, length)  # past the end: moved to the last line's end
        # made here rather than by span(): the parse stage makes one for every key and value
        return Span(self.shown, line, col, length, source)

    def inner_span(self, span: Span, fragment: str) -> Span:
        """A part of a scalar (a ${…} reference inside a value), on the scalar's line."""
        at = span.source_line.find(fragment, span.col - 1)
        if at < 0:
            return span
        return Span(span.file, span.line, at + 1, max(1, len(fragment)), span.source_line)


def is_dir(path: Path) -> bool:
    """Path.is_dir, but a name too long for the file system (ENAMETOOLONG, which pathlib
    raises) is no directory either: the input named something that cannot exist."""
    try:
        return observe.is_dir(path)
    except OSError:
        return False


def _chunk_position(chunk: Any, of_key: bool = False) -> tuple[int, int] | None:
    """1-based (line, col) of a strictyaml chunk, from ruamel's marks of the original text."""
    try:
        steps = chunk.pointer._indices
        if not steps:
            return None
        container = chunk.whole_document
        for kind, index in steps[:-1]:
            container = container[index[0] if kind in ("val", "key") else index]
        kind, index = steps[-1]
        if kind == "index":
            line, col = container.lc.item(index)
        elif kind == "key" or of_key:
            line, col = container.lc.key(index[0])
        else:
            line, col = container.lc.value(index[0])
    except (AttributeError, KeyError, IndexError, TypeError):
        return None
    return line + 1, col + 1


_KEY_RE = re.compile(r"^\s*(?:-\s+)?(?:\"[^\"]*\"|'[^']*'|[^\s#'\"][^#]*?):(?:\s+|$)")
_ITEM_RE = re.compile(r"^\s*-\s+")


def _value_start(text: str) -> int:
    match = _KEY_RE.match(text) or _ITEM_RE.match(text)
    return match.end() if match else len(text) - len(text.lstrip())


_SYNTAX_HINTS = (
    (
        "flow",
        "HSM003",
        "strictyaml forbids flow style ({…} and […]): use block style, a mapping as "
        "`key: value` lines and a list as `- item` lines under the key; quote the value if it "
        "is meant as text",
    ),
    ("anchor", "HSM004", "strictyaml forbids anchors and aliases (&x, *x): repeat the value"),
    ("tag token", "HSM004", "strictyaml forbids tags (!x): quote the value if it is meant as text"),
    ("alias", "HSM004", "strictyaml forbids anchors and aliases (&x, *x): repeat the value"),
    ("tag", "HSM004", "strictyaml forbids tags (!x): quote the value if it is meant as text"),
    ("duplicate key", "HSM002", "a key may appear once in a mapping: remove or rename one"),
    ("'\\t'", "HSM001", "indent with spaces, not tabs"),
)


def syntax_diagnostic(exc: Any, source: SourceFile) -> Diagnostic:
    """From a strictyaml/ruamel syntax error (problem, problem_mark, context_mark)."""
    problem = str(getattr(exc, "problem", None) or exc)
    mark = getattr(exc, "problem_mark", None)
    context = getattr(exc, "context_mark", None)
    if context is not None and (mark is None or mark.line + 1 > len(source.lines)):
        mark = context  # "found end of stream": where the unfinished thing began is more useful
    line = mark.line + 1 if mark is not None else 1
    col = mark.column + 1 if mark is not None else 1
    context_text = str(getattr(exc, "context", "") or "")
    if "quoted scalar" in context_text and "end of stream" in problem:
        span = source.col_span(line, col)
        return Diagnostic("HSM001", "invalid YAML: unclosed quote", span, "close the quote")
    if "another document" in problem:
        hint = "an entry is one YAML document: remove the `---` and what follows, or split it"
        return Diagnostic(
            "HSM001", "invalid YAML: a second document", source.col_span(line, col), hint
        )
    duplicate = re.match(r"Duplicate key '(.*)' found", problem)
    if duplicate:
        span = source.key_span(line, duplicate.group(1))
        return Diagnostic("HSM002", f"duplicate key `{duplicate.group(1)}`", span, _DUPLICATE_HINT)
    code, hint = "HSM001", "check the indentation and the `key: value` layout around this line"
    for needle, c, h in _SYNTAX_HINTS:
        if needle in problem.lower():
            code, hint = c, h
            break
    return Diagnostic(code, f"invalid YAML: {_short(problem)}", source.col_span(line, col), hint)


_DUPLICATE_HINT = "a key may appear once in a mapping: remove or rename one"
# The longest run of allowed characters from the start: the first one it stops at is refused.
# ASCII text (nearly every file) is matched against the class's ASCII part: the whole class, a
# positive one (its negation compiles in 8 ms), still costs 2.5 ms to compile, so only a build
# that reads other text compiles it.
_PRINTABLE_ASCII_RUN = re.compile("[\t\n\r\x20-\x7e]*")


@functools.cache
def _printable_run() -> re.Pattern[str]:
    return re.compile("[\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")


def unprintable_diagnostic(source: SourceFile) -> Diagnostic | None:
    """YAML allows no control characters but tab, LF and CR (strictyaml crashes on them)."""
    run = _PRINTABLE_ASCII_RUN if source.text.isascii() else _printable_run()
    at = run.match(source.text).end()  # type: ignore[union-attr]  # `*`: always
    if at == len(source.text):
        return None
    before = source.text[:at]
    line = len(re.findall(r"\r\n|\r|\n", before)) + 1
    col = at - max(before.rfind("\n"), before.rfind("\r"))
    char = f"U+{ord(source.text[at]):04X}"
    return Diagnostic(
        "HSM001",
        f"invalid YAML: the control character {char} is not allowed",
        source.span(line, col),
        "remove it; write it as an escape (\\uXXXX) inside a double-quoted string if you mean it",
    )


def schema_diagnostic(exc: Any, source: SourceFile, kind: str) -> Diagnostic:
    """From a strictyaml YAMLValidationError (context, problem, its chunk)."""
    problem = str(exc.problem or "invalid value")
    chunk = getattr(exc, "_chunk", None)
    position = _chunk_position(chunk)
    if position is not None and (position[0] > len(source.lines) or "blank" in problem):
        position = _chunk_position(chunk, of_key=True)  # an empty value: point at its key
    if position is None:
        position = (1, 1)  # the document itself
    line = position[0]
    if "unexpected key not in schema" in problem:
        key = problem.split("'")[1] if problem.count("'") >= 2 else ""
        hint = (_manifest_key_hint(key, _path(chunk)) if kind == "manifest" else None) or (
            f"`{key}` belongs elsewhere in a file like this one, not at this place: see "
            "docs/format.md for the keys allowed here"
            if key in KNOWN_KEYS[kind]  # misplaced, not misspelt: "did you mean" would echo it
            else did_you_mean(key, KNOWN_KEYS[kind])
            or "see docs/format.md for the keys allowed here"
        )
        return Diagnostic("HSM005", f"unknown key `{key}`", source.key_span(line, key), hint)
    if "required key" in problem:
        keys = ", ".join(f"`{k}`" for k in re.findall(r"'([^']+)'", problem))
        hint = f"add {keys} to this mapping"
        holder = _chunk_position(chunk, of_key=True)  # the key that holds the mapping, if any
        span = source.line_span(holder[0] if holder else 1)
        return Diagnostic("HSM006", f"missing required key {keys}", span, hint)
    expected = str(exc.context or "").replace("when expecting", "expected")
    if kind == "manifest" and expected == "expected a mapping" and "found a " not in problem:
        unmoded = _unmoded_environment_package(chunk, source, line)
        if unmoded is not None:
            return unmoded
    expected = expected.replace("expected a int", "expected an integer")
    found = problem.replace("found arbitrary text", "found text").replace("found ", "got ")
    message = f"{expected}, {found}" if expected else found
    if "mapping" in found or "sequence" in found:
        line = source.parent_line(line)  # the key whose value has the wrong shape
    return Diagnostic("HSM007", message, source.line_span(line), _type_hint(expected))


def _path(chunk: Any) -> list[object]:
    """The keys and indices from the document to a strictyaml chunk."""
    steps = getattr(getattr(chunk, "pointer", None), "_indices", None) or []
    return [index[0] if kind in ("val", "key") else index for kind, index in steps]


def _manifest_key_hint(key: str, path: list[object]) -> str | None:
    """What a key of hsm.yaml in the wrong place meant, where that is known: a group under
    `services:` itself, a group's key an environment does not change."""
    where = path[:-1]
    in_environment = len(where) >= 2 and where[0] == "environments"
    if where == ["services"] or (in_environment and where[2:] == ["services"]):
        return did_you_mean(key, ["container_groups"]) or (
            f"groups go one level down: `services:`, then `container_groups:`, then `{key}:`"
        )
    group = in_environment and len(where) == 5 and where[2:4] == ["services", "container_groups"]
    if group and key in ("params", "overrides"):
        return (
            f"an environment chooses a group's `selection`, `profile` and `mode`; its `{key}` "
            f"stay the top level's (docs/format.md §1.3): set them on group `{where[4]}` under "
            "`services:` at the top level"
        )
    return None


def _unmoded_environment_package(chunk: Any, source: SourceFile, line: int) -> Diagnostic | None:
    """`- shop-models` under an environment's `packages:`, where an item is `NAME: MODE` (an
    environment changes a package's mode; it adds none): "expected a mapping" says too little."""
    path = _path(chunk)
    if len(path) != 4 or path[0] != "environments" or path[2] != "packages":
        return None
    name = getattr(chunk, "contents", None)
    if not isinstance(name, str) or not name.strip() or "\n" in name:
        return None  # not a name at all: the mapping's message says it
    return Diagnostic(
        "HSM007",
        f"package `{printable(name)}` in environment `{printable(str(path[1]))}` has no mode",
        source.line_span(line),
        f"write `{printable(name)}: MODE`, MODE one of its entry's `sources`, or remove the item "
        "(an environment changes the mode of a package the top level lists; it adds none, and "
        "a package without `sources` has no mode to change)",
    )


def _type_hint(expected: str) -> str | None:
    if "integer" in expected:
        return "write a whole number in digits, e.g. `5432`"
    if "boolean" in expected:
        return "write `true` or `false`"
    if "sequence" in expected:
        return "write a list: one `- item` line per item under the key"
    if "mapping" in expected:
        return "write a mapping: one `key: value` line per item under the key"
    return None


def _short(problem: str) -> str:
    text = problem.split("(surround with")[0].strip()
    text = text.replace("Found ugly disallowed JSONesque flow mapping", "flow style is not allowed")
    text = text.replace("Found confusing disallowed anchor token", "anchors are not allowed")
    text = text.replace("Found confusing disallowed alias token", "aliases are not allowed")
    text = text.replace("Found ugly disallowed tag token", "tags are not allowed")
    text = re.sub(r"(?i)^found disallowed tag tokens.*", "tags are not allowed", text)
    text = re.sub(r"^Duplicate key '(.*)' found$", r"duplicate key `\1`", text)
    return text[:1].lower() + text[1:]
