"""Compose services: one per managed group, with merged env, connections and overrides."""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from hsmc.errors import Collector
from hsmc.interpolate.env import EnvMap, add_connection
from hsmc.interpolate.refs import Interpolator, Scope, literal
from hsmc.model import (
    BuildSource,
    ComposeNode,
    Dependency,
    Fragment,
    FragmentList,
    FragmentMap,
    Healthcheck,
    ImageSource,
    ResolvedService,
    ServiceOut,
    Stack,
    Text,
    Value,
)
from hsmc.resolve import effective_ports

_NAMED_VOLUME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]*):")


def compile_services(
    stack: Stack, interp: Interpolator, out: Collector
) -> tuple[tuple[ServiceOut, ...], tuple[str, ...]]:
    by_name = {s.name: s for s in stack.services}
    services = []
    for service in stack.services:
        if service.managed:
            needs = stack.service_needs.get(service.name, ())
            services.append(_service(service, needs, by_name, stack, interp, out))
    return tuple(services), named_volumes(services)


def _service(
    service: ResolvedService,
    needs: tuple[Dependency, ...],
    by_name: Mapping[str, ResolvedService],
    stack: Stack,
    interp: Interpolator,
    out: Collector,
) -> ServiceOut:
    container, profile = service.container, service.profile
    scope = Scope(f"container `{container.name}`", params=service.params)

    def v(text: Text) -> Value:
        return interp.value(text, scope)

    command = (profile.command if profile else None) or container.command
    parts: dict[str, ComposeNode | None] = {
        **_made_of(service, stack, v),
        "command": [v(t) for t in command] if isinstance(command, tuple) else _opt(command, v),
        "environment": _environment(service, needs, by_name, interp, v, out),
        "ports": [v(p) for p in effective_ports(container, profile)],
        "volumes": _volume_list(service, stack, v),
        "depends_on": _depends_on(needs, by_name),
        "healthcheck": _healthcheck(
            container.healthcheck, profile.healthcheck if profile else None, v
        ),
    }
    body = {key: value for key, value in parts.items() if value}  # empty parts are left out
    if service.group is not None and service.group.overrides is not None:
        fragment = _override_fragment(service.group.overrides, stack, v, out)
        body = _merge_overrides(body, fragment)
        volumes = _with_shipped_mounts(body.get("volumes"), service)
        if volumes:
            body["volumes"] = volumes
    comment = _comment(service, stack.manifest.directory)
    return ServiceOut(service.name, comment, body, container.files)


def _opt(text: Text | None, v: Callable[[Text], Value]) -> Value | None:
    return v(text) if text is not None else None


def _made_of(
    service: ResolvedService, stack: Stack, v: Callable[[Text], Value]
) -> dict[str, ComposeNode | None]:
    """`build:` from a build source, else `image:` (source, profile, entry, in that order)."""
    source, profile = service.source, service.profile
    if isinstance(source, BuildSource):
        return {"build": _build(source, stack, v)}
    image = source.image if isinstance(source, ImageSource) else None
    image = image or (profile.image if profile else None) or service.container.image
    return {"image": _opt(image, v)}


def _environment(
    service: ResolvedService,
    needs: tuple[Dependency, ...],
    by_name: Mapping[str, ResolvedService],
    interp: Interpolator,
    v: Callable[[Text], Value],
    out: Collector,
) -> dict[str, ComposeNode]:
    """The entry's env, the profile's env over it, then the connections of what it needs."""
    container, profile = service.container, service.profile
    env = EnvMap(f"service `{service.name}`", out)
    for setting in container.env:
        env.add(setting.key, v(setting.text), f"`{container.name}`", setting.text.span)
    if profile is not None:
        for setting in profile.env:
            origin = f"profile `{profile.name}`"
            env.add(setting.key, v(setting.text), origin, setting.text.span, override=True)
    for dep in needs:
        add_connection(env, dep, by_name[dep.service], interp)
    return {e.key: e.value for e in env.sorted()}


def _volume_list(
    service: ResolvedService, stack: Stack, v: Callable[[Text], Value]
) -> list[ComposeNode]:
    base, output = service.container.directory, stack.manifest.output
    volumes: list[ComposeNode] = [v(_rebased(t, base, output)) for t in _volumes(service)]
    return _with_shipped_mounts(volumes, service)


def _with_shipped_mounts(
    volumes: ComposeNode | None, service: ResolvedService
) -> list[ComposeNode]:
    """The mounts of the entry's `files:`, which no `overrides:` may drop (hsmc ships them)."""
    result = list(volumes) if isinstance(volumes, list) else []
    for shipped in service.container.files:
        mount = literal(f"./files/{service.name}/{shipped.name}:{shipped.container_path}:ro")
        if mount not in result:
            result.append(mount)
    return result


_RELATIVE_BIND = re.compile(r"^(\.{1,2}(?:/[^:]*)?):(.*)$")


def _rebased(item: Text, base: Path, output: Path) -> Text:
    """A relative bind mount (`./conf:/etc/x`) is relative to the file that names it; compose
    resolves it against the compose file, so it is rewritten relative to the output."""
    match = _RELATIVE_BIND.match(item.value)
    if match is None:
        return item
    source = Path(os.path.relpath(base / match.group(1), output)).as_posix()
    source = source if source.startswith(".") else f"./{source}"
    return Text(f"{source}:{match.group(2)}", item.span)


