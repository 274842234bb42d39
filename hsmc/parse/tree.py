"""A located YAML tree: what strictyaml validated, with the original line and column of every
value and key, and nothing tied to strictyaml. It is what the parse cache stores (as JSON), so a
warm build never imports strictyaml; and it is what nodes.py turns into the typed model.

strictyaml's own `start_line` counts lines of a re-serialised document (it drifts after a long
scalar is re-wrapped), so positions come from the marks of the bundled ruamel parser instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Scalar = str | int | bool


class Node:
    """A scalar, mapping (str → Node, in file order) or sequence, with 1-based positions.

    `line`/`col`: where the value starts; `key_line`/`key_col`: where its key starts (for a
    value inside a mapping; else the value's own position).
    """

    __slots__ = ("col", "key_col", "key_line", "line", "value")

    def __init__(
        self,
        value: Scalar | dict[str, Node] | list[Node],
        line: int,
        col: int,
        key_line: int | None = None,
        key_col: int | None = None,
    ) -> None:
        self.value = value
        self.line, self.col = line, col
        self.key_line = line if key_line is None else key_line
        self.key_col = col if key_col is None else key_col

    def is_mapping(self) -> bool:
        return isinstance(self.value, dict)

    def is_sequence(self) -> bool:
        return isinstance(self.value, list)

    def __contains__(self, key: str) -> bool:
        return isinstance(self.value, dict) and key in self.value

    def __getitem__(self, key: str) -> Node:
        assert isinstance(self.value, dict), "not a mapping"
        return self.value[key]

    def get(self, key: str) -> Node | None:
        return self.value.get(key) if isinstance(self.value, dict) else None

    def items(self) -> Iterator[tuple[Node, Node]]:
        """(key, value) pairs; the key is a scalar node at the key's position."""
        if isinstance(self.value, dict):
            for key, child in self.value.items():
                yield Node(key, child.key_line, child.key_col), child

    def __iter__(self) -> Iterator[Node]:
        if isinstance(self.value, list):
            yield from self.value

    def text(self) -> str:
        return str(self.value)

    def integer(self) -> int:
        assert isinstance(self.value, int), "not an integer"
        return self.value

    # --- the cache's JSON form ----------------------------------------------------------------

    def to_json(self) -> list[Any]:
        value: Any = self.value
        if isinstance(value, dict):
            value = {"m": [[k, v.to_json()] for k, v in value.items()]}
        elif isinstance(value, list):
            value = {"s": [v.to_json() for v in value]}
        return [self.line, self.col, self.key_line, self.key_col, value]

    @classmethod
    def from_json(cls, data: Any) -> Node:
        """The inverse of to_json; ValueError on anything to_json cannot have written (a cache
        entry may have been tampered with). Runs for every node of a warm build: plain checks."""
        if type(data) is not list or len(data) != 5:
            raise ValueError("not a node")
        line, col, key_line, key_col, value = data
        if not (type(line) is type(col) is type(key_line) is type(key_col) is int):
            raise ValueError("a position that is not an integer")
        if type(value) is dict:
            value = cls._children_from_json(value)
        elif type(value) not in (str, int, bool):
            raise ValueError("not a node")
        return cls(value, line, col, key_line, key_col)

    @classmethod
    def _children_from_json(cls, value: dict[str, Any]) -> dict[str, Node] | list[Node]:
        items = value.get("m", value.get("s"))
        if len(value) != 1 or type(items) is not list:
            raise ValueError("not a mapping or a sequence")
        if "s" in value:
            return [cls.from_json(item) for item in items]
        children: dict[str, Node] = {}
        for pair in items:
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str:
                raise ValueError("not a key and a node")
            if pair[0] in children:
                raise ValueError("a duplicate key")
            children[pair[0]] = cls.from_json(pair[1])
        return children


def from_validated(data: Any, raw: Any, line: int = 1, col: int = 1) -> Node:
    """Builds the tree from strictyaml's validated `data` and the ruamel document `raw` (which
    carries the marks). `EmptyDict`/`EmptyList` values arrive as {} / [] over an empty scalar."""
    if isinstance(data, dict):
        children: dict[str, Node] = {}
        marks = getattr(raw, "lc", None)
        for key, value in data.items():
            key_line, key_col, value_line, value_col = line, col, line, col
            if marks is not None and isinstance(raw, dict) and key in raw:
                key_line, key_col = (n + 1 for n in marks.key(key))
                value_line, value_col = (n + 1 for n in marks.value(key))
            child_raw = raw.get(key) if isinstance(raw, dict) else None
            if value in ("", {}, []) and not child_raw:
                # An empty value has no mark of its own (ruamel gives the next token's):
                # it stands right after its key.
                value_line, value_col = key_line, key_col + len(str(key)) + 1
            child = from_validated(value, child_raw, value_line, value_col)
            child.key_line, child.key_col = key_line, key_col
            children[str(key)] = child
        return Node(children, line, col)
    if isinstance(data, list):
        items: list[Node] = []
        marks = getattr(raw, "lc", None)
        for index, value in enumerate(data):
            item_line, item_col = line, col
            if marks is not None and isinstance(raw, list) and index < len(raw):
                item_line, item_col = (n + 1 for n in marks.item(index))
            child_raw = raw[index] if isinstance(raw, list) and index < len(raw) else None
            items.append(from_validated(value, child_raw, item_line, item_col))
        return Node(items, line, col)
    if isinstance(data, bool | int):
        return Node(data, line, col)
    return Node(str(data), line, col)
