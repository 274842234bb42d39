"""Host ports: which `ports:` a service publishes, the items `[IP:][HOST:]CONTAINER[/proto]`
read with the one `${…}` grammar, and the two checks on them (HSM404's hint, HSM408)."""

from __future__ import annotations

from hsmc import refs
from hsmc.errors import Collector, Related
from hsmc.model import (
    ContainerEntry,
    EffectiveService,
    FragmentList,
    Group,
    Profile,
    Span,
    Text,
)


def ports_of(container: ContainerEntry, profile: Profile | None) -> tuple[Text, ...]:
    """The entry's `ports:`, or its profile's when the profile has them."""
    if profile is not None and profile.ports is not None:
        return profile.ports
    return container.ports


def published_ports(
    container: ContainerEntry, profile: Profile | None, group: Group | None
) -> tuple[Text, ...]:
    """The `ports:` compose will publish: a group's `overrides: ports:` replaces the list (lists
    replace in overrides), so the host port that packages.env gives its dependents follows it."""
    if group is not None and group.overrides is not None:
        for key, value in group.overrides.items:
            if key == "ports" and isinstance(value, FragmentList):
                return tuple(item for item in value.items if isinstance(item, Text))
    return ports_of(container, profile)


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


def check_host_ports(services: tuple[EffectiveService, ...], out: Collector) -> None:
    """Two managed services may not publish one fixed host port (HSM408): compose accepts the
    file, but `docker compose up` fails on the second."""
    first: dict[str, tuple[EffectiveService, Span]] = {}
    for service in sorted(services, key=lambda s: s.name):
        if not service.managed:
            continue
        group = service.resolved.group
        for item in service.published:
            host = published_port(item, container_port(item))
            if host is None:
                continue  # the same `${X_HOST_PORT:-N}` twice collides as surely as N twice
            where = group.span if group else item.span
            other = first.setdefault(host.value, (service, where))
            if other[0] is not service:
                out.add(
                    "HSM408",
                    f"host port {host.value} is published by `{other[0].name}` and "
                    f"`{service.name}`",
                    where,
                    "give one of the groups other `ports:` (in its `overrides:` or through a "
                    "profile), or keep one group",
                    (Related(f"`{other[0].name}` publishes it too ({item.value})", other[1]),),
                )


def unpublished(
    name: str,
    container: ContainerEntry,
    group: Group | None,
    profile: Profile | None,
    main: str,
    span: Span,
    out: Collector,
) -> None:
    """HSM404: service `name` publishes no host port for its main port `main`; the hint names
    the `ports:` that decide it (the entry's, or the group's `overrides:` that replace them)."""
    message = f"service `{name}` publishes no port for the packages that need it"
    ports = published_ports(container, profile, group)
    if group is None or ports == ports_of(container, profile):
        hint = f'give `{container.name}` a `ports:` item "HOST:{main}" for its main port '
        out.add("HSM404", message, span, hint + f"({container.file})")
        return
    hint = (
        f"publish the main port {main} in the `overrides: ports:` of group `{group.name}` "
        f'(e.g. "127.0.0.1:HOST:{main}"): they replace the entry\'s `ports:`'
    )
    where = ports[0].span if ports else group.span
    related = (Related(f"group `{group.name}` publishes these ports instead", where),)
    out.add("HSM404", message, span, hint, related)
