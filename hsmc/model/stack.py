"""What resolve decides: the resolved packages and services, their endpoints, and the
target-neutral EffectiveService of each service (every fallback decided once).
"""

from __future__ import annotations

import typing
from collections.abc import Mapping

from hsmc.model.entries import (
    BuildSource,
    ContainerEntry,
    ContainerSource,
    DeployMode,
    PackageEntry,
    PackageSource,
    Profile,
    ResourceSpec,
    ShippedFile,
)
from hsmc.model.manifest import Group, Manifest
from hsmc.model.text import Fragment, Number, Setting, Span, Text
from hsmc.record import Record, setfield

# --- the resolved stack ------------------------------------------------------------------------


class Param(Record):
    key: str
    text: Text
    origin: str  # "auth-service" or "group vector-db"

    def __init__(self, key: str, text: Text, origin: str) -> None:
        setfield(self, "key", key)
        setfield(self, "text", text)
        setfield(self, "origin", origin)


class ResolvedPackage(Record):
    entry: PackageEntry
    mode: str | None  # None: the implicit index source
    source: PackageSource | None
    listed: bool  # listed in hsm.yaml (else only implied)
    implied_by: tuple[str, ...]

    def __init__(
        self,
        entry: PackageEntry,
        mode: str | None,
        source: PackageSource | None,
        listed: bool,
        implied_by: tuple[str, ...],
    ) -> None:
        setfield(self, "entry", entry)
        setfield(self, "mode", mode)
        setfield(self, "source", source)
        setfield(self, "listed", listed)
        setfield(self, "implied_by", implied_by)


class ResolvedService(Record):
    """A group (explicit or implicit) with its container, profile and source chosen."""

    name: str
    container: ContainerEntry
    group: Group | None  # None: an implicit group
    profile: Profile | None  # None: the implicit `managed` profile
    source: ContainerSource | None
    params: tuple[Param, ...]
    implied_by: tuple[str, ...]  # packages and services that imply it, in manifest order

    def __init__(
        self,
        name: str,
        container: ContainerEntry,
        group: Group | None,
        profile: Profile | None,
        source: ContainerSource | None,
        params: tuple[Param, ...],
        implied_by: tuple[str, ...],
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "container", container)
        setfield(self, "group", group)
        setfield(self, "profile", profile)
        setfield(self, "source", source)
        setfield(self, "params", params)
        setfield(self, "implied_by", implied_by)

    @property
    def managed(self) -> bool:
        return self.profile is None or self.profile.mode is DeployMode.MANAGED


class Endpoint(Record):
    """Where a service is reached from one kind of dependent (SPEC §3.5)."""

    host: Text
    port: Text | None
    fields: tuple[Setting, ...]  # the further fields of an external profile

    def __init__(self, host: Text, port: Text | None, fields: tuple[Setting, ...]) -> None:
        setfield(self, "host", host)
        setfield(self, "port", port)
        setfield(self, "fields", fields)


class Dependency(Record):
    """A package or a managed service needs `service`, reached at `endpoint`."""

    service: str
    params: tuple[Setting, ...]  # the params the dependent gave in its implication
    span: Span  # the implication
    endpoint: Endpoint

    def __init__(
        self, service: str, params: tuple[Setting, ...], span: Span, endpoint: Endpoint
    ) -> None:
        setfield(self, "service", service)
        setfield(self, "params", params)
        setfield(self, "span", span)
        setfield(self, "endpoint", endpoint)


class Stack(Record):
    manifest: Manifest
    packages: tuple[ResolvedPackage, ...]  # sorted by name
    services: tuple[ResolvedService, ...]  # sorted by name
    package_needs: Mapping[str, tuple[Dependency, ...]]  # package name -> services it needs
    service_needs: Mapping[str, tuple[Dependency, ...]]  # service name -> services it needs
    effective: tuple[EffectiveService, ...]  # one per service, sorted by name
    input_notes: tuple[Note, ...]  # warnings about no one service (`defaults:`, entries)

    def __init__(
        self,
        manifest: Manifest,
        packages: tuple[ResolvedPackage, ...],
        services: tuple[ResolvedService, ...],
        package_needs: Mapping[str, tuple[Dependency, ...]],
        service_needs: Mapping[str, tuple[Dependency, ...]],
        effective: tuple[EffectiveService, ...] = (),
        input_notes: tuple[Note, ...] = (),
    ) -> None:
        setfield(self, "manifest", manifest)
        setfield(self, "packages", packages)
        setfield(self, "services", services)
        setfield(self, "package_needs", package_needs)
        setfield(self, "service_needs", service_needs)
        setfield(self, "effective", effective)
        setfield(self, "input_notes", input_notes)

    @property
    def notes(self) -> tuple[Note, ...]:
        """Warnings: what the input asked for and the stack cannot do: the stack's own, then
        service by service."""
        return self.input_notes + tuple(note for s in self.effective for note in s.notes)


