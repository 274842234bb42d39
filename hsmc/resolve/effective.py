"""The effective service: each fallback (source → profile → entry, profile over entry, group
overrides) decided once, here, into a record every target reads the same way."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

from hsmc.model import (
    BuildChoice,
    BuildSource,
    Dependency,
    DependsOn,
    EffectiveService,
    Endpoint,
    EnvLayer,
    FragmentList,
    FragmentMap,
    HealthcheckSpec,
    ImageChoice,
    ImageSource,
    Manifest,
    Mount,
    Profile,
    ResolvedService,
    Text,
)
from hsmc.resolve.notes import service_notes
from hsmc.resolve.ports import ports_of, published_ports

_T = TypeVar("_T")


def effective_services(
    services: tuple[ResolvedService, ...],
    needs: Mapping[str, tuple[Dependency, ...]],
    manifest: Manifest,
) -> tuple[EffectiveService, ...]:
    by_name = {s.name: s for s in services}
    return tuple(_effective(s, needs.get(s.name, ()), by_name, manifest) for s in services)


def _effective(
    service: ResolvedService,
    needs: tuple[Dependency, ...],
    by_name: Mapping[str, ResolvedService],
    manifest: Manifest,
) -> EffectiveService:
    container, profile = service.container, service.profile
    base, output = container.directory, manifest.output
    volumes = profile.volumes if profile is not None and profile.volumes is not None else None
    group = service.group
    return EffectiveService(
        resolved=service,
        made=made_of(service, manifest) if service.managed else None,
        command=(profile.command if profile else None) or container.command,
        ports=ports_of(container, profile),
        published=published_ports(container, profile, group),
        volumes=tuple(rebased(t, base, output) for t in volumes or container.volumes),
        mounts=tuple(
            Mount(f"./files/{service.name}/{f.name}", f.container_path) for f in container.files
        ),
        healthcheck=healthcheck(service),
        env=_env_layers(service),
        needs=needs,
        depends_on=_depends_on(needs, by_name),
        files=container.files,
        endpoint=external_endpoint(service),
        overrides=_rebased_overrides(group.overrides, manifest)
        if group is not None and group.overrides is not None
        else None,
        notes=service_notes(service),
    )


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
    o, b = service.profile.healthcheck if service.profile else None, service.container.healthcheck
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


def _first(over: _T | None, base: _T | None) -> _T | None:
    return over if over is not None else base


def _env_layers(service: ResolvedService) -> tuple[EnvLayer, ...]:
    layers = [EnvLayer(f"`{service.container.name}`", service.container.env)]
    profile = service.profile
    if profile is not None:
        layers.append(EnvLayer(f"profile `{profile.name}`", profile.env, override=True))
    return tuple(layers)


def _depends_on(
    needs: tuple[Dependency, ...], by_name: Mapping[str, ResolvedService]
) -> tuple[DependsOn, ...]:
    result = []
    for dep in sorted(needs, key=lambda d: d.service):
        target = by_name[dep.service]
        if target.managed:
            check = healthcheck(target)
            result.append(DependsOn(dep.service, not check.empty and check.disable is None))
    return tuple(result)


_RELATIVE_BIND = re.compile(r"^(\.{1,2}(?:/[^:]*)?):(.*)$")


def rebased(item: Text, base: Path, output: Path) -> Text:
    """A relative bind mount (`./conf:/etc/x`) is relative to the file that names it; the
    artifacts live in the output directory, so it is rewritten relative to the output."""
    match = _RELATIVE_BIND.match(item.value)
    if match is None:
        return item
    source = _posix_relpath(base / match.group(1), output)
    source = source if source.startswith(".") else f"./{source}"
    return Text(f"{source}:{match.group(2)}", item.span)


def _rebased_overrides(overrides: FragmentMap, manifest: Manifest) -> FragmentMap:
    """The relative bind mounts of `overrides: volumes:` start in the project directory."""
    items = []
    for key, fragment in overrides.items:
        if key == "volumes" and isinstance(fragment, FragmentList):
            base, output = manifest.directory, manifest.output
            fragment = FragmentList(
                tuple(
                    rebased(i, base, output) if isinstance(i, Text) else i for i in fragment.items
                ),
                fragment.span,
            )
        items.append((key, fragment))
    return FragmentMap(tuple(items), overrides.span, overrides.key_spans)


def _posix_relpath(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()
