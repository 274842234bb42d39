"""`ports:` items: `[IP:][HOST:]CONTAINER[/proto]`, read with the one `${…}` grammar."""

from __future__ import annotations

from hsmc import refs
from hsmc.model import ContainerEntry, Text


def main_port(container: ContainerEntry, ports: tuple[Text, ...]) -> str | None:
    if container.port is not None:
        return str(container.port)
    if ports:
        return container_port(ports[0])
    return None


def _port_fields(value: str) -> list[str]:
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


def _first_port(ports: str) -> str:
    return ports.split("-")[0]


def container_port(item: Text) -> str:
    """The container side of a `ports:` item (the first port of a range)."""
    return _first_port(_port_fields(item.value)[-1])


def published_port(item: Text, main: str) -> Text | None:
    """The host port that `item` publishes for container port `main`, or None when it does not
    publish it on a fixed host port (no host part, `IP::PORT`, or another port)."""
    fields = _port_fields(item.value)
    if len(fields) < 2 or not fields[-2]:
        return None
    host, container = fields[-2], fields[-1]
    if "-" not in container:
        return Text(host, item.span) if container == main else None
    low, _, high = container.partition("-")
    if not (low.isdigit() and high.isdigit() and main.isdigit()):
        return None
    if not int(low) <= int(main) <= int(high):
        return None
    host_low = host.partition("-")[0]
    if not host_low.isdigit():
        return None
    return Text(str(int(host_low) + int(main) - int(low)), item.span)
