"""Values after interpolation: literal text and run-time ${VAR} references (so each artifact
can escape them its own way), environment variables, requirement rows, run-time inputs and
artifacts.
"""

from __future__ import annotations

from collections import deque

from hsmc.model.text import Span
from hsmc.record import Record, setfield

# --- values after interpolation --------------------------------------------------------------


class Literal(Record):
    text: str

    def __init__(self, text: str) -> None:
        setfield(self, "text", text)


class RuntimeRef(Record):
    """A `${VAR…}` reference kept for run time. `raw` is exactly what the author wrote."""

    _unequal = ("span",)  # equal wherever the author wrote it

    raw: str
    name: str
    default: str | None  # for `:-` / `-`
    required: bool  # `:?` / `?`, or no default at all
    nested: tuple[RuntimeRef, ...]  # references directly inside the default or message
    span: Span | None  # where the author wrote it

    def __init__(
        self,
        raw: str,
        name: str,
        default: str | None,
        required: bool,
        nested: tuple[RuntimeRef, ...] = (),
        span: Span | None = None,
    ) -> None:
        setfield(self, "raw", raw)
        setfield(self, "name", name)
        setfield(self, "default", default)
        setfield(self, "required", required)
        setfield(self, "nested", nested)
        setfield(self, "span", span)


Piece = Literal | RuntimeRef


class Value(Record):
    pieces: tuple[Piece, ...]

    def __init__(self, pieces: tuple[Piece, ...]) -> None:
        setfield(self, "pieces", pieces)

    @property
    def refs(self) -> tuple[RuntimeRef, ...]:
        """Every run-time reference, nested ones (in a default) included."""
        found: list[RuntimeRef] = []
        todo = deque(p for p in self.pieces if isinstance(p, RuntimeRef))
        while todo:  # breadth first: each reference once (`nested` holds direct children)
            ref = todo.popleft()
            found.append(ref)
            todo.extend(ref.nested)
        return tuple(found)

    def plain(self) -> str:
        """The value as a person reads it: literal text as is, references as written."""
        return "".join(p.text if isinstance(p, Literal) else p.raw for p in self.pieces)


class EnvVar(Record):
    key: str
    value: Value
    origin: str  # who gave it, for conflicts and STACK.md
    span: Span

    def __init__(self, key: str, value: Value, origin: str, span: Span) -> None:
        setfield(self, "key", key)
        setfield(self, "value", value)
        setfield(self, "origin", origin)
        setfield(self, "span", span)


class BuildValues(Record):
    context: str  # posix, relative to the output directory
    dockerfile: Value | None
    args: tuple[tuple[str, Value], ...]  # sorted by key

    def __init__(
        self, context: str, dockerfile: Value | None, args: tuple[tuple[str, Value], ...]
    ) -> None:
        setfield(self, "context", context)
        setfield(self, "dockerfile", dockerfile)
        setfield(self, "args", args)


class PackageOut(Record):
    name: str
    requirement: str
    mode: str  # the mode, or "—" for the implicit index source
    source: str  # the kind of source: "local, editable", "pypi", "git", …
    implied_by: tuple[str, ...]

    def __init__(
        self, name: str, requirement: str, mode: str, source: str, implied_by: tuple[str, ...]
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "requirement", requirement)
        setfield(self, "mode", mode)
        setfield(self, "source", source)
        setfield(self, "implied_by", implied_by)


class RuntimeInput(Record):
    name: str
    default: str | None
    required: bool
    secret: bool
    used_in: tuple[str, ...]
    span: Span | None  # the first reference to it

    def __init__(
        self,
        name: str,
        default: str | None,
        required: bool,
        secret: bool,
        used_in: tuple[str, ...],
        span: Span | None = None,
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "default", default)
        setfield(self, "required", required)
        setfield(self, "secret", secret)
        setfield(self, "used_in", used_in)
        setfield(self, "span", span)


class Artifact(Record):
    """A file of the output directory, as emit made it."""

    path: str  # posix, relative to the output directory
    content: bytes
    executable: bool

    def __init__(self, path: str, content: bytes, executable: bool = False) -> None:
        setfield(self, "path", path)
        setfield(self, "content", content)
        setfield(self, "executable", executable)
