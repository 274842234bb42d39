"""The compose service as typed data, and its one serialisation to compose nodes.

Shared by the stages that look at docker-compose.yml (emit writes it, interpolate lists the
run-time inputs it keeps, explain shows it); it imports no stage.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from hsmc.model import (
    BuildChoice,
    BuildValues,
    ComposeNode,
    DependsOn,
    HealthcheckValues,
    Literal,
    Mount,
    ServiceValues,
    Value,
)


def literal(text: str) -> Value:
    return Value((Literal(text),) if text else ())


@dataclass(frozen=True)
class ComposeService:
    name: str
    comment: str
    image: Value | None
    build: BuildValues | None
    command: Value | tuple[Value, ...] | None
    environment: tuple[tuple[str, Value], ...]
    ports: tuple[Value, ...]
    volumes: tuple[Value, ...]
    mounts: tuple[Mount, ...]
    depends_on: tuple[DependsOn, ...]
    healthcheck: HealthcheckValues
    overrides: dict[str, ComposeNode] | None

    @classmethod
    def of(cls, service: ServiceValues) -> ComposeService:
        effective = service.effective
        return cls(
            name=service.name,
            comment=comment(service),
            image=service.image,
            build=service.build,
            command=service.command,
            environment=tuple((e.key, e.value) for e in service.environment),
            ports=service.ports,
            volumes=service.volumes,
            mounts=effective.mounts,
            depends_on=effective.depends_on,
            healthcheck=service.healthcheck,
            overrides=service.overrides,
        )

    def body(self) -> dict[str, ComposeNode]:
        """The service as compose data: empty parts left out, the group's `overrides:` merged
        over it, the shipped mounts kept whatever the overrides say."""
        command = self.command
        parts: dict[str, ComposeNode | None] = {
            "image": self.image,
            "build": _build(self.build) if self.build else None,
            "command": list(command) if isinstance(command, tuple) else command,
            "environment": dict(self.environment),
            "ports": list(self.ports),
            "volumes": _with_mounts(list(self.volumes), self.mounts),
            "depends_on": {
                d.service: {
                    "condition": literal("service_healthy" if d.healthy else "service_started")
                }
                for d in self.depends_on
            },
            "healthcheck": _healthcheck(self.healthcheck),
        }
        body = {key: value for key, value in parts.items() if value}
        if self.overrides is not None:
            body = _merge(body, self.overrides)
            volumes = body.get("volumes")
            volumes = _with_mounts(list(volumes) if isinstance(volumes, list) else [], self.mounts)
            if volumes:
                body["volumes"] = volumes
        return body


def _build(build: BuildValues) -> dict[str, ComposeNode]:
    node: dict[str, ComposeNode] = {"context": literal(build.context)}
    if build.dockerfile is not None:
        node["dockerfile"] = build.dockerfile
    if build.args:
        node["args"] = dict(build.args)
    return node


def _healthcheck(check: HealthcheckValues) -> dict[str, ComposeNode]:
    test = check.test
    fields: dict[str, ComposeNode | None] = {
        "test": list(test) if isinstance(test, tuple) else test,
        "interval": check.interval,
        "timeout": check.timeout,
        "retries": check.retries,
        "start_period": check.start_period,
        "start_interval": check.start_interval,
        "disable": check.disable,
    }
    return {key: value for key, value in fields.items() if value is not None}


def _with_mounts(volumes: list[ComposeNode], mounts: tuple[Mount, ...]) -> list[ComposeNode]:
    for mount in mounts:
        item = literal(f"{mount.source}:{mount.target}:ro")
        if item not in volumes:
            volumes.append(item)
    return volumes


def _merge(
    body: dict[str, ComposeNode], fragment: dict[str, ComposeNode]
) -> dict[str, ComposeNode]:
    """Maps merge key by key, lists and scalars replace (SPEC §2.1). deepmerge mutates its
    first argument: give it a copy."""
    from deepmerge import Merger

    merger = Merger([(dict, ["merge"]), (list, ["override"])], ["override"], ["override"])
    merged: dict[str, ComposeNode] = merger.merge(copy.deepcopy(body), fragment)
    return merged


def comment(service: ServiceValues) -> str:
    """What put the service there, and how it is made."""
    resolved, made = service.effective.resolved, service.effective.made
    why = f"group {resolved.name}" if resolved.group else "implicit group"
    if resolved.implied_by:
        why += f", implied by {', '.join(resolved.implied_by)}"
    profile = resolved.profile.name if resolved.profile else "managed (implicit)"
    if isinstance(made, BuildChoice):
        how = f"source {made.source.mode} (build {made.from_project})"
    else:
        how = made.origin if made is not None else "image of the entry"
    return f"{why}; container {resolved.container.name}; profile {profile}; {how}"


_NAMED_VOLUME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]*):")


def named_volumes(bodies: list[dict[str, ComposeNode]]) -> tuple[str, ...]:
    """Named volumes the services use (short `name:/path` or long `type: volume` syntax),
    declared at the top level of the compose file."""
    names = set()
    for body in bodies:
        volumes = body.get("volumes")
        for item in volumes if isinstance(volumes, list) else ():
            if isinstance(item, Value):
                match = _NAMED_VOLUME.match(item.plain())
                if match and not re.match(r"^[A-Za-z]:[\\/]", item.plain()):  # not C:/…
                    names.add(match.group(1))
            elif isinstance(item, dict) and _plain(item.get("type")) == "volume":
                source = _plain(item.get("source"))
                if source:
                    names.add(source)
    return tuple(sorted(names))


def _plain(node: ComposeNode | None) -> str:
    return node.plain() if isinstance(node, Value) else ""
