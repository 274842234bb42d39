"""Typed data shared by the pipeline stages.

Everything here is frozen. The parse stage builds the input model (Manifest, PackageEntry,
ContainerEntry, with a Span on everything a diagnostic may point at); resolve builds the Stack;
interpolate turns every string of the Stack into a Value whose pieces say what is literal text
and what is a run-time ${VAR} reference, so that each artifact can escape it its own way.
"""

from __future__ import annotations

import typing
from collections import deque
from collections.abc import Mapping
from enum import Enum
from pathlib import Path

from hsmc.record import Record, setfield


class Span(Record):
    """A place in an input file: 1-based line and column, plus the source line for snippets."""

    file: str
    line: int
    col: int
    length: int
    source_line: str

    def __init__(
        self, file: str, line: int, col: int = 1, length: int = 1, source_line: str = ""
    ) -> None:
        setfield(self, "file", file)
        setfield(self, "line", line)
        setfield(self, "col", col)
        setfield(self, "length", length)
        setfield(self, "source_line", source_line)


class Text(Record):
    """A string from an input file and where it stands."""

    value: str
    span: Span

    def __init__(self, value: str, span: Span) -> None:
        setfield(self, "value", value)
        setfield(self, "span", span)


class Setting(Record):
    """One `KEY: value` item of a string map (env, params, connection, external, args)."""

    key: str
    text: Text
    key_span: Span

    def __init__(self, key: str, text: Text, key_span: Span) -> None:
        setfield(self, "key", key)
        setfield(self, "text", text)
        setfield(self, "key_span", key_span)


# --- sources -------------------------------------------------------------------------------


class SourceKind(Enum):
    LOCAL = "local"
    PYPI = "pypi"
    GIT = "git"
    IMAGE = "image"
    BUILD = "build"


class LocalSource(Record):
    mode: str
    span: Span
    path: Text
    directory: Path  # absolute; the path resolved against the entry's file
    editable: bool

    def __init__(self, mode: str, span: Span, path: Text, directory: Path, editable: bool) -> None:
        setfield(self, "mode", mode)
        setfield(self, "span", span)
        setfield(self, "path", path)
        setfield(self, "directory", directory)
        setfield(self, "editable", editable)


class PypiSource(Record):
    mode: str
    span: Span
    version: Text | None

    def __init__(self, mode: str, span: Span, version: Text | None) -> None:
        setfield(self, "mode", mode)
        setfield(self, "span", span)
        setfield(self, "version", version)


class GitSource(Record):
    mode: str
    span: Span
    url: Text
    ref: Text | None
    subdirectory: Text | None

    def __init__(
        self, mode: str, span: Span, url: Text, ref: Text | None, subdirectory: Text | None
    ) -> None:
        setfield(self, "mode", mode)
        setfield(self, "span", span)
        setfield(self, "url", url)
        setfield(self, "ref", ref)
        setfield(self, "subdirectory", subdirectory)


class ImageSource(Record):
    mode: str
    span: Span
    image: Text

    def __init__(self, mode: str, span: Span, image: Text) -> None:
        setfield(self, "mode", mode)
        setfield(self, "span", span)
        setfield(self, "image", image)


class WatchRule(Record):
    """A Compose Watch rule of a build source (compose `develop.watch`), checked by parse."""

    action: str  # rebuild | restart | sync | sync+restart
    span: Span  # the rule's `action:`
    path: Text | None  # as written; None: the build context
    directory: Path  # absolute; what the rule watches, resolved against the entry's file
    target: Text | None  # the absolute container path of a sync action
    ignore: tuple[Text, ...]
    initial_sync: bool | None

    def __init__(
        self,
        action: str,
        span: Span,
        path: Text | None,
        directory: Path,
        target: Text | None,
        ignore: tuple[Text, ...] = (),
        initial_sync: bool | None = None,
    ) -> None:
        setfield(self, "action", action)
        setfield(self, "span", span)
        setfield(self, "path", path)
        setfield(self, "directory", directory)
        setfield(self, "target", target)
        setfield(self, "ignore", ignore)
        setfield(self, "initial_sync", initial_sync)


