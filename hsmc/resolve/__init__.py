"""Resolve stage: package closure, implication merging, profile/source selection, endpoints.

Order matters for `${HSM_MERGED_PARAMS.key}`, so it is fixed here: packages depth-first in
manifest order (each package's implications in file order), then implications of managed
services (explicit groups in manifest order, then implicit groups as they appear), then each
group's own `params`.
"""

from __future__ import annotations

import re
from pathlib import Path

from hsmc import observe
from hsmc.errors import Collector, Related, one_of
from hsmc.model import (
    BuildSource,
    ContainerEntry,
    ContainerSource,
    Dependency,
    DeployMode,
    Endpoint,
    Group,
    LocalSource,
    PackageEntry,
    PackageRef,
    PackageSource,
    Param,
    PortItem,
    Profile,
    Project,
    Reach,
    ResolvedPackage,
    ResolvedService,
    Span,
    Stack,
    TargetKind,
    Text,
)
from hsmc.resolve.defaults import check_defaults
from hsmc.resolve.effective import effective_services, profile_endpoint
from hsmc.resolve.notes import unused_versions
from hsmc.resolve.ports import typed_ports, unpublished, written_ports
from hsmc.syntax.ports import main_port, published_port


def resolve(project: Project, reach: Reach = Reach.HOST) -> Stack:
    """`reach` is where the packages run (the target says): on the host they reach a managed
    service at its published host port; beside the services (a cluster), at its name and
    container port, and no host port is published."""
    out = Collector()
    packages = _package_closure(project, out)
    _check_distributions(sorted(packages, key=lambda p: p.entry.name), out)
    binder = _Binder(project, out)
    package_needs = {}
    for package in packages:
        name = package.entry.name
        package_needs[name] = binder.needs(package.entry, name, reach is Reach.HOST)
    service_needs = binder.bind_services()
    services = tuple(sorted(binder.finish(), key=lambda s: s.name))
    ports = {s.name: binder.ports(binder.services[s.name]) for s in services if s.managed}
    effective = effective_services(services, service_needs, ports, project.manifest, out)
    notes = check_defaults(project.manifest, packages, services, out)
    out.raise_if_any()
    return Stack(
        manifest=project.manifest,
        packages=tuple(sorted(packages, key=lambda p: p.entry.name)),
        services=services,
        package_needs=package_needs,
        service_needs=service_needs,
        effective=effective,
        input_notes=notes + unused_versions(sorted(packages, key=lambda p: p.entry.name)),
    )


# --- packages --------------------------------------------------------------------------------


def _package_closure(project: Project, out: Collector) -> list[ResolvedPackage]:
    listed: dict[str, PackageRef] = {}
    for listed_ref in project.manifest.packages:
        listed.setdefault(listed_ref.name, listed_ref)
    order: list[str] = []
    implied_by: dict[str, list[str]] = {}
    # Depth first, each package's implications in file order. A stack of edges, not recursion
    # (a chain may be longer than Python's stack); an edge is recorded when it is walked, as
    # the recursive walk did, so `implied_by` keeps its order.
    todo: list[tuple[str | None, str]] = [
        (None, r.name) for r in reversed(project.manifest.packages)
    ]
    seen: set[str] = set()
    while todo:
        parent, name = todo.pop()
        if parent is not None:
            implied_by.setdefault(name, []).append(parent)
        if name in seen or name not in project.packages:
            continue
        seen.add(name)
        order.append(name)
        edges = [i.target for i in project.packages[name].implies if i.kind is TargetKind.PACKAGE]
        todo += [(name, target) for target in reversed(edges)]
    result = []
    for name in order:
        entry = project.packages[name]
        ref = listed.get(name)
        mode, source = _package_source(entry, ref.mode if ref else None, project, out)
        result.append(
            ResolvedPackage(entry, mode, source, ref is not None, tuple(implied_by.get(name, ())))
        )
    return result


def _check_distributions(packages: list[ResolvedPackage], out: Collector) -> None:
    """Two entries installing one distribution would make requirements.txt unsatisfiable."""
    first: dict[str, ResolvedPackage] = {}
    for package in packages:
        name = re.sub(r"[-_.]+", "-", package.entry.distribution.split("[")[0].strip().lower())
        other = first.setdefault(name, package)
        if other is not package:
            out.add(
                "HSM113",
                f"packages `{other.entry.name}` and `{package.entry.name}` both install `{name}`",
                package.entry.span,
                "select one of them",
                (Related(f"`{other.entry.name}` installs it too", other.entry.span),),
            )


