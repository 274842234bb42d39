"""The effective service: each fallback (source → profile → entry, profile over entry, group
overrides) decided once, here, into a record every target reads the same way."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

from hsmc.errors import Collector
from hsmc.model import (
    BuildChoice,
    BuildSource,
    Dependency,
    DependsOn,
    EffectiveService,
    Endpoint,
    EnvLayer,
    Fragment,
    FragmentMap,
    Healthcheck,
    HealthcheckSpec,
    ImageChoice,
    ImageSource,
    Manifest,
    Mount,
    PortItem,
    Profile,
    ResolvedService,
    ResourceSpec,
    Text,
)
from hsmc.resolve import overrides
from hsmc.resolve.notes import service_notes

_T = TypeVar("_T")


def effective_services(
    services: tuple[ResolvedService, ...],
    needs: Mapping[str, tuple[Dependency, ...]],
    ports: Mapping[str, tuple[PortItem, ...]],
    manifest: Manifest,
    out: Collector,
) -> tuple[EffectiveService, ...]:
    """`ports`: each managed service's typed ports (read once, for the endpoints)."""
    checks = {s.name: overrides.healthcheck(healthcheck(s), s.group, out) for s in services}
    healthy = {s.name: _probes(checks[s.name]) for s in services if s.managed}
    return tuple(
        _effective(
            s, needs.get(s.name, ()), ports.get(s.name, ()), checks[s.name], healthy, manifest, out
        )
        for s in services
    )


def _effective(
    service: ResolvedService,
    needs: tuple[Dependency, ...],
    ports: tuple[PortItem, ...],
    check: HealthcheckSpec,
    healthy: dict[str, bool],
    manifest: Manifest,
    out: Collector,
) -> EffectiveService:
    container, profile, group = service.container, service.profile, service.group
    made = made_of(service, manifest) if service.managed else None
    image = overrides.text(group, "image", out)
    if image is None and isinstance(made, ImageChoice):
        image = made.image
    if image is not None and not image.value.strip():
        hint = "name the image, e.g. `postgres:16.4-alpine`, or give the entry a build source"
        out.add("HSM204", "an empty `image:`", image.span, hint)
    generated = tuple(
        DependsOn(d.service, "service_healthy" if healthy[d.service] else "service_started")
        for d in sorted(needs, key=lambda d: d.service)
        if d.service in healthy
    )
    env = _env_layers(service)
    given = overrides.environment(group, out)
    return EffectiveService(
        resolved=service,
        made=made,
        image=image,
        command=overrides.command(group, "command", out)
        or (profile.command if profile else None)
        or container.command,
        entrypoint=overrides.command(group, "entrypoint", out),
        ports=ports,
        volumes=_volumes(service, manifest, out),
        mounts=tuple(
            Mount(f"./files/{service.name}/{f.name}", f.container_path) for f in container.files
        ),
        healthcheck=check,
        env=(*env, given) if given is not None else env,
        needs=needs,
        depends_on=overrides.depends_on(generated, group, healthy, out),
        files=container.files,
        endpoint=external_endpoint(service),
        extras=overrides.extras(group),
        notes=service_notes(service),
        resources=resources(service),
        liveness=liveness(service),
    )


def _probes(check: HealthcheckSpec) -> bool:
    """Whether dependents wait for the service to be healthy: it has a healthcheck (the fields
    of one without a `test` tune the image's own), not disabled, not `NONE`."""
    test = check.test
    first = test[0].value if isinstance(test, tuple) and test else None
    return not check.empty and check.disable is None and first != "NONE"


def _volumes(service: ResolvedService, manifest: Manifest, out: Collector) -> tuple[Fragment, ...]:
    """The profile's `volumes:` replace the entry's, the group's overrides replace both; a
    relative bind mount is relative to the file that names it, and is rebased onto the output
    directory, where the artifacts live."""
    given = overrides.items(service.group, "volumes", out)
    if given is not None:
        return tuple(_rebased(i, manifest.directory, manifest.output) for i in given)
    profile, container = service.profile, service.container
    items = profile.volumes if profile is not None and profile.volumes is not None else None
    base = container.directory
    return tuple(_rebased(t, base, manifest.output) for t in items or container.volumes)


