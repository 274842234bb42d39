"""Located text: where a string stands in an input file (Span), the string (Text), a
`KEY: value` item (Setting) and free-form fragments (a group's `overrides:`).
"""

from __future__ import annotations

from hsmc.record import Record, setfield


class Span(Record):
    """A place in an input file: 1-based line and column, plus the source line for snippets."""

    file: str
    line: int
    col: int
    length: int
    source_line: str

    def __init__(
        self, file: str, line: int, col: int = 1, length: int = 1, source_line: str = ""
    ) -> None:
        setfield(self, "file", file)
        setfield(self, "line", line)
        setfield(self, "col", col)
        setfield(self, "length", length)
        setfield(self, "source_line", source_line)


class Text(Record):
    """A string from an input file and where it stands."""

    value: str
    span: Span

    def __init__(self, value: str, span: Span) -> None:
        setfield(self, "value", value)
        setfield(self, "span", span)


class Number(Record):
    """A whole number from an input file and where it stands (a healthcheck's `retries`: each
    consumer has its own limit, and a target's check points at the number)."""

    value: int
    span: Span

    def __init__(self, value: int, span: Span) -> None:
        setfield(self, "value", value)
        setfield(self, "span", span)


class Setting(Record):
    """One `KEY: value` item of a string map (env, params, connection, external, args)."""

    key: str
    text: Text
    key_span: Span

    def __init__(self, key: str, text: Text, key_span: Span) -> None:
        setfield(self, "key", key)
        setfield(self, "text", text)
        setfield(self, "key_span", key_span)


class FragmentMap(Record):
    """A free-form YAML mapping (a group's `overrides:`), leaves kept as located Text."""

    items: tuple[tuple[str, Fragment], ...]
    span: Span
    key_spans: tuple[Span, ...]  # one per item, where its key stands

    def __init__(
        self, items: tuple[tuple[str, Fragment], ...], span: Span, key_spans: tuple[Span, ...] = ()
    ) -> None:
        setfield(self, "items", items)
        setfield(self, "span", span)
        setfield(self, "key_spans", key_spans)


class FragmentList(Record):
    items: tuple[Fragment, ...]
    span: Span

    def __init__(self, items: tuple[Fragment, ...], span: Span) -> None:
        setfield(self, "items", items)
        setfield(self, "span", span)


Fragment = Text | FragmentMap | FragmentList
