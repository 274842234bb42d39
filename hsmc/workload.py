"""The typed, target-neutral workload: what interpolate hands on, one per managed service.

Every field an emitter needs, already merged (entry → profile → the group's `overrides:`) and
filled (compile-time references replaced, run-time ones kept as RuntimeRefs): image or build,
command and entrypoint as argv words, ports and volumes as typed records, the healthcheck with
durations in seconds, the environment, what it depends on. A target reads these fields and never
parses a string another stage produced. Where a format shares the input's own syntax (compose),
a record keeps the item as the author wrote it (`written`), so the output reads like the input.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from hsmc.model import (
    BuildValues,
    DependsOn,
    EffectiveService,
    EnvVar,
    Span,
    Stack,
    Value,
)

# A free-form tree as the author wrote it (a long-syntax item, an `overrides:` key no field
# models): maps, lists and filled values.
Node = Value | int | bool | list["Node"] | dict[str, "Node"]


@dataclass(frozen=True)
class Command:
    """`command:` or `entrypoint:`: the argv words, and the form the author wrote. A string is
    split once, as a POSIX shell splits words (compose's rule); a run-time reference inside a
    string is one word here, but compose splits its value at run time (`split_later`)."""

    words: tuple[Value, ...]
    written: Value | tuple[Value, ...]
    span: Span | None  # None: an empty list
    split_later: bool = False  # a string holding a run-time reference


@dataclass(frozen=True)
class Binding:
    """One container port and where the host publishes it."""

    container: int | None  # None: the container port is a run-time reference
    protocol: str  # tcp, udp or sctp
    host_ip: Value | None
    host_port: Value | None  # None: not on a fixed host port


@dataclass(frozen=True)
class Port:
    bindings: tuple[Binding, ...]  # a range gives one per port
    written: Node
    span: Span


class MountKind(Enum):
    VOLUME = "volume"  # a named volume: the stack's data
    BIND = "bind"  # a path of the machine that runs the stack
    TMPFS = "tmpfs"
    ANONYMOUS = "anonymous"  # a volume without a name: scratch space
    UNKNOWN = "unknown"  # a source that a run-time reference decides


@dataclass(frozen=True)
class Volume:
    kind: MountKind
    source: str | None  # the volume's name or the host path; None: anonymous or tmpfs
    target: str  # the path inside the container (a run-time reference as written)
    read_only: bool
    written: Node
    span: Span


@dataclass(frozen=True)
class Duration:
    """A compose duration (`1m30s`, `500ms`) in seconds; None when a run-time reference gives
    it (compose reads it at run time)."""

    seconds: float | None
    written: Value


@dataclass(frozen=True)
class Healthcheck:
    """`test` as compose has it: `("CMD", argv…)`, `("CMD-SHELL", command)` or `("NONE",)`
    (a string test is `CMD-SHELL`); `written` the form the author wrote."""

    test: tuple[Value, ...] | None
    written: Value | tuple[Value, ...] | None
    interval: Duration | None = None
    timeout: Duration | None = None
    retries: int | None = None
    start_period: Duration | None = None
    start_interval: Duration | None = None
    disable: bool | None = None

    @property
    def probes(self) -> bool:
        """Whether it checks anything: a test that is not NONE, and not disabled."""
        if self.disable is True or not self.test:
            return False
        return self.test[0].plain() != "NONE"


@dataclass(frozen=True)
class Resources:
    """`resources:` read (hsmc/syntax/quantities.py): CPU in millicores, memory in bytes; None
    where none is declared."""

    requests_cpu: int | None = None
    requests_memory: int | None = None
    limits_cpu: int | None = None
    limits_memory: int | None = None


@dataclass(frozen=True)
class Workload:
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
    resources: Resources | None = None
    liveness: Healthcheck | None = None  # a liveness probe (a cluster's; compose has none)
    init_only_env: tuple[str, ...] = ()  # variables the image reads when it initialises data

    @property
    def name(self) -> str:
        return self.effective.name


@dataclass(frozen=True)
class CompiledStack:
    """Everything a target needs, merged, interpolated and sorted. The run-time inputs are each
    target's own (the values its artifacts write): hsmc/inputs.py collects them."""

    manifest: str  # the manifest's file name as headers show it
    project: str
    stack: Stack
    workloads: tuple[Workload, ...]  # the managed services, sorted by name
    package_env: tuple[EnvVar, ...]
    project_from_output: str  # posix path of the project directory, relative to the output
    output_from_project: str  # posix path of the output directory, relative to the project