def _package_source(
    entry: PackageEntry, asked: Text | None, project: Project, out: Collector
) -> tuple[str | None, PackageSource | None]:
    by_mode = {s.mode: s for s in entry.sources}
    default_mode = project.manifest.default_mode
    if asked is not None:
        mode = asked.value  # validate checked that it exists
    elif default_mode is not None and default_mode.value in by_mode:
        mode = default_mode.value
    elif entry.default_source is not None:
        mode = entry.default_source.value
    else:
        return None, None
    source = by_mode.get(mode)
    if isinstance(source, LocalSource):
        _check_directory(source.path, source.directory, out)
    return mode, source


def _check_directory(text: Text, directory: Path, out: Collector) -> None:
    try:
        found = observe.is_dir(directory)
    except OSError as exc:
        message = f"cannot read directory `{text.value}`: {exc.strerror or exc}"
        out.add("HSM009", message, text.span, "make it readable")
        return
    if not found:
        out.add(
            "HSM402",
            f"directory `{text.value}` does not exist",
            text.span,
            "paths in an entry are relative to the entry's file",
        )


# --- services ----------------------------------------------------------------------------------


class _Service:
    """A service while the binder fills it in (params and implied_by grow)."""

    __slots__ = (
        "name",
        "container",
        "group",
        "profile",
        "source",
        "params",
        "implied_by",
        "typed_ports",
    )

    def __init__(
        self,
        name: str,
        container: ContainerEntry,
        group: Group | None,
        profile: Profile | None,
        source: ContainerSource | None,
    ) -> None:
        self.name = name
        self.container = container
        self.group = group
        self.profile = profile
        self.source = source
        self.params: list[Param] = []
        self.implied_by: list[str] = []
        self.typed_ports: tuple[PortItem, ...] | None = None  # read once (problems told once)

    @property
    def managed(self) -> bool:
        return self.profile is None or self.profile.mode is DeployMode.MANAGED


class _Binder:
    """Binds implied containers to groups, creating implicit groups on demand."""

    def __init__(self, project: Project, out: Collector) -> None:
        self.project = project
        self.out = out
        self.services: dict[str, _Service] = {}
        self.order: list[str] = []  # names as bound; bind_services walks it as it grows
        self.by_selection: dict[str, str] = {}
        for group in project.manifest.groups:
            container = project.containers.get(group.selection.value)
            if container is None:
                continue
            if group.name not in self.services:
                self.order.append(group.name)
            self.services[group.name] = self._make(group.name, container, group)
            self.by_selection.setdefault(container.name, group.name)

    def bind(self, container: str, span: Span) -> _Service | None:
        if container in self.by_selection:
            return self.services[self.by_selection[container]]
        entry = self.project.containers.get(container)
        if entry is None:
            return None
        clash = self.services.get(container)
        if clash is not None and clash.group is not None:
            hint = (
                f"add a group with `selection: {container}` under another name, or rename "
                f"group `{container}`"
            )
            environment = self.project.manifest.environment
            if environment is not None:  # an environment adds and renames no group (HSM121)
                hint = (
                    f"select `{container}` for group `{container}` in environment "
                    f"`{environment}` too, or {hint} at the top level"
                )
            selects = clash.group.selection
            self.out.add(
                "HSM109",
                f"container `{container}` is implied, but group `{container}` selects "
                f"`{clash.container.name}`",
                span,
                hint,
                (Related(f"group `{container}` selects `{selects.value}` here", selects.span),),
            )
            return None
        service = self._make(container, entry, None)
        self.services[container] = service
        self.order.append(container)
        self.by_selection[container] = container
        return service

    def needs(
        self, entry: PackageEntry | ContainerEntry, origin: str, from_host: bool
    ) -> tuple[Dependency, ...]:
        result = []
        for imp in entry.implies:
            if imp.kind is not TargetKind.CONTAINER:
                continue
            service = self.bind(imp.target, imp.span)
            if service is None:
                continue
            service.params += [Param(s.key, s.text, origin) for s in imp.params]
            if origin not in service.implied_by:
                service.implied_by.append(origin)
            endpoint = self._endpoint(service, from_host, imp.span)
            if endpoint is not None:
                result.append(Dependency(service.name, imp.params, imp.span, endpoint))
        return tuple(result)

    def bind_services(self) -> dict[str, tuple[Dependency, ...]]:
        needs: dict[str, tuple[Dependency, ...]] = {}
        for name in self.order:  # a list grown while walked: each service once, in bind order
            service = self.services[name]
            if service.managed:
                needs[name] = self.needs(service.container, f"service {name}", False)
        for service in self.services.values():
            if service.group is not None:
                origin = f"group {service.name}"
                service.params += [Param(s.key, s.text, origin) for s in service.group.params]
        return needs

    def ports(self, service: _Service) -> tuple[PortItem, ...]:
        """The service's `ports:` once its group's overrides apply, typed (read once)."""
        if service.typed_ports is None:
            items = written_ports(service.container, service.profile, service.group, self.out)
            service.typed_ports = typed_ports(items, self.out)
        return service.typed_ports

    def finish(self) -> list[ResolvedService]:
        return [
            ResolvedService(
                s.name,
                s.container,
                s.group,
                s.profile,
                s.source,
                tuple(s.params),
                tuple(s.implied_by),
            )
            for s in self.services.values()
        ]

    def _endpoint(self, service: _Service, from_host: bool, span: Span) -> Endpoint | None:
        """Where a dependent reaches `service` (SPEC §3.5)."""
        if not service.managed:
            assert service.profile is not None
            return profile_endpoint(service.profile)
        container = service.container
        ports = self.ports(service)
        main = main_port(container, ports)
        if not from_host:
            port = Text(main, container.span) if main else None
            return Endpoint(Text(service.name, container.span), port, ())
        if main is None:
            return Endpoint(Text("localhost", container.span), None, ())  # nothing to connect to
        published = next((p for p in (published_port(i, main) for i in ports) if p), None)
        if published is None:
            unpublished(service.name, container, service.group, main, span, self.out)
            return None
        return Endpoint(Text("localhost", container.span), published, ())

    def _make(self, name: str, container: ContainerEntry, group: Group | None) -> _Service:
        profile = _profile(container, group, self.project, self.out)
        managed = profile is None or profile.mode is DeployMode.MANAGED
        source = (
            _container_source(container, group, profile, self.project, self.out)
            if managed
            else None
        )
        return _Service(name, container, group, profile, source)


