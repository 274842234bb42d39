"""A workload as a compose service: its one serialisation to compose nodes.

Where the input shares compose's syntax (ports, volumes, commands, durations), the item is
written as the author wrote it (`written`), so the file reads like the input; the keys of a
group's `overrides:` that no typed field models are merged last (maps merge key by key, lists
and scalars replace: SPEC §2.1).
"""

from __future__ import annotations

import copy

from hsmc.inputs import Use, package_uses
from hsmc.model import BuildChoice, BuildValues, DependsOn, Literal, Mount, Value
from hsmc.syntax import quantities
from hsmc.targets.compose.develop import develop
from hsmc.workload import CompiledStack, Healthcheck, MountKind, Node, Resources, Workload


def literal(text: str) -> Value:
    return Value((Literal(text),) if text else ())


def body(workload: Workload) -> dict[str, Node]:
    """The service as compose data, empty parts left out."""
    command, entrypoint = workload.command, workload.entrypoint
    made = workload.effective.made
    parts: dict[str, Node | None] = {
        "image": workload.image,
        "build": _build(workload.build) if workload.build else None,
        "command": _written(command.written) if command else None,
        "entrypoint": _written(entrypoint.written) if entrypoint else None,
        "environment": {e.key: e.value for e in workload.environment},
        "ports": [p.written for p in workload.ports],
        "volumes": _with_mounts([v.written for v in workload.volumes], workload.effective.mounts),
        "depends_on": {d.service: _condition(d) for d in workload.depends_on},
        "healthcheck": _healthcheck(workload.healthcheck) if workload.healthcheck else None,
        "deploy": _deploy(workload.resources) if workload.resources else None,
        "develop": develop(made)
        if isinstance(made := workload.effective.made, BuildChoice)
        else None,
    }
    found = {key: value for key, value in parts.items() if value}
    if workload.extras:
        found = _merge(found, dict(workload.extras))
    return found


def _written(written: Value | tuple[Value, ...]) -> Node:
    return list(written) if isinstance(written, tuple) else written


def _condition(dep: DependsOn) -> Node:
    node: dict[str, Node] = {"condition": literal(dep.condition)}
    if dep.restart is not None:
        node["restart"] = dep.restart
    if dep.required is not None:
        node["required"] = dep.required
    return node


def _build(build: BuildValues) -> dict[str, Node]:
    node: dict[str, Node] = {"context": literal(build.context)}
    if build.dockerfile is not None:
        node["dockerfile"] = build.dockerfile
    if build.args:
        node["args"] = dict(build.args)
    return node


def _healthcheck(check: Healthcheck) -> dict[str, Node]:
    fields: dict[str, Node | None] = {
        "test": _written(check.written) if check.written is not None else None,
        "interval": check.interval.written if check.interval else None,
        "timeout": check.timeout.written if check.timeout else None,
        "retries": check.retries.value if check.retries is not None else None,
        "start_period": check.start_period.written if check.start_period else None,
        "start_interval": check.start_interval.written if check.start_interval else None,
        "disable": check.disable,
    }
    return {key: value for key, value in fields.items() if value is not None}


def _deploy(resources: Resources) -> dict[str, Node]:
    """`resources:` as compose's `deploy.resources`: limits are enforced by `docker compose
    up`, a memory reservation is a soft limit, a CPU reservation only matters to Swarm."""
    sections = (
        ("limits", resources.limits_cpu, resources.limits_memory),
        ("reservations", resources.requests_cpu, resources.requests_memory),
    )
    found: dict[str, Node] = {}
    for section, cpu, memory in sections:
        amounts: dict[str, Node] = {}
        if cpu is not None:
            amounts["cpus"] = literal(quantities.compose_cpus(cpu))
        if memory is not None:
            amounts["memory"] = literal(quantities.compose_memory(memory))
        if amounts:
            found[section] = amounts
    return {"resources": found} if found else {}


def _with_mounts(volumes: list[Node], mounts: tuple[Mount, ...]) -> list[Node]:
    for mount in mounts:
        item = literal(f"{mount.source}:{mount.target}:ro")
        if item not in volumes:
            volumes.append(item)
    return volumes


def _merge(found: dict[str, Node], extras: dict[str, Node]) -> dict[str, Node]:
    """deepmerge mutates its first argument: give it a copy."""
    from deepmerge import Merger

    merger = Merger([(dict, ["merge"]), (list, ["override"])], ["override"], ["override"])
    merged: dict[str, Node] = merger.merge(copy.deepcopy(found), extras)
    return merged


def comment(workload: Workload) -> str:
    """What put the service there, and how it is made."""
    resolved, made = workload.effective.resolved, workload.effective.made
    why = f"group {resolved.name}" if resolved.group else "implicit group"
    if resolved.implied_by:
        why += f", implied by {', '.join(resolved.implied_by)}"
    profile = resolved.profile.name if resolved.profile else "managed (implicit)"
    if isinstance(made, BuildChoice):
        how = f"source {made.source.mode} (build {made.from_project})"
    else:
        how = made.origin if made is not None else "image of the entry"
    return f"{why}; container {resolved.container.name}; profile {profile}; {how}"


def named_volumes(workloads: tuple[Workload, ...]) -> tuple[str, ...]:
    """Named volumes the services use, declared at the top level of the compose file."""
    names = {
        v.source for w in workloads for v in w.volumes if v.kind is MountKind.VOLUME and v.source
    }
    return tuple(sorted(names))


def uses(compiled: CompiledStack) -> list[Use]:
    """Every value docker-compose.yml and packages.env write."""
    found: list[Use] = []
    for workload in compiled.workloads:
        _walk(body(workload), f"service {workload.name}", None, found)
    return found + package_uses(compiled.package_env)


def _walk(node: Node, where: str, key: str | None, found: list[Use]) -> None:
    if isinstance(node, Value):
        found.append(Use(where, key, node))
    elif isinstance(node, dict):
        for k, child in node.items():
            _walk(child, where, k, found)
    elif isinstance(node, list):
        for child in node:
            _walk(child, where, key, found)