class BuildSource(Record):
    mode: str
    span: Span
    path: Text
    directory: Path  # absolute; the build context resolved against the entry's file
    dockerfile: Text | None
    args: tuple[Setting, ...]
    # None: no `watch:` key (compose watches the context with one `rebuild` rule); (): none
    watch: tuple[WatchRule, ...] | None

    def __init__(
        self,
        mode: str,
        span: Span,
        path: Text,
        directory: Path,
        dockerfile: Text | None,
        args: tuple[Setting, ...],
        watch: tuple[WatchRule, ...] | None = None,
    ) -> None:
        setfield(self, "mode", mode)
        setfield(self, "span", span)
        setfield(self, "path", path)
        setfield(self, "directory", directory)
        setfield(self, "dockerfile", dockerfile)
        setfield(self, "args", args)
        setfield(self, "watch", watch)


PackageSource = LocalSource | PypiSource | GitSource
ContainerSource = ImageSource | BuildSource
Source = PackageSource | ContainerSource


# --- registry entries ----------------------------------------------------------------------


class TargetKind(Enum):
    PACKAGE = "package"
    CONTAINER = "container"


class Implication(Record):
    kind: TargetKind
    target: str
    params: tuple[Setting, ...]
    span: Span

    def __init__(
        self, kind: TargetKind, target: str, params: tuple[Setting, ...], span: Span
    ) -> None:
        setfield(self, "kind", kind)
        setfield(self, "target", target)
        setfield(self, "params", params)
        setfield(self, "span", span)


class PackageEntry(Record):
    name: str
    file: str  # shown to users
    span: Span  # the `name:` line
    description: str | None
    distribution: str
    version: Text | None
    default_source: Text | None
    sources: tuple[PackageSource, ...]
    env: tuple[Setting, ...]
    implies: tuple[Implication, ...]
    modes: tuple[str, ...]  # every key of `sources:`, a source that failed to parse included
    distribution_span: Span | None  # None: no `distribution:` (the name is used)

    def __init__(
        self,
        name: str,
        file: str,
        span: Span,
        description: str | None,
        distribution: str,
        version: Text | None,
        default_source: Text | None,
        sources: tuple[PackageSource, ...],
        env: tuple[Setting, ...],
        implies: tuple[Implication, ...],
        modes: tuple[str, ...] = (),
        distribution_span: Span | None = None,
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "file", file)
        setfield(self, "span", span)
        setfield(self, "description", description)
        setfield(self, "distribution", distribution)
        setfield(self, "version", version)
        setfield(self, "default_source", default_source)
        setfield(self, "sources", sources)
        setfield(self, "env", env)
        setfield(self, "implies", implies)
        setfield(self, "modes", modes)
        setfield(self, "distribution_span", distribution_span)


class Healthcheck(Record):
    span: Span
    test: Text | tuple[Text, ...] | None
    interval: Text | None
    timeout: Text | None
    start_period: Text | None
    start_interval: Text | None
    retries: int | None
    disable: bool | None

    def __init__(
        self,
        span: Span,
        test: Text | tuple[Text, ...] | None = None,
        interval: Text | None = None,
        timeout: Text | None = None,
        start_period: Text | None = None,
        start_interval: Text | None = None,
        retries: int | None = None,
        disable: bool | None = None,
    ) -> None:
        setfield(self, "span", span)
        setfield(self, "test", test)
        setfield(self, "interval", interval)
        setfield(self, "timeout", timeout)
        setfield(self, "start_period", start_period)
        setfield(self, "start_interval", start_interval)
        setfield(self, "retries", retries)
        setfield(self, "disable", disable)


class ResourceSpec(Record):
    """`resources:` of an entry or a profile, in Kubernetes' names: each quantity as written
    (read in interpolate, hsmc/syntax/quantities.py); a profile's over the entry's, one by one."""

    requests_cpu: Text | None
    requests_memory: Text | None
    limits_cpu: Text | None
    limits_memory: Text | None

    def __init__(
        self,
        requests_cpu: Text | None = None,
        requests_memory: Text | None = None,
        limits_cpu: Text | None = None,
        limits_memory: Text | None = None,
    ) -> None:
        setfield(self, "requests_cpu", requests_cpu)
        setfield(self, "requests_memory", requests_memory)
        setfield(self, "limits_cpu", limits_cpu)
        setfield(self, "limits_memory", limits_memory)

    @property
    def texts(self) -> tuple[Text, ...]:
        found = (self.requests_cpu, self.requests_memory, self.limits_cpu, self.limits_memory)
        return tuple(t for t in found if t is not None)


