"""The fast path: files in a plain subset of YAML are read from libyaml's events (PyYAML's C
parser: PyYAML is a dependency, its C extension may still be missing) instead of strictyaml's
pure-Python parser, which costs about 9 ms per entry, most of it in schema validation.

strictyaml stays the parser of record: this module only ever answers for a file it can prove
strictyaml accepts, with the identical located tree; for anything else it answers None and
strictyaml parses the file (and reports every error). It declines:
- at text level: a tab, CR, NEL, LS, PS, BOM or backslash anywhere;
- at event level: flow style, anchors, aliases, tags, explicit document markers, several
  documents, block scalars, scalars over several lines, non-scalar, empty or duplicate keys,
  the keys `<<` and `=`, empty sequence items;
- at schema level (shapes.py, itself tested equal to schema.py): any value the schema does not
  take as is; integers other than plain decimal, booleans other than `true`/`false`, enums
  other than their exact spelling, an empty value where only text is allowed;
and then the tree must pass verify.py (its positions and text checked against the file).
tests/test_fast.py compares it with strictyaml on every golden and registry file and on
Hypothesis mutations of them.
"""

from __future__ import annotations

from typing import Any

from hsmc.parse.shapes import SHAPES, Anything, Either, Empty, MapOf, Scalar, SeqOf, Shape
from hsmc.parse.tree import Node
from hsmc.parse.verify import trustworthy

_REFUSED_CHARACTERS = ("\t", "\r", "\x85", "\u2028", "\u2029", "\ufeff", "\\")
_REFUSED_KEYS = ("", "<<", "=")
_DECIMAL = frozenset("0123456789")


class Decline(Exception):
    """This file is not provably in the plain subset: strictyaml decides."""


def fast_tree(text: str, kind: str, lines: tuple[str, ...]) -> Node | None:
    """The tree strictyaml would validate `text` into, or None (strictyaml must parse it)."""
    shape = SHAPES.get(kind)
    if shape is None or any(c in text for c in _REFUSED_CHARACTERS):
        return None
    if any(_explicit(line) for line in lines):
        return None
    try:
        import yaml
        from yaml import CSafeLoader
    except ImportError:  # PyYAML, or its C extension, is not installed: no fast path
        return None
    try:
        raw = _Events(yaml, CSafeLoader(text)).document()
        tree = _typed(raw, shape, 1, 1)
    except Decline:
        return None
    except Exception:  # libyaml refused the text: strictyaml reports why
        return None
    return tree if trustworthy(tree, kind, lines) else None


def _explicit(line: str) -> bool:
    """A complex key (`? key`) or its value (`: value`) on this line."""
    rest = line.lstrip(" -")
    return rest[:2] in ("? ", ": ") or rest in ("?", ":")


# A raw node: ("scalar", value, plain, line, col) | ("map", [(key, keyline, keycol, raw)], l, c)
# | ("seq", [raw], line, col); positions 1-based.
Raw = tuple[Any, ...]


class _Events:
    """libyaml's events → raw nodes. `yaml`: the PyYAML module, passed in rather than imported
    by each method (one call per event, thousands per build)."""

    def __init__(self, yaml: Any, loader: Any) -> None:
        self.yaml = yaml
        self.loader = loader
        self._next = loader.get_event

    def document(self) -> Raw:
        yaml = self.yaml
        try:
            if not isinstance(self._next(), yaml.StreamStartEvent):
                raise Decline()
            start = self._next()
            if not isinstance(start, yaml.DocumentStartEvent) or start.explicit:
                raise Decline()
            if start.version or start.tags:
                raise Decline()
            root = self._node(self._next())
            end = self._next()
            if not isinstance(end, yaml.DocumentEndEvent) or end.explicit:
                raise Decline()
            if not isinstance(self._next(), yaml.StreamEndEvent):
                raise Decline()  # several documents
        finally:
            self.loader.dispose()
        if root[0] != "map":
            raise Decline()
        return root

    def _node(self, event: Any) -> Raw:
        yaml = self.yaml
        if getattr(event, "anchor", None) is not None:
            raise Decline()
        line, col = event.start_mark.line + 1, event.start_mark.column + 1
        if isinstance(event, yaml.ScalarEvent):
            if event.tag is not None and not event.implicit[0] and not event.implicit[1]:
                raise Decline()
            if event.style not in ("", None, "'", '"'):
                raise Decline()  # block scalars (libyaml's plain style is "")
            if event.end_mark.line != event.start_mark.line:
                raise Decline()  # over several lines
            return ("scalar", event.value, not event.style, line, col)
        if isinstance(event, yaml.MappingStartEvent):
            if event.flow_style or not event.implicit or event.tag is not None:
                raise Decline()
            return ("map", self._pairs(), line, col)
        if isinstance(event, yaml.SequenceStartEvent):
            if event.flow_style or not event.implicit or event.tag is not None:
                raise Decline()
            items = []
            while not isinstance(item := self._next(), yaml.SequenceEndEvent):
                node = self._node(item)
                if node[0] == "scalar" and node[1] == "" and node[2]:
                    raise Decline()  # an empty item
                items.append(node)
            return ("seq", items, line, col)
        raise Decline()  # an alias

    def _pairs(self) -> list[tuple[str, int, int, Raw]]:
        yaml = self.yaml
        pairs: list[tuple[str, int, int, Raw]] = []
        seen: set[str] = set()
        mapping_col = None  # strictyaml: mappings that are values here start in one column
        while not isinstance(event := self._next(), yaml.MappingEndEvent):
            key = self._node(event)
            if key[0] != "scalar" or key[1] in _REFUSED_KEYS or key[1] in seen:
                raise Decline()
            seen.add(key[1])
            value = self._node(self._next())
            if value[0] == "map":
                if mapping_col not in (None, value[3]):
                    raise Decline()
                mapping_col = value[3]
            pairs.append((key[1], key[3], key[4], value))
        return pairs


