"""What compose refuses at `up` although it accepts the file: two services publishing one host
port (HSM408) — written the same way, landing on the same port through a reference's default,
or, for `hsmc check --env-file`, through the values `.env` gives."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping

from hsmc.errors import Collector, Related
from hsmc.model import EffectiveService, PortBinding, PortItem, Span, Text
from hsmc.record import Record, setfield
from hsmc.syntax.ports import host_number


class _Published(Record):
    service: EffectiveService
    item: PortItem
    binding: PortBinding
    number: int | None  # the host port it lands on, when known here
    where: Span  # the group, else the item (an implicit group has no line of its own)

    def __init__(
        self,
        service: EffectiveService,
        item: PortItem,
        binding: PortBinding,
        number: int | None,
        where: Span,
    ) -> None:
        setfield(self, "service", service)
        setfield(self, "item", item)
        setfield(self, "binding", binding)
        setfield(self, "number", number)
        setfield(self, "where", where)


def check_host_ports(
    services: tuple[EffectiveService, ...],
    out: Collector,
    nonempty: Mapping[str, bool] | None = None,
    numbers: Mapping[str, int] | None = None,
) -> None:
    """Two managed services may not publish one host port on overlapping addresses (HSM408):
    compose accepts the file, but `docker compose up` fails on the second with "port is already
    allocated", without naming the first. Without `.env` (a build) a reference counts at its
    default; with it (`nonempty`, `numbers`: what it sets) at its value."""
    seen: list[_Published] = []
    reported: set[tuple[str, str]] = set()
    for current in _published(services, nonempty or {}, numbers or {}):
        for earlier in seen:
            names = (earlier.service.name, current.service.name)
            if names[0] != names[1] and names not in reported and _clash(earlier, current):
                reported.add(names)
                _report(earlier, current, nonempty is not None, out)
                break
        seen.append(current)


def _published(
    services: tuple[EffectiveService, ...],
    nonempty: Mapping[str, bool],
    numbers: Mapping[str, int],
) -> Iterator[_Published]:
    for service in sorted(services, key=lambda s: s.name):
        if not service.managed:
            continue
        group = service.resolved.group
        for item in service.ports:
            for binding in item.bindings:
                if binding.host_port is None:
                    continue
                number = host_number(binding.host_port.value, nonempty, numbers)
                where = group.span if group else item.span
                yield _Published(service, item, binding, number, where)


def _clash(a: _Published, b: _Published) -> bool:
    if a.binding.protocol != b.binding.protocol:
        return False
    same_text = a.binding.host_port == b.binding.host_port or (
        a.binding.host_port is not None
        and b.binding.host_port is not None
        and a.binding.host_port.value == b.binding.host_port.value
    )
    if not same_text and (a.number is None or a.number != b.number or a.number == 0):
        return False
    return _overlap(a.binding.host_ip, b.binding.host_ip)


def _overlap(a: Text | None, b: Text | None) -> bool:
    """Whether two host addresses share a socket: the same address, or a wildcard (no
    address: every interface; 0.0.0.0 and :: each of their family). A reference is not known
    here: no clash is claimed."""
    if a is None or b is None:
        return True
    if "${" in a.value or "${" in b.value:
        return a.value == b.value
    first, second = ipaddress.ip_address(a.value), ipaddress.ip_address(b.value)
    if first.version != second.version:
        return False
    return first == second or first.is_unspecified or second.is_unspecified


def _report(earlier: _Published, current: _Published, from_env: bool, out: Collector) -> None:
    first, second = earlier.service.name, current.service.name
    text_a, text_b = _text(earlier.item), _text(current.item)
    written = [p.binding.host_port.value for p in (earlier, current) if p.binding.host_port]
    if len(set(written)) == 1:
        message = f"host port {written[0]} is published by `{first}` and `{second}`"
    elif from_env:
        message = (
            f"`{first}` ({text_a}) and `{second}` ({text_b}) publish the same host port with "
            "the values of the env file"
        )
    else:
        message = (
            f"host port {current.number} is published by `{first}` ({text_a}) and "
            f"`{second}` ({text_b}), a reference's default included"
        )
    out.add(
        "HSM408",
        message,
        current.where,
        "give one of the groups other `ports:` (in its `overrides:` or through a profile), "
        "move one in .env (e.g. `…_HOST_PORT=15432`), or keep one group",
        (Related(f"`{first}` publishes it too ({text_a})", earlier.where),),
    )


def _text(item: PortItem) -> str:
    return item.written.value if isinstance(item.written, Text) else "a long-syntax item"
