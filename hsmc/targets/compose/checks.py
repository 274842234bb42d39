"""What compose refuses at `up` although it accepts the file: one host port published twice
(HSM408)."""

from __future__ import annotations

from hsmc.errors import Collector, Related
from hsmc.model import EffectiveService, PortItem, Span, Text


def check_host_ports(services: tuple[EffectiveService, ...], out: Collector) -> None:
    """Two managed services may not publish one fixed host port (HSM408): compose accepts the
    file, but `docker compose up` fails on the second."""
    first: dict[str, tuple[EffectiveService, Span]] = {}
    for service in sorted(services, key=lambda s: s.name):
        if not service.managed:
            continue
        group = service.resolved.group
        for item in service.ports:
            # the same `${X_HOST_PORT:-N}` twice collides as surely as N twice
            hosts = dict.fromkeys(b.host_port.value for b in item.bindings if b.host_port)
            for host in hosts:
                where = group.span if group else item.span
                other = first.setdefault(host, (service, where))
                if other[0] is service:
                    continue
                out.add(
                    "HSM408",
                    f"host port {host} is published by `{other[0].name}` and `{service.name}`",
                    where,
                    "give one of the groups other `ports:` (in its `overrides:` or through a "
                    "profile), or keep one group",
                    (Related(f"`{other[0].name}` publishes it too ({_shown(item)})", other[1]),),
                )


def _shown(item: PortItem) -> str:
    return item.written.value if isinstance(item.written, Text) else "a long-syntax item"
