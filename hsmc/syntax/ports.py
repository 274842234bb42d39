"""`ports:` items, short (`[IP:][HOST:]CONTAINER[/PROTO]`) or long syntax, read as compose reads
them (measured against Docker Compose v2.40: the numbers, ranges, protocols and addresses it
refuses are refused here), into typed PortItems: one PortBinding per container port.

Shared: validate reports a Problem at the item; resolve reads the bindings (endpoints, the host
ports packages.env gives, HSM404); targets read them from the Workload.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

from hsmc import refs
from hsmc.model import ContainerEntry, Fragment, FragmentMap, PortBinding, PortItem, Text
from hsmc.syntax import Problem, split_outside_refs

PROTOCOLS = ("tcp", "udp", "sctp")
_NUMBERS = re.compile(r"([0-9]+)(?:-([0-9]+))?")  # ASCII digits only: `²`, `٨٠` are refused
_MAIN = re.compile(r"-?[0-9]+")  # a main port; a sign is out of range, not another syntax
_LONG_KEYS = ("target", "published", "host_ip", "protocol", "mode", "name", "app_protocol")
_SYNTAX = '`[IP:][HOST:]CONTAINER[/tcp|udp|sctp]`, e.g. "127.0.0.1:8080:80"'


def port_item(item: Fragment) -> PortItem | Problem:
    """A `ports:` item of an entry, a profile or a group's `overrides:`."""
    if isinstance(item, Text):
        return _short(item)
    if isinstance(item, FragmentMap):
        return _long(item)
    return Problem("a `ports:` item is a string or a mapping", f"write {_SYNTAX}")


def _short(item: Text) -> PortItem | Problem:
    body, protocol = item.value, "tcp"
    tail = body.rsplit("}", 1)[-1]
    if "/" in tail:
        body, _, protocol = body.rpartition("/")
        protocol = protocol.lower() or "tcp"
    if protocol not in PROTOCOLS:
        return Problem(f"unknown protocol `{protocol}` in port `{item.value}`", f"write {_SYNTAX}")
    fields = split_outside_refs(body, ":")
    container, host = fields[-1], fields[-2] if len(fields) > 1 else ""
    address = ":".join(fields[:-2]) if len(fields) > 2 else ""
    problem = _address(address, item.value) or _numbers(container, item.value, container=True)
    problem = problem or _numbers(host, item.value, container=False)
    if problem is not None:
        return problem
    span = item.span
    ip = Text(address.strip("[]"), span) if address else None
    bindings = _bindings(container, host, protocol, ip, item)
    return bindings if isinstance(bindings, Problem) else PortItem(bindings, item, span)


def _long(item: FragmentMap) -> PortItem | Problem:
    fields: dict[str, Text] = {}
    for key, value in item.items:
        if key not in _LONG_KEYS:
            keys = ", ".join(f"`{k}`" for k in _LONG_KEYS)
            return Problem(f"`{key}` is not a key of a long-syntax port", f"use {keys}")
        if not isinstance(value, Text):
            return Problem(f"the port's `{key}` is a single value", f"write `{key}: VALUE`")
        fields[key] = value
    target = fields.get("target")
    if target is None:
        return Problem("a long-syntax port has no `target`", "add `target: CONTAINER_PORT`")
    protocol = fields["protocol"].value.lower() if "protocol" in fields else "tcp"
    if protocol not in PROTOCOLS:
        return Problem(f"unknown protocol `{protocol}`", "use tcp, udp or sctp")
    host = fields.get("published")
    text = Text(target.value, target.span)
    problem = _numbers(target.value, target.value, container=True, single=True)
    problem = problem or _address(fields["host_ip"].value if "host_ip" in fields else "", "")
    problem = problem or _numbers(host.value if host else "", target.value, container=False)
    if problem is not None:
        return problem
    ip = fields.get("host_ip")
    bindings = _bindings(text.value, host.value if host else "", protocol, ip, host or text)
    return bindings if isinstance(bindings, Problem) else PortItem(bindings, item, item.span)


def _address(address: str, item: str) -> Problem | None:
    if not address or "${" in address:
        return None
    try:
        ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        where = f" in port `{item}`" if item else ""
        return Problem(
            f"`{address}` is not an IP address{where}",
            "publish on an address such as 127.0.0.1 or [::1], or leave it out",
        )
    return None


