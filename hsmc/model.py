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
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


@dataclass(frozen=True)
class Span:
    """A place in an input file: 1-based line and column, plus the source line for snippets."""

    file: str
    line: int
    col: int = 1
    length: int = 1
    source_line: str = ""


@dataclass(frozen=True)
class Text:
    """A string from an input file and where it stands."""

    value: str
    span: Span


@dataclass(frozen=True)
class Setting:
    """One `KEY: value` item of a string map (env, params, connection, external, args)."""

    key: str
    text: Text
    key_span: Span


# --- sources -------------------------------------------------------------------------------


class SourceKind(Enum):
    LOCAL = "local"
    PYPI = "pypi"
    GIT = "git"
    IMAGE = "image"
    BUILD = "build"


@dataclass(frozen=True)
class LocalSource:
    mode: str
    span: Span
    path: Text
    directory: Path  # absolute; the path resolved against the entry's file
    editable: bool


@dataclass(frozen=True)
class PypiSource:
    mode: str
    span: Span
    version: Text | None


@dataclass(frozen=True)
class GitSource:
    mode: str
    span: Span
    url: Text
    ref: Text | None
    subdirectory: Text | None


@dataclass(frozen=True)
class ImageSource:
    mode: str
    span: Span
    image: Text


@dataclass(frozen=True)
class WatchRule:
    """A Compose Watch rule of a build source (compose `develop.watch`), checked by parse."""

    action: str  # rebuild | restart | sync | sync+restart
    span: Span  # the rule's `action:`
    path: Text | None  # as written; None: the build context
    directory: Path  # absolute; what the rule watches, resolved against the entry's file
    target: Text | None  # the absolute container path of a sync action
    ignore: tuple[Text, ...] = ()
    initial_sync: bool | None = None


@dataclass(frozen=True)
class BuildSource:
    mode: str
    span: Span
    path: Text
    directory: Path  # absolute; the build context resolved against the entry's file
    dockerfile: Text | None
    args: tuple[Setting, ...]
    # None: no `watch:` key (compose watches the context with one `rebuild` rule); (): none
    watch: tuple[WatchRule, ...] | None = None


PackageSource = LocalSource | PypiSource | GitSource
ContainerSource = ImageSource | BuildSource
Source = PackageSource | ContainerSource


# --- registry entries ----------------------------------------------------------------------


class TargetKind(Enum):
    PACKAGE = "package"
    CONTAINER = "container"


@dataclass(frozen=True)
class Implication:
    kind: TargetKind
    target: str
    params: tuple[Setting, ...]
    span: Span


@dataclass(frozen=True)
class PackageEntry:
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
    modes: tuple[str, ...] = ()  # every key of `sources:`, a source that failed to parse included
    distribution_span: Span | None = None  # None: no `distribution:` (the name is used)


@dataclass(frozen=True)
class Healthcheck:
    span: Span
    test: Text | tuple[Text, ...] | None = None
    interval: Text | None = None
    timeout: Text | None = None
    start_period: Text | None = None
    start_interval: Text | None = None
    retries: int | None = None
    disable: bool | None = None


@dataclass(frozen=True)
class ResourceSpec:
    """`resources:` of an entry or a profile, in Kubernetes' names: each quantity as written
    (read in interpolate, hsmc/syntax/quantities.py); a profile's over the entry's, one by one."""

    requests_cpu: Text | None = None
    requests_memory: Text | None = None
    limits_cpu: Text | None = None
    limits_memory: Text | None = None

    @property
    def texts(self) -> tuple[Text, ...]:
        found = (self.requests_cpu, self.requests_memory, self.limits_cpu, self.limits_memory)
        return tuple(t for t in found if t is not None)


class DeployMode(Enum):
    MANAGED = "managed"
    EXTERNAL = "external"