class DeployMode(Enum):
    MANAGED = "managed"
    EXTERNAL = "external"


class Profile(Record):
    name: str
    mode: DeployMode
    span: Span
    image: Text | None
    ports: tuple[Text, ...] | None
    env: tuple[Setting, ...]
    volumes: tuple[Text, ...] | None
    command: Text | tuple[Text, ...] | None
    healthcheck: Healthcheck | None
    external: tuple[Setting, ...]
    resources: ResourceSpec | None
    liveness: Healthcheck | None
    key_spans: tuple[tuple[str, Span], ...]  # every key the profile writes, where

    def __init__(
        self,
        name: str,
        mode: DeployMode,
        span: Span,
        image: Text | None = None,
        ports: tuple[Text, ...] | None = None,
        env: tuple[Setting, ...] = (),
        volumes: tuple[Text, ...] | None = None,
        command: Text | tuple[Text, ...] | None = None,
        healthcheck: Healthcheck | None = None,
        external: tuple[Setting, ...] = (),
        resources: ResourceSpec | None = None,
        liveness: Healthcheck | None = None,
        key_spans: tuple[tuple[str, Span], ...] = (),
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "mode", mode)
        setfield(self, "span", span)
        setfield(self, "image", image)
        setfield(self, "ports", ports)
        setfield(self, "env", env)
        setfield(self, "volumes", volumes)
        setfield(self, "command", command)
        setfield(self, "healthcheck", healthcheck)
        setfield(self, "external", external)
        setfield(self, "resources", resources)
        setfield(self, "liveness", liveness)
        setfield(self, "key_spans", key_spans)


class ShippedFile(Record):
    """A file a container entry ships (`files:`): copied into the output and mounted read-only."""

    container_path: str
    span: Span
    name: str  # the file name under files/SERVICE/
    content: bytes
    executable: bool

    def __init__(
        self, container_path: str, span: Span, name: str, content: bytes, executable: bool
    ) -> None:
        setfield(self, "container_path", container_path)
        setfield(self, "span", span)
        setfield(self, "name", name)
        setfield(self, "content", content)
        setfield(self, "executable", executable)


class ParamSpec(Record):
    """A param a container entry declares (`params:`); values must match `pattern`."""

    name: str
    span: Span
    pattern: Text | None
    description: str | None

    def __init__(
        self, name: str, span: Span, pattern: Text | None, description: str | None
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "span", span)
        setfield(self, "pattern", pattern)
        setfield(self, "description", description)


class ContainerEntry(Record):
    name: str
    file: str
    span: Span
    description: str | None
    image: Text | None
    port: int | None
    ports: tuple[Text, ...]
    env: tuple[Setting, ...]
    volumes: tuple[Text, ...]
    command: Text | tuple[Text, ...] | None
    healthcheck: Healthcheck | None
    files: tuple[ShippedFile, ...]
    connection: tuple[Setting, ...] | None
    implies: tuple[Implication, ...]
    default_source: Text | None
    sources: tuple[ContainerSource, ...]
    default_profile: Text | None
    profiles: tuple[Profile, ...]
    params: tuple[ParamSpec, ...]  # empty: the entry accepts any param
    modes: tuple[str, ...]  # every key of `sources:`, a source that failed to parse included
    directory: Path  # absolute: relative paths in the entry (bind mounts) start here
    resources: ResourceSpec | None
    liveness: Healthcheck | None  # the cluster's liveness probe (compose has none)
    # variables the image reads only when it initialises its data (STACK.md says so)
    init_only_env: tuple[Text, ...]

    def __init__(
        self,
        name: str,
        file: str,
        span: Span,
        description: str | None,
        image: Text | None,
        port: int | None,
        ports: tuple[Text, ...],
        env: tuple[Setting, ...],
        volumes: tuple[Text, ...],
        command: Text | tuple[Text, ...] | None,
        healthcheck: Healthcheck | None,
        files: tuple[ShippedFile, ...],
        connection: tuple[Setting, ...] | None,
        implies: tuple[Implication, ...],
        default_source: Text | None,
        sources: tuple[ContainerSource, ...],
        default_profile: Text | None,
        profiles: tuple[Profile, ...],
        params: tuple[ParamSpec, ...] = (),
        modes: tuple[str, ...] = (),
        directory: Path = Path(),
        resources: ResourceSpec | None = None,
        liveness: Healthcheck | None = None,
        init_only_env: tuple[Text, ...] = (),
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "file", file)
        setfield(self, "span", span)
        setfield(self, "description", description)
        setfield(self, "image", image)
        setfield(self, "port", port)
        setfield(self, "ports", ports)
        setfield(self, "env", env)
        setfield(self, "volumes", volumes)
        setfield(self, "command", command)
        setfield(self, "healthcheck", healthcheck)
        setfield(self, "files", files)
        setfield(self, "connection", connection)
        setfield(self, "implies", implies)
        setfield(self, "default_source", default_source)
        setfield(self, "sources", sources)
        setfield(self, "default_profile", default_profile)
        setfield(self, "profiles", profiles)
        setfield(self, "params", params)
        setfield(self, "modes", modes)
        setfield(self, "directory", directory)
        setfield(self, "resources", resources)
        setfield(self, "liveness", liveness)
        setfield(self, "init_only_env", init_only_env)