def made_of(service: ResolvedService, manifest: Manifest) -> ImageChoice | BuildChoice | None:
    """A build source, else an image: the source's, the profile's, the entry's, in that order."""
    source, profile = service.source, service.profile
    if isinstance(source, BuildSource):
        return BuildChoice(
            source,
            _posix_relpath(source.directory, manifest.output),
            _posix_relpath(source.directory, manifest.directory),
        )
    if isinstance(source, ImageSource):
        return ImageChoice(source.image, "source", f"source {source.mode} (image)")
    if profile is not None and profile.image is not None:
        return ImageChoice(profile.image, "profile", f"image of profile {profile.name}")
    if service.container.image is not None:
        return ImageChoice(service.container.image, "entry", "image of the entry")
    return None


def external_endpoint(service: ResolvedService) -> Endpoint | None:
    """Where an external profile says the service runs; None for a managed service."""
    if service.managed or service.profile is None:
        return None
    return profile_endpoint(service.profile)


def profile_endpoint(profile: Profile) -> Endpoint | None:
    """An external profile's `host`, `port` and further fields; None when `host` or `port` is
    missing (parse reports that as HSM207)."""
    fields = {s.key: s for s in profile.external}
    if "host" not in fields or "port" not in fields:
        return None
    extra = tuple(s for s in profile.external if s.key not in ("host", "port"))
    return Endpoint(fields["host"].text, fields["port"].text, extra)


def healthcheck(service: ResolvedService) -> HealthcheckSpec:
    """The profile's healthcheck fields over the entry's, one by one."""
    profile = service.profile
    return _merged_check(profile.healthcheck if profile else None, service.container.healthcheck)


def liveness(service: ResolvedService) -> HealthcheckSpec:
    """The profile's liveness fields over the entry's, one by one."""
    profile = service.profile
    return _merged_check(profile.liveness if profile else None, service.container.liveness)


def _merged_check(o: Healthcheck | None, b: Healthcheck | None) -> HealthcheckSpec:
    test = o.test if o is not None and o.test is not None else b.test if b else None
    return HealthcheckSpec(
        test=test,
        interval=_first(o.interval if o else None, b.interval if b else None),
        timeout=_first(o.timeout if o else None, b.timeout if b else None),
        retries=_first(o.retries if o else None, b.retries if b else None),
        start_period=_first(o.start_period if o else None, b.start_period if b else None),
        start_interval=_first(o.start_interval if o else None, b.start_interval if b else None),
        disable=_first(o.disable if o else None, b.disable if b else None),
    )


def resources(service: ResolvedService) -> ResourceSpec:
    """The profile's quantities over the entry's, one by one (a profile can add limits to the
    entry's requests)."""
    o = service.profile.resources if service.profile else None
    b = service.container.resources
    return ResourceSpec(
        requests_cpu=_first(o.requests_cpu if o else None, b.requests_cpu if b else None),
        requests_memory=_first(o.requests_memory if o else None, b.requests_memory if b else None),
        limits_cpu=_first(o.limits_cpu if o else None, b.limits_cpu if b else None),
        limits_memory=_first(o.limits_memory if o else None, b.limits_memory if b else None),
    )


def _first(over: _T | None, base: _T | None) -> _T | None:
    return over if over is not None else base


def _env_layers(service: ResolvedService) -> tuple[EnvLayer, ...]:
    layers = [EnvLayer(f"`{service.container.name}`", service.container.env)]
    profile = service.profile
    if profile is not None:
        layers.append(EnvLayer(f"profile `{profile.name}`", profile.env, override=True))
    return tuple(layers)


_RELATIVE_BIND = re.compile(r"^(\.{1,2}(?:/[^:]*)?):(.*)$", re.S)
_RELATIVE_PATH = re.compile(r"^\.{1,2}(?:/.*)?$", re.S)


def _rebased(item: Fragment, base: Path, output: Path) -> Fragment:
    """A relative bind mount (`./conf:/etc/x`, or a long-syntax `source: ./conf`) rewritten
    relative to the output directory."""
    if isinstance(item, Text):
        match = _RELATIVE_BIND.match(item.value)
        if match is None:
            return item
        return Text(f"{_relative(base / match.group(1), output)}:{match.group(2)}", item.span)
    if not isinstance(item, FragmentMap):
        return item
    fields = dict(item.items)
    kind, source = fields.get("type"), fields.get("source")
    if not (isinstance(kind, Text) and kind.value == "bind" and isinstance(source, Text)):
        return item
    if not _RELATIVE_PATH.match(source.value):
        return item
    moved = Text(_relative(base / source.value, output), source.span)
    items = tuple((k, moved if k == "source" else v) for k, v in item.items)
    return FragmentMap(items, item.span, item.key_spans)


def _relative(path: Path, output: Path) -> str:
    source = _posix_relpath(path, output)
    return source if source.startswith(".") else f"./{source}"


def _posix_relpath(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()
