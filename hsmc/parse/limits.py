"""Limits on an input file, checked on its text before strictyaml sees it.

strictyaml's time grows with the square of the entries of one mapping (8,000 keys: about a
minute) and it recurses once per level of nesting (1,000 levels: RecursionError). These limits
are far above any real manifest or registry entry (docs/format.md §11) and refuse the rest with
a located error, in a single pass over the lines.

Nesting and entries are counted on the text, by indentation: each deeper indentation, and each
`- ` that starts a list item, opens a level; each line of a level that starts an item (`- `) or
holds a `:` is an entry of it. Lines of a block scalar count too: over-counting is safe here.
"""

from __future__ import annotations

import re

from hsmc.errors import Diagnostic
from hsmc.parse.source import SourceFile

MAX_BYTES = 1024 * 1024
MAX_ENTRIES = 1000  # keys of one mapping, items of one list
MAX_FILE_ENTRIES = 5000  # keys and items in all (strictyaml: about 1.3 ms each)
MAX_DEPTH = 64

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_DEEP = " " * MAX_DEPTH


def limit_diagnostic(source: SourceFile) -> Diagnostic | None:
    text = source.text
    if len(text) * 4 > MAX_BYTES:  # a character is at most 4 bytes: encode only when needed
        refused = _size_refusal(source)
        if refused is not None:
            return refused
    if text.count(":") + text.count("-") <= MAX_ENTRIES and _DEEP not in text.replace("-", " "):
        # Every entry needs a `:` or a `-`, and a level at column 64 needs 64 spaces and
        # dashes before it: no limit can be reached (the common case, at C speed).
        return None
    return _scan(source)


def _size_refusal(source: SourceFile) -> Diagnostic | None:
    data = source.text.encode("utf-8", "surrogatepass")
    if len(data) <= MAX_BYTES:
        return None
    head = data[:MAX_BYTES].decode("utf-8", "ignore")
    line = len(_LINE_BREAK.split(head))  # where the limit is crossed
    return Diagnostic(
        "HSM013",
        f"file too large: {len(data):,} bytes, more than the limit of {MAX_BYTES:,} (1 MiB)",
        source.line_span(line),
        "split it, or ship long texts as files (`files:`); limits: docs/format.md §11",
    )


def _scan(source: SourceFile) -> Diagnostic | None:
    levels: list[list[int]] = [[-1, 0]]  # open levels: [column of their entries, entries so far]
    for number, text in enumerate(source.lines, 1):
        content = text.lstrip(" ")
        if not content or content.startswith("#"):
            continue
        column = len(text) - len(content)
        while levels[-1][0] > column:
            levels.pop()
        if levels[-1][0] < column:
            levels.append([column, 0])
        while content.startswith("- ") or content == "-":  # `- - x`, `- key: value`
            _count(levels[-1], levels)
            inner = content[1:].lstrip(" ")
            column += len(content) - len(inner)
            content = inner
            if not content or content.startswith("#"):
                break
            levels.append([column, 0])
        else:
            if ":" in content:
                _count(levels[-1], levels)
        refused = _refusal(source, levels, number, column)
        if refused is not None:
            return refused
    return None


def _count(level: list[int], levels: list[list[int]]) -> None:
    level[1] += 1
    levels[0][1] += 1  # the sentinel level counts the whole file


def _refusal(
    source: SourceFile, levels: list[list[int]], line: int, column: int
) -> Diagnostic | None:
    if len(levels) - 1 > MAX_DEPTH:
        return Diagnostic(
            "HSM013",
            f"nested more than {MAX_DEPTH} levels deep",
            source.span(line, column + 1, max(1, len(source.line(line)) - column)),
            "flatten the structure (limits: docs/format.md §11)",
        )
    if levels[0][1] > MAX_FILE_ENTRIES:
        return Diagnostic(
            "HSM013",
            f"more than {MAX_FILE_ENTRIES:,} keys and list items in one file",
            source.line_span(line),
            "split the file (limits: docs/format.md §11)",
        )
    if any(level[1] > MAX_ENTRIES for level in levels[1:]):
        return Diagnostic(
            "HSM013",
            f"more than {MAX_ENTRIES:,} entries in one mapping or list",
            source.line_span(line),
            "split the mapping or list, or the file (limits: docs/format.md §11)",
        )
    return None
