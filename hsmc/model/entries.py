"""The registry's entries as parse reads them: sources, package and container entries,
profiles, shipped files, declared params.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from hsmc.model.text import Number, Setting, Span, Text
from hsmc.record import Record, setfield

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
    retries: Number | None
    disable: bool | None

    def __init__(
        self,
        span: Span,
        test: Text | tuple[Text, ...] | None = None,
        interval: Text | None = None,
        timeout: Text | None = None,
        start_period: Text | None = None,
        start_interval: Text | None = None,
        retries: Number | None = None,
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
    port_span: Span | None  # where `port:` is written: its range is checked in validate

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
        port_span: Span | None = None,
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
        setfield(self, "port_span", port_span)