@dataclass(frozen=True)
class Profile:
    name: str
    mode: DeployMode
    span: Span
    image: Text | None = None
    ports: tuple[Text, ...] | None = None
    env: tuple[Setting, ...] = ()
    volumes: tuple[Text, ...] | None = None
    command: Text | tuple[Text, ...] | None = None
    healthcheck: Healthcheck | None = None
    external: tuple[Setting, ...] = ()
    resources: ResourceSpec | None = None
    liveness: Healthcheck | None = None
    key_spans: tuple[tuple[str, Span], ...] = ()  # every key the profile writes, where


@dataclass(frozen=True)
class ShippedFile:
    """A file a container entry ships (`files:`): copied into the output and mounted read-only."""

    container_path: str
    span: Span
    name: str  # the file name under files/SERVICE/
    content: bytes
    executable: bool


@dataclass(frozen=True)
class ParamSpec:
    """A param a container entry declares (`params:`); values must match `pattern`."""

    name: str
    span: Span
    pattern: Text | None
    description: str | None


@dataclass(frozen=True)
class ContainerEntry:
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
    params: tuple[ParamSpec, ...] = ()  # empty: the entry accepts any param
    modes: tuple[str, ...] = ()  # every key of `sources:`, a source that failed to parse included
    directory: Path = Path()  # absolute: relative paths in the entry (bind mounts) start here
    resources: ResourceSpec | None = None
    liveness: Healthcheck | None = None  # the cluster's liveness probe (compose has none)
    # variables the image reads only when it initialises its data (STACK.md says so)
    init_only_env: tuple[Text, ...] = ()


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


@dataclass(frozen=True)
class FragmentMap:
    """A free-form YAML mapping (a group's `overrides:`), leaves kept as located Text."""

    items: tuple[tuple[str, Fragment], ...]
    span: Span
    key_spans: tuple[Span, ...] = ()  # one per item, where its key stands


@dataclass(frozen=True)
class FragmentList:
    items: tuple[Fragment, ...]
    span: Span


Fragment = Text | FragmentMap | FragmentList


@dataclass(frozen=True)
class PackageRef:
    name: str
    mode: Text | None
    span: Span


@dataclass(frozen=True)
class Group:
    name: str
    span: Span
    selection: Text
    profile: Text | None
    mode: Text | None
    params: tuple[Setting, ...]
    overrides: FragmentMap | None


@dataclass(frozen=True)
class GroupChoice:
    """What an environment sets for one group of the manifest (`environments: NAME: services:
    container_groups: GROUP:`); None: the top level's."""

    name: str
    span: Span  # the group's key inside the environment
    selection: Text | None = None
    profile: Text | None = None
    mode: Text | None = None


@dataclass(frozen=True)
class Environment:
    """One entry of `environments:`: a named set of choices over the top level (docs/format.md
    §1.3). What it leaves out is the top level's; hsmc/environments.py applies it."""

    name: str
    span: Span  # its key under `environments:`
    targets: tuple[Text, ...] | None = None  # None: the top level's `targets:`
    output: Path | None = None  # absolute; None: OUTPUT/NAME
    output_span: Span | None = None
    default_profile: Text | None = None
    default_mode: Text | None = None
    packages: tuple[PackageRef, ...] = ()  # `- NAME: MODE`: the source of a listed package
    groups: tuple[GroupChoice, ...] = ()


@dataclass(frozen=True)
class Difference:
    """A setting in which an environment differs from the default one, for STACK.md."""

    setting: str  # `defaults.mode`, group `api` `mode`, …
    value: str  # in this environment
    default: str  # in the default environment ("" when the top level sets none)


@dataclass(frozen=True)
class Manifest:
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
    name_span: Span | None = None  # None: the name comes from the directory (always valid)
    targets: tuple[Text, ...] = ()  # `targets:`; empty: compose only
    environments: tuple[Environment, ...] = ()  # `environments:`, in file order
    environments_span: Span | None = None  # the `environments:` key
    # Set on an environment's variant of the manifest (hsmc/environments.py): its name (None:
    # the default environment, the top level) and what it changes
    environment: str | None = None
    differences: tuple[Difference, ...] = ()