# --- where packages run ------------------------------------------------------------------------


class Reach(Enum):
    """Where the stack's Python packages run, and so how they reach a managed service (SPEC
    §3.5): each target says which (hsmc/targets/); resolve decides the endpoints by it."""

    HOST = "host"  # on the machine that publishes the ports: localhost and the published port
    BESIDE = "beside"  # beside the services (a cluster): the service's name and container port


class EnvDialect(Enum):
    """How a target's consumer reads the filled-in `.env` (docs/format.md §12): each target says
    which; `hsmc check --env-file` reads it so (hsmc/parse/envfile.py)."""

    COMPOSE_GO = "compose-go"  # Docker Compose, by compose-go's dotenv: `${VAR}`, `KEY: value`…
    KUSTOMIZE = "kustomize"  # a secretGenerator's `envs:`: `NAME=value`, the value verbatim


# --- the project manifest --------------------------------------------------------------------


class FragmentMap(Record):
    """A free-form YAML mapping (a group's `overrides:`), leaves kept as located Text."""

    items: tuple[tuple[str, Fragment], ...]
    span: Span
    key_spans: tuple[Span, ...]  # one per item, where its key stands

    def __init__(
        self, items: tuple[tuple[str, Fragment], ...], span: Span, key_spans: tuple[Span, ...] = ()
    ) -> None:
        setfield(self, "items", items)
        setfield(self, "span", span)
        setfield(self, "key_spans", key_spans)


class FragmentList(Record):
    items: tuple[Fragment, ...]
    span: Span

    def __init__(self, items: tuple[Fragment, ...], span: Span) -> None:
        setfield(self, "items", items)
        setfield(self, "span", span)


Fragment = Text | FragmentMap | FragmentList


class PackageRef(Record):
    name: str
    mode: Text | None
    span: Span

    def __init__(self, name: str, mode: Text | None, span: Span) -> None:
        setfield(self, "name", name)
        setfield(self, "mode", mode)
        setfield(self, "span", span)


class Group(Record):
    name: str
    span: Span
    selection: Text
    profile: Text | None
    mode: Text | None
    params: tuple[Setting, ...]
    overrides: FragmentMap | None

    def __init__(
        self,
        name: str,
        span: Span,
        selection: Text,
        profile: Text | None,
        mode: Text | None,
        params: tuple[Setting, ...],
        overrides: FragmentMap | None,
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "span", span)
        setfield(self, "selection", selection)
        setfield(self, "profile", profile)
        setfield(self, "mode", mode)
        setfield(self, "params", params)
        setfield(self, "overrides", overrides)


class GroupChoice(Record):
    """What an environment sets for one group of the manifest (`environments: NAME: services:
    container_groups: GROUP:`); None: the top level's."""

    name: str
    span: Span  # the group's key inside the environment
    selection: Text | None
    profile: Text | None
    mode: Text | None

    def __init__(
        self,
        name: str,
        span: Span,
        selection: Text | None = None,
        profile: Text | None = None,
        mode: Text | None = None,
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "span", span)
        setfield(self, "selection", selection)
        setfield(self, "profile", profile)
        setfield(self, "mode", mode)