def _merge_overrides(
    body: dict[str, ComposeNode], fragment: dict[str, ComposeNode]
) -> dict[str, ComposeNode]:
    """A group's `overrides:` over the generated service: maps merge key by key, lists and
    scalars replace (SPEC §2.1). deepmerge mutates its first argument: give it a copy."""
    from deepmerge import Merger

    merger = Merger([(dict, ["merge"]), (list, ["override"])], ["override"], ["override"])
    merged: dict[str, ComposeNode] = merger.merge(copy.deepcopy(body), fragment)
    return merged


def _volumes(service: ResolvedService) -> tuple[Text, ...]:
    profile = service.profile
    if profile is not None and profile.volumes is not None:
        return profile.volumes
    return service.container.volumes


def _build(source: BuildSource, stack: Stack, v: Callable[[Text], Value]) -> dict[str, ComposeNode]:
    context = os.path.relpath(source.directory, stack.manifest.output)
    build: dict[str, ComposeNode] = {"context": literal(Path(context).as_posix())}
    if source.dockerfile is not None:
        build["dockerfile"] = v(source.dockerfile)
    if source.args:
        build["args"] = {a.key: v(a.text) for a in sorted(source.args, key=lambda a: a.key)}
    return build


def _depends_on(
    needs: tuple[Dependency, ...], by_name: Mapping[str, ResolvedService]
) -> dict[str, ComposeNode]:
    result: dict[str, ComposeNode] = {}
    for dep in sorted(needs, key=lambda d: d.service):
        target = by_name[dep.service]
        if not target.managed:
            continue
        healthy = _healthcheck(target.container.healthcheck, _profile_hc(target), literal_text)
        condition = "service_healthy" if healthy and "disable" not in healthy else "service_started"
        result[dep.service] = {"condition": literal(condition)}
    return result


def literal_text(text: Text) -> Value:
    return literal(text.value)


def _profile_hc(service: ResolvedService) -> Healthcheck | None:
    return service.profile.healthcheck if service.profile else None


def _healthcheck(
    base: Healthcheck | None, over: Healthcheck | None, v: Callable[[Text], Value]
) -> dict[str, ComposeNode]:
    result: dict[str, ComposeNode] = {}
    for name in ("test", "interval", "timeout", "retries", "start_period", "start_interval"):
        value = getattr(over, name, None) if over else None
        value = value if value is not None else getattr(base, name, None) if base else None
        if isinstance(value, tuple):
            result[name] = [v(t) for t in value]
        elif isinstance(value, Text):
            result[name] = v(value)
        elif isinstance(value, int):
            result[name] = value
    disable = over.disable if over and over.disable is not None else base.disable if base else None
    if disable is not None:
        result["disable"] = disable
    return result


def _override_fragment(
    overrides: FragmentMap, stack: Stack, v: Callable[[Text], Value], out: Collector
) -> dict[str, ComposeNode]:
    """A group's `overrides:` as compose data: `environment:` in list form becomes a map (so it
    merges with the generated one instead of replacing it), and relative bind mounts are
    rebased from the project directory to the output directory."""
    result: dict[str, ComposeNode] = {}
    for key, fragment in overrides.items:
        if key == "environment" and isinstance(fragment, FragmentList):
            result[key] = _environment_map(fragment, v, out)
        elif key == "volumes" and isinstance(fragment, FragmentList):
            base, output = stack.manifest.directory, stack.manifest.output
            result[key] = [
                v(_rebased(item, base, output)) if isinstance(item, Text) else _fragment(item, v)
                for item in fragment.items
            ]
        else:
            result[key] = _fragment(fragment, v)
    return result


def _environment_map(
    fragment: FragmentList, v: Callable[[Text], Value], out: Collector
) -> dict[str, ComposeNode]:
    env: dict[str, ComposeNode] = {}
    for item in fragment.items:
        if isinstance(item, Text) and "=" in item.value:
            key, _, value = item.value.partition("=")
            env[key] = v(Text(value, item.span))
        else:
            span = item.span
            out.add(
                "HSM112",
                "an `environment:` item of `overrides:` is not `KEY=value`",
                span,
                "write `KEY=value`, or use the map form `KEY: value`",
            )
    return env


def _fragment(fragment: Fragment, v: Callable[[Text], Value]) -> ComposeNode:
    if isinstance(fragment, FragmentMap):
        return {k: _fragment(f, v) for k, f in fragment.items}
    if isinstance(fragment, FragmentList):
        return [_fragment(f, v) for f in fragment.items]
    value: Value = v(fragment)
    return value


def named_volumes(services: list[ServiceOut]) -> tuple[str, ...]:
    """Named volumes the services use (short `name:/path` or long `type: volume` syntax),
    declared at the top level of the compose file."""
    names = set()
    for service in services:
        volumes = service.body.get("volumes")
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


def _comment(service: ResolvedService, project: Path) -> str:
    """What put the service there; a build context relative to the project directory."""
    why = f"group {service.name}" if service.group else "implicit group"
    if service.implied_by:
        why += f", implied by {', '.join(service.implied_by)}"
    profile = service.profile.name if service.profile else "managed (implicit)"
    source = service.source
    if isinstance(source, BuildSource):
        context = Path(os.path.relpath(source.directory, project)).as_posix()
        made = f"source {source.mode} (build {context})"
    elif isinstance(source, ImageSource):
        made = f"source {source.mode} (image)"
    elif service.profile is not None and service.profile.image is not None:
        made = f"image of profile {service.profile.name}"
    else:
        made = "image of the entry"
    return f"{why}; container {service.container.name}; profile {profile}; {made}"