@dataclass(frozen=True)
class Project:
    """What parse hands on: the manifest and every registry entry it reaches."""

    manifest: Manifest
    packages: Mapping[str, PackageEntry]
    containers: Mapping[str, ContainerEntry]
    available_packages: tuple[str, ...]  # every name the registry roots hold, for did-you-mean
    available_containers: tuple[str, ...]


# --- the resolved stack ------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    key: str
    text: Text
    origin: str  # "auth-service" or "group vector-db"


@dataclass(frozen=True)
class ResolvedPackage:
    entry: PackageEntry
    mode: str | None  # None: the implicit index source
    source: PackageSource | None
    listed: bool  # listed in hsm.yaml (else only implied)
    implied_by: tuple[str, ...]


@dataclass(frozen=True)
class ResolvedService:
    """A group (explicit or implicit) with its container, profile and source chosen."""

    name: str
    container: ContainerEntry
    group: Group | None  # None: an implicit group
    profile: Profile | None  # None: the implicit `managed` profile
    source: ContainerSource | None
    params: tuple[Param, ...]
    implied_by: tuple[str, ...]  # packages and services that imply it, in manifest order

    @property
    def managed(self) -> bool:
        return self.profile is None or self.profile.mode is DeployMode.MANAGED


@dataclass(frozen=True)
class Endpoint:
    """Where a service is reached from one kind of dependent (SPEC §3.5)."""

    host: Text
    port: Text | None
    fields: tuple[Setting, ...]  # the further fields of an external profile


@dataclass(frozen=True)
class Dependency:
    """A package or a managed service needs `service`, reached at `endpoint`."""

    service: str
    params: tuple[Setting, ...]  # the params the dependent gave in its implication
    span: Span  # the implication
    endpoint: Endpoint


@dataclass(frozen=True)
class Stack:
    manifest: Manifest
    packages: tuple[ResolvedPackage, ...]  # sorted by name
    services: tuple[ResolvedService, ...]  # sorted by name
    package_needs: Mapping[str, tuple[Dependency, ...]]  # package name -> services it needs
    service_needs: Mapping[str, tuple[Dependency, ...]]  # service name -> services it needs
    effective: tuple[EffectiveService, ...] = ()  # one per service, sorted by name
    input_notes: tuple[Note, ...] = ()  # warnings about no one service (`defaults:`, entries)

    @property
    def notes(self) -> tuple[Note, ...]:
        """Warnings: what the input asked for and the stack cannot do: the stack's own, then
        service by service."""
        return self.input_notes + tuple(note for s in self.effective for note in s.notes)


@dataclass(frozen=True)
class Note:
    """A warning: the build succeeds, but something the input asked for has no effect. Printed
    by `hsmc build` and listed in STACK.md, so that it is never dropped silently."""

    message: str
    span: Span | None


# --- the effective service: every fallback decided once (resolve) ------------------------------


@dataclass(frozen=True)
class ImageChoice:
    """The image a managed service runs: a source's, else the profile's, else the entry's."""

    image: Text
    chosen_from: typing.Literal["source", "profile", "entry"]
    origin: str  # for comments: "source MODE (image)", "image of profile P", "image of the entry"


@dataclass(frozen=True)
class BuildChoice:
    """A build source; its directory relative to the output and to the project (posix)."""

    source: BuildSource
    context: str
    from_project: str


@dataclass(frozen=True)
class HealthcheckSpec:
    """The healthcheck in effect: the profile's fields over the entry's, field by field."""

    test: Text | tuple[Text, ...] | None = None
    interval: Text | None = None
    timeout: Text | None = None
    retries: int | None = None
    start_period: Text | None = None
    start_interval: Text | None = None
    disable: bool | None = None

    @property
    def empty(self) -> bool:
        return self == HealthcheckSpec()