class Note(Record):
    """A warning: the build succeeds, but something the input asked for has no effect. Printed
    by `hsmc build` and listed in STACK.md, so that it is never dropped silently."""

    message: str
    span: Span | None

    def __init__(self, message: str, span: Span | None) -> None:
        setfield(self, "message", message)
        setfield(self, "span", span)


# --- the effective service: every fallback decided once (resolve) ------------------------------


class ImageChoice(Record):
    """The image a managed service runs: a source's, else the profile's, else the entry's."""

    image: Text
    chosen_from: typing.Literal["source", "profile", "entry"]
    origin: str  # for comments: "source MODE (image)", "image of profile P", "image of the entry"

    def __init__(
        self, image: Text, chosen_from: typing.Literal["source", "profile", "entry"], origin: str
    ) -> None:
        setfield(self, "image", image)
        setfield(self, "chosen_from", chosen_from)
        setfield(self, "origin", origin)


class BuildChoice(Record):
    """A build source; its directory relative to the output and to the project (posix)."""

    source: BuildSource
    context: str
    from_project: str

    def __init__(self, source: BuildSource, context: str, from_project: str) -> None:
        setfield(self, "source", source)
        setfield(self, "context", context)
        setfield(self, "from_project", from_project)


class HealthcheckSpec(Record):
    """The healthcheck in effect: the profile's fields over the entry's, field by field."""

    test: Text | tuple[Text, ...] | None
    interval: Text | None
    timeout: Text | None
    retries: Number | None
    start_period: Text | None
    start_interval: Text | None
    disable: bool | None

    def __init__(
        self,
        test: Text | tuple[Text, ...] | None = None,
        interval: Text | None = None,
        timeout: Text | None = None,
        retries: Number | None = None,
        start_period: Text | None = None,
        start_interval: Text | None = None,
        disable: bool | None = None,
    ) -> None:
        setfield(self, "test", test)
        setfield(self, "interval", interval)
        setfield(self, "timeout", timeout)
        setfield(self, "retries", retries)
        setfield(self, "start_period", start_period)
        setfield(self, "start_interval", start_interval)
        setfield(self, "disable", disable)

    @property
    def empty(self) -> bool:
        return self == HealthcheckSpec()


class EnvLayer(Record):
    """One source of a service's environment; later layers may override earlier ones only
    when `override` is set (a profile's env over the entry's)."""

    origin: str
    settings: tuple[Setting, ...]
    override: bool
    final: bool  # a group's `overrides:`: over the connections too, last

    def __init__(
        self,
        origin: str,
        settings: tuple[Setting, ...],
        override: bool = False,
        final: bool = False,
    ) -> None:
        setfield(self, "origin", origin)
        setfield(self, "settings", settings)
        setfield(self, "override", override)
        setfield(self, "final", final)


CONDITIONS = ("service_started", "service_healthy", "service_completed_successfully")


class DependsOn(Record):
    """A managed service this one needs, and when it counts as ready (one of CONDITIONS:
    `service_healthy` where the dependency has a healthcheck that is not disabled)."""

    service: str
    condition: str
    span: Span | None  # a group's `overrides: depends_on:` item; None: an implication
    restart: bool | None  # compose's `restart:`/`required:`, from `overrides:` only
    required: bool | None

    def __init__(
        self,
        service: str,
        condition: str,
        span: Span | None = None,
        restart: bool | None = None,
        required: bool | None = None,
    ) -> None:
        setfield(self, "service", service)
        setfield(self, "condition", condition)
        setfield(self, "span", span)
        setfield(self, "restart", restart)
        setfield(self, "required", required)

    @property
    def healthy(self) -> bool:
        return self.condition == "service_healthy"


class PortBinding(Record):
    """One container port of a `ports:` item and where the host publishes it. Leaves are the
    author's located text: interpolate fills them (hsmc/workload.py `Binding`)."""

    container: Text  # digits, or text holding a reference (compose fills it at run time)
    protocol: str  # tcp, udp or sctp
    host_ip: Text | None
    host_port: Text | None  # None: not on a fixed host port (compose chooses one)

    def __init__(
        self, container: Text, protocol: str, host_ip: Text | None, host_port: Text | None
    ) -> None:
        setfield(self, "container", container)
        setfield(self, "protocol", protocol)
        setfield(self, "host_ip", host_ip)
        setfield(self, "host_port", host_port)