class Environment(Record):
    """One entry of `environments:`: a named set of choices over the top level (docs/format.md
    §1.3). What it leaves out is the top level's; hsmc/environments.py applies it."""

    name: str
    span: Span  # its key under `environments:`
    targets: tuple[Text, ...] | None  # None: the top level's `targets:`
    output: Path | None  # absolute; None: OUTPUT/NAME
    output_span: Span | None
    default_profile: Text | None
    default_mode: Text | None
    packages: tuple[PackageRef, ...]  # `- NAME: MODE`: the source of a listed package
    groups: tuple[GroupChoice, ...]

    def __init__(
        self,
        name: str,
        span: Span,
        targets: tuple[Text, ...] | None = None,
        output: Path | None = None,
        output_span: Span | None = None,
        default_profile: Text | None = None,
        default_mode: Text | None = None,
        packages: tuple[PackageRef, ...] = (),
        groups: tuple[GroupChoice, ...] = (),
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "span", span)
        setfield(self, "targets", targets)
        setfield(self, "output", output)
        setfield(self, "output_span", output_span)
        setfield(self, "default_profile", default_profile)
        setfield(self, "default_mode", default_mode)
        setfield(self, "packages", packages)
        setfield(self, "groups", groups)


class Difference(Record):
    """A setting in which an environment differs from the default one, for STACK.md."""

    setting: str  # `defaults.mode`, group `api` `mode`, …
    value: str  # in this environment
    default: str  # in the default environment ("" when the top level sets none)

    def __init__(self, setting: str, value: str, default: str) -> None:
        setfield(self, "setting", setting)
        setfield(self, "value", value)
        setfield(self, "default", default)


class Manifest(Record):
    file: str
    directory: Path  # absolute
    name: str
    output: Path  # absolute
    output_span: Span | None  # the manifest's `output:`, None when given on the command line
    registry: tuple[Path, ...]  # absolute, in search order, built-in last
    default_profile: Text | None
    default_mode: Text | None
    packages: tuple[PackageRef, ...]
    groups: tuple[Group, ...]
    span: Span
    name_span: Span | None  # None: the name comes from the directory (always valid)
    targets: tuple[Text, ...]  # `targets:`; empty: compose only
    environments: tuple[Environment, ...]  # `environments:`, in file order
    environments_span: Span | None  # the `environments:` key
    # Set on an environment's variant of the manifest (hsmc/environments.py): its name (None:
    # the default environment, the top level) and what it changes
    environment: str | None
    differences: tuple[Difference, ...]

    def __init__(
        self,
        file: str,
        directory: Path,
        name: str,
        output: Path,
        output_span: Span | None,
        registry: tuple[Path, ...],
        default_profile: Text | None,
        default_mode: Text | None,
        packages: tuple[PackageRef, ...],
        groups: tuple[Group, ...],
        span: Span,
        name_span: Span | None = None,
        targets: tuple[Text, ...] = (),
        environments: tuple[Environment, ...] = (),
        environments_span: Span | None = None,
        environment: str | None = None,
        differences: tuple[Difference, ...] = (),
    ) -> None:
        setfield(self, "file", file)
        setfield(self, "directory", directory)
        setfield(self, "name", name)
        setfield(self, "output", output)
        setfield(self, "output_span", output_span)
        setfield(self, "registry", registry)
        setfield(self, "default_profile", default_profile)
        setfield(self, "default_mode", default_mode)
        setfield(self, "packages", packages)
        setfield(self, "groups", groups)
        setfield(self, "span", span)
        setfield(self, "name_span", name_span)
        setfield(self, "targets", targets)
        setfield(self, "environments", environments)
        setfield(self, "environments_span", environments_span)
        setfield(self, "environment", environment)
        setfield(self, "differences", differences)