@dataclass(frozen=True)
class EnvLayer:
    """One source of a service's environment; later layers may override earlier ones only
    when `override` is set (a profile's env over the entry's)."""

    origin: str
    settings: tuple[Setting, ...]
    override: bool = False
    final: bool = False  # a group's `overrides:`: over the connections too, last


CONDITIONS = ("service_started", "service_healthy", "service_completed_successfully")


@dataclass(frozen=True)
class DependsOn:
    """A managed service this one needs, and when it counts as ready (one of CONDITIONS:
    `service_healthy` where the dependency has a healthcheck that is not disabled)."""

    service: str
    condition: str
    span: Span | None = None  # a group's `overrides: depends_on:` item; None: an implication
    restart: bool | None = None  # compose's `restart:`/`required:`, from `overrides:` only
    required: bool | None = None

    @property
    def healthy(self) -> bool:
        return self.condition == "service_healthy"


@dataclass(frozen=True)
class PortBinding:
    """One container port of a `ports:` item and where the host publishes it. Leaves are the
    author's located text: interpolate fills them (hsmc/workload.py `Binding`)."""

    container: Text  # digits, or text holding a reference (compose fills it at run time)
    protocol: str  # tcp, udp or sctp
    host_ip: Text | None
    host_port: Text | None  # None: not on a fixed host port (compose chooses one)


@dataclass(frozen=True)
class PortItem:
    """A `ports:` item, short (`[IP:][HOST:]CONTAINER[/PROTO]`) or long syntax: its bindings
    (a range gives one per port) and the item as written, which formats sharing compose's
    syntax write back as it is."""

    bindings: tuple[PortBinding, ...]
    written: Fragment
    span: Span


@dataclass(frozen=True)
class Mount:
    """A read-only mount of a shipped file: `source` is relative to the output directory."""

    source: str
    target: str


@dataclass(frozen=True)
class EffectiveService:
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
    extras: tuple[tuple[str, Fragment], ...] = ()
    notes: tuple[Note, ...] = ()  # what was asked of it and has no effect (warnings)
    resources: ResourceSpec = ResourceSpec()  # the profile's quantities over the entry's
    liveness: HealthcheckSpec = HealthcheckSpec()  # the profile's fields over the entry's

    @property
    def name(self) -> str:
        return self.resolved.name

    @property
    def managed(self) -> bool:
        return self.resolved.managed


# --- values after interpolation --------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    text: str


@dataclass(frozen=True)
class RuntimeRef:
    """A `${VAR…}` reference kept for run time. `raw` is exactly what the author wrote."""

    raw: str
    name: str
    default: str | None  # for `:-` / `-`
    required: bool  # `:?` / `?`, or no default at all
    nested: tuple[RuntimeRef, ...] = ()  # references directly inside the default or message
    span: Span | None = field(default=None, compare=False)  # where the author wrote it


Piece = Literal | RuntimeRef


@dataclass(frozen=True)
class Value:
    pieces: tuple[Piece, ...]

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


@dataclass(frozen=True)
class EnvVar:
    key: str
    value: Value
    origin: str  # who gave it, for conflicts and STACK.md
    span: Span


@dataclass(frozen=True)
class BuildValues:
    context: str  # posix, relative to the output directory
    dockerfile: Value | None
    args: tuple[tuple[str, Value], ...]  # sorted by key


@dataclass(frozen=True)
class PackageOut:
    name: str
    requirement: str
    mode: str  # the mode, or "—" for the implicit index source
    source: str  # the kind of source: "local, editable", "pypi", "git", …
    implied_by: tuple[str, ...]


@dataclass(frozen=True)
class RuntimeInput:
    name: str
    default: str | None
    required: bool
    secret: bool
    used_in: tuple[str, ...]
    span: Span | None = None  # the first reference to it


@dataclass(frozen=True)
class Artifact:
    """A file of the output directory, as emit made it."""

    path: str  # posix, relative to the output directory
    content: bytes
    executable: bool = False
