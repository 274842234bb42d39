"""Whether a tree stands for a file's text: the fast path (fast.py) builds a tree from
libyaml's events and uses it only if this check passes, else strictyaml parses the file.

The checks are cheap next to parsing: the tree has the shape the schema lets through
(shapes.py); every position lies inside the file, siblings in file order; every key stands at
its position in the text, and every single-line scalar is exactly the text there; and every
line of the file that is not blank or a comment holds a key or a scalar, or continues a
multi-line scalar (indented past its key), so nothing was left out. A tree of another file (or
of another version of this one) fails. Only the text of multi-line scalars (block `|`/`>`,
folded, quoted over several lines) and of double-quoted scalars and keys with escapes is taken
on trust (the fast path declines those files anyway). The parse cache no longer runs it: an
entry is trusted by its owner instead (cache.py; docs/decisions.md, "Parse cache"). Any doubt
makes the caller parse the file with strictyaml, which gives exactly what it always gives.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence

from hsmc.parse.shapes import SHAPES, conforms
from hsmc.parse.tree import Node

_COMMENT = re.compile(r"[ \t]#")
_INTEGER = re.compile(r"[-+]?[0-9][0-9_]*")
_BOOLEANS = {
    **dict.fromkeys(("yes", "true", "on", "y", "1"), True),
    **dict.fromkeys(("no", "false", "off", "n", "0"), False),
}


def trustworthy(tree: Node, kind: str, lines: Sequence[str]) -> bool:
    shape = SHAPES.get(kind)
    if shape is None or not conforms(tree, shape):
        return False
    walk = _Walk(lines)
    return walk.agrees(tree) and walk.covers_every_line()


class _Walk:
    """One pass over the tree, then one over the lines. This runs for every file of a warm
    build, so it avoids slicing and temporary lists."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = lines
        self.starts: set[int] = set()  # lines where a key, an item or a scalar starts
        # scalars that may continue on the lines below: (line, the column their lines must
        # be indented past: the key's, or the list item's line's)
        self.multiline: list[tuple[int, int]] = []

    def agrees(self, tree: Node) -> bool:
        return self._inside(tree.line, tree.col) and self._children_agree(tree)

    def _inside(self, line: int, col: int) -> bool:
        # an empty value stands right after its key's colon: one past the end of the line
        lines = self.lines
        return 0 < line <= len(lines) and 0 < col <= len(lines[line - 1]) + 1

    def _children_agree(self, node: Node) -> bool:
        value = node.value
        previous = (0, 0)
        if isinstance(value, dict):
            for key, child in value.items():
                here = (child.key_line, child.key_col)
                if not (previous < here and self._key_placed(key, child)):
                    return False
                self.starts.add(child.key_line)
                if not self._children_agree(child):
                    return False
                previous = here
            return True
        if isinstance(value, list):
            for child in value:
                here = (child.line, child.col)
                if not (previous < here and self._inside(*here) and self._children_agree(child)):
                    return False
                previous = here
            return True
        # Only keys and scalars mark a line as holding something: the position of a mapping or
        # a list is that of its first key or item, which must be there in its own right.
        self.starts.add(node.line)
        text = self.lines[node.line - 1]
        agrees, multiline = _scalar_at(value, text[node.col - 1 :])
        if multiline:
            in_mapping = (node.key_line, node.key_col) != (node.line, node.col)
            indent = node.key_col - 1 if in_mapping else len(text) - len(text.lstrip(" "))
            self.multiline.append((node.line, indent))
        return agrees

    def _key_placed(self, key: str, child: Node) -> bool:
        """The key, and its value, stand inside the file; the key's text is where it says."""
        lines, key_line, line = self.lines, child.key_line, child.line
        if not (0 < key_line <= len(lines) and 0 < line <= len(lines)):
            return False
        text, at = lines[key_line - 1], child.key_col - 1
        if not (0 <= at <= len(text) and 0 < child.col <= len(lines[line - 1]) + 1):
            return False  # an empty value stands one past the end of its key's line
        if text.startswith(key, at):
            return True
        quote = text[at : at + 1]
        if quote not in _QUOTES:
            return False
        quoted = (_SINGLE_QUOTED if quote == "'" else _DOUBLE_QUOTED).match(text, at)
        if quoted is None:
            return False
        token = quoted.group(1)
        if quote == "'":
            return token.replace("''", "'") == key
        return "\\" in token or token == key  # escapes: taken on trust, as for scalars

    def covers_every_line(self) -> bool:
        covered = set(self.starts)
        starts = sorted(self.starts)
        for line, indent in self.multiline:
            after = bisect_right(starts, line)  # the next line where something starts
            end = starts[after] if after < len(starts) else len(self.lines) + 1
            covered.update(
                number
                for number in range(line + 1, end)
                if len(self.lines[number - 1]) - len(self.lines[number - 1].lstrip(" ")) > indent
            )
        # nearly every line is covered: only the others are read
        return not any(
            _significant(text) for number, text in enumerate(self.lines, 1) if number not in covered
        )


_QUOTES = ("'", '"')
_SINGLE_QUOTED = re.compile(r"'((?:[^']|'')*)'")
_DOUBLE_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _significant(line: str) -> bool:
    """Not blank, not a comment, and not a lone `-` whose item starts on a later line (that
    line is checked in its turn)."""
    content = line.strip()
    if content == "---":
        return False  # the document start (a second document is a syntax error)
    if content.startswith("-") and (content == "-" or content[1] in " \t"):
        content = content[1:].lstrip()
    return bool(content) and not content.startswith("#")


def _scalar_at(value: str | int | bool, rest: str) -> tuple[bool, bool]:
    """(agrees, may continue below). `rest`: the line from the scalar's position on."""
    if value == rest or value == "":
        return True, False  # the common case first; an empty value stands after its key
    if rest.startswith(("|", ">")):
        return True, True
    if rest[:1] in ("'", '"'):
        quoted = (_SINGLE_QUOTED if rest[0] == "'" else _DOUBLE_QUOTED).match(rest)
        if quoted is None or not _only_comment(rest[quoted.end() :]):
            return True, True  # closed on a later line
        token = quoted.group(1)
        if rest[0] == "'":
            token = token.replace("''", "'")
        elif "\\" in token:
            return True, False  # escapes: taken on trust
    else:
        token = _COMMENT.split(rest, maxsplit=1)[0].rstrip()
    if isinstance(value, bool):
        return _BOOLEANS.get(token.lower()) is value, False
    if isinstance(value, int):
        return bool(_INTEGER.fullmatch(token)) and int(token.replace("_", "")) == value, False
    if value == token:
        return True, False
    # a plain scalar folded from several lines continues after a space or a line break
    return value.startswith(token) and value[len(token)] in " \n", True


def _only_comment(text: str) -> bool:
    stripped = text.strip()
    return not stripped or (stripped.startswith("#") and text[:1] in (" ", "\t"))