def _numbers(field: str, item: str, container: bool, single: bool = False) -> Problem | None:
    """A port or a range of ports, ASCII digits only, in compose's bounds. A reference is
    compose's to fill; its literal default is what .env.template offers, so it is judged."""
    if "${" in field:
        default = _default(field)
        return _numbers(default, item, container, single) if default else None
    if not field and not container:
        return None
    match = _NUMBERS.fullmatch(field)
    side = "container" if container else "host"
    low = 1 if container else 0
    if match is None or (single and match.group(2)):
        return Problem(
            f"the {side} port of `{item}` is not a port number"
            if field
            else f"port `{item}` has no container port",
            f"write {_SYNTAX} with ASCII digits",
        )
    first, last = int(match.group(1)), int(match.group(2) or match.group(1))
    if not (low <= first <= last <= 65535):
        return Problem(
            f"the {side} port of `{item}` is out of range",
            f"a {side} port is {low} to 65535, a range `LOW-HIGH` with LOW ≤ HIGH",
        )
    return None


def _default(field: str) -> str | None:
    """The literal default of a field that is one `${NAME:-default}` reference."""
    tokens = refs.tokens(field)
    if len(tokens) != 1 or tokens[0].kind is not refs.Kind.BRACED:
        return None
    parsed = refs.runtime(tokens[0].inner)
    if parsed is None or parsed[1] not in (":-", "-") or not parsed[2] or "$" in parsed[2]:
        return None
    return parsed[2]


def _bindings(
    container: str, host: str, protocol: str, ip: Text | None, item: Text
) -> tuple[PortBinding, ...] | Problem:
    """One binding per container port: a container range pairs with a host range of the same
    length (or none); a single container port may take a host range, from which compose picks
    one port (not a fixed host port, then)."""
    span = item.span
    if "${" in container or "-" not in container:
        ranged = "-" in host and "${" not in host
        fixed = Text(host, span) if host and not ranged else None
        return (PortBinding(Text(container, span), protocol, ip, fixed),)
    low, high = (int(n) for n in container.split("-"))
    count = high - low + 1
    if not host:
        return tuple(
            PortBinding(Text(str(low + n), span), protocol, ip, None) for n in range(count)
        )
    first, _, last = host.partition("-")
    if "${" in host or not last or int(last) - int(first) + 1 != count:
        return _ranges(container, host, item.value)
    return tuple(
        PortBinding(Text(str(low + n), span), protocol, ip, Text(str(int(first) + n), span))
        for n in range(count)
    )


def _ranges(container: str, host: str, item: str) -> Problem:
    return Problem(
        f"port `{item}` maps the container range {container} to host ports {host}",
        "a container range needs a host range of the same length (`8000-8001:80-81`), or no "
        "host port",
    )


def main_port(container: ContainerEntry, ports: tuple[PortItem, ...]) -> str | None:
    """The container port clients connect to: the entry's `port:`, else the container side of
    the first `ports:` item."""
    if container.port is not None:
        return str(container.port)
    if ports and ports[0].bindings:
        return ports[0].bindings[0].container.value
    return None


def main_port_problem(port: str, what: str) -> Problem | None:
    """A main port (an entry's `port:`, an external profile's `port`) goes into a dependent's
    URL as written, so it must be one a client can connect to: 1 to 65535. A reference is
    filled at run time; its literal default is what .env.template offers, so it is judged."""
    if "${" in port:
        default = _default(port)
        return main_port_problem(default, what) if default else None
    hint = "write the port clients connect to, a number from 1 to 65535, e.g. `port: 8000`"
    if _MAIN.fullmatch(port) is None:
        return Problem(f"{what} `{port}` is not a port number", hint)
    if len(port) > 6 or not 1 <= int(port) <= 65535:  # int() of 4,301 digits would raise
        return Problem(f"{what} `{port}` is out of range", hint)
    return None


def published_port(item: PortItem, main: str) -> Text | None:
    """The fixed host port that `item` publishes container port `main` on, or None."""
    for binding in item.bindings:
        if binding.container.value == main and binding.host_port is not None:
            return binding.host_port
    return None


def host_number(host: str, nonempty: Mapping[str, bool], numbers: Mapping[str, int]) -> int | None:
    """The host port a binding lands on, as compose fills `host` from the environment: a
    number as written, else the value of a lone `${NAME…}` (`nonempty`: the names set and
    whether non-empty; `numbers`: the values that are port numbers), else its literal default.
    None when it cannot be known here (no value, a range, text around the reference)."""
    if "${" not in host:
        return int(host) if _NUMBERS.fullmatch(host) and "-" not in host else None
    tokens = refs.tokens(host)
    parsed = refs.runtime(tokens[0].inner) if len(tokens) == 1 else None
    if parsed is None or tokens[0].kind is not refs.Kind.BRACED:
        return None
    name, op, rest = parsed
    given = name in nonempty and (nonempty[name] or op == "-")
    if given:
        return numbers.get(name)
    if op in (":-", "-") and rest is not None and "$" not in rest:
        return host_number(rest, {}, {})
    return None
