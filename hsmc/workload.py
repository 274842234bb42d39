"""The typed, target-neutral workload: what interpolate hands on, one per managed service.

Every field an emitter needs, already merged (entry → profile → the group's `overrides:`) and
filled (compile-time references replaced, run-time ones kept as RuntimeRefs): image or build,
command and entrypoint as argv words, ports and volumes as typed records, the healthcheck with
durations in seconds, the environment, what it depends on. A target reads these fields and never
parses a string another stage produced. Where a format shares the input's own syntax (compose),
a record keeps the item as the author wrote it (`written`), so the output reads like the input.
"""

from __future__ import annotations

from enum import Enum

from hsmc.model import (
    BuildValues,
    DependsOn,
    EffectiveService,
    EnvVar,
    Number,
    Span,
    Stack,
    Value,
)
from hsmc.record import Record, setfield

# A free-form tree as the author wrote it (a long-syntax item, an `overrides:` key no field
# models): maps, lists and filled values.
Node = Value | int | bool | list["Node"] | dict[str, "Node"]


class Command(Record):
    """`command:` or `entrypoint:`: the argv words, and the form the author wrote. A string is
    split once, as a POSIX shell splits words (compose's rule); a run-time reference inside a
    string is one word here, but compose splits its value at run time (`split_later`)."""

    words: tuple[Value, ...]
    written: Value | tuple[Value, ...]
    span: Span | None  # None: an empty list
    split_later: bool  # a string holding a run-time reference

    def __init__(
        self,
        words: tuple[Value, ...],
        written: Value | tuple[Value, ...],
        span: Span | None,
        split_later: bool = False,
    ) -> None:
        setfield(self, "words", words)
        setfield(self, "written", written)
        setfield(self, "span", span)
        setfield(self, "split_later", split_later)


class Binding(Record):
    """One container port and where the host publishes it."""

    container: int | None  # None: the container port is a run-time reference
    protocol: str  # tcp, udp or sctp
    host_ip: Value | None
    host_port: Value | None  # None: not on a fixed host port

    def __init__(
        self, container: int | None, protocol: str, host_ip: Value | None, host_port: Value | None
    ) -> None:
        setfield(self, "container", container)
        setfield(self, "protocol", protocol)
        setfield(self, "host_ip", host_ip)
        setfield(self, "host_port", host_port)


class Port(Record):
    bindings: tuple[Binding, ...]  # a range gives one per port
    written: Node
    span: Span

    def __init__(self, bindings: tuple[Binding, ...], written: Node, span: Span) -> None:
        setfield(self, "bindings", bindings)
        setfield(self, "written", written)
        setfield(self, "span", span)


class MountKind(Enum):
    VOLUME = "volume"  # a named volume: the stack's data
    BIND = "bind"  # a path of the machine that runs the stack
    TMPFS = "tmpfs"
    ANONYMOUS = "anonymous"  # a volume without a name: scratch space
    UNKNOWN = "unknown"  # a source that a run-time reference decides


class Volume(Record):
    kind: MountKind
    source: str | None  # the volume's name or the host path; None: anonymous or tmpfs
    target: str  # the path inside the container (a run-time reference as written)
    read_only: bool
    written: Node
    span: Span

    def __init__(
        self,
        kind: MountKind,
        source: str | None,
        target: str,
        read_only: bool,
        written: Node,
        span: Span,
    ) -> None:
        setfield(self, "kind", kind)
        setfield(self, "source", source)
        setfield(self, "target", target)
        setfield(self, "read_only", read_only)
        setfield(self, "written", written)
        setfield(self, "span", span)


class Duration(Record):
    """A compose duration (`1m30s`, `500ms`) in seconds; None when a run-time reference gives
    it (compose reads it at run time); `span` where the author wrote it."""

    seconds: float | None
    written: Value
    span: Span

    def __init__(self, seconds: float | None, written: Value, span: Span) -> None:
        setfield(self, "seconds", seconds)
        setfield(self, "written", written)
        setfield(self, "span", span)


