"""Validate stage, run-time part: which run-time inputs a value inserts into a URL as they are,
and which of them a .env file sets to a value that would change the URL's meaning (HSM502, for
`hsmc check --env-file`). Kept beside validate.py, which holds the compile-time checks."""

from __future__ import annotations

from collections.abc import Iterator

from hsmc.errors import Collector, Diagnostic
from hsmc.model import CompiledStack, ComposeNode, Literal, RuntimeRef, Span, Value
from hsmc.targets.compose.service import ComposeService


def url_inputs(compiled: CompiledStack) -> dict[str, tuple[str, Span | None]]:
    """Run-time inputs that a value inserts after a `://`, i.e. into a URL, as they are:
    {input: (the first variable that does, where the reference is written)}."""
    values = [(f"{var.key} in packages.env", var.value) for var in compiled.package_env]
    for service in compiled.services:
        body = ComposeService.of(service).body()  # as docker-compose.yml has it
        values += [(f"{key} of service {service.name}", v) for key, v in _values(body)]
    found: dict[str, tuple[str, Span | None]] = {}
    for where, value in values:
        in_url = False
        for piece in value.pieces:
            if isinstance(piece, Literal):
                in_url = in_url or "://" in piece.text
                continue
            todo: list[RuntimeRef] = [piece] if in_url else []
            while todo:  # a reference in a default lands in the URL too
                ref = todo.pop()
                found.setdefault(ref.name, (where, ref.span))
                todo += ref.nested
    return found


def _values(node: ComposeNode, key: str = "") -> Iterator[tuple[str, Value]]:
    if isinstance(node, Value):
        yield key, node
    elif isinstance(node, dict):
        for child_key, child in node.items():
            yield from _values(child, child_key)
    elif isinstance(node, list):
        for child in node:
            yield from _values(child, key)


def url_unsafe_inputs(
    urls: dict[str, tuple[str, Span | None]], unsafe: set[str], env_file: str
) -> tuple[Diagnostic, ...]:
    """Inputs whose value in a .env file would change the meaning of the URL they go into
    (names only, never values): no client could tell the password from the host."""
    out = Collector()
    for name in sorted(urls.keys() & unsafe):
        where, span = urls[name]
        out.add(
            "HSM502",
            f"the value of `{name}` in {env_file} cannot go into a URL as it is",
            span,
            f"{where} inserts `{name}` unencoded, and @ / : # % ? [ ] or a space would "
            f"change where the URL points: use letters, digits and - . _ ~ in {name} "
            "(e.g. `openssl rand -hex 24`)",
        )
    return tuple(out.diagnostics)