def _empty(raw: Raw) -> bool:
    return raw[0] == "scalar" and raw[1] == "" and bool(raw[2])


def _typed(raw: Raw, shape: Shape, line: int, col: int) -> Node:
    """The node strictyaml's validator of `shape` makes of `raw`, at (line, col) as
    tree.from_validated places it; Decline where it might differ."""
    if isinstance(shape, Either):
        try:
            return _typed(raw, shape.first, line, col)
        except Decline:
            return _typed(raw, shape.second, line, col)
    if isinstance(shape, Empty):
        if not _empty(raw):
            raise Decline()
        return Node({} if shape.type is dict else [], line, col)
    if isinstance(shape, Scalar):
        return Node(_scalar(raw, shape), line, col)
    if isinstance(shape, Anything):
        return _anything(raw, line, col)
    if isinstance(shape, SeqOf):
        if raw[0] != "seq" or not raw[1]:
            raise Decline()
        return Node([_typed(i, shape.item, *_position(i)) for i in raw[1]], line, col)
    if raw[0] != "map" or not raw[1]:
        raise Decline()
    if isinstance(shape, MapOf):
        count = len(raw[1])
        if count < shape.minimum or (shape.maximum and count > shape.maximum):
            raise Decline()
        return Node(_children(raw, lambda _: shape.value), line, col)
    keys = {key for key, *_ in raw[1]}
    if not shape.required <= keys or not keys <= shape.fields.keys():
        raise Decline()
    return Node(_children(raw, lambda key: shape.fields[key]), line, col)


def _children(raw: Raw, shape_of: Any) -> dict[str, Node]:
    children: dict[str, Node] = {}
    for key, key_line, key_col, value in raw[1]:
        child = _typed(value, shape_of(key), *_position(value))
        if child.value in ("", {}, []):  # from_validated: an empty value stands after its key
            child.line, child.col = key_line, key_col + len(key) + 1
        child.key_line, child.key_col = key_line, key_col
        children[key] = child
    return children


def _position(raw: Raw) -> tuple[int, int]:
    return (raw[3], raw[4]) if raw[0] == "scalar" else (raw[2], raw[3])


def _scalar(raw: Raw, shape: Scalar) -> str | int | bool:
    if raw[0] != "scalar":
        raise Decline()
    value: str = raw[1]
    if shape.type is str:
        if value == "" or (shape.choices and value not in shape.choices):
            raise Decline()
        return value
    if not raw[2]:
        raise Decline()  # a quoted number or boolean: strictyaml's reading is not mirrored
    if shape.type is int and value and set(value) <= _DECIMAL and (value == "0" or value[0] != "0"):
        return int(value)
    if shape.type is bool and value in ("true", "false"):
        return value == "true"
    raise Decline()


def _anything(raw: Raw, line: int, col: int) -> Node:
    if raw[0] == "scalar":
        if raw[1] == "":
            raise Decline()
        return Node(raw[1], line, col)
    if raw[0] == "seq":
        if not raw[1]:
            raise Decline()
        return Node([_anything(item, *_position(item)) for item in raw[1]], line, col)
    return Node(_children(raw, lambda _: Anything()), line, col)