class PortItem(Record):
    """A `ports:` item, short (`[IP:][HOST:]CONTAINER[/PROTO]`) or long syntax: its bindings
    (a range gives one per port) and the item as written, which formats sharing compose's
    syntax write back as it is."""

    bindings: tuple[PortBinding, ...]
    written: Fragment
    span: Span

    def __init__(self, bindings: tuple[PortBinding, ...], written: Fragment, span: Span) -> None:
        setfield(self, "bindings", bindings)
        setfield(self, "written", written)
        setfield(self, "span", span)


class Mount(Record):
    """A read-only mount of a shipped file: `source` is relative to the output directory."""

    source: str
    target: str

    def __init__(self, source: str, target: str) -> None:
        setfield(self, "source", source)
        setfield(self, "target", target)


# EffectiveService's defaults, nothing declared: one of each, shared (records are immutable)
_NO_RESOURCES = ResourceSpec()
_NO_HEALTHCHECK = HealthcheckSpec()


class EffectiveService(Record):
    """One service as every target sees it: the image or build, command, ports, volumes,
    healthcheck, environment layers and dependencies chosen once (entry → profile → the group's
    `overrides:`, merged into each field here, short and long syntax alike). Leaves are the
    authors' located texts; interpolate fills them into a Workload (hsmc/workload.py)."""

    resolved: ResolvedService
    made: ImageChoice | BuildChoice | None  # None: external, or nothing to run (HSM204)
    image: Text | None  # the image it runs: the group's `overrides: image:`, else `made`'s
    command: Text | tuple[Text, ...] | None
    entrypoint: Text | tuple[Text, ...] | None  # only a group's `overrides:` gives one
    # what it publishes: the group's `overrides: ports:` replace the profile's or the entry's
    # (packages.env's host ports follow them); built-ins publish `127.0.0.1:${X_HOST_PORT:-N}:N`
    ports: tuple[PortItem, ...]
    volumes: tuple[Fragment, ...]  # relative bind mounts rebased onto the output directory
    mounts: tuple[Mount, ...]  # the shipped files, which no override may drop
    healthcheck: HealthcheckSpec
    env: tuple[EnvLayer, ...]  # the group's `overrides: environment:` last, over the others
    needs: tuple[Dependency, ...]  # what it needs, with the endpoint it reaches each at
    depends_on: tuple[DependsOn, ...]  # the managed ones among them and the overrides', sorted
    files: tuple[ShippedFile, ...]
    endpoint: Endpoint | None  # external services: where the outside world runs it
    # the keys of the group's `overrides:` that no field above models, as written (bind mounts
    # rebased): targets write them where their format has the key, or refuse them
    extras: tuple[tuple[str, Fragment], ...]
    notes: tuple[Note, ...]  # what was asked of it and has no effect (warnings)
    resources: ResourceSpec  # the profile's quantities over the entry's
    liveness: HealthcheckSpec  # the profile's fields over the entry's

    def __init__(
        self,
        resolved: ResolvedService,
        made: ImageChoice | BuildChoice | None,
        image: Text | None,
        command: Text | tuple[Text, ...] | None,
        entrypoint: Text | tuple[Text, ...] | None,
        ports: tuple[PortItem, ...],
        volumes: tuple[Fragment, ...],
        mounts: tuple[Mount, ...],
        healthcheck: HealthcheckSpec,
        env: tuple[EnvLayer, ...],
        needs: tuple[Dependency, ...],
        depends_on: tuple[DependsOn, ...],
        files: tuple[ShippedFile, ...],
        endpoint: Endpoint | None,
        extras: tuple[tuple[str, Fragment], ...] = (),
        notes: tuple[Note, ...] = (),
        resources: ResourceSpec = _NO_RESOURCES,
        liveness: HealthcheckSpec = _NO_HEALTHCHECK,
    ) -> None:
        setfield(self, "resolved", resolved)
        setfield(self, "made", made)
        setfield(self, "image", image)
        setfield(self, "command", command)
        setfield(self, "entrypoint", entrypoint)
        setfield(self, "ports", ports)
        setfield(self, "volumes", volumes)
        setfield(self, "mounts", mounts)
        setfield(self, "healthcheck", healthcheck)
        setfield(self, "env", env)
        setfield(self, "needs", needs)
        setfield(self, "depends_on", depends_on)
        setfield(self, "files", files)
        setfield(self, "endpoint", endpoint)
        setfield(self, "extras", extras)
        setfield(self, "notes", notes)
        setfield(self, "resources", resources)
        setfield(self, "liveness", liveness)

    @property
    def name(self) -> str:
        return self.resolved.name

    @property
    def managed(self) -> bool:
        return self.resolved.managed