def _profile(
    container: ContainerEntry, group: Group | None, project: Project, out: Collector
) -> Profile | None:
    by_name = {p.name: p for p in container.profiles}
    default = project.manifest.default_profile
    if group is not None and group.profile is not None:
        return by_name.get(group.profile.value)  # validate checked it (or it is `managed`)
    if default is not None and default.value in by_name:
        return by_name[default.value]
    if container.default_profile is not None:
        return by_name.get(container.default_profile.value)
    if not by_name:
        return None
    if "managed" in by_name:
        return by_name["managed"]
    where = f"group `{group.name}`" if group else f"implied container `{container.name}`"
    out.add(
        "HSM203",
        f"no deployment profile chosen for {where}",
        group.span if group else container.span,
        one_of(by_name, f"profiles of `{container.name}`")
        + "; choose one with a group's `profile:`, `defaults.profile` or the entry's "
        "`default_profile`",
    )
    return None


def _container_source(
    container: ContainerEntry,
    group: Group | None,
    profile: Profile | None,
    project: Project,
    out: Collector,
) -> ContainerSource | None:
    by_mode = {s.mode: s for s in container.sources}
    default = project.manifest.default_mode
    mode = None
    if group is not None and group.mode is not None:
        mode = group.mode.value
    elif default is not None and default.value in by_mode:
        mode = default.value
    elif container.default_source is not None:
        mode = container.default_source.value
    source = by_mode.get(mode) if mode else None
    if source is None and container.image is None and (profile is None or profile.image is None):
        out.add(
            "HSM204",
            f"container `{container.name}` has no image and no source",
            container.span,
            "give the entry an `image:`, or a source (`type: image` or `type: build`) and "
            "choose it with `mode:` or `default_source:`",
        )
    if isinstance(source, BuildSource):
        _check_directory(source.path, source.directory, out)
        _check_watched(source, out)
    return source


def _check_watched(source: BuildSource, out: Collector) -> None:
    """What a watch rule names (a folder or a file) must exist: Compose Watch cannot watch it."""
    for rule in source.watch or ():
        if rule.path is None:
            continue  # the build context, checked above
        try:
            found = observe.is_dir(rule.directory) or observe.is_file(rule.directory)
        except OSError as exc:
            message = f"cannot read watch path `{rule.path.value}`: {exc.strerror or exc}"
            out.add("HSM009", message, rule.path.span, "make it readable")
            continue
        if not found:
            out.add(
                "HSM402",
                f"watch path `{rule.path.value}` does not exist",
                rule.path.span,
                "paths in an entry are relative to the entry's file",
            )
