"""Environment maps: merging with conflict detection, and connections (SPEC §3.5)."""

from __future__ import annotations

import re
from typing import NamedTuple

from hsmc.errors import Collector, Related
from hsmc.interpolate.refs import Interpolator, Scope
from hsmc.model import Dependency, EnvVar, ResolvedService, Span, Text, Value


class _Entry(NamedTuple):  # not a dataclass: see refs.Token
    value: Value
    origin: str
    span: Span


class EnvMap:
    """An environment being assembled; two sources giving one key different values is HSM307.

    A later source of the *same* origin kind may override an earlier one only where the caller
    says so (a profile's env over the base env), via `override=True`.
    """

    def __init__(self, owner: str, out: Collector) -> None:
        self.owner = owner
        self.out = out
        self.entries: dict[str, _Entry] = {}

    def add(self, key: str, value: Value, origin: str, span: Span, override: bool = False) -> None:
        old = self.entries.get(key)
        if old is not None and not override and old.value.plain() != value.plain():
            self.out.add(
                "HSM307",
                f"`{key}` gets two values in {self.owner}: `{old.value.plain()}` from "
                f"{old.origin} and `{value.plain()}` from {origin}",
                span,
                "make the values agree, or rename one of the variables",
                (Related(f"set by {old.origin}", old.span),),
            )
            return
        self.entries[key] = _Entry(value, origin, span)

    def sorted(self) -> tuple[EnvVar, ...]:
        entries = self.entries
        return tuple(
            EnvVar(k, entries[k].value, entries[k].origin, entries[k].span) for k in sorted(entries)
        )


def env_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def add_connection(
    env: EnvMap, dep: Dependency, target: ResolvedService, interp: Interpolator
) -> None:
    """Gives a dependent the environment that reaches `target` (its connection)."""
    container = target.container
    origin = f"the connection of `{target.name}`"
    if container.connection is not None:
        scope = Scope(
            f"the connection of `{container.name}`",
            params=target.params,
            own_params=dep.params,
            endpoint=dep.endpoint,
        )
        for setting in container.connection:
            env.add(setting.key, interp.value(setting.text, scope), origin, setting.text.span)
        return
    prefix = env_name(container.name)
    plain = Scope(f"the endpoint of `{container.name}`")
    fields: list[tuple[str, Text]] = [("HOST", dep.endpoint.host)]
    if dep.endpoint.port is not None:
        fields.append(("PORT", dep.endpoint.port))
    fields += [(env_name(s.key), s.text) for s in dep.endpoint.fields]
    for suffix, text in fields:
        env.add(f"{prefix}_{suffix}", interp.value(text, plain), origin, dep.span)
