"""The grammar of a compose `ports:` item, `[IP:][HOST:]CONTAINER[/PROTO]`, read the same way
by resolve (endpoints, published host ports) and by the kubernetes emitter (containerPorts and
Service ports), so that the port a package is given is the port a Service exposes."""

from __future__ import annotations

from hsmc import refs
from hsmc.model import Text


def port_fields(value: str) -> list[str]:
    """`[IP:][HOST:]CONTAINER[/proto]` split at colons outside `${…}`; empty fields kept."""
    if "/" in value.split("}")[-1]:
        value = value.rsplit("/", 1)[0]
    fields = [""]
    for token in refs.tokens(value):
        if token.kind is refs.Kind.TEXT:
            first, *rest = token.text.split(":")
            fields[-1] += first
            fields += rest
        else:  # a reference (or `$$`) stays whole, colons of `${X:-1}` included
            fields[-1] += token.text
    return fields


def container_side(value: str) -> str:
    """The container side of a `ports:` item (the first port of a range)."""
    return port_fields(value)[-1].split("-")[0]


def container_port(item: Text) -> str:
    return container_side(item.value)


def protocol(value: str) -> str:
    """`tcp` unless the item ends in `/udp` (or another protocol), after any reference."""
    tail = value.split("}")[-1]
    return tail.rsplit("/", 1)[1].lower() if "/" in tail else "tcp"
