"""Host ports (the compose target): which `ports:` a service publishes and the two checks on
them (HSM404's hint, HSM408). The items themselves are read by the shared hsmc/ports.py."""

from __future__ import annotations

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
from hsmc.ports import container_port, published_port


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