class Project(Record):
    """What parse hands on: the manifest and every registry entry it reaches."""

    manifest: Manifest
    packages: Mapping[str, PackageEntry]
    containers: Mapping[str, ContainerEntry]
    available_packages: tuple[str, ...]  # every name the registry roots hold, for did-you-mean
    available_containers: tuple[str, ...]

    def __init__(
        self,
        manifest: Manifest,
        packages: Mapping[str, PackageEntry],
        containers: Mapping[str, ContainerEntry],
        available_packages: tuple[str, ...],
        available_containers: tuple[str, ...],
    ) -> None:
        setfield(self, "manifest", manifest)
        setfield(self, "packages", packages)
        setfield(self, "containers", containers)
        setfield(self, "available_packages", available_packages)
        setfield(self, "available_containers", available_containers)


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
    retries: int | None
    start_period: Text | None
    start_interval: Text | None
    disable: bool | None

    def __init__(
        self,
        test: Text | tuple[Text, ...] | None = None,
        interval: Text | None = None,
        timeout: Text | None = None,
        retries: int | None = None,
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


# --- values after interpolation --------------------------------------------------------------


class Literal(Record):
    text: str

    def __init__(self, text: str) -> None:
        setfield(self, "text", text)


class RuntimeRef(Record):
    """A `${VAR…}` reference kept for run time. `raw` is exactly what the author wrote."""

    _unequal = ("span",)  # equal wherever the author wrote it

    raw: str
    name: str
    default: str | None  # for `:-` / `-`
    required: bool  # `:?` / `?`, or no default at all
    nested: tuple[RuntimeRef, ...]  # references directly inside the default or message
    span: Span | None  # where the author wrote it

    def __init__(
        self,
        raw: str,
        name: str,
        default: str | None,
        required: bool,
        nested: tuple[RuntimeRef, ...] = (),
        span: Span | None = None,
    ) -> None:
        setfield(self, "raw", raw)
        setfield(self, "name", name)
        setfield(self, "default", default)
        setfield(self, "required", required)
        setfield(self, "nested", nested)
        setfield(self, "span", span)


Piece = Literal | RuntimeRef


class Value(Record):
    pieces: tuple[Piece, ...]

    def __init__(self, pieces: tuple[Piece, ...]) -> None:
        setfield(self, "pieces", pieces)

    @property
    def refs(self) -> tuple[RuntimeRef, ...]:
        """Every run-time reference, nested ones (in a default) included."""
        found: list[RuntimeRef] = []
        todo = deque(p for p in self.pieces if isinstance(p, RuntimeRef))
        while todo:  # breadth first: each reference once (`nested` holds direct children)
            ref = todo.popleft()
            found.append(ref)
            todo.extend(ref.nested)
        return tuple(found)

    def plain(self) -> str:
        """The value as a person reads it: literal text as is, references as written."""
        return "".join(p.text if isinstance(p, Literal) else p.raw for p in self.pieces)


class EnvVar(Record):
    key: str
    value: Value
    origin: str  # who gave it, for conflicts and STACK.md
    span: Span

    def __init__(self, key: str, value: Value, origin: str, span: Span) -> None:
        setfield(self, "key", key)
        setfield(self, "value", value)
        setfield(self, "origin", origin)
        setfield(self, "span", span)


class BuildValues(Record):
    context: str  # posix, relative to the output directory
    dockerfile: Value | None
    args: tuple[tuple[str, Value], ...]  # sorted by key

    def __init__(
        self, context: str, dockerfile: Value | None, args: tuple[tuple[str, Value], ...]
    ) -> None:
        setfield(self, "context", context)
        setfield(self, "dockerfile", dockerfile)
        setfield(self, "args", args)


class PackageOut(Record):
    name: str
    requirement: str
    mode: str  # the mode, or "—" for the implicit index source
    source: str  # the kind of source: "local, editable", "pypi", "git", …
    implied_by: tuple[str, ...]

    def __init__(
        self, name: str, requirement: str, mode: str, source: str, implied_by: tuple[str, ...]
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "requirement", requirement)
        setfield(self, "mode", mode)
        setfield(self, "source", source)
        setfield(self, "implied_by", implied_by)


class RuntimeInput(Record):
    name: str
    default: str | None
    required: bool
    secret: bool
    used_in: tuple[str, ...]
    span: Span | None  # the first reference to it

    def __init__(
        self,
        name: str,
        default: str | None,
        required: bool,
        secret: bool,
        used_in: tuple[str, ...],
        span: Span | None = None,
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "default", default)
        setfield(self, "required", required)
        setfield(self, "secret", secret)
        setfield(self, "used_in", used_in)
        setfield(self, "span", span)


class Artifact(Record):
    """A file of the output directory, as emit made it."""

    path: str  # posix, relative to the output directory
    content: bytes
    executable: bool

    def __init__(self, path: str, content: bytes, executable: bool = False) -> None:
        setfield(self, "path", path)
        setfield(self, "content", content)
        setfield(self, "executable", executable)
