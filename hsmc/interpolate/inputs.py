"""Run-time inputs: every ${VAR} an artifact keeps, with where it is used (.env.template)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from hsmc.model import ComposeNode, EnvVar, RuntimeInput, ServiceValues, Span, Value
from hsmc.secret_names import looks_secret
from hsmc.targets.compose.service import ComposeService


@dataclass
class _Seen:
    defaults: list[str] = field(default_factory=list)
    required: bool = False
    secret: bool = False
    used_in: set[str] = field(default_factory=set)
    span: Span | None = None


def collect_inputs(
    services: tuple[ServiceValues, ...], env: tuple[EnvVar, ...]
) -> tuple[RuntimeInput, ...]:
    seen: dict[str, _Seen] = {}

    def note(value: Value, where: str, key: str | None) -> None:
        for ref in value.refs:
            item = seen.setdefault(ref.name, _Seen())
            if ref.default is not None:
                item.defaults.append(ref.default)
            item.required |= ref.required
            item.secret |= looks_secret(ref.name) or (key is not None and looks_secret(key))
            item.used_in.add(where)
            item.span = item.span or ref.span

    for service in services:  # what docker-compose.yml keeps, overrides merged
        _walk(ComposeService.of(service).body(), f"service {service.name}", None, note)
    for var in env:
        note(var.value, "packages.env", var.key)
    return tuple(
        RuntimeInput(
            name,
            item.defaults[0] if item.defaults and not item.required else None,
            item.required,
            item.secret,
            tuple(sorted(item.used_in)),
            item.span,
        )
        for name, item in sorted(seen.items())
    )


def _walk(
    node: ComposeNode, where: str, key: str | None, note: Callable[[Value, str, str | None], None]
) -> None:
    if isinstance(node, Value):
        note(node, where, key)
    elif isinstance(node, dict):
        for k, child in node.items():
            _walk(child, where, k, note)
    elif isinstance(node, list):
        for child in node:
            _walk(child, where, key, note)