class Healthcheck(Record):
    """`test` as compose has it: `("CMD", argv…)`, `("CMD-SHELL", command)` or `("NONE",)`
    (a string test is `CMD-SHELL`); `written` the form the author wrote."""

    test: tuple[Value, ...] | None
    written: Value | tuple[Value, ...] | None
    interval: Duration | None
    timeout: Duration | None
    retries: Number | None
    start_period: Duration | None
    start_interval: Duration | None
    disable: bool | None

    def __init__(
        self,
        test: tuple[Value, ...] | None,
        written: Value | tuple[Value, ...] | None,
        interval: Duration | None = None,
        timeout: Duration | None = None,
        retries: Number | None = None,
        start_period: Duration | None = None,
        start_interval: Duration | None = None,
        disable: bool | None = None,
    ) -> None:
        setfield(self, "test", test)
        setfield(self, "written", written)
        setfield(self, "interval", interval)
        setfield(self, "timeout", timeout)
        setfield(self, "retries", retries)
        setfield(self, "start_period", start_period)
        setfield(self, "start_interval", start_interval)
        setfield(self, "disable", disable)

    @property
    def probes(self) -> bool:
        """Whether it checks anything: a test that is not NONE, and not disabled."""
        if self.disable is True or not self.test:
            return False
        return self.test[0].plain() != "NONE"


class Resources(Record):
    """`resources:` read (hsmc/syntax/quantities.py): CPU in millicores, memory in bytes; None
    where none is declared."""

    requests_cpu: int | None
    requests_memory: int | None
    limits_cpu: int | None
    limits_memory: int | None

    def __init__(
        self,
        requests_cpu: int | None = None,
        requests_memory: int | None = None,
        limits_cpu: int | None = None,
        limits_memory: int | None = None,
    ) -> None:
        setfield(self, "requests_cpu", requests_cpu)
        setfield(self, "requests_memory", requests_memory)
        setfield(self, "limits_cpu", limits_cpu)
        setfield(self, "limits_memory", limits_memory)


class Workload(Record):
    """A managed service, every field filled and merged."""

    effective: EffectiveService
    image: Value | None
    build: BuildValues | None
    command: Command | None
    entrypoint: Command | None
    environment: tuple[EnvVar, ...]  # layers and connections merged, sorted by key
    ports: tuple[Port, ...]
    volumes: tuple[Volume, ...]  # the shipped files' mounts are `effective.mounts`
    healthcheck: Healthcheck | None
    depends_on: tuple[DependsOn, ...]
    extras: tuple[tuple[str, Node], ...]  # `overrides:` keys no field models, filled
    resources: Resources | None
    liveness: Healthcheck | None  # a liveness probe (a cluster's; compose has none)
    init_only_env: tuple[str, ...]  # variables the image reads when it initialises data

    def __init__(
        self,
        effective: EffectiveService,
        image: Value | None,
        build: BuildValues | None,
        command: Command | None,
        entrypoint: Command | None,
        environment: tuple[EnvVar, ...],
        ports: tuple[Port, ...],
        volumes: tuple[Volume, ...],
        healthcheck: Healthcheck | None,
        depends_on: tuple[DependsOn, ...],
        extras: tuple[tuple[str, Node], ...],
        resources: Resources | None = None,
        liveness: Healthcheck | None = None,
        init_only_env: tuple[str, ...] = (),
    ) -> None:
        setfield(self, "effective", effective)
        setfield(self, "image", image)
        setfield(self, "build", build)
        setfield(self, "command", command)
        setfield(self, "entrypoint", entrypoint)
        setfield(self, "environment", environment)
        setfield(self, "ports", ports)
        setfield(self, "volumes", volumes)
        setfield(self, "healthcheck", healthcheck)
        setfield(self, "depends_on", depends_on)
        setfield(self, "extras", extras)
        setfield(self, "resources", resources)
        setfield(self, "liveness", liveness)
        setfield(self, "init_only_env", init_only_env)

    @property
    def name(self) -> str:
        return self.effective.name


class CompiledStack(Record):
    """Everything a target needs, merged, interpolated and sorted. The run-time inputs are each
    target's own (the values its artifacts write): hsmc/inputs.py collects them."""

    manifest: str  # the manifest's file name as headers show it
    project: str
    stack: Stack
    workloads: tuple[Workload, ...]  # the managed services, sorted by name
    package_env: tuple[EnvVar, ...]
    project_from_output: str  # posix path of the project directory, relative to the output
    output_from_project: str  # posix path of the output directory, relative to the project

    def __init__(
        self,
        manifest: str,
        project: str,
        stack: Stack,
        workloads: tuple[Workload, ...],
        package_env: tuple[EnvVar, ...],
        project_from_output: str,
        output_from_project: str,
    ) -> None:
        setfield(self, "manifest", manifest)
        setfield(self, "project", project)
        setfield(self, "stack", stack)
        setfield(self, "workloads", workloads)
        setfield(self, "package_env", package_env)
        setfield(self, "project_from_output", project_from_output)
        setfield(self, "output_from_project", output_from_project)
