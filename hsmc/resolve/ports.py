"""Which `ports:` a service has once its group's `overrides:` apply, read into typed PortItems
(HSM320 for an item compose would refuse), and HSM404's hint. The host ports packages.env
gives its dependents follow these items."""

from __future__ import annotations

from hsmc.errors import Collector, Related
from hsmc.model import ContainerEntry, Fragment, FragmentList, Group, PortItem, Profile, Span
from hsmc.resolve import overrides
from hsmc.syntax import Problem
from hsmc.syntax.ports import port_item


def written_ports(
    container: ContainerEntry, profile: Profile | None, group: Group | None, out: Collector
) -> tuple[Fragment, ...]:
    """The items as written: a group's `overrides: ports:` replace the profile's, which
    replace the entry's."""
    given = overrides.items(group, "ports", out)
    if given is not None:
        return given
    if profile is not None and profile.ports is not None:
        return profile.ports
    return container.ports


def typed_ports(items: tuple[Fragment, ...], out: Collector) -> tuple[PortItem, ...]:
    result = []
    for item in items:
        found = port_item(item)
        if isinstance(found, Problem):
            out.add("HSM320", found.message, item.span, found.hint)
        else:
            result.append(found)
    return tuple(result)


def unpublished(
    name: str,
    container: ContainerEntry,
    group: Group | None,
    main: str,
    span: Span,
    out: Collector,
) -> None:
    """HSM404: service `name` publishes no host port for its main port `main`; the hint names
    the `ports:` that decide it (the entry's, or the group's `overrides:` that replace them)."""
    message = f"service `{name}` publishes no port for the packages that need it"
    given = overrides.given(group, "ports")
    if group is None or given is None:
        hint = f'give `{container.name}` a `ports:` item "HOST:{main}" for its main port '
        out.add("HSM404", message, span, hint + f"({container.file})")
        return
    hint = (
        f"publish the main port {main} in the `overrides: ports:` of group `{group.name}` "
        f'(e.g. "127.0.0.1:HOST:{main}"): they replace the entry\'s `ports:`'
    )
    first = given.items[0] if isinstance(given, FragmentList) and given.items else given
    related = (Related(f"group `{group.name}` publishes these ports instead", first.span),)
    out.add("HSM404", message, span, hint, related)
